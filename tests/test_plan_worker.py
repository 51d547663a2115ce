"""The Board's plan worked out in a process of its own (``ui.plan_worker``) is the plan worked out
here (``disclosure.board_plan``), group for group; if the worker fails, it is worked out here."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.disclosure import board_plan, plan_from_names, shown_group_names
from ui import plan_worker

DATES = (date(2023, 3, 31), date(2024, 3, 15))


@pytest.mark.parametrize("as_of", DATES)
def test_the_plan_sent_back_by_name_is_the_same_plan(demo_records, as_of):
    units = demo_records.units
    names = shown_group_names(units, as_of)
    assert any(names.values()) and not all(names.values())  # some groups shown, and some KPIs' withheld
    rebuilt, own = plan_from_names(units, as_of, names), board_plan(units, as_of)
    assert (rebuilt.as_of, rebuilt.shown, rebuilt.whole) == (own.as_of, own.shown, own.whole)


def test_names_of_other_units_are_refused(demo_records):
    units = demo_records.units
    names = shown_group_names(units, DATES[1])
    key = next(key for key, shown in names.items() if shown)
    with pytest.raises(KeyError):  # a KPI the names do not cover
        plan_from_names(units, DATES[1], {other: shown for other, shown in names.items() if other != key})
    with pytest.raises(KeyError):  # a group these units do not have
        plan_from_names(units, DATES[1], {**names, key: [("all", "1999-00", None)]})


def test_the_worker_process_works_out_the_same_plan_and_a_failed_worker_falls_back(demo_records, caplog):
    units = demo_records.units
    own = board_plan(units, DATES[1])
    try:
        in_worker = plan_worker.worked_out(units, DATES[1], in_worker=True)
        assert (in_worker.shown, in_worker.whole) == (own.shown, own.whole)
        assert not caplog.records  # worked out in the worker, not here
        plan_worker._worker().shutdown()  # a worker that stopped: the plan is worked out here
        fallen_back = plan_worker.worked_out(units, DATES[1], in_worker=True)
        assert (fallen_back.shown, fallen_back.whole) == (own.shown, own.whole)
        assert [record.message for record in caplog.records] == [
            "The Board's plan could not be worked out in its own process; working it out here"
        ]
    finally:
        plan_worker._worker().shutdown()
        plan_worker._worker.clear()


def test_the_changes_read_the_plans_already_worked_out_and_say_the_same(demo_records):
    """The Overview's "What changed" for the Board takes the plans worked out for the page (in the
    worker, warmed after an import) instead of working them out again: the same table. A plan as
    of another date is not used."""
    from dashboard.board_pack import ChangesInputs, changes

    then, now = DATES
    own = changes(demo_records, ChangesInputs(then, now, board=True))
    plans = {on: board_plan(demo_records.units, on) for on in DATES}
    assert changes(demo_records, ChangesInputs(then, now, True, plans)).equals(own)
    wrong_date = {then: plans[now], now: plans[now]}
    assert changes(demo_records, ChangesInputs(then, now, True, wrong_date)).equals(own)
    assert "[c]" in own.to_string()  # the Board's view withholds some figures here


def test_the_worker_runs_its_matrix_products_on_one_thread_and_leaves_the_servers_environment_alone():
    """OpenBLAS reads its thread count when a process loads it: the worker is started with one
    thread (unless the server's environment names another count), and the server's environment
    is as it was."""
    import os

    before = dict(os.environ)
    try:
        worker = plan_worker._worker()
        seen = {name: worker.submit(os.getenv, name).result() for name in plan_worker.ONE_BLAS_THREAD}
        assert seen == {name: before.get(name, "1") for name in plan_worker.ONE_BLAS_THREAD}
        assert dict(os.environ) == before
    finally:
        plan_worker._worker().shutdown()
        plan_worker._worker.clear()


def test_the_worker_does_not_run_the_script_streamlit_installed_as_main(tmp_path, monkeypatch):
    """Streamlit runs each page script as ``__main__``; a "spawn" process runs its parent's
    ``__main__`` file first. The worker must start without running it (in a server it would run the
    whole app; a script file since deleted would kill the process), and the script stays ``__main__``."""
    import os
    import sys
    import types

    ran = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(ran)!r}, 'w').close()\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    plan_worker._worker.clear()
    try:
        worker = plan_worker._worker()
        assert worker.submit(os.getpid).result() != os.getpid()
        assert not ran.exists()
        assert sys.modules["__main__"] is page
    finally:
        plan_worker._worker().shutdown()
        plan_worker._worker.clear()


SERVER_WITH_A_WORKER = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from ui.worker_exit import leave_with_parent

if __name__ == "__main__":
    pool = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"),
        initializer=leave_with_parent, initargs=(os.getpid(),),
    )
    print(pool.submit(os.getpid).result(timeout=120), flush=True)
    time.sleep(120)
"""


def test_a_worker_leaves_when_its_server_is_killed(tmp_path):
    """A server killed without shutting its pool down (SIGKILL, a crash) leaves no worker behind."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    script = tmp_path / "server.py"
    script.write_text(SERVER_WITH_A_WORKER)
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=root, env={"PYTHONPATH": str(root)}
    )
    try:
        worker = int(server.stdout.readline())
        assert Path(f"/proc/{worker}").exists()
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Path(f"/proc/{worker}").exists(), "the worker was left running"
    finally:
        server.kill()
