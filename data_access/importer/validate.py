"""Validate stage: every data row of a located sheet, cell by cell and then across cells.

Cells are parsed by the schema's column parsers (``schemas.py``); rules that need more than one
cell, the database or the rest of the file (an LA valid on the row's date, a heading of the
contract's pricing schedule, a survey response's participant in Engagements) are here, one
validator per kind of sheet (``kinds.py`` names which). A validator adds each valid row to the
sheet's plan and each error to the context; it writes nothing.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, Numeric, String, select
from sqlalchemy.orm import Session

from dashboard.calendar import quarter_label, quarter_of
from dashboard.finance import cap_for_level, heading_key
from dashboard.records import FOLLOW_UP, ONE_TO_ONE
from data_access import models
from data_access.importer import cells, columnar, fast_read
from data_access.importer.cells import key_part, keys_of
from data_access.importer.la_matching import LAMatcher
from data_access.importer.reader import ExcelError, Sheet, UncachedFormula
from data_access.importer.report import ImportPlan, Problem, RowPlan, SheetPlan
from data_access.importer.schemas import Column

if TYPE_CHECKING:
    from data_access.importer.locate import Located

TOTAL_WORDS = {"total", "totals", "grand total"}
IMPORT_SOURCE = "import"


# --- Rows and labelled cells ------------------------------------------------------------


def cell(row: list[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


UnitKey = tuple[int, object, object]  # (contract id, package, participant) as key_part matches them
# (field, column position, parser, header as written, the schema's column) of each column read
ColumnParser = tuple[str, int, Callable[[Any], Any], str, Column]


def is_skipped_row(row: list[Any], totals_memo: dict[str, bool | None], read: frozenset[int]) -> bool:
    """ "Blank rows and totals rows are skipped": no filled cell in the columns the sheet reads
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


def _contract_label_cell(sheet: Sheet, above_row: int, known: Callable[[str], bool]) -> tuple[int, Any] | None:
    """(Excel row, value) of the cell right of a cell labelled ``Contract reference`` above the table.

    "the value in the cell to its right": when that cell is blank (a label over merged cells), a
    cell up to two further right that names a ``known`` contract; never the next label along."""
    for row_index, row in enumerate(sheet.rows[: max(above_row, 0)]):
        for index, value in enumerate(row):
            if isinstance(value, str) and cells.normalise_header(value) == "contract reference":
                right = cell(row, index + 1)
                if not cells.is_blank(right):
                    return row_index + 1, right
                for candidate in row[index + 2 : index + 4]:
                    if isinstance(candidate, str) and known(candidate.strip()):
                        return row_index + 1, candidate
    return None


def labelled_contract(sheet: Sheet, above_row: int, known: Callable[[str], bool]) -> str | None:
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
                right = cell(row, index + 1)
                if not cells.is_blank(right):
                    found.append((row_index + 1, value.strip(), right))
    return found


def reporting_quarter(
    context: Context, places: list[tuple[Sheet, int]], option: str | None, plan: ImportPlan
) -> date | None:
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
            if end is not None:  # the cell is not blank
                stated.append((end, sheet.name, excel_row, label))
    ends = {end for end, *_ in stated}
    if len(ends) > 1:
        first_end, first_sheet, *_ = stated[0]
        for end, sheet_name, excel_row, label in stated[1:]:
            if end != first_end:
                context.problem(
                    sheet_name,
                    excel_row,
                    label,
                    f"this says {quarter_text(end)} but sheet {first_sheet} says "
                    f"{quarter_text(first_end)}: a return reports on one quarter",
                )
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
            plan.sheets[0].flags.append(
                f"The reporting quarter chosen when importing, {quarter_text(chosen)}, was "
                f"not used: the file says {quarter_text(end)}"
            )
        return end
    return chosen


def quarter_text(end: date) -> str:
    """A quarter as rules.md writes it, from its last day: 31/12/2023 -> '2023-24 Q3'."""
    return quarter_label(*quarter_of(end))


# --- What validation knows -----------------------------------------------------


