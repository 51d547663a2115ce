"""Writing many rows at once, inside the caller's transaction.

PostgreSQL takes them through ``COPY ... FROM STDIN`` (psycopg's copy protocol, many
times faster than row-by-row or batched INSERTs over the network); other databases
(SQLite) through one ``executemany`` INSERT of plain tuples, each value converted once
by its column type's own bind processor (what SQLAlchemy would do per row, without
building a parameter dict per row). Either way nothing is committed here: the caller's
transaction still decides whether the rows are kept.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable, Iterator

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.exc import DBAPIError

from data_access.db import json_text


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of column -> value, all with the same keys) into ``table``.

    Columns a row leaves out take their scalar default (e.g. ``missing_from_latest_return``)."""
    if not rows:
        return
    defaults = {column.name: column.default.arg for column in table.columns
                if column.name not in rows[0] and column.default is not None and column.default.is_scalar}
    complete = [{**defaults, **row} for row in rows] if defaults else rows
    dialect = connection.dialect
    if dialect.name == "postgresql":
        names = list(complete[0])
        as_json = {name: json_text for name in names if isinstance(table.c[name].type, JSON)}
        _copy(connection, table, names, _tuples(complete, names, as_json))
        return
    compiled = table.insert().compile(dialect=dialect, column_keys=list(complete[0]))
    names = list(compiled.positiontup)  # the statement's parameters, in the order it takes them
    processors = {name: processor for name in names
                  if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None}
    connection.exec_driver_sql(str(compiled), list(_tuples(complete, names, processors)))


def _tuples(rows: list[dict[str, Any]], names: list[str],
            converters: dict[str, Callable[[Any], Any]]) -> Iterator[tuple[Any, ...]]:
    """Each row's values in ``names`` order, converted where a column says (``None`` stays ``NULL``)."""
    values_of = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    converting = [(position, converters[name]) for position, name in enumerate(names) if name in converters]
    for row in rows:
        values = values_of(row)
        if converting:
            values = list(values)
            for position, convert in converting:
                if values[position] is not None:
                    values[position] = convert(values[position])
            values = tuple(values)
        yield values


def _copy(connection: Connection, table: Table, names: list[str], rows: Iterator[Any]) -> None:
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
    driver = connection.dialect.loaded_dbapi
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for values in rows:
                copy.write_row(values)
    except driver.Error as error:  # as SQLAlchemy reports it for any statement (IntegrityError, ...)
        raise DBAPIError.instance(statement, None, error, driver.Error) from error
