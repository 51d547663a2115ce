"""An import is all or nothing, and importing the same file twice changes nothing.

These tests write, so each has a fresh database (``engine``, both backends).
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data_access import models
from tests.workbooks import (
    DATA_TABLES,
    OMIT,
    SheetSpec,
    csv_bytes,
    engagement_row,
    finance_row,
    import_ok,
    la_status,
    la_status_row,
    milestone_row,
    part_a_sheet,
    pricing_schedule,
    quarterly_return,
    register,
    run_import,
    seed,
    survey_row,
    table_counts,
    xlsx,
)

BIG = 5000


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every data table, in id order."""
    with engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in DATA_TABLES
        }


@cache
def big_return(error_on_last_row: bool) -> bytes:
    las = ["Sefton", "Leeds", "E08000013", 343, "Bristol, City of"]
    optional = {"Group type": OMIT, "Participant name": OMIT, "Delivered by": OMIT, "Focus": OMIT, "End date": OMIT}
    rows = [
        engagement_row({**optional, "Package ID": f"PKG-{n // 4}", "Participant ID": f"P-{n}", "LA": las[n % len(las)]})
        for n in range(BIG)
    ]
    if error_on_last_row:
        rows[-1] = engagement_row({**optional, "Package ID": "PKG-LAST", "Participant ID": "P-LAST", "LA": "Atlantis"})
    return xlsx(quarterly_return(engagements=rows, finance=[finance_row()]))


def test_bad_last_row_of_a_big_file_writes_nothing(engine):
    seed(engine)
    before = snapshot(engine)
    counts_before = table_counts(engine)
    outcome = run_import(engine, "big.xlsx", big_return(True))
    assert [str(problem) for problem in outcome.plan.errors] == [
        (
            f"big.xlsx:Engagements:{BIG + 1}:LA: unknown LA 'Atlantis': give its name, GSS code (e.g. E08000014) "
            "or DfE code (e.g. 343)"
        )
    ]
    assert outcome.import_id is None
    assert snapshot(engine) == before
    assert table_counts(engine) == counts_before
    with Session(engine) as session:  # the rejection itself is logged
        record = session.scalars(select(models.ImportRecord).order_by(models.ImportRecord.id.desc())).first()
        assert (record.file_name, record.outcome, record.summary["error_count"]) == ("big.xlsx", "rejected", 1)

    # the same file without the bad row goes in whole
    plan = import_ok(engine, "big.xlsx", big_return(False))
    assert plan.totals()["inserted"] == BIG + 1
    assert table_counts(engine)["engagements"] == counts_before["engagements"] + BIG


def test_error_in_a_later_sheet_writes_no_earlier_sheet(engine):
    seed(engine)
    before = snapshot(engine)
    sheets = quarterly_return(
        engagements=[engagement_row({"Participant ID": "P-NEW"})],
        survey=[survey_row({"Participant ID": "P-NEW"})],
        finance=[finance_row(), finance_row({"Invoice reference": "INV-2", "Invoice date": "yesterday"})],
    )
    outcome = run_import(engine, "return.xlsx", sheets)
    assert [str(p) for p in outcome.plan.errors] == [
        "return.xlsx:Finance:3:Invoice date: expected a date such as 31/03/2022, got 'yesterday'"
    ]
    assert snapshot(engine) == before


def test_several_errors_reported_and_nothing_written(engine):
    seed(engine)
    before = snapshot(engine)
    rows = [
        engagement_row({"Participant ID": f"P-{n}", "LA": "Nowhere" if n % 100 == 99 else "Sefton"}) for n in range(400)
    ]
    outcome = run_import(engine, "return.xlsx", quarterly_return(engagements=rows))
    assert [(p.row, p.column) for p in outcome.plan.errors] == [(101, "LA"), (201, "LA"), (301, "LA"), (401, "LA")]
    assert snapshot(engine) == before


def test_dry_run_writes_nothing(engine):
    seed(engine)
    before = snapshot(engine)
    imports = table_counts(engine)
    plan = import_ok(
        engine, "return.xlsx", quarterly_return(engagements=[engagement_row({"Participant ID": "P-9"})]), dry_run=True
    )
    assert plan.totals()["inserted"] == 1
    assert snapshot(engine) == before and table_counts(engine) == imports


