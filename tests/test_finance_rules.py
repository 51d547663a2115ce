"""rules.md "Finance": spend against allocations, flags with their edges, forecast."""

from datetime import date
from decimal import Decimal as D

import pytest

from dashboard.finance import (
    AMOUNT_MISMATCH,
    DAY_RATE_ABOVE_CAP,
    EXPENSES_ON_INCLUSIVE_RATE,
    LATE_INVOICE,
    OVERHEADS_ABOVE_CAP,
    OVERSPEND,
    SPEND_ABOVE_VALUE,
    FinanceRow,
    amount_mismatch_flag,
    cumulative_spend_by_quarter,
    day_rate_above_cap_flag,
    day_rate_cap,
    expenses_flag,
    finance_flags,
    flag_counts,
    late_invoice_flag,
    overheads_flag,
    quarters_billed,
    spend_above_value_flag,
    spend_against_allocations,
    straight_line_forecast,
)
from dashboard.records import Allocation, ContractTerms, InvoiceLine

AS_OF = date(2022, 6, 30)

LEADERSHIP = ContractTerms(
    "con_9887",
    "Leadership",
    "Supplier",
    "Leadership",
    None,
    date(2021, 4, 1),
    date(2024, 3, 31),
    day_rate_cap=D("600"),
)
SEND = ContractTerms(
    "con_send",
    "SEND sector-led improvement",
    "Supplier",
    "SEND",
    None,
    date(2021, 4, 1),
    date(2024, 3, 31),
    day_rate_cap=D("600"),
    executive_day_rate_cap=D("800"),
)
NO_CAP = ContractTerms("con_nocap", "No cap", "Supplier", "Other", None, date(2021, 4, 1), date(2024, 3, 31))


def line(
    amount="1000.00",
    heading="Peer mentors",
    contract="con_9887",
    invoice_ref="INV-1",
    number=1,
    fy="2021-22",
    quarter=1,
    role="Mentor",
    level=None,
    days=None,
    day_rate=None,
    invoice_date=date(2021, 7, 15),
):
    return InvoiceLine(
        contract,
        invoice_ref,
        number,
        fy,
        quarter,
        heading,
        role,
        level,
        None if days is None else D(days),
        None if day_rate is None else D(day_rate),
        D(amount),
        None,
        invoice_date,
    )


def allocation(amount, heading="Peer mentors", fy="2021-22", contract="con_9887"):
    return Allocation(contract, heading, fy, D(amount))


# -------------------------------------------------------- spend vs allocation


def test_spend_per_heading_per_year_never_pooled():
    allocations = [
        allocation("120000", "Peer mentors", "2021-22"),
        allocation("50000", "Peer mentors", "2022-23"),
        allocation("10000", "Travel", "2021-22"),
    ]
    lines = [
        line("80000.25", "Peer mentors", fy="2021-22"),
        line("250.25", "peer  MENTORS ", fy="2021-22", number=2),  # case and spaces ignored
        line("12000", "Travel", fy="2021-22", number=3),  # overspent although pooled total is fine
        line("5000", "Peer mentors", fy="2022-23", number=4, quarter=1, invoice_date=date(2022, 6, 30)),  # on as-of
        line("999", "Peer mentors", fy="2022-23", number=5, invoice_date=date(2022, 7, 1)),  # after as-of
    ]
    rows = spend_against_allocations(allocations, lines, AS_OF)
    assert rows == [
        FinanceRow(
            "con_9887",
            "2021-22",
            "Peer mentors",
            D("120000"),
            D("80250.50"),
            D("39749.50"),
            pytest.approx(66.8754, abs=1e-4),
            False,
        ),
        FinanceRow("con_9887", "2021-22", "Travel", D("10000"), D("12000"), D("-2000"), 120.0, True),
        FinanceRow("con_9887", "2022-23", "Peer mentors", D("50000"), D("5000"), D("45000"), 10.0, False),
    ]


