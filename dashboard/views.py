"""What the Overview, KPIs and Coverage pages show: tables with readable column
names and one-sentence summaries, built from the records by the rules.

Pure: records in, DataFrames and text out (no Streamlit, no SQL), so the pages
stay thin and every figure here can be tested without a browser.

Small numbers (``dashboard.disclosure``): a rate on fewer than 5 eligible
units shows its counts but the rate as ``[u]``; on Board views
(``aggregate_only``) a count about the people of one LA (``la_level``) is
``[c]``, and so is any rate or interval worked out from it; and a group's
figures are shown only if the Board's plan (``disclosure.board_plan``, decided
once over all the data the Board reaches) shows that group, whatever the filters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from dashboard import disclosure as disclosure_rules
from dashboard import kpi as kpi_rules
from dashboard import status_grid, timeline_views
from dashboard import timelines as timelines_rules
from dashboard.calendar import financial_year_of, financial_years_between, fy_end, quarter_end, quarter_label, quarter_of
from dashboard.coverage import (
    SO_FAR,
    LAIndex,
    coverage_by_region,
    coverage_by_year,
    status_on,
    statuses_by_la,
    supported_units,
    targeting_share,
    unsupported_priority_las,
)
from dashboard.currency import currencies, data_to_of_contracts
from dashboard.disclosure import LOW_RELIABILITY, RELIABLE_FROM, SUPPRESSED, count_text
from dashboard.finance import FinanceRow, spend_against_allocations
from dashboard.kpi import (
    KPI_NUMBER,
    KPI_PEOPLE,
    PENDING,
    STATUSES,
    KpiResult,
    UnitOutcome,
    kpis_from_outcomes,
    percent,
    plain_english_status,
    targets_from_contracts,
    unit_outcomes,
)
from dashboard.records import GROUP, ONE_TO_ONE, ContractTerms, LAStatus, LocalAuthority, ReturnImport, Unit
from dashboard.registry import entry, verdict_id
from dashboard.terms import NOT_SET
from dashboard.charts import STATUS_LABELS
from dashboard.wording import counted, listed

SUPPORT_TYPE_NAMES = {ONE_TO_ONE: "One-to-one", GROUP: "Group"}
KPI_NAMES = {ONE_TO_ONE: "KPI 1 (one-to-one)", GROUP: "KPI 2 (group)"}
STATUS_NAMES = STATUS_LABELS  # one wording per status, shared with the charts
NO_MINIMUM = f"No minimum ({NOT_SET})"
CHASE_WITHIN_DAYS = 30
DEADLINE_DAYS = timeline_views.DEADLINE_DAYS
HEX_MAP_YEAR = "2023-24"  # the hex map's LA geography (2023)
NOT_RECORDED = "Not recorded"

SUPPORT_BOTH = "One-to-one and group"
SUPPORT_ONE = "One-to-one only"
SUPPORT_GROUP = "Group only"
SUPPORT_NONE = "No support"
SUPPORT_MARKS = {SUPPORT_BOTH: "1+G", SUPPORT_ONE: "1", SUPPORT_GROUP: "G", SUPPORT_NONE: ""}


@dataclass(frozen=True)
class Disclosure:
    """Who is looking and at what: decides ``[c]`` (Board, figures within one LA)."""

    aggregate_only: bool = False
    la_level: bool = False  # the figures are about one LA (LA filter or LA slice)
    one_la_contracts: frozenset[str] = frozenset()  # contracts whose units in view all lie in one LA
    one_la_kpis: frozenset[tuple[str, str]] = frozenset()  # (contract, KPI) whose units in view do
    # the groups the Board may be shown, decided over all the data it reaches (docs: "Figures the
    # Board does not see"); pages pass it, worked out from every unit the viewer may see
    plan: disclosure_rules.BoardPlan | None = None

    def with_plan(self, units: Iterable[Unit], as_of: date) -> Disclosure:
        """The Board's plan, worked out from ``units`` when none was given (then ``units`` must be
        all the Board can reach, unfiltered, for the plan to hold across views)."""
        if not self.aggregate_only or (self.plan is not None and self.plan.as_of == as_of):
            return self
        return replace(self, plan=disclosure_rules.board_plan(units, as_of))

    def withholds(self, contract: str, kpi: str, members: frozenset | None) -> bool:
        """A Board view shows a group's figures only if the plan shows that very group (fail closed:
        no plan, or no group given, withholds)."""
        if not self.aggregate_only:
            return False
        return self.plan is None or members is None or not self.plan.shows(contract, kpi, members)

    def of_units(self, units: Iterable[Unit]) -> Disclosure:
        """The same viewer, told which figures are about one LA: every figure when the units in
        view lie in one LA, and a contract's figures when its units do (an adviser call-off for
        one council tells as much as an LA filter)."""
        if not self.aggregate_only:
            return self
        units = list(units)
        return replace(self, la_level=self.la_level or len({unit.la_code for unit in units}) == 1,
                       one_la_contracts=disclosure_rules.one_la_contracts(units),
                       one_la_kpis=disclosure_rules.one_la_kpis(units))

    def of_contract(self, contract: str) -> Disclosure:
        """The disclosure for one contract's figures."""
        return replace(self, la_level=True) if not self.la_level and contract in self.one_la_contracts else self

    def of_result(self, result: KpiResult) -> Disclosure:
        """The disclosure for one contract's KPI: about one LA when the contract's, or the KPI's, units are."""
        disclosure = self.of_contract(result.contract)
        if not disclosure.la_level and (result.contract, result.kpi) in self.one_la_kpis:
            return replace(disclosure, la_level=True)
        return disclosure

    def count(self, value: int) -> str:
        return count_text(value, self.aggregate_only, self.la_level)

    def suppressed(self, *values: int) -> bool:
        return any(self.count(value) == SUPPRESSED for value in values)

    def row(self, values: Sequence[int]) -> list[str]:
        """Counts adding up to one total: all withheld, zeros too, when one is (``disclosure.row_texts``)."""
        return disclosure_rules.row_texts(values, self.aggregate_only, self.la_level)


def fy_name(financial_year: str | None) -> str:
    return financial_year or "all years"


# ------------------------------------------------------------------ filters


@dataclass(frozen=True)
class FilterOptions:
    contracts: list[str]
    financial_years: list[str]
    regions: dict[str, str]
    las: dict[str, str]
    # code -> every code of the same council where it was only recoded (North Yorkshire
    # E10000023 and E06000065): choosing either filters to both (``LAIndex.area``)
    same_las: dict[str, tuple[str, ...]] = field(default_factory=dict)
    la_regions: dict[str, str] = field(default_factory=dict)  # code -> region (E12) code


def narrowed(data, contracts: Sequence[str] | None = None, la_codes: Sequence[str] | None = None,
             region_codes: Sequence[str] | None = None):
    """The records a narrower scope selects, taken from the records of a wider one already loaded.

    ``data`` is any frozen dataclass with the fields of ``data_access.queries.OversightData``;
    the result selects what ``queries.load`` would for the narrower scope: contracts case-blind
    (contracts, units, responses, allocations, invoice lines, milestones), LA and region on the
    participants' packages (units, and the responses of those units); LAs, statuses and regions
    whole. ``None`` keeps everything. Only ever narrows: the records a viewer may not see were
    never loaded (the wider scope carries the viewer's limits).
    """
    if contracts is None and la_codes is None and region_codes is None:
        return data
    keep = None if contracts is None else {reference.lower() for reference in contracts}

    def kept(reference: str) -> bool:
        return keep is None or reference.lower() in keep

    las = None if la_codes is None else set(la_codes)
    regions = None if region_codes is None else set(region_codes)
    units = [
        u for u in data.units
        if kept(u.contract) and (las is None or u.la_code in las) and (regions is None or u.region_code in regions)
    ]
    if las is None and regions is None:
        responses = [r for r in data.responses if kept(r.contract)]
    else:
        packages = {(u.contract, u.package_id, u.participant_id) for u in units}
        responses = [r for r in data.responses if (r.contract, r.package_id, r.participant_id) in packages]
    return replace(
        data,
        contracts=[c for c in data.contracts if kept(c.reference)],
        units=units,
        responses=responses,
        allocations=[a for a in data.allocations if kept(a.contract)],
        invoice_lines=[line for line in data.invoice_lines if kept(line.contract)],
        milestones=[m for m in data.milestones if kept(m.contract)],
        returns=[r for r in data.returns if kept(r.contract)],
    )


