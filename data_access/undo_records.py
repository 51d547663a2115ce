"""The undo records (``RowChange``) an import writes, and finding the runs of inserted rows.

Rows an import inserts get one record per run: the rows of one table and one contract whose
new ids follow on unbroken. The record names the run's first row (``row_id``) and keeps that
row's key, contract and source as a single inserted row's record does, plus ``last_row_id``,
the run's last id (absent: a run of one row). Ids are never handed out twice (SQLite
AUTOINCREMENT, PostgreSQL sequences), so the run is exactly the rows the import inserted.
Undoing deletes the run by its ids; the rows themselves hold the rest, so the record copies no
names or evidence.

A row an import rewrites keeps its record of before and after, its ``before`` including the
import that last wrote it (``import_id``) and, for an invoice line, its source file and row: undo
gives them back as they were.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import models

LAST_ROW = "last_row_id"
WRITER_FIELDS = ("import_id", "source_file", "source_row")  # what an update rewrites besides the values


def inserted_runs(
    import_id: int, table: str, new_ids: list[int], rows: list[dict[str, Any]], kept: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The undo records of rows inserted with ``new_ids`` (in the order of ``rows``): one per run
    of ids following on with one contract, keeping the ``kept`` fields of the run's first row."""
    if not new_ids:
        return []
    records: list[dict[str, Any]] = []
    contracts = [row.get("contract_id") for row in rows]
    # where a run ends: the next id does not follow on, or the next row is of another contract
    ends = [
        position
        for position, (row_id, next_id, contract, next_contract) in enumerate(
            zip(new_ids, islice(new_ids, 1, None), contracts, islice(contracts, 1, None)), 1
        )
        if next_id != row_id + 1 or next_contract != contract
    ]
    start = 0
    for position in [*ends, len(new_ids)]:
        after = {name: rows[start][name] for name in kept}
        if position - 1 > start:
            after[LAST_ROW] = new_ids[position - 1]
        records.append(
            {"import_id": import_id, "table_name": table, "row_id": new_ids[start], "before": None, "after": after}
        )
        start = position
    return records


def writers(session: Session, model: type[models.Base], ids: list[int]) -> dict[int, dict[str, Any]]:
    """Row id -> the import that last wrote it (and an invoice line's source), for ``before`` images."""
    table = model.__table__
    columns = [table.c[name] for name in WRITER_FIELDS if name in table.c]
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for row in session.execute(select(table.c.id, *columns).where(table.c.id.in_(chunk))):
            found[row[0]] = {column.name: value for column, value in zip(columns, row[1:])}
    return found


def row_ids(change: models.RowChange) -> range:
    """The ids of the rows one record is about (a run of inserted rows, or one row)."""
    last = (change.after or {}).get(LAST_ROW) if change.before is None else None
    return range(change.row_id, (last if isinstance(last, int) else change.row_id) + 1)


def runs_covering(session: Session, table: str, ids: Iterable[int]) -> list[models.RowChange]:
    """The records of runs of inserted rows of ``table`` holding one of ``ids`` beyond the run's
    first row (a run's first row is found by its ``row_id`` like any record)."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    RC = models.RowChange
    inserts = (RC.table_name == table) & RC.before.is_(None)
    starts = set(session.scalars(select(RC.id).where(inserts, RC.row_id >= wanted[0], RC.row_id <= wanted[-1])))
    earlier = session.scalar(select(RC.id).where(inserts, RC.row_id < wanted[0]).order_by(RC.row_id.desc()).limit(1))
    if earlier is not None:
        starts.add(earlier)
    found = []
    for start in range(0, len(starts), 1000):
        chunk = sorted(starts)[start : start + 1000]
        for change in session.scalars(select(RC).where(RC.id.in_(chunk))):
            covered = row_ids(change)
            if len(covered) > 1:
                at = bisect_left(wanted, covered.start + 1)
                if at < len(wanted) and wanted[at] < covered.stop:
                    found.append(change)
    return found
