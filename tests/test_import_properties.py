"""Property-based tests of the importer (hypothesis, bounded examples).

Random workbooks of every kind of sheet (random sheet names, header rows at
random offsets, random column orders, extra columns and cells of any type) are
never a crash: a rejection is a list of ``FILE:SHEET:ROW:COLUMN: message`` lines
and writes nothing. Valid generated rows import, and importing them again
changes nothing.
"""

from __future__ import annotations

import io
import itertools
import re
import string
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_access.importer import import_order, schemas
from data_access.services import import_file
from tests import workbooks as wb

FILE_NAME = "return.xlsx"
SETTINGS = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
PROBLEM_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<sheet>[^:]*):(?P<row>\d*):(?P<column>[^\n]*?): (?P<message>\S.*)$", re.S
)

_counter = itertools.count(1)
VALID_RETURN = wb.xlsx(
    wb.quarterly_return(engagements=[wb.engagement_row()], survey=[wb.survey_row()], finance=[wb.finance_row()])
)


@pytest.fixture
def seeded(engine):
    wb.seed(engine)
    return engine


# --- Random cells, headers and sheets -----------------------------------------------------

SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
FORMULA_LIKE = st.sampled_from(
    [
        "=SUM(A1:A3)",
        "=1/0",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,2)",
        '=HYPERLINK("http://example.com","x")',
        "=#REF!",
        "#REF!",
        "#DIV/0!",
        "#N/A",
    ]
)
CELL = st.one_of(
    st.none(),
    SAFE_TEXT,
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)),
    FORMULA_LIKE,
    st.sampled_from(
        [
            "Total",
            "Yes",
            "no",
            "Q3",
            "2021-22",
            "31/12/2021",
            "£1,234.50",
            "(12.00)",
            "75%",
            "Sefton",
            "E08000014",
            "343",
            "One-to-one",
            "Group",
            "Baseline",
            "Follow-up",
            "CON-1",
            "CON-2",
            "PKG-STORED",
            "P-STORED",
            "Peer mentors",
            "Executive",
            "Lead Member",
            " ",
            "ÄÖÜ✓𝔘",
            "x" * 300,
        ]
    ),
)
SHEET_NAME_CHARS = string.ascii_letters + string.digits + " -_ÄéΩ"
SHEET_NAMES = {
    "contracts": ["Contracts", "contract data", "CONTRACTS"],
    "milestones": ["Milestones", "milestone"],
    "la_status": ["LA status", "la_status data"],
    "day_rates": ["Part B", "part-b"],
    "engagements": ["Engagements", "engagement data", "ENGAGEMENTS"],
    "survey": ["Survey", "surveys"],
    "finance": ["Finance", "finance data"],
    "allocations": ["Part A", "PART_A"],
}
SCHEMAS = {schema.kind: schema for schema in schemas.SCHEMAS}


def _decorate(header: str, style: int) -> str:
    """A header as people write it: other case, a required marker, words in brackets."""
    return [header, header.upper(), f" {header.lower()} *", f"{header} (see notes)", f"{header}."][style % 5]


@st.composite
def random_sheet(draw, kind: str):
    """(name, grid) of a sheet of ``kind``: junk above a header at a random row, random cells below."""
    name = draw(st.one_of(st.sampled_from(SHEET_NAMES[kind]), st.text(SHEET_NAME_CHARS, min_size=1, max_size=31)))
    if kind == "allocations":
        header = ["Expenditure heading"] + draw(
            st.lists(
                st.sampled_from(["2021-22", "2022/23", "FY 2023-24", "Year 1 (2021-22)", "FY24/25", "Total", "Notes"]),
                min_size=1,
                max_size=5,
            )
        )
    else:
        columns = [column.header for column in SCHEMAS[kind].columns]
        chosen = draw(st.lists(st.sampled_from(columns), unique=True, min_size=1, max_size=len(columns)))
        required = [c.header for c in SCHEMAS[kind].required]
        if draw(st.booleans()):  # usually every required header, so the rows are validated
            chosen = list(dict.fromkeys(required + chosen))
        extras = draw(st.lists(st.sampled_from(["Notes", "RAG", "Owner", "", "Comments (internal)"]), max_size=2))
        header = draw(st.permutations([_decorate(h, draw(st.integers(0, 4))) for h in chosen] + extras))
    above = draw(st.lists(st.lists(CELL, max_size=4), max_size=4))
    if draw(st.booleans()):
        above.append(["Contract reference", draw(st.sampled_from(["CON-1", "CON-2", "con-1 ", "NOPE", 343, None]))])
    width = len(header) + 1
    body = draw(st.lists(st.lists(CELL, min_size=0, max_size=width), max_size=6))
    return name, above + [header] + body