class Context:
    """What validation needs from the database and from the file itself."""

    def __init__(
        self,
        session: Session,
        file_name: str,
        contract_option: str | None,
        refused_registers: Mapping[str, str] | None = None,
    ):
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
        # unit key -> (package, participant) as spelt (None: its cell had an error)
        self.file_engagements: dict[UnitKey, tuple[str | None, str | None]] = {}
        self.engagement_rows: dict[UnitKey, int] = {}  # unit key -> its Engagements row in this file (errors or not)
        self._matcher: LAMatcher | None = None
        # (type of the cell value, the value, date) -> (matched, code or message)
        self._la_codes: dict[tuple[type, object, date | None], tuple[bool, str]] = {}
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
        names = sorted(
            {c.reference for c in self.contracts.values()} | {v["reference"] for v in self.file_contracts.values()}
        )
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


def parse_rows(context: Context, located: Located, plan: SheetPlan) -> list[tuple[int, dict[str, Any]]]:
    """Parse each data row's cells (Excel row, field -> value); blank and totals rows are skipped.

    Each distinct value of a column is parsed once per sheet (roles, support types,
    dates and LA names repeat thousands of times in a quarterly return)."""
    found = _parse(context, located, plan)
    return found.rows() if isinstance(found, columnar.Parsed) else found


def _parse(context: Context, located: Located, plan: SheetPlan) -> list[tuple[int, dict[str, Any]]] | columnar.Parsed:
    """``parse_rows``, a table read into Arrow columns left as columns (``columnar.Parsed``)."""
    parsed: list[tuple[int, dict[str, Any]]] = []
    date_1904 = located.sheet.date_1904
    kind = located.kind
    schema = kind.schema
    keys = {*kind.key, "contract_reference"}  # a key's invisible characters never make a second row
    columns = [
        (
            column.field,
            position,
            _plain_keyed(column.parser(date_1904)) if column.field in keys else column.parser(date_1904),
            located.headers[column.field],
            column,
        )
        for column in schema.columns
        if (position := located.columns.get(column.field)) is not None
    ]
    memo: dict[tuple[str, type, object], tuple[bool, Any]] = {}  # (field, type, cell value) -> parsed
    totals_memo: dict[str, bool | None] = {}
    limits = _column_limits(kind.model)
    sheet_name = located.sheet.name
    rows = located.sheet.rows
    if isinstance(rows, fast_read.ColumnarRows) and rows.start == located.header_row + 1:
        return _parse_columns(context, located, rows, columns, limits, plan)
    read = frozenset(position for _, position, _, _, _ in columns)
    for index in range(located.header_row + 1, len(rows)):
        row = rows[index]
        if is_skipped_row(row, totals_memo, read):
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


def _parse_columns(
    context: Context,
    located: Located,
    rows: fast_read.ColumnarRows,
    columns: list[ColumnParser],
    limits: dict[str, Any],
    plan: SheetPlan,
) -> columnar.Parsed:
    """``parse_rows`` of a table read into Arrow columns: the same rows, values and errors, each
    distinct value of a column parsed once (``columnar.parse_table``)."""
    to_read = [
        columnar.ColumnToRead(
            field_name,
            position,
            partial(_parse_cell, parse, limit=limits.get(field_name)),
            header,
            column.header if column.required else None,
            _text_up_to(column, limits),
        )
        for field_name, position, parse, header, column in columns
    ]
    found = columnar.parse_table(rows, to_read, _is_total)
    plan.skipped += found.skipped
    for excel_row, header, message, field_name in found.problems:
        context.problem(located.sheet.name, excel_row, header, message)
        if field_name is not None:
            context.unreadable.add((located.sheet.name, excel_row, field_name))
    return found


def _text_up_to(column: Any, limits: dict[str, Any]) -> int | None:
    """The longest text a plain text column holds (None: not a plain text column)."""
    if column.parse is not cells.parse_text:
        return None
    limit = limits.get(column.field)
    return getattr(limit, "length", None) or 1 << 30


def _is_total(text: str) -> bool:
    return cells.normalise_header(text) in TOTAL_WORDS


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


