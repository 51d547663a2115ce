"""The Board pack workbook: same figures as the summary JSON, GSS symbols, no personal data, charts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import ClassVar

import openpyxl
import pytest

from dashboard import cli
from dashboard.board_pack import build_board_pack, write_board_pack_from_database
from dashboard.disclosure import LOW_RELIABILITY, SUPPRESSED
from dashboard.terms import NOT_SET
from tests.cli_runner import run_cli
from tests.small_db import PARTICIPANT_NAMES, small_db_each, small_db_url  # noqa: F401

AS_OF = date(2022, 6, 30)
ROOT = Path(__file__).resolve().parent.parent
PARTICIPANT_IDS = ("P-0001", "P-0002", "P-0003", "P-0004", "P-0010", "P-0020")
EVIDENCE = "chaired the board"


@pytest.fixture(scope="module")
def pack(small_db_url, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("pack") / "board_pack.xlsx"
    write_board_pack_from_database(small_db_url, AS_OF, out)
    return openpyxl.load_workbook(out)


@pytest.fixture(scope="module")
def summary(small_db_url):  # noqa: F811
    """What `python -m dashboard kpis --json` prints for the same date."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert cli.main(["kpis", "--json", "--as-of", AS_OF.isoformat(), "--db", small_db_url]) == 0
    return json.loads(buffer.getvalue())


