"""Finance: spend against allocations, invoice flags, forecast (rules.md "Finance").

- "every comparison is per heading per FY, never pooled."
- "spent = sum of invoice line net amounts (ex VAT) for the contract, heading
  and FY, counting lines whose invoice date is on or before the as-of date.
  remaining = allocated - spent. A heading with spend in a FY for which the
  schedule allocates nothing is an overspend of the whole amount."
- Flags are "shown, never silently dropped".
- "Forecast: straight-line from spend to date within the FY, shown as a
  forecast, never mixed with actuals."

Money is Decimal throughout. Headings match case- and whitespace-insensitively
("Peer  mentors" = "peer mentors") and are reported as the pricing schedule
spells them (as the first invoice line spells them when there is no allocation).
The FY of a line is the FY it bills (its ``financial_year``), not its invoice date.
So the forecast's straight line runs through the spend of the quarters billed so far,
not the days elapsed: invoices for the quarter under way have not arrived yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple, cast

from dashboard.calendar import (
    days_in_financial_year,
    fy_start,
    parse_financial_year,
    quarter_end,
    quarter_label,
    quarter_start,
)
from dashboard.records import Allocation, ContractTerms, InvoiceLine
from dashboard.wording import counted, long_date

DAY_RATE_ABOVE_CAP = "day_rate_above_cap"
AMOUNT_MISMATCH = "amount_mismatch"
OVERHEADS_ABOVE_CAP = "overheads_above_cap"
LATE_INVOICE = "late_invoice"
OVERSPEND = "overspend"
EXPENSES_ON_INCLUSIVE_RATE = "expenses_on_inclusive_rate"
SPEND_ABOVE_VALUE = "spend_above_value"
FLAG_KINDS = (
    DAY_RATE_ABOVE_CAP,
    AMOUNT_MISMATCH,
    OVERHEADS_ABOVE_CAP,
    LATE_INVOICE,
    OVERSPEND,
    EXPENSES_ON_INCLUSIVE_RATE,
    SPEND_ABOVE_VALUE,
)
_FLAG_ORDER = {kind: position for position, kind in enumerate(FLAG_KINDS)}
# Counting (the JSON ``flags``): "late_invoice and overheads_above_cap count once per invoice;
# overspend once per heading and FY; spend_above_value once per contract; every other kind once per line."
COUNTED_PER_INVOICE = frozenset({LATE_INVOICE, OVERHEADS_ABOVE_CAP})

AMOUNT_TOLERANCE = Decimal("1")  # "differs from days x day rate by more than 1 GBP"
INVOICE_DAYS_ALLOWED = 30  # "more than 30 days after the end of the quarter"
# "a line bills a heading or role whose name contains 'expense', 'travel' or 'subsistence'"
EXPENSE_WORDS = ("expense", "travel", "subsistence")
OVERHEADS_WORD = "overhead"  # "'overheads' are the lines whose heading contains 'overhead'"
EXECUTIVE_LEVEL = "executive"
PENNY = Decimal("0.01")
ZERO = Decimal("0")


@lru_cache(maxsize=4096)
def heading_key(heading: str) -> str:
    """Case- and whitespace-insensitive form of an expenditure heading."""
    return " ".join(heading.split()).casefold()


def as_decimal(value: Decimal | float | int | str) -> Decimal:
    """Money and day counts as Decimal (floats via their shortest repr, so 0.1 stays 0.1)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def counts_as_of(line: InvoiceLine, as_of: date) -> bool:
    """ "counting lines whose invoice date is on or before the as-of date"."""
    return line.invoice_date <= as_of


# ----------------------------------------------------------- spend vs allocation


@dataclass(frozen=True)
class FinanceRow:
    contract: str
    financial_year: str
    heading: str  # as the pricing schedule spells it
    allocated: Decimal
    spent: Decimal
    remaining: Decimal  # allocated - spent (negative when overspent)
    percent_spent: float | None  # spent / allocated x 100; None when nothing allocated
    overspent: bool  # spent > allocated


_Key = tuple[str, str, str]  # (contract, FY, heading key)


def spend_against_allocations(
    allocations: Iterable[Allocation], invoice_lines: Iterable[InvoiceLine], as_of: date
) -> list[FinanceRow]:
    """One row per contract, FY and heading that has an allocation or counted spend
    (cli.md), sorted by contract, FY, heading. An allocation of 0 is an allocation: the
    pricing schedule's empty cells are 0 (spreadsheets.md), so a heading with nothing
    allocated in a year of the schedule is still listed, with 0."""
    return _against_allocations(allocations, _spent_as_written(invoice_lines, as_of))