def _row_contract(
    context: Context, located: Located, label: str | None, excel_row: int, values: dict[str, Any]
) -> models.Contract | None:
    reference = values.pop("contract_reference", None) or label or context.contract_option
    header = located.headers.get("contract_reference", "Contract reference")
    if not reference:
        context.problem(
            located.sheet.name,
            excel_row,
            header,
            "no contract reference: add a 'Contract reference' column or labelled cell, "
            "or choose the contract when importing",
        )
        return None
    contract = context.contract(reference)
    if contract is None:
        context.problem(
            located.sheet.name,
            excel_row,
            header,
            f"unknown contract '{reference}'{context.contract_suggestions(reference)}",
        )
    return contract


def _match_la(
    context: Context, located: Located, excel_row: int, values: dict[str, Any], on: date | None
) -> str | None:
    try:
        return context.la_code(values.pop("la"), on)
    except cells.CellError as error:
        context.problem(located.sheet.name, excel_row, located.headers["la"], str(error))
        return None


def validate_contracts(context: Context, located: Located, plan: SheetPlan, _label: str | None) -> None:
    for excel_row, values in parse_rows(context, located, plan):
        name = located.sheet.name
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            context.problem(name, excel_row, located.headers["end_date"], "the end date is before the start date")
        extension = values.get("extension_up_to")
        if extension and end and extension < end:
            context.problem(
                name, excel_row, located.headers["extension_up_to"], "the extension date is before the end date"
            )
        if "reference" in values:
            context.file_contracts[values["reference"].lower()] = values
        plan.rows.append(RowPlan(excel_row, values))


def validate_milestones(context: Context, located: Located, plan: SheetPlan, _label: str | None) -> None:
    for excel_row, values in parse_rows(context, located, plan):
        reference = values.pop("contract_reference", None)
        if reference is None:
            continue
        if not context.known_contract(reference):
            context.problem(
                located.sheet.name,
                excel_row,
                located.headers["contract_reference"],
                f"unknown contract '{reference}'{context.contract_suggestions(reference)}",
            )
            continue
        stored = context.contract(reference)
        # A contract new in this file gets its id when the Contracts sheet is written.
        values["contract_id"] = stored.id if stored else reference
        plan.rows.append(RowPlan(excel_row, values))


def validate_la_status(context: Context, located: Located, plan: SheetPlan, _label: str | None) -> None:
    today = date.today()
    for excel_row, values in parse_rows(context, located, plan):
        if "la" not in values:
            continue
        effective = values.get("ilacs_date") or today
        la_code = _match_la(context, located, excel_row, values, effective)
        if la_code:
            values.update(la_code=la_code, effective_date=effective, source=IMPORT_SOURCE)
            plan.rows.append(RowPlan(excel_row, values))


def validate_day_rates(context: Context, located: Located, plan: SheetPlan, label: str | None) -> None:
    for excel_row, values in parse_rows(context, located, plan):
        contract = _row_contract(context, located, label, excel_row, values)
        if contract is None or "day_rate" not in values:
            continue
        cap = cap_for_level(values.get("level"), contract.day_rate_cap, contract.executive_day_rate_cap)
        if cap is not None and values["day_rate"] > cap:
            context.problem(
                located.sheet.name,
                excel_row,
                located.headers["day_rate"],
                f"day rate {values['day_rate']:,.2f} GBP is above the contract's cap of {cap:,.2f} GBP",
            )
            continue
        values["contract_id"] = contract.id
        plan.rows.append(RowPlan(excel_row, values))


def validate_engagements(context: Context, located: Located, plan: SheetPlan, label: str | None) -> None:
    errors_before = len(context.errors)
    found = _parse(context, located, plan)
    if len(context.errors) > errors_before or not _engagements_by_column(context, found, plan, label):
        _engagements_by_row(
            context, located, plan, label, found.rows() if isinstance(found, columnar.Parsed) else found
        )
    _flag_short_packages(context, plan)


