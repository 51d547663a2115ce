"""KPI 1 and KPI 2: leaders who feel more confident after support (rules.md).

Contract wording: "75% of corporate and political leaders ... receiving
one-to-one support [KPI 1] / of individuals working in political groups ...
receiving support [KPI 2], feel more confident about their role ... and can
demonstrate the impact of this, within 3 months of the support ending."

Unit: one participant in one support package, keyed by
(contract, package_id, participant_id). Nothing dated after the as-of date
counts: a unit that starts after it is not a unit yet, and responses dated
after it are ignored.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter
from typing import NamedTuple

from dashboard.calendar import add_months, financial_year_of
from dashboard.records import (
    BASELINE,
    FOLLOW_UP,
    ContractTerms,
    SurveyResponse,
    Unit,
)
from dashboard.terms import NOT_SET
from dashboard.vocabulary import KPI_NUMBER, KPI_PEOPLE, RELIABLE_FROM

MET = "met"
NOT_MET = "not_met"
NO_BASELINE = "no_baseline"
PENDING = "pending"
AWAITING_RETURN = "awaiting_return"
NO_RESPONSE = "no_response"
IN_PROGRESS = "in_progress"
STATUSES = (MET, NOT_MET, NO_BASELINE, PENDING, AWAITING_RETURN, NO_RESPONSE, IN_PROGRESS)
LATE_BASELINE = "late_baseline"  # counted beside the statuses: "a baseline dated after the package's start date"
ELIGIBLE_STATUSES = (MET, NOT_MET, NO_BASELINE, NO_RESPONSE)

VERDICT_MET = "met"
VERDICT_NOT_MET = "not_met"
VERDICT_UNDETERMINED = "undetermined"
VERDICT_NO_DATA = "no_data"
VERDICT_NO_TARGET = "no_target"  # "a contract whose register gives no KPI target ... never judged met or below"

WILSON_Z = 1.959964
FOLLOW_UP_WINDOW_MONTHS = 3

UnitKey = tuple[str, str, str]


# "Unit: one participant in one support package" = (contract, package, participant) of a unit
# or of a survey response (read in C: it runs once per unit and once per response).
unit_key: Callable[[Unit | SurveyResponse], UnitKey] = attrgetter("contract", "package_id", "participant_id")


def is_unit_as_of(unit: Unit, as_of: date) -> bool:
    """A package that starts after the as-of date is not a unit yet ("nothing dated after counts")."""
    return unit.start_date <= as_of


class UnitOutcome(NamedTuple):
    """One unit's KPI status, with the responses and the window end it used.

    A named tuple (immutable, like the records): one per unit, 100,000 at a time."""

    unit: Unit
    status: str
    baseline: SurveyResponse | None
    follow_up: SurveyResponse | None
    window_end: date | None  # end date + 3 months; None when the package has no end date
    late_baseline: bool = False  # the baseline is dated after the package's start date


def baseline_days_late(outcome: UnitOutcome) -> int | None:
    """How many days after the package's start date a late baseline is dated (None: not late)."""
    if not outcome.late_baseline or outcome.baseline is None:
        return None
    return (outcome.baseline.response_date - outcome.unit.start_date).days


def _stage(response: SurveyResponse) -> str:
    stage = response.stage
    if stage in (BASELINE, FOLLOW_UP):
        return stage
    return stage.strip().lower().replace("-", "_").replace(" ", "_")


def is_met(baseline: SurveyResponse, follow_up: SurveyResponse) -> bool:
    """ "follow-up confidence > baseline confidence, and follow-up says impact demonstrated = yes"."""
    return follow_up.confidence > baseline.confidence and follow_up.impact_demonstrated is True


def has_ended(unit: Unit, as_of: date) -> bool:
    """Support has ended by the as-of date (otherwise the unit is in_progress)."""
    return unit.end_date is not None and unit.end_date <= as_of


def unit_status(
    unit: Unit, responses_of_unit: Iterable[SurveyResponse], as_of: date, data_to: Mapping[str, date] | None = None
) -> UnitOutcome:
    """Status of one unit, first match wins (rules.md):

    in_progress (no end date, or end date after as-of); then
    1. met, 2. not_met (baseline and follow-up exist), 3. no_baseline,
    4. pending ("no follow-up yet and the window end is after the as-of date"),
    5. awaiting_return ("the window has closed, but it closed after the contract's data-to date":
       the return that would hold the follow-up has not arrived yet),
    6. no_response ("the window closed on or before the data-to date"; window end == as-of
       counts as closed; with data-to unknown, on or before the as-of date).

    ``data_to``: each contract's data-to date by reference (``dashboard.currency.data_to_dates``);
    a contract not in it has its data currency unknown, and statuses fall back to the as-of date.

    ``responses_of_unit``: this unit's responses (others are ignored), in the order given.
    Raises ``ValueError`` for a unit that starts after ``as_of`` (not a unit yet).
    """
    if not is_unit_as_of(unit, as_of):
        raise ValueError(f"unit {unit_key(unit)} starts after {as_of}: not a unit yet")
    return unit_outcomes([unit], responses_of_unit, as_of, data_to)[0]


