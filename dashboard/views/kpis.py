"""What the KPIs page shows: KPI 1 and KPI 2 per contract against the target, every participant's
status, the trend by quarter, slices by region, role and focus, confidence before and after,
late baselines and the follow-ups to chase.

Pure: records in, DataFrames and text out (no Streamlit, no SQL).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pandas as pd

from dashboard import disclosure as disclosure_rules
from dashboard import kpi as kpi_rules
from dashboard.calendar import quarter_end, quarter_label, quarter_of
from dashboard.currency import data_to_dates
from dashboard.disclosure import LOW_RELIABILITY, SUPPRESSED
from dashboard.kpi import PENDING, STATUSES, KpiResult, UnitOutcome, percent, unit_outcomes
from dashboard.records import ContractTerms, Portfolio, SurveyResponse, Unit
from dashboard.terms import NOT_SET
from dashboard.views.common import (
    NOT_RECORDED,
    STATUS_NAMES,
    Disclosure,
    FilteredInputs,
    KpiDisplay,
    Section,
    counted_units,
    display_kpi,
    fy_name,
    headline_displays,
    kpi_order,
    kpi_outcomes,
    kpi_results,
    kpi_table,
    rate_chart_frame,
)
from dashboard.vocabulary import CHASE_WITHIN_DAYS, KPI_NAMES, KPI_NUMBER, RELIABLE_FROM, SUPPORT_TYPE_NAMES
from dashboard.wording import counted, listed


def end_quarter(unit: Unit) -> str | None:
    """ "2021-22 Q3": the FY quarter in which the package ended."""
    return quarter_label(*quarter_of(unit.end_date)) if unit.end_date else None


WITHHELD_MARK = f"{SUPPRESSED} withheld"
TOO_FEW_MARK = f"{LOW_RELIABILITY} fewer than {RELIABLE_FROM}"
SliceKey = str | Callable[[Unit], str | None]  # a breakdown: a name in ``kpi.GROUP_KEYS`` or a function of the unit


def withheld_frame(displays: Sequence[KpiDisplay], y_of: Callable[[KpiResult], str | None]) -> pd.DataFrame:
    """The rows a trend marks in place of a rate, so the quarter keeps its place with no number:
    '[c] withheld' (figures about one LA's people, not shown to the Board) and '[u] fewer than 5'
    (a rate too unreliable to draw; the table gives it). A line that stopped with no word read as
    if nothing had happened since."""
    rows = [
        {
            "Label": y_of(d.result),
            "KPI": KPI_NAMES.get(d.result.kpi, d.result.kpi),
            "Rate": WITHHELD_MARK if d.suppressed else TOO_FEW_MARK,
        }
        for d in displays
        if d.suppressed or (not d.reliable and d.result.rate is not None)
    ]
    return pd.DataFrame(rows, columns=rate_chart_frame([], y_of).columns)


def status_frame(
    displays: Sequence[KpiDisplay], disclosure: Disclosure, label_of: Callable[[KpiResult], str | None]
) -> pd.DataFrame:
    """Units per status for each KPI (all statuses, in the rules' order); [c] counts are left blank."""
    rows = []
    for d in displays:
        r = d.result
        total = sum(getattr(r, status) for status in STATUSES)
        texts = _status_texts(d, disclosure)
        for order, (status, shown) in enumerate(zip(STATUSES, texts)):
            count = getattr(r, status)
            rows.append(
                {
                    "Label": label_of(r),
                    "KPI": KPI_NAMES.get(r.kpi, r.kpi),
                    "Status": STATUS_NAMES[status],
                    "Status code": status,
                    "Order": order,
                    "Participants": shown,
                    "Count": None if shown == SUPPRESSED else count,
                    "Share (%)": None if shown == SUPPRESSED or total == 0 else round(count / total * 100, 1),
                    "In the rate": "Yes" if status in kpi_rules.ELIGIBLE_STATUSES else "No",
                }
            )
    return pd.DataFrame(
        rows,
        columns=["Label", "KPI", "Status", "Status code", "Order", "Participants", "Count", "Share (%)", "In the rate"],
    )


@dataclass(frozen=True)
class ChaseRow:
    unit: Unit
    window_end: date
    days_left: int


@dataclass(frozen=True)
class KpiPage:
    headline: list[KpiDisplay]
    rates: Section
    statuses: Section
    detail_contract: str | None
    trend: Section
    slices: dict[str, Section]
    confidence: Section
    chase: list[ChaseRow] = field(default_factory=list)
    # the Board's view of a contract whose participants all lie in one LA: its details are LA-level
    detail_withheld: bool = False
    late_baselines: list[LateBaseline] = field(default_factory=list)
    late_baseline_summary: str = ""


@dataclass(frozen=True)
class KpiInputs(FilteredInputs):
    """What the KPIs page's figures are for: the filters, who is looking and the contract chosen
    for the details."""

    detail_contract: str | None = None


def build(portfolio: Portfolio, inputs: KpiInputs) -> KpiPage:
    """Everything the KPIs page draws, from the records the filters select."""
    return kpi_page(
        portfolio.contracts,
        portfolio.units,
        portfolio.responses,
        portfolio.regions,
        inputs.as_of,
        inputs.financial_year,
        Disclosure(inputs.board, bool(inputs.la), plan=inputs.plan),
        inputs.detail_contract,
        data_to_dates(portfolio.contracts, portfolio.returns, inputs.as_of),
    )


def _contract_label(result: KpiResult) -> str:
    return result.contract


def kpi_page(
    contracts: Sequence[ContractTerms],
    units: Sequence[Unit],
    responses: Sequence[SurveyResponse],
    regions: dict[str, str],
    as_of: date,
    financial_year: str | None,
    disclosure: Disclosure,
    detail_contract: str | None,
    data_to: Mapping[str, date] | None = None,
) -> KpiPage:
    """Everything the KPIs page draws, for the contracts in scope (``data_to``: each contract's
    data-to date, so windows closed after it await the return)."""
    disclosure = disclosure.with_plan(units, as_of).of_units(counted_units(units, as_of, financial_year))
    outcomes = kpi_outcomes(units, responses, as_of, financial_year, data_to)
    results = sorted(kpi_results(outcomes, contracts), key=kpi_order)
    headline = headline_displays(results, outcomes, disclosure)
    rates = Section(
        rate_chart_frame(headline, _contract_label),
        kpi_table(headline),
        _rates_summary(headline, financial_year),
    )
    statuses = Section(
        status_frame(headline, disclosure, _contract_label),
        _status_table(headline, disclosure),
        _status_summary(headline, disclosure),
    )
    detail = detail_contract if detail_contract in {r.contract for r in results} else default_detail_contract(results)
    detail_outcomes = [o for o in outcomes if o.unit.contract == detail]
    detail_contracts = [c for c in contracts if c.reference == detail]
    disclosure = disclosure.of_contract(detail) if detail else disclosure  # the detail is one contract's
    trend = _trend(detail_outcomes, detail_contracts, disclosure, as_of)
    slices = {
        name: _slice(detail_outcomes, detail_contracts, disclosure, key, title, labels)
        for name, key, title, labels in (
            ("Region", "region", "Region", regions),
            ("Role", "role", "Role", None),
            ("Focus", "focus", "Focus", None),
        )
    }
    confidence = confidence_section(detail_outcomes, disclosure)
    chase = chase_list(outcomes if financial_year is None else unit_outcomes(units, responses, as_of, data_to), as_of)
    withheld = disclosure.aggregate_only and detail in disclosure.one_la_contracts
    late = late_baselines(outcomes)
    return KpiPage(
        headline,
        rates,
        statuses,
        detail,
        trend,
        slices,
        confidence,
        chase,
        withheld,
        late,
        late_baseline_summary(results, disclosure),
    )


def default_detail_contract(results: Sequence[KpiResult]) -> str | None:
    """The contract with the most eligible participants (then the most participants, then by reference)."""
    totals: dict[str, tuple[int, int]] = {}
    for r in results:
        eligible, everyone = totals.get(r.contract, (0, 0))
        totals[r.contract] = (eligible + r.eligible, everyone + sum(getattr(r, s) for s in STATUSES))
    if not totals:
        return None
    return sorted(totals, key=lambda c: (-totals[c][0], -totals[c][1], c))[0]


def kpi_answer(displays: Sequence[KpiDisplay]) -> str:
    """The KPIs page's opening sentence: how many KPI figures meet their target, are below it,
    cannot tell yet, have no target or no data, or are withheld ([c])."""
    if not displays:
        return "There are no KPI figures yet for these filters."
    verdicts = [SUPPRESSED if d.suppressed else d.result.verdict for d in displays]
    wording = (  # (verdict, said of 1, said of more)
        (kpi_rules.VERDICT_MET, "meets the target", "meet the target"),
        (kpi_rules.VERDICT_NOT_MET, "is below it", "are below it"),
        (kpi_rules.VERDICT_UNDETERMINED, "cannot tell yet", "cannot tell yet"),
        (kpi_rules.VERDICT_NO_TARGET, "has no target", "have no target"),
        (kpi_rules.VERDICT_NO_DATA, "has no data yet", "have no data yet"),
        (SUPPRESSED, f"is withheld {SUPPRESSED}", f"are withheld {SUPPRESSED}"),
    )
    parts = [
        f"{verdicts.count(verdict)} {one if verdicts.count(verdict) == 1 else many}"
        for verdict, one, many in wording
        if verdicts.count(verdict)
    ]
    return f"Of {counted(len(displays), 'KPI figure')}, {listed(parts)}."


def _rates_summary(displays: Sequence[KpiDisplay], financial_year: str | None) -> str:
    if not displays:
        return "No participants yet for the contracts and filters chosen."
    shown = [d for d in displays if d.chartable]
    met = sum(1 for d in shown if d.result.verdict == kpi_rules.VERDICT_MET)
    below = sum(1 for d in shown if d.result.verdict == kpi_rules.VERDICT_NOT_MET)
    unsure = sum(1 for d in shown if d.result.verdict == kpi_rules.VERDICT_UNDETERMINED)
    no_target = sum(1 for d in shown if d.result.verdict == kpi_rules.VERDICT_NO_TARGET)
    hidden = len(displays) - len(shown)
    figures = "KPI figure" if len(displays) == 1 else "KPI figures"
    ending = f"(packages ending in {fy_name(financial_year)})"
    if not shown:  # no "meeting 0, below 0, cannot yet tell 0" beside "not charted": say why none is drawn
        subject = {1: f"The KPI figure {ending} is not charted", 2: f"Neither KPI figure {ending} is charted"}.get(
            len(displays), f"None of the {len(displays)} KPI figures {ending} is charted"
        )
        return f"{subject}: {_why_not_charted([d for d in displays if not d.chartable])}; see the table."
    text = (
        f"Of {len(displays)} {figures} {ending} on the chart: {met} meeting the "
        f"target, {below} below it, {unsure} cannot tell yet"
        + (f", {no_target} with no target ({NOT_SET})" if no_target else "")
    )
    if hidden:
        text += (
            f"; {hidden} {'is' if hidden == 1 else 'are'} not charted: "
            f"{_why_not_charted([d for d in displays if not d.chartable])}; see the table"
        )
    return text + "."


def _why_not_charted(hidden: Sequence[KpiDisplay]) -> str:
    """How many KPI figures are off the chart for each reason: withheld [c]; "no data" (rate
    "undefined when eligible = 0"); [u] ("a rate on fewer than 5 eligible units")."""
    reasons = [
        (sum(1 for d in hidden if d.suppressed), "is", "are", f"withheld {SUPPRESSED}"),
        (
            sum(1 for d in hidden if not d.suppressed and d.result.rate is None),
            "has",
            "have",
            "no data yet (no participant eligible)",
        ),
        (
            sum(1 for d in hidden if not d.suppressed and d.result.rate is not None),
            "has",
            "have",
            f"fewer than {RELIABLE_FROM} eligible participants {LOW_RELIABILITY}, too few for a reliable rate",
        ),
    ]
    parts = []
    for count, one, many, reason in reasons:
        if count:
            who = {1: "it", 2: "both"}.get(count, f"all {count}") if count == len(hidden) else str(count)
            parts.append(f"{who} {one if who in ('it', '1') else many} {reason}")
    return "; ".join(parts)


def _status_texts(display: KpiDisplay, disclosure: Disclosure) -> list[str]:
    """A KPI's counts per status: all [c] when its figures are withheld (by the Board's plan or as
    about one LA), as its headline is."""
    if display.suppressed:
        return [SUPPRESSED] * len(STATUSES)
    return disclosure.of_result(display.result).row([getattr(display.result, status) for status in STATUSES])


def _status_table(displays: Sequence[KpiDisplay], disclosure: Disclosure) -> pd.DataFrame:
    rows = []
    for d in displays:
        row = {"Contract": d.result.contract, "KPI": KPI_NAMES.get(d.result.kpi, d.result.kpi)}
        texts = _status_texts(d, disclosure)
        row.update({STATUS_NAMES[status]: text for status, text in zip(STATUSES, texts)})
        rows.append(row)
    return pd.DataFrame(rows)


def _status_summary(displays: Sequence[KpiDisplay], disclosure: Disclosure) -> str:
    """Participants per status over every KPI shown. A total leaves out every contract's KPI with
    a count withheld ([c]), and says so: adding it in would give the withheld count away by
    subtracting the counts shown."""
    if not displays:
        return "No participants yet for the contracts and filters chosen."
    hidden = [d for d in displays if SUPPRESSED in _status_texts(d, disclosure)]
    withheld = [f"{d.result.contract} {KPI_NAMES.get(d.result.kpi, d.result.kpi).split(' (')[0]}" for d in hidden]
    counted = [d for d in displays if d not in hidden]
    if not counted:
        return (
            f"Totals not shown {SUPPRESSED}. They are about the participants of 1 local authority, which "
            "Board views do not show."
        )
    totals: dict[str, int] = defaultdict(int)
    for d in counted:
        for status in STATUSES:
            totals[status] += getattr(d.result, status)
    everyone = sum(totals.values())
    parts = ", ".join(f"{disclosure.count(totals[s])} {STATUS_NAMES[s].lower()}" for s in STATUSES)
    left_out = f" (leaving out {', '.join(withheld)}, whose counts are {SUPPRESSED})" if withheld else ""
    people = "participant" if disclosure.count(everyone) == "1" else "participants"  # never singular beside [c]
    return f"Of {disclosure.count(everyone)} {people} in the KPIs{left_out}: {parts}."


def _chart_percent(row: pd.Series) -> str:
    """A charted rate as the sentences and labels write it (from met / eligible, not from the
    frame's one-decimal rate: 6 of 11 is 54.5 there, and 55 %, not 54 %)."""
    return percent(int(row["Met"]) / int(row["Eligible"]))


def _trend(
    outcomes: Sequence[UnitOutcome], contracts: Sequence[ContractTerms], disclosure: Disclosure, as_of: date
) -> Section:
    results = kpi_results(outcomes, contracts, end_quarter)
    results = [r for r in results if r.group is not None]
    displays = _breakdown_displays(results, outcomes, end_quarter, disclosure)
    table = kpi_table(displays, "Quarter the package ended")
    drawn = rate_chart_frame(displays, lambda r: r.group)
    withheld = withheld_frame(displays, lambda r: r.group)
    if not withheld.empty and not drawn.empty:
        chart = pd.concat([drawn, withheld], ignore_index=True).astype({"Met": "Int64", "Eligible": "Int64"})
    else:
        chart = drawn
    if not displays:
        return Section(chart, table, "No package has ended yet for this contract and these filters.")
    if chart.empty:
        summary = _none_drawn("quarter", displays)
    else:
        summary = trend_summary(chart, len({r.group for r in results}), as_of)
    return Section(chart, table, summary)


def trend_summary(chart: pd.DataFrame, quarters: int, as_of: date) -> str:
    """The trend in words: the latest quarter with a reliable rate among the quarters that have
    ended by ``as_of`` (a quarter still under way is said to be so: its rate may change)."""
    shown = (
        chart[~chart["Rate"].isin([WITHHELD_MARK, TOO_FEW_MARK])].sort_values("Label")
        if "Rate" in chart
        else chart.sort_values("Label")
    )
    ended = shown[[quarter_end(*_quarter_parts(label)) <= as_of for label in shown["Label"]]]
    said = f"{counted(quarters, 'quarter')} of package ends; "
    if ended.empty:
        said += "no quarter with a reliable rate has ended yet."
    else:
        last = ended.iloc[-1]
        target = last["Target (%)"]
        said += (
            f"the latest quarter with a reliable rate that has ended, {last['Label']}, shows "
            f"{_chart_percent(last)} % for {last['KPI']} "
            + ("(no KPI target)." if target is None or pd.isna(target) else f"(target {target:g} %).")
        )
    under_way = shown["Label"].iloc[-1]
    if quarter_end(*_quarter_parts(under_way)) > as_of:
        said += f" {under_way} is still under way: its rate may change."
    return said


def _quarter_parts(label: str) -> tuple[str, int]:
    """ "2023-24 Q3" -> ("2023-24", 3)."""
    year, quarter = label.rsplit(" Q", 1)
    return year, int(quarter)


def _breakdown_displays(
    results: Sequence[KpiResult], outcomes: Sequence[UnitOutcome], key: SliceKey, disclosure: Disclosure
) -> list[KpiDisplay]:
    """A breakdown's rows (by quarter, region, role, focus): a row whose participants all lie in
    one LA is about that LA, so the Board sees its counts as [c] (a contract with one LA
    in a region tells that LA's figures); and a row is shown only if the Board's plan shows its
    group, so that no row can be worked out by subtraction from figures shown in any view ("the
    withheld rows do not depend on the filters")."""
    if not disclosure.aggregate_only:
        return [display_kpi(r, disclosure) for r in results]
    las = kpi_rules.group_las(outcomes, key)
    members = disclosure_rules.group_members(outcomes, kpi_rules.GROUP_KEYS[key] if isinstance(key, str) else key)
    return [
        display_kpi(
            r,
            replace(disclosure, la_level=True) if len(las.get((r.contract, r.group, r.kpi), ())) == 1 else disclosure,
            members.get((r.contract, r.group, r.kpi)),
        )
        for r in results
    ]


def _slice(
    outcomes: Sequence[UnitOutcome],
    contracts: Sequence[ContractTerms],
    disclosure: Disclosure,
    key: SliceKey,
    title: str,
    labels: Mapping[str, str] | None,
) -> Section:
    results = kpi_results(outcomes, contracts, key)
    displays = [
        replace(
            d,
            result=replace(
                d.result, group=(labels or {}).get(d.result.group, d.result.group) if d.result.group else NOT_RECORDED
            ),
        )
        for d in _breakdown_displays(results, outcomes, key, disclosure)
    ]
    table = kpi_table(displays, title)
    chart = rate_chart_frame(displays, lambda r: r.group)
    if not displays:
        return Section(chart, table, "No participants yet for this contract and these filters.")
    if chart.empty:
        return Section(chart, table, _none_drawn(title.lower(), displays))
    return Section(chart, table, breakdown_summary(chart, title, any(d.suppressed for d in displays)))


def _none_drawn(row_name: str, displays: Sequence[KpiDisplay]) -> str:
    """Why a breakdown draws no rate: too few eligible, or (on Board views) about one LA [c]."""
    if any(d.suppressed for d in displays):
        return (
            f"No {row_name} has a rate drawn. Each has fewer than {RELIABLE_FROM} eligible participants, or is "
            f"about 1 local authority, not shown {SUPPRESSED} (as is a row that would give one away)."
        )
    return f"No {row_name} has {RELIABLE_FROM} or more eligible participants yet, so no rate is drawn."


def breakdown_summary(chart: pd.DataFrame, title: str, withheld: bool = False) -> str:
    """The highest and lowest charted rates of a breakdown, naming every row that shares them, and
    saying so when only one row has a reliable rate (the others are [u], or ``withheld`` [c])."""
    rates = {index: _chart_percent(row) for index, row in chart.iterrows()}
    shares = {index: float(row["Met"]) / float(row["Eligible"]) for index, row in chart.iterrows()}
    names = {index: f"{row['Label']}, {row['KPI']}" for index, row in chart.iterrows()}
    bases = {index: f"{int(row['Met'])} of {int(row['Eligible'])}" for index, row in chart.iterrows()}

    def named(indexes: list[Hashable]) -> str:
        return " and ".join(names[index] for index in indexes)

    def named_with_base(indexes: list[Hashable]) -> str:  # a rate with its base: 100 % of 5 is not of 500
        return " and ".join(f"{names[index]}: {bases[index]}" for index in indexes)

    if len(chart) == 1:
        only = chart.index[0]
        if withheld:
            return (
                f"By {title.lower()}: only {named([only])} has a rate shown: {rates[only]} %, {bases[only]} (the "
                "others have "
                f"fewer than {RELIABLE_FROM} eligible participants or are about 1 local authority, not "
                f"shown {SUPPRESSED}, as is a row that would give one away)."
            )
        return (
            f"By {title.lower()}: only {named([only])} has {RELIABLE_FROM} or more eligible participants: "
            f"{rates[only]} %, {bases[only]}."
        )
    ordered = sorted(rates, key=lambda index: shares[index])
    lowest, highest = rates[ordered[0]], rates[ordered[-1]]
    return (
        f"By {title.lower()}: highest rate {highest} % "
        f"({named_with_base([i for i in ordered[::-1] if rates[i] == highest])}), "
        f"lowest {lowest} % ({named_with_base([i for i in ordered if rates[i] == lowest])})."
    )


def confidence_section(outcomes: Sequence[UnitOutcome], disclosure: Disclosure) -> Section:
    """Baseline and follow-up confidence scores (1-5) of the participants who have both. On Board
    views a KPI's scores are [c] unless the Board's plan shows its group of participants (the
    KPI's headline), and the sentence, which adds both KPIs up, is [c] when either is."""
    members = disclosure_rules.group_members(outcomes) if disclosure.aggregate_only else {}
    withheld_kpis = {
        kpi
        for (contract, _, kpi), group in members.items()
        if kpi in KPI_NAMES and disclosure.withholds(contract, kpi, group)
    }
    both: list[tuple[str, SurveyResponse, SurveyResponse]] = [  # support type, baseline, follow-up
        (o.unit.support_type, o.baseline, o.follow_up)
        for o in outcomes
        if o.baseline is not None and o.follow_up is not None and o.unit.support_type in KPI_NAMES
    ]
    counts: dict[tuple[str, str, int], int] = defaultdict(int)
    for support_type, baseline, follow_up in both:
        counts[(support_type, "Baseline", baseline.confidence)] += 1
        counts[(support_type, "Follow-up", follow_up.confidence)] += 1
    rows = []
    for support_type in sorted({support_type for support_type, _, _ in both}, key=lambda s: KPI_NUMBER[s]):
        for stage in ("Baseline", "Follow-up"):
            for score in range(1, 6):
                count = counts.get((support_type, stage, score), 0)
                shown = SUPPRESSED if support_type in withheld_kpis else disclosure.count(count)
                rows.append(
                    {
                        "KPI": KPI_NAMES[support_type],
                        "Stage": stage,
                        "Confidence score": score,
                        "Participants": shown,
                        "Count": None if shown == SUPPRESSED else count,
                    }
                )
    frame = pd.DataFrame(rows, columns=["KPI", "Stage", "Confidence score", "Participants", "Count"])
    if not both:
        return Section(
            frame, frame.drop(columns="Count"), "No participant has both a baseline and a counted follow-up yet."
        )
    higher = sum(1 for _, baseline, follow_up in both if follow_up.confidence > baseline.confidence)
    base = sum(baseline.confidence for _, baseline, _ in both) / len(both)
    after = sum(follow_up.confidence for _, _, follow_up in both) / len(both)
    summary = (
        f"Of {disclosure.count(len(both))} participant{'' if disclosure.count(len(both)) == '1' else 's'} "
        f"with both responses, {disclosure.count(higher)} rated "
        f"their confidence higher at follow-up; the average score went from {base:.1f} to {after:.1f} (of 5)."
    )
    if withheld_kpis or disclosure.suppressed(len(both), higher):
        summary = (
            f"Confidence scores not shown {SUPPRESSED}. They are about the people of 1 local authority, or "
            "would reveal such figures beside other Board views."
        )
    return Section(frame, frame.drop(columns="Count"), summary)


@dataclass(frozen=True)
class LateBaseline:
    """A unit whose baseline is dated after its package's start date (it still counts)."""

    unit: Unit
    baseline_date: date
    days_after_start: int


def late_baselines(outcomes: Iterable[UnitOutcome]) -> list[LateBaseline]:
    """ "A baseline dated after the package's start date is a `late baseline` ... listed per
    contract": by contract, then the most days late first."""
    rows = []
    for o in outcomes:
        days = kpi_rules.baseline_days_late(o)  # None: not late
        if days is not None and o.baseline is not None:
            rows.append(LateBaseline(o.unit, o.baseline.response_date, days))
    return sorted(
        rows, key=lambda r: (r.unit.contract.casefold(), -r.days_after_start, r.unit.package_id, r.unit.participant_id)
    )


def late_baseline_summary(results: Sequence[KpiResult], disclosure: Disclosure) -> str:
    """The late baselines counted per contract and KPI (a count withheld [c] where it is about one LA)."""
    counted_late = [r for r in results if r.late_baseline]
    if not counted_late:
        return "No late baselines: every baseline is dated on or before its package's start date."
    parts = [
        f"{r.contract} {KPI_NAMES.get(r.kpi, r.kpi)}: {disclosure.of_result(r).count(r.late_baseline)}"
        for r in counted_late
    ]
    return (
        'Late baselines (dated after the package started; the contract asks for them "before any support '
        'commences"), still counted in the KPIs: ' + "; ".join(parts) + "."
    )


def late_baseline_table(rows: Sequence[LateBaseline], la_names: dict[str, str]) -> pd.DataFrame:
    """Who has a late baseline, in which package, and how many days after the start."""
    columns = [
        "Contract",
        "Package ID",
        "Participant ID",
        "Local authority",
        "Support type",
        "Package started",
        "Baseline dated",
        "Days after the start",
    ]
    return pd.DataFrame(
        [
            {
                "Contract": r.unit.contract,
                "Package ID": r.unit.package_id,
                "Participant ID": r.unit.participant_id,
                "Local authority": la_names.get(r.unit.la_code, r.unit.la_code),
                "Support type": SUPPORT_TYPE_NAMES.get(r.unit.support_type, r.unit.support_type),
                "Package started": r.unit.start_date,
                "Baseline dated": r.baseline_date,
                "Days after the start": r.days_after_start,
            }
            for r in rows
        ],
        columns=columns,
    )


def chase_list(outcomes: Iterable[UnitOutcome], as_of: date, within_days: int = CHASE_WITHIN_DAYS) -> list[ChaseRow]:
    """Pending units whose follow-up window closes within ``within_days`` of as-of (soonest first)."""
    last = as_of + timedelta(days=within_days)
    rows = [
        ChaseRow(o.unit, o.window_end, (o.window_end - as_of).days)
        for o in outcomes
        if o.status == PENDING and o.window_end is not None and o.window_end <= last
    ]
    return sorted(rows, key=lambda r: (r.window_end, r.unit.contract, r.unit.package_id, r.unit.participant_id))


def chase_table(
    rows: Sequence[ChaseRow], la_names: dict[str, str], names: dict[tuple[str, str, str], str] | None = None
) -> pd.DataFrame:
    """The chase list with readable columns; a name column only when names are given (allowed)."""
    table = []
    for row in rows:
        u = row.unit
        item: dict[str, str | date | int | None] = {
            "Contract": u.contract,
            "Package ID": u.package_id,
            "Participant ID": u.participant_id,
        }
        if names is not None:
            item["Participant name"] = names.get((u.contract, u.package_id, u.participant_id), "")
        item.update(
            {
                "Local authority": la_names.get(u.la_code, u.la_code),
                "Role": u.role,
                "Support type": SUPPORT_TYPE_NAMES.get(u.support_type, u.support_type),
                "Package ended": u.end_date,
                "Follow-up window closes": row.window_end,
                "Days left": row.days_left,
            }
        )
        table.append(item)
    columns = (
        ["Contract", "Package ID", "Participant ID"]
        + (["Participant name"] if names is not None else [])
        + ["Local authority", "Role", "Support type", "Package ended", "Follow-up window closes", "Days left"]
    )
    return pd.DataFrame(table, columns=columns)
