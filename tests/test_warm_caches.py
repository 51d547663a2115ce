"""Warming the caches in the background (``ui.warm``): after an import, the records a page starts
from are already loaded when someone opens it."""

from __future__ import annotations

import streamlit as st

from dashboard.access import ADMIN, BOARD, Viewer
from data_access import queries
from data_access.db import make_engine
from ui import context, plan_worker, warm
from ui.filters import Filters


def test_a_warmed_version_is_read_from_the_cache_not_the_database(demo_sqlite_url, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", demo_sqlite_url)
    st.cache_resource.clear()
    engine = make_engine(demo_sqlite_url)
    version = queries.current_data_version(engine)
    expected = queries.load(engine)
    engine.dispose()

    warm.warm(demo_sqlite_url, version)

    def no_reading(*args, **kwargs):
        raise AssertionError("the records were read again")

    monkeypatch.setattr(queries, "load", no_reading)
    for role in (ADMIN, BOARD):  # both start from the whole portfolio
        everything = Filters().scope(Viewer(email="someone@example.org", role=role))
        assert context.oversight_data(everything) == expected
    st.cache_resource.clear()


def test_a_new_version_is_read_again(demo_sqlite_url, monkeypatch):
    """The data version is part of the key: what was warmed for one version is not used for the next."""
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", demo_sqlite_url)
    st.cache_resource.clear()
    engine = make_engine(demo_sqlite_url)
    version = queries.current_data_version(engine)
    engine.dispose()
    warm.warm(demo_sqlite_url, version)
    read: list[int] = []
    original = queries.load
    monkeypatch.setattr(queries, "load", lambda *args: read.append(1) or original(*args))
    everything = Filters().scope(Viewer(email="someone@example.org", role=ADMIN))
    context._load(demo_sqlite_url, everything, version + 1)
    assert read == [1]
    st.cache_resource.clear()


def test_the_boards_plan_is_warmed_for_the_dates_the_board_asked_for(demo_sqlite_url, monkeypatch):
    """After an import, the plan is worked out again in the background as of today and as of the
    dates Board members were looking at, so they do not wait for it."""
    from datetime import date

    from dashboard import disclosure

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", demo_sqlite_url)
    st.cache_resource.clear()
    board = Viewer(email="board@example.org", role=BOARD)
    asked = date(2023, 3, 31)
    context.board_plan_for(board, asked)
    assert asked in context.recent_board_dates()
    engine = make_engine(demo_sqlite_url)
    version = queries.current_data_version(engine)
    engine.dispose()
    st.cache_resource.clear()  # as a new data version would leave it
    warm.warm(demo_sqlite_url, version)

    def no_working_out(*args, **kwargs):
        raise AssertionError("the plan was worked out again")

    monkeypatch.setattr(plan_worker, "board_plan", no_working_out)
    plan = context.board_plan_for(board, asked)
    assert plan is not None and plan.as_of == asked
    expected = disclosure.board_plan(context.oversight_data(Filters().scope(board)).units, asked)
    assert (plan.shown, plan.whole) == (expected.shown, expected.whole)
    st.cache_resource.clear()


def test_the_dates_the_board_asked_for_are_kept_latest_last(demo_sqlite_url, monkeypatch):
    """A date asked for again moves to the end, so the dates in use are the ones kept."""
    from datetime import date, timedelta

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", demo_sqlite_url)
    monkeypatch.setattr(context, "_recent_dates", type(context._recent_dates)(maxlen=context.RECENT_DATES_KEPT))
    monkeypatch.setattr(context, "board_plan_as_of", lambda *args: None)  # the plans themselves: tested above
    board = Viewer(email="board@example.org", role=BOARD)
    first = date(2024, 3, 15)
    others = [first - timedelta(days=days) for days in (1, 2, 3)]
    for as_of in [first, *others, first]:
        context.board_plan_for(board, as_of)
    assert context.recent_board_dates() == [*others, first]
    context.board_plan_for(board, date(2020, 1, 1))  # a fifth date: the longest unused goes
    assert context.recent_board_dates() == [*others[1:], first, date(2020, 1, 1)]
