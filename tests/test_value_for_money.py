"""Value for money and Ofsted outcomes (rules.md), on small data worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from dashboard.kpi import MET, NOT_MET, UnitOutcome
from dashboard.outcomes import DECLINED, IMPROVED, SAME, change, ofsted_outcomes, support_periods
from dashboard.records import ContractTerms, IlacsJudgement, InvoiceLine, LocalAuthority, Unit
from dashboard.value_for_money import cost_per, package_days, value_for_money, value_for_money_by_year, whole_pounds

AS_OF = date(2023, 6, 30)
A, B, C = "E08000014", "E08000011", "E08000035"  # Sefton, Knowsley, Leeds
NY_OLD, NY_NEW = "E10000023", "E06000065"  # North Yorkshire, recoded 2023 (same area)


def terms(reference: str = "CON-1", kpi_target: float | None = 0.75) -> ContractTerms:
    return ContractTerms(
        reference=reference,
        title="t",
        supplier="s",
        programme="p",
        contract_type=None,
        start_date=date(2021, 4, 1),
        end_date=date(2024, 3, 31),
        kpi_target=kpi_target,
    )  # type: ignore[arg-type]


def unit(
    package: str,
    participant: str,
    la: str = A,
    start: date = date(2021, 5, 1),
    end: date | None = date(2021, 9, 30),
    days: float | None = 5,
    contract: str = "CON-1",
    support_type: str = "one_to_one",
) -> Unit:
    return Unit(
        contract=contract,
        package_id=package,
        participant_id=participant,
        support_type=support_type,
        la_code=la,
        region_code="E12000002",
        role="r",
        focus=None,
        start_date=start,
        end_date=end,
        days_delivered=days,
    )


def line(
    amount: str, invoice_date: date = date(2021, 10, 1), year: str = "2021-22", contract: str = "CON-1"
) -> InvoiceLine:
    return InvoiceLine(
        contract=contract,
        invoice_ref="I",
        line=1,
        financial_year=year,
        quarter=1,
        heading="h",
        role=None,
        level=None,
        days=None,
        day_rate=None,
        amount=Decimal(amount),
        vat=None,
        invoice_date=invoice_date,
    )


def outcome(u: Unit, status: str) -> UnitOutcome:
    return UnitOutcome(u, status, None, None, None)


LAS = [
    LocalAuthority(A, "343", "Sefton", "E12000002", date(1998, 4, 1), None),
    LocalAuthority(B, "340", "Knowsley", "E12000002", date(1998, 4, 1), None),
    LocalAuthority(C, "383", "Leeds", "E12000003", date(1998, 4, 1), None),
    LocalAuthority(NY_OLD, "815", "North Yorkshire", "E12000003", date(1998, 4, 1), date(2023, 3, 31), (NY_NEW,)),
    LocalAuthority(NY_NEW, "815", "North Yorkshire", "E12000003", date(2023, 4, 1), None),
]


# ------------------------------------------------------------------- value for money


@pytest.mark.parametrize(
    "amount, expected",
    [
        ("2997.5", 2998),
        ("2997.49", 2997),
        ("2996.5", 2997),
        ("0.5", 1),
        ("0.49", 0),
        ("20239.0", 20239),
    ],
)
def test_whole_pounds_round_halves_up(amount, expected):
    assert whole_pounds(Decimal(amount)) == expected


@pytest.mark.parametrize(
    "spend, divisor, expected",
    [
        ("1000", 3, 333),
        ("1000", 0, None),
        ("1000", Decimal("0"), None),
        ("100", Decimal("2.5"), 40),
        ("5", 2, 3),
    ],
)
def test_cost_per(spend, divisor, expected):
    assert cost_per(Decimal(spend), divisor) == expected


def _worked_example():
    """Contract CON-1 as of 30 June 2023:
    - P1: one-to-one in Sefton, two rows (participants a and b) giving 5 and 7 days: package days 7, not 12.
    - G1: group of 3 in Knowsley, 4 days: 4 days, not 12.
    - P2: one-to-one in Sefton again (Sefton counts once), no end date (not ended), days blank: 0 days.
    - P3: starts after the as-of date: not counted at all (not a participant, no days, no LA).
    Spend: 1000.00 + 2000.50 dated on or before as-of; 500 dated after it is not counted.
    """
    units = [
        unit("P1", "a", A, days=5),
        unit("P1", "b", A, days=7),
        unit("G1", "c", B, days=4, support_type="group"),
        unit("G1", "d", B, days=4, support_type="group"),
        unit("G1", "e", B, days=None, support_type="group"),
        unit("P2", "f", A, start=date(2022, 5, 1), end=None, days=None),
        unit("P3", "g", C, start=date(2023, 7, 1), end=None, days=20),
    ]
    outcomes = [outcome(units[0], MET), outcome(units[1], NOT_MET), outcome(units[2], MET), outcome(units[3], MET)]
    lines = [line("1000.00"), line("2000.50", date(2023, 6, 30), "2022-23"), line("500", date(2023, 7, 1), "2023-24")]
    return units, outcomes, lines


def test_value_for_money_worked_example():
    units, outcomes, lines = _worked_example()
    [row] = value_for_money([terms()], units, outcomes, lines, AS_OF, LAS)
    # spend 3000.50; LAs 2 (Sefton, Knowsley); participants 6 (a-f); met 3; days 7 + 4 + 0 = 11
    assert (row.contract, row.spend, row.las_supported, row.participants, row.met, row.days) == (
        "CON-1",
        Decimal("3000.50"),
        2,
        6,
        3,
        Decimal(11),
    )
    # 3000.50 / 2 = 1500.25; / 6 = 500.08; / 3 = 1000.17; / 11 = 272.77
    assert (row.cost_per_la, row.cost_per_participant, row.cost_per_met, row.cost_per_day) == (1500, 500, 1000, 273)
    assert not row.one_la


@pytest.mark.parametrize(
    "kpi_target, met_statuses, expected_met, expected_cost",
    [
        (0.75, [MET, MET], 2, 1500),  # 3000.50 / 2 = 1500.25
        (None, [MET, MET], 2, None),  # no KPI target: met still counted, no cost per met
        (0.75, [NOT_MET, NOT_MET], 0, None),  # met = 0
        (None, [NOT_MET, NOT_MET], 0, None),
    ],
)
def test_cost_per_met_needs_a_target_and_someone_who_met(kpi_target, met_statuses, expected_met, expected_cost):
    units, _, lines = _worked_example()
    outcomes = [outcome(units[0], met_statuses[0]), outcome(units[2], met_statuses[1])]
    [row] = value_for_money([terms(kpi_target=kpi_target)], units, outcomes, lines, AS_OF, LAS)
    assert (row.met, row.cost_per_met) == (expected_met, expected_cost)


def test_a_contract_with_nothing_yet_has_zeros_and_no_costs():
    [row] = value_for_money([terms("EMPTY")], [], [], [], AS_OF, LAS)
    assert (row.spend, row.las_supported, row.participants, row.met, row.days) == (0, 0, 0, 0, 0)
    assert (row.cost_per_la, row.cost_per_participant, row.cost_per_met, row.cost_per_day) == (None, None, None, None)


def test_zero_days_gives_no_cost_per_day():
    units = [unit("P1", "a", days=None), unit("P2", "b", days=0)]
    [row] = value_for_money([terms()], units, [], [line("900")], AS_OF, LAS)
    assert (row.days, row.cost_per_day, row.cost_per_la, row.cost_per_participant) == (0, None, 900, 450)


def test_fractional_days_add_up_exactly_and_a_recoded_la_counts_once():
    units = [unit("P1", "a", NY_OLD, days=0.1), unit("P2", "b", NY_NEW, start=date(2023, 5, 1), days=0.2)]
    [row] = value_for_money([terms()], units, [], [line("3")], AS_OF, LAS)
    assert (row.days, row.las_supported, row.cost_per_day, row.one_la) == (Decimal("0.3"), 1, 10, True)


def test_contracts_are_one_row_each_sorted_and_separate():
    units = [unit("P1", "a", A), unit("X1", "a", B, contract="CON-0")]
    rows = value_for_money(
        [terms("CON-1"), terms("CON-0")], units, [], [line("10"), line("30", contract="CON-0")], AS_OF, LAS
    )
    assert [(r.contract, r.spend, r.participants, r.one_la) for r in rows] == [
        ("CON-0", Decimal(30), 1, True),
        ("CON-1", Decimal(10), 1, True),
    ]


def test_value_for_money_by_year():
    units, outcomes, lines = _worked_example()
    rows = value_for_money_by_year([terms()], units, outcomes, lines, AS_OF, LAS)
    got = [(r.financial_year, r.spend, r.las_supported, r.participants, r.met, r.days) for r in rows]
    # 2021-22: P1 and G1 start and end (met 3), spend 1000; 2022-23: P2 starts (Sefton active), spend 2000.50;
    # 2023-24: P2 still active, nothing billed yet by as-of (the 500 is dated after it).
    assert got == [
        ("2021-22", Decimal("1000.00"), 2, 5, 3, Decimal(11)),
        ("2022-23", Decimal("2000.50"), 1, 1, 0, Decimal(0)),
        ("2023-24", Decimal(0), 1, 0, 0, Decimal(0)),
    ]
    assert rows[1].one_la and rows[1].cost_per_participant == 2001  # 2000.50: a half, rounded up


# ------------------------------------------------------------------------- outcomes


def judged(la: str, published: date, judgement: str) -> IlacsJudgement:
    return IlacsJudgement(la, None, published, judgement)


@pytest.mark.parametrize(
    "before, after, expected",
    [
        ("Inadequate", "Requires improvement", IMPROVED),
        ("Requires improvement to be good", "Good", IMPROVED),
        ("Good", "Outstanding", IMPROVED),
        ("Good", "Good", SAME),
        ("Requires improvement", "Requires improvement to be good", SAME),
        ("Outstanding", "Inadequate", DECLINED),
        ("Good", "Requires improvement", DECLINED),
    ],
)
def test_change(before, after, expected):
    assert change(before, after) == expected


def test_not_inspected_is_not_a_judgement():
    with pytest.raises(ValueError):
        change("Not inspected", "Good")


START, END = date(2021, 5, 1), date(2021, 9, 30)


@pytest.mark.parametrize(
    "case, history, expected",
    [
        ("improved", [("2019-01-01", "Inadequate"), ("2022-01-01", "Good")], IMPROVED),
        (
            "latest before and latest after are compared",
            [
                ("2018-01-01", "Good"),
                ("2020-01-01", "Inadequate"),
                ("2022-01-01", "Good"),
                ("2023-01-01", "Requires improvement"),
            ],
            IMPROVED,
        ),
        ("declined", [("2019-01-01", "Good"), ("2022-01-01", "Inadequate")], DECLINED),
        ("same", [("2019-01-01", "Good"), ("2022-01-01", "Good")], SAME),
        ("no judgement after", [("2019-01-01", "Good")], None),
        ("no judgement before", [("2022-01-01", "Good")], None),
        ("published on the start date is not before", [("2021-05-01", "Inadequate"), ("2022-01-01", "Good")], None),
        (
            "published the day before the start is before",
            [("2021-04-30", "Inadequate"), ("2022-01-01", "Good")],
            IMPROVED,
        ),
        ("published on the end date is not after", [("2019-01-01", "Inadequate"), ("2021-09-30", "Good")], None),
        ("published during the support is neither", [("2019-01-01", "Inadequate"), ("2021-07-01", "Good")], None),
        ("published after the as-of date does not count", [("2019-01-01", "Inadequate"), ("2023-07-01", "Good")], None),
        ("published on the as-of date counts", [("2019-01-01", "Inadequate"), ("2023-06-30", "Good")], IMPROVED),
        ("not inspected is ignored", [("2019-01-01", "Good"), ("2022-01-01", "Not inspected")], None),
    ],
)
def test_one_la_before_and_after(case, history, expected):
    judgements = [judged(A, date.fromisoformat(day), text) for day, text in history]
    [found] = ofsted_outcomes([unit("P1", "a", A, START, END)], judgements, LAS, AS_OF)
    assert found.las_supported == 1
    assert [c.change for c in found.changes] == ([expected] if expected else []), case
    assert found.las_reinspected == (1 if expected else 0)


def test_an_la_with_a_package_not_ended_has_no_after():
    units = [unit("P1", "a", A, START, END), unit("P2", "b", A, date(2022, 1, 1), None)]
    history = [judged(A, date(2019, 1, 1), "Inadequate"), judged(A, date(2021, 12, 1), "Good")]
    [found] = ofsted_outcomes(units, history, LAS, AS_OF)
    assert (found.las_supported, found.las_reinspected, found.period) == (1, 0, (START, None))
    assert found.others == ()  # the contract's support has not ended: no comparison yet


def test_an_end_after_the_as_of_date_is_not_ended():
    units = [unit("P1", "a", A, START, date(2023, 9, 1))]
    [period] = support_periods(units, AS_OF)
    assert period.last_end is None


def test_first_start_and_last_end_span_every_package_of_the_la():
    units = [
        unit("P1", "a", A, date(2021, 5, 1), date(2021, 9, 30)),
        unit("P2", "b", A, date(2021, 3, 1), date(2022, 2, 28)),
    ]
    history = [
        judged(A, date(2021, 4, 1), "Inadequate"),  # after the first start: not before
        judged(A, date(2021, 2, 1), "Requires improvement"),
        judged(A, date(2022, 1, 1), "Outstanding"),  # before the last end: not after
        judged(A, date(2022, 3, 1), "Good"),
    ]
    [found] = ofsted_outcomes(units, history, LAS, AS_OF)
    [item] = found.changes
    assert (item.before.judgement, item.after.judgement, item.change) == ("Requires improvement", "Good", IMPROVED)


def test_a_recoded_la_is_one_la_with_its_judgements_under_both_codes():
    units = [unit("P1", "a", NY_OLD, START, END)]
    history = [judged(NY_NEW, date(2018, 8, 6), "Good"), judged(NY_NEW, date(2023, 8, 18), "Outstanding")]
    [found] = ofsted_outcomes(units, history, LAS, date(2024, 1, 1))
    assert [(c.la_code, c.change) for c in found.changes] == [(NY_NEW, IMPROVED)]


def test_counts_per_contract_and_the_comparison_with_las_not_supported():
    units = [
        unit("P1", "a", A, START, END),
        unit("P2", "b", B, START, date(2021, 12, 31)),
        unit("X1", "c", C, START, END, contract="CON-2"),
        unit("X2", "d", A, date(2023, 7, 1), None, contract="CON-3"),
    ]
    history = [
        judged(A, date(2019, 1, 1), "Inadequate"),
        judged(A, date(2022, 6, 1), "Good"),  # improved
        judged(B, date(2019, 1, 1), "Good"),
        judged(B, date(2022, 6, 1), "Requires improvement"),  # declined
        judged(C, date(2019, 1, 1), "Good"),
        judged(C, date(2022, 6, 1), "Good"),  # same
    ]
    found = {o.contract: o for o in ofsted_outcomes(units, history, LAS, AS_OF)}
    assert set(found) == {"CON-1", "CON-2"}  # CON-3's only package starts after the as-of date
    one, two = found["CON-1"], found["CON-2"]
    assert (one.las_supported, one.las_reinspected, one.count(IMPROVED), one.count(SAME), one.count(DECLINED)) == (
        2,
        2,
        1,
        0,
        1,
    )
    assert (two.las_supported, two.las_reinspected, two.count(IMPROVED), two.count(SAME), two.count(DECLINED)) == (
        1,
        1,
        0,
        1,
        0,
    )
    # not supported by CON-1 over 1 May 2021 - 31 Dec 2021: Leeds (same); North Yorkshire has no judgement
    assert [(c.la_code, c.change) for c in one.others] == [(C, SAME)]
    # not supported by CON-2 over 1 May 2021 - 30 Sep 2021: Sefton improved, Knowsley declined
    assert sorted((c.la_code, c.change) for c in two.others) == [(B, DECLINED), (A, IMPROVED)]


# ---------------------------------------------------------------------- page tables


@pytest.mark.parametrize(
    "board, one_la, expected_people",
    [
        (True, True, ["[c]"] * 4),
        (True, False, [6, 3, 500, 1000]),
        (False, True, [6, 3, 500, 1000]),
    ],
)
def test_the_board_sees_c_for_people_of_one_la_only(board, one_la, expected_people):
    from dashboard.views import outcomes as ov

    units, outcomes, lines = _worked_example()
    [row] = value_for_money([terms()], units, outcomes, lines, AS_OF, LAS)
    row = replace(row, one_la=one_la)
    table = ov.vfm_table([row], [terms()], aggregate_only=board)
    assert [table.loc[0, c] for c in ov.ABOUT_PEOPLE] == expected_people
    assert (table.loc[0, ov.SPEND], table.loc[0, ov.PER_LA], table.loc[0, ov.PER_DAY]) == (3000.5, 1500, 273)
    drawn = ov.vfm_chart_data(table)
    barred = set(drawn.dropna(subset=["Cost (£)"])["Measure"])  # a withheld cost: its words, no bar
    assert barred == (
        {"Cost per LA", "Cost per day"}
        if expected_people[0] == "[c]"
        else {"Cost per LA", "Cost per participant", "Cost per person who met the KPI", "Cost per day"}
    )
    assert list(drawn["Label"]) == [f"{v:,.0f}" if not isinstance(v, str) else v for v in table.loc[0, ov.COSTS]]


@pytest.mark.parametrize(
    "kpi_target, statuses, words",
    [
        (None, [MET], "no KPI target"),
        (0.75, [NOT_MET], "none met yet"),
    ],
)
def test_a_cost_not_worked_out_says_why_and_the_column_is_text(kpi_target, statuses, words):
    from dashboard.views import outcomes as ov

    units, _, lines = _worked_example()
    rows = value_for_money(
        [terms(kpi_target=kpi_target), terms("CON-2")],
        units + [unit("X", "x", contract="CON-2")],
        [outcome(units[0], statuses[0]), outcome(unit("X", "x", contract="CON-2"), MET)],
        lines + [line("3000", contract="CON-2")],
        AS_OF,
        LAS,
    )
    shown = ov.as_shown(ov.vfm_table(rows, [terms()], aggregate_only=False))
    assert list(shown[ov.PER_MET]) == [words, "3,000"]


def test_the_costs_charted_lead_their_table_so_they_are_never_left_out_to_fit_the_page():
    """The table is the chart's text alternative (WCAG 1.1.1): its charted costs come right after the contract."""
    import pandas as pd

    from dashboard.views.outcomes import COSTS, costs_first

    table = pd.DataFrame(columns=["Contract", "Programme", "Financial year", "Spend (£)", *COSTS, "Days"])
    assert list(costs_first(table).columns) == ["Contract", *COSTS, "Programme", "Financial year", "Spend (£)", "Days"]


def test_package_days_are_the_largest_given_per_contract_and_package():
    """ "the largest value given on its rows" (a package with no days given: 0); the same package ID
    in two contracts is two packages, and participants count once per package."""
    units = [
        unit("P1", "a", days=None),
        unit("P1", "a", days=2.5, contract="CON-2"),
        unit("P1", "b", days=3.5),
        unit("P2", "a", days=None),
        unit("P1", "c", days=1, contract="CON-2"),
        unit("P1", "b", days=3.5),
        unit("P2", "c", days=0.5, contract="CON-2"),
    ]
    assert package_days(units) == {
        ("CON-1", "P1"): Decimal("3.5"),
        ("CON-2", "P1"): Decimal("2.5"),
        ("CON-1", "P2"): Decimal(0),
        ("CON-2", "P2"): Decimal("0.5"),
    }
    rows = value_for_money([terms("CON-1"), terms("CON-2")], units, [], [], date(2022, 3, 31))
    assert [(row.contract, row.days, row.participants) for row in rows] == [
        ("CON-1", Decimal("3.5"), 3),
        ("CON-2", Decimal("3.0"), 3),
    ]
