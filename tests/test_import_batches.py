"""A batch of files imported together (the upload page's Confirm): checked in order, written all
or nothing. Each test has a fresh database (``engine``, both backends)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.access import ADMIN as ADMIN_ROLE
from dashboard.access import Viewer
from data_access import access, models, services
from data_access.db import ensure_database, make_engine
from data_access.importer import import_order
from data_access.services import RETRY_MESSAGE, import_together
from tests.workbooks import (
    contract_row,
    engagement_row,
    finance_row,
    la_status,
    la_status_row,
    part_a_sheet,
    pricing_schedule,
    quarterly_return,
    register,
    seed,
    table_counts,
    xlsx,
)

ADMIN = Viewer("admin@example.gov.uk", ADMIN_ROLE)


def outcomes_of(engine, files: list[tuple[str, bytes]]):
    return import_together(engine, files, "tests")


def import_outcomes(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [
            (record.file_name, record.outcome)
            for record in session.scalars(select(models.ImportRecord).order_by(models.ImportRecord.id))
        ]


def new_contract_files() -> list[tuple[str, bytes]]:
    return [
        ("register.xlsx", xlsx(register())),
        ("pricing.xlsx", xlsx(pricing_schedule())),
        ("return.xlsx", xlsx(quarterly_return(engagements=[engagement_row()], finance=[finance_row()]))),
    ]


def test_a_new_contracts_register_schedule_and_first_return_import_together(engine):
    outcomes = outcomes_of(engine, new_contract_files())
    assert [outcome.plan.errors for outcome in outcomes] == [[], [], []]
    assert all(outcome.import_id is not None for outcome in outcomes)
    counts = table_counts(engine)
    assert counts["contracts"] == 1 and counts["allocations"] == 9 and counts["engagements"] == 1
    assert counts["invoice_lines"] == 1
    assert import_outcomes(engine) == [
        ("register.xlsx", "imported"),
        ("pricing.xlsx", "imported"),
        ("return.xlsx", "imported"),
    ]


def test_one_bad_file_writes_nothing_of_the_batch_and_only_it_is_logged_as_rejected(engine):
    seed(engine)
    before, logged = table_counts(engine), import_outcomes(engine)
    good = xlsx(quarterly_return(engagements=[engagement_row({"Package ID": "PKG-9", "Participant ID": "P-9"})]))
    bad = xlsx(quarterly_return(engagements=[engagement_row(LA="Atlantis")]))
    outcomes = outcomes_of(engine, [("good.xlsx", good), ("bad.xlsx", bad)])
    assert outcomes[0].plan.ok and outcomes[0].import_id is None
    assert not outcomes[1].plan.ok and outcomes[1].import_id is None
    assert table_counts(engine) == before
    assert import_outcomes(engine) == logged + [("bad.xlsx", "rejected")]


def test_a_return_is_checked_against_the_revised_schedule_before_it(engine):
    """A revised schedule that drops a heading, then a return billing that heading: the return is
    refused, and the schedule is not imported without it."""
    seed(engine)
    before = table_counts(engine)
    revised = pricing_schedule(part_a_sheet({"Peer mentors": [100_000] * 3, "Programme management": [200_000] * 3}))
    billing = quarterly_return(finance=[finance_row({"Expenditure heading": "Travel and subsistence"})])
    outcomes = outcomes_of(engine, [("pricing-v2.xlsx", xlsx(revised)), ("return.xlsx", xlsx(billing))])
    assert outcomes[0].plan.ok and outcomes[0].import_id is None
    assert [(problem.sheet, problem.column) for problem in outcomes[1].plan.errors] == [
        ("Finance", "Expenditure heading")
    ]
    assert "Travel and subsistence" in outcomes[1].plan.errors[0].message
    assert table_counts(engine) == before  # Travel and subsistence is still allocated


def test_a_clash_with_another_import_writes_nothing_and_leaves_later_files_unchecked(engine, monkeypatch):
    """A clash on the second file (as another import writing the same rows at the same moment
    raises it) takes the first file's rows back too; the third is not checked."""
    applied = []
    real_apply = services.apply_plan

    def clashing_apply(session, plan, imported_by):
        applied.append(plan.file_name)
        if len(applied) == 2:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return real_apply(session, plan, imported_by)

    monkeypatch.setattr(services, "apply_plan", clashing_apply)
    before = table_counts(engine)
    outcomes = outcomes_of(engine, new_contract_files())
    assert applied == ["register.xlsx", "pricing.xlsx"]
    assert [outcome.import_id for outcome in outcomes] == [None, None, None]
    assert [str(problem).split(": ", 1)[1] for problem in outcomes[1].plan.errors] == [RETRY_MESSAGE]
    assert outcomes[2].plan.ok and outcomes[2].plan.kind == "unknown" and not outcomes[2].plan.sheets
    assert table_counts(engine) == before and import_outcomes(engine) == []


def test_files_are_put_in_the_order_what_later_files_refer_to_comes_first():
    files = dict(new_contract_files())
    files["status.xlsx"] = xlsx(la_status([la_status_row()]))
    files["notes.csv"] = b"anything,at all\n"
    files["damaged.xlsx"] = b"PK\x03\x04 not a real package"
    names = ["notes.csv", "return.xlsx", "damaged.xlsx", "pricing.xlsx", "status.xlsx", "register.xlsx"]
    given = [(name, files[name]) for name in names]
    assert [names[index] for index in import_order(given)] == [
        "register.xlsx",
        "status.xlsx",
        "pricing.xlsx",
        "return.xlsx",
        "notes.csv",
        "damaged.xlsx",
    ]


