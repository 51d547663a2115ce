"""What the Coverage page shows: LAs supported per year and support type against the minimum, per
region, on a hex map of England; targeting of LAs in greatest need; priority LAs with no support;
packages shorter than the contract's minimum.

Pure: records in, DataFrames and text out (no Streamlit, no SQL).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd
from pandas.api.typing import NAType

from dashboard import disclosure as disclosure_rules
from dashboard import kpi as kpi_rules
from dashboard import timelines as timelines_rules
from dashboard.calendar import financial_year_of, financial_years_between, fy_end
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
from dashboard.disclosure import SUPPRESSED
from dashboard.kpi import percent
from dashboard.records import GROUP, ONE_TO_ONE, ContractTerms, LAStatus, LocalAuthority, Portfolio, Unit
from dashboard.terms import NOT_SET
from dashboard.views.common import FilteredInputs, FrameRow, Section, filter_options
from dashboard.vocabulary import SUPPORT_TYPE_NAMES
from dashboard.wording import counted, listed, long_date

NO_MINIMUM = f"No minimum ({NOT_SET})"
HEX_MAP_YEAR = "2023-24"  # the hex map's LA geography (2023)

SUPPORT_BOTH = "One-to-one and group"
SUPPORT_ONE = "One-to-one only"
SUPPORT_GROUP = "Group only"
SUPPORT_NONE = "No support"
SUPPORT_MARKS = {SUPPORT_BOTH: "1+G", SUPPORT_ONE: "1", SUPPORT_GROUP: "G", SUPPORT_NONE: ""}


def minimum_las(contract: ContractTerms | None) -> int | None:
    return contract.min_las_per_year if contract is not None else None


def coverage_year(units: Iterable[Unit], as_of: date, financial_year: str | None) -> str:
    """The FY the coverage views show: the one chosen, else the latest FY with coverage (else as-of's FY)."""
    if financial_year:
        return financial_year
    # the latest FY with coverage is the FY of the latest day any package was active, up to as-of
    last_days = [
        last_day
        for unit in units
        if unit.start_date <= as_of
        and (last_day := as_of if unit.end_date is None else min(unit.end_date, as_of)) >= unit.start_date
    ]
    return financial_year_of(max(last_days)) if last_days else financial_year_of(as_of)


AREA_ONLY = "Not judged: region or LA chosen"


def coverage_frame(
    contracts: Sequence[ContractTerms],
    units: Sequence[Unit],
    as_of: date,
    las: Sequence[LocalAuthority] | LAIndex,
    financial_year: str | None = None,
    area_only: bool = False,
    la_filter: str | None = None,
) -> pd.DataFrame:
    """LAs supported per contract, FY and support type against the contract's minimum.

    Zero rows are added for every FY a contract ran in (up to as-of) and every
    support type it delivers, so a year with no support shows as 0, not missing;
    with an LA chosen (``la_filter``), only for FYs the LA existed in ("LAs of the region
    that existed in that FY": Cumberland, from April 2023, had no 2021-22 to be supported in).
    ``area_only`` (a region or LA filter): the counts are the area's, and a minimum is the
    whole contract's, so none is judged.
    """
    index = las if isinstance(las, LAIndex) else LAIndex(las)
    counts = {
        (r.contract, r.financial_year, r.support_type): r.las_supported for r in coverage_by_year(units, as_of, index)
    }
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
        rows.append(
            {
                "Contract": reference,
                "Financial year": year,
                "Support type": SUPPORT_TYPE_NAMES.get(kind, kind),
                "LAs supported": supported,
                "Minimum": minimum,
                "Against minimum": NO_MINIMUM
                if minimum is None
                else AREA_ONLY
                if area_only
                else ("Meets" if supported >= minimum else SO_FAR if fy_end(year) > as_of else "Below"),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["Contract", "Financial year", "Support type", "LAs supported", "Minimum", "Against minimum"]
    )
    frame["Minimum"] = frame["Minimum"].astype("Int64")
    return frame


def coverage_sentence(row: FrameRow) -> str:
    minimum: float | NAType | None = row["Minimum"]  # <NA> in the Int64 column: not set
    count = row["LAs supported"]
    text = f"{row['Contract']} {row['Support type'].lower()}: {count} {'LA' if count == 1 else 'LAs'} supported in {row['Financial year']}"
    if minimum is None or pd.isna(minimum):
        return text + f" (minimum LAs per year {NOT_SET})"
    if row["Against minimum"] == AREA_ONLY:
        return text + f" in the region or LA chosen (its minimum of {int(minimum)} is for the whole contract)"
    if row["Against minimum"] == SO_FAR:
        return text + (
            f" so far, against a minimum of {int(minimum)} for the year, which ends on "
            f"{long_date(fy_end(row['Financial year']))}"
        )
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
        return (
            "These are the LAs of the region or LA chosen. A contract's minimum is for the whole contract, "
            "so it is not judged here. Clear the filter to see it."
        )
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
        worst = (
            below.assign(_shortfall=shortfall)
            .sort_values(
                ["_shortfall", "Financial year", "Contract", "Support type"], ascending=[False, False, True, True]
            )
            .iloc[0]
        )
        sentences.append(
            f"{len(below)} not met. Furthest below: {worst['Contract']} "
            f"{worst['Support type'].lower()} support in {worst['Financial year']}, "
            f"{worst['LAs supported']} of {int(worst['Minimum'])} LAs."
        )
    if running:
        sentences.append(f"{running} behind so far, in a year not over yet.")
    if without:
        sentences.append(f"{counted(without, 'row')} with no minimum set in the contract register.")
    return " ".join(sentences)


def _pooled(units: Iterable[Unit]) -> list[Unit]:
    """Units as one contract and one support type: any support in scope. Coverage counts LAs,
    so one unit per LA and dates stands for all its participants (packages have several)."""
    one_per_package: dict[tuple[str, date, date | None], Unit] = {}
    for unit in units:
        one_per_package.setdefault((unit.la_code, unit.start_date, unit.end_date), unit)
    return [replace(u, contract="all", support_type="any") for u in one_per_package.values()]


def region_frame(
    units: Sequence[Unit],
    as_of: date,
    las: Sequence[LocalAuthority],
    regions: dict[str, str],
    financial_year: str,
    region_filter: str | None = None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Per region: LAs with any support in scope in the FY / LAs of the region that year.

    Also returns supported codes not in that year's list (e.g. Cumbria after its split).
    """
    rows = [r for r in coverage_by_region(_pooled(units), as_of, las) if r.financial_year == financial_year]
    if not rows:  # no support that year: every region at 0
        live = [
            la
            for la in las
            if la.valid_from <= fy_end(financial_year)
            and (la.valid_to is None or la.valid_to >= fy_end(financial_year))
        ]
        totals: dict[str, int] = defaultdict(int)
        for la in live:
            totals[la.region_code] += 1
        table = [
            {
                "Region": regions.get(code, code),
                "Region code": code,
                "LAs supported": 0,
                "LAs in region": n,
                "Share (%)": 0.0,
            }
            for code, n in sorted(totals.items())
        ]
        outside: tuple[str, ...] = ()
    else:
        table = [
            {
                "Region": regions.get(r.region_code, r.region_code),
                "Region code": r.region_code,
                "LAs supported": r.supported,
                "LAs in region": r.total,
                "Share (%)": round(r.share * 100, 1) if r.share is not None else None,
            }
            for r in rows
            if r.total
        ]
        outside = tuple(code for r in rows for code in r.not_in_year_list)
    frame = pd.DataFrame(table, columns=["Region", "Region code", "LAs supported", "LAs in region", "Share (%)"])
    if region_filter:
        frame = frame[frame["Region code"] == region_filter]
    return frame.reset_index(drop=True), outside


def region_summary(frame: pd.DataFrame, financial_year: str) -> str:
    if frame.empty:
        return "No regions to show."
    supported, total = int(frame["LAs supported"].sum()), int(frame["LAs in region"].sum())
    text = f"{supported} of {total} LAs received support in {financial_year}."
    if not supported or len(frame) == 1:  # no highest share among shares all 0, or of one region alone
        return text
    top = frame.sort_values(["Share (%)", "Region"], ascending=[False, True]).iloc[0]
    return text + f" The highest share is in {top['Region']} ({top['LAs supported']} of {top['LAs in region']})."


def support_category(types: set[str]) -> str:
    if ONE_TO_ONE in types and GROUP in types:
        return SUPPORT_BOTH
    if ONE_TO_ONE in types:
        return SUPPORT_ONE
    if GROUP in types:
        return SUPPORT_GROUP
    return SUPPORT_NONE


def hex_frame(
    units: Sequence[Unit],
    as_of: date,
    las: Sequence[LocalAuthority],
    statuses: Iterable[LAStatus],
    regions: dict[str, str],
    positions: dict[str, tuple[int, int]],
    financial_year: str,
) -> tuple[pd.DataFrame, list[str]]:
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
    names = {la.code: la for la in sorted(las, key=lambda la: la.valid_from)}  # latest record of each code
    rows = []
    for code, (q, r) in sorted(positions.items()):
        la = names.get(code)
        status = status_on(index.area(code), grouped, on_date)
        category = support_category(types.get(code, set()))
        rows.append(
            {
                "LA code": code,
                "Local authority": la.name if la else code,
                "Region": regions.get(la.region_code, la.region_code) if la else "",
                "q": q,
                "r": r,
                "x": q + (0.5 if r % 2 else 0.0),
                "y": r * 0.8660254,
                "Support": category,
                "Mark": SUPPORT_MARKS[category],
                "Ofsted judgement": (status.ilacs_judgement if status and status.ilacs_judgement else "Not known"),
                "SEND WSoA": "Yes"
                if status and status.send_wsoa
                else ("No" if status and status.send_wsoa is False else "Not known"),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "LA code",
            "Local authority",
            "Region",
            "q",
            "r",
            "x",
            "y",
            "Support",
            "Mark",
            "Ofsted judgement",
            "SEND WSoA",
        ],
    )
    off = sorted(f"{names[c].name if c in names else c} ({c})" for c in off_map)
    return frame, off


def hex_summary(frame: pd.DataFrame, financial_year: str, off_map: Sequence[str]) -> str:
    if frame.empty:
        return "The hex map layout is not loaded."
    counts = frame["Support"].value_counts()
    supported = len(frame) - int(counts.get(SUPPORT_NONE, 0))
    text = (
        f"{supported} of the {len(frame)} LAs on the map received support in {financial_year}: "
        f"{int(counts.get(SUPPORT_BOTH, 0))} both types, {int(counts.get(SUPPORT_ONE, 0))} one-to-one only and "
        f"{int(counts.get(SUPPORT_GROUP, 0))} group only. The map uses 2023 boundaries, not that year's LAs as "
        "the regions count them."
    )
    if off_map:
        text += f" Not on the 2023 map: {', '.join(off_map)}."
    return text


def targeting_frames(
    units: Sequence[Unit],
    statuses: Sequence[LAStatus],
    as_of: date,
    financial_year: str,
    la_names: dict[str, str],
    regions: dict[str, str],
    la_regions: dict[str, str],
    index: LAIndex,
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Targeting SLA per contract for the FY, the priority LAs with their reasons, and a sentence."""
    rows, reasons_rows = [], []
    by_contract: dict[str, list[Unit]] = defaultdict(list)
    for u in supported_units(units, as_of, financial_year):
        by_contract[u.contract].append(u)
    for reference in sorted(by_contract):
        result = targeting_share(by_contract[reference], statuses, as_of, index, financial_year)
        rows.append(
            {
                "Contract": reference,
                "Financial year": financial_year,
                "LAs supported": result.supported_las,
                "In greatest need at start": result.priority_las,
                "Not in greatest need": result.supported_las - result.priority_las - len(result.no_status),
                "No status known at start": len(result.no_status),
                "Share (%)": round(result.share * 100, 1) if result.share is not None else None,
            }
        )
        for code, reasons in result.reasons.items():
            reasons_rows.append(
                {
                    "Contract": reference,
                    "Local authority": la_names.get(code, code),
                    "Region": regions.get(la_regions.get(code, ""), ""),
                    "Why in greatest need": "; ".join(reasons),
                }
            )
    table = pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "Financial year",
            "LAs supported",
            "In greatest need at start",
            "Not in greatest need",
            "No status known at start",
            "Share (%)",
        ],
    )
    reasons_table = pd.DataFrame(
        reasons_rows, columns=["Contract", "Local authority", "Region", "Why in greatest need"]
    )
    if table.empty:
        return table, reasons_table, f"No LA was supported in {financial_year} for the contracts chosen."
    return (
        table,
        reasons_table,
        (
            f"Supported LAs in {financial_year} that were in greatest need when support started "
            f"(Inadequate or Requires improvement, a SEND Written Statement of Action, or declining): "
            + "; ".join(_targeting_part(row) for row in table.to_dict("records"))
            + "."
        ),
    )


def _targeting_part(row: FrameRow) -> str:
    """One contract's targeting share, saying how many LAs had no status known when support started:
    the share counts them as not in greatest need, which the data cannot tell ("it never guesses
    silently")."""
    text = (
        f"{row['Contract']}: {row['In greatest need at start']} of {row['LAs supported']} "
        f"({percent(row['In greatest need at start'] / row['LAs supported'])} %)"
    )  # halves up, as every rate
    unknown = row["No status known at start"]
    if unknown == row["LAs supported"]:
        return (
            text
            + f", but no status was known for {'that LA' if unknown == 1 else f'any of the {unknown} LAs'} when support started"
        )
    if unknown:
        return text + f", {unknown} of them with no status known when support started"
    return text


def unsupported_priority_frame(
    units: Sequence[Unit],
    statuses: Iterable[LAStatus],
    las: Sequence[LocalAuthority],
    as_of: date,
    financial_year: str,
    regions: dict[str, str],
    region_filter: str | None = None,
    la_filter: str | None = None,
) -> pd.DataFrame:
    """LAs judged Inadequate or with a SEND WSoA that received no support (in scope) in the FY."""
    found = unsupported_priority_las(units, statuses, las, as_of, financial_year)
    rows = [
        {
            "Local authority": p.name,
            "LA code": p.la_code,
            "Region": regions.get(p.region_code, p.region_code),
            "Why a priority": "; ".join(p.reasons),
        }
        for p in found
        if (not region_filter or p.region_code == region_filter) and (not la_filter or p.la_code == la_filter)
    ]
    return pd.DataFrame(rows, columns=["Local authority", "LA code", "Region", "Why a priority"])


def unsupported_summary(
    unsupported: pd.DataFrame, priority_las: int, financial_year: str, as_of: date, area_only: bool = False
) -> str:
    """The priority LAs (judged Inadequate or with a SEND WSoA, as known on as-of) with no support in
    the FY, out of ``priority_las`` in scope (``area_only``: a region or LA chosen); with none in
    scope it says so, never that every one received support."""
    if not unsupported.empty:
        count = len(unsupported)
        return f"{counted(count, 'priority LA')} received no support in {financial_year}."
    if not priority_las:
        return (
            f"No LA{' in the region or LA chosen' if area_only else ''} was judged Inadequate or had a SEND "
            f"Written Statement of Action as known on {long_date(as_of)}, so there is no priority LA to check in "
            f"{financial_year}."
        )
    return (
        f"{'The' if priority_las == 1 else 'All'} {counted(priority_las, 'LA')} judged "
        f"Inadequate or with a SEND Written Statement of Action received support in {financial_year}."
    )


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
    contracts: Sequence[ContractTerms],
    units: Sequence[Unit],
    las: Sequence[LocalAuthority],
    statuses: Sequence[LAStatus],
    regions: dict[str, str],
    positions: dict[str, tuple[int, int]],
    as_of: date,
    financial_year: str | None,
    region_filter: str | None = None,
    la_filter: str | None = None,
    aggregate: bool = False,
    plan: disclosure_rules.BoardPlan | None = None,
) -> CoveragePage:
    """Everything the Coverage page draws (``plan``: the Board's, for the short-package counts)."""
    index = LAIndex(las)
    year = coverage_year(units, as_of, financial_year)
    by_year = coverage_frame(
        contracts, units, as_of, index, financial_year, bool(region_filter or la_filter), la_filter
    )
    region_table, outside = region_frame(units, as_of, las, regions, year, region_filter)
    hexes, off_map = hex_frame(units, as_of, las, statuses, regions, positions, year)
    la_names = filter_options([], las, {}).las
    la_regions = {la.code: la.region_code for la in las}
    targeting, reasons, targeting_text = targeting_frames(
        units, statuses, as_of, year, la_names, regions, la_regions, index
    )
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
        unsupported_summary=unsupported_summary(
            unsupported, priority_las, year, as_of, bool(region_filter or la_filter)
        ),
        short_packages=short_packages_section(units, contracts, la_names, as_of, aggregate, plan),
    )


