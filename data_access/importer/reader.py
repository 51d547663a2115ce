"""Opening uploaded files safely and reading their sheets into plain rows.

Only ``.xlsx``, ``.xlsm`` (macros never run) and ``.csv`` are read. Files over
the size limits, zip bombs, XML with a DOCTYPE (entity expansion) and files that
are not what their extension says are refused before any parsing.

Workbooks are read with python-calamine (a Rust reader, many times faster than
openpyxl on large returns). Calamine hands back an empty cell for an Excel
error or a formula with no cached value, so the sheet XML is scanned for those
cells and they are replaced by markers the cell parsers reject.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import python_calamine

from data_access.settings import load_settings

ALLOWED_EXTENSIONS = (".xlsx", ".xlsm", ".csv")


class FileRefused(ValueError):
    """The file is refused before parsing; the message says why."""


@dataclass(frozen=True)
class ExcelError:
    """A cell holding an Excel error value such as ``#REF!``."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class UncachedFormula:
    """A formula cell saved without its calculated value."""

    formula: str

    def __str__(self) -> str:
        return f"={self.formula}"


@dataclass
class Sheet:
    name: str
    hidden: bool
    rows: list[list[Any]] = field(default_factory=list)  # rows[0] is Excel row 1


@dataclass
class Workbook:
    file_name: str
    sheets: list[Sheet]


def extension_of(file_name: str) -> str:
    return PurePath(file_name).suffix.lower()


def check_file(file_name: str, data: bytes) -> None:
    """Refuse what must not be parsed: wrong type, too big, zip bomb, XML entities."""
    settings = load_settings()
    extension = extension_of(file_name)
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(f"only .xlsx, .xlsm and .csv files are read, not '{extension or 'no extension'}'")
    if len(data) > settings.max_upload_bytes:
        raise FileRefused(
            f"the file is {len(data) / 1048576:.1f} MB; the limit is {settings.max_upload_bytes // 1048576} MB"
        )
    if extension == ".csv":
        _check_csv(data)
    else:
        _check_workbook(data, extension, settings.max_unpacked_bytes)


