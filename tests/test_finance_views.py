"""The Finance page's tables and sentences (dashboard.views.finance), on records built by hand."""

from datetime import date
from decimal import Decimal as D

import pandas as pd
import pytest

from dashboard.charts.finance import SERIES, burn_up_chart
from dashboard.records import Allocation, ContractTerms, InvoiceLine
from dashboard.views import finance as fv

AS_OF = date(2022, 6, 30)
FORECAST = SERIES[1]
SEND = ContractTerms(
    "con_send",
    "SEND",
    "S",
    "SEND sector-led improvement",
    "Grant",
    date(2021, 4, 1),
    date(2024, 3, 31),
    day_rate_cap=D("600"),
    executive_day_rate_cap=D("800"),
)
LEAD = ContractTerms(
    "con_lead",
    "Leadership",
    "S",
    "Leadership development",
    "Contract",
    date(2021, 4, 1),
    date(2024, 3, 31),
    day_rate_cap=D("600"),
    overheads_cap=0.15,
)
ALLOCATIONS = [
    Allocation("con_lead", "Peer mentors", "2021-22", D("1000.10")),
    Allocation("con_lead", "Peer mentors", "2022-23", D("2000.00")),
    Allocation("con_lead", "Overheads", "2021-22", D("150.55")),
    Allocation("con_send", "Partners", "2021-22", D("5000.00")),
]


def line(
    contract="con_lead",
    invoice="INV-1",
    number=1,
    fy="2021-22",
    quarter=1,
    heading="Peer mentors",
    amount="100",
    level=None,
    days=None,
    rate=None,
    invoice_date=date(2021, 7, 10),
    role=None,
):
    return InvoiceLine(
        contract,
        invoice,
        number,
        fy,
        quarter,
        heading,
        role,
        level,
        None if days is None else D(days),
        None if rate is None else D(rate),
        D(amount),
        None,
        invoice_date,
    )


LINES = [
    line(amount="600.00", days="1", rate="600"),
    line(number=2, heading="Overheads", amount="200.00"),  # overheads 200 > 15 % of 600 and over allocation
    line(invoice="INV-2", quarter=2, amount="1200.00", invoice_date=date(2022, 7, 5)),  # after as-of
    line(
        contract="con_send", invoice="S-1", heading="Partners", level="Executive", days="2", rate="800", amount="1600"
    ),
    line(
        contract="con_send",
        invoice="S-1",
        number=2,
        heading="Partners",
        level="Management",
        days="1",
        rate="650",
        amount="650",
    ),
]


def test_spend_is_per_heading_and_year_never_pooled():
    rows = fv.finance_rows(ALLOCATIONS, LINES, AS_OF, contract="con_lead")
    table = fv.spend_table(rows)
    assert list(
        zip(
            table["Financial year"],
            table["Expenditure heading"],
            table["Allocated (£)"],
            table["Spent (£)"],
            table["Remaining (£)"],
            table["Status"],
        )
    ) == [
        ("2021-22", "Overheads", 150.55, 200.0, -49.45, "Overspent"),
        ("2021-22", "Peer mentors", 1000.10, 600.0, 400.10, "Within allocation"),
        ("2022-23", "Peer mentors", 2000.0, 0.0, 2000.0, "Within allocation"),
    ]
    assert table["Spent (%)"].tolist() == [132.8, 60.0, 0.0]


def test_financial_year_filter_accepts_other_spellings():
    rows = fv.finance_rows(ALLOCATIONS, LINES, AS_OF, contract="CON_LEAD", financial_year="FY 2022/23")
    assert [(r.financial_year, r.heading) for r in rows] == [("2022-23", "Peer mentors")]


def test_totals_reconcile_to_the_schedule_to_the_penny():
    rows = fv.finance_rows(ALLOCATIONS, LINES, AS_OF)
    totals = fv.allocation_totals(rows)
    all_years = totals[totals["Financial year"] == fv.ALL_YEARS].set_index("Contract")
    assert all_years.loc["con_lead", "Allocated (£)"] == 3150.65
    assert all_years.loc["con_lead", "Headings overspent"] == 1
    assert "Remaining (£)" not in totals.columns  # never a pooled remaining
    schedule = fv.schedule_total(ALLOCATIONS)
    assert schedule == D("8150.65")
    assert "to the penny" in fv.reconciliation_sentence(rows, schedule)
    assert "difference of £0.01" in fv.reconciliation_sentence(rows, schedule + D("0.01"))


