"""Board disclosure across views (issue 19, finding 2): the groups withheld from the Board do not
depend on the filters, and no sum or difference of what any views show gives a withheld figure
away (docs/how-figures-are-worked-out.md, "Figures the Board does not see").

The views are read as linear equations: each row shown says "the sum of a status count over the
participants of this group is n". A withheld group's count is given away exactly when its group
(as a 0/1 vector over the participants) is a combination of the groups shown; that is checked
here with exact rational arithmetic (``fractions.Fraction``), independently of the app's own
arithmetic (modulo a prime, in ``dashboard.disclosure``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.calendar import financial_year_of
from dashboard.disclosure import SUPPRESSED, board_plan
from dashboard.kpi import unit_key
from dashboard.records import GROUP, ONE_TO_ONE, ContractTerms, Unit
from dashboard.views.common import KPI_NAMES, NOT_RECORDED, Disclosure
from dashboard.views.coverage import short_packages_section
from dashboard.views.kpis import end_quarter, kpi_page
from dashboard.views.overview import overview_page

KPI_OF_NAME = {name: kpi for kpi, name in KPI_NAMES.items()}


# ------------------------------------------------------------------ exact linear algebra


class Span:
    """The combinations of some 0/1 rows over named columns, in exact rational arithmetic."""

    def __init__(self, rows=()):
        self.basis: dict = {}  # pivot column -> row (dict column -> Fraction), pivot entry 1

    def _reduce(self, row: dict) -> dict:
        row = {column: Fraction(value) for column, value in row.items() if value}
        for pivot, basis_row in self.basis.items():
            factor = row.get(pivot)
            if factor:
                for column, value in basis_row.items():
                    updated = row.get(column, 0) - factor * value
                    if updated:
                        row[column] = updated
                    else:
                        row.pop(column, None)
        return row

    def add(self, members) -> None:
        row = self._reduce(dict.fromkeys(members, 1))
        if row:
            pivot = min(row, key=repr)
            scale = row[pivot]
            row = {column: value / scale for column, value in row.items()}
            for other in self.basis.values():  # keep the basis reduced: each pivot in one row only
                factor = other.get(pivot)
                if factor:
                    for column, value in row.items():
                        updated = other.get(column, 0) - factor * value
                        if updated:
                            other[column] = updated
                        else:
                            other.pop(column, None)
            self.basis[pivot] = row

    def contains(self, members) -> bool:
        return not self._reduce(dict.fromkeys(members, 1))

    @property
    def rank(self) -> int:
        return len(self.basis)


def given_away(shown: list[frozenset], withheld: list[frozenset]) -> list[frozenset]:
    """The withheld groups whose figures follow from adding and subtracting the groups shown."""
    span = Span()
    for group in shown:
        span.add(group)
    return [group for group in withheld if span.contains(group)]


def one_la_figures(shown: list[frozenset], la_of: dict) -> list[str]:
    """LAs some combination of the groups shown is about alone (zero outside that LA): exactly
    when leaving the LA's participants out lowers the rank of the groups shown."""
    whole = Span()
    for group in shown:
        whole.add(group)
    found = []
    for la in sorted(set(la_of.values())):
        without = Span()
        for group in shown:
            without.add([key for key in group if la_of[key] != la])
        if without.rank < whole.rank:
            found.append(la)
    return found


# ------------------------------------------------------------------ what a Board view shows


def counted(units, as_of: date) -> list[Unit]:
    found: dict = {}
    for unit in units:
        if unit.start_date <= as_of:
            found.setdefault(unit_key(unit), unit)
    return list(found.values())


def _year(unit: Unit) -> str | None:
    return financial_year_of(unit.end_date) if unit.end_date else None