def _against_allocations(
    allocations: Iterable[Allocation], spent_as_written: Mapping[tuple[str, str, str], Decimal]
) -> list[FinanceRow]:
    """``spend_against_allocations`` from the spend of the counted lines as they write their FY and
    heading (``_spent_as_written``)."""
    allocated: dict[_Key, Decimal] = defaultdict(Decimal)
    spent: dict[_Key, Decimal] = defaultdict(Decimal)
    spelling: dict[_Key, str] = {}
    for allocation in allocations:
        key = (allocation.contract, parse_financial_year(allocation.financial_year), heading_key(allocation.heading))
        allocated[key] += as_decimal(allocation.amount)
        spelling.setdefault(key, allocation.heading.strip())
    for (contract, financial_year, heading), amount in spent_as_written.items():
        key = (contract, parse_financial_year(financial_year), heading_key(heading))
        spent[key] += amount
        if key not in spelling:
            spelling[key] = " ".join(heading.split())
    keys = set(allocated) | set(spent)
    rows = [_finance_row(key, spelling[key], allocated.get(key, ZERO), spent.get(key, ZERO)) for key in keys]
    rows.sort(key=lambda row: (row.contract, row.financial_year, heading_key(row.heading)))
    return rows


def _spent_as_written(invoice_lines: Iterable[InvoiceLine], as_of: date) -> dict[tuple[str, str, str], Decimal]:
    """Spend of the counted lines per contract, FY and heading as the lines write them, in the
    order first seen: FY and heading are read (``2021/22``, "Peer  mentors") once per spelling,
    not once per line. Sums of Decimals are exact, so adding up in two steps changes nothing."""
    spent: dict[tuple[str, str, str], Decimal] = {}
    for line in invoice_lines:
        if counts_as_of(line, as_of):
            key = (line.contract, line.financial_year, line.heading)
            spent[key] = spent.get(key, ZERO) + as_decimal(line.amount)
    return spent


def _finance_row(key: _Key, heading: str, allocated: Decimal, spent: Decimal) -> FinanceRow:
    contract, financial_year, _ = key
    return FinanceRow(
        contract=contract,
        financial_year=financial_year,
        heading=heading,
        allocated=allocated,
        spent=spent,
        remaining=allocated - spent,
        percent_spent=float(spent / allocated * 100) if allocated else None,
        overspent=spent > allocated,
    )


# ------------------------------------------------------------------------ flags


class FinanceFlag(NamedTuple):
    """One finance flag. ``amount`` is the figure found, ``limit`` what it broke.

    A named tuple (immutable, like the other records): an invoice run raises tens of thousands,
    most of them only counted, so its ``message`` is written when read, from ``about``: what the
    flag was raised on (the invoice line; the first overheads line of the invoice, its other
    costs and the cap; the heading's ``FinanceRow``; nothing for the contract's value)."""

    kind: str  # one of FLAG_KINDS
    contract: str
    invoice_ref: str | None  # None for overspend (a heading/FY flag)
    line: int | None  # None for invoice-level and heading-level flags
    financial_year: str
    heading: str | None
    amount: Decimal | None = None
    limit: Decimal | None = None
    about: InvoiceLine | FinanceRow | tuple[InvoiceLine, Decimal, Decimal] | None = None

    @property
    def message(self) -> str:
        """The flag in words, as the Finance page, the exports and the importer show it."""
        return _MESSAGES[self.kind](self)


def _gbp(value: Decimal) -> str:
    return f"£{value.quantize(PENNY):,}"


def cap_for_level(
    level: str | None, day_rate_cap: Decimal | None, executive_day_rate_cap: Decimal | None
) -> Decimal | None:
    """The cap for a day rate at ``level``: 'Executive' uses the executive cap when one is
    set, otherwise the day-rate cap (None: no cap). Used for invoice lines and pricing schedules."""
    if (level or "").strip().casefold() == EXECUTIVE_LEVEL and executive_day_rate_cap is not None:
        return executive_day_rate_cap
    return day_rate_cap


