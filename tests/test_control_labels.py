"""Every control on a page has a name of its own (WCAG 2.4.6, 4.1.2): a screen reader lists
controls by name, and two boxes both called "Contract" (the sidebar filter and a chart's own
choice) cannot be told apart."""

from __future__ import annotations

from collections import Counter

import pytest

PAGES = [
    "pages/overview.py",
    "pages/kpis.py",
    "pages/coverage.py",
    "pages/finance.py",
    "pages/timelines.py",
    "pages/la_profile.py",
    "pages/upload.py",
    "pages/import_history.py",
    "pages/admin.py",
]
CONTROLS = [
    "selectbox",
    "multiselect",
    "date_input",
    "text_input",
    "checkbox",
    "toggle",
    "radio",
    "number_input",
    "button",
    "download_button",
]


@pytest.mark.parametrize("role", ["admin", "board"])
@pytest.mark.parametrize("page", PAGES)
def test_no_two_controls_on_a_page_share_a_name(open_page, page, role):
    if role == "board" and page not in PAGES[:5]:
        pytest.skip("not a Board member's page")
    at = open_page(page, role=role, as_of="2024-03-15")
    labels = [element.label for kind in CONTROLS for element in at.get(kind)]
    assert labels
    assert [label for label, count in Counter(labels).items() if count > 1] == []
