"""Write stage: a valid plan into the database, with its import record and an undo record per row.

``apply_plan`` writes inserts, updates, rows removed from a revised pricing schedule and the flag of
rows no longer in a return; every change gets a ``RowChange`` (the undo record, ``undo.py``). The
caller owns the transaction (``with session.begin():``), so a workbook is written all or nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from data_access import bulk, models
from data_access.importer import kinds
from data_access.importer.changes import NOT_COMPARED
from data_access.importer.report import (
    ImportPlan,
    RowAction,
    RowPlan,
    SheetPlan,
    summary_of,
)
from data_access.undo_records import inserted_runs, writers


def apply_plan(session: Session, plan: ImportPlan, imported_by: str) -> models.ImportRecord:
    """Write a valid plan and its import record. The caller owns the transaction."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    record = _import_record(
        plan,
        imported_by,
        "imported",
        reporting_quarter_end=plan.reporting_quarter_end,
        summary=summary_of(plan),
        **plan.totals(),
    )
    session.add(record)
    session.flush()
    undo_records: list[dict[str, Any]] = []
    for sheet in plan.sheets:
        undo_records += write_inserts(session, sheet, record.id)
        if sheet.sheet_kind is kinds.CONTRACTS:  # milestones and later sheets need the new ids
            _resolve_new_contract_ids(session, plan)
        undo_records += write_updates(session, sheet, record.id)
        undo_records += write_removals(session, sheet, record.id)
        undo_records += flag_missing_rows(session, sheet, record.id)
    bulk.insert_rows(session.connection(), models.RowChange.__table__, undo_records)
    return record


