"""spreadsheets.md, every tolerance: messy workbooks the importer must take.

Each test builds a workbook in code (tests/workbooks.py), dry-runs it through the
import service against a seeded database and checks what would be written.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from tests.workbooks import (
    CONTRACT,
    OMIT,
    Formula,
    SheetSpec,
    csv_bytes,
    day_rate_row,
    engagement_row,
    finance_row,
    import_ok,
    la_status,
    la_status_row,
    milestone_row,
    one_row,
    part_a_sheet,
    pricing_schedule,
    quarterly_return,
    register,
    run_import,
    shared_database,
    stored_survey_row,
    survey_row,
    xlsx,
)

db = shared_database("tolerance")


def dry(engine, workbook, name="return.xlsx", contract=None):
    """The plan of a valid workbook (dry run: nothing is written)."""
    return import_ok(engine, name, workbook, contract, dry_run=True)


def rows_of(plan, kind):
    sheets = [sheet for sheet in plan.sheets if sheet.kind == kind]
    assert len(sheets) == 1, f"expected one {kind} sheet, got {[s.kind for s in plan.sheets]}"
    return [row.values for row in sheets[0].rows]


# --- Finding sheets -------------------------------------------------------------------------

ENGAGEMENT_NAMES = [
    "Engagements",
    "engagement data",
    "ENGAGEMENTS",
    "Engagement_Data",
    "engagements-data",
    " Engagement ",
]


@pytest.mark.parametrize("name", ENGAGEMENT_NAMES)
def test_sheet_found_by_name_variant(db, name):
    plan = dry(db, [SheetSpec(name, [engagement_row()])])
    assert [(sheet.sheet, sheet.kind) for sheet in plan.sheets] == [(name, "engagements")]
    assert plan.ignored_sheets == []


@pytest.mark.parametrize("name", ENGAGEMENT_NAMES)
def test_sheet_found_by_name_is_held_to_its_schema(db, name):
    """Recognised by name alone: a missing required column is an error, not an ignored sheet."""
    plan = run_import(db, "return.xlsx", [SheetSpec(name, [engagement_row(LA=OMIT)])], dry_run=True).plan
    assert [str(problem) for problem in plan.errors] == [
        f"return.xlsx:{name}:1:LA: required column 'LA' not found in the header row"
    ]


@pytest.mark.parametrize("name", ["Part A", "Part-A", "PART_A", "part a data", "PartA"])
def test_part_a_found_by_name_variant(db, name):
    plan = dry(db, pricing_schedule(part_a=part_a_sheet(name=name)), name="pricing.xlsx")
    assert [(sheet.sheet, sheet.kind) for sheet in plan.sheets] == [(name, "allocations"), ("Part B", "day_rates")]


RECOGNISED_BY_HEADER = [
    ("contracts", register()[0].rows),
    ("milestones", [milestone_row()]),
    ("la_status", [la_status_row()]),
    ("day_rates", [day_rate_row()]),
    ("engagements", [engagement_row()]),
    ("survey", [stored_survey_row()]),
    ("finance", [finance_row(Role="Peer mentor", Level="Management", Days=2, **{"Day rate": 500})]),
]


@pytest.mark.parametrize("kind, rows", RECOGNISED_BY_HEADER, ids=[kind for kind, _ in RECOGNISED_BY_HEADER])
def test_sheet_with_unknown_name_found_by_header_row(db, kind, rows):
    sheet = SheetSpec(
        "Sheet1", rows, contract_label=CONTRACT if kind == "day_rates" else None, above=[["Return for Q1"], []]
    )
    plan = dry(db, [sheet])
    assert [(s.sheet, s.kind) for s in plan.sheets] == [("Sheet1", kind)]
    assert len(plan.sheets[0].rows) == 1


def test_hidden_and_unknown_sheets_are_ignored_and_listed(db):
    broken = [engagement_row({"LA": "Nowhere", "Start date": "not a date"})]
    plan = dry(
        db,
        [
            SheetSpec("Notes", [["Fill in one row per participant"]], columns=["Guidance"]),
            SheetSpec("Engagements", [engagement_row()]),
            SheetSpec("Old engagements", broken, hidden=True),
            SheetSpec("Survey", broken, hidden=True),
            SheetSpec("Lookups", [{"Colour": "Red"}]),
            SheetSpec(
                "Lists",
                [
                    {"LA": la, "Support type": kind, "Role": role}
                    for la, kind, role in [
                        ("Sefton", "One-to-one", "Chief Executive"),
                        ("Knowsley", "Group", "Lead Member"),
                    ]
                ],
            ),
        ],
    )
    assert [sheet.sheet for sheet in plan.sheets] == ["Engagements"]
    assert plan.ignored_sheets == [
        "Notes (not a sheet the importer reads)",
        "Old engagements (hidden)",
        "Survey (hidden)",
        "Lookups (not a sheet the importer reads)",
        "Lists (not a sheet the importer reads)",
    ]


def test_an_empty_sheet_of_a_return_is_ignored_and_listed(db):
    """A return may hold any subset of its sheets: an empty Finance tab is not a missing header."""
    plan = dry(db, [SheetSpec("Engagements", [engagement_row()]), SheetSpec("Finance", [], columns=[])])
    assert [sheet.sheet for sheet in plan.sheets] == ["Engagements"]
    assert plan.ignored_sheets == ["Finance (empty)"]


# --- Header row, headers, columns, blank and totals rows -------------------------------------

ABOVE_HEADER = [
    [],
    [["Quarterly return"]],
    [["Quarterly return: Leadership development"], ["Notes: one row per participant per package"], [], []],
    [[None, None, "Prepared by the supplier"], [], [None, "Version 3"]],
    [["Guidance"]] + [[f"Note {n}: how to fill in this return"] for n in range(1, 60)] + [[]],
]


@pytest.mark.parametrize(
    "above", ABOVE_HEADER, ids=["row 1", "title", "title notes blanks", "offset cells", "60 notes"]
)
def test_header_row_need_not_be_row_1(db, above):
    spec = SheetSpec("Engagements", [engagement_row(), engagement_row({"Participant ID": "P-2"})], above=above)
    plan = dry(db, [spec])
    rows = plan.sheets[0].rows
    assert [(row.row, row.values["participant_id"]) for row in rows] == [
        (spec.excel_row(0), "P-1"),
        (spec.excel_row(1), "P-2"),
    ]
    assert spec.excel_row(0) == len(above) + 2


HEADER_SPELLINGS = [
    {"Package ID": "Package ID*", "Participant ID": "* Participant ID"},
    {"Start date": "Start date (dd/mm/yyyy)", "End date": "End date [dd/mm/yyyy]"},
    {"LA": "  la  ", "Support type": "SUPPORT TYPE", "Role": "role"},
    {"Support type": "Support-type", "Days delivered": "Days delivered:", "Package ID": "Package_ID"},
    {"Participant ID": "Participant ID (pseudonymous)*", "Start date": "START DATE* (dd/mm/yyyy)"},
    {"LA": "L.A.", "Package ID": "Package I.D.", "Days delivered": "Days delivered."},  # punctuation inside words
    {"Participant ID": "ParticipantID", "Start date": "StartDate", "Support type": "SupportType"},  # run together
]


@pytest.mark.parametrize("spelling", HEADER_SPELLINGS, ids=lambda s: "|".join(s.values()))
def test_header_spellings(db, spelling):
    plan = dry(db, [SheetSpec("Engagements", [engagement_row()], headers=spelling)])
    (values,) = rows_of(plan, "engagements")
    assert (values["package_id"], values["participant_id"], values["la_code"], values["support_type"]) == (
        "PKG-1",
        "P-1",
        "E08000014",
        "one_to_one",
    )
    assert (values["start_date"], values["end_date"], values["days_delivered"]) == (
        date(2021, 6, 1),
        date(2021, 9, 30),
        D(5),
    )


def test_extra_columns_ignored_and_columns_in_any_order(db):
    row = engagement_row({"Notes": "#N/A", "RAG": Formula("1/0", "#DIV/0!"), "Internal ID": 7})
    columns = list(reversed(list(row)))
    plan = dry(db, [SheetSpec("Engagements", [row], columns=columns)])
    (values,) = rows_of(plan, "engagements")
    assert values["package_id"] == "PKG-1" and values["la_code"] == "E08000014"
    assert "Notes" not in values and "notes" not in values


SKIPPED_ROWS = [
    ([], "blank"),
    ([None, None, "   "], "spaces only"),
    (["Total", None, None, None, None, None, None, None, None, None, 10], "Total"),
    (["Totals"], "Totals"),
    (["GRAND TOTAL", None, None, 3], "Grand total"),
    ([None, None, "Total:"], "first non-empty cell Total:"),
]


@pytest.mark.parametrize("skipped, label", SKIPPED_ROWS, ids=[label for _, label in SKIPPED_ROWS])
def test_blank_and_totals_rows_are_skipped(db, skipped, label):
    rows = [skipped, engagement_row(), list(skipped), engagement_row({"Participant ID": "P-2"})]
    plan = dry(db, [SheetSpec("Engagements", rows)])
    sheet = plan.sheets[0]
    assert [(row.row, row.values["participant_id"]) for row in sheet.rows] == [(3, "P-1"), (5, "P-2")]
    assert sheet.skipped == 2


def test_a_row_filled_only_in_extra_columns_is_blank(db):
    """ "Extra columns are ignored" and "blank rows are skipped": a note, a row number or a formula
    filled down beside the table does not make a row of data."""
    columns = ["Row", *engagement_row(), "Gross (inc VAT)", "Notes"]
    filled_down = [
        {"Row": 3, "Gross (inc VAT)": Formula("K3+L3", 0)},
        {"Notes": "to follow"},
        {"Row": 5, "Gross (inc VAT)": 0, "Notes": " "},
    ]
    rows = [{**engagement_row(), "Row": 1, "Gross (inc VAT)": 1}, *filled_down]
    plan = dry(db, [SheetSpec("Engagements", rows, columns=columns)])
    assert [row["participant_id"] for row in rows_of(plan, "engagements")] == ["P-1"]
    assert plan.sheets[0].skipped == 3


def test_row_with_total_later_in_the_row_is_data(db):
    """Only a row whose *first* non-empty cell is Total is a totals row."""
    plan = dry(db, [SheetSpec("Engagements", [engagement_row({"Delivered by": "Total"})])])
    assert [row["delivered_by"] for row in rows_of(plan, "engagements")] == ["Total"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_one_sheet(db, encoding):
    spec = SheetSpec(
        "ignored",
        [
            finance_row(Amount="£1,234.50"),
            [],
            ["Total", None, None, None, None, None, None, None, None, None, "£1,234.50"],
        ],
        above=[["Finance return"]],
    )
    plan = dry(db, csv_bytes(spec, encoding), name="finance.csv")
    assert [(sheet.sheet, sheet.kind, sheet.skipped) for sheet in plan.sheets] == [("finance", "finance", 2)]
    (values,) = rows_of(plan, "finance")
    assert (values["amount"], values["invoice_date"]) == (D("1234.50"), date(2021, 7, 15))


def test_csv_with_unknown_name_found_by_header(db):
    plan = dry(db, csv_bytes(SheetSpec("x", [la_status_row()])), name="ofsted update march.csv")
    assert [(sheet.sheet, sheet.kind) for sheet in plan.sheets] == [("ofsted update march", "la_status")]


def test_xlsm_is_read(db):
    plan = dry(db, xlsx(quarterly_return(engagements=[engagement_row()])), name="return.xlsm")
    assert len(rows_of(plan, "engagements")) == 1


# --- Cells ------------------------------------------------------------------------------------


CELLS = [
    # dates: real, text forms, Excel serials, formula with a cached serial
    *[
        ("engagements", "Start date", raw, "start_date", date(2021, 6, 1))
        for raw in (
            date(2021, 6, 1),
            datetime(2021, 6, 1, 0, 0),
            "01/06/2021",
            "1/6/21",
            "2021-06-01",
            "1 June 2021",
            "1-Jun-21",
            44348,
            44348.0,
            "44348",
            Formula("DATE(2021,6,1)", 44348),
        )
    ],
    ("survey", "Response date", "02/06/2021", "response_date", date(2021, 6, 2)),
    ("finance", "Invoice date", 44392, "invoice_date", date(2021, 7, 15)),
    # money
    *[
        ("finance", "Amount", raw, "amount", expected)
        for raw, expected in (
            (1234.5, D("1234.50")),
            ("£1,234.50", D("1234.50")),
            ("1234.5", D("1234.50")),
            ("GBP 600", D("600.00")),
            (Formula("1000+234.5", 1234.5), D("1234.50")),
            (Formula('TEXT(600,"0")', "£600"), D("600.00")),
        )
    ],
    ("finance", "VAT", None, "vat", None),
    *[("finance", "VAT", raw, "vat", D("-12.00")) for raw in ("-12.00", "(12.00)", "(£12.00)", -12)],
    ("day_rates", "Day rate", "£550.00", "day_rate", D("550.00")),
    # percentages
    *[("contracts", "KPI target", raw, "kpi_target", 0.75) for raw in ("75%", 0.75, 75, "75", "75 %")],
    ("contracts", "KPI target", None, "kpi_target", None),  # blank: the contract has no confidence KPI
    ("contracts", "KPI target", "80%", "kpi_target", 0.8),
    # yes / no
    *[
        ("la_status", "SEND WSoA", raw, "send_wsoa", True)
        for raw in ("Yes", "YES", "y", "Y", "TRUE", "true", True, 1, "1", Formula("1=1", True))
    ],
    *[("la_status", "SEND WSoA", raw, "send_wsoa", False) for raw in ("No", "no", "N", "n", "FALSE", False, 0, "0")],
    ("survey", "Impact demonstrated", "y", "impact_demonstrated", True),
    # text from formulas and numbers
    ("engagements", "Package ID", Formula('"PKG-"&"9"', "PKG-9"), "package_id", "PKG-9"),
    ("engagements", "Participant ID", 12345, "participant_id", "12345"),
    # enumerations
    *[
        ("engagements", "Support type", raw, "support_type", expected)
        for raw, expected in (
            ("1:1", "one_to_one"),
            ("One to one", "one_to_one"),
            ("Individual", "one_to_one"),
            ("group", "group"),
            ("Group facilitation", "group"),
        )
    ],
    *[("survey", "Stage", raw, "stage", "baseline") for raw in ("Baseline", "Pre", "before")],
    ("engagements", "Role", "director of childrens services", "role", "Director of Children's Services"),
    ("engagements", "Focus", "send", "focus", "SEND"),
    ("day_rates", "Level", "executive", "level", "Executive"),
    ("day_rates", "Level", None, "level", None),
    ("day_rates", "Headcount", None, "headcount", None),
    ("finance", "Days", None, "days", None),
    ("la_status", "ILACS judgement", "Requires improvement to be good", "ilacs_judgement", "Requires improvement"),
    # whole numbers
    *[("survey", "Confidence", raw, "confidence", expected) for raw, expected in ((1, 1), (5, 5), ("3", 3), (4.0, 4))],
]


@pytest.mark.parametrize("kind, header, raw, field, expected", CELLS, ids=[f"{c[0]}|{c[1]}|{c[2]!r}" for c in CELLS])
def test_cell_values(db, kind, header, raw, field, expected):
    plan = dry(db, one_row(kind, {header: raw}))
    (values,) = rows_of(plan, kind)
    assert values[field] == expected
    assert type(values[field]) is type(expected)


@pytest.mark.parametrize(
    "kind, header, raw, field, expected",
    [
        ("engagements", "Start date", 42886, "start_date", date(2021, 6, 1)),  # 44348 in the 1900 system
        ("engagements", "Start date", date(2021, 6, 1), "start_date", date(2021, 6, 1)),  # a formatted date
        ("finance", "Invoice date", 0, "invoice_date", date(1904, 1, 1)),
        ("finance", "Quarter", 42915, "quarter", 1),  # 30/06/2021, a quarter's end date
        ("finance", "Quarter", 3, "quarter", 3),  # still a quarter number, not a date
    ],
)
def test_a_workbook_of_the_1904_date_system_reads_date_numbers_from_1904(db, kind, header, raw, field, expected):
    """Older Mac Excel counted dates from 1 January 1904: a plain number in a date column of such a
    workbook is a day from then (spreadsheets.md: "A number that is an Excel serial date is accepted")."""
    plan = dry(db, xlsx(one_row(kind, {header: raw}), date_1904=True))
    assert plan.ok, [str(problem) for problem in plan.errors]
    (values,) = rows_of(plan, kind)
    assert values[field] == expected


# --- LAs -----------------------------------------------------------------------------------

LA_CELLS = [
    ("E08000014", date(2021, 6, 1), "E08000014"),
    ("e08000014", date(2021, 6, 1), "E08000014"),
    (343, date(2021, 6, 1), "E08000014"),
    ("343", date(2021, 6, 1), "E08000014"),
    ("Sefton", date(2021, 6, 1), "E08000014"),
    ("  SEFTON ", date(2021, 6, 1), "E08000014"),
    ("Bristol, City of", date(2021, 6, 1), "E06000023"),
    ("City of Bristol", date(2021, 6, 1), "E06000023"),
    ("Bristol", date(2021, 6, 1), "E06000023"),
    ("Redcar & Cleveland", date(2021, 6, 1), "E06000003"),
    ("St Helens", date(2021, 6, 1), "E08000013"),
    ("The Wirral", date(2021, 6, 1), "E08000015"),
    ("Kingston-upon-Hull, City of", date(2021, 6, 1), "E06000010"),
    # one name / DfE code, two LAs over time: the row's own date decides
    ("North Yorkshire", date(2023, 3, 31), "E10000023"),
    ("North Yorkshire", date(2023, 4, 1), "E06000065"),
    (815, date(2022, 6, 1), "E10000023"),
    ("815", date(2023, 6, 1), "E06000065"),
]


@pytest.mark.parametrize("la, start, code", LA_CELLS, ids=[f"{la!r}@{start}" for la, start, _ in LA_CELLS])
def test_la_forms(db, la, start, code):
    plan = dry(db, one_row("engagements", {"LA": la, "Start date": start, "End date": None}))
    (values,) = rows_of(plan, "engagements")
    assert values["la_code"] == code


def test_la_of_each_row_resolved_by_that_rows_date(db):
    rows = [
        engagement_row({"Participant ID": f"P-{n}", "LA": "North Yorkshire", "Start date": start, "End date": None})
        for n, start in enumerate([date(2022, 12, 1), date(2023, 4, 1), date(2023, 3, 31)])
    ]
    plan = dry(db, quarterly_return(engagements=rows))
    assert [values["la_code"] for values in rows_of(plan, "engagements")] == ["E10000023", "E06000065", "E10000023"]


def test_la_status_north_yorkshire_resolved_by_ilacs_date(db):
    plan = dry(
        db,
        la_status(
            [
                la_status_row({"LA": "North Yorkshire", "ILACS date": date(2019, 5, 1)}),
                la_status_row({"LA": 815, "ILACS date": date(2024, 5, 1)}),
            ]
        ),
    )
    assert [values["la_code"] for values in rows_of(plan, "la_status")] == ["E10000023", "E06000065"]


# --- Contract reference ---------------------------------------------------------------------


def test_contract_from_column_each_row(db):
    rows = [engagement_row(), engagement_row({"Contract reference": "con-2", "Participant ID": "P-2"})]
    plan = dry(db, quarterly_return(engagements=rows), contract="CON-1")
    ids = [values["contract_id"] for values in rows_of(plan, "engagements")]
    assert ids[0] != ids[1]
    assert plan.contract_reference == "CON-1"


@pytest.mark.parametrize(
    "label",
    ["Contract reference", "Contract reference:", "CONTRACT REFERENCE*", "Contract reference (as on the order form)"],
)
def test_contract_from_labelled_cell(db, label):
    rows = [engagement_row({"Contract reference": OMIT})]
    spec = SheetSpec("Engagements", rows, above=[["Quarterly return"], [label, "CON-2"], []])
    plan = dry(db, [spec], contract="CON-1")  # the labelled cell beats the option
    con2 = rows_of(dry(db, one_row("engagements", {"Contract reference": "CON-2"})), "engagements")[0]["contract_id"]
    assert [values["contract_id"] for values in rows_of(plan, "engagements")] == [con2]
    assert plan.contract_reference == "CON-2"


@pytest.mark.parametrize(
    "label_row, expected",
    [
        (["Contract reference", None, "CON-2"], "CON-2"),  # the label spans merged cells: the value further right
        (
            ["Contract reference", None, "Supplier", "Example Consulting Ltd"],
            "CON-1",
        ),  # blank: the option, not 'Supplier'
        (["Contract reference", None, None, None, "CON-2"], "CON-1"),  # too far right to be its value
    ],
    ids=["merged label", "blank then another label", "too far"],
)
def test_labelled_cell_value_is_its_right_hand_neighbour(db, label_row, expected):
    """ "the value in the cell to its right), else the importer's contract option"."""
    rows = [engagement_row({"Contract reference": OMIT})]
    plan = dry(db, [SheetSpec("Engagements", rows, above=[label_row, []])], contract="CON-1")
    assert len(rows_of(plan, "engagements")) == 1
    assert plan.contract_reference == expected


def test_labelled_cell_on_one_sheet_serves_the_workbook(db):
    sheets = quarterly_return(
        engagements=[engagement_row({"Contract reference": OMIT})],
        survey=[stored_survey_row({"Contract reference": OMIT})],
    )
    sheets[0].contract_label = "CON-1"
    plan = dry(db, sheets)
    assert len(rows_of(plan, "survey")) == 1 and plan.contract_reference == "CON-1"


def test_contract_from_option(db):
    plan = dry(db, quarterly_return(engagements=[engagement_row({"Contract reference": OMIT})]), contract="con-1")
    assert len(rows_of(plan, "engagements")) == 1


def test_blank_contract_cell_falls_back_to_option(db):
    plan = dry(db, quarterly_return(engagements=[engagement_row({"Contract reference": None})]), contract="CON-1")
    assert len(rows_of(plan, "engagements")) == 1


# --- Pricing schedule --------------------------------------------------------------------------

FY_STYLES = [
    ("2021-22", "2022-23"),
    ("2021/22", "2022/23"),
    ("FY 2021-22", "FY 2022-23"),
    ("Year 1 (2021-22)", "Year 2 (2022-23)"),
    ("FY21/22", "FY22/23"),
    ("2021-22", "2022-23 (£)"),
    ("2021-22*", "2022-23 (GBP) *"),
    ("Year 1 (2021-22) (£)", "FY 2022/23 [forecast]"),
    ("2021-22 £", "Yr 2 (2022/23)"),
    ("Allocation 2021-22", "FY2022-23 GBP"),
]


@pytest.mark.parametrize("years", FY_STYLES, ids=[" ".join(years) for years in FY_STYLES])
def test_part_a_financial_year_headers(db, years):
    part_a = part_a_sheet(
        {"Peer mentors": [1000, None], "Programme management": ["£2,500.50", 300]}, years, contract="CON-2"
    )
    plan = dry(db, [part_a], name="pricing.xlsx")
    got = {(values["heading"], values["financial_year"]): values["amount"] for values in rows_of(plan, "allocations")}
    assert got == {
        ("Peer mentors", "2021-22"): D("1000.00"),
        ("Peer mentors", "2022-23"): D("0.00"),
        ("Programme management", "2021-22"): D("2500.50"),
        ("Programme management", "2022-23"): D("300.00"),
    }
    assert plan.sheets[0].skipped == 1  # the totals row


def test_part_a_with_every_amount_empty_is_flagged_not_refused(db):
    """Empty cells are 0 (spreadsheets.md), so a blank template would set every allocation to 0:
    it imports, and the flag asks whether that is meant."""
    empty = dry(
        db,
        [part_a_sheet({"Peer mentors": [None, None, None], "Travel": [0, None, 0]}, contract="CON-2")],
        name="pricing.xlsx",
    )
    assert [flag for flag in empty.flags if "blank template" in flag] == [
        "Part A: every allocation of CON-2 is empty or 0, so importing it sets them all to 0: is this the blank template?"
    ]
    filled = dry(db, [part_a_sheet({"Peer mentors": [None, 5, None]}, contract="CON-2")], name="pricing.xlsx")
    assert not [flag for flag in filled.flags if "blank template" in flag]


def test_part_a_header_is_the_row_with_the_most_years_not_a_note_above_it(db):
    """ "title rows, notes and blank rows above it are skipped", even a note naming a year."""
    for above in ([["First financial year", "2021-22"]], [["Prices for", "2021-22", "and", "2022-23"]]):
        part_a = part_a_sheet({"Peer mentors": [1000, 2000, 3000]}, contract="CON-2", above=above)
        plan = dry(db, [part_a], name="pricing.xlsx")
        got = {values["financial_year"]: values["amount"] for values in rows_of(plan, "allocations")}
        assert got == {"2021-22": D("1000.00"), "2022-23": D("2000.00"), "2023-24": D("3000.00")}, above


def test_part_a_heading_column_is_the_one_headed_so_when_a_number_column_comes_first(db):
    part_a = SheetSpec(
        "Part A",
        [[1, "Peer mentors", 1000, 2000], [2, "Travel", 10, 20], [None, "Total", 1010, 2020]],
        contract_label="CON-2",
        columns=["No.", "Expenditure heading", "2021-22", "2022-23"],
    )
    plan = dry(db, [part_a], name="pricing.xlsx")
    got = {(values["heading"], values["financial_year"]): values["amount"] for values in rows_of(plan, "allocations")}
    assert got == {
        ("Peer mentors", "2021-22"): D("1000.00"),
        ("Peer mentors", "2022-23"): D("2000.00"),
        ("Travel", "2021-22"): D("10.00"),
        ("Travel", "2022-23"): D("20.00"),
    }


def test_part_a_contract_from_option_when_no_labelled_cell(db):
    plan = dry(db, [part_a_sheet({"Peer mentors": [1, 2, 3]}, contract=None)], contract="CON-2")
    assert len(rows_of(plan, "allocations")) == 3


CAPS = [
    ("CON-1", "Management", 600),
    ("CON-1", "Executive", 800),
    ("CON-1", None, 599.99),
    ("CON-2", "Management", 600),
]


@pytest.mark.parametrize("contract, level, rate", CAPS)
def test_part_b_day_rate_at_or_below_cap(db, contract, level, rate):
    plan = dry(db, [SheetSpec("Part B", [day_rate_row({"Level": level, "Day rate": rate})], contract_label=contract)])
    (values,) = rows_of(plan, "day_rates")
    assert values["day_rate"] == D(str(rate)).quantize(D("0.01"))


# --- Finance -----------------------------------------------------------------------------------

QUARTERS = [
    (date(2021, 6, 30), ("2021-22", 1)),
    (date(2021, 9, 30), ("2021-22", 2)),
    ("31/12/2021", ("2021-22", 3)),
    (date(2022, 3, 31), ("2021-22", 4)),
    (44742, ("2022-23", 1)),  # 30/06/2022 as an Excel serial
]


@pytest.mark.parametrize("quarter, expected", QUARTERS, ids=[str(q) for q, _ in QUARTERS])
@pytest.mark.parametrize("year_cell", ["column absent", "blank"])
def test_finance_year_derived_from_quarter_end_date(db, quarter, expected, year_cell):
    year = OMIT if year_cell == "column absent" else None
    plan = dry(db, one_row("finance", {"Quarter": quarter, "Financial year": year}))
    (values,) = rows_of(plan, "finance")
    assert (values["financial_year"], values["quarter"]) == expected


@pytest.mark.parametrize(
    "quarter, year, expected",
    [
        ("Q1", "2021/22", ("2021-22", 1)),
        ("q4", "FY 2022-23", ("2022-23", 4)),
        ("Quarter 2", "2021-22", ("2021-22", 2)),
        ("2022-23 Q3", None, ("2022-23", 3)),
        (date(2022, 3, 31), "2021-22", ("2021-22", 4)),
    ],
)
def test_finance_quarter_and_year(db, quarter, year, expected):
    plan = dry(db, one_row("finance", {"Quarter": quarter, "Financial year": year}))
    (values,) = rows_of(plan, "finance")
    assert (values["financial_year"], values["quarter"]) == expected


@pytest.mark.parametrize("written", ["PEER MENTORS", "peer mentors", "  Peer   Mentors "])
def test_finance_heading_matches_case_insensitively(db, written):
    plan = dry(db, one_row("finance", {"Expenditure heading": written}))
    assert rows_of(plan, "finance")[0]["heading"] == "Peer mentors"  # as the pricing schedule spells it


def test_finance_heading_from_pricing_schedule_in_the_same_file(db):
    sheets = [
        part_a_sheet({"Evaluation": [10, 10, 10]}, contract="CON-2"),
        SheetSpec("Finance", [finance_row({"Contract reference": "CON-2", "Expenditure heading": "evaluation"})]),
    ]
    plan = dry(db, sheets)
    assert rows_of(plan, "finance")[0]["heading"] == "Evaluation"


def test_finance_default_line_is_row_order_within_invoice(db):
    invoices = ["INV-A", "INV-B", "INV-A", "INV-A", "INV-B"]
    rows = [finance_row({"Invoice reference": ref, "Amount": n}) for n, ref in enumerate(invoices, start=1)]
    plan = dry(db, quarterly_return(finance=rows))
    assert [(v["invoice_ref"], v["line"], v["amount"]) for v in rows_of(plan, "finance")] == [
        ("INV-A", 1, D(1)),
        ("INV-B", 1, D(2)),
        ("INV-A", 2, D(3)),
        ("INV-A", 3, D(4)),
        ("INV-B", 2, D(5)),
    ]


@pytest.mark.parametrize("amount", ["-12.00", "(12.00)", "(£12.00)", "-£12", -12])
def test_finance_credit_note_line(db, amount):
    """A credit line on its own invoice (its lines sum below zero, no overheads line)."""
    plan = dry(db, one_row("finance", {"Invoice reference": "CR-1", "Amount": amount}))
    assert rows_of(plan, "finance")[0]["amount"] == D("-12.00")


def test_finance_explicit_line_numbers_kept(db):
    rows = [finance_row({"Line": 7}), finance_row({"Line": "3"})]
    plan = dry(db, quarterly_return(finance=rows))
    assert [v["line"] for v in rows_of(plan, "finance")] == [7, 3]


# --- Survey ------------------------------------------------------------------------------------


def test_survey_participant_from_engagements_in_the_same_file(db):
    plan = dry(
        db,
        quarterly_return(
            engagements=[engagement_row({"Package ID": "PKG-NEW", "Participant ID": "P-NEW"})],
            survey=[survey_row({"Package ID": "PKG-NEW", "Participant ID": "P-NEW"})],
        ),
    )
    assert len(rows_of(plan, "survey")) == 1


def test_survey_participant_already_stored(db):
    plan = dry(db, quarterly_return(survey=[stored_survey_row()]))
    assert len(rows_of(plan, "survey")) == 1


FOLLOW_UPS = ["Follow-up", "Post", "After", "3 month follow-up", "follow up"]


@pytest.mark.parametrize("stage", FOLLOW_UPS)
def test_survey_follow_up_with_impact(db, stage):
    plan = dry(db, one_row("survey", {"Stage": stage, "Impact demonstrated": "No", "Response date": date(2021, 12, 1)}))
    (values,) = rows_of(plan, "survey")
    assert (values["stage"], values["impact_demonstrated"]) == ("follow_up", False)


def test_survey_baseline_needs_no_impact(db):
    plan = dry(db, one_row("survey", {"Stage": "Baseline", "Impact demonstrated": None}))
    assert rows_of(plan, "survey")[0]["impact_demonstrated"] is None


# --- Engagements -------------------------------------------------------------------------------


@pytest.mark.parametrize("end", [date(2021, 6, 1), date(2021, 6, 2), None])
def test_engagement_end_on_or_after_start(db, end):
    plan = dry(db, one_row("engagements", {"Start date": date(2021, 6, 1), "End date": end}))
    assert rows_of(plan, "engagements")[0]["end_date"] == end
