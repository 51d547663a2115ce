"""Ofsted outcomes of supported LAs (docs/how-figures-are-worked-out.md, "Outcomes").

rules.md ("Outcomes of supported LAs", descriptive, never called an effect): "for each
contract, the supported LAs with an ILACS overall effectiveness judgement published before
their first package start under it and another published after their last package end, on
or before the as-of date (an LA with a package not ended by then has no "after"): how many
improved, stayed the same or declined, comparing the latest judgement before with the latest
after (Inadequate < Requires improvement < Good < Outstanding)."

Choices the rule leaves open (stated in the docs):
- "Before" and "after" are strict: a judgement published on the day the first package
  started is not "before" (the support may already have begun when it was published), and
  one published on the day the last package ended is not "after".
- A supported LA is one with a package started on or before the as-of date. An LA recoded
  with no change of area (North Yorkshire E10000023 -> E06000065) is one LA, its judgements
  under both codes (``coverage.LAIndex.area``); a merged or split council is another LA.
- Judgements are Ofsted's published ILACS history (the reference data, with publication
  dates). "Not inspected" is not a judgement.
- For context (pages and Board pack, not the JSON): the same counts for the LAs the contract
  did not support, over the contract's support period (from its first package start to its
  last package end); none while one of its packages has not ended.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from dashboard.coverage import LAIndex
from dashboard.records import IlacsJudgement, LocalAuthority, Unit

IMPROVED = "improved"
SAME = "same"
DECLINED = "declined"
CHANGES = (IMPROVED, SAME, DECLINED)
CHANGE_LABELS = {IMPROVED: "Improved", SAME: "Stayed the same", DECLINED: "Declined"}

# The figures' names and definitions (Methodology page, docs): key -> (name, definition).
FIGURES: dict[str, tuple[str, str]] = {
    "ofsted": (
        "Ofsted judgements before and after support",
        (
            "For each contract, the supported LAs with an Ofsted ILACS overall effectiveness judgement published "
            "before their first package under the contract started, and another published after their last "
            "package ended and on or before the as-of date: how many improved, stayed the same or declined, "
            "comparing the latest judgement before with the latest after (Inadequate < Requires improvement < "
            "Good < Outstanding). An LA with a package not ended by the as-of date has no 'after'."
        ),
    ),
    "ofsted_others": (
        "Ofsted judgements of LAs not supported",
        (
            "For context: the same count for the LAs the contract did not support, with a judgement published "
            "before its first package started and another after its last package ended. None while one of its "
            "packages is still running."
        ),
    ),
}

# "Inadequate < Requires improvement < Good < Outstanding" ("Requires improvement to be good" too)
GRADES = {"inadequate": 0, "requires improvement": 1, "requires improvement to be good": 1, "good": 2, "outstanding": 3}


def grade(judgement: str | None) -> int | None:
    """The judgement's place in the order, None for anything else ("Not inspected", blank)."""
    return GRADES.get((judgement or "").strip().lower())


def change(before: str, after: str) -> str:
    """improved, same or declined, from the earlier judgement to the later one."""
    earlier, later = grade(before), grade(after)
    if earlier is None or later is None:
        raise ValueError(f"not an ILACS overall effectiveness judgement: {before!r} or {after!r}")
    return IMPROVED if later > earlier else DECLINED if later < earlier else SAME


@dataclass(frozen=True)
class SupportPeriod:
    """An LA's support under one contract: its first package start and last package end
    (``last_end`` None: a package has not ended by the as-of date)."""

    contract: str
    la_code: str  # the LA's area code (``LAIndex.area``)
    first_start: date
    last_end: date | None


@dataclass(frozen=True)
class LAChange:
    la_code: str
    before: IlacsJudgement
    after: IlacsJudgement

    @property
    def change(self) -> str:
        return change(self.before.judgement, self.after.judgement)


