"""Every table on every page is drawn one way (``ui.components.data_table``): it has a name a
screen reader announces, and a missing value is a blank cell, not Streamlit's grey "None"."""

from __future__ import annotations

from collections import Counter

import pytest

TABLE_PAGES = ["pages/overview.py", "pages/kpis.py", "pages/coverage.py", "pages/finance.py", "pages/timelines.py",
               "pages/la_profile.py", "pages/import_history.py"]


@pytest.mark.parametrize("page", TABLE_PAGES)
def test_every_table_has_a_name_and_blanks_for_missing_values(open_page, demo_records, page):
    busiest = Counter(unit.la_code for unit in demo_records.units).most_common(1)[0][0]
    at = open_page(page, as_of="2024-03-15", **({"la": busiest} if page == "pages/la_profile.py" else {}))
    tables = at.dataframe
    assert tables, f"{page} draws no table"
    assert [(bool(table.proto.alt.strip()), table.proto.placeholder) for table in tables] == [(True, "")] * len(tables)
