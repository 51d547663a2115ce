"""The register's contract terms and a return's reporting quarter, as imported.

spreadsheets.md: the register's `KPI target` (blank = the contract has no confidence KPI),
`Overheads cap`, `Rates include expenses`, `Extension notice`; a return's reporting quarter from
a cell labelled `Reporting quarter` (`Quarter ending`, `Period`) above the tables, else the
importer's quarter option, else none. rules.md, "Data currency": only imported (not undone)
returns count.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, Viewer
from data_access import repositories
from data_access.undo import undo_import
from tests.workbooks import (
    CONTRACT,
    SheetSpec,
    contract_row,
    engagement_row,
    finance_row,
    import_ok,
    part_a_sheet,
    pricing_schedule,
    quarterly_return,
    register,
    run_import,
    seed,
)


@pytest.fixture
def seeded(engine):
    seed(engine)
    return engine


def _terms(engine, reference: str):
    with Session(engine) as session:
        return next(terms for terms in repositories.contracts(session) if terms.reference == reference)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"KPI target": "75%", "Overheads cap": "15%", "Rates include expenses": "Yes", "Extension notice": 3},
            {"kpi_target": 0.75, "overheads_cap": 0.15, "rates_include_expenses": True, "extension_notice_months": 3},
        ),
        (
            {"KPI target": 0.8, "Overheads cap": 10, "Rates include expenses": "N", "Extension notice (months)": 6},
            {"kpi_target": 0.8, "overheads_cap": 0.10, "rates_include_expenses": False, "extension_notice_months": 6},
        ),
        # a blank term does not apply: nothing is filled in for it
        (
            {"KPI target": None, "Overheads cap": None, "Rates include expenses": None, "Extension notice": None},
            {
                "kpi_target": None,
                "overheads_cap": None,
                "rates_include_expenses": None,
                "extension_notice_months": None,
            },
        ),
    ],
)
def test_register_terms_are_stored_as_written(seeded, cells, expected):
    import_ok(seeded, "register.xlsx", register([contract_row({"Contract reference": "CON-T", **cells})]))
    terms = _terms(seeded, "CON-T")
    assert {name: getattr(terms, name) for name in expected} == pytest.approx(expected)


def test_a_register_without_the_new_columns_sets_none_of_them(seeded):
    """An older register (no KPI target column either) imports, with every such term unset."""
    row = contract_row({"Contract reference": "CON-OLD"})
    del row["KPI target"]
    import_ok(seeded, "old register.xlsx", register([row]))
    terms = _terms(seeded, "CON-OLD")
    assert (terms.kpi_target, terms.overheads_cap, terms.rates_include_expenses, terms.extension_notice_months) == (
        None,
        None,
        None,
        None,
    )


def _return(label: str | None = "Reporting quarter", value=None, where: str = "above") -> list[SheetSpec]:
    sheets = quarterly_return(engagements=[engagement_row()], contract_label=CONTRACT)
    if label is not None:
        if where == "above":
            sheets[0].above = [["Quarterly return"], [label, value]]
        else:  # a cover sheet the importer does not read
            sheets.insert(0, SheetSpec("Cover", [], above=[["About this return"], [label, value]], columns=[]))
    return sheets


@pytest.mark.parametrize(
    ("label", "value", "where", "expected"),
    [
        ("Reporting quarter", "2023-24 Q3", "above", date(2023, 12, 31)),
        ("Reporting quarter:", "Q3 2023-24", "above", date(2023, 12, 31)),
        ("Quarter ending", "31/12/2023", "above", date(2023, 12, 31)),
        ("Quarter ending", date(2024, 3, 31), "above", date(2024, 3, 31)),
        ("Period", "December 2023", "above", date(2023, 12, 31)),
        ("REPORTING QUARTER", "2022/23 Q1", "cover", date(2022, 6, 30)),
    ],
)
def test_the_reporting_quarter_is_read_from_a_labelled_cell(seeded, label, value, where, expected):
    plan = import_ok(seeded, "return.xlsx", _return(label, value, where))
    assert plan.reporting_quarter_end == expected
    assert plan.return_contracts == [CONTRACT]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2022-23 Q5", "expected a quarter such as 2023-24 Q3"),
        ("November 2023", "November is not the last month of a quarter"),
        ("Q3", "say which financial year"),
    ],
)
def test_an_unreadable_reporting_quarter_is_an_error_at_its_label(seeded, value, why):
    sheets = _return("Reporting quarter", value)
    outcome = run_import(seeded, "return.xlsx", sheets)
    assert not outcome.plan.ok and outcome.import_id is None
    (problem,) = outcome.plan.errors
    # "an error whose ROW is the label's row and COLUMN the label's text"
    assert (problem.sheet, problem.row, problem.column) == ("Engagements", 2, "Reporting quarter")
    assert why in problem.message


def test_two_sheets_stating_different_quarters_is_an_error(seeded):
    sheets = quarterly_return(engagements=[engagement_row()], survey=[], contract_label=CONTRACT)
    sheets[0].above = [["Reporting quarter", "2023-24 Q3"]]
    sheets[1].above = [["Reporting quarter", "2023-24 Q2"]]
    sheets[1].rows = [
        {
            "Package ID": "PKG-1",
            "Participant ID": "P-1",
            "Stage": "Baseline",
            "Response date": date(2021, 5, 1),
            "Confidence": 2,
        }
    ]
    outcome = run_import(seeded, "return.xlsx", sheets)
    assert [(p.sheet, p.row, p.column) for p in outcome.plan.errors] == [("Survey", 1, "Reporting quarter")]
    assert "a return reports on one quarter" in outcome.plan.errors[0].message


@pytest.mark.parametrize(
    ("label_value", "option", "expected", "flagged"),
    [
        (None, "2023-24Q3", date(2023, 12, 31), False),  # the option, written as cli.md writes it
        (None, "2023-24 Q4", date(2024, 3, 31), False),
        ("2023-24 Q2", "2023-24 Q3", date(2023, 9, 30), True),  # the file's own cell wins, and says so
        ("2023-24 Q2", "2023-24 Q2", date(2023, 9, 30), False),
        (None, None, None, False),  # imported, with no reporting quarter
    ],
)
def test_the_quarter_option_is_used_when_the_file_states_none(seeded, label_value, option, expected, flagged):
    sheets = _return("Reporting quarter" if label_value else None, label_value)
    plan = import_ok(seeded, "return.xlsx", sheets, quarter=option)
    assert plan.reporting_quarter_end == expected
    assert any("reporting quarter chosen when importing" in flag for flag in plan.flags) is flagged


def test_a_register_ignores_the_quarter_option(seeded):
    plan = import_ok(
        seeded, "register.xlsx", register([contract_row({"Contract reference": "CON-Q"})]), quarter="2023-24 Q3"
    )
    assert plan.reporting_quarter_end is None


def test_returns_that_count_for_data_currency(seeded):
    """Imported returns that state a quarter count; an undone one and one with no quarter do not."""
    kept = run_import(seeded, "q2.xlsx", _return("Reporting quarter", "2023-24 Q2"))
    undone = run_import(seeded, "q3.xlsx", _return("Reporting quarter", "2023-24 Q3"))
    run_import(seeded, "none.xlsx", _return(None))
    with Session(seeded) as session:
        undo_import(session, undone.import_id, Viewer("admin@example.org", ADMIN))
        session.commit()
    with Session(seeded) as session:
        found = repositories.return_imports(session)
    assert [(r.contract, r.quarter_end) for r in found] == [(CONTRACT, date(2023, 9, 30))]
    assert kept.import_id is not None


# --- The importer's own finance flags follow the register's terms (rules.md "Finance") ------------

_TERM_CASES = [
    # (register cells, invoice lines, flag message expected; None: no flag of that kind)
    pytest.param(
        {"Overheads cap": "15%"},
        [{"Amount": 1000}, {"Expenditure heading": "Overheads", "Amount": 175}],
        "above the 15 % cap",
        id="Overheads cap set: overheads above it flagged",
    ),
    pytest.param(
        {"Overheads cap": None},
        [{"Amount": 1000}, {"Expenditure heading": "Overheads", "Amount": 175}],
        None,
        id="no Overheads cap: no overheads flag",
    ),
    pytest.param(
        {"Rates include expenses": "Yes"},
        [{"Expenditure heading": "Expenses", "Amount": 90}],
        "but the contract's rates include expenses",
        id="Rates include expenses = yes: expenses flagged",
    ),
    pytest.param(
        {"Rates include expenses": None},
        [{"Expenditure heading": "Expenses", "Amount": 90}],
        None,
        id="Rates include expenses blank: no flag",
    ),
    pytest.param(
        {"Value": 1500},
        [{"Amount": 1000}, {"Amount": 1000}],
        "above the contract value £1,500.00",
        id="Value set: spend above it flagged",
    ),
    pytest.param({"Value": None}, [{"Amount": 1000}, {"Amount": 1000}], None, id="no Value: no flag"),
    pytest.param(
        {"Day rate cap": 600},
        [{"Days": 1, "Day rate": 650, "Amount": 650}],
        "above the £600.00 cap",
        id="Day rate cap set: a higher rate flagged",
    ),
    pytest.param(
        {"Day rate cap": None, "Executive day rate cap": None},
        [{"Days": 1, "Day rate": 650, "Amount": 650}],
        None,
        id="no day rate cap: no flag",
    ),
]


def _registered(engine, cells) -> None:
    """CON-T with the register's ``cells``, and a pricing schedule allocating each heading used."""
    import_ok(engine, "register.xlsx", register([contract_row({"Contract reference": "CON-T", **cells})]))
    allocations = {heading: [100_000, 100_000, 100_000] for heading in ("Peer mentors", "Overheads", "Expenses")}
    import_ok(engine, "pricing.xlsx", pricing_schedule(part_a_sheet(allocations, contract="CON-T"), contract="CON-T"))


