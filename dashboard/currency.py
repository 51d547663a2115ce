"""Data currency: how far each contract's data runs (docs/how-figures-are-worked-out.md, "Data currency").

Rules implemented:
- "A contract's `data-to` date, on an as-of date, is the end of the latest reporting quarter
  among its imported (not undone) returns that ends on or before the as-of date (the quarter's
  end is compared with the as-of date, not the time of import; a correction for an earlier
  quarter imported later does not lower data-to)."
- "`latest_return_imported` is the import date of the newest import of that quarter's return."
- "The next return is due 30 days after the end of the quarter after data-to, while the contract
  runs and for one quarter after it ends; past that date it is `overdue`." The contract runs to
  its end date, or to its latest end date when an extension is in use
  (``timelines.extension_in_use``). A quarter is owed when it starts no later than one quarter
  (3 months) after that date: the return after the end carries the last follow-ups.
- "With no return stating a quarter, data-to is unknown: statuses fall back to the as-of date."

Pure: records in, records and text out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dashboard.calendar import add_months, quarter_end, quarter_label, quarter_of
from dashboard.records import ContractTerms, InvoiceLine, Milestone, ReturnImport
from dashboard.timelines import extension_in_use
from dashboard.wording import long_date

DAYS_AFTER_QUARTER_END = 30  # "due 30 days after the end of the quarter"
MONTHS_AFTER_END = 3  # "and for one quarter after it ends"

UP_TO_DATE = "up_to_date"
OVERDUE = "overdue"
UNKNOWN = "unknown"
STATE_NAMES = {UP_TO_DATE: "Up to date", OVERDUE: "Return overdue", UNKNOWN: "Currency unknown"}


def quarter_name(end: date) -> str:
    """A quarter as rules.md writes it, from its last day: 31/12/2023 -> '2023-24 Q3'."""
    return quarter_label(*quarter_of(end))


@dataclass(frozen=True)
class DataCurrency:
    """How current one contract's data is, on an as-of date."""

    contract: str
    as_of: date
    data_to: date | None  # None: unknown (no return states a quarter ending by as-of)
    latest_return_imported: date | None
    next_return_due: date | None  # None: unknown, or no further return owed
    next_return_quarter: date | None  # the last day of the quarter the next return reports on
    return_overdue: bool
    any_return_stated: bool = False  # some return states a quarter, though none ends by as-of
    # the last day of the latest quarter a return covers that ends after as-of (a look back in time):
    # what that return holds dated up to as-of counts, though data-to is earlier
    later_quarter: date | None = None

    @property
    def state(self) -> str:
        if self.data_to is None:
            return UNKNOWN
        return OVERDUE if self.return_overdue else UP_TO_DATE

    @property
    def tag(self) -> str:
        """The status in words, for a tag beside the notice (never colour alone)."""
        return STATE_NAMES[self.state]

    @property
    def notice(self) -> str:
        """One short sentence for the notice above a page's figures, and one more when a return for a
        later quarter is in: its rows dated up to as-of count, so the figures run past data-to."""
        if self.later_quarter is None:
            return self._currency
        return (
            f"{self._currency}. The figures include what its {quarter_name(self.later_quarter)} return holds "
            f"up to {long_date(self.as_of)}"
        )

    @property
    def _currency(self) -> str:
        if self.data_to is None:
            if self.any_return_stated:
                return f"Not known: no return covers a quarter ending by {long_date(self.as_of)}"
            return "Not known: no return says which quarter it covers"
        data_to = f"Data to {long_date(self.data_to)}"
        if self.latest_return_imported is not None:
            data_to += f" (imported {long_date(self.latest_return_imported)})"
        if self.return_overdue and self.next_return_due and self.next_return_quarter:
            return (
                f"{quarter_name(self.next_return_quarter)} return overdue since "
                f"{long_date(self.next_return_due)}. {data_to}"
            )
        if self.next_return_due and self.next_return_quarter:
            return f"{data_to}. Next return: {quarter_name(self.next_return_quarter)}, due {long_date(self.next_return_due)}"
        return f"{data_to}. No more returns due"