def board_view(contracts, units, regions, as_of, year, region, detail, plan):
    """The rows a Board member reads with these filters, each with the group it is about (worked
    out here from the participants, not by the app): {(contract, KPI): [(group, withheld)]}."""
    in_view = [u for u in units if region is None or u.region_code == region]
    page = kpi_page(contracts, in_view, [], regions, as_of, year, Disclosure(True, plan=plan), detail)
    people = [u for u in counted(in_view, as_of) if year is None or _year(u) == year]
    names = {
        "Quarter the package ended": end_quarter,
        "Region": lambda u: regions.get(u.region_code),
        "Role": lambda u: u.role,
        "Focus": lambda u: u.focus or NOT_RECORDED,
    }
    rows: dict = defaultdict(list)
    tables = [(page.rates.table, None)]
    if not page.detail_withheld:
        tables += [(page.trend.table, "Quarter the package ended")]
        tables += [(section.table, name) for name, section in page.slices.items()]
    for table, column in tables:
        for row in table.to_dict("records"):
            kpi = KPI_OF_NAME[row["KPI"]]
            group = frozenset(
                unit_key(u)
                for u in people
                if u.contract == row["Contract"]
                and u.support_type == kpi
                and (column is None or names[column](u) == row[column])
            )
            assert group, (column, row)
            rows[(row["Contract"], kpi)].append((group, row["Met"] == SUPPRESSED))
    return rows


def check_views(views_rows: list[dict], la_of: dict) -> None:
    """No withheld group follows from what the views show, and no combination of it is about one LA."""
    by_kpi: dict = defaultdict(lambda: ([], []))
    for rows in views_rows:
        for key, found in rows.items():
            for group, withheld in found:
                by_kpi[key][1 if withheld else 0].append(group)
    for key, (shown, withheld) in by_kpi.items():
        assert not set(shown) & set(withheld), f"{key}: a group shown in one view is withheld in another"
        assert given_away(shown, withheld) == [], key
        assert one_la_figures(shown, la_of) == [], key


# ------------------------------------------------------------------ the reproduction


def _tables(at):
    headline = next(
        frame.value
        for frame in at.dataframe
        if "Against target" in frame.value.columns and frame.value.columns[1] == "KPI"
    )
    trend = next(frame.value for frame in at.dataframe if "Quarter the package ended" in frame.value.columns)
    return headline, trend


def test_a_quarter_withheld_from_the_board_is_not_given_away_by_choosing_its_year(open_page):
    """Issue 19: as Board, /kpis?as_of=2024-03-15 showed con_9887 KPI 2 2023-24 Q3 as 10 of 15 and
    Q1 as [c]; with fy=2023-24 the headline was 49 of 81 with Q2 31 of 53 and Q4 2 of 5, so Q1 =
    49-31-2-10 = 6 met of 8, all in one Barking and Dagenham package. Now the quarters withheld are
    the same in both views, and never a single one beside its year's total."""
    plain = open_page("pages/kpis.py", "board", as_of="2024-03-15", contract="con_9887")
    by_year = open_page("pages/kpis.py", "board", as_of="2024-03-15", contract="con_9887", fy="2023-24")
    group = KPI_NAMES[GROUP]

    def withheld_quarters(at) -> set[str]:
        _, trend = _tables(at)
        rows = trend[(trend["KPI"] == group) & trend["Quarter the package ended"].str.startswith("2023-24")]
        assert len(rows) == 4, rows
        return set(rows.loc[rows["Met"] == SUPPRESSED, "Quarter the package ended"])

    assert "2023-24 Q1" in withheld_quarters(plain), "the demo's one-LA quarter is withheld"
    assert withheld_quarters(plain) == withheld_quarters(by_year)
    headline, _ = _tables(by_year)
    year_total = headline[headline["KPI"] == group].iloc[0]
    if year_total["Met"] != SUPPRESSED:  # the year's total shown: a lone [c] quarter would be its remainder
        assert len(withheld_quarters(by_year)) >= 2


# ------------------------------------------------------------------ every Board view of the demo


AS_OF = date(2024, 3, 15)


def test_no_board_view_of_the_demo_gives_a_withheld_figure_away(demo_records):
    """Every view a Board member can open on the demo as of one date (each financial year and region,
    or all; the details of each contract) taken together: no withheld group follows from the groups
    shown, and none of their combinations is about the people of one LA."""
    records = demo_records
    plan = board_plan(records.units, AS_OF)
    people = counted(records.units, AS_OF)
    years = [None, *sorted({y for u in people if (y := _year(u))})]
    regions = [None, *sorted({u.region_code for u in people})]
    found = []
    for detail in sorted({u.contract for u in people}):
        for year in years:
            for region in regions:
                found.append(
                    board_view(records.contracts, records.units, records.regions, AS_OF, year, region, detail, plan)
                )
    withheld = sum(withheld for rows in found for groups in rows.values() for _, withheld in groups)
    assert withheld, "the demo data withholds figures from the Board"
    check_views(found, {unit_key(u): u.la_code for u in people})


