"""What the LA profile page shows for one local authority (pure).

Region, Ofsted ILACS history and WSoA / intervention status over time, every
package of support under any contract, its participants' KPI statuses (by
participant ID), improvement advisers' days per month against the call-off's
4-days-a-month limit, and a comparison with the region and England.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from dashboard.calendar import EARLIEST, LATEST, add_months
from dashboard.charts import STATUS_LABELS
from dashboard.coverage import LAIndex, is_live_on
from dashboard.currency import data_to_dates
from dashboard.disclosure import rate_text
from dashboard.kpi import ELIGIBLE_STATUSES, MET, UnitOutcome, unit_outcomes
from dashboard.records import (
    ContractTerms,
    InvoiceLine,
    LAStatus,
    LocalAuthority,
    Milestone,
    Portfolio,
    SurveyResponse,
    Unit,
)
from dashboard.timelines import CASE_REPORT, INTERVENTION_REVIEW, is_improvement_adviser
from dashboard.vocabulary import KPI_NUMBER, SUPPORT_TYPE_NAMES
from dashboard.wording import counted, long_date, short_date

ADVISER_DAYS_PER_MONTH = 4  # improvement adviser call-off: up to 4 days a month
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_PATTERN = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
FROM_INVOICES = "Invoice lines (month named on the line)"
FROM_ENGAGEMENTS = "Engagements (package days spread evenly over its months: an average, not a record)"


# ----------------------------------------------------------------- choosing an LA


def latest_records(las: Iterable[LocalAuthority]) -> dict[str, LocalAuthority]:
    """One record per GSS code: the latest (an LA renamed or recoded keeps its history)."""
    chosen: dict[str, LocalAuthority] = {}
    for la in las:
        if la.code not in chosen or la.valid_from > chosen[la.code].valid_from:
            chosen[la.code] = la
    return chosen


def la_label(la: LocalAuthority, as_of: date | None = None) -> str:
    """ "Sefton (E08000014, DfE 343)": searchable by name, GSS code or DfE code."""
    label = f"{la.name} ({la.code}, DfE {la.dfe_code})"
    if as_of is not None and la.valid_to is not None and la.valid_to < as_of:
        label += f", until {short_date(la.valid_to)}"
    return label


def la_options(las: Iterable[LocalAuthority], as_of: date) -> dict[str, str]:
    """GSS code -> label for every LA on the reference list, by name."""
    records = latest_records(las)
    return {code: la_label(la, as_of) for code, la in sorted(records.items(), key=lambda item: item[1].name)}


# -------------------------------------------------------------------- status


def as_one_council(
    units: Iterable[Unit], statuses: Iterable[LAStatus], la_code: str, las: Iterable[LocalAuthority]
) -> tuple[list[Unit], list[LAStatus]]:
    """The records with every code of ``la_code``'s council (where it was only recoded: North
    Yorkshire E10000023 before April 2023, E06000065 after) written as ``la_code``, so the
    profile shows the council's whole history of support and status (``LAIndex.area``)."""
    index = LAIndex(las)
    area = index.area(la_code)
    same = {code for code in {u.la_code for u in units} | {s.la_code for s in statuses} if index.area(code) == area}
    if same <= {la_code}:
        return list(units), list(statuses)
    return (
        [replace(u, la_code=la_code) if u.la_code in same else u for u in units],
        [replace(s, la_code=la_code) if s.la_code in same else s for s in statuses],
    )


def _yes_no(value: bool | None) -> str:
    return "not recorded" if value is None else ("Yes" if value else "No")


def status_history(statuses: Iterable[LAStatus], la_code: str, as_of: date) -> pd.DataFrame:
    """Every status record of the LA up to as-of, oldest first ("not recorded" where a record is silent)."""
    rows = [
        {
            "From": pd.Timestamp(s.effective_date),
            "ILACS judgement": s.ilacs_judgement or "not recorded",
            "SEND WSoA": _yes_no(s.send_wsoa),
            "Declining": _yes_no(s.declining),
            "In intervention": _yes_no(s.in_intervention),
        }
        for s in sorted(statuses, key=lambda s: s.effective_date)
        if s.la_code == la_code and s.effective_date <= as_of
    ]
    return pd.DataFrame(rows, columns=["From", "ILACS judgement", "SEND WSoA", "Declining", "In intervention"])


