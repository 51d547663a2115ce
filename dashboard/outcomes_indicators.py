"""Outcome indicators: an LA's DfE LAIT measures against its statistical neighbours (pure).

rules.md, "Outcomes of supported LAs": an LA's value is compared with the median
of its 10 statistical neighbours, its region and England for the same period;
``polarity`` says which direction is better, and a measure without polarity is
never called better or worse. Descriptive only: nothing here says support
caused a change (docs/how-figures-are-worked-out.md, "Outcome indicators").
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard.records import ContractTerms, IndicatorValue, LocalAuthority, Measure, Neighbour, Unit
from dashboard.wording import counted

HIGH, LOW = "High", "Low"  # higher is better / lower is better
FIRST_AREA_NUMBER = 970  # LAIT numbers regions and England from 970; LAs have DfE's 3-digit numbers
ENGLAND = "970"
BANDS = ("A", "B", "C", "D")  # LAIT's quartile bands: A the best quarter of LAs, D the worst
NO_BAND = "-"  # a measure without polarity has no band


def year_of(period: str) -> int:
    """The year a LAIT period label starts with ("2024", "2023-24" -> 2023)."""
    return int(period[:4])


def is_la(area_number: str) -> bool:
    return int(area_number) < FIRST_AREA_NUMBER


# ------------------------------------------------------------------ the rules


@dataclass(frozen=True)
class Spread:
    """The neighbours' figures for one period: median, lowest, highest and how many have one."""

    median: float | None
    lowest: float | None
    highest: float | None
    count: int


