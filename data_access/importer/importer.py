"""Importing one file: read, validate everything, then write it all or nothing.

``plan_import`` reads and validates a file against the declared schemas and the
database, and works out what the import would change; it writes nothing.
``apply_plan`` writes a valid plan; the caller wraps it in one transaction
(``with session.begin():``), so a workbook with any error writes nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import Integer, Numeric, String, Table, delete, func, select, text, update
from sqlalchemy.orm import Session

from dashboard.calendar import quarter_label, quarter_of
from dashboard.finance import cap_for_level, heading_key
from dashboard.records import FOLLOW_UP, ONE_TO_ONE
from dashboard.wording import listed
from data_access import bulk, models
from data_access.importer import cells, schemas
from data_access.importer.la_matching import LAMatcher
from data_access.importer.reader import ExcelError, FileRefused, Sheet, UncachedFormula, read_file, sheet_names
from data_access.importer.schemas import SheetSchema

HEADER_SEARCH_ROWS = 200  # title rows, notes and blank rows above a header: far more than any return has
TOTAL_WORDS = {"total", "totals", "grand total"}
IMPORT_SOURCE = "import"


# --- What an import reports ------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One error line: ``FILE:SHEET:ROW:COLUMN: message`` (ROW as Excel numbers it)."""

    file: str
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.sheet}:{self.row or ''}:{self.column}: {self.message}"


@dataclass
class RowPlan:
    """One row of a sheet, validated, with what importing it would do."""

    row: int  # Excel row number
    values: dict[str, Any]  # model field -> value
    action: str = ""  # insert / update / unchanged
    existing_id: int | None = None
    before: dict[str, Any] | None = None


@dataclass
class SheetPlan:
    sheet: str
    kind: str  # schema kind, or "allocations" for Part A
    title: str
    rows: list[RowPlan] = field(default_factory=list)
    skipped: int = 0  # blank and totals rows
    vanished: list[dict[str, Any]] = field(default_factory=list)  # stored rows missing from this return
    removed: list[dict[str, Any]] = field(default_factory=list)  # stored rows a revised pricing schedule drops
    flags: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


@dataclass
class ImportPlan:
    file_name: str
    sha256: str
    size_bytes: int
    kind: str = "unknown"
    contract_reference: str | None = None
    reporting_quarter_end: date | None = None  # a quarterly return's reporting quarter (its last day)
    return_contracts: list[str] = field(default_factory=list)  # the contracts a quarterly return's rows are for
    sheets: list[SheetPlan] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def flags(self) -> list[str]:
        return [flag for sheet in self.sheets for flag in sheet.flags]

    @property
    def has_no_data(self) -> bool:
        """Valid, but no sheet has a data row under its headers (a blank template, say): importing it
        changes nothing."""
        return not any(sheet.rows or sheet.removed or sheet.vanished for sheet in self.sheets)

    def no_data_note(self) -> str:
        """What to tell a user whose file ``has_no_data``."""
        return (f"No data rows under the headers of {listed([sheet.sheet for sheet in self.sheets])}: importing this "
                "file changes nothing. Was the blank template chosen instead of the filled-in one?")

    def totals(self) -> dict[str, int]:
        return {
            "inserted": sum(sheet.count("insert") for sheet in self.sheets),
            "updated": sum(sheet.count("update") for sheet in self.sheets),
            "unchanged": sum(sheet.count("unchanged") for sheet in self.sheets),
            "skipped": sum(sheet.skipped for sheet in self.sheets),
            "flags": len(self.flags),
        }


# --- Finding sheets, headers and rows -------------------------------------------------


@dataclass
class _Located:
    sheet: Sheet
    schema: SheetSchema | None  # None: Part A
    header_row: int  # 0-based index into sheet.rows
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> header as written


