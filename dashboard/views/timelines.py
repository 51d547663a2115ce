"""What the Timelines page shows: tables and one-sentence summaries (pure).

Rules come from ``dashboard.timelines`` (rules.md "Contract timelines"); this
module lays them out: a Gantt table of contracts, milestones with their status
in words, derived obligations, the next 60 days' deadlines, contracts ending
within 6 months with their extension options, and six-monthly reviews of LAs
in intervention.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd
from pandas.api.typing import NaTType

from dashboard.finance import days_after_quarter_end, late_invoice_flag
from dashboard.records import ContractTerms, InvoiceLine, LAStatus, Milestone, Portfolio, ReturnImport
from dashboard.terms import EXTENSION_NOTICE, NOT_SET
from dashboard.timelines import (
    BREAK,
    CASE_REPORT,
    COMPLETED_STATUSES,
    DONE,
    DONE_LATE,
    DUE_SOON,
    EXTENSION,
    IN_USE,
    INTERVENTION_REVIEW,
    INVOICE,
    OVERDUE,
    PROGRESS_REPORT,
    UPCOMING,
    Deadline,
    Decision,
    Due,
    Obligation,
    contracts_ending_within,
    days_late,
    deadlines_within,
    decisions,
    derived_obligations,
    extension_in_use,
    intervention_reviews,
    invoices_received,
    latest_end,
    milestone_status,
    projection_end,
    stale_interventions,
)
from dashboard.wording import counted, listed, long_date, short_date

STATUS_LABELS = {DONE: "Done", DONE_LATE: "Done late", DUE_SOON: "Due soon", OVERDUE: "Overdue", UPCOMING: "Upcoming"}
DECISION_STATUS_LABELS = {
    OVERDUE: "Overdue",
    DUE_SOON: "Due soon",
    UPCOMING: "Upcoming",
    IN_USE: "Passed: extension in use",
}
# an overdue decision of a contract past its latest end with every extension: nothing is left to decide
ENDED_UNDECIDED = "Passed: the contract has ended"


def past_deciding(contract: ContractTerms, as_of: date) -> bool:
    """Whether the contract can no longer run (its latest end, with every extension, is before
    as-of): a decision past its date is then no longer overdue on the pages, as nothing can be done."""
    return as_of > latest_end(contract, include_extension=True)


KIND_LABELS = {
    EXTENSION: "Extension decision",
    BREAK: "Break decision",
    "milestone": "Milestone",
    PROGRESS_REPORT: "Quarterly progress report",
    INVOICE: "Quarterly invoice",
    CASE_REPORT: "Six-weekly case report",
    INTERVENTION_REVIEW: "Six-monthly intervention review",
}
DEADLINE_DAYS = 60
ENDING_MONTHS = 6


def _timestamp(value: date | None) -> pd.Timestamp | NaTType:
    return pd.NaT if value is None else pd.Timestamp(value)


def _select(contracts: Iterable[ContractTerms], contract: str | None) -> list[ContractTerms]:
    return [c for c in contracts if contract is None or c.reference.lower() == contract.lower()]


def contract_state(contract: ContractTerms, as_of: date) -> str:
    if as_of < contract.start_date:
        return "Not started"
    if as_of > latest_end(contract, include_extension=True):
        return "Ended"
    if as_of > contract.end_date:
        return "Past end date, within extension option"
    return "Running"


def gantt_table(contracts: Iterable[ContractTerms], as_of: date, contract: str | None = None) -> pd.DataFrame:
    """One row per contract: start, end, latest end with extensions, break date, state."""
    rows = [
        {
            "Contract": c.reference,
            "Title": c.title,
            "Programme": c.programme,
            "Start": _timestamp(c.start_date),
            "End": _timestamp(c.end_date),
            "Latest end (with extensions)": _timestamp(latest_end(c, include_extension=True)),
            "Break date": _timestamp(c.break_date),
            "State": contract_state(c, as_of),
        }
        for c in sorted(_select(contracts, contract), key=lambda c: (c.start_date, c.reference))
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "Title",
            "Programme",
            "Start",
            "End",
            "Latest end (with extensions)",
            "Break date",
            "State",
        ],
    )


def gantt_sentence(table: pd.DataFrame, as_of: date) -> str:
    if table.empty:
        return "No contracts to show."
    states = table["State"].value_counts()
    parts = [
        f"{count} {one if count == 1 else many}"
        for state, one, many in _STATE_WORDS
        if (count := int(states.get(state, 0)))
    ]  # every contract in one of them, so they add up
    breaks = int(table["Break date"].notna().sum())
    runs = "The contract runs" if len(table) == 1 else f"The {len(table)} contracts run"
    with_break = (
        "No contract has a break date."
        if not breaks
        else f"{counted(breaks, 'contract')} {'has' if breaks == 1 else 'have'} a break date (marked with a "
        "vertical tick)."
    )
    return (
        f"On {long_date(as_of)}, {listed(parts)}. {runs} from {table['Start'].min():%B %Y} to "
        f"{table['Latest end (with extensions)'].max():%B %Y} (with extensions). {with_break}"
    )


_STATE_WORDS = (  # contract_state -> words for one contract, for several
    ("Running", "running within its term", "running within their term"),
    (
        "Past end date, within extension option",
        "past its end date but within an extension option",
        "past their end date but within an extension option",
    ),
    ("Not started", "not started yet", "not started yet"),
    ("Ended", "ended", "ended"),
)


def milestone_table(milestones: Iterable[Milestone], as_of: date, contract: str | None = None) -> pd.DataFrame:
    """Every milestone with its status in words (done, due soon, overdue, upcoming): the overdue
    first, then those due soon, then the rest, each by due date (what needs acting on is at the top
    of a long table, not behind "Show all")."""
    rows = []
    for m in milestones:
        if contract is not None and m.contract.lower() != contract.lower():
            continue
        status = milestone_status(m, as_of)
        late = days_late(m, as_of)
        rows.append(
            {
                "Contract": m.contract,
                "Milestone": m.name,
                "Due": _timestamp(m.due_date),
                "Completed": _timestamp(m.completed_date if m.completed_date and m.completed_date <= as_of else None),
                "Status": STATUS_LABELS[status],
                "Days to due date": (m.due_date - as_of).days if status not in COMPLETED_STATUSES else None,
                "Days late": late,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["Contract", "Milestone", "Due", "Completed", "Status", "Days to due date", "Days late"]
    )
    frame["Days to due date"] = frame["Days to due date"].astype("Int64")  # whole days; blank when done
    frame["Days late"] = frame["Days late"].astype("Int64")  # blank unless done late
    frame["_first"] = frame["Status"].map({STATUS_LABELS[OVERDUE]: 0, STATUS_LABELS[DUE_SOON]: 1}).fillna(2)
    return frame.sort_values(["_first", "Due", "Contract", "Milestone"], ignore_index=True).drop(columns="_first")


def overdue_answer(milestones: pd.DataFrame, decisions: pd.DataFrame) -> str:
    """The Timelines page's opening sentence: how many milestones and decisions are overdue."""
    overdue = [
        counted(int((frame["Status"] == "Overdue").sum()), noun)
        for frame, noun in ((milestones, "milestone"), (decisions, "decision"))
        if not frame.empty and (frame["Status"] == "Overdue").any()
    ]
    if not overdue:
        return "Nothing is overdue: no milestone or decision is past its date."
    total = sum(int(part.split()[0]) for part in overdue)
    return f"{listed(overdue)} {'is' if total == 1 else 'are'} overdue."


