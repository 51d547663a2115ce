"""What the Finance page shows: tables and one-sentence summaries (pure).

Every figure comes from ``dashboard.finance`` (rules.md "Finance"); this module
only filters, labels and lays them out. Spend is compared per contract,
expenditure heading and FY, never pooled: totals per FY and per contract show
the allocated and spent sums for reconciliation with the pricing schedule, and
count overspent headings, but never net one heading's underspend against
another's overspend. The straight-line forecast is kept in its own frame.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

import pandas as pd

from dashboard.calendar import financial_year_of, fy_end, fy_start, parse_financial_year, quarter_end
from dashboard.finance import (
    AMOUNT_MISMATCH,
    DAY_RATE_ABOVE_CAP,
    EXECUTIVE_LEVEL,
    EXPENSES_ON_INCLUSIVE_RATE,
    LATE_INVOICE,
    OVERHEADS_ABOVE_CAP,
    OVERSPEND,
    SPEND_ABOVE_VALUE,
    ZERO,
    FinanceFlag,
    FinanceRow,
    as_decimal,
    counts_as_of,
    cumulative_spend_by_quarter,
    day_rate_cap,
    finance_flags,
    is_overheads,
    quarters_billed,
    spend_against_allocations,
    straight_line_forecast,
)
from dashboard.records import Allocation, ContractTerms, InvoiceLine, Portfolio
from dashboard.summary import money
from dashboard.terms import (
    DAY_RATE_CAP,
    EXECUTIVE_DAY_RATE_CAP,
    NOT_SET,
    OVERHEADS_CAP,
    RATES_INCLUDE_EXPENSES,
    VALUE,
    term_text,
)
from dashboard.wording import counted, listed, long_date

FLAG_LABELS = {
    DAY_RATE_ABOVE_CAP: "Day rate above cap",
    AMOUNT_MISMATCH: "Amount differs from days x day rate",
    OVERHEADS_ABOVE_CAP: "Overheads above the contract's cap",
    LATE_INVOICE: "Invoice more than 30 days late",
    OVERSPEND: "Spend above allocation",
    EXPENSES_ON_INCLUSIVE_RATE: "Expenses billed although rates include them",
    SPEND_ABOVE_VALUE: "Spend above the contract value",
}
NO_CAP = f"No cap: {NOT_SET}"
FINANCE_TERMS = (DAY_RATE_CAP, EXECUTIVE_DAY_RATE_CAP, OVERHEADS_CAP, RATES_INCLUDE_EXPENSES)

Sources = Mapping[tuple[str, str, int], tuple[str | None, int | None]]


def gbp(value: Decimal | float, pence: bool = True) -> str:
    """£1,234.50 (negative as -£12.00); whole pounds as £450 when ``pence`` is False."""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if not pence and amount == amount.to_integral_value():
        text = f"£{abs(amount.to_integral_value()):,}"
    else:
        text = f"£{abs(amount.quantize(Decimal('0.01'))):,}"
    return f"-{text}" if amount < 0 else text


def _same_contract(a: str, b: str | None) -> bool:
    return b is None or a.lower() == b.lower()


def _same_year(year: str, wanted: str | None) -> bool:
    return wanted is None or parse_financial_year(year) == parse_financial_year(wanted)


Selected = TypeVar("Selected", Allocation, InvoiceLine)


def _selected(items: Iterable[Selected], contract: str | None, financial_year: str | None) -> list[Selected]:
    """The items (allocations or invoice lines) of a contract (case-blind) and FY; ``None``: any.

    Same test as ``_same_contract`` and ``_same_year``, with the choice worked out once and
    each distinct FY label parsed once (100,000 invoice lines carry a handful of labels)."""
    items = list(items)
    if contract is not None:
        wanted = contract.lower()
        items = [item for item in items if item.contract.lower() == wanted]
    if financial_year is not None:
        year = parse_financial_year(financial_year)
        labels: dict[str, bool] = {}
        for item in items:
            if item.financial_year not in labels:
                labels[item.financial_year] = parse_financial_year(item.financial_year) == year
        items = [item for item in items if labels[item.financial_year]]
    return items


def select_allocations(
    allocations: Iterable[Allocation], contract: str | None = None, financial_year: str | None = None
) -> list[Allocation]:
    return _selected(allocations, contract, financial_year)


def select_lines(
    invoice_lines: Iterable[InvoiceLine], contract: str | None = None, financial_year: str | None = None
) -> list[InvoiceLine]:
    return _selected(invoice_lines, contract, financial_year)


def financial_years(allocations: Iterable[Allocation], invoice_lines: Iterable[InvoiceLine]) -> list[str]:
    """Every FY with an allocation or a billed line, oldest first."""
    years = {parse_financial_year(a.financial_year) for a in allocations}
    years |= {parse_financial_year(line.financial_year) for line in invoice_lines}
    return sorted(years)


# ------------------------------------------------------- spend against allocations


def finance_rows(
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    contract: str | None = None,
    financial_year: str | None = None,
) -> list[FinanceRow]:
    """rules.md rows (per contract, FY and heading) for the chosen contract and FY."""
    return spend_against_allocations(
        select_allocations(allocations, contract, financial_year),
        select_lines(invoice_lines, contract, financial_year),
        as_of,
    )


def _status(row: FinanceRow) -> str:
    """In words, as the overspend flag decides it (spend above allocation; with nothing allocated,
    any spend is an overspend of the whole amount)."""
    if row.overspent:
        return "Overspent: nothing allocated" if row.allocated == 0 else "Overspent"
    return "Nothing allocated, nothing spent" if row.allocated == 0 else "Within allocation"


def spend_table(rows: Iterable[FinanceRow]) -> pd.DataFrame:
    """One row per contract, FY and heading: allocated, spent, remaining, % spent, status."""
    return pd.DataFrame(
        [
            {
                "Contract": row.contract,
                "Financial year": row.financial_year,
                "Expenditure heading": row.heading,
                "Allocated (£)": money(row.allocated),
                "Spent (£)": money(row.spent),
                "Remaining (£)": money(row.remaining),
                "Spent (%)": None if row.percent_spent is None else round(row.percent_spent, 1),
                "Status": _status(row),
            }
            for row in rows
        ],
        columns=[
            "Contract",
            "Financial year",
            "Expenditure heading",
            "Allocated (£)",
            "Spent (£)",
            "Remaining (£)",
            "Spent (%)",
            "Status",
        ],
    )


ALL_YEARS = "All years"


def allocation_totals(rows: Iterable[FinanceRow]) -> pd.DataFrame:
    """Allocated and spent totals per contract and FY, and per contract (``All years``).

    Totals are for reconciliation with the pricing schedule only: no pooled
    "remaining" is shown, because funds cannot move between headings or years.
    """
    allocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    spent: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    overspent: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        for key in ((row.contract, row.financial_year), (row.contract, ALL_YEARS)):
            allocated[key] += row.allocated
            spent[key] += row.spent
            overspent[key] += int(row.overspent)
    order = sorted(allocated, key=lambda key: (key[0], key[1] == ALL_YEARS, key[1]))
    return pd.DataFrame(
        [
            {
                "Contract": contract,
                "Financial year": year,
                "Allocated (£)": money(allocated[(contract, year)]),
                "Spent (£)": money(spent[(contract, year)]),
                "Headings overspent": overspent[(contract, year)],
            }
            for contract, year in order
        ],
        columns=["Contract", "Financial year", "Allocated (£)", "Spent (£)", "Headings overspent"],
    )


def schedule_total(
    allocations: Iterable[Allocation], contract: str | None = None, financial_year: str | None = None
) -> Decimal:
    """The pricing schedule's own total (Part A amounts summed directly), for reconciliation."""
    return sum((as_decimal(a.amount) for a in select_allocations(allocations, contract, financial_year)), ZERO)


