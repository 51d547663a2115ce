"""What the Overview page shows: where each contract stands, headline KPIs, coverage against the
minimum, spend against allocation totals, the next deadlines and the latest imports.

Pure: records in, DataFrames and text out (no Streamlit, no SQL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from dashboard import status_grid
from dashboard.calendar import financial_year_of
from dashboard.coverage import LAIndex
from dashboard.currency import currencies, data_to_dates, data_to_of_contracts
from dashboard.finance import FinanceRow, spend_against_allocations
from dashboard.records import (
    Allocation,
    ContractTerms,
    InvoiceLine,
    LAStatus,
    LocalAuthority,
    Milestone,
    Portfolio,
    ReturnImport,
    SurveyResponse,
    Unit,
)
from dashboard.timelines import extension_in_use
from dashboard.views import timelines as timeline_views
from dashboard.views.common import (
    Disclosure,
    FilteredInputs,
    KpiDisplay,
    counted_units,
    headline_displays,
    kpi_order,
    kpi_outcomes,
    kpi_results,
    kpi_table,
)
from dashboard.views.coverage import coverage_frame, coverage_sentence, coverage_year
from dashboard.vocabulary import IMPORT_OUTCOMES
from dashboard.wording import counted, long_date

DEADLINE_DAYS = timeline_views.DEADLINE_DAYS


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
    totals: dict[str, dict[str, Decimal | int]] = {}
    for row in rows:
        if row.financial_year != year:
            continue
        item = totals.setdefault(
            row.contract, {"allocated": Decimal(0), "spent": Decimal(0), "headings": 0, "overspent": 0}
        )
        item["allocated"] += row.allocated
        item["spent"] += row.spent
        item["headings"] += 1
        item["overspent"] += int(row.overspent)
    table = [
        {
            "Contract": c,
            "Financial year": year,
            "Headings": t["headings"],
            "Headings overspent": t["overspent"],
            "Allocated in all (£)": float(t["allocated"]),
            "Spent in all (£)": float(t["spent"]),
        }
        for c, t in sorted(totals.items())
    ]
    return pd.DataFrame(
        table,
        columns=[
            "Contract",
            "Financial year",
            "Headings",
            "Headings overspent",
            "Allocated in all (£)",
            "Spent in all (£)",
        ],
    ), year


def latest_imports(imports: Sequence[Mapping[str, Any]], details: bool, limit: int = 10) -> pd.DataFrame:
    """The newest imports in words; the file and who made it only with ``details`` (administrators and
    contract managers, whose list holds only their contracts' imports: ``access.may_see_import``)."""
    rows = [
        {
            "When (UTC)": row["imported_at"],
            **({"File": row["file_name"]} if details else {}),
            "Kind": row["kind"],
            "Contract": row["contract"] or "",
            **({"Who": row["imported_by"]} if details else {}),
            "Outcome": IMPORT_OUTCOMES.get(row["outcome"], row["outcome"]),
            "New": row["inserted"],
            "Updated": row["updated"],
            "Flags": row["flags"],
        }
        for row in list(imports)[:limit]
    ]
    columns = [
        "When (UTC)",
        *(["File"] if details else []),
        "Kind",
        "Contract",
        *(["Who"] if details else []),
        "Outcome",
        "New",
        "Updated",
        "Flags",
    ]
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


def overdue_sentence(milestones: Sequence[Milestone], as_of: date) -> str | None:
    """The milestones overdue on as-of (not completed and due before it), as the Timelines page
    lists them, or None."""
    table = timeline_views.milestone_table(milestones, as_of)
    overdue = table[table["Status"] == "Overdue"]
    if overdue.empty:
        return None
    items = "; ".join(
        f"{contract} {milestone} (due {long_date(due)})"
        for contract, milestone, due in zip(overdue["Contract"], overdue["Milestone"], overdue["Due"], strict=True)
    )
    return f"{counted(len(overdue), 'milestone')} overdue: {items}."


def overview_page(
    contracts: Sequence[ContractTerms],
    units: Sequence[Unit],
    responses: Sequence[SurveyResponse],
    allocations: Sequence[Allocation],
    invoice_lines: Sequence[InvoiceLine],
    milestones: Sequence[Milestone],
    las: Sequence[LocalAuthority],
    as_of: date,
    financial_year: str | None,
    disclosure: Disclosure,
    statuses: Sequence[LAStatus] = (),
    area_only: bool = False,
    returns: Sequence[ReturnImport] = (),
    data_to: Mapping[str, date] | None = None,
) -> OverviewPage:
    disclosure = disclosure.with_plan(units, as_of).of_units(counted_units(units, as_of, financial_year))
    currency = currencies(contracts, returns, as_of, milestones, invoice_lines)
    if data_to is None:
        data_to = data_to_of_contracts(currency)
    outcomes = kpi_outcomes(units, responses, as_of, financial_year, data_to)
    results = sorted(kpi_results(outcomes, contracts), key=kpi_order)
    displays = headline_displays(results, outcomes, disclosure)
    titles = {c.reference: c.title for c in contracts}
    year = coverage_year(units, as_of, financial_year)
    coverage = coverage_frame(contracts, units, as_of, LAIndex(las), year, area_only)
    finance_rows = spend_against_allocations(allocations, invoice_lines, as_of)
    spend, spend_year = spend_frame(finance_rows, as_of, financial_year)
    if spend.empty:
        spend_text = (
            "No allocations or spend recorded yet for the contracts chosen."
            if not finance_rows
            else f"No allocation or spend recorded in {spend_year} for the contracts chosen."
        )
    elif (
        not financial_year
        and spend_year is not None
        and spend_year > financial_year_of(as_of)
        and not spend["Spent in all (£)"].any()
    ):
        headings = int(spend["Headings"].sum())
        spend_text = (
            f"Nothing is spent as of {long_date(as_of)}: the first allocations are for {spend_year}, which "
            f"has not started ({counted(headings, 'expenditure heading')} across "
            f"{counted(len(spend), 'contract')})."
        )
    else:
        over, headings = int(spend["Headings overspent"].sum()), int(spend["Headings"].sum())
        spend_text = (
            f"In {spend_year}, {over} of {counted(headings, 'expenditure heading')} across "
            f"{counted(len(spend), 'contract')} "
            f"{'is' if over == 1 else 'are'} overspent."
        )
        earlier = [
            f"{row.contract} {row.heading} {row.financial_year} (over by £{-row.remaining:,.2f})"
            for row in finance_rows
            if row.overspent and spend_year and row.financial_year < spend_year
        ]
        if earlier and not financial_year:  # flags are shown, never dropped: an earlier year's overspend stays
            spend_text += f" Still overspent from earlier years: {'; '.join(earlier)}."
    deadlines = timeline_views.deadline_table(
        contracts,
        milestones,
        statuses,
        {la.code: la.name for la in las},
        as_of,
        invoice_lines=invoice_lines,
        returns=returns,
    )
    grid = status_grid.status_grid(
        contracts,
        displays,
        coverage,
        finance_rows,
        spend_year,
        timeline_views.milestone_table(milestones, as_of),
        deadlines,
        currency,
        as_of,
        {
            c.reference
            for c in contracts
            if c.extension_up_to is not None and extension_in_use(c, milestones, invoice_lines, as_of, returns)
        },
    )
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


def build(portfolio: Portfolio, inputs: FilteredInputs) -> OverviewPage:
    """Everything the Overview draws, from the records the filters select."""
    return overview_page(
        portfolio.contracts,
        portfolio.units,
        portfolio.responses,
        portfolio.allocations,
        portfolio.invoice_lines,
        portfolio.milestones,
        portfolio.las,
        inputs.as_of,
        inputs.financial_year,
        Disclosure(inputs.board, bool(inputs.la), plan=inputs.plan),
        portfolio.statuses,
        area_only=bool(inputs.region or inputs.la),
        returns=portfolio.returns,
        data_to=data_to_dates(portfolio.contracts, portfolio.returns, inputs.as_of),
    )
