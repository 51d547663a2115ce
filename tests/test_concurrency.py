"""Imports at the same moment, imports killed midway, and readers during an import.

PostgreSQL: two contract managers import overlapping quarterly returns at once
(two threads released together by a barrier). Each import either commits or
is told to try again; no row is lost or duplicated and every row holds the
values of the import that last wrote it. Two upload batches registering the same
new contract at once: each is written whole or not at all. An import killed with SIGKILL while it
is writing leaves nothing behind (both backends).

SQLite: the database is in WAL mode with a busy timeout, so a reader holding a
long read transaction never blocks an import.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from data_access.services import RETRY_MESSAGE, import_file
from tests import workbooks as wb
from tests.conftest import postgres_only, sqlite_only

pytestmark = pytest.mark.timeout(120)
PROJECT_ROOT = Path(__file__).resolve().parents[1]
ROLES = ["Leader", "Councillor", "Lead Member", "Cabinet Member"]


@pytest.fixture
def seeded(engine):
    wb.seed(engine)
    return engine


def return_file(participants: range, role: str, days: int) -> bytes:
    rows = [
        wb.engagement_row(
            {
                "Package ID": "PKG-C",
                "Participant ID": f"P-{n:04d}",
                "Role": role,
                "Days delivered": days,
                "Support type": "Group",
            }
        )
        for n in participants
    ]
    return wb.xlsx(wb.quarterly_return(engagements=rows))


def stored_engagements(engine) -> dict[str, tuple]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT participant_id, role, days_delivered, import_id FROM engagements WHERE package_id = 'PKG-C'")
        ).all()
    keys = [row[0] for row in rows]
    assert len(keys) == len(set(keys)), "a row was duplicated"
    return {row[0]: (row[1], int(row[2]), row[3]) for row in rows}


def import_together(engine, files: list[tuple[str, bytes]]) -> list:
    barrier = threading.Barrier(len(files))
    outcomes: list = [None] * len(files)
    failures: list[BaseException] = []

    def run(index: int, name: str, data: bytes) -> None:
        try:
            barrier.wait()
            outcomes[index] = import_file(engine, name, data, f"manager-{index}", contract="CON-1")
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i, name, data)) for i, (name, data) in enumerate(files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not failures, failures
    return outcomes


def check_outcomes(outcomes) -> list[int]:
    """Each import committed or was told to retry; the ids of the committed ones."""
    committed = []
    for outcome in outcomes:
        if outcome.import_id is not None:
            assert outcome.plan.ok
            committed.append(outcome.import_id)
        else:
            assert [problem.message for problem in outcome.plan.errors] == [RETRY_MESSAGE]
    assert committed, "at least one of the imports commits"
    return committed


@postgres_only  # SQLite serialises writers
@pytest.mark.parametrize("existing", [False, True], ids=["new-rows", "stored-rows"])
def test_two_overlapping_imports_at_the_same_moment(seeded, existing):
    first, second = range(120), range(60, 180)  # 60 keys in both returns
    if existing:  # the overlapping rows are already stored: both imports update them
        wb.import_ok(seeded, "earlier.xlsx", return_file(range(180), "Other", 1))
    for round_number in range(3):
        files = {
            f"a{round_number}.xlsx": (first, ROLES[round_number % 2], 10 + round_number),
            f"b{round_number}.xlsx": (second, ROLES[2 + round_number % 2], 20 + round_number),
        }
        built = {name: return_file(keys, role, days) for name, (keys, role, days) in files.items()}
        before = stored_engagements(seeded)
        outcomes = import_together(seeded, list(built.items()))
        committed = check_outcomes(outcomes)

        with seeded.connect() as connection:
            records = dict(
                connection.execute(text("SELECT id, file_name FROM imports WHERE outcome = 'imported'")).all()
            )
        after = stored_engagements(seeded)
        expected_keys = set(before)
        for outcome in outcomes:
            if outcome.import_id is not None:
                expected_keys |= {f"P-{n:04d}" for n in files[outcome.plan.file_name][0]}
        assert set(after) == expected_keys  # nothing lost, nothing extra
        for key, (role, days, import_id) in after.items():
            if import_id in committed:  # written by this round: exactly the values of that file
                keys, file_role, file_days = files[records[import_id]]
                assert int(key[2:]) in keys and (role, days) == (file_role, file_days)
            else:  # untouched by this round
                assert (role, days, import_id) == before[key]
        overlap = {f"P-{n:04d}" for n in set(first) & set(second)}
        writers = {after[key][2] for key in overlap}
        assert len(writers) == 1, "one import wrote every overlapping row: the one that committed last"


def test_an_import_killed_while_writing_leaves_nothing(seeded, tmp_path):
    """The child imports 600 rows; once they are written (uncommitted) it signals and holds,
    and is killed with SIGKILL: no row and no import record remain."""
    data = return_file(range(600), "Leader", 5)
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    marker = tmp_path / "writing"
    child = r"""