def milestone_sentence(table: pd.DataFrame) -> str:
    if table.empty:
        return "No milestones recorded."
    counts = table["Status"].value_counts()
    parts = [
        f"{counts.get(label, 0)} {label.lower()}" for label in ("Done", "Done late", "Overdue", "Due soon", "Upcoming")
    ]
    sentence = f"{counted(len(table), 'milestone')}: " + ", ".join(parts) + "."
    overdue = table[table["Status"] == "Overdue"]
    if not overdue.empty:
        sentence += " Overdue: " + "; ".join(f"{r.Contract} {r.Milestone}" for r in overdue.itertuples()) + "."
    late = table[table["Status"] == STATUS_LABELS[DONE_LATE]]
    if not late.empty:
        sentence += (
            " Done late: "
            + "; ".join(
                f"{r['Contract']} {r['Milestone']} ({counted(r['Days late'], 'day')} late)"
                for r in late.to_dict("records")
            )
            + "."
        )
    return sentence


def obligation_table(
    contracts: Iterable[ContractTerms],
    statuses: Iterable[LAStatus],
    la_names: Mapping[str, str],
    as_of: date,
    contract: str | None = None,
    past_days: int = 90,
    ahead_days: int = 365,
    *,
    milestones: Iterable[Milestone] = (),
    invoice_lines: Iterable[InvoiceLine] = (),
) -> pd.DataFrame:
    """Derived obligations due from ``past_days`` before to ``ahead_days`` after as-of.

    Quarterly reports and invoices and six-weekly case reports run to the
    latest end with extensions; those for periods after the current end date
    are marked "Only if extended", unless invoices or milestones after it show
    the extension in use (``extension_in_use``). A report that is a register
    milestone is left to the milestones (``derived_obligations``). An invoice
    dated on or before as-of billing the quarter says when it was received.
    LA intervention reviews are listed only when no single contract is chosen.
    """
    milestones, invoice_lines = list(milestones), list(invoice_lines)
    first, last = as_of - timedelta(days=past_days), as_of + timedelta(days=ahead_days)
    received = invoices_received(invoice_lines, as_of)
    rows = []
    for c in _select(contracts, contract):
        in_use = extension_in_use(c, milestones, invoice_lines, as_of)
        for o in derived_obligations(c, (first, last), include_extension=True, milestones=milestones):
            days = (o.due_date - as_of).days
            invoice = received.get((o.contract.casefold(), o.period_end)) if o.kind == INVOICE else None
            rows.append(
                {
                    "Due": _timestamp(o.due_date),
                    "Obligation": KIND_LABELS[o.kind],
                    "Contract": o.contract,
                    "LA": "",
                    "Details": o.name,
                    "Due in (days)": days,
                    "When": _when(days, o.kind, invoice),
                    "Only if extended": "Yes" if o.period_end > c.end_date and not in_use else "No",
                }
            )
    if contract is None:
        for review in intervention_reviews(statuses, last, as_of):
            if review.due_date >= first:
                days = (review.due_date - as_of).days
                rows.append(
                    {
                        "Due": _timestamp(review.due_date),
                        "Obligation": KIND_LABELS[INTERVENTION_REVIEW],
                        "Contract": "",
                        "LA": la_names.get(review.la_code, review.la_code),
                        "Details": f"{review.name} (in intervention from {short_date(review.intervention_from)})",
                        "Due in (days)": days,
                        "When": _when(days),
                        "Only if extended": "",
                    }
                )
    frame = pd.DataFrame(
        rows, columns=["Due", "Obligation", "Contract", "LA", "Details", "Due in (days)", "When", "Only if extended"]
    )
    return frame.sort_values(["Due", "Contract", "LA", "Details"], ignore_index=True)