# --- Idempotence -------------------------------------------------------------------------------

FILES = [
    (
        "register.xlsx",
        lambda: register(
            milestones=[milestone_row(), milestone_row(Milestone="Final report", **{"Due date": date(2024, 3, 31)})]
        ),
    ),
    ("pricing.xlsx", pricing_schedule),
    (
        "return.xlsx",
        lambda: quarterly_return(
            engagements=[
                engagement_row(),
                engagement_row(
                    {"Participant ID": "P-2", "Support type": "Group", "Group type": "Cabinet", "Days delivered": 1.5}
                ),
            ],
            survey=[
                survey_row(),
                survey_row(
                    {
                        "Stage": "Follow-up",
                        "Response date": "01/12/2021",
                        "Confidence": 4,
                        "Impact demonstrated": "Yes",
                        "Evidence": "New scrutiny plan",
                    }
                ),
            ],
            finance=[
                finance_row(),
                finance_row({"Amount": "£250.50", "Expenditure heading": "travel and subsistence"}),
                finance_row(
                    {
                        "Invoice reference": "INV-2",
                        "Quarter": date(2021, 9, 30),
                        "Financial year": None,
                        "Role": "Peer mentor",
                        "Level": "Management",
                        "Days": 2,
                        "Day rate": 550,
                        "Amount": 1100,
                    }
                ),
            ],
        ),
    ),
    (
        "la_status.xlsx",
        lambda: la_status(
            [la_status_row(), la_status_row({"LA": "North Yorkshire", "ILACS date": None, "SEND WSoA": "Y"})]
        ),
    ),
]


def test_importing_the_same_files_twice_changes_nothing(engine):
    for name, make in FILES:
        plan = import_ok(engine, name, make())
        assert plan.totals()["inserted"] > 0 and plan.totals()["updated"] == 0
    before = snapshot(engine)
    for name, make in FILES:
        totals = import_ok(engine, name, make()).totals()
        assert (totals["inserted"], totals["updated"]) == (0, 0), name
        assert totals["unchanged"] > 0
    assert snapshot(engine) == before


def test_corrected_cumulative_return_updates_by_key_and_flags_vanished_rows(engine):
    seed(engine)

    def q_return(engagements, finance):
        return quarterly_return(engagements=engagements, finance=finance)

    p1, p2, p3 = (engagement_row({"Participant ID": p}) for p in ("P-1", "P-2", "P-3"))
    import_ok(engine, "q1.xlsx", q_return([p1, p2], [finance_row(), finance_row({"Amount": 20})]))

    corrected = engagement_row({"Participant ID": "P-1", "End date": date(2021, 12, 31), "Days delivered": 8})
    plan = import_ok(engine, "q2.xlsx", q_return([corrected, p3], [finance_row({"Amount": 1500})]))
    engagements = next(sheet for sheet in plan.sheets if sheet.kind == "engagements")
    assert (engagements.count("insert"), engagements.count("update"), engagements.count("unchanged")) == (1, 1, 0)
    assert len(engagements.vanished) == 2  # P-2 and the stored participant of the seed
    assert any("PKG-1, P-2" in flag and "kept and flagged" in flag for flag in plan.flags)

    with Session(engine) as session:
        rows = {e.participant_id: e for e in session.scalars(select(models.Engagement))}
        assert rows["P-1"].end_date == date(2021, 12, 31) and float(rows["P-1"].days_delivered) == 8
        assert (
            rows["P-1"].missing_from_latest_return,
            rows["P-2"].missing_from_latest_return,
            rows["P-3"].missing_from_latest_return,
        ) == (False, True, False)
        lines = {(line.invoice_ref, line.line): line for line in session.scalars(select(models.InvoiceLine))}
        assert float(lines[("INV-1", 1)].amount) == 1500
        assert lines[("INV-1", 2)].missing_from_latest_return is True
        assert float(lines[("INV-1", 2)].amount) == 20  # kept, never deleted

    # P-2 comes back: no longer flagged
    import_ok(engine, "q3.xlsx", q_return([corrected, p2, p3], [finance_row({"Amount": 1500})]))
    with Session(engine) as session:
        flagged = {e.participant_id: e.missing_from_latest_return for e in session.scalars(select(models.Engagement))}
    assert flagged["P-2"] is False and flagged["P-1"] is False


