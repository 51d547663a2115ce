"""The database schema, as SQLAlchemy 2.x typed models.

Business keys follow ``../shared/spec/spreadsheets.md``: re-importing a row with
the same key updates it. Every row a workbook wrote remembers the import that
last touched it (``import_id``), and ``RowChange`` keeps each change's before and
after values so an import can be undone exactly.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Money = Numeric(14, 2)

# Undo records (``RowChange``) name rows by table and id, so an id must never be handed out twice:
# on SQLite a plain INTEGER PRIMARY KEY takes one more than the largest id now stored, so the id of
# a row an undo deleted came back for the next row inserted, with the deleted row's history (and its
# participant's names) attached. AUTOINCREMENT never reuses an id; PostgreSQL's sequences never do.
NEVER_REUSED = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model here maps one table (SQLAlchemy types it as a FromClause)


# --- Reference data -----------------------------------------------------------------


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))


class LocalAuthority(Base):
    """One LA record; names and DfE codes can belong to several records over time."""

    __tablename__ = "local_authorities"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)  # GSS code
    dfe_code: Mapped[str] = mapped_column(String(3), index=True)
    name: Mapped[str] = mapped_column(String(80))
    la_type: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor_codes: Mapped[str] = mapped_column(String(60), default="")
    other_names: Mapped[str] = mapped_column(String(200), default="")


class BoundaryChange(Base):
    __tablename__ = "boundary_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_date: Mapped[date] = mapped_column(Date)
    change_type: Mapped[str] = mapped_column(String(80))
    old_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.code"))
    new_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.code"))
    note: Mapped[str] = mapped_column(Text, default="")


class HexPosition(Base):
    __tablename__ = "hex_positions"

    la_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.code"), primary_key=True)
    q: Mapped[int] = mapped_column(Integer)
    r: Mapped[int] = mapped_column(Integer)


class LAStatus(Base):
    """What was known about an LA from ``effective_date`` on; history is kept."""

    __tablename__ = "la_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    la_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.code"), index=True)
    effective_date: Mapped[date] = mapped_column(Date)
    ilacs_judgement: Mapped[str | None] = mapped_column(String(30))
    ilacs_date: Mapped[date | None] = mapped_column(Date)
    send_wsoa: Mapped[bool | None] = mapped_column(Boolean)
    declining: Mapped[bool | None] = mapped_column(Boolean)
    in_intervention: Mapped[bool | None] = mapped_column(Boolean)
    next_review_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))  # "Ofsted ILACS" or "import"
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = (UniqueConstraint("la_code", "effective_date", "source"), NEVER_REUSED)


class LaitMeasure(Base):
    """One DfE LAIT outcome measure (``seeds/reference/lait_measures.csv``)."""

    __tablename__ = "lait_measures"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)  # LAIT's short code, e.g. "ReReferral"
    topic: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(300))
    chart_title: Mapped[str] = mapped_column(String(300), default="")
    polarity: Mapped[str] = mapped_column(String(10), default="")  # "High", "Low" or "" (neither)
    unit: Mapped[str] = mapped_column(String(120), default="")
    year_type: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[str] = mapped_column(Text, default="")
    decimal_places: Mapped[int | None] = mapped_column(Integer)


class LaitValue(Base):
    """One published value of a LAIT measure for an LA, a region or England in one period."""

    __tablename__ = "lait_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_code: Mapped[str] = mapped_column(ForeignKey("lait_measures.code"))
    period: Mapped[str] = mapped_column(String(20))  # as LAIT labels it, e.g. "2024"
    area_number: Mapped[str] = mapped_column(String(3))  # DfE LA number; 970 and above: regions, England
    area_name: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(60), default="")  # LAIT's region label of an LA
    value: Mapped[float | None] = mapped_column(Float)  # None: "-" in the source (missing or suppressed)

    # the one index (rows are read all at once; fewer indexes make the first-start insert quick)
    __table_args__ = (UniqueConstraint("measure_code", "period", "area_number"),)


class StatisticalNeighbour(Base):
    """DfE children's services statistical neighbours: an LA's neighbour of a rank (1 = closest)."""

    __tablename__ = "statistical_neighbours"

    la_number: Mapped[str] = mapped_column(String(3), primary_key=True)  # DfE LA number
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    la_name: Mapped[str] = mapped_column(String(80))
    neighbour_la_number: Mapped[str] = mapped_column(String(3))
    neighbour_la_name: Mapped[str] = mapped_column(String(80))
    closeness: Mapped[str] = mapped_column(String(40), default="")


# --- Contracts ----------------------------------------------------------------------


class Contract(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    supplier: Mapped[str] = mapped_column(String(300))
    programme: Mapped[str] = mapped_column(String(120))
    contract_type: Mapped[str | None] = mapped_column(String(30))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    extension_up_to: Mapped[date | None] = mapped_column(Date)
    break_date: Mapped[date | None] = mapped_column(Date)
    value: Mapped[Decimal | None] = mapped_column(Money)
    day_rate_cap: Mapped[Decimal | None] = mapped_column(Money)
    executive_day_rate_cap: Mapped[Decimal | None] = mapped_column(Money)
    min_package_days: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    min_las_per_year: Mapped[int | None] = mapped_column(Integer)
    kpi_target: Mapped[float | None] = mapped_column()  # blank: the contract has no confidence KPI
    overheads_cap: Mapped[float | None] = mapped_column()  # a fraction of the invoice's other costs
    rates_include_expenses: Mapped[bool | None] = mapped_column(Boolean)
    extension_notice_months: Mapped[int | None] = mapped_column(Integer)
    contract_manager: Mapped[str | None] = mapped_column(String(120))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = NEVER_REUSED


class Milestone(Base):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    completed_date: Mapped[date | None] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = (UniqueConstraint("contract_id", "name"), NEVER_REUSED)


class Allocation(Base):
    """Pricing schedule Part A: amount per expenditure heading per financial year."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    heading: Mapped[str] = mapped_column(String(200))
    financial_year: Mapped[str] = mapped_column(String(7))
    amount: Mapped[Decimal] = mapped_column(Money)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = (UniqueConstraint("contract_id", "heading", "financial_year"), NEVER_REUSED)


