"""Drawing blocks every page uses: a chart with its table and text, downloads, notes.

Accessibility (WCAG 2.2 AA): every chart comes with a one-sentence summary and
its data as a table; colours come from ``dashboard.charts`` (colour-blind safe)
and every status is also written in words or marked by shape.
"""

from __future__ import annotations

import copy
import re
from datetime import date
import hashlib
import weakref
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.exports import csv_bytes, excel_bytes, safe_file_stem
from dashboard.wording import as_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_buttons(frames: Mapping[str, pd.DataFrame], file_stem: str, key: str) -> None:
    """CSV (first table) and Excel (every table) downloads, safe to open in Excel.

    The files are written only when a button is pressed (a callable ``data``), never on
    a page's every run: an Excel file of a long table takes seconds to write."""
    frames, file_stem = dict(frames), safe_file_stem(file_stem)
    first = next(iter(frames.values()))
    left, right = st.columns(2)
    left.download_button(
        "Download CSV", lambda: csv_bytes(first), file_name=f"{file_stem}.csv", mime="text/csv", key=f"{key}_csv",
    )
    right.download_button(
        "Download Excel", lambda: excel_bytes(frames), file_name=f"{file_stem}.xlsx", mime=XLSX, key=f"{key}_xlsx",
    )


Spec = dict[str, Any]


_FRAME_PRINTS: dict[int, tuple[weakref.ref, Hashable]] = {}


def _frame_print(frame: pd.DataFrame) -> Hashable:
    digest = hashlib.blake2b(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes(), digest_size=16)
    return ("frame", tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)), len(frame), digest.hexdigest())


def _fingerprint(value: Any) -> Hashable:
    """What a chart is drawn from, as a cache key: a table by its full contents (never a sample).

    A table shared between runs (from a ``cache_resource`` figure cache, never changed) is
    fingerprinted once while it lives: hashing 100,000 invoice lines on every run costs."""
    if isinstance(value, pd.DataFrame):
        known = _FRAME_PRINTS.get(id(value))
        if known is not None and known[0]() is value:
            return known[1]
        printed = _frame_print(value)
        if len(value) >= 10_000:
            key = id(value)
            _FRAME_PRINTS[key] = (weakref.ref(value, lambda _, key=key: _FRAME_PRINTS.pop(key, None)), printed)
        return printed
    if isinstance(value, (list, tuple)):
        return tuple(_fingerprint(item) for item in value)
    hash(value)  # anything else must be hashable as it is (text, numbers, dates, None)
    return value


@st.cache_resource(show_spinner=False, max_entries=512, ttl=3600)
def _spec(_draw: Callable[..., Any], _args: tuple, key: Hashable) -> Spec | None:
    return _as_spec(_draw(*_args))


def _as_spec(drawn: Any) -> Spec | None:
    """A builder's chart as a Vega-Lite spec (some builders return the spec itself)."""
    if drawn is None or isinstance(drawn, dict):
        return drawn
    return drawn.to_dict(validate=False)


def chart(draw: Callable[..., Any], *args: Any) -> Spec | None:
    """The Vega-Lite spec of ``draw(*args)`` (a ``dashboard.charts`` function), built once per data.

    Building and validating an Altair chart takes tens of milliseconds per chart on every
    run; the spec (Altair's ``to_dict``, data inline) is kept per function and data (tables
    fingerprinted in full), so a rerun with the same figures only draws it. Schema validation
    is skipped here (a third of a re-render): tests/test_chart_specs.py validates every chart."""
    try:
        key = (draw.__module__, draw.__qualname__, hash(draw.__code__), _fingerprint(args))
    except TypeError:  # something unhashable: draw it afresh
        return _as_spec(draw(*args))
    return _spec(draw, args, key)


def column_formats(table: pd.DataFrame) -> dict:
    """One look for dates and money everywhere: dates as 31/03/2024 (with the time when there is
    one), amounts in £ columns with thousands separators and pence (as the Finance page shows them)."""
    formats = {}
    for column in table.columns:
        kind = str(table[column].dtype)
        values = list(table[column]) if kind == "object" else []
        if kind.startswith("datetime") and (table[column].dropna().dt.normalize() != table[column].dropna()).any():
            formats[column] = st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")  # a time of day
        elif kind.startswith("datetime") or (any(isinstance(v, date) for v in values)
                                             and all(isinstance(v, date) or v is None for v in values)):
            formats[column] = st.column_config.DateColumn(format="DD/MM/YYYY")
        elif "(£)" in str(column) and kind.startswith(("float", "int")):
            formats[column] = st.column_config.NumberColumn(format="accounting")
    return formats


def plain_text(markdown: str) -> str:
    """Markdown as plain text for a label: no emphasis marks, links as their words."""
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown).replace("**", "").replace("`", "").strip()


WRAPPED_ROW_HEIGHT = 70  # three lines of text


def data_table(table: pd.DataFrame, alt: str, *, key: str | None = None, column_config: Mapping | None = None,
               wrap: bool = False) -> None:
    """Every table drawn one way: no index, the page's width, dates and money formatted
    (``column_formats``), a blank for a missing value (not Streamlit's grey "None") and a name
    for screen readers (``alt``). ``wrap``: long text wraps over three lines, not cut off."""
    st.dataframe(table, hide_index=True, width="stretch", key=key, placeholder="", alt=alt,
                 column_config={**column_formats(table), **(column_config or {})},
                 row_height=WRAPPED_ROW_HEIGHT if wrap else None)


def chart_with_table(
    spec: Spec | None,
    table: pd.DataFrame,
    summary: str,
    key: str,
    file_stem: str,
    table_expanded: bool = False,
    column_config: Mapping | None = None,
) -> None:
    """A chart (a spec from ``chart``), its text summary and its data table with downloads
    (``column_config``: as ``data_table`` takes it, e.g. a link column)."""
    st.markdown(as_text(summary))
    if spec is not None and not table.empty:
        drawn = copy.deepcopy(spec)  # drawing changes the spec it is given
        drawn["description"] = plain_text(summary)  # read out by screen readers as the chart's label
        st.vega_lite_chart(spec=drawn, width="stretch")
    with st.expander("Data table", expanded=table_expanded or spec is None):
        data_table(table, f"Data table: {plain_text(summary)}"[:200], column_config=column_config)
        if not table.empty:
            download_buttons({file_stem[:31]: table}, file_stem, key)


PROFILE = "LA profile"


def with_profile_links(table: pd.DataFrame, code_column: str = "LA code", as_of: date | None = None) -> pd.DataFrame:
    """The table with an "LA profile" column: each LA's profile address (``la_profile.profile_link``)."""
    from dashboard.la_profile import profile_link

    return table.assign(**{PROFILE: [profile_link(code, as_of) for code in table[code_column]]})


def profile_column() -> dict:
    """The column config that shows ``with_profile_links``' column as a link."""
    return {PROFILE: st.column_config.LinkColumn(PROFILE, display_text="Open profile",
                                                 help="The LA's whole story: support, Ofsted, outcome indicators")}


def empty_state(message: str) -> None:
    st.info(as_text(message))