def test_a_key_spelt_in_another_case_later_is_the_same_row_and_keeps_its_responses(engine):
    """IDs match ignoring case: a later return writing PKG-1 as pkg-1 changes nothing, so the
    unit keeps its survey responses (the KPI status is read by exact IDs)."""
    from data_access.queries import summary

    seed(engine)
    as_of = date(2022, 6, 30)
    follow_up = survey_row(
        {"Stage": "Follow-up", "Response date": date(2021, 10, 15), "Confidence": 4, "Impact demonstrated": "Yes"}
    )
    import_ok(engine, "q1.xlsx", quarterly_return(engagements=[engagement_row()], survey=[survey_row(), follow_up]))
    before, figures = snapshot(engine), summary(engine, as_of)
    assert [kpi["met"] for kpi in figures["kpis"] if kpi["kpi"] == "one_to_one"] == [1]

    respelt = {"Package ID": "pkg-1", "Participant ID": "p-1"}
    plan = import_ok(
        engine,
        "q2.xlsx",
        quarterly_return(
            engagements=[engagement_row(respelt)],
            survey=[
                survey_row(respelt),
                survey_row(
                    {
                        **respelt,
                        "Stage": "Follow-up",
                        "Response date": date(2021, 10, 15),
                        "Confidence": 4,
                        "Impact demonstrated": "Yes",
                    }
                ),
            ],
        ),
    )
    assert plan.totals()["inserted"] == plan.totals()["updated"] == 0
    assert snapshot(engine) == before
    assert summary(engine, as_of) == figures


@pytest.mark.parametrize("respelt", ["Peer  mentors", "Peer\u00a0mentors", " PEER MENTORS "])
def test_a_revised_schedule_spacing_a_heading_differently_replaces_its_allocation(engine, respelt):
    """Keys match ignoring case and runs of spaces (a pasted non-breaking space too), as the
    figures match headings: a revised allocation replaces the old one, never adds to it."""
    from data_access.queries import summary

    seed(engine)  # the first schedule allocates 100,000 to Peer mentors each year
    plan = import_ok(engine, "pricing-v2.xlsx", pricing_schedule(part_a_sheet({respelt: [120_000, 100_000, 100_000]})))
    assert plan.totals()["inserted"] == 0
    with Session(engine) as session:
        rows = session.execute(
            select(models.Allocation.heading, models.Allocation.amount).where(
                models.Allocation.financial_year == "2021-22", models.Allocation.heading.ilike("%mentors%")
            )
        ).all()
    assert [(heading, float(amount)) for heading, amount in rows] == [("Peer mentors", 120_000.0)]
    finance = [
        row for row in summary(engine, date(2022, 3, 31))["finance"] if row["heading"].lower().startswith("peer")
    ]
    assert [(row["financial_year"], row["allocated"]) for row in finance] == [
        ("2021-22", 120_000.0),
        ("2022-23", 100_000.0),
        ("2023-24", 100_000.0),
    ]


# --- LA status history ---------------------------------------------------------------------------


def statuses(engine, la_code="E08000014"):
    with Session(engine) as session:
        rows = session.scalars(
            select(models.LAStatus)
            .where(models.LAStatus.la_code == la_code, models.LAStatus.source == "import")
            .order_by(models.LAStatus.effective_date)
        )
        return [(row.effective_date, row.ilacs_judgement, row.in_intervention) for row in rows]


def test_la_status_later_rows_replace_earlier(engine):
    plan = import_ok(
        engine,
        "status.xlsx",
        la_status(
            [
                la_status_row({"In intervention": "No"}),
                la_status_row({"LA": "Leeds"}),
                la_status_row({"LA": "E08000014", "In intervention": "Yes"}),
            ]
        ),
    )
    assert plan.sheets[0].skipped == 1
    assert statuses(engine) == [(date(2022, 1, 10), "Good", True)]


