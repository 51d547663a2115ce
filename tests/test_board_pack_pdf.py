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
from dashboard.changes import figure_kind

AS_OF = date(2024, 3, 15)


@pytest.fixture(scope="module")
def packs(demo_records):
    workbook, sections = board_pack_sections(demo_records, AS_OF, [], date(2023, 12, 15))
    return openpyxl.load_workbook(io.BytesIO(workbook)), PdfReader(io.BytesIO(board_pack_pdf(sections)))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_opens_with_the_excel_packs_sections_in_its_outline(packs):
    workbook, pdf = packs
    assert (
        [item.title for item in pdf.outline]
        == workbook.sheetnames
        == ["Cover", "Status", "Changes", "KPIs", "Coverage", "Finance", "Timelines", "Value for money", "Outcomes"]
    )
    assert pdf.metadata.title == "Improvement Oversight: Board pack"
    assert len(pdf.pages) >= len(workbook.sheetnames)


def _table(sheet, first_header: str) -> tuple[list[str], list[tuple]]:
    rows = list(sheet.iter_rows(values_only=True))
    start = next(at for at, row in enumerate(rows) if row[0] == first_header)
    header = [str(name) for name in rows[start] if name is not None]
    body = []
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        body.append(row[: len(header)])
    return header, body


@pytest.mark.parametrize(
    ("sheet", "first_header", "formats"),
    [
        ("Status", "Contract", {}),
        ("Changes", "Contract", {}),
        ("KPIs", "Contract", {"Target": "rate", "Rate": "rate", "95 % CI low": "rate", "95 % CI high": "rate"}),
        ("Coverage", "Contract", {}),
    ],
)
def test_every_figure_of_the_excel_packs_tables_is_in_the_pdf(packs, sheet, first_header, formats):
    """Each cell of the sheet's first table, read back from the Excel pack and written as the pack
    formats it, is in the PDF (spaces aside: long texts wrap in the PDF's cells)."""
    workbook, pdf = packs
    text = _flat("".join(page.extract_text() for page in pdf.pages))
    header, body = _table(workbook[sheet], first_header)
    assert body
    for row in body:
        for column, value in zip(header, row):
            kind = figure_kind(row[1]) if sheet == "Changes" and column in ("Then", "Now") else formats.get(column)
            assert _flat(cell_text(value, kind)) in text, (sheet, column, value)


def test_numbers_read_as_words_and_with_thousands_separators():
    """Days before a due date that are negative say how overdue; whole numbers have separators;
    a Changes rate reads as its whole percentage."""
    assert cell_text(-1042, "days") == "1,042 days overdue"
    assert cell_text(-1, "days") == "1 day overdue"
    assert cell_text(12, "days") == "12"
    assert cell_text(26517) == "26,517"
    assert cell_text(0.92, "percent") == "92 %"
    assert cell_text(0.0945) == "0.0945"


def test_figures_in_the_pdf_are_written_for_reading(packs):
    """No negative days and no costs without separators; a page that holds only a chart says whose it is."""
    workbook, pdf = packs
    pages = [page.extract_text() for page in pdf.pages]
    text = "\n".join(pages)
    start = next(at for at, page in enumerate(pages) if page.startswith("Contract timelines"))
    end = next(at for at, page in enumerate(pages) if page.startswith("Value for money"))
    assert not re.search(r"(^|\s)-\d", "\n".join(pages[start:end]), re.MULTILINE)  # days left, never negative
    assert re.search(r"\d days? overdue", text)
    costs = [
        value
        for row in workbook["Value for money"].iter_rows(values_only=True)
        for value in row
        if isinstance(value, (int, float)) and value >= 1000
    ]
    assert costs and all(_flat(cell_text(value, "money")) in _flat(text) or f"{value:,}" in text for value in costs)
    firsts = {pdf.get_destination_page_number(item) for item in pdf.outline}  # each section's first page
    for at, (page, text) in enumerate(zip(pdf.pages, pages)):
        lines = text.strip().splitlines()
        assert lines, "a page with nothing to read"
        assert sum(line.startswith("Chart: ") for line in lines) == len(page.images), lines  # every chart, in words
        if at not in firsts:  # a page a section (a table, a chart) runs onto says whose it is
            assert lines[0].endswith("(continued)"), lines
        if page.images and len(lines) <= 3:  # a chart on a page of its own says what it shows
            assert lines[1].startswith("Chart: "), lines
    assert sum(bool(page.images) and "(continued)" in text for page, text in zip(pdf.pages, pages)) >= 2