def test_spend_without_allocation_is_an_overspend_of_the_whole_amount():
    rows = fv.finance_rows(ALLOCATIONS, [line(heading="Travel", amount="75.25")], AS_OF, contract="con_lead")
    travel = fv.spend_table(rows).set_index("Expenditure heading").loc["Travel"]
    assert (travel["Allocated (£)"], travel["Remaining (£)"], travel["Status"]) == (
        0.0,
        -75.25,
        "Overspent: nothing allocated",
    )
    assert pd.isna(travel["Spent (%)"])


def test_burn_up_keeps_the_forecast_apart_from_actuals():
    burn = fv.burn_up(ALLOCATIONS, LINES, date(2021, 12, 31), "con_lead", "2021-22")
    peer = burn.actual[burn.actual["Heading"] == "Peer mentors"]
    assert peer["Cumulative spend (£)"].tolist() == [0.0, 600.0, 600.0, 600.0]  # FY start, Q1, Q2, Q3
    assert peer["Date"].max() == pd.Timestamp("2021-12-31")
    assert "Forecast spend (£)" not in burn.actual.columns
    forecast = burn.forecast[burn.forecast["Heading"] == "Peer mentors"]
    assert forecast["Label"].unique().tolist() == ["forecast"]
    # only Q1 is invoiced by 31 December (the Q2 invoice is dated July 2022): the line starts at its end
    assert burn.quarters_billed == (1,)
    assert forecast["Date"].tolist() == [pd.Timestamp("2021-06-30"), pd.Timestamp("2022-03-31")]
    # 600 x 365 / 91 days to 30 June
    assert forecast["Forecast spend (£)"].tolist() == [600.0, 2406.59]
    sentence = fv.burn_up_sentence(burn, "con_lead", "2021-22", date(2021, 12, 31))
    assert "The forecast to 31 March runs through the 1 quarter invoiced so far (Q1, to 30 June 2021" in sentence
    assert "a forecast, not spend" in sentence


# The reviewer's case (Finance, /finance?contract=con_9887&fy=2022-23&as_of=2022-11-15): Q1 and Q2 of
# 2022-23 invoiced, Q3 under way; Programme management ended the year at 42,600 against 39,500.
REVIEWED_ALLOCATIONS = [
    Allocation("con_9887", "Programme management", "2022-23", D("39500")),
    Allocation("con_9887", "Peer mentors", "2022-23", D("139500")),
]
REVIEWED_LINES = [
    line("con_9887", f"INV-Q{quarter}", 1, "2022-23", quarter, "Programme management", amount, invoice_date=dated)
    for quarter, amount, dated in [
        (1, "10800", date(2022, 7, 16)),
        (2, "9150", date(2022, 11, 14)),
        (3, "11700", date(2023, 1, 13)),
        (4, "10950", date(2023, 4, 11)),
    ]
] + [
    line("con_9887", "INV-Q1", 2, "2022-23", 1, "Peer mentors", "26950", invoice_date=date(2022, 7, 16)),
    line("con_9887", "INV-Q2", 2, "2022-23", 2, "Peer mentors", "26950", invoice_date=date(2022, 11, 14)),
]


def test_mid_quarter_the_forecast_runs_through_the_quarters_invoiced():
    """Spend counts by the quarter it bills: mid-Q3 only Q1 and Q2 are invoiced, so the straight line
    runs through their spend (to 30 September), not the days elapsed since 1 April."""
    as_of = date(2022, 11, 15)
    burn = fv.burn_up(REVIEWED_ALLOCATIONS, REVIEWED_LINES, as_of, "con_9887", "2022-23")
    table = burn.forecast_table.set_index("Heading")
    assert table.loc["Programme management", "Spent to date (£)"] == 19950.0
    assert table.loc["Programme management", "Forecast at FY end (£)"] == 39790.98  # 19,950 x 365 / 183
    programme = burn.forecast[burn.forecast["Heading"] == "Programme management"]
    assert programme["Date"].tolist() == [pd.Timestamp("2022-09-30"), pd.Timestamp("2023-03-31")]
    assert programme["Forecast spend (£)"].tolist() == [19950.0, 39790.98]
    sentence = fv.burn_up_sentence(burn, "con_9887", "2022-23", as_of)
    assert "through the 2 quarters invoiced so far (Q1 and Q2, to 30 September 2022; dashed, a forecast" in sentence
    assert sentence.startswith(
        "On the straight-line forecast, Programme management would exceed the allocation in 2022-23. "
    )


