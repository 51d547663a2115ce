"""spreadsheets.md, every rejection: what the importer refuses, and how it says so.

Every error line is ``FILE:SHEET:ROW:COLUMN: message`` with ROW as Excel numbers it
and COLUMN the header as the workbook spells it. Files that must not be parsed are
refused before any parsing.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import date

import pytest

from tests.workbooks import (
    OMIT,
    Formula,
    SheetSpec,
    day_rate_row,
    engagement_row,
    finance_row,
    one_row,
    part,
    part_a_sheet,
    quarterly_return,
    run_import,
    shared_database,
    stored_survey_row,
    survey_row,
    table_counts,
    with_parts,
    xlsx,
)

db = shared_database("rejections")

ERROR_LINE = re.compile(r"^(?P<file>[^:]+):(?P<sheet>[^:]*):(?P<row>\d*):(?P<column>[^:]*): (?P<message>.+)$")


def errors_of(engine, workbook, name="return.xlsx", contract=None) -> list[str]:
    plan = run_import(engine, name, workbook, contract, dry_run=True).plan
    assert not plan.ok, "the workbook was accepted"
    lines = [str(problem) for problem in plan.errors]
    for line in lines:
        assert ERROR_LINE.match(line), f"not FILE:SHEET:ROW:COLUMN: message: {line!r}"
    return lines


def parts_of(line: str) -> tuple[str, str, str, str, str]:
    match = ERROR_LINE.match(line)
    return match["file"], match["sheet"], match["row"], match["column"], match["message"]


# --- One bad cell or row: where and what -----------------------------------------------------

SHEET_OF = {
    "engagements": "Engagements",
    "survey": "Survey",
    "finance": "Finance",
    "la_status": "LA status",
    "contracts": "Contracts",
    "day_rates": "Part B",
}
DATA_ROW = {"day_rates": 4}  # Part B has a labelled Contract reference cell and a blank row above its header

REJECTED = [
    # LAs
    ("engagements", {"LA": "Sefon"}, "LA", "unknown LA 'Sefon': did you mean Sefton"),
    ("engagements", {"LA": "Noplace Borough"}, "LA", "unknown LA 'Noplace Borough'"),
    ("engagements", {"LA": 999}, "LA", "unknown DfE LA code '999'"),
    ("engagements", {"LA": "E09999999"}, "LA", "unknown LA code 'E09999999'"),
    (
        "engagements",
        {"LA": "E06000065", "Start date": date(2022, 6, 1), "End date": None},
        "LA",
        "North Yorkshire (E06000065) did not exist on 01/06/2022",
    ),
    (
        "engagements",
        {"LA": "E10000023", "Start date": date(2023, 6, 1), "End date": None},
        "LA",
        "North Yorkshire (E10000023) did not exist on 01/06/2023: it was replaced by North Yorkshire (E06000065)",
    ),
    ("la_status", {"LA": "Yorkshire North"}, "LA", "unknown LA 'Yorkshire North'"),
    # dates
    (
        "engagements",
        {"End date": date(2021, 5, 31)},
        "End date",
        "the end date 31/05/2021 is before the start date 01/06/2021",
    ),
    ("engagements", {"Start date": "31/02/2021"}, "Start date", "February 2021 has 28 days"),
    ("engagements", {"Start date": "June 2021"}, "Start date", "expected a date such as 31/03/2022, got 'June 2021'"),
    ("engagements", {"Start date": None}, "Start date", "'Start date' is required and this cell is blank"),
    # enumerations and numbers
    ("engagements", {"Support type": "Mentoring"}, "Support type", "expected One-to-one"),
    ("engagements", {"Role": "Mayor"}, "Role", "expected one of Chief Executive"),
    ("engagements", {"Days delivered": -1}, "Days delivered", "expected a number of 0 or more"),
    ("survey", {"Confidence": 0}, "Confidence", "expected a whole number from 1 to 5, got 0"),
    ("survey", {"Confidence": 6}, "Confidence", "expected a whole number from 1 to 5, got 6"),
    ("survey", {"Confidence": 2.5}, "Confidence", "expected a whole number from 1 to 5, got 2.5"),
    ("survey", {"Confidence": "high"}, "Confidence", "expected a whole number from 1 to 5, got 'high'"),
    ("survey", {"Confidence": None}, "Confidence", "'Confidence' is required"),
    ("survey", {"Impact demonstrated": "maybe"}, "Impact demonstrated", "expected Yes or No"),
    # an unreadable cell is one error, not also "required"
    (
        "survey",
        {"Stage": "Follow-up", "Response date": date(2021, 10, 1), "Impact demonstrated": "maybe"},
        "Impact demonstrated",
        "expected Yes or No",
    ),
    ("finance", {"Financial year": "2022-24"}, "Financial year", "2022-24"),
    ("la_status", {"SEND WSoA": "sometimes"}, "SEND WSoA", "expected Yes or No"),
    ("la_status", {"ILACS judgement": "Fine"}, "ILACS judgement", "expected one of Outstanding"),
    ("contracts", {"KPI target": "150%"}, "KPI target", "expected a percentage"),
    ("contracts", {"End date": date(2021, 3, 1)}, "End date", "the end date is before the start date"),
    # money
    ("finance", {"Amount": "12,34"}, "Amount", "expected an amount in pounds such as £1,234.50, got '12,34'"),
    ("finance", {"Amount": "twelve"}, "Amount", "expected an amount in pounds"),
    ("finance", {"Amount": None}, "Amount", "'Amount' is required"),
    # survey rules
    (
        "survey",
        {"Participant ID": "P-GHOST"},
        "Participant ID",
        "participant 'P-GHOST' of package 'PKG-STORED' is not in Engagements (in this file or already stored) for contract CON-1",
    ),
    *[
        (
            "survey",
            {"Stage": stage, "Impact demonstrated": None},
            "Impact demonstrated",
            "'Impact demonstrated' (yes or no) is required for a follow-up response",
        )
        for stage in ("Follow-up", "Post", "3 month follow-up")
    ],
    # finance rules
    (
        "finance",
        {"Expenditure heading": "Peer mentor"},
        "Expenditure heading",
        "'Peer mentor' is not an expenditure heading of CON-1's pricing schedule: did you mean Peer mentors",
    ),
    (
        "finance",
        {"Expenditure heading": "Catering"},
        "Expenditure heading",
        "'Catering' is not an expenditure heading of CON-1's pricing schedule",
    ),
    ("finance", {"Contract reference": "CON-2"}, "Expenditure heading", "import the contract's pricing schedule first"),
    ("finance", {"Quarter": "Q5"}, "Quarter", "expected a quarter Q1 to Q4"),
    (
        "finance",
        {"Quarter": date(2021, 6, 15), "Financial year": None},
        "Quarter",
        "15/06/2021 is not the last day of a quarter",
    ),
    (
        "finance",
        {"Quarter": "Q1", "Financial year": None},
        "Financial year",
        "'Financial year' is required unless 'Quarter' is the quarter's end date",
    ),
    (
        "finance",
        {"Quarter": date(2021, 6, 30), "Financial year": "2022-23"},
        "Quarter",
        "the quarter is in 2021-22 but the financial year says 2022-23",
    ),
    # contract reference
    (
        "engagements",
        {"Contract reference": "CON-11"},
        "Contract reference",
        "unknown contract 'CON-11': did you mean CON-1",
    ),
    ("finance", {"Contract reference": "con 1"}, "Contract reference", "unknown contract 'con 1': did you mean CON-1"),
    # day-rate caps (CON-1: 600, Executive 800; CON-2: 600, no executive cap)
    ("day_rates", {"Day rate": 650}, "Day rate", "day rate 650.00 GBP is above the contract's cap of 600.00 GBP"),
    (
        "day_rates",
        {"Level": "Executive", "Day rate": 800.01},
        "Day rate",
        "day rate 800.01 GBP is above the contract's cap of 800.00 GBP",
    ),
    ("day_rates", {"Level": "executive", "Day rate": "£1,000"}, "Day rate", "above the contract's cap of 800.00 GBP"),
    ("day_rates", {"Level": None, "Day rate": 600.5}, "Day rate", "above the contract's cap of 600.00 GBP"),
    # formulas and Excel errors
    (
        "finance",
        {"Amount": Formula("K3*2")},
        "Amount",
        "the formula =K3*2 has no saved value: open the file in Excel, recalculate and save it",
    ),
    ("engagements", {"Package ID": Formula('"PKG-"&A1')}, "Package ID", 'the formula ="PKG-"&A1 has no saved value'),
    ("engagements", {"Start date": Formula("DATE(2021,6,1)")}, "Start date", "has no saved value"),
    *[
        ("finance", {"Amount": code}, "Amount", f"the cell holds the Excel error {code}")
        for code in ("#REF!", "#N/A", "#DIV/0!", "#VALUE!")
    ],
    ("engagements", {"Start date": "#N/A"}, "Start date", "the cell holds the Excel error #N/A"),
    ("engagements", {"LA": "#REF!"}, "LA", "the cell holds the Excel error #REF!"),
    (
        "survey",
        {"Impact demonstrated": Formula("1/0", "#DIV/0!"), "Stage": "Baseline"},
        "Impact demonstrated",
        "the cell holds the Excel error #DIV/0!",
    ),
    (
        "la_status",
        {"In intervention": Formula("VLOOKUP(A2,X:Y,2,0)", "#N/A")},
        "In intervention",
        "the cell holds the Excel error #N/A",
    ),
]


@pytest.mark.parametrize(
    "kind, overrides, column, message",
    REJECTED,
    ids=[f"{kind}|{column}|{next(iter(o.values()))!r}" for kind, o, column, _ in REJECTED],
)
def test_rejected_with_file_sheet_row_column(db, kind, overrides, column, message):
    lines = errors_of(db, one_row(kind, overrides))
    assert len(lines) == 1, lines
    file, sheet, row, got_column, got_message = parts_of(lines[0])
    assert (file, sheet, row, got_column) == ("return.xlsx", SHEET_OF[kind], str(DATA_ROW.get(kind, 2)), column)
    assert message in got_message


def test_executive_rate_without_executive_cap_meets_the_day_rate_cap(db):
    lines = errors_of(
        db, [SheetSpec("Part B", [day_rate_row({"Level": "Executive", "Day rate": 700})], contract_label="CON-2")]
    )
    assert lines == ["return.xlsx:Part B:4:Day rate: day rate 700.00 GBP is above the contract's cap of 600.00 GBP"]


def test_row_and_column_as_the_workbook_numbers_and_spells_them(db):
    """Title rows, a labelled cell and blank rows shift the Excel row; the column is the header as written."""
    rows = [
        engagement_row(),
        [],
        engagement_row({"Participant ID": "P-2", "Start date": "32/01/2021"}),
        ["Total", 2],
        engagement_row({"Participant ID": "P-3", "LA": "Sefon"}),
    ]
    spec = SheetSpec(
        "Engagements",
        rows,
        above=[["Quarterly return"], ["Notes"], []],
        headers={"Start date": "Start date* (dd/mm/yyyy)", "LA": "Local authority (LA)"},
        columns=["LA", *[c for c in engagement_row() if c != "LA"]],
    )
    # "Local authority (LA)" normalises to "local authority": the LA column is then missing
    lines = errors_of(db, [spec])
    assert lines == ["return.xlsx:Engagements:4:LA: required column 'LA' not found in the header row"]

    spec.headers = {"Start date": "Start date* (dd/mm/yyyy)", "LA": "LA (name or code)"}
    lines = errors_of(db, [spec])
    assert [parts_of(line)[:4] for line in lines] == [
        ("return.xlsx", "Engagements", "7", "Start date* (dd/mm/yyyy)"),
        ("return.xlsx", "Engagements", "9", "LA (name or code)"),
    ]
    assert spec.excel_row(2) == 7 and spec.excel_row(4) == 9


def test_every_error_of_a_workbook_is_reported(db):
    sheets = [
        SheetSpec(
            "Engagements",
            [
                engagement_row({"LA": "Sefon"}),
                engagement_row({"Participant ID": "P-2"}),
                engagement_row({"Participant ID": "P-3", "End date": date(2021, 1, 1), "Support type": "Mentoring"}),
            ],
        ),
        SheetSpec("Survey", [stored_survey_row({"Confidence": 9}), stored_survey_row({"Participant ID": "P-GHOST"})]),
        SheetSpec(
            "Finance",
            [
                finance_row({"Amount": "#REF!"}),
                finance_row({"Expenditure heading": "Catering", "Invoice reference": "INV-2"}),
            ],
        ),
    ]
    lines = errors_of(db, sheets)
    assert sorted(parts_of(line)[1:4] for line in lines) == [
        ("Engagements", "2", "LA"),
        ("Engagements", "4", "End date"),
        ("Engagements", "4", "Support type"),
        ("Finance", "2", "Amount"),
        ("Finance", "3", "Expenditure heading"),
        ("Survey", "2", "Confidence"),
        ("Survey", "3", "Participant ID"),
    ]


def test_every_error_of_one_row_is_reported(db):
    """cli.md: "prints every error": one row with two errors of the row rules gives two lines."""
    sheets = [
        SheetSpec(
            "Survey",
            [stored_survey_row({"Participant ID": "P-GHOST", "Stage": "Follow-up", "Impact demonstrated": None})],
        ),
        SheetSpec("Finance", [finance_row({"Quarter": "2022-23 Q1", "Expenditure heading": "Catering"})]),
    ]
    lines = errors_of(db, sheets)
    assert sorted(parts_of(line)[1:4] for line in lines) == [
        ("Finance", "2", "Expenditure heading"),
        ("Finance", "2", "Quarter"),
        ("Survey", "2", "Impact demonstrated"),
        ("Survey", "2", "Participant ID"),
    ], lines


def test_same_key_twice_with_different_values(db):
    rows = [engagement_row(), engagement_row({"Days delivered": 7})]
    lines = errors_of(db, quarterly_return(engagements=rows))
    assert len(lines) == 1
    assert parts_of(lines[0])[1:4] == ("Engagements", "3", "Contract reference, Package ID, Participant ID")
    assert "same key as row 2" in lines[0]


def test_same_key_twice_names_the_columns_as_the_sheet_heads_them(db):
    rows = [day_rate_row(), day_rate_row({"Day rate": 450})]
    spec = SheetSpec("Part B", rows, contract_label="CON-1", headers={"Role": "Role *", "Level": "level (grade)"})
    (line,) = errors_of(db, [spec])
    assert parts_of(line)[1:4] == ("Part B", "5", "Role *, level (grade)")


def test_required_column_missing_named_at_the_header_row(db):
    spec = SheetSpec("Survey", [stored_survey_row({"Confidence": OMIT, "Stage": OMIT})], above=[["Survey"], []])
    assert errors_of(db, [spec]) == [
        "return.xlsx:Survey:3:Stage: required column 'Stage' not found in the header row",
        "return.xlsx:Survey:3:Confidence: required column 'Confidence' not found in the header row",
    ]


def test_a_column_headed_twice_is_an_error_not_a_guess(db):
    """'Amount (inc VAT)' and 'Amount (ex VAT)' both read as Amount (words in brackets are
    ignored): the importer says so rather than reading the first."""
    row = {**finance_row(), "Amount (inc VAT)": 1200}
    spec = SheetSpec(
        "Finance",
        [row],
        headers={"Amount": "Amount (ex VAT)"},
        columns=[*[c for c in row if c not in ("Amount", "Amount (inc VAT)")], "Amount (inc VAT)", "Amount"],
    )
    (line,) = errors_of(db, [spec])
    assert parts_of(line)[1:4] == ("Finance", "1", "Amount")
    assert "'Amount (inc VAT)' (column M) and 'Amount (ex VAT)' (column N) both read as 'Amount'" in line


# --- Contract reference ----------------------------------------------------------------------


def test_unknown_contract_in_labelled_cell(db):
    sheets = quarterly_return(engagements=[engagement_row({"Contract reference": OMIT})], contract_label="CON-12")
    lines = errors_of(db, sheets)
    assert [parts_of(line)[1:4] for line in lines] == [("Engagements", "4", "Contract reference")]
    assert re.search(r"unknown contract 'CON-12': did you mean (CON-1 or CON-2|CON-2 or CON-1)\?$", lines[0])


@pytest.mark.parametrize("option, flagged", [("CON-2", True), ("con-1", False), (None, False)])
def test_a_contract_option_the_file_overrides_is_flagged(db, option, flagged):
    """The file's labelled cell wins over the contract chosen when importing; when the chosen one is
    not used at all, the import says so instead of passing in silence."""
    outcome = run_import(
        db,
        "return.xlsx",
        xlsx(quarterly_return(engagements=[engagement_row()], contract_label="CON-1")),
        contract=option,
        dry_run=True,
    )
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    said = [flag for flag in outcome.plan.flags if "was not used" in flag]
    assert said == (
        ["The contract chosen when importing, CON-2, was not used: the file names its own (CON-1)"] if flagged else []
    )
    assert outcome.plan.contract_reference == "CON-1"  # the import history names the file's own contract


def test_a_mistyped_contract_option_the_file_does_not_need_is_flagged(db):
    """A reference that is no contract at all, given when the file names its own, is said too, and
    the import history names the file's contract, not the mistyped one."""
    outcome = run_import(
        db, "return.xlsx", xlsx(quarterly_return(engagements=[engagement_row()])), contract="nope", dry_run=True
    )
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    assert [flag for flag in outcome.plan.flags if "was not used" in flag] == [
        (
            "The contract chosen when importing, nope, which is not a known contract, was not used: the file names "
            "its own (CON-1)"
        )
    ]
    assert outcome.plan.contract_reference == "CON-1"


