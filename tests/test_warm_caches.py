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


def _emptied_caches(url: str, monkeypatch) -> int:
    """The app pointed at ``url`` with its caches emptied; the database's data version."""
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    st.cache_resource.clear()
    engine = make_engine(url)
    version = queries.current_data_version(engine)
    engine.dispose()
    return version


def test_the_boards_plan_of_a_version_is_over_that_versions_records(demo_sqlite_url, monkeypatch):
    """The plan of data version N is worked out over the records of N, even when the database has
    moved on (an import while it is warmed, or a page still showing N): a plan over other records
    than those it is used with could leave a small group unwithheld."""
    from datetime import date

    version = _emptied_caches(demo_sqlite_url, monkeypatch)
    everything = Filters().scope(Viewer(email="board@example.org", role=BOARD))
    records = context._load(demo_sqlite_url, everything, version)
    monkeypatch.setattr(context, "data_version", lambda: version + 1)  # the database has moved on
    given: list[object] = []
    monkeypatch.setattr(plan_worker, "worked_out", lambda units, until: given.append(units) or None)
    context._board_plan(demo_sqlite_url, everything, version, date(2023, 3, 31))
    assert given == [records.units] and given[0] is records.units
    st.cache_resource.clear()


def test_an_expired_entry_is_given_at_once_while_it_is_worked_out_again(demo_sqlite_url, monkeypatch):
    """An entry lasts ten minutes from when it was worked out, however often it is used: then the
    next run is given it at once while it is worked out again in the background, so nobody meets
    a cold page every ten minutes."""
    import time

    from streamlit.runtime.caching import cache_utils

    now = [1000.0]
    monkeypatch.setattr(cache_utils, "TTLCACHE_TIMER", lambda: now[0])  # the clock of caches made from here on
    version = _emptied_caches(demo_sqlite_url, monkeypatch)
    everything = Filters().scope(Viewer(email="someone@example.org", role=ADMIN))
    first = context._load(demo_sqlite_url, everything, version)
    read: list[float] = []
    original = queries.load

    def slow_read(*args):
        time.sleep(0.5)
        found = original(*args)
        read.append(time.perf_counter())
        return found

    monkeypatch.setattr(queries, "load", slow_read)
    assert context._load(demo_sqlite_url, everything, version) is first and not read  # not expired yet
    now[0] += context.KEPT_SECONDS + 1
    asked = time.perf_counter()
    assert context._load(demo_sqlite_url, everything, version) is first  # expired: given at once ...
    assert not read or read[0] > asked + 0.4  # ... not after reading again
    for _ in range(100):  # ... while it is read again in the background
        if read:
            break
        time.sleep(0.1)
    time.sleep(0.2)
    refreshed = context._load(demo_sqlite_url, everything, version)
    assert len(read) == 1 and refreshed is not first and refreshed == first
    st.cache_resource.clear()


def test_the_board_is_shown_the_version_before_only_while_the_new_one_is_warmed():
    """``warm.version_for_board(current, warmed, finished, waited)``: the last version warmed while
    the current one is being warmed, for at most a minute; the current one otherwise."""
    at_most = warm.EARLIER_AT_MOST_SECONDS
    assert warm.version_for_board(9, 8, 8, 1.0) == 8  # 9 is being warmed: 8 is ready
    assert warm.version_for_board(9, 8, 9, 1.0) == 9  # warming 9 failed: worked out by the page
    assert warm.version_for_board(9, 9, 9, 1.0) == 9  # 9 is ready
    assert warm.version_for_board(9, None, None, 1.0) == 9  # nothing warmed yet (a server just started)
    assert warm.version_for_board(9, 8, 8, at_most + 1) == 9  # warming takes too long: wait for it
    assert warm.version_for_board(9, 7, 8, 1.0) == 7  # 8 failed, 9 not finished: 7 is the last ready
    assert warm.version_for_board(9, 10, 10, 1.0) == 9  # warmed past it (a page that read 9 just before)