def _when(days: int, kind: str = "", invoice: InvoiceLine | None = None) -> str:
    """A due date in words from as-of: "in 20 days", "due today", "was due 45 days ago ...".

    An invoice billing the quarter by as-of (``invoice``) meets an invoice obligation:
    "received on 13/01/2023", late (as the finance flag counts it) when more than 30
    days after the quarter end; with none, a past due date is "not received by as-of".
    The service holds no record of reports received other than the register's
    milestones: a past report's due date is said as past, not judged.
    """
    if invoice is not None:
        late = late_invoice_flag(invoice) is not None
        after = f" (late: {counted(days_after_quarter_end(invoice), 'day')} after the quarter ended)" if late else ""
        return f"received on {long_date(invoice.invoice_date)}{after}"
    count = counted(abs(days), "day")
    if days == 0:
        return "due today"
    if days > 0:
        return f"in {count}"
    return f"was due {count} ago ({'not received by as-of' if kind == INVOICE else 'receipt not recorded here'})"


def deadline_table(
    contracts: Iterable[ContractTerms],
    milestones: Iterable[Milestone],
    statuses: Iterable[LAStatus],
    la_names: Mapping[str, str],
    as_of: date,
    contract: str | None = None,
    days: int = DEADLINE_DAYS,
    *,
    invoice_lines: Iterable[InvoiceLine] = (),
    returns: Iterable[ReturnImport] = (),
) -> pd.DataFrame:
    """Everything due from as-of to as-of + 60 days: open milestones, obligations, LA reviews, and
    the extension and break decisions; a decision already overdue is listed first while the contract
    can still be extended (to its latest end with extensions), so it is not missed.

    A report that is a register milestone is listed once, as the milestone
    (``derived_obligations``); one after a contract's end date is said to be owed
    only if the contract is extended, unless ``extension_in_use``.
    """
    milestones, invoice_lines, returns = list(milestones), list(invoice_lines), list(returns)
    chosen = _select(contracts, contract)
    items: list[Due] = [m for m in milestones if contract is None or m.contract.lower() == contract.lower()]
    for c in chosen:
        items += derived_obligations(c, include_extension=True, milestones=milestones)
    if contract is None:
        items += intervention_reviews(statuses, as_of + timedelta(days=days), as_of)
    la_of = {id(item): getattr(item, "la_code", "") for item in items}
    # the end dates of contracts not shown to be running on their extension
    ends = {
        c.reference: c.end_date for c in chosen if not extension_in_use(c, milestones, invoice_lines, as_of, returns)
    }
    if_extended = {
        id(item)
        for item in items  # owed only if the contract is extended past its end date
        if isinstance(item, Obligation) and item.period_end > ends.get(item.contract, item.period_end)
    }
    overdue: list[Decision] = []
    for c in chosen:
        for decision in decisions(c, as_of, milestones, invoice_lines, returns):
            if decision.status == OVERDUE:
                if not past_deciding(c, as_of):
                    overdue.append(decision)
            else:
                items.append(decision)
    rows = [
        {
            "Due": _timestamp(d.due_date),
            "Days left": (d.due_date - as_of).days,
            "What": KIND_LABELS[d.kind],
            "Contract": d.contract,
            "LA": "",
            "Details": f"{d.name} (overdue)",
        }
        for d in sorted(overdue, key=lambda d: (d.due_date, d.contract))
    ]
    for deadline, item in _deadlines_with_items(items, as_of, days):
        la_code = la_of.get(id(item), "")
        rows.append(
            {
                "Due": _timestamp(deadline.due_date),
                "Days left": deadline.days_left,
                "What": KIND_LABELS.get(deadline.kind, deadline.kind),
                "Contract": deadline.contract,
                "LA": la_names.get(la_code, la_code) if la_code else "",
                "Details": deadline.name + (" (only if the contract is extended)" if id(item) in if_extended else ""),
            }
        )
    return pd.DataFrame(rows, columns=["Due", "Days left", "What", "Contract", "LA", "Details"])


