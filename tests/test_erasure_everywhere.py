"""Erasure leaves a contract's personal data nowhere: not in its rows, not in the undo records of
rows since deleted, not in rejected imports' error messages, not in file names or audit payloads.

Proven by reading every text and JSON column of every table after the erasure."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, Viewer
from data_access import access, models
from data_access.privacy import erase_personal_data
from data_access.undo import undo_import
from tests import workbooks as wb

ADMIN_VIEWER = Viewer("admin@example.gov.uk", ADMIN)
KEPT_NAME = "Keptname Kilo"  # CON-2's participant: not erased
ERASED = {
    "stored name": "Storedname Sierra",
    "earlier name": "Earliername Echo",
    "undone name": "Undonename Uniform",
    "undone rename": "Renamedname Romeo",
    "evidence": "Chaired the corporate parenting board in Sefton",
    "undone evidence": "Undone evidence about Tango",
    "rejected cell": "Secretname Echo",
}


def _ok(engine, name, sheets, viewer=ADMIN_VIEWER):
    outcomes = access.confirm_uploads(engine, viewer, [(name, wb.xlsx(sheets))])
    assert outcomes[0].import_id, [str(p) for p in outcomes[0].plan.errors]
    return outcomes[0].import_id


def _engagement(contract, package, participant, name):
    return wb.engagement_row(
        **{
            "Contract reference": contract,
            "Package ID": package,
            "Participant ID": participant,
            "Participant name": name,
        }
    )


def _evidence(contract, package, participant, text):
    return wb.survey_row(
        **{
            "Contract reference": contract,
            "Package ID": package,
            "Participant ID": participant,
            "Stage": "Follow-up",
            "Response date": date(2021, 10, 1),
            "Confidence": 4,
            "Impact demonstrated": "Yes",
            "Evidence": text,
        }
    )


@pytest.fixture
def people(engine):
    _ok(engine, "register.xlsx", wb.register([wb.contract_row(), wb.contract_row(**{"Contract reference": "CON-2"})]))
    _ok(engine, "pricing.xlsx", wb.pricing_schedule())
    _ok(engine, "pricing-2.xlsx", wb.pricing_schedule(contract="CON-2"))
    _ok(engine, "con-2.xlsx", wb.quarterly_return(engagements=[_engagement("CON-2", "PKG-1", "P-1", KEPT_NAME)]))
    # a stored name (renamed once, so the undo record holds both) and evidence
    _ok(
        engine,
        f"{ERASED['earlier name']} return.xlsx",
        wb.quarterly_return(
            engagements=[_engagement("CON-1", "PKG-1", "P-1", ERASED["earlier name"])],
            survey=[wb.survey_row(), _evidence("CON-1", "PKG-1", "P-1", ERASED["evidence"])],
        ),
    )
    _ok(
        engine,
        "q2.xlsx",
        wb.quarterly_return(engagements=[_engagement("CON-1", "PKG-1", "P-1", ERASED["stored name"])]),
    )
    # rows imported, renamed, then both imports undone: the rows are gone, their undo records stay
    first = _ok(
        engine,
        "a.xlsx",
        wb.quarterly_return(
            engagements=[_engagement("CON-1", "PKG-U", "P-U", ERASED["undone name"])],
            survey=[
                wb.survey_row(**{"Package ID": "PKG-U", "Participant ID": "P-U"}),
                _evidence("CON-1", "PKG-U", "P-U", ERASED["undone evidence"]),
            ],
        ),
    )
    second = _ok(
        engine,
        "b.xlsx",
        wb.quarterly_return(
            engagements=[_engagement("CON-1", "PKG-U", "P-U", ERASED["undone rename"])],
            survey=[_evidence("CON-1", "PKG-U", "P-U", ERASED["undone evidence"] + " revised")],
        ),
    )
    for import_id in (second, first):
        with Session(engine) as session, session.begin():
            undo_import(session, import_id, ADMIN_VIEWER)
    # a rejected return whose error quotes a cell holding a name
    bad = wb.engagement_row(**{"Package ID": "PKG-X", "Participant ID": "P-X", "Start date": ERASED["rejected cell"]})
    # (an import confirmed and refused: a check alone writes no import row, only an audit event)
    outcomes = access.confirm_uploads(
        engine, ADMIN_VIEWER, [("rejected.xlsx", wb.xlsx(wb.quarterly_return(engagements=[bad])))]
    )
    assert any(ERASED["rejected cell"] in str(problem) for problem in outcomes[0].plan.errors)
    return engine


def _text_cells(engine) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text and JSON value of every table."""
    found = []
    with Session(engine) as session:
        for table in models.Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for column, value in zip(columns, row):
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                        found.append((table.name, column.name, text))
    return found


def _holding(engine, texts) -> set[tuple[str, str, str]]:
    return {(table, column, text) for table, column, cell in _text_cells(engine) for text in texts if text in cell}


def test_erasure_leaves_no_name_or_evidence_in_any_column(people):
    before = {(table, column) for table, column, _ in _holding(people, ERASED.values())}
    # every place the probe found personal data is in the scenario
    assert {
        ("engagements", "participant_name"),
        ("survey_responses", "evidence"),
        ("row_changes", "before"),
        ("row_changes", "after"),
        ("imports", "summary"),
        ("imports", "file_name"),
        ("audit_events", "detail"),
    } <= before
    with Session(people) as session, session.begin():
        erase_personal_data(session, "CON-1", ADMIN_VIEWER, today=date(2030, 1, 1), retention_months=24)
    assert _holding(people, ERASED.values()) == set()
    assert ("engagements", "participant_name") in {(t, c) for t, c, _ in _holding(people, [KEPT_NAME])}
    with Session(people) as session:  # the rejected import still says where and what was wrong
        rejected = session.scalars(select(models.ImportRecord).where(models.ImportRecord.outcome == "rejected")).one()
        assert rejected.summary["error_count"] == len(rejected.summary["errors"]) >= 1
        assert any(":Engagements:" in error and "Start date" in error for error in rejected.summary["errors"])