def day_rate_cap(line: InvoiceLine, contract: ContractTerms | None) -> Decimal | None:
    """The cap for a line (see ``cap_for_level``)."""
    if contract is None:
        return None
    return cap_for_level(line.level, contract.day_rate_cap, contract.executive_day_rate_cap)


def day_rate_above_cap_flag(line: InvoiceLine, contract: ContractTerms | None) -> FinanceFlag | None:
    """ "day rate above the contract's cap ... compared per line" (equal is not above)."""
    if line.day_rate is None:
        return None
    cap = day_rate_cap(line, contract)
    if cap is None:
        return None
    day_rate, cap = as_decimal(line.day_rate), as_decimal(cap)
    if day_rate <= cap:
        return None
    return _day_rate_above(line, day_rate, cap)


def _day_rate_above(line: InvoiceLine, day_rate: Decimal, cap: Decimal) -> FinanceFlag:
    """The day_rate_above_cap flag of a line whose ``day_rate`` is above ``cap``."""
    return _line_flag(DAY_RATE_ABOVE_CAP, line, amount=day_rate, limit=cap)


def _day_rate_message(flag: FinanceFlag) -> str:
    line = cast(InvoiceLine, flag.about)
    level = f" ({line.level.strip()} level)" if line.level else ""
    return _on_line(line, f"Day rate {_gbp(_money(flag.amount))}{level} is above the {_gbp(_money(flag.limit))} cap")


def amount_mismatch_flag(line: InvoiceLine) -> FinanceFlag | None:
    """ "amount differs from days x day rate by more than 1 GBP where both given"."""
    if line.days is None or line.day_rate is None:
        return None
    amount, days, day_rate = as_decimal(line.amount), as_decimal(line.days), as_decimal(line.day_rate)
    expected = days * day_rate
    if abs(amount - expected) <= AMOUNT_TOLERANCE:
        return None
    return _amount_mismatch(line, amount, expected)


def _amount_mismatch(line: InvoiceLine, amount: Decimal, expected: Decimal) -> FinanceFlag:
    """The amount_mismatch flag of a line whose ``amount`` is more than £1 off ``expected``
    (``days`` x ``day_rate``, the line's own)."""
    return _line_flag(AMOUNT_MISMATCH, line, amount=amount, limit=expected)


def _amount_mismatch_message(flag: FinanceFlag) -> str:
    line = cast(InvoiceLine, flag.about)
    days, day_rate = as_decimal(cast(Decimal, line.days)), as_decimal(cast(Decimal, line.day_rate))
    return _on_line(
        line,
        f"Amount {_gbp(_money(flag.amount))} differs from {counted(days, 'day')} x {_gbp(day_rate)} = "
        f"{_gbp(_money(flag.limit))} by more than £1",
    )


def _line_flag(kind: str, line: InvoiceLine, amount: Decimal, limit: Decimal) -> FinanceFlag:
    return FinanceFlag(
        kind,
        line.contract,
        line.invoice_ref,
        line.line,
        parse_financial_year(line.financial_year),
        line.heading,
        amount,
        limit,
        line,
    )


def _on_line(line: InvoiceLine, message: str) -> str:
    return f"Invoice {line.invoice_ref} line {line.line}: {message}"


def _money(value: Decimal | None) -> Decimal:
    """A flag's amount or limit where its kind always sets it."""
    return cast(Decimal, value)


def is_overheads(line: InvoiceLine) -> bool:
    """ "'overheads' are the lines whose heading contains 'overhead'" (any case)."""
    return OVERHEADS_WORD in line.heading.casefold()


def is_expenses(line: InvoiceLine) -> bool:
    """A line "bills a heading or role whose name contains 'expense', 'travel' or 'subsistence'"
    (any case)."""
    names = f"{line.heading} {line.role or ''}".casefold()
    return any(word in names for word in EXPENSE_WORDS)


def expenses_flag(line: InvoiceLine, contract: ContractTerms | None) -> FinanceFlag | None:
    """expenses_on_inclusive_rate: "the contract's rates include expenses (`Rates include
    expenses` = yes) and a line bills a heading or role whose name contains 'expense', 'travel'
    or 'subsistence'". A register that does not say yes: no flag."""
    if contract is None or contract.rates_include_expenses is not True or not is_expenses(line):
        return None
    return _expenses_billed(line, as_decimal(line.amount))


