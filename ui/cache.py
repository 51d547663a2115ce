"""One cache for what the pages work out, keyed by what the work reads.

    page = cache.built(views.build, data, inputs, cache.DataKey(url, scope, version), "Working out…")

``built`` keeps the result of a view model's ``build(portfolio, inputs)`` per build, database,
scope (the viewer's limits and the filters), data version and inputs; ``read`` keeps the result of
a ``data_access`` read per read, database, data version and arguments. An import or undo changes
the data version, so nothing worked out before it is used after it.

Results are shared between runs and sessions, not copied: views return new frames and no page
changes them. Inputs fields declared with ``compare=False`` (the Board's plan, the hex map layout)
follow from the key and are not part of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar, cast

import streamlit as st

from dashboard.records import Portfolio
from data_access import collector
from data_access.repositories import Scope
from ui import context

Inputs = TypeVar("Inputs")
Page = TypeVar("Page")
Found = TypeVar("Found")

FIGURES = "Working out the figures…"
ENTRIES = 128  # pages, scopes and inputs kept at once (each page kept 16 to 64 before)
TTL = context.KEPT_SECONDS  # from when an entry is worked out; then refreshed in the background


@dataclass(frozen=True)
class DataKey:
    """Which records a portfolio holds: the database, the scope and the data version."""

    url: str
    scope: Scope
    version: int


def inputs_key(inputs: Any) -> tuple[tuple[str, Any], ...]:
    """The inputs' fields that decide the result (``compare=False`` ones follow from the key)."""
    if inputs is None:  # a build that needs nothing but the records
        return ()
    return tuple((item.name, getattr(inputs, item.name)) for item in fields(inputs) if item.compare)


def _build(
    _make: Callable[[Portfolio, Any], Any],
    _portfolio: Portfolio,
    _inputs: object,
    build: str,  # noqa: ARG001 - the cache's key
    key: DataKey,  # noqa: ARG001 - the cache's key
    inputs: tuple[tuple[str, Any], ...],  # noqa: ARG001 - the cache's key
) -> Any:
    """The cached call: the arguments without a leading underscore are the key. The cycle
    collector waits while a page's figures are worked out (``collector.paused``): they build tens
    of thousands of objects, and each collection on the way walked them again (75 ms of 0.8 s for
    every figure at full scale)."""
    with collector.paused():
        return _make(_portfolio, _inputs)


def _read(_query: Callable[..., Any], query: str, url: str, version: int | None, args: tuple[Any, ...]) -> Any:  # noqa: ARG001 - the key
    """The cached read: the arguments without a leading underscore are the key."""
    return _query(context.engine(), *args)  # type: ignore[no-untyped-call]


_CACHED: dict[tuple[Callable[..., Any], str | bool], Callable[..., Any]] = {}


def _cached(function: Callable[..., Any], spinner: str | bool) -> Callable[..., Any]:
    """``function`` in the one shared cache, drawing ``spinner`` while it works (Streamlit keys a
    cache by the function, so every spinner's wrapper shares the same entries)."""
    found = _CACHED.get((function, spinner))
    if found is None:
        found = _CACHED[(function, spinner)] = st.cache_resource(
            show_spinner=spinner, max_entries=ENTRIES, ttl=TTL, refresh_mode=context.REFRESHED
        )(function)
    return found


def _name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def built(
    build: Callable[[Portfolio, Inputs], Page],
    portfolio: Portfolio,
    inputs: Inputs,
    key: DataKey,
    spinner: str | bool = FIGURES,
) -> Page:
    """``build(portfolio, inputs)``, worked out once per build, ``key`` and inputs (``portfolio``
    must be the records ``key`` names)."""
    return cast(Page, _cached(_build, spinner)(build, portfolio, inputs, _name(build), key, inputs_key(inputs)))


def read(query: Callable[..., Found], *args: Any, version: int | None, spinner: str | bool = False) -> Found:
    """``query(engine, *args)``, read once per query, database, data ``version`` (None: the
    same until the entry expires, for data no import changes) and arguments."""
    return cast(Found, _cached(_read, spinner)(query, _name(query), context.database_url(), version, args))