def reconciliation_sentence(rows: Iterable[FinanceRow], schedule: Decimal) -> str:
    """Whether the allocations shown add up to the pricing schedule to the penny."""
    shown = sum((row.allocated for row in rows), ZERO)
    if shown.quantize(Decimal("0.01")) == schedule.quantize(Decimal("0.01")):
        return f"Allocations shown total {gbp(shown)}, equal to the pricing schedule to the penny."
    return (
        f"Allocations shown total {gbp(shown)} but the pricing schedule totals {gbp(schedule)}: "
        f"a difference of {gbp(schedule - shown)}. Check the pricing schedule import."
    )


def spend_sentence(rows: list[FinanceRow]) -> str:
    """One sentence: how many heading-year allocations, and which are overspent, each named with its
    contract and by how much ("every comparison is per heading per FY, never pooled": no total of
    spend against a total of allocations, which would invite reading the two as one budget)."""
    if not rows:
        return "No allocations or spend recorded for this selection."
    over = [
        f"{row.contract} {row.heading} {row.financial_year} (over by {gbp(-row.remaining)})"
        for row in rows
        if row.overspent
    ]
    if over:
        return (
            f"{len(over)} of {counted(len(rows), 'heading-year allocation')} "
            f"{'is' if len(over) == 1 else 'are'} overspent: {'; '.join(over)}. "
            f"Each is compared with its own spend. The other {len(rows) - len(over)} "
            f"{'is' if len(rows) - len(over) == 1 else 'are'} within their allocation."
        )
    return (
        f"No heading is overspent ({counted(len(rows), 'heading-year allocation')}, each compared with its own spend)."
    )


