"""Locate stage: which sheets of a workbook the importer reads, of which kind, and where their headers are.

A sheet is known by its name (``kinds.kind_named``), else by its header row; its header is the first
row, within ``HEADER_SEARCH_ROWS``, that holds every required header of its kind (Part A: the row
with the most financial-year headers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from data_access.importer import cells, kinds, schemas
from data_access.importer.kinds import SheetKind, kind_named
from data_access.importer.reader import Sheet
from data_access.importer.report import Problem
from data_access.importer.schemas import SheetSchema
from data_access.importer.validate import cell

HEADER_SEARCH_ROWS = 200  # title rows, notes and blank rows above a header: far more than any return has


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
        at = next((by_key[key] for key in cells.header_keys(column.header) if key in by_key), None)
        if at is not None:
            columns[column.field] = at
            headers[column.field] = str(row[at]).strip()
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
    best_index, best_found = 0, set[str]()
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
    for text in (
        value,
        cells.without_brackets_and_markers(value, keep_numbered=True),
        cells.without_brackets_and_markers(value),
        *found[:1],
    ):
        try:
            return cells.parse_financial_year(text)
        except cells.CellError:
            continue
    return None


# A year written among other words ('2022-23 £', 'Yr 3 (2023/24)'): read, not dropped silently.
_FY_IN_HEADER = re.compile(r"(?:fy\s*)?(?:19|20)?\d{2}\s*[-/]\s*(?:19|20)?\d{2}", re.IGNORECASE)


def locate(sheet: Sheet, file_name: str, errors: list[Problem]) -> Located | None:
    """Find which schema a sheet follows (by name, else by header row) and its header."""
    by_name = kind_named(sheet.name)
    if by_name is kinds.ALLOCATIONS:
        found = _part_a_header(sheet)
        if found is None:
            errors.append(
                Problem(
                    file_name,
                    sheet.name,
                    None,
                    schemas.PART_A_HEADING,
                    "no header row with financial years found: expected a first column of expenditure "
                    "headings and one column per financial year, headed e.g. 2021-22",
                )
            )
            return None
        header_row, heading_column, years = found
        return Located(sheet, kinds.ALLOCATIONS, header_row, {"heading": heading_column}, {}, years)
    if by_name is not None:
        schema = by_name.schema
        header = _find_header(sheet, schema)
        if header is None:
            guess, missing = _best_header_guess(sheet, schema)
            where = (
                "the header row"
                if len(missing) < len(schema.required)
                else f"any of the first {HEADER_SEARCH_ROWS} rows, so no header row was found"
            )
            for field_name in sorted(missing, key=lambda f: [c.field for c in schema.columns].index(f)):
                errors.append(
                    Problem(
                        file_name,
                        sheet.name,
                        guess + 1,
                        schema.column(field_name).header,
                        f"required column '{schema.column(field_name).header}' not found in {where}",
                    )
                )
            return None
        return _checked_header(Located(sheet, by_name, *header), file_name, errors)
    # Unknown name: recognise by the header row. Part A: a heading column headed
    # "Expenditure heading" beside financial-year columns.
    part_a = _part_a_header(sheet)
    if part_a is not None:
        header_row, heading_column, years = part_a
        heading = sheet.rows[header_row][heading_column] if heading_column < len(sheet.rows[header_row]) else None
        if isinstance(heading, str) and cells.normalise_header(heading) == cells.normalise_header(
            schemas.PART_A_HEADING
        ):
            return Located(sheet, kinds.ALLOCATIONS, header_row, {"heading": heading_column}, {}, years)
    # Several schemas can fit one header (an
    # Engagements header holds LA status's one required column, LA; a Finance header holds
    # Part B's Role and Day rate), so the schema that explains the most columns wins. A header
    # must hold two of a schema's columns: a list of LAs for drop-downs is not an LA status sheet.
    best: tuple[int, int, int] | None = None
    located = None
    for kind in kinds.COLUMNED:
        header = _find_header(sheet, kind.schema)
        if header is not None and len(header[1]) >= 2:
            score = (-len(header[1]), -len(kind.schema.required), kind.order)
            if best is None or score < best:
                best, located = score, Located(sheet, kind, *header)
    return located and _checked_header(located, file_name, errors)


def _checked_header(located: Located, file_name: str, errors: list[Problem]) -> Located | None:
    """The sheet as located, or None (with an error) when its header heads one column twice."""
    row = located.sheet.rows[located.header_row]
    twice = _headed_twice(row, located.kind.schema)
    for header, at in twice:
        shown = " and ".join(f"'{str(row[index]).strip()}' (column {_column_letter(index)})" for index in at)
        errors.append(
            Problem(
                file_name,
                located.sheet.name,
                located.header_row + 1,
                header,
                f"{shown} both read as '{header}': keep one, or rename the other so the importer "
                "does not have to guess which to read",
            )
        )
    return None if twice else located


def table_header_row(sheet_name: str, head: list[list[Any]]) -> int | None:
    """The 0-based row heading the table of a sheet of which ``head`` are the first rows, when it
    is a table of declared columns (``fast_read.read_columnar`` reads the rows below it column by
    column; Part A, a grid of headings and years, is read row by row)."""
    located = locate(Sheet(sheet_name, False, head), "", [])
    return located.header_row if located is not None and located.kind is not kinds.ALLOCATIONS else None