class DayRate(Base):
    """Pricing schedule Part B: a priced role."""

    __tablename__ = "day_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    role: Mapped[str] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(40))
    headcount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    fte: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    number_of_days: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    day_rate: Mapped[Decimal] = mapped_column(Money)
    total_cost: Mapped[Decimal | None] = mapped_column(Money)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = (UniqueConstraint("contract_id", "role", "level"), NEVER_REUSED)


# --- Quarterly returns ----------------------------------------------------------------


class Engagement(Base):
    """One participant in one support package (key: contract, package, participant)."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    package_id: Mapped[str] = mapped_column(String(80))
    participant_id: Mapped[str] = mapped_column(String(80))
    la_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.code"), index=True)
    support_type: Mapped[str] = mapped_column(String(12))
    group_type: Mapped[str | None] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(80))
    participant_name: Mapped[str | None] = mapped_column(String(200))  # personal data
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    days_delivered: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    delivered_by: Mapped[str | None] = mapped_column(String(200))
    focus: Mapped[str | None] = mapped_column(String(10))
    missing_from_latest_return: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = (
        UniqueConstraint("contract_id", "package_id", "participant_id"),
        Index("ix_engagements_contract_dates", "contract_id", "end_date"),
        NEVER_REUSED,
    )


class SurveyResponse(Base):
    """One questionnaire response (key: contract, package, participant, stage, date)."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    package_id: Mapped[str] = mapped_column(String(80))
    participant_id: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str] = mapped_column(String(10))
    response_date: Mapped[date] = mapped_column(Date)
    confidence: Mapped[int] = mapped_column(Integer)
    impact_demonstrated: Mapped[bool | None] = mapped_column(Boolean)
    evidence: Mapped[str | None] = mapped_column(Text)  # personal data
    missing_from_latest_return: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = (
        UniqueConstraint("contract_id", "package_id", "participant_id", "stage", "response_date"),
        NEVER_REUSED,
    )


class InvoiceLine(Base):
    """One invoice line (key: contract, invoice reference, line)."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    invoice_ref: Mapped[str] = mapped_column(String(80))
    line: Mapped[int] = mapped_column(Integer)
    financial_year: Mapped[str] = mapped_column(String(7))
    quarter: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(40))
    days: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    day_rate: Mapped[Decimal | None] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    vat: Mapped[Decimal | None] = mapped_column(Money)
    invoice_date: Mapped[date] = mapped_column(Date)
    source_file: Mapped[str | None] = mapped_column(String(260))
    source_row: Mapped[int | None] = mapped_column(Integer)
    missing_from_latest_return: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = (UniqueConstraint("contract_id", "invoice_ref", "line"), NEVER_REUSED)


# --- Imports, audit and access -------------------------------------------------------


class ImportRecord(Base):
    """One import of one file: who, when, what it did."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(30))
    contract_reference: Mapped[str | None] = mapped_column(String(60))
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20))  # imported / rejected / undone
    # a quarterly return's reporting quarter (its last day); None: the return states none
    reporting_quarter_end: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RowChange(Base):
    """Before and after values of one row an import wrote, for exact undo."""

    __tablename__ = "row_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_row_changes_row", "table_name", "row_id"),)


class AuditEvent(Base):
    """Append-only log: sign-ins, imports, undos, exports, role changes."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(30))  # board / contract_manager / case_lead / admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Assignment(Base):
    """What a contract manager or case lead may see: a contract, an LA or a region."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[str] = mapped_column(String(10))  # contract / la / region
    value: Mapped[str] = mapped_column(String(60))

    __table_args__ = (UniqueConstraint("user_id", "scope", "value"),)
