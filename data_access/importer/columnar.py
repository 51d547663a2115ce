"""Parsing a table read into Arrow columns (``fast_read.ColumnarRows``) column by column.

The same rules as the importer's row loop, with the same results: blank and totals rows are
skipped ("Blank rows and totals rows are skipped"), each distinct value of a column is parsed
once by the column's own cell parser (so the values and messages are the parser's), and each row
gets its values and its errors, in row order and, within a row, in column order. Which rows are
skipped and which values each row takes are worked out with NumPy over the whole column; only a
row with an error is looked at on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from data_access.importer.fast_read import ColumnarRows, plain


class ColumnToRead(NamedTuple):
    field: str
    position: int  # 0-based column in the sheet
    parse: Callable[[Any], tuple[bool, Any]]  # raw cell -> (True, value) or (False, message)
    header: str  # as the sheet heads it
    required_header: str | None  # the schema's header when the column is required, else None
    text_up_to: int | None = None  # a plain text column (``cells.parse_text``): the longest text it holds


# What str.strip() removes from ASCII text; the Excel error values all start with '#'
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


class Parsed(NamedTuple):
    fields: list[str]  # the fields read, in the columns' order
    excel_rows: list[int]  # the Excel row of each row read
    columns: list[list[Any]]  # each field's value on each row read (None where the cell has an error)
    failed: list[tuple[int, str]]  # (index into the rows read, field) of each cell that could not be taken
    skipped: int
    problems: list[tuple[int, str, str, str | None]]  # (Excel row, header, message, field that could not be read)

    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        """(Excel row, values) of each row read, as the row loop gives them: a cell in error is left out."""
        parsed = [
            (excel_row, dict(zip(self.fields, row))) for excel_row, row in zip(self.excel_rows, zip(*self.columns))
        ]
        for at, field in self.failed:
            del parsed[at][1][field]
        return parsed


def _distinct(column: Any) -> tuple[list[Any], np.ndarray, Any]:
    """A column's distinct values (as calamine gives them), each row's index into them, and the
    distinct values as Arrow holds them."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_null(array.type):
        return [""], np.zeros(len(array), dtype=np.int32), None
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    return (
        [plain(value) for value in encoded.dictionary.to_pylist()],
        encoded.indices.to_numpy(zero_copy_only=False),
        encoded.dictionary,
    )


def _parsed(column: ColumnToRead, distinct: list[Any], arrow: Any) -> list[tuple[bool, Any]]:
    """Each distinct value parsed by the column's parser. Plain ASCII text in a text column (no
    '#', not blank, short enough) reads as itself stripped: that is what ``parse_text`` returns
    for it, worked out for the whole column at once."""
    if column.text_up_to is None or arrow is None or not pa.types.is_string(arrow.type):
        return [column.parse(raw) for raw in distinct]
    stripped = pc.utf8_trim(arrow, characters=_ASCII_SPACE)
    length = pc.utf8_length(stripped)
    simple = pc.and_(
        pc.and_(pc.string_is_ascii(arrow), pc.invert(pc.match_substring(arrow, "#"))),
        pc.and_(pc.greater(length, 0), pc.less_equal(length, column.text_up_to)),
    )
    return [
        (True, text) if easy else column.parse(raw)
        for raw, text, easy in zip(distinct, stripped.to_pylist(), pc.fill_null(simple, False).to_pylist())
    ]


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def parse_table(rows: ColumnarRows, columns: list[ColumnToRead], is_total: Callable[[str], bool]) -> Parsed:
    """Every row of the table below the header: skipped, or its values and errors."""
    table = rows.table
    count = table.num_rows
    encoded = {position: _distinct(column) for position, column in zip(rows.positions, table.columns)}
    order = sorted(encoded)
    filled = np.zeros((count, len(order)), dtype=bool)
    for at, position in enumerate(order):
        distinct, codes, _ = encoded[position]
        filled[:, at] = np.array([not _blank(value) for value in distinct], dtype=bool)[codes]
    first = filled.argmax(axis=1)
    skipped = np.logical_not(filled.any(axis=1))
    for at, position in enumerate(order):  # a totals row: its first filled cell reads Total (asked once a text)
        distinct, codes, _ = encoded[position]
        starting = np.flatnonzero(~skipped & (first == at))
        if len(starting):
            texts = np.unique(codes[starting])
            totals = [code for code in texts.tolist() if isinstance(distinct[code], str) and is_total(distinct[code])]
            if totals:
                skipped[starting[np.isin(codes[starting], totals)]] = True
    read = [at for at, position in enumerate(order) if position in {column.position for column in columns}]
    if read:
        skipped |= ~np.isin(first, read) & ~filled[:, read].any(axis=1)
    else:
        skipped[:] = True
    kept = np.flatnonzero(~skipped)
    values: list[list[Any]] = []
    bad = np.zeros(len(kept), dtype=bool)
    column_bad: list[np.ndarray] = []
    column_results: list[list[tuple[bool, Any]]] = []
    column_codes: list[np.ndarray] = []
    for column in columns:
        if column.position in encoded:
            distinct, codes, arrow = encoded[column.position]
            codes = codes[kept]
        else:  # a column the sheet heads but holds nothing in: '' within the sheet's width
            distinct, codes, arrow = (
                ["" if column.position < rows.width else None],
                np.zeros(len(kept), dtype=np.int32),
                None,
            )
        results = _parsed(column, distinct, arrow)
        failed = np.array([not ok or (value is None and column.required_header is not None) for ok, value in results])
        column_bad.append(failed[codes])
        bad |= column_bad[-1]
        values.append(_objects([value if ok else None for ok, value in results])[codes].tolist())
        column_results.append(results)
        column_codes.append(codes)
    fields = [column.field for column in columns]
    first_row = rows.start + 1  # Excel's number of the table's first row
    excel_rows = (kept + first_row).tolist() if columns else []  # no column read: every row is skipped
    problems: list[tuple[int, str, str, str | None]] = []
    failed_cells: list[tuple[int, str]] = []
    for at in np.flatnonzero(bad).tolist():
        excel_row = excel_rows[at]
        for column, failed, results, codes in zip(columns, column_bad, column_results, column_codes):
            if not failed[at]:
                continue
            failed_cells.append((at, column.field))
            ok, value = results[codes[at]]
            if not ok:
                problems.append((excel_row, column.header, value, column.field))
            else:
                problems.append(
                    (excel_row, column.header, f"'{column.required_header}' is required and this cell is blank", None)
                )
    return Parsed(fields, excel_rows, values, failed_cells, count - len(excel_rows), problems)


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())
