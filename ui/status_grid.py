"""The status grid as an HTML table: GOV.UK tags in words, each linking to its detail page.

A real ``<table>`` (caption, column and row headers) so a screen reader reads each status with
its contract and question, and a keyboard reaches each link in one Tab. Every text is escaped:
contract titles come from uploaded files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from urllib.parse import urlencode

import streamlit as st

from dashboard.status_grid import COLUMNS, ENDED, PAGES, GridRow
from dashboard.wording import short_date

# GOV.UK Frontend's tag colours (text and background pass WCAG AA contrast); the words carry
# the status, the colour only repeats it.
STYLE = """<style>
.io-grid { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
.io-grid caption { text-align: left; font-weight: 700; padding-bottom: 0.4rem; }
.io-grid th, .io-grid td { border-bottom: 1px solid #b1b4b6; padding: 0.45rem 0.6rem 0.45rem 0; text-align: left;
  vertical-align: top; }
.io-grid thead th { font-weight: 700; }
.io-grid tbody th { font-weight: 700; min-width: 8rem; }
.io-grid .io-title { display: block; font-weight: 400; color: #484949; font-size: 0.85rem; }
.io-grid .io-detail { display: block; font-size: 0.85rem; color: #0b0c0c; margin-top: 0.2rem; }
.io-grid a { text-decoration: none; }
.io-grid a:hover .io-tag, .io-grid a:focus .io-tag { text-decoration: underline; }
.io-tag { display: inline-block; padding: 2px 8px 3px; font-weight: 700; font-size: 0.85rem; line-height: 1.25;
  max-width: 100%; }
.io-tag--green { color: #005a30; background: #cce2d8; }
.io-tag--red { color: #2a0b06; background: #f4cdc6; }
.io-tag--yellow { color: #594d00; background: #fff7bf; }
.io-tag--grey { color: #282d30; background: #e5e6e7; }
.io-tag--blue { color: #0c2d4a; background: #bbd4ea; }
</style>"""


def grid_html(grid: Sequence[GridRow], caption: str, link_params: Mapping[str, str]) -> str:
    """The table's HTML; each tag links to its column's page for that contract (``link_params``:
    the filters to carry, such as the as-of date)."""
    head = "".join(f'<th scope="col">{escape(column)}</th>' for column in COLUMNS)
    rows = []
    for row in grid:
        query = urlencode({**link_params, "contract": row.contract})
        cells = []
        for column in COLUMNS:
            cell = row.cells[column]
            detail = f'<span class="io-detail">{escape(cell.detail)}</span>' if cell.detail else ""
            cells.append(
                f'<td><a href="{PAGES[column]}?{escape(query)}" target="_self">'
                f'<strong class="io-tag io-tag--{cell.colour}">{escape(cell.tag)}</strong></a>{detail}</td>'
            )
        ended = (
            f'<span class="io-detail"><strong class="io-tag io-tag--grey">{ENDED}</strong> {short_date(row.ended)}</span>'
            if row.ended
            else ""
        )
        rows.append(
            f'<tr><th scope="row">{escape(row.contract)}<span class="io-title">{escape(row.title)}</span>'
            f"{ended}</th>" + "".join(cells) + "</tr>"
        )
    return (
        f'{STYLE}<table class="io-grid"><caption>{escape(caption)}</caption><thead><tr>'
        f'<th scope="col">Contract</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def status_grid(grid: Sequence[GridRow], caption: str, link_params: Mapping[str, str]) -> None:
    st.html(grid_html(grid, caption, link_params))
