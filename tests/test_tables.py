"""Every table on every page is drawn one way (``ui.components.data_table``): it has a name a
screen reader announces, and a missing value is a blank cell, not Streamlit's grey "None"."""

from __future__ import annotations

from collections import Counter

import pytest

TABLE_PAGES = [
    "pages/overview.py",
    "pages/kpis.py",
    "pages/coverage.py",
    "pages/finance.py",
    "pages/timelines.py",
    "pages/la_profile.py",
    "pages/import_history.py",
]


@pytest.mark.parametrize("page", TABLE_PAGES)
def test_every_table_has_a_name_and_blanks_for_missing_values(open_page, demo_records, page):
    busiest = Counter(unit.la_code for unit in demo_records.units).most_common(1)[0][0]
    at = open_page(page, as_of="2024-03-15", **({"la": busiest} if page == "pages/la_profile.py" else {}))
    tables = at.dataframe
    assert tables, f"{page} draws no table"
    assert [(bool(table.proto.alt.strip()), table.proto.placeholder) for table in tables] == [(True, "")] * len(tables)


def test_each_column_has_one_type_so_it_sorts_as_what_it_is():
    """Numbers with blanks sort as numbers (Arrow no longer falls back, with a traceback in the
    server log); numbers mixed with words are words; a column already typed is kept."""
    import pandas as pd
    import pyarrow as pa

    from ui.components import real_types

    table = pd.DataFrame(
        {
            "Excel row": [12, "", 15],
            "Share": [1.5, None, 2.0],
            "Rows": [3, "36, 37", ""],
            "Days": [1, 2, 3],
            "Name": ["a", "b", None],
        }
    )
    typed = real_types(table)
    assert [str(typed[c].dtype) for c in typed][:2] + [str(typed["Days"].dtype)] == ["Int64", "float64", "int64"]
    assert pd.api.types.is_string_dtype(typed["Rows"]) and pd.api.types.is_string_dtype(typed["Name"])
    assert list(typed["Excel row"])[::2] == [12, 15] and pd.isna(typed["Excel row"][1])
    assert list(typed["Rows"])[:2] == ["3", "36, 37"] and pd.isna(typed["Rows"][2])
    pa.Table.from_pandas(typed)  # converts as it is: no fallback


@pytest.mark.parametrize(
    "columns",
    [
        {
            "Flag": "Overhead above 10 % of the invoice",
            "Contract": "con_9887",
            "Financial year": "2023-24",
            "Heading": "Programme management",
            "Invoice": "LD-INV-2023-Q3",
            "Line": 2,
            "Details": "Overheads are 14 % of invoice LD-INV-2023-Q3, above the 10 % the contract allows",
            "File": "con_9887_quarterly_return_2023-24_Q3_final.xlsx",
            "Excel row": 36,
        },
        {"Due": "31/03/2024", "Days left": 16, "What": "Quarterly progress report", "Contract": "con_9887"},
    ],
    ids=["finance flags", "deadlines"],
)
def test_every_header_is_whole_and_the_columns_fit_the_page(columns):
    """Every column at least as wide as its header (no "Days lef") and all of them within the main
    area at 1280 px wide: long values wrap instead."""
    import pandas as pd

    from ui.components import CHAR_PX, HEADER_PAD_PX, TABLE_WIDTH_PX, table_layout

    layout = table_layout(pd.DataFrame([columns] * 3))
    assert layout.hidden == ()
    assert sum(layout.widths.values()) <= TABLE_WIDTH_PX
    assert all(width >= len(name) * CHAR_PX + HEADER_PAD_PX for name, width in layout.widths.items())


def test_the_printed_copy_writes_every_cell_as_the_grid_does():
    """Each distinct value is written once (``shown_texts``); every cell still reads as ``_shown_text``
    says, even where values are equal as keys but written differently (True and 1, 1 and 1.0)."""
    from datetime import date

    import pandas as pd

    from ui.components import _print_copy, _shown_text, real_types, shown_texts

    table = real_types(
        pd.DataFrame(
            {
                "Flag": [True, 1, False, 0, None],
                "Count": [1, 1.0, 2, None, 1_000],
                "Cost (£)": [1.5, 1.5, None, 2_000.25, 0.0],
                "Share %": [75.0, 75.0, float("nan"), 12.25, 100.0],
                "Date": [date(2024, 3, 15), date(2024, 3, 15), None, date(2023, 4, 1), date(2024, 3, 15)],
                "Name": ["A & B <x>", "A & B <x>", "", "  ", "Ö"],
                "Import number": [1_234, 1_234, 5, 6, 7],
            }
        )
    )
    texts = shown_texts(table)
    assert texts == {str(c): [_shown_text(v, str(c)) for v in table[c]] for c in table.columns}
    assert texts["Cost (£)"][3] == "£2,000.25" and texts["Import number"][0] == "1234"
    printed = _print_copy(table, "Caption", texts)
    assert printed.count("<tr><td>") == len(table)
    assert "<td>A &amp; B &lt;x&gt;</td>" in printed


def test_a_charts_data_table_is_built_only_once_opened(open_page):
    """A chart's data table waits behind its closed expander, unbuilt (nothing of it is sent to the
    browser on each run); the chart's summary is on the page, and opening the expander shows the
    table with its downloads."""
    from ui.components import TABLE_OPEN

    at = open_page("pages/kpis.py", tables=False, as_of="2024-03-15")
    assert "Data table" in [e.label for e in at.expander]
    assert not [f for f in at.dataframe if "Against target" in f.value.columns]
    assert at.session_state[f"kpi_rates{TABLE_OPEN}"] is False
    assert at.get("vega_lite_chart"), "the charts are drawn"
    at.session_state[f"kpi_rates{TABLE_OPEN}"] = True
    at.run()
    assert not at.exception
    [table] = [f for f in at.dataframe if "Against target" in f.value.columns]
    assert len(table.value) > 0
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Download CSV (Data table: KPI rates against the target)" in labels, labels  # named after its chart
