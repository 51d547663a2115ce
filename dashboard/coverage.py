"""Coverage: LAs supported per year and support type, per region, and targeting.

Rules implemented (rules.md, "Coverage"):
- "An LA is supported in a FY for a support type when at least one package of
  that type in that LA is active in the FY: it started on or before the as-of
  date, start date <= FY end, and (end date missing or end date >= FY start).
  A FY that begins after the as-of date has no coverage yet."
- "Coverage per region = supported LAs in the region / LAs of the region that
  existed in that FY ... the 2019-2023 reorganisations must not double count or
  drop LAs."
- "Targeting (SLA): share of supported LAs that, at package start, were judged
  Inadequate or Requires improvement, had a SEND Written Statement of Action,
  or were flagged as declining."

LA identity in a FY: an LA code that is not live at the FY end and has exactly
one successor is followed (successor of successor ...) to the code live at the
FY end; a code used before it went live whose single predecessor had only this
successor (a 1:1 recode such as North Yorkshire E10000023 -> E06000065) is the
same LA. A split (several successors, e.g. Cumbria) keeps the old code.
Supported LAs are counted as distinct identities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from dashboard.calendar import financial_years_between, first_year_of_date, fy_end, fy_start
from dashboard.records import LAStatus, LocalAuthority, Unit

INADEQUATE = "inadequate"
REQUIRES_IMPROVEMENT = "requires improvement"  # also "Requires improvement to be good"

REASON_INADEQUATE = "Inadequate"
REASON_REQUIRES_IMPROVEMENT = "Requires improvement"
REASON_WSOA = "SEND Written Statement of Action"
REASON_DECLINING = "declining"
# "at least 15 LAs a year": a year still running is not judged against its minimum until it ends
SO_FAR = "Below so far: year not over"


# ---------------------------------------------------------------- active units


def is_active_in_year(unit: Unit, financial_year: str, as_of: date) -> bool:
    """ "started on or before the as-of date, start date <= FY end, and (end date
    missing or end date >= FY start)"; "a FY that begins after the as-of date
    has no coverage yet"."""
    start, end = fy_start(financial_year), fy_end(financial_year)
    return (
        start <= as_of
        and unit.start_date <= as_of
        and unit.start_date <= end
        and (unit.end_date is None or unit.end_date >= start)
    )


def active_years(unit: Unit, as_of: date) -> list[str]:
    """Every FY in which the unit's package is active as of ``as_of``."""
    if unit.start_date > as_of:
        return []
    last_day = as_of if unit.end_date is None else min(unit.end_date, as_of)
    return financial_years_between(unit.start_date, last_day)


def supported_units(
    units: Iterable[Unit], as_of: date, financial_year: str, support_type: str | None = None
) -> list[Unit]:
    """Units whose package is active in the FY (of one support type, or of all)."""
    return [
        unit
        for unit in units
        if (support_type is None or unit.support_type == support_type)
        and is_active_in_year(unit, financial_year, as_of)
    ]


# ------------------------------------------------------------------ LA identity


def is_live_on(la: LocalAuthority, on_date: date) -> bool:
    """An LA record is live from valid_from to valid_to (both inclusive)."""
    return la.valid_from <= on_date and (la.valid_to is None or la.valid_to >= on_date)