def test_once_the_year_has_ended_the_forecast_runs_through_the_quarters_invoiced_until_q4_is():
    as_of = date(2023, 4, 5)  # 2022-23 over, its Q4 invoice dated 11 April
    burn = fv.burn_up(REVIEWED_ALLOCATIONS, REVIEWED_LINES, as_of, "con_9887", "2022-23")
    table = burn.forecast_table.set_index("Heading")
    assert table.loc["Programme management", "Forecast at FY end (£)"] == 42008.18  # 31,650 x 365 / 275
    sentence = fv.burn_up_sentence(burn, "con_9887", "2022-23", as_of)
    assert (
        "2022-23 has ended but Q4 is not invoiced yet, so the straight-line forecast to 31 March runs through "
        "the 3 quarters invoiced so far (Q1, Q2 and Q3, to 31 December 2022"
    ) in sentence
    assert "Programme management would exceed the allocation" in sentence
    burn = fv.burn_up(REVIEWED_ALLOCATIONS, REVIEWED_LINES, date(2023, 4, 11), "con_9887", "2022-23")
    assert burn.forecast.empty and burn.forecast_table.empty
    assert burn.actual.groupby("Heading")["Cumulative spend (£)"].max()["Programme management"] == 42600.0
    assert "Q4, the last quarter of 2022-23, is invoiced, so no forecast is drawn." in fv.burn_up_sentence(
        burn, "con_9887", "2022-23", date(2023, 4, 11)
    )


def test_no_forecast_before_a_quarter_is_invoiced_or_the_year_starts():
    burn = fv.burn_up(ALLOCATIONS, LINES, AS_OF, "con_lead", "2022-23")  # under way, nothing invoiced
    assert burn.forecast.empty and burn.forecast_table.empty and burn.quarters_billed == ()
    assert "No quarter of 2022-23 is invoiced yet, so no forecast is drawn" in fv.burn_up_sentence(
        burn, "con_lead", "2022-23", AS_OF
    )
    burn = fv.burn_up(ALLOCATIONS, LINES, date(2021, 3, 1), "con_lead", "2021-22")
    assert burn.forecast.empty
    assert "2021-22 has not started, so no forecast is drawn" in fv.burn_up_sentence(
        burn, "con_lead", "2021-22", date(2021, 3, 1)
    )


def test_a_quarter_before_the_latest_with_no_invoice_is_named():
    lines = [line(quarter=2, amount="600", invoice_date=date(2021, 10, 10))]  # Q1 never invoiced
    burn = fv.burn_up(ALLOCATIONS, lines, date(2021, 11, 1), "con_lead", "2021-22")
    sentence = fv.burn_up_sentence(burn, "con_lead", "2021-22", date(2021, 11, 1))
    assert "the 1 quarter invoiced so far (Q2, to 30 September 2021" in sentence
    assert "Q1 has no invoice and counts as nothing spent." in sentence


def test_the_legend_has_no_forecast_when_none_is_drawn():
    def legend_series(spec) -> list:
        return next(scale["domain"] for scale in _scales(spec) if "Actual spend" in scale.get("domain", []))

    drawn = fv.burn_up(REVIEWED_ALLOCATIONS, REVIEWED_LINES, date(2022, 11, 15), "con_9887", "2022-23")
    assert FORECAST in legend_series(burn_up_chart(drawn.actual, drawn.allocation, drawn.forecast))
    none = fv.burn_up(REVIEWED_ALLOCATIONS, REVIEWED_LINES, date(2022, 7, 1), "con_9887", "2022-23")
    assert none.forecast.empty
    assert legend_series(burn_up_chart(none.actual, none.allocation, none.forecast)) == ["Actual spend", "Allocation"]