def test_la_status_history_is_kept(engine):
    good = {"ILACS judgement": "Good", "ILACS date": date(2022, 1, 10), "In intervention": "No"}
    inadequate = {"ILACS judgement": "Inadequate", "ILACS date": date(2023, 5, 1), "In intervention": "No"}
    import_ok(engine, "status-1.xlsx", la_status([la_status_row(good)]))

    # a new inspection: a second record, from its own date; the first remains
    plan = import_ok(engine, "status-2.xlsx", la_status([la_status_row(inadequate)]))
    assert (plan.totals()["inserted"], plan.totals()["updated"]) == (1, 0)
    assert statuses(engine) == [(date(2022, 1, 10), "Good", False), (date(2023, 5, 1), "Inadequate", False)]

    # the same inspection, now in intervention: a third record, from today
    plan = import_ok(engine, "status-3.xlsx", la_status([la_status_row({**inadequate, "In intervention": "Yes"})]))
    assert (plan.totals()["inserted"], plan.totals()["updated"]) == (1, 0)
    assert statuses(engine) == [
        (date(2022, 1, 10), "Good", False),
        (date(2023, 5, 1), "Inadequate", False),
        (date.today(), "Inadequate", True),
    ]

    # the same file again: nothing changes
    before = snapshot(engine)
    plan = import_ok(engine, "status-3.xlsx", la_status([la_status_row({**inadequate, "In intervention": "Yes"})]))
    assert plan.totals()["unchanged"] == 1
    assert snapshot(engine) == before

    # an older file imported later is the latest word: a record from today again (same day: corrected)
    import_ok(engine, "status-2.xlsx", la_status([la_status_row(inadequate)]))
    assert statuses(engine)[-1] == (date.today(), "Inadequate", False) and len(statuses(engine)) == 3


def test_la_status_history_rows_in_one_file(engine):
    rows = [
        la_status_row({"ILACS judgement": "Inadequate", "ILACS date": date(2019, 1, 1), "In intervention": "Yes"}),
        la_status_row(),
    ]
    import_ok(engine, "status.xlsx", la_status(rows))
    assert statuses(engine) == [(date(2019, 1, 1), "Inadequate", True), (date(2022, 1, 10), "Good", False)]
    before = snapshot(engine)
    assert import_ok(engine, "status.xlsx", la_status(rows)).totals()["unchanged"] == 2
    assert snapshot(engine) == before


@pytest.mark.parametrize("name", ["return.xlsx", "return.csv"])
def test_rejected_import_is_logged_without_data(engine, name):
    seed(engine)
    before = snapshot(engine)
    sheet = SheetSpec("Engagements", [engagement_row({"LA": "Atlantis"})])
    data = csv_bytes(sheet) if name.endswith(".csv") else xlsx(sheet)
    outcome = run_import(engine, name, data)
    assert not outcome.plan.ok
    assert snapshot(engine) == before
    with Session(engine) as session:
        outcomes = [
            r.outcome for r in session.scalars(select(models.ImportRecord).where(models.ImportRecord.file_name == name))
        ]
    assert outcomes == ["rejected"]


def test_finance_flags_weigh_spend_against_the_same_files_pricing_schedule(engine):
    """A workbook with the pricing schedule and the invoices together: the spend is compared with
    the allocation the file brings, not with what was stored before it (nothing, or an older one)."""
    seed(engine)  # Peer mentors: 100,000 a year
    spend = [finance_row({"Amount": 150_000, "VAT": 0})]
    both = pricing_schedule(part_a_sheet({"Peer mentors": [200_000, 200_000, 200_000]})) + quarterly_return(
        finance=spend
    )
    plan = import_ok(engine, "schedule-and-return.xlsx", both)
    assert not [flag for flag in plan.flags if "allocated" in flag], plan.flags
    cut = pricing_schedule(part_a_sheet({"Peer mentors": [50_000, 200_000, 200_000]})) + quarterly_return(finance=spend)
    plan = import_ok(engine, "cut-schedule-and-return.xlsx", cut)
    assert [flag for flag in plan.flags if "allocated" in flag] == [
        "CON-1: Peer mentors 2021-22: spent £150,000.00 against £50,000.00 allocated (over by £100,000.00)"
    ]


