"""Reading a large workbook's tables straight into Arrow columns (fastexcel), checks first.

``read_file`` hands every cell to Python as an object; for a 100,000-row return that costs more
than reading the file. Here each sheet's table below its header row is read by fastexcel (the
Rust reader behind polars' ``read_excel``, over the same calamine) into Arrow columns, and the
importer parses each distinct value of a column once (``columnar``).

Nothing about what is read changes: the zip and XML checks run first, as in ``read_file`` (the
used-range check before any reader builds a grid), and the rows above and around each header
are read by python-calamine itself from a copy of the workbook cut after its first
``HEAD_ROWS`` rows. The Arrow values are converted to what calamine gives (a blank cell ``''``,
a date with no time a ``date``), and the rows both readers hold are compared: any difference,
and anything unusual, falls back to ``read_file`` (returns None): a CSV, the 1904 date system,
an Excel error or a formula with no saved value, a column holding more than one kind of value,
a time or a date before March 1900, XML that is not written as Excel writes it.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, time
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import python_calamine

from data_access.importer import reader
from data_access.importer.reader import Sheet, Workbook

HEAD_ROWS = 200  # the rows the header of a table is looked for in (the importer's HEADER_SEARCH_ROWS)
MIN_ROWS = 2_000  # a sheet with fewer rows than this is read by python-calamine as a whole: no gain
MIN_BYTES = 200_000  # about 2,000 rows of a return: a workbook with no larger worksheet goes to read_file
_EARLIEST = datetime(1900, 3, 1)  # Excel's day numbers before this date are its 1900 leap-year bug
_ROW_TAG = re.compile(rb"<row[\s>/]")
_ALLOWED_TYPES = ("string", "large_string", "double", "bool", "timestamp[ms]", "null")

HeaderRow = Callable[[str, list[list[Any]]], "int | None"]
WhileReading = Callable[[list[tuple[str, list[list[Any]]]]], None]  # [(sheet name, its first rows)]


class _Unusual(Exception):
    """Something this reader does not read exactly as ``read_file`` does: fall back."""


class ColumnarRows(Sequence[list[Any]]):
    """A sheet's rows as ``read_file`` would give them (``rows[0]`` is Excel row 1, each row as
    wide as the sheet, a blank cell ``''``): the rows down to the header as lists, the table below
    it as Arrow columns (``table``, from row ``start``; ``positions``: each column's 0-based
    column in the sheet). Rows of the table are converted only when asked for."""

    def __init__(self, head: list[list[Any]], table: Any, positions: list[int], width: int):
        self.head = head
        self.start = len(head)
        self.table = table
        self.positions = positions
        self.width = width

    def __len__(self) -> int:
        return self.start + int(self.table.num_rows)

    def _table_rows(self, first: int, stop: int) -> list[list[Any]]:
        if stop <= first:
            return []
        part = self.table.slice(first, stop - first)
        columns = [[plain(value) for value in column.to_pylist()] for column in part.columns]
        rows = []
        for index in range(stop - first):
            row = [""] * self.width
            for position, column in zip(self.positions, columns):
                row[position] = column[index]
            rows.append(row)
        return rows

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            first, stop, step = index.indices(len(self))
            if step != 1:
                return [self[at] for at in range(first, stop, step)]
            rows = self.head[first:stop]
            return rows + self._table_rows(max(first - self.start, 0), max(stop - self.start, 0))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index < self.start:
            return self.head[index]
        return self._table_rows(index - self.start, index - self.start + 1)[0]

    def __iter__(self) -> Iterator[list[Any]]:
        yield from self.head
        for first in range(0, self.table.num_rows, 5_000):
            yield from self._table_rows(first, min(first + 5_000, self.table.num_rows))


def plain(value: Any) -> Any:
    """An Arrow cell value as python-calamine gives it: a blank cell ``''``, a date at midnight a
    ``date``."""
    if value is None:
        return ""
    if value.__class__ is datetime:  # never before March 1900: such a column is read by read_file
        return value.date() if value.time() == time() else value
    return value


def read_columnar(
    file_name: str, data: bytes, header_row: HeaderRow, while_reading: WhileReading | None = None
) -> Workbook | None:
    """The workbook, its large tables as ``ColumnarRows``; None to read it with ``read_file``.

    ``header_row(sheet name, first rows)`` says which 0-based row heads the sheet's table (None:
    the sheet has no table the importer reads). ``while_reading(sheets)``, given the name and the
    first rows of each sheet whose table fastexcel reads, is called while it reads them (fastexcel
    does not hold the GIL): work that needs only those rows is done meanwhile. Raises
    ``FileRefused`` as ``read_file`` does."""
    if reader.extension_of(file_name) == ".csv" or not _has_long_sheet(data):
        return None
    parts: dict[str, bytes] = {}
    scans = reader._SheetScans()

    def keep(part_name: str, xml: bytes) -> None:
        scans.add(part_name, xml)
        parts[part_name] = xml

    try:
        reader._check_file(file_name, data, on_sheet=keep)
        workbook = _read(data, parts, scans, header_row, while_reading)
        return workbook and Workbook(file_name, workbook.sheets)
    except _Unusual:
        return None
    finally:
        scans.close()


def _has_long_sheet(data: bytes) -> bool:
    """Whether a worksheet of the package unpacks to ``MIN_BYTES`` or more (a cheap look at the zip
    directory; the checks then measure it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return any(
                member.filename.startswith("xl/worksheets/") and member.file_size >= MIN_BYTES
                for member in package.infolist()
            )
    except Exception:  # noqa: BLE001 - read_file says what is wrong with the file
        return False


def _read(
    data: bytes, parts: dict[str, bytes], scans: Any, header_row: HeaderRow, while_reading: WhileReading | None
) -> Workbook | None:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if reader._uses_1904_dates(package):
            raise _Unusual("1904 dates")
        targets = reader._sheet_targets(package)
        long_parts = {
            name: cut
            for name, xml in parts.items()
            if (cut := _cut_after_head(xml, scans.used_range(package, name)[0])) is not None
        }
        if not long_parts:
            return None  # every sheet is short: read_file reads it as fast
        head_package = _head_package(package, parts, long_parts)
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(head_package))
    try:
        names = set(targets.values())
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for metadata in workbook.sheets_metadata:  # as read_file: before any grid is built
                if (
                    metadata.typ == python_calamine.SheetTypeEnum.WorkSheet
                    and metadata.visible == python_calamine.SheetVisibleEnum.Visible
                ):
                    target = targets.get(metadata.name)
                    if target not in names:
                        raise _Unusual("a sheet whose part is not named in the workbook")
                    reader._check_used_range(metadata.name, [scans.used_range(package, target)])
        scans.start()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fastexcel") as loader:
            heads: list[tuple[str, bool, Any, list[list[Any]], Future[tuple[int, Any, list[int]]] | None]] = []
            for metadata in workbook.sheets_metadata:
                if metadata.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue
                target = targets.get(metadata.name)
                if metadata.visible != python_calamine.SheetVisibleEnum.Visible:
                    heads.append((metadata.name, True, target, [], None))
                    continue
                rows = workbook.get_sheet_by_name(metadata.name).to_python(skip_empty_area=False)
                table = None
                if target in long_parts:  # fastexcel reads (without the GIL) while the problem cells are looked for
                    top = header_row(metadata.name, rows)
                    if top is None:
                        raise _Unusual("a long sheet with no table the importer reads")
                    table = loader.submit(_load_table, data, metadata.name, top)
                heads.append((metadata.name, False, target, rows, table))
            if while_reading is not None:
                while_reading([(name, rows) for name, _, _, rows, table in heads if table is not None])
            if any(scans.problems(target) for _, hidden, target, _, _ in heads if not hidden):
                raise _Unusual("an Excel error or a formula with no saved value")
            sheets = []
            for name, hidden, target, rows, table in heads:
                if hidden:
                    sheets.append(Sheet(name, True, [], False, frozenset()))
                    continue
                read: Sequence[list[Any]] = rows if table is None else _columnar(rows, *table.result())
                sheets.append(Sheet(name, False, read, False, scans.hidden_rows(target)))  # type: ignore[arg-type]
    finally:
        workbook.close()
    return Workbook("", sheets)


