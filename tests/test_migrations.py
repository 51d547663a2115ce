"""Upgrading a database made by an earlier version keeps every row and reference."""

from __future__ import annotations

from unittest.mock import patch

from alembic import command
from sqlalchemy import inspect, text

from data_access.db import alembic_config, make_engine, migrate
from data_access.reference import load_reference_data
from tests import workbooks as wb
from tests.conftest import sqlite_only

UNDONE_TABLES = (
    "contracts",
    "milestones",
    "allocations",
    "day_rates",
    "engagements",
    "survey_responses",
    "invoice_lines",
    "la_status",
)


def _contents(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')).all()
            for table in inspect(engine).get_table_names()
            if table not in ("alembic_version", "sqlite_sequence")
        }


@sqlite_only
def test_undo_keys_upgrade_keeps_the_data_and_never_reuses_an_id(database_url):
    """0003 rebuilds the tables undo records point at with AUTOINCREMENT, data and ids kept; the
    next id is above every id an undo record names, even of a row deleted before the upgrade."""
    from sqlalchemy.orm import Session

    from data_access.undo import undo_import
    from tests.test_undo import ADMIN_VIEWER

    engine = make_engine(database_url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")  # the schema before 0003 (whose models the seeding below uses)
    with Session(engine) as session, session.begin(), patch("data_access.lait.load_shipped"):
        load_reference_data(session)  # the LAIT tables come later, with 0004
    wb.seed(engine)
    late = wb.run_import(
        engine,
        "late.xlsx",
        wb.quarterly_return(
            engagements=[
                wb.engagement_row(**{"Package ID": "PKG-L", "Participant ID": "P-L", "Participant name": "Late Person"})
            ]
        ),
    )
    with Session(engine) as session, session.begin():
        undo_import(session, late.import_id, ADMIN_VIEWER)  # the largest engagement id is now free again
    before = _contents(engine)
    with engine.connect() as connection:
        undone_row = connection.scalar(text("SELECT max(row_id) FROM row_changes WHERE table_name = 'engagements'"))
        assert undone_row > connection.scalar(text("SELECT max(id) FROM engagements"))

    migrate(engine)
    after = _contents(engine)
    assert {table: after[table] for table in before} == before  # later migrations may add tables
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        for table in UNDONE_TABLES:
            sql = connection.scalar(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table})
            assert "AUTOINCREMENT" in sql, table
        indexes = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
    assert {"ix_engagements_contract_dates", "ix_engagements_la_code"} <= indexes
    wb.import_ok(
        engine,
        "next.xlsx",
        wb.quarterly_return(engagements=[wb.engagement_row(**{"Package ID": "PKG-N", "Participant ID": "P-N"})]),
    )
    with engine.connect() as connection:
        new_id = connection.scalar(text("SELECT id FROM engagements WHERE participant_id = 'P-N'"))
    assert new_id > undone_row
    engine.dispose()
