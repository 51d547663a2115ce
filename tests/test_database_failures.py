"""When the database itself fails, the message says what happened: a read-only database, a full
disk, a connection lost while writing. The command line prints one line and exits 2 (exit 1 is
for invalid files); the Upload page says it too; no traceback, and never "please try again"
for something a retry cannot mend. A missing folder is never created for a database URL given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, text

from data_access.db import DatabaseUnavailable, make_engine
from data_access.services import RETRY_MESSAGE, import_file
from tests import workbooks as wb
from tests.cli_runner import CliResult, run_cli
from tests.conftest import postgres_only, sqlite_only

ROOT = Path(__file__).resolve().parents[1]
MANY = wb.xlsx(
    wb.quarterly_return(
        engagements=[wb.engagement_row(**{"Package ID": "PKG-F", "Participant ID": f"P-F{n:04d}"}) for n in range(400)]
    )
)


def cli(*arguments: str, shell_tail: str = "") -> subprocess.CompletedProcess | CliResult:
    """In this process, except behind a pipe (``| head``), which needs the real process."""
    if not shell_tail:
        return run_cli("data_access", *arguments)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DASHBOARD_")}
    command = [sys.executable, "-m", "data_access", *arguments]
    return subprocess.run(
        " ".join(f"'{part}'" for part in command) + shell_tail,
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=180,
    )


def _one_clean_line(result: subprocess.CompletedProcess | CliResult, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert "Traceback" not in result.stderr and RETRY_MESSAGE not in result.stdout + result.stderr


@pytest.fixture
def seeded(engine):
    wb.seed(engine)
    return engine


def test_a_database_in_a_folder_that_does_not_exist_is_not_created(tmp_path):
    missing = tmp_path / "nonexistent_dir"
    workbook = tmp_path / "register.xlsx"
    workbook.write_bytes(wb.xlsx(wb.register()))
    result = cli("import", str(workbook), "--db", f"sqlite:///{missing}/x.db")
    _one_clean_line(result, str(missing), "does not exist")
    assert not missing.exists()


def _read_only_url(engine) -> str:
    return f"sqlite:///file:{engine.url.database}?mode=ro&uri=true"


@sqlite_only
@pytest.mark.parametrize("workbook", ["valid", "invalid"])
def test_a_read_only_database_says_so_and_exits_2(seeded, tmp_path, workbook):
    path = tmp_path / "return.xlsx"
    path.write_bytes(
        MANY if workbook == "valid" else wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row(LA="Atlantis")]))
    )
    before = wb.table_counts(seeded)
    result = cli("import", str(path), "--db", _read_only_url(seeded))
    _one_clean_line(result, "read-only")
    assert wb.table_counts(seeded) == before


@sqlite_only
def test_a_full_disk_says_so(seeded):
    """SQLite's own limit on the file's pages stands in for a full disk (SQLITE_FULL)."""
    full = make_engine(seeded.url.render_as_string(hide_password=False))

    @event.listens_for(full, "connect")
    def _no_room(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    with pytest.raises(DatabaseUnavailable, match=r"disk .*is full"):
        import_file(full, "return.xlsx", MANY, "tests")
    full.dispose()


CUT_MID_COPY = r"""
import sys
from sqlalchemy import create_engine, text
from data_access import bulk, cli

url = sys.argv[1]
original = bulk._tuples
def cut_after_some_rows(*arguments):
    for number, values in enumerate(original(*arguments)):
        if number == 50:  # another session ends this one's connection, as a network failure would
            with create_engine(url).connect() as other:
                other.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE query LIKE 'COPY %' AND pid <> pg_backend_pid()"))
        yield values
bulk._tuples = cut_after_some_rows
raise SystemExit(cli.main(["import", sys.argv[2], "--db", url]))
"""


@postgres_only
def test_a_connection_lost_mid_copy_says_so_and_exits_2(seeded, tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_bytes(MANY)
    url = seeded.url.render_as_string(hide_password=False)
    before = wb.table_counts(seeded)
    result = subprocess.run(
        [sys.executable, "-c", CUT_MID_COPY, url, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=180,
    )
    _one_clean_line(result, "connection", "lost")
    assert wb.table_counts(seeded) == before


def test_import_piped_to_head_ends_cleanly_and_imports_every_file(seeded, tmp_path):
    url = seeded.url.render_as_string(hide_password=False)
    paths = []
    for number in range(6):
        path = tmp_path / f"return-{number}.xlsx"
        path.write_bytes(
            wb.xlsx(
                wb.quarterly_return(
                    engagements=[
                        wb.engagement_row(**{"Package ID": f"PKG-{number}", "Participant ID": f"P-{n}"})
                        for n in range(300)
                    ]
                )
            )
        )
        paths.append(str(path))
    result = cli("import", *paths, "--db", url, shell_tail=" | head -c 1")
    assert result.returncode == 0 and "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, (
        result.stderr
    )
    with seeded.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM imports WHERE outcome = 'imported' AND file_name LIKE '%return-%'")
            ).scalar_one()
            == 6
        )
