"""Plan-changes stage: rows with one key in a file, and what importing each row would change.

A row's key is its kind's (the model's unique constraint), matched ignoring case and runs of spaces
(``key_part``). Two rows of a file with one key are one row or an error; a row whose key is stored
updates that row, or leaves it unchanged; stored rows a file no longer has are flagged as its kind
says (``MissingRows``). Nothing is written here.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import compress, repeat, starmap
from operator import attrgetter, itemgetter, methodcaller, ne
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from dashboard.finance import heading_key
from data_access import models
from data_access.importer import kinds
from data_access.importer.cells import keys_of
from data_access.importer.kinds import KEY_COLUMNS, MissingRows, SheetKind
from data_access.importer.report import ImportPlan, RowAction, RowPlan, SheetPlan
from data_access.importer.validate import IMPORT_SOURCE, Context
from data_access.repositories import driver_rows

NOT_COMPARED = ("source_file", "source_row")
RowKey = tuple[object, ...]  # a row's key columns, as ``key_part`` matches them


def _compared(row: RowPlan) -> dict[str, Any]:
    return {name: value for name, value in row.values.items() if name not in NOT_COMPARED}


def file_keys(rows: list[RowPlan], key_fields: Iterable[str]) -> list[RowKey]:
    """The key of each row of a sheet (``keys_of``), in row order."""
    return keys_of(([row.values.get(name) for row in rows] for name in key_fields), len(rows))


def sheet_keys(plan: SheetPlan) -> list[RowKey]:
    """The key of each row of a sheet (``file_keys``), worked out once for its list of rows: kept
    with the plan (``row_keys``) while that list is the sheet's rows and as long. Only what sets
    the rows' key values (validation) or picks the rows (``drop_duplicates``) keeps keys there."""
    cached = plan.row_keys
    if cached is not None and cached[0] is plan.rows and len(cached[1]) == len(plan.rows):
        return cached[1]
    keys = file_keys(plan.rows, plan.sheet_kind.key)
    plan.row_keys = (plan.rows, keys)
    return keys


def drop_duplicates(
    context: Context, plan: SheetPlan, headers: dict[str, str], earlier: dict[RowKey, tuple[str, RowPlan]]
) -> None:
    """Two rows with one key: identical ones count once, different ones are an error (naming the
    key's columns as the sheet heads them). ``earlier``: the keys of the sheets of this kind
    read before this one (one kind may be split over tabs, e.g. One-to-one and Group)."""
    key_fields = plan.sheet_kind.key
    keys = sheet_keys(plan)
    first: dict[RowKey, RowPlan] = dict(zip(keys, plan.rows))
    if len(first) == len(keys) and earlier.keys().isdisjoint(first):  # no key twice: every row is kept
        if plan.sheet_kind is not kinds.LA_STATUS:
            earlier.update(zip(first, zip(repeat(plan.sheet), first.values())))
        return
    key_columns = ", ".join(header for name in key_fields if (header := headers.get(KEY_COLUMNS.get(name, name))))
    first = {}
    kept: list[RowPlan] = []
    for row, key in zip(plan.rows, keys):
        if key in first and plan.sheet_kind is kinds.LA_STATUS:  # later rows replace earlier ones
            kept[kept.index(first[key])] = row
            first[key] = row
            plan.skipped += 1
            continue
        where, other = (
            (f"row {first[key].row}", first[key])
            if key in first
            else ((f"{earlier[key][0]} row {earlier[key][1].row}", earlier[key][1]) if key in earlier else (None, None))
        )
        if other is not None:
            if _compared(other) != _compared(row):
                context.problem(
                    plan.sheet, row.row, key_columns, f"this row has the same key as {where} but different values"
                )
            else:
                plan.skipped += 1
            continue
        first[key] = row
        kept.append(row)
    plan.rows = kept
    plan.row_keys = (kept, list(first))  # ``first`` holds the kept rows' keys in the kept rows' order
    if plan.sheet_kind is not kinds.LA_STATUS:
        earlier.update((key, (plan.sheet, row)) for key, row in first.items())


def _comparable(value: object) -> object:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    if isinstance(value, float):
        return round(value, 6)
    return value


