"""Where the time goes, phase by phase: a cProfile's own time (``tottime``) summed by the phase
each function belongs to, read from where it is defined. Own time adds up to the whole run, so the
phases add up too (cProfile's overhead is spread over them; compare phases, not absolute times).

Used by ``bench`` for each goal it measures against another tool (the import against calamine's
read, the figures against DuckDB), so that a missed goal shows which phase misses it.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from typing import Any

# (phase, what a function's file or name contains): the first that matches wins, so the
# specific come before the general.
IMPORT_PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("database driver and server (SQLite's or PostgreSQL's own work)", ("sqlite3", "psycopg", "Cursor", "Connection")),
    (
        "reading the sheet (fastexcel, calamine, zip and XML checks)",
        ("fastexcel", "calamine", "zipfile", "reader.py", "fast_read.py", "xml", "expat", "zlib"),
    ),
    ("parsing cells", ("cells.py", "columnar.py", "kinds.py", "locate.py")),
    ("validating rows (contracts, LAs, keys, flags)", ("validate.py", "la_matching.py")),
    ("duplicates and changes", ("changes.py",)),
    ("planning each row (the importer's plan objects)", ("planner.py", "report.py")),
    ("writing rows and undo records (Python side)", ("write.py", "bulk.py", "undo_records.py", "undo.py", "json")),
    ("SQLAlchemy", ("sqlalchemy",)),
    ("NumPy, pandas, Arrow", ("numpy", "pandas", "pyarrow")),
]
FIGURE_PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("database driver and server (fetching rows)", ("sqlite3", "psycopg", "Cursor", "Connection")),
    ("load: building records and converting values", ("repositories.py", "queries.py", "records.py", "sqlalchemy")),
    ("compute: KPIs", ("kpi.py", "outcomes.py")),
    ("compute: finance", ("finance.py",)),
    ("compute: coverage", ("coverage.py",)),
    ("compute: summary, currency and the rest of dashboard/", ("dashboard/",)),
    ("dates and decimals (standard library)", ("datetime", "decimal", "_strptime")),
]
OTHER = "other (Python built-ins, the standard library)"


def profiled(call: Callable[[], Any]) -> tuple[Any, pstats.Stats]:
    """Run ``call`` under cProfile: its result and the stats."""
    profiler = cProfile.Profile()
    result = profiler.runcall(call)
    return result, pstats.Stats(profiler)


def by_phase(stats: pstats.Stats, phases: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, float]]:
    """Own time summed by phase, in ``phases``' order, then the rest; phases with no time left out.
    A built-in (``len``, ``list.append``, a C method) has no file of its own: its time goes to the
    phases of the functions that called it, in proportion to what each call cost."""
    totals = dict.fromkeys([name for name, _ in phases] + [OTHER], 0.0)

    def phase_of(key: tuple[str, int, str]) -> str:
        where = f"{key[0]}:{key[2]}"
        return next((name for name, marks in phases if any(mark in where for mark in marks)), OTHER)

    for key, (_calls, _primitive, own, _cumulative, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if key[0] != "~" or phase_of(key) != OTHER or not callers:
            totals[phase_of(key)] += own
            continue
        through = {caller: timing[2] for caller, timing in callers.items()}
        whole = sum(through.values())
        for caller, seconds in through.items():
            totals[phase_of(caller)] += own * (seconds / whole if whole else 1 / len(through))
    return [(name, seconds) for name, seconds in totals.items() if seconds >= 0.0005]