def latest_known(statuses: Iterable[LAStatus], la_code: str, as_of: date) -> dict[str, str]:
    """The latest recorded value of each status field on as-of (a silent record does not erase one)."""
    known = {
        "ILACS judgement": "not recorded",
        "SEND WSoA": "not recorded",
        "Declining": "not recorded",
        "In intervention": "not recorded",
    }
    for s in sorted(statuses, key=lambda s: s.effective_date):
        if s.la_code != la_code or s.effective_date > as_of:
            continue
        if s.ilacs_judgement:
            known["ILACS judgement"] = f"{s.ilacs_judgement} (from {short_date(s.effective_date)})"
        for field, value in (
            ("SEND WSoA", s.send_wsoa),
            ("Declining", s.declining),
            ("In intervention", s.in_intervention),
        ):
            if value is not None:
                known[field] = f"{_yes_no(value)} (from {short_date(s.effective_date)})"
    return known


@dataclass(frozen=True)
class Facts:
    code: str
    name: str
    dfe_code: str
    region: str
    status: dict[str, str]

    def sentence(self) -> str:
        return (
            f"{self.name} ({self.code}, DfE {self.dfe_code}) is in {self.region}. "
            f"ILACS: {self.status['ILACS judgement']}. SEND WSoA: {self.status['SEND WSoA']}. "
            f"In intervention: {self.status['In intervention']}."
        )


def facts(
    la_code: str, las: Iterable[LocalAuthority], regions: Mapping[str, str], statuses: Iterable[LAStatus], as_of: date
) -> Facts:
    la = latest_records(las)[la_code]
    statuses = list(statuses)
    known = latest_known(statuses, la_code, as_of)
    known["ILACS judgement"] = ilacs_headline(ilacs_judgements(statuses, la_code, as_of))  # as the history says it
    return Facts(la.code, la.name, la.dfe_code, regions.get(la.region_code, la.region_code), known)


# ------------------------------------------------------------------- packages


def packages_table(units: Iterable[Unit], la_code: str, as_of: date) -> pd.DataFrame:
    """Every package of support in the LA under any contract, started on or before as-of."""
    packages: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for unit in units:
        if unit.la_code == la_code and unit.start_date <= as_of:
            packages[(unit.contract, unit.package_id)].append(unit)
    rows = []
    for (contract, package_id), members in packages.items():
        first = members[0]
        days = [u.days_delivered for u in members if u.days_delivered is not None]
        ends = [u.end_date for u in members if u.end_date is not None]
        end = max(ends) if len(ends) == len(members) else None  # None: a participant's end is not known
        rows.append(
            {
                "Contract": contract,
                "Package": package_id,
                "Support type": SUPPORT_TYPE_NAMES.get(first.support_type, first.support_type),
                "Group type": first.group_type or "",
                "Focus": first.focus or "",
                "Start": pd.Timestamp(min(u.start_date for u in members)),
                "End": pd.NaT if end is None or end > as_of else pd.Timestamp(end),
                "Status": "Running" if end is None or end > as_of else "Ended",
                "Days delivered": max(days) if days else None,
                "Delivered by": ", ".join(sorted({u.delivered_by for u in members if u.delivered_by})),
                "Participants": len({u.participant_id for u in members}),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "Package",
            "Support type",
            "Group type",
            "Focus",
            "Start",
            "End",
            "Status",
            "Days delivered",
            "Delivered by",
            "Participants",
        ],
    )
    return frame.sort_values(["Start", "Contract", "Package"], ignore_index=True)


def packages_sentence(table: pd.DataFrame, name: str) -> str:
    if table.empty:
        return f"{name} has received no package of support recorded by any contract."
    contracts = table["Contract"].nunique()
    return (
        f"{name} has received {counted(len(table), 'package')} of support under {contracts} "
        f"contract{'s' if contracts != 1 else ''} since {table['Start'].min():%B %Y}; "
        f"{int((table['Status'] == 'Running').sum())} still running."
    )