import sys, time
from pathlib import Path
from data_access.db import make_engine
from data_access.importer import write
from data_access.services import import_file

original = write.insert_rows
def insert_then_hold(*arguments):
    ids = original(*arguments)
    Path(sys.argv[3] + ".tmp").write_text(str(len(ids)))
    Path(sys.argv[3] + ".tmp").replace(sys.argv[3])  # appears with its content
    time.sleep(600)  # killed here, mid-transaction
    return ids
write.insert_rows = insert_then_hold
import_file(make_engine(sys.argv[1]), "big.xlsx", Path(sys.argv[2]).read_bytes(), "killed")
"""
    url = seeded.url.render_as_string(hide_password=False)
    before = wb.table_counts(seeded)
    with seeded.connect() as connection:
        imports_before = connection.execute(text("SELECT COUNT(*) FROM imports")).scalar_one()
    process = subprocess.Popen(
        [sys.executable, "-c", child, url, str(path), str(marker)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the child never started writing"
            time.sleep(0.05)
        assert int(marker.read_text()) == 600  # rows written inside the open transaction
        assert wb.table_counts(seeded) == before  # ... and invisible to everyone else
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    for _ in range(100):  # PostgreSQL ends the dead session's transaction as it notices the socket close
        if wb.table_counts(seeded) == before:
            break
        time.sleep(0.1)
    assert wb.table_counts(seeded) == before
    with seeded.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM imports")).scalar_one() == imports_before
    # and the database is usable: the same file imports in full afterwards
    outcome = import_file(seeded, "big.xlsx", data, "retry", contract="CON-1")
    assert outcome.import_id is not None and outcome.plan.totals()["inserted"] == 600


@sqlite_only
def test_sqlite_is_in_wal_mode_with_a_busy_timeout(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


@sqlite_only
def test_a_long_read_transaction_never_blocks_an_import_on_sqlite(seeded):
    reader = seeded.connect()
    try:
        reader.exec_driver_sql("BEGIN")  # a read transaction held open, as a slow dashboard query would
        count_before = reader.execute(text("SELECT COUNT(*) FROM engagements")).scalar_one()
        data = wb.xlsx(
            wb.quarterly_return(
                engagements=[
                    wb.engagement_row(
                        {"Package ID": "PKG-W", "Participant ID": f"P-W{n}", "Start date": date(2021, 7, 1)}
                    )
                    for n in range(50)
                ]
            )
        )
        outcome = import_file(seeded, "during-read.xlsx", data, "writer")  # completes while the reader holds on
        assert outcome.import_id is not None, [str(problem) for problem in outcome.plan.errors]
        # the reader keeps its snapshot until it ends its transaction
        assert reader.execute(text("SELECT COUNT(*) FROM engagements")).scalar_one() == count_before
        reader.exec_driver_sql("COMMIT")
        assert reader.execute(text("SELECT COUNT(*) FROM engagements")).scalar_one() == count_before + 50
    finally:
        reader.close()


@postgres_only
def test_two_batches_registering_the_same_new_contract_at_the_same_moment(engine):
    """Two managers each upload a new contract's register and a return for it, together, at the same
    moment: each batch is written whole or, told to try again, not at all; the contract is stored once."""
    from data_access.services import import_together as import_batch

    register = wb.xlsx(wb.register([wb.contract_row({"Contract reference": "CON-5"})]))
    batches = [
        [
            ("register.xlsx", register),
            (
                f"return-{side}.xlsx",
                wb.xlsx(
                    wb.quarterly_return(
                        engagements=[
                            wb.engagement_row(
                                {
                                    "Contract reference": "CON-5",
                                    "Package ID": "PKG-B",
                                    "Participant ID": f"P-{n:04d}",
                                    "Role": role,
                                }
                            )
                            for n in keys
                        ]
                    )
                ),
            ),
        ]
        for side, keys, role in (("a", range(40), "Leader"), ("b", range(20, 60), "Councillor"))
    ]
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def run(index: int) -> None:
        barrier.wait()
        outcomes[index] = import_batch(engine, batches[index], f"manager-{index}")

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    committed = []
    for index, batch in enumerate(outcomes):
        ids = [outcome.import_id for outcome in batch]
        if all(ids):
            committed.append(index)
        else:
            assert ids == [None, None]
            assert [problem.message for outcome in batch for problem in outcome.plan.errors] == [RETRY_MESSAGE]
    assert committed
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM contracts WHERE reference = 'CON-5'")).scalar_one() == 1
        stored = dict(
            connection.execute(text("SELECT participant_id, role FROM engagements WHERE package_id = 'PKG-B'")).all()
        )
    expected = {}
    for index in committed:  # in commit order, the later batch's values win the overlap
        side_keys, side_role = (range(40), "Leader") if index == 0 else (range(20, 60), "Councillor")
        expected |= {f"P-{n:04d}": side_role for n in side_keys}
    assert set(stored) == set(expected)
    assert all(role in ("Leader", "Councillor") for role in stored.values())


@postgres_only  # SQLite serialises writers
def test_two_returns_of_one_contract_at_once_end_as_if_imported_one_after_the_other(seeded, monkeypatch):
    """Return A is written but not committed when return B (other participants, same contract) is
    imported. B must decide what is "no longer in this return" on A's committed rows, so it waits for
    A and then flags A's rows, as it would after A; before, B flagged nothing of A's and A nothing of B's."""
    from data_access.importer import write

    first, second = range(40), range(100, 140)
    written, b_done = threading.Event(), threading.Event()
    original = write.insert_rows

    def insert_then_wait(*arguments):
        ids = original(*arguments)
        if threading.current_thread().name == "import-a" and not written.is_set():
            written.set()
            deadline = time.monotonic() + 60
            while not b_done.is_set() and time.monotonic() < deadline:  # until B waits for A, or B ends
                with seeded.connect() as connection:
                    if connection.execute(
                        text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                    ).scalar_one():
                        break
                time.sleep(0.05)
        return ids

    monkeypatch.setattr(write, "insert_rows", insert_then_wait)
    outcomes: dict[str, object] = {}

    def run(name: str, keys: range) -> None:
        try:
            outcomes[name] = import_file(seeded, f"{name}.xlsx", return_file(keys, "Leader", 5), name, contract="CON-1")
        finally:
            if name == "b":
                b_done.set()

    a = threading.Thread(target=run, args=("a", first), name="import-a")
    b = threading.Thread(target=run, args=("b", second), name="import-b")
    a.start()
    assert written.wait(60)
    b.start()
    a.join(90)
    b.join(90)
    assert outcomes["a"].import_id is not None and outcomes["b"].import_id is not None
    with seeded.connect() as connection:
        flagged = dict(
            connection.execute(
                text("SELECT participant_id, missing_from_latest_return FROM engagements WHERE package_id = 'PKG-C'")
            ).all()
        )
    assert {key for key, missing in flagged.items() if missing} == {f"P-{n:04d}" for n in first}
    assert len(outcomes["b"].plan.sheets[0].vanished) == len(first) + 1  # A's rows and the stored one