def test_unknown_contract_option(db):
    lines = errors_of(
        db, quarterly_return(engagements=[engagement_row({"Contract reference": OMIT})]), contract="CON-3"
    )
    assert len(lines) == 1 and "unknown contract 'CON-3': did you mean" in lines[0]
    assert parts_of(lines[0])[1:4] == ("Engagements", "2", "Contract reference")


def test_no_contract_reference_anywhere(db):
    lines = errors_of(db, quarterly_return(engagements=[engagement_row({"Contract reference": OMIT})]))
    assert len(lines) == 1 and "no contract reference" in lines[0]


def test_part_a_unknown_contract_names_the_labelled_cell(db):
    lines = errors_of(db, [part_a_sheet(contract="CON-99")])
    assert len(lines) == 1
    assert lines[0].startswith("return.xlsx:Part A:2:Contract reference: unknown contract 'CON-99': did you mean CON-")


def test_part_a_without_contract_reference(db):
    lines = errors_of(db, [part_a_sheet(contract=None)])
    assert len(lines) == 1 and parts_of(lines[0])[1:4] == ("Part A", "2", "Contract reference")


def test_part_a_bad_amount_and_excel_error(db):
    sheet = part_a_sheet({"Peer mentors": [1, "lots", 3], "Travel": [1, 2, "#REF!"]}, ("2021-22", "FY22/23", "2023/24"))
    lines = errors_of(db, [sheet])
    assert [parts_of(line)[1:4] for line in lines] == [("Part A", "5", "FY22/23"), ("Part A", "6", "2023/24")]