class LAIndex:
    """The LA reference list, indexed by code, for identity look-ups."""

    def __init__(self, las: Iterable[LocalAuthority]):
        self.records: dict[str, list[LocalAuthority]] = defaultdict(list)
        self.predecessors: dict[str, list[str]] = defaultdict(list)
        for la in las:
            self.records[la.code].append(la)
            for successor in la.successor_codes:
                self.predecessors[successor].append(la.code)
        self._cache: dict[tuple[str, str], str] = {}
        self._areas: dict[str, str] = {}

    def live_record(self, code: str, on_date: date) -> LocalAuthority | None:
        return next((la for la in self.records.get(code, ()) if is_live_on(la, on_date)), None)

    def successors(self, code: str) -> tuple[str, ...]:
        found: list[str] = []
        for la in self.records.get(code, ()):
            found.extend(s for s in la.successor_codes if s not in found)
        return tuple(found)

    def identity(self, code: str, financial_year: str) -> str:
        """The code that stands for ``code``'s LA in the FY (see module docstring)."""
        key = (code, financial_year)
        if key not in self._cache:
            self._cache[key] = self._identity(code, fy_end(financial_year))
        return self._cache[key]

    def _identity(self, code: str, year_end: date) -> str:
        if code not in self.records or self.live_record(code, year_end):
            return code
        forward = self._follow_single_successors(code, year_end)
        if forward is not None:
            return forward
        backward = self._single_recoded_predecessor(code, year_end)
        return backward if backward is not None else code

    def area(self, code: str) -> str:
        """The latest code of ``code``'s council where it was only recoded (one successor, whose
        only predecessor it is: North Yorkshire E10000023 -> E06000065, Barnsley 2025): one LA,
        whose status records run on from the old code to the new. Merged and split councils
        are other LAs and keep their own codes."""
        if code not in self._areas:
            self._areas[code] = self._area(code)
        return self._areas[code]

    def _area(self, code: str) -> str:
        seen = {code}
        current = code
        while True:
            successors = self.successors(current)
            if len(successors) != 1 or successors[0] in seen or self.predecessors.get(successors[0]) != [current]:
                return current
            current = successors[0]
            seen.add(current)

    def _follow_single_successors(self, code: str, year_end: date) -> str | None:
        seen = {code}
        current = code
        while True:
            successors = self.successors(current)
            if len(successors) != 1 or successors[0] in seen:
                return None  # a split (or no successor) keeps the old code
            current = successors[0]
            seen.add(current)
            if self.live_record(current, year_end):
                return current

    def _single_recoded_predecessor(self, code: str, year_end: date) -> str | None:
        """A code used before it went live, whose only predecessor became only it."""
        current = code
        seen = {code}
        while True:
            predecessors = self.predecessors.get(current, [])
            if len(predecessors) != 1 or predecessors[0] in seen:
                return None
            predecessor = predecessors[0]
            if self.successors(predecessor) != (current,):
                return None
            current = predecessor
            seen.add(current)
            if self.live_record(current, year_end):
                return current

    def region_of(self, code: str, financial_year: str) -> str | None:
        record = self.live_record(code, fy_end(financial_year))
        if record is None:
            records = self.records.get(code)
            record = records[-1] if records else None
        return record.region_code if record else None


def la_identity_in_year(code: str, financial_year: str, las: Sequence[LocalAuthority]) -> str:
    """The code counted for ``code`` in the FY ("must not double count or drop LAs")."""
    return LAIndex(las).identity(code, financial_year)


# ------------------------------------------------------------------ supported LAs


def supported_las(
    units: Iterable[Unit],
    as_of: date,
    financial_year: str,
    support_type: str,
    las: Sequence[LocalAuthority] | LAIndex | None = None,
) -> set[str]:
    """Distinct LAs with at least one active package of ``support_type`` in the FY.

    With the LA reference list (``las``), codes are counted as their identity in
    the FY; without it, as given. Pass one contract's units for a contract's count.
    """
    index = _index(las)
    codes = {unit.la_code for unit in supported_units(units, as_of, financial_year, support_type)}
    if index is None:
        return codes
    return {index.identity(code, financial_year) for code in codes}


def _index(las: Sequence[LocalAuthority] | LAIndex | None) -> LAIndex | None:
    if las is None or isinstance(las, LAIndex):
        return las
    return LAIndex(las)


class CoverageRow(NamedTuple):
    contract: str
    financial_year: str
    support_type: str
    las_supported: int


def _supported_identities(
    units: Iterable[Unit], as_of: date, index: LAIndex | None
) -> dict[tuple[str, str, str], set[str]]:
    """(contract, FY, support type) -> distinct LA identities supported.

    Participants of one package share its contract, type, LA and dates: each such package is
    worked out once (100,000 units are about 20,000 packages). A package started by ``as_of`` is
    active from its start to its end or ``as_of``, whichever is earlier (``active_years``): those
    years are listed once per first and last year."""
    packages: set[tuple[str, str, str, date, date]] = set()
    for unit in units:
        if unit.start_date <= as_of:
            end = unit.end_date
            last_day = as_of if end is None or end > as_of else end
            packages.add((unit.contract, unit.support_type, unit.la_code, unit.start_date, last_day))
    spans: dict[tuple[int, int], list[str]] = {}
    supported: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for contract, support_type, la_code, start_date, last_day in packages:
        span = (first_year_of_date(start_date), first_year_of_date(last_day))
        years = spans.get(span)
        if years is None:
            years = spans[span] = financial_years_between(start_date, last_day)
        for year in years:
            supported[(contract, year, support_type)].add(index.identity(la_code, year) if index else la_code)
    return supported


def coverage_by_year(
    units: Iterable[Unit], as_of: date, las: Sequence[LocalAuthority] | LAIndex | None = None
) -> list[CoverageRow]:
    """LAs supported per contract, FY and support type, for every FY with at
    least one supported LA (SLA: "minimum 15 LAs per year per support type").

    Sorted by contract, FY, support type.
    """
    supported = _supported_identities(units, as_of, _index(las))
    return [
        CoverageRow(contract, year, support_type, len(codes))
        for (contract, year, support_type), codes in sorted(supported.items())
    ]


