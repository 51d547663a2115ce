"""The Finance page in the app (AppTest), on the small database imported through the importer."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pandas as pd
import pytest

from tests.small_db import (
    LD,
    finance_sheet_rows,
    frame_with,
    open_page,
    small_db_each,  # noqa: F401 - fixture
    small_db_url,  # noqa: F401 - fixture
)

AS_OF = "2022-06-30"
PAGE = "pages/finance.py"


def penny(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def page(monkeypatch, small_db_url):  # noqa: F811
    def open_(**params):
        return open_page(monkeypatch, small_db_url, PAGE, **{"as_of": AS_OF, **params})

    return open_


# Worked out by hand from tests/small_db.py as of 30 June 2022 (docs/how-figures-are-worked-out.md, "Money").
# Only invoices dated on or before 30/06/2022 count, so LD-INV-4 (12/07/2022) is left out.
HAND_TOTALS = [  # Contract, Financial year, Allocated, Spent, Headings overspent
    ("CON-IA", "2021-22", "20500.00", "7520.40", 1),  # 20,000 + 500; (4 + 4.5 + 3) x 600 + 620.40 expenses
    ("CON-IA", "2022-23", "8000.00", "0.00", 0),  # 8,000 + 0
    ("CON-IA", "All years", "28500.00", "7520.40", 1),
    (
        "CON-LD",
        "2021-22",
        "38000.10",
        "13550.33",
        1,
    ),  # 30,000.10 + 5,000 + 3,000; 5,500 + 500 + 2,700 + 2,250.33 + 2,600
    ("CON-LD", "2022-23", "49000.55", "0.00", 0),  # 40,000 + 6,000.55 + 3,000
    ("CON-LD", "All years", "87000.65", "13550.33", 1),
    ("CON-SLI", "2021-22", "12000.00", "5400.00", 0),  # 10,000 + 2,000; 4,000 + 1,400
    ("CON-SLI", "2022-23", "220000.00", "0.00", 0),  # 200,000 + 20,000
    ("CON-SLI", "All years", "232000.00", "5400.00", 0),
]
HAND_FLAGS = [  # Flag, Contract, Invoice, Line
    ("Spend above allocation", "CON-IA", None, None),  # Expenses 2021-22: 620.40 > 500
    ("Spend above allocation", "CON-LD", None, None),  # Overheads 2021-22: 500 + 2,600 = 3,100 > 3,000
    ("Day rate above cap", "CON-LD", "LD-INV-2", 1),  # 650 > 600 (no executive cap in CON-LD's register)
    ("Amount differs from days x day rate", "CON-LD", "LD-INV-2", 1),  # 4 x 650 = 2,600, billed 2,700
    ("Overheads above the contract's cap", "CON-LD", "LD-INV-3", None),  # 2,600 > 15 % of 2,250.33 = 337.55
    ("Invoice more than 30 days late", "CON-LD", "LD-INV-3", None),  # Q4 ended 31/03/2022, dated 15/05: 45 days
    ("Day rate above cap", "CON-SLI", "SLI-INV-1", 2),  # Management 700 > 600 (Executive 800 = its 800 cap: fine)
]


def test_worked_by_hand_on_the_small_database(monkeypatch, small_db_each):  # noqa: F811
    at = open_page(monkeypatch, small_db_each, PAGE, as_of=AS_OF)
    assert not at.exception
    totals = frame_with(at, "Headings overspent")
    assert [
        (contract, year, f"{penny(allocated)}", f"{penny(spent)}", int(over))
        for contract, year, allocated, spent, over in totals[
            ["Contract", "Financial year", "Allocated (£)", "Spent (£)", "Headings overspent"]
        ].itertuples(index=False)
    ] == HAND_TOTALS
    # 28,500 + 87,000.65 + 232,000 = 347,500.65
    assert any(re.search(r"£347,500\.65\b", s.value) and "to the penny" in s.value for s in at.success)
    flags = frame_with(at, "Excel row")
    assert [
        (flag, contract, None if pd.isna(invoice) or invoice == "" else invoice, None if pd.isna(line) else int(line))
        for flag, contract, invoice, line in flags[["Flag", "Contract", "Invoice", "Line"]].itertuples(index=False)
    ] == HAND_FLAGS
    values = frame_with(at, "Spent to date, all years (£)")
    # spend to date against the register's £1,000,000: 7,520.40 is 0.8 %, 13,550.33 1.4 %, 5,400 0.5 %
    assert [
        (contract, f"{penny(spent)}", float(share))
        for contract, spent, share in values[
            ["Contract", "Spent to date, all years (£)", "Spent (% of value)"]
        ].itertuples(index=False)
    ] == [("CON-IA", "7520.40", 0.8), ("CON-LD", "13550.33", 1.4), ("CON-SLI", "5400.00", 0.5)]


def test_one_contract_per_heading_and_year(page):
    at = page()
    at.selectbox(key="filter_contract").set_value(LD).run()
    assert not at.exception
    spend = frame_with(at, "Expenditure heading")
    assert set(spend["Contract"]) == {LD}
    rows = spend.set_index(["Financial year", "Expenditure heading"])
    # worked out by hand from the LD return: lines dated on or before 30 June 2022
    assert penny(rows.loc[("2021-22", "Peer mentors"), "Spent (£)"]) == Decimal("8200.00")  # 5500 + 2700
    assert penny(rows.loc[("2021-22", "Overheads"), "Spent (£)"]) == Decimal("3100.00")  # 500 + 2600
    assert penny(rows.loc[("2021-22", "Overheads"), "Remaining (£)"]) == Decimal("-100.00")
    assert rows.loc[("2021-22", "Overheads"), "Status"] == "Overspent"
    assert penny(rows.loc[("2021-22", "Programme management"), "Remaining (£)"]) == Decimal("2749.67")
    assert penny(rows.loc[("2022-23", "Peer mentors"), "Spent (£)"]) == 0  # invoice dated 12 July 2022
    assert rows.loc[("2021-22", "Peer mentors"), "Spent (%)"] == pytest.approx(27.3)
    assert len(spend) == 6  # 3 headings x 2 years, never pooled


def test_year_filter(page):
    at = page(contract=LD, fy="2022-23")
    spend = frame_with(at, "Expenditure heading")
    assert set(spend["Financial year"]) == {"2022-23"}
    totals = frame_with(at, "Headings overspent").set_index("Financial year")
    assert penny(totals.loc["2022-23", "Allocated (£)"]) == Decimal("49000.55")  # 40,000 + 6,000.55 + 3,000


def test_flags_name_invoice_line_file_and_row(page):
    at = page(contract=LD)
    flags = frame_with(at, "Excel row")
    rows = finance_sheet_rows()["return_ld.xlsx"]
    rate = flags[flags["Flag"] == "Day rate above cap"].iloc[0]
    assert (rate["Invoice"], rate["Line"], rate["File"], rate["Excel row"]) == (
        "LD-INV-2",
        1,
        "return_ld.xlsx",
        rows[("LD-INV-2", 1)],
    )
    overheads = flags[flags["Flag"] == "Overheads above the contract's cap"].iloc[0]
    assert overheads["Excel row"] == rows[("LD-INV-3", 2)]
    assert str(flags["Excel row"].dtype) == "Int64"  # a number column, as Arrow sends it: sorts as numbers
    assert set(flags["Flag"]) == {
        "Day rate above cap",
        "Amount differs from days x day rate",
        "Overheads above the contract's cap",
        "Invoice more than 30 days late",
        "Spend above allocation",
    }


def test_burn_up_and_day_rates(page):
    at = page(contract=LD, as_of="2022-02-10")
    assert at.selectbox(key="finance_burn_contract").value == LD
    assert at.selectbox(key="finance_burn_fy").value == "2021-22"
    burn = frame_with(at, "Cumulative spend (£)")
    peer = burn[burn["Heading"] == "Peer mentors"]
    assert peer["Cumulative spend (£)"].tolist() == [0.0, 5500.0, 8200.0, 8200.0]
    forecast = frame_with(at, "Forecast at FY end (£)").set_index("Heading")
    # straight line through the quarters invoiced by 10 Feb 2022 (Q2 and Q3): 8200 x 365 days / 275 days to 31 Dec
    assert penny(forecast.loc["Peer mentors", "Forecast at FY end (£)"]) == penny(Decimal(8200) * 365 / 275)
    sentence = next(m.value for m in at.markdown if "straight-line forecast" in m.value)
    assert "through the 2 quarters invoiced so far (Q2 and Q3, to 31 December 2021; dashed, a forecast" in sentence
    assert "Q1 has no invoice and counts as nothing spent." in sentence
    rates = frame_with(at, "Cap rule")
    assert rates[rates["Above cap"] == "Yes"]["Day rate (£)"].tolist() == [650.0]


def test_after_the_year_ends_the_forecast_runs_through_the_quarters_invoiced_until_q4_is(page):
    """2021-22 has ended on 20 April 2022, but its Q4 invoice is dated 15 May: the page says so and draws the
    forecast through the quarters invoiced so far; once Q4 is invoiced there is no forecast (and no legend for one)."""
    at = page(contract=LD, fy="2021-22", as_of="2022-04-20")
    assert not at.exception
    sentence = next(m.value for m in at.markdown if "cumulative spend by quarter" in m.value)
    assert (
        "2021-22 has ended but Q4 is not invoiced yet, so the straight-line forecast to 31 March runs through "
        "the 2 quarters invoiced so far (Q2 and Q3, to 31 December 2021"
    ) in sentence
    assert not frame_with(at, "Forecast at FY end (£)").empty
    at = page(contract=LD, fy="2021-22", as_of="2022-05-15")
    sentence = next(m.value for m in at.markdown if "cumulative spend by quarter" in m.value)
    assert "Q4, the last quarter of 2021-22, is invoiced, so no forecast is drawn." in sentence
    burn_up = next(
        spec
        for spec in map(json.loads, (c.proto.spec for c in at.get("vega_lite_chart")))
        if "cumulative spend by quarter" in spec["description"]
    )
    encoding = burn_up["spec"]["layer"][0]["encoding"]
    assert (
        encoding["color"]["scale"]["domain"]
        == encoding["strokeDash"]["scale"]["domain"]
        == ["Actual spend", "Allocation"]
    )


def test_executive_cap_for_send(page):
    at = page(contract="CON-SLI")
    rates = frame_with(at, "Cap rule").set_index("Level")
    assert rates.loc["Executive", "Cap (£)"] == 800.0 and rates.loc["Executive", "Above cap"] == "No"
    assert rates.loc["Management", "Cap (£)"] == 600.0 and rates.loc["Management", "Above cap"] == "Yes"


def test_a_contract_chosen_after_another_gets_its_own_day_rates(page):
    """The scope's day-rate table is cached per scope: it must be worked out from the scope's
    records, not from the contract that happened to be chosen first (it once came out empty)."""
    first = frame_with(page(contract="CON-LD"), "Cap rule")
    assert set(first["Contract"]) == {"CON-LD"}
    rates = frame_with(page(contract="CON-SLI"), "Cap rule")
    assert set(rates["Contract"]) == {"CON-SLI"} and {"Executive", "Management"} <= set(rates["Level"])


def test_board_members_see_the_finance_page(monkeypatch, small_db_url):  # noqa: F811
    at = open_page(monkeypatch, small_db_url, PAGE, role="board", as_of=AS_OF)
    assert not at.exception
    assert at.title[0].value == "Finance"


def test_download_files_are_written_only_when_a_button_is_pressed(page, monkeypatch):
    """Writing an Excel file of a long table takes seconds: never on a page's every run."""
    import ui.components

    def not_now(*_args, **_kwargs):
        raise AssertionError("a download file was written while drawing the page")

    monkeypatch.setattr(ui.components, "excel_bytes", not_now)
    monkeypatch.setattr(ui.components, "csv_bytes", not_now)
    at = page()
    assert not at.exception
    assert len(at.get("download_button")) >= 4