def test_summary_finance_list_is_in_plain_order_of_the_headings_as_spelt():
    """cli.md: "Lists are sorted by contract, then financial year, then ... heading", and
    "Headings are reported as the pricing schedule spells them": a plain sort of that text."""
    from dashboard.summary import build_summary

    allocations = [
        allocation("100", "overheads"),
        allocation("100", "Travel"),
        allocation("100", "Peer mentors"),
        allocation("100", "Travel", "2020-21"),
    ]
    summary = build_summary(AS_OF, [], [], [], allocations, [line("50", "travel")], [], judgements=[])
    assert [(row["financial_year"], row["heading"]) for row in summary["finance"]] == [
        ("2020-21", "Travel"),
        ("2021-22", "Peer mentors"),
        ("2021-22", "Travel"),
        ("2021-22", "overheads"),
    ]
    assert summary["finance"][2]["spent"] == 50.0  # "travel" on an invoice is the schedule's "Travel"


@pytest.mark.parametrize(
    "allocations, lines, expected",
    [
        pytest.param(
            [],
            [line("500", "Catering")],
            [("2021-22", "Catering", D("0"), D("500"), D("-500"), None, True)],
            id="spend with no allocation is an overspend of the whole amount",
        ),
        pytest.param(
            [allocation("1000", "Travel", "2022-23")],
            [line("500", "Travel", fy="2021-22")],
            [
                ("2021-22", "Travel", D("0"), D("500"), D("-500"), None, True),
                ("2022-23", "Travel", D("1000"), D("0"), D("1000"), 0.0, False),
            ],
            id="allocation in another year does not cover spend",
        ),
        pytest.param(
            [allocation("0", "Travel")],
            [],
            [("2021-22", "Travel", D("0"), D("0"), D("0"), None, False)],
            id="zero allocation (an empty cell of the schedule) and no spend: listed with 0",
        ),
        pytest.param(
            [allocation("1000", "Travel")],
            [line("1000", "Travel")],
            [("2021-22", "Travel", D("1000"), D("1000"), D("0"), 100.0, False)],
            id="spent exactly the allocation is not overspent",
        ),
        pytest.param(
            [allocation("1000", "Travel")],
            [line("1000.01", "Travel")],
            [("2021-22", "Travel", D("1000"), D("1000.01"), D("-0.01"), pytest.approx(100.001), True)],
            id="a penny over is overspent",
        ),
        pytest.param(
            [allocation("1000", "  Peer Mentors")],
            [line("10", "PEER MENTORS")],
            [("2021-22", "Peer Mentors", D("1000"), D("10"), D("990"), 1.0, False)],
            id="reported as the schedule spells it",
        ),
        pytest.param(
            [],
            [line("10", "Travel", invoice_date=date(2022, 7, 1))],
            [],
            id="line dated after as-of does not count",
        ),
        pytest.param(
            [allocation("1000", "Travel", "2021/22")],
            [line("10", "Travel", fy="FY21/22")],
            [("2021-22", "Travel", D("1000"), D("10"), D("990"), 1.0, False)],
            id="FY spellings agree",
        ),
    ],
)
def test_spend_against_allocations_edges(allocations, lines, expected):
    rows = spend_against_allocations(allocations, lines, AS_OF)
    assert [
        (r.financial_year, r.heading, r.allocated, r.spent, r.remaining, r.percent_spent, r.overspent) for r in rows
    ] == expected


def test_rows_are_per_contract():
    rows = spend_against_allocations(
        [allocation("10", "Travel", contract="con_a")], [line("5", "Travel", contract="con_b")], AS_OF
    )
    assert [(r.contract, r.allocated, r.spent) for r in rows] == [("con_a", D("10"), D("0")), ("con_b", D("0"), D("5"))]


# ------------------------------------------------------------------- day rate