def _expenses_billed(line: InvoiceLine, amount: Decimal) -> FinanceFlag:
    """The expenses_on_inclusive_rate flag of an expenses line of a contract whose rates include them."""
    return _line_flag(EXPENSES_ON_INCLUSIVE_RATE, line, amount=amount, limit=ZERO)


def _expenses_message(flag: FinanceFlag) -> str:
    line = cast(InvoiceLine, flag.about)
    role = f" ({line.role.strip()})" if line.role and line.role.strip() else ""
    return _on_line(
        line,
        f"{_gbp(_money(flag.amount))} billed as {line.heading.strip()}{role}, but the contract's rates include expenses",
    )


def overheads_flag(lines_of_invoice: list[InvoiceLine], contract: ContractTerms | None) -> FinanceFlag | None:
    """overheads_above_cap: "overheads above the contract's `Overheads cap` of the other costs of
    the same invoice" (other costs = every other line of the invoice, expense lines included;
    exactly at the cap is not above it). No cap in the register, or no overheads line: no flag."""
    totals = _InvoiceTotals()
    for line in lines_of_invoice:
        totals.add(line)
    terms = {} if contract is None else {contract.reference: contract}
    return next(iter(totals.overheads_flags(terms)), None)


def percent_of(share: Decimal) -> str:
    """A cap written as the register would: Decimal('0.175') -> '17.5 %'."""
    return f"{(share * 100).normalize():f} %"


def _overheads_above(first: InvoiceLine, overheads: Decimal, others: Decimal, cap: Decimal) -> FinanceFlag | None:
    """``overheads_flag`` from one invoice's totals; ``first`` is its first overheads line."""
    limit = others * cap
    if overheads <= limit:
        return None
    return FinanceFlag(
        kind=OVERHEADS_ABOVE_CAP,
        contract=first.contract,
        invoice_ref=first.invoice_ref,
        line=None,
        financial_year=parse_financial_year(first.financial_year),
        heading=first.heading,
        amount=overheads,
        limit=limit,
        about=(first, others, cap),
    )


def _overheads_message(flag: FinanceFlag) -> str:
    first, others, cap = cast(tuple[InvoiceLine, Decimal, Decimal], flag.about)
    share = percent_of(cap)
    return (
        f"Invoice {first.invoice_ref}: overheads {_gbp(_money(flag.amount))} are above the {share} cap "
        f"of the other costs ({_gbp(others)}; {share} = {_gbp(_money(flag.limit))})"
    )


def overheads_cap(contract: ContractTerms | None) -> Decimal | None:
    """The register's ``Overheads cap`` as a fraction (None: the contract has none)."""
    if contract is None or contract.overheads_cap is None:
        return None
    return as_decimal(contract.overheads_cap)


def spend_above_value_flag(
    contract: ContractTerms | None,
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    spent_elsewhere: Decimal = ZERO,
) -> FinanceFlag | None:
    """spend_above_value: "the contract's spend to date (all years) is above its `Value`"
    (equal is not above; no Value in the register: no flag). The flag is dated in the FY of the
    line that took spend past the value. ``spent_elsewhere``: spend already recorded that is not
    among ``invoice_lines`` (the importer's stored lines)."""
    if contract is None or contract.value is None:
        return None
    wanted = contract.reference.lower()
    spend = _ContractSpend()
    for line in invoice_lines:
        if line.contract.lower() == wanted and counts_as_of(line, as_of):
            spend.add(line, as_decimal(line.amount))
    return spend.above_value(contract, spent_elsewhere)