@lru_cache(maxsize=64)
def _getters(table: Table, names: tuple[str, ...]) -> tuple[Callable[[Any], Any], Callable[[dict[str, Any]], Any]]:
    """Read ``names`` off a stored row of ``table`` (``select(table)``: columns in table order, read
    by position, ten times faster than by name), and out of a file row's values, in one call each."""
    position = {column.name: index for index, column in enumerate(table.columns)}
    return itemgetter(*(position[name] for name in names)), itemgetter(*names)


def _same(stored: object, value: object) -> bool:
    """A stored value equals the file's, to the penny (money) or to 6 places (fractions)."""
    return stored == value or _comparable(stored) == _comparable(value)


def _compare(table: Table, key_fields: tuple[str, ...], matched: list[tuple[RowPlan, Any]], flags: bool) -> None:
    """Each file row matched to a stored row: unchanged, or an update (with the stored values as
    its before image). Worked out field set by field set (a sheet's rows usually all give the
    same fields): the rows' values and the stored rows' are read in one call each and compared
    as tuples; only a row that differs is compared field by field (``_same``). ``flags``: the
    kind flags stored rows no longer in a return, and a flagged row is updated to unflag it. Stored
    rows are plain tuples, read by position (``_existing_rows``)."""
    at = {name: index for index, name in enumerate(table.columns.keys())}
    file_rows = [row.values for row, _ in matched]
    stored_rows = [stored for _, stored in matched]
    for name in key_fields:  # keys match ignoring case; the stored spelling stays
        spelt = list(map(methodcaller("get", name), file_rows))
        stored_spelling = list(map(itemgetter(at[name]), stored_rows))
        for position in compress(range(len(spelt)), map(ne, spelt, stored_spelling)):  # spelt otherwise
            if isinstance(spelt[position], str):
                file_rows[position][name] = stored_spelling[position]
    id_at, missing_at = at["id"], at.get("missing_from_latest_return", -1)
    groups: dict[tuple[str, ...], list[tuple[RowPlan, Any]]] = {}
    for pair in matched:
        groups.setdefault(tuple(pair[0].values), []).append(pair)
    for fields, group in groups.items():
        compared = tuple(name for name in fields if name not in NOT_COMPARED)
        stored_values, file_values = _getters(table, compared)
        differs = map(ne, (stored_values(stored) for _, stored in group), (file_values(row.values) for row, _ in group))
        for (row, stored), differ in zip(group, differs):
            row.existing_id = stored[id_at]
            flagged = flags and stored[missing_at]
            if flagged:
                row.values["missing_from_latest_return"] = False
            if flagged or (differ and any(not _same(stored[at[name]], row.values[name]) for name in compared)):
                row.action, row.before = RowAction.UPDATE, {name: stored[at[name]] for name in compared}
                if flagged:
                    row.before["missing_from_latest_return"] = True
            else:
                row.action = RowAction.UNCHANGED


