"""Downloads are safe to open in Excel: text that would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from dashboard.exports import (
    csv_bytes,
    excel_bytes,
    neutralise,
    safe_file_stem,
    sheet_name,
)
from data_access.importer import Problem
from ui.upload_flow import annotated_copy

DANGEROUS = ["=1+1", "+44 20 7946 0000", "-2+3", "@SUM(A1:A2)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x","y")']
HARMLESS = ["Sefton", "", " =not first", "e-mail", "1-2", "Q1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_starting_like_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", HARMLESS + [-12.5, 0, 3, None, True])
def test_other_values_are_kept(value):
    assert neutralise(value) == value


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Text": DANGEROUS + HARMLESS[:1],
            "Number": [-1.5] * (len(DANGEROUS) + 1),
            "=Header": ["x"] * (len(DANGEROUS) + 1),
        }
    )


def _one_line(texts: list[str]) -> list[str]:
    return [text for text in texts if "\r" not in text and "\n" not in text]


def test_csv_export_neutralises_cells_and_headers():
    frame = _frame()
    frame = frame[frame["Text"].isin(_one_line(list(frame["Text"])))]
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Text", "Number", "'=Header"]
    assert [row[0] for row in rows[1:]] == ["'" + text for text in _one_line(DANGEROUS)] + ["Sefton"]
    assert {row[1] for row in rows[1:]} == {"-1.5"}  # numbers stay numbers


def test_csv_export_keeps_a_cell_with_a_line_break_in_one_cell():
    frame = pd.DataFrame({"Text": ["\r=cmd", "note\r=HYPERLINK(1)", "a\nb"]})
    text = csv_bytes(frame).decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:] == [
        "'\r=cmd",
        "note\r=HYPERLINK(1)",
        "a\nb",
    ]


def test_excel_export_holds_no_formula():
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"A very long sheet name that Excel would refuse": _frame()})))
    sheet = book.worksheets[0]
    assert sheet.title == "A very long sheet name that Exc"
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    shown = [cell.value.replace("_x000D_", "\r") for cell in sheet["A"][1:]]  # how xlsx stores a carriage return
    assert shown == ["'" + text for text in DANGEROUS] + ["Sefton"]
    assert {cell.value for cell in sheet["B"][1:]} == {-1.5}
    assert sheet["C1"].value == "'=Header"


def test_the_error_workbook_of_an_upload_holds_no_formula():
    problem = Problem("x.csv", "x", 2, "LA", "unknown LA '=HYPERLINK(\"http://evil\")'")
    data = annotated_copy("x.csv", b"LA,Days\n=1+2,-3\n", [problem])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert not [cell.coordinate for sheet in book for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert book["Errors"]["E2"].value.startswith("unknown LA")
    assert book["x"]["A2"].value == "'=1+2"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("burn_up_2018/028_2019-20", "burn_up_2018-028_2019-20"),  # a contract reference with a slash
        ("a[b]:c*d?e\\f", "a-b--c-d-e-f"),
        ("'quoted'", "quoted"),
        ("x" * 40, "x" * 31),
    ],
)
def test_sheet_names_are_ones_excel_accepts(name, expected):
    assert sheet_name(name) == expected
    workbook = openpyxl.load_workbook(io.BytesIO(excel_bytes({name: pd.DataFrame({"A": [1]})})))
    assert workbook.sheetnames == [expected]


def test_download_file_names_have_no_path_characters():
    assert safe_file_stem("burn_up_2018/028_2019-20") == "burn_up_2018-028_2019-20"
    assert safe_file_stem('a\\b:c*d?e"f<g>h|i') == "a-b-c-d-e-f-g-h-i"


def test_tables_show_dates_and_money_one_way():
    """Every chart's table: dates as 31/03/2024 (with the time only where there is one), £ columns
    as money; other columns as they are."""
    from datetime import date

    from ui.components import column_formats

    table = pd.DataFrame(
        {
            "Due": pd.to_datetime(["2024-03-31", "2024-04-30"]),
            "When (UTC)": pd.to_datetime(["2024-03-31 09:15", "2024-04-30 00:00"]),
            "Start": [date(2021, 6, 1), None],
            "Spent (£)": [114112.5, 0.0],
            "Days left": [16, 46],
            "Contract": ["con_9887", "project_5369"],
        }
    )
    formats = {
        column: {name: config["type_config"][name] for name in ("type", "format")}
        for column, config in column_formats(table).items()
    }
    assert formats == {
        "Due": {"type": "date", "format": "DD/MM/YYYY"},
        "When (UTC)": {"type": "datetime", "format": "DD/MM/YYYY HH:mm"},
        "Start": {"type": "date", "format": "DD/MM/YYYY"},
        "Spent (£)": {"type": "number", "format": "accounting"},
    }


def test_milestone_days_to_due_date_are_whole_numbers_in_csv_and_excel():
    """A count of days is written 30, not 30.0; a milestone done has none (a blank cell)."""
    from datetime import date

    from dashboard.records import Milestone
    from dashboard.views.timelines import milestone_table

    as_of = date(2022, 3, 31)
    table = milestone_table(
        [
            Milestone("C-1", "Done", date(2022, 3, 1), date(2022, 2, 27)),
            Milestone("C-1", "Soon", date(2022, 4, 30), None),
            Milestone("C-1", "Later", date(2022, 7, 30), None),
        ],
        as_of,
    )
    rows = list(csv.DictReader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))
    # overdue first, then due soon, then the rest (the Timelines page's order)
    assert [row["Days to due date"] for row in rows] == ["30", "", "121"]
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Milestones": table}))).worksheets[0]
    days = [cell.value for cell in sheet["F"][1:]]
    assert days == [30, None, 121] and all(type(value) is int for value in (days[0], days[2]))


def test_finance_flags_line_and_excel_row_are_numbers_in_excel():
    """The line and Excel row of a flag are numbers (blank for a flag on no one line); a flag on
    several lines has its first row there and the others listed beside it."""
    from datetime import date
    from decimal import Decimal

    from dashboard.records import Allocation, ContractTerms, InvoiceLine
    from dashboard.views.finance import flag_table

    terms = ContractTerms(
        "C-1",
        "T",
        "S",
        "Leadership development",
        None,
        date(2021, 4, 1),
        date(2024, 3, 31),
        day_rate_cap=Decimal("600"),
    )

    def line(number, heading, amount, invoice="INV-1", days=None, rate=None, quarter=1, dated=date(2021, 7, 10)):
        return InvoiceLine(
            "C-1", invoice, number, "2021-22", quarter, heading, None, None, days, rate, Decimal(amount), None, dated
        )

    lines = [
        line(1, "Delivery", "700", days=Decimal("1"), rate=Decimal("700")),  # above the cap
        line(1, "Delivery", "100", invoice="INV-2", quarter=2, dated=date(2021, 11, 30)),  # late
        line(2, "Delivery", "100", invoice="INV-2", quarter=2, dated=date(2021, 11, 30)),
    ]
    sources = {
        ("C-1", "INV-1", 1): ("return.xlsx", 12),
        ("C-1", "INV-2", 1): ("return.xlsx", 36),
        ("C-1", "INV-2", 2): ("return.xlsx", 37),
    }
    table = flag_table(
        [terms], [Allocation("C-1", "Delivery", "2021-22", Decimal("5000"))], lines, date(2022, 3, 31), sources
    )
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Finance flags": table}))).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    found = {
        row[0]: (row[header.index("Line")], row[header.index("Excel row")], row[header.index("Other Excel rows")])
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert found == {"Day rate above cap": (1, 12, None), "Invoice more than 30 days late": (None, 36, "37")}
    assert {type(value) for flag in found.values() for value in flag[:2] if value is not None} == {int}