def write_xlsx(sheets: list[tuple[str, list[list]]], hidden: set[int] = frozenset()) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for position, (name, grid) in enumerate(sheets):
        name = name.strip(" '") or "Sheet"
        while name.lower() in used:
            name = f"{name[:28]}{len(used)}"
        used.add(name.lower())
        worksheet = book.create_sheet(name)
        if position in hidden:
            worksheet.sheet_state = "hidden"
        for r, row in enumerate(grid, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    worksheet.cell(r, c).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _assert_problem_lines(outcome, file_name: str, sheet_names: set[str]) -> None:
    assert outcome.import_id is None
    assert outcome.plan.errors
    for problem in outcome.plan.errors:
        line = str(problem)
        match = PROBLEM_LINE.match(line)
        assert match, line
        assert match["file"] == file_name
        assert problem.sheet == "" or problem.sheet in sheet_names, line
        assert problem.row is None or 1 <= problem.row <= 1_048_576, line
        assert "Traceback" not in line and problem.message.strip(), line


# --- Properties -----------------------------------------------------------------------------


@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_random_workbooks_never_crash_and_a_rejection_writes_nothing(seeded, data):
    kinds = data.draw(st.lists(st.sampled_from(sorted(SHEET_NAMES)), min_size=1, max_size=3))
    sheets = [data.draw(random_sheet(kind)) for kind in kinds]
    hidden = set(data.draw(st.lists(st.integers(0, len(sheets) - 1), max_size=1))) if len(sheets) > 1 else set()
    content = write_xlsx(sheets, hidden)
    loaded = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    names = set(loaded.sheetnames)
    loaded.close()
    contract = data.draw(st.sampled_from([None, "CON-1", "CON-2"]))
    before = wb.table_counts(seeded)
    outcome = import_file(seeded, FILE_NAME, content, "property", contract=contract)  # never raises
    if outcome.plan.ok:
        assert outcome.import_id is not None
    else:
        _assert_problem_lines(outcome, FILE_NAME, names)
        assert wb.table_counts(seeded) == before


@settings(max_examples=25, **SETTINGS)
@given(data=st.data())
def test_random_csv_never_crashes(seeded, data):
    kind = data.draw(st.sampled_from(["engagements", "survey", "finance", "la_status", "day_rates"]))
    _, grid = data.draw(random_sheet(kind))
    text = "\n".join(",".join('"' + str("" if v is None else v).replace('"', '""') + '"' for v in row) for row in grid)
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
    raw = text.encode(encoding, errors="replace")
    raw = data.draw(
        st.sampled_from([raw, raw[: max(len(raw) // 2, 1)], raw + b"\xff\xfe\x81", raw.replace(b",", b"\t")])
    )
    before = wb.table_counts(seeded)
    outcome = import_file(seeded, "return.csv", raw, "property", contract="CON-1")
    if not outcome.plan.ok:
        _assert_problem_lines(outcome, "return.csv", {"return"})
        assert wb.table_counts(seeded) == before


DAMAGE = st.lists(
    st.tuples(
        st.sampled_from(["change", "cut", "insert"]),
        st.floats(0, 1, exclude_max=True),
        st.binary(min_size=1, max_size=40),
    ),
    min_size=1,
    max_size=8,
)


def damaged(data: bytes, damage: list[tuple[str, float, bytes]]) -> bytes:
    """``data`` with bytes changed, cut out or inserted at the given places (0..1 of its length)."""
    result = bytearray(data)
    for how, where, noise in damage:
        at = int(where * len(result))
        if how == "change":
            result[at : at + len(noise)] = noise[: len(result) - at]
        elif how == "cut":
            del result[at : at + len(noise)]
        else:
            result[at:at] = noise
    return bytes(result)


@settings(max_examples=150, **SETTINGS)
@given(damage=DAMAGE)
def test_a_damaged_workbook_is_an_error_line_never_a_traceback(seeded, damage):
    """Bytes changed, cut or inserted anywhere in a real workbook (zip headers, offsets, compressed
    data, XML): the file imports or is refused with error lines, and is never a crash, in the upload
    page's batch ordering too. (Random damage found offsets that made zipfile raise ValueError.)"""
    content = damaged(VALID_RETURN, damage)
    assert import_order([(FILE_NAME, content)]) == [0]
    outcome = import_file(seeded, FILE_NAME, content, "property", dry_run=True)  # never raises
    if not outcome.plan.ok:
        _assert_problem_lines(
            outcome, FILE_NAME, {problem.sheet for problem in outcome.plan.errors}
        )  # names may be damaged too


# --- Valid rows ---------------------------------------------------------------------------

LAS = ["Sefton", "E08000014", "343", "Manchester", "leeds", "KENT", "E08000035"]
SUPPORT = ["One-to-one", "1:1", "One to one", "Individual", "Group", "Group facilitation"]
ROLES = [
    "Chief Executive",
    "Lead Member",
    "Leader",
    "Chair of Scrutiny",
    "Cabinet Member",
    "Director of Children's Services",
    "Chief Finance Officer",
    "Councillor",
    "Other",
]
TEXT_ID = st.text(string.ascii_uppercase + string.digits + "-/ é", min_size=1, max_size=12).map(str.strip).filter(bool)


def date_cell(day: date):
    return st.sampled_from(
        [
            day,
            datetime(day.year, day.month, day.day),
            day.strftime("%d/%m/%Y"),
            day.isoformat(),
            f"{day.day} {day:%B %Y}",
        ]
    )


@st.composite
def engagement_rows(draw, tag: str):
    rows = []
    for index in range(draw(st.integers(1, 6))):
        start = draw(st.dates(date(2021, 4, 1), date(2024, 3, 1)))
        end = draw(st.one_of(st.none(), st.dates(start, start + timedelta(days=400))))
        rows.append(
            {
                "Contract reference": "CON-1",
                "Package ID": f"{tag}-PKG-{draw(TEXT_ID)}",
                "LA": draw(st.sampled_from(LAS)),
                "Support type": draw(st.sampled_from(SUPPORT)),
                "Participant ID": f"{tag}-P{index}",
                "Role": draw(st.sampled_from(ROLES)),
                "Start date": draw(date_cell(start)),
                "End date": draw(date_cell(end)) if end else None,
                "Days delivered": draw(st.one_of(st.none(), st.integers(0, 40), st.sampled_from(["2.5", 7.25]))),
                "Focus": draw(st.sampled_from([None, "CSC", "SEND", "Both", "send"])),
                "Participant name": draw(
                    st.one_of(st.none(), SAFE_TEXT.filter(lambda t: not t.startswith(("=", "#"))))
                ),
            }
        )
    return rows


@st.composite
def survey_rows(draw, engagements):
    rows = []
    for engagement in engagements:
        for stage in draw(
            st.lists(
                st.sampled_from(["Baseline", "Pre", "Follow-up", "Post", "3 month follow-up"]),
                unique_by=lambda stage: stage in ("Baseline", "Pre"),  # one response a stage: Pre is Baseline
                max_size=2,
            )
        ):
            follow_up = stage not in ("Baseline", "Pre")
            rows.append(
                {
                    "Contract reference": "CON-1",
                    "Package ID": engagement["Package ID"],
                    "Participant ID": engagement["Participant ID"],
                    "Stage": stage,
                    "Response date": draw(date_cell(draw(st.dates(date(2021, 5, 1), date(2024, 3, 1))))),
                    "Confidence": draw(st.sampled_from([1, 2, 3, 4, 5, "4", 3.0])),
                    "Impact demonstrated": draw(st.sampled_from(["Yes", "N", "TRUE", 0, True])) if follow_up else None,
                }
            )
    return rows


@st.composite
def finance_rows(draw, tag: str):
    rows = []
    for index in range(draw(st.integers(1, 5))):
        year = draw(st.sampled_from([2021, 2022, 2023]))
        rows.append(
            {
                "Contract reference": "CON-1",
                "Invoice reference": f"{tag}-INV-{index // 2}",
                "Line": index % 2 + 1,
                "Financial year": f"{year}-{(year + 1) % 100:02d}",
                "Quarter": draw(st.sampled_from(["Q1", "Q2", "Q3", "Q4"])),
                "Expenditure heading": draw(st.sampled_from(list(wb.HEADINGS) + ["peer MENTORS"])),
                "Amount": draw(
                    st.one_of(st.integers(0, 100_000), st.sampled_from(["£1,234.50", "(12.00)", "GBP 600"]))
                ),
                "VAT": draw(st.one_of(st.none(), st.integers(0, 20_000))),
                "Invoice date": draw(date_cell(draw(st.dates(date(year, 4, 1), date(year + 1, 3, 31))))),
            }
        )
    return rows


@st.composite
def laid_out(draw, name: str, rows: list[dict]) -> wb.SheetSpec:
    """A sheet of ``rows`` with a random name spelling, offset, column order and extra columns."""
    columns = list(dict.fromkeys(column for row in rows for column in row))
    extras = draw(st.lists(st.sampled_from(["Notes", "RAG rating", "Internal ref"]), unique=True, max_size=2))
    order = draw(st.permutations(columns + extras))
    above = draw(st.lists(st.sampled_from([["Quarterly return"], [], ["Notes:", "fill in every row"]]), max_size=4))
    headers = {column: _decorate(column, draw(st.integers(0, 4))) for column in columns}
    body = [{**row, **{extra: draw(SAFE_TEXT) for extra in extras}} for row in rows]
    return wb.SheetSpec(
        draw(st.sampled_from([name, name.upper(), name.lower() + " data"])),
        body,
        above=above,
        headers=headers,
        columns=order,
    )


@settings(max_examples=20, **SETTINGS)
@given(data=st.data())
def test_valid_generated_rows_import_and_reimport_changes_nothing(seeded, data):
    tag = f"H{next(_counter)}"
    engagements = data.draw(engagement_rows(tag))
    # one row per key: the last generated row for a repeated package/participant is dropped
    engagements = list(
        {(row["Package ID"].lower(), row["Participant ID"].lower()): row for row in engagements}.values()
    )
    survey = data.draw(survey_rows(engagements))
    finance = data.draw(finance_rows(tag))
    sheets = [
        data.draw(laid_out("Engagements", engagements)),
        data.draw(laid_out("Survey", survey) if survey else st.none()),
        data.draw(laid_out("Finance", finance)),
    ]
    content = wb.xlsx([sheet for sheet in sheets if sheet is not None])
    before = wb.table_counts(seeded)

    first = import_file(seeded, FILE_NAME, content, "property")
    assert first.plan.ok, "\n".join(map(str, first.plan.errors))
    assert first.plan.totals()["inserted"] == len(engagements) + len(survey) + len(finance)
    after = wb.table_counts(seeded)
    assert after["engagements"] == before["engagements"] + len(engagements)
    assert after["survey_responses"] == before["survey_responses"] + len(survey)
    assert after["invoice_lines"] == before["invoice_lines"] + len(finance)

    again = import_file(seeded, FILE_NAME, content, "property")
    assert again.plan.ok, "\n".join(map(str, again.plan.errors))
    totals = again.plan.totals()
    assert (totals["inserted"], totals["updated"]) == (0, 0)
    assert totals["unchanged"] == len(engagements) + len(survey) + len(finance)
    assert wb.table_counts(seeded) == after


@settings(max_examples=15, **SETTINGS)
@given(data=st.data())
def test_valid_register_pricing_and_la_status_import_and_reimport_changes_nothing(seeded, data):
    tag = f"R{next(_counter)}"
    reference = f"CON-{tag}"
    start = data.draw(st.dates(date(2019, 1, 1), date(2024, 1, 1)))
    contract = wb.contract_row(
        {
            "Contract reference": reference,
            "Start date": data.draw(date_cell(start)),
            "End date": start + timedelta(days=data.draw(st.integers(30, 2000))),
            "Value": data.draw(st.sampled_from([None, 1000, "£2,500,000.00", 12.5])),
            "KPI target": data.draw(st.sampled_from([None, "75%", 0.8, 90])),
        }
    )
    milestones = [
        wb.milestone_row({"Contract reference": reference, "Milestone": f"M{i} {data.draw(TEXT_ID)}"})
        for i in range(data.draw(st.integers(0, 3)))
    ]
    register = [data.draw(laid_out("Contracts", [contract]))]
    if milestones:
        register.append(data.draw(laid_out("Milestones", milestones)))
    roles = data.draw(st.lists(TEXT_ID, unique_by=str.lower, min_size=1, max_size=4))
    rates = [wb.day_rate_row({"Role": role, "Day rate": data.draw(st.integers(100, 600))}) for role in roles]
    pricing = [
        wb.part_a_sheet(contract=reference),
        wb.with_options(data.draw(laid_out("Part B", rates)), contract_label=reference),
    ]
    statuses = [
        wb.la_status_row({"LA": la})
        for la in data.draw(st.lists(st.sampled_from(["Sefton", "Kent", "Leeds"]), unique=True, min_size=1))
    ]
    workbooks = [wb.xlsx(register), wb.xlsx(pricing), wb.xlsx(data.draw(laid_out("LA status", statuses)))]

    for content in workbooks:
        outcome = import_file(seeded, FILE_NAME, content, "property")
        assert outcome.plan.ok, "\n".join(map(str, outcome.plan.errors))
    counts = wb.table_counts(seeded)
    for content in workbooks:
        again = import_file(seeded, FILE_NAME, content, "property")
        assert again.plan.ok, "\n".join(map(str, again.plan.errors))
        assert (again.plan.totals()["inserted"], again.plan.totals()["updated"]) == (0, 0)
    assert wb.table_counts(seeded) == counts