def _scales(node):
    """Every scale anywhere in a Vega-Lite spec."""
    if isinstance(node, dict):
        if isinstance(node.get("scale"), dict):
            yield node["scale"]
        for value in node.values():
            yield from _scales(value)
    elif isinstance(node, list):
        for value in node:
            yield from _scales(value)


@pytest.mark.parametrize(
    "level, rate, cap, rule, above",
    [
        ("Executive", "800", 800.0, "Executive level: cap £800", "No"),
        ("executive ", "800.01", 800.0, "Executive level: cap £800", "Yes"),
        ("Management", "650", 600.0, "Other levels: cap £600", "Yes"),
        (None, "600", 600.0, "Other levels: cap £600", "No"),
    ],
)
def test_day_rates_against_their_cap(level, rate, cap, rule, above):
    table = fv.day_rate_table([SEND], [line(contract="con_send", level=level, rate=rate, days="1", amount=rate)], AS_OF)
    assert table.loc[0, ["Cap (£)", "Cap rule", "Above cap"]].tolist() == [cap, rule, above]


def test_a_contract_with_one_cap_calls_it_the_cap_of_all_levels():
    """LEAD has no executive cap: its executives' lines are held to its one cap, "All levels", not
    "Other levels" (which read as if an executive cap applied elsewhere)."""
    lines = [
        line(contract="con_lead", level=level, rate="650", days="1", amount="650") for level in ("Executive", None)
    ]
    table = fv.day_rate_table([LEAD], lines, AS_OF)
    assert table["Cap rule"].tolist() == ["All levels: cap £600"] * 2 and table["Above cap"].tolist() == ["Yes"] * 2


def test_day_rates_without_a_cap_and_after_as_of():
    no_cap = ContractTerms("x", "x", "s", "Evaluation", None, date(2021, 4, 1), date(2024, 3, 31))
    table = fv.day_rate_table(
        [no_cap],
        [
            line(contract="x", rate="900", days="1", amount="900"),
            line(contract="x", rate="900", invoice_date=date(2022, 7, 1)),
        ],
        AS_OF,
    )
    assert len(table) == 1 and table.loc[0, "Cap rule"] == fv.NO_CAP and table.loc[0, "Above cap"] == "No"
    assert "None is above" in fv.day_rate_sentence(table)


def test_flag_table_names_file_and_excel_row():
    sources = {
        ("con_lead", "INV-1", 1): ("return.xlsx", 5),
        ("con_lead", "INV-1", 2): ("return.xlsx", 6),
        ("con_send", "S-1", 2): ("send.xlsx", 9),
    }
    table = fv.flag_table([LEAD, SEND], ALLOCATIONS, LINES, AS_OF, sources)
    by_flag = {(r.Flag, r.Contract): r for r in table.itertuples()}
    rate = by_flag[("Day rate above cap", "con_send")]
    assert (rate.Invoice, rate.Line, rate.File, rate._9, rate._10) == ("S-1", 2, "send.xlsx", 9, "")
    overheads = by_flag[("Overheads above the contract's cap", "con_lead")]
    assert pd.isna(overheads.Line) and (overheads.File, overheads._9) == ("return.xlsx", 6)
    assert str(table["Excel row"].dtype) == "Int64"  # a number column: it sorts as numbers
    overspend = by_flag[("Spend above allocation", "con_lead")]
    assert (overspend.Invoice, overspend.File) == ("", "")
    assert len(table) == 3  # nothing from the line dated after as-of
    assert fv.flag_sentence(table).startswith("3 finance flags")


def test_flag_table_filters_by_year_but_raises_flags_on_the_whole_contract():
    late = line(invoice="L-1", fy="2021-22", quarter=4, invoice_date=date(2022, 5, 15))
    table = fv.flag_table([LEAD], ALLOCATIONS, [late], AS_OF, {}, contract="con_lead", financial_year="2021-22")
    assert table["Flag"].tolist() == ["Invoice more than 30 days late"]
    assert table.loc[0, "File"] == "not recorded"
    assert fv.flag_table([LEAD], ALLOCATIONS, [late], AS_OF, {}, financial_year="2022-23").empty