@pytest.mark.parametrize(("cells", "lines", "expected"), _TERM_CASES)
def test_the_importers_finance_flags_apply_only_the_registers_terms(engine, cells, lines, expected):
    _registered(engine, cells)
    rows = [
        finance_row({"Contract reference": "CON-T", "Line": number, **line})
        for number, line in enumerate(lines, start=1)
    ]
    plan = import_ok(engine, "return.xlsx", quarterly_return(finance=rows, contract_label="CON-T"))
    words = ("cap", "rates include expenses", "contract value")
    found = [flag for flag in plan.flags if any(word in flag for word in words)]
    if expected is None:
        assert found == []
    else:
        assert any(expected in flag for flag in found), plan.flags


def test_the_importer_weighs_the_contracts_stored_spend_against_its_value(engine):
    """spend_above_value counts the spend already imported, not the new file's lines alone."""
    _registered(engine, {"Value": 1500})
    first = import_ok(
        engine,
        "q1.xlsx",
        quarterly_return(
            finance=[
                finance_row({"Contract reference": "CON-T", "Invoice reference": "INV-1", "Line": 1, "Amount": 1000})
            ],
            contract_label="CON-T",
        ),
    )
    assert not any("contract value" in flag for flag in first.flags)
    second = import_ok(
        engine,
        "q2.xlsx",
        quarterly_return(
            finance=[
                finance_row(
                    {
                        "Contract reference": "CON-T",
                        "Invoice reference": "INV-2",
                        "Line": 1,
                        "Amount": 600,
                        "Quarter": "Q2",
                        "Invoice date": date(2021, 10, 15),
                    }
                )
            ],
            contract_label="CON-T",
        ),
    )
    assert any(
        "Spend to date £1,600.00 (all years) is above the contract value £1,500.00" in flag for flag in second.flags
    ), second.flags