# ---------------------------------------------------------------------- regions


def las_in_region_in_year(las: Iterable[LocalAuthority], region_code: str, financial_year: str) -> list[LocalAuthority]:
    """LA records of the region live at the FY end (valid_from <= FY end and
    (valid_to missing or valid_to >= FY end))."""
    year_end = fy_end(financial_year)
    return [la for la in las if la.region_code == region_code and is_live_on(la, year_end)]


@dataclass(frozen=True)
class RegionCoverage:
    """Supported LAs of one region / the region's LAs in the FY."""

    contract: str
    financial_year: str
    support_type: str
    region_code: str
    supported: int
    total: int
    share: float | None  # None when the region has no LAs that year
    # Supported codes not live at the FY end (e.g. Cumbria, split in 2023, used
    # for a package running into 2023-24): shown, not in supported or total.
    not_in_year_list: tuple[str, ...] = ()


def _live_codes_by_region(las: Iterable[LocalAuthority], on_date: date) -> dict[str, set[str]]:
    """Region code -> codes of the LA records live on ``on_date``."""
    live: dict[str, set[str]] = defaultdict(set)
    for la in las:
        if is_live_on(la, on_date):
            live[la.region_code].add(la.code)
    return live


def coverage_by_region(units: Iterable[Unit], as_of: date, las: Sequence[LocalAuthority]) -> list[RegionCoverage]:
    """ "Coverage per region = supported LAs in the region / LAs of the region that
    existed in that FY", for every contract, FY and support type with coverage,
    and every region with LAs live at that FY end (zero supported included).
    """
    las = list(las)
    units = list(units)
    index = LAIndex(las)
    supported = _supported_identities(units, as_of, index)
    region_given: dict[str, str] | None = None  # the units' own region of a code: read only if needed
    rows: list[RegionCoverage] = []
    live_by_year: dict[str, dict[str, set[str]]] = {}
    for (contract, year, support_type), identities in sorted(supported.items()):
        year_end = fy_end(year)
        if year not in live_by_year:
            live_by_year[year] = _live_codes_by_region(las, year_end)
        live_by_region = live_by_year[year]
        outside: dict[str, list[str]] = defaultdict(list)
        for code in identities:
            if index.live_record(code, year_end) is None:
                region = index.region_of(code, year)
                if not region:  # a code the LA list does not hold: the region its units give
                    if region_given is None:
                        region_given = {unit.la_code: unit.region_code for unit in units}
                    region = region_given.get(code, "")
                outside[region].append(code)
        for region in sorted(set(live_by_region) | set(outside)):
            live = live_by_region.get(region, set())
            count = len(identities & live)
            rows.append(
                RegionCoverage(
                    contract=contract,
                    financial_year=year,
                    support_type=support_type,
                    region_code=region,
                    supported=count,
                    total=len(live),
                    share=count / len(live) if live else None,
                    not_in_year_list=tuple(sorted(outside.get(region, ()))),
                )
            )
    return rows


# -------------------------------------------------------------------- targeting


def statuses_by_la(statuses: Iterable[LAStatus], index: LAIndex | None = None) -> dict[str, list[LAStatus]]:
    """Status records per LA code, oldest first; with ``index``, per ``index.area`` of the code, so
    an Ofsted judgement recorded under a recoded LA's new code is its status under the old one
    too (look them up with ``index.area(code)``)."""
    grouped: dict[str, list[LAStatus]] = defaultdict(list)
    for status in statuses:
        grouped[index.area(status.la_code) if index else status.la_code].append(status)
    for records in grouped.values():
        records.sort(key=lambda s: s.effective_date)
    return grouped


def status_on(la_code: str, statuses: Iterable[LAStatus] | dict[str, list[LAStatus]], on_date: date) -> LAStatus | None:
    """What was known about the LA on ``on_date``: each field as the latest record with
    effective_date <= on_date that states it (same date: the last one given).

    A record that leaves a field blank says nothing about it, so it does not erase what an
    earlier record said: an Ofsted inspection published after an LA status return gives the
    judgement, and the return's SEND WSoA and declining flags still stand."""
    grouped = statuses if isinstance(statuses, dict) else statuses_by_la(statuses)
    known: LAStatus | None = None
    for status in grouped.get(la_code, ()):
        if status.effective_date > on_date:
            break  # oldest first
        known = status if known is None else _stated_over(known, status)
    return known


