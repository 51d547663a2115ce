"""The Board pack as a PDF: the same sections as the Excel pack, drawn from what it wrote.

``board_pack_pdf(sections)`` takes the sections the Excel pack wrote
(``board_pack.board_pack_sections``): one part per sheet (cover, status grid, changes, KPIs,
coverage, finance, timelines), each table with its header row repeated on every page it runs
onto, each chart as its image under a line saying what it shows; every page a section runs onto
starts with its title, "(continued)". Because both come from the same sections, the PDF's
figures are the Excel pack's.

fpdf2 draws it: a pure-Python, well-kept PDF library with tables that repeat their headers and
PNG images, and nothing to install outside Python. Text is set in DejaVu Sans where the system
has it (any character), else in the PDF's built-in Helvetica (Latin-1 only; other characters
become "?").
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.board_pack import PackImage, PackSection, PackTable, is_number
from dashboard.wording import counted

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
PAGE_WIDTH = 277  # A4 landscape less 10 mm margins, in mm
BODY, SMALL = 9, 7


def cell_text(value: Any, kind: str | None = None) -> str:
    """A cell as the Excel pack formats it: money "£1,234.50", rates "61.5%", percentages "92 %",
    days "1,042 days overdue" when negative, dates "15/03/2024", other numbers "26,517"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (pd.Timestamp, datetime, date)):
        timed = isinstance(value, datetime) and (value.hour or value.minute or value.second)
        return f"{value:%d/%m/%Y %H:%M}" if timed else f"{value:%d/%m/%Y}"
    if is_number(value):
        if kind == "money":
            return f"£{float(value):,.2f}"
        if kind == "rate":
            return f"{float(value) * 100:.1f}%"
        if kind == "percent":
            return f"{round(float(value) * 100)} %"
        if kind == "days" and value < 0:
            late = -int(value)
            return f"{late:,} {counted(late, 'day').split()[-1]} overdue"
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,g}"
    return str(value)


def _column_weight(header: str, texts: Sequence[str]) -> float:
    """A column's share of the page: enough for its longest word (never broken), and more for
    long texts, which wrap."""
    words = [len(word) for text in (header, *texts) for word in text.split()] or [1]
    return max(max(words), min(max(len(text) for text in (header, *texts)), 48) / 2, 4)


class _Pdf:
    def __init__(self) -> None:
        from fpdf import FPDF

        owner = self

        class _Pages(FPDF):
            def header(self) -> None:  # fpdf2 calls it on every new page, a table's page breaks too
                owner.continued_heading()

        self.pdf = _Pages(orientation="L", unit="mm", format="A4")
        self.pdf.set_margins(10, 10, 10)
        self.pdf.set_auto_page_break(True, margin=12)
        self.pdf.set_title("Improvement Oversight: Board pack")
        self.pdf.set_author("Department for Education")
        self.pdf.set_lang("en-GB")
        regular = next(
            (folder / "DejaVuSans.ttf" for folder in FONT_DIRS if (folder / "DejaVuSans.ttf").exists()), None
        )
        bold = regular.with_name("DejaVuSans-Bold.ttf") if regular else None
        if regular and bold and bold.exists():
            self.pdf.add_font("Body", "", str(regular))
            self.pdf.add_font("Body", "B", str(bold))
            self.family, self.unicode = "Body", True
        else:
            self.family, self.unicode = "Helvetica", False
        self.title = ""  # the section being drawn
        self.continuing = False  # a new page now continues the section (not its first page)

    def continued_heading(self) -> None:
        """A section's every later page starts with its title, "(continued)": a table or chart
        that runs onto a page of its own still says whose it is."""
        if self.continuing:
            self.heading(f"{self.title} (continued)", 16)

    def text(self, value: str) -> str:
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def heading(self, text: str, size: int) -> None:
        self.pdf.set_font(self.family, "B", size)
        self.pdf.multi_cell(0, size * 0.5, self.text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def paragraph(self, text: str, size: int = BODY) -> None:
        self.pdf.set_font(self.family, "", size)
        self.pdf.multi_cell(0, size * 0.5, self.text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def table(self, block: PackTable) -> None:
        self.heading(block.subtitle, 11)
        frame = block.frame
        if frame.empty:
            self.paragraph("Nothing to show.")
            return
        rows = [
            [self.text(cell_text(value, block.formats.get(column))) for column, value in zip(frame.columns, values)]
            for values in frame.itertuples(index=False)
        ]
        header = [self.text(str(column)) for column in frame.columns]
        widths = [_column_weight(header[at], [row[at] for row in rows]) for at in range(len(header))]
        size = BODY if len(header) <= 7 else SMALL
        self.pdf.set_font(self.family, "", size)
        with self.pdf.table(
            col_widths=widths,
            text_align="LEFT",
            repeat_headings=1,
            line_height=size * 0.55,
            first_row_as_headings=True,
            width=PAGE_WIDTH,
        ) as table:
            table.row(header)
            for row in rows:
                table.row(row)
        self.pdf.ln(3)

    def image(self, block: PackImage) -> None:
        from PIL import Image

        with Image.open(io.BytesIO(block.png)) as picture:
            width_px, height_px = picture.size
        width = min(PAGE_WIDTH, width_px * 0.2)
        height = width * height_px / width_px
        caption = 6 if block.caption else 0  # a line saying what the chart is, just above it (mm)
        own_page = self.pdf.get_y() + caption + height > self.pdf.h - 12
        if own_page:  # a page of its own, headed "continued"
            self.pdf.add_page()
        if block.caption:
            self.paragraph(f"Chart: {block.caption}")
        room = self.pdf.h - 13 - self.pdf.get_y()
        if own_page and height > room:  # on the page with its heading, smaller
            width, height = width * room / height, room
        self.pdf.image(io.BytesIO(block.png), w=width, h=height, alt_text=f"Chart: {block.name.replace('_', ' ')}")
        self.pdf.ln(3)

    def section(self, section: PackSection) -> None:
        self.continuing = False
        self.pdf.add_page()
        self.pdf.start_section(self.text(section.name))
        self.title = section.title
        self.heading(section.title, 16)
        self.continuing = True
        if section.note:
            self.paragraph(section.note)
        for block in section.blocks:
            if isinstance(block, PackTable):
                self.table(block)
            elif isinstance(block, PackImage):
                self.image(block)
            else:
                if block.heading:
                    self.heading(block.heading, 11)
                for line in block.lines:
                    self.paragraph(line)


def board_pack_pdf(sections: Sequence[PackSection]) -> bytes:
    """The PDF of the sections the Excel pack wrote (see the module docstring)."""
    document = _Pdf()
    for section in sections:
        document.section(section)
    return bytes(document.pdf.output())
