"""Shared fixtures: databases on SQLite and, where configured, PostgreSQL.

``DASHBOARD_TEST_POSTGRES_URL`` names a PostgreSQL database the tests may wipe.
Where it is set (CI sets it), every database test also runs on PostgreSQL; in
CI (``CI=true``) a missing URL is an error, never a silent skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_access.db import ensure_database, make_engine
from tests import small_db

POSTGRES_URL = os.environ.get("DASHBOARD_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


# Modules whose tests take seconds each; `make test-fast` leaves them out, `make test` runs them all.
SLOW_MODULES = {
    # every page through Streamlit's AppTest
    "test_pages_coverage",
    "test_pages_data_currency",
    "test_pages_edges",
    "test_pages_finance",
    "test_pages_kpis",
    "test_pages_la_profile",
    "test_pages_methodology",
    "test_pages_outcomes",
    "test_pages_overview",
    "test_pages_timelines",
    "test_upload_page",
    "test_import_access",
    "test_import_batches",
    "test_sign_in",
    "test_control_labels",
    "test_showing_filters",
    "test_tables",
    "test_markup_injection",
    "test_narrowing",
    "test_changes",
    "test_registry",
    "test_chart_specs",
    # property tests over many random cases, fuzzing and the independent DuckDB check
    "test_board_disclosure",
    "test_import_properties",
    "test_hostile_files",
    "test_independent_summary",
    "test_register_terms_and_quarters",
    # whole Board packs, the demo database, the LAIT reference, the load test
    "test_board_pack",
    "test_board_pack_pdf",
    "test_demo_data",
    "test_lait_reference",
    "test_bench_load",
}


def pytest_configure(config):
    if IN_CI and not POSTGRES_URL:
        raise pytest.UsageError("CI must set DASHBOARD_TEST_POSTGRES_URL: PostgreSQL tests may not be skipped in CI")


def pytest_collection_modifyitems(items):
    """Mark the tests of ``SLOW_MODULES`` ``slow`` (one list, so a new slow module is added in one place)."""
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def _worker() -> str:
    """A name private to this test process (several test runs may share one server)."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def _drop_postgres(schema: str) -> None:
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _postgres_url(schema: str) -> str:
    """The test server with ``schema`` first on the search path (one schema per xdist worker)."""
    url = make_url(POSTGRES_URL)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def _fresh_postgres(schema: str) -> str:
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return _postgres_url(schema)


def fresh_database_url(backend: str, tmp_path: Path, name: str = "test") -> str:
    """An empty database of ``backend``, private to this test."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    return _fresh_postgres(f"t_{_worker()}_{name}")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


# For tests about one backend only: they run there and are not collected for the
# other (so nothing is skipped on PostgreSQL in CI).
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
postgres_only = pytest.mark.parametrize("backend", ["postgresql"] if POSTGRES_URL else [], indirect=True)


@pytest.fixture
def database_url(backend, tmp_path) -> str:
    return fresh_database_url(backend, tmp_path)


@pytest.fixture
def engine(database_url):
    """A new database with the schema and reference data, and no demo data."""
    engine = make_engine(database_url)
    ensure_database(engine)
    yield engine
    engine.dispose()
    if engine.dialect.name == "postgresql":
        _drop_postgres(f"t_{_worker()}_test")


@pytest.fixture(scope="session", params=BACKENDS)
def demo_database_url(request, tmp_path_factory) -> str:
    """A database loaded once per backend with the demo workbooks (read-only for tests)."""
    from data_access.demo import load_demo

    url = fresh_database_url(request.param, tmp_path_factory.mktemp("demo"), name="demo")
    engine = make_engine(url)
    ensure_database(engine)
    load_demo(engine)
    engine.dispose()
    yield url
    if request.param == "postgresql":
        _drop_postgres(f"t_{_worker()}_demo")


@pytest.fixture(scope="session")
def demo_sqlite_url(tmp_path_factory) -> str:
    """The demo database on SQLite alone, for page tests (the app's embedded default)."""
    from data_access.demo import load_demo

    url = fresh_database_url("sqlite", tmp_path_factory.mktemp("demo_sqlite"), name="demo")
    engine = make_engine(url)
    ensure_database(engine)
    load_demo(engine)
    engine.dispose()
    return url


APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture(scope="session")
def demo_records(demo_sqlite_url):
    """The demo database's records, as the pages load them."""
    from data_access.queries import load

    engine = make_engine(demo_sqlite_url)
    data = load(engine)
    engine.dispose()
    return data


@pytest.fixture
def open_page(demo_sqlite_url, monkeypatch):
    """Open the app (AppTest) on the demo database: ``open_page(page, role, **query_params)``."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", demo_sqlite_url)

    def open_(page: str | None = None, role: str = "admin", tables: bool = True, **params: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state["local_role"] = role
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        if page:
            at.switch_page(page).run()
        assert not at.exception
        return small_db.open_tables(at) if tables else at

    return open_
