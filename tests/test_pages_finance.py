"""The Finance page in the app (AppTest), on the small database imported through the importer."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pytest

from tests.small_db import (
    IA,
    IA_ALLOCATIONS,
    LD,
    LD_ALLOCATIONS,
    SLI_ALLOCATIONS,
    YEARS,
    finance_sheet_rows,
    frame_with,
    open_page,
    small_db_url,  # noqa: F401 - fixture
)

AS_OF = "2022-06-30"
PAGE = "pages/finance.py"


def penny(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def schedule(allocations: dict[str, list]) -> dict[str, Decimal]:
    """Pricing schedule totals per FY, straight from the workbook's Part A figures."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for amounts in allocations.values():
        for year, amount in zip(YEARS, amounts):
            totals[year] += penny(amount)
    return dict(totals)


@pytest.fixture
def page(monkeypatch, small_db_url):  # noqa: F811
    def open_(**params):
        return open_page(monkeypatch, small_db_url, PAGE, **{"as_of": AS_OF, **params})
    return open_


def test_totals_equal_the_pricing_schedules(page):
    at = page()
    assert not at.exception
    totals = frame_with(at, "Headings overspent")
    for contract, allocations in ((LD, LD_ALLOCATIONS), (IA, IA_ALLOCATIONS), ("CON-SLI", SLI_ALLOCATIONS)):
        rows = totals[totals["Contract"] == contract].set_index("Financial year")
        expected = schedule(allocations)
        for year, amount in expected.items():
            if amount:
                assert penny(rows.loc[year, "Allocated (£)"]) == amount
        assert penny(rows.loc["All years", "Allocated (£)"]) == sum(expected.values())
    grand = sum(sum(schedule(a).values()) for a in (LD_ALLOCATIONS, IA_ALLOCATIONS, SLI_ALLOCATIONS))
    assert any("to the penny" in s.value and f"£{grand:,}" in s.value for s in at.success)


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
    assert penny(totals.loc["2022-23", "Allocated (£)"]) == schedule(LD_ALLOCATIONS)["2022-23"]


def test_flags_name_invoice_line_file_and_row(page):
    at = page(contract=LD)
    flags = frame_with(at, "Excel row")
    rows = finance_sheet_rows()["return_ld.xlsx"]
    rate = flags[flags["Flag"] == "Day rate above cap"].iloc[0]
    assert (rate["Invoice"], rate["Line"], rate["File"], rate["Excel row"]) == (
        "LD-INV-2", 1, "return_ld.xlsx", rows[("LD-INV-2", 1)])
    overheads = flags[flags["Flag"] == "Overheads above the contract's cap"].iloc[0]
    assert overheads["Excel row"] == rows[("LD-INV-3", 2)]
    assert str(flags["Excel row"].dtype) == "Int64"  # a number column, as Arrow sends it: sorts as numbers
    assert set(flags["Flag"]) == {"Day rate above cap", "Amount differs from days x day rate",
                                  "Overheads above the contract's cap", "Invoice more than 30 days late",
                                  "Spend above allocation"}


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
    assert ("2021-22 has ended but Q4 is not invoiced yet, so the straight-line forecast to 31 March runs through "
            "the 2 quarters invoiced so far (Q2 and Q3, to 31 December 2021") in sentence
    assert not frame_with(at, "Forecast at FY end (£)").empty
    at = page(contract=LD, fy="2021-22", as_of="2022-05-15")
    sentence = next(m.value for m in at.markdown if "cumulative spend by quarter" in m.value)
    assert "Q4, the last quarter of 2021-22, is invoiced, so no forecast is drawn." in sentence
    burn_up = next(spec for spec in map(json.loads, (c.proto.spec for c in at.get("vega_lite_chart")))
                   if spec["description"] == sentence)
    encoding = burn_up["spec"]["layer"][0]["encoding"]
    assert encoding["color"]["scale"]["domain"] == encoding["strokeDash"]["scale"]["domain"] == ["Actual spend",
                                                                                              "Allocation"]


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
