"""Undoing an import puts every row back exactly; later imports must be undone first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, BOARD, CONTRACT_MANAGER, Viewer
from dashboard.finance import finance_flags
from data_access import models, queries
from data_access.queries import summary
from data_access.services import import_file
from data_access.undo import UndoRefused, imports_blocking_undo, undo_import
from tests import workbooks as wb

ADMIN_VIEWER = Viewer("admin@example.gov.uk", ADMIN)
AS_OF = date(2024, 3, 31)
DATA_TABLES = (
    models.Contract,
    models.Milestone,
    models.Allocation,
    models.DayRate,
    models.Engagement,
    models.SurveyResponse,
    models.InvoiceLine,
    models.LAStatus,
)


def snapshot(engine) -> dict[str, list[dict]]:
    """Every stored value of every data table, by id."""
    with Session(engine) as session:
        return {
            model.__tablename__: [
                {column.name: getattr(row, column.name) for column in model.__table__.columns}
                for row in session.scalars(select(model).order_by(model.id))
            ]
            for model in DATA_TABLES
        }


def load(engine, name: str, sheets) -> int:
    outcome = import_file(engine, name, wb.xlsx(sheets), "loader@example.gov.uk")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    return outcome.import_id


def undo(engine, import_id: int, viewer: Viewer = ADMIN_VIEWER):
    with Session(engine) as session, session.begin():
        return undo_import(session, import_id, viewer)


def first_return():
    return wb.quarterly_return(
        engagements=[
            wb.engagement_row(),
            wb.engagement_row(**{"Package ID": "PKG-2", "Participant ID": "P-2", "Participant name": "Ann Example"}),
        ],
        survey=[wb.survey_row(), wb.survey_row(**{"Package ID": "PKG-2", "Participant ID": "P-2"})],
        finance=[wb.finance_row(), wb.finance_row(**{"Invoice reference": "INV-2", "Amount": 500})],
    )


def second_return():
    """Updates (days, amount), a new row, and a survey row no longer listed (kept, flagged)."""
    return wb.quarterly_return(
        engagements=[
            wb.engagement_row(**{"Days delivered": 8, "End date": date(2021, 12, 31)}),
            wb.engagement_row(**{"Package ID": "PKG-2", "Participant ID": "P-2", "Participant name": "Ann Example"}),
            wb.engagement_row(**{"Package ID": "PKG-3", "Participant ID": "P-3", "LA": "Knowsley"}),
        ],
        survey=[wb.survey_row()],
        finance=[wb.finance_row(Amount=1250), wb.finance_row(**{"Invoice reference": "INV-2", "Amount": 500})],
    )


@pytest.fixture
def contract_engine(engine):
    load(engine, "register.xlsx", wb.register(milestones=[wb.milestone_row()]))
    load(engine, "pricing.xlsx", wb.pricing_schedule())
    return engine


def test_undo_of_an_update_restores_every_value_and_the_figures(contract_engine):
    engine = contract_engine
    load(engine, "return-q1.xlsx", first_return())
    before, figures = snapshot(engine), summary(engine, AS_OF)
    second = load(engine, "return-q2.xlsx", second_return())
    assert snapshot(engine) != before
    result = undo(engine, second)
    assert snapshot(engine) == before  # values, flags, import ids and invoice source files alike
    assert summary(engine, AS_OF) == figures
    assert result.deleted == 1 and result.restored >= 3
    with Session(engine) as session:
        record = session.get(models.ImportRecord, second)
        assert record.outcome == "undone"
        event = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "undo")).one()
        assert event.actor == ADMIN_VIEWER.email and event.detail["import_id"] == second


def test_undo_of_inserts_removes_them(contract_engine):
    before = snapshot(contract_engine)
    first = load(contract_engine, "return-q1.xlsx", first_return())
    undo(contract_engine, first)
    assert snapshot(contract_engine) == before


def test_a_later_import_of_the_same_rows_blocks_the_undo_until_it_is_undone(contract_engine):
    engine = contract_engine
    before = snapshot(engine)
    first = load(engine, "return-q1.xlsx", first_return())
    second = load(engine, "return-q2.xlsx", second_return())
    with Session(engine) as session:
        assert [b["id"] for b in imports_blocking_undo(session, first)] == [second]
        assert imports_blocking_undo(session, second) == []
    with pytest.raises(UndoRefused) as refusal:
        undo(engine, first)
    assert "return-q2.xlsx" in str(refusal.value) and f"import {second}" in str(refusal.value)
    assert [b["id"] for b in refusal.value.blocking] == [second]
    undo(engine, second)
    undo(engine, first)
    assert snapshot(engine) == before


def test_rows_that_need_an_inserted_contract_block_undoing_the_register(contract_engine):
    engine = contract_engine
    with Session(engine) as session:
        register_id = session.scalar(
            select(models.ImportRecord.id).where(models.ImportRecord.file_name == "register.xlsx")
        )
        pricing_id = session.scalar(
            select(models.ImportRecord.id).where(models.ImportRecord.file_name == "pricing.xlsx")
        )
        assert [b["id"] for b in imports_blocking_undo(session, register_id)] == [pricing_id]
    with pytest.raises(UndoRefused):
        undo(engine, register_id)
    undo(engine, pricing_id)
    undo(engine, register_id)
    assert all(rows == [] for name, rows in snapshot(engine).items() if name != "la_status")


def revised_schedule():
    """The pricing schedule with 'Travel and subsistence' and the 2023-24 column taken out."""
    years = ("2021-22", "2022-23")
    return wb.pricing_schedule(
        wb.part_a_sheet({"Peer mentors": [100_000, 100_000], "Programme management": [200_000, 250_000]}, years)
    )


def finance_keys(engine) -> list[tuple]:
    return [(item["financial_year"], item["heading"], item["allocated"]) for item in summary(engine, AS_OF)["finance"]]


def test_a_revised_schedule_removes_the_allocations_it_no_longer_has_and_says_so(contract_engine):
    """Allocations come from the contract's pricing schedule: after a revision, the figures are the
    revised schedule's alone, as if it had been the only one imported; the removal is flagged."""
    engine = contract_engine
    outcome = import_file(engine, "pricing-v2.xlsx", wb.xlsx(revised_schedule()), "loader@example.gov.uk")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    (part_a,) = [sheet for sheet in outcome.plan.sheets if sheet.kind == "allocations"]
    assert len(part_a.removed) == 5  # Travel in three years, and the other two headings' 2023-24
    assert (
        "Part A: Travel and subsistence 2021-22 of CON-1 is no longer in the pricing schedule; its allocation "
        "of £300,000.00 is removed"
    ) in part_a.flags
    assert finance_keys(engine) == [
        ("2021-22", "Peer mentors", 100000.0),
        ("2021-22", "Programme management", 200000.0),
        ("2022-23", "Peer mentors", 100000.0),
        ("2022-23", "Programme management", 250000.0),
    ]


