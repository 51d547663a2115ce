"""What several pages share: who is looking (``Disclosure``), a chart's data with its table and
sentence (``Section``), the KPI figures as a reader sees them (``KpiDisplay``), the shared filters'
choices and the narrowing of a scope's records.

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
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd

from dashboard import disclosure as disclosure_rules
from dashboard import kpi as kpi_rules
from dashboard.calendar import financial_year_of, financial_years_between
from dashboard.charts import STATUS_LABELS
from dashboard.coverage import LAIndex
from dashboard.disclosure import LOW_RELIABILITY, SUPPRESSED, BoardPlan, count_text
from dashboard.kpi import (
    STATUSES,
    KpiResult,
    UnitOutcome,
    kpis_from_outcomes,
    percent,
    plain_english_status,
    targets_from_contracts,
    unit_outcomes,
)
from dashboard.records import ContractTerms, LocalAuthority, Portfolio, SurveyResponse, Unit
from dashboard.registry import entry, verdict_id
from dashboard.terms import NOT_SET
from dashboard.vocabulary import KPI_NAMES, KPI_NUMBER, KPI_PEOPLE

STATUS_NAMES = STATUS_LABELS  # one wording per status, shared with the charts
NOT_RECORDED = "Not recorded"
FrameRow = Mapping[Hashable, Any]  # one row of ``DataFrame.to_dict("records")``, as pandas types it


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

    def withholds(self, contract: str, kpi: str, members: disclosure_rules.Group | None) -> bool:
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
        return replace(
            self,
            la_level=self.la_level or len({unit.la_code for unit in units}) == 1,
            one_la_contracts=disclosure_rules.one_la_contracts(units),
            one_la_kpis=disclosure_rules.one_la_kpis(units),
        )

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


@dataclass(frozen=True)
class FilteredInputs:
    """What a page with the shared filters works its figures out for: the filters chosen and who
    is looking (the inputs of the Overview's ``build``; other pages add their own choices)."""

    as_of: date
    financial_year: str | None = None
    region: str | None = None
    la: str | None = None
    board: bool = False  # aggregate figures only (``access.aggregate_only``)
    # the Board's plan over all it may see (``disclosure.board_plan``): follows from the data and as-of
    plan: BoardPlan | None = field(default=None, compare=False)


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


def narrowed(
    data: Portfolio,
    contracts: Sequence[str] | None = None,
    la_codes: Sequence[str] | None = None,
    region_codes: Sequence[str] | None = None,
) -> Portfolio:
    """The records a narrower scope selects, taken from the records of a wider one already loaded.

    The result selects what ``queries.load`` would for the narrower scope: contracts case-blind
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
        u
        for u in data.units
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


def by_contract(data: Portfolio) -> dict[str, Portfolio]:
    """Each contract's records, as ``narrowed(data, (reference,))`` selects them, split in one pass.

    Keyed by the reference in lower case (references match case-blind)."""
    fields = ("units", "responses", "allocations", "invoice_lines", "milestones", "returns")
    parts: dict[str, Portfolio] = {}

    def part(reference: str) -> Portfolio:
        key = reference.lower()
        if key not in parts:
            parts[key] = replace(
                data, contracts=[], units=[], responses=[], allocations=[], invoice_lines=[], milestones=[], returns=[]
            )
        return parts[key]

    for contract in data.contracts:
        part(contract.reference).contracts.append(contract)
    for name in fields:
        groups: dict[str, list[object]] = defaultdict(list)
        for item in getattr(data, name):
            groups[item.contract].append(item)
        for reference, items in groups.items():
            getattr(part(reference), name).extend(items)
    return parts


def filter_options(
    contracts: Sequence[ContractTerms], las: Sequence[LocalAuthority], regions: dict[str, str]
) -> FilterOptions:
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


def display_kpi(
    result: KpiResult, disclosure: Disclosure = Disclosure(), members: disclosure_rules.Group | None = None
) -> KpiDisplay:
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
        awaiting = (
            f", {disclosure.count(result.awaiting_return)} awaiting the quarterly return"
            if result.awaiting_return
            else ""
        )
        sentence = (  # as kpi.plain_english_status says it, with the counts the viewer may see
            f"KPI {number} has no data yet: no {people} have a closed follow-up window "
            f"({pending} waiting for their follow-up{awaiting}, {in_progress} still in support)"
        )
        if result.awaiting_return:
            sentence = (
                f"KPI {number} has no data yet: no {people} are counted in the rate ({pending} waiting for "
                f"their follow-up{awaiting}, {in_progress} still in support)"
            )
        return KpiDisplay(
            result, disclosure.count(result.met), "0", "no data", "no data", "No data", sentence, False, False
        )
    assert result.ci_low is not None and result.ci_high is not None
    # rules.md: the rate, its interval and the verdict are always said; fewer than 5 eligible
    # marks them [u] (low reliability) and keeps them off the charts, it does not hide them
    marker = f" {LOW_RELIABILITY}" if result.low_reliability else ""
    return KpiDisplay(
        result,
        str(result.met),
        str(result.eligible),
        f"{percent(result.rate)} %{marker}",
        f"{kpi_rules.interval_text(result.ci_low, result.ci_high, result.target)} %{marker}",
        verdict_name + marker,
        plain_english_status(result),
        False,
        not result.low_reliability,
    )


def _withheld(result: KpiResult) -> KpiDisplay:
    """A KPI whose figures are not shown [c]."""
    people = KPI_PEOPLE.get(result.kpi, "participants")
    sentence = (
        f"KPI {KPI_NUMBER.get(result.kpi, result.kpi)}: figures not shown {SUPPRESSED}. They are about the "
        f"{people} of 1 local authority, or would reveal such figures beside other Board views."
    )
    return KpiDisplay(
        result, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, sentence, True, not result.low_reliability
    )


def kpi_outcomes(
    units: Iterable[Unit],
    responses: Iterable[SurveyResponse],
    as_of: date,
    financial_year: str | None = None,
    data_to: Mapping[str, date] | None = None,
) -> list[UnitOutcome]:
    """Every unit's status, over the packages ending in the FY chosen (worked out once per page);
    ``data_to``: each contract's data-to date (``currency.data_to_dates``), None: unknown for all."""
    return unit_outcomes(kpi_units(units, financial_year), responses, as_of, data_to)


def kpi_results(
    outcomes: Sequence[UnitOutcome],
    contracts: Sequence[ContractTerms],
    group_key: str | Callable[[Unit], str | None] | None = None,
) -> list[KpiResult]:
    """KPI 1 and 2 per contract (optionally per slice) from the units' statuses."""
    return kpis_from_outcomes(outcomes, targets_from_contracts(contracts), group_key)


def kpi_table(
    displays: Sequence[KpiDisplay], group_title: str | None = None, titles: dict[str, str] | None = None
) -> pd.DataFrame:
    """The KPI figures with readable column names (one row per contract, KPI and slice)."""
    rows = []
    for d in displays:
        r = d.result
        row = {"Contract": r.contract}
        if titles is not None:
            row["Title"] = titles.get(r.contract, "")
        if group_title:
            row[group_title] = r.group if r.group is not None else NOT_RECORDED
        row.update(
            {
                "KPI": KPI_NAMES.get(r.kpi, r.kpi),
                "Met": d.met,
                "Eligible": d.eligible,
                "Rate": d.rate,
                "95 % interval": d.interval,
                "Target": NOT_SET if r.target is None else kpi_rules.target_text(r.target),
                "Against target": d.verdict,
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def rate_chart_frame(displays: Sequence[KpiDisplay], y_of: Callable[[KpiResult], str | None]) -> pd.DataFrame:
    """Chart data for rates with intervals: only rates that are shown (not [u], [c] or no data).
    "Rate" and "95 % interval" are the table's texts, for the chart's labels and tooltips: the
    one-decimal "Rate (%)" places the point, and written as a whole number it could differ from
    the table (15 of 33 is 45.5 there, but 45 %)."""
    rows = []
    for d in displays:
        if not d.chartable:
            continue
        r = d.result
        assert r.rate is not None and r.ci_low is not None and r.ci_high is not None  # chartable: a rate is shown
        rows.append(
            {
                "Label": y_of(r),
                "KPI": KPI_NAMES.get(r.kpi, r.kpi),
                "Rate": d.rate,
                "95 % interval": d.interval,
                "Rate (%)": round(r.rate * 100, 1),
                "Low (%)": round(r.ci_low * 100, 1),
                "High (%)": round(r.ci_high * 100, 1),
                "Target (%)": None if r.target is None else round(r.target * 100, 1),
                "Met": r.met,
                "Eligible": r.eligible,
                "Against target": d.verdict,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Label",
            "KPI",
            "Rate",
            "95 % interval",
            "Rate (%)",
            "Low (%)",
            "High (%)",
            "Target (%)",
            "Met",
            "Eligible",
            "Against target",
        ],
    )


@dataclass(frozen=True)
class Section:
    """A chart's data, its readable table and one sentence about it."""

    chart_data: pd.DataFrame
    table: pd.DataFrame
    summary: str

    @property
    def empty(self) -> bool:
        return self.table.empty


def kpi_order(result: KpiResult) -> tuple[str, int]:
    """Contract, then KPI 1 before KPI 2."""
    return (result.contract.casefold(), KPI_NUMBER.get(result.kpi, 9))


def headline_displays(
    results: Sequence[KpiResult], outcomes: Iterable[UnitOutcome], disclosure: Disclosure
) -> list[KpiDisplay]:
    """Each contract's KPIs over the participants in view (withheld where the Board's plan does not
    show that group of participants)."""
    members = disclosure_rules.group_members(outcomes) if disclosure.aggregate_only else {}
    return [display_kpi(r, disclosure, members.get((r.contract, None, r.kpi))) for r in results]