def _engagements_by_column(
    context: Context,
    found: list[tuple[int, dict[str, Any]]] | columnar.Parsed,
    plan: SheetPlan,
    label: str | None,
) -> bool:
    """``_engagements_by_row`` for a sheet whose cells all read, worked out column by column: each
    distinct contract reference looked up once, each distinct (LA, start date) matched once, the
    unit keys worked out once (``keys_of``), each row's values made once from the columns. Only
    when no row has an error (every row then has every field read): then it plans exactly what the
    row loop would and returns True; it changes nothing and returns False when a row has one, and
    the row loop says it (so every message is the row loop's)."""
    if isinstance(found, columnar.Parsed):
        fields, excel_rows, column_list = found.fields, found.excel_rows, found.columns
    elif found:  # rows read one by one: with no error, each row has the same fields
        fields = list(found[0][1])
        excel_rows = [excel_row for excel_row, _ in found]
        column_list = [[values[name] for _, values in found] for name in fields]
    else:
        return False
    count = len(excel_rows)
    if not count:
        return False
    columns = dict(zip(fields, column_list))
    nothing = [None] * count
    default = label or context.contract_option
    references = [reference or default for reference in columns.get("contract_reference", nothing)]
    contracts = {reference: context.contract(reference) if reference else None for reference in set(references)}
    if any(contract is None for contract in contracts.values()):
        return False
    las, starts = columns.get("la"), columns.get("start_date", nothing)
    if las is None or any(start is None for start in starts):
        return False
    la_codes = _la_codes(context, las, starts)
    if la_codes is None:
        return False
    if any(end is not None and end < start for end, start in zip(columns.get("end_date", nothing), starts)):
        return False
    ids = [contracts[reference].id for reference in references]  # type: ignore[union-attr]
    packages, participants = columns.get("package_id", nothing), columns.get("participant_id", nothing)
    units = keys_of((ids, packages, participants), count)
    # each row's values as the row loop leaves them: the fields read, but the contract reference
    # and the LA as written, then the contract's id and the LA's code
    names = [name for name in fields if name not in ("contract_reference", "la", "contract_id", "la_code")]
    values = [columns[name] for name in names]
    names += ["contract_id", "la_code"]
    context.engagement_rows.update(zip(units, excel_rows))
    context.file_engagements.update(zip(units, zip(packages, participants)))
    first_rows = not plan.rows
    plan.rows.extend(map(RowPlan, excel_rows, map(dict, map(partial(zip, names), zip(*values, ids, la_codes)))))
    if first_rows and plan.sheet_kind.key == ("contract_id", "package_id", "participant_id"):
        plan.row_keys = (plan.rows, units)  # the rows' keys (``changes.sheet_keys``): the units
    return True


def _la_codes(context: Context, las: list[Any], starts: list[Any]) -> list[str] | None:
    """Each row's LA code: its LA as it means on its start date (``Context.la_code``), each distinct
    (LA, start date) matched once, or each LA once when it is one record on all its rows' dates
    (``LAMatcher.match_throughout``); None when one is not matched (or a cell value cannot be a key).
    LAs all written as text (the usual) are told apart by their text; others by their type too
    (1, 1.0 and True are equal keys)."""
    try:
        if set(map(type, las)) == {str}:
            pairs = set(zip(las, starts))
            spans: dict[str, tuple[date, date]] = {}  # each LA's first and last start date
            for la, start in pairs:
                first, last = spans.get(la, (start, start))
                spans[la] = (min(first, start), max(last, start))
            matcher = context.matcher
            throughout = {
                la: found.code for la, span in spans.items() if (found := matcher.match_throughout(la, *span))
            }
            if len(throughout) == len(spans):  # each LA one record on all its rows' dates: matched once
                return list(map(throughout.__getitem__, las))
            text_codes = {pair: throughout.get(pair[0]) or context.la_code(*pair) for pair in pairs}
            return list(map(text_codes.__getitem__, zip(las, starts)))
        codes = {
            key: context.la_code(key[1], key[2])
            for key in {(la.__class__, la, start) for la, start in zip(las, starts)}
        }
        return [codes[(la.__class__, la, start)] for la, start in zip(las, starts)]
    except (cells.CellError, TypeError):  # an LA not matched (or a cell value that cannot be a key)
        return None


