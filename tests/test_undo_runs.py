"""Undo records of inserted rows come one per run of new ids, and every reader finds the rows
inside a run: undo itself, what blocks an undo, and a participant's export."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data_access import models, undo_records
from data_access.privacy import export_participant
from data_access.undo import UndoRefused, undo_import
from tests import workbooks as wb
from tests.test_undo import ADMIN_VIEWER, snapshot


def _rows(count: int, days: int = 5) -> list[dict]:
    return [
        wb.engagement_row({"Package ID": f"PKG-R{index // 2}", "Participant ID": f"P-R{index}", "Days delivered": days})
        for index in range(count)
    ]


def test_one_record_per_run_and_an_exact_undo(engine):
    wb.seed(engine)
    before = snapshot(engine)
    first = wb.run_import(engine, "first.xlsx", wb.quarterly_return(engagements=_rows(30)))
    with Session(engine) as session:
        records = session.scalars(
            select(models.RowChange).where(
                models.RowChange.import_id == first.import_id, models.RowChange.before.is_(None)
            )
        ).all()
        (run,) = records  # the stored engagement missing from this return has a record of its own
        ids = session.scalars(select(models.Engagement.id).where(models.Engagement.import_id == first.import_id)).all()
        assert undo_records.row_ids(run) == range(min(ids), max(ids) + 1) and len(ids) == 30
        assert run.before is None and "participant_name" not in run.after
    with Session(engine) as session, session.begin():
        assert undo_import(session, first.import_id, ADMIN_VIEWER).deleted == 30
    assert snapshot(engine) == before


def test_a_later_import_of_a_row_inside_a_run_blocks_the_undo_and_both_undo_exactly(engine):
    wb.seed(engine)
    before = snapshot(engine)
    first = wb.run_import(engine, "first.xlsx", wb.quarterly_return(engagements=_rows(30)))
    middle = _rows(30)
    middle[17]["Days delivered"] = 9  # a row well inside the first import's run
    second = wb.run_import(engine, "second.xlsx", wb.quarterly_return(engagements=middle))
    assert second.plan.totals()["updated"] == 1
    with Session(engine) as session:
        change = session.scalars(
            select(models.RowChange).where(
                models.RowChange.import_id == second.import_id,
                models.RowChange.table_name == "engagements",
                models.RowChange.after.is_not(None),
            )
        ).all()[-1]
        assert change.before["import_id"] == first.import_id  # the writer it replaced, given back by undo
    with Session(engine) as session, session.begin(), pytest.raises(UndoRefused) as refused:
        undo_import(session, first.import_id, ADMIN_VIEWER)
    assert [item["id"] for item in refused.value.blocking] == [second.import_id]
    with Session(engine) as session, session.begin():
        undo_import(session, second.import_id, ADMIN_VIEWER)
    with engine.connect() as connection:
        assert (
            connection.scalar(text("SELECT import_id FROM engagements WHERE participant_id = 'P-R17'"))
            == first.import_id
        )
    with Session(engine) as session, session.begin():
        undo_import(session, first.import_id, ADMIN_VIEWER)
    assert snapshot(engine) == before


def test_a_participant_inside_a_run_is_told_which_import_wrote_their_row(engine):
    wb.seed(engine)
    first = wb.run_import(engine, "first.xlsx", wb.quarterly_return(engagements=_rows(10)))
    with Session(engine) as session, session.begin():
        exported = export_participant(session, "P-R6", ADMIN_VIEWER)
    (entry,) = exported["import_history"]
    assert entry["import_id"] == first.import_id and entry["before"] is None
    assert "participant_id" not in entry["after"]  # the run's first row is someone else's