class _ContractSpend:
    """One contract's lines that count as of the as-of date, by invoice date, with each day's spend
    and the days with a credit (a negative line): ``spend_above_value_flag`` from them without
    putting every line of the contract in date order."""

    def __init__(self) -> None:
        self.lines: dict[date, list[InvoiceLine]] = {}
        self.spent: dict[date, Decimal] = {}
        self.credited: set[date] = set()

    def add(self, line: InvoiceLine, amount: Decimal) -> None:
        """Add ``line``; ``amount``: its amount as a Decimal."""
        day = line.invoice_date
        lines = self.lines.get(day)
        if lines is None:
            self.lines[day] = [line]
            self.spent[day] = amount
        else:
            lines.append(line)
            self.spent[day] += amount
        if amount < ZERO:
            self.credited.add(day)

    def above_value(self, contract: ContractTerms | None, spent_elsewhere: Decimal) -> FinanceFlag | None:
        """``spend_above_value_flag`` of these lines. The total decides (sums of Decimals are
        exact, in any order); the lines in date, invoice and line order only date the flag, and
        only a day on which the running total can pass the value is put in that order (a day
        without a credit only adds spend: it passes the value only if its whole spend does)."""
        if contract is None or contract.value is None or not self.lines:
            return None
        value = as_decimal(contract.value)
        total = sum(self.spent.values(), spent_elsewhere)
        if total <= value:
            return None
        running, passed_in = spent_elsewhere, None
        for day in sorted(self.lines):
            if day not in self.credited and running + self.spent[day] <= value:
                running += self.spent[day]
                continue
            for line in sorted(self.lines[day], key=_invoice_order):
                running += as_decimal(line.amount)
                if running > value:
                    passed_in = line
                    break
            if passed_in is not None:
                break
        assert passed_in is not None  # the total is above the value: some line took it past
        return FinanceFlag(
            kind=SPEND_ABOVE_VALUE,
            contract=contract.reference,
            invoice_ref=None,
            line=None,
            financial_year=parse_financial_year(passed_in.financial_year),
            heading=None,
            amount=total,
            limit=value,
        )


def _spend_above_value_message(flag: FinanceFlag) -> str:
    running, value = _money(flag.amount), _money(flag.limit)
    return (
        f"Spend to date {_gbp(running)} (all years) is above the contract value {_gbp(value)} "
        f"(over by {_gbp(running - value)})"
    )


_invoice_order = attrgetter("invoice_ref", "line")  # the order of the lines of one day


def spent_to_date(contract: str, invoice_lines: Iterable[InvoiceLine], as_of: date) -> Decimal:
    """The contract's spend to date, all years: the lines "whose invoice date is on or before
    the as-of date"."""
    return spent_to_date_by_contract(invoice_lines, as_of).get(contract.lower(), ZERO)


def spent_to_date_by_contract(invoice_lines: Iterable[InvoiceLine], as_of: date) -> dict[str, Decimal]:
    """``spent_to_date`` of every contract with counted lines, by its reference in lower case, in
    one pass over the lines, added up per reference as the lines write it and then in lower case
    (sums of Decimals are exact, so adding up in two steps changes nothing)."""
    as_written: dict[str, Decimal] = {}
    for line in invoice_lines:
        if counts_as_of(line, as_of):
            contract = line.contract
            as_written[contract] = as_written.get(contract, ZERO) + as_decimal(line.amount)
    spent: dict[str, Decimal] = {}
    for contract, amount in as_written.items():
        key = contract.lower()
        spent[key] = spent.get(key, ZERO) + amount
    return spent


def days_after_quarter_end(line: InvoiceLine) -> int:
    """Days from the end of the billed quarter to the invoice date."""
    return (line.invoice_date - quarter_end(line.financial_year, line.quarter)).days


def late_invoice_flag(line: InvoiceLine) -> FinanceFlag | None:
    """ "invoice dated more than 30 days after the end of the quarter it bills"
    (exactly 30 days is not late)."""
    days = days_after_quarter_end(line)
    if days <= INVOICE_DAYS_ALLOWED:
        return None
    return FinanceFlag(
        kind=LATE_INVOICE,
        contract=line.contract,
        invoice_ref=line.invoice_ref,
        line=None,
        financial_year=parse_financial_year(line.financial_year),
        heading=None,
        amount=Decimal(days),
        limit=Decimal(INVOICE_DAYS_ALLOWED),
        about=line,
    )


def _late_invoice_message(flag: FinanceFlag) -> str:
    line = cast(InvoiceLine, flag.about)
    label = quarter_label(line.financial_year, line.quarter)
    return (
        f"Invoice {line.invoice_ref} for {label} is dated {long_date(line.invoice_date)}, "
        f"{days_after_quarter_end(line)} days after the quarter ended (allowed: {INVOICE_DAYS_ALLOWED})"
    )


def overspend_flag(row: FinanceRow) -> FinanceFlag | None:
    """ "spend above allocation for a heading and FY"."""
    if not row.overspent:
        return None
    return FinanceFlag(
        kind=OVERSPEND,
        contract=row.contract,
        invoice_ref=None,
        line=None,
        financial_year=row.financial_year,
        heading=row.heading,
        amount=row.spent,
        limit=row.allocated,
        about=row,
    )