# ------------------------------------------------------------------- burn-up


@dataclass(frozen=True)
class BurnUp:
    """Burn-up data for one contract and FY, per heading. ``forecast`` is never an actual."""

    actual: pd.DataFrame  # Heading, Quarter, Date, Spent in quarter (£), Cumulative spend (£)
    allocation: pd.DataFrame  # Heading, Allocated (£)
    forecast: pd.DataFrame  # Heading, Date, Forecast spend (£), Label ("forecast")
    table: pd.DataFrame  # the actuals with the heading's allocation, for the data table
    forecast_table: pd.DataFrame  # Heading, Spent to date (£), Forecast at FY end (£)
    quarters_billed: tuple[int, ...] = ()  # the FY's quarters invoiced by the as-of date


def burn_up(
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    contract: str,
    financial_year: str,
) -> BurnUp:
    """Cumulative spend by billed quarter per heading, the heading's allocation, and the
    straight-line forecast to FY end through the quarters invoiced so far (once the FY has
    started, while a quarter is not invoiced yet; the FY may have ended).

    Each actual point sits at the quarter's end, or at the as-of date for the quarter
    under way; the forecast starts at the end of the latest quarter invoiced, on its actual point.
    """
    year = parse_financial_year(financial_year)
    allocations = select_allocations(allocations, contract, year)
    lines = select_lines(invoice_lines, contract, year)
    rows = spend_against_allocations(allocations, lines, as_of)
    actual, allocation, forecast, forecast_table = [], [], [], []
    start, end = fy_start(year), fy_end(year)
    billed = quarters_billed(lines, year, as_of) if start <= as_of else ()
    latest = max(billed, default=None)
    for row in rows:
        allocation.append({"Heading": row.heading, "Allocated (£)": money(row.allocated)})
        if start <= as_of:
            actual.append(
                {
                    "Heading": row.heading,
                    "Quarter": f"{year} start",
                    "Date": start,
                    "Spent in quarter (£)": 0.0,
                    "Cumulative spend (£)": 0.0,
                }
            )
        for quarter in cumulative_spend_by_quarter(lines, as_of, allocations, heading=row.heading):
            actual.append(
                {
                    "Heading": row.heading,
                    "Quarter": quarter.label,
                    "Date": min(quarter_end(year, quarter.quarter), max(as_of, start)),
                    "Spent in quarter (£)": money(quarter.spent_in_quarter),
                    "Cumulative spend (£)": money(quarter.cumulative_spent),
                }
            )
        projection = straight_line_forecast(row.spent, year, latest)
        if projection is not None and projection.billed_through < end:
            forecast.append(
                {
                    "Heading": row.heading,
                    "Date": projection.billed_through,
                    "Forecast spend (£)": money(row.spent),
                    "Label": "forecast",
                }
            )
            forecast.append(
                {
                    "Heading": row.heading,
                    "Date": end,
                    "Forecast spend (£)": money(projection.forecast_year_end),
                    "Label": "forecast",
                }
            )
            forecast_table.append(
                {
                    "Heading": row.heading,
                    "Spent to date (£)": money(row.spent),
                    "Forecast at FY end (£)": money(projection.forecast_year_end),
                    "Allocated (£)": money(row.allocated),
                }
            )
    actual_frame = pd.DataFrame(
        actual, columns=["Heading", "Quarter", "Date", "Spent in quarter (£)", "Cumulative spend (£)"]
    )
    actual_frame["Date"] = pd.to_datetime(actual_frame["Date"])
    forecast_frame = pd.DataFrame(forecast, columns=["Heading", "Date", "Forecast spend (£)", "Label"])
    forecast_frame["Date"] = pd.to_datetime(forecast_frame["Date"])
    allocation_frame = pd.DataFrame(allocation, columns=["Heading", "Allocated (£)"])
    table = actual_frame[actual_frame["Quarter"] != f"{year} start"].merge(allocation_frame, on="Heading", how="left")
    return BurnUp(
        actual=actual_frame,
        allocation=allocation_frame,
        forecast=forecast_frame,
        table=table.drop(columns=["Date"]),
        forecast_table=pd.DataFrame(
            forecast_table, columns=["Heading", "Spent to date (£)", "Forecast at FY end (£)", "Allocated (£)"]
        ),
        quarters_billed=billed,
    )