def test_a_second_contracts_files_follow_its_register_in_one_batch(engine):
    seed(engine)
    other = "CON-3"
    files = [
        ("return-3.xlsx", xlsx(quarterly_return(engagements=[engagement_row({"Contract reference": other})]))),
        ("pricing-3.xlsx", xlsx(pricing_schedule(contract=other))),
        ("register-3.xlsx", xlsx(register([contract_row({"Contract reference": other})]))),
    ]
    ordered = [files[index] for index in import_order(files)]
    outcomes = outcomes_of(engine, ordered)
    assert [str(problem) for outcome in outcomes for problem in outcome.plan.errors] == []
    assert [outcome.plan.file_name for outcome in outcomes] == ["register-3.xlsx", "pricing-3.xlsx", "return-3.xlsx"]
    with Session(engine) as session:
        assert session.scalar(select(models.Contract.reference).where(models.Contract.reference == other)) == other


# --- Any batch, in any order: the check says what Confirm does -------------------------------

BATCH_FILES = {
    "register-3.xlsx": xlsx(register([contract_row({"Contract reference": "CON-3"})])),
    "pricing-3.xlsx": xlsx(pricing_schedule(contract="CON-3")),
    "return-3.xlsx": xlsx(
        quarterly_return(
            engagements=[engagement_row({"Contract reference": "CON-3"})],
            finance=[finance_row({"Contract reference": "CON-3"})],
        )
    ),
    "pricing-1-v2.xlsx": xlsx(
        pricing_schedule(part_a_sheet({"Peer mentors": [100_000] * 3, "Programme management": [200_000] * 3}))
    ),
    "return-1-travel.xlsx": xlsx(
        quarterly_return(finance=[finance_row({"Expenditure heading": "Travel and subsistence"})])
    ),
    "return-1.xlsx": xlsx(
        quarterly_return(engagements=[engagement_row({"Package ID": "PKG-9", "Participant ID": "P-9"})])
    ),
    "status.xlsx": xlsx(la_status([la_status_row()])),
    "bad.xlsx": xlsx(quarterly_return(engagements=[engagement_row(LA="Atlantis")])),
}


def expected_valid(name: str, batch: set[str]) -> bool:
    """Worked out from what each file needs: CON-3's schedule and return need its register (the
    return bills CON-3's schedule too); a return billing Travel needs the schedule that has it."""
    return {
        "pricing-3.xlsx": "register-3.xlsx" in batch,
        "return-3.xlsx": {"register-3.xlsx", "pricing-3.xlsx"} <= batch,
        "return-1-travel.xlsx": "pricing-1-v2.xlsx" not in batch,
        "bad.xlsx": False,
    }.get(name, True)


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("batches") / "seeded.db"
    engine = make_engine(f"sqlite:///{path}")
    ensure_database(engine)
    seed(engine)
    engine.dispose()
    return path


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(chosen=st.lists(st.sampled_from(sorted(BATCH_FILES)), min_size=1, max_size=5))
@example(chosen=["return-1-travel.xlsx", "status.xlsx", "pricing-1-v2.xlsx"])
@example(chosen=["return-3.xlsx", "pricing-3.xlsx", "register-3.xlsx", "return-1.xlsx"])
@example(chosen=["return-3.xlsx", "register-3.xlsx", "return-3.xlsx"])
def test_any_batch_in_any_order_is_checked_as_confirm_imports_it_all_or_nothing(seeded_file, tmp_path_factory, chosen):
    path = tmp_path_factory.mktemp("batch") / "batch.db"
    shutil.copy(seeded_file, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        files = [(name, BATCH_FILES[name]) for name in chosen]
        files = [files[index] for index in import_order(files)]
        plans = access.check_uploads(engine, ADMIN, files)
        assert [plan.ok for plan in plans] == [expected_valid(name, set(chosen)) for name, _ in files]
        before = table_counts(engine)
        outcomes = access.confirm_uploads(engine, ADMIN, files)
        assert [[str(problem) for problem in outcome.plan.errors] for outcome in outcomes] == [
            [str(problem) for problem in plan.errors] for plan in plans
        ]
        if all(plan.ok for plan in plans):
            assert all(outcome.import_id is not None for outcome in outcomes)
        else:
            assert all(outcome.import_id is None for outcome in outcomes) and table_counts(engine) == before
    finally:
        engine.dispose()


def test_a_file_needing_a_refused_register_of_its_batch_says_which_file_to_fix(engine):
    seed(engine)
    register_3 = xlsx(register([contract_row({"Contract reference": "CON-3", "Start date": "31/02/2021"})]))
    pricing_3 = xlsx(pricing_schedule(contract="CON-3"))
    outcomes = outcomes_of(engine, [("register-3.xlsx", register_3), ("pricing-3.xlsx", pricing_3)])
    assert [problem.column for problem in outcomes[0].plan.errors] == ["Start date"]
    messages = {problem.message for problem in outcomes[1].plan.errors}
    assert messages == {
        ("unknown contract 'CON-3': it is in register-3.xlsx, which cannot be imported until its errors are fixed")
    }
