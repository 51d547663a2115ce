"""The benchmarks of issue 6, side by side in one run (``make bench`` = ``python -m bench``).

1. Import: ``data_access.services.import_file`` of a 100,000-row quarterly return
   into a database with the contract registered, against the bare read of the
   same workbook with python-calamine (goal: at most 2x).
2. Figures: every Overview, KPI, Coverage and Finance figure at full scale
   (``data_access.queries.load`` + ``build_summary``, ``compute_kpis`` by region,
   role and focus, ``coverage_by_region``, ``finance_flags``) on SQLite and
   PostgreSQL, against DuckDB computing the same figures from the same data
   (goal: at most 3x DuckDB).
3. Pages: first render and re-render after a filter change of Overview, KPIs,
   Coverage and Finance through ``AppTest`` (goal: re-render under 0.3 s).
4. Browser: what a user feels in headless Chromium (``bench.browser``): a new session's first
   content and fully drawn page, a page switch and a filter change, p50 and p95, on SQLite and
   PostgreSQL (goals: first content under 1.5 s, filter change under 0.3 s).
5. Memory: peak RSS (VmHWM) of a ``streamlit run app.py`` server serving the
   Overview to headless Chromium.
6. Load: fifty people at once (``bench.load``): websocket sessions through the Board's and a
   case lead's journeys on the demo data on PostgreSQL while a return is imported, on one
   server and on two behind HAProxy (goal: every step's p95 within 2x a single user's, no error).

Results go to ``bench/RESULTS.md``. Timed numbers are never asserted anywhere.

    python -m bench [--scale 0.05] [--skip pages,memory,postgres,load] [--profile STEP] [--load-sessions 50]

PostgreSQL: ``DASHBOARD_BENCH_POSTGRES_URL`` (or ``DASHBOARD_TEST_POSTGRES_URL``)
names a server where the benchmark may create and drop the databases
``oversight_bench``, ``oversight_bench_import``, ``oversight_load`` and ``oversight_load_restore``; without either, PostgreSQL is
skipped and the results say so.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import pstats
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import phases
from bench.browser import cpu_ticks, idle_between, wait_until_idle

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
AS_OF = date(2024, 3, 15)
PG_FIGURES_DB = "oversight_bench"
PG_IMPORT_DB = "oversight_bench_import"


@dataclass
class Row:
    step: str
    measured: float | None  # seconds (or MB for memory)
    against_label: str = ""
    against: float | None = None
    goal: str = ""
    goal_ratio: float | None = None  # ratio goal (measured / against <= goal_ratio)
    goal_abs: float | None = None  # absolute goal (measured <= goal_abs)
    unit: str = "s"
    note: str = ""
    section: str = ""

    @property
    def ratio(self) -> float | None:
        if self.measured is None or not self.against:
            return None
        return self.measured / self.against

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "not run"
        if self.goal_ratio is not None and self.ratio is not None:
            return "met" if self.ratio <= self.goal_ratio else "MISSED"
        if self.goal_abs is not None:
            return "met" if self.measured <= self.goal_abs else "MISSED"
        return ""


@dataclass
class Report:
    scale: float
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    section: str = ""

    def add(self, row: Row) -> None:
        row.section = row.section or self.section
        self.rows.append(row)
        print(
            f"  {row.step}: {_fmt(row.measured, row.unit)}"
            + (f" vs {row.against_label} {_fmt(row.against, row.unit)} = {row.ratio:.2f}x" if row.ratio else "")
            + (f"  [{row.note}]" if row.note else ""),
            flush=True,
        )


def _fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "n":
        return f"{value:,.0f}"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs, and the last result. The previous run's result is let go
    before the clock starts: freeing it (at full scale, half a million records of a load) is no
    part of the run timed, and no cold page pays it."""
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# ------------------------------------------------------------------------- databases


def postgres_base_url() -> str | None:
    return os.environ.get("DASHBOARD_BENCH_POSTGRES_URL") or os.environ.get("DASHBOARD_TEST_POSTGRES_URL")


