"""The contract terms the rules judge against, each read from the contract register.

docs/how-figures-are-worked-out.md, "Contract terms": "Every contract-specific number comes
from the contract register, never from a default in code: KPI target, Minimum LAs per year,
Minimum package days, Day rate cap, Executive day rate cap, Overheads cap, Rates include
expenses, Value, Extension notice. A term the register leaves blank does not apply to that
contract (no flag, no judgement), and the page says 'not set in the contract register' where
a user would look for it."

One table (``TERMS``) names each term as the register's column spells it, the field of
``ContractTerms`` that holds it and what it is used for; the Methodology page and the pages
that show a term write it with ``term_text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dashboard.records import ContractTerms

NOT_SET = "not set in the contract register"


@dataclass(frozen=True)
class Term:
    """One contract term: the register's column, the ``ContractTerms`` field and its use."""

    column: str
    field: str
    used_for: str
    kind: str  # "percent", "money", "days", "count", "yes_no", "months", "date"


KPI_TARGET = Term("KPI target", "kpi_target", "KPI 1 and KPI 2 are judged against it", "percent")
MIN_LAS = Term(
    "Minimum LAs per year",
    "min_las_per_year",
    "coverage: LAs supported per year per support type are judged against it",
    "count",
)
MIN_PACKAGE_DAYS = Term(
    "Minimum package days", "min_package_days", "one-to-one packages with fewer days are flagged", "days"
)
DAY_RATE_CAP = Term("Day rate cap", "day_rate_cap", "invoice lines with a higher day rate are flagged", "money")
EXECUTIVE_DAY_RATE_CAP = Term(
    "Executive day rate cap",
    "executive_day_rate_cap",
    "invoice lines at executive level are compared with it instead of the day rate cap",
    "money",
)
OVERHEADS_CAP = Term(
    "Overheads cap",
    "overheads_cap",
    "invoices whose overheads are above this share of their other costs are flagged",
    "percent",
)
RATES_INCLUDE_EXPENSES = Term(
    "Rates include expenses",
    "rates_include_expenses",
    "when yes, invoice lines billing expenses, travel or subsistence are flagged",
    "yes_no",
)
VALUE = Term("Value", "value", "spend to date (all years) above it is flagged", "money")
EXTENSION_UP_TO = Term(
    "Extension up to", "extension_up_to", "with the extension notice, sets when the extension decision is due", "date"
)
EXTENSION_NOTICE = Term(
    "Extension notice (months)",
    "extension_notice_months",
    "the extension decision is due this many months before the end date",
    "months",
)
BREAK_DATE = Term("Break date", "break_date", "a decision date of its own", "date")

TERMS: tuple[Term, ...] = (
    KPI_TARGET,
    MIN_LAS,
    MIN_PACKAGE_DAYS,
    DAY_RATE_CAP,
    EXECUTIVE_DAY_RATE_CAP,
    OVERHEADS_CAP,
    RATES_INCLUDE_EXPENSES,
    VALUE,
    EXTENSION_UP_TO,
    EXTENSION_NOTICE,
    BREAK_DATE,
)

NO_KPI_TARGET_SENTENCE = (
    f"A contract whose register gives no '{KPI_TARGET.column}' has no confidence KPI. Its rates are still "
    "worked out and shown as 'no target', but never judged met or below."
)


def _number(value: Any) -> str:
    text = f"{Decimal(str(value)).normalize():f}"
    return text


def format_term(term: Term, value: Any) -> str:
    """A term's value as the pages write it (``NOT_SET`` when blank): 80 %, £450, 3 days, yes."""
    if value is None:
        return NOT_SET
    if term.kind == "percent":
        return f"{_number(Decimal(str(value)) * 100)} %"
    if term.kind == "money":
        amount = Decimal(str(value))
        return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"
    if term.kind == "days":
        return f"{_number(value)} day{'' if Decimal(str(value)) == 1 else 's'}"
    if term.kind == "months":
        return f"{value} month{'' if value == 1 else 's'}"
    if term.kind == "yes_no":
        return "yes" if value else "no"
    if term.kind == "date":
        return f"{value:%d/%m/%Y}"
    return str(value)


def term_text(contract: ContractTerms, term: Term) -> str:
    """The contract's term as the pages write it, or "not set in the contract register"."""
    return format_term(term, getattr(contract, term.field))


def terms_rows(contracts: list[ContractTerms]) -> list[dict[str, str]]:
    """One row per contract and term, for the Methodology page's table of each contract's terms."""
    return [
        {
            "Contract": contract.reference,
            "Term": term.column,
            "In the register": term_text(contract, term),
            "Used for": term.used_for,
        }
        for contract in sorted(contracts, key=lambda c: c.reference.lower())
        for term in TERMS
    ]