def test_gbp():
    assert fv.gbp(D("-12")) == "-£12.00"
    assert fv.gbp(D("1234.5")) == "£1,234.50"
    assert fv.gbp(D("600"), pence=False) == "£600"


def test_a_contract_and_year_picked_from_the_scope_tables_equal_their_own_tables(demo_records):
    """The Finance page works the day-rate and flag tables out once for the scope and picks a
    contract's and year's rows from them: the same rows, in the same order, as working them out."""
    data, as_of = demo_records, date(2024, 3, 15)
    sources = {
        (line.contract, line.invoice_ref, line.line): ("return.xlsx", n) for n, line in enumerate(data.invoice_lines)
    }
    tables = fv.scope_tables(data.contracts, data.allocations, data.invoice_lines, as_of, sources)
    assert not tables.flags.empty and not tables.rates.empty
    years = sorted({line.financial_year for line in data.invoice_lines})
    for contract in [c.reference for c in data.contracts] + [data.contracts[0].reference.upper()]:
        for year in [None, *years]:
            expected_flags = fv.flag_table(
                data.contracts, data.allocations, data.invoice_lines, as_of, sources, contract, year
            )
            expected_rates = fv.day_rate_table(data.contracts, data.invoice_lines, as_of, contract, year)
            for table, expected in ((tables.flags, expected_flags), (tables.rates, expected_rates)):
                # The same rows and values; a column with no value at all may be typed differently
                # (None in an untyped column on its own, NaN in a number column picked from the scope's).
                pd.testing.assert_frame_equal(
                    blank_as_none(fv.picked(table, contract, year)), blank_as_none(expected), check_index_type=False
                )


def blank_as_none(table: pd.DataFrame) -> pd.DataFrame:
    return table.astype(object).where(table.notna(), None)


def test_a_credit_note_cancelling_spend_without_allocation_is_not_an_overspend():
    """The status says what the overspend flag decides: +100 and -100 on a heading with nothing
    allocated spends nothing."""
    lines = [line(heading="Travel", amount="100.00"), line(heading="Travel", amount="-100.00", invoice="INV-CR")]
    rows = fv.finance_rows(ALLOCATIONS, lines, AS_OF, contract="con_lead")
    travel = fv.spend_table(rows).set_index("Expenditure heading").loc["Travel"]
    assert (travel["Spent (£)"], travel["Status"]) == (0.0, "Nothing allocated, nothing spent")


def test_the_burn_up_opens_on_the_contract_of_the_latest_year():
    """Not on a programme that ended years ago: the contract with allocation or spend in the
    latest FY up to as-of, then the most spent in it."""
    old = [line(contract="old", fy="2019-20", amount="9000", invoice_date=date(2019, 7, 1))]
    new = [line(contract="new", fy="2021-22", amount="10"), line(contract="big", fy="2021-22", amount="500")]
    assert fv.latest_contract(fv.finance_rows([], old + new, AS_OF), AS_OF) == "big"
    assert fv.latest_contract(fv.finance_rows([], old, AS_OF), AS_OF) == "old"
    assert fv.latest_contract([], AS_OF) is None


def test_the_spend_sentence_names_each_overspend_with_its_contract_and_pools_nothing():
    """Two contracts share a heading name in a year; only one is overspent: the sentence names it,
    and gives no total of spend against a total of allocations ("never pooled")."""
    from dashboard.finance import spend_against_allocations

    allocations = [
        Allocation("con_a", "Programme management", "2022-23", D("39500")),
        Allocation("con_b", "Programme management", "2022-23", D("25000")),
    ]
    lines = [
        line(
            contract="con_a",
            heading="Programme management",
            fy="2022-23",
            amount="42600",
            invoice_date=date(2022, 7, 10),
        ),
        line(
            contract="con_b",
            heading="Programme management",
            fy="2022-23",
            amount="23900",
            invoice_date=date(2022, 7, 10),
        ),
    ]
    rows = spend_against_allocations(allocations, lines, date(2023, 3, 31))
    assert fv.spend_sentence(rows) == (
        "1 of 2 heading-year allocations is overspent: con_a Programme management "
        "2022-23 (over by £3,100.00). Each is compared with its own spend. The other 1 "
        "is within their allocation."
    )
    assert fv.spend_sentence(rows[1:]) == (
        "No heading is overspent (1 heading-year allocation, each compared with its own spend)."
    )


