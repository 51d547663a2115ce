"""Use cases that own their transactions: what the CLI and the pages call."""

from __future__ import annotations

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
    with collector.paused(), Session(engine) as session:
        plan = plan_import(session, file_name, data, contract)
        if dry_run:
            session.rollback()
            return ImportOutcome(plan, None)
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
