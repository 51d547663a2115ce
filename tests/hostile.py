"""Hostile files built in code at test time (never committed as binaries).

``package(...)`` writes a minimal .xlsx zip by hand, part by part, so a test can
put exactly the XML it needs into a sheet (a cell at XFD1048576, an entity
declaration, a formula with no cached value) without openpyxl tidying it up.
Large parts are written by streaming (``ZipFile.open(..., "w")``) from
generators, so building a 300 MB zip bomb never holds 300 MB in memory.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

PROJECT_ROOT = Path(__file__).resolve().parents[1]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = f"{REL_NS}/worksheet"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

Part = bytes | Iterable[bytes]


# --- Cells and sheet XML --------------------------------------------------------------------


def column_letters(index: int) -> str:
    """1 -> A, 16384 -> XFD."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_xml(reference: str, value) -> str:
    """One ``<c>``: text as an inline string, numbers and booleans as values, None as nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def rows_xml(rows: dict[int, list] | list[list], first_row: int = 1) -> str:
    """``<row>`` elements for rows (a list from ``first_row``, or {row number: cells})."""
    numbered = rows.items() if isinstance(rows, dict) else enumerate(rows, start=first_row)
    out = []
    for number, values in numbered:
        cells = "".join(cell_xml(f"{column_letters(i)}{number}", v) for i, v in enumerate(values, start=1))
        out.append(f'<row r="{number}">{cells}</row>')
    return "".join(out)


def sheet_xml(body: str, dimension: str = "A1", prolog: str = "") -> bytes:
    """A worksheet part around ``body`` (``<row>`` elements); ``prolog`` goes before the root."""
    return (
        f'{XML_DECLARATION}{prolog}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    ).encode()


# --- Packages ----------------------------------------------------------------------------


def package(
    sheets: dict[str, Part],
    *,
    macro: bool = False,
    extra_parts: dict[str, Part] | None = None,
    extra_content_types: str = "",
    compresslevel: int = 6,
) -> bytes:
    """A minimal workbook package: ``sheets`` maps sheet names to worksheet XML (bytes or chunks)."""
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{WORKSHEET_CT}"/>'
        for i in range(1, len(names) + 1)
    )
    content_types = (
        f'{XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{XLSM_MAIN if macro else XLSX_MAIN}"/>'
        f"{overrides}{extra_content_types}</Types>"
    )
    root_rels = (
        f'{XML_DECLARATION}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    entries = "".join(
        f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    workbook = f'{XML_DECLARATION}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{entries}</sheets></workbook>'
    relationships = "".join(
        f'<Relationship Id="rId{i}" Type="{WORKSHEET_TYPE}" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    if macro:
        relationships += (
            f'<Relationship Id="rId{len(names) + 1}" '
            'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
        )
    workbook_rels = f'{XML_DECLARATION}<Relationships xmlns="{PKG_REL_NS}">{relationships}</Relationships>'
    parts: dict[str, Part] = {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": root_rels.encode(),
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": workbook_rels.encode(),
    }
    for i, name in enumerate(names, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheets[name]
    parts.update(extra_parts or {})
    return write_zip(parts, compresslevel=compresslevel)


def write_zip(parts: dict[str, Part], compresslevel: int = 6) -> bytes:
    """A deflated zip of ``parts``; a part given as chunks is streamed (never joined in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for name, content in parts.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
            else:
                with archive.open(name, "w", force_zip64=True) as member:
                    for chunk in content:
                        member.write(chunk)
    return buffer.getvalue()


def engagements_header() -> list[str]:
    return ["Contract reference", "Package ID", "LA", "Support type", "Participant ID", "Role", "Start date"]


def simple_sheet(rows: list[list], dimension: str = "A1") -> bytes:
    return sheet_xml(rows_xml(rows), dimension)


# --- The corpus -------------------------------------------------------------------------------


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def zeros(total_bytes: int, chunk: int = 1 << 20) -> Iterable[bytes]:
    block = b"\0" * chunk
    remaining = total_bytes
    while remaining > 0:
        yield block[: min(chunk, remaining)]
        remaining -= chunk


def zip_bomb(unpacked_mb: int = 300) -> bytes:
    """A real workbook plus one member that inflates to ``unpacked_mb`` MB of zeros (~0.3 MB packed)."""
    return package(
        {"Engagements": simple_sheet([engagements_header()])},
        extra_parts={"xl/media/padding.bin": zeros(unpacked_mb * 1_000_000)},
        compresslevel=1,
    )


def lying_sizes(data: bytes, member: str, declared: int) -> bytes:
    """``data`` with ``member``'s declared uncompressed size set to ``declared`` (and a CRC that
    matches that many bytes), so only a reader that believes the header is fooled."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
        crc = zlib.crc32(archive.read(member)[:declared])
    if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
        raise ValueError("lying_sizes needs a member without zip64 sizes")
    struct.pack_into("<I", patched, info.header_offset + 14, crc)
    struct.pack_into("<I", patched, info.header_offset + 22, declared)
    position = 0
    while True:
        position = patched.index(b"PK\x01\x02", position)
        name_length = struct.unpack_from("<H", patched, position + 28)[0]
        if bytes(patched[position + 46 : position + 46 + name_length]) == member.encode():
            break
        position += 4
    struct.pack_into("<I", patched, position + 16, crc)
    struct.pack_into("<I", patched, position + 24, declared)
    return bytes(patched)


def many_rows_part(rows: int, text: str = "x" * 100) -> Iterable[bytes]:
    """A worksheet part with ``rows`` rows of one inline string each, streamed."""
    yield f'{XML_DECLARATION}<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    cell = escape(text)
    batch = []
    for number in range(1, rows + 1):
        batch.append(f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>{cell}</t></is></c></row>')
        if len(batch) == 10000:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + "</sheetData></worksheet>").encode()


def billion_laughs(levels: int = 10) -> str:
    """A DOCTYPE whose entity ``lol{levels-1}`` expands to 10**levels copies of 'lol'."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return f"<!DOCTYPE worksheet [{''.join(entities)}]>"


def entity_sheet(levels: int = 10, padding: int = 0) -> bytes:
    """A sheet that uses a billion-laughs entity; ``padding`` bytes of comment push the DOCTYPE
    beyond the first bytes of the part."""
    prolog = (f"<!--{'x' * padding}-->" if padding else "") + billion_laughs(levels)
    body = f'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol{levels - 1};</t></is></c></row>'
    return sheet_xml(body, prolog=prolog)


def entity_shared_strings(levels: int = 10) -> bytes:
    return (
        f"{XML_DECLARATION}{billion_laughs(levels).replace('worksheet', 'sst')}"
        f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol{levels - 1};</t></si></sst>'
    ).encode()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # what a vbaProject.bin starts with

VBA_AUTO_OPEN = (
    b'Attribute VB_Name = "ThisWorkbook"\r\nSub Workbook_Open()\r\n  Shell "touch /tmp/pwned"\r\nEnd Sub\r\n'
)


def vba_project() -> bytes:
    """Bytes standing in for a vbaProject.bin (an OLE container holding an auto-run macro)."""
    return OLE_HEADER + VBA_AUTO_OPEN


# --- Running a read in a separate, memory-capped process ---------------------------------------


_CHILD = r"""
import json, sys, resource
limit = int(sys.argv[2]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from data_access.importer.reader import FileRefused, read_file
data = open(sys.argv[1], "rb").read()
try:
    workbook = read_file(sys.argv[3], data)
except FileRefused as error:
    print(json.dumps({"refused": str(error)}))
else:
    print(json.dumps({"sheets": [[s.name, len(s.rows), max((len(r) for r in s.rows), default=0)]
                                 for s in workbook.sheets]}))
"""


def read_in_capped_process(tmp_path: Path, file_name: str, data: bytes, memory_mb: int = 1500) -> dict:
    """``read_file`` run in a child process whose address space is capped at ``memory_mb``.

    A reader that inflates a bomb or materialises a huge grid dies (MemoryError or an
    abort) instead of taking the test run down; the caller asserts on the JSON it prints.
    """
    path = tmp_path / file_name
    path.write_bytes(data)
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(memory_mb), file_name],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"the reader died (exit {result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
