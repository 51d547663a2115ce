"""Drawing blocks every page uses: a chart with its table and text, downloads, notes.

Accessibility (WCAG 2.2 AA): every chart comes with a one-sentence summary and
its data as a table; colours come from ``dashboard.charts`` (colour-blind safe)
and every status is also written in words or marked by shape.
"""

from __future__ import annotations

from typing import Mapping

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.exports import csv_bytes, excel_bytes


def download_buttons(frames: Mapping[str, pd.DataFrame], file_stem: str, key: str) -> None:
    """CSV (first table) and Excel (every table) downloads, safe to open in Excel."""
    first = next(iter(frames.values()))
    left, right = st.columns(2)
    left.download_button(
        "Download CSV", csv_bytes(first), file_name=f"{file_stem}.csv", mime="text/csv", key=f"{key}_csv",
    )
    right.download_button(
        "Download Excel", excel_bytes(frames), file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
    )


def chart_with_table(
    chart: alt.Chart | alt.LayerChart | None,
    table: pd.DataFrame,
    summary: str,
    key: str,
    file_stem: str,
    table_expanded: bool = False,
) -> None:
    """A chart, its text summary and its data table with downloads."""
    st.markdown(summary)
    if chart is not None and not table.empty:
        st.altair_chart(chart, width="stretch")
    with st.expander("Data table", expanded=table_expanded or chart is None):
        st.dataframe(table, hide_index=True, width="stretch")
        if not table.empty:
            download_buttons({file_stem[:31]: table}, file_stem, key)


def empty_state(message: str) -> None:
    st.info(message)