def by_contract(data) -> dict:
    """Each contract's records, as ``narrowed(data, (reference,))`` selects them, split in one pass.

    Keyed by the reference in lower case (references match case-blind)."""
    fields = ("units", "responses", "allocations", "invoice_lines", "milestones", "returns")
    parts: dict[str, dict[str, list]] = {}

    def part(reference: str) -> dict[str, list]:
        return parts.setdefault(reference.lower(), {name: [] for name in ("contracts", *fields)})

    for contract in data.contracts:
        part(contract.reference)["contracts"].append(contract)
    for name in fields:
        groups: dict[str, list] = defaultdict(list)
        for item in getattr(data, name):
            groups[item.contract].append(item)
        for reference, items in groups.items():
            part(reference)[name].extend(items)
    return {key: replace(data, **lists) for key, lists in parts.items()}


def filter_options(contracts: Sequence[ContractTerms], las: Sequence[LocalAuthority], regions: dict[str, str]) -> FilterOptions:
    """The choices of the shared filters: contracts, FYs they run in, regions, LAs (latest names)."""
    years: list[str] = []
    if contracts:
        first = min(c.start_date for c in contracts)
        last = max(max(c.end_date, c.extension_up_to or c.end_date) for c in contracts)
        years = financial_years_between(first, last)
    names: dict[str, str] = {}
    la_regions: dict[str, str] = {}
    for la in sorted(las, key=lambda la: la.valid_from):
        names[la.code] = la.name
        la_regions[la.code] = la.region_code
    index = LAIndex(las)
    areas: dict[str, list[str]] = defaultdict(list)
    for code in names:
        areas[index.area(code)].append(code)
    same = {code: tuple(sorted(codes)) for codes in areas.values() if len(codes) > 1 for code in codes}
    return FilterOptions([c.reference for c in contracts], years, dict(regions), names, same, la_regions)


# ---------------------------------------------------------------------- KPIs


def kpi_units(units: Iterable[Unit], financial_year: str | None) -> list[Unit]:
    """Units counted when a FY is chosen: packages that end in that FY ("FY of the package end date")."""
    units = list(units)
    if not financial_year:
        return units
    return [u for u in units if u.end_date is not None and financial_year_of(u.end_date) == financial_year]


def counted_units(units: Iterable[Unit], as_of: date, financial_year: str | None) -> list[Unit]:
    """The units the KPI figures count: started by as-of ("nothing dated after the as-of date
    counts") and, for a FY, ending in it. Whether figures are about one LA is judged on these."""
    return [u for u in kpi_units(units, financial_year) if u.start_date <= as_of]


def end_quarter(unit: Unit) -> str | None:
    """"2021-22 Q3": the FY quarter in which the package ended."""
    return quarter_label(*quarter_of(unit.end_date)) if unit.end_date else None


@dataclass(frozen=True)
class KpiDisplay:
    """One KPI result as a reader sees it (texts already carry [u] / [c])."""

    result: KpiResult
    met: str
    eligible: str
    rate: str
    interval: str
    verdict: str
    sentence: str
    suppressed: bool
    reliable: bool

    @property
    def chartable(self) -> bool:
        """Drawn on a chart only when the rate is shown (not [u], [c] or no data)."""
        return self.reliable and not self.suppressed and self.result.rate is not None


def display_kpi(result: KpiResult, disclosure: Disclosure = Disclosure(), members: frozenset | None = None) -> KpiDisplay:
    """``members``: the unit keys the result counts, for the Board's plan (``Disclosure.withholds``)."""
    if disclosure.withholds(result.contract, result.kpi, members):
        return _withheld(result)
    disclosure = disclosure.of_result(result)
    number = KPI_NUMBER.get(result.kpi, result.kpi)
    people = KPI_PEOPLE.get(result.kpi, "participants")
    # any status withheld withholds the row: the statuses add up to eligible and to every participant
    suppressed = disclosure.suppressed(result.eligible, *(getattr(result, status) for status in STATUSES))
    verdict_name = entry(verdict_id(result.verdict)).name
    if suppressed:  # before "no data": its zeros beside a [c] would say what everyone is doing
        return _withheld(result)
    if result.eligible == 0 or result.rate is None:
        pending, in_progress = disclosure.count(result.pending), disclosure.count(result.in_progress)
        awaiting = (f", {disclosure.count(result.awaiting_return)} awaiting the quarterly return"
                    if result.awaiting_return else "")
        sentence = (
            f"KPI {number}: no data yet: no {people} have a closed follow-up window "
            f"({pending} waiting for their follow-up{awaiting}, {in_progress} still in support)"
        )
        if result.awaiting_return:
            sentence = (f"KPI {number}: no data yet: no {people} counted in the rate ({pending} waiting for their "
                        f"follow-up{awaiting}, {in_progress} still in support)")
        return KpiDisplay(result, disclosure.count(result.met), "0", "no data", "no data", "No data",
                          sentence, False, False)
    assert result.ci_low is not None and result.ci_high is not None
    # rules.md: the rate, its interval and the verdict are always said; fewer than 5 eligible
    # marks them [u] (low reliability) and keeps them off the charts, it does not hide them
    marker = f" {LOW_RELIABILITY}" if result.low_reliability else ""
    return KpiDisplay(
        result, str(result.met), str(result.eligible), f"{percent(result.rate)} %{marker}",
        f"{kpi_rules.interval_text(result.ci_low, result.ci_high, result.target)} %{marker}", verdict_name + marker,
        plain_english_status(result), False, not result.low_reliability,
    )


def _withheld(result: KpiResult) -> KpiDisplay:
    """A KPI whose figures are not shown [c]."""
    people = KPI_PEOPLE.get(result.kpi, "participants")
    sentence = (
        f"KPI {KPI_NUMBER.get(result.kpi, result.kpi)}: figures not shown {SUPPRESSED}: they are about the "
        f"{people} of one local authority, which Board views do not show, or beside other Board views they "
        "would give such figures away"
    )
    return KpiDisplay(result, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, sentence, True,
                      not result.low_reliability)


def kpi_outcomes(units: Iterable[Unit], responses, as_of: date, financial_year: str | None = None,
                 data_to: Mapping[str, date] | None = None) -> list[UnitOutcome]:
    """Every unit's status, over the packages ending in the FY chosen (worked out once per page);
    ``data_to``: each contract's data-to date (``currency.data_to_dates``), None: unknown for all."""
    return unit_outcomes(kpi_units(units, financial_year), responses, as_of, data_to)


def kpi_results(outcomes: Sequence[UnitOutcome], contracts: Sequence[ContractTerms], group_key=None) -> list[KpiResult]:
    """KPI 1 and 2 per contract (optionally per slice) from the units' statuses."""
    return kpis_from_outcomes(outcomes, targets_from_contracts(contracts), group_key)


def kpi_table(displays: Sequence[KpiDisplay], group_title: str | None = None,
              titles: dict[str, str] | None = None) -> pd.DataFrame:
    """The KPI figures with readable column names (one row per contract, KPI and slice)."""
    rows = []
    for d in displays:
        r = d.result
        row = {"Contract": r.contract}
        if titles is not None:
            row["Title"] = titles.get(r.contract, "")
        if group_title:
            row[group_title] = r.group if r.group is not None else NOT_RECORDED
        row.update({
            "KPI": KPI_NAMES.get(r.kpi, r.kpi),
            "Met": d.met,
            "Eligible": d.eligible,
            "Rate": d.rate,
            "95 % interval": d.interval,
            "Target": NOT_SET if r.target is None else kpi_rules.target_text(r.target),
            "Against target": d.verdict,
        })
        rows.append(row)
    return pd.DataFrame(rows)