def _quarters(quarters: Iterable[int]) -> str:
    """Q1, "Q1 and Q2", "Q1, Q2 and Q3"."""
    names = [f"Q{quarter}" for quarter in quarters]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def burn_up_sentence(data: BurnUp, contract: str, financial_year: str, as_of: date) -> str:
    """The burn-up in words, saying what its forecast's straight line is based on: the quarters
    invoiced so far ("shown as a forecast, never mixed with actuals"), and why none is drawn."""
    if data.allocation.empty:
        return f"{contract} has no allocation or spend in {financial_year}."
    lead = (
        f"The chart shows cumulative spend by quarter for each heading of {contract} in {financial_year} "
        "against its allocation"
    )
    billed = data.quarters_billed
    if data.forecast_table.empty:
        if as_of < fy_start(financial_year):
            why = f"{financial_year} has not started"
        elif not billed:
            why = f"no quarter of {financial_year} is invoiced yet"
        else:
            why = f"Q4, the last quarter of {financial_year}, is invoiced"
        return f"{lead}. {why[0].upper()}{why[1:]}, so no forecast is drawn."
    over = data.forecast_table[data.forecast_table["Forecast at FY end (£)"] > data.forecast_table["Allocated (£)"]]
    sentence = (
        f"On the straight-line forecast, no heading of {contract} would exceed its allocation in {financial_year}. "
        if over.empty
        else f"On the straight-line forecast, {listed(list(over['Heading']))} would exceed the allocation in "
        f"{financial_year}. "
    )
    basis = (
        f"the {counted(len(billed), 'quarter')} invoiced so far ({_quarters(billed)}, to "
        f"{long_date(quarter_end(financial_year, billed[-1]))}; dashed, a forecast, not spend)"
    )
    if as_of > fy_end(financial_year):
        to_come = range(billed[-1] + 1, 5)
        sentence += (
            f"{lead}. {financial_year} has ended but {_quarters(to_come)} "
            f"{'is' if len(to_come) == 1 else 'are'} not invoiced yet, so the straight-line forecast to "
            f"31 March runs through {basis}."
        )
    else:
        sentence += f"{lead}. The forecast to 31 March runs through {basis}."
    gaps = [quarter for quarter in range(1, billed[-1]) if quarter not in billed]
    if gaps:
        sentence += (
            f" {_quarters(gaps)} {'has' if len(gaps) == 1 else 'have'} no invoice and "
            f"count{'s' if len(gaps) == 1 else ''} as nothing spent."
        )
    return sentence