def _status(
    baseline: SurveyResponse | None,
    follow_up: SurveyResponse | None,
    window_end: date | None,
    as_of: date,
) -> str:
    if follow_up is not None:
        if baseline is None:
            return NO_BASELINE
        return MET if is_met(baseline, follow_up) else NOT_MET
    if window_end is not None and window_end > as_of:
        return PENDING
    return NO_RESPONSE


def unit_outcomes(
    units: Iterable[Unit],
    responses: Iterable[SurveyResponse],
    as_of: date,
    data_to: Mapping[str, date] | None = None,
) -> list[UnitOutcome]:
    """The status of every unit as of ``as_of`` (the rules of ``unit_status``), each contract's
    follow-up windows judged against its data-to date in ``data_to`` (by reference) when known.

    Units starting after ``as_of`` are left out (not units yet). A unit listed
    twice (same contract, package and participant) is one unit: the first
    record given is used.

    Each response is read once, in the order given, straight into its unit's
    baseline and follow-up so far (no list of responses per unit: at 250,000
    responses those lists cost more than the rules; one dict lookup per response),
    and each spelling of a stage is read once.
    "End date + 3 months" and the follow-up window are worked out once per distinct end date.
    What is known of each unit is kept in lists by the unit's place (no object per unit), found
    by its participant ID when no other unit has that ID (no key of three per unit or response).
    """
    kept: list[Unit] = []
    # participant ID -> the place of its only unit in the lists below; -1: the ID of several units,
    # whose places are found by their whole key in ``shared``
    place: dict[str, int] = {}
    shared: dict[UnitKey, int] = {}
    for unit in units:
        if not is_unit_as_of(unit, as_of):
            continue
        participant = unit.participant_id
        at = place.get(participant)
        if at is None:
            place[participant] = len(kept)
            kept.append(unit)
            continue
        if at >= 0:  # a second record with this participant ID: from now on found by the whole key
            shared[unit_key(kept[at])] = at
            place[participant] = -1
        key = unit_key(unit)
        if key not in shared:
            shared[key] = len(kept)
            kept.append(unit)
    window_ends = _window_ends(kept)
    # [end date, min(end date + 3 months, as-of)]: the days a follow-up counts on, once per end date
    follow_up_days: dict[date | None, tuple[date, date]] = {
        end: (end, min(window_end, as_of)) for end, window_end in window_ends.items()
    }
    windows = [follow_up_days[unit.end_date] if has_ended(unit, as_of) else None for unit in kept]  # None: in support
    baselines: list[SurveyResponse | None] = [None] * len(kept)
    follow_ups: list[SurveyResponse | None] = [None] * len(kept)
    stages: dict[str, str] = {}  # each spelling of a stage read once
    for response in responses:
        unit_place = place.get(response.participant_id)
        if unit_place is None:
            continue  # not a unit
        if unit_place >= 0:
            unit = kept[unit_place]
            if unit.package_id != response.package_id or unit.contract != response.contract:
                continue  # not a unit: another package of the same participant ID
        else:
            unit_place = shared.get(unit_key(response))
            if unit_place is None:
                continue  # not a unit
        window = windows[unit_place]
        if window is None:
            continue  # still in support: its responses do not count yet
        stage = stages.get(response.stage)
        if stage is None:
            stage = stages[response.stage] = _stage(response)
        day = response.response_date
        if stage == BASELINE:
            # "earliest, if several", on or before as-of; on the same date the first given stays
            baseline = baselines[unit_place]
            if day <= as_of and (baseline is None or day < baseline.response_date):
                baselines[unit_place] = response
        elif stage == FOLLOW_UP:
            # "latest ... within [end date, end date + 3 months] and on or before the as-of date";
            # on the same date the last given wins
            first_day, last_day = window
            follow_up = follow_ups[unit_place]
            if first_day <= day <= last_day and (follow_up is None or day >= follow_up.response_date):
                follow_ups[unit_place] = response
    outcomes: list[UnitOutcome] = []
    data_to = data_to or {}
    for unit, window, baseline, follow_up in zip(kept, windows, baselines, follow_ups):
        window_end = None if unit.end_date is None else window_ends[unit.end_date]
        if window is None or window_end is None:  # in support (an ended unit has a window end)
            outcomes.append(UnitOutcome(unit, IN_PROGRESS, None, None, window_end))
            continue
        status = _status(baseline, follow_up, window_end, as_of)
        if status is NO_RESPONSE and data_to:
            # "the window has closed, but it closed after the contract's data-to date"
            known = data_to.get(unit.contract)
            if known is not None and window_end > known:
                status = AWAITING_RETURN
        late = baseline is not None and baseline.response_date > unit.start_date
        outcomes.append(UnitOutcome(unit, status, baseline, follow_up, window_end, late))
    return outcomes