def _split_return(group_overrides=None, one_to_one_rows=None):
    """Engagements kept on two tabs, One-to-one and Group (found by their header rows)."""
    one_to_one = one_to_one_rows or [engagement_row()]
    group = [
        engagement_row(
            {
                "Package ID": "PKG-G",
                "Participant ID": "P-G",
                "Support type": "Group",
                "Group type": "Cabinet",
                **(group_overrides or {}),
            }
        )
    ]
    return [SheetSpec("One-to-one", one_to_one), SheetSpec("Group", group)]


def test_one_kind_split_over_two_tabs_imports_twice_with_no_change(engine):
    """Each tab's rows are in the return: neither tab reports the other's as gone."""
    seed(engine)
    first = import_ok(engine, "split.xlsx", _split_return())
    assert first.totals()["inserted"] == 2
    before = snapshot(engine)
    again = import_ok(engine, "split.xlsx", _split_return())
    assert again.totals()["inserted"] == again.totals()["updated"] == 0
    gone = [flag for flag in again.flags if "no longer in this return" in flag]
    assert len(gone) == 1 and "PKG-STORED, P-STORED" in gone[0], gone  # the seed's row only, said once
    assert snapshot(engine) == before


def test_a_row_on_two_tabs_of_one_kind_counts_once_or_is_a_located_error(engine):
    seed(engine)
    same = import_ok(
        engine,
        "twice.xlsx",
        _split_return(
            one_to_one_rows=[
                engagement_row(
                    {"Package ID": "PKG-G", "Participant ID": "P-G", "Support type": "Group", "Group type": "Cabinet"}
                )
            ]
        ),
    )
    assert same.totals()["inserted"] == 1 and sum(sheet.skipped for sheet in same.sheets) == 1
    outcome = run_import(
        engine,
        "clash.xlsx",
        _split_return(
            one_to_one_rows=[
                engagement_row(
                    {
                        "Package ID": "PKG-G",
                        "Participant ID": "P-G",
                        "Support type": "Group",
                        "Group type": "Scrutiny committee",
                    }
                )
            ]
        ),
    )
    assert [(p.sheet, p.row, p.column) for p in outcome.plan.errors] == [
        ("Group", 2, "Contract reference, Package ID, Participant ID")
    ]
    assert "same key as One-to-one row 2 but different values" in outcome.plan.errors[0].message


def test_short_package_flag_only_for_packages_that_have_ended(engine):
    """A running package may still reach the minimum: only ended packages are flagged."""
    seed(engine)  # CON-1's minimum package is 3 days
    plan = import_ok(
        engine,
        "q.xlsx",
        quarterly_return(
            engagements=[
                engagement_row({"Package ID": "ENDED", "Days delivered": 2}),
                engagement_row(
                    {"Package ID": "RUNNING", "Participant ID": "P-2", "Days delivered": 2, "End date": None}
                ),
                engagement_row(
                    {
                        "Package ID": "LATER",
                        "Participant ID": "P-3",
                        "Days delivered": 2,
                        "End date": date.today().replace(year=date.today().year + 1),
                    }
                ),
            ]
        ),
    )
    short = [flag for flag in plan.flags if "below the minimum package" in flag]
    assert len(short) == 1 and "package ENDED:" in short[0], short


def test_an_import_whose_rows_name_one_contract_is_recorded_for_it(engine):
    """A return whose rows carry their Contract reference (no labelled cell, no option) is listed
    under that contract in the import history, as a labelled one is."""
    seed(engine)
    plan = import_ok(engine, "rows.xlsx", quarterly_return(engagements=[engagement_row()]))
    assert plan.contract_reference == "CON-1"
    with Session(engine) as session:
        record = session.scalars(select(models.ImportRecord).order_by(models.ImportRecord.id.desc())).first()
    assert record.contract_reference == "CON-1"
    two = import_ok(
        engine,
        "two.xlsx",
        quarterly_return(
            engagements=[engagement_row(), engagement_row({"Contract reference": "CON-2", "Package ID": "PKG-9"})]
        ),
    )
    assert two.contract_reference is None