# ----------------------------------------------------------------- day rates


def cap_rule(line: InvoiceLine, contract: ContractTerms | None) -> str:
    """The cap rule a line is compared with, in words."""
    cap = day_rate_cap(line, contract)
    if cap is None or contract is None:  # no contract: no cap
        return NO_CAP
    executive = contract.executive_day_rate_cap is not None and (line.level or "").strip().casefold() == EXECUTIVE_LEVEL
    # a contract with no executive cap has one cap for every level, its executives' lines included
    group = (
        "Executive level"
        if executive
        else "Other levels"
        if contract.executive_day_rate_cap is not None
        else "All levels"
    )
    return f"{group}: cap {gbp(cap, pence=False)}"


def day_rate_table(
    contracts: Iterable[ContractTerms],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    contract: str | None = None,
    financial_year: str | None = None,
) -> pd.DataFrame:
    """Every counted invoice line with a day rate, its cap and whether it is above it."""
    terms = {c.reference: c for c in contracts}
    rows = []
    for line in select_lines(invoice_lines, contract, financial_year):
        if line.day_rate is None or not counts_as_of(line, as_of):
            continue
        terms_of = terms.get(line.contract)
        cap = day_rate_cap(line, terms_of)
        rate = as_decimal(line.day_rate)
        rows.append(
            {
                "Contract": line.contract,
                "Invoice": line.invoice_ref,
                "Line": line.line,
                "Financial year": parse_financial_year(line.financial_year),
                "Role": line.role or "",
                "Level": line.level or "",
                "Days": None if line.days is None else float(line.days),
                "Day rate (£)": money(rate),
                "Cap (£)": None if cap is None else money(cap),
                "Cap rule": cap_rule(line, terms_of),
                "Above cap": "Yes" if cap is not None and rate > as_decimal(cap) else "No",
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "Invoice",
            "Line",
            "Financial year",
            "Role",
            "Level",
            "Days",
            "Day rate (£)",
            "Cap (£)",
            "Cap rule",
            "Above cap",
        ],
    )


def day_rate_sentence(table: pd.DataFrame) -> str:
    if table.empty:
        return "No invoice line in this selection gives a day rate."
    above = table[table["Above cap"] == "Yes"]
    sentence = (
        f"{len(table)} invoice line{' gives' if len(table) == 1 else 's give'} a day rate, from "
        f"{gbp(min(table['Day rate (£)']))} to {gbp(max(table['Day rate (£)']))}. "
    )
    if above.empty:
        return sentence + "None is above the cap for its level."
    # the furthest above its own cap: the highest rate may be within a higher (executive) cap
    beyond = (above["Day rate (£)"] - above["Cap (£)"]).astype(float).to_numpy()
    worst = above.iloc[int(beyond.argmax())]
    return sentence + (
        f"{len(above)} {'is' if len(above) == 1 else 'are'} above the cap for {'its' if len(above) == 1 else 'their'} "
        f"level. The furthest above is {gbp(worst['Day rate (£)'])} against a cap of {gbp(worst['Cap (£)'])} "
        f"(invoice {worst['Invoice']} line {worst['Line']})."
    )


# ----------------------------------------------------- spend against contract value


