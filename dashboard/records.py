"""Plain records the rules work on.

The repositories in ``data_access`` build these from the database; the rules in
``dashboard`` never see SQL, files or Streamlit. Every field is in the users'
words (see ``../shared/spec/rules.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

ONE_TO_ONE = "one_to_one"
GROUP = "group"

BASELINE = "baseline"
FOLLOW_UP = "follow_up"


@dataclass(frozen=True, slots=True)
class Unit:
    """One participant in one support package: the unit of KPI 1 and KPI 2."""

    contract: str
    package_id: str
    participant_id: str
    support_type: str  # ONE_TO_ONE or GROUP
    la_code: str
    region_code: str
    role: str
    focus: str | None
    start_date: date
    end_date: date | None
    days_delivered: float | None = None
    group_type: str | None = None
    delivered_by: str | None = None


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One questionnaire response of one unit."""

    contract: str
    package_id: str
    participant_id: str
    stage: str  # BASELINE or FOLLOW_UP
    response_date: date
    confidence: int
    impact_demonstrated: bool | None


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """What a contract register row says about one contract."""

    reference: str
    title: str
    supplier: str
    programme: str
    contract_type: str | None
    start_date: date
    end_date: date
    extension_up_to: date | None = None
    break_date: date | None = None
    value: Decimal | None = None
    day_rate_cap: Decimal | None = None
    executive_day_rate_cap: Decimal | None = None
    min_package_days: float | None = None
    min_las_per_year: int | None = None
    kpi_target: float | None = None  # None: the contract has no confidence KPI
    overheads_cap: float | None = None  # a fraction of the same invoice's other costs
    rates_include_expenses: bool | None = None
    extension_notice_months: int | None = None
    contract_manager: str | None = None


@dataclass(frozen=True, slots=True)
class Milestone:
    contract: str
    name: str
    due_date: date
    completed_date: date | None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Pricing schedule Part A: the amount for one heading in one financial year."""

    contract: str
    heading: str
    financial_year: str  # e.g. "2021-22"
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    contract: str
    invoice_ref: str
    line: int
    financial_year: str
    quarter: int  # 1..4, financial-year quarter
    heading: str
    role: str | None
    level: str | None
    days: Decimal | None
    day_rate: Decimal | None
    amount: Decimal
    vat: Decimal | None
    invoice_date: date


@dataclass(frozen=True, slots=True)
class LocalAuthority:
    """One LA record of the reference list, live from valid_from to valid_to."""

    code: str  # GSS code
    dfe_code: str
    name: str
    region_code: str
    valid_from: date
    valid_to: date | None
    successor_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LAStatus:
    """What was known about an LA from effective_date on (until a later record)."""

    la_code: str
    effective_date: date
    ilacs_judgement: str | None  # Outstanding / Good / Requires improvement / Inadequate / Not inspected
    send_wsoa: bool | None = None
    declining: bool | None = None
    in_intervention: bool | None = None
    next_review_date: date | None = None  # the LA status return's "Next review date" of an LA in intervention
    ilacs_date: date | None = None  # the inspection's date (effective_date is when Ofsted published it)


@dataclass(frozen=True, slots=True)
class ReturnImport:
    """A quarterly return, imported and not undone, that states its reporting quarter: one
    record for each contract its rows are for (data currency)."""

    contract: str
    quarter_end: date  # the last day of the quarter the return reports on
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class IlacsJudgement:
    """One published Ofsted ILACS overall effectiveness judgement (the reference history)."""

    la_code: str
    inspection_date: date | None
    published: date
    judgement: str  # Outstanding / Good / Requires improvement / Inadequate


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Every record the pages show, for one scope (contracts, LAs, regions, within a viewer's limits):
    what ``data_access.queries.load`` returns and what every view takes whole. LAs, their statuses,
    regions and ILACS judgements are whole (reference data); the rest is the scope's."""

    contracts: list[ContractTerms] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    responses: list[SurveyResponse] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    invoice_lines: list[InvoiceLine] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    las: list[LocalAuthority] = field(default_factory=list)
    statuses: list[LAStatus] = field(default_factory=list)
    regions: dict[str, str] = field(default_factory=dict)  # E12 code -> region name
    returns: list[ReturnImport] = field(default_factory=list)  # quarterly returns stating their quarter
    judgements: list[IlacsJudgement] = field(default_factory=list)  # Ofsted ILACS history


@dataclass(frozen=True, slots=True)
class Measure:
    """One DfE LAIT outcome measure (reference data)."""

    code: str  # LAIT's short code, e.g. "ReReferral"
    topic: str
    name: str
    polarity: str  # "High" (higher is better), "Low" (lower is better) or "" (neither)
    unit: str = ""
    year_type: str = ""
    description: str = ""
    source: str = ""
    decimal_places: int | None = None


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """A published value of a measure for an area (LA, region or England) in one period."""

    measure: str
    period: str  # as LAIT labels it, e.g. "2024"
    area_number: str  # DfE LA number; 970 and above are regions and England
    area_name: str
    value: float | None  # None: not available or suppressed in the source


@dataclass(frozen=True, slots=True)
class Neighbour:
    """One of an LA's 10 DfE statistical neighbours (rank 1 is the closest)."""

    la_number: str
    rank: int
    neighbour_number: str
    neighbour_name: str
    closeness: str = ""