@dataclass(frozen=True)
class CoverageInputs(FilteredInputs):
    """What the Coverage page's figures are for: the filters, who is looking, and the map."""

    # LA code -> (q, r) on the hex map of England (``queries.hex_layout``): follows from the database
    hex_positions: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)


def build(portfolio: Portfolio, inputs: CoverageInputs) -> CoveragePage:
    """Everything the Coverage page draws, from the records the filters select."""
    return coverage_page(
        portfolio.contracts,
        portfolio.units,
        portfolio.las,
        portfolio.statuses,
        portfolio.regions,
        dict(inputs.hex_positions),
        inputs.as_of,
        inputs.financial_year,
        inputs.region,
        inputs.la,
        inputs.board,
        inputs.plan,
    )


def _plan_withholds_packages(
    units: Sequence[Unit], contract: str, as_of: date, plan: disclosure_rules.BoardPlan | None
) -> bool:
    """The Board's plan withholds the group of a contract's one-to-one participants in view; none in
    view: nothing to withhold."""
    members = frozenset(
        kpi_rules.unit_key(u)
        for u in units
        if u.contract == contract and u.support_type == ONE_TO_ONE and kpi_rules.is_unit_as_of(u, as_of)
    )
    return bool(members) and (plan is None or not plan.shows(contract, ONE_TO_ONE, members))