def _cut_after_head(xml: bytes, used_rows: int) -> int | None:
    """Where the worksheet's first ``HEAD_ROWS`` rows end (the start of the next row tag), for a
    sheet of at least ``MIN_ROWS`` rows written as Excel writes it; None otherwise."""
    if used_rows < MIN_ROWS or b"<sheetData" not in xml or reader._PREFIXED_CELL.search(xml):
        return None
    position = start = 0
    for _ in range(HEAD_ROWS + 1):
        found = _ROW_TAG.search(xml, position)
        if found is None:
            return None
        start, position = found.start(), found.end()
    return start


def _head_package(package: zipfile.ZipFile, parts: dict[str, bytes], cuts: dict[str, int]) -> bytes:
    """A copy of the package (stored, not compressed) whose long worksheets end after their
    first ``HEAD_ROWS`` rows."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for member in package.infolist():
            if member.filename in cuts:
                content = parts[member.filename][: cuts[member.filename]] + b"</sheetData></worksheet>"
            else:
                content = package.read(member)
            copy.writestr(member.filename, content)
    return out.getvalue()


def _load_table(data: bytes, name: str, top: int) -> tuple[int, Any, list[int]]:
    """(header row, Arrow table, each column's place in the sheet) of the rows below ``top``."""
    import fastexcel

    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # "could not determine dtype": an empty column
    try:
        sheet = fastexcel.read_excel(data).load_sheet(
            name, header_row=None, skip_rows=top + 1, dtype_coercion="strict", schema_sample_rows=None
        )
        return top, sheet.to_arrow(), [column.absolute_index for column in sheet.available_columns()]
    except Exception as error:
        raise _Unusual(str(error)) from error


def _columnar(head: list[list[Any]], top: int, table: Any, positions: list[int]) -> ColumnarRows:
    """The sheet's rows with its table as Arrow columns, after checking that the rows both readers
    hold are the same."""
    if any(str(kind) not in _ALLOWED_TYPES for kind in table.schema.types):
        raise _Unusual("a column of times or durations")
    for (
        column
    ) in table.columns:  # calamine gives a time of day, or Excel's day numbers of 1900's leap-year bug, otherwise
        if (
            pa.types.is_timestamp(column.type)
            and (earliest := pc.min(column).as_py()) is not None
            and earliest < _EARLIEST
        ):
            raise _Unusual("a time or a date before March 1900")
    width = max([len(row) for row in head] + [position + 1 for position in positions])
    rows = ColumnarRows([_padded(row, width) for row in head[: top + 1]], table, positions, width)
    for index in range(top + 1, min(len(head), len(rows))):
        if list(rows[index]) != _padded(head[index], width):
            raise _Unusual(f"row {index + 1} reads differently")
    if len(head) > len(rows):
        raise _Unusual("the readers disagree on the sheet's length")
    return rows


def _padded(row: list[Any], width: int) -> list[Any]:
    return row + [""] * (width - len(row)) if len(row) < width else row
