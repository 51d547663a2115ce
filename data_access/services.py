"""Use cases that own their transactions: what the CLI and the pages call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from data_access import collector
from data_access.importer import ImportPlan, Problem, apply_plan, plan_import, record_rejection

RETRY_MESSAGE = "another import changed the same rows at the same moment; nothing was written: please try again"


@dataclass
class ImportOutcome:
    plan: ImportPlan
    import_id: int | None  # None: nothing written (errors, dry run or a clash)


def import_file(engine: Engine, file_name: str, data: bytes, imported_by: str,
                contract: str | None = None, dry_run: bool = False) -> ImportOutcome:
    """Validate a file and, when valid and not a dry run, write it in one transaction.

    A file with any error writes no data; the rejection itself is logged. The cycle collector
    waits while the rows are read, checked and written (``collector.paused``).
    """
    if dry_run:
        with checked_in_order(engine, imported_by) as check:
            return check(file_name, data, contract)
    with collector.paused(), Session(engine) as session:
        plan = plan_import(session, file_name, data, contract)
        if not plan.ok:
            session.rollback()
            record_rejection(session, plan, imported_by)
            session.commit()
            return ImportOutcome(plan, None)
        try:
            record = apply_plan(session, plan, imported_by)
            session.commit()
        except (IntegrityError, OperationalError):
            session.rollback()
            plan.errors.append(Problem(file_name, "", None, "", RETRY_MESSAGE))
            return ImportOutcome(plan, None)
        return ImportOutcome(plan, record.id)


@contextmanager
def checked_in_order(engine: Engine, imported_by: str) -> Iterator[Callable[..., ImportOutcome]]:
    """A dry run of files taken in order (cli.md: "files are imported in the order given"): each
    file is checked against the data as the valid files before it would leave them (a contract
    register, then its pricing schedule, then a return), and nothing is ever committed.

    Yields ``check(file_name, data, contract=None) -> ImportOutcome``. A valid file is written
    inside the one open transaction only when another file comes to be checked after it."""
    with collector.paused(), Session(engine) as session:
        pending: list[ImportPlan] = []

        def check(file_name: str, data: bytes, contract: str | None = None) -> ImportOutcome:
            while pending:
                try:
                    apply_plan(session, pending.pop(), imported_by)
                    session.flush()
                except (IntegrityError, OperationalError):
                    # as the real import, nothing of this file is kept; the one transaction is lost with
                    # it, so later files are checked against the data as it was before the run
                    session.rollback()
            plan = plan_import(session, file_name, data, contract)
            if plan.ok:
                pending.append(plan)
            return ImportOutcome(plan, None)

        try:
            yield check
        finally:
            session.rollback()
