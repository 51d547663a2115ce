"""Importing one file: read, validate everything, then write it all or nothing.

``plan_import`` reads and validates a file against the declared schemas and the
database, and works out what the import would change; it writes nothing.
``apply_plan`` writes a valid plan; the caller wraps it in one transaction
(``with session.begin():``), so a workbook with any error writes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.orm import Session

from dashboard.finance import heading_key
from dashboard.wording import listed
from data_access import bulk, models
from data_access.importer import cells, kinds, schemas
from data_access.importer.cells import key_part
from data_access.importer.kinds import KEY_COLUMNS, MissingRows, SheetKind, kind_named
from data_access.importer.reader import FileRefused, Sheet, read_file, sheet_names
from data_access.importer.report import ImportPlan, Problem, RowAction, RowPlan, SheetPlan, summary_of
from data_access.importer.schemas import SheetSchema
from data_access.importer.validate import IMPORT_SOURCE, Context, cell, labelled_contract, quarter_text, reporting_quarter

HEADER_SEARCH_ROWS = 200  # title rows, notes and blank rows above a header: far more than any return has


# --- Finding sheets, headers and rows -------------------------------------------------


@dataclass
class Located:
    """A sheet the importer reads: its kind and where its header is."""

    sheet: Sheet
    kind: SheetKind
    header_row: int  # 0-based index into sheet.rows
    columns: dict[str, int]  # field -> column index (Part A: "heading" -> its heading column)
    headers: dict[str, str]  # field -> header as written
    years: dict[int, str] = field(default_factory=dict)  # Part A: column -> the financial year it heads


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
        named = [c for c in text_columns if cells.normalise_header(cell(row, c)) == heading_key]
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


def _locate(sheet: Sheet, file_name: str, errors: list[Problem]) -> Located | None:
    """Find which schema a sheet follows (by name, else by header row) and its header."""
    by_name = kind_named(sheet.name)
    if by_name is kinds.ALLOCATIONS:
        found = _part_a_header(sheet)
        if found is None:
            errors.append(
                Problem(file_name, sheet.name, None, schemas.PART_A_HEADING,
                        "no header row with financial years found: expected a first column of expenditure "
                        "headings and one column per financial year, headed e.g. 2021-22")
            )
            return None
        header_row, heading_column, years = found
        return Located(sheet, kinds.ALLOCATIONS, header_row, {"heading": heading_column}, {}, years)
    if by_name is not None and by_name.schema is not None:
        schema = by_name.schema
        found = _find_header(sheet, schema)
        if found is None:
            guess, missing = _best_header_guess(sheet, schema)
            where = ("the header row" if len(missing) < len(schema.required)
                     else f"any of the first {HEADER_SEARCH_ROWS} rows, so no header row was found")
            for field_name in sorted(missing, key=lambda f: [c.field for c in schema.columns].index(f)):
                errors.append(
                    Problem(file_name, sheet.name, guess + 1, schema.column(field_name).header,
                            f"required column '{schema.column(field_name).header}' not found in {where}")
                )
            return None
        return _checked_header(Located(sheet, by_name, *found), file_name, errors)
    # Unknown name: recognise by the header row. Part A: a heading column headed
    # "Expenditure heading" beside financial-year columns.
    part_a = _part_a_header(sheet)
    if part_a is not None:
        header_row, heading_column, years = part_a
        heading = sheet.rows[header_row][heading_column] if heading_column < len(sheet.rows[header_row]) else None
        if isinstance(heading, str) and cells.normalise_header(heading) == cells.normalise_header(schemas.PART_A_HEADING):
            return Located(sheet, kinds.ALLOCATIONS, header_row, {"heading": heading_column}, {}, years)
    # Several schemas can fit one header (an
    # Engagements header holds LA status's one required column, LA; a Finance header holds
    # Part B's Role and Day rate), so the schema that explains the most columns wins. A header
    # must hold two of a schema's columns: a list of LAs for drop-downs is not an LA status sheet.
    best: tuple[int, int, int] | None = None
    located = None
    for kind in kinds.COLUMNED:
        found = _find_header(sheet, kind.schema)
        if found is not None and len(found[1]) >= 2:
            score = (-len(found[1]), -len(kind.schema.required), kind.order)
            if best is None or score < best:
                best, located = score, Located(sheet, kind, *found)
    return located and _checked_header(located, file_name, errors)


def _checked_header(located: Located, file_name: str, errors: list[Problem]) -> Located | None:
    """The sheet as located, or None (with an error) when its header heads one column twice."""
    row = located.sheet.rows[located.header_row]
    twice = _headed_twice(row, located.kind.schema)
    for header, at in twice:
        shown = " and ".join(f"'{str(row[index]).strip()}' (column {_column_letter(index)})" for index in at)
        errors.append(Problem(file_name, located.sheet.name, located.header_row + 1, header,
                              f"{shown} both read as '{header}': keep one, or rename the other so the importer "
                              "does not have to guess which to read"))
    return None if twice else located


def _compared(row: RowPlan) -> dict[str, Any]:
    return {name: value for name, value in row.values.items() if name not in _NOT_COMPARED}


def _duplicates(context: Context, plan: SheetPlan, headers: dict[str, str],
                earlier: dict[tuple, tuple[str, RowPlan]]) -> None:
    """Two rows with one key: identical ones count once, different ones are an error (naming the
    key's columns as the sheet heads them). ``earlier``: the keys of the sheets of this kind
    read before this one (one kind may be split over tabs, e.g. One-to-one and Group)."""
    key_fields = plan.sheet_kind.key
    key_columns = ", ".join(header for name in key_fields if (header := headers.get(KEY_COLUMNS.get(name, name))))
    first: dict[tuple, RowPlan] = {}
    kept: list[RowPlan] = []
    for row in plan.rows:
        key = tuple(key_part(row.values.get(name)) for name in key_fields)
        if key in first and plan.sheet_kind is kinds.LA_STATUS:  # later rows replace earlier ones
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
    if plan.sheet_kind is not kinds.LA_STATUS:
        earlier.update((key, (plan.sheet, row)) for key, row in first.items())


def registered(plan: ImportPlan) -> dict[str, str]:
    """The contracts a plan's Contracts sheets register, each with the plan's file name."""
    return {row.values["reference"]: plan.file_name for sheet in plan.sheets if sheet.sheet_kind is kinds.CONTRACTS
            for row in sheet.rows if isinstance(row.values.get("reference"), str)}


def import_order(files: Sequence[tuple[str, bytes]]) -> list[int]:
    """The order a batch of files is best imported in, as indexes into ``files``: what later files
    refer to comes first (contract registers, LA status, pricing schedules, then returns), each
    file placed by the first of its sheets, told by their names, in the kinds' order. Files of one
    kind keep the order given; a file with no sheet named as the importer names them comes last."""
    def rank(file: tuple[str, bytes]) -> int:
        named = [kind_named(name) for name in sheet_names(*file)]
        return min((kind.order for kind in named if kind), default=len(kinds.KINDS))
    return sorted(range(len(files)), key=lambda index: rank(files[index]))


def plan_import(session: Session, file_name: str, data: bytes, contract_option: str | None = None,
                refused_registers: Mapping[str, str] | None = None, quarter_option: str | None = None) -> ImportPlan:
    """Read and validate ``data``; work out every change. Writes nothing. ``refused_registers``:
    the contracts of registers refused earlier in the same batch, so that a file needing one
    is told which file to fix, not that its contract is unknown. ``quarter_option``: the
    reporting quarter of a return that states none (``--quarter``, the upload page's choice)."""
    file_name, contract_option = _storable(file_name), _storable(contract_option)
    plan = ImportPlan(file_name, hashlib.sha256(data).hexdigest(), len(data))
    context = Context(session, file_name, contract_option, refused_registers)
    try:
        workbook = read_file(file_name, data)
    except FileRefused as error:
        plan.errors.append(Problem(file_name, "", None, "", str(error)))
        return plan

    located: list[Located] = []
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
            if kind_named(sheet.name) is None:
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
    labels = [labelled_contract(item.sheet, item.header_row, context.known_contract) for item in located]
    labels += [labelled_contract(sheet, HEADER_SEARCH_ROWS, context.known_contract) for sheet in other_sheets]
    label = next((found for found in labels if found), None)
    located.sort(key=lambda item: item.kind.order)
    keys_of_kind: dict[SheetKind, dict[tuple, tuple[str, RowPlan]]] = defaultdict(dict)
    for item in located:
        sheet_plan = SheetPlan(item.sheet.name, item.kind)
        sheet_label = labelled_contract(item.sheet, item.header_row, context.known_contract) or label
        item.kind.validate(context, item, sheet_plan, sheet_label)
        _duplicates(context, sheet_plan, item.headers, keys_of_kind[item.kind])
        if flag := _hidden_rows_flag(item, sheet_plan.title):
            sheet_plan.flags.append(flag)
        plan.sheets.append(sheet_plan)

    workbook_kinds = {item.kind.workbook_kind for item in located}
    plan.kind = workbook_kinds.pop() if len(workbook_kinds) == 1 else "mixed"
    returns = [(item.sheet, item.header_row) for item in located if item.kind.workbook_kind == schemas.QUARTERLY_RETURN]
    if returns:
        places = returns + [(sheet, HEADER_SEARCH_ROWS) for sheet in other_sheets]
        plan.reporting_quarter_end = reporting_quarter(context, places, quarter_option, plan)
        ids = {row.values.get("contract_id") for sheet in plan.sheets if sheet.sheet_kind.missing is MissingRows.CUMULATIVE
               for row in sheet.rows}
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


def _hidden_rows_flag(item: Located, title: str) -> str | None:
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


def _flag_contract_option_not_used(context: Context, plan: ImportPlan) -> None:
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


def _only_contract(context: Context, plan: ImportPlan) -> str | None:
    """The contract every row of the file is for, when they are all for one (rows that carry their
    own Contract reference): the import history names it as it names a labelled one."""
    ids = {row.values.get("contract_id") for sheet in plan.sheets for row in sheet.rows}
    if len(ids) != 1:
        return None
    (only,) = ids
    return next((c.reference for c in context.contracts.values() if c.id == only), None)


# --- Working out and writing changes -----------------------------------------------

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
        if sheet.sheet_kind is kinds.LA_STATUS:
            names.add("la_status")
        for row in sheet.rows:
            contract = row.values.get("reference") if sheet.sheet_kind is kinds.CONTRACTS else row.values.get("contract_id")
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
    stored_of_kind: dict[SheetKind, dict[int, Any]] = defaultdict(dict)
    seen: dict[SheetKind, set[int]] = defaultdict(set)
    status_sheets = [sheet for sheet in plan.sheets if sheet.sheet_kind is kinds.LA_STATUS]
    if status_sheets:  # one history: an LA on two LA status tabs is one LA
        together = SheetPlan("", kinds.LA_STATUS, rows=[row for sheet in status_sheets for row in sheet.rows])
        _la_status_changes(status_sheets, _existing_rows(session, together))
    for sheet in plan.sheets:
        kind = sheet.sheet_kind
        if kind is kinds.LA_STATUS:
            continue
        key_fields = kind.key
        existing = _existing_rows(session, sheet)
        table = kind.model.__table__
        columns = list(table.columns.keys())  # stored rows are read by position (see _getters)
        key_at, id_at = [columns.index(name) for name in key_fields], columns.index("id")
        missing_at = columns.index("missing_from_latest_return") if kind.missing is MissingRows.CUMULATIVE else None
        index = {tuple(key_part(row[at]) for at in key_at): row for row in existing}
        if kind.missing is not MissingRows.LEFT_AS_THEY_ARE:
            stored_of_kind[kind].update((row[id_at], row) for row in existing)
        for row in sheet.rows:
            stored = index.get(tuple(key_part(row.values.get(name)) for name in key_fields)) if index else None
            if stored is None:
                row.action = RowAction.INSERT
                continue
            seen[kind].add(stored[id_at])
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
                row.action, row.before = RowAction.UPDATE, _row_values(stored, compared)
                if flagged:
                    row.before["missing_from_latest_return"] = True
            else:
                row.action = RowAction.UNCHANGED
        if kind is kinds.FINANCE:
            sheet.flags.extend(_finance_flags(session, sheet, plan))
    last_of_kind = {sheet.sheet_kind: sheet for sheet in plan.sheets}
    for kind, stored_rows in stored_of_kind.items():
        sheet, key_fields = last_of_kind[kind], kind.key  # said once, on the kind's last sheet
        gone = [stored for stored in stored_rows.values() if stored.id not in seen[kind]]
        invoiced = _invoiced(session, gone) if kind is kinds.ALLOCATIONS else {}
        for stored in gone:
            if kind.missing is MissingRows.REPLACED:
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
    if sheet.sheet_kind is kinds.DAY_RATES:
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
                row.action, row.existing_id = RowAction.UNCHANGED, current[2]
                row.values["effective_date"] = current[0]
                continue
            if effective <= current[0]:
                effective = row.values["effective_date"] = max(today, current[0])
        same = by_key.get((la_code, effective))
        if (la_code, effective) in planned:  # an earlier row of this file: the later row replaces it
            planned.pop((la_code, effective)).action = RowAction.SUPERSEDED
        if same is None:
            row.action = RowAction.INSERT
        elif _same_status(_row_values(same, _STATUS_FIELDS), row.values):
            row.action, row.existing_id = RowAction.UNCHANGED, same.id
        else:
            compared = [name for name in row.values if name not in _NOT_COMPARED]
            row.action, row.existing_id, row.before = RowAction.UPDATE, same.id, _row_values(same, compared)
        planned[(la_code, effective)] = row
        if current is None or effective >= current[0]:
            latest[la_code] = (effective, {name: row.values.get(name) for name in _STATUS_FIELDS}, row.existing_id)
    for sheet in sheets:  # rows a later row of the file replaced
        sheet.skipped += sheet.count(RowAction.SUPERSEDED)
        sheet.rows = [row for row in sheet.rows if row.action is not RowAction.SUPERSEDED]


def _existing_rows(session: Session, sheet: SheetPlan) -> list[Any]:
    """The stored rows this sheet may match, as plain rows (columns by name), not entities."""
    table = sheet.sheet_kind.model.__table__
    if sheet.sheet_kind is kinds.CONTRACTS:
        return list(session.execute(select(table)))
    if sheet.sheet_kind is kinds.LA_STATUS:
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

    revised = [row.values for part_a in plan.sheets if part_a.sheet_kind is kinds.ALLOCATIONS for row in part_a.rows]
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
        kind = sheet.sheet_kind
        model = kind.model
        table = model.__tablename__
        inserts = [row for row in sheet.rows if row.action is RowAction.INSERT]
        if kind is kinds.CONTRACTS:  # milestones and later sheets need the new ids
            for row in inserts:
                contract = models.Contract(**row.values, import_id=record.id)
                session.add(contract)
                session.flush()
                changes.append({"import_id": record.id, "table_name": table, "row_id": contract.id,
                                "before": None, "after": dict(row.values)})
            _resolve_new_contract_ids(session, plan)
        else:
            for row in inserts:
                if kind is kinds.MILESTONES and not isinstance(row.values.get("contract_id"), int):
                    row.values["contract_id"] = _contract_id(session, row.values["contract_id"])
            if inserts:
                new_ids = _insert_rows(session, model, record.id, [row.values for row in inserts])
                # an inserted row's undo record keeps its key and source; the row itself holds the rest
                # (so the record copies no names or evidence)
                kept = tuple(name for name in (*kind.key, *_NOT_COMPARED) if name in inserts[0].values)
                changes.extend({"import_id": record.id, "table_name": table, "row_id": new_id, "before": None,
                                "after": {name: row.values[name] for name in kept}}
                               for new_id, row in zip(new_ids, inserts))
        updates = [row for row in sheet.rows if row.action is RowAction.UPDATE]
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
        if sheet.sheet_kind is kinds.MILESTONES:
            for row in sheet.rows:
                if not isinstance(row.values.get("contract_id"), int):
                    row.values["contract_id"] = _contract_id(session, row.values["contract_id"])


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