def participant_table(
    units: Iterable[Unit],
    responses: Iterable[SurveyResponse],
    la_code: str,
    as_of: date,
    names: Mapping[tuple[str, str, str], str] | None = None,
    data_to: Mapping[str, date] | None = None,
) -> pd.DataFrame:
    """Each participant's KPI status (rules.md), by participant ID; a Name column only when ``names`` is given.
    ``data_to``: each contract's data-to date (a window closed after it awaits the return)."""
    outcomes = unit_outcomes([u for u in units if u.la_code == la_code], responses, as_of, data_to)
    rows = []
    for outcome in outcomes:
        unit = outcome.unit
        row = {
            "Contract": unit.contract,
            "Package": unit.package_id,
            "Participant ID": unit.participant_id,
            "Role": unit.role,
            "KPI": f"KPI {KPI_NUMBER[unit.support_type]}" if unit.support_type in KPI_NUMBER else "",
            "Status": STATUS_LABELS.get(outcome.status, outcome.status),
            "Follow-up window ends": pd.NaT if outcome.window_end is None else pd.Timestamp(outcome.window_end),
        }
        if names is not None:
            row["Name"] = names.get((unit.contract, unit.package_id, unit.participant_id), "")
        rows.append(row)
    columns = (
        ["Contract", "Package", "Participant ID"]
        + (["Name"] if names is not None else [])
        + ["Role", "KPI", "Status", "Follow-up window ends"]
    )
    return pd.DataFrame(rows, columns=columns).sort_values(["Contract", "Package", "Participant ID"], ignore_index=True)


def participant_sentence(table: pd.DataFrame) -> str:
    if table.empty:
        return "No participants yet."
    counts = table["Status"].value_counts()
    people = "participant" if len(table) == 1 else "participants"
    return (
        f"{len(table)} {people}: " + ", ".join(f"{count} {str(label).lower()}" for label, count in counts.items()) + "."
    )


# ------------------------------------------------------------- adviser days


def month_named(text: str | None) -> date | None:
    """The first day of a month named in text ("Improvement adviser (July 2021)"), or None."""
    match = _MONTH_PATTERN.search(text or "")
    if match is None:
        return None
    year = int(match.group(2))
    if not EARLIEST.year <= year <= LATEST.year:  # free text: "July 0000" names no month
        return None
    return date(year, MONTHS.index(match.group(1).lower()) + 1, 1)


def _months_spanned(start: date, end: date) -> list[date]:
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def adviser_days_by_month(
    contracts: Iterable[ContractTerms],
    units: Iterable[Unit],
    invoice_lines: Iterable[InvoiceLine],
    la_code: str,
    as_of: date,
) -> pd.DataFrame:
    """Days delivered per calendar month under improvement adviser call-offs in the LA, against 4 a month.

    From the contract's invoice lines that name their month (when every package
    of the call-off is in this LA, so its invoices are this LA's); otherwise from
    engagements, spreading each package's days evenly over the months it ran
    (shown as an average, not a record).
    """
    units = list(units)
    rows = []
    for contract in contracts:
        if not is_improvement_adviser(contract):
            continue
        own = [u for u in units if u.contract == contract.reference and u.start_date <= as_of]
        here = [u for u in own if u.la_code == la_code]
        if not here:
            continue
        by_month: dict[date, float] = defaultdict(float)
        source = FROM_ENGAGEMENTS
        if all(u.la_code == la_code for u in own):
            for line in invoice_lines:
                month = month_named(line.role) or month_named(line.heading)
                if (
                    line.contract == contract.reference
                    and line.days is not None
                    and month is not None
                    and line.invoice_date <= as_of
                ):
                    by_month[month] += float(line.days)
            if by_month:
                source = FROM_INVOICES
        if not by_month:
            packages = {(u.package_id): u for u in here}
            for unit in packages.values():
                if unit.days_delivered is None:
                    continue
                months = _months_spanned(unit.start_date, min(unit.end_date or as_of, as_of))
                for month in months:
                    by_month[month] += unit.days_delivered / len(months)
        for month, days in sorted(by_month.items()):
            rows.append(
                {
                    "Contract": contract.reference,
                    "Month": pd.Timestamp(month),
                    "Days": round(days, 2),
                    "Limit": ADVISER_DAYS_PER_MONTH,
                    "Over the limit": "Yes" if days > ADVISER_DAYS_PER_MONTH + 1e-9 else "No",
                    "Source": source,
                }
            )
    return pd.DataFrame(rows, columns=["Contract", "Month", "Days", "Limit", "Over the limit", "Source"])