# ------------------------------------------------------------------ random data, random filter pairs


CONTRACT = ContractTerms("C-1", "Test", "Supplier", "Programme", None, date(2021, 4, 1), date(2024, 3, 31))
REGIONS = {"R1": "North", "R2": "South"}
ENDS = [None, date(2021, 6, 30), date(2021, 11, 30), date(2022, 5, 31)]
YEARS = [None, "2021-22", "2022-23"]


@st.composite
def participants(draw) -> list[Unit]:
    las = draw(st.lists(st.sampled_from(["R1", "R2"]), min_size=2, max_size=4))  # each LA's region
    count = draw(st.integers(min_value=2, max_value=14))
    units = []
    for number in range(count):
        la = draw(st.integers(min_value=0, max_value=len(las) - 1))
        units.append(
            Unit(
                contract="C-1",
                package_id=f"P{draw(st.integers(0, 5))}",
                participant_id=f"X{number}",
                support_type=draw(st.sampled_from([ONE_TO_ONE, GROUP])),
                la_code=f"E0900000{la}",
                region_code=las[la],
                role=draw(st.sampled_from(["Director", "Manager"])),
                focus=draw(st.sampled_from(["SEND", None])),
                start_date=date(2021, 4, 1),
                end_date=draw(st.sampled_from(ENDS)),
            )
        )
    return units


