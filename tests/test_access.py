"""Each role, calling the repositories directly, cannot read or change what it must not."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, BOARD, CASE_LEAD, CONTRACT_MANAGER, Viewer
from data_access import access, audit, models
from data_access.repositories import Scope
from data_access.services import import_file
from tests import workbooks as wb
from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parents[1]
SEFTON, CAMDEN = "E08000014", "E09000007"
NORTH_WEST, LONDON = "E12000002", "E12000007"

ADMIN_VIEWER = Viewer("admin@example.gov.uk", ADMIN)
BOARD_VIEWER = Viewer("board@example.gov.uk", BOARD)
CM_ONE = Viewer("cm1@example.gov.uk", CONTRACT_MANAGER, contracts=("CON-1",))
CM_TWO = Viewer("cm2@example.gov.uk", CONTRACT_MANAGER, contracts=("CON-2",))
LEAD_SEFTON = Viewer("lead1@example.gov.uk", CASE_LEAD, la_codes=(SEFTON,))
LEAD_LONDON = Viewer("lead2@example.gov.uk", CASE_LEAD, region_codes=(LONDON,))
NOBODY = Viewer("nobody@example.gov.uk", "")


def _load(engine, name, sheets):
    outcome = import_file(engine, name, wb.xlsx(sheets), "loader")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    return outcome.import_id


def _return(contract: str, la: str, prefix: str):
    return wb.quarterly_return(
        engagements=[
            wb.engagement_row(
                **{
                    "Contract reference": contract,
                    "LA": la,
                    "Package ID": f"{prefix}-PKG",
                    "Participant ID": f"{prefix}-P",
                    "Participant name": f"Name {prefix}",
                }
            )
        ],
        survey=[
            wb.survey_row(
                **{
                    "Contract reference": contract,
                    "Package ID": f"{prefix}-PKG",
                    "Participant ID": f"{prefix}-P",
                    "Evidence": f"Evidence {prefix}",
                }
            )
        ],
    )


@pytest.fixture
def two_contracts(engine):
    """CON-1 and CON-2, each with one participant in Sefton (North West) and one in Camden (London)."""
    _load(engine, "register.xlsx", wb.register([wb.contract_row(), wb.contract_row(**{"Contract reference": "CON-2"})]))
    _load(engine, "pricing-1.xlsx", wb.pricing_schedule())
    _load(engine, "pricing-2.xlsx", wb.pricing_schedule(contract="CON-2"))
    for contract in ("CON-1", "CON-2"):
        for la, prefix in (("Sefton", "S"), ("Camden", "C")):
            _load(engine, f"{contract}-{la}.xlsx", _return(contract, la, f"{contract}-{prefix}"))
    return engine


def participants_of(engine, viewer, scope=None):
    with Session(engine) as session:
        return access.participants(session, viewer, Scope() if scope is None else scope)


def test_board_members_never_get_names_or_evidence(two_contracts):
    with pytest.raises(PermissionError):
        participants_of(two_contracts, BOARD_VIEWER)
    with pytest.raises(PermissionError):
        participants_of(two_contracts, NOBODY)


def test_administrators_see_every_participant_with_names_and_evidence(two_contracts):
    rows = participants_of(two_contracts, ADMIN_VIEWER)
    assert {row["participant_id"] for row in rows} == {"CON-1-S-P", "CON-1-C-P", "CON-2-S-P", "CON-2-C-P"}
    assert all(row["participant_name"] == f"Name {row['participant_id'][:-2]}" for row in rows)
    assert all(
        [item["evidence"] for item in row["evidence"]] == [f"Evidence {row['participant_id'][:-2]}"] for row in rows
    )


@pytest.mark.parametrize(
    "viewer, expected",
    [
        (CM_ONE, {"CON-1-S-P", "CON-1-C-P"}),
        (CM_TWO, {"CON-2-S-P", "CON-2-C-P"}),
        (Viewer("cm@x", CONTRACT_MANAGER, contracts=()), set()),
        (LEAD_SEFTON, {"CON-1-S-P", "CON-2-S-P"}),
        (LEAD_LONDON, {"CON-1-C-P", "CON-2-C-P"}),
        (Viewer("lead@x", CASE_LEAD, region_codes=(NORTH_WEST,)), {"CON-1-S-P", "CON-2-S-P"}),
        (Viewer("lead@x", CASE_LEAD), set()),
    ],
)
def test_each_role_gets_only_its_participants(two_contracts, viewer, expected):
    rows = participants_of(two_contracts, viewer)
    assert {row["participant_id"] for row in rows} == expected
    evidence = {item["evidence"] for row in rows for item in row["evidence"]}
    assert evidence == {f"Evidence {pid[:-2]}" for pid in expected}


def test_a_scope_narrows_but_never_widens_what_a_role_sees(two_contracts):
    assert participants_of(two_contracts, CM_ONE, Scope(contracts=("CON-2",))) == []
    rows = participants_of(two_contracts, CM_ONE, Scope(la_codes=(CAMDEN,)))
    assert [row["participant_id"] for row in rows] == ["CON-1-C-P"]
    assert participants_of(two_contracts, LEAD_SEFTON, Scope(la_codes=(CAMDEN,))) == []


EVERY_PARTICIPANT = {
    (contract, f"{contract}-{prefix}-PKG", f"{contract}-{prefix}-P")
    for contract in ("CON-1", "CON-2")
    for prefix in "SC"
}


def names_of(engine, viewer, wanted):
    with Session(engine) as session:
        return access.participant_names(session, viewer, wanted)


@pytest.mark.parametrize(
    "viewer, expected",
    [
        (ADMIN_VIEWER, {"CON-1-S-P", "CON-1-C-P", "CON-2-S-P", "CON-2-C-P"}),
        (CM_ONE, {"CON-1-S-P", "CON-1-C-P"}),
        (Viewer("cm@x", CONTRACT_MANAGER, contracts=()), set()),
        (LEAD_SEFTON, {"CON-1-S-P", "CON-2-S-P"}),
        (LEAD_LONDON, {"CON-1-C-P", "CON-2-C-P"}),
    ],
)
def test_names_asked_for_are_given_only_where_the_role_may_see_them(two_contracts, viewer, expected):
    names = names_of(two_contracts, viewer, EVERY_PARTICIPANT)
    assert {participant for _, _, participant in names} == expected
    assert all(name == f"Name {participant[:-2]}" for (_, _, participant), name in names.items())


def test_only_the_names_asked_for_are_given_whatever_the_case_of_the_contract(two_contracts):
    asked = {("con-2", "CON-2-C-PKG", "CON-2-C-P"), ("CON-1", "CON-1-S-PKG", "CON-2-S-P")}  # the second matches nobody
    assert names_of(two_contracts, ADMIN_VIEWER, asked) == {("CON-2", "CON-2-C-PKG", "CON-2-C-P"): "Name CON-2-C"}
    assert names_of(two_contracts, ADMIN_VIEWER, set()) == {}
    with pytest.raises(PermissionError):
        names_of(two_contracts, BOARD_VIEWER, EVERY_PARTICIPANT)


# --- Users, roles and the audit log ---------------------------------------------------------

NON_ADMINS = [BOARD_VIEWER, CM_ONE, LEAD_SEFTON, NOBODY]


@pytest.mark.parametrize("viewer", NON_ADMINS, ids=lambda v: v.role or "no role")
def test_only_administrators_manage_users_and_read_the_audit_log(engine, viewer):
    with Session(engine) as session:
        access.add_user(session, ADMIN_VIEWER, "someone@example.gov.uk", BOARD)
        for call in (
            lambda: access.list_users(session, viewer),
            lambda: access.add_user(session, viewer, "new@example.gov.uk", ADMIN),
            lambda: access.set_role(session, viewer, "someone@example.gov.uk", ADMIN),
            lambda: access.set_active(session, viewer, "someone@example.gov.uk", False),
            lambda: access.assign(session, viewer, "someone@example.gov.uk", "la", SEFTON),
            lambda: access.unassign(session, viewer, "someone@example.gov.uk", "la", SEFTON),
            lambda: audit.audit_log(session, viewer),
        ):
            with pytest.raises(PermissionError):
                call()


def test_administrators_manage_users_and_every_change_is_audited(two_contracts):
    engine = two_contracts
    with Session(engine) as session, session.begin():
        access.add_user(session, ADMIN_VIEWER, " Chief@Example.gov.uk ", ADMIN)
        access.add_user(session, ADMIN_VIEWER, "cm@example.gov.uk", BOARD)
        access.set_role(session, ADMIN_VIEWER, "cm@example.gov.uk", CONTRACT_MANAGER)
        access.assign(session, ADMIN_VIEWER, "cm@example.gov.uk", "contract", "con-1")
        access.assign(session, ADMIN_VIEWER, "cm@example.gov.uk", "region", "e12000002")
    with Session(engine) as session:
        users = {u["email"]: u for u in access.list_users(session, ADMIN_VIEWER)}
        assert users["cm@example.gov.uk"]["role"] == CONTRACT_MANAGER
        assert users["cm@example.gov.uk"]["contracts"] == ["CON-1"]  # as the register spells it
        assert users["cm@example.gov.uk"]["region_codes"] == [NORTH_WEST]
        assert "chief@example.gov.uk" in users
        events = audit.audit_log(session, ADMIN_VIEWER)
        assert [e["action"] for e in events] == ["role_change"] * 5
        assert all(e["actor"] == ADMIN_VIEWER.email for e in events)
    from data_access.users import viewer_for_email

    viewer = viewer_for_email(engine, "CM@example.gov.uk")
    assert viewer.role == CONTRACT_MANAGER and viewer.contracts == ("CON-1",)


@pytest.mark.parametrize(
    "scope, value", [("contract", "CON-9"), ("la", "E99999999"), ("region", "nowhere"), ("team", "x")]
)
def test_assignments_must_name_something_that_exists(engine, scope, value):
    with Session(engine) as session:
        access.add_user(session, ADMIN_VIEWER, "cm@example.gov.uk", CONTRACT_MANAGER)
        with pytest.raises(ValueError):
            access.assign(session, ADMIN_VIEWER, "cm@example.gov.uk", scope, value)


def test_the_last_administrator_cannot_be_demoted(engine):
    with Session(engine) as session:
        access.add_user(session, ADMIN_VIEWER, "only.admin@example.gov.uk", ADMIN)
        with pytest.raises(ValueError, match="last active administrator"):
            access.set_role(session, ADMIN_VIEWER, "only.admin@example.gov.uk", BOARD)
        with pytest.raises(ValueError):
            access.set_active(session, ADMIN_VIEWER, "only.admin@example.gov.uk", False)
        access.add_user(session, ADMIN_VIEWER, "second.admin@example.gov.uk", ADMIN)
        access.set_role(session, ADMIN_VIEWER, "only.admin@example.gov.uk", BOARD)


def test_the_audit_log_has_no_way_to_change_or_delete_an_event():
    public = {
        name
        for name, value in inspect.getmembers(audit, inspect.isfunction)
        if not name.startswith("_") and value.__module__ == audit.__name__
    }
    # record_import adds, through record_event; last_board_pack_date only reads
    assert public == {"record_event", "record_import", "audit_log", "last_board_pack_date"}
    with pytest.raises(ValueError):
        audit.record_event(None, ADMIN_VIEWER, "delete_everything")


def test_add_user_command(engine, database_url):
    _load(engine, "register.xlsx", wb.register())
    command = [
        "add-user",
        "Lead@Example.gov.uk",
        CONTRACT_MANAGER,
        "--contract",
        "CON-1",
        "--la",
        SEFTON,
        "--db",
        database_url,
    ]
    done = run_cli("data_access", *command)
    assert done.returncode == 0, done.stderr
    assert "lead@example.gov.uk: Contract manager, assigned contract CON-1, LA E08000014" in done.stdout
    refused = run_cli("data_access", *command[:-4], "--contract", "CON-404", "--db", database_url)
    assert refused.returncode == 1 and "no contract 'CON-404'" in refused.stderr
    with Session(engine) as session:
        events = session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.id)).all()
        assert [e.action for e in events] == ["role_change"] * 3 and events[0].actor.startswith("cli:")


# --- Uploads and undo: only one's own contracts ---------------------------------------------


def test_contract_managers_upload_only_for_their_contracts(two_contracts):
    engine = two_contracts
    data = wb.xlsx(_return("CON-1", "Sefton", "NEW"))
    [plan] = access.check_uploads(engine, CM_TWO, [("con-1-return.xlsx", data)])
    assert not plan.ok
    assert [p.message for p in plan.errors] == [
        "you may upload data only for your own contracts (CON-2); this file has rows for CON-1"
    ]
    [outcome] = access.confirm_uploads(engine, CM_TWO, [("con-1-return.xlsx", data)])
    assert outcome.import_id is None
    with Session(engine) as session:
        assert session.scalar(select(models.Engagement).where(models.Engagement.participant_id == "NEW-P")) is None
        rejected = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "import_rejected")).all()
        assert rejected and all(event.actor == CM_TWO.email for event in rejected)
    assert access.check_uploads(engine, CM_ONE, [("con-1-return.xlsx", data)])[0].ok
    assert access.confirm_uploads(engine, CM_ONE, [("con-1-return.xlsx", data)])[0].import_id is not None
    with Session(engine) as session:
        imported = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "import")).one()
        assert imported.actor == CM_ONE.email


@pytest.mark.parametrize("viewer", [BOARD_VIEWER, LEAD_SEFTON, NOBODY], ids=lambda v: v.role or "no role")
def test_roles_that_do_not_upload_cannot_upload_undo_or_see_imports(two_contracts, viewer):
    data = wb.xlsx(_return("CON-1", "Sefton", "NEW"))
    with pytest.raises(PermissionError):
        access.check_uploads(two_contracts, viewer, [("x.xlsx", data)])
    with pytest.raises(PermissionError):
        access.confirm_uploads(two_contracts, viewer, [("x.xlsx", data)])
    with pytest.raises(PermissionError):
        access.history_for(two_contracts, viewer)
    with pytest.raises(PermissionError):
        access.undo_as(two_contracts, viewer, 4)
    with pytest.raises(PermissionError):
        access.template_for(two_contracts, viewer, "quarterly return")


def test_contract_managers_see_and_undo_only_their_contracts_imports(two_contracts):
    history = access.history_for(two_contracts, CM_ONE)
    assert {row["file_name"] for row in history} == {"pricing-1.xlsx", "CON-1-Sefton.xlsx", "CON-1-Camden.xlsx"}
    assert all(row["may_undo"] for row in history)
    other = next(
        row["id"] for row in access.history_for(two_contracts, ADMIN_VIEWER) if row["file_name"] == "CON-2-Camden.xlsx"
    )
    with pytest.raises(PermissionError):
        access.undo_as(two_contracts, CM_ONE, other)
    access.undo_as(two_contracts, CM_TWO, other)
    with pytest.raises(PermissionError):
        access.template_for(two_contracts, CM_ONE, "quarterly return", "CON-2")


# --- Cached data never passes one role's result to another ------------------------------------


def test_cached_data_is_keyed_by_the_viewers_scope(two_contracts, database_url, monkeypatch):
    from ui import context
    from ui.filters import Filters

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", database_url)
    assert "scope" in inspect.signature(context._load).parameters
    context._load.clear()
    everything = context.oversight_data(Filters().scope(ADMIN_VIEWER))
    own = context.oversight_data(Filters().scope(CM_ONE))
    again = context.oversight_data(Filters().scope(ADMIN_VIEWER))
    assert {c.reference for c in everything.contracts} == {"CON-1", "CON-2"}
    assert {c.reference for c in own.contracts} == {"CON-1"}
    assert {u.contract for u in own.units} == {"CON-1"}
    assert {c.reference for c in again.contracts} == {"CON-1", "CON-2"}
    # A contract manager asking for another contract gets nothing, not a cached answer for it.
    assert Filters(contract="CON-2").scope(CM_ONE).contracts == ()
    assert context.oversight_data(Filters(contract="CON-2").scope(CM_ONE)).units == []
    # Cached records never carry personal data: names and evidence come from access.participants only.
    fields = {
        field.name for record in (everything.units[0], everything.responses[0]) for field in dataclasses.fields(record)
    }
    assert not fields & {"participant_name", "evidence"}