@pytest.mark.parametrize(
    "contract, level, day_rate, flagged",
    [
        (LEADERSHIP, None, "600.00", False),  # equal to the cap is not above
        (LEADERSHIP, None, "600.01", True),
        (LEADERSHIP, "Executive", "650", True),  # no executive cap: the day-rate cap applies
        (SEND, "Executive", "800", False),  # executive level: 800 cap
        (SEND, "executive ", "800", False),  # case-insensitive
        (SEND, "Executive", "800.01", True),
        (SEND, "Management", "800", True),  # management level: 600 cap
        (SEND, "Management", "600", False),
        (SEND, None, "700", True),
        (NO_CAP, None, "5000", False),  # no cap: nothing to compare
        (None, None, "5000", False),  # contract unknown
        (LEADERSHIP, None, None, False),  # no day rate given
    ],
)
def test_day_rate_above_cap(contract, level, day_rate, flagged):
    flag = day_rate_above_cap_flag(line(level=level, day_rate=day_rate, days="1", amount=day_rate or "1"), contract)
    assert (flag is not None) is flagged
    if flag:
        assert flag.kind == DAY_RATE_ABOVE_CAP and flag.amount == D(day_rate)


@pytest.mark.parametrize(
    "contract, level, cap",
    [(LEADERSHIP, None, D("600")), (SEND, "Executive", D("800")), (SEND, "Management", D("600")), (NO_CAP, None, None)],
)
def test_day_rate_cap(contract, level, cap):
    assert day_rate_cap(line(level=level), contract) == cap


# ------------------------------------------------------------- amount check


@pytest.mark.parametrize(
    "days, day_rate, amount, flagged",
    [
        ("5", "600", "3000.00", False),
        ("5", "600", "3001.00", False),  # exactly 1.00 out is not a mismatch
        ("5", "600", "2999.00", False),
        ("5", "600", "3001.01", True),
        ("5", "600", "2998.99", True),
        ("0.5", "600", "300", False),  # half days
        (None, "600", "9999", False),  # days missing
        ("5", None, "9999", False),  # rate missing
    ],
)
def test_amount_mismatch(days, day_rate, amount, flagged):
    flag = amount_mismatch_flag(line(amount=amount, days=days, day_rate=day_rate))
    assert (flag is not None) is flagged
    if flag:
        assert flag.kind == AMOUNT_MISMATCH and flag.limit == D(days) * D(day_rate)


# ---------------------------------------------------------------- overheads

# project_5369's register sets an Overheads cap of 15 %; con_9887's sets none
OVERHEADS_15 = ContractTerms(
    "con_9887", "Capped", "Supplier", "SEND", None, date(2021, 4, 1), date(2024, 3, 31), overheads_cap=0.15
)
OVERHEADS_20 = ContractTerms(
    "con_9887", "Capped", "Supplier", "SEND", None, date(2021, 4, 1), date(2024, 3, 31), overheads_cap=0.2
)


@pytest.mark.parametrize(
    "contract, lines, flagged",
    [
        pytest.param(
            OVERHEADS_15, [line("1000"), line("150", "Overheads", number=2)], False, id="exactly at the cap is fine"
        ),
        pytest.param(
            OVERHEADS_15, [line("1000"), line("150.01", "Overheads", number=2)], True, id="just above the cap"
        ),
        pytest.param(
            OVERHEADS_20,
            [line("1000"), line("175", "Overheads", number=2)],
            False,
            id="the register's own cap: 17.5 % is within 20 %",
        ),
        pytest.param(OVERHEADS_20, [line("1000"), line("200.01", "Overheads", number=2)], True, id="above a 20 % cap"),
        pytest.param(
            LEADERSHIP,
            [line("1000"), line("175", "Overheads", number=2)],
            False,
            id="no Overheads cap in the register: no flag",
        ),
        pytest.param(None, [line("1000"), line("175", "Overheads", number=2)], False, id="contract unknown: no flag"),
        pytest.param(
            OVERHEADS_15,
            [line("1000"), line("150.01", "Management", role="Overhead recovery", number=2)],
            False,
            id="overheads are found by heading, not role",
        ),
        pytest.param(
            OVERHEADS_15,
            [line("1000"), line("100", "overheads", number=2), line("60", "Central OVERHEAD", number=3)],
            True,
            id="overhead lines added up, any case",
        ),
        pytest.param(
            OVERHEADS_15,
            [line("500"), line("500", number=2), line("150", "Overheads", number=3)],
            False,
            id="other lines added up",
        ),
        pytest.param(
            OVERHEADS_15,
            [line("900"), line("100", "Travel expenses", number=2), line("150", "Overheads", number=3)],
            False,
            id="expense lines are other costs too",
        ),
        pytest.param(OVERHEADS_15, [line("50", "Overheads")], True, id="overheads with no other costs"),
        pytest.param(OVERHEADS_15, [line("1000")], False, id="no overheads"),
        pytest.param(OVERHEADS_15, [line("-12.00")], False, id="credit note alone: no overheads line, no flag"),
    ],
)
def test_overheads_above_cap(contract, lines, flagged):
    flag = overheads_flag(lines, contract)
    assert (flag is not None) is flagged
    if flag:
        assert flag.kind == OVERHEADS_ABOVE_CAP and flag.line is None
        assert flag.limit == sum(item.amount for item in lines if "overhead" not in item.heading.lower()) * D(
            str(contract.overheads_cap)
        )