def fresh_postgres_database(base_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``base_url``; its URL."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base_url).set(database=name, query={})
    return url.render_as_string(hide_password=False)


def fresh_sqlite(name: str) -> str:
    path = OUT / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


# ---------------------------------------------------------------------------- import


def bench_import(report: Report, scale: float, backends: dict[str, str | None], profile: bool = False) -> None:
    import pandas  # noqa: F401 - loaded as in the app's server (pyarrow's to_numpy loads it on first use: 0.2 s)
    import python_calamine

    from bench.generate import register_contract, sizes, write_return_workbook
    from data_access.db import ensure_database, make_engine
    from data_access.services import import_file

    rows = sizes(scale)["workbook_rows"]
    path = OUT / "quarterly_return.xlsx"
    log(f"writing the {rows:,}-row quarterly return")
    seconds, _ = timed(lambda: write_return_workbook(path, scale))
    data = path.read_bytes()
    revised_path = OUT / "quarterly_return_revised.xlsx"
    write_return_workbook(revised_path, scale, revised=True)
    revised = revised_path.read_bytes()
    report.info["workbook"] = f"{rows:,} Engagements rows, {len(data) / 1048576:.1f} MB, written in {seconds:.1f} s"

    def bare_read():
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names]

    calamine_s, _sheets = timed(bare_read, repeat=3)
    report.add(Row(f"Read the {rows:,}-row return, python-calamine alone", calamine_s, note="best of 3"))
    arrow_s = _bare_arrow_read(data)
    report.add(
        Row(
            f"Read the {rows:,}-row return's table, fastexcel alone (into Arrow)",
            arrow_s,
            "calamine read",
            calamine_s,
            note="best of 3; what the importer's read is built on",
        )
    )
    for backend, url in backends.items():
        if url is None:
            continue
        engine = make_engine(url)
        ensure_database(engine)
        register_contract(engine)
        log(f"importing on {backend}")
        new_rows_s, outcome = timed(lambda engine=engine: import_file(engine, path.name, data, "benchmark"))
        ok = outcome.plan.ok
        totals = outcome.plan.totals()
        note = (
            f"{totals['inserted']:,} inserted, {totals['flags']:,} flags"
            if ok
            else f"REJECTED: {outcome.plan.errors[:1]}"
        )
        goal = 2.0 if backend == "SQLite" else 3.0  # PostgreSQL keeps every foreign key (issue 20)
        report.add(
            Row(
                f"Import the return, import_file, {backend}",
                new_rows_s,
                "calamine read",
                calamine_s,
                f"<= {goal:g}x calamine",
                goal_ratio=goal,
                note=note,
            )
        )
        if backend == "SQLite":
            insert_s = _bare_sqlite_insert(url)
            report.add(
                Row(
                    f"Insert the return's {rows:,} rows, SQLite alone (executemany of ready tuples)",
                    insert_s,
                    "calamine read",
                    calamine_s,
                    note="best of 3, into a copy of the database emptied of them: its unique key, two "
                    "indexes and three foreign keys, as the import writes them",
                )
            )
        log(f"re-importing on {backend}")
        seconds, outcome = timed(lambda engine=engine: import_file(engine, path.name, data, "benchmark"))
        totals = outcome.plan.totals()
        report.add(
            Row(
                f"Re-import the same return (nothing changes), {backend}",
                seconds,
                "calamine read",
                calamine_s,
                f"<= {goal:g}x calamine",
                goal_ratio=goal,
                note=f"{totals['unchanged']:,} unchanged",
            )
        )
        log(f"importing a return that updates 10 % of the rows on {backend}")
        seconds, outcome = timed(lambda engine=engine: import_file(engine, revised_path.name, revised, "benchmark"))
        totals = outcome.plan.totals()
        report.add(
            Row(
                f"Import a return updating 10 % of the rows, {backend}",
                seconds,
                "calamine read",
                calamine_s,
                f"<= {goal:g}x calamine",
                goal_ratio=goal,
                note=f"{totals['updated']:,} updated, {totals['unchanged']:,} unchanged"
                if outcome.plan.ok
                else f"REJECTED: {outcome.plan.errors[:1]}",
            )
        )
        engine.dispose()
        # where the time goes: an extra, untimed import of the new rows into a fresh database
        log(f"profiling the import on {backend}")
        base = postgres_base_url()
        fresh = (
            fresh_sqlite("bench_import_profile.db")
            if backend == "SQLite" or base is None
            else fresh_postgres_database(base, f"{PG_IMPORT_DB}_profile")
        )
        engine = make_engine(fresh)
        ensure_database(engine)
        register_contract(engine)
        _, stats = phases.profiled(lambda engine=engine: import_file(engine, path.name, data, "benchmark"))
        engine.dispose()
        add_phases(report, f"Import the return, {backend}", stats, phases.IMPORT_PHASES, new_rows_s, calamine_s)
        if profile:
            _write_profile(stats, f"import_{backend.lower()}")


def _bare_arrow_read(data: bytes) -> float:
    """fastexcel's read of the return's table into Arrow, alone (best of 3): the floor under the
    importer's read, which checks the file first and converts what fastexcel gives."""
    import fastexcel

    def read() -> Any:
        workbook = fastexcel.read_excel(data)
        return [workbook.load_sheet(name, dtype_coercion="strict").to_arrow() for name in workbook.sheet_names]

    seconds, _ = timed(read, repeat=3)
    return seconds