def decision_table(
    contracts: Iterable[ContractTerms],
    as_of: date,
    contract: str | None = None,
    *,
    milestones: Iterable[Milestone] = (),
    invoice_lines: Iterable[InvoiceLine] = (),
    returns: Iterable[ReturnImport] = (),
) -> pd.DataFrame:
    """Every extension and break decision of the contracts in view, with its status in words
    (``timelines.decisions``); a contract with an extension option whose register gives no
    ``Extension notice (months)`` is listed with no date: "not set in the contract register"."""
    milestones, invoice_lines, returns = list(milestones), list(invoice_lines), list(returns)
    rows: list[dict[str, str | int | pd.Timestamp | NaTType | None]] = []
    for c in sorted(_select(contracts, contract), key=lambda c: c.reference.lower()):
        for d in decisions(c, as_of, milestones, invoice_lines, returns):
            passed = d.status == OVERDUE and past_deciding(c, as_of)  # not "715 days overdue": nothing to decide
            rows.append(
                {
                    "Contract": d.contract,
                    "Decision": KIND_LABELS[d.kind],
                    "Due": _timestamp(d.due_date),
                    "Days left": None if passed else (d.due_date - as_of).days,
                    "Status": ENDED_UNDECIDED if passed else DECISION_STATUS_LABELS[d.status],
                    "Details": d.name,
                }
            )
        if c.extension_up_to is not None and c.extension_up_to > c.end_date and c.extension_notice_months is None:
            rows.append(
                {
                    "Contract": c.reference,
                    "Decision": KIND_LABELS[EXTENSION],
                    "Due": pd.NaT,
                    "Days left": None,
                    "Status": ENDED_UNDECIDED
                    if past_deciding(c, as_of)
                    else DECISION_STATUS_LABELS[IN_USE]
                    if extension_in_use(c, milestones, invoice_lines, as_of, returns)
                    else "No date",
                    "Details": f"May be extended to {long_date(c.extension_up_to)}; the "
                    f"{EXTENSION_NOTICE.column.lower()} is {NOT_SET}, so no decision date is set",
                }
            )
    frame = pd.DataFrame(rows, columns=["Contract", "Decision", "Due", "Days left", "Status", "Details"])
    frame["Days left"] = frame["Days left"].astype("Int64")
    return frame