def test_overheads_compared_within_the_same_invoice():
    lines = [
        line("1000", invoice_ref="INV-1"),
        line("100", "Overheads", invoice_ref="INV-1", number=2),
        line("100", "Overheads", invoice_ref="INV-2", number=1),  # INV-2 has no other costs
    ]
    flags = [f for f in finance_flags([OVERHEADS_15], [], lines, AS_OF) if f.kind == OVERHEADS_ABOVE_CAP]
    assert [f.invoice_ref for f in flags] == ["INV-2"]
    assert not [f for f in finance_flags([LEADERSHIP], [], lines, AS_OF) if f.kind == OVERHEADS_ABOVE_CAP]


# ------------------------------------------------------------------ expenses

INCLUSIVE = ContractTerms(
    "Con_10575",
    "Adviser",
    "Supplier",
    "Adviser",
    None,
    date(2021, 4, 1),
    date(2024, 3, 31),
    rates_include_expenses=True,
)
NOT_INCLUSIVE = ContractTerms(
    "Con_10575",
    "Adviser",
    "Supplier",
    "Adviser",
    None,
    date(2021, 4, 1),
    date(2024, 3, 31),
    rates_include_expenses=False,
)
SILENT = ContractTerms("Con_10575", "Adviser", "Supplier", "Adviser", None, date(2021, 4, 1), date(2024, 3, 31))


@pytest.mark.parametrize(
    "contract, heading, role, flagged",
    [
        (INCLUSIVE, "Expenses", None, True),
        (INCLUSIVE, "EXPENSES", "Adviser", True),  # any case
        (INCLUSIVE, "Travel and subsistence", None, True),
        (INCLUSIVE, "Adviser days", "Travel time", True),  # the role names travel
        (INCLUSIVE, "Adviser days", "Subsistence claim", True),
        (INCLUSIVE, "Adviser days", "Adviser", False),
        (INCLUSIVE, "Overheads", None, False),
        (NOT_INCLUSIVE, "Expenses", None, False),  # the register says no
        (SILENT, "Expenses", None, False),  # the register is blank: the term does not apply
        (None, "Expenses", None, False),
    ],
)
def test_expenses_on_inclusive_rate(contract, heading, role, flagged):
    flag = expenses_flag(line("120", heading, contract="Con_10575", role=role), contract)
    assert (flag is not None) is flagged
    if flag:
        assert flag.kind == EXPENSES_ON_INCLUSIVE_RATE and flag.line == 1 and flag.amount == D("120")


# ---------------------------------------------------------- spend above value


def valued(value):
    return ContractTerms(
        "con_9887",
        "Leadership",
        "Supplier",
        "Leadership",
        None,
        date(2021, 4, 1),
        date(2024, 3, 31),
        value=None if value is None else D(value),
    )