def rate_chart_frame(displays: Sequence[KpiDisplay], y_of) -> pd.DataFrame:
    """Chart data for rates with intervals: only rates that are shown (not [u], [c] or no data).
    "Rate" and "95 % interval" are the table's texts, for the chart's labels and tooltips: the
    one-decimal "Rate (%)" places the point, and written as a whole number it could differ from
    the table (15 of 33 is 45.5 there, but 45 %)."""
    rows = [
        {
            "Label": y_of(d.result),
            "KPI": KPI_NAMES.get(d.result.kpi, d.result.kpi),
            "Rate": d.rate,
            "95 % interval": d.interval,
            "Rate (%)": round(d.result.rate * 100, 1),
            "Low (%)": round(d.result.ci_low * 100, 1),
            "High (%)": round(d.result.ci_high * 100, 1),
            "Target (%)": None if d.result.target is None else round(d.result.target * 100, 1),
            "Met": d.result.met,
            "Eligible": d.result.eligible,
            "Against target": d.verdict,
        }
        for d in displays
        if d.chartable
    ]
    return pd.DataFrame(rows, columns=["Label", "KPI", "Rate", "95 % interval", "Rate (%)", "Low (%)", "High (%)",
                                       "Target (%)", "Met", "Eligible", "Against target"])


WITHHELD_MARK = f"{SUPPRESSED} withheld"


def withheld_frame(displays: Sequence[KpiDisplay], y_of) -> pd.DataFrame:
    """The rows a trend marks '[c] withheld' in place of a rate (figures about one LA's people,
    not shown to the Board): the quarter keeps its place, with no number."""
    rows = [{"Label": y_of(d.result), "KPI": KPI_NAMES.get(d.result.kpi, d.result.kpi), "Rate": WITHHELD_MARK}
            for d in displays if d.suppressed]
    return pd.DataFrame(rows, columns=rate_chart_frame([], y_of).columns)


def status_frame(displays: Sequence[KpiDisplay], disclosure: Disclosure, label_of) -> pd.DataFrame:
    """Units per status for each KPI (all statuses, in the rules' order); [c] counts are left blank."""
    rows = []
    for d in displays:
        r = d.result
        total = sum(getattr(r, status) for status in STATUSES)
        texts = _status_texts(d, disclosure)
        for order, (status, shown) in enumerate(zip(STATUSES, texts)):
            count = getattr(r, status)
            rows.append({
                "Label": label_of(r),
                "KPI": KPI_NAMES.get(r.kpi, r.kpi),
                "Status": STATUS_NAMES[status],
                "Status code": status,
                "Order": order,
                "Participants": shown,
                "Count": None if shown == SUPPRESSED else count,
                "Share (%)": None if shown == SUPPRESSED or total == 0 else round(count / total * 100, 1),
                "In the rate": "Yes" if status in kpi_rules.ELIGIBLE_STATUSES else "No",
            })
    return pd.DataFrame(rows, columns=["Label", "KPI", "Status", "Status code", "Order", "Participants", "Count",
                                       "Share (%)", "In the rate"])


@dataclass(frozen=True)
class Section:
    """A chart's data, its readable table and one sentence about it."""

    chart_data: pd.DataFrame
    table: pd.DataFrame
    summary: str

    @property
    def empty(self) -> bool:
        return self.table.empty


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


def _kpi_order(result: KpiResult) -> tuple:
    """Contract, then KPI 1 before KPI 2."""
    return (result.contract.casefold(), KPI_NUMBER.get(result.kpi, 9))


def _contract_label(result: KpiResult) -> str:
    return result.contract


def kpi_page(
    contracts: Sequence[ContractTerms], units: Sequence[Unit], responses, regions: dict[str, str], as_of: date,
    financial_year: str | None, disclosure: Disclosure, detail_contract: str | None,
    data_to: Mapping[str, date] | None = None,
) -> KpiPage:
    """Everything the KPIs page draws, for the contracts in scope (``data_to``: each contract's
    data-to date, so windows closed after it await the return)."""
    disclosure = disclosure.with_plan(units, as_of).of_units(counted_units(units, as_of, financial_year))
    outcomes = kpi_outcomes(units, responses, as_of, financial_year, data_to)
    results = sorted(kpi_results(outcomes, contracts), key=_kpi_order)
    headline = _headline_displays(results, outcomes, disclosure)
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
    return KpiPage(headline, rates, statuses, detail, trend, slices, confidence, chase, withheld, late,
                   late_baseline_summary(results, disclosure))


def _headline_displays(results: Sequence[KpiResult], outcomes, disclosure: Disclosure) -> list[KpiDisplay]:
    """Each contract's KPIs over the participants in view (withheld where the Board's plan does not
    show that group of participants)."""
    members = disclosure_rules.group_members(outcomes) if disclosure.aggregate_only else {}
    return [display_kpi(r, disclosure, members.get((r.contract, None, r.kpi))) for r in results]


def default_detail_contract(results: Sequence[KpiResult]) -> str | None:
    """The contract with the most eligible participants (then the most participants, then by reference)."""
    totals: dict[str, tuple[int, int]] = {}
    for r in results:
        eligible, everyone = totals.get(r.contract, (0, 0))
        totals[r.contract] = (eligible + r.eligible, everyone + sum(getattr(r, s) for s in STATUSES))
    if not totals:
        return None
    return sorted(totals, key=lambda c: (-totals[c][0], -totals[c][1], c))[0]


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
            len(displays), f"None of the {len(displays)} KPI figures {ending} is charted")
        return f"{subject}: {_why_not_charted([d for d in displays if not d.chartable])}; see the table."
    text = (
        f"Of {len(displays)} {figures} {ending} on the chart: meeting the "
        f"target {met}, below it {below}, cannot yet tell {unsure}"
        + (f", no target ({NOT_SET}) {no_target}" if no_target else "")
    )
    if hidden:
        text += (f"; {hidden} {'is' if hidden == 1 else 'are'} not charted: "
                 f"{_why_not_charted([d for d in displays if not d.chartable])}; see the table")
    return text + "."


