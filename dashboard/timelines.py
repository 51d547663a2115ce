"""Contract timelines: milestones, recurring obligations, endings, package days.

Rules implemented (rules.md, "Contract timelines" and "SLA checks on packages"):
- "Milestones have a due date and an optional completed date: `overdue` when
  not completed and due before the as-of date, `due soon` within 30 days."
- "Recurring obligations derived from the contract: quarterly progress report
  and invoice due 30 days after each quarter end while the contract runs."
- "A milestone completed after its due date is `done late` (with the days
  late), never plain `done`."
- "Decisions that fall due: where the register gives `Extension up to` later
  than the end date and `Extension notice (months)`, the extension decision
  is due on the end date minus that notice ...; a break date is a decision
  date of its own. ... `overdue` once passed with no extension in use
  (invoices, returns or milestones dated after the end date show it in use)."
- "Reviews of an LA in intervention are projected from its latest LA status
  record for at most 12 months; after that the LA's status is shown as 'not
  updated since' that record's date, with no reviews invented."
- "One-to-one packages must be at least the contract's minimum package days
  ... Packages below it are flagged, not rejected."
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dashboard.calendar import (
    LATEST,
    add_months,
    financial_years_between,
    quarter_end,
    quarter_label,
    quarter_of,
    quarter_start,
)
from dashboard.finance import counts_as_of
from dashboard.records import ONE_TO_ONE, ContractTerms, InvoiceLine, LAStatus, Milestone, ReturnImport, Unit
from dashboard.wording import long_date

DONE = "done"
DONE_LATE = "done_late"
OVERDUE = "overdue"
DUE_SOON = "due_soon"
UPCOMING = "upcoming"
MILESTONE_STATUSES = (DONE, DONE_LATE, OVERDUE, DUE_SOON, UPCOMING)
COMPLETED_STATUSES = (DONE, DONE_LATE)

DUE_SOON_DAYS = 30
DAYS_AFTER_QUARTER_END = 30
CASE_REPORT_EVERY = timedelta(weeks=6)

PROGRESS_REPORT = "progress_report"
INVOICE = "invoice"
CASE_REPORT = "case_report"
REPORT_KINDS = (PROGRESS_REPORT, CASE_REPORT)

BELOW_MINIMUM = "below_minimum"
UNKNOWN_DAYS = "unknown"


# -------------------------------------------------------------------- milestones


def milestone_status(milestone: Milestone, as_of: date) -> str:
    """done (completed on or before as-of, by its due date); done_late ("completed after its
    due date"); overdue ("not completed and due before the as-of date"); due_soon
    (as_of <= due <= as_of + 30 days); else upcoming.

    A completion dated after as-of does not count yet.
    """
    if milestone.completed_date is not None and milestone.completed_date <= as_of:
        return DONE_LATE if milestone.completed_date > milestone.due_date else DONE
    if milestone.due_date < as_of:
        return OVERDUE
    if milestone.due_date <= as_of + timedelta(days=DUE_SOON_DAYS):
        return DUE_SOON
    return UPCOMING


def days_late(milestone: Milestone, as_of: date) -> int | None:
    """The days a milestone done late was completed after its due date (None: not done late)."""
    if milestone_status(milestone, as_of) != DONE_LATE:
        return None
    assert milestone.completed_date is not None
    return (milestone.completed_date - milestone.due_date).days


# ---------------------------------------------------------- recurring obligations


@dataclass(frozen=True)
class Obligation:
    """Something the supplier owes by a date, derived from the contract's terms."""

    contract: str
    kind: str  # PROGRESS_REPORT, INVOICE or CASE_REPORT
    name: str  # e.g. "Progress report for 2021-22 Q3"
    due_date: date
    period_end: date  # end of the quarter (or six-week period) it covers


def latest_end(contract: ContractTerms, include_extension: bool = False) -> date:
    """The contract's end date, or its latest end with all extensions when asked."""
    if include_extension and contract.extension_up_to is not None:
        return max(contract.end_date, contract.extension_up_to)
    return contract.end_date


def is_improvement_adviser(contract: ContractTerms) -> bool:
    """Improvement adviser call-offs owe six-weekly case reports."""
    programme = contract.programme.casefold()
    return "improvement adviser" in programme or "improvement advisor" in programme


def quarterly_obligations(contract: ContractTerms, include_extension: bool = False) -> list[Obligation]:
    """ "quarterly progress report and invoice due 30 days after each quarter end
    while the contract runs": every FY quarter ending between the start and the
    (latest) end date, both inclusive."""
    last_day = latest_end(contract, include_extension)
    obligations: list[Obligation] = []
    for year in financial_years_between(contract.start_date, last_day):
        for quarter in (1, 2, 3, 4):
            ends = quarter_end(year, quarter)
            if not contract.start_date <= ends <= last_day:
                continue
            due = ends + timedelta(days=DAYS_AFTER_QUARTER_END)
            label = quarter_label(year, quarter)
            reference = contract.reference
            obligations.append(Obligation(reference, PROGRESS_REPORT, f"Progress report for {label}", due, ends))
            obligations.append(Obligation(reference, INVOICE, f"Invoice for {label}", due, ends))
    return obligations


def case_report_obligations(contract: ContractTerms, include_extension: bool = False) -> list[Obligation]:
    """Six-weekly case reports for improvement adviser call-offs, due every six
    weeks from the start date while the contract runs."""
    if not is_improvement_adviser(contract):
        return []
    last_day = latest_end(contract, include_extension)
    obligations: list[Obligation] = []
    number = 1
    due = contract.start_date + CASE_REPORT_EVERY
    while due <= last_day:
        obligations.append(Obligation(contract.reference, CASE_REPORT, f"Case report {number}", due, due))
        number += 1
        due += CASE_REPORT_EVERY
    return obligations


def derived_obligations(
    contract: ContractTerms,
    as_of_range: tuple[date, date] | None = None,
    *,
    include_extension: bool = False,
    milestones: Iterable[Milestone] = (),
) -> list[Obligation]:
    """Quarterly reports and invoices, and case reports, sorted by due date.

    ``as_of_range`` (first, last), both inclusive, keeps only obligations due
    in that range; None keeps all. A progress or case report gives way to a
    register milestone of the same contract due on the same date: the
    register's milestone, with its completed date, is the record of it.
    """
    on_register = {m.due_date for m in milestones if m.contract.casefold() == contract.reference.casefold()}
    obligations = [
        o
        for o in quarterly_obligations(contract, include_extension)
        + case_report_obligations(contract, include_extension)
        if not (o.kind in REPORT_KINDS and o.due_date in on_register)
    ]
    if as_of_range is not None:
        first, last = as_of_range
        obligations = [o for o in obligations if first <= o.due_date <= last]
    return sorted(obligations, key=lambda o: (o.due_date, o.kind, o.name))


def invoices_received(invoice_lines: Iterable[InvoiceLine], as_of: date) -> dict[tuple[str, date], InvoiceLine]:
    """An invoice obligation is met by an invoice line billing that contract, FY and
    quarter dated on or before as-of: the earliest such line, keyed by (contract
    casefolded, quarter end)."""
    received: dict[tuple[str, date], InvoiceLine] = {}
    for line in invoice_lines:
        if not counts_as_of(line, as_of):
            continue
        key = (line.contract.casefold(), quarter_end(line.financial_year, line.quarter))
        if key not in received or line.invoice_date < received[key].invoice_date:
            received[key] = line
    return received


def extension_in_use(
    contract: ContractTerms,
    milestones: Iterable[Milestone],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    returns: Iterable[ReturnImport] = (),
) -> bool:
    """The register gives an extension option, not whether it was taken up. Invoices
    (dated on or before as-of) billing a quarter that starts after the end date,
    register milestones due after the term's last quarterly report (30 days after the
    end of the quarter the end date falls in), or returns (imported by as-of) reporting on a
    quarter that ends after the end date show the contract running on its extension."""
    reference = contract.reference.casefold()
    last_report = quarter_end(*quarter_of(contract.end_date)) + timedelta(days=DAYS_AFTER_QUARTER_END)
    return (
        any(m.contract.casefold() == reference and m.due_date > last_report for m in milestones)
        or any(
            line.contract.casefold() == reference
            and counts_as_of(line, as_of)
            and quarter_start(line.financial_year, line.quarter) > contract.end_date
            for line in invoice_lines
        )
        or any(
            r.contract.casefold() == reference and r.imported_at.date() <= as_of and r.quarter_end > contract.end_date
            for r in returns
        )
    )


# ---------------------------------------------------------------------- decisions

EXTENSION = "extension"
BREAK = "break"
DECISION_KINDS = (EXTENSION, BREAK)
IN_USE = "extension_in_use"  # passed, and the records show the contract running on its extension
DECISION_STATUSES = (OVERDUE, DUE_SOON, UPCOMING, IN_USE)


@dataclass(frozen=True)
class Decision:
    """A decision the Department must take by a date: to extend the contract, or to break it."""

    contract: str
    kind: str  # EXTENSION or BREAK
    due_date: date
    status: str  # one of DECISION_STATUSES
    name: str  # e.g. "Decide whether to extend beyond 31/03/2024 (up to 31/03/2025)"


def decisions(
    contract: ContractTerms,
    as_of: date,
    milestones: Iterable[Milestone] = (),
    invoice_lines: Iterable[InvoiceLine] = (),
    returns: Iterable[ReturnImport] = (),
) -> list[Decision]:
    """The contract's decisions, soonest first (docs/how-figures-are-worked-out.md, "Contract timelines"):

    - extension: "where the register gives `Extension up to` later than the end date and
      `Extension notice (months)`, the extension decision is due on the end date minus that
      notice" (con_9887: 31 Dec 2023 for an extension beyond 31 Mar 2024);
    - break: "a break date is a decision date of its own".

    Each is ``overdue`` once passed (due before as-of) with no extension in use
    (``extension_in_use``: invoices, returns or milestones dated after the end date), else
    ``extension_in_use`` once passed; before it, ``due_soon`` within 30 days, else ``upcoming``.
    """
    found: list[tuple[str, date, str]] = []
    if (
        contract.extension_up_to is not None
        and contract.extension_up_to > contract.end_date
        and contract.extension_notice_months is not None
    ):
        due = add_months(contract.end_date, -contract.extension_notice_months)
        found.append(
            (
                EXTENSION,
                due,
                (
                    f"Decide whether to extend beyond {long_date(contract.end_date)} "
                    f"(up to {long_date(contract.extension_up_to)}; "
                    f"{contract.extension_notice_months} months' notice)"
                ),
            )
        )
    if contract.break_date is not None:
        found.append(
            (BREAK, contract.break_date, f"Decide whether to use the break on {long_date(contract.break_date)}")
        )
    if not found:
        return []
    in_use: bool | None = None
    result: list[Decision] = []
    for kind, due, name in found:
        if due < as_of:
            if in_use is None:
                in_use = extension_in_use(contract, milestones, invoice_lines, as_of, returns)
            status = IN_USE if in_use else OVERDUE
        elif due <= as_of + timedelta(days=DUE_SOON_DAYS):
            status = DUE_SOON
        else:
            status = UPCOMING
        result.append(Decision(contract.reference, kind, due, status, name))
    return sorted(result, key=lambda d: (d.due_date, d.kind))


# ---------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Deadline:
    contract: str
    kind: str  # "milestone" or an obligation kind
    name: str
    due_date: date
    days_left: int


def deadlines_within(items: Iterable[Due], as_of: date, days: int = 60) -> list[Deadline]:
    """Milestones not completed (as of as-of) and obligations due from as-of to
    as-of + ``days``, both inclusive, soonest first. Overdue milestones are not
    deadlines ahead: ``milestone_status`` reports them."""
    last = as_of + timedelta(days=days)
    found: list[Deadline] = []
    for item in items:
        if isinstance(item, Milestone):
            if milestone_status(item, as_of) == DONE:
                continue
            kind = "milestone"
        else:
            kind = item.kind
        if as_of <= item.due_date <= last:
            found.append(Deadline(item.contract, kind, item.name, item.due_date, (item.due_date - as_of).days))
    return sorted(found, key=lambda d: (d.due_date, d.contract, d.name))


@dataclass(frozen=True)
class EndingContract:
    contract: str
    title: str
    end_date: date
    days_left: int
    extension_up_to: date | None  # None: no extension option left
    break_date: date | None


def contracts_ending_within(contracts: Iterable[ContractTerms], as_of: date, months: int = 6) -> list[EndingContract]:
    """Contracts whose end date falls from as-of to as-of + ``months`` (inclusive),
    with their extension options, soonest first."""
    last = add_months(as_of, months)
    ending = [
        EndingContract(
            contract=c.reference,
            title=c.title,
            end_date=c.end_date,
            days_left=(c.end_date - as_of).days,
            extension_up_to=c.extension_up_to if c.extension_up_to and c.extension_up_to > c.end_date else None,
            break_date=c.break_date,
        )
        for c in contracts
        if as_of <= c.end_date <= last
    ]
    return sorted(ending, key=lambda e: (e.end_date, e.contract))


# ------------------------------------------------------------------ package days


@dataclass(frozen=True)
class PackageDaysFlag:
    contract: str
    package_id: str
    la_code: str
    days: float | None  # None: no days recorded on any of the package's rows
    min_days: float
    status: str  # BELOW_MINIMUM or UNKNOWN_DAYS


def package_days_flags(
    units: Iterable[Unit], contracts: Iterable[ContractTerms], as_of: date | None = None
) -> list[PackageDaysFlag]:
    """SLA: "One-to-one packages must be at least the contract's minimum package
    days ... Packages below it are flagged, not rejected."

    Package days = the largest days_delivered over the package's rows. A
    package with no days recorded is reported as unknown, not flagged.
    Contracts without a minimum are not checked. With ``as_of``, only packages
    that have ended on or before it are checked (a running package may still
    reach the minimum).
    """
    minimum = {c.reference: c.min_package_days for c in contracts if c.min_package_days is not None}
    packages: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for unit in units:
        if unit.support_type == ONE_TO_ONE and unit.contract in minimum:
            packages[(unit.contract, unit.package_id)].append(unit)
    flags: list[PackageDaysFlag] = []
    for (contract, package_id), rows in sorted(packages.items()):
        if as_of is not None and not _ended_by(rows, as_of):
            continue
        recorded = [row.days_delivered for row in rows if row.days_delivered is not None]
        days = max(recorded) if recorded else None
        if days is None:
            flags.append(PackageDaysFlag(contract, package_id, rows[0].la_code, None, minimum[contract], UNKNOWN_DAYS))
        elif days < minimum[contract]:
            flags.append(PackageDaysFlag(contract, package_id, rows[0].la_code, days, minimum[contract], BELOW_MINIMUM))
    return flags


def _ended_by(rows: list[Unit], as_of: date) -> bool:
    return all(row.end_date is not None and row.end_date <= as_of for row in rows)


# ------------------------------------------------------- LAs in intervention

INTERVENTION_REVIEW = "intervention_review"
INTERVENTION_REVIEW_MONTHS = 6
PROJECTED_MONTHS = 12  # "projected from its latest LA status record for at most 12 months"


def projection_end(latest_record: date) -> date:
    """The last day reviews are projected to from an LA's latest status record (12 months on)."""
    return min(add_months(latest_record, PROJECTED_MONTHS), LATEST)


def _records_by_la(statuses: Iterable[LAStatus], as_of: date) -> dict[str, list[LAStatus]]:
    by_la: dict[str, list[LAStatus]] = defaultdict(list)
    for status in statuses:
        if status.effective_date <= as_of:
            by_la[status.la_code].append(status)
    return by_la


@dataclass(frozen=True)
class StaleIntervention:
    """An LA in intervention whose latest status record is more than 12 months old: its reviews
    are not projected past then, and its status is shown as "not updated since" that date."""

    la_code: str
    latest_record: date
    intervention_from: date


def stale_interventions(statuses: Iterable[LAStatus], as_of: date) -> list[StaleIntervention]:
    """LAs in intervention (as their records dated on or before as-of say) whose latest status
    record is dated more than 12 months before as-of, by LA code."""
    found: list[StaleIntervention] = []
    for la_code, records in sorted(_records_by_la(statuses, as_of).items()):
        records.sort(key=lambda s: s.effective_date)
        started: date | None = None
        for record in records:
            if record.in_intervention is True and started is None:
                started = record.effective_date
            elif record.in_intervention is False:
                started = None
        latest = records[-1].effective_date
        if started is not None and projection_end(latest) < as_of:
            found.append(StaleIntervention(la_code, latest, started))
    return found


@dataclass(frozen=True)
class InterventionReview:
    """A six-monthly review of an LA in intervention (DfE's own obligation, not a contract's)."""

    la_code: str
    name: str  # e.g. "Six-monthly intervention review 2"
    due_date: date
    intervention_from: date  # the status date the reviews count from
    kind: str = INTERVENTION_REVIEW
    contract: str = ""  # not a contract's obligation: lets deadlines_within list it


Due = Milestone | Obligation | Decision | InterventionReview  # what ``deadlines_within`` lists


def intervention_reviews(statuses: Iterable[LAStatus], until: date, as_of: date) -> list[InterventionReview]:
    """A review every 6 months from the status date of each LA in intervention,
    due on or before ``until``, while the LA stays in intervention, as the status
    records dated on or before ``as_of`` say (rules.md: nothing dated after the
    as-of date counts, so a later record neither starts nor ends an intervention).

    Per LA, status records are read oldest first. A record with
    ``in_intervention=True`` after one that was not starts an intervention at
    its date; a later record with ``in_intervention=False`` ends it (reviews
    due on or after that date are not owed). A record that says nothing
    (``None``, e.g. an Ofsted judgement alone) changes nothing. Consecutive
    True records continue the same intervention: the schedule is not restarted,
    unless a record gives a ``Next review date``: from that record's date on,
    the reviews fall due on the date it gives and every 6 months after it (the
    Department has set the date; the reviews due before that record stand).
    Sorted by due date, then LA.

    A schedule is projected no further than 12 months after the LA's latest status record
    dated on or before as-of ("projected from its latest LA status record for at most 12
    months"; ``stale_interventions`` lists the LAs past that), nor past the last date the
    dashboard works with (``calendar.LATEST``, 31/12/2199).
    """
    until = min(until, LATEST)
    by_la = _records_by_la(statuses, as_of)
    reviews: list[InterventionReview] = []
    for la_code, records in by_la.items():
        records = sorted(records, key=lambda s: s.effective_date)
        # "projected from its latest LA status record for at most 12 months"
        la_until = min(until, projection_end(records[-1].effective_date))
        # each intervention: its start, its end (None: still in intervention), and its schedules, each
        # (from the date of the record that set it, the first review it sets)
        periods: list[tuple[date, date | None, list[tuple[date, date]]]] = []
        started: date | None = None
        schedules: list[tuple[date, date]] = []
        for record in records:
            if record.in_intervention is True and started is None:
                started = record.effective_date
                schedules = [(started, add_months(started, INTERVENTION_REVIEW_MONTHS))]
            elif record.in_intervention is False and started is not None:
                periods.append((started, record.effective_date, schedules))
                started = None
                continue
            if started is not None and record.next_review_date is not None:
                schedules.append((record.effective_date, record.next_review_date))
        if started is not None:
            periods.append((started, None, schedules))
        for first, ended, schedules in periods:
            number = 1
            for index, (_, first_due) in enumerate(schedules):
                replaced_on = schedules[index + 1][0] if index + 1 < len(schedules) else None
                step, due = 0, first_due
                while due <= la_until and (ended is None or due < ended) and (replaced_on is None or due < replaced_on):
                    reviews.append(InterventionReview(la_code, f"Six-monthly intervention review {number}", due, first))
                    number += 1
                    step += 1
                    due = add_months(first_due, INTERVENTION_REVIEW_MONTHS * step)
    return sorted(reviews, key=lambda r: (r.due_date, r.la_code))