def _check_csv(data: bytes) -> None:
    if data.startswith((b"PK\x03\x04", b"MZ", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x7fELF")) or b"\x00" in data:
        raise FileRefused("the file is not a CSV text file (it looks like a binary file)")


def _check_workbook(data: bytes, extension: str, max_unpacked: int) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise FileRefused(f"the file is not a real {extension} workbook (an Excel workbook is a zip package)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise FileRefused(f"the file is not a real {extension} workbook (no workbook part inside)")
            unpacked = sum(member.file_size for member in members)
            if unpacked > max_unpacked:
                raise FileRefused(
                    f"the workbook unpacks to {unpacked / 1048576:.0f} MB; the limit is {max_unpacked // 1048576} MB"
                )
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    _check_xml_part(package, member)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise FileRefused(f"the file is not a readable {extension} workbook (damaged zip: {error})") from error


# A DOCTYPE may follow comments of any length, and UTF-16 parts spell it with NUL bytes.
_FORBIDDEN_XML = tuple(
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_NUL_CELL = (b"_x0000_", b"\x00")


def _check_xml_part(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Stream the whole part (never all in memory): no entity declarations anywhere, and no
    NUL characters (``_x0000_``), which no spreadsheet cell holds and databases refuse."""
    overlap = max(len(marker) for marker in _FORBIDDEN_XML) - 1
    tail = b""
    utf16 = None
    with package.open(member) as part:
        while chunk := part.read(1 << 20):
            if utf16 is None:
                utf16 = chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or chunk[1:2] == b"\x00" or chunk[:1] == b"\x00"
            window = tail + chunk
            if (utf16 or b"<!" in window) and any(marker in window for marker in _FORBIDDEN_XML):
                raise FileRefused(f"the workbook part {member.filename} declares XML entities, which are not allowed")
            if not utf16 and any(marker in window for marker in _NUL_CELL):
                raise FileRefused(f"the workbook part {member.filename} holds NUL characters (code 0), "
                                  "which a spreadsheet cannot hold: the file is damaged or not made by Excel")
            tail = window[-overlap:]


def read_file(file_name: str, data: bytes) -> Workbook:
    """Check then read every sheet of the file into rows of raw cell values."""
    check_file(file_name, data)
    if extension_of(file_name) == ".csv":
        return Workbook(file_name, [Sheet(PurePath(file_name).stem, False, _csv_rows(data))])
    return Workbook(file_name, _workbook_sheets(data))


def _csv_rows(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise FileRefused("the CSV file is not UTF-8 or Windows-1252 text")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [list(row) for row in reader]
    except csv.Error as error:  # e.g. a field over 128 KB
        raise FileRefused(f"the CSV file cannot be read at line {reader.line_num}: {error}") from error


def _workbook_sheets(data: bytes) -> list[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - calamine raises several kinds
        raise FileRefused(f"the workbook cannot be read: {error}") from error
    problems = _problem_cells(data)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        targets = _sheet_targets(package)
        names = set(package.namelist())
        visible = [m.name for m in workbook.sheets_metadata
                   if m.typ == python_calamine.SheetTypeEnum.WorkSheet and m.visible == python_calamine.SheetVisibleEnum.Visible]
        for name in visible:  # before calamine builds the sheet's grid
            target = targets.get(name)
            parts = [target] if target in names else [n for n in names if n not in targets.values()]
            _check_used_range(package, name, parts)
    sheets = []
    for metadata in workbook.sheets_metadata:
        if metadata.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        hidden = metadata.visible != python_calamine.SheetVisibleEnum.Visible
        rows: list[list[Any]] = []
        if not hidden:
            try:
                rows = workbook.get_sheet_by_name(metadata.name).to_python(skip_empty_area=False)
            except Exception as error:  # noqa: BLE001
                raise FileRefused(f"the sheet '{metadata.name}' cannot be read: {error}") from error
            for (row, column), marker in problems.get(metadata.name, {}).items():
                while len(rows) <= row:
                    rows.append([])
                while len(rows[row]) <= column:
                    rows[row].append("")
                rows[row][column] = marker
        sheets.append(Sheet(metadata.name, hidden, rows))
    workbook.close()
    return sheets


# --- Sheets whose used range is too big to read ---------------------------------------

# Calamine builds a dense grid from A1 to the last cell holding a value, so one stray cell
# at XFD1048576 asks for 17 billion cells (the process aborts). The used range is measured
# by streaming the sheet XML first; 5 million cells is about 200k rows of 25 columns.
MAX_SHEET_CELLS = 5_000_000
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_R_ATTRIBUTE = re.compile(rb'\br\s*=\s*["\']([A-Za-z]{0,3})(\d+)["\']')


def _check_used_range(package: zipfile.ZipFile, sheet_name: str, parts: list[str]) -> None:
    last_row = last_column = 0
    for part_name in parts:
        rows, columns = _used_range(package, part_name)
        last_row, last_column = max(last_row, rows), max(last_column, columns)
    if last_row * last_column > MAX_SHEET_CELLS:
        raise FileRefused(
            f"the sheet '{sheet_name}' uses cells as far as row {last_row:,} and column {_column_letters(last_column)} "
            f"({last_row * last_column:,} cells; the limit is {MAX_SHEET_CELLS:,}): delete the rows and columns "
            "beyond the table (Ctrl+End in Excel goes to the last used cell) and save the file again"
        )


_REFERENCED_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br\s*=\s*["\']([A-Za-z]{1,3})(\d+)["\'][^>]*(?<!/)>')
_CELL_WITHOUT_REFERENCE = re.compile(rb"<(?:\w+:)?c(?:\s(?![^>]*\br\s*=)[^>]*)?>")


def _used_range(package: zipfile.ZipFile, part_name: str) -> tuple[int, int]:
    """(last row, last column), 1-based, of cells that may hold a value, streaming the part."""
    for measure in (_declared_range_if_true, _used_range_of_referenced_cells):
        found = measure(package, part_name)
        if found is not None:
            return found
    return _used_range_of_any_cells(package, part_name)


_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]{1,3}\d+:)?([A-Z]{1,3})(\d+)"')
_CELL_START = re.compile(rb"<(?:[\w.-]+:)?c[\s>/]")
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_EXCEL_CELL = b'<c r="'


def _declared_range_if_true(package: zipfile.ZipFile, part_name: str) -> tuple[int, int] | None:
    """The range the sheet's ``<dimension>`` declares, when it is within the limit, every cell
    is written as Excel writes it (``<c r="B7"``) and none lies beyond that range; None otherwise.

    A few searches of the whole part instead of one match per cell: a 100,000-row
    return has over a million cells."""
    declared = suspect = None
    for window in _windows(package, part_name):
        if suspect is None:
            table_start = window.find(b"<sheetData")
            match = _DIMENSION.search(window, 0, table_start) if table_start != -1 else None
            if match is None:
                return None
            letters, digits = match.groups()
            declared = (int(digits), _column_index(letters) + 1)
            if declared[0] * declared[1] > MAX_SHEET_CELLS:  # it counts styled empty cells: measure the real range
                return None
            suspect = re.compile(  # a reference not written as A1, or beyond the declared range
                rb'<c r="(?:(?![A-Z]{1,3}\d+")|(?:' + _greater(letters, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"[A-Z]")
                + rb')\d|[A-Z]{1,3}(?:' + _greater(digits, b"0123456789", rb"\d") + rb')")')
        cell_tags = window.count(_EXCEL_CELL)
        if window.count(b"<c") != cell_tags and len(_CELL_START.findall(window)) != cell_tags:
            return None  # a cell tag without r="..." first (or other tags starting <c: counted exactly)
        if _PREFIXED_CELL.search(window) or suspect.search(window):
            return None
    return declared


def _greater(text: bytes, alphabet: bytes, any_character: bytes) -> bytes:
    """A regex alternation for strings of ``alphabet`` after ``text`` ("M" -> N to Z, or any two letters)."""
    choices = [any_character + b"{%d,}" % (len(text) + 1)]
    for position, character in enumerate(text):
        after = alphabet[alphabet.index(character) + 1 :]
        if after:
            rest = any_character + b"{%d}" % (len(text) - position - 1)
            choices.append(re.escape(text[:position]) + b"[" + after + b"]" + rest)
    return b"|".join(choices)


def _windows(package: zipfile.ZipFile, part_name: str):
    """The part in windows of about 1 MB that never split a tag."""
    tail = b""
    with package.open(part_name) as part:
        while True:
            chunk = part.read(1 << 20)
            window = tail + chunk
            cut = window.rfind(b"<") if chunk else len(window)
            if cut == -1 or window.find(b">", cut) != -1:
                cut = len(window)
            yield window[:cut]
            tail = window[cut:]
            if not chunk:
                return
            if len(tail) > 1 << 24:
                raise FileRefused(f"the workbook part {part_name} is not a readable worksheet (a tag longer than 16 MB)")


def _used_range_of_referenced_cells(package: zipfile.ZipFile, part_name: str) -> tuple[int, int] | None:
    """The used range when every cell names its position (``r="B7"``, as Excel writes); None otherwise."""
    last_row = last_column = 0
    for window in _windows(package, part_name):
        if _CELL_WITHOUT_REFERENCE.search(window):
            return None
        found = _REFERENCED_CELL.findall(window)
        if found:
            letters, numbers = zip(*found)
            last_row = max(last_row, max(map(int, set(numbers))))
            widest = max({column.upper() for column in set(letters)}, key=lambda column: (len(column), column))
            last_column = max(last_column, _column_index(widest) + 1)
    return last_row, last_column


def _used_range_of_any_cells(package: zipfile.ZipFile, part_name: str) -> tuple[int, int]:
    """The used range cell by cell, for cells whose position follows from the ones before."""
    last_row = last_column = row = column = 0
    for window in _windows(package, part_name):
        for match in _ROW_OR_CELL.finditer(window):
            reference = _R_ATTRIBUTE.search(match.group(2))
            if match.group(1) == b"row":
                row, column = (int(reference.group(2)) if reference else row + 1), 0
                continue
            if reference and reference.group(1):
                column, row = _column_index(reference.group(1).upper()) + 1, int(reference.group(2))
            else:
                column += 1
            if not match.group(2).rstrip().endswith(b"/"):
                last_row, last_column = max(last_row, row), max(last_column, column)
    return last_row, last_column


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters or "A"


# --- Excel errors and formulas without a cached value ------------------------------

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>([^<]*)</f>)")


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (letter - 64)
    return index - 1


def _xml_unescape(text: str) -> str:
    return text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _problem_cells(data: bytes) -> dict[str, dict[tuple[int, int], Any]]:
    """Cells holding Excel errors or formulas without cached values, per sheet name."""
    found: dict[str, dict[tuple[int, int], Any]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        targets = _sheet_targets(package)
        for sheet_name, target in targets.items():
            try:
                xml = package.read(target)
            except KeyError:
                continue
            if b"<f" not in xml and b't="e"' not in xml:
                continue
            cells = found.setdefault(sheet_name, {})
            for start in _cell_starts(xml):
                end = xml.find(b"</c>", start)
                tag_end = xml.find(b">", start)
                if end == -1 or xml[tag_end - 1 : tag_end] == b"/":
                    continue
                cell = xml[start : end + 4]
                reference = _CELL_REF.search(cell[: tag_end - start + 1])
                if reference is None:
                    continue
                position = (int(reference.group(2)) - 1, _column_index(reference.group(1)))
                value = _VALUE.search(cell)
                opening = cell[: tag_end - start + 1]
                if b't="e"' in opening and value is not None:
                    cells[position] = ExcelError(value.group(1).decode("utf-8", "replace"))
                elif b"<f" in cell and (value is None or value.group(1) == b""):
                    if b't="str"' in opening and value is not None:
                        continue  # a formula whose cached value is the empty string
                    formula = _FORMULA.search(cell)
                    text = (formula.group(1) or b"").decode("utf-8", "replace") if formula else ""
                    cells[position] = UncachedFormula(_xml_unescape(text))
    return found


def _cell_starts(xml: bytes):
    """Start offsets of ``<c`` elements that hold a formula or an error."""
    seen: set[int] = set()
    for marker in (b"<f", b't="e"'):
        position = xml.find(marker)
        while position != -1:
            start = xml.rfind(b"<c ", 0, position)
            if start != -1 and start not in seen:
                seen.add(start)
                yield start
            position = xml.find(marker, position + 2)


def _sheet_targets(package: zipfile.ZipFile) -> dict[str, str]:
    """Map sheet names to the worksheet XML parts inside the package."""
    try:
        workbook_xml = package.read("xl/workbook.xml")
        rels_xml = package.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    relationships = {}
    for match in _RELATIONSHIP.finditer(rels_xml):
        attributes = dict(_ATTRIBUTE.findall(match.group(0)))
        if b"Id" in attributes and b"Target" in attributes:
            target = attributes[b"Target"].decode()
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            relationships[attributes[b"Id"].decode()] = target
    targets = {}
    for tag in _SHEET_TAG.finditer(workbook_xml):  # attributes in any order
        attributes = dict(_ATTRIBUTE.findall(tag.group(0)))  # r:id is found as "id"
        name, relationship_id = attributes.get(b"name"), attributes.get(b"id")
        target = relationships.get(relationship_id.decode()) if relationship_id else None
        if name is not None and target:
            targets[_xml_unescape(name.decode("utf-8"))] = target
    return targets
