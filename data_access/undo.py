"""Undoing an import exactly, from the before and after values it recorded.

Every row an import wrote has a ``RowChange``: ``before`` is ``None`` for rows it
inserted (one record per run of new ids, ``undo_records``), else the stored values it replaced
and the import that had written them; ``after`` is what it wrote (for inserted rows only the
first one's key, contract and source file and row, and the run's last id: the rows themselves
hold the rest), or ``None`` for a row it removed (an allocation or a day rate a revised pricing
schedule no longer has).
``undo_import`` deletes the rows the import inserted, puts back the rows it removed and the
values it replaced, in one transaction the caller owns, then marks the import ``undone``.

An import can only be undone while no later, not-undone import depends on it:
one that changed the same rows, or wrote rows that need a row this import
inserted (a contract's milestones, rates, returns; a survey response's
engagement; an invoice line's expenditure heading). Those must be undone first,
newest first; the refusal lists them.

Who may undo: administrators any import; contract managers imports of their
own contracts (an import that touched no contract, e.g. LA status, only when
they made it themselves). ``dashboard.access.may_upload`` is the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Numeric, delete, insert, select, update
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, Viewer, may_upload
from dashboard.finance import heading_key
from data_access import audit, models, undo_records
from data_access.importer import key_part, unique_key

IMPORTED = "imported"
UNDONE = "undone"
_FLAG_ONLY = {"missing_from_latest_return"}
_CONTRACT_TABLES = ("milestones", "allocations", "day_rates", "engagements", "survey_responses", "invoice_lines")


class UndoRefused(Exception):
    """The import cannot be undone (message says why); ``blocking`` lists imports to undo first."""

    def __init__(self, message: str, blocking: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.blocking = blocking or []


@dataclass(frozen=True)
class UndoResult:
    import_id: int
    deleted: int
    restored: int


def _models_by_table() -> dict[str, type[models.Base]]:
    return {mapper.class_.__tablename__: mapper.class_ for mapper in models.Base.registry.mappers}


def _changes(session: Session, import_id: int) -> list[models.RowChange]:
    return list(
        session.scalars(
            select(models.RowChange).where(models.RowChange.import_id == import_id).order_by(models.RowChange.id)
        )
    )


def _live_import_ids(session: Session, ids: set[int], exclude: int) -> set[int]:
    """Of ``ids``, the imports other than ``exclude`` that are still in force."""
    ids = {i for i in ids if i != exclude}
    if not ids:
        return set()
    return set(
        session.scalars(
            select(models.ImportRecord.id).where(
                models.ImportRecord.id.in_(ids), models.ImportRecord.outcome == IMPORTED
            )
        )
    )


def _importers_of_rows(session: Session, table: str, row_ids: list[int]) -> set[int]:
    """Imports with an undo record of any of these rows (one naming the row, or a run of
    inserted rows holding it)."""
    found: set[int] = set()
    for start in range(0, len(row_ids), 1000):
        chunk = row_ids[start : start + 1000]
        found |= set(
            session.scalars(
                select(models.RowChange.import_id)
                .where(models.RowChange.table_name == table, models.RowChange.row_id.in_(chunk))
                .distinct()
            )
        )
    return found | {run.import_id for run in undo_records.runs_covering(session, table, row_ids)}


def _dependants(session: Session, import_id: int, inserted: dict[str, list[int]]) -> set[int]:
    """Imports that wrote rows needing a row this import inserted."""
    found: set[int] = set()
    tables = _models_by_table()
    contract_ids = inserted.get("contracts", [])
    if contract_ids:
        for table in _CONTRACT_TABLES:
            columns = tables[table].__table__.c
            rows = list(session.scalars(select(columns.id).where(columns.contract_id.in_(contract_ids))))
            found |= _importers_of_rows(session, table, rows)
    engagement_ids = inserted.get("engagements", [])
    for start in range(0, len(engagement_ids), 500):
        chunk = engagement_ids[start : start + 500]
        E, S = models.Engagement, models.SurveyResponse
        rows = list(
            session.scalars(
                select(S.id)
                .join(
                    E,
                    (E.contract_id == S.contract_id)
                    & (E.package_id == S.package_id)
                    & (E.participant_id == S.participant_id),
                )
                .where(E.id.in_(chunk))
            )
        )
        found |= _importers_of_rows(session, "survey_responses", rows)
    found |= _writers_after_removal(session, import_id)
    allocation_ids = inserted.get("allocations", [])
    if allocation_ids:
        A, L = models.Allocation, models.InvoiceLine
        removed = {
            (c, heading_key(h))
            for c, h in session.execute(select(A.contract_id, A.heading).where(A.id.in_(allocation_ids)))
        }
        remaining = {
            (c, heading_key(h))
            for c, h in session.execute(
                select(A.contract_id, A.heading).where(
                    A.contract_id.in_({c for c, _ in removed}), A.id.not_in(allocation_ids)
                )
            )
        }
        gone = removed - remaining
        if gone:
            lines = [
                row_id
                for row_id, c, h in session.execute(
                    select(L.id, L.contract_id, L.heading).where(L.contract_id.in_({c for c, _ in gone}))
                )
                if (c, heading_key(h)) in gone
            ]
            found |= _importers_of_rows(session, "invoice_lines", lines)
    return found


def _writers_after_removal(session: Session, import_id: int) -> set[int]:
    """Later imports that wrote a row again after this import removed it (an allocation or a day rate
    a revised pricing schedule no longer had; keys matched as the importer matches them), or took its
    id (SQLite hands out the largest id again): putting the removed row back would clash."""
    removed: dict[str, dict[int, dict[str, Any]]] = {}
    for change in _changes(session, import_id):
        if change.after is None and change.before:
            removed.setdefault(change.table_name, {})[change.row_id] = change.before
    found: set[int] = set()
    tables = _models_by_table()
    for table, rows in removed.items():
        model = tables[table]
        names = unique_key(model)
        keys = {tuple(key_part(item[name]) for name in names) for item in rows.values()}
        columns = model.__table__.c
        stored = session.execute(
            select(columns.id, *(columns[name] for name in names)).where(
                columns.contract_id.in_({item["contract_id"] for item in rows.values()}) | columns.id.in_(list(rows))
            )
        )
        again = [row_id for row_id, *key in stored if row_id in rows or tuple(key_part(value) for value in key) in keys]
        found |= {writer for writer in _importers_of_rows(session, table, again) if writer > import_id}
    return found


def _describe(session: Session, ids: set[int]) -> list[dict[str, Any]]:
    records = session.scalars(
        select(models.ImportRecord).where(models.ImportRecord.id.in_(ids)).order_by(models.ImportRecord.id.desc())
    )
    return [
        {"id": r.id, "file_name": r.file_name, "imported_by": r.imported_by, "imported_at": r.imported_at}
        for r in records
    ]


def imports_blocking_undo(session: Session, import_id: int) -> list[dict[str, Any]]:
    """Later imports still in force that touched this import's rows or need rows it inserted (newest first)."""
    changes = _changes(session, import_id)
    by_table: dict[str, list[int]] = {}
    inserted: dict[str, list[int]] = {}
    for change in changes:
        by_table.setdefault(change.table_name, []).extend(undo_records.row_ids(change))
        if change.before is None:
            inserted.setdefault(change.table_name, []).extend(undo_records.row_ids(change))
    touching: set[int] = set()
    for table, row_ids in by_table.items():
        touching |= _importers_of_rows(session, table, row_ids)
    later = {i for i in touching if i > import_id}
    return _describe(session, _live_import_ids(session, later | _dependants(session, import_id, inserted), import_id))