_STATED_FIELDS = ("ilacs_judgement", "send_wsoa", "declining", "in_intervention")


def _stated_over(earlier: LAStatus, later: LAStatus) -> LAStatus:
    """``later``, with each field it leaves blank as ``earlier`` stated it."""
    blank = {name: getattr(earlier, name) for name in _STATED_FIELDS if getattr(later, name) is None}
    return replace(later, **blank) if blank else later


def _judgement(status: LAStatus) -> str:
    return (status.ilacs_judgement or "").strip().lower()


def priority_reasons(status: LAStatus | None, include_requires_improvement: bool = True) -> tuple[str, ...]:
    """Why an LA is a priority for support: "judged Inadequate or Requires
    improvement, had a SEND Written Statement of Action, or were flagged as declining"."""
    if status is None:
        return ()
    reasons: list[str] = []
    judgement = _judgement(status)
    if judgement == INADEQUATE:
        reasons.append(REASON_INADEQUATE)
    elif include_requires_improvement and judgement.startswith(REQUIRES_IMPROVEMENT):
        reasons.append(REASON_REQUIRES_IMPROVEMENT)
    if status.send_wsoa is True:
        reasons.append(REASON_WSOA)
    if status.declining is True:
        reasons.append(REASON_DECLINING)
    return tuple(reasons)


@dataclass(frozen=True)
class TargetingResult:
    """Share of supported LAs that were priorities at package start."""

    supported_las: int
    priority_las: int
    share: float | None  # None when no LA was supported
    reasons: dict[str, tuple[str, ...]]  # priority LA code -> reasons
    no_status: tuple[str, ...]  # supported LAs with no status record at package start


def targeting_share(
    supported: Iterable[Unit],
    statuses: Iterable[LAStatus],
    as_of: date,
    index: LAIndex,
    financial_year: str,
) -> TargetingResult:
    """Targeting SLA over the given (already supported) units of ``financial_year``.

    An LA counts as a priority when, for at least one of its packages, the
    status known at package start (latest record with effective_date <= start,
    never after as-of) was Inadequate / Requires improvement, SEND WSoA, or
    declining. Units starting after ``as_of`` are ignored. LAs are counted as
    Coverage counts them (``LAIndex.identity`` in the FY: a recoded LA once).
    """
    grouped = statuses_by_la(statuses, index)
    las: set[str] = set()
    reasons: dict[str, set[str]] = defaultdict(set)
    with_status: set[str] = set()
    for unit in supported:
        if unit.start_date > as_of:
            continue
        code = index.identity(unit.la_code, financial_year)
        las.add(code)
        status = status_on(index.area(unit.la_code), grouped, min(unit.start_date, as_of))
        if status is not None:
            with_status.add(code)
        reasons[code].update(priority_reasons(status))
    priority = {code: tuple(sorted(r)) for code, r in reasons.items() if r}
    return TargetingResult(
        supported_las=len(las),
        priority_las=len(priority),
        share=len(priority) / len(las) if las else None,
        reasons=dict(sorted(priority.items())),
        no_status=tuple(sorted(las - with_status)),
    )


@dataclass(frozen=True)
class PriorityLA:
    la_code: str
    name: str
    region_code: str
    reasons: tuple[str, ...]


def unsupported_priority_las(
    units: Iterable[Unit],
    statuses: Iterable[LAStatus],
    las: Sequence[LocalAuthority],
    as_of: date,
    financial_year: str,
    support_type: str | None = None,
) -> list[PriorityLA]:
    """LAs judged Inadequate or with a SEND WSoA (as known on as-of) that had no
    package active in the FY (of ``support_type``, or of any type).

    Candidates are the LAs live on the earlier of as-of and the FY end; support
    is matched by LA identity in the FY, so a recoded LA is not missed.
    """
    index = LAIndex(las)
    grouped = statuses_by_la(statuses, index)
    supported = {
        index.identity(unit.la_code, financial_year)
        for unit in supported_units(units, as_of, financial_year, support_type)
    }
    on_date = min(as_of, fy_end(financial_year))
    found: list[PriorityLA] = []
    for la in las:
        if not is_live_on(la, on_date) or index.identity(la.code, financial_year) in supported:
            continue
        status = status_on(index.area(la.code), grouped, as_of)
        reasons = tuple(
            r for r in priority_reasons(status, include_requires_improvement=False) if r != REASON_DECLINING
        )
        if reasons:
            found.append(PriorityLA(la.code, la.name, la.region_code, reasons))
    return sorted(found, key=lambda p: (p.region_code, p.name))