def value_table(
    contracts: Iterable[ContractTerms], invoice_lines: Iterable[InvoiceLine], as_of: date, contract: str | None = None
) -> pd.DataFrame:
    """Per contract: its total spend to date (all years, lines dated on or before as-of) against its
    ``Value``, and the finance terms its register row sets, each "not set in the contract register"
    when blank (docs/how-figures-are-worked-out.md, "Contract terms")."""
    spent: dict[str, Decimal] = defaultdict(Decimal)
    for line in invoice_lines:
        if counts_as_of(line, as_of):
            spent[line.contract.lower()] += as_decimal(line.amount)
    rows = []
    for c in sorted(contracts, key=lambda c: c.reference.lower()):
        if not _same_contract(c.reference, contract):
            continue
        total = spent.get(c.reference.lower(), ZERO)
        value = None if c.value is None else as_decimal(c.value)
        rows.append(
            {
                "Contract": c.reference,
                "Value": term_text(c, VALUE),
                "Spent to date, all years (£)": money(total),
                "Spent (% of value)": round(float(total / value * 100), 1) if value else None,
                "Above the value": "" if value is None else "Yes" if total > value else "No",
                **{term.column: term_text(c, term) for term in FINANCE_TERMS},
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "Value",
            "Spent to date, all years (£)",
            "Spent (% of value)",
            "Above the value",
            *(term.column for term in FINANCE_TERMS),
        ],
    )


def value_sentence(table: pd.DataFrame) -> str:
    """ "Con_10575 has spent £1,234.00 of its £2,000.00 value (62 %)"; a contract with no value: said so."""
    if table.empty:
        return "No contract in this selection."
    parts = []
    for row in table.to_dict("records"):
        spent = gbp(row["Spent to date, all years (£)"])
        if row["Value"] == NOT_SET:
            parts.append(f"{row['Contract']} has spent {spent} to date; its value is {NOT_SET}")
        else:
            share = row["Spent (% of value)"]
            over = ": above the contract value" if row["Above the value"] == "Yes" else ""
            parts.append(
                f"{row['Contract']} has spent {spent} of its {row['Value']} value"
                f"{f' ({share:g} %)' if share is not None else ''}{over}"
            )
    return ". ".join(parts) + "."


# --------------------------------------------------------------------- flags


def _flag_lines(flag: FinanceFlag, invoices: dict[tuple[str, str], list[InvoiceLine]]) -> list[InvoiceLine]:
    """The invoice lines a flag is about (for the file and Excel rows); ``invoices`` maps
    (contract, invoice reference) to the invoice's lines."""
    if flag.invoice_ref is None:
        return []
    same_invoice = invoices.get((flag.contract, flag.invoice_ref), [])
    if flag.line is not None:
        return [line for line in same_invoice if line.line == flag.line]
    if flag.kind == OVERHEADS_ABOVE_CAP:
        return [line for line in same_invoice if is_overheads(line)]
    if flag.kind == LATE_INVOICE:
        return [line for line in same_invoice if parse_financial_year(line.financial_year) == flag.financial_year]
    return same_invoice