@dataclass(frozen=True)
class OfstedOutcome:
    """One contract's counts (the JSON's ``outcomes``), with the comparison for context."""

    contract: str
    las_supported: int
    changes: tuple[LAChange, ...]  # supported LAs with a judgement before and after, by LA code
    period: tuple[date, date | None]  # first package start, last package end (None: not ended)
    others: tuple[LAChange, ...]  # LAs not supported by the contract, over ``period``

    @property
    def las_reinspected(self) -> int:
        return len(self.changes)

    def count(self, kind: str) -> int:
        return sum(1 for item in self.changes if item.change == kind)

    def others_count(self, kind: str) -> int:
        return sum(1 for item in self.others if item.change == kind)


def judgements_by_la(
    judgements: Iterable[IlacsJudgement], index: LAIndex | None = None
) -> dict[str, list[IlacsJudgement]]:
    """Graded judgements per LA (area code with ``index``), oldest published first."""
    grouped: dict[str, list[IlacsJudgement]] = defaultdict(list)
    for item in judgements:
        if grade(item.judgement) is not None:
            grouped[index.area(item.la_code) if index else item.la_code].append(item)
    for items in grouped.values():
        items.sort(key=lambda j: j.published)
    return grouped


def change_over(
    la_code: str, judgements: Sequence[IlacsJudgement], start: date, end: date | None, as_of: date
) -> LAChange | None:
    """The latest judgement published before ``start`` and the latest published after ``end`` and
    on or before ``as_of`` (oldest first in ``judgements``); None without both."""
    before = [j for j in judgements if j.published < start and j.published <= as_of]
    after = [] if end is None else [j for j in judgements if end < j.published <= as_of]
    if not before or not after:
        return None
    return LAChange(la_code, before[-1], after[-1])


def support_periods(units: Iterable[Unit], as_of: date, index: LAIndex | None = None) -> list[SupportPeriod]:
    """Per contract and supported LA (a package started by ``as_of``), its first start and last end;
    the end is None when a package has no end date or ends after ``as_of``."""
    # participants of one package share its contract, LA and dates: each package is read once
    packages = {
        (
            unit.contract,
            unit.la_code,
            unit.start_date,
            unit.end_date if unit.end_date is None or unit.end_date <= as_of else None,
        )
        for unit in units
        if unit.start_date <= as_of
    }
    starts: dict[tuple[str, str], date] = {}
    ends: dict[tuple[str, str], date | None] = {}
    for contract, la_code, start, end in packages:
        key = (contract, index.area(la_code) if index else la_code)
        starts[key] = min(starts.get(key, start), start)
        if key not in ends:
            ends[key] = end
        elif (latest := ends[key]) is not None:
            ends[key] = None if end is None else max(latest, end)
    return [
        SupportPeriod(contract, code, starts[(contract, code)], ends[(contract, code)])
        for contract, code in sorted(starts)
    ]


def ofsted_outcomes(
    units: Iterable[Unit],
    judgements: Iterable[IlacsJudgement],
    las: Sequence[LocalAuthority] | LAIndex,
    as_of: date,
    others_from: Iterable[str] | None = None,
) -> list[OfstedOutcome]:
    """One entry per contract with at least one supported LA, sorted by contract.

    ``others_from``: the LA codes the comparison may use (say, one region's); all LAs of the
    reference list when None."""
    index = las if isinstance(las, LAIndex) else LAIndex(las)
    grouped = judgements_by_la(judgements, index)
    candidates = {index.area(code) for code in (index.records if others_from is None else others_from)}
    periods: dict[str, list[SupportPeriod]] = defaultdict(list)
    for period in support_periods(units, as_of, index):
        periods[period.contract].append(period)
    found = []
    for contract, supported in sorted(periods.items()):
        changes = [
            change_over(p.la_code, grouped.get(p.la_code, []), p.first_start, p.last_end, as_of) for p in supported
        ]
        start = min(p.first_start for p in supported)
        ends = [p.last_end for p in supported]
        end = None if any(e is None for e in ends) else max(ends)  # type: ignore[type-var]
        mine = {p.la_code for p in supported}
        others = [change_over(code, grouped.get(code, []), start, end, as_of) for code in sorted(candidates - mine)]
        found.append(
            OfstedOutcome(
                contract=contract,
                las_supported=len(supported),
                changes=tuple(item for item in changes if item is not None),
                period=(start, end),
                others=tuple(item for item in others if item is not None),
            )
        )
    return found
