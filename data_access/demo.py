"""Loads the demo workbooks through the real importer, once, into an empty database."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data_access import audit, models
from data_access.services import import_file

DEMO_USER = "demo loader"


class DemoLoadFailed(RuntimeError):
    pass


def has_data(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.scalar(select(models.Contract.id).limit(1)) is not None


def load_demo(engine: Engine) -> int:
    """Import every demo workbook in order; returns how many (0 when data exist)."""
    from seeds.demo import write_demo_workbooks

    if has_data(engine):
        return 0
    with tempfile.TemporaryDirectory() as folder:
        paths = write_demo_workbooks(Path(folder))
        for path in paths:
            outcome = import_file(engine, path.name, path.read_bytes(), DEMO_USER)
            with Session(engine) as session, session.begin():
                audit.record_import(session, DEMO_USER, outcome.plan, outcome.import_id)
            if not outcome.plan.ok:
                problems = "\n".join(str(problem) for problem in outcome.plan.errors[:20])
                raise DemoLoadFailed(f"the demo workbook {path.name} was rejected:\n{problems}")
    return len(paths)