@pytest.mark.parametrize(
    "value, lines, flagged_in",
    [
        pytest.param(
            "2000",
            [line("1000"), line("1000", fy="2022-23", invoice_date=date(2022, 5, 1), number=2)],
            None,
            id="exactly the value is not above it",
        ),
        pytest.param(
            "2000",
            [line("1000"), line("1000.01", fy="2022-23", invoice_date=date(2022, 5, 1), number=2)],
            "2022-23",
            id="all years together; flagged in the year spend passed the value",
        ),
        pytest.param(
            "2000",
            [line("1500"), line("1500", invoice_date=date(2022, 7, 1), number=2)],
            None,
            id="a line after the as-of date does not count",
        ),
        pytest.param(None, [line("9999999")], None, id="no Value in the register: no flag"),
        pytest.param(
            "2000",
            [
                line("1500"),
                line("-500", fy="2021-22", invoice_ref="INV-2", invoice_date=date(2022, 5, 1), number=2),
                line("600", fy="2022-23", invoice_ref="INV-2", invoice_date=date(2022, 5, 1), number=1),
                line("600", fy="2023-24", invoice_ref="INV-3", invoice_date=date(2022, 6, 1)),
            ],
            "2022-23",
            id="a credit later the same day: dated by the line that passed the value, in invoice and line order",
        ),
        pytest.param(
            "2000",
            [
                line("600", fy="2023-24", invoice_ref="INV-3", invoice_date=date(2022, 6, 1)),
                line("700", fy="2022-23", invoice_ref="INV-2", invoice_date=date(2022, 5, 1), number=2),
                line("1500"),
                line("100", fy="2021-22", invoice_ref="INV-2", invoice_date=date(2022, 5, 1), number=1),
            ],
            "2022-23",
            id="lines given out of date order are added up in date, invoice and line order",
        ),
    ],
)
def test_spend_above_value(value, lines, flagged_in):
    flag = spend_above_value_flag(valued(value), lines, AS_OF)
    assert (flag.financial_year if flag else None) == flagged_in
    flags = [f for f in finance_flags([valued(value)], [], lines, AS_OF) if f.kind == SPEND_ABOVE_VALUE]
    assert len(flags) == (flagged_in is not None)
    if flag:
        assert flag.kind == SPEND_ABOVE_VALUE and flag.limit == D(value) and flag.invoice_ref is None


def test_flag_counts_count_as_the_rules_say():
    """ "late_invoice and overheads_above_cap count once per invoice; overspend once per heading and
    FY; spend_above_value once per contract; every other kind once per line"."""
    contract = ContractTerms(
        "con_9887",
        "All",
        "Supplier",
        "Leadership",
        None,
        date(2021, 4, 1),
        date(2024, 3, 31),
        day_rate_cap=D("600"),
        overheads_cap=0.15,
        rates_include_expenses=True,
        value=D("100"),
    )
    late = date(2021, 11, 1)  # Q1 and Q2 of 2021-22 billed more than 30 days after they ended
    lines = [
        line("700", number=1, quarter=1, days="1", day_rate="700", invoice_date=late),
        line("700", number=2, quarter=2, days="1", day_rate="700", invoice_date=late),  # 2nd quarter, same invoice
        line("500", "Overheads", number=3, quarter=1, invoice_date=late),
        line("50", "Travel", number=4, quarter=1, invoice_date=late),
        line("60", "Expenses", number=5, quarter=2, invoice_date=late),
        line(
            "10", "Peer mentors", invoice_ref="INV-2", number=1, quarter=3, fy="2021-22", invoice_date=date(2022, 1, 5)
        ),
    ]
    allocations = [allocation("100", "Peer mentors"), allocation("10", "Travel")]
    counts = flag_counts(finance_flags([contract], allocations, lines, AS_OF))
    assert counts == {
        ("con_9887", DAY_RATE_ABOVE_CAP): 2,  # once per line
        ("con_9887", LATE_INVOICE): 1,  # INV-1 bills two late quarters: one invoice
        ("con_9887", OVERHEADS_ABOVE_CAP): 1,
        ("con_9887", EXPENSES_ON_INCLUSIVE_RATE): 2,  # Travel and Expenses lines
        ("con_9887", OVERSPEND): 4,  # 2021-22: Peer mentors, Travel; Overheads and Expenses with nothing allocated
        ("con_9887", SPEND_ABOVE_VALUE): 1,
    }


# -------------------------------------------------------------------- late


