"""The machine-readable summary of ``../shared/spec/cli.md``: KPIs, coverage, finance, contracts.

Pure: records in, a JSON-ready dict out. Numbers are JSON numbers, money in
GBP with at most two decimals, rates as fractions rounded to 4 places; lists
sorted by contract, then financial year, then kpi / support type / heading, each as
the summary writes it (headings as the pricing schedule spells them, so "Travel"
comes before "overheads", as a plain sort of the text would put them).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Sequence

from dashboard.coverage import coverage_by_year
from dashboard.currency import DataCurrency, currencies, data_to_of_contracts
from dashboard.finance import counts_as_of, spend_against_allocations
from dashboard.kpi import UnitOutcome, kpis_from_outcomes, targets_from_contracts, unit_outcomes
from dashboard.records import (
    Allocation,
    ContractTerms,
    InvoiceLine,
    LocalAuthority,
    Milestone,
    ReturnImport,
    SurveyResponse,
    Unit,
)


def rounded_rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def money(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def build_summary(
    as_of: date,
    contracts: Sequence[ContractTerms],
    units: Iterable[Unit],
    responses: Iterable[SurveyResponse],
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    las: Sequence[LocalAuthority],
    outcomes: Sequence[UnitOutcome] | None = None,
    returns: Sequence[ReturnImport] = (),
    milestones: Sequence[Milestone] = (),
) -> dict[str, Any]:
    """Every KPI, coverage, finance and contract figure of the summary, as of ``as_of``.

    ``returns``: the quarterly returns that state their reporting quarter (data currency: each
    contract's data-to date, which the KPI statuses are judged against). ``outcomes``: the units'
    KPI statuses as of ``as_of`` when the caller has already worked them out
    (``kpi.unit_outcomes(units, responses, as_of, data_to)``), so they are not worked out twice.
    """
    units = list(units)
    invoice_lines = list(invoice_lines)
    currency = currencies(contracts, returns, as_of, milestones, invoice_lines)
    if outcomes is None:
        outcomes = unit_outcomes(units, responses, as_of, data_to_of_contracts(currency))
    minimum_las = {contract.reference: contract.min_las_per_year for contract in contracts}
    kpis = [
        {
            "contract": result.contract, "kpi": result.kpi, "target": result.target,
            "eligible": result.eligible, "met": result.met, "not_met": result.not_met,
            "no_baseline": result.no_baseline, "no_response": result.no_response,
            "pending": result.pending, "in_progress": result.in_progress,
            "rate": rounded_rate(result.rate), "ci_low": rounded_rate(result.ci_low),
            "ci_high": rounded_rate(result.ci_high),
            "awaiting_return": result.awaiting_return, "late_baseline": result.late_baseline,
        }
        for result in kpis_from_outcomes(outcomes, targets_from_contracts(contracts))
    ]
    coverage = [
        {"contract": row.contract, "financial_year": row.financial_year, "support_type": row.support_type,
         "las_supported": row.las_supported, "target": minimum_las.get(row.contract)}
        for row in coverage_by_year(units, as_of, las)
    ]
    finance = [
        {"contract": row.contract, "financial_year": row.financial_year, "heading": row.heading,
         "allocated": money(row.allocated), "spent": money(row.spent), "remaining": money(row.remaining)}
        for row in spend_against_allocations(allocations, invoice_lines, as_of)
    ]
    kpis.sort(key=lambda item: (item["contract"], item["kpi"]))
    coverage.sort(key=lambda item: (item["contract"], item["financial_year"], item["support_type"]))
    finance.sort(key=lambda item: (item["contract"], item["financial_year"], item["heading"]))
    return {"as_of": as_of.isoformat(), "kpis": kpis, "coverage": coverage, "finance": finance,
            "contracts": contract_entries(contracts, currency, invoice_lines, as_of)}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def contract_entries(contracts: Sequence[ContractTerms], currency: Sequence[DataCurrency],
                     invoice_lines: Sequence[InvoiceLine], as_of: date) -> list[dict[str, Any]]:
    """cli.md's ``contracts``: one entry per contract, sorted by contract: its data currency
    ("data_to", "latest_return_imported", "next_return_due", "return_overdue"; dates as
    YYYY-MM-DD, null when unknown) and its terms' figures."""
    by_contract = {c.contract: c for c in currency}
    entries = []
    for contract in sorted(contracts, key=lambda c: c.reference):
        known = by_contract[contract.reference]
        entries.append({
            "contract": contract.reference, "data_to": _iso(known.data_to),
            "latest_return_imported": _iso(known.latest_return_imported),
            "next_return_due": _iso(known.next_return_due), "return_overdue": known.return_overdue,
            **contract_terms_figures(contract, invoice_lines, as_of),
        })
    return entries


# ---- MERGE POINT: "value", "spent_to_date" and "decisions" of each ``contracts`` entry. The contract
# terms work (issue 16) gives the function that replaces this one; until then: the register's value,
# the invoice lines dated on or before as-of, and no decisions.
def contract_terms_figures(contract: ContractTerms, invoice_lines: Sequence[InvoiceLine], as_of: date) -> dict[str, Any]:
    key = contract.reference.casefold()
    spent = sum((line.amount for line in invoice_lines
                 if line.contract.casefold() == key and counts_as_of(line, as_of)), Decimal(0))
    return {"value": None if contract.value is None else money(contract.value), "spent_to_date": money(spent),
            "decisions": []}
