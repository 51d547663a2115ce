"""Small numbers on Board-facing views, with the GSS symbols.

- ``[u]`` low reliability: a rate on fewer than 5 eligible units is shown with
  its counts but the rate is marked ``[u]``.
- ``[c]`` confidential: Board members see aggregate figures only, so a count
  about the people of one LA (an LA-level row, or a contract, region or quarter
  whose participants all lie in one LA) is not shown on Board-facing views,
  whatever its size: a large one tells as much about that LA's leaders as a
  small one ("5 of 5 met"). Nor are the other counts of its row (``row_texts``).
- Across views: ``board_plan`` decides once, over all the data the Board reaches as of a date,
  which groups of participants its views may show, so that no sum or difference of figures from
  any views (any filters) gives a withheld figure away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

import numpy as np

from dashboard.calendar import financial_year_of, quarter_label, quarter_of
from dashboard.kpi import UnitKey, UnitOutcome, is_unit_as_of, percent, unit_key
from dashboard.records import Unit
from dashboard.vocabulary import RELIABLE_FROM

LOW_RELIABILITY = "[u]"
SUPPRESSED = "[c]"


def rate_text(rate: float | None, eligible: int) -> str:
    """A whole percentage, halves rounded up as the KPI sentences write it (5 of 8 is "63 %"),
    ``[u]`` appended below 5 eligible units, "no data" when none."""
    if rate is None or eligible == 0:
        return "no data"
    text = f"{percent(rate)} %"
    return f"{text} {LOW_RELIABILITY}" if eligible < RELIABLE_FROM else text


def count_text(count: int, aggregate_only: bool, identifies_la: bool) -> str:
    """A participant count, or ``[c]`` when it is about the people of one LA and shown to the Board."""
    if aggregate_only and identifies_la:
        return SUPPRESSED
    return str(count)


def row_texts(counts: Sequence[int], aggregate_only: bool, identifies_la: bool) -> list[str]:
    """The counts of one row whose parts add up to a total shown elsewhere (a KPI's statuses): when
    one is ``[c]``, every count is, 0 included: the others would give it away by subtraction, and
    a 0 beside it would say what everyone in the small group did ("Met [c], not met 0")."""
    texts = [count_text(count, aggregate_only, identifies_la) for count in counts]
    return [SUPPRESSED] * len(counts) if SUPPRESSED in texts else texts


def one_la_contracts(units: Iterable[Unit]) -> frozenset[str]:
    """Contracts whose units all lie in one LA: their figures are about that LA (an adviser
    call-off for one council tells as much as an LA filter)."""
    las_of: dict[str, set[str]] = defaultdict(set)
    for unit in units:
        las_of[unit.contract].add(unit.la_code)
    return frozenset(contract for contract, codes in las_of.items() if len(codes) == 1)


def one_la_kpis(units: Iterable[Unit]) -> frozenset[tuple[str, str]]:
    """(contract, support type) pairs whose units all lie in one LA: a KPI of a contract in many
    LAs can still be one LA's (its one-to-one packages in a region or a year, say)."""
    las_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for unit in units:
        las_of[(unit.contract, unit.support_type)].add(unit.la_code)
    return frozenset(key for key, codes in las_of.items() if len(codes) == 1)


# ------------------------------------------------------------------ the Board's plan
#
# docs/how-figures-are-worked-out.md, "Figures the Board does not see": which groups of
# participants the Board may be shown is decided once, over all the data it can reach as of the
# as-of date, for every view it can open (each contract's KPIs for every choice of financial year
# and region, and their rows by quarter, region, role and focus). Each view then shows a group's
# figures only if the plan shows that group, so no filter changes what is withheld, and no sum or
# difference of figures from any views adds up to a figure about the people of one LA, nor to a
# figure that is withheld.

Group = frozenset[UnitKey]  # the unit keys (contract, package, participant) of one group of participants
GroupName = tuple[str | None, ...]  # ("all", year, region) or (breakdown, year, region, value)
_NO_FILTER = None


@dataclass(frozen=True, eq=False)
class BoardPlan:
    """The groups of participants the Board may be shown, per (contract, KPI), as of one date."""

    as_of: date
    shown: Mapping[tuple[str, str], frozenset[Group]] = field(default_factory=dict)
    whole: Mapping[tuple[str, str], Group] = field(default_factory=dict)  # every participant of the KPI

    def shows(self, contract: str, kpi: str, members: Iterable[UnitKey]) -> bool:
        """A group's figures are shown only if the plan shows that very group (fail closed: a group
        the plan never considered is withheld)."""
        return frozenset(members) in self.shown.get((contract, kpi), frozenset())

    def withheld_kpis(self) -> frozenset[tuple[str, str]]:
        """(contract, KPI) pairs whose figures over all their participants are withheld."""
        return frozenset(key for key, everyone in self.whole.items() if everyone not in self.shown.get(key, ()))


def _end_quarter(unit: Unit) -> str | None:
    return quarter_label(*quarter_of(unit.end_date)) if unit.end_date else None


def _end_year(unit: Unit) -> str | None:
    return financial_year_of(unit.end_date) if unit.end_date else None


# the rows a Board view breaks a contract's KPI into, and the unit field each reads
BREAKDOWNS: dict[str, Callable[[Unit], str | None]] = {
    "quarter": _end_quarter,
    "region": attrgetter("region_code"),
    "role": attrgetter("role"),
    "focus": attrgetter("focus"),
}


@dataclass(frozen=True, eq=False)
class _Columns:
    """One contract's KPI read once: its participants in columns (alike in every way a view can split
    them: region, quarter, role, focus; numbered in the order of ``units``), and every group a Board
    view can show as the columns it covers (a view's filters and rows are all read from a unit's
    column, the year from its quarter), with how much it matters and a name (``board_groups``)."""

    units: Sequence[Unit]
    of_unit: np.ndarray  # each unit's column
    las: list[frozenset[str]]  # the LAs of each column's participants
    members: list[np.ndarray]  # each group's columns, ascending
    levels: list[int]
    names: list[GroupName]
    sizes: list[int]  # participants in each group

    @classmethod
    def read(cls, units: Sequence[Unit]) -> _Columns:
        quarters: dict[date | None, str | None] = {}  # a quarter worked out once per end date
        columns: dict[tuple[str, str | None, str, str | None], int] = {}  # region, quarter, role, focus
        of_unit = np.empty(len(units), dtype=np.int64)
        las: list[set[str]] = []
        for position, unit in enumerate(units):
            end = unit.end_date
            quarter = quarters[end] if end in quarters else quarters.setdefault(end, _end_quarter(unit))
            column = columns.setdefault((unit.region_code, quarter, unit.role, unit.focus), len(columns))
            if column == len(las):
                las.append(set())
            las[column].add(unit.la_code)
            of_unit[position] = column
        keys = list(columns)
        size = np.bincount(of_unit, minlength=len(keys))
        # the year of a quarter: "2023-24 Q1" is in 2023-24 (``_end_year`` of its units)
        year_of = [None if quarter is None else quarter.rsplit(" ", 1)[0] for _, quarter, _, _ in keys]
        years = [_NO_FILTER, *sorted({year for year in year_of if year})]
        regions = [_NO_FILTER, *sorted({region for region, _, _, _ in keys})]
        year_code = np.array([years.index(year) if year else -1 for year in year_of], dtype=np.int64)
        region_code = np.array([regions.index(region) for region, _, _, _ in keys], dtype=np.int64)
        values = [[key[i] for key in keys] for i in (1, 0, 2, 3)]  # each column's value in each of BREAKDOWNS
        found: dict[bytes, int] = {}
        members: list[np.ndarray] = []
        levels: list[int] = []
        names: list[GroupName] = []

        def add(level: int, name: GroupName, group: np.ndarray) -> None:
            if not group.size:
                return
            identity = group.tobytes()
            index = found.get(identity)
            if index is None:
                found[identity] = len(members)
                members.append(group)
                levels.append(level)
                names.append(name)
            elif levels[index] > level:
                levels[index], names[index] = level, name

        for y, year in enumerate(years):
            for r, region in enumerate(regions):
                in_view = np.ones(len(keys), dtype=bool)
                if year is not None:
                    in_view &= year_code == y
                if region is not None:
                    in_view &= region_code == r
                chosen = np.flatnonzero(in_view)
                filters = (year is not None) + (region is not None)
                add(filters, ("all", year, region), chosen)
                for position, breakdown in enumerate(BREAKDOWNS):
                    if breakdown == "quarter" and year is not None:
                        continue  # a year's quarters are the same groups as with no year chosen
                    rows: dict[str | None, list[int]] = defaultdict(list)
                    for column in chosen.tolist():
                        rows[values[position][column]].append(column)
                    for value, row in rows.items():
                        if breakdown != "quarter" or value is not None:
                            add(2 + filters, (breakdown, year, region, value), np.array(row, dtype=np.int64))
        return cls(
            units,
            of_unit,
            [frozenset(codes) for codes in las],
            members,
            levels,
            names,
            [int(size[group].sum()) for group in members],
        )

    def group(self, index: int) -> Group:
        """A group's unit keys."""
        inside = np.zeros(len(self.las), dtype=bool)
        inside[self.members[index]] = True
        return Group(unit_key(unit) for unit, column in zip(self.units, self.of_unit.tolist()) if inside[column])

    def groups(self, indices: Iterable[int]) -> list[Group]:
        """Groups' unit keys, each unit's key made once."""
        keys_of: list[list[UnitKey]] = [[] for _ in self.las]
        for unit, column in zip(self.units, self.of_unit.tolist()):
            keys_of[column].append(unit_key(unit))
        return [Group(key for column in self.members[i].tolist() for key in keys_of[column]) for i in indices]


def board_groups(units: Sequence[Unit]) -> dict[Group, tuple[int, GroupName]]:
    """Every group of one contract's KPI a Board view can show, with how much it matters (0 the
    KPI over everyone; 1 one financial year or region; 2 both, or a row by quarter, region, role
    or focus; 3-4 such a row within a year or region) and a name. A view shows: the KPI for the
    financial year (of the package end) and region chosen, or all; its rows by quarter (packages
    with no end date in none), region, role and focus, within the year and region chosen. A group
    several views show is named after the first that matters least (``_Columns``)."""
    read = _Columns.read(units)
    indices = range(len(read.members))
    return dict(zip(read.groups(indices), zip(read.levels, read.names), strict=True))


def counted_until(units: Iterable[Unit], as_of: date) -> date:
    """The latest start on or before ``as_of`` (``as_of`` when none): the Board's plan counts the
    same units, so it is the same plan, as of any date from this one to the next start."""
    return max((unit.start_date for unit in units if is_unit_as_of(unit, as_of)), default=as_of)


def _counted_by_kpi(units: Iterable[Unit], as_of: date) -> dict[tuple[str, str], list[Unit]]:
    """Units started by ``as_of``, each counted once (``kpi.unit_outcomes``), by (contract, KPI)."""
    counted: dict[UnitKey, Unit] = {}
    for unit in units:
        if is_unit_as_of(unit, as_of):
            counted.setdefault(unit_key(unit), unit)
    by_kpi: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for unit in counted.values():
        by_kpi[(unit.contract, unit.support_type)].append(unit)
    return by_kpi


def board_plan(units: Iterable[Unit], as_of: date) -> BoardPlan:
    """The Board's plan over ``units`` (every participant the Board can reach), as of ``as_of``:
    units started by then, each counted once (``kpi.unit_outcomes``)."""
    by_kpi = _counted_by_kpi(units, as_of)
    shown: dict[tuple[str, str], frozenset[Group]] = {}
    for key, members in by_kpi.items():
        read = _Columns.read(members)
        shown[key] = frozenset(read.groups(_shown_groups(read)))
    return BoardPlan(as_of, shown, {key: Group(unit_key(unit) for unit in members) for key, members in by_kpi.items()})


def shown_group_names(units: Iterable[Unit], as_of: date) -> dict[tuple[str, str], list[GroupName]]:
    """``board_plan`` as the names of the groups it shows (``board_groups``): small, to be worked
    out in another process and sent back (``plan_from_names``)."""
    names: dict[tuple[str, str], list[GroupName]] = {}
    for key, members in _counted_by_kpi(units, as_of).items():
        read = _Columns.read(members)
        names[key] = [read.names[index] for index in _shown_groups(read)]
    return names


def plan_from_names(
    units: Iterable[Unit], as_of: date, names: Mapping[tuple[str, str], Sequence[GroupName]]
) -> BoardPlan:
    """The plan ``shown_group_names`` named, over the same units (``KeyError`` if a name is unknown:
    the units are not those the names were worked out from)."""
    by_kpi = _counted_by_kpi(units, as_of)
    shown: dict[tuple[str, str], frozenset[Group]] = {}
    for key, members in by_kpi.items():
        read = _Columns.read(members)
        by_name = {name: index for index, name in enumerate(read.names)}
        shown[key] = frozenset(read.groups([by_name[name] for name in names[key]]))
    return BoardPlan(as_of, shown, {key: Group(unit_key(unit) for unit in members) for key, members in by_kpi.items()})


WORK_LIMIT = 60_000_000  # rows x rows x columns of one reduction: about a second; beyond, narrower rows go


def _shown_groups(read: _Columns) -> list[int]:
    """The groups of one contract's KPI shown to the Board (indices in ``read.members``, those that
    matter most first).

    1. Primary: a group whose participants all lie in one LA is withheld, whatever its size.
    2. Complementary: the groups shown are read as equations (a status count of a group = the sum
       of that count over its participants). While some sum and difference of them adds up to a
       figure about the people of one LA (a combination that is zero outside that LA), or to a
       withheld group's figure, one more group taking part in it is withheld: of those, the one
       that matters least, then the smallest. Each round withholds more, so it ends; when it does,
       no combination of the figures shown, from any views, gives such a figure away.

    Participants alike in every way a view can split them (region, quarter, role, focus) are one
    column: no view tells them apart. A combination about one LA can only be nonzero on columns
    whose participants are all in that LA. With very many groups and columns, the rows within a
    chosen year and region (then the rows within one of them) are withheld first, so that the
    work stays bounded; withheld is the safe side."""
    width = len(read.las)
    pure_columns: dict[str, list[int]] = defaultdict(list)  # an LA's columns with no one else in them
    for column, codes in enumerate(read.las):
        if len(codes) == 1:
            pure_columns[next(iter(codes))].append(column)
    la_of_column = np.full(width, -1, dtype=np.int64)  # an LA's number, -1 for a column of several LAs
    numbers = {la: number for number, la in enumerate(sorted(pure_columns))}
    for la, columns in pure_columns.items():
        la_of_column[columns] = numbers[la]

    def one_la(index: int) -> bool:
        las = la_of_column[read.members[index]]
        return bool(las[0] >= 0 and (las == las[0]).all())

    def dense(indices: Sequence[int]) -> np.ndarray:
        rows = np.zeros((len(indices), width), dtype=np.int64)
        for i, index in enumerate(indices):
            rows[i, read.members[index]] = 1
        return rows

    levels, names, sizes = read.levels, read.names, read.sizes
    order = sorted(range(len(read.members)), key=lambda g: (levels[g], -sizes[g], repr(names[g])))
    shown = [g for g in order if not one_la(g)]
    top = max((levels[g] for g in shown), default=0)
    while top > 0 and len(shown) ** 2 * width > WORK_LIMIT:
        shown = [g for g in shown if levels[g] < top]
        top -= 1
    kept = set(shown)
    withheld = [g for g in order if g not in kept]
    while shown:
        solver = _Span(dense(shown))
        found = [solver.one_la_combination(pure_columns[la]) for la in sorted(pure_columns)]
        given_away = solver.spanned_groups([read.members[g] for g in withheld])
        leaks = [leak for leak in found if leak is not None] + list(dense([withheld[i] for i in given_away]))
        if not leaks:
            break
        dropped: set[int] = set()
        for taking_part in solver.rows_combined(leaks):
            if taking_part and not dropped.intersection(taking_part):  # else: looked at again next round
                dropped.add(max(taking_part))  # the least important, then the smallest (``order``)
        if not dropped:  # cannot happen (a leak is made of groups shown); fail closed all the same
            dropped = set(range(len(shown)))
        withheld += [shown[i] for i in sorted(dropped)]
        shown = [g for i, g in enumerate(shown) if i not in dropped]
    return shown


PRIME = 2_147_483_647  # 2**31 - 1: products of two residues fit in 64 bits


def _reduce(matrix: np.ndarray, with_transform: bool = True) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Row reduction modulo PRIME: (R, T, pivots) with R = T @ matrix (mod PRIME) in reduced row
    echelon form, its first ``len(pivots)`` rows nonzero with a 1 in column ``pivots[i]`` and the
    rest zero. The first row (in the given order) with a nonzero entry becomes each column's pivot row.

    R and T side by side, so that one row operation does both; a pivot row is zero left of its
    pivot, so each step changes only the entries under its nonzero ones."""
    height, width = matrix.shape
    both = np.zeros((height, width + (height if with_transform else 0)), dtype=np.int64)
    both[:, :width] = matrix.astype(np.int64) % PRIME
    if with_transform:
        both[:, width:] = np.eye(height, dtype=np.int64)
    pivots: list[int] = []
    for column in range(width):
        rank = len(pivots)
        nonzero = both[rank:, column].nonzero()[0]
        if nonzero.size == 0:
            continue
        pick = rank + int(nonzero[0])
        if pick != rank:
            both[[rank, pick]] = both[[pick, rank]]
        row = both[rank, column:]  # a view: scaled in place
        row *= pow(int(row[0]), PRIME - 2, PRIME)
        row %= PRIME
        factors = both[:, column]
        others = factors.nonzero()[0]
        if others.size > 1:  # rows other than the pivot row with a nonzero entry in this column
            others = others[others != rank]
            support = column + row.nonzero()[0]
            block = np.ix_(others, support)
            values = both[block]
            values -= np.multiply.outer(factors[others], row[support - column])
            values %= PRIME
            both[block] = values
        pivots.append(column)
        if len(pivots) == height:
            break
    transform = both[:, width:] if with_transform else np.eye(0, dtype=np.int64)
    return both[:, :width], transform, pivots


def _times(factors: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``factors @ matrix`` modulo PRIME, exactly: both split into 16-bit halves, each product of
    halves is below 2**32 and a sum of up to 2**20 of them below 2**52, so floating point (fast)
    holds it exactly."""
    assert factors.shape[-1] < 2**20
    if factors.size * matrix.shape[-1] < 200_000:  # small: whole numbers (no threads to start)
        high = (factors >> 16) @ matrix % PRIME
        low = (factors & 0xFFFF) @ matrix % PRIME
        exact: np.ndarray = (high * 65536 + low) % PRIME
        return exact

    def product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.rint(left.astype(np.float64) @ right.astype(np.float64)).astype(np.int64) % PRIME

    high_left, low_left = factors >> 16, factors & 0xFFFF
    high_right, low_right = matrix >> 16, matrix & 0xFFFF
    highs = product(high_left, high_right)
    middles = (product(high_left, low_right) + product(low_left, high_right)) % PRIME
    lows = product(low_left, low_right)
    result: np.ndarray = (highs * (2**32 % PRIME) % PRIME + middles * 65536 + lows) % PRIME
    return result


class _Span:
    """The sums and differences of some rows (groups shown, over columns), worked out exactly in
    arithmetic modulo a large prime: no rounding, and a combination that exists in fractions exists
    there too (unless the prime divides one of its denominators, which are far smaller)."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows
        reduced, self.transform, self.pivots = _reduce(rows)
        self.basis = reduced[: len(self.pivots)]
        self.row_of_pivot = {pivot: i for i, pivot in enumerate(self.pivots)}
        self.free = np.array([c for c in range(rows.shape[1]) if c not in self.row_of_pivot], dtype=np.int64)
        self.position = {c: j for j, c in enumerate(self.free.tolist())}

    def spanned(self, vectors: list[np.ndarray]) -> list[np.ndarray]:
        """Those of ``vectors`` that are combinations of the rows (each is its own reduction then)."""
        if not vectors:
            return []
        stacked = np.array(vectors, dtype=np.int64) % PRIME
        if self.pivots:
            # x is spanned when x less x[pivots] @ basis is zero; so is then its product with any
            # vector z: the few vectors whose product is zero are checked in full (faster, same answer)
            z = np.random.default_rng(0).integers(1, PRIME, size=(stacked.shape[1], 1), dtype=np.int64)
            residue = (_times(stacked, z) - _times(stacked[:, self.pivots], _times(self.basis, z))) % PRIME
            candidates = np.flatnonzero(residue[:, 0] == 0)
            checked = stacked[candidates]
            checked = (checked - _times(checked[:, self.pivots], self.basis)) % PRIME
            return [vectors[i] for i in candidates[~checked.any(axis=1)]]
        return [vectors[i] for i in np.flatnonzero(~stacked.any(axis=1))]

    def spanned_groups(self, groups: Sequence[np.ndarray]) -> list[int]:
        """Which of ``groups`` (0/1 vectors, given as their columns) are combinations of the rows:
        ``spanned`` (the same check and answer), each vector's product read as a sum of its entries."""
        if not groups:
            return []
        width = self.rows.shape[1]
        z = np.random.default_rng(0).integers(1, PRIME, size=(width, 1), dtype=np.int64)[:, 0]
        if self.pivots:  # x z - x[pivots] (basis z) = the sum of y over x's columns
            z[self.pivots] = (z[self.pivots] - _times(self.basis, z[:, None])[:, 0]) % PRIME
        starts = np.cumsum([0, *map(len, groups)])[:-1]
        residue = np.add.reduceat(z[np.concatenate(groups)], starts) % PRIME  # below 2**31 x width: exact
        candidates = np.flatnonzero(residue == 0).tolist()
        if not candidates:
            return []
        checked = np.zeros((len(candidates), width), dtype=np.int64)
        for i, candidate in enumerate(candidates):
            checked[i, groups[candidate]] = 1
        if self.pivots:
            checked = (checked - _times(checked[:, self.pivots], self.basis)) % PRIME
        left: list[bool] = np.asarray(checked.any(axis=1)).tolist()
        return [candidate for candidate, nonzero in zip(candidates, left, strict=True) if not nonzero]

    def one_la_combination(self, columns: list[int]) -> np.ndarray | None:
        """A nonzero combination of the rows that is zero outside ``columns``, if there is one.

        x on ``columns`` is a combination when it is its own reduction: on each free column f,
        x_f = sum over pivot columns p in ``columns`` of x_p * R[row of p, f]. So the vectors of
        the columns (a free one: its own unit vector over the free columns; a pivot one: minus its
        row of R there) must have a dependency; its weights are x. With no pivot column there is
        none (unit vectors of distinct columns); only the free columns some vector is nonzero on
        make equations."""
        pivot_rows = [self.row_of_pivot[column] for column in columns if column in self.row_of_pivot]
        if not pivot_rows:
            return None
        own = np.array([self.position[column] for column in columns if column not in self.row_of_pivot], dtype=np.int64)
        on_free = self.basis[pivot_rows][:, self.free]
        # the free columns of the LA's columns follow from its pivot ones, which must then make zero
        # on every other free column: none can when those rows of R there (A) are independent, as
        # they surely are when A times some matrix is (a quick check first; the answer is the same)
        elsewhere = np.ones(len(self.free), dtype=bool)
        elsewhere[own] = False
        rows_elsewhere = on_free[:, elsewhere]
        if rows_elsewhere.shape[1] >= len(pivot_rows):
            mixed = np.random.default_rng(0).integers(0, PRIME, size=(rows_elsewhere.shape[1], len(pivot_rows)))
            if len(_reduce(_times(rows_elsewhere, mixed), with_transform=False)[2]) == len(pivot_rows):
                return None
        used = np.asarray(on_free.any(axis=0))
        used[own] = True
        used_positions = np.flatnonzero(used)
        row_of_position = np.full(len(self.free), -1, dtype=np.int64)
        row_of_position[used_positions] = np.arange(len(used_positions))
        equations = np.zeros((len(used_positions), len(columns)), dtype=np.int64)  # one column per LA column
        for k, column in enumerate(columns):
            if column in self.row_of_pivot:
                equations[:, k] = -self.basis[self.row_of_pivot[column], self.free[used_positions]] % PRIME
            else:
                equations[row_of_position[self.position[column]], k] = 1
        equations = equations[equations.any(axis=1)]  # rows of zeros change no reduction
        reduced, _, pivots = _reduce(equations, with_transform=False)
        free = [k for k in range(len(columns)) if k not in set(pivots)]
        if not free:
            return None
        weights = np.zeros(len(columns), dtype=np.int64)  # equations @ weights == 0
        weights[free[0]] = 1
        for i, pivot in enumerate(pivots):
            weights[pivot] = -reduced[i, free[0]] % PRIME
        found = np.zeros(self.rows.shape[1], dtype=np.int64)
        found[columns] = weights
        return found

    def rows_combined(self, vectors: list[np.ndarray]) -> list[list[int]]:
        """For each of ``vectors`` (which the rows span), the rows one combination equal to it uses
        (all worked out in one product)."""
        if not self.pivots or not vectors:
            return [[] for _ in vectors]
        wanted = np.array([vector[self.pivots] for vector in vectors], dtype=np.int64) % PRIME
        weights = _times(wanted, self.transform[: len(self.pivots)])
        return [np.flatnonzero(row).tolist() for row in weights]


def group_members(
    outcomes: Iterable[UnitOutcome], key_of: Callable[[Unit], str | None] | None = None
) -> dict[tuple[str, str | None, str], Group]:
    """The unit keys of each (contract, row, support type) of ``kpi.kpis_from_outcomes``: the group
    a view's row is about, to look up in the Board's plan."""
    found: dict[tuple[str, str | None, str], set[UnitKey]] = defaultdict(set)
    for outcome in outcomes:
        unit = outcome.unit
        found[(unit.contract, key_of(unit) if key_of else None, unit.support_type)].add(unit_key(unit))
    return {key: Group(members) for key, members in found.items()}