@pytest.mark.parametrize(
    "fy, quarter, invoice_date, late",
    [
        ("2021-22", 1, date(2021, 7, 30), False),  # exactly 30 days after 30 June
        ("2021-22", 1, date(2021, 7, 31), True),  # 31 days
        ("2021-22", 1, date(2021, 6, 15), False),  # before the quarter ends
        ("2021-22", 3, date(2022, 1, 30), False),  # 30 days after 31 Dec
        ("2021-22", 3, date(2022, 1, 31), True),
        ("2021-22", 4, date(2022, 4, 30), False),  # Q4 ends 31 March of the next year
        ("2021-22", 4, date(2022, 5, 1), True),
        ("2023-24", 4, date(2024, 4, 30), False),
    ],
)
def test_late_invoice(fy, quarter, invoice_date, late):
    flag = late_invoice_flag(line(fy=fy, quarter=quarter, invoice_date=invoice_date))
    assert (flag is not None) is late
    if flag:
        assert flag.kind == LATE_INVOICE


def test_late_invoice_flagged_once_per_invoice_and_quarter():
    lines = [
        line("10", number=1, quarter=1, invoice_date=date(2021, 10, 15)),
        line("10", number=2, quarter=1, invoice_date=date(2021, 10, 15)),
        line("10", number=3, quarter=2, invoice_date=date(2021, 10, 15)),  # Q2 on time
    ]
    flags = [f for f in finance_flags([LEADERSHIP], [], lines, AS_OF) if f.kind == LATE_INVOICE]
    assert len(flags) == 1
    assert "2021-22 Q1" in flags[0].message


def test_late_invoice_once_per_quarter_however_the_lines_come():
    """Lines of two invoices interleaved, an FY written two ways: one flag per invoice and quarter,
    on the first line given of it."""
    late = date(2021, 10, 15)
    lines = [
        line("10", number=1, quarter=1, invoice_date=late),
        line("10", invoice_ref="INV-2", number=1, quarter=1, invoice_date=late),
        line("10", number=2, quarter=1, fy="2021/22", invoice_date=late),
        line("10", invoice_ref="INV-2", number=2, quarter=1, invoice_date=late),
        line("10", number=3, quarter=1, invoice_date=late),
    ]
    flags = [f for f in finance_flags([LEADERSHIP], [], lines, AS_OF) if f.kind == LATE_INVOICE]
    assert [(f.invoice_ref, f.about.line) for f in flags] == [("INV-1", 1), ("INV-2", 1)]


# ---------------------------------------------------------------- all flags


def test_finance_flags_together():
    allocations = [allocation("1000", "Peer mentors")]
    lines = [
        line("1200", "Peer mentors", days="2", day_rate="500"),  # amount mismatch, overspend
        line(
            "800",
            "Peer mentors",
            contract="con_send",
            level="Management",
            days="1",
            day_rate="800",
            invoice_ref="S-1",
            number=1,
        ),
        line(
            "800",
            "Peer mentors",
            contract="con_send",
            level="Executive",
            days="1",
            day_rate="800",
            invoice_ref="S-1",
            number=2,
        ),
        line(
            "9999", "Peer mentors", days="1", day_rate="9999", invoice_ref="LATER", invoice_date=date(2022, 7, 1)
        ),  # after as-of: no flag at all
    ]
    flags = finance_flags([LEADERSHIP, SEND], allocations, lines, AS_OF)
    assert [(f.kind, f.contract, f.invoice_ref, f.line) for f in flags] == [
        (OVERSPEND, "con_9887", None, None),  # heading/FY flags first within a contract and year
        (AMOUNT_MISMATCH, "con_9887", "INV-1", 1),
        (OVERSPEND, "con_send", None, None),  # nothing allocated for con_send
        (DAY_RATE_ABOVE_CAP, "con_send", "S-1", 1),  # 800 management flagged, 800 executive fine
    ]
    kinds = {(f.kind, f.contract, f.line) for f in flags}
    assert (DAY_RATE_ABOVE_CAP, "con_send", 1) in kinds
    assert (DAY_RATE_ABOVE_CAP, "con_send", 2) not in kinds
    assert (AMOUNT_MISMATCH, "con_9887", 1) in kinds
    assert (OVERSPEND, "con_9887", None) in kinds
    assert (OVERSPEND, "con_send", None) in kinds
    assert all(f.invoice_ref != "LATER" for f in flags)
    overspend = next(f for f in flags if f.kind == OVERSPEND and f.contract == "con_9887")
    assert (overspend.amount, overspend.limit, overspend.heading) == (D("1200"), D("1000"), "Peer mentors")