filters = st.tuples(st.sampled_from(YEARS), st.sampled_from([None, "R1", "R2"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=participants(), first=filters, second=filters)
def test_no_pair_of_board_views_gives_a_withheld_figure_away(units, first, second):
    """Any two filter settings (and the unfiltered view): adding and subtracting what they show
    gives away no withheld group, and nothing about the people of one LA alone."""
    as_of = date(2022, 12, 31)
    plan = board_plan(units, as_of)
    found = [
        board_view([CONTRACT], units, REGIONS, as_of, year, region, "C-1", plan)
        for year, region in {(None, None), first, second}
    ]
    check_views(found, {unit_key(u): u.la_code for u in units})


@pytest.mark.parametrize(
    "rows, withheld, expected",
    [
        ([{1, 2, 3}, {2}, {3}], [{1}], [{1}]),  # a total less the other rows
        ([{1, 2, 3}, {2, 3}], [{1, 2}], []),  # two withheld rows: only their sum follows
        ([{1, 2}, {2, 3}, {1, 3}], [{1}], [{1}]),  # (a+b) - (b+c) + (a+c) = 2a
    ],
)
def test_the_check_itself_finds_a_figure_given_away(rows, withheld, expected):
    assert given_away([frozenset(r) for r in rows], [frozenset(w) for w in withheld]) == [
        frozenset(e) for e in expected
    ]


# ------------------------------------------------------------------ Coverage: packages below the minimum


def _packages(units, region, plan):
    """The Board's short-package counts per contract for a region (or all): {contract: shown?}."""
    in_view = [u for u in units if region is None or u.region_code == region]
    section = short_packages_section(in_view, [SHORT], {}, date(2022, 12, 31), aggregate=True, plan=plan)
    return set(section.table["Contract"]), section.summary


SHORT = ContractTerms(
    "C-1", "Test", "Supplier", "Programme", None, date(2021, 4, 1), date(2024, 3, 31), min_package_days=5
)


def test_short_package_counts_of_a_one_la_region_are_not_the_total_less_the_other_regions():
    """North has one LA's packages, so the Board does not see its counts; nor then can the contract's
    total and South's both be shown, or North's would be their difference."""

    def unit(number, la, region, days):
        return Unit(
            "C-1",
            f"P{number}",
            f"X{number}",
            ONE_TO_ONE,
            la,
            region,
            "Director",
            None,
            date(2021, 4, 1),
            date(2021, 6, 30),
            days_delivered=days,
        )

    units = [
        unit(1, "E09000001", "R1", 2),
        unit(2, "E09000001", "R1", 3),
        unit(3, "E09000002", "R2", 2),
        unit(4, "E09000003", "R2", 8),
        unit(5, "E09000003", "R2", 9),
    ]
    plan = board_plan(units, date(2022, 12, 31))
    shown = {region: "C-1" in _packages(units, region, plan)[0] for region in (None, "R1", "R2")}
    assert shown["R1"] is False
    assert not (shown[None] and shown["R2"]), shown
    assert SUPPRESSED in _packages(units, None if not shown[None] else "R2", plan)[1]


@pytest.mark.parametrize(
    "year, region", [(None, None), ("2023-24", None), (None, "E12000002"), ("2022-23", "E12000007")]
)
def test_the_overview_withholds_what_the_kpis_page_withholds(demo_records, year, region):
    """One decision for every Board view: the Overview's KPI table withholds the same contracts' KPIs
    as the KPIs page's headline, for the same filters."""
    records = demo_records
    plan = board_plan(records.units, AS_OF)
    units = [u for u in records.units if region is None or u.region_code == region]
    disclosure = Disclosure(True, plan=plan)
    kpis = kpi_page(records.contracts, units, records.responses, records.regions, AS_OF, year, disclosure, None)
    overview = overview_page(
        records.contracts, units, records.responses, [], [], [], records.las, AS_OF, year, disclosure
    )

    def withheld(table):
        return set(map(tuple, table.loc[table["Met"] == SUPPRESSED, ["Contract", "KPI"]].values))

    assert withheld(kpis.rates.table) == withheld(overview.kpi_table)
    assert len(kpis.rates.table) == len(overview.kpi_table)


# ------------------------------------------------------------------ the app's arithmetic


column_sets = st.lists(st.frozensets(st.integers(0, 7), min_size=1), max_size=8)


@settings(max_examples=200, deadline=None)
@given(rows=column_sets, vectors=column_sets, sums=st.lists(st.lists(st.integers(0, 7), max_size=4), max_size=4))
def test_the_apps_span_finds_exactly_the_groups_given_away(rows, vectors, sums):
    """``disclosure._Span.spanned`` (modulo a prime, a quick test first) agrees with exact
    fractions, on the rows themselves, their unions and any other vectors."""
    import numpy as np

    from dashboard.disclosure import _Span

    def dense(columns):
        row = np.zeros(8, dtype=np.int64)
        row[sorted(columns)] = 1
        return row

    vectors = (
        vectors
        + rows
        + [frozenset().union(*(rows[i % len(rows)] for i in picked)) for picked in sums if rows and picked]
    )  # rows (given away), unions of rows
    vectors = [v for v in vectors if v]
    found = _Span(np.array([dense(r) for r in rows]).reshape(len(rows), 8)).spanned([dense(v) for v in vectors])
    expected = given_away(rows, vectors)
    assert [frozenset(np.flatnonzero(v).tolist()) for v in found] == expected


def test_products_modulo_the_prime_are_exact_whichever_way_they_are_worked_out():
    """``_times`` multiplies small matrices in whole numbers and larger ones in floating point
    (fast): both give the exact product modulo the prime, as Python's own integers do."""
    import numpy as np

    from dashboard.disclosure import PRIME, _times

    rng = np.random.default_rng(7)
    for rows, inner, columns in ((3, 4, 5), (300, 170, 290)):  # the first whole numbers, the second floating point
        left = rng.integers(0, PRIME, size=(rows, inner), dtype=np.int64)
        right = rng.integers(0, PRIME, size=(inner, columns), dtype=np.int64)
        exact = (left.astype(object) @ right.astype(object)) % PRIME
        assert (_times(left, right).astype(object) == exact).all()


def test_the_plan_is_the_same_as_of_any_date_that_counts_the_same_units(demo_records):
    """``counted_until``: the latest start on or before the date; the app works the plan out once
    for all the dates from it to the next start (``ui.context.board_plan_as_of``)."""
    from dashboard.disclosure import counted_until

    units = demo_records.units
    starts = sorted({unit.start_date for unit in units})
    assert counted_until(units, date(2099, 1, 1)) == starts[-1]
    assert counted_until(units, starts[0].replace(year=starts[0].year - 1)) == starts[0].replace(
        year=starts[0].year - 1
    )
    for as_of in (date(2023, 3, 31), date(2024, 3, 15)):
        until = counted_until(units, as_of)
        assert until <= as_of and not any(until < unit.start_date <= as_of for unit in units)
        same, own = board_plan(units, until), board_plan(units, as_of)
        assert (same.shown, same.whole) == (own.shown, own.whole)