def _bare_sqlite_insert(url: str) -> float:
    """SQLite's own insert of the engagements the import just wrote (best of 3), as ready tuples in
    one executemany, into a copy of the database emptied of them: the floor under the import's write."""
    import shutil
    import sqlite3

    source = Path(url.removeprefix("sqlite:///"))
    copy = OUT / "bench_insert_floor.db"
    OUT.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        columns = [row[1] for row in connection.execute("PRAGMA table_info(engagements)") if row[1] != "id"]
        rows = connection.execute(f"SELECT {', '.join(columns)} FROM engagements ORDER BY id").fetchall()
    statement = f"INSERT INTO engagements ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    best = float("inf")
    for _ in range(3):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, copy)
        connection = sqlite3.connect(copy)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("DELETE FROM row_changes")
            connection.execute("DELETE FROM engagements")
            connection.commit()
            started = time.perf_counter()
            connection.executemany(statement, rows)
            connection.commit()
            best = min(best, time.perf_counter() - started)
        finally:
            connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return best


# --------------------------------------------------------------------------- figures


def dashboard_figures(data, as_of: date) -> dict[str, Any]:
    """Every figure, as the pages work them out: each unit's KPI status once (as the KPIs page
    does), shared by the summary and the region, role and focus slices, and the finance flags
    once (the Finance page's list), shared by the summary's counts."""
    from dashboard.coverage import coverage_by_region
    from dashboard.currency import data_to_dates
    from dashboard.finance import finance_flags
    from dashboard.kpi import kpis_from_outcomes, targets_from_contracts, unit_outcomes
    from dashboard.summary import build_summary

    targets = targets_from_contracts(data.contracts)
    outcomes = unit_outcomes(data.units, data.responses, as_of, data_to_dates(data.contracts, data.returns, as_of))
    flags = finance_flags(data.contracts, data.allocations, data.invoice_lines, as_of)
    return {
        "summary": build_summary(
            as_of,
            data.contracts,
            data.units,
            data.responses,
            data.allocations,
            data.invoice_lines,
            data.las,
            judgements=data.judgements,
            outcomes=outcomes,
            returns=data.returns,
            milestones=data.milestones,
            flags=flags,
        ),
        "kpi_by_region": kpis_from_outcomes(outcomes, targets, "region"),
        "kpi_by_role": kpis_from_outcomes(outcomes, targets, "role"),
        "kpi_by_focus": kpis_from_outcomes(outcomes, targets, "focus"),
        "coverage_by_region": coverage_by_region(data.units, as_of, data.las),
        "finance_flags": flags,
    }


def _as_the_app(compute: Callable[..., Any], *args: Any) -> Any:
    """``compute(*args)`` with the cycle collector paused, as the app works out a page's figures
    (``ui.cache.built``)."""
    from data_access.collector import paused

    with paused():
        return compute(*args)


def bench_figures(report: Report, backend: str, url: str, profile: bool = False) -> None:
    from bench import duckdb_reference
    from dashboard.finance import flag_counts
    from data_access.collector import set_aside_from_collector
    from data_access.db import make_engine
    from data_access.queries import load

    engine = make_engine(url)
    log(f"figures on {backend}: load")
    load_s, data = timed(lambda: load(engine), repeat=2)
    set_aside_from_collector()  # as the app does with what it loads (ui.context)
    log(f"figures on {backend}: compute")
    compute_s, figures = timed(lambda: _as_the_app(dashboard_figures, data, AS_OF), repeat=3)  # best of 3, as DuckDB
    # where a cold page's time goes: an extra, untimed load and compute
    _, cold_stats = phases.profiled(lambda: _as_the_app(dashboard_figures, load(engine), AS_OF))
    if profile:
        _write_profile(cold_stats, f"load_and_figures_{backend.lower()}")
    log(f"figures on {backend}: DuckDB")
    export_s, con = timed(lambda: duckdb_reference.export(engine))
    duck_s, duck = timed(lambda: duckdb_reference.all_figures(con, AS_OF), repeat=3)
    agree = figures["summary"] == duck["summary"]
    flags = {}
    for (_, kind), count in flag_counts(figures["finance_flags"]).items():
        flags[kind] = flags.get(kind, 0) + count
    flags_agree = flags == {k: v for k, v in duck["finance_flags"].items() if v}
    report.add(
        Row(
            f"Figures, {backend}: load + compute (what a cold page pays)",
            load_s + compute_s,
            "DuckDB compute",
            duck_s,
            "<= 3x DuckDB",
            goal_ratio=3.0,
        )
    )
    report.add(
        Row(
            f"Figures, {backend}: load (queries.load)",
            load_s,
            "DuckDB compute",
            duck_s,
            note=f"{len(data.units):,} units, {len(data.responses):,} responses, "
            f"{len(data.invoice_lines):,} invoice lines",
        )
    )
    report.add(
        Row(
            f"Figures, {backend}: compute (dashboard rules, cached data)",
            compute_s,
            "DuckDB compute",
            duck_s,
            "<= 3x DuckDB",
            goal_ratio=3.0,
            note=f"summary {'equals' if agree else 'DIFFERS FROM'} DuckDB; flag counts "
            f"{'equal' if flags_agree else 'differ: ' + json.dumps(flags) + ' vs ' + json.dumps(duck['finance_flags'])}",
        )
    )
    report.add(
        Row(f"DuckDB: export the raw tables from {backend}", export_s, note="not part of the DuckDB compute time")
    )
    add_phases(
        report, f"Figures, {backend}: load + compute", cold_stats, phases.FIGURE_PHASES, load_s + compute_s, duck_s
    )
    report.info[f"duckdb_{backend}"] = duck_s
    engine.dispose()