def _row_values(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def _import_lock_keys(plan: ImportPlan, references: Mapping[int, str]) -> list[int]:
    """One lock key per contract the plan writes rows of (the LA status history has its own), in order."""
    names: set[str] = set()
    for sheet in plan.sheets:
        if sheet.sheet_kind is kinds.LA_STATUS:
            names.add("la_status")
        field = "reference" if sheet.sheet_kind is kinds.CONTRACTS else "contract_id"
        for contract in {row.values.get(field) for row in sheet.rows}:  # each distinct contract once
            contract = references.get(contract, "") if isinstance(contract, int) else contract
            if isinstance(contract, str) and contract:
                names.add(f"contract:{contract.lower()}")
    return sorted(
        int.from_bytes(hashlib.sha256(f"import {name}".encode()).digest()[:8], "big", signed=True) for name in names
    )


def lock_contracts(session: Session, plan: ImportPlan, references: Mapping[int, str]) -> None:
    """PostgreSQL: imports of one contract one at a time. Held to the end of the transaction, taken
    before any stored row is read: a return decides which rows are "no longer in this return" on the
    committed rows of every earlier import, so two returns imported at once end as if one followed
    the other. (SQLite lets one writer at a time in anyway.)"""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in _import_lock_keys(plan, references):  # always in the same order: no deadlock between imports
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def work_out_changes(session: Session, plan: ImportPlan) -> None:
    references = {c.id: c.reference for c in session.scalars(select(models.Contract))}
    lock_contracts(session, plan, references)
    # a stored row of a cumulative kind is missing from this return when no sheet of its kind has it
    stored_of_kind: dict[SheetKind, dict[int, Any]] = defaultdict(dict)
    seen: dict[SheetKind, set[int]] = defaultdict(set)
    status_sheets = [sheet for sheet in plan.sheets if sheet.sheet_kind is kinds.LA_STATUS]
    if status_sheets:  # one history: an LA on two LA status tabs is one LA
        together = SheetPlan("", kinds.LA_STATUS, rows=[row for sheet in status_sheets for row in sheet.rows])
        stored_row = _stored_row(kinds.LA_STATUS.model.__table__)
        _la_status_changes(status_sheets, list(starmap(stored_row, _existing_rows(session, together))))
    for sheet in plan.sheets:
        kind = sheet.sheet_kind
        if kind is kinds.LA_STATUS:
            continue
        key_fields = kind.key
        existing = _existing_rows(session, sheet, plan.stored_ahead)
        table = kind.model.__table__
        id_at, *key_at = [list(table.columns.keys()).index(name) for name in ("id", *key_fields)]
        if kind.missing is not MissingRows.LEFT_AS_THEY_ARE:
            stored_of_kind[kind].update(zip(map(itemgetter(id_at), existing), existing))
        matches = _stored_matches(sheet, existing, key_at) if existing else repeat(None)
        matched: list[tuple[RowPlan, Any]] = []
        for row, stored in zip(sheet.rows, matches):
            if stored is None:
                row.action = RowAction.INSERT
            else:
                matched.append((row, stored))
        _compare(table, key_fields, matched, kind.missing is MissingRows.CUMULATIVE)
        seen[kind].update(map(itemgetter(id_at), map(itemgetter(1), matched)))
        if kind is kinds.FINANCE:
            sheet.flags.extend(_finance_flags(session, sheet, plan))
    last_of_kind = {sheet.sheet_kind: sheet for sheet in plan.sheets}
    for kind, stored_rows in stored_of_kind.items():
        sheet, key_fields = last_of_kind[kind], kind.key  # said once, on the kind's last sheet
        stored_row = _stored_row(kind.model.__table__)  # the rows no longer in the file, by name
        gone = (
            [stored_row(*stored) for row_id, stored in stored_rows.items() if row_id not in seen[kind]]
            if stored_rows.keys() - seen[kind]  # most returns have every stored row: none to look for
            else []
        )
        invoiced = _invoiced(session, gone) if kind is kinds.ALLOCATIONS else {}
        for stored in gone:
            if kind.missing is MissingRows.REPLACED:
                sheet.removed.append(stored._asdict())
                sheet.flags.append(_removal_flag(sheet, stored, references.get(stored.contract_id, ""), invoiced))
            else:
                sheet.vanished.append({"id": stored.id, **{name: getattr(stored, name) for name in key_fields}})
        for item in sheet.vanished:
            key_text = ", ".join(str(item[name]) for name in key_fields if name != "contract_id")
            sheet.flags.append(
                f"{sheet.title}: row {key_text} of {references.get(item['contract_id'], '')} "
                "is no longer in this return; it is kept and flagged"
            )


def _stored_matches(sheet: SheetPlan, existing: list[Any], key_at: list[int]) -> list[Any]:
    """The stored row of each row's key (None: a new row), keys matched as ``key_part`` matches
    them. A row whose key is spelt exactly as a stored row's (a return imported again: almost
    every row) is that row's, found by its values as they are; only when a row is not, are the
    stored rows' keys worked out (``keys_of``) to match the rest ignoring case and spaces. (Keys
    spelt the same are the same key. Were two stored rows one key ignoring case, which imports
    never write, a row spelt as one of them is matched to that one.)"""
    stored_spelt = dict(zip(zip(*(map(itemgetter(at), existing) for at in key_at)), existing))
    rows = list(map(_values_of, sheet.rows))
    spelt = zip(*(map(methodcaller("get", name), rows) for name in sheet.sheet_kind.key))
    matches = list(map(stored_spelt.get, spelt))
    if None not in matches:
        return matches
    index = dict(zip(keys_of((map(itemgetter(at), existing) for at in key_at), len(existing)), existing))
    return [stored if stored is not None else index.get(key) for stored, key in zip(matches, sheet_keys(sheet))]


_values_of = attrgetter("values")


def _invoiced(session: Session, allocations: list[Any]) -> dict[tuple[int, str, str], Decimal]:
    """Net spend already invoiced per (contract id, heading key, FY) of the given allocations."""
    if not allocations:
        return {}
    L = models.InvoiceLine
    wanted = {(item.contract_id, heading_key(item.heading), item.financial_year) for item in allocations}
    spent: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for contract_id, heading, year, amount in session.execute(
        select(L.contract_id, L.heading, L.financial_year, func.sum(L.amount))
        .where(L.contract_id.in_({key[0] for key in wanted}))
        .group_by(L.contract_id, L.heading, L.financial_year)
    ):
        if (key := (contract_id, heading_key(heading), year)) in wanted:
            spent[key] += Decimal(amount or 0)
    return spent


def _removal_flag(sheet: SheetPlan, stored: Any, reference: str, invoiced: dict[tuple[int, str, str], Decimal]) -> str:
    """The flag of a stored allocation or day rate a revised pricing schedule no longer has:
    "a heading, year or role taken out of a revised schedule is removed". Spend already invoiced
    against a removed allocation becomes an overspend ("spend in a FY for which the schedule
    allocates nothing is an overspend of the whole amount"), so the flag says so."""
    spent = None
    if sheet.sheet_kind is kinds.DAY_RATES:
        what = f"{stored.role} ({stored.level})" if stored.level else stored.role
        value = f"its day rate of £{stored.day_rate:,.2f}"
    else:
        what, value = f"{stored.heading} {stored.financial_year}", f"its allocation of £{stored.amount:,.2f}"
        spent = invoiced.get((stored.contract_id, heading_key(stored.heading), stored.financial_year))
    return f"{sheet.title}: {what} of {reference} is no longer in the pricing schedule; {value} is removed" + (
        f": the £{spent:,.2f} already invoiced against it will show as overspent" if spent else ""
    )


_STATUS_FIELDS = ("ilacs_judgement", "ilacs_date", "send_wsoa", "declining", "in_intervention", "next_review_date")


def _same_status(before: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(_same(before.get(name), values.get(name)) for name in _STATUS_FIELDS)


def _la_status_changes(sheets: list[SheetPlan], existing: list[models.LAStatus]) -> None:
    """LA status keeps its history: a changed status is a new record, never an overwrite.

    An LA's last row in the file (its LA status sheets in order) is its current status: unchanged
    if equal to the LA's latest record; otherwise a new record from its ILACS date when that is
    after the latest record, else from today (a second change on the same day corrects today's
    record). The LA's earlier rows in the file are history, recorded on their own dates.
    """
    today = date.today()
    by_key: dict[tuple[str, date], Any] = {(row.la_code, row.effective_date): row for row in existing}
    latest: dict[str, tuple[date, dict[str, Any], int | None]] = {}  # la_code -> newest record, planned rows included
    for stored in sorted(existing, key=lambda row: (row.effective_date, row.id)):
        latest[stored.la_code] = (stored.effective_date, _row_values(stored, _STATUS_FIELDS), stored.id)
    planned: dict[tuple[str, date], RowPlan] = {}
    rows = [row for sheet in sheets for row in sheet.rows]
    last = {row.values["la_code"]: position for position, row in enumerate(rows)}
    for position, row in enumerate(rows):
        la_code, effective = row.values["la_code"], row.values["effective_date"]
        current = latest.get(la_code)
        if last[la_code] == position and current is not None:
            if _same_status(current[1], row.values):
                row.action, row.existing_id = RowAction.UNCHANGED, current[2]
                row.values["effective_date"] = current[0]
                continue
            if effective <= current[0]:
                effective = row.values["effective_date"] = max(today, current[0])
        same = by_key.get((la_code, effective))
        if (la_code, effective) in planned:  # an earlier row of this file: the later row replaces it
            planned.pop((la_code, effective)).action = RowAction.SUPERSEDED
        if same is None:
            row.action = RowAction.INSERT
        elif _same_status(_row_values(same, _STATUS_FIELDS), row.values):
            row.action, row.existing_id = RowAction.UNCHANGED, same.id
        else:
            compared = [name for name in row.values if name not in NOT_COMPARED]
            row.action, row.existing_id, row.before = RowAction.UPDATE, same.id, _row_values(same, compared)
        planned[(la_code, effective)] = row
        if current is None or effective >= current[0]:
            latest[la_code] = (effective, {name: row.values.get(name) for name in _STATUS_FIELDS}, row.existing_id)
    for sheet in sheets:  # rows a later row of the file replaced
        sheet.skipped += sheet.count(RowAction.SUPERSEDED)
        sheet.rows = [row for row in sheet.rows if row.action is not RowAction.SUPERSEDED]


def _existing_rows(
    session: Session,
    sheet: SheetPlan,
    stored_ahead: Mapping[SheetKind, tuple[frozenset[int], list[Any]]] | None = None,
) -> list[tuple[Any, ...]]:
    """The stored rows this sheet may match, as tuples of the table's columns in table order,
    fetched with the driver's cursor (``repositories.driver_rows``), or before, while the file was
    read (``stored_ahead``: ``fetch_stored_ahead``)."""
    table = sheet.sheet_kind.model.__table__
    if sheet.sheet_kind is kinds.CONTRACTS:
        query = select(table)
    elif sheet.sheet_kind is kinds.LA_STATUS:
        codes = {row.values["la_code"] for row in sheet.rows}
        if not codes:
            return []
        query = select(table).where(table.c.la_code.in_(codes), table.c.source == IMPORT_SOURCE)
    else:
        contract_ids = {value for row in sheet.rows if isinstance(value := row.values.get("contract_id"), int)}
        if not contract_ids:
            return []
        ahead = (stored_ahead or {}).get(sheet.sheet_kind)
        if ahead is not None and contract_ids <= ahead[0]:  # fetched while the file was read
            if contract_ids == ahead[0]:
                return ahead[1]
            at = list(table.columns.keys()).index("contract_id")
            return [stored for stored in ahead[1] if stored[at] in contract_ids]
        query = _of_contracts(table, contract_ids)
    return list(driver_rows(session, query))


def _of_contracts(table: Table, contract_ids: Iterable[int]) -> Any:
    return select(table).where(table.c.contract_id.in_(contract_ids))


def fetch_stored_ahead(session: Session, plan: ImportPlan, kind: SheetKind, contract_ids: frozenset[int]) -> None:
    """Fetch the stored rows of ``kind`` of these contracts while the file is still being read
    (``planner``): ``_existing_rows`` takes them when its sheet's rows are all of these contracts,
    and asks the database itself otherwise. Read in the import's own transaction, as
    ``_existing_rows`` reads them, so they are the same rows."""
    plan.stored_ahead[kind] = (
        contract_ids,
        list(driver_rows(session, _of_contracts(kind.model.__table__, contract_ids))),
    )


@lru_cache(maxsize=16)
def _stored_row(table: Table) -> Callable[..., Any]:
    """A named tuple of ``table``'s columns, in table order."""
    return namedtuple(f"Stored{table.name.title().replace('_', '')}", table.columns.keys())


def _finance_flags(session: Session, sheet: SheetPlan, plan: ImportPlan) -> list[str]:
    """Invoice flags of rules.md raised by the lines of this sheet (shown, never dropped),
    against the allocations as they will be once this file is in (its own Part A included)."""
    from data_access.repositories import finance_flags_for_lines

    revised = [row.values for part_a in plan.sheets if part_a.sheet_kind is kinds.ALLOCATIONS for row in part_a.rows]
    return finance_flags_for_lines(session, [row.values for row in sheet.rows], revised)