def _engagements_by_row(
    context: Context,
    located: Located,
    plan: SheetPlan,
    label: str | None,
    parsed: list[tuple[int, dict[str, Any]]],
) -> None:
    """Each row checked on its own, every error said in the row's order."""
    for excel_row, values in parsed:
        contract = _row_contract(context, located, label, excel_row, values)
        unit = (
            None if contract is None else _unit_key(contract.id, values.get("package_id"), values.get("participant_id"))
        )
        if unit is not None:  # so a survey response of a row with errors is told so (see validate_survey)
            context.engagement_rows[unit] = excel_row
        if "la" not in values or "start_date" not in values:
            if "la" in values:  # the start date has an error: still say whether the LA is known at all
                _match_la(context, located, excel_row, values, None)
            continue
        la_code = _match_la(context, located, excel_row, values, values["start_date"])
        end = values.get("end_date")
        if end is not None and end < values["start_date"]:
            context.problem(
                located.sheet.name,
                excel_row,
                located.headers["end_date"],
                f"the end date {cells.format_date(end)} is before the start date "
                f"{cells.format_date(values['start_date'])}",
            )
            continue
        if contract is None or la_code is None or unit is None:  # unit is None when contract is
            continue
        values.update(contract_id=contract.id, la_code=la_code)
        context.file_engagements[unit] = (values.get("package_id"), values.get("participant_id"))
        plan.rows.append(RowPlan(excel_row, values))


def _flag_short_packages(context: Context, plan: SheetPlan) -> None:
    """SLA: one-to-one packages below the contract's minimum package days are flagged, not rejected.
    Only packages that have ended (every row has an end date, not after today): a running package
    may still reach the minimum (the Coverage page checks them as of any date)."""
    minimum = {c.id: c.min_package_days for c in context.contracts.values()}
    days: dict[tuple[int, str | None], Decimal] = {}  # (contract id, package): None when its cell had an error
    ended: dict[tuple[int, str | None], bool] = {}
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


def validate_survey(context: Context, located: Located, plan: SheetPlan, label: str | None) -> None:
    """Every error of a row is said (cli.md: "prints every error"): a follow-up without its impact
    answer and a participant missing from Engagements are two errors of one row."""
    stored = _stored_units(context.session, {c.id for c in context.contracts.values()})
    for excel_row, values in parse_rows(context, located, plan):
        contract = _row_contract(context, located, label, excel_row, values)
        ok = contract is not None
        if (
            values.get("stage") == FOLLOW_UP
            and values.get("impact_demonstrated") is None
            and (located.sheet.name, excel_row, "impact_demonstrated") not in context.unreadable
        ):
            context.problem(
                located.sheet.name,
                excel_row,
                located.headers.get("impact_demonstrated", "Impact demonstrated"),
                "'Impact demonstrated' (yes or no) is required for a follow-up response",
            )
            ok = False
        package_id, participant_id = values.get("package_id"), values.get("participant_id")
        if contract is None or package_id is None or participant_id is None:
            continue
        key = _unit_key(contract.id, package_id, participant_id)
        spelling = stored.get(key) or context.file_engagements.get(key)
        if spelling is None and key in context.engagement_rows:
            context.problem(
                located.sheet.name,
                excel_row,
                located.headers["participant_id"],
                f"participant '{participant_id}' of package '{package_id}' is on Engagements row "
                f"{context.engagement_rows[key]}, which has errors: correct that row first",
            )
        elif spelling is None:
            context.problem(
                located.sheet.name,
                excel_row,
                located.headers["participant_id"],
                f"participant '{participant_id}' of package '{package_id}' is not in Engagements "
                f"(in this file or already stored) for contract {contract.reference}",
            )
        elif ok:
            # IDs match ignoring case; the response is stored as Engagements spells them (as first
            # stored: a later return that spells a stored key differently does not respell it).
            values.update(contract_id=contract.id, package_id=spelling[0], participant_id=spelling[1])
            plan.rows.append(RowPlan(excel_row, values))


def _unit_key(contract_id: int, package_id: str | None, participant_id: str | None) -> UnitKey:
    """A unit's key, ignoring case as every other import key does."""
    return (contract_id, key_part(package_id), key_part(participant_id))


