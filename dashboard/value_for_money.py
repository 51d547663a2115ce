"""Value for money per contract (docs/how-figures-are-worked-out.md, "Value for money").

rules.md: "Per contract, from its start to the as-of date: spend = every invoice line
counted as in Finance; LAs supported = distinct LAs with a package active in that time;
participants = units whose package started; met = KPI units `met`; days = sum over
packages of the package's `Days delivered` (the largest value given on its rows: a group
package's days are not multiplied by its people). Costs: spend / LAs supported, spend /
participants, spend / met (null with no KPI target or met = 0), spend / days. Rounded to
whole pounds; null when a divisor is 0. Descriptive only: the pages never rank
programmes on cost alone."

Choices the rule leaves open (stated in the docs):
- A unit counts from the start date on its own row, as the KPIs count it
  (``kpi.is_unit_as_of``); its package's days count once one of its rows has started.
- An LA recoded with no change of area (North Yorkshire E10000023 -> E06000065) is one LA
  (``coverage.LAIndex.area``); merged and split councils are other LAs.
- Costs are rounded to whole pounds with halves rounded up (away from zero), as the
  summary rounds pence (``summary.money``): £2,997.50 a participant is £2,998.
- Per financial year (pages and Board pack only, not the JSON): spend billed in the year
  (the year an invoice line bills, as Finance); LAs with a package active in the year (as
  Coverage); participants whose package started in the year; met among the packages that
  ended in the year (as the KPIs slice by year); days of the packages that started in the
  year. An LA supported in two years counts in each, so years do not add up to the whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from dashboard.calendar import financial_year_of
from dashboard.coverage import LAIndex, active_years, is_active_in_year
from dashboard.finance import counts_as_of
from dashboard.kpi import MET, UnitOutcome, is_unit_as_of
from dashboard.records import ContractTerms, InvoiceLine, LocalAuthority, Unit

PackageKey = tuple[str, str]  # (contract, package ID)

# Each figure's name and definition in plain words: the Methodology page (``registry``) and the
# docs say the same. Key -> (name, definition).
FIGURES: dict[str, tuple[str, str]] = {
    "spend": (
        "Spend",
        (
            "Every invoice line of the contract dated on or before the as-of date, ex VAT, counted as "
            "on the Finance page, from the contract's start: all years and headings together."
        ),
    ),
    "las_supported": (
        "LAs supported",
        (
            "Distinct LAs with a package of the contract that started on or before "
            "the as-of date. A council only recoded (North Yorkshire in 2023) is one LA."
        ),
    ),
    "participants": (
        "Participants",
        (
            "People supported: one per participant per package (the KPI's unit), "
            "counted once their package has started by the as-of date."
        ),
    ),
    "met": (
        "People who met the KPI",
        (
            "Participants whose status is 'Met' on the as-of date: more confident at "
            "follow-up than at baseline and able to show the impact, within 3 months of the support ending."
        ),
    ),
    "days": (
        "Days delivered",
        (
            "The sum over the contract's packages of each package's days: the largest 'Days "
            "delivered' given on its rows. A group package's days are not multiplied by its people."
        ),
    ),
    "cost_per_la": (
        "Cost per LA supported",
        ("Spend divided by the number of LAs supported, in whole pounds; none while no LA has been supported."),
    ),
    "cost_per_participant": (
        "Cost per participant",
        ("Spend divided by the number of participants, in whole pounds; none while nobody has started."),
    ),
    "cost_per_met": (
        "Cost per person who met the KPI",
        (
            "Spend divided by the people who met the KPI, in whole "
            "pounds; none "
            "for a contract with no KPI target in the contract register, or while nobody has met it."
        ),
    ),
    "cost_per_day": (
        "Cost per day delivered",
        ("Spend divided by the days delivered, in whole pounds; none while no days are recorded."),
    ),
}
ROUNDING = (
    "Costs are rounded to whole pounds, halves up (£2,997.50 is £2,998), as pence are rounded "
    "elsewhere; a cost whose divisor is 0 is not worked out (shown in words, null in the JSON)."
)


@dataclass(frozen=True)
class ValueForMoney:
    """One contract's value-for-money figures (``financial_year`` None: from its start to as-of)."""

    contract: str
    financial_year: str | None
    spend: Decimal
    las_supported: int
    participants: int
    met: int
    days: Decimal
    has_kpi_target: bool
    one_la: bool  # the participants of the row (active, started or met in it) all lie in one LA (Board: ``[c]``)

    @property
    def cost_per_la(self) -> int | None:
        return cost_per(self.spend, self.las_supported)

    @property
    def cost_per_participant(self) -> int | None:
        return cost_per(self.spend, self.participants)

    @property
    def cost_per_met(self) -> int | None:
        """ "null with no KPI target or met = 0"."""
        return cost_per(self.spend, self.met) if self.has_kpi_target else None

    @property
    def cost_per_day(self) -> int | None:
        return cost_per(self.spend, self.days)


