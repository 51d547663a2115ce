"""Run the command lines in this process, as a user would meet them: exit status, output, errors.

Starting Python for each command took 3-4 s a test; calling ``main(argv)`` takes milliseconds. Each
command line keeps one test that starts a real process (its smoke test), so the entry points
(``python -m data_access``, ``python -m dashboard``) stay covered as a user runs them.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

import dashboard.cli
import data_access.cli
from data_access import db

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MAINS: dict[str, Callable[[list[str] | None], int]] = {
    "data_access": data_access.cli.main,
    "dashboard": dashboard.cli.main,
}


@dataclass(frozen=True)
class CliResult:
    """What the command printed and how it ended, like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(settings: dict[str, str] | None, cwd: Path) -> Iterator[None]:
    """The process environment a user's shell would give: no DASHBOARD_ settings unless given."""
    saved, folder = dict(os.environ), Path.cwd()
    for key in [key for key in os.environ if key.startswith("DASHBOARD_")]:
        del os.environ[key]
    os.environ.update(settings or {})
    os.chdir(cwd)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        os.chdir(folder)


def run_cli(
    module: str, *arguments: str, environment: dict[str, str] | None = None, cwd: Path | None = None
) -> CliResult:
    """``python -m MODULE ARGUMENTS...`` run in this process (argparse's exit 2 kept as the status)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        _own_engines(),
        _environment(environment, cwd or PROJECT_ROOT),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            status = MAINS[module](list(arguments))
        except SystemExit as ended:  # argparse: a bad command line
            status = ended.code if isinstance(ended.code, int) else (0 if ended.code is None else 1)
    return CliResult(returncode=status, stdout=out.getvalue(), stderr=err.getvalue())


@contextlib.contextmanager
def _own_engines() -> Iterator[None]:
    """Each command opens its database afresh and closes it at the end, as a process of its own does."""
    made: list[Engine] = []
    original = db.make_engine

    def make_engine(*arguments: Any, **options: Any) -> Engine:
        engine = original(*arguments, **options)
        made.append(engine)
        return engine

    db.ready_engine.cache_clear()
    db.make_engine = make_engine  # type: ignore[assignment]
    try:
        yield
    finally:
        db.make_engine = original  # type: ignore[assignment]
        db.ready_engine.cache_clear()
        for engine in made:
            engine.dispose()