# --- Refused before parsing ------------------------------------------------------------------


def _valid() -> bytes:
    return xlsx(quarterly_return(engagements=[engagement_row()]))


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(name, content)
    return buffer.getvalue()


def _with_doctype(data: bytes, part_name: str, padding: int = 0) -> bytes:
    xml = part(data, part_name)
    declaration, rest = xml.split(b"?>", 1) if xml.startswith(b"<?xml") else (b'<?xml version="1.0"', xml)
    doctype = b'<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    comment = b"<!--" + b" " * padding + b"-->" if padding else b""
    return with_parts(data, {part_name: declaration + b"?>" + comment + doctype + rest})


REFUSED = [
    ("return.xls", _valid, "only .xlsx, .xlsm and .csv files are read, not '.xls'"),
    ("return.txt", lambda: b"Package ID,LA\nPKG-1,Sefton\n", "only .xlsx, .xlsm and .csv files are read, not '.txt'"),
    ("return", _valid, "only .xlsx, .xlsm and .csv files are read, not 'no extension'"),
    ("return.xlsx.exe", _valid, "not '.exe'"),
    ("return.xlsx", lambda: b"Contract reference,Package ID\nCON-1,PKG-1\n", "the file is not a real .xlsx workbook"),
    ("return.xlsm", lambda: os.urandom(4096), "the file is not a real .xlsm workbook"),
    ("return.xlsx", lambda: b"PK\x03\x04" + os.urandom(4096), "the file is not a readable .xlsx workbook"),
    ("return.xlsx", lambda: _valid()[: len(_valid()) // 2], "the file is not a readable .xlsx workbook"),
    (
        "return.xlsx",
        lambda: _zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<Types/>"}),
        "no workbook part inside",
    ),
    ("return.csv", _valid, "the file is not a CSV text file"),
    ("return.csv", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "the file is not a CSV text file"),
    ("return.xlsx", lambda: _with_doctype(_valid(), "xl/workbook.xml"), "declares XML entities"),
    ("return.xlsx", lambda: _with_doctype(_valid(), "xl/worksheets/sheet1.xml"), "declares XML entities"),
    ("return.xlsx", lambda: _with_doctype(_valid(), "xl/worksheets/sheet1.xml", padding=5000), "declares XML entities"),
    ("return.xlsx", lambda: _with_doctype(_valid(), "[Content_Types].xml"), "declares XML entities"),
]


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if the workbook reader is ever started."""
    import python_calamine

    def refuse(*_args, **_kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)


@pytest.mark.parametrize("name, make, message", REFUSED, ids=[f"{n}|{m[:40]}" for n, _, m in REFUSED])
def test_refused_before_parsing(db, no_parsing, name, make, message):
    lines = errors_of(db, make(), name=name)
    assert len(lines) == 1
    assert lines[0].startswith(f"{name}::::")
    assert message in lines[0]


def test_zip_bomb_refused_by_declared_unpacked_size(db, no_parsing, monkeypatch):
    monkeypatch.setenv("DASHBOARD_MAX_UNPACKED_MB", "1")
    bomb = with_parts(_valid(), {"xl/media/padding.bin": bytes(2 * 1024 * 1024)})
    assert len(bomb) < 100_000  # small on disk, 2 MB unpacked
    lines = errors_of(db, bomb)
    assert lines == ["return.xlsx:::: the workbook unpacks to 2 MB; the limit is 1 MB"]


def test_file_over_the_size_limit_refused(db, no_parsing, monkeypatch):
    data = _valid()
    monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_MB", str(len(data) / 2 / 1_000_000))
    lines = errors_of(db, data)
    assert len(lines) == 1 and lines[0].startswith("return.xlsx:::: the file is ") and "the limit is" in lines[0]


def test_limits_are_settings(db, monkeypatch):
    """The same files pass under the default limits (the refusals above come from the settings)."""
    bomb = with_parts(_valid(), {"xl/media/padding.bin": bytes(2 * 1024 * 1024)})
    plan = run_import(db, "return.xlsx", bomb, dry_run=True).plan
    assert plan.ok, plan.errors
    monkeypatch.setenv("DASHBOARD_MAX_UNPACKED_MB", "3")
    assert run_import(db, "return.xlsx", bomb, dry_run=True).plan.ok


def test_refused_file_writes_nothing_but_its_rejection(db):
    before = table_counts(db)
    outcome = run_import(db, "return.xls", _valid())
    assert outcome.import_id is None and not outcome.plan.ok
    assert table_counts(db) == before


def test_workbook_without_any_known_sheet(db):
    lines = errors_of(db, [SheetSpec("Sheet1", [{"Colour": "Red", "Size": 3}])])
    assert len(lines) == 1 and "no sheet the importer reads was found" in lines[0]


def test_only_hidden_known_sheets(db):
    lines = errors_of(
        db,
        [
            SheetSpec("Guidance", [["Read me"]], columns=["Notes"]),
            SheetSpec("Engagements", [engagement_row()], hidden=True),
        ],
    )
    assert len(lines) == 1 and "no sheet the importer reads was found" in lines[0]


def test_a_row_with_a_bad_date_still_has_its_unknown_la_reported_and_its_responses_told_why(db):
    """Every error of a row at once (an unknown LA is unknown on any date), and a survey response
    of a rejected Engagements row says that row is the problem, not that it is missing."""
    engagement = engagement_row(
        {"Package ID": "PKG-9", "Participant ID": "P-9", "LA": "Atlantis", "Start date": "31/02/2021"}
    )
    survey = survey_row({"Package ID": "PKG-9", "Participant ID": "P-9"})
    lines = errors_of(db, quarterly_return(engagements=[engagement], survey=[survey]))
    found = {(sheet, row, column): message for _, sheet, row, column, message in map(parts_of, lines)}
    assert set(found) == {
        ("Engagements", "2", "Start date"),
        ("Engagements", "2", "LA"),
        ("Survey", "2", "Participant ID"),
    }
    assert "Atlantis" in found[("Engagements", "2", "LA")]
    assert found[("Survey", "2", "Participant ID")] == (
        "participant 'P-9' of package 'PKG-9' is on Engagements row 2, which has errors: correct that row first"
    )
