"""Writing many rows at once, inside the caller's transaction.

PostgreSQL takes them through ``COPY ... FROM STDIN`` (psycopg's copy protocol, many
times faster than row-by-row or batched INSERTs over the network); other databases
(SQLite) through one ``executemany`` INSERT. Either way nothing is committed here:
the caller's transaction still decides whether the rows are kept.
"""

from __future__ import annotations

from typing import Any

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
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), [{**defaults, **row} for row in rows] if defaults else rows)
        return
    names = [*rows[0], *defaults]
    as_json = {position for position, name in enumerate(names) if isinstance(table.c[name].type, JSON)}
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
    given, default_values = list(rows[0]), list(defaults.values())
    driver = connection.dialect.loaded_dbapi
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [*(row[name] for name in given), *default_values]
                for position in as_json:
                    if values[position] is not None:
                        values[position] = json_text(values[position])
                copy.write_row(values)
    except driver.Error as error:  # as SQLAlchemy reports it for any statement (IntegrityError, ...)
        raise DBAPIError.instance(statement, None, error, driver.Error) from error