def decision_sentence(table: pd.DataFrame) -> str:
    if table.empty:
        return (
            "There are no extension or break decisions. The contract register gives no extension option with "
            "a notice period, and no break date."
        )
    dated = table[table["Status"] != "No date"]
    overdue = table[table["Status"] == DECISION_STATUS_LABELS[OVERDUE]]
    sentence = f"{counted(len(dated), 'decision')} with a date."
    if not overdue.empty:
        sentence += (
            f" {len(overdue)} {'is' if len(overdue) == 1 else 'are'} overdue: "
            + "; ".join(
                f"{contract} {decision.lower()} (due {long_date(due)})"
                for contract, decision, due in zip(overdue["Contract"], overdue["Decision"], overdue["Due"])
            )
            + "."
        )
    return sentence


def stale_intervention_sentences(statuses: Iterable[LAStatus], la_names: Mapping[str, str], as_of: date) -> list[str]:
    """ "after that the LA's status is shown as 'not updated since' that record's date, with no
    reviews invented": one sentence per LA in intervention whose latest record is over 12 months old."""
    return [
        f"{la_names.get(s.la_code, s.la_code)}: in intervention (from {long_date(s.intervention_from)}), status not "
        f"updated since {long_date(s.latest_record)}. No reviews are shown after {long_date(projection_end(s.latest_record))}."
        for s in stale_interventions(statuses, as_of)
    ]


def _deadlines_with_items(items: list[Due], as_of: date, days: int) -> list[tuple[Deadline, Due]]:
    """Pairs (Deadline, item) in ``deadlines_within`` order."""
    found = []
    for item in items:
        for deadline in deadlines_within([item], as_of, days):
            found.append((deadline, item))
    found.sort(key=lambda pair: (pair[0].due_date, pair[0].contract, pair[0].name))
    return found


def deadline_sentence(table: pd.DataFrame, as_of: date, days: int = DEADLINE_DAYS) -> str:
    """The deadlines table in words: the decisions already overdue (``deadline_table`` lists them
    first, so they are not missed) apart from what falls due in the coming ``days``."""
    if table.empty:
        return f"Nothing falls due in the {days} days from {long_date(as_of)}."
    overdue, coming = table[table["Days left"] < 0], table[table["Days left"] >= 0]
    said = []
    if not overdue.empty:
        first = overdue.iloc[0]
        said.append(
            f"{counted(len(overdue), 'decision')} {'is' if len(overdue) == 1 else 'are'} overdue, listed first: "
            f"{str(first['Details']).removesuffix(' (overdue)')} ({first['Contract']}) was due on "
            f"{long_date(first['Due'])}."
        )
    if coming.empty:
        said.append(f"Nothing else falls due in the {days} days from {long_date(as_of)}.")
    else:
        first = coming.iloc[0]
        said.append(
            f"{counted(len(coming), 'deadline')} in the {days} days from {long_date(as_of)}. The first is "
            f"{first['Details']} ({first['Contract'] or first['LA']}) on {long_date(first['Due'])}."
        )
    return " ".join(said)