def test_spend_against_the_contract_value_and_its_terms(page):
    """Total spend to date (all years) against the register's Value, with the finance terms the
    register sets; a blank term is "not set in the contract register"."""
    at = page(contract=LD)
    assert not at.exception
    values = frame_with(at, "Spent to date, all years (£)")
    assert values["Contract"].tolist() == [LD]
    row = values.iloc[0]
    assert (row["Value"], row["Overheads cap"], row["Day rate cap"]) == ("£1,000,000", "15 %", "£600")
    assert row["Executive day rate cap"] == row["Rates include expenses"] == "not set in the contract register"
    assert any(f"{LD} has spent" in m.value and "of its £1,000,000 value" in m.value for m in at.markdown)


@pytest.mark.parametrize("role", ["board", "case_lead"])
def test_only_those_who_upload_see_the_file_a_flag_came_from(monkeypatch, small_db_url, role):  # noqa: F811
    """File names may hold personal data: the Board and case leads never see them (README, roles)."""
    at = open_page(monkeypatch, small_db_url, PAGE, role=role, as_of=AS_OF, contract=LD)
    assert not at.exception
    flags = frame_with(at, "Flag")
    assert "Day rate above cap" in set(flags["Flag"])
    assert not {"File", "Excel row", "Other Excel rows"} & set(flags.columns)
    shown = [element.value.to_csv() for element in at.dataframe] + [element.value for element in at.caption]
    assert not [text for text in shown if ".xlsx" in text or "Excel row" in text]
