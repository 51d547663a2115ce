"""Drawing blocks every page uses: a chart with its table and text, downloads, notes.

Accessibility (WCAG 2.2 AA): every chart comes with a one-sentence summary and
its data as a table; colours come from ``dashboard.charts`` (colour-blind safe)
and every status is also written in words or marked by shape.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
import weakref
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from dashboard.exports import csv_bytes, excel_bytes, safe_file_stem
from dashboard.wording import as_text, counted, listed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_on_press(
    where: Any, label: str, build: Callable[[], bytes], *, file_name: str, mime: str, key: str, **options: Any
) -> None:
    """A download button (in ``where``: ``st``, a column or a container) whose file ``build`` makes
    only when the button is pressed, never on the page's runs, and whose press does not rerun the page.

    A press that reran the page raced its own file: the rerun drops the button's builder, and
    Streamlit forgets it once the run ends, so on a busy server the download could fail with
    "Failed to generate file for download". No page depends on a press, so none reruns for one."""
    where.download_button(label, build, file_name=file_name, mime=mime, key=key, on_click="ignore", **options)


def download_buttons(frames: Mapping[str, pd.DataFrame], file_stem: str, key: str, name: str | None = None) -> None:
    """CSV (first table) and Excel (every table) downloads, safe to open in Excel, each named
    with its table (``name``, else the first table's sheet name): a screen reader lists buttons by
    name, and a page of tables had a dozen called "Download CSV".

    The files are written only when a button is pressed (a callable ``data``), never on
    a page's every run: an Excel file of a long table takes seconds to write."""
    frames, file_stem = dict(frames), safe_file_stem(file_stem)
    first = next(iter(frames.values()))
    name = name or next(iter(frames))
    left, right = st.columns(2)
    download_on_press(
        left,
        f"Download CSV ({name})",
        lambda: csv_bytes(first),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
    )
    download_on_press(
        right,
        f"Download Excel ({name})",
        lambda: excel_bytes(frames),
        file_name=f"{file_stem}.xlsx",
        mime=XLSX,
        key=f"{key}_xlsx",
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
def _spec(_draw: Callable[..., Any], _args: tuple, key: Hashable) -> Spec | None:  # noqa: ARG001 - the cache's key
    return _as_spec(_draw(*_args))


def _as_spec(drawn: Any) -> Spec | None:
    """A builder's chart as a Vega-Lite spec (some builders return the spec itself), its named
    datasets already in the Arrow form Streamlit sends (``_in_arrow``)."""
    if drawn is None:
        return None
    spec = dict(drawn) if isinstance(drawn, dict) else drawn.to_dict(validate=False)
    if "datasets" in spec:
        spec["datasets"] = {name: _in_arrow(values) for name, values in spec["datasets"].items()}
    return spec


def _in_arrow(values: Any) -> Any:
    """A table (a frame, or Altair's list of records) as the Arrow bytes ``st.vega_lite_chart``
    would make of it on every run (Streamlit's own ``convert_anything_to_arrow_bytes``; bytes it
    sends as they are): made once, with the cached spec, not on each rerun (a fifth of a KPIs
    rerun's script time). Anything else is left for Streamlit."""
    if isinstance(values, (pd.DataFrame, list)):
        return dataframe_util.convert_anything_to_arrow_bytes(values)
    return values


def chart(draw: Callable[..., Any], *args: Any) -> Spec | None:
    """The Vega-Lite spec of ``draw(*args)`` (a ``dashboard.charts`` function), built once per data.

    Building and validating an Altair chart takes tens of milliseconds per chart on every
    run; the spec (Altair's ``to_dict``, its data as the Arrow bytes Streamlit sends) is kept
    per function and data (tables fingerprinted in full), so a rerun with the same figures only
    draws it. Schema validation is skipped here (a third of a re-render):
    tests/test_chart_specs.py validates every chart."""
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
        elif kind.startswith("datetime") or (
            any(isinstance(v, date) for v in values) and all(isinstance(v, date) or v is None for v in values)
        ):
            formats[column] = st.column_config.DateColumn(format="DD/MM/YYYY")
        elif "(£)" in str(column) and kind.startswith(("float", "int")):
            formats[column] = st.column_config.NumberColumn(format="accounting")
    return formats


def escape_markdown(text: str) -> str:
    """Text shown as it is in markdown: no character read as emphasis, a link or HTML."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", text)


def short_name(summary: str, limit: int = 80) -> str:
    """A short name from a chart's summary: its first sentence, cut at a word to ``limit`` characters."""
    return cut_at_word(re.split(r"(?<=[.:;])\s", plain_text(summary), maxsplit=1)[0].rstrip(".:;"), limit)


def cut_at_word(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, with "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def plain_text(markdown: str) -> str:
    """Markdown as plain text for a label: no emphasis marks, links as their words."""
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown).replace("**", "").replace("`", "").strip()


WRAPPED_ROW_HEIGHT = 70  # three lines of text

# Column widths are worked out here, not left to the grid (which cut off long text and short
# headers such as "Days lef"): every table fits the narrowest main area it is drawn in, the page
# at 1280 px wide with the sidebar open (about 880 px inside an expander, ``ui.page_style``; 1440 px
# gives more and the grid stretches its columns to fill it), with long text wrapped.
TABLE_WIDTH_PX = 880
PAGE_TABLE_WIDTH_PX = 910  # a table straight on the page (not in an expander): 916 px at 1280 px wide
CHAR_PX = 7.3  # Source Sans at 14 px, the grid's font: 7.2 px a character on average, a little spare
CELL_PAD_PX = 18  # 8 px either side of a cell's text, and its border
HEADER_PAD_PX = 18  # a header's padding
LINE_PX, ROW_PAD_PX, ROW_PX, HEADER_PX = 21, 10, 35, 36
MAX_LINES = 5
ROWS_SHOWN = 25  # rows drawn before "Show all" (the grid scrolls within this height)
PRINT_ROWS = (
    200  # rows of the printed copy of a table (each printed cell is a page element the browser draws on every run)
)
GRID_NAME_CHARS = 60  # a grid's name for screen readers at most (its toolbar buttons repeat it)


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and value != value)
        or value is pd.NA
        or value is pd.NaT
    )