def ending_table(
    contracts: Iterable[ContractTerms], as_of: date, contract: str | None = None, months: int = ENDING_MONTHS
) -> pd.DataFrame:
    """Contracts ending within 6 months, with the register's dates as the register gives them.

    A contract already past its end date (running on its extension option, as far as the
    register says) ends, for this list, on its latest end with extensions: "Ends" says
    which date is meant and "Days left" counts to it.
    """
    chosen = _select(contracts, contract)
    register = {c.reference: c for c in chosen}
    extended = {c.reference for c in chosen if as_of > c.end_date}
    as_listed = [
        replace(c, end_date=latest_end(c, include_extension=True), extension_up_to=None)
        if c.reference in extended
        else c
        for c in chosen
    ]
    rows = [
        {
            "Contract": e.contract,
            "Title": e.title,
            "End date": _timestamp(register[e.contract].end_date),
            "Extension option up to": _timestamp(register[e.contract].extension_up_to),
            "Break date": _timestamp(e.break_date),
            "Ends": _timestamp(e.end_date),
            "Days left": e.days_left,
            "Options": (
                f"May be extended to {long_date(e.extension_up_to)}"
                if e.extension_up_to
                else "Past its end date, running on its extension option, which ends then"
                if e.contract in extended
                else "No extension option left"
            ),
        }
        for e in contracts_ending_within(as_listed, as_of, months)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "Title",
            "End date",
            "Extension option up to",
            "Break date",
            "Ends",
            "Days left",
            "Options",
        ],
    )


def ending_sentence(table: pd.DataFrame, as_of: date, months: int = ENDING_MONTHS) -> str:
    if table.empty:
        return f"No contract ends in the {months} months from {long_date(as_of)}."
    extendable = int(table["Options"].str.startswith("May be extended").sum())
    return (
        f"{len(table)} contract{' ends' if len(table) == 1 else 's end'} in the {months} months from {long_date(as_of)}. "
        + (
            f"It {'can still' if extendable else 'cannot'} be extended."
            if len(table) == 1
            else f"{extendable} of them can still be extended."
        )
    )


# ------------------------------------------------------------------- the page


@dataclass(frozen=True)
class TimelinesInputs:
    """What the Timelines page shows: as of a date, for one contract or every one (``None``)."""

    as_of: date
    contract: str | None = None


@dataclass(frozen=True)
class TimelinesPage:
    """Every table the Timelines page draws, each with its sentence."""

    contracts: pd.DataFrame  # the Gantt chart's rows
    contracts_sentence: str
    milestones: pd.DataFrame
    milestones_sentence: str
    deadlines: pd.DataFrame
    deadlines_sentence: str
    decisions: pd.DataFrame
    decisions_sentence: str
    ending: pd.DataFrame
    ending_sentence: str
    stale_interventions: list[str]  # LAs in intervention whose status is out of date (every contract only)
    obligations: pd.DataFrame


def build(portfolio: Portfolio, inputs: TimelinesInputs) -> TimelinesPage:
    """Everything the Timelines page draws, from the viewer's records (whole contracts: the year, LA
    and region filters do not narrow them)."""
    as_of, contract = inputs.as_of, inputs.contract
    la_names = {la.code: la.name for la in portfolio.las}
    contracts = gantt_table(portfolio.contracts, as_of, contract)
    milestones = milestone_table(portfolio.milestones, as_of, contract)
    deadlines = deadline_table(
        portfolio.contracts,
        portfolio.milestones,
        portfolio.statuses,
        la_names,
        as_of,
        contract,
        invoice_lines=portfolio.invoice_lines,
        returns=portfolio.returns,
    )
    decisions = decision_table(
        portfolio.contracts,
        as_of,
        contract,
        milestones=portfolio.milestones,
        invoice_lines=portfolio.invoice_lines,
        returns=portfolio.returns,
    )
    ending = ending_table(portfolio.contracts, as_of, contract)
    return TimelinesPage(
        contracts=contracts,
        contracts_sentence=gantt_sentence(contracts, as_of),
        milestones=milestones,
        milestones_sentence=milestone_sentence(milestones),
        deadlines=deadlines,
        deadlines_sentence=deadline_sentence(deadlines, as_of),
        decisions=decisions,
        decisions_sentence=decision_sentence(decisions),
        ending=ending,
        ending_sentence=ending_sentence(ending, as_of),
        stale_interventions=[] if contract else stale_intervention_sentences(portfolio.statuses, la_names, as_of),
        obligations=obligation_table(
            portfolio.contracts,
            portfolio.statuses,
            la_names,
            as_of,
            contract,
            milestones=portfolio.milestones,
            invoice_lines=portfolio.invoice_lines,
        ),
    )
