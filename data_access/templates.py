"""Blank workbook templates, made from the same declared schemas the importer reads.

One template per kind of workbook (``contract register``, ``pricing schedule``,
``quarterly return``, ``LA status``). Every data sheet has:

- row 1: a title; row 2: a cell labelled ``Contract reference`` (sheets whose rows
  belong to a contract; filled in when a contract is chosen); row 3: the headers
  as ``schemas.py`` names them, ``*`` marking the required ones; data from row 4;
- drop-down lists (data validation) for every enumeration: support type, stage,
  role, group type, focus, level, contract type, ILACS judgement, quarter,
  yes/no and LA names (LA codes can still be typed: the LA list only warns);
  when a contract is chosen, Finance's expenditure heading lists that
  contract's pricing-schedule headings, and its financial years are offered;
- date columns formatted ``dd/mm/yyyy`` and checked to be dates, money as ``£``,
  the KPI target as a percentage, confidence checked as a whole number 1 to 5.

The lists live on a hidden ``Lists`` sheet (the importer ignores hidden sheets)
and an ``Instructions`` sheet explains every column. Nothing here knows a
column the importer does not: change ``importer/schemas.py`` and the templates
follow.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.calendar import financial_year_of, financial_years_between
from dashboard.vocabulary import SUPPORT_TYPE_NAMES
from data_access import models
from data_access.importer import cells, schemas
from data_access.importer.kinds import kind_of
from data_access.importer.schemas import (
    CONTRACT_REGISTER,
    PRICING_SCHEDULE,
    QUARTERLY_RETURN,
    Column,
    Parser,
    SheetSchema,
)
from data_access.importer.schemas import LA_STATUS_KIND as LA_STATUS
from data_access.importer.schemas import WORKBOOK_KINDS as KINDS

TITLE_ROW = 1
LABEL_ROW = 2  # "Contract reference" | value, on sheets whose rows belong to a contract
HEADER_ROW = 3
FIRST_DATA_ROW = 4
TEMPLATE_ROWS = 2000  # rows the drop-downs and checks cover
LISTS_SHEET = "Lists"
INSTRUCTIONS_SHEET = "Instructions"
REQUIRED_MARK = " *"

_SHEETS: dict[str, tuple[SheetSchema | str, ...]] = {
    CONTRACT_REGISTER: (schemas.CONTRACTS, schemas.MILESTONES),
    PRICING_SCHEDULE: ("part_a", schemas.PART_B),
    QUARTERLY_RETURN: (schemas.ENGAGEMENTS, schemas.SURVEY, schemas.FINANCE),
    LA_STATUS: (schemas.LA_STATUS,),
}

YES_NO = ("Yes", "No")
SUPPORT_TYPES = tuple(SUPPORT_TYPE_NAMES.values())  # "One-to-one", "Group"
STAGES = ("Baseline", "Follow-up")
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
JUDGEMENTS = tuple(dict.fromkeys(cells.ILACS_JUDGEMENTS.values()))

# Drop-down list per field: (list name, values, strict). Not strict: other values only warn
# (an LA can be typed as a code; a level may be any text; a quarter may be its end date).
_FIELD_LISTS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "support_type": ("Support type", SUPPORT_TYPES, True),
    "stage": ("Stage", STAGES, True),
    "group_type": ("Group type", tuple(cells.GROUP_TYPES), True),
    "focus": ("Focus", tuple(cells.FOCUSES), True),
    "contract_type": ("Type", tuple(cells.CONTRACT_TYPES), True),
    "ilacs_judgement": ("ILACS judgement", JUDGEMENTS, True),
    "level": ("Level", tuple(cells.LEVELS), False),
    "quarter": ("Quarter", QUARTERS, False),
    "impact_demonstrated": ("Yes/no", YES_NO, True),
    "send_wsoa": ("Yes/no", YES_NO, True),
    "declining": ("Yes/no", YES_NO, True),
    "in_intervention": ("Yes/no", YES_NO, True),
}
_ROLE_LIST = ("Role", tuple(cells.ROLES), True)  # Engagements' role (elsewhere a role is free text)

DATE_FORMAT = "dd/mm/yyyy"
MONEY_FORMAT = '"£"#,##0.00'
PERCENT_FORMAT = "0%"
NUMBER_FORMAT = "#,##0.0#"
WHOLE_FORMAT = "0"
_HEADER_FILL = PatternFill("solid", fgColor="DEE0E2")
_REQUIRED_FONT = Font(bold=True)

_HELP: dict[str, str] = {
    "contract_reference": "the contract's reference as in the contract register (or fill in the labelled cell in row 2)",
    "reference": "the contract's reference, unique",
    "la": "the local authority: its name, GSS code (E08000014) or DfE code (343)",
    "participant_id": "a pseudonymous ID for the person (never their name)",
    "participant_name": "personal data, optional: leave blank unless it is needed",
    "evidence": "personal data, optional: what the participant said",
    "support_type": " or ".join(SUPPORT_TYPES),
    "stage": "Baseline or Follow-up",
    "confidence": "a whole number from 1 to 5",
    "impact_demonstrated": "Yes or No; required at follow-up",
    "heading": "an expenditure heading of the contract's pricing schedule (Part A)",
    "line": "the line number within the invoice (default: the order of the rows)",
    "financial_year": "e.g. 2021-22 (may be left blank when Quarter is the quarter's end date)",
    "quarter": "Q1 to Q4, or the quarter's end date",
    "amount": "pounds, excluding VAT",
    "kpi_target": "a percentage, e.g. 75%; leave blank when the contract has no confidence KPI",
    "overheads_cap": "a percentage of the invoice's other costs, e.g. 15%; blank: no cap",
    "rates_include_expenses": "Yes when the contract's day rates include expenses; blank: not set",
    "extension_notice_months": "months of notice needed to extend, e.g. 3; blank: not set",
    "day_rate_cap": "pounds a day; blank: no cap",
    "end_date": "on or after the start date",
}


def _is(column: Column, parser: Parser) -> bool:
    return column.parse is parser


def header_text(column: Column) -> str:
    """The header as written in a template: the schema's name, ``*`` when required."""
    return column.header + (REQUIRED_MARK if column.required else "")


