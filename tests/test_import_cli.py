"""cli.md, Import: ``python -m data_access import FILE... [--contract REF] [--dry-run] [--db URL]``.

Run as a user would (in this process through ``main(argv)``; one smoke test starts the real
process): exit 0 with a summary line per file and sheet,
exit 1 with every error and nothing written, exit 2 for a bad command line or an
unreadable database.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from data_access.templates import template_workbook
from tests.cli_runner import PROJECT_ROOT, CliResult, run_cli
from tests.workbooks import (
    OMIT,
    SheetSpec,
    day_rate_row,
    engagement_row,
    finance_row,
    part_a_sheet,
    pricing_schedule,
    quarterly_return,
    register,
    seed,
    survey_row,
    table_counts,
    xlsx,
)

ERROR_LINE = re.compile(r"^(?P<file>.+?):(?P<sheet>[^:]*):(?P<row>\d*):(?P<column>[^:]*): (?P<message>.+)$")
SHEET_LINE = re.compile(
    r"^(?P<file>.+?):(?P<sheet>[^:]+): (?P<inserted>\d+) inserted, (?P<updated>\d+) updated, "
    r"(?P<unchanged>\d+) unchanged, (?P<skipped>\d+) skipped, (?P<flags>\d+) flags"
)


def cli(*arguments: str, url: str | None = None, cwd: Path | None = None) -> CliResult:
    return run_cli("data_access", *arguments, *(["--db", url] if url else []), cwd=cwd)


@pytest.fixture
def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def write(folder: Path, name: str, *sheets) -> str:
    path = folder / name
    path.write_bytes(xlsx(*sheets))
    return str(path)


def sheet_lines(stdout: str) -> dict[tuple[str, str], tuple[int, ...]]:
    found = {}
    for line in stdout.splitlines():
        match = SHEET_LINE.match(line)
        if match:
            found[(Path(match["file"]).name, match["sheet"])] = tuple(
                int(match[name]) for name in ("inserted", "updated", "unchanged", "skipped", "flags")
            )
    return found


def test_import_files_in_order_exit_0_with_a_line_per_file_and_sheet(engine, url, tmp_path):
    no_reference = {"Contract reference": OMIT}
    files = [
        write(tmp_path, "register.xlsx", register()),
        write(tmp_path, "pricing.xlsx", pricing_schedule()),
        write(
            tmp_path,
            "return.xlsx",
            quarterly_return(  # no contract reference: --contract gives it
                engagements=[engagement_row(no_reference), ["Total"]],
                survey=[survey_row(no_reference)],
                finance=[finance_row(no_reference)],
            ),
            SheetSpec("Notes", [["free text"]], columns=["Guidance"]),
        ),
    ]
    result = cli("import", *files, "--contract", "CON-1", url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sheet_lines(result.stdout) == {
        ("register.xlsx", "Contracts"): (1, 0, 0, 0, 0),
        ("pricing.xlsx", "Part A"): (9, 0, 0, 1, 0),
        ("pricing.xlsx", "Part B"): (2, 0, 0, 0, 0),
        ("return.xlsx", "Engagements"): (1, 0, 0, 1, 0),
        ("return.xlsx", "Survey"): (1, 0, 0, 0, 0),
        ("return.xlsx", "Finance"): (1, 0, 0, 0, 0),
    }
    lines = result.stdout.splitlines()
    for name, kind in (
        ("register.xlsx", "contract register"),
        ("pricing.xlsx", "pricing schedule"),
        ("return.xlsx", "quarterly return"),
    ):
        assert f"{tmp_path / name}: {kind}, imported" in lines
    assert any("return.xlsx: ignored sheet Notes" in line for line in lines)
    assert table_counts(engine)["engagements"] == 1

    again = cli("import", *files, "--contract", "CON-1", url=url)  # the same files twice: nothing changes
    assert again.returncode == 0
    assert all(counts[0] == counts[1] == 0 for counts in sheet_lines(again.stdout).values())


def test_invalid_files_exit_1_every_error_and_nothing_written(engine, url, tmp_path):
    seed(engine)
    before = table_counts(engine)
    bad = write(
        tmp_path,
        "return.xlsx",
        quarterly_return(
            engagements=[
                engagement_row({"Participant ID": "P-1"}),
                engagement_row({"Participant ID": "P-2", "LA": "Sefon"}),
                engagement_row({"Participant ID": "P-3", "End date": date(2020, 1, 1)}),
            ],
            finance=[finance_row({"Amount": "#REF!"})],
        ),
    )
    refused = tmp_path / "return.xls"
    refused.write_bytes(xlsx(register()))
    result = cli("import", bad, str(refused), url=url)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ERROR_LINE.match(line)]
    assert sorted((m["file"], m["sheet"], m["row"], m["column"]) for m in map(ERROR_LINE.match, errors)) == sorted(
        [
            (bad, "Engagements", "3", "LA"),
            (bad, "Engagements", "4", "End date"),
            (bad, "Finance", "2", "Amount"),
            (str(refused), "", "", ""),
        ]
    )
    assert f"{bad}: rejected with 3 error(s); nothing was written" in result.stdout
    assert f"{refused}:::: only .xlsx, .xlsm and .csv files are read, not '.xls'" in result.stdout
    assert table_counts(engine) == before


def test_dry_run_writes_nothing(engine, url, tmp_path):
    before = table_counts(engine)
    result = cli("import", "--dry-run", write(tmp_path, "register.xlsx", register()), url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "would import" in result.stdout
    assert sheet_lines(result.stdout) == {("register.xlsx", "Contracts"): (1, 0, 0, 0, 0)}
    assert table_counts(engine) == before


def test_dry_run_of_dependent_files_reports_what_the_import_would_and_writes_nothing(engine, url, tmp_path):
    """Files are taken in the order given: the return is checked against the register and
    schedule before it, as the real import would check it, yet nothing is written."""
    files = [
        write(tmp_path, "register.xlsx", register()),
        write(tmp_path, "pricing.xlsx", pricing_schedule()),
        write(tmp_path, "return.xlsx", quarterly_return(engagements=[engagement_row()], finance=[finance_row()])),
    ]
    before = table_counts(engine)
    dry = cli("import", "--dry-run", *files, url=url)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert table_counts(engine) == before
    real = cli("import", *files, url=url)
    assert real.returncode == 0, real.stdout + real.stderr
    assert (
        sheet_lines(dry.stdout)
        == {(Path(file).name, sheet): counts for (file, sheet), counts in sheet_lines(real.stdout).items()}
        != {}
    )


def test_a_revised_pricing_schedule_counts_the_rows_it_removes(engine, url, tmp_path):
    """A revised schedule is the contract's whole schedule: Part A's headings and Part B's roles it no
    longer has are removed, each sheet's line says how many, and each is flagged."""
    seed(engine)
    revised = write(
        tmp_path,
        "pricing-v2.xlsx",
        pricing_schedule(
            part_a_sheet({"Peer mentors": [100_000] * 3, "Programme management": [200_000] * 3}),
            day_rates=[day_rate_row()],
        ),
    )
    result = cli("import", revised, url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert (
        f"{revised}:Part A: 0 inserted, 0 updated, 6 unchanged, 1 skipped, 3 flags, "
        "3 removed (no longer in the pricing schedule)"
    ) in lines
    assert (
        f"{revised}:Part B: 0 inserted, 0 updated, 1 unchanged, 0 skipped, 1 flags, "
        "1 removed (no longer in the pricing schedule)"
    ) in lines
    assert (
        f"{revised}: flag: Part B: Programme director (Executive) of CON-1 is no longer in the pricing schedule; "
        "its day rate of £750.00 is removed"
    ) in lines
    assert table_counts(engine)["day_rates"] == 1


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["import"],
        ["import", "x.xlsx", "--no-such-option"],
    ],
    ids=["no command", "no file", "unknown option"],
)
def test_bad_command_line_exit_2(arguments, tmp_path):
    result = cli(*arguments, cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_kpis_for_an_unknown_contract_exit_2_naming_the_known_ones(engine, url, tmp_path):
    """A mistyped --contract is a bad command line, not an empty summary; any case of a known one works."""
    assert cli("import", write(tmp_path, "register.xlsx", register()), url=url).returncode == 0

    def kpis(contract: str) -> CliResult:
        return run_cli("dashboard", "kpis", "--json", "--contract", contract, "--db", url)

    mistyped = kpis("CON-9")
    assert mistyped.returncode == 2 and mistyped.stdout == ""
    assert mistyped.stderr.startswith("error: unknown contract 'CON-9': known contracts are CON-1")
    known = kpis("con-1")
    assert known.returncode == 0 and json.loads(known.stdout)["as_of"], known.stderr


def _unreadable_urls(tmp_path: Path) -> dict[str, str]:
    not_a_database = tmp_path / "garbage.db"
    not_a_database.write_bytes(b"this is not an SQLite database" * 100)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    return {
        "bogus scheme": "bogus://user:secret@host/db",
        "not a URL": "not a database url",
        "directory is a file": f"sqlite:///{a_file}/x.db",
        "not an SQLite file": f"sqlite:///{not_a_database}",
    }


@pytest.mark.parametrize("command", ["import", "kpis"])
@pytest.mark.parametrize("case", ["bogus scheme", "not a URL", "directory is a file", "not an SQLite file"])
def test_unreadable_database_exit_2(case, command, tmp_path):
    """Both commands of cli.md: "Exit 2: ... unreadable database", one line, no password."""
    url = _unreadable_urls(tmp_path)[case]
    if command == "import":
        workbook = tmp_path / "register.xlsx"
        workbook.write_bytes(xlsx(register()))
        result = cli("import", str(workbook), url=url)
    else:
        result = run_cli("dashboard", "kpis", "--json", "--db", url)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: cannot open the database")
    assert "Traceback" not in result.stderr and "secret" not in result.stderr
    assert result.stdout == ""


def test_a_file_with_no_data_rows_says_so_and_changes_nothing(engine, url, tmp_path):
    """A blank template (headers only) is valid, but the summary says it changes nothing, so the user
    who chose the wrong file finds out; a file with a data row has no such note."""
    seed(engine)
    with Session(engine) as session:
        (tmp_path / "blank.xlsx").write_bytes(template_workbook(session, "quarterly return"))
    blank = str(tmp_path / "blank.xlsx")
    filled = write(tmp_path, "filled.xlsx", quarterly_return(engagements=[engagement_row()]))
    before = table_counts(engine)
    result = cli("import", blank, filled, url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    notes = [line for line in result.stdout.splitlines() if ": note: " in line and "reporting quarter" not in line]
    assert notes == [
        (
            f"{blank}: note: No data rows under the headers of Engagements, Survey and Finance: importing "
            "this file changes nothing. Was the blank template chosen instead of the filled-in one?"
        )
    ]
    assert table_counts(engine)["engagements"] == before["engagements"] + 1


def test_smoke_the_real_processes_import_then_report(engine, url, tmp_path):
    """The entry points as a shell starts them: ``python -m data_access import`` then ``python -m dashboard kpis``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DASHBOARD_")}
    imported = subprocess.run(
        [sys.executable, "-m", "data_access", "import", write(tmp_path, "register.xlsx", register()), "--db", url],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=environment,
        timeout=180,
    )
    assert imported.returncode == 0, imported.stderr
    assert any(SHEET_LINE.match(line) for line in imported.stdout.splitlines()), imported.stdout
    reported = subprocess.run(
        [sys.executable, "-m", "dashboard", "kpis", "--json", "--db", url],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=environment,
        timeout=180,
    )
    assert reported.returncode == 0, reported.stderr
    assert [entry["contract"] for entry in json.loads(reported.stdout)["contracts"]] == ["CON-1"]