def adviser_sentence(table: pd.DataFrame) -> str:
    if table.empty:
        return "No improvement adviser call-off has supported this LA."
    over = table[table["Over the limit"] == "Yes"]
    sentence = (
        f"Improvement adviser days in {counted(len(table), 'month')}, "
        f"at most {table['Days'].max():g} in a month "
        f"(limit {ADVISER_DAYS_PER_MONTH} a month). "
    )
    if over.empty:
        return sentence + "No month is over the limit."
    return sentence + "Over the limit in " + ", ".join(f"{m:%B %Y}" for m in over["Month"]) + "."


# ---------------------------------------------------------------- comparison


def _kpi_counts(outcomes: Iterable[UnitOutcome]) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = {kind: [0, 0] for kind in KPI_NUMBER}
    for outcome in outcomes:
        kind = outcome.unit.support_type
        if kind in counts and outcome.status in ELIGIBLE_STATUSES:
            counts[kind][1] += 1
            counts[kind][0] += outcome.status == MET
    return {kind: (met, eligible) for kind, (met, eligible) in counts.items()}


def comparison_table(
    units: Iterable[Unit],
    responses: Iterable[SurveyResponse],
    las: Iterable[LocalAuthority],
    regions: Mapping[str, str],
    la_code: str,
    as_of: date,
    data_to: Mapping[str, date] | None = None,
) -> pd.DataFrame:
    """The LA against its region and England (all contracts): KPI rates and packages per LA.

    Rates follow rules.md (met / eligible; "no data" when none eligible; [u]
    below 5 eligible). Packages per LA = packages started on or before as-of /
    LAs live on as-of in the area.
    """
    las = list(las)
    records = latest_records(las)
    region_code = records[la_code].region_code
    live = list({la.code: la for la in las if is_live_on(la, as_of)}.values())
    outcomes = unit_outcomes(units, responses, as_of, data_to)
    region_of = {la.code: la.region_code for la in las}
    areas: list[tuple[str, Callable[[str], bool], int]] = [
        (records[la_code].name, lambda code: code == la_code, 1),
        (
            regions.get(region_code, region_code),
            lambda code: region_of.get(code) == region_code,
            sum(1 for la in live if la.region_code == region_code),
        ),
        ("England", lambda _code: True, len(live)),
    ]
    units = list(units)
    rows = []
    for name, within, la_count in areas:
        counts = _kpi_counts([o for o in outcomes if within(o.unit.la_code)])
        packages = {(u.contract, u.package_id) for u in units if within(u.la_code) and u.start_date <= as_of}
        row: dict[str, str | int | float | None] = {"Area": name}
        for kind in KPI_NUMBER:
            met, eligible = counts[kind]
            row[f"KPI {KPI_NUMBER[kind]} rate"] = rate_text(met / eligible if eligible else None, eligible)
            row[f"KPI {KPI_NUMBER[kind]} met / eligible"] = f"{met} / {eligible}"
        row["Packages"] = len(packages)
        row["LAs"] = la_count
        row["Packages per LA"] = round(len(packages) / la_count, 2) if la_count else None
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_sentence(table: pd.DataFrame) -> str:
    """Packages per LA, and the rate of each KPI the LA has figures for (rate "no data" when none
    eligible), against its region and England."""
    la, region, england = (table.iloc[i] for i in range(3))
    rates = []
    for kind in KPI_NUMBER:
        column = f"KPI {KPI_NUMBER[kind]} rate"
        if la[column] != rate_text(None, 0):  # the LA has figures for this KPI
            rates.append(
                f"KPI {KPI_NUMBER[kind]} rate {la[column]} (region {region[column]}, England {england[column]})"
            )
    return (
        f"{la['Area']} has had {counted(la['Packages'], 'package')}, against {region['Packages per LA']:g} per LA in "
        f"{region['Area']} and {england['Packages per LA']:g} per LA in England. "
        + (
            "; ".join(rates)
            if rates
            else f"There is no KPI rate for {la['Area']} yet: no participant there has had "
            "a follow-up, or a follow-up window that has closed"
        )
        + "."
    )


