"""The declared schema of every sheet the importer reads.

Validation rules are data: each sheet lists its columns (header as
``../shared/spec/spreadsheets.md`` names it, whether required, and the cell
parser that turns a raw cell into a value or raises ``CellError``) and the names
it may be found under. What a row's key is, the table its rows go into and the
order of import belong to its kind (``kinds.py``); rules that need more than one
cell (an LA valid on the row's date, a heading of the contract's pricing
schedule) live in ``validate.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from data_access.importer import cells

Parser = Callable[[Any], Any]

# The enumerations of spreadsheets.md live with the cell parsers (one list each).
CONTRACT_TYPES = cells.CONTRACT_TYPES
GROUP_TYPES = cells.GROUP_TYPES
ROLES = cells.ROLES
FOCUSES = cells.FOCUSES
ILACS_JUDGEMENTS = cells.ILACS_JUDGEMENTS
LEVELS = {"executive": "Executive", "management": "Management"}


def _level(value: Any) -> str | None:
    """Level: Executive / Management / other (any other text is kept as written)."""
    text = cells.parse_text(value)
    if text is None:
        return None
    return LEVELS.get(text.strip().lower(), text)


def _confidence(value: Any) -> int | None:
    return cells.parse_whole_number(value, 1, 5)


def _positive_number(value: Any) -> Decimal | None:
    number = cells.parse_number(value)
    if number is not None and number < 0:
        raise cells.CellError(f"expected a number of 0 or more, got {value!r}")
    return number


def _day_rate(value: Any) -> Decimal | None:
    """A day rate is never below 0 (a credit note is a negative Amount, not a negative rate)."""
    rate = cells.parse_money(value)
    if rate is not None and rate < 0:
        raise cells.CellError(f"expected a day rate of 0 or more, got {cells.shown(value)}")
    return rate


def _whole_count(value: Any) -> int | None:
    return cells.parse_whole_number(value, 0, None)


def _line_number(value: Any) -> int | None:
    return cells.parse_whole_number(value, 1, None)


# The four kinds of workbook (spreadsheets.md); the import summary and templates use these names.
CONTRACT_REGISTER = "contract register"
PRICING_SCHEDULE = "pricing schedule"
QUARTERLY_RETURN = "quarterly return"
LA_STATUS_KIND = "LA status"
WORKBOOK_KINDS = (CONTRACT_REGISTER, PRICING_SCHEDULE, QUARTERLY_RETURN, LA_STATUS_KIND)


@dataclass(frozen=True)
class Column:
    header: str  # as spreadsheets.md names it
    field: str
    parse: Parser
    required: bool = False

    @property
    def key(self) -> str:
        return cells.normalise_header(self.header)

    def parser(self, date_1904: bool = False) -> Parser:
        """The cell parser; in a workbook of the 1904 date system, a date column reads Excel date
        numbers from 1904."""
        if date_1904 and self.parse in (cells.parse_date, cells.parse_quarter):
            return partial(self.parse, date_1904=True)
        return self.parse


@dataclass(frozen=True)
class SheetSchema:
    kind: str  # which sheet this is, e.g. "engagements"
    title: str  # as users call it
    workbook_kind: str  # contract register / pricing schedule / quarterly return / LA status
    names: tuple[str, ...]  # sheet names (normalised) it is found under
    columns: tuple[Column, ...]
    contract_scoped: bool = False  # rows belong to a contract (column, labelled cell or option)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.required)

    def column(self, field: str) -> Column:
        return next(column for column in self.columns if column.field == field)


text = cells.parse_text
date_ = cells.parse_date
money = cells.parse_money

CONTRACT_COLUMN = Column("Contract reference", "contract_reference", text)

CONTRACTS = SheetSchema(
    kind="contracts",
    title="Contracts",
    workbook_kind=CONTRACT_REGISTER,
    names=("contract",),
    columns=(
        Column("Contract reference", "reference", text, True),
        Column("Title", "title", text, True),
        Column("Supplier", "supplier", text, True),
        Column("Programme", "programme", text, True),
        Column("Type", "contract_type", partial(cells.parse_choice, choices=CONTRACT_TYPES)),
        Column("Start date", "start_date", date_, True),
        Column("End date", "end_date", date_, True),
        Column("Extension up to", "extension_up_to", date_),
        Column("Break date", "break_date", date_),
        Column("Value", "value", money),
        Column("Day rate cap", "day_rate_cap", money),
        Column("Executive day rate cap", "executive_day_rate_cap", money),
        Column("Minimum package days", "min_package_days", _positive_number),
        Column("Minimum LAs per year", "min_las_per_year", _whole_count),
        Column("KPI target", "kpi_target", cells.parse_percent),
        Column("Overheads cap", "overheads_cap", cells.parse_percent),
        Column("Rates include expenses", "rates_include_expenses", cells.parse_yes_no),
        Column("Extension notice", "extension_notice_months", _whole_count),
        Column("Contract manager", "contract_manager", text),
    ),
)

MILESTONES = SheetSchema(
    kind="milestones",
    title="Milestones",
    workbook_kind=CONTRACT_REGISTER,
    names=("milestone",),
    columns=(
        Column("Contract reference", "contract_reference", text, True),
        Column("Milestone", "name", text, True),
        Column("Due date", "due_date", date_, True),
        Column("Completed date", "completed_date", date_),
    ),
)

PART_B = SheetSchema(
    kind="day_rates",
    title="Part B",
    workbook_kind=PRICING_SCHEDULE,
    names=("partb",),
    columns=(
        Column("Role", "role", text, True),
        Column("Level", "level", _level),
        Column("Headcount", "headcount", _positive_number),
        Column("FTE", "fte", _positive_number),
        Column("Number of days", "number_of_days", _positive_number),
        Column("Day rate", "day_rate", _day_rate, True),
        Column("Total cost", "total_cost", money),
    ),
    contract_scoped=True,
)

ENGAGEMENTS = SheetSchema(
    kind="engagements",
    title="Engagements",
    workbook_kind=QUARTERLY_RETURN,
    names=("engagement",),
    columns=(
        CONTRACT_COLUMN,
        Column("Package ID", "package_id", text, True),
        Column("LA", "la", text, True),
        Column("Support type", "support_type", cells.parse_support_type, True),
        Column("Group type", "group_type", partial(cells.parse_choice, choices=GROUP_TYPES)),
        Column("Participant ID", "participant_id", text, True),
        Column("Role", "role", partial(cells.parse_choice, choices=ROLES), True),
        Column("Participant name", "participant_name", text),
        Column("Start date", "start_date", date_, True),
        Column("End date", "end_date", date_),
        Column("Days delivered", "days_delivered", _positive_number),
        Column("Delivered by", "delivered_by", text),
        Column("Focus", "focus", partial(cells.parse_choice, choices=FOCUSES)),
    ),
    contract_scoped=True,
)

SURVEY = SheetSchema(
    kind="survey",
    title="Survey",
    workbook_kind=QUARTERLY_RETURN,
    names=("survey",),
    columns=(
        CONTRACT_COLUMN,
        Column("Package ID", "package_id", text, True),
        Column("Participant ID", "participant_id", text, True),
        Column("Stage", "stage", cells.parse_stage, True),
        Column("Response date", "response_date", date_, True),
        Column("Confidence", "confidence", _confidence, True),
        Column("Impact demonstrated", "impact_demonstrated", cells.parse_yes_no),
        Column("Evidence", "evidence", text),
    ),
    contract_scoped=True,
)

FINANCE = SheetSchema(
    kind="finance",
    title="Finance",
    workbook_kind=QUARTERLY_RETURN,
    names=("finance",),
    columns=(
        CONTRACT_COLUMN,
        Column("Invoice reference", "invoice_ref", text, True),
        Column("Line", "line", _line_number),
        Column("Financial year", "financial_year", cells.parse_financial_year),
        Column("Quarter", "quarter", cells.parse_quarter, True),
        Column("Expenditure heading", "heading", text, True),
        Column("Role", "role", text),
        Column("Level", "level", _level),
        Column("Days", "days", _positive_number),
        Column("Day rate", "day_rate", _day_rate),
        Column("Amount", "amount", money, True),
        Column("VAT", "vat", money),
        Column("Invoice date", "invoice_date", date_, True),
    ),
    contract_scoped=True,
)

LA_STATUS = SheetSchema(
    kind="la_status",
    title="LA status",
    workbook_kind=LA_STATUS_KIND,
    names=("lastatus",),
    columns=(
        Column("LA", "la", text, True),
        Column("ILACS judgement", "ilacs_judgement", partial(cells.parse_choice, choices=ILACS_JUDGEMENTS)),
        Column("ILACS date", "ilacs_date", date_),
        Column("SEND WSoA", "send_wsoa", cells.parse_yes_no),
        Column("Declining performance", "declining", cells.parse_yes_no),
        Column("In intervention", "in_intervention", cells.parse_yes_no),
        Column("Next review date", "next_review_date", date_),
    ),
)

# Part A has one column per financial year, so it declares no columns: its validator reads it.
PART_A_HEADING = "Expenditure heading"
PART_A = SheetSchema(
    kind="allocations",
    title="Part A",
    workbook_kind=PRICING_SCHEDULE,
    names=("parta",),
    columns=(),
)

# Every sheet schema with declared columns (the order of import is the kinds', ``kinds.KINDS``).
SCHEMAS: tuple[SheetSchema, ...] = (CONTRACTS, MILESTONES, LA_STATUS, PART_B, ENGAGEMENTS, SURVEY, FINANCE)
