"""The Board's plan worked out in a process of its own, off the app server's lock on Python.

``disclosure.board_plan`` makes many small NumPy calls; each waits for Python's global lock, which
the server's other threads (every session's page run) hold in turns. Measured with the load test's
data (1,459 units), before the plan was made cheaper: 6.5 s alone, 25 s beside one busy thread,
160 s beside four. In a process of its own it runs on the machine's other core, whatever the sessions do: the plan is sent back as
the names of the groups shown (``disclosure.shown_group_names``) and rebuilt here.

The worker's NumPy runs its matrix products on one thread (``OPENBLAS_NUM_THREADS``, read when a
process loads OpenBLAS): the products are small, and OpenBLAS's threads waiting for each other on a
busy machine made each of them 10-20 times slower, and took the CPU the server's sessions need.

Only a Streamlit server uses the worker (a test's ``AppTest`` works the plan out in its own
process). If the worker cannot start or fails, the plan is worked out here as before: the same
plan, only slower.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import types
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date

import streamlit as st
from streamlit import runtime

from dashboard.disclosure import BoardPlan, board_plan, plan_from_names, shown_group_names
from dashboard.records import Unit
from ui.worker_exit import leave_with_parent

log = logging.getLogger(__name__)
WAIT_S = 900  # a plan taking longer than this is worked out here instead
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def serving() -> bool:
    """Whether this runs in a Streamlit server (not in a test's ``AppTest``, which has a runtime too)."""
    return runtime.exists() and "streamlit.testing.v1" not in sys.modules


@st.cache_resource(show_spinner=False)
def _worker() -> ProcessPoolExecutor:
    """One worker process per server, started the first time a plan is asked for ("spawn": a fresh
    interpreter, never a copy of the server's threads), with one BLAS thread unless the server's
    environment says otherwise: the process is started here, with that setting in the environment it
    copies, which is then put back (the server's own NumPy, already loaded, is unchanged)."""
    worker = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=leave_with_parent,  # never left running once the server has gone
        initargs=(os.getpid(),),
    )
    added = [name for name in ONE_BLAS_THREAD if name not in os.environ]
    os.environ.update({name: ONE_BLAS_THREAD[name] for name in added})
    try:
        with _no_script_as_main():
            started = worker.submit(os.getpid)  # the process starts now
        started.result(timeout=WAIT_S)
    finally:
        for name in added:
            os.environ.pop(name, None)
    return worker


@contextmanager
def _no_script_as_main() -> Iterator[None]:
    """Streamlit runs each page script as the ``__main__`` module, with the script's ``__file__``; a
    "spawn" process runs its parent's ``__main__`` file again before anything else, so the worker
    would run the whole app (or, in a test, a script file since deleted, and die). While the process
    starts, ``__main__`` is an empty module; the script's is put back unless a session's run has
    since installed its own."""
    script = sys.modules["__main__"]
    empty = types.ModuleType("__main__")
    sys.modules["__main__"] = empty
    try:
        yield
    finally:
        if sys.modules["__main__"] is empty:
            sys.modules["__main__"] = script


def worked_out(units: Sequence[Unit], as_of: date, in_worker: bool | None = None) -> BoardPlan:
    """``disclosure.board_plan(units, as_of)``, in the worker process when served (``in_worker``
    decides, for tests)."""
    if not (serving() if in_worker is None else in_worker):
        return board_plan(units, as_of)
    worker = None
    try:
        worker = _worker()
        names = worker.submit(shown_group_names, list(units), as_of).result(timeout=WAIT_S)
        return plan_from_names(units, as_of, names)
    except Exception:  # a broken or stopped worker, a timeout: the same plan, worked out here
        log.exception("The Board's plan could not be worked out in its own process; working it out here")
        if worker is not None:
            worker.shutdown(wait=False, cancel_futures=True)
        _worker.clear()  # a new worker next time
        return board_plan(units, as_of)