def _returns_of(reference: str, returns: Iterable[ReturnImport]) -> list[ReturnImport]:
    key = reference.casefold()
    return [r for r in returns if r.contract.casefold() == key]


def data_to_of(returns: Iterable[ReturnImport], as_of: date) -> date | None:
    """ "the end of the latest reporting quarter among its ... returns that ends on or before the
    as-of date" (``returns``: one contract's), None when none does."""
    ends = [r.quarter_end for r in returns if r.quarter_end <= as_of]
    return max(ends) if ends else None


def data_to_dates(contracts: Iterable[ContractTerms], returns: Iterable[ReturnImport], as_of: date) -> dict[str, date]:
    """Each contract's data-to date by its register reference (as units carry it), for the KPI
    engine; contracts whose data currency is unknown are left out."""
    latest: dict[str, date] = {}
    for item in returns:
        if item.quarter_end <= as_of:
            key = item.contract.casefold()
            if key not in latest or item.quarter_end > latest[key]:
                latest[key] = item.quarter_end
    found = {}
    for contract in contracts:
        end = latest.get(contract.reference.casefold())
        if end is not None:
            found[contract.reference] = end
    return found


def run_end(contract: ContractTerms, extension_used: bool) -> date:
    """ "to its end date, or to the latest end date when an extension is in use"."""
    if extension_used and contract.extension_up_to is not None:
        return max(contract.end_date, contract.extension_up_to)
    return contract.end_date


def next_return(data_to: date, contract: ContractTerms, extension_used: bool) -> tuple[date, date] | None:
    """(last day of the quarter after data-to, its due date 30 days later), or None when that
    quarter starts more than one quarter after the contract stops running (no return owed)."""
    starts = data_to + timedelta(days=1)
    if starts > add_months(run_end(contract, extension_used), MONTHS_AFTER_END):
        return None
    ends = quarter_end(*quarter_of(starts))
    return ends, ends + timedelta(days=DAYS_AFTER_QUARTER_END)


def contract_currency(
    contract: ContractTerms, returns: Iterable[ReturnImport], as_of: date, extension_used: bool = False
) -> DataCurrency:
    """One contract's data currency on ``as_of`` (``returns``: any contracts', matched case-blind)."""
    own = _returns_of(contract.reference, returns)
    data_to = data_to_of(own, as_of)
    later = max((r.quarter_end for r in own if r.quarter_end > as_of), default=None)
    if data_to is None:
        return DataCurrency(contract.reference, as_of, None, None, None, None, False, bool(own), later)
    imported = max(r.imported_at for r in own if r.quarter_end == data_to)
    following = next_return(data_to, contract, extension_used)
    quarter, due = following if following else (None, None)
    return DataCurrency(
        contract.reference, as_of, data_to, imported.date(), due, quarter, due is not None and as_of > due, True, later
    )


def currencies(
    contracts: Sequence[ContractTerms],
    returns: Sequence[ReturnImport],
    as_of: date,
    milestones: Iterable[Milestone] = (),
    invoice_lines: Iterable[InvoiceLine] = (),
) -> list[DataCurrency]:
    """Every contract's data currency, sorted by contract; an extension is in use as
    ``timelines.extension_in_use`` says from invoices and milestones after the end date (not from
    returns: the return for the quarter after the end date is owed whether or not it is extended)."""
    milestones, invoice_lines = list(milestones), list(invoice_lines)
    found = [
        contract_currency(
            contract,
            returns,
            as_of,
            contract.extension_up_to is not None and extension_in_use(contract, milestones, invoice_lines, as_of),
        )
        for contract in contracts
    ]
    return sorted(found, key=lambda c: c.contract)


def data_to_of_contracts(currency: Iterable[DataCurrency]) -> Mapping[str, date]:
    """The data-to dates of ``currencies``' results that are known, by contract reference."""
    return {c.contract: c.data_to for c in currency if c.data_to is not None}