def test_removing_an_allocation_already_invoiced_against_says_the_spend_becomes_an_overspend(contract_engine):
    """Spend in a year the schedule allocates nothing to is an overspend of the whole amount
    (rules.md): the flag on the removal says how much is already invoiced, before it is confirmed."""
    engine = contract_engine
    load(
        engine,
        "return-q1.xlsx",
        wb.quarterly_return(
            finance=[
                wb.finance_row({"Expenditure heading": "travel  and SUBSISTENCE", "Amount": 1500}),
                wb.finance_row({"Expenditure heading": "Travel and subsistence", "Line": 2, "Amount": 1000.5}),
                wb.finance_row(
                    {
                        "Expenditure heading": "Travel and subsistence",
                        "Invoice reference": "INV-2",
                        "Financial year": "2022-23",
                        "Quarter": "Q1",
                        "Invoice date": date(2022, 7, 15),
                        "Amount": 0,
                    }
                ),
            ]
        ),
    )
    outcome = import_file(engine, "pricing-v2.xlsx", wb.xlsx(revised_schedule()), "loader", dry_run=True)
    (part_a,) = [sheet for sheet in outcome.plan.sheets if sheet.kind == "allocations"]
    travel = sorted(flag for flag in part_a.flags if "Travel" in flag)
    assert travel == [
        (
            "Part A: Travel and subsistence 2021-22 of CON-1 is no longer in the pricing schedule; its allocation of "
            "£300,000.00 is removed: the £2,500.50 already invoiced against it will show as overspent"
        ),
        (
            "Part A: Travel and subsistence 2022-23 of CON-1 is no longer in the pricing schedule; its allocation of "
            "£300,000.00 is removed"
        ),
        (
            "Part A: Travel and subsistence 2023-24 of CON-1 is no longer in the pricing schedule; its allocation of "
            "£300,000.00 is removed"
        ),
    ]