# ------------------------------------------------------------------ the story


INTERVENTION_REVIEW_LABEL = "Six-monthly intervention review"
ADVISER_CALL_OFF = "Improvement adviser call-off"


def support_timeline(
    contracts: Iterable[ContractTerms],
    units: Iterable[Unit],
    responses: Iterable[SurveyResponse],
    statuses: Iterable[LAStatus],
    la_code: str,
    as_of: date,
) -> pd.DataFrame:
    """Every package of support (an improvement adviser call-off's packages named as such) and
    every intervention review due on or before as-of, oldest first, across contracts: days
    delivered (a package's largest ``Days delivered``) and its people's KPI statuses counted
    (rules.md), never named."""
    from dashboard.timelines import intervention_reviews

    units = [u for u in units if u.la_code == la_code and u.start_date <= as_of]
    adviser = {c.reference.lower() for c in contracts if is_improvement_adviser(c)}
    outcomes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for outcome in unit_outcomes(units, responses, as_of):
        outcomes[(outcome.unit.contract, outcome.unit.package_id)].append(outcome.status)
    packages = packages_table(units, la_code, as_of)
    rows = []
    for row in packages.to_dict("records"):
        statuses_here = outcomes.get((row["Contract"], row["Package"]), [])
        kind = ADVISER_CALL_OFF if row["Contract"].lower() in adviser else f"{row['Support type']} package"
        counts = pd.Series(statuses_here).value_counts() if statuses_here else pd.Series(dtype=int)
        rows.append(
            {
                "Start": row["Start"],
                "End": row["End"],
                "What": kind,
                "Contract": row["Contract"],
                "Package": row["Package"],
                "Status": row["Status"],
                "Days delivered": row["Days delivered"],
                "Delivered by": row["Delivered by"],
                "People": row["Participants"],
                "KPI outcome": ", ".join(
                    f"{count} {STATUS_LABELS.get(str(status), str(status)).lower()}" for status, count in counts.items()
                )
                or "no participants",
            }
        )
    for review in intervention_reviews([s for s in statuses if s.la_code == la_code], as_of, as_of):
        rows.append(
            {
                "Start": pd.Timestamp(review.due_date),
                "End": pd.Timestamp(review.due_date),
                "What": INTERVENTION_REVIEW_LABEL,
                "Contract": "",
                "Package": review.name,
                "Status": "Due (past)",
                "Days delivered": None,
                "Delivered by": "",
                "People": None,
                "KPI outcome": f"in intervention from {long_date(review.intervention_from)}",
            }
        )
    columns = [
        "Start",
        "End",
        "What",
        "Contract",
        "Package",
        "Status",
        "Days delivered",
        "Delivered by",
        "People",
        "KPI outcome",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["Start", "Contract", "Package"], ignore_index=True)


def timeline_sentence(table: pd.DataFrame, name: str) -> str:
    if table.empty:
        return f"{name} has had no package of support or intervention review recorded."
    support = table[table["What"] != INTERVENTION_REVIEW_LABEL]
    reviews = len(table) - len(support)
    days = support["Days delivered"].dropna().sum()
    parts = [
        f"{counted(len(support), 'package')} of support under {counted(support['Contract'].nunique(), 'contract')}"
        if not support.empty
        else "no package of support",
        f"{days:g} days delivered" if not support.empty else "",
        counted(reviews, "intervention review") + " due so far" if reviews else "",
    ]
    first = table["Start"].min()
    return f"Since {first:%B %Y}, {name} has had " + ", ".join(p for p in parts if p) + "."