def _number_format(column: Column) -> str | None:
    if _is(column, cells.parse_date):
        return DATE_FORMAT
    if _is(column, cells.parse_money):
        return MONEY_FORMAT
    if _is(column, cells.parse_percent):
        return PERCENT_FORMAT
    if column.field in ("min_las_per_year", "confidence", "line"):
        return WHOLE_FORMAT
    if column.field in ("days_delivered", "days", "headcount", "fte", "number_of_days", "min_package_days"):
        return NUMBER_FORMAT
    return None


class _Lists:
    """The hidden sheet of drop-down values: one column per list."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self.ranges: dict[str, str] = {}

    def range_for(self, name: str, values: Iterable[str]) -> str:
        if name not in self.ranges:
            values = list(values)
            column = len(self.ranges) + 1
            letter = get_column_letter(column)
            self.sheet.cell(1, column, name).font = _REQUIRED_FONT
            for row, value in enumerate(values, start=2):
                self.sheet.cell(row, column, value)
            last = max(len(values) + 1, 2)
            self.ranges[name] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${last}"
        return self.ranges[name]


def _add_list(sheet: Worksheet, lists: _Lists, letter: str, name: str, values: Iterable[str], strict: bool) -> None:
    validation = DataValidation(
        type="list",
        formula1=lists.range_for(name, values),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle=name,
        error=f"Choose a {name.lower()} from the list.",
        promptTitle=name,
        prompt="Choose from the list.",
        showInputMessage=True,
    )
    validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + TEMPLATE_ROWS - 1}")
    sheet.add_data_validation(validation)


def _add_check(sheet: Worksheet, letter: str, column: Column) -> None:
    cells_range = f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + TEMPLATE_ROWS - 1}"
    if _is(column, cells.parse_date):
        validation = DataValidation(
            type="date",
            operator="between",
            formula1="DATE(2000,1,1)",
            formula2="DATE(2099,12,31)",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Date",
            error="Enter a date as dd/mm/yyyy.",
        )
    elif column.field == "confidence":
        validation = DataValidation(
            type="whole",
            operator="between",
            formula1="1",
            formula2="5",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Confidence",
            error="A whole number from 1 to 5.",
        )
    else:
        return
    validation.add(cells_range)
    sheet.add_data_validation(validation)


def _title(sheet: Worksheet, text: str) -> None:
    sheet.cell(TITLE_ROW, 1, text).font = Font(bold=True, size=13)


def _label(sheet: Worksheet, contract: str | None) -> None:
    sheet.cell(LABEL_ROW, 1, "Contract reference").font = _REQUIRED_FONT
    if contract:
        sheet.cell(LABEL_ROW, 2, contract)


def _header(sheet: Worksheet, headers: list[tuple[str, bool]]) -> None:
    for position, (text, required) in enumerate(headers, start=1):
        cell = sheet.cell(HEADER_ROW, position, text)
        cell.fill = _HEADER_FILL
        cell.font = _REQUIRED_FONT if required else Font()
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(position)].width = max(12, min(len(text) + 4, 34))
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"


def _data_sheet(
    book: Workbook,
    schema: SheetSchema,
    lists: _Lists,
    choices: dict[str, tuple[str, ...]],
    contract: str | None,
    kind: str,
) -> Worksheet:
    sheet: Worksheet = book.create_sheet(schema.title)
    _title(sheet, f"{kind_title(kind)}: {schema.title}. Columns marked * are required; see Instructions.")
    if schema.contract_scoped:
        _label(sheet, contract)
    _header(sheet, [(header_text(column), column.required) for column in schema.columns])
    for position, column in enumerate(schema.columns, start=1):
        letter = get_column_letter(position)
        number_format = _number_format(column)
        if number_format:
            sheet.column_dimensions[letter].number_format = number_format
        listed = _FIELD_LISTS.get(column.field)
        if column.field == "role" and schema is schemas.ENGAGEMENTS:
            listed = _ROLE_LIST
        if column.field == "la":
            listed = ("LA name", choices["la"], False)
        if column.field == "heading" and choices.get("heading"):
            listed = ("Expenditure heading", choices["heading"], True)
        if column.field == "financial_year" and choices.get("financial_year"):
            listed = ("Financial year", choices["financial_year"], False)
        if listed:
            _add_list(sheet, lists, letter, *listed)
        _add_check(sheet, letter, column)
    return sheet


def _part_a_sheet(book: Workbook, choices: dict[str, tuple[str, ...]], contract: str | None) -> Worksheet:
    sheet: Worksheet = book.create_sheet("Part A")
    _title(
        sheet,
        "Pricing schedule: Part A, allocations (GBP, ex VAT). One row per expenditure heading, "
        "one column per financial year; see Instructions.",
    )
    _label(sheet, contract)
    years = choices.get("financial_year") or _default_years()
    _header(sheet, [(schemas.PART_A_HEADING + REQUIRED_MARK, True)] + [(year, True) for year in years])
    for position in range(2, len(years) + 2):
        sheet.column_dimensions[get_column_letter(position)].number_format = MONEY_FORMAT
    for row, heading in enumerate(choices.get("heading", ()), start=FIRST_DATA_ROW):
        sheet.cell(row, 1, heading)
    return sheet


def _default_years(today: date | None = None) -> tuple[str, ...]:
    first = financial_year_of(today or date.today())
    start = int(first[:4])
    return tuple(f"{year}-{(year + 1) % 100:02d}" for year in range(start, start + 3))


def _instructions(book: Workbook, kind: str, sheets: tuple[SheetSchema | str, ...], contract: str | None) -> None:
    sheet = book.create_sheet(INSTRUCTIONS_SHEET, 0)
    sheet.column_dimensions["A"].width = 120
    lines: list[tuple[str, bool]] = [
        (f"Improvement Oversight: {kind} template", True),
        (
            (
                "Fill in one row per record from row 4 of each sheet. Columns marked * are required. Keep the "
                "headers; you may add columns (they are ignored) or rows above the headers."
            ),
            False,
        ),
        (
            (
                "Dates as dd/mm/yyyy (UK, day first). Money in pounds excluding VAT. Choose from the drop-down "
                "lists where a column has one."
            ),
            False,
        ),
        ("Upload the file on the Upload data page, or run: python -m data_access import FILE.", False),
    ]
    if any(isinstance(item, SheetSchema) and item.contract_scoped for item in sheets) or "part_a" in sheets:
        lines.append(
            (
                f"This template is for contract {contract}."
                if contract
                else "Write the contract's reference in the cell to the right of the label in row 2 of "
                "each sheet, or in a column of that name.",
                False,
            )
        )
    for item in sheets:
        lines.append(("", False))
        if isinstance(item, str):  # "part_a"
            lines.append(("Sheet Part A: allocations", True))
            lines.append(
                (
                    (
                        "First column: the expenditure heading (required); then one column per financial "
                        "year headed like 2021-22, holding the amount allocated. Empty cells count as 0."
                    ),
                    False,
                )
            )
            continue
        key = kind_of(item).key_headers
        lines.append((f"Sheet {item.title}" + (f": one row per key ({', '.join(key)})" if key else ""), True))
        for column in item.columns:
            need = "required" if column.required else "optional"
            listed = _FIELD_LISTS.get(column.field)
            accepted = f"; one of: {', '.join(listed[1])}" if listed else ""
            if column.field == "role" and item is schemas.ENGAGEMENTS:
                accepted = f"; one of: {', '.join(_ROLE_LIST[1])}"
            help_text = _HELP.get(column.field, "")
            lines.append(
                (f"- Column '{column.header}' ({need}){': ' + help_text if help_text else ''}{accepted}.", False)
            )
    for row, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=13 if row == 1 else 11)


def _choices(session: Session, contract: str | None) -> dict[str, tuple[str, ...]]:
    """Values for the LA list and, for a chosen contract, its headings and financial years."""
    names = session.scalars(select(models.LocalAuthority.name).distinct().order_by(models.LocalAuthority.name))
    found: dict[str, tuple[str, ...]] = {"la": tuple(names)}
    if contract:
        record = session.scalar(
            select(models.Contract).where(func.lower(models.Contract.reference) == contract.strip().lower())
        )
        if record is None:
            raise LookupError(f"there is no contract '{contract}'")
        headings = session.scalars(
            select(models.Allocation.heading)
            .where(models.Allocation.contract_id == record.id)
            .group_by(models.Allocation.heading)
            .order_by(func.min(models.Allocation.id))
        )
        found["heading"] = tuple(headings)
        last = max(d for d in (record.end_date, record.extension_up_to) if d)
        found["financial_year"] = tuple(financial_years_between(record.start_date, last))
        found["contract"] = (record.reference,)
    return found


def template_workbook(session: Session, kind: str, contract: str | None = None) -> bytes:
    """The blank template of one kind as .xlsx bytes (``contract``: fill in its reference and lists)."""
    if kind not in _SHEETS:
        raise ValueError(f"unknown template '{kind}': expected one of {', '.join(KINDS)}")
    choices = _choices(session, contract)
    contract = choices.get("contract", (None,))[0]
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    lists_sheet = book.create_sheet(LISTS_SHEET)
    lists_sheet.sheet_state = "hidden"
    lists = _Lists(lists_sheet)
    sheets = _SHEETS[kind]
    for item in sheets:
        if isinstance(item, str):  # "part_a"
            _part_a_sheet(book, choices, contract)
        else:
            _data_sheet(book, item, lists, choices, contract, kind)
    _instructions(book, kind, sheets, contract)
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames) - 1 - book.sheetnames.index(LISTS_SHEET))
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def kind_title(kind: str) -> str:
    """A workbook kind at the start of a label: its first letter capitalised, the rest as the kind
    is named ("LA status", not "La status")."""
    return kind[:1].upper() + kind[1:]


def template_file_name(kind: str, contract: str | None = None) -> str:
    stem = kind.lower().replace(" ", "-")
    return f"{stem}-template{'-' + contract if contract else ''}.xlsx"


def headers_of(kind: str) -> dict[str, list[str]]:
    """Sheet -> headers as the template writes them (for tests and documentation)."""
    out: dict[str, list[str]] = {}
    for item in _SHEETS[kind]:
        if isinstance(item, str):  # "part_a"
            out["Part A"] = [schemas.PART_A_HEADING + REQUIRED_MARK]
        else:
            out[item.title] = [header_text(column) for column in item.columns]
    return out


def column_letters(schema: SheetSchema) -> dict[str, str]:
    """Field -> column letter in the template (for filling a template in code)."""
    return {column.field: get_column_letter(position) for position, column in enumerate(schema.columns, start=1)}


def sheet_schemas(kind: str) -> tuple[SheetSchema, ...]:
    return tuple(item for item in _SHEETS[kind] if isinstance(item, SheetSchema))
