"""Erasing a contract's personal data after retention, and exporting one participant's data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, CONTRACT_MANAGER, Viewer
from data_access import models
from data_access.privacy import (
    ErasureRefused,
    erasable_from,
    erase_personal_data,
    export_participant,
)
from data_access.services import import_file
from tests import workbooks as wb
from tests.cli_runner import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[1]
ADMIN_VIEWER = Viewer("admin@example.gov.uk", ADMIN)
NAME, EVIDENCE = "Ann Example", "She chaired the new corporate parenting board."


def _load(engine, name, sheets):
    outcome = import_file(engine, name, wb.xlsx(sheets), "loader")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]


@pytest.fixture
def with_people(engine):
    """CON-1 (ends 31/03/2024, extension to 31/03/2025) and CON-2 (ends 31/03/2024), one named participant each."""
    _load(
        engine,
        "register.xlsx",
        wb.register(
            [
                wb.contract_row(**{"Extension up to": date(2025, 3, 31)}),
                wb.contract_row(**{"Contract reference": "CON-2"}),
            ]
        ),
    )
    _load(engine, "pricing.xlsx", wb.pricing_schedule())
    _load(engine, "pricing-2.xlsx", wb.pricing_schedule(contract="CON-2"))
    for contract in ("CON-1", "CON-2"):
        engagement = {"Contract reference": contract, "Participant name": NAME}
        follow_up = {
            "Contract reference": contract,
            "Stage": "Follow-up",
            "Response date": date(2021, 10, 1),
            "Confidence": 4,
            "Impact demonstrated": "Yes",
            "Evidence": EVIDENCE,
        }
        _load(
            engine,
            f"{contract}-q1.xlsx",
            wb.quarterly_return(
                engagements=[wb.engagement_row(**engagement)],
                survey=[wb.survey_row(**{"Contract reference": contract}), wb.survey_row(**follow_up)],
                finance=[wb.finance_row(**{"Contract reference": contract})],
            ),
        )
        # a second return changes the name, so the import history holds it twice
        _load(
            engine,
            f"{contract}-q2.xlsx",
            wb.quarterly_return(engagements=[wb.engagement_row(**{**engagement, "Participant name": NAME + " Jr"})]),
        )
    return engine


def _personal(engine, contract: str) -> list:
    with Session(engine) as session:
        C, E, S = models.Contract, models.Engagement, models.SurveyResponse
        names = session.scalars(
            select(E.participant_name).join(C, C.id == E.contract_id).where(C.reference == contract)
        ).all()
        evidence = session.scalars(
            select(S.evidence).join(C, C.id == S.contract_id).where(C.reference == contract)
        ).all()
        history = session.scalars(select(models.RowChange)).all()
        return [v for v in names + evidence if v] + [
            change.id
            for change in history
            for side in (change.before or {}, change.after or {})
            if side.get("participant_name") or side.get("evidence")
            if _contract_of(session, change) == contract
        ]


def _contract_of(session, change) -> str:
    model = models.Engagement if change.table_name == "engagements" else models.SurveyResponse
    row = session.get(model, change.row_id)
    return session.get(models.Contract, row.contract_id).reference


def test_the_retention_period_runs_from_the_latest_end(with_people):
    with Session(with_people) as session:
        con1 = session.scalar(select(models.Contract).where(models.Contract.reference == "CON-1"))
        assert erasable_from(con1, 24) == date(2027, 3, 31)
        assert erasable_from(con1, 0) == date(2025, 3, 31)
        with pytest.raises(ErasureRefused, match="kept until 31/03/2027"):
            erase_personal_data(session, "CON-1", ADMIN_VIEWER, today=date(2027, 3, 30), retention_months=24)
        with pytest.raises(ErasureRefused, match="no contract"):
            erase_personal_data(session, "CON-404", ADMIN_VIEWER, today=date(2030, 1, 1))
        with pytest.raises(PermissionError):
            erase_personal_data(
                session, "CON-1", Viewer("cm@x", CONTRACT_MANAGER, contracts=("CON-1",)), today=date(2030, 1, 1)
            )


def test_undo_records_of_inserted_rows_copy_no_names_or_evidence(with_people):
    with Session(with_people) as session:
        inserted = session.scalars(
            select(models.RowChange).where(
                models.RowChange.table_name.in_(("engagements", "survey_responses")), models.RowChange.before.is_(None)
            )
        ).all()
        assert {change.table_name for change in inserted} == {"engagements", "survey_responses"}
        for change in inserted:
            assert "participant_name" not in change.after and "evidence" not in change.after
            assert {"contract_id", "package_id", "participant_id"} <= set(change.after)  # the key: what undo needs


def test_erasure_removes_names_and_evidence_everywhere_and_only_for_that_contract(with_people):
    engine = with_people
    assert _personal(engine, "CON-1") and _personal(engine, "CON-2")
    with Session(engine) as session, session.begin():
        result = erase_personal_data(session, "con-1", ADMIN_VIEWER, today=date(2027, 3, 31), retention_months=24)
    # the one undo record holding personal data: the second return's change of name (before and after)
    assert result["names_erased"] == 1 and result["evidence_erased"] == 1 and result["history_rows_scrubbed"] == 1
    assert _personal(engine, "CON-1") == []
    assert _personal(engine, "CON-2")
    with Session(engine) as session:
        event = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "erase")).one()
        assert event.detail["contract"] == "CON-1" and NAME not in json.dumps(event.detail)


def _run(module: str, *arguments: str, env: dict | None = None) -> CliResult:
    return run_cli(module, *arguments, environment=env)


def test_erase_command_keeps_every_figure(with_people, database_url):
    kpis = ["kpis", "--json", "--as-of", "2024-03-31", "--db", database_url]
    before = _run("dashboard", *kpis)
    assert before.returncode == 0, before.stderr
    refused = _run(
        "data_access",
        "erase-personal-data",
        "--contract",
        "CON-2",
        "--db",
        database_url,
        env={"DASHBOARD_RETENTION_MONTHS": "1200"},
    )
    assert refused.returncode == 1 and "cannot be erased before" in refused.stderr
    assert _personal(with_people, "CON-2")
    done = _run(
        "data_access",
        "erase-personal-data",
        "--contract",
        "CON-2",
        "--db",
        database_url,
        env={"DASHBOARD_RETENTION_MONTHS": "0"},
    )
    assert done.returncode == 0, done.stderr
    assert "CON-2: erased 1 participant name(s) and 1 survey evidence text(s)" in done.stdout
    assert _personal(with_people, "CON-2") == []
    after = _run("dashboard", *kpis)
    assert after.stdout == before.stdout
    assert json.loads(after.stdout)["kpis"]  # the comparison is about real figures


def test_export_participant_command(with_people, database_url, tmp_path):
    out = tmp_path / "p-1.json"
    done = _run("data_access", "export-participant", "P-1", "--out", str(out), "--db", database_url)
    assert done.returncode == 0, done.stderr
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["participant_id"] == "P-1"
    assert {(e["contract"], e["participant_name"]) for e in exported["engagements"]} == {
        ("CON-1", NAME + " Jr"),
        ("CON-2", NAME + " Jr"),
    }
    assert sorted(r["evidence"] for r in exported["survey_responses"] if r["evidence"]) == [EVIDENCE, EVIDENCE]
    assert any(h["before"] and h["before"].get("participant_name") == NAME for h in exported["import_history"])
    printed = _run("data_access", "export-participant", "P-404", "--db", database_url)
    assert printed.returncode == 0 and json.loads(printed.stdout)["engagements"] == []
    assert "nothing is held" in printed.stderr
    with Session(with_people) as session:
        events = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.action == "export_personal_data")
        ).all()
        assert [e.detail["participant_id"] for e in events] == ["P-1", "P-404"]
        assert all(e.actor.startswith("cli:") for e in events)


def test_export_needs_an_administrator(with_people):
    with Session(with_people) as session, pytest.raises(PermissionError):
        export_participant(session, "P-1", Viewer("cm@x", CONTRACT_MANAGER, contracts=("CON-1",)))


def _one_participant(participant: str, name: str) -> list:
    return wb.quarterly_return(
        engagements=[
            wb.engagement_row(**{"Package ID": "PKG-R", "Participant ID": participant, "Participant name": name})
        ]
    )


def test_an_undone_row_s_history_never_passes_to_a_later_participant(engine):
    """Undo records are keyed by row id; a deleted row's id is never handed out again
    (SQLite AUTOINCREMENT, PostgreSQL sequences), so PE-2's export holds none of PE-1's names."""
    from data_access.undo import undo_import

    _load(engine, "register.xlsx", wb.register([wb.contract_row()]))
    _load(engine, "pricing.xlsx", wb.pricing_schedule())
    first = import_file(engine, "a.xlsx", wb.xlsx(_one_participant("PE-1", "Firstname Alpha")), "loader").import_id
    second = import_file(engine, "b.xlsx", wb.xlsx(_one_participant("PE-1", "Renamed Bravo")), "loader").import_id
    for import_id in (second, first):
        with Session(engine) as session, session.begin():
            undo_import(session, import_id, ADMIN_VIEWER)
    _load(engine, "c.xlsx", _one_participant("PE-2", "Other Charlie"))
    with Session(engine) as session, session.begin():
        exported = json.dumps(export_participant(session, "PE-2", ADMIN_VIEWER))
    assert "Other Charlie" in exported
    assert "Firstname Alpha" not in exported and "Renamed Bravo" not in exported
    assert "PE-1" not in exported
