"""Use cases that own their transactions: what the CLI and the pages call."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from data_access import collector
from data_access.db import DatabaseUnavailable, failure_message, shown_url
from data_access.importer import ImportPlan, Problem, apply_plan, plan_import, record_rejection, registered

RETRY_MESSAGE = "another import changed the same rows at the same moment; nothing was written: please try again"
CLASH = (IntegrityError, OperationalError)  # another import at the same moment: a retry mends it


def _clash(error: DBAPIError) -> bool:
    """A clash with another import (retry), not a failure of the database itself (re-raised)."""
    return failure_message(error) is None


@contextmanager
def database_failures(engine: Engine) -> Iterator[None]:
    """A read-only database, a full disk or a lost connection becomes one ``DatabaseUnavailable``
    line saying so (the command line exits 2 on it, the Upload page shows it)."""
    try:
        yield
    except DBAPIError as error:
        if (message := failure_message(error)) is None:
            raise
        raise DatabaseUnavailable(
            f"cannot write to the database {shown_url(engine.url.render_as_string())}: {message}", message
        ) from error


# More checks on a valid plan, made inside the import's transaction (e.g. the uploader's permissions)
Vet = Callable[[Session, ImportPlan], list[Problem]]


@dataclass
class ImportOutcome:
    plan: ImportPlan
    import_id: int | None  # None: nothing written (errors, dry run or a clash)


def import_file(
    engine: Engine,
    file_name: str,
    data: bytes,
    imported_by: str,
    contract: str | None = None,
    dry_run: bool = False,
    quarter: str | None = None,
) -> ImportOutcome:
    """Validate a file and, when valid and not a dry run, write it in one transaction.

    A file with any error writes no data; the rejection itself is logged. The cycle collector
    waits while the rows are read, checked and written (``collector.paused``).
    """
    if dry_run:
        with checked_in_order(engine, imported_by) as check:
            return check(file_name, data, contract, quarter)
    with database_failures(engine), collector.paused(), Session(engine) as session:
        plan = plan_import(session, file_name, data, contract, quarter_option=quarter)
        if not plan.ok:
            session.rollback()
            record_rejection(session, plan, imported_by)
            session.commit()
            return ImportOutcome(plan, None)
        try:
            record = apply_plan(session, plan, imported_by)
            session.commit()
        except CLASH as error:
            if not _clash(error):
                raise
            session.rollback()
            plan.errors.append(Problem(file_name, "", None, "", RETRY_MESSAGE))
            return ImportOutcome(plan, None)
        return ImportOutcome(plan, record.id)


@contextmanager
def checked_in_order(
    engine: Engine, imported_by: str, vet: Vet | None = None
) -> Iterator[Callable[..., ImportOutcome]]:
    """A dry run of files taken in order (cli.md: "files are imported in the order given"): each
    file is checked against the data as the valid files before it would leave them (a contract
    register, then its pricing schedule, then a return), and nothing is ever committed.

    Yields ``check(file_name, data, contract=None, quarter=None) -> ImportOutcome``. A valid file is written
    inside the one open transaction only when another file comes to be checked after it."""
    with database_failures(engine), collector.paused(), Session(engine) as session:
        pending: list[ImportPlan] = []
        refused: dict[str, str] = {}

        def check(
            file_name: str, data: bytes, contract: str | None = None, quarter: str | None = None
        ) -> ImportOutcome:
            while pending:
                try:
                    apply_plan(session, pending.pop(), imported_by)
                    session.flush()
                except CLASH as error:
                    if not _clash(error):
                        raise
                    # as the real import, nothing of this file is kept; the one transaction is lost with
                    # it, so later files are checked against the data as it was before the run
                    session.rollback()
            plan = _vetted_plan(session, file_name, data, contract, vet, refused, quarter)
            if plan.ok:
                pending.append(plan)
            return ImportOutcome(plan, None)

        try:
            yield check
        finally:
            session.rollback()


def import_together(
    engine: Engine,
    files: Sequence[tuple[str, bytes]],
    imported_by: str,
    contract: str | None = None,
    vet: Vet | None = None,
    quarter: str | None = None,
) -> list[ImportOutcome]:
    """A batch of files imported all or nothing (the upload page's Confirm): each file is checked
    in order against the data as the files before it leave them, as ``checked_in_order`` does, and
    only when every file is valid are they all written, in one transaction.

    Otherwise nothing is written: each invalid file's rejection is logged, and a file that was
    valid comes back with no errors and no import id. After a clash with another import, the
    files not yet checked come back the same way."""
    with database_failures(engine), collector.paused(), Session(engine) as session:
        outcomes: list[ImportOutcome] = []
        refused: dict[str, str] = {}
        for file_name, data in files:
            plan = _vetted_plan(session, file_name, data, contract, vet, refused, quarter)
            outcomes.append(ImportOutcome(plan, None))
            if not plan.ok:
                continue
            try:
                record = apply_plan(session, plan, imported_by)
                session.flush()
            except CLASH as error:
                if not _clash(error):
                    raise
                _clashed(session, outcomes)
                return outcomes + [ImportOutcome(_unchecked(name, data), None) for name, data in files[len(outcomes) :]]
            outcomes[-1].import_id = record.id
        if all(outcome.plan.ok for outcome in outcomes):
            try:
                session.commit()
            except CLASH as error:
                if not _clash(error):
                    raise
                _clashed(session, outcomes)
            return outcomes
        session.rollback()
        for outcome in outcomes:
            outcome.import_id = None
            if not outcome.plan.ok:
                record_rejection(session, outcome.plan, imported_by)
        session.commit()
        return outcomes


def _clashed(session: Session, outcomes: list[ImportOutcome]) -> None:
    """Another import wrote the same rows at the same moment: nothing of the batch is kept, and
    the file being written when it was found is told to try again."""
    session.rollback()
    for outcome in outcomes:
        outcome.import_id = None
    outcomes[-1].plan.errors.append(Problem(outcomes[-1].plan.file_name, "", None, "", RETRY_MESSAGE))


def _vetted_plan(
    session: Session,
    file_name: str,
    data: bytes,
    contract: str | None,
    vet: Vet | None,
    refused: dict[str, str],
    quarter: str | None = None,
) -> ImportPlan:
    """A file of a batch checked (and vetted); a refused register's contracts are noted in
    ``refused``, so that the files after it that need them say which file to fix."""
    plan = plan_import(session, file_name, data, contract, refused, quarter_option=quarter)
    if plan.ok and vet is not None:
        plan.errors.extend(vet(session, plan))
    if not plan.ok:
        refused.update(registered(plan))
    return plan


def _unchecked(file_name: str, data: bytes) -> ImportPlan:
    """A file of a batch left unchecked (the batch stopped before it)."""
    return ImportPlan(file_name, hashlib.sha256(data).hexdigest(), len(data))
