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
    if data.startswith((b"PK\x03\x04", b"MZ", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x7fELF")) or b"\x00" in data[:65536]:
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
                    with package.open(member) as part:
                        head = part.read(2048)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise FileRefused(f"the workbook part {member.filename} declares XML entities, which are not allowed")
    except zipfile.BadZipFile as error:
        raise FileRefused(f"the file is not a readable {extension} workbook (damaged zip: {error})") from error


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
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]


def _workbook_sheets(data: bytes) -> list[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - calamine raises several kinds
        raise FileRefused(f"the workbook cannot be read: {error}") from error
    problems = _problem_cells(data)
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


# --- Excel errors and formulas without a cached value ------------------------------

_SHEET_ENTRY = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?(?:r:id|\w+:id)="([^"]*)"')
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
    for name, relationship_id in _SHEET_ENTRY.findall(workbook_xml):
        target = relationships.get(relationship_id.decode())
        if target:
            targets[_xml_unescape(name.decode("utf-8"))] = target
    return targets
