"""Small numbers on Board-facing views, with the GSS symbols.

- ``[u]`` low reliability: a rate on fewer than 5 eligible units is shown with
  its counts but the rate is marked ``[u]``.
- ``[c]`` confidential: Board members see aggregate figures only, so a count
  about the people of one LA (an LA-level row, or a contract, region or quarter
  whose participants all lie in one LA) is not shown on Board-facing views,
  whatever its size: a large one tells as much about that LA's leaders as a
  small one ("5 of 5 met"). Nor are the other counts of its row (``row_texts``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from dashboard.kpi import percent
from dashboard.records import Unit

LOW_RELIABILITY = "[u]"
SUPPRESSED = "[c]"
RELIABLE_FROM = 5


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