def flag_table(
    contracts: Iterable[ContractTerms],
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    sources: Sources,
    contract: str | None = None,
    financial_year: str | None = None,
) -> pd.DataFrame:
    """Every finance flag of the selection with its invoice, line, file and Excel row(s): the first
    row as a number (blank when none), any further rows of the flag listed in "Other Excel rows".

    Flags are raised on the contract's whole data (overheads and late
    invoices are per invoice) and then filtered to the FY asked for.
    """
    allocations = select_allocations(allocations, contract)
    lines = select_lines(invoice_lines, contract)
    flags = finance_flags(contracts, allocations, lines, as_of)
    invoices: dict[tuple[str, str], list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        invoices[(line.contract, line.invoice_ref)].append(line)
    rows = []
    for flag in flags:
        if not _same_year(flag.financial_year, financial_year) or not _same_contract(flag.contract, contract):
            continue
        found = _flag_lines(flag, invoices)
        places = [sources.get((line.contract, line.invoice_ref, line.line), (None, None)) for line in found]
        files = sorted({name for name, _ in places if name})
        excel_rows = sorted({row for _, row in places if row is not None})
        rows.append(
            {
                "Flag": FLAG_LABELS[flag.kind],
                "Contract": flag.contract,
                "Financial year": flag.financial_year,
                "Heading": flag.heading or "",
                "Invoice": flag.invoice_ref or "",
                "Line": flag.line,
                "Details": flag.message,
                "File": ", ".join(files) if files else ("" if flag.invoice_ref is None else "not recorded"),
                "Excel row": excel_rows[0] if excel_rows else None,
                "Other Excel rows": ", ".join(str(row) for row in excel_rows[1:]),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "Flag",
            "Contract",
            "Financial year",
            "Heading",
            "Invoice",
            "Line",
            "Details",
            "File",
            "Excel row",
            "Other Excel rows",
        ],
    )
    # numbers, so they sort as numbers: blank for a flag on no one line (a whole invoice or heading) or no row
    frame[["Line", "Excel row"]] = frame[["Line", "Excel row"]].astype("Int64")
    return frame


SOURCE_COLUMNS = ("File", "Excel row", "Other Excel rows")


def flags_as_seen(table: pd.DataFrame, sees_files_of: Callable[[str], bool]) -> pd.DataFrame:
    """The flags table as a viewer may see it: the file and Excel rows a flag came from only for the
    contracts whose imports the viewer may see (``sees_files_of(contract)``: ``access.may_see_import``,
    as file names may hold personal data), and no such columns at all when there are none (the Board)."""
    shown = table["Contract"].map(sees_files_of).astype(bool)
    if not shown.any():
        return table.drop(columns=list(SOURCE_COLUMNS))
    if shown.all():
        return table
    seen = table.copy()
    seen.loc[~shown, ["File", "Other Excel rows"]] = ""
    seen.loc[~shown, "Excel row"] = pd.NA
    return seen


def flag_sentence(table: pd.DataFrame) -> str:
    if table.empty:
        return "No finance flags for this selection."
    counts = table["Flag"].value_counts()
    parts = [f"{count} {str(label).lower()}" for label, count in counts.items()]
    return f"{counted(len(table), 'finance flag')}: " + "; ".join(parts) + "."


# ---------------------------------------------------------------------- page


@dataclass(frozen=True)
class FinancePage:
    """Everything the Finance page draws for one selection, except the burn-up (its own choice)."""

    rows: list[FinanceRow]
    spend: pd.DataFrame
    spend_sentence: str
    totals: pd.DataFrame
    reconciliation: str
    rates: pd.DataFrame
    rates_sentence: str
    flags: pd.DataFrame
    flags_sentence: str


@dataclass(frozen=True)
class ScopeTables:
    """The day-rate and flag tables of every contract and year in scope, worked out once: a
    choice of contract or year picks its rows (``picked``) instead of working them out again
    (flags are raised on each contract's whole data, so a contract's are the same either way)."""

    rates: pd.DataFrame
    flags: pd.DataFrame


def scope_tables(
    contracts: Iterable[ContractTerms],
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    sources: Sources,
) -> ScopeTables:
    contracts, invoice_lines = list(contracts), list(invoice_lines)
    return ScopeTables(
        rates=day_rate_table(contracts, invoice_lines, as_of),
        flags=flag_table(contracts, allocations, invoice_lines, as_of, sources),
    )


def picked(table: pd.DataFrame, contract: str | None, financial_year: str | None) -> pd.DataFrame:
    """The rows of ``table`` (with Contract and Financial year columns) for a contract (case-blind)
    and FY (any spelling of it); ``None``: any. The order of the rows is kept."""
    keep = pd.Series(True, index=table.index)
    if contract is not None:
        keep &= table["Contract"].str.lower() == contract.lower()
    if financial_year is not None:
        year = parse_financial_year(financial_year)
        same = {label: parse_financial_year(label) == year for label in table["Financial year"].unique()}
        keep &= table["Financial year"].map(same).astype(bool)
    return table[keep].reset_index(drop=True)


def finance_page(
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    tables: ScopeTables,
    contract: str | None = None,
    financial_year: str | None = None,
) -> FinancePage:
    """Spend against allocation, totals reconciled with the pricing schedule, day rates and flags,
    for a contract and FY (``None``: all) of the scope ``tables`` were worked out for."""
    allocations, invoice_lines = select_allocations(allocations, contract), select_lines(invoice_lines, contract)
    rows = finance_rows(allocations, invoice_lines, as_of, contract, financial_year)
    rates = picked(tables.rates, contract, financial_year)
    flags = picked(tables.flags, contract, financial_year)
    return FinancePage(
        rows=rows,
        spend=spend_table(rows),
        spend_sentence=spend_sentence(rows),
        totals=allocation_totals(rows),
        reconciliation=reconciliation_sentence(rows, schedule_total(allocations, contract, financial_year)),
        rates=rates,
        rates_sentence=day_rate_sentence(rates),
        flags=flags,
        flags_sentence=flag_sentence(flags),
    )


def latest_contract(rows: Iterable[FinanceRow], as_of: date) -> str | None:
    """The contract to open the burn-up on: the one with allocation or spend in the latest FY up
    to as-of's (then the most spent in it, then the first by reference), so the page opens on the present,
    not on a programme that ended years ago."""
    current = financial_year_of(as_of)
    candidates = sorted((row for row in rows if row.financial_year <= current), key=lambda row: row.contract)
    return max(candidates, key=lambda row: (row.financial_year, row.spent)).contract if candidates else None


def burn_up_years(
    allocations: Iterable[Allocation], invoice_lines: Iterable[InvoiceLine], as_of: date, contract: str
) -> list[str]:
    """The FYs in which a contract has an allocation or counted spend, oldest first (the burn-up's choices)."""
    return sorted({row.financial_year for row in finance_rows(allocations, invoice_lines, as_of, contract)})


# ------------------------------------------------------------------- the page's builds


def build_years(portfolio: Portfolio, inputs: None = None) -> list[str]:  # noqa: ARG001 - a build's signature
    """The financial years the page's filter offers: those with an allocation or spend in scope."""
    return financial_years(portfolio.allocations, portfolio.invoice_lines)


@dataclass(frozen=True)
class ScopeInputs:
    """What the scope's day-rate and flag tables are for."""

    as_of: date
    # (contract, invoice, line) -> (file, Excel row) (``finance_sources.invoice_sources``): follows from the data
    sources: Sources = field(default_factory=dict, compare=False)


def build_scope_tables(portfolio: Portfolio, inputs: ScopeInputs) -> ScopeTables:
    """The day-rate and flag tables of every contract and year in scope (``scope_tables``)."""
    return scope_tables(
        portfolio.contracts, portfolio.allocations, portfolio.invoice_lines, inputs.as_of, inputs.sources
    )


@dataclass(frozen=True)
class FinanceInputs:
    """What the Finance page's figures are for: the as-of date and the contract and year chosen."""

    as_of: date
    # the scope's tables (``build_scope_tables``): follow from the data and the as-of date
    tables: ScopeTables = field(compare=False)
    contract: str | None = None
    financial_year: str | None = None


def build(portfolio: Portfolio, inputs: FinanceInputs) -> FinancePage:
    """Everything the Finance page draws but the burn-up, from the records of the contract chosen
    (or of the scope, with none chosen)."""
    return finance_page(
        portfolio.allocations,
        portfolio.invoice_lines,
        inputs.as_of,
        inputs.tables,
        inputs.contract,
        inputs.financial_year,
    )


@dataclass(frozen=True)
class BurnUpInputs:
    """What a burn-up is drawn for: the as-of date, the contract and the year chosen for it."""

    as_of: date
    contract: str
    financial_year: str = ""  # "": not chosen yet (``build_burn_up_years`` gives the choices)


def build_burn_up_years(portfolio: Portfolio, inputs: BurnUpInputs) -> list[str]:
    """The years the burn-up can be drawn for (``burn_up_years``)."""
    return burn_up_years(portfolio.allocations, portfolio.invoice_lines, inputs.as_of, inputs.contract)


def build_burn_up(portfolio: Portfolio, inputs: BurnUpInputs) -> BurnUp:
    """The burn-up of the contract and year chosen (``burn_up``)."""
    return burn_up(portfolio.allocations, portfolio.invoice_lines, inputs.as_of, inputs.contract, inputs.financial_year)