def test_undoing_a_revised_schedule_puts_the_removed_allocations_back(contract_engine):
    engine = contract_engine
    before, figures = snapshot(engine), summary(engine, AS_OF)
    revision = load(engine, "pricing-v2.xlsx", revised_schedule())
    assert snapshot(engine) != before
    undo(engine, revision)
    assert snapshot(engine) == before and summary(engine, AS_OF) == figures  # ids and import ids too


def test_an_allocation_written_again_after_its_removal_blocks_undoing_the_removal(contract_engine):
    engine = contract_engine
    revision = load(engine, "pricing-v2.xlsx", revised_schedule())
    again = load(engine, "pricing-v3.xlsx", wb.pricing_schedule())  # the first schedule once more
    with Session(engine) as session:
        assert [b["id"] for b in imports_blocking_undo(session, revision)] == [again]
    undo(engine, again)
    undo(engine, revision)


def revised_day_rates():
    """The pricing schedule with the 'Programme director' role taken out of Part B, and 'Peer mentor'
    spelt differently (still the same role)."""
    return wb.pricing_schedule(day_rates=[wb.day_rate_row(Role="peer  MENTOR")])


def day_rates(engine) -> list[tuple]:
    with Session(engine) as session:
        return [
            (rate.role, rate.level, rate.day_rate)
            for rate in session.scalars(select(models.DayRate).order_by(models.DayRate.id))
        ]


def invoice_flags(engine) -> list[str]:
    data = queries.load(engine)
    return [flag.message for flag in finance_flags(data.contracts, data.allocations, data.invoice_lines, AS_OF)]


def billed_above_the_cap():
    """An invoice line billed at the Programme director's rate, above the contract's executive cap."""
    return wb.quarterly_return(
        finance=[
            wb.finance_row(
                **{"Role": "Programme director", "Level": "Executive", "Days": 2, "Day rate": 900, "Amount": 1800}
            )
        ]
    )


def test_a_revised_schedule_removes_the_day_rates_it_no_longer_has_and_says_so(contract_engine):
    """Part B as Part A: a role taken out of a revised schedule is removed and flagged. Invoice lines
    billed at its rate keep their flags: the cap they are checked against is the contract's."""
    engine = contract_engine
    load(engine, "return-q1.xlsx", billed_above_the_cap())
    flags = invoice_flags(engine)
    assert ["above the £800.00 cap" in flag for flag in flags] == [True]
    outcome = import_file(engine, "pricing-v2.xlsx", wb.xlsx(revised_day_rates()), "loader@example.gov.uk")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    part_a, part_b = outcome.plan.sheets
    assert part_a.removed == [] and part_b.count("unchanged") == 1
    assert [(item["role"], item["level"]) for item in part_b.removed] == [("Programme director", "Executive")]
    assert part_b.flags == [
        (
            "Part B: Programme director (Executive) of CON-1 is no longer in the pricing schedule; "
            "its day rate of £750.00 is removed"
        )
    ]
    assert day_rates(engine) == [("Peer mentor", "Management", Decimal("550.00"))]
    assert invoice_flags(engine) == flags


