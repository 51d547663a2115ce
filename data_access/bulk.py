"""Writing many rows at once, inside the caller's transaction.

PostgreSQL takes them through ``COPY ... FROM STDIN`` (psycopg's copy protocol, many
times faster than row-by-row or batched INSERTs over the network); other databases
(SQLite) through one ``executemany`` INSERT of plain tuples, each value converted once
by its column type's own bind processor (what SQLAlchemy would do per row, without
building a parameter dict per row), a value the same for every row only once. Either
way nothing is committed here: the caller's
transaction still decides whether the rows are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, ColumnDefault, Connection, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from data_access.db import json_text


def insert_rows(
    connection: Connection, table: Table, rows: list[dict[str, Any]], same: dict[str, Any] | None = None
) -> None:
    """Insert ``rows`` (dicts of column -> value, all with the same keys) into ``table``; ``same``
    gives columns whose value is the same for every row (e.g. the import that wrote them).

    Columns the rows leave out take their scalar default (e.g. ``missing_from_latest_return``)."""
    if not rows:
        return
    same = dict(same or {})
    for column in table.columns:
        if (
            column.name not in rows[0]
            and column.name not in same
            and isinstance(column.default, ColumnDefault)
            and column.default.is_scalar
        ):
            same[column.name] = column.default.arg
    names = [*rows[0], *same]
    dialect = connection.dialect
    converters = _converters(table, names, dialect)
    if dialect.name == "postgresql":
        constants = tuple(_converted(same, converters).values())
        _copy(connection, table, names, _tuples(rows, list(rows[0]), converters, constants))
        return
    quote = dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join('?' * len(names))})"
    )  # SQLite's parameter style
    converted = _converted(same, converters)
    connection.exec_driver_sql(statement, list(_tuples(rows, list(rows[0]), converters, tuple(converted.values()))))


def update_rows(
    connection: Connection, table: Table, rows: list[dict[str, Any]], same: dict[str, Any] | None = None
) -> None:
    """Update stored rows by id: ``rows`` are dicts of ``id`` and column -> value (all with the same
    keys), ``same`` columns set alike on every row. One ``executemany`` of plain tuples, each value
    converted as ``insert_rows`` converts it."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    same = dict(same or {})
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    assignments = ", ".join(f"{quote(name)} = {marker}" for name in [*names, *same])
    statement = f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote('id')} = {marker}"
    converters = _converters(table, [*names, *same], dialect)
    constants = tuple(_converted(same, converters).values())
    values = _tuples(rows, names, converters, constants)
    connection.exec_driver_sql(statement, [row + (item["id"],) for row, item in zip(values, rows)])


def _converters(table: Table, names: list[str], dialect: Any) -> dict[str, Callable[[Any], Any]]:
    """Column -> what to do to a value before the driver gets it (PostgreSQL: JSON to its text)."""
    if dialect.name == "postgresql":
        return {name: json_text for name in names if isinstance(table.c[name].type, JSON)}
    return {name: converter for name in names if (converter := _bind_converter(table.c[name].type, dialect))}


def _bind_converter(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value before the driver gets it. A date on SQLite is its ISO text,
    as SQLAlchemy's default storage format writes it, by the date's own (C) method."""
    implementation = column_type.dialect_impl(dialect)
    if isinstance(implementation, sqlite.DATE) and implementation._storage_format == sqlite.DATE._storage_format:
        return date.isoformat
    processor: Callable[[Any], Any] | None = implementation.bind_processor(dialect)
    return processor


def _converted(same: dict[str, Any], converters: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    return {
        name: converters[name](value) if name in converters and value is not None else value
        for name, value in same.items()
    }


def _tuples(
    rows: list[dict[str, Any]],
    names: list[str],
    converters: dict[str, Callable[[Any], Any]],
    constants: tuple[Any, ...] = (),
) -> list[tuple[Any, ...]]:
    """Each row's values in ``names`` order, converted where a column says (``None`` stays ``NULL``),
    followed by ``constants``. Built column by column: one pass over the rows per column, each
    conversion a list comprehension, then one ``zip``."""
    columns: list[Any] = []
    for name in names:
        column = list(map(itemgetter(name), rows))
        if name in converters:
            convert = converters[name]
            if convert is date.isoformat:  # a column of dates repeats few: each distinct date converted once
                texts = {value: None if value is None else convert(value) for value in set(column)}
                column = list(map(texts.__getitem__, column))
            else:
                column = [None if value is None else convert(value) for value in column]
        columns.append(column)
    return list(zip(*columns, *(repeat(constant) for constant in constants)))


def _copy(connection: Connection, table: Table, names: list[str], rows: Iterable[Any]) -> None:
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
    driver = connection.dialect.loaded_dbapi
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None  # an open connection has its driver's
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for values in rows:
                copy.write_row(values)
    except driver.Error as error:  # as SQLAlchemy reports it for any statement (IntegrityError, ...)
        raise DBAPIError.instance(statement, None, error, driver.Error) from error