def whole_pounds(amount: Decimal) -> int:
    """Rounded to whole pounds, halves up (away from zero): 2997.5 -> 2998."""
    return int(Decimal(amount).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def cost_per(spend: Decimal, divisor: int | Decimal) -> int | None:
    """spend / divisor in whole pounds; None ("null") when the divisor is 0."""
    if not divisor:
        return None
    return whole_pounds(Decimal(spend) / Decimal(divisor))


def has_kpi_target(terms: ContractTerms | None) -> bool:
    """A contract whose register gives no KPI target has no confidence KPI (rules.md)."""
    return terms is not None and getattr(terms, "kpi_target", None) is not None


def _days(value: float | None) -> Decimal | None:
    """Days as written (3.5 stays 3.5: no binary float sums)."""
    return None if value is None else Decimal(str(value))


def package_days(units: Iterable[Unit]) -> dict[PackageKey, Decimal]:
    """Each package's days: "the largest value given on its rows" (a package with no days given: 0)."""
    by_contract: dict[str, dict[str, Decimal]] = {}  # contract -> package ID -> days (no key of two per unit)
    written: dict[float, Decimal] = {}  # each value of days as written, once (most repeat)
    for unit in units:
        found = by_contract.get(unit.contract)
        if found is None:
            found = by_contract[unit.contract] = {}
        current = found.setdefault(unit.package_id, _NO_DAYS)
        value = unit.days_delivered
        if value is None:
            continue
        days = written.get(value)
        if days is None:
            days = written[value] = Decimal(str(value))  # as _days
        if days > current:
            found[unit.package_id] = days
    return {(contract, package): days for contract, found in by_contract.items() for package, days in found.items()}


_NO_DAYS = Decimal(0)


def _package_starts(units: Iterable[Unit]) -> dict[PackageKey, date]:
    starts: dict[PackageKey, date] = {}
    for unit in units:
        key = (unit.contract, unit.package_id)
        if key not in starts or unit.start_date < starts[key]:
            starts[key] = unit.start_date
    return starts


def value_for_money(
    contracts: Sequence[ContractTerms],
    units: Iterable[Unit],
    outcomes: Iterable[UnitOutcome],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    las: Sequence[LocalAuthority] | LAIndex | None = None,
) -> list[ValueForMoney]:
    """One row per contract of the register, sorted by contract (the JSON's ``value_for_money``).

    ``outcomes``: the units' KPI statuses as of ``as_of`` (``kpi.unit_outcomes``)."""
    index = las if isinstance(las, LAIndex) or las is None else LAIndex(las)
    started = [unit for unit in units if is_unit_as_of(unit, as_of)]
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for line in invoice_lines:
        if counts_as_of(line, as_of):
            spend[line.contract] += Decimal(line.amount)
    met: dict[str, int] = defaultdict(int)
    for outcome in outcomes:
        if outcome.status == MET and is_unit_as_of(outcome.unit, as_of):
            met[outcome.unit.contract] += 1
    by_contract = _by_contract(started)
    rows = []
    for terms in sorted(contracts, key=lambda c: c.reference):
        mine = by_contract.get(terms.reference, [])
        rows.append(_row(terms, None, spend[terms.reference], mine, mine, met[terms.reference], mine, index))
    return rows


def _by_contract(units: Iterable[Unit]) -> dict[str, list[Unit]]:
    """The units of each contract (by its reference as the units write it), in their order: one
    pass over the units rather than one per contract."""
    found: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        found[unit.contract].append(unit)
    return found


def value_for_money_by_year(
    contracts: Sequence[ContractTerms],
    units: Iterable[Unit],
    outcomes: Iterable[UnitOutcome],
    invoice_lines: Iterable[InvoiceLine],
    as_of: date,
    las: Sequence[LocalAuthority] | LAIndex | None = None,
) -> list[ValueForMoney]:
    """Per contract and financial year (see the module docstring), for every year with spend or
    support by ``as_of``; sorted by contract and year."""
    index = las if isinstance(las, LAIndex) or las is None else LAIndex(las)
    started = [unit for unit in units if is_unit_as_of(unit, as_of)]
    spend: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in invoice_lines:
        if counts_as_of(line, as_of):
            spend[(line.contract, line.financial_year)] += Decimal(line.amount)
    met: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for outcome in outcomes:
        unit = outcome.unit
        if outcome.status == MET and is_unit_as_of(unit, as_of) and unit.end_date is not None:
            met[(unit.contract, financial_year_of(unit.end_date))].append(unit)
    starts = _package_starts(started)
    by_contract = _by_contract(started)
    rows = []
    for terms in sorted(contracts, key=lambda c: c.reference):
        mine = by_contract.get(terms.reference, [])
        years = {year for contract, year in spend if contract == terms.reference}
        years |= {year for unit in mine for year in active_years(unit, as_of)}
        years |= {year for contract, year in met if contract == terms.reference}
        for year in sorted(years):
            active = [unit for unit in mine if is_active_in_year(unit, year, as_of)]
            joined = [unit for unit in mine if financial_year_of(unit.start_date) == year]
            packages = [unit for unit in mine if financial_year_of(starts[(unit.contract, unit.package_id)]) == year]
            met_units = met.get((terms.reference, year), [])
            rows.append(
                _row(
                    terms,
                    year,
                    spend.get((terms.reference, year), Decimal(0)),
                    active,
                    joined,
                    len(met_units),
                    packages,
                    index,
                    people=[*active, *joined, *met_units],
                )
            )
    return rows


def _row(
    terms: ContractTerms,
    year: str | None,
    spend: Decimal,
    active: list[Unit],
    joined: list[Unit],
    met: int,
    packages: list[Unit],
    index: LAIndex | None,
    people: list[Unit] | None = None,
) -> ValueForMoney:
    area = index.area if index is not None else (lambda code: code)
    people = joined if people is None else people
    supported = _areas(active, area)
    return ValueForMoney(
        contract=terms.reference,
        financial_year=year,
        spend=spend,
        las_supported=len(supported),
        participants=_participants(joined),
        met=met,
        days=sum(package_days(packages).values(), Decimal(0)),
        has_kpi_target=has_kpi_target(terms),
        one_la=len(supported if people is active else _areas(people, area)) == 1,
    )


def _participants(units: Iterable[Unit]) -> int:
    """ "participants = units whose package started": the distinct (package, participant) of one
    contract's ``units``, counted without a key per unit (a participant ID is mostly in one package)."""
    first_package: dict[str, str] = {}  # participant ID -> the package of its first unit
    in_other_packages: set[tuple[str, str]] = set()
    for unit in units:
        package = first_package.setdefault(unit.participant_id, unit.package_id)
        if package != unit.package_id:
            in_other_packages.add((unit.package_id, unit.participant_id))
    return len(first_package) + len(in_other_packages)


def _areas(units: Iterable[Unit], area: Callable[[str], str]) -> set[str]:
    """The areas (``LAIndex.area``) of the units' LAs, each LA code looked up once."""
    return {area(code) for code in {unit.la_code for unit in units}}