def test_undoing_a_revised_schedule_puts_the_removed_day_rates_back(contract_engine):
    engine = contract_engine
    load(engine, "return-q1.xlsx", billed_above_the_cap())
    before, flags = snapshot(engine), invoice_flags(engine)
    revision = load(engine, "pricing-v2.xlsx", revised_day_rates())
    assert snapshot(engine) != before
    result = undo(engine, revision)
    assert (result.deleted, result.restored) == (0, 1)
    assert snapshot(engine) == before and invoice_flags(engine) == flags  # ids and import ids too


def test_a_day_rate_written_again_after_its_removal_blocks_undoing_the_removal(contract_engine):
    """Written again under another spelling of its role, and another id (the removed row's is not the
    largest, so SQLite does not hand it out again), is written again: keys match as the importer's."""
    engine = contract_engine
    before = snapshot(engine)
    director = wb.day_rate_row(Role="Programme director", Level="Executive", **{"Day rate": 750})
    revision = load(engine, "pricing-v2.xlsx", wb.pricing_schedule(day_rates=[director]))  # Peer mentor taken out
    respelt = wb.day_rate_row(Role="PEER  mentor")
    again = load(engine, "pricing-v3.xlsx", wb.pricing_schedule(day_rates=[director, respelt]))
    with Session(engine) as session:
        assert [b["id"] for b in imports_blocking_undo(session, revision)] == [again]
    with pytest.raises(UndoRefused, match=r"pricing-v3\.xlsx"):
        undo(engine, revision)
    undo(engine, again)
    undo(engine, revision)
    assert snapshot(engine) == before


def test_an_undone_import_cannot_be_undone_again_nor_a_rejected_one(contract_engine):
    engine = contract_engine
    first = load(engine, "return-q1.xlsx", first_return())
    undo(engine, first)
    with pytest.raises(UndoRefused, match="undone"):
        undo(engine, first)
    rejected = import_file(
        engine,
        "bad.xlsx",
        wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row(LA="Atlantis")])),
        "loader@example.gov.uk",
    )
    with Session(engine) as session:
        rejected_id = session.scalar(select(models.ImportRecord.id).where(models.ImportRecord.outcome == "rejected"))
    assert rejected.import_id is None
    with pytest.raises(UndoRefused, match="rejected"):
        undo(engine, rejected_id)
    with pytest.raises(UndoRefused, match="no import"):
        undo(engine, 999_999)


def test_after_an_undo_the_file_imports_again_as_new(contract_engine):
    engine = contract_engine
    first = load(engine, "return-q1.xlsx", first_return())
    after_first = summary(engine, AS_OF)
    undo(engine, first)
    again = import_file(engine, "return-q1.xlsx", wb.xlsx(first_return()), "loader@example.gov.uk")
    assert again.plan.totals()["inserted"] == 6
    assert summary(engine, AS_OF) == after_first


def test_undo_of_an_la_status_import(engine):
    before = snapshot(engine)
    first = load(engine, "status.xlsx", wb.la_status([wb.la_status_row()]))
    second = load(engine, "status-2.xlsx", wb.la_status([wb.la_status_row(**{"In intervention": "Yes"})]))
    undo(engine, second)
    middle = snapshot(engine)["la_status"]
    assert [row["in_intervention"] for row in middle if row["source"] == "import"] == [False]
    undo(engine, first)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    "viewer",
    [
        Viewer("board@example.gov.uk", BOARD),
        Viewer("other@example.gov.uk", CONTRACT_MANAGER, contracts=("CON-2",)),
    ],
)
def test_only_admins_and_the_contracts_managers_may_undo(contract_engine, viewer):
    first = load(contract_engine, "return-q1.xlsx", first_return())
    with pytest.raises(PermissionError):
        undo(contract_engine, first, viewer)
    own = Viewer("cm@example.gov.uk", CONTRACT_MANAGER, contracts=("con-1",))  # references match in any case
    undo(contract_engine, first, own)