def short_packages_section(
    units: Sequence[Unit],
    contracts: Sequence[ContractTerms],
    la_names: dict[str, str],
    as_of: date,
    aggregate: bool = False,
    plan: disclosure_rules.BoardPlan | None = None,
) -> Section:
    """rules.md, SLA checks: one-to-one packages below the contract's minimum package days are
    flagged, not rejected. Packages that have ended by as-of (``timelines.package_days_flags``);
    ``aggregate`` (the Board): counted per contract, not listed by package and LA, and only where
    the Board's plan shows the contract's one-to-one participants in view (the counts are sums over
    them, as its KPI 1 is; docs: "Figures the Board does not see")."""
    flags = timelines_rules.package_days_flags(units, contracts, as_of)
    table = pd.DataFrame(
        [
            {
                "Contract": f.contract,
                "Package ID": f.package_id,
                "Local authority": la_names.get(f.la_code, f.la_code),
                "Days delivered": f.days,
                "Minimum package days": f.min_days,
                "Flag": "Below the minimum" if f.status == timelines_rules.BELOW_MINIMUM else "Days not recorded",
            }
            for f in flags
        ],
        columns=["Contract", "Package ID", "Local authority", "Days delivered", "Minimum package days", "Flag"],
    )
    checked = sorted(c.reference for c in contracts if c.min_package_days is not None)
    unset = sorted(
        c.reference
        for c in contracts
        if c.min_package_days is None and any(u.contract == c.reference and u.support_type == ONE_TO_ONE for u in units)
    )
    not_set = (
        f" Minimum package days {NOT_SET} for {listed(unset)}: "
        f"{'its' if len(unset) == 1 else 'their'} packages are not checked."
        if unset
        else ""
    )
    one_la = disclosure_rules.one_la_contracts(units) if aggregate else frozenset()
    if aggregate and (plan is None or plan.as_of != as_of):  # none given: worked out from the units here
        plan = disclosure_rules.board_plan(units, as_of)
    withheld = [reference for reference in checked if reference in one_la]
    unplanned = (
        [
            reference
            for reference in checked
            if reference not in one_la and _plan_withholds_packages(units, reference, as_of, plan)
        ]
        if aggregate
        else []
    )
    checked = [reference for reference in checked if reference not in one_la and reference not in unplanned]
    note = (
        f" {', '.join(withheld)}: not shown, because its packages here are all in 1 local authority."
        if withheld
        else ""
    )
    if unplanned:
        note += (
            f" {', '.join(unplanned)}: not shown {SUPPRESSED}, because the KPI figures of these participants "
            "are not. With other Board views they would give figures about 1 local authority away."
        )
    note += not_set
    if not checked:
        empty = table.iloc[0:0]
        return Section(
            empty,
            empty,
            (
                f"No contract in scope sets a minimum package length (minimum package days {NOT_SET})."
                if not note
                else note.strip()
            ),
        )
    if aggregate:  # the Board: how many per contract, not which package in which LA
        table = table[table["Contract"].isin(checked)]
        table = (
            table.groupby(["Contract", "Flag"]).size().reset_index(name="Packages")
            if not table.empty
            else pd.DataFrame(columns=["Contract", "Flag", "Packages"])
        )
    counted = table["Packages"] if aggregate else pd.Series(1, index=table.index)
    below = int(counted[table["Flag"] == "Below the minimum"].sum())
    unknown = int(counted.sum()) - below
    return Section(
        table,
        table,
        (
            f"Of the ended one-to-one packages of {', '.join(checked)}, {below} {'is' if below == 1 else 'are'} below the "
            f"contract's minimum package days and {unknown} {'has' if unknown == 1 else 'have'} no days recorded.{note}"
        ),
    )
