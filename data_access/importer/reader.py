"""Opening uploaded files safely and reading their sheets into plain rows.

Only ``.xlsx``, ``.xlsm`` (macros never run) and ``.csv`` are read. Workbooks are
read with python-calamine (a Rust reader, many times faster than openpyxl on large
returns), and only after these checks, in this order:

1. The extension and the upload size; a CSV must not be a binary file.
2. The zip package: a real workbook whose unpacked size, from the zip directory, is
   within the limit (zip bombs).
3. Every XML part: no DOCTYPE (entity expansion) and no NUL characters. Parts are
   streamed, except the worksheets that will be read: each is decompressed once,
   never past its declared size, and the same bytes serve steps 3 to 5.
4. The used range of each worksheet: calamine builds a dense grid up to the last
   cell, so one stray cell at XFD1048576 would abort the process.
5. Calamine hands back an empty cell for an Excel error or a formula with no cached
   value; those cells are found in a worker thread, which runs on while calamine
   reads (calamine releases the GIL), and replaced by markers the cell parsers reject.

Calamine then opens the workbook; the used-range limit is enforced for the sheets
calamine lists as visible before it builds any grid.
"""

from __future__ import annotations

import copy
import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from xml.parsers import expat

import python_calamine

from data_access.settings import MB, load_settings

ALLOWED_EXTENSIONS = (".xlsx", ".xlsm", ".csv")


_OLE_COMPOUND = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of encrypted workbooks (and old .xls)
PASSWORD_PROTECTED = "This workbook is password-protected: remove the password and upload it again"


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
    date_1904: bool = False  # the workbook counts Excel date numbers from 1904 (older Mac Excel)
    hidden_rows: frozenset[int] = frozenset()  # Excel row numbers hidden in the workbook


@dataclass
class Workbook:
    file_name: str
    sheets: list[Sheet]


def extension_of(file_name: str) -> str:
    return PurePath(file_name).suffix.lower()


def check_file(file_name: str, data: bytes) -> None:
    """Refuse what must not be parsed: wrong type, too big, zip bomb, XML entities, NUL characters."""
    _check_file(file_name, data, on_sheet=None)


def _check_file(file_name: str, data: bytes, on_sheet: Callable[[str, bytes], None] | None) -> None:
    settings = load_settings()
    extension = extension_of(file_name)
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(f"only .xlsx, .xlsm and .csv files are read, not '{extension or 'no extension'}'")
    if len(data) > settings.max_upload_bytes:
        raise FileRefused(f"the file is {len(data) / MB:.1f} MB; the limit is {settings.max_upload_bytes / MB:g} MB")
    if extension == ".csv":
        _check_csv(data)
    else:
        _check_workbook(data, extension, settings.max_unpacked_bytes, on_sheet)