def _overspend_message(flag: FinanceFlag) -> str:
    row = cast(FinanceRow, flag.about)
    return (
        f"{row.heading} {row.financial_year}: spent {_gbp(row.spent)} against "
        f"{_gbp(row.allocated)} allocated (over by {_gbp(-row.remaining)})"
    )


_MESSAGES: dict[str, Callable[[FinanceFlag], str]] = {
    DAY_RATE_ABOVE_CAP: _day_rate_message,
    AMOUNT_MISMATCH: _amount_mismatch_message,
    OVERHEADS_ABOVE_CAP: _overheads_message,
    LATE_INVOICE: _late_invoice_message,
    OVERSPEND: _overspend_message,
    EXPENSES_ON_INCLUSIVE_RATE: _expenses_message,
    SPEND_ABOVE_VALUE: _spend_above_value_message,
}


def finance_flags(
    contracts: Iterable[ContractTerms],
    allocations: Iterable[Allocation],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    spent_elsewhere: Mapping[str, Decimal] | None = None,
) -> list[FinanceFlag]:
    """Every flag of rules.md for the lines dated on or before ``as_of``; each applies only where
    the contract's register row sets the term (docs/how-figures-are-worked-out.md, "Contract terms").

    Per line: day_rate_above_cap, amount_mismatch, expenses_on_inclusive_rate. Per invoice:
    overheads_above_cap, late_invoice (once per quarter billed). Per heading and FY: overspend.
    Per contract: spend_above_value (``spent_elsewhere``: spend per contract already recorded
    that is not among ``invoice_lines``). Sorted by contract, FY, invoice, line, kind.
    """
    terms = {contract.reference: contract for contract in contracts}
    flags: list[FinanceFlag] = []
    invoices = _InvoiceTotals()
    by_contract: dict[str, _ContractSpend] = {}
    spent: dict[tuple[str, str, str], Decimal] = {}  # as ``_spent_as_written``, in the same pass
    # what depends only on the contract, heading, role and level is worked out once for each (as
    # ``day_rate_cap``, ``expenses_flag`` and ``is_overheads`` would for every line)
    kinds: dict[tuple[str, str, str | None, str | None], _LineTerms] = {}
    for line in invoice_lines:
        if not counts_as_of(line, as_of):
            continue
        reference, amount = line.contract, line.amount
        if type(amount) is not Decimal:
            amount = as_decimal(amount)
        kind_key = (reference, line.heading, line.role, line.level)
        kind = kinds.get(kind_key)
        if kind is None:
            kind = kinds[kind_key] = _line_terms(line, terms.get(reference))
        invoices.add(line, amount, kind.overheads)
        contract_spend = by_contract.get(reference)
        if contract_spend is None:
            contract_spend = by_contract[reference] = _ContractSpend()
        contract_spend.add(line, amount)
        spent_key = (reference, line.financial_year, line.heading)
        spent[spent_key] = spent.get(spent_key, ZERO) + amount
        if line.day_rate is not None:  # day_rate_above_cap_flag, then amount_mismatch_flag
            day_rate = as_decimal(line.day_rate)
            cap = kind.cap
            if cap is not None and day_rate > cap:
                flags.append(_day_rate_above(line, day_rate, cap))
            if line.days is not None:
                expected = as_decimal(line.days) * day_rate
                if abs(amount - expected) > AMOUNT_TOLERANCE:
                    flags.append(_amount_mismatch(line, amount, expected))
        if kind.billing_expenses:  # expenses_flag
            flags.append(_expenses_billed(line, amount))
    flags.extend(invoices.overheads_flags(terms))
    flags.extend(invoices.late_flags())
    for row in _against_allocations(allocations, spent):
        flag = overspend_flag(row)
        if flag is not None:
            flags.append(flag)
    elsewhere = {reference.lower(): amount for reference, amount in (spent_elsewhere or {}).items()}
    for reference, contract_spend in by_contract.items():
        # the contract's lines that count (as of, this reference): spend_above_value_flag's own pick
        flag = contract_spend.above_value(terms.get(reference), elsewhere.get(reference.lower(), ZERO))
        if flag is not None:
            flags.append(flag)
    flags.sort(key=lambda f: (f.contract, f.financial_year, f.invoice_ref or "", f.line or 0, _FLAG_ORDER[f.kind]))
    return flags


