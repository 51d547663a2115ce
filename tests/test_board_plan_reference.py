"""The Board's plan (``dashboard.disclosure``) against a straightforward reference: the same rules
("Figures the Board does not see") worked out the plain way, as the app first did: each group a set
of unit keys, each group's vector built where it is used, products in Python's whole numbers, every
vector checked in full. The app works on columns and sums instead, for speed; the groups it shows
must be the very same, for every contract's KPI, on varied data and dates."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.disclosure import (
    BREAKDOWNS,
    PRIME,
    WORK_LIMIT,
    _end_quarter,
    _end_year,
    _reduce,
    board_groups,
    board_plan,
    plan_from_names,
    shown_group_names,
)
from dashboard.kpi import unit_key
from dashboard.records import GROUP, ONE_TO_ONE, Unit

# ------------------------------------------------------------------ the reference


def _product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    exact = (left.astype(object) @ right.astype(object)) % PRIME
    return np.asarray(exact, dtype=np.int64).reshape(left.shape[0], right.shape[1])


def reference_reduce(matrix: np.ndarray, with_transform: bool = True):
    """Row reduction modulo PRIME, one row operation at a time on R and T apart (as first written)."""
    reduced = matrix.astype(np.int64) % PRIME
    height = reduced.shape[0]
    transform = np.eye(height if with_transform else 0, dtype=np.int64)
    pivots: list[int] = []
    for column in range(reduced.shape[1]):
        rank = len(pivots)
        nonzero = np.flatnonzero(reduced[rank:, column])
        if nonzero.size == 0:
            continue
        pick = rank + int(nonzero[0])
        if pick != rank:
            reduced[[rank, pick]] = reduced[[pick, rank]]
            if with_transform:
                transform[[rank, pick]] = transform[[pick, rank]]
        inverse = pow(int(reduced[rank, column]), PRIME - 2, PRIME)
        reduced[rank] = reduced[rank] * inverse % PRIME
        if with_transform:
            transform[rank] = transform[rank] * inverse % PRIME
        for other in range(height):
            factor = int(reduced[other, column])
            if other != rank and factor:
                reduced[other] = (reduced[other] - factor * reduced[rank]) % PRIME
                if with_transform:
                    transform[other] = (transform[other] - factor * transform[rank]) % PRIME
        pivots.append(column)
        if len(pivots) == height:
            break
    return reduced, transform, pivots


def reference_groups(units):
    """{group (unit keys): (level, name)}, the first name at the lowest level, unit by unit."""
    years = [None, *sorted({year for unit in units if (year := _end_year(unit))})]
    regions = [None, *sorted({unit.region_code for unit in units})]
    groups: dict = {}

    def add(level, name, members):
        group = frozenset(members)
        if group and (group not in groups or groups[group][0] > level):
            groups[group] = (level, name)

    for year in years:
        for region in regions:
            chosen = [
                unit
                for unit in units
                if (year is None or _end_year(unit) == year) and (region is None or unit.region_code == region)
            ]
            filters = (year is not None) + (region is not None)
            add(filters, ("all", year, region), map(unit_key, chosen))
            for breakdown, key_of in BREAKDOWNS.items():
                if breakdown == "quarter" and year is not None:
                    continue
                rows = defaultdict(list)
                for unit in chosen:
                    rows[key_of(unit)].append(unit_key(unit))
                for value, members in rows.items():
                    if breakdown != "quarter" or value is not None:
                        add(2 + filters, (breakdown, year, region, value), members)
    return groups


def reference_shown(units, groups):
    """The groups shown, worked out on dense vectors over columns, every vector checked in full."""
    columns: dict = {}
    column_of = {}
    las_of_column = defaultdict(set)
    for unit in units:
        column = columns.setdefault((unit.region_code, _end_quarter(unit), unit.role, unit.focus), len(columns))
        column_of[unit_key(unit)] = column
        las_of_column[column].add(unit.la_code)
    width = len(columns)
    pure = defaultdict(list)
    for column in range(width):
        if len(las_of_column[column]) == 1:
            pure[next(iter(las_of_column[column]))].append(column)
    la_of_key = {unit_key(unit): unit.la_code for unit in units}

    def vector(group):
        row = np.zeros(width, dtype=np.int64)
        row[[column_of[key] for key in group]] = 1
        return row

    order = sorted(groups, key=lambda g: (groups[g][0], -len(g), repr(groups[g][1])))
    shown = [g for g in order if len({la_of_key[key] for key in g}) > 1]
    top = max((groups[g][0] for g in shown), default=0)
    while top > 0 and len(shown) ** 2 * width > WORK_LIMIT:
        shown = [g for g in shown if groups[g][0] < top]
        top -= 1
    withheld = [vector(g) for g in order if g not in set(shown)]
    while shown:
        rows = np.array([vector(g) for g in shown])
        reduced, transform, pivots = reference_reduce(rows)
        basis = reduced[: len(pivots)]
        free = [c for c in range(width) if c not in pivots]
        leaks = []
        for la in sorted(pure):  # a nonzero combination of the rows zero outside the LA's columns
            la_columns = pure[la]
            equations = np.zeros((len(free), len(la_columns)), dtype=np.int64)
            for k, column in enumerate(la_columns):
                if column in pivots:
                    equations[:, k] = -basis[pivots.index(column), free] % PRIME
                else:
                    equations[free.index(column), k] = 1
            equations = equations[equations.any(axis=1)]
            small, _, small_pivots = reference_reduce(equations, with_transform=False)
            loose = [k for k in range(len(la_columns)) if k not in small_pivots]
            if loose:
                weights = np.zeros(len(la_columns), dtype=np.int64)
                weights[loose[0]] = 1
                for i, pivot in enumerate(small_pivots):
                    weights[pivot] = -small[i, loose[0]] % PRIME
                found = np.zeros(width, dtype=np.int64)
                found[la_columns] = weights
                leaks.append(found)
        for vector_ in withheld:  # a withheld group's vector is its own reduction: spanned
            own = vector_ % PRIME
            if pivots:
                own = (own - _product(own[None, pivots], basis)[0]) % PRIME
            if not own.any():
                leaks.append(vector_)
        if not leaks:
            break
        dropped: set[int] = set()
        for leak in leaks:
            weights = _product(np.array([leak[pivots]]) % PRIME, transform[: len(pivots)])[0] if pivots else []
            taking_part = np.flatnonzero(weights).tolist() if pivots else []
            if taking_part and not dropped.intersection(taking_part):
                dropped.add(max(taking_part))
        if not dropped:
            dropped = set(range(len(shown)))
        withheld += [rows[i] for i in sorted(dropped)]
        shown = [g for i, g in enumerate(shown) if i not in dropped]
    return frozenset(shown)


def reference_plan(units, as_of):
    counted: dict = {}
    for unit in units:
        if unit.start_date <= as_of:
            counted.setdefault(unit_key(unit), unit)
    by_kpi = defaultdict(list)
    for unit in counted.values():
        by_kpi[(unit.contract, unit.support_type)].append(unit)
    plan = {}
    for key, members in by_kpi.items():
        groups = reference_groups(members)
        plan[key] = (members, groups, reference_shown(members, groups))
    return plan


# ------------------------------------------------------------------ varied data

ENDS = [None, date(2021, 6, 30), date(2021, 9, 30), date(2021, 12, 31), date(2022, 3, 31), date(2022, 8, 31)]
STARTS = [date(2021, 4, 1), date(2021, 7, 1), date(2022, 1, 10)]
AS_OF = [date(2021, 6, 30), date(2021, 12, 31), date(2022, 12, 31)]


@st.composite
def participants(draw) -> list[Unit]:
    las = draw(st.lists(st.sampled_from(["R1", "R2", "R3"]), min_size=1, max_size=5))  # each LA's region
    units = []
    for number in range(draw(st.integers(min_value=1, max_value=30))):
        la = draw(st.integers(min_value=0, max_value=len(las) - 1))
        units.append(
            Unit(
                contract=draw(st.sampled_from(["C-1", "C-2"])),
                package_id=f"P{draw(st.integers(0, 6))}",
                participant_id=f"X{draw(st.integers(0, number))}",  # some units twice: counted once
                support_type=draw(st.sampled_from([ONE_TO_ONE, GROUP])),
                la_code=f"E0900000{la}",
                region_code=las[la],
                role=draw(st.sampled_from(["Director", "Manager", "Leader"])),
                focus=draw(st.sampled_from(["SEND", "CSC", None])),
                start_date=draw(st.sampled_from(STARTS)),
                end_date=draw(st.sampled_from(ENDS)),
            )
        )
    return units


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=participants(), as_of=st.sampled_from(AS_OF))
def test_the_plan_is_the_reference_plan(units, as_of):
    """Every (contract, KPI): the same groups, the same names, the same groups shown, whichever way
    the plan is asked for (``board_plan``, or by name and rebuilt)."""
    expected = reference_plan(units, as_of)
    plan = board_plan(units, as_of)
    names = shown_group_names(units, as_of)
    rebuilt = plan_from_names(units, as_of, names)
    assert set(plan.shown) == set(names) == set(expected)
    for key, (members, groups, shown) in expected.items():
        assert board_groups(members) == groups, key
        assert plan.shown[key] == shown == rebuilt.shown[key], key
        assert sorted(names[key], key=repr) == sorted((groups[g][1] for g in shown), key=repr)
        assert plan.whole[key] == rebuilt.whole[key] == frozenset(map(unit_key, members))


@settings(max_examples=200, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["0/1", "residues", "repeated rows"]),
)
def test_the_row_reduction_is_the_reference_reduction(shape, seed, kind):
    """``_reduce``: the same reduced rows, transform and pivots as one row operation at a time,
    on 0/1 rows, any residues, and rows that repeat (so that rows swap places)."""
    rng = np.random.default_rng(seed)
    height = shape[0]
    if kind == "residues":
        matrix = rng.integers(0, PRIME, size=shape, dtype=np.int64) * (rng.random(shape) < 0.5)
    else:
        matrix = (rng.random(shape) < 0.4).astype(np.int64)
        if kind == "repeated rows":
            matrix = matrix[rng.integers(0, height, size=height)]
    for with_transform in (True, False):
        reduced, transform, pivots = _reduce(matrix, with_transform)
        expected = reference_reduce(matrix, with_transform)
        assert pivots == expected[2]
        assert (reduced == expected[0]).all() and (transform == expected[1]).all()
