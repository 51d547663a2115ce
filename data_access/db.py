"""Engines, sessions and first-use set-up (migrations and reference data).

The caller owns the transaction: functions that do work take a ``Session``;
``with session.begin():`` around one import makes it all-or-nothing.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from data_access.settings import DATA_DIR, load_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened or migrated, or cannot take a write (``reason``: what failed,
    without the URL, as the pages show it)."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


def json_text(value: Any) -> str:
    """How JSON columns are written: dates as ISO text ("2024-03-15"), amounts and days
    (``Decimal``) as their exact text ("1250.50"), so nothing is rounded through a float.

    orjson writes it: a large import writes 100,000 undo records, which the standard
    library's encoder takes 0.24 s to write and orjson 0.02 s."""
    return orjson.dumps(value, default=_json_value, option=orjson.OPT_NON_STR_KEYS).decode()


def _json_value(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"a {type(value).__name__} cannot be stored as JSON")


def _unicode_lower(value: str | bytes | int | float | None) -> str | bytes | int | float | None:
    return value.lower() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block an import
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # SQLite's own lower() changes ASCII letters only, so 'ÉCOLE-1' and 'école-1' differed there
    # and matched on PostgreSQL: references and codes match ignoring case the same way on both.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: the settings' database URL)."""
    url = url or load_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _sqlite_folder(parsed, parsed.database)
        engine = create_engine(url, connect_args={"timeout": 15}, json_serializer=json_text)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=json_text)


def _sqlite_folder(parsed: URL, path: str) -> None:
    """The app's own ``data/`` folder is made on first use; any other folder must exist already
    (a mistyped ``--db`` creates no folder and no empty database). ``path``: the URL's database."""
    if parsed.query.get("uri") in ("true", "1") and path.startswith("file:"):
        path = path.removeprefix("file:").split("?")[0]
    folder = Path(path).parent
    if folder.resolve() == DATA_DIR.resolve():
        folder.mkdir(parents=True, exist_ok=True)
    elif folder.exists() and not folder.is_dir():
        raise DatabaseUnavailable(f"{folder} is a file, not a folder")
    elif not folder.is_dir():
        raise DatabaseUnavailable(f"the folder {folder} does not exist")


# SQLSTATEs (PostgreSQL) and SQLite messages of failures a retry does not mend
_READ_ONLY = ("25006",)
_FULL = ("53100",)
_CONNECTION = ("08", "57P")


def failure_message(error: BaseException) -> str | None:
    """What failed, in one line, when the database itself cannot take the write: read-only, a full
    disk, the connection lost. ``None`` for anything else (e.g. a clash with another import)."""
    original = getattr(error, "orig", None) or error
    said = str(original).lower()
    state = getattr(original, "sqlstate", None) or ""
    if state in _READ_ONLY or "readonly database" in said or "read-only" in said:
        return "the database is read-only, so nothing can be written to it; nothing was written"
    if state in _FULL or "database or disk is full" in said or "no space left" in said:
        return "the disk holding the database is full; nothing was written. Free some space and try again"
    lost = state.startswith(_CONNECTION) or getattr(error, "connection_invalidated", False)
    if lost or (
        type(original).__name__ == "OperationalError"
        and not state
        and original.__class__.__module__.startswith("psycopg")
    ):
        return "the connection to the database was lost while writing; nothing was written. Try again when it is back"
    return None


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser reads "%" as interpolation: a URL with options (%3D) must be escaped
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:  # a table is rebuilt by copying it: references are checked once, before commit
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").first()):
                    raise RuntimeError(
                        f"the upgrade would leave a broken reference in {broken[0]}; nothing was changed"
                    )
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def ensure_database(engine: Engine) -> None:
    """First use: create the schema and load the reference data (no demo data)."""
    from data_access.models import Region
    from data_access.reference import load_reference_data

    try:
        migrate(engine)
        with Session(engine) as session, session.begin():
            if session.scalar(select(Region.code).limit(1)) is None:
                load_reference_data(session)  # the LAIT data waits until it is read (lait.ensure_loaded)
    except Exception as error:
        raise DatabaseUnavailable(
            f"cannot open the database {engine.url.render_as_string()}: {_first_line(error)}"
        ) from error


@lru_cache(maxsize=8)
def ready_engine(url: str | None = None) -> Engine:
    """A migrated engine with reference data.

    Anything that stops the database opening is a ``DatabaseUnavailable`` with a one-line
    message (the command lines exit 2 on it, the pages show it): a URL that is not a URL, an
    unknown scheme, a path that cannot be made, a server that does not answer."""
    try:
        engine = make_engine(url)
    except Exception as error:
        raise DatabaseUnavailable(f"cannot open the database {shown_url(url)}: {_first_line(error)}") from error
    ensure_database(engine)
    return engine


def shown_url(url: str | None) -> str:
    """The URL as messages show it, without a password."""
    try:
        return make_url(url or load_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all
        return repr(url)


def _first_line(error: BaseException) -> str:
    """The first line of a driver error, without the SQL and parameters."""
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