# ----------------------------------------------------------------------------- pages


PAGE_FILTER_CHANGES = 3  # filter values never shown before, timed one after the other


def bench_pages(report: Report, url: str) -> None:
    log("pages through AppTest")
    env = {**os.environ, "DASHBOARD_DATABASE_URL": url}
    completed = subprocess.run(
        [sys.executable, "-m", "bench.pages", "--db", url, "--repeat", str(PAGE_FILTER_CHANGES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    try:
        results = json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        report.notes.append(f"Pages: the AppTest run failed: {completed.stderr.strip()[-500:]}")
        return
    for result in results:
        page = result["page"].removeprefix("pages/").removesuffix(".py").capitalize()
        if "error" in result:
            report.notes.append(f"Page {page}: skipped, it errors: {result['error']}")
        report.add(
            Row(
                f"Page {page}: first render (cold cache), SQLite",
                result.get("first_render_s"),
                note="errors" if "error" in result else "",
            )
        )
        new = (
            [result["rerender_s"]] + [item["s"] for item in result.get("more_rerenders", [])]
            if "rerender_s" in result
            else []
        )
        changes = [result.get("change", "")] + [item["change"] for item in result.get("more_rerenders", [])]
        report.add(
            Row(
                f"Page {page}: re-render after a filter change to a value not shown before (slowest of {len(new)})",
                max(new) if new else None,
                goal="< 0.3 s",
                goal_abs=0.3,
                note="errors"
                if "error" in result
                else "; ".join(f"{change}: {seconds:.2f} s" for change, seconds in zip(changes, new)),
            )
        )
        report.add(
            Row(
                f"Page {page}: re-render after changing back to the first value shown",
                result.get("rerender_seen_s"),
                goal="< 0.3 s",
                goal_abs=0.3,
                note=result.get("change_seen", ""),
            )
        )


# ---------------------------------------------------------------------------- memory


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status_kb(pid: int, field_name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _held_session(report: Report, chromium: str, port: int, pid: int) -> None:
    """The Overview in a browser session that stays open until the script run has finished."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        report.notes.append("Memory: playwright is not installed; only the --dump-dom measurement was made.")
        return
    started = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(f"http://localhost:{port}/", timeout=60_000)
            # The first run hands over to app.py and reruns (ui.context.page_viewer), so "notRunning" shows
            # briefly between runs: wait until it has held for 3 s with the server idle.
            deadline, steady, last = time.time() + 900, 0, cpu_ticks(pid)
            while steady < 6 and time.time() < deadline:
                time.sleep(0.5)
                ticks = cpu_ticks(pid)
                idle = page.locator('[data-test-script-state="notRunning"]').count() > 0 and idle_between(last, ticks)
                steady, last = (steady + 1 if idle else 0), ticks
            shown = (
                page.get_by_text("Figures as of", exact=False).count() > 0
                and page.get_by_text("No contracts yet", exact=False).count() == 0
            )
            exceptions = page.locator('[data-testid="stException"]').count()
        except Exception as error:  # noqa: BLE001 - reported, not raised
            report.notes.append(f"Memory: the held Overview session failed: {type(error).__name__}: {str(error)[:200]}")
            shown, exceptions = False, -1
        finally:
            rendered_s = time.perf_counter() - started
            peak = _status_kb(pid, "VmHWM")
            current = _status_kb(pid, "VmRSS")
            browser.close()
    report.add(
        Row(
            "Server peak RSS (VmHWM), Overview rendered to the end in Chromium",
            peak / 1024 if peak else None,
            unit="MB",
            note=f"a fresh server, the page kept open until the server was idle; finished after {rendered_s:.0f} s; RSS then {current / 1024 if current else 0:,.0f} MB; "
            f"content {'shown' if shown else 'NOT shown'}"
            + (f"; {exceptions} exception box(es) on the page" if exceptions > 0 else ""),
        )
    )


def _wait_healthy(port: int) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)


@contextlib.contextmanager
def _app_server(url: str, script: str = "app.py"):
    """A fresh ``streamlit run app.py`` (or ``script``) on ``url``'s database: yields (port, pid) once healthy."""
    port = _free_port()
    log(f"memory: streamlit run on port {port}")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, "DASHBOARD_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(port)
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


BROWSER_RUNS = 5


def bench_browser(report: Report, backend: str, url: str) -> None:
    """What a user feels in Chromium (``bench.browser``): new session, page switch, filter change."""
    if shutil.which("chromium") is None:
        report.notes.append("Browser: chromium not found; browser-felt times not measured.")
        return
    from bench.browser import measure

    with _app_server(url) as (port, pid):
        log(f"browser-felt times on {backend}")
        results = measure(f"http://127.0.0.1:{port}", BROWSER_RUNS, f"?as_of={AS_OF.isoformat()}", server_pid=pid)
    goals = {
        "new_session_first_content": ("new session, first visit, first content (title on screen)", 1.5),
        "new_session_fully_drawn": ("new session, first visit, fully drawn", None),
        "new_tab_first_content": ("new session in a new tab (scripts cached), first content", 1.5),
        "new_tab_fully_drawn": ("new session in a new tab, fully drawn", None),
        "new_tab_page_ready": ("new tab: Streamlit's page and scripts loaded (DOMContentLoaded)", None),
        "new_tab_first_message": ("new tab: the server's first message received", None),
        "new_tab_title_received": ("new tab: the title's message received", None),
        "new_tab_server_title_sent": ("new tab: server's first message to the title sent", None),
        "new_tab_server_run_over": ("new tab: server's first message to the run's end", None),
        "page_switch": ("page switch from the menu (rerun sent) to fully drawn", None),
        "page_switch_server": ("page switch: rerun sent to the run's end received (server share)", None),
        "filter_change": ("filter change to a new contract (rerun sent) to fully drawn", 0.3),
        "filter_change_server": ("filter change: rerun sent to the run's end received (server share)", None),
    }
    for page, measured in results.items():
        for key, (label, goal) in goals.items():
            stats = measured[key]
            note = f"p50 {stats['p50']:.2f} s over {stats['runs']} runs" if stats["p50"] is not None else "not measured"
            if measured["errors"] and key == "filter_change":
                note += "; " + "; ".join(measured["errors"])
            if key == "new_tab_server_run_over":
                note += f"; {measured['new_tab_script_runs']} script run(s), {measured['elements_sent']} elements sent"
            report.add(
                Row(
                    f"Browser {page}, {backend}: {label} (p95)",
                    stats["p95"],
                    goal=f"< {goal} s" if goal else "",
                    goal_abs=goal,
                    note=note,
                )
            )


def bench_browser_floor(report: Report) -> None:
    """Streamlit's own share of first content: ``bench/floor_app.py`` (a title and a line) timed as
    the pages are, so each page's first content reads against it."""
    if shutil.which("chromium") is None:
        return
    from playwright.sync_api import sync_playwright

    from bench.browser import ARGS, CHROMIUM, _stats, new_session, new_tab

    with _app_server(fresh_sqlite("floor.db"), "bench/floor_app.py") as (port, _pid):
        log("browser-felt floor: a two-line Streamlit app")
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            new_session(browser, base, "", "")
            firsts = [new_session(browser, base, "", "")[0] for _ in range(BROWSER_RUNS)]
            returning = browser.new_context(viewport={"width": 1440, "height": 900})
            new_tab(returning, base, "", "")
            tabs = [new_tab(returning, base, "", "") for _ in range(BROWSER_RUNS)]
            browser.close()
    measured = {
        "new session, first visit, first content": _stats(firsts),
        "new tab, first content": _stats([tab["first"] for tab in tabs]),
        "new tab, page ready (DOMContentLoaded)": _stats([tab["page_ready"] for tab in tabs]),
        "new tab, the title's message received": _stats(
            [tab["title_received"] for tab in tabs if tab["title_received"] is not None]
        ),
    }
    for label, stats in measured.items():
        report.add(
            Row(
                f"Browser floor, a two-line Streamlit app: {label} (p95)",
                stats["p95"],
                note=f"p50 {stats['p50']:.2f} s over {stats['runs']} runs; Streamlit's own share, no dashboard work",
            )
        )


UPLOAD_RUNS = 5


def bench_upload(report: Report, backend: str, url: str) -> None:
    """Checking and confirming a 1,000-row return on the Upload page in Chromium (``bench.browser
    --upload``): each run a fresh return for a contract of its own (goal: under a second each)."""
    if shutil.which("chromium") is None:
        return
    import tempfile

    from bench.browser import measure_upload, upload_returns

    with _app_server(url) as (port, _pid), tempfile.TemporaryDirectory(prefix="oversight-upload-") as folder:
        log(f"browser-felt upload on {backend}")
        returns = upload_returns(url, UPLOAD_RUNS, Path(folder))
        results = measure_upload(f"http://127.0.0.1:{port}", returns)
    labels = {"check_1000_row_return": "check a 1,000-row return", "confirm_it": "confirm it (import)"}
    for step, label in labels.items():
        stats = results[step]
        report.add(
            Row(
                f"Browser Upload, {backend}: {label}, to fully drawn (p95)",
                stats["p95"],
                goal="< 1 s",
                goal_abs=1.0,
                note=f"p50 {stats['p50']:.2f} s over {stats['runs']} runs; {stats['script_runs']} script run(s), "
                f"{stats['kb_received_p50']:,.0f} kB received, the browser busy {stats['browser_busy_s_p50']:.2f} s (p50)",
            )
        )


def bench_memory(report: Report, url: str) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        report.notes.append("Memory: chromium not found; peak RSS not measured.")
        return
    with _app_server(url) as (port, pid):
        idle = _status_kb(pid, "VmHWM")
        started = time.perf_counter()
        page = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--virtual-time-budget=20000",
                "--dump-dom",
                f"http://localhost:{port}/",
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        served_s = time.perf_counter() - started
        # Virtual time does not wait for the server: the script run goes on after the dump.
        # Sample until the server has been idle for 3 s (at most 10 minutes).
        wait_until_idle(pid, quiet_seconds=3, at_most=600)
        busy_s = time.perf_counter() - started - 3
        peak = _status_kb(pid, "VmHWM")
        state = re.search(r'data-test-script-state="(\w+)"', page.stdout)
        rendered = "Import history" in page.stdout or "Contracts" in page.stdout
        report.add(
            Row(
                "Server peak RSS (VmHWM), `chromium --dump-dom` of the Overview",
                peak / 1024 if peak else None,
                unit="MB",
                note=f"{idle / 1024:,.0f} MB before the request; dump after {served_s:.1f} s "
                f"(script state {state.group(1) if state else 'unknown'}, content "
                f"{'in' if rendered else 'not yet in'} the DOM); server busy for {busy_s:.0f} s. "
                "Virtual time does not wait for the server: the dump comes before the script "
                "has loaded the data, so this undercounts (RSS sampled until the server is idle)",
            )
        )
    with _app_server(url) as (port, pid):
        _held_session(report, chromium, port, pid)


# ------------------------------------------------------------------------------ load


def bench_load(report: Report, pg_base: str | None, sessions: int) -> None:
    """Fifty people at once (``bench.load``) on the demo data on PostgreSQL, one server then two
    behind HAProxy."""
    from bench import load

    if pg_base is None:
        report.notes.append("Load: skipped (it runs on PostgreSQL; set DASHBOARD_BENCH_POSTGRES_URL).")
        return
    for two_servers in (False, True):
        where = "two servers behind HAProxy" if two_servers else "one server"
        if two_servers and shutil.which("haproxy") is None:
            report.notes.append("Load: haproxy not found (scripts/install-bench-deps.sh); two servers not measured.")
            continue
        url = fresh_postgres_database(pg_base, "oversight_load")
        load.prepare_database(url)
        log(f"load: {sessions} sessions, {where}")
        where += f", arriving over {load.RAMP_S:.0f} s, reading {load.THINK_S[0]:.0f}-{load.THINK_S[1]:.0f} s a page"
        result = load.measure(url, sessions, two_servers=two_servers)
        for step, stats in result["crowd"].items():
            alone = result["single"].get(step, {})
            errors = stats["errors"]
            note = (
                f"p50 {stats['p50'] or 0:.2f} s at once, {alone.get('p50') or 0:.2f} s alone; {stats['runs']} runs"
                + (f"; {len(errors)} ERRORS: {errors[0]}" if errors else "")
            )
            report.add(
                Row(
                    f"Load, {sessions} at once, {where}: {step} (p95)",
                    stats["p95"],
                    "one user's p95",
                    alone.get("p95"),
                    "<= 2x one user",
                    goal_ratio=load.GOAL_RATIO,
                    note=note,
                )
            )
        errors = sum(len(stats["errors"]) for stats in result["crowd"].values())
        report.add(
            Row(
                f"Load, {sessions} at once, {where}: errors",
                errors,
                unit="n",
                goal="0",
                goal_abs=0,
                note=f"all journeys over in {result['crowd_s']:.0f} s; the manager's import: "
                f"{result['import'].get('note')} in {result['import'].get('seconds', 0):.1f} s",
            )
        )
        report.add(
            Row(
                f"Load, {sessions} at once, {where}: server peak RSS (VmHWM)",
                max((mb for mb in result["peak_mb"] if mb), default=None),
                unit="MB",
                note="per server: " + ", ".join(f"{mb:,.0f} MB" for mb in result["peak_mb"] if mb),
            )
        )
        if two_servers:
            report.notes.append(f"Load, an import seen on the other server: {result.get('cross_server')}")
            report.notes.append(f"Load, health check through the proxy: {result.get('health')}")
        else:
            log("load: pg_dump, pg_restore")
            report.notes.append(
                "Load, backup and restore (docs/deployment.md): "
                + load.backup_and_restore(url, fresh_postgres_database(pg_base, "oversight_load_restore"))
            )


# ------------------------------------------------------------------------- profiles


def add_phases(
    report: Report,
    step: str,
    stats: pstats.Stats,
    phase_marks: list[tuple[str, tuple[str, ...]]],
    measured_s: float,
    against_s: float,
) -> None:
    """One row per phase of a profiled run: its share of the profile applied to the measured time,
    so the phases add up to the measured ratio (``bench.phases``)."""
    found = phases.by_phase(stats, phase_marks)
    total = sum(seconds for _, seconds in found) or 1.0
    for phase, seconds in found:
        report.add(
            Row(
                f"{step}, where the time goes: {phase}",
                measured_s * seconds / total,
                "",
                against_s,
                note=f"{seconds / total:.0%} of the profiled run",
            )
        )


def _write_profile(stats: pstats.Stats, name: str) -> None:
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats.stream = stream  # type: ignore[attr-defined]
        stats.strip_dirs().sort_stats(order).print_stats(30)
        (OUT / f"profile_{name}_{order}.txt").write_text(stream.getvalue())
    log(f"profile written to bench/out/profile_{name}_*.txt")


# --------------------------------------------------------------------------- results


def _machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", f":!{RESULTS.relative_to(ROOT)}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()  # the results file itself aside
        commit += " (with uncommitted changes in the tree)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return {
        "load": load,
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kb / 1048576:.1f} GiB",
        "cpu": cpu,
        "commit": commit,
        "python": platform.python_version(),
    }


LAST_RUN = OUT / "last_run.json"


def carry_over(report: Report, skipped: set[str]) -> None:
    """Rows of skipped sections from the previous run, marked as such (``--skip`` on a partial re-run)."""
    if not LAST_RUN.exists():
        return
    previous = json.loads(LAST_RUN.read_text())
    if previous.get("scale") != report.scale:
        return
    measured_now = {row.section for row in report.rows}
    for row in previous["rows"]:
        if row["section"] in skipped and row["section"] not in measured_now:
            if not row["note"].startswith("from the run of"):
                row["note"] = f"from the run of {previous['when']} (load {previous['load']}); " + row["note"]
            report.rows.append(Row(**row))
    report.notes.extend(
        note
        for note in previous.get("notes", [])
        if note.split(":")[0].split(" ")[0] in {"Page"} and "pages" in skipped
    )


def save_run(report: Report) -> None:
    rows = [row.__dict__ for row in report.rows]  # carried rows keep their "from the run of" mark
    LAST_RUN.write_text(
        json.dumps(
            {
                "scale": report.scale,
                "when": f"{datetime.now():%Y-%m-%d %H:%M}",
                "load": " / ".join(f"{value:.1f}" for value in os.getloadavg()),
                "rows": rows,
                "notes": report.notes,
            },
            indent=1,
        )
    )


def write_results(report: Report, reading: str) -> None:
    machine = _machine()
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {datetime.now():%Y-%m-%d %H:%M}",
        f"- Commit: {machine['commit']}",
        f"- Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} memory, Python {machine['python']}",
        (
            f"- Load average when the results were written (1 / 5 / 15 min): {machine['load']} "
            f"(other work on the machine inflates every time; ratios are steadier than absolute times)"
        ),
        (
            f"- Scale: {report.scale:g} (1 = 10 contracts, 6 FYs, 20,000 packages, 100,000 units, 250,000 responses, "
            "100,000 invoice lines, 100,000-row return)"
        ),
        f"- Figures as of {AS_OF.isoformat()}; command: `make bench` (`python -m bench --scale {report.scale:g}`)",
    ]
    lines += [f"- {key.capitalize()}: {value}" for key, value in report.info.items() if isinstance(value, str)]
    lines += [
        "",
        "| Step | Measured | Against | Ratio | Goal | Verdict | Note |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for row in report.rows:
        against = f"{row.against_label} {_fmt(row.against, row.unit)}" if row.against is not None else ""
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        lines.append(
            f"| {row.step} | {_fmt(row.measured, row.unit)} | {against} | {ratio} | {row.goal} | "
            f"{row.verdict} | {row.note} |"
        )
    if report.notes:
        lines += ["", "## Notes from the run", ""] + [f"- {note}" for note in report.notes]
    lines += ["", "## Reading", "", reading.strip() or "(to be written after the run)", ""]
    RESULTS.write_text("\n".join(lines))
    log(f"results written to {RESULTS.relative_to(ROOT)}")


def _existing_reading() -> str:
    if RESULTS.exists():
        text = RESULTS.read_text()
        if "## Reading" in text:
            return text.split("## Reading", 1)[1]
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks of issue 6")
    parser.add_argument("--scale", type=float, default=1.0, help="dataset size (1 = full; 0.05 for a quick run)")
    parser.add_argument(
        "--skip", default="", help="comma list of: import, figures, pages, browser, memory, load, postgres"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the import and the figures into bench/out/")
    parser.add_argument("--load-sessions", type=int, default=50, help="people at once in the load test")
    parser.add_argument("--keep-reading", action="store_true", help="keep the Reading section of RESULTS.md")
    args = parser.parse_args(argv)
    skip = {item.strip() for item in args.skip.split(",") if item.strip()}
    OUT.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)
    report = Report(args.scale)
    report.info["started"] = f"{datetime.now():%Y-%m-%d %H:%M}, load average (1 / 5 / 15 min) " + " / ".join(
        f"{value:.1f}" for value in os.getloadavg()
    )
    chromium = shutil.which("chromium")
    if chromium:
        found = subprocess.run([chromium, "--version"], capture_output=True, text=True, check=False)
        report.info["browser"] = found.stdout.strip() or "chromium (version not given)"

    from bench.generate import generate_database

    pg_base = None if "postgres" in skip else postgres_base_url()
    if pg_base is None and "postgres" not in skip:
        report.notes.append("PostgreSQL: skipped (set DASHBOARD_BENCH_POSTGRES_URL or DASHBOARD_TEST_POSTGRES_URL).")
    figure_urls: dict[str, str | None] = {"SQLite": fresh_sqlite("bench.db")}
    import_urls: dict[str, str | None] = {"SQLite": fresh_sqlite("bench_import.db")}
    if pg_base:
        figure_urls["PostgreSQL"] = fresh_postgres_database(pg_base, PG_FIGURES_DB)
        import_urls["PostgreSQL"] = fresh_postgres_database(pg_base, PG_IMPORT_DB)

    # keep the previous run's rows of the skipped sections
    previous_rows = LAST_RUN.read_text() if LAST_RUN.exists() and skip else None
    if "import" not in skip:
        report.section = "import"
        bench_import(report, args.scale, import_urls, profile=args.profile)
    if not skip >= {"figures", "pages", "browser", "memory"}:
        for backend, url in figure_urls.items():
            log(f"generating the dataset on {backend} (scale {args.scale:g})")
            seconds, engine = timed(lambda url=url: generate_database(url, args.scale))
            engine.dispose()
            report.info[f"generate_{backend}"] = f"dataset generated and bulk-inserted in {seconds:.1f} s"
            if "figures" not in skip:
                report.section = "figures"
                bench_figures(report, backend, url, profile=args.profile and backend == "SQLite")
    if "pages" not in skip:
        report.section = "pages"
        bench_pages(report, figure_urls["SQLite"])
    if "browser" not in skip:
        report.section = "browser"
        bench_browser_floor(report)
        for backend, url in figure_urls.items():
            bench_browser(report, f"{backend} at scale {args.scale:g}", url)
        from bench.load import prepare_database

        demo_url = fresh_sqlite("demo.db")
        prepare_database(demo_url)
        bench_browser(report, "SQLite, demo data", demo_url)
        bench_upload(report, "SQLite, demo data", demo_url)
    if "memory" not in skip:
        report.section = "memory"
        bench_memory(report, figure_urls["SQLite"])
    if "load" not in skip:
        report.section = "load"
        bench_load(report, pg_base, args.load_sessions)
    if previous_rows is not None:
        carry_over(report, skip)
    save_run(report)
    order = ["import", "figures", "pages", "browser", "memory", "load"]
    report.rows.sort(key=lambda row: order.index(row.section) if row.section in order else len(order))
    write_results(report, _existing_reading() if args.keep_reading else "")
    return 0