def _stored_units(session: Session, contract_ids: set[int]) -> dict[UnitKey, tuple[str, str]]:
    """Stored units of these contracts: key -> (package, participant) as spelt."""
    if not contract_ids:
        return {}
    rows = session.execute(
        select(models.Engagement.contract_id, models.Engagement.package_id, models.Engagement.participant_id).where(
            models.Engagement.contract_id.in_(contract_ids)
        )
    )
    stored = rows.all()
    return dict(zip(keys_of(zip(*stored), len(stored)), ((package, participant) for _, package, participant in stored)))


def validate_finance(context: Context, located: Located, plan: SheetPlan, label: str | None) -> None:
    """Every error of a row is said: a quarter in another year than the financial year and a heading
    not in the pricing schedule are two errors of one row."""
    line_counter: dict[tuple[int, str], int] = defaultdict(int)  # (contract id, invoice) -> lines
    name = located.sheet.name
    for excel_row, values in parse_rows(context, located, plan):
        contract = _row_contract(context, located, label, excel_row, values)
        ok = contract is not None and "invoice_ref" in values  # a blank invoice reference is said already
        if ok and contract is not None:
            line_counter[(contract.id, values["invoice_ref"])] += 1
            if values.get("line") is None:
                values["line"] = line_counter[(contract.id, values["invoice_ref"])]
        quarter = values.pop("quarter", None)  # None: blank or unreadable, said already
        year = values.get("financial_year")
        if quarter is None:
            ok = False
        elif year and quarter.financial_year and year != quarter.financial_year:
            context.problem(
                name,
                excel_row,
                located.headers["quarter"],
                f"the quarter is in {quarter.financial_year} but the financial year says {year}",
            )
            ok = False
        elif not (year or quarter.financial_year):
            if (name, excel_row, "financial_year") not in context.unreadable:  # else its error is said already
                context.problem(
                    name,
                    excel_row,
                    located.headers.get("financial_year", "Financial year"),
                    "'Financial year' is required unless 'Quarter' is the quarter's end date",
                )
            ok = False
        heading = values.get("heading")
        if contract is not None and heading is not None:
            known = context.headings(contract)
            canonical = known.get(heading_key(heading))
            if canonical is None:
                close = difflib.get_close_matches(heading, sorted(known.values()), n=3, cutoff=0.4)
                hint = (
                    f": did you mean {' or '.join(close)}?"
                    if close
                    else (
                        f": the pricing schedule's headings are {', '.join(sorted(known.values()))}"
                        if known
                        else ": import the contract's pricing schedule first"
                    )
                )
                context.problem(
                    name,
                    excel_row,
                    located.headers["heading"],
                    f"'{heading}' is not an expenditure heading of {contract.reference}'s pricing schedule{hint}",
                )
                ok = False
            else:
                values["heading"] = canonical
        if ok and contract is not None and quarter is not None:
            values.update(
                financial_year=year or quarter.financial_year,
                quarter=quarter.quarter,
                contract_id=contract.id,
                source_file=context.file_name[:260],
                source_row=excel_row,
            )
            plan.rows.append(RowPlan(excel_row, values))


