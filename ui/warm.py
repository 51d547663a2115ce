"""Warming the caches in the background, so that nobody waits for the records after an import.

Every import or undo changes the data version, and every cache key holds it: the first person to
open a page after an import would wait for every record to be read again (2-3 s at full scale).
One thread per app server watches the data version instead (every ``WATCH_SECONDS``; a change
made by another server or by the command line counts too) and, from the server's first page run
(Streamlit runs no script before someone connects) and after each change, reads the records of the whole portfolio, splits them by contract and works out the
filter choices and the Board's plan, into the same caches the pages read (``ui.context``). A page
opened while this runs waits for the same entry rather than reading it twice. What each page works
out from the records (``ui.cache.built``) depends on its filters and is still worked out on first use.
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


def _watch(url: str) -> None:
    warmed = None
    while True:
        try:
            version = queries.current_data_version(context._engine(url))
            if version != warmed:
                warmed = version  # once per version, even if it fails
                started = time.perf_counter()
                warm(url, version)
                log.info("Caches warmed for data version %s in %.1f s", version, time.perf_counter() - started)
        except Exception:  # the pages read what they need themselves; try again at the next look
            log.exception("Warming the caches failed")
        time.sleep(WATCH_SECONDS)


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
