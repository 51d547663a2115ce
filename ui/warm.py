"""Warming the caches in the background, so that nobody waits for the records after an import.

Every import or undo changes the data version, and every cache key holds it: the first person to
open a page after an import would wait for every record to be read again (2-3 s at full scale).
One thread per app server watches the data version instead (every ``WATCH_SECONDS``; a change
made by another server or by the command line counts too) and, from the server's first page run
(Streamlit runs no script before someone connects) and after each change, reads the records of the whole portfolio, splits them by contract and works out the
filter choices and the Board's plan, into the same caches the pages read (``ui.context``). A page
opened while this runs waits for the same entry rather than reading it twice. What each page works
out from the records (``ui.cache.built``) depends on its filters and is still worked out on first use.

A Board member who opens a page while the caches are warmed for a new version is shown the last
version warmed, with a notice and a button for the latest figures (``version_for_board``): the
Board's plan takes seconds to work out, and fifty Board members arriving after an import waited
for it. A page that finds a version not warmed yet tells the watcher to look at once.
"""

from __future__ import annotations

import logging
import threading
import time

import streamlit as st

from dashboard.access import BOARD, Viewer
from data_access import queries
from ui import context
from ui.filters import Filters
from ui.plan_worker import serving

log = logging.getLogger(__name__)
WATCH_SECONDS = 5
EARLIER_AT_MOST_SECONDS = 60  # the Board is shown an earlier version for no longer than this

# What this server's watcher has done, per database: the latest data version it warmed the caches
# for, and the latest it finished with (warmed, or failed: then the pages work it out themselves).
_warmed: dict[str, int] = {}
_finished: dict[str, int] = {}
_first_asked: dict[tuple[str, int], float] = {}  # (database, version) -> when a Board page first asked for it
_look_now: dict[str, threading.Event] = {}  # set: the watcher looks at the data version at once


def warm(url: str, version: int) -> None:
    """Fill the caches the pages start from for data ``version``: the records of everyone who may
    see the whole portfolio (administrators, the Board, case leads), split by contract, the filter
    choices, and the Board's plan as of today and as of the dates Board members asked for lately
    (``context.recent_board_dates``)."""
    everything = Filters().scope(Viewer(email="", role=BOARD))
    data = context._load(url, everything, version)
    context._by_contract(url, everything, version)
    context._filter_options(data, url, everything, version)
    # the dates Board members were just looking at first (they are waiting), the latest first
    for as_of in dict.fromkeys([*reversed(context.recent_board_dates()), Filters().as_of_date]):
        context.board_plan_as_of(url, everything, version, as_of)


def version_for_board(current: int, warmed: int | None, finished: int | None, waited_seconds: float) -> int:
    """The data version a Board member's page shows: the database's (``current``), except while this
    server is still warming the caches for it (the Board's plan takes seconds to work out after an
    import): then the last version it warmed, whose figures and plan are ready, for at most
    ``EARLIER_AT_MOST_SECONDS`` since a Board page first asked for the current one. The page says
    so and offers the latest figures (``ui.data_currency.earlier_figures_notice``). Once warming has finished with the current
    version, warmed or failed, it is the one shown."""
    if (
        warmed is None
        or warmed >= current
        or (finished is not None and finished >= current)
        or waited_seconds > EARLIER_AT_MOST_SECONDS
    ):
        return current
    return warmed


def board_version(url: str, current: int) -> int:
    """``version_for_board`` on this server (in a test's ``AppTest``, with no watcher: ``current``);
    the watcher is told to look at once when the current version is not warmed yet."""
    if not serving():
        return current
    for earlier in [key for key in _first_asked if key[0] == url and key[1] < current]:
        del _first_asked[earlier]
    first_asked = _first_asked.setdefault((url, current), time.monotonic())
    shown = version_for_board(current, _warmed.get(url), _finished.get(url), time.monotonic() - first_asked)
    if shown != current:
        _look_now_event(url).set()
    return shown


def _look_now_event(url: str) -> threading.Event:
    return _look_now.setdefault(url, threading.Event())


def _watch(url: str) -> None:
    looked_at = None
    while True:
        try:
            version = queries.current_data_version(context._engine(url))
            if version != looked_at:
                looked_at = version  # once per version, even if it fails
                started = time.perf_counter()
                try:
                    warm(url, version)
                    _warmed[url] = version
                    log.info("Caches warmed for data version %s in %.1f s", version, time.perf_counter() - started)
                finally:
                    _finished[url] = version
        except Exception:  # the pages read what they need themselves; try again at the next look
            log.exception("Warming the caches failed")
        look_now = _look_now_event(url)
        look_now.wait(WATCH_SECONDS)
        look_now.clear()


@st.cache_resource(show_spinner=False)
def _watcher(url: str) -> threading.Thread:
    """One watching thread per server and database, started the first time a page asks."""
    thread = threading.Thread(target=_watch, args=(url,), name="warm-caches", daemon=True)
    thread.start()
    return thread


def keep_warm(url: str) -> None:
    """Start watching ``url``'s data version, when served by a Streamlit server (not in a test's
    ``AppTest``, which runs one script and stops)."""
    if serving():
        _watcher(url)