def _check_csv(data: bytes) -> None:
    if data.startswith((b"PK\x03\x04", b"MZ", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x7fELF")) or b"\x00" in data:
        raise FileRefused("the file is not a CSV text file (it looks like a binary file)")


def _check_workbook(
    data: bytes, extension: str, max_unpacked: int, on_sheet: Callable[[str, bytes], None] | None = None
) -> None:
    """Refuse a package that is not a workbook, unpacks past the limit, or holds XML entities or NUL
    characters. With ``on_sheet``, the worksheets of the sheets not marked hidden are read whole,
    after every other part, checked, and handed to ``on_sheet(part name, bytes)``."""
    if data.startswith(_OLE_COMPOUND) and "EncryptedPackage".encode("utf-16-le") in data:
        # Excel saves a workbook with a password to open as an encrypted package inside an OLE file
        raise FileRefused(PASSWORD_PROTECTED)
    if not data.startswith(b"PK\x03\x04"):
        raise FileRefused(f"the file is not a real {extension} workbook (an Excel workbook is a zip package)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise FileRefused(f"the file is not a real {extension} workbook (no workbook part inside)")
            if any(member.flag_bits & 0x1 for member in members):
                raise FileRefused(
                    f"the {extension} workbook is zipped with a password: save it from Excel without "
                    "one and upload it again"
                )
            unpacked = sum(member.file_size for member in members)
            if unpacked > max_unpacked:
                raise FileRefused(
                    f"the workbook unpacks to {unpacked / MB:.0f} MB; the limit is {max_unpacked / MB:g} MB"
                )
            sheets = set(_sheet_targets(package, visible_only=True).values()) if on_sheet else set()
            for member in members:
                if member.filename not in sheets and member.filename.endswith((".xml", ".rels")):
                    _check_xml_part(package, member)
            for member in members:
                if on_sheet is not None and member.filename in sheets:
                    xml = _read_part(package, member)
                    _check_xml(member.filename, xml, _looks_utf16(xml))
                    on_sheet(member.filename, xml)
    except FileRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, RuntimeError, ValueError) as error:
        # what zipfile raises for a damaged package: OSError (a bzip2 part that does not decompress),
        # RuntimeError (encryption), ValueError (an offset pointing before the file's start)
        raise FileRefused(f"the file is not a readable {extension} workbook (damaged zip: {error})") from error


# A DOCTYPE may follow comments of any length, and UTF-16 parts spell it with NUL bytes.
_FORBIDDEN_XML = tuple(
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_DECLARATION = re.compile(rb"<!")  # compiled regexes search a large part faster than ``in``
_NUL_ESCAPE = re.compile(rb"_x0000_")


def _check_xml_part(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Stream the whole part through ``_check_xml`` (never all in memory), in windows that overlap
    by a marker's length."""
    overlap = max(len(marker) for marker in _FORBIDDEN_XML) - 1
    tail = b""
    utf16 = None
    with package.open(member) as part:
        while chunk := part.read(1 << 20):
            if utf16 is None:
                utf16 = _looks_utf16(chunk)
            window = tail + chunk
            _check_xml(member.filename, window, utf16)
            tail = window[-overlap:]


def _looks_utf16(start: bytes) -> bool:
    return start.startswith((b"\xff\xfe", b"\xfe\xff")) or start[1:2] == b"\x00" or start[:1] == b"\x00"


def _check_xml(part_name: str, xml: bytes, utf16: bool) -> None:
    """No entity declarations anywhere (entity expansion), and no NUL characters (``_x0000_``),
    which no spreadsheet cell holds and databases refuse."""
    if (utf16 or _DECLARATION.search(xml)) and any(marker in xml for marker in _FORBIDDEN_XML):
        raise FileRefused(f"the workbook part {part_name} declares XML entities, which are not allowed")
    if not utf16 and (b"\x00" in xml or _NUL_ESCAPE.search(xml)):
        raise FileRefused(
            f"the workbook part {part_name} holds NUL characters (code 0), "
            "which a spreadsheet cannot hold: the file is damaged or not made by Excel"
        )


def _read_part(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The whole part. Its declared size is within the unpacked limit; reading stops one byte past
    it, so a part that inflates to more than it declares is refused instead of being trusted."""
    probe = copy.copy(member)
    probe.file_size = member.file_size + 1  # zipfile alone would stop silently at the declared size
    try:
        with package.open(probe) as part:
            xml = part.read(probe.file_size)
    except zipfile.BadZipFile as error:  # the CRC of what was read does not match
        raise FileRefused(
            f"the workbook part {member.filename} cannot be read: the file is damaged ({error})"
        ) from error
    if len(xml) > member.file_size:
        raise FileRefused(
            f"the workbook part {member.filename} cannot be read: it unpacks to more than its declared "
            "uncompressed size (the file is damaged or made to deceive)"
        )
    return xml


def read_file(file_name: str, data: bytes) -> Workbook:
    """Check then read every sheet of the file into rows of raw cell values."""
    if extension_of(file_name) == ".csv":
        check_file(file_name, data)
        return Workbook(file_name, [Sheet(PurePath(file_name).stem, False, _csv_rows(data))])
    scans = _SheetScans()
    try:
        _check_file(file_name, data, on_sheet=scans.add)
        return Workbook(file_name, _workbook_sheets(data, scans))
    finally:
        scans.close()


_WORKBOOK_PART_LIMIT = 1 << 20


def sheet_names(file_name: str, data: bytes) -> list[str]:
    """The sheet names a file declares, read from its workbook part alone (a CSV's is its stem);
    none for a file that cannot be opened, which ``read_file`` then refuses with its reason."""
    if extension_of(file_name) == ".csv":
        return [PurePath(file_name).stem]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            member = package.getinfo("xl/workbook.xml")
            if member.file_size > _WORKBOOK_PART_LIMIT:
                return []
            xml = _read_part(package, member)
    except Exception:  # noqa: BLE001 - only an ordering hint: read_file says what is wrong with the file
        return []
    return [
        _xml_unescape(name.decode("utf-8", "replace"))
        for tag in _sheet_tags(xml)
        if (name := tag.get(b"name")) is not None
    ]


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


class _SheetScans:
    """What the checks learn from each worksheet's bytes before calamine opens the workbook: its
    used range, measured at once, and its problem cells, found by one worker thread. The last
    sheet's scan waits for ``start()``, called as calamine starts reading: calamine needs the GIL
    to open the file but not to parse a sheet, so the scan then runs alongside. At most one
    sheet's bytes wait."""

    def __init__(self) -> None:
        self._used_ranges: dict[str, tuple[int, int]] = {}
        self._problems: dict[str, list[Future[dict[tuple[int, int], Any]]]] = {}
        self._waiting: tuple[str, bytes] | None = None
        self._hidden_rows: dict[str, frozenset[int]] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="problem-cells")

    def add(self, part_name: str, xml: bytes) -> None:
        rows, columns = _used_range(part_name, xml)
        before = self._used_ranges.get(part_name, (0, 0))  # a name twice in the zip: the larger range
        self._used_ranges[part_name] = (max(rows, before[0]), max(columns, before[1]))
        self._hidden_rows[part_name] = self._hidden_rows.get(part_name, frozenset()) | _hidden_rows(xml)
        self.start()  # at most one sheet's bytes wait
        self._waiting = (part_name, xml)

    def hidden_rows(self, part_name: str | None) -> frozenset[int]:
        return frozenset() if part_name is None else self._hidden_rows.get(part_name, frozenset())

    def start(self) -> None:
        if self._waiting is not None:
            part_name, xml = self._waiting
            self._waiting = None
            self._problems.setdefault(part_name, []).append(self._worker.submit(_problem_cells, xml))

    def used_range(self, package: zipfile.ZipFile, part_name: str) -> tuple[int, int]:
        if part_name not in self._used_ranges:  # a part the checks streamed (workbook.xml marks its
            for member in package.infolist():  # sheet hidden, or it is not a known worksheet)
                if member.filename == part_name:
                    self.add(part_name, _read_part(package, member))
        return self._used_ranges.get(part_name, (0, 0))

    def problems(self, part_name: str | None) -> dict[tuple[int, int], Any]:
        self.start()
        found: dict[tuple[int, int], Any] = {}
        for scan in [] if part_name is None else self._problems.get(part_name, []):
            found.update(scan.result())
        return found

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)  # no thread outlives the read


def _workbook_sheets(data: bytes, scans: _SheetScans) -> list[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:
        raise FileRefused(f"the workbook cannot be read: {error}") from error
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            targets = _sheet_targets(package)
            date_1904 = _uses_1904_dates(package)
            names = set(package.namelist())
            visible = [
                m.name
                for m in workbook.sheets_metadata
                if m.typ == python_calamine.SheetTypeEnum.WorkSheet
                and m.visible == python_calamine.SheetVisibleEnum.Visible
            ]
            for name in visible:  # before calamine builds the sheet's grid
                target = targets.get(name)
                parts = [target] if target in names else [n for n in names if n not in targets.values()]
                _check_used_range(name, [scans.used_range(package, part) for part in parts])
        scans.start()
        sheets = []
        for metadata in workbook.sheets_metadata:
            if metadata.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            hidden = metadata.visible != python_calamine.SheetVisibleEnum.Visible
            rows: list[list[Any]] = []
            if not hidden:
                try:
                    rows = workbook.get_sheet_by_name(metadata.name).to_python(skip_empty_area=False)
                except Exception as error:
                    raise FileRefused(f"the sheet '{metadata.name}' cannot be read: {error}") from error
                for (row, column), marker in scans.problems(targets.get(metadata.name)).items():
                    while len(rows) <= row:
                        rows.append([])
                    while len(rows[row]) <= column:
                        rows[row].append("")
                    rows[row][column] = marker
            sheets.append(
                Sheet(
                    metadata.name,
                    hidden,
                    rows,
                    date_1904,
                    scans.hidden_rows(targets.get(metadata.name)) if not hidden else frozenset(),
                )
            )
    finally:
        workbook.close()
    return sheets


# --- Sheets whose used range is too big to read ---------------------------------------

# Calamine builds a dense grid from A1 to the last cell holding a value, so one stray cell
# at XFD1048576 asks for 17 billion cells (the process aborts). The used range is measured
# on the sheet XML first; 5 million cells is about 200k rows of 25 columns.
MAX_SHEET_CELLS = 5_000_000


def _check_used_range(sheet_name: str, used_ranges: list[tuple[int, int]]) -> None:
    last_row = max((rows for rows, _ in used_ranges), default=0)
    last_column = max((columns for _, columns in used_ranges), default=0)
    if last_row * last_column > MAX_SHEET_CELLS:
        raise FileRefused(
            f"the sheet '{sheet_name}' uses cells as far as row {last_row:,} and column {_column_letters(last_column)} "
            f"({last_row * last_column:,} cells; the limit is {MAX_SHEET_CELLS:,}): delete the rows and columns "
            "beyond the table (Ctrl+End in Excel goes to the last used cell) and save the file again"
        )


def _used_range(part_name: str, xml: bytes) -> tuple[int, int]:
    """(last row, last column), 1-based, as far as calamine may place a cell holding a value."""
    found = _range_of_excel_cells(xml)
    return found if found is not None else _used_range_of_cells(part_name, xml)


_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]{1,3}\d+:)?([A-Z]{1,3})(\d+)"')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_EXCEL_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')
_LETTERS, _DIGITS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0123456789"


def _range_of_excel_cells(xml: bytes) -> tuple[int, int] | None:
    """When every cell tag is written as Excel writes it (``<c r="B7" s="1" t="s">``: one ``r``,
    first, then plain attributes), the range the sheet's ``<dimension>`` declares or, failing that,
    the one its first and last cells reach, once a search shows no cell beyond it; None otherwise,
    or when that range is over the limit (the cell-by-cell measure then finds the range to report).

    A few regex searches of the whole part instead of one match per cell (a 100,000-row return
    has over a million cells). Any other spelling of a cell (``<c s="1" r=..``, ``<x:c``, a
    lowercase reference, a second ``r``, a quoted ``>``) leaves the sheet to the cell-by-cell measure."""
    table_start = xml.find(b"<sheetData")
    if table_start == -1 or _PREFIXED_CELL.search(xml):
        return None
    declared = _DIMENSION.search(xml, 0, table_start)
    ends = _EXCEL_CELL.findall(xml, table_start, table_start + 65536) + _EXCEL_CELL.findall(xml, len(xml) - 65536)
    candidates = [(int(declared.group(2)), _column_index(declared.group(1)) + 1)] if declared else []
    if ends:
        candidates.append(
            (max(int(digits) for _, digits in ends), max(_column_index(letters) for letters, _ in ends) + 1)
        )
    for rows, columns in candidates:  # a dimension counts styled empty cells: over the limit, measure
        if rows * columns <= MAX_SHEET_CELLS and _all_cells_within(xml, rows, columns):
            return rows, columns
    return None


def _all_cells_within(xml: bytes, rows: int, columns: int) -> bool:
    """Whether every ``<c`` tag is in Excel's form with ``r`` inside A1 to (rows, columns)."""
    other_cell = re.compile(  # a cell tag not in Excel's form, or beyond the range
        rb'<c(?! r="'
        + _at_most(_column_letters(columns).encode(), _LETTERS, b"[A-Z]")
        + _at_most(b"%d" % rows, _DIGITS, rb"\d")
        + rb'"(?: (?!r=)[\w:.-]++="[^"]*+")*+/?>)[\s>/]'
    )
    return other_cell.search(xml) is None


def _at_most(text: bytes, alphabet: bytes, any_character: bytes) -> bytes:
    """A regex for the strings of ``alphabet`` no later than ``text`` when shorter strings come first,
    as column letters and row numbers sort ("M" -> A to M; "12" -> one digit, 0x, 10, 11 or 12)."""
    choices = [any_character + b"{1,%d}" % (len(text) - 1)] if len(text) > 1 else []
    for position, character in enumerate(text):
        before = alphabet[: alphabet.index(character)]
        if before:
            rest = any_character + b"{%d}" % (len(text) - position - 1)
            choices.append(re.escape(text[:position]) + b"[" + before + b"]" + rest)
    return b"(?:" + b"|".join([*choices, re.escape(text)]) + b")"


# Row and cell tags (any prefix) as a conforming parser reads well-formed XML, a quoted value
# holding ">" included: closing "/", name, attributes. Comments, CDATA and processing
# instructions are matched only to be skipped.
_MARKUP = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"""|<(/?)(?:[^\s>:<]*+:)*+(row|c)(?=[\s/>])((?:[^>"']++|"[^"]*+"|'[^']*+')*+)>""",
    re.DOTALL,
)
_ATTRIBUTES = re.compile(rb"""([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROW_OR_CELL = re.compile(rb"<(?:[^\s>:<]*+:)*+(?:row|c)[\s/>]")
_CELL_ADDRESS = re.compile(rb"([A-Za-z]+)(\d+)")


def _used_range_of_cells(part_name: str, xml: bytes) -> tuple[int, int]:
    """The used range cell by cell, placing cells as calamine does: a cell at its ``r``, else after
    the cell before it; a row at its ``r``, else after the row before; an empty cell (``<c/>``) only
    moves the next one. The part must be well-formed XML with no row or cell inside a cell, so
    that the tags read here are the ones calamine reads."""
    if not _ROW_OR_CELL.search(xml):
        return 0, 0
    _check_well_formed(part_name, xml)
    last_row = last_column = row = column = 0  # row, column: 0-based, where a cell without r= goes
    in_cell = False
    for match in _MARKUP.finditer(xml):
        closing, name, attributes = match.groups()
        if name is None:  # a comment, CDATA or processing instruction
            continue
        if closing and name == b"c":
            in_cell = False
            continue
        if in_cell:  # calamine skips what a cell holds, and a cell never holds rows or cells
            raise FileRefused(f"the workbook part {part_name} cannot be read: a row or cell inside a cell")
        empty = attributes.endswith(b"/")
        reference = None if closing else _r_attribute(attributes)
        if name == b"row":
            if reference is not None:
                if not reference.isdigit():
                    raise FileRefused(f"the workbook part {part_name} cannot be read: a row number is not a number")
                row = int(reference) - 1
            if closing or empty:
                row, column = row + 1, 0
            continue
        if reference is not None:
            address = _CELL_ADDRESS.fullmatch(reference)
            if address is None:
                raise FileRefused(f"the workbook part {part_name} cannot be read: a cell reference is not an address")
            cell_row, column = int(address.group(2)) - 1, _column_index(address.group(1).upper())
        else:
            cell_row = row
        if not empty:
            last_row, last_column = max(last_row, cell_row + 1), max(last_column, column + 1)
            in_cell = True
        column += 1
    return last_row, last_column


def _r_attribute(attributes: bytes) -> bytes | None:
    """The value of the ``r`` attribute among a tag's attributes (well-formed: at most one)."""
    if attributes.startswith(b' r="'):  # as Excel writes it
        return attributes[4 : attributes.index(b'"', 4)]
    if b"r" in attributes:
        for key, double, single in _ATTRIBUTES.findall(attributes):
            if key == b"r":
                value: bytes = double or single
                return value
    return None


def _check_well_formed(part_name: str, xml: bytes) -> None:
    """Refuse a worksheet that is not well-formed XML: calamine's parser is lenient, and a
    cell-by-cell measure of broken XML could miss cells calamine reads."""
    parser = expat.ParserCreate(encoding="iso-8859-1")  # structure only: any byte is a character

    def refuse_doctype(*_: Any) -> None:
        raise FileRefused(f"the workbook part {part_name} declares XML entities, which are not allowed")

    parser.StartDoctypeDeclHandler = refuse_doctype
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as error:
        raise FileRefused(
            f"the workbook part {part_name} cannot be read: it is damaged or not a worksheet "
            f"(not well-formed XML: {error})"
        ) from None


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
_FORMULA = re.compile(rb"<f\b[^<>]*?(?:/>|>([^<]*)</f>)")


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (letter - 64)
    return index - 1


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')


def _hidden_rows(xml: bytes) -> frozenset[int]:
    """Excel row numbers of the rows hidden in one worksheet (``<row r="5" hidden="1">``)."""
    if b"hidden=" not in xml:
        return frozenset()
    return frozenset(
        int(number.group(1)) for row in _HIDDEN_ROW.finditer(xml) if (number := _ROW_NUMBER.search(row.group(0)))
    )


def _problem_cells(xml: bytes) -> dict[tuple[int, int], Any]:
    """Cells of one worksheet holding Excel errors or formulas without cached values, by 0-based
    (row, column)."""
    found: dict[tuple[int, int], Any] = {}
    for start, end in _cells_with(xml, (b"<f", b't="e"')):
        cell = xml[start : end + 4]
        tag_end = cell.find(b">")
        if tag_end == -1 or cell[tag_end - 1 : tag_end] == b"/":
            continue
        opening = cell[: tag_end + 1]
        reference = _CELL_REF.search(opening)
        if reference is None:
            continue
        position = (int(reference.group(2)) - 1, _column_index(reference.group(1)))
        value = _VALUE.search(cell)
        if b't="e"' in opening and value is not None:
            found[position] = ExcelError(value.group(1).decode("utf-8", "replace"))
        elif b"<f" in cell and (value is None or value.group(1) == b""):
            if b't="str"' in opening and value is not None:
                continue  # a formula whose cached value is the empty string
            formula = _FORMULA.search(cell)
            text = (formula.group(1) or b"").decode("utf-8", "replace") if formula else ""
            found[position] = UncachedFormula(_xml_unescape(text))
    return found


def _cells_with(xml: bytes, markers: tuple[bytes, ...]) -> Iterator[tuple[int, int]]:
    """(start, end) of each ``<c ...>...</c>`` element holding one of ``markers``, ``end`` being
    where its ``</c>`` starts. Each search starts where the one before it stopped, so the time is
    linear in the part's size whatever it holds (a hostile part must not make it quadratic)."""
    starts: set[int] = set()
    for marker in markers:
        previous = 0
        position = xml.find(marker)
        while position != -1:
            start = xml.rfind(b"<c ", previous, position)  # none: the same cell as the previous marker
            if start != -1:
                starts.add(start)
            previous = position
            position = xml.find(marker, position + 2)

    def first(what: bytes, start: int) -> int:
        found = xml.find(what, start)
        return len(xml) if found == -1 else found

    close = following = -1  # the first "</c>" and the first "<c " after the current start
    for start in sorted(starts):
        if close < start:
            close = first(b"</c>", start)
        if following <= start:
            following = first(b"<c ", start + 1)
        if close < following:  # closed before the next cell starts
            yield start, close


_DATE_1904 = re.compile(rb"""<(?:\w+:)?workbookPr\b[^>]*?\bdate1904\s*=\s*["'](?:1|true)["']""")


def _uses_1904_dates(package: zipfile.ZipFile) -> bool:
    """Whether workbook.xml sets the 1904 date system (``<workbookPr date1904="1"/>``). Calamine reads
    cells formatted as dates by it; a plain number in a date column needs it too."""
    try:
        return _DATE_1904.search(package.read("xl/workbook.xml")) is not None
    except KeyError:
        return False


def _sheet_tags(workbook_xml: bytes) -> Iterator[dict[bytes, bytes]]:
    """The attributes of each sheet workbook.xml declares, in order (in any order within a tag;
    ``r:id`` is found as ``id``)."""
    for tag in _SHEET_TAG.finditer(workbook_xml):
        yield dict(_ATTRIBUTE.findall(tag.group(0)))


def _sheet_targets(package: zipfile.ZipFile, visible_only: bool = False) -> dict[str, str]:
    """Map sheet names to the worksheet XML parts inside the package; with ``visible_only``, leave
    out the sheets workbook.xml marks hidden (a guess used to read parts early: calamine decides)."""
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
    for attributes in _sheet_tags(workbook_xml):
        name, relationship_id = attributes.get(b"name"), attributes.get(b"id")
        target = relationships.get(relationship_id.decode()) if relationship_id else None
        if visible_only and attributes.get(b"state") in (b"hidden", b"veryHidden"):
            continue
        if name is not None and target:
            targets[_xml_unescape(name.decode("utf-8"))] = target
    return targets