def contracts_of_import(session: Session, import_id: int) -> set[str]:
    """References of the contracts whose rows an import wrote (and the one it was made for)."""
    record = session.get(models.ImportRecord, import_id)
    ids: set[int] = set()
    tables = _models_by_table()
    for change in _changes(session, import_id):
        if change.table_name == "contracts":
            ids.add(change.row_id)
            continue
        values = change.after or change.before or {}
        if isinstance(values.get("contract_id"), int):
            ids.add(values["contract_id"])
        elif change.table_name in _CONTRACT_TABLES:
            columns = tables[change.table_name].__table__.c
            stored = session.scalar(select(columns.contract_id).where(columns.id == change.row_id))
            if stored is not None:
                ids.add(stored)
    references = (
        set(session.scalars(select(models.Contract.reference).where(models.Contract.id.in_(ids)))) if ids else set()
    )
    for change in _changes(session, import_id):  # contracts the import inserted (gone after an undo)
        if change.table_name == "contracts" and change.after and change.after.get("reference"):
            references.add(change.after["reference"])
    if record is not None and record.contract_reference:
        references.add(record.contract_reference)
    return references


def may_undo(session: Session, viewer: Viewer, import_id: int) -> bool:
    """Administrators any import; contract managers imports of their own contracts only."""
    record = session.get(models.ImportRecord, import_id)
    if record is None or not may_upload(viewer):
        return False
    if viewer.role == ADMIN:
        return True
    contracts = contracts_of_import(session, import_id)
    if not contracts:
        return record.imported_by.lower() == viewer.email.lower()
    return all(may_upload(viewer, reference) for reference in contracts)


