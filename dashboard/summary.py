"""The machine-readable summary of ``../shared/spec/cli.md``: KPIs, coverage, finance, contracts.

Pure: records in, a JSON-ready dict out. Numbers are JSON numbers, money in
GBP with at most two decimals, rates as fractions rounded to 4 places; lists
sorted by contract, then financial year, then kpi / support type / heading, each as
the summary writes it (headings as the pricing schedule spells them, so "Travel"
comes before "overheads", as a plain sort of the text would put them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dashboard.coverage import coverage_by_year
from dashboard.currency import DataCurrency, currencies, data_to_of_contracts
from dashboard.finance import (
    FinanceFlag,
    finance_flags,
    flag_counts,
    spend_against_allocations,
    spent_to_date_by_contract,
)
from dashboard.kpi import UnitOutcome, kpis_from_outcomes, targets_from_contracts, unit_outcomes
from dashboard.outcomes import DECLINED, IMPROVED, SAME, ofsted_outcomes
from dashboard.records import (
    Allocation,
    ContractTerms,
    IlacsJudgement,
    InvoiceLine,
    LocalAuthority,
    Milestone,
    ReturnImport,
    SurveyResponse,
    Unit,
)
from dashboard.timelines import decisions
from dashboard.value_for_money import value_for_money


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
    *,
    judgements: Iterable[IlacsJudgement],
    outcomes: Sequence[UnitOutcome] | None = None,
    returns: Sequence[ReturnImport] = (),
    milestones: Sequence[Milestone] = (),
    flags: Sequence[FinanceFlag] | None = None,
) -> dict[str, Any]:
    """Every KPI, coverage, finance and contract figure of the summary, as of ``as_of``.

    ``returns``: the quarterly returns that state their reporting quarter (data currency: each
    contract's data-to date, which the KPI statuses are judged against). ``outcomes``: the units'
    KPI statuses as of ``as_of`` when the caller has already worked them out
    (``kpi.unit_outcomes(units, responses, as_of, data_to)``), so they are not worked out twice.
    ``judgements``: the Ofsted ILACS history (for ``outcomes``); no default, as without it every
    contract's outcomes would read "0 reinspected" with no error. ``flags``: the finance flags of
    these records as of ``as_of`` (``finance.finance_flags(contracts, allocations, invoice_lines,
    as_of)``) when the caller has already worked them out, so they are not worked out twice.
    """
    units = list(units)
    invoice_lines = list(invoice_lines)
    currency = currencies(contracts, returns, as_of, milestones, invoice_lines)
    if outcomes is None:
        outcomes = unit_outcomes(units, responses, as_of, data_to_of_contracts(currency))
    return {
        **headline_figures(as_of, contracts, units, responses, allocations, invoice_lines, las, outcomes=outcomes),
        "flags": flags_summary(contracts, allocations, invoice_lines, as_of, flags),
        "value_for_money": value_for_money_entries(as_of, contracts, units, outcomes, invoice_lines, las),
        "outcomes": outcome_entries(as_of, units, judgements, las),
        "contracts": contract_entries(contracts, currency, invoice_lines, as_of, milestones, returns),
    }


def headline_figures(
    as_of: date,
    contracts: Sequence[ContractTerms],
    units: Iterable[Unit],
    responses: Iterable[SurveyResponse],
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    las: Sequence[LocalAuthority],
    *,
    outcomes: Sequence[UnitOutcome] | None = None,
    returns: Sequence[ReturnImport] = (),
    milestones: Sequence[Milestone] = (),
) -> dict[str, Any]:
    """The summary's ``as_of``, ``kpis``, ``coverage`` and ``finance`` (``build_summary``), and
    nothing else: the headline figures "What changed since the last Board" compares. ``outcomes``
    as for ``build_summary``; when not given, worked out with the data currency of ``returns``."""
    units = list(units)
    invoice_lines = list(invoice_lines)
    if outcomes is None:
        currency = currencies(contracts, returns, as_of, milestones, invoice_lines)
        outcomes = unit_outcomes(units, responses, as_of, data_to_of_contracts(currency))
    minimum_las = {contract.reference: contract.min_las_per_year for contract in contracts}
    kpis = [
        {
            "contract": result.contract,
            "kpi": result.kpi,
            "target": result.target,
            "eligible": result.eligible,
            "met": result.met,
            "not_met": result.not_met,
            "no_baseline": result.no_baseline,
            "no_response": result.no_response,
            "pending": result.pending,
            "in_progress": result.in_progress,
            "rate": rounded_rate(result.rate),
            "ci_low": rounded_rate(result.ci_low),
            "ci_high": rounded_rate(result.ci_high),
            "awaiting_return": result.awaiting_return,
            "late_baseline": result.late_baseline,
        }
        for result in kpis_from_outcomes(outcomes, targets_from_contracts(contracts))
    ]
    coverage = [
        {
            "contract": row.contract,
            "financial_year": row.financial_year,
            "support_type": row.support_type,
            "las_supported": row.las_supported,
            "target": minimum_las.get(row.contract),
        }
        for row in coverage_by_year(units, as_of, las)
    ]
    finance = [
        {
            "contract": row.contract,
            "financial_year": row.financial_year,
            "heading": row.heading,
            "allocated": money(row.allocated),
            "spent": money(row.spent),
            "remaining": money(row.remaining),
        }
        for row in spend_against_allocations(allocations, invoice_lines, as_of)
    ]
    kpis.sort(key=lambda item: (item["contract"], item["kpi"]))
    coverage.sort(key=lambda item: (item["contract"], item["financial_year"], item["support_type"]))
    finance.sort(key=lambda item: (item["contract"], item["financial_year"], item["heading"]))
    return {"as_of": as_of.isoformat(), "kpis": kpis, "coverage": coverage, "finance": finance}


def flags_summary(
    contracts: Sequence[ContractTerms],
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    flags: Sequence[FinanceFlag] | None = None,
) -> list[dict[str, Any]]:
    """cli.md ``flags``: "one entry per contract and kind with at least one flag", counted as
    rules.md "Finance" says (``finance.flag_counts``), sorted by contract then kind. ``flags``:
    ``finance.finance_flags`` of the same records and date, when the caller has them."""
    if flags is None:
        flags = finance_flags(contracts, allocations, invoice_lines, as_of)
    counts = flag_counts(flags)
    return [{"contract": contract, "kind": kind, "count": count} for (contract, kind), count in sorted(counts.items())]


def contract_terms_summary(
    contract: ContractTerms,
    as_of: date,
    invoice_lines: Iterable[InvoiceLine],
    milestones: Iterable[Milestone] = (),
    returns: Iterable[ReturnImport] = (),
    spent: Mapping[str, Decimal] | None = None,
) -> dict[str, Any]:
    """The keys of one cli.md ``contracts`` entry that come from the contract's terms:
    ``value`` (the register's Value, null when none), ``spent_to_date`` (all years, lines dated
    on or before as-of) and ``decisions`` (``[{"kind": "extension" | "break", "date"}]``,
    ``timelines.decisions``, soonest first). ``spent``: every contract's spend to date
    (``finance.spent_to_date_by_contract`` of the same lines) when the caller has it."""
    invoice_lines = list(invoice_lines)
    if spent is None:
        spent = spent_to_date_by_contract(invoice_lines, as_of)
    return {
        "value": None if contract.value is None else money(contract.value),
        "spent_to_date": money(spent.get(contract.reference.lower(), Decimal(0))),
        "decisions": [
            {"kind": d.kind, "date": d.due_date.isoformat()}
            for d in decisions(contract, as_of, milestones, invoice_lines, returns)
        ],
    }


def value_for_money_entries(
    as_of: date,
    contracts: Sequence[ContractTerms],
    units: Sequence[Unit],
    outcomes: Sequence[UnitOutcome],
    invoice_lines: Iterable[InvoiceLine],
    las: Sequence[LocalAuthority],
) -> list[dict[str, Any]]:
    """cli.md ``value_for_money``: one entry per contract, sorted by contract; money with two
    decimals, days as given (3120.5), costs in whole pounds (halves up) or null."""
    return [
        {
            "contract": row.contract,
            "spend": money(row.spend),
            "las_supported": row.las_supported,
            "participants": row.participants,
            "met": row.met,
            "days": float(row.days),
            "cost_per_la": row.cost_per_la,
            "cost_per_participant": row.cost_per_participant,
            "cost_per_met": row.cost_per_met,
            "cost_per_day": row.cost_per_day,
        }
        for row in value_for_money(contracts, units, outcomes, invoice_lines, as_of, las)
    ]


def outcome_entries(
    as_of: date,
    units: Sequence[Unit],
    judgements: Iterable[IlacsJudgement],
    las: Sequence[LocalAuthority],
) -> list[dict[str, Any]]:
    """cli.md ``outcomes``: one entry per contract with at least one supported LA, sorted by contract."""
    return [
        {
            "contract": row.contract,
            "las_reinspected": row.las_reinspected,
            "improved": row.count(IMPROVED),
            "same": row.count(SAME),
            "declined": row.count(DECLINED),
        }
        for row in ofsted_outcomes(units, judgements, las, as_of)
    ]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def contract_entries(
    contracts: Sequence[ContractTerms],
    currency: Sequence[DataCurrency],
    invoice_lines: Sequence[InvoiceLine],
    as_of: date,
    milestones: Sequence[Milestone] = (),
    returns: Sequence[ReturnImport] = (),
) -> list[dict[str, Any]]:
    """cli.md's ``contracts``: one entry per contract, sorted by contract: its data currency
    ("data_to", "latest_return_imported", "next_return_due", "return_overdue"; dates as
    YYYY-MM-DD, null when unknown) and its terms' figures."""
    by_contract = {c.contract: c for c in currency}
    spent = spent_to_date_by_contract(invoice_lines, as_of)  # one pass over the lines for every contract
    entries = []
    for contract in sorted(contracts, key=lambda c: c.reference):
        known = by_contract[contract.reference]
        entries.append(
            {
                "contract": contract.reference,
                "data_to": _iso(known.data_to),
                "latest_return_imported": _iso(known.latest_return_imported),
                "next_return_due": _iso(known.next_return_due),
                "return_overdue": known.return_overdue,
                **contract_terms_summary(contract, as_of, invoice_lines, milestones, returns, spent),
            }
        )
    return entries