class _LineTerms(NamedTuple):
    """What the flags of a line take from its contract, heading, role and level alone."""

    cap: Decimal | None  # ``day_rate_cap``
    billing_expenses: bool  # ``expenses_flag`` raises a flag
    overheads: bool  # ``is_overheads``


def _line_terms(line: InvoiceLine, contract: ContractTerms | None) -> _LineTerms:
    return _LineTerms(
        cap=_as_decimal_or_none(day_rate_cap(line, contract)),
        billing_expenses=contract is not None and contract.rates_include_expenses is True and is_expenses(line),
        overheads=is_overheads(line),
    )


def _as_decimal_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else as_decimal(value)


def flag_counts(flags: Iterable[FinanceFlag]) -> dict[tuple[str, str], int]:
    """How many of each kind per contract, counted as rules.md says: "late_invoice and
    overheads_above_cap count once per invoice; overspend once per heading and FY;
    spend_above_value once per contract; every other kind once per line"."""
    seen: dict[tuple[str, str], set[Hashable]] = defaultdict(set)
    for flag in flags:
        one: Hashable
        if flag.kind in COUNTED_PER_INVOICE:
            one = flag.invoice_ref
        elif flag.kind == OVERSPEND:
            one = (heading_key(flag.heading or ""), flag.financial_year)
        elif flag.kind == SPEND_ABOVE_VALUE:
            one = None
        else:
            one = (flag.invoice_ref, flag.line)
        seen[(flag.contract, flag.kind)].add(one)
    return {key: len(ones) for key, ones in seen.items()}


class _InvoiceTotals:
    """What the invoice-level flags need, added up line by line (no list of lines per invoice):
    overheads and other costs per invoice with its first overheads line, and the first line
    of each quarter an invoice bills. A line of the same invoice, FY and quarter as the line added
    before it is not the first of its quarter: it is not looked up again."""

    def __init__(self) -> None:
        self.overheads: dict[tuple[str, str], Decimal] = {}
        self.others: dict[tuple[str, str], Decimal] = {}
        self.first_overheads: dict[tuple[str, str], InvoiceLine] = {}
        self.billed: dict[tuple[str, str, str, int], InvoiceLine] = {}
        self._last: InvoiceLine | None = None  # the line added last (an invoice's lines mostly come together)
        self._invoice = ("", "")  # and its invoice

    def add(self, line: InvoiceLine, amount: Decimal | None = None, overheads: bool | None = None) -> None:
        """Add ``line``; ``amount``: its amount as a Decimal and ``overheads``: whether it is an
        overheads line (``is_overheads``), when the caller has them."""
        last = self._last
        same_invoice = last is not None and line.invoice_ref == last.invoice_ref and line.contract == last.contract
        if same_invoice:
            invoice = self._invoice
        else:
            invoice = self._invoice = (line.contract, line.invoice_ref)
        self._last = line
        if amount is None:
            amount = as_decimal(line.amount)
        if overheads is None:
            overheads = is_overheads(line)
        if overheads:
            self.overheads[invoice] = self.overheads.get(invoice, ZERO) + amount
            self.first_overheads.setdefault(invoice, line)
        else:
            self.others[invoice] = self.others.get(invoice, ZERO) + amount
        if not (
            same_invoice
            and last is not None
            and line.quarter == last.quarter
            and line.financial_year == last.financial_year
        ):  # otherwise the line before, of the same invoice, FY and quarter, was there first
            self.billed.setdefault((*invoice, parse_financial_year(line.financial_year), line.quarter), line)

    def overheads_flags(self, terms: Mapping[str, ContractTerms]) -> list[FinanceFlag]:
        """overheads_above_cap, once per invoice with an overheads line, where the contract's
        register row sets an ``Overheads cap``."""
        flags = []
        for invoice, first in self.first_overheads.items():
            cap = overheads_cap(terms.get(invoice[0]))
            if cap is not None:
                flags.append(_overheads_above(first, self.overheads[invoice], self.others.get(invoice, ZERO), cap))
        return [flag for flag in flags if flag is not None]

    def late_flags(self) -> list[FinanceFlag]:
        """late_invoice, once per quarter an invoice bills."""
        flags = (late_invoice_flag(line) for line in self.billed.values())
        return [flag for flag in flags if flag is not None]


# --------------------------------------------------------------------- forecast