def table(sheet, subtitle: str) -> list[dict]:
    """The rows of the table under ``subtitle`` (subtitle row, header row, rows until a blank row)."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == subtitle)
    header = [value for value in rows[start + 1] if value is not None]
    found = []
    for row in rows[start + 2 :]:
        if all(value is None for value in row):
            break
        found.append(dict(zip(header, row[: len(header)])))
    return found


def test_worked_by_hand_on_the_small_database(small_db_each, tmp_path):  # noqa: F811
    """The pack as at 30 June 2022, worked out by hand from tests/small_db.py (the arithmetic is written out in
    test_pages_kpis.py, test_pages_coverage.py, test_pages_finance.py and test_pages_outcomes.py)."""
    out = tmp_path / "board_pack.xlsx"
    write_board_pack_from_database(small_db_each, AS_OF, out)
    book = openpyxl.load_workbook(out)
    status = {
        row["Contract"]: [
            row[c].split(":")[0]
            for c in (
                "KPI 1",
                "KPI 2",
                "Minimum LAs (latest year with data)",
                "Spend (latest year with data)",
                "Next deadline",
                "Data currency",
            )
        ]
        for row in table(book["Status"], "Status of each contract")
    }
    assert status == {
        # CON-IA's break decision was due 31/03/2022 and not taken: overdue, never "due soon"
        "CON-IA": ["Withheld", "No packages", "Not set", "Within allocation", "Overdue", "Unknown"],
        "CON-LD": ["Cannot tell yet", "Withheld", "Below so far", "Within allocation", "Overdue", "Unknown"],
        "CON-SLI": ["Withheld", "No packages", "Not set", "Within allocation", "Due soon", "Unknown"],
    }
    kpis = {(r["Contract"], r["KPI"]): r for r in table(book["KPIs"], "KPI results by contract")}
    assert set(kpis) == {
        ("CON-IA", "KPI 1: one-to-one"),
        ("CON-LD", "KPI 1: one-to-one"),
        ("CON-LD", "KPI 2: group"),
        ("CON-SLI", "KPI 1: one-to-one"),
    }
    # LD-1 met, LD-2 not met (3 -> 3), LD-3 pending; both eligible baselines a day late; Wilson 1 of 2: 0.0945-0.9055
    ld = kpis[("CON-LD", "KPI 1: one-to-one")]
    assert [
        ld[c]
        for c in (
            "Target",
            "Eligible",
            "Met",
            "Not met",
            "No baseline",
            "No response",
            "Pending",
            "Awaiting return",
            "In progress",
            "Late baselines",
            "Rate",
            "95 % CI low",
            "95 % CI high",
            "Reliability",
        )
    ] == [0.75, 2, 1, 1, 0, 0, 1, 0, 0, 2, 0.5, 0.0945, 0.9055, LOW_RELIABILITY]
    assert ld["Against target"] == "Cannot yet tell [u]"  # the KPIs page's words: 75 % lies in 9.45-90.55 %
    for key in (("CON-IA", "KPI 1: one-to-one"), ("CON-LD", "KPI 2: group"), ("CON-SLI", "KPI 1: one-to-one")):
        assert {kpis[key][c] for c in ("Eligible", "Met", "Rate", "Against target")} == {SUPPRESSED}, key
    coverage = [
        (r["Contract"], r["Financial year"], r["Support type"], r["LAs supported"], r["Target met"])
        for r in table(book["Coverage"], "LAs supported")
    ]
    assert coverage == [
        ("CON-IA", "2021-22", "One-to-one", 1, None),
        ("CON-IA", "2022-23", "One-to-one", 1, None),
        ("CON-LD", "2021-22", "Group", 1, "No"),
        ("CON-LD", "2021-22", "One-to-one", 3, "No"),
        ("CON-LD", "2022-23", "Group", 1, "Not yet: year not over"),
        ("CON-LD", "2022-23", "One-to-one", 1, "Not yet: year not over"),
        ("CON-SLI", "2021-22", "One-to-one", 1, None),
    ]  # CON-SLI supported no LA in 2022-23
    totals = {
        (r["Contract"], r["Financial year"]): (r["Allocated (£)"], r["Spent (£)"])
        for r in table(book["Finance"], "Totals (for reconciliation with the pricing schedules only)")
    }
    assert {key: tuple(round(value, 2) for value in pair) for key, pair in totals.items() if key[1] == "All years"} == {
        ("CON-IA", "All years"): (28500.00, 7520.40),
        ("CON-LD", "All years"): (87000.65, 13550.33),
        ("CON-SLI", "All years"): (232000.00, 5400.00),
    }
    value = [
        tuple(
            r[c]
            for c in (
                "Contract",
                "Spend (£)",
                "LAs supported",
                "Participants",
                "Met the KPI",
                "Days delivered",
                "Cost per LA (£)",
                "Cost per participant (£)",
                "Cost per person who met the KPI (£)",
                "Cost per day (£)",
            )
        )
        for r in table(book["Value for money"], "Per contract, from its start to the as-at date")
    ]
    assert value == [
        ("CON-IA", 7520.40, 1, SUPPRESSED, SUPPRESSED, 15, 7520, SUPPRESSED, SUPPRESSED, 501),
        ("CON-LD", 13550.33, 3, 4, 1, 16, 4517, 3388, 13550, 847),
        ("CON-SLI", 5400, 1, SUPPRESSED, SUPPRESSED, 30, 5400, SUPPRESSED, SUPPRESSED, 180),
    ]
    outcomes = [
        tuple(
            r[c]
            for c in (
                "Contract",
                "Judged before and after support",
                "Other LAs judged before and after",
                "Other LAs stayed the same",
            )
        )
        for r in table(book["Outcomes"], "Supported LAs judged before and after support, and the LAs not supported")
    ]
    assert outcomes == [
        ("CON-IA", 0, "support not ended", "support not ended"),
        ("CON-LD", 0, "support not ended", "support not ended"),
        ("CON-SLI", 0, 1, 1),
    ]
    changes = {
        (r["Contract"], r["Figure"]): (r["Then"], r["Now"], r["Change"])
        for r in table(book["Changes"], "Headline figures on both dates")
    }
    assert changes[("CON-LD", "Spent to date (£)")] == (8700.00, 13550.33, "up £4,850.33")  # numbers: they sum
    assert changes[("CON-SLI", "KPI 1 rate")] == (SUPPRESSED, SUPPRESSED, SUPPRESSED)
    cells = {row[1].value: row for row in book["Changes"].iter_rows(min_row=6) if row[0].value == "CON-LD"}
    assert cells["Spent to date (£)"][3].number_format == "£#,##0.00"
    assert cells["KPI 1 rate"][3].number_format == "0%" and isinstance(cells["KPI 1 rate"][3].value, float)
    assert cells["KPI 1 eligible"][3].value == 2 and cells["KPI 1 eligible"][3].number_format == "#,##0"


def test_sheets_and_cover(pack):
    assert pack.sheetnames == [
        "Cover",
        "Status",
        "Changes",
        "KPIs",
        "Coverage",
        "Finance",
        "Timelines",
        "Value for money",
        "Outcomes",
    ]
    cover = pack["Cover"]
    assert cover["B4"].value.date() == AS_OF
    sources = table(cover, "Data sources (imported workbooks, newest first)")
    assert {(row["Kind"], row["Contract"]) for row in sources} >= {("quarterly return", "CON-LD"), ("LA status", None)}
    assert all("File" not in row and "Who" not in row for row in sources)  # no file names, no e-mails
    assert all(row["Imported at"] is not None for row in sources)
    texts = [row[0] for row in cover.iter_rows(values_only=True) if row[0]]
    assert "Caveats" in texts
    assert any(SUPPRESSED in text for text in texts) and any(LOW_RELIABILITY in text for text in texts)
    kpi_note = pack["KPIs"]["A2"].value  # the KPIs sheet, read on its own, explains the symbols in it
    assert f"{SUPPRESSED} confidential" in kpi_note and f"{LOW_RELIABILITY} low reliability" in kpi_note


def test_kpis_equal_the_summary(pack, summary):
    """The summary's figures, except that a contract's KPI whose participants (counted as of the
    pack's date) all lie in one LA shows [c] for every count and its rate, as the pages do for the Board:
    on the small database CON-IA's (Sefton), CON-SLI's (Knowsley) and CON-LD's KPI 2 (one person, Sefton)."""
    one_la = {("CON-IA", "one_to_one"), ("CON-LD", "group"), ("CON-SLI", "one_to_one")}
    rows = table(pack["KPIs"], "KPI results by contract")
    assert len(rows) == len(summary["kpis"])
    suppressed = 0
    for row, item in zip(rows, summary["kpis"]):
        assert row["Contract"] == item["contract"]
        counts = (
            ("Eligible", "eligible"),
            ("Met", "met"),
            ("Not met", "not_met"),
            ("No baseline", "no_baseline"),
            ("No response", "no_response"),
            ("Pending", "pending"),
            ("Awaiting return", "awaiting_return"),
            ("In progress", "in_progress"),
        )
        hidden = (item["contract"], item["kpi"]) in one_la and any(1 <= item[key] <= 4 for _, key in counts)
        suppressed += hidden
        for column, key in counts:
            assert row[column] == (SUPPRESSED if hidden else item[key]), column
        assert row["Target"] == item["target"]
        for column, key in (("Rate", "rate"), ("95 % CI low", "ci_low"), ("95 % CI high", "ci_high")):
            expected = SUPPRESSED if hidden else "no data" if item[key] is None else item[key]
            assert row[column] == expected, column  # "no data" beside [c] counts would say they are all 0
        low = item["rate"] is not None and item["eligible"] < 5
        assert row["Reliability"] == (SUPPRESSED if hidden else LOW_RELIABILITY if low else None)
    assert any(row["Reliability"] == LOW_RELIABILITY for row in rows)
    assert suppressed, "the small database's adviser call-off (Sefton only) has a KPI of 1 to 4 participants"


def test_coverage_equals_the_summary(pack, summary):
    rows = table(pack["Coverage"], "LAs supported")
    assert [(r["Contract"], r["Financial year"], r["LAs supported"]) for r in rows] == [
        (i["contract"], i["financial_year"], i["las_supported"]) for i in summary["coverage"]
    ]
    assert [r["Target (minimum LAs)"] for r in rows] == [
        i["target"] if i["target"] is not None else NOT_SET for i in summary["coverage"]
    ]


def test_coverage_counts_las_by_region_never_people_per_la(pack):
    """LA-level counts of people are not part of the Board's view: the pack counts LAs. On the small
    database: CON-LD supported Sefton and Knowsley in the North West and Leeds in Yorkshire and The Humber;
    CON-IA Sefton; CON-SLI Knowsley."""
    rows = table(pack["Coverage"], "LAs supported by region (since each contract began)")
    assert {(row["Contract"], row["Region"]): row["LAs supported"] for row in rows} == {
        ("CON-IA", "North West"): 1,
        ("CON-LD", "North West"): 2,
        ("CON-LD", "Yorkshire and The Humber"): 1,
        ("CON-SLI", "North West"): 1,
    }
    labels = [cell.value for sheet in pack.worksheets for line in sheet.iter_rows() for cell in line]
    assert not any(isinstance(value, str) and "Participants supported" in value for value in labels)


def test_finance_equals_the_summary(pack, summary):
    rows = table(pack["Finance"], "Spend against allocation")
    assert [
        (
            r["Contract"],
            r["Financial year"],
            r["Expenditure heading"],
            r["Allocated (£)"],
            r["Spent (£)"],
            r["Remaining (£)"],
        )
        for r in rows
    ] == [
        (i["contract"], i["financial_year"], i["heading"], i["allocated"], i["spent"], i["remaining"])
        for i in summary["finance"]
    ]
    totals = table(pack["Finance"], "Totals (for reconciliation with the pricing schedules only)")
    for contract in {i["contract"] for i in summary["finance"]}:
        all_years = next(r for r in totals if r["Contract"] == contract and r["Financial year"] == "All years")
        expected = sum(i["allocated"] for i in summary["finance"] if i["contract"] == contract)
        assert all_years["Allocated (£)"] == pytest.approx(expected, abs=0.001)


def test_value_for_money_equals_the_summary_with_c_for_one_la(pack, summary):
    rows = {r["Contract"]: r for r in table(pack["Value for money"], "Per contract, from its start to the as-at date")}
    assert set(rows) == {i["contract"] for i in summary["value_for_money"]}
    for item in summary["value_for_money"]:
        row = rows[item["contract"]]
        assert (row["Spend (£)"], row["LAs supported"], row["Days delivered"]) == (
            item["spend"],
            item["las_supported"],
            item["days"],
        )
        assert row["Cost per LA (£)"] == item["cost_per_la"]
        assert row["Cost per day (£)"] == (
            item["cost_per_day"] if item["cost_per_day"] is not None else "no days recorded"
        )
        if item["contract"] in ("CON-IA", "CON-SLI"):  # all in Sefton, all in Knowsley: about that LA's people
            assert [
                row[c]
                for c in (
                    "Participants",
                    "Met the KPI",
                    "Cost per participant (£)",
                    "Cost per person who met the KPI (£)",
                )
            ] == [SUPPRESSED] * 4
        else:
            assert (row["Participants"], row["Met the KPI"]) == (item["participants"], item["met"])
    years = table(pack["Value for money"], "Per contract and financial year")
    assert {r["Financial year"] for r in years} == {"2021-22", "2022-23"}
    assert all(r["Participants"] == SUPPRESSED for r in years if r["Contract"] in ("CON-IA", "CON-SLI"))
    assert any(r["Participants"] != SUPPRESSED for r in years if r["Contract"] == "CON-LD")


def test_outcomes_equal_the_summary(pack, summary):
    rows = table(pack["Outcomes"], "Supported LAs judged before and after support, and the LAs not supported")
    assert [
        (r["Contract"], r["Judged before and after support"], r["Improved"], r["Stayed the same"], r["Declined"])
        for r in rows
    ] == [(i["contract"], i["las_reinspected"], i["improved"], i["same"], i["declined"]) for i in summary["outcomes"]]
    texts = [r[0] for r in pack["Outcomes"].iter_rows(values_only=True) if r[0]]
    assert any("not the effect of the support" in t for t in texts)


def test_timelines_sheet(pack):
    milestones = table(pack["Timelines"], "Milestones")
    assert {r["Milestone"]: r["Status"] for r in milestones}["Interim evaluation report"] == "Overdue"


def test_charts_are_images(pack):
    for name in ("KPIs", "Coverage", "Finance", "Timelines", "Value for money"):
        assert pack[name]._images, name


def test_no_personal_data_anywhere(pack):
    cells = [
        str(value) for sheet in pack for row in sheet.iter_rows(values_only=True) for value in row if value is not None
    ]
    text = "\n".join(cells)
    for secret in (*PARTICIPANT_NAMES, *PARTICIPANT_IDS, EVIDENCE, "test loader"):
        assert secret not in text, secret


def test_build_needs_no_database():
    class Empty:
        contracts = units = responses = allocations = invoice_lines = milestones = las = statuses = returns = ()
        regions: ClassVar[dict] = {}

    data = build_board_pack(Empty(), AS_OF, [])
    book = openpyxl.load_workbook(__import__("io").BytesIO(data))
    assert book.sheetnames[0] == "Cover"


def test_command_line(small_db_url, tmp_path):  # noqa: F811
    """The smoke test: ``python -m dashboard board-pack`` as a shell starts it."""
    out = tmp_path / "pack.xlsx"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "board-pack",
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
            "--db",
            small_db_url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert out.exists() and openpyxl.load_workbook(out)["Cover"]["B4"].value.date() == AS_OF


@pytest.mark.parametrize("where", ["no-such-folder/pack.xlsx", "."])
def test_command_line_cannot_write_there_exit_2_not_a_traceback(small_db_url, tmp_path, where):  # noqa: F811
    out = tmp_path / where
    result = run_cli("dashboard", "board-pack", "--out", str(out), "--db", small_db_url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: cannot write {out}: ")


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_command_line_as_of_outside_the_dashboards_dates_exit_2(small_db_url, tmp_path, as_of):  # noqa: F811
    for command in (["kpis", "--json"], ["board-pack", "--out", str(tmp_path / "pack.xlsx")]):
        result = run_cli("dashboard", *command, "--as-of", as_of, "--db", small_db_url)
        assert result.returncode == 2 and "expected a date from 01/01/1900 to 31/12/2199" in result.stderr


def test_a_year_not_over_is_not_yet_judged_against_its_minimum():
    """ "At least 15 LAs a year": below the minimum in a year still running is "not yet", not "No"."""
    from dashboard.board_pack import coverage_frame

    summary = {
        "as_of": "2022-06-30",
        "coverage": [
            {
                "contract": "A",
                "financial_year": year,
                "support_type": "group",
                "las_supported": supported,
                "target": target,
            }
            for year, supported, target in (
                ("2021-22", 12, 15),
                ("2022-23", 6, 15),
                ("2022-23", 16, 15),
                ("2022-23", 3, None),
            )
        ],
    }
    assert list(coverage_frame(summary)["Target met"]) == ["No", "Not yet: year not over", "Yes", ""]


def test_timelines_sheet_lists_a_report_on_the_register_once(demo_records):
    """The Board pack's deadlines are the Timelines page's: a report the register lists as a milestone
    due the same day (Con_10575's case report 7, con_9887's Q4 progress report) is listed once."""
    import io

    book = openpyxl.load_workbook(io.BytesIO(build_board_pack(demo_records, date(2022, 3, 31))))
    deadlines = table(book["Timelines"], "Deadlines in the next 60 days")
    listed = [(r["Contract"], r["What"], r["Details"]) for r in deadlines]
    assert ("Con_10575", "Milestone", "Case report 7") in listed
    assert ("con_9887", "Milestone", "Q4 2021-22 progress report") in listed
    assert not [r for r in listed if r[2] == "Case report 7" and r[1] != "Milestone"]
    assert ("con_9887", "Quarterly progress report", "Progress report for 2021-22 Q4") not in listed
    milestones = table(book["Timelines"], "Milestones")
    assert {type(r["Days to due date"]) for r in milestones} <= {int, type(None)}


def test_cover_says_each_contracts_data_currency_as_the_summary_does(demo_records):
    """The cover states each contract's data-to and latest return import (docs: "Data currency"),
    and the KPIs sheet counts the units awaiting the return, as the JSON does."""
    import io

    from dashboard.summary import build_summary

    as_of = date(2024, 3, 15)
    book = openpyxl.load_workbook(io.BytesIO(build_board_pack(demo_records, as_of)))
    expected = build_summary(
        as_of,
        demo_records.contracts,
        demo_records.units,
        demo_records.responses,
        demo_records.allocations,
        demo_records.invoice_lines,
        demo_records.las,
        judgements=demo_records.judgements,
        returns=demo_records.returns,
        milestones=demo_records.milestones,
    )
    rows = table(book["Cover"], "How current the data is (each contract's 'data to' date)")
    assert [row["Contract"] for row in rows] == [entry["contract"] for entry in expected["contracts"]]
    for row, entry in zip(rows, expected["contracts"]):
        assert row["Data to"].date().isoformat() == entry["data_to"]
        assert row["Latest return imported"].date().isoformat() == entry["latest_return_imported"]
        assert row["Status"] == ("Return overdue" if entry["return_overdue"] else "Up to date")
    kpis = table(book["KPIs"], "KPI results by contract")
    awaiting = {(item["contract"], item["awaiting_return"]) for item in expected["kpis"]}
    assert any(count for _, count in awaiting)
    assert {(row["Contract"], row["Awaiting return"]) for row in kpis} <= awaiting | {
        (row["Contract"], SUPPRESSED) for row in kpis
    }


def test_old_imports_cover_says_data_currency_unknown(pack):
    rows = table(pack["Cover"], "How current the data is (each contract's 'data to' date)")
    assert rows and {(row["Data to"], row["Status"]) for row in rows} == {("unknown", "Currency unknown")}