# ---------------------------------------------------------------- forecast


@pytest.mark.parametrize(
    "spent, fy, latest_quarter_billed, expected",
    [
        ("1000", "2021-22", None, None),  # no quarter invoiced yet: no forecast
        ("1000", "2021-22", 1, D("4010.99")),  # 1 April to 30 June: 91 of 365 days
        ("36500", "2021-22", 2, D("72800.55")),  # to 30 September: 183 days
        ("1000", "2021-22", 3, D("1327.27")),  # to 31 December: 275 days
        ("1000", "2021-22", 4, D("1000.00")),  # the whole year invoiced: the spend itself
        ("1000", "2023-24", 2, D("2000.00")),  # leap FY: 366 days, 183 to 30 September
        ("0", "2021-22", 2, D("0.00")),
    ],
)
def test_straight_line_forecast(spent, fy, latest_quarter_billed, expected):
    forecast = straight_line_forecast(D(spent), fy, latest_quarter_billed)
    if expected is None:
        assert forecast is None
        return
    assert forecast.forecast_year_end == expected
    assert forecast.is_forecast is True and "forecast" in forecast.label.lower()
    assert forecast.spent_to_date == D(spent)  # actual kept apart from the forecast


def programme_management(amount, quarter, invoice_date):
    return line(
        amount,
        "Programme management",
        invoice_ref=f"INV-Q{quarter}",
        fy="2022-23",
        quarter=quarter,
        invoice_date=invoice_date,
    )


# The reviewer's case: 2022-23, Q1 and Q2 invoiced, as of 15 November 2022 (Q3 under way, its invoice due
# in January), 39,500 allocated to Programme management; the year ended at 42,600.
REVIEWED_LINES = [
    programme_management("10800", 1, date(2022, 7, 16)),
    programme_management("9150", 2, date(2022, 11, 14)),
    programme_management("11700", 3, date(2023, 1, 13)),
    programme_management("10950", 4, date(2023, 4, 11)),
    line("999", fy="2021-22", quarter=4, invoice_date=date(2022, 4, 7)),  # another FY
]


def test_quarters_billed_are_the_quarters_invoiced_by_the_as_of_date():
    assert quarters_billed(REVIEWED_LINES, "2022-23", date(2022, 11, 15)) == (1, 2)
    assert quarters_billed(REVIEWED_LINES, "FY 2022/23", date(2022, 11, 13)) == (1,)  # Q2 invoice the day after
    assert quarters_billed(REVIEWED_LINES, "2022-23", date(2022, 7, 15)) == ()
    assert quarters_billed(REVIEWED_LINES, "2022-23", date(2023, 4, 10)) == (1, 2, 3)  # year ended, Q4 to come
    assert quarters_billed(REVIEWED_LINES[1:], "2022-23", date(2023, 1, 31)) == (2, 3)  # Q1 never invoiced


def test_the_straight_line_runs_through_the_quarters_invoiced_not_the_days_elapsed():
    """rules.md: "straight-line from spend to date within the FY"; spend counts by the quarter it
    bills, so the quarter under way (not invoiced yet) must not pull the line down."""
    as_of = date(2022, 11, 15)
    rows = spend_against_allocations([allocation("39500", "Programme management", "2022-23")], REVIEWED_LINES, as_of)
    row = next(row for row in rows if row.heading == "Programme management")
    billed = quarters_billed(REVIEWED_LINES, "2022-23", as_of)
    forecast = straight_line_forecast(row.spent, "2022-23", max(billed))
    assert row.spent == D("19950")
    assert (forecast.billed_through, forecast.days_billed, forecast.days_in_year) == (date(2022, 9, 30), 183, 365)
    assert forecast.forecast_year_end == D("39790.98")  # 19,950 x 365 / 183, not x 365 / 229 days elapsed
    assert forecast.forecast_year_end > row.allocated  # the year ended at 42,600: overspent