def test_one_flag_and_one_rate_are_said_in_the_singular():
    """ "1 finance flags: 1 day rate above cap." on the Finance page as of 30 June 2022."""
    rate = line(
        contract="con_send", invoice="S-1", heading="Partners", level="Management", days="1", rate="650", amount="650"
    )
    flags = fv.flag_table([SEND], [Allocation("con_send", "Partners", "2021-22", D("5000"))], [rate], AS_OF, {})
    assert fv.flag_sentence(flags) == "1 finance flag: 1 day rate above cap."
    rates = fv.day_rate_table([SEND], [rate], AS_OF)
    assert fv.day_rate_sentence(rates).startswith("1 invoice line gives a day rate, from £650.00 to £650.00. ")
    assert fv.day_rate_sentence(fv.day_rate_table([SEND], [rate, rate], AS_OF)).startswith("2 invoice lines give")


@pytest.mark.parametrize(
    "value, shown, share, above, sentence",
    [
        pytest.param(D("5000"), "£5,000", None, "No", "of its £5,000 value", id="below the value"),
        pytest.param(D("100"), "£100", None, "Yes", "above the contract value", id="above the value"),
        pytest.param(
            None,
            "not set in the contract register",
            None,
            "",
            "its value is not set in the contract register",
            id="no Value in the register",
        ),
    ],
)
def test_spend_against_contract_value(value, shown, share, above, sentence):
    """The Finance page: total spend to date, all years, against the register's Value."""
    from dataclasses import replace

    contract = replace(LEAD, value=value)
    table = fv.value_table([contract, SEND], LINES, AS_OF, "con_lead")
    row = table.iloc[0]
    spent = sum(line.amount for line in LINES if line.contract == "con_lead" and line.invoice_date <= AS_OF)
    assert (row["Contract"], row["Value"], row["Spent to date, all years (£)"], row["Above the value"]) == (
        "con_lead",
        shown,
        float(spent),
        above,
    )
    assert row["Overheads cap"] == "15 %" and row["Rates include expenses"] == "not set in the contract register"
    assert sentence in fv.value_sentence(table)


def test_a_flag_names_its_file_only_for_contracts_whose_imports_the_viewer_sees():
    flags = pd.DataFrame(
        {
            "Flag": ["Day rate above cap", "Day rate above cap"],
            "Contract": ["CON-A", "CON-B"],
            "File": ["a.xlsx", "b.xlsx"],
            "Excel row": pd.array([5, 7], dtype="Int64"),
            "Other Excel rows": ["6", ""],
        }
    )
    assert fv.flags_as_seen(flags, lambda contract: True).equals(flags)
    assert list(fv.flags_as_seen(flags, lambda contract: False).columns) == ["Flag", "Contract"]
    mixed = fv.flags_as_seen(flags, lambda contract: contract == "CON-B")
    assert list(mixed["File"]) == ["", "b.xlsx"] and list(mixed["Other Excel rows"]) == ["", ""]
    assert mixed["Excel row"].isna().tolist() == [True, False] and str(mixed["Excel row"].dtype) == "Int64"
    assert list(flags["File"]) == ["a.xlsx", "b.xlsx"]  # the table given is left as it was


def test_the_day_rate_sentence_names_the_line_furthest_above_its_own_cap():
    """Not the highest rate: an executive's £800.01 is a penny above its £800 cap, a manager's £650 is
    £50 above the £600 cap of other levels."""
    lines = [
        line(contract="con_send", level="Executive", rate="800.01", days="1", amount="800.01"),
        line(contract="con_send", level="Management", rate="650", days="1", amount="650", number=2),
    ]
    sentence = fv.day_rate_sentence(fv.day_rate_table([SEND], lines, AS_OF))
    assert sentence.endswith(
        "2 are above the cap for their level. The furthest above is £650.00 against a cap of £600.00 "
        "(invoice INV-1 line 2)."
    ), sentence