def _undo_record(
    import_id: int, table: str, row_id: int, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> dict[str, Any]:
    """One ``RowChange``: the row as it was before the import (None: new) and after (None: removed)."""
    return {"import_id": import_id, "table_name": table, "row_id": row_id, "before": before, "after": after}


def write_inserts(session: Session, sheet: SheetPlan, import_id: int) -> list[dict[str, Any]]:
    """Insert the sheet's new rows; their undo records."""
    kind = sheet.sheet_kind
    table = kind.model.__tablename__
    inserts = [row for row in sheet.rows if row.action is RowAction.INSERT]
    if kind is kinds.CONTRACTS:  # one by one: each new contract's id is needed at once
        undo_records = []
        for row in inserts:
            contract = models.Contract(**row.values, import_id=import_id)
            session.add(contract)
            session.flush()
            undo_records.append(_undo_record(import_id, table, contract.id, None, dict(row.values)))
        return undo_records
    for row in inserts:
        if kind is kinds.MILESTONES and not isinstance(row.values.get("contract_id"), int):
            row.values["contract_id"] = _contract_id(session, row.values["contract_id"])
    if not inserts:
        return []
    new_ids = insert_rows(session, kind.model, import_id, [row.values for row in inserts])
    # one undo record per run of new ids, keeping its first row's key and source; the rows
    # themselves hold the rest (so the record copies no names or evidence)
    kept = tuple(name for name in (*kind.key, *NOT_COMPARED) if name in inserts[0].values)
    return inserted_runs(import_id, table, new_ids, [row.values for row in inserts], kept)


def write_updates(session: Session, sheet: SheetPlan, import_id: int) -> list[dict[str, Any]]:
    """Update the stored rows the sheet changes; their undo records (before and after)."""
    model = sheet.sheet_kind.model
    updates = [row for row in sheet.rows if row.action is RowAction.UPDATE]
    if not updates:
        return []
    stored = [_stored(row) for row in updates]
    before = writers(session, model, [row_id for row_id, _ in stored])  # the import that wrote each row
    session.flush()
    for rows in _by_fields(updates).values():  # one statement per set of fields the rows give
        bulk.update_rows(
            session.connection(),
            model.__table__,
            [{"id": row.existing_id, **row.values} for row in rows],
            same={"import_id": import_id},
        )
    return [
        _undo_record(import_id, model.__tablename__, row_id, {**values, **before[row_id]}, dict(row.values))
        for row, (row_id, values) in zip(updates, stored)
    ]


def _stored(row: RowPlan) -> tuple[int, dict[str, Any]]:
    """The id and values before of the stored row an update rewrites (``work_out_changes`` gives both)."""
    if row.existing_id is None or row.before is None:
        raise ValueError(f"row {row.row} is planned as an update of no stored row")
    return row.existing_id, row.before


def _by_fields(rows: list[RowPlan]) -> dict[tuple[str, ...], list[RowPlan]]:
    """Rows grouped by the fields their values give (a sheet's rows usually all give the same)."""
    groups: dict[tuple[str, ...], list[RowPlan]] = {}
    for row in rows:
        groups.setdefault(tuple(row.values), []).append(row)
    return groups


def write_removals(session: Session, sheet: SheetPlan, import_id: int) -> list[dict[str, Any]]:
    """Delete the stored rows a revised pricing schedule no longer has; undo puts each back as it
    was, id and all."""
    if not sheet.removed:
        return []
    model = sheet.sheet_kind.model
    session.execute(delete(model).where(model.__table__.c.id.in_([item["id"] for item in sheet.removed])))
    return [
        _undo_record(
            import_id,
            model.__tablename__,
            item["id"],
            {name: value for name, value in item.items() if name != "id"},
            None,
        )
        for item in sheet.removed
    ]


def flag_missing_rows(session: Session, sheet: SheetPlan, import_id: int) -> list[dict[str, Any]]:
    """Flag the stored rows no longer in this return (``missing_from_latest_return``), those not
    flagged already; their undo records."""
    if not sheet.vanished:
        return []
    model = sheet.sheet_kind.model
    ids = [item["id"] for item in sheet.vanished]
    table = model.__table__
    stale = (
        session.execute(select(table.c.id).where(table.c.id.in_(ids), table.c.missing_from_latest_return.is_(False)))
        .scalars()
        .all()
    )
    if not stale:
        return []
    session.execute(update(model), [{"id": row_id, "missing_from_latest_return": True} for row_id in stale])
    return [
        _undo_record(
            import_id,
            model.__tablename__,
            row_id,
            {"missing_from_latest_return": False},
            {"missing_from_latest_return": True},
        )
        for row_id in stale
    ]


def insert_rows(session: Session, model: type[models.Base], import_id: int, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows, returning their new ids in order.

    The rows go in all at once (``bulk.insert_rows``: no RETURNING, which SQLite cannot batch).
    One statement hands out ids in ascending order of the rows it writes (SQLite: one more than the
    largest; PostgreSQL: the id sequence, called row by row), so this import's new rows, read back
    in id order, are the rows given, in order. When their ids are one unbroken run (nothing else
    took an id meanwhile) the run itself is that list."""
    table = model.__table__
    largest_before = session.scalar(select(func.max(table.c.id))) or 0
    bulk.insert_rows(session.connection(), table, rows, same={"import_id": import_id})
    new_rows = (table.c.import_id == import_id) & (table.c.id > largest_before)
    count, first, last = session.execute(
        select(func.count(), func.min(table.c.id), func.max(table.c.id)).where(new_rows)
    ).one()
    if count == len(rows) and count and last - first + 1 == count:  # one unbroken run of ids: no need to read them
        return list(range(first, last + 1))
    new_ids = list(session.scalars(select(table.c.id).where(new_rows).order_by(table.c.id)))
    if len(new_ids) != len(rows):
        raise RuntimeError(f"{len(rows):,} rows were written to {table.name} but {len(new_ids):,} read back")
    return new_ids


def _contract_id(session: Session, reference: str) -> int:
    found = session.scalar(select(models.Contract.id).where(func.lower(models.Contract.reference) == reference.lower()))
    if found is None:  # the plan registered it: written before the rows that name it
        raise LookupError(f"contract {reference} is not stored")
    return found


def _resolve_new_contract_ids(session: Session, plan: ImportPlan) -> None:
    for sheet in plan.sheets:
        if sheet.sheet_kind is kinds.MILESTONES:
            for row in sheet.rows:
                if not isinstance(row.values.get("contract_id"), int):
                    row.values["contract_id"] = _contract_id(session, row.values["contract_id"])


def record_rejection(session: Session, plan: ImportPlan, imported_by: str) -> models.ImportRecord:
    """Log a rejected import (its data is not written)."""
    record = _import_record(
        plan,
        imported_by,
        "rejected",
        summary={"errors": [str(problem) for problem in plan.errors[:200]], "error_count": len(plan.errors)},
    )
    session.add(record)
    return record


def _import_record(plan: ImportPlan, imported_by: str, outcome: str, **details: Any) -> models.ImportRecord:
    """The import history's record of a file, imported or rejected."""
    return models.ImportRecord(
        file_name=plan.file_name[:260],
        sha256=plan.sha256,
        size_bytes=plan.size_bytes,
        imported_by=imported_by,
        imported_at=datetime.now(UTC).replace(tzinfo=None),
        kind=plan.kind,
        contract_reference=(plan.contract_reference or None) and plan.contract_reference[:60],
        outcome=outcome,
        **details,
    )