def _window_ends(units: Iterable[Unit]) -> dict[date, date]:
    """End date -> "end date + 3 months", once per distinct end date."""
    ends = {unit.end_date for unit in units if unit.end_date is not None}
    return {end: add_months(end, FOLLOW_UP_WINDOW_MONTHS) for end in ends}


def kpi_counts(outcomes: Iterable[UnitOutcome]) -> dict[str, int]:
    """Count units per status (every status present, zero when none) plus ``eligible``.

    "eligible = met + not_met + no_baseline + no_response (pending,
    awaiting_return and in_progress are excluded)"; and ``late_baseline``, the units whose
    baseline is dated after their package's start date (they still count).
    """
    counts = dict.fromkeys((*STATUSES, LATE_BASELINE), 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
        counts[LATE_BASELINE] += outcome.late_baseline
    return _with_eligible(counts)


def _with_eligible(counts: dict[str, int]) -> dict[str, int]:
    counts["eligible"] = sum(counts[status] for status in ELIGIBLE_STATUSES)
    return counts


def wilson_interval(successes: int, n: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    """95 % Wilson score interval for ``successes`` of ``n`` ("z = 1.959964").

    None when n = 0 (no data). Bounds are kept within [0, 1].
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def verdict(ci_low: float | None, ci_high: float | None, target: float | None) -> str:
    """ "say plainly whether the target is met, not met, or not yet determinable
    (interval straddles the target)": met if ci_low >= target, not_met if
    ci_high < target, undetermined otherwise, no_data without an interval.
    No target (the register gives none): no_target, never met or below."""
    if target is None:
        return VERDICT_NO_TARGET
    if ci_low is None or ci_high is None:
        return VERDICT_NO_DATA
    if ci_low >= target:
        return VERDICT_MET
    if ci_high < target:
        return VERDICT_NOT_MET
    return VERDICT_UNDETERMINED


@dataclass(frozen=True)
class KpiResult:
    """One KPI for one contract (and one slice when grouped).

    ``rate``, ``ci_low`` and ``ci_high`` are unrounded fractions 0..1 (None when
    eligible = 0: "show no data, never 0 % or 100 %").
    """

    contract: str
    kpi: str  # ONE_TO_ONE (KPI 1) or GROUP (KPI 2)
    target: float | None  # the register's KPI target; None: the contract has no confidence KPI
    eligible: int
    met: int
    not_met: int
    no_baseline: int
    no_response: int
    pending: int
    in_progress: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str
    low_reliability: bool  # fewer than 5 eligible: pages show the rate as [u]
    group_by: str | None = None
    group: str | None = None
    awaiting_return: int = 0  # window closed after the contract's data-to: not in the rate
    late_baseline: int = 0  # units counted whose baseline is dated after their package's start


def kpi_result(
    contract: str,
    kpi: str,
    target: float | None,
    outcomes: Iterable[UnitOutcome],
    group_by: str | None = None,
    group: str | None = None,
) -> KpiResult:
    """Build one KpiResult from the outcomes of its units: "rate = met / eligible"."""
    return _result_from_counts(contract, kpi, target, kpi_counts(outcomes), group_by, group)


def _result_from_counts(
    contract: str, kpi: str, target: float | None, counts: dict[str, int], group_by: str | None, group: str | None
) -> KpiResult:
    eligible = counts["eligible"]
    rate = counts[MET] / eligible if eligible else None
    interval = wilson_interval(counts[MET], eligible)
    ci_low, ci_high = interval if interval else (None, None)
    return KpiResult(
        contract=contract,
        kpi=kpi,
        target=target,
        eligible=eligible,
        met=counts[MET],
        not_met=counts[NOT_MET],
        no_baseline=counts[NO_BASELINE],
        no_response=counts[NO_RESPONSE],
        pending=counts[PENDING],
        in_progress=counts[IN_PROGRESS],
        rate=rate,
        ci_low=ci_low,
        ci_high=ci_high,
        verdict=verdict(ci_low, ci_high, target),
        low_reliability=eligible < RELIABLE_FROM,
        group_by=group_by,
        group=group,
        awaiting_return=counts[AWAITING_RETURN],
        late_baseline=counts.get(LATE_BASELINE, 0),
    )


def _end_financial_year(unit: Unit) -> str | None:
    return financial_year_of(unit.end_date) if unit.end_date else None


# "A KPI may be sliced by contract, FY (of the package end date), region, LA,
# role and support focus; the rule itself never changes."
_SLICE_FIELDS = {"region": "region_code", "la": "la_code", "role": "role", "focus": "focus"}  # slice -> Unit field
GROUP_KEYS: dict[str, Callable[[Unit], str | None]] = {
    "financial_year": _end_financial_year,
    **{name: attrgetter(field) for name, field in _SLICE_FIELDS.items()},
}


def targets_from_contracts(contracts: Iterable[ContractTerms]) -> dict[str, float | None]:
    """Each contract's KPI target: "the contract's `KPI target` from the register"; None when the
    register gives none (the contract has no confidence KPI)."""
    return {contract.reference: contract.kpi_target for contract in contracts}


def compute_kpis(
    units: Iterable[Unit],
    responses: Iterable[SurveyResponse],
    contracts_targets: Mapping[str, float | None] | None,
    as_of: date,
    group_key: str | Callable[[Unit], str | None] | None = None,
    data_to: Mapping[str, date] | None = None,
) -> list[KpiResult]:
    """KPI 1 (one_to_one) and KPI 2 (group) per contract, optionally per slice.

    ``contracts_targets`` maps contract reference to its register's KPI target (None or missing:
    no target, so no verdict).
    ``group_key`` is one of GROUP_KEYS ("financial_year" = FY of the package
    end date, None for packages with no end date; "region", "la", "role",
    "focus") or a function of the unit. One result per contract, KPI and slice
    with at least one unit. Units whose support type is neither one_to_one nor
    group belong to neither KPI and are left out.

    Sorted by contract, slice, then kpi ("group" before "one_to_one").
    """
    return kpis_from_outcomes(unit_outcomes(units, responses, as_of, data_to), contracts_targets, group_key)


def kpis_from_outcomes(
    outcomes: Iterable[UnitOutcome],
    contracts_targets: Mapping[str, float | None] | None,
    group_key: str | Callable[[Unit], str | None] | None = None,
) -> list[KpiResult]:
    """KPI results from unit outcomes already worked out (see ``compute_kpis``), so one
    set of outcomes can be sliced several ways without working out each status again."""
    group_by, _ = _resolve_group_key(group_key)
    targets = contracts_targets or {}
    counts: dict[tuple[str, str | None, str], dict[str, int]] = {}  # as kpi_counts, one per result
    for (contract, group, kpi, status, late), number in _tally(outcomes, group_key).items():
        if kpi not in KPI_NUMBER:
            continue  # neither one_to_one nor group: in neither KPI
        key = (contract, group, kpi)
        if key not in counts:
            counts[key] = dict.fromkeys((*STATUSES, LATE_BASELINE), 0)
        counts[key][status] += number
        if late:
            counts[key][LATE_BASELINE] += number
    results = [
        _result_from_counts(contract, kpi, targets.get(contract), _with_eligible(status_counts), group_by, group)
        for (contract, group, kpi), status_counts in counts.items()
    ]
    results.sort(key=lambda r: (r.contract, r.group is not None, r.group or "", r.kpi))
    return results


def _tally(
    outcomes: Iterable[UnitOutcome], group_key: str | Callable[[Unit], str | None] | None
) -> Mapping[tuple[str, str | None, str, str, bool], int]:
    """Number of units per (contract, slice, support type, status, late baseline), in the order first seen.

    Slices that are fields of the unit (and no slice) are read with ``attrgetter``, so the
    count runs in C: the pages slice 100,000 outcomes several ways."""
    if group_key is None or group_key == "contract":
        tally = Counter(map(attrgetter("unit.contract", "unit.support_type", "status", "late_baseline"), outcomes))
        return {(contract, None, kpi, status, late): number for (contract, kpi, status, late), number in tally.items()}
    if isinstance(group_key, str) and group_key in _SLICE_FIELDS:
        field = _SLICE_FIELDS[group_key]
        return Counter(
            map(attrgetter("unit.contract", f"unit.{field}", "unit.support_type", "status", "late_baseline"), outcomes)
        )
    _, key_of = _resolve_group_key(group_key)
    assert key_of is not None
    return Counter(
        (o.unit.contract, key_of(o.unit), o.unit.support_type, o.status, o.late_baseline)
        for o in outcomes
        if o.unit.support_type in KPI_NUMBER
    )


def group_las(
    outcomes: Iterable[UnitOutcome], group_key: str | Callable[[Unit], str | None] | None
) -> dict[tuple[str, str | None, str], set[str]]:
    """The LAs of each (contract, slice, support type) of ``kpis_from_outcomes``: a slice whose
    units all lie in one LA is about that LA (``dashboard.disclosure``)."""
    _, key_of = _resolve_group_key(group_key)
    found: dict[tuple[str, str | None, str], set[str]] = defaultdict(set)
    for o in outcomes:
        found[(o.unit.contract, key_of(o.unit) if key_of else None, o.unit.support_type)].add(o.unit.la_code)
    return found


def _resolve_group_key(
    group_key: str | Callable[[Unit], str | None] | None,
) -> tuple[str | None, Callable[[Unit], str | None] | None]:
    if group_key is None or group_key == "contract":
        return None, None
    if isinstance(group_key, str):
        if group_key not in GROUP_KEYS:
            raise ValueError(f"unknown KPI slice {group_key!r}; use one of {sorted(GROUP_KEYS)}")
        return group_key, GROUP_KEYS[group_key]
    return getattr(group_key, "__name__", "custom"), group_key


def percent(fraction: float) -> str:
    """A fraction as a whole percentage, halves rounded up (0.455 -> "46"): how every rate is
    written on screen, in sentences, tables and chart labels alike."""
    value = Decimal(repr(fraction * 100)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return str(value)


def target_text(target: float | None) -> str:
    """The target as the pages write it ("75 %"), or "no target" when the register gives none."""
    return "no target" if target is None else f"{_target_percent(target)} %"


def _target_percent(target: float) -> str:
    return f"{round(target * 100, 1):g}"


def interval_text(ci_low: float, ci_high: float, target: float | None, joiner: str = "-") -> str:
    """The 95 % interval as whole percentages ("30-62"; in a sentence ``joiner`` " to ": "30 to 62");
    a bound that would round onto the target without being it keeps one decimal (74.69 % is "74.7",
    not "75"), so the interval never seems to clear the target when the verdict says it cannot yet tell."""

    def bound(value: float) -> str:
        whole = percent(value)
        if target is not None and whole == percent(target) and value != target:
            return str(Decimal(repr(value * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        return whole

    return f"{bound(ci_low)}{joiner}{bound(ci_high)}"


def plain_english_status(result: KpiResult) -> str:
    """One sentence a reader can act on, the verdict first, for example

    "KPI 1 is below the 75 % target: 16 of 35 leaders (46 %) feel more confident and showed
    impact (95 % interval 30 to 62 %)" (the target as the register gives it; "no target" when
    it gives none).
    """
    number = KPI_NUMBER.get(result.kpi, result.kpi)
    people = KPI_PEOPLE.get(result.kpi, "participants")
    target = None if result.target is None else _target_percent(result.target)
    if result.verdict == VERDICT_NO_DATA or result.rate is None:
        if result.awaiting_return:
            return (
                f"KPI {number} has no data yet: no {people} are counted in the rate ({result.pending} waiting for "
                f"their follow-up, {result.awaiting_return} awaiting the quarterly return, {result.in_progress} "
                f"still in support)"
            )
        return (
            f"KPI {number} has no data yet: no {people} have a closed follow-up window "
            f"({result.pending} waiting for their follow-up, {result.in_progress} still in support)"
        )
    assert result.ci_low is not None and result.ci_high is not None
    interval = interval_text(result.ci_low, result.ci_high, result.target, " to ")
    sentence = {
        VERDICT_NO_TARGET: f"KPI {number} has no target (it is {NOT_SET})",
        VERDICT_MET: f"KPI {number} meets the {target} % target",
        VERDICT_NOT_MET: f"KPI {number} is below the {target} % target",
        VERDICT_UNDETERMINED: f"KPI {number}: cannot tell yet if it meets the {target} % target",
    }[result.verdict]
    sentence += (
        f": {result.met} of {result.eligible} {people} ({percent(result.rate)} %) feel more confident and "
        f"showed impact (95 % interval {interval} %"
        + (", which includes the target)" if result.verdict == VERDICT_UNDETERMINED else ")")
    )
    if result.low_reliability:
        sentence += f" [u] fewer than {RELIABLE_FROM} eligible: treat with caution"
    if result.awaiting_return:
        sentence += (
            f"; {result.awaiting_return} more are awaiting the quarterly return that would hold their "
            f"follow-up, so are not in the rate"
        )
    return sentence