def validate_part_a(context: Context, located: Located, plan: SheetPlan, label: str | None) -> None:
    sheet = located.sheet
    header_row, heading_column, years = located.header_row, located.columns["heading"], located.years
    name = sheet.name
    if len(set(years.values())) != len(years):
        context.problem(name, header_row + 1, "financial year", "the same financial year heads two columns")
        return
    reference = label or context.contract_option
    label_cell = _contract_label_cell(sheet, header_row, context.known_contract)
    row_of_reference = label_cell[0] if label_cell else header_row + 1  # the label's row, else the table's
    if not reference:
        context.problem(
            name,
            row_of_reference,
            "Contract reference",
            "no contract reference: add a cell labelled 'Contract reference' above the table "
            "or choose the contract when importing",
        )
        return
    contract = context.contract(reference)
    if contract is None:
        context.problem(
            name,
            row_of_reference,
            "Contract reference",
            f"unknown contract '{reference}'{context.contract_suggestions(reference)}",
        )
        return
    header_cells = sheet.rows[header_row]
    seen: dict[str, int] = {}
    totals_memo: dict[str, bool | None] = {}
    read = frozenset((heading_column, *years))
    for index in range(header_row + 1, len(sheet.rows)):
        row = sheet.rows[index]
        excel_row = index + 1
        if is_skipped_row(row, totals_memo, read):
            plan.skipped += 1
            continue
        raw_heading = cell(row, heading_column)
        try:
            heading = (
                cells.parse_text(raw_heading) if not isinstance(raw_heading, (ExcelError, UncachedFormula)) else None
            )
        except cells.CellError as error:
            context.problem(name, excel_row, "Expenditure heading", str(error))
            continue
        if heading is None:
            if all(cells.is_blank(cell(row, column)) for column in years):
                plan.skipped += 1
                continue
            context.problem(name, excel_row, "Expenditure heading", "the expenditure heading is blank")
            continue
        if heading_key(heading) in seen:
            context.problem(
                name,
                excel_row,
                "Expenditure heading",
                f"'{heading}' is already listed on row {seen[heading_key(heading)]}",
            )
            continue
        seen[heading_key(heading)] = excel_row
        for column, year in years.items():
            raw = cell(row, column)
            header = str(header_cells[column]).strip()
            if isinstance(raw, ExcelError):
                context.problem(name, excel_row, header, f"the cell holds the Excel error {raw.code}")
                continue
            if isinstance(raw, UncachedFormula):
                context.problem(
                    name, excel_row, header, f"the formula {raw} has no saved value: recalculate and save in Excel"
                )
                continue
            try:
                amount = cells.parse_money(raw)
            except cells.CellError as error:
                context.problem(name, excel_row, header, str(error))
                continue
            plan.rows.append(
                RowPlan(
                    excel_row,
                    {
                        "contract_id": contract.id,
                        "heading": heading,
                        "financial_year": year,
                        "amount": amount if amount is not None else Decimal("0.00"),
                    },
                )
            )
        context.file_headings[contract.reference.lower()].add(heading)
    context._headings.pop(contract.id, None)
    if plan.rows and all(row.values["amount"] == 0 for row in plan.rows):
        plan.flags.append(
            f"{plan.title}: every allocation of {contract.reference} is empty or 0, so importing it "
            "sets them all to 0: is this the blank template?"
        )
    _check_column_limits(context, located, plan)


def _column_limits(model: type[models.Base]) -> dict[str, Any]:
    """Column -> type, for the columns that limit what they hold: text longer, or a number
    larger, than its database column holds is a row error (PostgreSQL would otherwise
    refuse the whole write with a database error)."""
    limits = {}
    for column in model.__table__.columns:
        kind = column.type
        if (
            isinstance(kind, Integer)
            or (isinstance(kind, String) and kind.length)
            or (isinstance(kind, Numeric) and kind.precision)
        ):
            limits[column.name] = kind
    return limits


def _check_column_limits(context: Context, located: Located, plan: SheetPlan) -> None:
    """The column limits for Part A's allocations (other sheets check them as each value is parsed)."""
    limits = _column_limits(located.kind.model)
    for row in plan.rows:
        for name, value in row.values.items():
            message = (
                None
                if name not in limits or value is None or isinstance(value, bool)
                else _limit_problem(limits[name], value)
            )
            if message:
                header = located.headers.get(name) or name.replace("_", " ").capitalize()
                context.problem(plan.sheet, row.row, header, message)


def _limit_problem(column_type: Any, value: Any) -> str | None:
    if (
        isinstance(column_type, String)
        and column_type.length
        and isinstance(value, str)
        and len(value) > column_type.length
    ):
        return f"the text is {len(value):,} characters long; at most {column_type.length:,} fit"
    if isinstance(column_type, Numeric) and column_type.precision and isinstance(value, (int, float, Decimal)):
        limit = Decimal(10) ** (column_type.precision - (column_type.scale or 0))
        number = abs(Decimal(str(value)))  # too large as it is, or once rounded to the column's places
        if number >= limit or round(number, column_type.scale or 0) >= limit:
            return f"the number {value:,} is too large: it must be less than {limit:,}"
    if isinstance(column_type, Integer) and isinstance(value, int) and abs(value) > 2**31 - 1:
        return f"the number {value:,} is too large: it must be less than {2**31:,}"
    return None