def _cell(row: list[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


def _is_skipped_row(row: list[Any], totals_memo: dict[str, bool | None], read: frozenset[int]) -> bool:
    """"Blank rows and totals rows are skipped": no filled cell in the columns the sheet reads
    (``read``: "extra columns are ignored", so a note or a formula filled down beside the table
    does not make a row), or the first filled cell reads Total, Totals or Grand total.
    ``totals_memo`` remembers each first text's answer."""
    for position, value in enumerate(row):
        if value is None or value == "":
            continue
        if isinstance(value, str):
            if value not in totals_memo:
                totals_memo[value] = None if not value.strip() else cells.normalise_header(value) in TOTAL_WORDS
            if totals_memo[value] is None:  # whitespace only: blank
                continue
            if totals_memo[value]:
                return True
        if position in read:
            return False
        return all(cells.is_blank(row[at]) for at in read if position < at < len(row))
    return True


def _header_map(row: list[Any], schema: SheetSchema) -> tuple[dict[str, int], dict[str, str]]:
    """Schema field -> column of this row's header for it (the first, when two match)."""
    by_key: dict[str, int] = {}
    for index, value in enumerate(row):
        for key in cells.header_keys(value):
            by_key.setdefault(key, index)
    columns, headers = {}, {}
    for column in schema.columns:
        index = next((by_key[key] for key in cells.header_keys(column.header) if key in by_key), None)
        if index is not None:
            columns[column.field] = index
            headers[column.field] = str(row[index]).strip()
    return columns, headers


def _headed_twice(row: list[Any], schema: SheetSchema) -> list[tuple[str, list[int]]]:
    """(header, columns) of each schema column the header row heads more than once
    ('Amount (inc VAT)' and 'Amount (ex VAT)' both read as Amount): never guessed silently."""
    found = []
    for column in schema.columns:
        keys = set(cells.header_keys(column.header))
        at = [index for index, value in enumerate(row) if keys & set(cells.header_keys(value))]
        if len(at) > 1:
            found.append((column.header, at))
    return found


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _find_header(sheet: Sheet, schema: SheetSchema) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """The first row (within the first rows) that holds every required header."""
    required = {column.field for column in schema.required}
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        columns, headers = _header_map(row, schema)
        if required <= columns.keys():
            return index, columns, headers
    return None


def _best_header_guess(sheet: Sheet, schema: SheetSchema) -> tuple[int, set[str]]:
    """The row that looks most like the header, and the required headers it lacks."""
    required = {column.field for column in schema.required}
    best_index, best_found = 0, set()
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        found = required & _header_map(row, schema)[0].keys()
        if len(found) > len(best_found):
            best_index, best_found = index, found
    return best_index, required - best_found


def _part_a_header(sheet: Sheet) -> tuple[int, int, dict[int, str]] | None:
    """Part A: the header row -> (row, heading column, {column: FY}).

    The row with the most financial-year headers (a note above the table may name a year
    too); on a tie, one whose heading column reads 'Expenditure heading', else the first.
    The heading column is the one headed 'Expenditure heading' when there is one (a 'No.'
    column may come first), else the first headed column before the years."""
    heading_key = cells.normalise_header(schemas.PART_A_HEADING)
    best: tuple[tuple[int, bool], tuple[int, int, dict[int, str]]] | None = None
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        years = {column: year for column, value in enumerate(row) if (year := _year_heading(value)) is not None}
        if not years:
            continue
        first_year_column = min(years)
        text_columns = [c for c, v in enumerate(row[:first_year_column]) if not cells.is_blank(v)]
        named = [c for c in text_columns if cells.normalise_header(_cell(row, c)) == heading_key]
        heading_column = (named or text_columns or [max(first_year_column - 1, 0)])[0]
        labelled = bool(named)
        score = (len(years), labelled)
        if best is None or score > best[0]:
            best = (score, (index, heading_column, years))
    return best[1] if best else None


def _year_heading(value: Any) -> str | None:
    """The FY a Part A column header names, or None. Like any header it may carry a required
    marker or words in brackets ('2022-23 (£)', '2021-22*'); 'Year 1 (2021-22)' names its year
    in the brackets."""
    if not isinstance(value, str) or not value.strip():
        return None
    found = _FY_IN_HEADER.findall(value) if "total" not in value.lower() else []
    for text in (value, cells.without_brackets_and_markers(value, keep_numbered=True),
                 cells.without_brackets_and_markers(value), *found[:1]):
        try:
            return cells.parse_financial_year(text)
        except cells.CellError:
            continue
    return None


# A year written among other words ('2022-23 £', 'Yr 3 (2023/24)'): read, not dropped silently.
_FY_IN_HEADER = re.compile(r"(?:fy\s*)?(?:19|20)?\d{2}\s*[-/]\s*(?:19|20)?\d{2}", re.IGNORECASE)


def _contract_label_cell(sheet: Sheet, above_row: int, known: Callable[[str], bool]) -> tuple[int, Any] | None:
    """(Excel row, value) of the cell right of a cell labelled ``Contract reference`` above the table.

    "the value in the cell to its right": when that cell is blank (a label over merged cells), a
    cell up to two further right that names a ``known`` contract; never the next label along."""
    for row_index, row in enumerate(sheet.rows[: max(above_row, 0)]):
        for index, value in enumerate(row):
            if isinstance(value, str) and cells.normalise_header(value) == "contract reference":
                right = _cell(row, index + 1)
                if not cells.is_blank(right):
                    return row_index + 1, right
                for candidate in row[index + 2 : index + 4]:
                    if isinstance(candidate, str) and known(candidate.strip()):
                        return row_index + 1, candidate
    return None


def _labelled_contract(sheet: Sheet, above_row: int, known: Callable[[str], bool]) -> str | None:
    """The value right of a cell labelled ``Contract reference`` above the table."""
    found = _contract_label_cell(sheet, above_row, known)
    if found is None:
        return None
    try:
        return cells.parse_text(found[1])
    except cells.CellError:
        return None


REPORTING_QUARTER_LABELS = ("reporting quarter", "quarter ending", "period")


def _reporting_quarter_cells(sheet: Sheet, above_row: int) -> list[tuple[int, str, Any]]:
    """(Excel row, label as written, value) of each cell labelled ``Reporting quarter``, ``Quarter
    ending`` or ``Period`` above the table, with the value in the cell to its right."""
    found = []
    for row_index, row in enumerate(sheet.rows[: max(above_row, 0)]):
        for index, value in enumerate(row):
            if isinstance(value, str) and cells.normalise_header(value) in REPORTING_QUARTER_LABELS:
                right = _cell(row, index + 1)
                if not cells.is_blank(right):
                    found.append((row_index + 1, value.strip(), right))
    return found


def _reporting_quarter(context: _Context, places: list[tuple[Sheet, int]], option: str | None,
                       plan: ImportPlan) -> date | None:
    """The quarter a quarterly return reports on (its last day): from a labelled cell above the
    tables or on another sheet, else the importer's quarter option (the command line's
    ``--quarter``, the upload page's choice), else None: the return states no quarter.

    A labelled cell that cannot be read is an error at the label's row and column; two labelled
    cells that disagree are an error too. A quarter option the file's own cell overrules is
    flagged, as a contract option the file overrules is."""
    stated: list[tuple[date, str, int, str]] = []  # (quarter end, sheet, row, label)
    for sheet, above_row in places:
        for excel_row, label, value in _reporting_quarter_cells(sheet, above_row):
            try:
                end = cells.parse_reporting_quarter(value, sheet.date_1904)
            except cells.CellError as error:
                context.problem(sheet.name, excel_row, label, str(error))
                continue
            stated.append((end, sheet.name, excel_row, label))
    ends = {end for end, *_ in stated}
    if len(ends) > 1:
        first_end, first_sheet, *_ = stated[0]
        for end, sheet_name, excel_row, label in stated[1:]:
            if end != first_end:
                context.problem(sheet_name, excel_row, label,
                                f"this says {quarter_text(end)} but sheet {first_sheet} says "
                                f"{quarter_text(first_end)}: a return reports on one quarter")
        return None
    chosen = None
    if option:
        try:
            chosen = cells.parse_reporting_quarter(option)
        except cells.CellError as error:
            context.problem("", None, "Reporting quarter", f"the reporting quarter chosen when importing: {error}")
            return None
    if ends:
        (end,) = ends
        if chosen is not None and chosen != end and plan.sheets:
            plan.sheets[0].flags.append(f"The reporting quarter chosen when importing, {quarter_text(chosen)}, was "
                                        f"not used: the file says {quarter_text(end)}")
        return end
    return chosen


def quarter_text(end: date) -> str:
    """A quarter as rules.md writes it, from its last day: 31/12/2023 -> '2023-24 Q3'."""
    return quarter_label(*quarter_of(end))


def _schema_by_name(name: str) -> SheetSchema | None | str:
    key = cells.normalise_sheet_name(name)
    if key in schemas.PART_A_NAMES:
        return "part_a"
    for schema in schemas.SCHEMAS:
        if key in schema.names:
            return schema
    return None


def _locate(sheet: Sheet, file_name: str, errors: list[Problem]) -> _Located | None:
    """Find which schema a sheet follows (by name, else by header row) and its header."""
    by_name = _schema_by_name(sheet.name)
    if by_name == "part_a":
        found = _part_a_header(sheet)
        if found is None:
            errors.append(
                Problem(file_name, sheet.name, None, schemas.PART_A_HEADING,
                        "no header row with financial years found: expected a first column of expenditure "
                        "headings and one column per financial year, headed e.g. 2021-22")
            )
            return None
        header_row, heading_column, _ = found
        return _Located(sheet, None, header_row, {"heading": heading_column}, {})
    if isinstance(by_name, SheetSchema):
        found = _find_header(sheet, by_name)
        if found is None:
            guess, missing = _best_header_guess(sheet, by_name)
            where = ("the header row" if len(missing) < len(by_name.required)
                     else f"any of the first {HEADER_SEARCH_ROWS} rows, so no header row was found")
            for field_name in sorted(missing, key=lambda f: [c.field for c in by_name.columns].index(f)):
                errors.append(
                    Problem(file_name, sheet.name, guess + 1, by_name.column(field_name).header,
                            f"required column '{by_name.column(field_name).header}' not found in {where}")
                )
            return None
        return _checked_header(_Located(sheet, by_name, *found), file_name, errors)
    # Unknown name: recognise by the header row. Part A: a heading column headed
    # "Expenditure heading" beside financial-year columns.
    part_a = _part_a_header(sheet)
    if part_a is not None:
        header_row, heading_column, _ = part_a
        heading = sheet.rows[header_row][heading_column] if heading_column < len(sheet.rows[header_row]) else None
        if isinstance(heading, str) and cells.normalise_header(heading) == cells.normalise_header(schemas.PART_A_HEADING):
            return _Located(sheet, None, header_row, {"heading": heading_column}, {})
    # Several schemas can fit one header (an
    # Engagements header holds LA status's one required column, LA; a Finance header holds
    # Part B's Role and Day rate), so the schema that explains the most columns wins. A header
    # must hold two of a schema's columns: a list of LAs for drop-downs is not an LA status sheet.
    best: tuple[int, int, int] | None = None
    located = None
    for position, schema in enumerate(schemas.SCHEMAS):
        found = _find_header(sheet, schema)
        if found is not None and len(found[1]) >= 2:
            score = (-len(found[1]), -len(schema.required), position)
            if best is None or score < best:
                best, located = score, _Located(sheet, schema, *found)
    return located and _checked_header(located, file_name, errors)


def _checked_header(located: _Located, file_name: str, errors: list[Problem]) -> _Located | None:
    """The sheet as located, or None (with an error) when its header heads one column twice."""
    row = located.sheet.rows[located.header_row]
    twice = _headed_twice(row, located.schema)
    for header, at in twice:
        shown = " and ".join(f"'{str(row[index]).strip()}' (column {_column_letter(index)})" for index in at)
        errors.append(Problem(file_name, located.sheet.name, located.header_row + 1, header,
                              f"{shown} both read as '{header}': keep one, or rename the other so the importer "
                              "does not have to guess which to read"))
    return None if twice else located


# --- Plan: validate every row -----------------------------------------------------


class _Context:
    """What validation needs from the database and from the file itself."""

    def __init__(self, session: Session, file_name: str, contract_option: str | None,
                 refused_registers: Mapping[str, str] | None = None):
        self.session = session
        self.file_name = file_name
        self.contract_option = contract_option
        # contracts of a batch's earlier register that was refused (reference, lower case -> its file)
        self.refused_registers = {key.lower(): name for key, name in (refused_registers or {}).items()}
        self.errors: list[Problem] = []
        self.unreadable: set[tuple[str, int, str]] = set()  # (sheet, row, field) of cells already in error
        self.contracts = {c.reference.lower(): c for c in session.scalars(select(models.Contract))}
        self.file_contracts: dict[str, dict[str, Any]] = {}  # from this file's Contracts sheet
        self.file_headings: dict[int | str, set[str]] = defaultdict(set)
        self.file_engagements: dict[tuple, tuple[str, str]] = {}  # unit key -> (package, participant) as spelt
        self.engagement_rows: dict[tuple, int] = {}  # unit key -> its Engagements row in this file (errors or not)
        self._matcher: LAMatcher | None = None
        self._la_codes: dict[tuple, tuple[bool, str]] = {}  # (cell value, date) -> (matched, code or message)
        self._headings: dict[int, dict[str, str]] = {}

    def problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.errors.append(Problem(self.file_name, sheet, row, column, message))

    @property
    def matcher(self) -> LAMatcher:
        if self._matcher is None:
            from data_access.repositories import reference_las

            las, other_names = reference_las(self.session)
            self._matcher = LAMatcher(las, other_names)
        return self._matcher

    def la_code(self, value: Any, on: date | None) -> str:
        """The GSS code of the LA ``value`` means on ``on`` (``LAMatcher.match``), once per value and date
        (a group's rows share their LA and start date); raises ``CellError``."""
        key = (value.__class__, value, on)
        try:
            matched, found = self._la_codes[key]
        except KeyError:
            try:
                matched, found = True, self.matcher.match(value, on).code
            except cells.CellError as error:
                matched, found = False, str(error)
            self._la_codes[key] = (matched, found)
        except TypeError:  # an unhashable cell value
            return self.matcher.match(value, on).code
        if not matched:
            raise cells.CellError(found)
        return found

    def contract(self, reference: str) -> models.Contract | None:
        return self.contracts.get(reference.strip().lower())

    def known_contract(self, reference: str) -> bool:
        key = reference.strip().lower()
        return key in self.contracts or key in self.file_contracts

    def contract_suggestions(self, reference: str) -> str:
        if (register := self.refused_registers.get(reference.lower())) is not None:
            return f": it is in {register}, which cannot be imported until its errors are fixed"
        names = sorted({c.reference for c in self.contracts.values()} | {v["reference"] for v in self.file_contracts.values()})
        by_key = {name.lower(): name for name in names}  # references match case-insensitively
        close = [by_key[key] for key in difflib.get_close_matches(reference.lower(), list(by_key), n=3, cutoff=0.5)]
        if close:
            return f": did you mean {' or '.join(close)}?"
        return f": known contracts are {', '.join(names)}" if names else ": import the contract register first"

    def headings(self, contract: models.Contract) -> dict[str, str]:
        """The contract's expenditure headings, keyed case-insensitively."""
        if contract.id not in self._headings:
            stored = self.session.scalars(
                select(models.Allocation.heading).where(models.Allocation.contract_id == contract.id).distinct()
            )
            known = {heading_key(h): h for h in stored}
            for heading in self.file_headings.get(contract.reference.lower(), set()):
                known.setdefault(heading_key(heading), heading)
            self._headings[contract.id] = known
        return self._headings[contract.id]


def _parse_cells(context: _Context, located: _Located, schema: SheetSchema, plan: SheetPlan) -> list[tuple[int, dict[str, Any]]]:
    """Parse each data row's cells; blank and totals rows are skipped.

    Each distinct value of a column is parsed once per sheet (roles, support types,
    dates and LA names repeat thousands of times in a quarterly return)."""
    parsed: list[tuple[int, dict[str, Any]]] = []
    date_1904 = located.sheet.date_1904
    keys = {*schema.key, "contract_reference"}  # a key's invisible characters never make a second row
    columns = [(column.field, position, _plain_keyed(column.parser(date_1904)) if column.field in keys
                else column.parser(date_1904), located.headers[column.field], column)
               for column in schema.columns if (position := located.columns.get(column.field)) is not None]
    memo: dict[tuple, tuple[bool, Any]] = {}
    totals_memo: dict[str, bool | None] = {}
    limits = _column_limits(_MODELS[schema.kind])
    sheet_name = located.sheet.name
    rows = located.sheet.rows
    read = frozenset(position for _, position, _, _, _ in columns)
    for index in range(located.header_row + 1, len(rows)):
        row = rows[index]
        if _is_skipped_row(row, totals_memo, read):
            plan.skipped += 1
            continue
        excel_row = index + 1
        width = len(row)
        values: dict[str, Any] = {}
        for field_name, position, parse, header, column in columns:
            raw = row[position] if position < width else None
            key = (field_name, raw.__class__, raw)  # the type too: 1, 1.0 and True are equal keys
            try:
                parsed_ok, value = memo[key]
            except KeyError:
                parsed_ok, value = memo[key] = _parse_cell(parse, raw, limits.get(field_name))
            except TypeError:  # an unhashable cell value: parse it every time
                parsed_ok, value = _parse_cell(parse, raw, limits.get(field_name))
            if not parsed_ok:
                context.problem(sheet_name, excel_row, header, value)
                context.unreadable.add((sheet_name, excel_row, field_name))
            elif value is None and column.required:
                context.problem(sheet_name, excel_row, header, f"'{column.header}' is required and this cell is blank")
            else:
                values[field_name] = value
        parsed.append((excel_row, values))
    return parsed


def _plain_keyed(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def parse_key(raw: Any) -> Any:
        return parse(cells.plain_key(raw) if isinstance(raw, str) else raw)
    return parse_key


def _parse_cell(parse: Callable[[Any], Any], raw: Any, limit: Any = None) -> tuple[bool, Any]:
    """(True, value) or (False, error message) for one cell; ``limit`` is the type of the
    database column the value goes into (text too long or a number too large is an error)."""
    if isinstance(raw, ExcelError):
        return False, f"the cell holds the Excel error {raw.code}"
    if isinstance(raw, UncachedFormula):
        return False, f"the formula {raw} has no saved value: open the file in Excel, recalculate and save it"
    try:
        value = parse(raw)
    except cells.CellError as error:
        return False, str(error)
    too_big = None if limit is None or value is None or isinstance(value, bool) else _limit_problem(limit, value)
    return (False, too_big) if too_big else (True, value)


def _row_contract(context: _Context, located: _Located, label: str | None, excel_row: int,
                  values: dict[str, Any]) -> models.Contract | None:
    reference = values.pop("contract_reference", None) or label or context.contract_option
    header = located.headers.get("contract_reference", "Contract reference")
    if not reference:
        context.problem(located.sheet.name, excel_row, header,
                        "no contract reference: add a 'Contract reference' column or labelled cell, "
                        "or choose the contract when importing")
        return None
    contract = context.contract(reference)
    if contract is None:
        context.problem(located.sheet.name, excel_row, header,
                        f"unknown contract '{reference}'{context.contract_suggestions(reference)}")
    return contract


def _match_la(context: _Context, located: _Located, excel_row: int, values: dict[str, Any], on: date) -> str | None:
    try:
        return context.la_code(values.pop("la"), on)
    except cells.CellError as error:
        context.problem(located.sheet.name, excel_row, located.headers["la"], str(error))
        return None


def _validate_contracts(context: _Context, located: _Located, parsed, plan: SheetPlan) -> None:
    for excel_row, values in parsed:
        name = located.sheet.name
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            context.problem(name, excel_row, located.headers["end_date"], "the end date is before the start date")
        extension = values.get("extension_up_to")
        if extension and end and extension < end:
            context.problem(name, excel_row, located.headers["extension_up_to"], "the extension date is before the end date")
        if "reference" in values:
            context.file_contracts[values["reference"].lower()] = values
        plan.rows.append(RowPlan(excel_row, values))


def _validate_milestones(context: _Context, located: _Located, parsed, plan: SheetPlan) -> None:
    for excel_row, values in parsed:
        reference = values.pop("contract_reference", None)
        if reference is None:
            continue
        if not context.known_contract(reference):
            context.problem(located.sheet.name, excel_row, located.headers["contract_reference"],
                            f"unknown contract '{reference}'{context.contract_suggestions(reference)}")
            continue
        stored = context.contract(reference)
        # A contract new in this file gets its id when the Contracts sheet is written.
        values["contract_id"] = stored.id if stored else reference
        plan.rows.append(RowPlan(excel_row, values))


def _validate_la_status(context: _Context, located: _Located, parsed, plan: SheetPlan) -> None:
    today = date.today()
    for excel_row, values in parsed:
        if "la" not in values:
            continue
        effective = values.get("ilacs_date") or today
        la_code = _match_la(context, located, excel_row, values, effective)
        if la_code:
            values.update(la_code=la_code, effective_date=effective, source=IMPORT_SOURCE)
            plan.rows.append(RowPlan(excel_row, values))


def _validate_day_rates(context: _Context, located: _Located, parsed, plan: SheetPlan, label: str | None) -> None:
    for excel_row, values in parsed:
        contract = _row_contract(context, located, label, excel_row, values)
        if contract is None or "day_rate" not in values:
            continue
        cap = cap_for_level(values.get("level"), contract.day_rate_cap, contract.executive_day_rate_cap)
        if cap is not None and values["day_rate"] > cap:
            context.problem(located.sheet.name, excel_row, located.headers["day_rate"],
                            f"day rate {values['day_rate']:,.2f} GBP is above the contract's cap of {cap:,.2f} GBP")
            continue
        values["contract_id"] = contract.id
        plan.rows.append(RowPlan(excel_row, values))


def _validate_engagements(context: _Context, located: _Located, parsed, plan: SheetPlan, label: str | None) -> None:
    for excel_row, values in parsed:
        contract = _row_contract(context, located, label, excel_row, values)
        unit = None if contract is None else _unit_key(contract.id, values.get("package_id"), values.get("participant_id"))
        if unit is not None:  # so a survey response of a row with errors is told so (see _validate_survey)
            context.engagement_rows[unit] = excel_row
        if "la" not in values or "start_date" not in values:
            if "la" in values:  # the start date has an error: still say whether the LA is known at all
                _match_la(context, located, excel_row, values, None)
            continue
        la_code = _match_la(context, located, excel_row, values, values["start_date"])
        end = values.get("end_date")
        if end is not None and end < values["start_date"]:
            context.problem(located.sheet.name, excel_row, located.headers["end_date"],
                            f"the end date {cells.format_date(end)} is before the start date "
                            f"{cells.format_date(values['start_date'])}")
            continue
        if contract is None or la_code is None:
            continue
        values.update(contract_id=contract.id, la_code=la_code)
        context.file_engagements[unit] = (values.get("package_id"), values.get("participant_id"))
        plan.rows.append(RowPlan(excel_row, values))
    _flag_short_packages(context, plan)


def _flag_short_packages(context: _Context, plan: SheetPlan) -> None:
    """SLA: one-to-one packages below the contract's minimum package days are flagged, not rejected.
    Only packages that have ended (every row has an end date, not after today): a running package
    may still reach the minimum (the Coverage page checks them as of any date)."""
    minimum = {c.id: c.min_package_days for c in context.contracts.values()}
    days: dict[tuple, Decimal] = {}
    ended: dict[tuple, bool] = {}
    today = date.today()
    for row in plan.rows:
        values = row.values
        if values.get("support_type") == ONE_TO_ONE:
            key = (values["contract_id"], values.get("package_id"))  # None: its cell had an error
            end = values.get("end_date")
            ended[key] = ended.get(key, True) and end is not None and end <= today
            if values.get("days_delivered") is not None:
                days[key] = max(days.get(key, Decimal(0)), values["days_delivered"])
    references = {c.id: c.reference for c in context.contracts.values()}
    for (contract_id, package_id), delivered in sorted(days.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        floor = minimum.get(contract_id)
        if floor is not None and delivered < floor and ended[(contract_id, package_id)]:
            plan.flags.append(
                f"{references[contract_id]} package {package_id}: {_days(delivered)} days delivered, "
                f"below the minimum package of {_days(floor)} days"
            )


def _days(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _validate_survey(context: _Context, located: _Located, parsed, plan: SheetPlan, label: str | None) -> None:
    """Every error of a row is said (cli.md: "prints every error"): a follow-up without its impact
    answer and a participant missing from Engagements are two errors of one row."""
    stored = _stored_units(context.session, {c.id for c in context.contracts.values()})
    for excel_row, values in parsed:
        contract = _row_contract(context, located, label, excel_row, values)
        ok = contract is not None
        if (values.get("stage") == FOLLOW_UP and values.get("impact_demonstrated") is None
                and (located.sheet.name, excel_row, "impact_demonstrated") not in context.unreadable):
            context.problem(located.sheet.name, excel_row,
                            located.headers.get("impact_demonstrated", "Impact demonstrated"),
                            "'Impact demonstrated' (yes or no) is required for a follow-up response")
            ok = False
        package_id, participant_id = values.get("package_id"), values.get("participant_id")
        if contract is None or package_id is None or participant_id is None:
            continue
        key = _unit_key(contract.id, package_id, participant_id)
        spelling = stored.get(key) or context.file_engagements.get(key)
        if spelling is None and key in context.engagement_rows:
            context.problem(located.sheet.name, excel_row, located.headers["participant_id"],
                            f"participant '{participant_id}' of package '{package_id}' is on Engagements row "
                            f"{context.engagement_rows[key]}, which has errors: correct that row first")
        elif spelling is None:
            context.problem(located.sheet.name, excel_row, located.headers["participant_id"],
                            f"participant '{participant_id}' of package '{package_id}' is not in Engagements "
                            f"(in this file or already stored) for contract {contract.reference}")
        elif ok:
            # IDs match ignoring case; the response is stored as Engagements spells them (as first
            # stored: a later return that spells a stored key differently does not respell it).
            values.update(contract_id=contract.id, package_id=spelling[0], participant_id=spelling[1])
            plan.rows.append(RowPlan(excel_row, values))


def _unit_key(contract_id: int, package_id: str | None, participant_id: str | None) -> tuple:
    """A unit's key, ignoring case as every other import key does."""
    return (contract_id, key_part(package_id), key_part(participant_id))


def _stored_units(session: Session, contract_ids: set[int]) -> dict[tuple, tuple[str, str]]:
    """Stored units of these contracts: key -> (package, participant) as spelt."""
    if not contract_ids:
        return {}
    rows = session.execute(
        select(models.Engagement.contract_id, models.Engagement.package_id, models.Engagement.participant_id)
        .where(models.Engagement.contract_id.in_(contract_ids))
    )
    return {_unit_key(*row): (row[1], row[2]) for row in rows}


def _validate_finance(context: _Context, located: _Located, parsed, plan: SheetPlan, label: str | None) -> None:
    """Every error of a row is said: a quarter in another year than the financial year and a heading
    not in the pricing schedule are two errors of one row."""
    line_counter: dict[tuple, int] = defaultdict(int)
    name = located.sheet.name
    for excel_row, values in parsed:
        contract = _row_contract(context, located, label, excel_row, values)
        ok = contract is not None and "invoice_ref" in values  # a blank invoice reference is said already
        if ok:
            line_counter[(contract.id, values["invoice_ref"])] += 1
            if values.get("line") is None:
                values["line"] = line_counter[(contract.id, values["invoice_ref"])]
        quarter = values.pop("quarter", None)  # None: blank or unreadable, said already
        year = values.get("financial_year")
        if quarter is None:
            ok = False
        elif year and quarter.financial_year and year != quarter.financial_year:
            context.problem(name, excel_row, located.headers["quarter"],
                            f"the quarter is in {quarter.financial_year} but the financial year says {year}")
            ok = False
        elif not (year or quarter.financial_year):
            if (name, excel_row, "financial_year") not in context.unreadable:  # else its error is said already
                context.problem(name, excel_row, located.headers.get("financial_year", "Financial year"),
                                "'Financial year' is required unless 'Quarter' is the quarter's end date")
            ok = False
        heading = values.get("heading")
        if contract is not None and heading is not None:
            known = context.headings(contract)
            canonical = known.get(heading_key(heading))
            if canonical is None:
                close = difflib.get_close_matches(heading, sorted(known.values()), n=3, cutoff=0.4)
                hint = f": did you mean {' or '.join(close)}?" if close else (
                    f": the pricing schedule's headings are {', '.join(sorted(known.values()))}" if known
                    else ": import the contract's pricing schedule first")
                context.problem(name, excel_row, located.headers["heading"],
                                f"'{heading}' is not an expenditure heading of {contract.reference}'s pricing schedule{hint}")
                ok = False
            else:
                values["heading"] = canonical
        if ok:
            values.update(financial_year=year or quarter.financial_year, quarter=quarter.quarter,
                          contract_id=contract.id, source_file=context.file_name[:260], source_row=excel_row)
            plan.rows.append(RowPlan(excel_row, values))


def _validate_part_a(context: _Context, located: _Located, plan: SheetPlan, label: str | None) -> None:
    sheet = located.sheet
    header_row, heading_column, years = _part_a_header(sheet)
    name = sheet.name
    if len(set(years.values())) != len(years):
        context.problem(name, header_row + 1, "financial year", "the same financial year heads two columns")
        return
    reference = label or context.contract_option
    label_cell = _contract_label_cell(sheet, header_row, context.known_contract)
    row_of_reference = label_cell[0] if label_cell else header_row + 1  # the label's row, else the table's
    if not reference:
        context.problem(name, row_of_reference, "Contract reference",
                        "no contract reference: add a cell labelled 'Contract reference' above the table "
                        "or choose the contract when importing")
        return
    contract = context.contract(reference)
    if contract is None:
        context.problem(name, row_of_reference, "Contract reference",
                        f"unknown contract '{reference}'{context.contract_suggestions(reference)}")
        return
    header_cells = sheet.rows[header_row]
    seen: dict[str, int] = {}
    totals_memo: dict[str, bool | None] = {}
    read = frozenset((heading_column, *years))
    for index in range(header_row + 1, len(sheet.rows)):
        row = sheet.rows[index]
        excel_row = index + 1
        if _is_skipped_row(row, totals_memo, read):
            plan.skipped += 1
            continue
        raw_heading = _cell(row, heading_column)
        try:
            heading = cells.parse_text(raw_heading) if not isinstance(raw_heading, (ExcelError, UncachedFormula)) else None
        except cells.CellError as error:
            context.problem(name, excel_row, "Expenditure heading", str(error))
            continue
        if heading is None:
            if all(cells.is_blank(_cell(row, column)) for column in years):
                plan.skipped += 1
                continue
            context.problem(name, excel_row, "Expenditure heading", "the expenditure heading is blank")
            continue
        if heading_key(heading) in seen:
            context.problem(name, excel_row, "Expenditure heading",
                            f"'{heading}' is already listed on row {seen[heading_key(heading)]}")
            continue
        seen[heading_key(heading)] = excel_row
        for column, year in years.items():
            raw = _cell(row, column)
            header = str(header_cells[column]).strip()
            if isinstance(raw, ExcelError):
                context.problem(name, excel_row, header, f"the cell holds the Excel error {raw.code}")
                continue
            if isinstance(raw, UncachedFormula):
                context.problem(name, excel_row, header, f"the formula {raw} has no saved value: recalculate and save in Excel")
                continue
            try:
                amount = cells.parse_money(raw)
            except cells.CellError as error:
                context.problem(name, excel_row, header, str(error))
                continue
            plan.rows.append(RowPlan(excel_row, {
                "contract_id": contract.id, "heading": heading, "financial_year": year,
                "amount": amount if amount is not None else Decimal("0.00"),
            }))
        context.file_headings[contract.reference.lower()].add(heading)
    context._headings.pop(contract.id, None)
    if plan.rows and all(row.values["amount"] == 0 for row in plan.rows):
        plan.flags.append(f"{plan.title}: every allocation of {contract.reference} is empty or 0, so importing it "
                          "sets them all to 0: is this the blank template?")


_VALIDATORS = {
    "contracts": _validate_contracts,
    "milestones": _validate_milestones,
    "la_status": _validate_la_status,
}
_SCOPED_VALIDATORS = {
    "day_rates": _validate_day_rates,
    "engagements": _validate_engagements,
    "survey": _validate_survey,
    "finance": _validate_finance,
}
_ORDER = ["contracts", "milestones", "la_status", "allocations", "day_rates", "engagements", "survey", "finance"]


def _column_limits(model: type[models.Base]) -> dict[str, Any]:
    """Column -> type, for the columns that limit what they hold: text longer, or a number
    larger, than its database column holds is a row error (PostgreSQL would otherwise
    refuse the whole write with a database error)."""
    limits = {}
    for column in model.__table__.columns:
        kind = column.type
        if isinstance(kind, Integer) or (isinstance(kind, String) and kind.length) or (
                isinstance(kind, Numeric) and kind.precision):
            limits[column.name] = kind
    return limits


def _check_column_limits(context: _Context, located: _Located, plan: SheetPlan) -> None:
    """The column limits for Part A's allocations (other sheets check them as each value is parsed)."""
    limits = _column_limits(_MODELS[plan.kind])
    for row in plan.rows:
        for name, value in row.values.items():
            message = None if name not in limits or value is None or isinstance(value, bool) else \
                _limit_problem(limits[name], value)
            if message:
                header = located.headers.get(name) or name.replace("_", " ").capitalize()
                context.problem(plan.sheet, row.row, header, message)


def _limit_problem(column_type: Any, value: Any) -> str | None:
    if isinstance(column_type, String) and column_type.length and isinstance(value, str) and len(value) > column_type.length:
        return f"the text is {len(value):,} characters long; at most {column_type.length:,} fit"
    if isinstance(column_type, Numeric) and column_type.precision and isinstance(value, (int, float, Decimal)):
        limit = Decimal(10) ** (column_type.precision - (column_type.scale or 0))
        number = abs(Decimal(str(value)))  # too large as it is, or once rounded to the column's places
        if number >= limit or round(number, column_type.scale or 0) >= limit:
            return f"the number {value:,} is too large: it must be less than {limit:,}"
    if isinstance(column_type, Integer) and isinstance(value, int) and abs(value) > 2**31 - 1:
        return f"the number {value:,} is too large: it must be less than {2**31:,}"
    return None


def _compared(row: RowPlan) -> dict[str, Any]:
    return {name: value for name, value in row.values.items() if name not in _NOT_COMPARED}


def _duplicates(context: _Context, plan: SheetPlan, key_fields: tuple[str, ...], headers: dict[str, str],
                earlier: dict[tuple, tuple[str, RowPlan]]) -> None:
    """Two rows with one key: identical ones count once, different ones are an error (naming the
    key's columns as the sheet heads them). ``earlier``: the keys of the sheets of this kind
    read before this one (one kind may be split over tabs, e.g. One-to-one and Group)."""
    key_columns = ", ".join(header for name in key_fields if (header := headers.get(_KEY_COLUMNS.get(name, name))))
    first: dict[tuple, RowPlan] = {}
    kept: list[RowPlan] = []
    for row in plan.rows:
        key = tuple(key_part(row.values.get(name)) for name in key_fields)
        if key in first and plan.kind == "la_status":  # later rows replace earlier ones
            kept[kept.index(first[key])] = row
            first[key] = row
            plan.skipped += 1
            continue
        where, other = (f"row {first[key].row}", first[key]) if key in first else (
            (f"{earlier[key][0]} row {earlier[key][1].row}", earlier[key][1]) if key in earlier else (None, None))
        if other is not None:
            if _compared(other) != _compared(row):
                context.problem(plan.sheet, row.row, key_columns,
                                f"this row has the same key as {where} but different values")
            else:
                plan.skipped += 1
            continue
        first[key] = row
        kept.append(row)
    plan.rows = kept
    if plan.kind != "la_status":
        earlier.update((key, (plan.sheet, row)) for key, row in first.items())


_KEY_COLUMNS = {"contract_id": "contract_reference", "la_code": "la"}  # key field -> the column it is read from


def key_part(value: Any) -> Any:
    """Keys match ignoring case and runs of spaces (a pasted non-breaking space too), as headings
    do in the figures: ``Peer  mentors`` in a revised schedule is the stored ``Peer mentors``."""
    return heading_key(value) if isinstance(value, str) else value


def registered(plan: ImportPlan) -> dict[str, str]:
    """The contracts a plan's Contracts sheets register, each with the plan's file name."""
    return {row.values["reference"]: plan.file_name for sheet in plan.sheets if sheet.kind == "contracts"
            for row in sheet.rows if isinstance(row.values.get("reference"), str)}


def import_order(files: Sequence[tuple[str, bytes]]) -> list[int]:
    """The order a batch of files is best imported in, as indexes into ``files``: what later files
    refer to comes first (contract registers, LA status, pricing schedules, then returns), each
    file placed by the first of its sheets, told by their names, in ``_ORDER``. Files of one kind
    keep the order given; a file with no sheet named as the importer names them comes last."""
    def rank(file: tuple[str, bytes]) -> int:
        kinds = [_schema_by_name(name) for name in sheet_names(*file)]
        return min((_ORDER.index("allocations" if kind == "part_a" else kind.kind) for kind in kinds if kind),
                   default=len(_ORDER))
    return sorted(range(len(files)), key=lambda index: rank(files[index]))


def plan_import(session: Session, file_name: str, data: bytes, contract_option: str | None = None,
                refused_registers: Mapping[str, str] | None = None, quarter_option: str | None = None) -> ImportPlan:
    """Read and validate ``data``; work out every change. Writes nothing. ``refused_registers``:
    the contracts of registers refused earlier in the same batch, so that a file needing one
    is told which file to fix, not that its contract is unknown. ``quarter_option``: the
    reporting quarter of a return that states none (``--quarter``, the upload page's choice)."""
    file_name, contract_option = _storable(file_name), _storable(contract_option)
    plan = ImportPlan(file_name, hashlib.sha256(data).hexdigest(), len(data))
    context = _Context(session, file_name, contract_option, refused_registers)
    try:
        workbook = read_file(file_name, data)
    except FileRefused as error:
        plan.errors.append(Problem(file_name, "", None, "", str(error)))
        return plan

    located: list[_Located] = []
    other_sheets: list[Sheet] = []  # visible sheets the importer does not read (e.g. a cover sheet)
    for sheet in workbook.sheets:
        if sheet.hidden:
            plan.ignored_sheets.append(f"{sheet.name} (hidden)")
            continue
        if all(cells.is_blank(value) for row in sheet.rows for value in row):  # a return may hold any subset
            plan.ignored_sheets.append(f"{sheet.name} (empty)")
            continue
        found = _locate(sheet, file_name, context.errors)
        if found is None:
            if _schema_by_name(sheet.name) is None:
                plan.ignored_sheets.append(f"{sheet.name} (not a sheet the importer reads)")
                other_sheets.append(sheet)
            continue
        located.append(found)
    if not located and not context.errors:
        plan.errors.append(Problem(file_name, "", None, "",
                                   "no sheet the importer reads was found: expected Contracts/Milestones, "
                                   "Part A/Part B, Engagements/Survey/Finance or LA status"))
        return plan

    # "the workbook has it in a cell labelled Contract reference": above a table, or on another sheet
    labels = [_labelled_contract(item.sheet, item.header_row, context.known_contract) for item in located]
    labels += [_labelled_contract(sheet, HEADER_SEARCH_ROWS, context.known_contract) for sheet in other_sheets]
    label = next((found for found in labels if found), None)
    located.sort(key=lambda item: _ORDER.index(item.schema.kind if item.schema else "allocations"))
    keys_of_kind: dict[str, dict[tuple, tuple[str, RowPlan]]] = defaultdict(dict)
    for item in located:
        schema = item.schema
        kind = schema.kind if schema else "allocations"
        sheet_plan = SheetPlan(item.sheet.name, kind, schema.title if schema else "Part A")
        sheet_label = _labelled_contract(item.sheet, item.header_row, context.known_contract) or label
        if schema is None:
            _validate_part_a(context, item, sheet_plan, sheet_label)
            _check_column_limits(context, item, sheet_plan)
        else:
            parsed = _parse_cells(context, item, schema, sheet_plan)
            if kind in _VALIDATORS:
                _VALIDATORS[kind](context, item, parsed, sheet_plan)
            else:
                _SCOPED_VALIDATORS[kind](context, item, parsed, sheet_plan, sheet_label)
        _duplicates(context, sheet_plan, MODEL_KEYS[kind], item.headers, keys_of_kind[kind])
        if flag := _hidden_rows_flag(item, sheet_plan.title):
            sheet_plan.flags.append(flag)
        plan.sheets.append(sheet_plan)

    kinds = {item.schema.workbook_kind if item.schema else schemas.PRICING_SCHEDULE for item in located}
    plan.kind = kinds.pop() if len(kinds) == 1 else "mixed"
    returns = [(item.sheet, item.header_row) for item in located
               if item.schema is not None and item.schema.workbook_kind == schemas.QUARTERLY_RETURN]
    if returns:
        places = returns + [(sheet, HEADER_SEARCH_ROWS) for sheet in other_sheets]
        plan.reporting_quarter_end = _reporting_quarter(context, places, quarter_option, plan)
        ids = {row.values.get("contract_id") for sheet in plan.sheets if sheet.kind in CUMULATIVE for row in sheet.rows}
        plan.return_contracts = sorted(c.reference for c in context.contracts.values() if c.id in ids)
    # the import history names the file's contract: a chosen contract the rows did not take is not it
    plan.contract_reference = label or _only_contract(context, plan) or contract_option
    _flag_contract_option_not_used(context, plan)
    # Errors in the order a person reads the workbook: sheet by sheet, row by row.
    sheet_order = {sheet.name: position for position, sheet in enumerate(workbook.sheets)}
    plan.errors.extend(sorted(context.errors, key=lambda problem: (sheet_order.get(problem.sheet, -1), problem.row or 0)))
    if plan.ok:
        _work_out_changes(session, plan)
    return plan


def _hidden_rows_flag(item: _Located, title: str) -> str | None:
    """Data in rows hidden in Excel is read like any other row, and said (docs/spreadsheets.md):
    nobody should import rows they cannot see without being told."""
    rows = item.sheet.rows
    hidden = sorted(number for number in item.sheet.hidden_rows
                    if number > item.header_row + 1 and number <= len(rows)
                    and not all(cells.is_blank(value) for value in rows[number - 1]))
    if not hidden:
        return None
    shown = [str(number) for number in hidden[:10]] + ([f"{len(hidden) - 10} more"] if len(hidden) > 10 else [])
    if len(hidden) == 1:
        return (f"{title}: row {hidden[0]} is hidden in the workbook; it was read and imported like the other rows "
                "(unhide it in Excel to check it)")
    return (f"{title}: rows {listed(shown)} are hidden in the workbook; they were read and imported like the other "
            "rows (unhide them in Excel to check them)")


def _flag_contract_option_not_used(context: _Context, plan: ImportPlan) -> None:
    """The contract chosen when importing is only a default: a file that names its own contract (a
    labelled cell or a Contract reference column) is read as it says. When no row took the chosen
    contract, say so, so that a wrong file or a wrong choice (a mistyped reference too) does not
    pass unnoticed."""
    option = context.contract_option
    used = {row.values.get("contract_id") for sheet in plan.sheets for row in sheet.rows
            if isinstance(row.values.get("contract_id"), int)}  # a contract new in this file has no id yet
    if not option or not used:
        return
    chosen = context.contract(option)
    if chosen is not None and chosen.id in used:
        return
    if chosen is None and context.known_contract(option):  # registered in this file: not stored yet
        return
    names = sorted(c.reference for c in context.contracts.values() if c.id in used)
    what = f"{chosen.reference}," if chosen is not None else f"{option}, which is not a known contract,"
    plan.sheets[0].flags.append(f"The contract chosen when importing, {what} was not used: the file "
                                f"names its own ({', '.join(names)})")


def _storable(text: str | None) -> str | None:
    """Text a database column can hold, as the import history keeps file names and contract options:
    a NUL (which PostgreSQL refuses) is dropped, and what is not Unicode (an undecodable byte of a
    file name on the command line) becomes '?'."""
    if text is None:
        return None
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _only_contract(context: _Context, plan: ImportPlan) -> str | None:
    """The contract every row of the file is for, when they are all for one (rows that carry their
    own Contract reference): the import history names it as it names a labelled one."""
    ids = {row.values.get("contract_id") for sheet in plan.sheets for row in sheet.rows}
    if len(ids) != 1:
        return None
    (only,) = ids
    return next((c.reference for c in context.contracts.values() if c.id == only), None)


# --- Working out and writing changes -----------------------------------------------

_MODELS: dict[str, type[models.Base]] = {
    "contracts": models.Contract,
    "milestones": models.Milestone,
    "la_status": models.LAStatus,
    "allocations": models.Allocation,
    "day_rates": models.DayRate,
    "engagements": models.Engagement,
    "survey": models.SurveyResponse,
    "finance": models.InvoiceLine,
}
MODEL_KEYS: dict[str, tuple[str, ...]] = {
    "contracts": ("reference",),
    "milestones": ("contract_id", "name"),
    "la_status": ("la_code", "effective_date", "source"),
    "allocations": ("contract_id", "heading", "financial_year"),
    "day_rates": ("contract_id", "role", "level"),
    "engagements": ("contract_id", "package_id", "participant_id"),
    "survey": ("contract_id", "package_id", "participant_id", "stage", "response_date"),
    "finance": ("contract_id", "invoice_ref", "line"),
}
# Quarterly-return rows kept when a later return no longer lists them (flagged).
CUMULATIVE = {"engagements", "survey", "finance"}
# A pricing schedule is the contract's whole schedule: a stored row of its contract that a revised
# schedule no longer has (Part A: a heading or a year taken out; Part B: a role) is removed, and flagged.
REPLACED = {"allocations", "day_rates"}
_NOT_COMPARED = ("source_file", "source_row")


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    if isinstance(value, float):
        return round(value, 6)
    return value


@lru_cache(maxsize=64)
def _getters(table: Table, names: tuple[str, ...]) -> tuple[Callable[[Any], Any], Callable[[dict[str, Any]], Any]]:
    """Read ``names`` off a stored row of ``table`` (``select(table)``: columns in table order, read
    by position, ten times faster than by name), and out of a file row's values, in one call each."""
    position = {column.name: index for index, column in enumerate(table.columns)}
    return itemgetter(*(position[name] for name in names)), itemgetter(*names)


def _same(stored: Any, value: Any) -> bool:
    """A stored value equals the file's, to the penny (money) or to 6 places (fractions)."""
    return stored == value or _comparable(stored) == _comparable(value)


def _row_values(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def _import_lock_keys(plan: ImportPlan, references: Mapping[int, str]) -> list[int]:
    """One lock key per contract the plan writes rows of (the LA status history has its own), in order."""
    names: set[str] = set()
    for sheet in plan.sheets:
        if sheet.kind == "la_status":
            names.add("la_status")
        for row in sheet.rows:
            contract = row.values.get("reference") if sheet.kind == "contracts" else row.values.get("contract_id")
            contract = references.get(contract, "") if isinstance(contract, int) else contract
            if isinstance(contract, str) and contract:
                names.add(f"contract:{contract.lower()}")
    return sorted(int.from_bytes(hashlib.sha256(f"import {name}".encode()).digest()[:8], "big", signed=True)
                  for name in names)


def lock_contracts(session: Session, plan: ImportPlan, references: Mapping[int, str]) -> None:
    """PostgreSQL: imports of one contract one at a time. Held to the end of the transaction, taken
    before any stored row is read: a return decides which rows are "no longer in this return" on the
    committed rows of every earlier import, so two returns imported at once end as if one followed
    the other. (SQLite lets one writer at a time in anyway.)"""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in _import_lock_keys(plan, references):  # always in the same order: no deadlock between imports
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _work_out_changes(session: Session, plan: ImportPlan) -> None:
    references = {c.id: c.reference for c in session.scalars(select(models.Contract))}
    lock_contracts(session, plan, references)
    # a stored row of a cumulative kind is missing from this return when no sheet of its kind has it
    stored_of_kind: dict[str, dict[int, Any]] = defaultdict(dict)
    seen: dict[str, set[int]] = defaultdict(set)
    status_sheets = [sheet for sheet in plan.sheets if sheet.kind == "la_status"]
    if status_sheets:  # one history: an LA on two LA status tabs is one LA
        together = SheetPlan("", "la_status", "", rows=[row for sheet in status_sheets for row in sheet.rows])
        _la_status_changes(status_sheets, _existing_rows(session, together, models.LAStatus))
    for sheet in plan.sheets:
        if sheet.kind == "la_status":
            continue
        model = _MODELS[sheet.kind]
        key_fields = MODEL_KEYS[sheet.kind]
        existing = _existing_rows(session, sheet, model)
        table = model.__table__
        columns = list(table.columns.keys())  # stored rows are read by position (see _getters)
        key_at, id_at = [columns.index(name) for name in key_fields], columns.index("id")
        missing_at = columns.index("missing_from_latest_return") if sheet.kind in CUMULATIVE else None
        index = {tuple(key_part(row[at]) for at in key_at): row for row in existing}
        if sheet.kind in CUMULATIVE or sheet.kind in REPLACED:
            stored_of_kind[sheet.kind].update((row[id_at], row) for row in existing)
        for row in sheet.rows:
            stored = index.get(tuple(key_part(row.values.get(name)) for name in key_fields)) if index else None
            if stored is None:
                row.action = "insert"
                continue
            seen[sheet.kind].add(stored[id_at])
            row.existing_id = stored[id_at]
            for name, at in zip(key_fields, key_at):  # keys match ignoring case; the stored spelling stays
                if isinstance(row.values.get(name), str):
                    row.values[name] = stored[at]
            compared = tuple(name for name in row.values if name not in _NOT_COMPARED)
            flagged = missing_at is not None and stored[missing_at]
            if flagged:
                row.values["missing_from_latest_return"] = False
            stored_values, file_values = _getters(table, compared)
            if flagged or (stored_values(stored) != file_values(row.values)  # equal as stored: no field to check
                           and any(not _same(getattr(stored, name), row.values[name]) for name in compared)):
                row.action, row.before = "update", _row_values(stored, compared)
                if flagged:
                    row.before["missing_from_latest_return"] = True
            else:
                row.action = "unchanged"
        if sheet.kind == "finance":
            sheet.flags.extend(_finance_flags(session, sheet, plan))
    last_of_kind = {sheet.kind: sheet for sheet in plan.sheets}
    for kind, stored_rows in stored_of_kind.items():
        sheet, key_fields = last_of_kind[kind], MODEL_KEYS[kind]  # said once, on the kind's last sheet
        gone = [stored for stored in stored_rows.values() if stored.id not in seen[kind]]
        invoiced = _invoiced(session, gone) if kind == "allocations" else {}
        for stored in gone:
            if kind in REPLACED:
                sheet.removed.append(stored._asdict())
                sheet.flags.append(_removal_flag(sheet, stored, references.get(stored.contract_id, ""), invoiced))
            else:
                sheet.vanished.append({"id": stored.id, **{name: getattr(stored, name) for name in key_fields}})
        for item in sheet.vanished:
            key_text = ", ".join(str(item[name]) for name in key_fields if name != "contract_id")
            sheet.flags.append(f"{sheet.title}: row {key_text} of {references.get(item['contract_id'], '')} "
                               "is no longer in this return; it is kept and flagged")


def _invoiced(session: Session, allocations: list[Any]) -> dict[tuple[int, str, str], Decimal]:
    """Net spend already invoiced per (contract id, heading key, FY) of the given allocations."""
    if not allocations:
        return {}
    L = models.InvoiceLine
    wanted = {(item.contract_id, heading_key(item.heading), item.financial_year) for item in allocations}
    spent: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for contract_id, heading, year, amount in session.execute(
            select(L.contract_id, L.heading, L.financial_year, func.sum(L.amount))
            .where(L.contract_id.in_({key[0] for key in wanted}))
            .group_by(L.contract_id, L.heading, L.financial_year)):
        if (key := (contract_id, heading_key(heading), year)) in wanted:
            spent[key] += Decimal(amount or 0)
    return spent


def _removal_flag(sheet: SheetPlan, stored: Any, reference: str,
                  invoiced: dict[tuple[int, str, str], Decimal]) -> str:
    """The flag of a stored allocation or day rate a revised pricing schedule no longer has:
    "a heading, year or role taken out of a revised schedule is removed". Spend already invoiced
    against a removed allocation becomes an overspend ("spend in a FY for which the schedule
    allocates nothing is an overspend of the whole amount"), so the flag says so."""
    spent = None
    if sheet.kind == "day_rates":
        what = f"{stored.role} ({stored.level})" if stored.level else stored.role
        value = f"its day rate of £{stored.day_rate:,.2f}"
    else:
        what, value = f"{stored.heading} {stored.financial_year}", f"its allocation of £{stored.amount:,.2f}"
        spent = invoiced.get((stored.contract_id, heading_key(stored.heading), stored.financial_year))
    return (f"{sheet.title}: {what} of {reference} is no longer in the pricing schedule; {value} is removed"
            + (f": the £{spent:,.2f} already invoiced against it will show as overspent" if spent else ""))


_STATUS_FIELDS = ("ilacs_judgement", "ilacs_date", "send_wsoa", "declining", "in_intervention", "next_review_date")


def _same_status(before: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(_same(before.get(name), values.get(name)) for name in _STATUS_FIELDS)


def _la_status_changes(sheets: list[SheetPlan], existing: list[models.LAStatus]) -> None:
    """LA status keeps its history: a changed status is a new record, never an overwrite.

    An LA's last row in the file (its LA status sheets in order) is its current status: unchanged
    if equal to the LA's latest record; otherwise a new record from its ILACS date when that is
    after the latest record, else from today (a second change on the same day corrects today's
    record). The LA's earlier rows in the file are history, recorded on their own dates.
    """
    today = date.today()
    by_key: dict[tuple[str, date], Any] = {(row.la_code, row.effective_date): row for row in existing}
    latest: dict[str, tuple[date, dict[str, Any], int | None]] = {}  # la_code -> newest record, planned rows included
    for stored in sorted(existing, key=lambda row: (row.effective_date, row.id)):
        latest[stored.la_code] = (stored.effective_date, _row_values(stored, _STATUS_FIELDS), stored.id)
    planned: dict[tuple[str, date], RowPlan] = {}
    rows = [row for sheet in sheets for row in sheet.rows]
    last = {row.values["la_code"]: position for position, row in enumerate(rows)}
    for position, row in enumerate(rows):
        la_code, effective = row.values["la_code"], row.values["effective_date"]
        current = latest.get(la_code)
        if last[la_code] == position and current is not None:
            if _same_status(current[1], row.values):
                row.action, row.existing_id = "unchanged", current[2]
                row.values["effective_date"] = current[0]
                continue
            if effective <= current[0]:
                effective = row.values["effective_date"] = max(today, current[0])
        same = by_key.get((la_code, effective))
        if (la_code, effective) in planned:  # an earlier row of this file: the later row replaces it
            planned.pop((la_code, effective)).action = ""
        if same is None:
            row.action = "insert"
        elif _same_status(_row_values(same, _STATUS_FIELDS), row.values):
            row.action, row.existing_id = "unchanged", same.id
        else:
            compared = [name for name in row.values if name not in _NOT_COMPARED]
            row.action, row.existing_id, row.before = "update", same.id, _row_values(same, compared)
        planned[(la_code, effective)] = row
        if current is None or effective >= current[0]:
            latest[la_code] = (effective, {name: row.values.get(name) for name in _STATUS_FIELDS}, row.existing_id)
    for sheet in sheets:  # rows a later row of the file replaced
        sheet.skipped += sum(1 for row in sheet.rows if not row.action)
        sheet.rows = [row for row in sheet.rows if row.action]


def _existing_rows(session: Session, sheet: SheetPlan, model: type[models.Base]) -> list[Any]:
    """The stored rows this sheet may match, as plain rows (columns by name), not entities."""
    table = model.__table__
    if sheet.kind == "contracts":
        return list(session.execute(select(table)))
    if sheet.kind == "la_status":
        codes = {row.values["la_code"] for row in sheet.rows}
        return list(session.execute(select(table).where(table.c.la_code.in_(codes), table.c.source == IMPORT_SOURCE))) if codes else []
    contract_ids = {row.values["contract_id"] for row in sheet.rows if isinstance(row.values.get("contract_id"), int)}
    if not contract_ids:
        return []
    return list(session.execute(select(table).where(table.c.contract_id.in_(contract_ids))))


def _finance_flags(session: Session, sheet: SheetPlan, plan: ImportPlan) -> list[str]:
    """Invoice flags of rules.md raised by the lines of this sheet (shown, never dropped),
    against the allocations as they will be once this file is in (its own Part A included)."""
    from data_access.repositories import finance_flags_for_lines

    revised = [row.values for part_a in plan.sheets if part_a.kind == "allocations" for row in part_a.rows]
    return finance_flags_for_lines(session, [row.values for row in sheet.rows], revised)


def apply_plan(session: Session, plan: ImportPlan, imported_by: str) -> models.ImportRecord:
    """Write a valid plan and its import record. The caller owns the transaction."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    totals = plan.totals()
    record = models.ImportRecord(
        file_name=plan.file_name[:260], sha256=plan.sha256, size_bytes=plan.size_bytes, imported_by=imported_by,
        imported_at=datetime.now(timezone.utc).replace(tzinfo=None), kind=plan.kind,
        contract_reference=(plan.contract_reference or None) and plan.contract_reference[:60], outcome="imported",
        reporting_quarter_end=plan.reporting_quarter_end, summary=summary_of(plan), **totals,
    )
    session.add(record)
    session.flush()
    changes: list[dict[str, Any]] = []
    for sheet in plan.sheets:
        model = _MODELS[sheet.kind]
        table = model.__tablename__
        inserts = [row for row in sheet.rows if row.action == "insert"]
        if sheet.kind == "contracts":  # milestones and later sheets need the new ids
            for row in inserts:
                contract = models.Contract(**row.values, import_id=record.id)
                session.add(contract)
                session.flush()
                changes.append({"import_id": record.id, "table_name": table, "row_id": contract.id,
                                "before": None, "after": dict(row.values)})
            _resolve_new_contract_ids(session, plan)
        else:
            for row in inserts:
                if sheet.kind == "milestones" and not isinstance(row.values.get("contract_id"), int):
                    row.values["contract_id"] = _contract_id(session, row.values["contract_id"])
            if inserts:
                new_ids = _insert_rows(session, model, record.id, [row.values for row in inserts])
                # an inserted row's undo record keeps its key and source; the row itself holds the rest
                # (so the record copies no names or evidence)
                kept = tuple(name for name in (*MODEL_KEYS[sheet.kind], *_NOT_COMPARED) if name in inserts[0].values)
                changes.extend({"import_id": record.id, "table_name": table, "row_id": new_id, "before": None,
                                "after": {name: row.values[name] for name in kept}}
                               for new_id, row in zip(new_ids, inserts))
        updates = [row for row in sheet.rows if row.action == "update"]
        if updates:
            session.execute(update(model), [{"id": row.existing_id, **row.values, "import_id": record.id} for row in updates])
            changes.extend({"import_id": record.id, "table_name": table, "row_id": row.existing_id,
                            "before": row.before, "after": dict(row.values)} for row in updates)
        if sheet.removed:  # undo puts each back as it was, id and all
            session.execute(delete(model).where(model.id.in_([item["id"] for item in sheet.removed])))
            changes.extend({"import_id": record.id, "table_name": table, "row_id": item["id"],
                            "before": {name: value for name, value in item.items() if name != "id"}, "after": None}
                           for item in sheet.removed)
        if sheet.vanished:
            ids = [item["id"] for item in sheet.vanished]
            stale = session.execute(select(model.id).where(model.id.in_(ids), model.missing_from_latest_return.is_(False))).scalars().all()
            if stale:
                session.execute(update(model), [{"id": row_id, "missing_from_latest_return": True} for row_id in stale])
                changes.extend({"import_id": record.id, "table_name": table, "row_id": row_id,
                                "before": {"missing_from_latest_return": False},
                                "after": {"missing_from_latest_return": True}} for row_id in stale)
    bulk.insert_rows(session.connection(), models.RowChange.__table__, changes)
    return record


def _insert_rows(session: Session, model: type[models.Base], import_id: int, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows, returning their new ids in order.

    The rows go in all at once (``bulk.insert_rows``: no RETURNING, which SQLite cannot batch).
    One statement hands out ids in ascending order of the rows it writes (SQLite: one more than the
    largest; PostgreSQL: the id sequence, called row by row), so this import's new rows, read back
    in id order, are the rows given, in order. When their ids are one unbroken run (nothing else
    took an id meanwhile) the run itself is that list."""
    table = model.__table__
    largest_before = session.scalar(select(func.max(table.c.id))) or 0
    bulk.insert_rows(session.connection(), table, rows, same={"import_id": import_id})
    new_rows = (table.c.import_id == import_id) & (table.c.id > largest_before)
    count, first, last = session.execute(select(func.count(), func.min(table.c.id), func.max(table.c.id))
                                         .where(new_rows)).one()
    if count == len(rows) and count and last - first + 1 == count:  # one unbroken run of ids: no need to read them
        return list(range(first, last + 1))
    new_ids = list(session.scalars(select(table.c.id).where(new_rows).order_by(table.c.id)))
    if len(new_ids) != len(rows):
        raise RuntimeError(f"{len(rows):,} rows were written to {table.name} but {len(new_ids):,} read back")
    return new_ids


def _contract_id(session: Session, reference: str) -> int:
    return session.scalar(select(models.Contract.id).where(func.lower(models.Contract.reference) == reference.lower()))


def _resolve_new_contract_ids(session: Session, plan: ImportPlan) -> None:
    for sheet in plan.sheets:
        if sheet.kind == "milestones":
            for row in sheet.rows:
                if not isinstance(row.values.get("contract_id"), int):
                    row.values["contract_id"] = _contract_id(session, row.values["contract_id"])


def summary_of(plan: ImportPlan) -> dict[str, Any]:
    """What the import did, per sheet, in plain data (stored with the import record)."""
    return {
        "sheets": [
            {"sheet": sheet.sheet, "kind": sheet.kind, "inserted": sheet.count("insert"),
             "updated": sheet.count("update"), "unchanged": sheet.count("unchanged"),
             "skipped": sheet.skipped, "flags": len(sheet.flags), "vanished": len(sheet.vanished),
             "removed": len(sheet.removed)}
            for sheet in plan.sheets
        ],
        "ignored_sheets": plan.ignored_sheets,
        "flags": plan.flags[:500],
        "return_contracts": plan.return_contracts,
    }


def record_rejection(session: Session, plan: ImportPlan, imported_by: str) -> models.ImportRecord:
    """Log a rejected import (its data is not written)."""
    record = models.ImportRecord(
        file_name=plan.file_name[:260], sha256=plan.sha256, size_bytes=plan.size_bytes, imported_by=imported_by,
        imported_at=datetime.now(timezone.utc).replace(tzinfo=None), kind=plan.kind,
        contract_reference=(plan.contract_reference or None) and plan.contract_reference[:60], outcome="rejected",
        summary={"errors": [str(problem) for problem in plan.errors[:200]], "error_count": len(plan.errors)},
    )
    session.add(record)
    return record