def coming_up(
    contracts: Iterable[ContractTerms],
    units: Iterable[Unit],
    statuses: Iterable[LAStatus],
    la_names: Mapping[str, str],
    la_code: str,
    as_of: date,
    *,
    milestones: Iterable[Milestone] = (),
    invoice_lines: Iterable[InvoiceLine] = (),
    ahead_days: int = 365,
) -> pd.DataFrame:
    """What falls due for the LA in the next year, as the Timelines page works it out
    (``views.timelines.obligation_table``): its six-monthly intervention reviews, and the
    six-weekly case reports of the improvement adviser call-offs that supported it."""
    from dashboard.views import timelines as tv

    supported = {u.contract.lower() for u in units if u.la_code == la_code and u.start_date <= as_of}
    adviser = [c for c in contracts if is_improvement_adviser(c) and c.reference.lower() in supported]
    table = tv.obligation_table(
        adviser,
        [s for s in statuses if s.la_code == la_code],
        la_names,
        as_of,
        past_days=0,
        ahead_days=ahead_days,
        milestones=milestones,
        invoice_lines=invoice_lines,
    )
    wanted = {tv.KIND_LABELS[CASE_REPORT], tv.KIND_LABELS[INTERVENTION_REVIEW]}
    table = table[table["Obligation"].isin(wanted) & (table["Due"] >= pd.Timestamp(as_of))]
    return table.drop(columns=["LA"]).reset_index(drop=True)


def coming_sentence(table: pd.DataFrame, name: str) -> str:
    from dashboard.views import timelines as tv

    if table.empty:
        return f"Nothing falls due for {name} in the next 12 months: no intervention review or case report."
    parts = []
    for kind, words in ((INTERVENTION_REVIEW, "intervention review"), (CASE_REPORT, "case report")):
        rows = table[table["Obligation"] == tv.KIND_LABELS[kind]]
        if not rows.empty:
            first = rows.iloc[0]
            parts.append(
                f"next {words} due {long_date(first['Due'])} ({first['When']})"
                + (f", {first['Contract']}" if first["Contract"] else "")
            )
    return f"For {name}: " + "; ".join(parts) + "."


def ilacs_judgements(statuses: Iterable[LAStatus], la_code: str, as_of: date) -> pd.DataFrame:
    """Every ILACS judgement of the LA known on as-of, oldest first, with its inspection and
    publication dates. One convention everywhere: a judgement counts from the date Ofsted
    published it (its status record's date); where only the inspection date is known (an
    imported status naming the ILACS date alone), from that date, and "Published" says so."""
    rows, seen = [], set()
    for s in sorted(statuses, key=lambda s: s.effective_date):
        if s.la_code != la_code or s.effective_date > as_of or not s.ilacs_judgement:
            continue
        inspected = s.ilacs_date
        published = s.effective_date if inspected is None or s.effective_date != inspected else None
        key = (s.ilacs_judgement, inspected or s.effective_date)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "Judgement": s.ilacs_judgement,
                "Inspected": pd.NaT if inspected is None else pd.Timestamp(inspected),
                "Published": pd.NaT if published is None else pd.Timestamp(published),
                "Counts from": pd.Timestamp(s.effective_date),
            }
        )
    return pd.DataFrame(rows, columns=["Judgement", "Inspected", "Published", "Counts from"])


def ilacs_headline(table: pd.DataFrame) -> str:
    """The latest judgement in the words the history table uses: "Inadequate (inspected 21 Feb
    2022, published 9 May 2022)"."""
    if table.empty:
        return "not recorded"
    row = table.iloc[-1]
    dates = [
        f"inspected {short_date(row['Inspected'])}" if pd.notna(row["Inspected"]) else "",
        f"published {short_date(row['Published'])}" if pd.notna(row["Published"]) else "",
    ]
    return f"{row['Judgement']} ({', '.join(d for d in dates if d)})"


PAGE_PATH = "la_profile"  # the LA profile's address in the app


