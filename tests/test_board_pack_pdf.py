"""The Board pack as a PDF: it opens, has the Excel pack's sections, and shows the Excel pack's figures."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader

from dashboard.board_pack import board_pack_sections
from dashboard.board_pack_pdf import board_pack_pdf, cell_text

AS_OF = date(2024, 3, 15)


@pytest.fixture(scope="module")
def packs(demo_records):
    workbook, sections = board_pack_sections(demo_records, AS_OF, [], date(2023, 12, 15))
    return openpyxl.load_workbook(io.BytesIO(workbook)), PdfReader(io.BytesIO(board_pack_pdf(sections)))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_opens_with_the_excel_packs_sections_in_its_outline(packs):
    workbook, pdf = packs
    assert [item.title for item in pdf.outline] == workbook.sheetnames == [
        "Cover", "Status", "Changes", "KPIs", "Coverage", "Finance", "Timelines", "Value for money", "Outcomes"]
    assert pdf.metadata.title == "Improvement Oversight: Board pack"
    assert len(pdf.pages) >= len(workbook.sheetnames)


def _table(sheet, first_header: str) -> tuple[list[str], list[tuple]]:
    rows = list(sheet.iter_rows(values_only=True))
    start = next(at for at, row in enumerate(rows) if row[0] == first_header)
    header = [str(name) for name in rows[start] if name is not None]
    body = []
    for row in rows[start + 1:]:
        if row[0] is None:
            break
        body.append(row[:len(header)])
    return header, body


@pytest.mark.parametrize(("sheet", "first_header", "formats"), [
    ("Status", "Contract", {}),
    ("Changes", "Contract", {}),
    ("KPIs", "Contract", {"Target": "rate", "Rate": "rate", "95 % CI low": "rate", "95 % CI high": "rate"}),
    ("Coverage", "Contract", {}),
])
def test_every_figure_of_the_excel_packs_tables_is_in_the_pdf(packs, sheet, first_header, formats):
    """Each cell of the sheet's first table, read back from the Excel pack and written as the pack
    formats it, is in the PDF (spaces aside: long texts wrap in the PDF's cells)."""
    workbook, pdf = packs
    text = _flat("".join(page.extract_text() for page in pdf.pages))
    header, body = _table(workbook[sheet], first_header)
    assert body
    for row in body:
        for column, value in zip(header, row):
            assert _flat(cell_text(value, formats.get(column))) in text, (sheet, column, value)


def test_the_command_line_writes_the_pdf_and_audits_it(demo_sqlite_url, tmp_path):
    import shutil

    from dashboard.board_pack import write_board_pack_from_database
    from data_access.access import last_board_pack_date
    from data_access.db import ready_engine

    copy = f"sqlite:///{tmp_path / 'demo.db'}"
    shutil.copy(demo_sqlite_url.removeprefix("sqlite:///"), tmp_path / "demo.db")
    out = write_board_pack_from_database(copy, AS_OF, tmp_path / "pack.pdf")
    assert out.read_bytes().startswith(b"%PDF") and len(PdfReader(out).outline) == 9
    assert last_board_pack_date(ready_engine(copy)) == AS_OF  # the next pack's changes start here