def real_types(table: pd.DataFrame) -> pd.DataFrame:
    """Each column in one type, so it sorts as what it is and Arrow never falls back (with a
    traceback in the server log): numbers with blanks as numbers (a blank is missing), numbers
    mixed with words as words."""
    fixed = {}
    for column in table.columns:
        values = table[column]
        if str(values.dtype) != "object":
            continue
        present = [v for v in values if not _blank(v)]
        numbers = [v for v in present if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if present and len(numbers) == len(present):
            if all(isinstance(v, int) or float(v).is_integer() for v in numbers):
                fixed[column] = pd.array([None if _blank(v) else int(v) for v in values], dtype="Int64")
            else:
                fixed[column] = pd.to_numeric(
                    pd.Series([None if _blank(v) else v for v in values], index=table.index, dtype="object"),
                    errors="coerce",
                )
        elif numbers or (
            any(isinstance(v, bool) for v in present) and len(present) != sum(isinstance(v, bool) for v in present)
        ):
            fixed[column] = [None if _blank(v) else str(v) for v in values]
    if not fixed:
        return table
    table = table.copy()
    for column, values in fixed.items():
        table[column] = pd.Series(values, index=table.index) if not isinstance(values, pd.Series) else values
    return table


_ID_LIKE = re.compile(r"\b(row|import|year|id|code|ref|reference|number|no\.)\b", re.IGNORECASE)


def number_formats(table: pd.DataFrame) -> dict:
    """Numbers right-aligned and written one way: thousands separated (never in a row number,
    import number or year), a share with its % sign; money as ``column_formats`` says."""
    formats = {}
    for column in table.columns:
        kind = str(table[column].dtype).lower()
        if kind.startswith("bool") or not kind.startswith(("int", "uint", "float")):
            continue
        name = str(column)
        if "(£)" in name:
            continue
        if "%" in name:
            number_format = "%.1f %%"
        elif _ID_LIKE.search(name):
            number_format = "%d" if kind.startswith(("int", "uint")) else "plain"
        else:
            number_format = "localized"
        formats[column] = st.column_config.NumberColumn(format=number_format, alignment="right")
    return formats


def _shown_text(value: Any, column: str) -> str:
    """A value as the grid (and the printed copy) writes it."""
    if _blank(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d/%m/%Y %H:%M" if value != value.normalize() else "%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and "(£)" in column:
        return f"£{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}" if not _ID_LIKE.search(column) else str(value)
    if isinstance(value, float):
        return f"{value:,.1f}" if "%" in column else f"{value:,}"
    return str(value)


def shown_texts(table: pd.DataFrame) -> dict[str, list[str]]:
    """The first ``PRINT_ROWS`` rows of each column as the grid writes them (``_shown_text``), each
    distinct value written once: the layout and the printed copy both read these."""
    texts: dict[str, list[str]] = {}
    for column in table.columns:
        name = str(column)
        written: dict[tuple[type, Any], str] = {}
        column_texts = []
        for value in table[column].head(PRINT_ROWS).tolist():
            try:
                key = (type(value), value)  # True and 1 are equal keys; their texts differ
                text = written.get(key)
                if text is None:
                    text = written[key] = _shown_text(value, name)
            except TypeError:  # a value that cannot be a key
                text = _shown_text(value, name)
            column_texts.append(text)
        texts[name] = column_texts
    return texts


def _px(characters: int) -> int:
    return int(characters * CHAR_PX + 0.999)


@dataclass(frozen=True)
class Layout:
    """How a table is drawn: each column's width in pixels, the lines of text a row needs, and
    the columns left out of the grid because even wrapped they would not fit (in the downloads,
    and under the grid's "Show/hide columns")."""

    widths: dict[str, int]
    lines: int
    hidden: tuple[str, ...] = ()


def table_layout(table: pd.DataFrame, width: int = TABLE_WIDTH_PX, texts: dict[str, list[str]] | None = None) -> Layout:
    """Widths that show every header whole and fit ``width``: each column as wide as its longest
    value when they all fit; otherwise long values wrap (a long file name or hash breaks too), over
    at most ``MAX_LINES`` lines. Columns that still do not fit are left out, the
    last first. ``texts``: ``shown_texts(table)``, if already worked out."""
    texts = shown_texts(table) if texts is None else texts
    natural, narrowest = {}, {}
    for column in table.columns:
        name = str(column)
        column_texts = texts[name]
        header = _px(len(name)) + HEADER_PAD_PX
        longest = max(map(len, column_texts), default=0)
        natural[name] = max(header, _px(longest) + CELL_PAD_PX)
        words = pd.api.types.is_string_dtype(table[column]) and any(" " in t or len(t) > 14 for t in set(column_texts))
        # text wraps (a long word, a file name or a hash too); numbers, dates and codes never do
        narrowest[name] = max(header, min(natural[name], 80)) if words else natural[name]
    columns = list(natural)
    hidden: list[str] = []
    while len(columns) > 1 and sum(narrowest[c] for c in columns) > width:
        hidden.insert(0, columns.pop())
    for lines in range(1, MAX_LINES + 1):  # the fewest lines a row needs for every column to fit
        # words wrap onto whole lines: a quarter spare for the ragged ends
        needed = {
            c: natural[c]
            if lines == 1 or natural[c] == narrowest[c]
            else max(narrowest[c], int((natural[c] - CELL_PAD_PX) * 1.25 / lines) + CELL_PAD_PX)
            for c in columns
        }
        if sum(needed.values()) <= width:
            break
    else:
        needed = {c: narrowest[c] for c in columns}
    spare = max(width - sum(needed.values()), 0)  # shared by the columns that wrap
    wrapping = {c: natural[c] - needed[c] for c in columns if natural[c] > needed[c]}
    widths = {
        c: needed[c] + (int(spare * wrapping[c] / sum(wrapping.values())) if c in wrapping else 0) for c in columns
    }
    # the lines the widest wrapped value needs in the width it was given (a tenth spare for ragged ends)
    lines = max(
        [1]
        + [
            -(-int((natural[c] - CELL_PAD_PX) * 1.1) // max(widths[c] - CELL_PAD_PX, 1))
            for c in columns
            if natural[c] > widths[c]
        ]
    )
    return Layout(widths, min(lines, MAX_LINES), tuple(hidden))


# The grid moves its cell cursor one column on each Tab (a grid of 9 columns took 9 presses to leave):
# Tab and Shift+Tab leave the grid from its cells at once, as for any one control; the arrow keys move
# between cells, and the grid's toolbar buttons before it stay in the Tab order. Installed once a page.
GRID_KEYS = """<script>
(() => {
  if (window.__gridTabLeaves) return;
  window.__gridTabLeaves = true;
  const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), '
    + 'textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  document.addEventListener('keydown', event => {
    if (event.key !== 'Tab' || event.altKey || event.ctrlKey || event.metaKey) return;
    const grid = event.target.closest && event.target.closest('[data-testid="stDataFrame"]');
    if (!grid || event.target.closest('button')) return;
    const shown = [...document.querySelectorAll(FOCUSABLE)].filter(element =>
      element.tabIndex >= 0 && (element.checkVisibility ? element.checkVisibility() : element.offsetParent !== null));
    const next = event.shiftKey
      ? shown.filter(e => grid.contains(e) && e.closest('button')).pop()
        || shown.filter(e => !grid.contains(e) && (e.compareDocumentPosition(grid) & Node.DOCUMENT_POSITION_FOLLOWING)).pop()
      : shown.find(e => !grid.contains(e) && (e.compareDocumentPosition(grid) & Node.DOCUMENT_POSITION_PRECEDING));
    if (!next) return;
    event.preventDefault();
    event.stopPropagation();
    next.focus();
  }, true);
})();
</script>"""


def _print_copy(table: pd.DataFrame, caption: str, texts: dict[str, list[str]]) -> str:
    """The whole table as HTML, shown only when the page is printed (the grid prints one screen).
    ``texts``: ``shown_texts(table)``."""
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in table.columns)
    escaped: dict[str, str] = {}
    cells = [[escaped.get(t) or escaped.setdefault(t, html.escape(t)) for t in column] for column in texts.values()]
    body = "".join("<tr><td>" + "</td><td>".join(row) + "</td></tr>" for row in zip(*cells))
    more = (
        f"<p>First {PRINT_ROWS:,} of {len(table):,} rows: the rest are in the downloads.</p>"
        if len(table) > PRINT_ROWS
        else ""
    )
    return (
        f"<div class='print-table'><table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr>"
        f"</thead><tbody>{body}</tbody></table>{more}</div>"
    )


_PREPARED: dict[int, tuple[weakref.ref, tuple[str, int, bool], tuple[pd.DataFrame | None, Layout, str]]] = {}


def _prepared(table: pd.DataFrame, caption: str, width: int, printed: bool) -> tuple[pd.DataFrame, Layout, str]:
    """A table as ``data_table`` draws it: in real types, its layout and its printed copy. Worked
    out once while the table lives (a preview kept between runs is not typed, measured and written
    out as HTML again on every run); a table is never changed once drawn."""
    known = _PREPARED.get(id(table))
    if known is not None and known[0]() is table and known[1] == (caption, width, printed):
        typed, layout, print_copy = known[2]
        return (table if typed is None else typed), layout, print_copy
    typed = real_types(table)
    texts = shown_texts(typed)
    layout, print_copy = table_layout(typed, width, texts), _print_copy(typed, caption, texts) if printed else ""
    key = id(table)

    def forget(dead: weakref.ref, key: int = key) -> None:
        if (entry := _PREPARED.get(key)) is not None and entry[0] is dead:
            del _PREPARED[key]

    # never the table itself in the entry (it would then live for ever)
    _PREPARED[key] = (
        weakref.ref(table, forget),
        (caption, width, printed),
        (None if typed is table else typed, layout, print_copy),
    )
    return typed, layout, print_copy


def data_table(
    table: pd.DataFrame,
    alt: str,
    *,
    key: str | None = None,
    column_config: Mapping | None = None,
    wrap: bool = False,
    width: int = TABLE_WIDTH_PX,
    printed: bool = True,
    lazy: bool = False,
) -> None:
    """Every table drawn one way: a caption (``alt``, short: also the grid's name for screen
    readers and its toolbar buttons'), no index, every column whole at 1280 px wide
    (``table_layout``; long text wraps), each column in one type so it sorts as what it is
    (``real_types``), dates, money and numbers formatted (``column_formats``, ``number_formats``),
    a blank for a missing value, up to ``ROWS_SHOWN`` rows with the rest behind "Show all", and
    the whole table when the page is printed. ``lazy``: a table of more than 1,000 rows is sent to
    the browser a screenful at a time (Streamlit's lazy loading; sorting is done on the server),
    for a table the page also offers as a download: the grid's own search and CSV button are not
    offered then. The Finance page's flags for one contract were 1.6 MB on every filter change. ``width``: the narrowest the table is drawn at
    (``PAGE_TABLE_WIDTH_PX`` for a table straight on the page). ``printed=False``: left out of the
    printed page (a long preview: its printed copy, tens of thousands of cells, took the browser
    seconds to draw)."""
    caption = plain_text(alt)
    table, layout, print_copy = _prepared(table, caption, width, printed)
    shown = len(table) <= ROWS_SHOWN
    rows_note = counted(len(table), "row")
    st.markdown(f"**{escape_markdown(caption)}** ({rows_note}; select a column heading to sort)")
    if layout.hidden:
        st.caption(
            f"Not shown, to fit the page: {listed(list(layout.hidden))}. They are in the downloads, or "
            'choose them under the table\'s "Show/hide columns".'
        )
    if not shown:
        shown = st.toggle(f"Show all {rows_note}: {caption}", key=f"show_all_{key or caption}")
    lines = max(layout.lines, 3 if wrap else 1)
    row_height = ROW_PX if lines == 1 else LINE_PX * lines + ROW_PAD_PX
    visible_rows = len(table) if shown else ROWS_SHOWN
    height = min(HEADER_PX + max(visible_rows, 1) * row_height + 3, 10_000)
    config = {**number_formats(table), **column_formats(table), **(column_config or {})}
    for column in table.columns:
        name = str(column)
        if name in layout.widths:
            given = config.get(column) or {}
            config[column] = {**given, "width": layout.widths[name]} if isinstance(given, dict) else given
    # the grid's name, read out with each of its toolbar buttons: short
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        placeholder="",
        alt=cut_at_word(caption, GRID_NAME_CHARS),
        column_config=config,
        row_height=row_height,
        column_order=[c for c in table.columns if str(c) not in layout.hidden],
        lazy=lazy or None,  # over 1,000 rows, only the rows on screen are sent (more as the user scrolls or sorts)
    )
    st.html(print_copy + GRID_KEYS, unsafe_allow_javascript=True)


TABLE_OPEN = "_table_open"  # a chart's data table expander's key: the chart's key and this


def chart_description(chart_label: str) -> str:
    """A chart's text alternative, read out by screen readers as its name: what it shows, and where
    its summary and figures are (WCAG 2.2 technique G73: a long description next to the chart, which
    the short one points to). The same for any filter: a chart whose spec does not change is given
    its new data in the browser, not drawn again from scratch (a KPIs filter change: 0.07 s less)."""
    return f"Chart: {chart_label}. Its summary is just above it, and its figures are in the data table under it."


def table_with_downloads(frame: pd.DataFrame, alt: str, key: str, file_stem: str) -> None:
    """A table (``data_table``, named ``alt``) and, when it has rows, its CSV and Excel downloads,
    named after it too."""
    data_table(frame, alt, key=f"{key}_table")
    if not frame.empty:
        download_buttons({file_stem[:31]: frame}, file_stem, key=key, name=alt)


def chart_with_table(
    spec: Spec | None,
    table: pd.DataFrame,
    summary: str | Sequence[str],
    key: str,
    file_stem: str,
    table_expanded: bool = False,
    column_config: Mapping | None = None,
    caption: str | None = None,
    expander: str = "Data table",
    chart_label: str = "",
) -> None:
    """A chart (a spec from ``chart``), its text summary and its data table with downloads.

    ``chart_label``: what the chart shows, the same whatever the filters (e.g. "KPI rates against
    the target"); needed with a chart (``chart_description``). ``column_config``: as
    ``data_table`` takes it (e.g. a link column). ``caption``: the table's short name (default:
    the summary's first sentence, cut short), never the whole summary: screen readers read it out
    with each of the table's toolbar buttons. ``expander``: the label of the table's expander (say
    what is in it, e.g. the LAs on a map). ``summary``: a sentence or two, or several sentences,
    drawn as a list."""
    if isinstance(summary, str):
        st.markdown(as_text(summary))
    else:
        st.markdown("\n".join(f"- {as_text(sentence)}" for sentence in summary))
        summary = summary[0] if summary else ""
    if spec is not None and not table.empty:
        if not chart_label:
            raise ValueError(f"chart {key!r} has no chart_label: screen readers read it out as the chart's name")
        drawn = copy.deepcopy(spec)  # drawing changes the spec it is given
        drawn["description"] = chart_description(chart_label)
        st.vega_lite_chart(spec=drawn, width="stretch")
    if table_expanded or spec is None:  # the table is the content: always drawn
        box = st.expander(expander, expanded=True)
    else:  # behind the chart: built only when opened
        box = st.expander(expander, key=f"{key}{TABLE_OPEN}", on_change="rerun")
    with box:
        if box.open is False:
            return
        caption = caption or f"Data table: {chart_label or short_name(summary, 40)}"
        data_table(table, caption, key=f"{key}_table", column_config=column_config, lazy=True)
        if not table.empty:
            download_buttons({file_stem[:31]: table}, file_stem, key, name=caption)


PROFILE = "LA profile"


def with_profile_links(table: pd.DataFrame, code_column: str = "LA code", as_of: date | None = None) -> pd.DataFrame:
    """The table with an "LA profile" column: each LA's profile address (``la_profile.profile_link``)."""
    from dashboard.views.la_profile import profile_link

    return table.assign(**{PROFILE: [profile_link(code, as_of) for code in table[code_column]]})


def profile_column() -> dict:
    """The column config that shows ``with_profile_links``' column as a link."""
    return {
        PROFILE: st.column_config.LinkColumn(
            PROFILE, display_text="Open profile", help="The LA's whole story: support, Ofsted, outcome indicators"
        )
    }


def empty_state(message: str) -> None:
    st.info(as_text(message))