def neighbour_spread(values: Iterable[float | None]) -> Spread:
    """Median and range of the neighbours' values that exist (a missing value is left out, never 0)."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return Spread(None, None, None, 0)
    return Spread(statistics.median(known), known[0], known[-1], len(known))


def is_better(value: float, other: float, polarity: str) -> bool | None:
    """Whether ``value`` is better than ``other`` (strictly); None for a measure without polarity."""
    if polarity == HIGH:
        return value > other
    if polarity == LOW:
        return value < other
    return None


@dataclass(frozen=True)
class Standing:
    """How an LA's value compares with each neighbour that has one: strictly above, below, equal.
    ``above``/``below`` are by value; ``better`` is by polarity (None without polarity)."""

    above: int
    below: int
    equal: int
    neighbours: int  # the LA's neighbours, with a figure or not
    better: int | None

    @property
    def compared(self) -> int:
        return self.above + self.below + self.equal


def standing(value: float | None, neighbour_values: Sequence[float | None], polarity: str) -> Standing | None:
    """The LA against each of its neighbours in one period; None when the LA has no figure."""
    if value is None:
        return None
    known = [v for v in neighbour_values if v is not None]
    above = sum(1 for v in known if value > v)
    below = sum(1 for v in known if value < v)
    better = above if polarity == HIGH else below if polarity == LOW else None
    return Standing(above, below, len(known) - above - below, len(neighbour_values), better)


def standing_sentence(result: Standing | None, period: str, name: str) -> str:
    """ "Better than 7 of its 10 statistical neighbours in 2024." (``Standing.better``); for a measure
    without polarity the figure is said to be higher, never better."""
    if result is None:
        return f"No figure for {name} in {period}."
    whom = (
        f"its {result.neighbours} statistical neighbours"
        if result.compared == result.neighbours
        else f"the {result.compared} of its {result.neighbours} statistical neighbours with a figure"
    )
    if result.compared == 0:
        return f"None of {name}'s statistical neighbours has a figure for {period}."
    if result.better is not None:
        return f"Better than {result.better} of {whom} in {period}."
    return f"Higher than {result.above} of {whom} in {period} (for this measure neither higher nor lower is better)."


def quartile_points(values: Iterable[float | None]) -> tuple[float, float, float, float, float] | None:
    """Lowest, lower quartile, median, upper quartile and highest of the LAs' values, as LAIT works
    them out (R's ``quantile``, default type 7: linear between the two nearest ranks)."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return None

    def point(fraction: float) -> float:
        position = (len(known) - 1) * fraction
        low = math.floor(position)
        high = min(low + 1, len(known) - 1)
        return known[low] + (known[high] - known[low]) * (position - low)

    return known[0], point(0.25), point(0.5), point(0.75), known[-1]


def quartile_band(value: float | None, points: Sequence[float] | None, polarity: str) -> str:
    """LAIT's quartile banding: A (the best quarter of LAs) to D (the worst), by polarity.

    Lower is better: up to the lower quartile A, up to the median B, up to the upper quartile
    C, above it D; higher is better the other way round. A measure without polarity has no
    band ("-"); an LA with no figure none ("")."""
    if polarity not in (HIGH, LOW):
        return NO_BAND
    if value is None or points is None:
        return ""
    quarter = next((i for i, edge in enumerate(points[1:4]) if value <= edge), 3)
    return BANDS[quarter] if polarity == LOW else BANDS[3 - quarter]


# ------------------------------------------------------------ reading the data


class Indicators:
    """The LAIT values indexed by measure and area: ``series(measure, area)`` -> {period: value}."""

    def __init__(self, measures: Iterable[Measure], values: Iterable[IndicatorValue], neighbours: Iterable[Neighbour]):
        self.measures = {m.code: m for m in measures}
        self._series: dict[tuple[str, str], dict[str, float | None]] = defaultdict(dict)
        self._periods: dict[str, set[str]] = defaultdict(set)
        self._la_areas: dict[str, set[str]] = defaultdict(set)  # measure -> the LAs with a row of it
        self.area_names: dict[str, str] = {}
        for v in values:
            self._series[(v.measure, v.area_number)][v.period] = v.value
            self._periods[v.measure].add(v.period)
            if is_la(v.area_number):
                self._la_areas[v.measure].add(v.area_number)
            self.area_names.setdefault(v.area_number, v.area_name)
        self.neighbours: dict[str, list[Neighbour]] = defaultdict(list)
        for n in sorted(neighbours, key=lambda n: (n.la_number, n.rank)):
            self.neighbours[n.la_number].append(n)
        self._la_values: dict[tuple[str, str], list[float | None]] = {}

    def series(self, measure: str, area: str) -> dict[str, float | None]:
        return self._series.get((measure, area), {})

    def periods(self, measure: str) -> list[str]:
        return sorted(self._periods.get(measure, ()), key=lambda p: (year_of(p), p))

    def la_values(self, measure: str, period: str) -> list[float | None]:
        """Every LA's value of the measure in the period (regions and England left out)."""
        key = (measure, period)
        if key not in self._la_values:
            self._la_values[key] = [
                self._series[(measure, area)].get(period) for area in sorted(self._la_areas.get(measure, ()))
            ]
        return self._la_values[key]

    def region_area(self, region_name: str) -> str | None:
        """LAIT's area number of a region, by name (capitals aside)."""
        wanted = region_name.casefold()
        return next(
            (area for area, name in self.area_names.items() if not is_la(area) and name.casefold() == wanted), None
        )

    def by_topic(self) -> dict[str, list[Measure]]:
        topics: dict[str, list[Measure]] = defaultdict(list)
        for measure in self.measures.values():
            topics[measure.topic].append(measure)
        return {topic: sorted(items, key=lambda m: m.name) for topic, items in sorted(topics.items())}


def matching(measures: Iterable[Measure], search: str) -> list[Measure]:
    """The measures whose name, topic, code or description holds every word searched (any case)."""
    words = search.casefold().split()
    return [
        m for m in measures if all(word in f"{m.name} {m.topic} {m.code} {m.description}".casefold() for word in words)
    ]


# ---------------------------------------------------------------- one LA's view


def neighbour_names(indicators: Indicators, la_number: str) -> list[tuple[int, str, str, str]]:
    """(rank, DfE number, name, closeness) of the LA's statistical neighbours, closest first."""
    return [
        (n.rank, n.neighbour_number, n.neighbour_name, n.closeness) for n in indicators.neighbours.get(la_number, [])
    ]


def measure_table(
    indicators: Indicators, measure: Measure, la_number: str, la_name: str, region_name: str
) -> pd.DataFrame:
    """One row per period: the LA's value, its neighbours' median, lowest and highest, its region,
    England, its quartile band among all LAs and how many neighbours it is better than (or above,
    without polarity), then each neighbour's value by name."""
    neighbours = indicators.neighbours.get(la_number, [])
    region = indicators.region_area(region_name)
    own = indicators.series(measure.code, la_number)
    rows = []
    for period in indicators.periods(measure.code):
        value = own.get(period)
        theirs = [indicators.series(measure.code, n.neighbour_number).get(period) for n in neighbours]
        spread = neighbour_spread(theirs)
        result = standing(value, theirs, measure.polarity)
        row = {
            "Year": period,
            la_name: value,
            "Neighbours' median": spread.median,
            "Neighbours' lowest": spread.lowest,
            "Neighbours' highest": spread.highest,
            "Neighbours with a figure": spread.count,
            f"{region_name} (region)": indicators.series(measure.code, region).get(period) if region else None,
            "England": indicators.series(measure.code, ENGLAND).get(period),
            "Quartile band": quartile_band(
                value, quartile_points(indicators.la_values(measure.code, period)), measure.polarity
            ),
            ("Better than (neighbours)" if measure.polarity in (HIGH, LOW) else "Higher than (neighbours)"): None
            if result is None
            else (result.better if result.better is not None else result.above),
        }
        for n in neighbours:
            row[n.neighbour_name] = indicators.series(measure.code, n.neighbour_number).get(period)
        rows.append(row)
    return pd.DataFrame(rows)


def latest_sentence(indicators: Indicators, measure: Measure, la_number: str, la_name: str) -> str:
    """The latest period the LA has a figure for, in words (``standing_sentence``), with its
    quartile band among all LAs: the same rules as ``measure_table``'s columns."""
    own = indicators.series(measure.code, la_number)
    known = [p for p in indicators.periods(measure.code) if own.get(p) is not None]
    if not known:
        return f"No figure for {la_name} on this measure."
    period = known[-1]
    theirs = [
        indicators.series(measure.code, n.neighbour_number).get(period)
        for n in indicators.neighbours.get(la_number, [])
    ]
    sentence = standing_sentence(standing(own[period], theirs, measure.polarity), period, la_name)
    sentence = (
        f"{la_name}: {sentence[0].lower()}{sentence[1:]}" if sentence.startswith(("Better", "Higher")) else sentence
    )
    band = quartile_band(own[period], quartile_points(indicators.la_values(measure.code, period)), measure.polarity)
    if band in BANDS:
        sentence += f" Quartile band {band} among all LAs in {period} (A is the best quarter, D the worst)."
    return sentence


def support_spans(starts_and_ends: Iterable[tuple[date, date | None]], as_of: date) -> list[tuple[float, float]]:
    """Support periods as fractional years (1 July 2021 -> 2021.5), merged where they overlap;
    a package not ended runs to as-of. For shading the charts' years."""

    def fraction(day: date) -> float:
        start = date(day.year, 1, 1)
        return day.year + (day - start).days / (date(day.year + 1, 1, 1) - start).days

    spans = sorted(
        (fraction(start), fraction(min(end or as_of, as_of))) for start, end in starts_and_ends if start <= as_of
    )
    merged: list[tuple[float, float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# ------------------------------------------------------------------- the Board


@dataclass(frozen=True)
class GroupChange:
    """For one measure, from one period to another: the median change of the supported LAs beside
    the median change of their statistical neighbours (each counted once, supported LAs left out)."""

    measure: str
    name: str
    polarity: str
    from_period: str
    to_period: str
    supported: int  # supported LAs with a figure in both periods
    supported_change: float | None
    neighbours: int  # their neighbours (not themselves supported) with a figure in both periods
    neighbours_change: float | None

    def sentence(self) -> str:
        """Description, never an effect: what changed in each group, side by side."""
        if self.supported == 0:
            return f"{self.name}: no supported LA has a figure for both {self.from_period} and {self.to_period}."

        def moved(change: float | None) -> str:
            if change is None:
                return "no figure"
            if change == 0:
                return "no change"
            return f"{'up' if change > 0 else 'down'} {abs(change):g}"

        direction = {HIGH: " (higher is better)", LOW: " (lower is better)"}.get(self.polarity, "")

        def group(count: int, noun: str, whose: str) -> str:  # no "median" of one LA
            return f"{whose} {noun}" if count == 1 else f"the median of {whose} {counted(count, noun)}"

        return (
            f"{self.name}{direction}, {self.from_period} to {self.to_period}: "
            f"{group(self.supported, 'supported LA', 'the')} moved {moved(self.supported_change)}; "
            f"{group(self.neighbours, 'statistical neighbour', 'their')} moved {moved(self.neighbours_change)}. "
            "This describes both groups over the same years; it does not show what the support caused."
        )


def group_change(
    indicators: Indicators, measure: str, supported_numbers: Iterable[str], from_period: str, to_period: str
) -> GroupChange:
    """Aggregate (no people): the median change from ``from_period`` to ``to_period`` of the
    supported LAs (DfE numbers) with a figure in both, and of their statistical neighbours that
    were not supported (each once), with a figure in both. Changes are rounded as the measure's
    figures are (its decimal places, else 2)."""
    info = indicators.measures[measure]
    supported = sorted(set(supported_numbers))
    neighbours = sorted(
        {n.neighbour_number for la in supported for n in indicators.neighbours.get(la, [])} - set(supported)
    )

    def changes(areas: list[str]) -> list[float]:
        found = []
        for area in areas:
            series = indicators.series(measure, area)
            before, after = series.get(from_period), series.get(to_period)
            if before is not None and after is not None:
                found.append(after - before)
        return found

    places = info.decimal_places if info.decimal_places is not None else 2
    ours, theirs = changes(supported), changes(neighbours)

    def middle(values: list[float]) -> float | None:
        return round(statistics.median(values), places) if values else None

    return GroupChange(
        measure, info.name, info.polarity, from_period, to_period, len(ours), middle(ours), len(theirs), middle(theirs)
    )


def out_by(period: str, as_of: date) -> bool:
    """Whether a LAIT period's figures count on ``as_of``: from the January after the period ends
    ("2023" from 2024, "2023-24" from 2025), as DfE publishes a year's figures months after it ends.
    Nothing published after the as-of date counts."""
    last_year = year_of(period) + (1 if "-" in period else 0)
    return last_year < as_of.year


def periods_around(
    indicators: Indicators, measure: str, first_start: date, last_end: date | None, as_of: date | None = None
) -> tuple[str, str] | None:
    """The periods a support period is compared over: the latest period whose year is before the
    year support started, and the latest period whose year is after it ended (or, while support runs,
    the latest from the year it started), among those out by ``as_of`` (``out_by``). None when either
    is missing."""
    periods = [p for p in indicators.periods(measure) if as_of is None or out_by(p, as_of)]
    before = [p for p in periods if year_of(p) < first_start.year]
    after = [p for p in periods if year_of(p) > (first_start.year - 1 if last_end is None else last_end.year)]
    if not before or not after:
        return None
    return before[-1], after[-1]


def la_numbers(las: Iterable[LocalAuthority], codes: Iterable[str]) -> list[str]:
    """DfE numbers of the LAs with these GSS codes (a recoded council keeps its number)."""
    number_of = {la.code: la.dfe_code for la in las}
    return sorted({number_of[code] for code in codes if code in number_of})


BOARD_MEASURES = ("Work_Force_TO_Rate", "ReReferral")  # chosen first on the Board's section; any can be chosen


def contract_changes(
    contracts: Iterable[ContractTerms],
    units: Iterable[Unit],
    las: Iterable[LocalAuthority],
    indicators: Indicators,
    measures: Sequence[str],
    as_of: date,
) -> pd.DataFrame:
    """For the Board (aggregate, no people): per contract and chosen measure, the median change of the
    LAs it supported beside that of their statistical neighbours (``group_change``), over the latest
    period before its first package started and the latest after its last package ended
    (``periods_around``; the latest period of all while a package runs), of the figures out by as-of.
    Packages that start after as-of do not count."""
    units = [u for u in units if u.start_date <= as_of]
    las = list(las)
    rows = []
    for contract in sorted(contracts, key=lambda c: c.reference.lower()):
        own = [u for u in units if u.contract.lower() == contract.reference.lower()]
        if not own:
            continue
        first = min(u.start_date for u in own)
        ends = [u.end_date for u in own if u.end_date is not None and u.end_date <= as_of]
        last = max(ends) if len(ends) == len(own) else None  # None: a package still runs
        numbers = la_numbers(las, {u.la_code for u in own})
        for code in measures:
            if code not in indicators.measures:
                continue
            around = periods_around(indicators, code, first, last, as_of)
            if around is None:
                name = indicators.measures[code].name
                rows.append(
                    {
                        "Contract": contract.reference,
                        "Measure": name,
                        "From": "",
                        "To": "",
                        "Supported LAs with figures": 0,
                        "Median change (supported LAs)": None,
                        "Neighbours with figures": 0,
                        "Median change (neighbours)": None,
                        "In words": f"{name}: no published year before support started and after it ended.",
                    }
                )
                continue
            change = group_change(indicators, code, numbers, *around)
            rows.append(
                {
                    "Contract": contract.reference,
                    "Measure": change.name,
                    "From": change.from_period,
                    "To": change.to_period,
                    "Supported LAs with figures": change.supported,
                    "Median change (supported LAs)": change.supported_change,
                    "Neighbours with figures": change.neighbours,
                    "Median change (neighbours)": change.neighbours_change,
                    "In words": change.sentence(),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[  # the two changes side by side, so a narrow page never hides one of them
            "Contract",
            "Measure",
            "From",
            "To",
            "Median change (supported LAs)",
            "Median change (neighbours)",
            "Supported LAs with figures",
            "Neighbours with figures",
            "In words",
        ],
    )