def profile_link(la_code: str, as_of: date | None = None) -> str:
    """The LA profile's address for an LA (the ``la`` filter the page reads), keeping the as-of date."""
    return f"{PAGE_PATH}?la={la_code}" + (f"&as_of={as_of.isoformat()}" if as_of else "")


def code_of_number(las: Iterable[LocalAuthority], dfe_number: str) -> str | None:
    """The GSS code of the LA with this DfE number: the current record when the number has had two."""
    found = [la for la in las if la.dfe_code == dfe_number]
    if not found:
        return None
    return max(found, key=lambda la: (la.valid_to is None, la.valid_from)).code


def neighbour_table(
    neighbours: list[tuple[int, str, str, str]], las: Iterable[LocalAuthority], as_of: date | None = None
) -> pd.DataFrame:
    """The LA's statistical neighbours, closest first, each with a link to its profile."""
    las = list(las)
    rows = []
    for rank, number, name, closeness in neighbours:
        code = code_of_number(las, number)
        rows.append(
            {
                "Rank": rank,
                "Local authority": name,
                "DfE number": number,
                "Closeness": closeness.capitalize(),
                "Profile": profile_link(code, as_of) if code else None,
            }
        )
    return pd.DataFrame(rows, columns=["Rank", "Local authority", "DfE number", "Closeness", "Profile"])


# ------------------------------------------------------------------- the page


@dataclass(frozen=True)
class ProfileInputs:
    """Whose profile, as of which date."""

    la_code: str
    as_of: date


@dataclass(frozen=True)
class ProfilePage:
    """Everything the LA profile draws from the records (the outcome indicators come from LAIT)."""

    facts: Facts
    units: list[Unit]  # every package's participants in the LA, under every code of its council
    data_to: dict[str, date]  # each contract's data-to date (``currency.data_to_dates``)
    timeline: pd.DataFrame
    timeline_sentence: str
    coming: pd.DataFrame
    coming_sentence: str
    judgements: pd.DataFrame
    history: pd.DataFrame
    participants: pd.DataFrame  # every participant's KPI status (the page lists those the viewer may see)
    participants_sentence: str
    adviser: pd.DataFrame
    adviser_sentence: str
    comparison: pd.DataFrame
    comparison_sentence: str


def build(portfolio: Portfolio, inputs: ProfileInputs) -> ProfilePage:
    """Everything the LA profile draws for one LA, from the viewer's records."""
    la_code, as_of = inputs.la_code, inputs.as_of
    units, statuses = as_one_council(portfolio.units, portfolio.statuses, la_code, portfolio.las)
    about = facts(la_code, portfolio.las, portfolio.regions, statuses, as_of)
    data_to = data_to_dates(portfolio.contracts, portfolio.returns, as_of)
    la_names = {la.code: la.name for la in portfolio.las}
    timeline = support_timeline(portfolio.contracts, units, portfolio.responses, statuses, la_code, as_of)
    coming = coming_up(
        portfolio.contracts,
        units,
        statuses,
        la_names,
        la_code,
        as_of,
        milestones=portfolio.milestones,
        invoice_lines=portfolio.invoice_lines,
    )
    everyone = participant_table(units, portfolio.responses, la_code, as_of, data_to=data_to)
    adviser = adviser_days_by_month(portfolio.contracts, units, portfolio.invoice_lines, la_code, as_of)
    comparison = comparison_table(units, portfolio.responses, portfolio.las, portfolio.regions, la_code, as_of, data_to)
    return ProfilePage(
        facts=about,
        units=units,
        data_to=data_to,
        timeline=timeline,
        timeline_sentence=timeline_sentence(timeline, about.name),
        coming=coming,
        coming_sentence=coming_sentence(coming, about.name),
        judgements=ilacs_judgements(statuses, la_code, as_of),
        history=status_history(statuses, la_code, as_of),
        participants=everyone,
        participants_sentence=participant_sentence(everyone),
        adviser=adviser,
        adviser_sentence=adviser_sentence(adviser),
        comparison=comparison,
        comparison_sentence=comparison_sentence(comparison),
    )