# ----------------------------------------------------------------- burn-up


def test_cumulative_spend_by_quarter():
    lines = [
        line("100", fy="2021-22", quarter=1),
        line("200", fy="2021-22", quarter=1, number=2),
        line("50", fy="2021-22", quarter=3, number=3, invoice_date=date(2022, 1, 10)),
        line("70", "Travel", fy="2021-22", quarter=4, number=4, invoice_date=date(2022, 4, 10)),
        line("40", fy="2022-23", quarter=1, number=5, invoice_date=date(2022, 6, 1)),
        line("999", fy="2022-23", quarter=1, number=6, invoice_date=date(2022, 7, 1)),  # after as-of
    ]
    rows = cumulative_spend_by_quarter(lines, AS_OF, [allocation("1000"), allocation("500", "Travel")])
    assert [(r.label, r.spent_in_quarter, r.cumulative_spent, r.allocated) for r in rows] == [
        ("2021-22 Q1", D("300"), D("300"), D("1500")),
        ("2021-22 Q2", D("0"), D("300"), D("1500")),
        ("2021-22 Q3", D("50"), D("350"), D("1500")),
        ("2021-22 Q4", D("70"), D("420"), D("1500")),
        ("2022-23 Q1", D("40"), D("40"), None),  # resets each FY; quarters not started are left out
    ]
    per_heading = cumulative_spend_by_quarter(lines, AS_OF, [allocation("500", "Travel")], heading="travel")
    assert [(r.label, r.cumulative_spent, r.allocated) for r in per_heading] == [
        ("2021-22 Q1", D("0"), D("500")),
        ("2021-22 Q2", D("0"), D("500")),
        ("2021-22 Q3", D("0"), D("500")),
        ("2021-22 Q4", D("70"), D("500")),
    ]


def test_float_inputs_are_read_as_decimal():
    floaty = InvoiceLine(
        "con_9887", "F-1", 1, "2021-22", 1, "Peer mentors", None, None, 0.5, 600.0, 300.0, None, date(2021, 7, 1)
    )
    assert amount_mismatch_flag(floaty) is None  # type: ignore[arg-type]
    assert day_rate_above_cap_flag(floaty, LEADERSHIP) is None  # type: ignore[arg-type]
    [row] = spend_against_allocations([], [floaty], AS_OF)  # type: ignore[list-item]
    assert row.spent == D("300.0")


# ------------------------------------------------------- overspend flag edges


@pytest.mark.parametrize(
    "lines, flagged",
    [
        pytest.param([line("1000.00")], False, id="spent exactly the allocation"),
        pytest.param([line("1000.01")], True, id="one penny over"),
        pytest.param([line("1200"), line("-200", number=2)], False, id="credit note brings spend back to allocation"),
        pytest.param(
            [line("600"), line("600", invoice_ref="INV-2", invoice_date=date(2022, 7, 1))],
            False,
            id="second invoice dated after as-of",
        ),
        pytest.param(
            [line("600"), line("600", fy="2022-23", quarter=1, invoice_ref="INV-2", invoice_date=date(2022, 6, 1))],
            False,
            id="spend in another year is not pooled",
        ),
        pytest.param(
            [line("600"), line("600", "peer  MENTORS", number=2)],
            True,
            id="heading spelt differently is the same heading",
        ),
    ],
)
def test_overspend_flag_edges(lines, flagged):
    allocations = [allocation("1000"), allocation("1000", fy="2022-23")]
    flags = [f for f in finance_flags([LEADERSHIP], allocations, lines, AS_OF) if f.kind == OVERSPEND]
    assert bool(flags) is flagged
    if flags:
        assert flags[0].heading == "Peer mentors" and flags[0].invoice_ref is None