@dataclass(frozen=True)
class SpendForecast:
    """A straight-line FORECAST of FY-end spend: never an actual."""

    financial_year: str
    spent_to_date: Decimal  # the spend of the quarters billed so far
    forecast_year_end: Decimal
    billed_through: date  # the end of the latest quarter billed
    days_billed: int  # 1 April to ``billed_through``, both counted
    days_in_year: int
    label: str = "Forecast (straight line, not actual spend)"
    is_forecast: bool = True


def quarters_billed(invoice_lines: Iterable[InvoiceLine], financial_year: str, as_of: date) -> tuple[int, ...]:
    """The quarters of the FY that the lines (one contract's) bill, in order, counting lines
    "whose invoice date is on or before the as-of date" as spent does."""
    year = parse_financial_year(financial_year)
    return tuple(
        sorted(
            {
                line.quarter
                for line in invoice_lines
                if counts_as_of(line, as_of) and parse_financial_year(line.financial_year) == year
            }
        )
    )


def straight_line_forecast(
    spent_to_date: Decimal, financial_year: str, latest_quarter_billed: int | None
) -> SpendForecast | None:
    """ "straight-line from spend to date within the FY", spend counting by the quarter it bills:
    spent x days in FY / days from 1 April to the end of the latest quarter billed (the quarter
    under way, not invoiced yet, adds nothing to either). None when no quarter is billed yet;
    with all four billed the forecast is the spend itself."""
    if latest_quarter_billed is None:
        return None
    start, billed_through = fy_start(financial_year), quarter_end(financial_year, latest_quarter_billed)
    days_in_year = days_in_financial_year(financial_year)
    days_billed = (billed_through - start).days + 1
    return SpendForecast(
        financial_year=parse_financial_year(financial_year),
        spent_to_date=spent_to_date,
        forecast_year_end=(spent_to_date * days_in_year / days_billed).quantize(PENNY),
        billed_through=billed_through,
        days_billed=days_billed,
        days_in_year=days_in_year,
    )


# ------------------------------------------------------------------- burn-up


@dataclass(frozen=True)
class QuarterSpend:
    contract: str
    financial_year: str
    quarter: int
    label: str  # "2021-22 Q3"
    spent_in_quarter: Decimal
    cumulative_spent: Decimal  # since the start of the FY (allocations are per FY)
    allocated: Decimal | None  # the FY's allocation (of ``heading``, or all headings)


def cumulative_spend_by_quarter(
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    allocations: Iterable[Allocation] = (),
    heading: str | None = None,
) -> list[QuarterSpend]:
    """Burn-up data: spend per billed quarter and running total within each FY,
    per contract, for lines dated on or before ``as_of`` (of one heading, or all).

    Each contract and FY with spend or allocation gets a row for every quarter
    that has started by ``as_of`` (and any later quarter already billed).
    ``allocated`` is None when no allocation is given for that contract and FY.
    """
    wanted = heading_key(heading) if heading is not None else None
    by_quarter: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    years: set[tuple[str, str]] = set()
    for line in invoice_lines:
        if not counts_as_of(line, as_of) or (wanted is not None and heading_key(line.heading) != wanted):
            continue
        year = parse_financial_year(line.financial_year)
        by_quarter[(line.contract, year, line.quarter)] += as_decimal(line.amount)
        years.add((line.contract, year))
    allocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for allocation in allocations:
        if wanted is None or heading_key(allocation.heading) == wanted:
            key = (allocation.contract, parse_financial_year(allocation.financial_year))
            allocated[key] += as_decimal(allocation.amount)
            years.add(key)
    rows: list[QuarterSpend] = []
    for contract, year in sorted(years):
        running = ZERO
        last_quarter = max(
            [q for q in (1, 2, 3, 4) if quarter_start(year, q) <= as_of]
            + [q for q in (1, 2, 3, 4) if (contract, year, q) in by_quarter],
            default=0,
        )
        for quarter in range(1, last_quarter + 1):
            in_quarter = by_quarter.get((contract, year, quarter), ZERO)
            running += in_quarter
            rows.append(
                QuarterSpend(
                    contract=contract,
                    financial_year=year,
                    quarter=quarter,
                    label=quarter_label(year, quarter),
                    spent_in_quarter=in_quarter,
                    cumulative_spent=running,
                    allocated=allocated.get((contract, year)) if allocated else None,
                )
            )
    return rows