def _from_json(model: type[models.Base], values: dict[str, Any]) -> dict[str, Any]:
    columns = model.__table__.c
    out: dict[str, Any] = {}
    for name, value in values.items():
        column_type = columns[name].type
        if value is None:
            out[name] = None
        elif isinstance(column_type, DateTime):
            out[name] = datetime.fromisoformat(value)
        elif isinstance(column_type, Date):
            out[name] = date.fromisoformat(value)
        elif isinstance(column_type, Numeric) and column_type.asdecimal:
            out[name] = Decimal(str(value))
        else:
            out[name] = value
    return out


def _earlier_state(session: Session, change: models.RowChange) -> dict[str, Any]:
    """What the row's last earlier writer (still in force) set that ``before`` leaves out.

    ``before`` holds the compared fields only; the import that last wrote the row
    gives back its ``import_id`` (and an invoice line's source file and row)."""
    previous = session.execute(
        select(models.RowChange.import_id, models.RowChange.after)
        .join(models.ImportRecord, models.ImportRecord.id == models.RowChange.import_id)
        .where(
            models.RowChange.table_name == change.table_name,
            models.RowChange.row_id == change.row_id,
            models.RowChange.import_id < change.import_id,
            models.ImportRecord.outcome == IMPORTED,
        )
        .order_by(models.RowChange.id.desc())
    ).all()
    for writer, after in previous:
        if after and set(after) - _FLAG_ONLY:
            restored = {"import_id": writer}
            for name in ("source_file", "source_row"):
                if name in after:
                    restored[name] = after[name]
            return restored
    return {"import_id": None}


# Row by row, without matching each statement against every object the session holds (which made
# undoing a 4,000-row import take 8 s, growing with the square of its size): undo loads no rows it writes.
_UNSYNCED = {"synchronize_session": False}


def undo_import(session: Session, import_id: int, actor: Viewer) -> UndoResult:
    """Put the data back exactly as it was before ``import_id``; the caller commits.

    Raises ``PermissionError`` when ``actor`` may not undo it and ``UndoRefused``
    when it is not an import in force or later imports must be undone first."""
    record = session.get(models.ImportRecord, import_id)
    if record is None:
        raise UndoRefused(f"there is no import {import_id}")
    if not may_undo(session, actor, import_id):
        raise PermissionError(
            f"{actor.email or 'this user'} may not undo import {import_id}: "
            "contract managers undo imports of their own contracts only"
        )
    if record.outcome != IMPORTED:
        raise UndoRefused(f"import {import_id} ({record.file_name}) was {record.outcome}: there is nothing to undo")
    blocking = imports_blocking_undo(session, import_id)
    if blocking:
        listed = "; ".join(
            f"import {b['id']} ({b['file_name']}, {b['imported_by']}, {b['imported_at']:%d/%m/%Y %H:%M})"
            for b in blocking
        )
        raise UndoRefused(
            f"import {import_id} ({record.file_name}) cannot be undone yet: later imports changed "
            f"the same rows or rely on them. Undo these first, newest first: {listed}",
            blocking,
        )
    tables = _models_by_table()
    deleted = restored = 0
    for change in reversed(_changes(session, import_id)):
        model = tables[change.table_name]
        if change.before is None:
            ids = undo_records.row_ids(change)
            session.execute(
                delete(model).where(model.__table__.c.id.between(ids.start, ids.stop - 1)), execution_options=_UNSYNCED
            )
            deleted += len(ids)
            continue
        if change.after is None:  # a row the import removed: back as it was
            session.execute(insert(model).values(id=change.row_id, **_from_json(model, change.before)))
            restored += 1
            continue
        values = _from_json(model, change.before)
        if set(change.before) - _FLAG_ONLY and "import_id" not in change.before:
            # the import rewrote the row, and its record (written before undo records kept the writer)
            # does not say who wrote it before: give back its earlier writer
            values = {**_from_json(model, _earlier_state(session, change)), **values}
        session.execute(
            update(model).where(model.__table__.c.id == change.row_id).values(**values), execution_options=_UNSYNCED
        )
        restored += 1
    record.outcome = UNDONE
    record.summary = {
        **(record.summary or {}),
        "undone_by": actor.email,
        "undone_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
    }
    audit.record_event(
        session,
        actor,
        audit.UNDO,
        {
            "import_id": import_id,
            "file_name": record.file_name,
            "sha256": record.sha256,
            "rows_deleted": deleted,
            "rows_restored": restored,
        },
    )
    session.flush()
    return UndoResult(import_id, deleted, restored)