def _why_not_charted(hidden: Sequence[KpiDisplay]) -> str:
    """How many KPI figures are off the chart for each reason: withheld [c]; "no data" (rate
    "undefined when eligible = 0"); [u] ("a rate on fewer than 5 eligible units")."""
    reasons = [
        (sum(1 for d in hidden if d.suppressed), "is", "are", f"withheld {SUPPRESSED}"),
        (sum(1 for d in hidden if not d.suppressed and d.result.rate is None), "has", "have",
         "no data yet (no participant eligible)"),
        (sum(1 for d in hidden if not d.suppressed and d.result.rate is not None), "has", "have",
         f"fewer than {RELIABLE_FROM} eligible participants {LOW_RELIABILITY}, too few for a reliable rate"),
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
        return (f"Totals not shown {SUPPRESSED}: they are about the participants of one local authority, which "
                "Board views do not show.")
    totals = defaultdict(int)
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


def _trend(outcomes, contracts, disclosure, as_of: date) -> Section:
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
        summary = trend_summary(chart, len(set(r.group for r in results)), as_of)
    return Section(chart, table, summary)


def trend_summary(chart: pd.DataFrame, quarters: int, as_of: date) -> str:
    """The trend in words: the latest quarter with a reliable rate among the quarters that have
    ended by ``as_of`` (a quarter still under way is said to be so: its rate may change)."""
    shown = chart[chart["Rate"] != WITHHELD_MARK].sort_values("Label") if "Rate" in chart else chart.sort_values("Label")
    ended = shown[[quarter_end(*_quarter_parts(label)) <= as_of for label in shown["Label"]]]
    said = f"{counted(quarters, 'quarter')} of package ends; "
    if ended.empty:
        said += "no quarter with a reliable rate has ended yet."
    else:
        last = ended.iloc[-1]
        target = last["Target (%)"]
        said += (f"the latest quarter with a reliable rate that has ended, {last['Label']}, shows "
                 f"{_chart_percent(last)} % for {last['KPI']} "
                 + ("(no KPI target)." if target is None or pd.isna(target) else f"(target {target:g} %)."))
    under_way = shown["Label"].iloc[-1]
    if quarter_end(*_quarter_parts(under_way)) > as_of:
        said += f" {under_way} is still under way: its rate may change."
    return said


def _quarter_parts(label: str) -> tuple[str, int]:
    """"2023-24 Q3" -> ("2023-24", 3)."""
    year, quarter = label.rsplit(" Q", 1)
    return year, int(quarter)


def _breakdown_displays(results: Sequence[KpiResult], outcomes, key, disclosure: Disclosure) -> list[KpiDisplay]:
    """A breakdown's rows (by quarter, region, role, focus): a row whose participants all lie in
    one LA is about that LA, so the Board sees its counts as [c] (a contract with one LA
    in a region tells that LA's figures); and a row is shown only if the Board's plan shows its
    group, so that no row can be worked out by subtraction from figures shown in any view ("the
    withheld rows do not depend on the filters")."""
    if not disclosure.aggregate_only:
        return [display_kpi(r, disclosure) for r in results]
    las = kpi_rules.group_las(outcomes, key)
    members = disclosure_rules.group_members(outcomes, kpi_rules.GROUP_KEYS.get(key, key) if isinstance(key, str)
                                             else key)
    return [display_kpi(r, replace(disclosure, la_level=True) if len(las.get((r.contract, r.group, r.kpi), ())) == 1
                        else disclosure, members.get((r.contract, r.group, r.kpi))) for r in results]


def _slice(outcomes, contracts, disclosure, key, title, labels) -> Section:
    results = kpi_results(outcomes, contracts, key)
    displays = [replace(d, result=replace(d.result, group=(labels or {}).get(d.result.group, d.result.group)
                                          if d.result.group else NOT_RECORDED))
                for d in _breakdown_displays(results, outcomes, key, disclosure)]
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
        return (f"No {row_name} has a rate drawn: each has fewer than {RELIABLE_FROM} eligible participants or is "
                f"about one local authority, not shown {SUPPRESSED} (as is a row that would give one away).")
    return f"No {row_name} has {RELIABLE_FROM} or more eligible participants yet, so no rate is drawn."


def breakdown_summary(chart: pd.DataFrame, title: str, withheld: bool = False) -> str:
    """The highest and lowest charted rates of a breakdown, naming every row that shares them, and
    saying so when only one row has a reliable rate (the others are [u], or ``withheld`` [c])."""
    rates = {index: _chart_percent(row) for index, row in chart.iterrows()}

    def named(indexes: list) -> str:
        return " and ".join(f"{chart.at[index, 'Label']}, {chart.at[index, 'KPI']}" for index in indexes)

    if len(chart) == 1:
        only = chart.index[0]
        if withheld:
            return (f"By {title.lower()}: only {named([only])} has a rate shown: {rates[only]} % (the others have "
                    f"fewer than {RELIABLE_FROM} eligible participants or are about one local authority, not "
                    f"shown {SUPPRESSED}, as is a row that would give one away).")
        return (f"By {title.lower()}: only {named([only])} has {RELIABLE_FROM} or more eligible participants: "
                f"{rates[only]} %.")
    ordered = sorted(rates, key=lambda index: float(chart.at[index, "Met"]) / float(chart.at[index, "Eligible"]))
    lowest, highest = rates[ordered[0]], rates[ordered[-1]]
    return (f"By {title.lower()}: highest rate {highest} % ({named([i for i in ordered[::-1] if rates[i] == highest])}), "
            f"lowest {lowest} % ({named([i for i in ordered if rates[i] == lowest])}).")


def confidence_section(outcomes: Sequence[UnitOutcome], disclosure: Disclosure) -> Section:
    """Baseline and follow-up confidence scores (1-5) of the participants who have both. On Board
    views a KPI's scores are [c] unless the Board's plan shows its group of participants (the
    KPI's headline), and the sentence, which adds both KPIs up, is [c] when either is."""
    members = disclosure_rules.group_members(outcomes) if disclosure.aggregate_only else {}
    withheld_kpis = {kpi for (contract, _, kpi), group in members.items()
                     if kpi in KPI_NAMES and disclosure.withholds(contract, kpi, group)}
    outcomes = [
        o for o in outcomes
        if o.baseline is not None and o.follow_up is not None and o.unit.support_type in KPI_NAMES
    ]
    counts: dict[tuple[str, str, int], int] = defaultdict(int)
    for o in outcomes:
        counts[(o.unit.support_type, "Baseline", o.baseline.confidence)] += 1
        counts[(o.unit.support_type, "Follow-up", o.follow_up.confidence)] += 1
    rows = []
    for support_type in sorted({o.unit.support_type for o in outcomes}, key=lambda s: KPI_NUMBER[s]):
        for stage in ("Baseline", "Follow-up"):
            for score in range(1, 6):
                count = counts.get((support_type, stage, score), 0)
                shown = SUPPRESSED if support_type in withheld_kpis else disclosure.count(count)
                rows.append({
                    "KPI": KPI_NAMES[support_type], "Stage": stage, "Confidence score": score,
                    "Participants": shown, "Count": None if shown == SUPPRESSED else count,
                })
    frame = pd.DataFrame(rows, columns=["KPI", "Stage", "Confidence score", "Participants", "Count"])
    if not outcomes:
        return Section(frame, frame.drop(columns="Count"), "No participant has both a baseline and a counted follow-up yet.")
    higher = sum(1 for o in outcomes if o.follow_up.confidence > o.baseline.confidence)
    base = sum(o.baseline.confidence for o in outcomes) / len(outcomes)
    after = sum(o.follow_up.confidence for o in outcomes) / len(outcomes)
    summary = (
        f"Of {disclosure.count(len(outcomes))} participant{'' if disclosure.count(len(outcomes)) == '1' else 's'} "
        f"with both responses, {disclosure.count(higher)} rated "
        f"their confidence higher at follow-up; the average score went from {base:.1f} to {after:.1f} (of 5)."
    )
    if withheld_kpis or disclosure.suppressed(len(outcomes), higher):
        summary = (f"Confidence scores not shown {SUPPRESSED}: they are about the people of one local authority, "
                   "which Board views do not show, or beside other Board views they would give such figures away.")
    return Section(frame, frame.drop(columns="Count"), summary)


@dataclass(frozen=True)
class LateBaseline:
    """A unit whose baseline is dated after its package's start date (it still counts)."""

    unit: Unit
    baseline_date: date
    days_after_start: int


def late_baselines(outcomes: Iterable[UnitOutcome]) -> list[LateBaseline]:
    """"A baseline dated after the package's start date is a `late baseline` ... listed per
    contract": by contract, then the most days late first."""
    rows = [LateBaseline(o.unit, o.baseline.response_date, kpi_rules.baseline_days_late(o))
            for o in outcomes if o.late_baseline and o.baseline is not None]
    return sorted(rows, key=lambda r: (r.unit.contract.casefold(), -r.days_after_start, r.unit.package_id,
                                       r.unit.participant_id))


def late_baseline_summary(results: Sequence[KpiResult], disclosure: Disclosure) -> str:
    """The late baselines counted per contract and KPI (a count withheld [c] where it is about one LA)."""
    counted_late = [r for r in results if r.late_baseline]
    if not counted_late:
        return "No late baselines: every baseline is dated on or before its package's start date."
    parts = [f"{r.contract} {KPI_NAMES.get(r.kpi, r.kpi)}: {disclosure.of_result(r).count(r.late_baseline)}"
             for r in counted_late]
    return ("Late baselines (dated after the package started; the contract asks for them \"before any support "
            "commences\"), still counted in the KPIs: " + "; ".join(parts) + ".")


def late_baseline_table(rows: Sequence[LateBaseline], la_names: dict[str, str]) -> pd.DataFrame:
    """Who has a late baseline, in which package, and how many days after the start."""
    columns = ["Contract", "Package ID", "Participant ID", "Local authority", "Support type", "Package started",
               "Baseline dated", "Days after the start"]
    return pd.DataFrame([
        {"Contract": r.unit.contract, "Package ID": r.unit.package_id, "Participant ID": r.unit.participant_id,
         "Local authority": la_names.get(r.unit.la_code, r.unit.la_code),
         "Support type": SUPPORT_TYPE_NAMES.get(r.unit.support_type, r.unit.support_type),
         "Package started": r.unit.start_date, "Baseline dated": r.baseline_date,
         "Days after the start": r.days_after_start}
        for r in rows], columns=columns)


def chase_list(outcomes: Iterable[UnitOutcome], as_of: date, within_days: int = CHASE_WITHIN_DAYS) -> list[ChaseRow]:
    """Pending units whose follow-up window closes within ``within_days`` of as-of (soonest first)."""
    last = as_of + timedelta(days=within_days)
    rows = [
        ChaseRow(o.unit, o.window_end, (o.window_end - as_of).days)
        for o in outcomes
        if o.status == PENDING and o.window_end is not None and o.window_end <= last
    ]
    return sorted(rows, key=lambda r: (r.window_end, r.unit.contract, r.unit.package_id, r.unit.participant_id))


def chase_table(rows: Sequence[ChaseRow], la_names: dict[str, str],
                names: dict[tuple[str, str, str], str] | None = None) -> pd.DataFrame:
    """The chase list with readable columns; a name column only when names are given (allowed)."""
    table = []
    for row in rows:
        u = row.unit
        item = {
            "Contract": u.contract, "Package ID": u.package_id, "Participant ID": u.participant_id,
        }
        if names is not None:
            item["Participant name"] = names.get((u.contract, u.package_id, u.participant_id), "")
        item.update({
            "Local authority": la_names.get(u.la_code, u.la_code), "Role": u.role,
            "Support type": SUPPORT_TYPE_NAMES.get(u.support_type, u.support_type),
            "Package ended": u.end_date, "Follow-up window closes": row.window_end, "Days left": row.days_left,
        })
        table.append(item)
    columns = ["Contract", "Package ID", "Participant ID"] + (["Participant name"] if names is not None else []) + [
        "Local authority", "Role", "Support type", "Package ended", "Follow-up window closes", "Days left"]
    return pd.DataFrame(table, columns=columns)


# ------------------------------------------------------------------ coverage


def minimum_las(contract: ContractTerms | None) -> int | None:
    return contract.min_las_per_year if contract is not None else None


def coverage_year(units: Iterable[Unit], as_of: date, financial_year: str | None) -> str:
    """The FY the coverage views show: the one chosen, else the latest FY with coverage (else as-of's FY)."""
    if financial_year:
        return financial_year
    # the latest FY with coverage is the FY of the latest day any package was active, up to as-of
    last_days = [last_day for unit in units if unit.start_date <= as_of
                 and (last_day := as_of if unit.end_date is None else min(unit.end_date, as_of)) >= unit.start_date]
    return financial_year_of(max(last_days)) if last_days else financial_year_of(as_of)


AREA_ONLY = "Not judged: region or LA chosen"


def coverage_frame(contracts: Sequence[ContractTerms], units: Sequence[Unit], as_of: date,
                   las: Sequence[LocalAuthority] | LAIndex, financial_year: str | None = None,
                   area_only: bool = False, la_filter: str | None = None) -> pd.DataFrame:
    """LAs supported per contract, FY and support type against the contract's minimum.

    Zero rows are added for every FY a contract ran in (up to as-of) and every
    support type it delivers, so a year with no support shows as 0, not missing;
    with an LA chosen (``la_filter``), only for FYs the LA existed in ("LAs of the region
    that existed in that FY": Cumberland, from April 2023, had no 2021-22 to be supported in).
    ``area_only`` (a region or LA filter): the counts are the area's, and a minimum is the
    whole contract's, so none is judged.
    """
    index = las if isinstance(las, LAIndex) else LAIndex(las)
    counts = {(r.contract, r.financial_year, r.support_type): r.las_supported for r in coverage_by_year(units, as_of, index)}
    terms = {c.reference: c for c in contracts}
    types: dict[str, set[str]] = defaultdict(set)
    for u in units:
        if u.support_type in SUPPORT_TYPE_NAMES:
            types[u.contract].add(u.support_type)
    keys = set(counts)
    for reference, kinds in types.items():
        contract = terms.get(reference)
        if contract is None or contract.start_date > as_of:
            continue
        for year in financial_years_between(contract.start_date, min(contract.end_date, as_of)):
            if la_filter in index.records and not index.live_record(index.identity(la_filter, year), fy_end(year)):
                continue  # the LA chosen did not exist that year
            keys.update((reference, year, kind) for kind in kinds)
    rows = []
    for reference, year, kind in sorted(keys):
        if financial_year and year != financial_year:
            continue
        minimum = minimum_las(terms.get(reference))
        supported = counts.get((reference, year, kind), 0)
        rows.append({
            "Contract": reference, "Financial year": year, "Support type": SUPPORT_TYPE_NAMES.get(kind, kind),
            "LAs supported": supported, "Minimum": minimum,
            "Against minimum": NO_MINIMUM if minimum is None else AREA_ONLY if area_only else (
                "Meets" if supported >= minimum else SO_FAR if fy_end(year) > as_of else "Below"),
        })
    frame = pd.DataFrame(rows, columns=["Contract", "Financial year", "Support type", "LAs supported", "Minimum",
                                        "Against minimum"])
    frame["Minimum"] = frame["Minimum"].astype("Int64")
    return frame


def coverage_sentence(row: dict) -> str:
    minimum = row["Minimum"]
    count = row["LAs supported"]
    text = f"{row['Contract']} {row['Support type'].lower()}: {count} {'LA' if count == 1 else 'LAs'} supported in {row['Financial year']}"
    if minimum is None or pd.isna(minimum):
        return text + f" (minimum LAs per year {NOT_SET})"
    if row["Against minimum"] == AREA_ONLY:
        return text + f" in the region or LA chosen (its minimum of {int(minimum)} is for the whole contract)"
    if row["Against minimum"] == SO_FAR:
        return text + (f" so far, against a minimum of {int(minimum)} for the year, which ends on "
                       f"{fy_end(row['Financial year']):%d %B %Y}")
    verdict = "meets the minimum" if row["LAs supported"] >= minimum else "below the minimum"
    return text + f" against a minimum of {int(minimum)}: {verdict}"


def latest_year_sentences(frame: pd.DataFrame) -> str:
    """One contract's coverage in its latest year, one sentence per support type (the table beside
    it holds every year)."""
    latest = frame[frame["Financial year"] == frame["Financial year"].max()]
    return " ".join(coverage_sentence(row) + "." for row in latest.to_dict("records"))


def coverage_summary(frame: pd.DataFrame) -> str:
    """The coverage table in words, answer first: how many yearly minimums (one per contract, year
    and support type with a minimum in the register) are met, how many are behind in a year not
    yet over, and the furthest below. Rows with no minimum are counted apart, never as failures."""
    if frame.empty:
        return "No package has been active yet in the years and contracts chosen."
    if (frame["Against minimum"] == AREA_ONLY).any():
        return ("These are the LAs of the region or LA chosen. A contract's minimum is for the whole contract, "
                "so it is not judged here. Clear the filter to see it.")
    below = frame[frame["Against minimum"] == "Below"]
    meets = int((frame["Against minimum"] == "Meets").sum())
    running = int((frame["Against minimum"] == SO_FAR).sum())
    with_minimum = len(below) + meets + running
    without = len(frame) - with_minimum
    if not with_minimum:
        return "No minimum number of LAs is set in the contract register for these contracts and years."
    sentences = [f"{meets} of {counted(with_minimum, 'yearly minimum')} met."]
    if not below.empty:
        # the largest shortfall; of equal ones, the latest year
        shortfall = below["Minimum"].astype(float) - below["LAs supported"]
        worst = below.assign(_shortfall=shortfall).sort_values(
            ["_shortfall", "Financial year", "Contract", "Support type"], ascending=[False, False, True, True]).iloc[0]
        sentences.append(f"{len(below)} not met. Furthest below: {worst['Contract']} "
                         f"{worst['Support type'].lower()} support in {worst['Financial year']}, "
                         f"{worst['LAs supported']} of {int(worst['Minimum'])} LAs.")
    if running:
        sentences.append(f"{running} behind so far in a year not over yet.")
    if without:
        sentences.append(f"{counted(without, 'row')} with no minimum set in the contract register.")
    return " ".join(sentences)


def _pooled(units: Iterable[Unit]) -> list[Unit]:
    """Units as one contract and one support type: any support in scope. Coverage counts LAs,
    so one unit per LA and dates stands for all its participants (packages have several)."""
    one_per_package: dict[tuple, Unit] = {}
    for unit in units:
        one_per_package.setdefault((unit.la_code, unit.start_date, unit.end_date), unit)
    return [replace(u, contract="all", support_type="any") for u in one_per_package.values()]


def region_frame(units: Sequence[Unit], as_of: date, las: Sequence[LocalAuthority], regions: dict[str, str],
                 financial_year: str, region_filter: str | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Per region: LAs with any support in scope in the FY / LAs of the region that year.

    Also returns supported codes not in that year's list (e.g. Cumbria after its split).
    """
    rows = [r for r in coverage_by_region(_pooled(units), as_of, las) if r.financial_year == financial_year]
    if not rows:  # no support that year: every region at 0
        live = [la for la in las if la.valid_from <= fy_end(financial_year) and (la.valid_to is None or la.valid_to >= fy_end(financial_year))]
        totals: dict[str, int] = defaultdict(int)
        for la in live:
            totals[la.region_code] += 1
        table = [{"Region": regions.get(code, code), "Region code": code, "LAs supported": 0, "LAs in region": n,
                  "Share (%)": 0.0} for code, n in sorted(totals.items())]
        outside: tuple[str, ...] = ()
    else:
        table = [{"Region": regions.get(r.region_code, r.region_code), "Region code": r.region_code,
                  "LAs supported": r.supported, "LAs in region": r.total,
                  "Share (%)": round(r.share * 100, 1) if r.share is not None else None} for r in rows if r.total]
        outside = tuple(code for r in rows for code in r.not_in_year_list)
    frame = pd.DataFrame(table, columns=["Region", "Region code", "LAs supported", "LAs in region", "Share (%)"])
    if region_filter:
        frame = frame[frame["Region code"] == region_filter]
    return frame.reset_index(drop=True), outside


def region_summary(frame: pd.DataFrame, financial_year: str) -> str:
    if frame.empty:
        return "No regions to show."
    supported, total = int(frame["LAs supported"].sum()), int(frame["LAs in region"].sum())
    text = f"In {financial_year}, {supported} of {total} LAs received support"
    if not supported or len(frame) == 1:  # no highest share among shares all 0, or of one region alone
        return text + "."
    top = frame.sort_values(["Share (%)", "Region"], ascending=[False, True]).iloc[0]
    return text + f"; the highest share is in {top['Region']} ({top['LAs supported']} of {top['LAs in region']})."


def support_category(types: set[str]) -> str:
    if ONE_TO_ONE in types and GROUP in types:
        return SUPPORT_BOTH
    if ONE_TO_ONE in types:
        return SUPPORT_ONE
    if GROUP in types:
        return SUPPORT_GROUP
    return SUPPORT_NONE


def hex_frame(units: Sequence[Unit], as_of: date, las: Sequence[LocalAuthority], statuses, regions: dict[str, str],
              positions: dict[str, tuple[int, int]], financial_year: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per hex (2023 LAs): position, support received in the FY and the Ofsted judgement then.

    Support is matched by LA identity, carried to the 2023 geography (e.g. North
    Yorkshire's old code). Returns also the supported LAs that are not on the map.
    """
    index = LAIndex(las)
    types: dict[str, set[str]] = defaultdict(set)
    off_map: set[str] = set()
    for u in supported_units(units, as_of, financial_year):
        code = index.identity(index.identity(u.la_code, financial_year), HEX_MAP_YEAR)
        if code in positions:
            types[code].add(u.support_type)
        else:
            off_map.add(u.la_code)
    grouped = statuses_by_la(statuses, index)
    on_date = min(as_of, fy_end(financial_year))
    names: dict[str, LocalAuthority] = {}
    for la in sorted(las, key=lambda la: la.valid_from):
        names[la.code] = la
    rows = []
    for code, (q, r) in sorted(positions.items()):
        la = names.get(code)
        status = status_on(index.area(code), grouped, on_date)
        category = support_category(types.get(code, set()))
        rows.append({
            "LA code": code, "Local authority": la.name if la else code,
            "Region": regions.get(la.region_code, la.region_code) if la else "",
            "q": q, "r": r, "x": q + (0.5 if r % 2 else 0.0), "y": r * 0.8660254,
            "Support": category, "Mark": SUPPORT_MARKS[category],
            "Ofsted judgement": (status.ilacs_judgement if status and status.ilacs_judgement else "Not known"),
            "SEND WSoA": "Yes" if status and status.send_wsoa else ("No" if status and status.send_wsoa is False else "Not known"),
        })
    frame = pd.DataFrame(rows, columns=["LA code", "Local authority", "Region", "q", "r", "x", "y", "Support", "Mark",
                                        "Ofsted judgement", "SEND WSoA"])
    off = sorted(f"{names[c].name if c in names else c} ({c})" for c in off_map)
    return frame, off


def hex_summary(frame: pd.DataFrame, financial_year: str, off_map: Sequence[str]) -> str:
    if frame.empty:
        return "The hex map layout is not loaded."
    counts = frame["Support"].value_counts()
    supported = len(frame) - int(counts.get(SUPPORT_NONE, 0))
    text = (f"In {financial_year}, {supported} of the {len(frame)} LAs on the map (2023 boundaries, not that "
            f"year's LAs as the regions count them) received support: "
            f"{int(counts.get(SUPPORT_BOTH, 0))} both types, {int(counts.get(SUPPORT_ONE, 0))} one-to-one only and "
            f"{int(counts.get(SUPPORT_GROUP, 0))} group only.")
    if off_map:
        text += f" Not on the 2023 map: {', '.join(off_map)}."
    return text


def targeting_frames(contracts: Sequence[ContractTerms], units: Sequence[Unit], statuses, as_of: date,
                     financial_year: str, la_names: dict[str, str], regions: dict[str, str],
                     la_regions: dict[str, str], index: LAIndex) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Targeting SLA per contract for the FY, the priority LAs with their reasons, and a sentence."""
    rows, reasons_rows = [], []
    by_contract: dict[str, list[Unit]] = defaultdict(list)
    for u in supported_units(units, as_of, financial_year):
        by_contract[u.contract].append(u)
    for reference in sorted(by_contract):
        result = targeting_share(by_contract[reference], statuses, as_of, index, financial_year)
        rows.append({
            "Contract": reference, "Financial year": financial_year, "LAs supported": result.supported_las,
            "In greatest need at start": result.priority_las,
            "Not in greatest need": result.supported_las - result.priority_las - len(result.no_status),
            "No status known at start": len(result.no_status),
            "Share (%)": round(result.share * 100, 1) if result.share is not None else None,
        })
        for code, reasons in result.reasons.items():
            reasons_rows.append({
                "Contract": reference, "Local authority": la_names.get(code, code),
                "Region": regions.get(la_regions.get(code, ""), ""), "Why in greatest need": "; ".join(reasons),
            })
    table = pd.DataFrame(rows, columns=["Contract", "Financial year", "LAs supported", "In greatest need at start",
                                        "Not in greatest need", "No status known at start", "Share (%)"])
    reasons = pd.DataFrame(reasons_rows, columns=["Contract", "Local authority", "Region", "Why in greatest need"])
    if table.empty:
        return table, reasons, f"No LA was supported in {financial_year} for the contracts chosen."
    return table, reasons, (
        f"Supported LAs in {financial_year} that were in greatest need when support started "
        f"(Inadequate or Requires improvement, a SEND Written Statement of Action, or declining): "
        + "; ".join(_targeting_part(row) for row in table.to_dict("records")) + "."
    )


def _targeting_part(row: dict) -> str:
    """One contract's targeting share, saying how many LAs had no status known when support started:
    the share counts them as not in greatest need, which the data cannot tell ("it never guesses
    silently")."""
    text = (f"{row['Contract']}: {row['In greatest need at start']} of {row['LAs supported']} "
            f"({percent(row['In greatest need at start'] / row['LAs supported'])} %)")  # halves up, as every rate
    unknown = row["No status known at start"]
    if unknown == row["LAs supported"]:
        return text + f", but no status was known for {'that LA' if unknown == 1 else f'any of the {unknown} LAs'} when support started"
    if unknown:
        return text + f", {unknown} of them with no status known when support started"
    return text


def unsupported_priority_frame(units: Sequence[Unit], statuses, las: Sequence[LocalAuthority], as_of: date,
                               financial_year: str, regions: dict[str, str], region_filter: str | None = None,
                               la_filter: str | None = None) -> pd.DataFrame:
    """LAs judged Inadequate or with a SEND WSoA that received no support (in scope) in the FY."""
    found = unsupported_priority_las(units, statuses, las, as_of, financial_year)
    rows = [
        {"Local authority": p.name, "LA code": p.la_code, "Region": regions.get(p.region_code, p.region_code),
         "Why a priority": "; ".join(p.reasons)}
        for p in found
        if (not region_filter or p.region_code == region_filter) and (not la_filter or p.la_code == la_filter)
    ]
    return pd.DataFrame(rows, columns=["Local authority", "LA code", "Region", "Why a priority"])


def unsupported_summary(unsupported: pd.DataFrame, priority_las: int, financial_year: str, as_of: date,
                        area_only: bool = False) -> str:
    """The priority LAs (judged Inadequate or with a SEND WSoA, as known on as-of) with no support in
    the FY, out of ``priority_las`` in scope (``area_only``: a region or LA chosen); with none in
    scope it says so, never that every one received support."""
    if not unsupported.empty:
        count = len(unsupported)
        return f"{counted(count, 'priority LA')} received no support in {financial_year}."
    if not priority_las:
        return (f"No LA{' in the region or LA chosen' if area_only else ''} was judged Inadequate or had a SEND "
                f"Written Statement of Action as known on {as_of:%d %B %Y}, so there is no priority LA to check in "
                f"{financial_year}.")
    return (f"{'The' if priority_las == 1 else 'All'} {counted(priority_las, 'LA')} judged "
            f"Inadequate or with a SEND Written Statement of Action received support in {financial_year}.")


@dataclass(frozen=True)
class CoveragePage:
    financial_year: str
    by_year: Section
    regions: Section
    off_year_list: tuple[str, ...]
    hexes: Section
    targeting: Section
    targeting_reasons: pd.DataFrame
    unsupported: pd.DataFrame
    unsupported_summary: str
    short_packages: Section


def coverage_page(
    contracts: Sequence[ContractTerms], units: Sequence[Unit], las: Sequence[LocalAuthority], statuses,
    regions: dict[str, str], positions: dict[str, tuple[int, int]], as_of: date, financial_year: str | None,
    region_filter: str | None = None, la_filter: str | None = None, aggregate: bool = False,
    plan: disclosure_rules.BoardPlan | None = None,
) -> CoveragePage:
    """Everything the Coverage page draws (``plan``: the Board's, for the short-package counts)."""
    index = LAIndex(las)
    year = coverage_year(units, as_of, financial_year)
    by_year = coverage_frame(contracts, units, as_of, index, financial_year, bool(region_filter or la_filter), la_filter)
    region_table, outside = region_frame(units, as_of, las, regions, year, region_filter)
    hexes, off_map = hex_frame(units, as_of, las, statuses, regions, positions, year)
    la_names = filter_options([], las, {}).las
    la_regions = {la.code: la.region_code for la in las}
    targeting, reasons, targeting_text = targeting_frames(contracts, units, statuses, as_of, year, la_names, regions, la_regions,
                                                          index)
    unsupported = unsupported_priority_frame(units, statuses, las, as_of, year, regions, region_filter, la_filter)
    # with no support counted, every priority LA in scope is listed: how many there are
    priority_las = len(unsupported_priority_frame((), statuses, las, as_of, year, regions, region_filter, la_filter))
    return CoveragePage(
        financial_year=year,
        by_year=Section(by_year, by_year, coverage_summary(by_year)),
        regions=Section(region_table, region_table.drop(columns="Region code"), region_summary(region_table, year)),
        off_year_list=outside,
        hexes=Section(hexes, hexes.drop(columns=["q", "r", "x", "y", "Mark"]), hex_summary(hexes, year, off_map)),
        targeting=Section(targeting, targeting, targeting_text),
        targeting_reasons=reasons,
        unsupported=unsupported,
        unsupported_summary=unsupported_summary(unsupported, priority_las, year, as_of, bool(region_filter or la_filter)),
        short_packages=short_packages_section(units, contracts, la_names, as_of, aggregate, plan),
    )


def _plan_withholds_packages(units: Sequence[Unit], contract: str, as_of: date,
                             plan: disclosure_rules.BoardPlan | None) -> bool:
    """The Board's plan withholds the group of a contract's one-to-one participants in view; none in
    view: nothing to withhold."""
    members = frozenset(kpi_rules.unit_key(u) for u in units if u.contract == contract
                        and u.support_type == ONE_TO_ONE and kpi_rules.is_unit_as_of(u, as_of))
    return bool(members) and (plan is None or not plan.shows(contract, ONE_TO_ONE, members))


def short_packages_section(units: Sequence[Unit], contracts: Sequence[ContractTerms],
                           la_names: dict[str, str], as_of: date, aggregate: bool = False,
                           plan: disclosure_rules.BoardPlan | None = None) -> Section:
    """rules.md, SLA checks: one-to-one packages below the contract's minimum package days are
    flagged, not rejected. Packages that have ended by as-of (``timelines.package_days_flags``);
    ``aggregate`` (the Board): counted per contract, not listed by package and LA, and only where
    the Board's plan shows the contract's one-to-one participants in view (the counts are sums over
    them, as its KPI 1 is; docs: "Figures the Board does not see")."""
    flags = timelines_rules.package_days_flags(units, contracts, as_of)
    table = pd.DataFrame([
        {"Contract": f.contract, "Package ID": f.package_id, "Local authority": la_names.get(f.la_code, f.la_code),
         "Days delivered": f.days, "Minimum package days": f.min_days,
         "Flag": "Below the minimum" if f.status == timelines_rules.BELOW_MINIMUM else "Days not recorded"}
        for f in flags
    ], columns=["Contract", "Package ID", "Local authority", "Days delivered", "Minimum package days", "Flag"])
    checked = sorted(c.reference for c in contracts if c.min_package_days is not None)
    unset = sorted(c.reference for c in contracts if c.min_package_days is None
                   and any(u.contract == c.reference and u.support_type == ONE_TO_ONE for u in units))
    not_set = (f" Minimum package days {NOT_SET} for {listed(unset)}: "
               f"{'its' if len(unset) == 1 else 'their'} packages are not checked." if unset else "")
    one_la = disclosure_rules.one_la_contracts(units) if aggregate else frozenset()
    if aggregate and (plan is None or plan.as_of != as_of):  # none given: worked out from the units here
        plan = disclosure_rules.board_plan(units, as_of)
    withheld = [reference for reference in checked if reference in one_la]
    unplanned = [reference for reference in checked if reference not in one_la
                 and _plan_withholds_packages(units, reference, as_of, plan)] if aggregate else []
    checked = [reference for reference in checked if reference not in one_la and reference not in unplanned]
    note = (f" {', '.join(withheld)}: not shown, its packages here are all in one local authority."
            if withheld else "")
    if unplanned:
        note += (f" {', '.join(unplanned)}: not shown {SUPPRESSED}, as the KPI figures of these participants are "
                 "not (with other Board views they would give one local authority's away).")
    note += not_set
    if not checked:
        empty = table.iloc[0:0]
        return Section(empty, empty, (f"No contract in scope sets a minimum package length (minimum package days "
                                      f"{NOT_SET})." if not note else note.strip()))
    if aggregate:  # the Board: how many per contract, not which package in which LA
        table = table[table["Contract"].isin(checked)]
        table = (table.groupby(["Contract", "Flag"]).size().reset_index(name="Packages")
                 if not table.empty else pd.DataFrame(columns=["Contract", "Flag", "Packages"]))
    counted = table["Packages"] if aggregate else pd.Series(1, index=table.index)
    below = int(counted[table["Flag"] == "Below the minimum"].sum())
    unknown = int(counted.sum()) - below
    return Section(table, table, (
        f"Of the ended one-to-one packages of {', '.join(checked)}, {below} {'is' if below == 1 else 'are'} below the "
        f"contract's minimum package days and {unknown} {'has' if unknown == 1 else 'have'} no days recorded.{note}"))


# ------------------------------------------------------------------ overview


def spend_frame(rows: Sequence[FinanceRow], as_of: date, financial_year: str | None) -> tuple[pd.DataFrame, str | None]:
    """Per contract for one FY: its headings, how many are overspent, and its totals.

    The FY is the one chosen, else as-of's FY when it has an allocation or spend,
    else the latest such FY before it, else (every allocation is for a later FY) the
    first FY, as the Finance page's burn-up opens. rules.md: "every comparison is per heading
    per FY, never pooled", so no pooled remaining or share spent is given: the
    totals are for reconciliation, and the headings overspent are counted.
    """
    year = financial_year
    if not year:
        years = sorted({r.financial_year for r in rows})
        started = [y for y in years if y <= financial_year_of(as_of)]
        year = started[-1] if started else years[0] if years else None
    totals: dict[str, dict] = {}
    for row in rows:
        if row.financial_year != year:
            continue
        item = totals.setdefault(row.contract, {"allocated": Decimal(0), "spent": Decimal(0), "headings": 0,
                                                "overspent": 0})
        item["allocated"] += row.allocated
        item["spent"] += row.spent
        item["headings"] += 1
        item["overspent"] += int(row.overspent)
    table = [
        {"Contract": c, "Financial year": year, "Headings": t["headings"], "Headings overspent": t["overspent"],
         "Allocated in all (£)": float(t["allocated"]), "Spent in all (£)": float(t["spent"])}
        for c, t in sorted(totals.items())
    ]
    return pd.DataFrame(table, columns=["Contract", "Financial year", "Headings", "Headings overspent",
                                        "Allocated in all (£)", "Spent in all (£)"]), year


IMPORT_OUTCOMES = {"imported": "Imported", "rejected": "Rejected", "undone": "Undone"}


def latest_imports(imports: Sequence[dict], details: bool, limit: int = 10) -> pd.DataFrame:
    """The newest imports in words; the file and who made it only with ``details`` (administrators and
    contract managers, whose list holds only their contracts' imports: ``access.may_see_import``)."""
    rows = [
        {"When (UTC)": row["imported_at"], **({"File": row["file_name"]} if details else {}), "Kind": row["kind"],
         "Contract": row["contract"] or "", **({"Who": row["imported_by"]} if details else {}),
         "Outcome": IMPORT_OUTCOMES.get(row["outcome"], row["outcome"]), "New": row["inserted"],
         "Updated": row["updated"], "Flags": row["flags"]}
        for row in list(imports)[:limit]
    ]
    columns = ["When (UTC)", *(["File"] if details else []), "Kind", "Contract", *(["Who"] if details else []),
               "Outcome", "New", "Updated", "Flags"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class OverviewPage:
    kpis: list[KpiDisplay]
    kpi_table: pd.DataFrame
    coverage_year: str
    coverage: pd.DataFrame
    coverage_sentences: list[str]
    spend: pd.DataFrame
    spend_year: str | None
    spend_summary: str
    deadlines: pd.DataFrame
    overdue: str | None = None  # the milestones overdue, in words (None: none)
    grid: list[status_grid.GridRow] = field(default_factory=list)  # where each contract stands, at a glance


def overdue_sentence(milestones: Sequence, as_of: date) -> str | None:
    """The milestones overdue on as-of (not completed and due before it), as the Timelines page
    lists them, or None."""
    table = timeline_views.milestone_table(milestones, as_of)
    overdue = table[table["Status"] == "Overdue"]
    if overdue.empty:
        return None
    items = "; ".join(f"{row.Contract} {row.Milestone} (due {row.Due:%d/%m/%Y})" for row in overdue.itertuples())
    return f"{counted(len(overdue), 'milestone')} overdue: {items}."


def overview_page(
    contracts: Sequence[ContractTerms], units: Sequence[Unit], responses, allocations, invoice_lines, milestones,
    las: Sequence[LocalAuthority], as_of: date, financial_year: str | None, disclosure: Disclosure,
    statuses: Sequence[LAStatus] = (), area_only: bool = False, returns: Sequence[ReturnImport] = (),
    data_to: Mapping[str, date] | None = None,
) -> OverviewPage:
    disclosure = disclosure.with_plan(units, as_of).of_units(counted_units(units, as_of, financial_year))
    currency = currencies(contracts, returns, as_of, milestones, invoice_lines)
    if data_to is None:
        data_to = data_to_of_contracts(currency)
    outcomes = kpi_outcomes(units, responses, as_of, financial_year, data_to)
    results = sorted(kpi_results(outcomes, contracts), key=_kpi_order)
    displays = _headline_displays(results, outcomes, disclosure)
    titles = {c.reference: c.title for c in contracts}
    year = coverage_year(units, as_of, financial_year)
    coverage = coverage_frame(contracts, units, as_of, LAIndex(las), year, area_only)
    finance_rows = spend_against_allocations(allocations, invoice_lines, as_of)
    spend, spend_year = spend_frame(finance_rows, as_of, financial_year)
    if spend.empty:
        spend_text = ("No allocations or spend recorded yet for the contracts chosen." if not finance_rows else
                      f"No allocation or spend recorded in {spend_year} for the contracts chosen.")
    elif not financial_year and spend_year > financial_year_of(as_of) and not spend["Spent in all (£)"].any():
        headings = int(spend["Headings"].sum())
        spend_text = (f"Nothing is spent as of {as_of:%d %B %Y}: the first allocations are for {spend_year}, which "
                      f"has not started ({counted(headings, 'expenditure heading')} across "
                      f"{counted(len(spend), 'contract')}).")
    else:
        over, headings = int(spend["Headings overspent"].sum()), int(spend["Headings"].sum())
        spend_text = (f"In {spend_year}, {over} of {counted(headings, 'expenditure heading')} across "
                      f"{counted(len(spend), 'contract')} "
                      f"{'is' if over == 1 else 'are'} overspent.")
        earlier = [f"{row.contract} {row.heading} {row.financial_year} (over by £{-row.remaining:,.2f})"
                   for row in finance_rows if row.overspent and spend_year and row.financial_year < spend_year]
        if earlier and not financial_year:  # flags are shown, never dropped: an earlier year's overspend stays
            spend_text += f" Still overspent from earlier years: {'; '.join(earlier)}."
    deadlines = timeline_views.deadline_table(contracts, milestones, statuses, {la.code: la.name for la in las}, as_of,
                                              invoice_lines=invoice_lines, returns=returns)
    grid = status_grid.status_grid(contracts, displays, coverage, finance_rows, spend_year,
                                   timeline_views.milestone_table(milestones, as_of), deadlines, as_of, currency)
    return OverviewPage(
        kpis=displays,
        kpi_table=kpi_table(displays, titles=titles),
        coverage_year=year,
        coverage=coverage,
        coverage_sentences=[coverage_sentence(row) for row in coverage.to_dict("records")],
        spend=spend,
        spend_year=spend_year,
        spend_summary=spend_text,
        # the Timelines page's deadlines, so both pages count the same ones
        deadlines=deadlines,
        overdue=overdue_sentence(milestones, as_of),
        grid=grid,
    )
