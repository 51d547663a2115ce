"""The "Showing: ..." line: every filter narrowing a page is said above its figures, and can be
taken off there (the MOJ filter pattern), so a filter set on another page is never silent."""

from __future__ import annotations

import pytest


def _showing(at) -> list[str]:
    # labels are Markdown: file texts in them are escaped (``wording.as_text``), shown as written
    return [button.label.replace("\\", "") for button in at.button if button.key and button.key.startswith("showing_")]


@pytest.mark.parametrize(
    ("page", "params", "expected"),
    [
        (
            None,
            {"contract": "con_9887", "as_of": "2024-03-15"},
            ["Contract: con_9887", "As-of date: 15/03/2024", "Clear filters"],
        ),
        ("pages/kpis.py", {"fy": "2023-24"}, ["Financial year: 2023-24"]),
        ("pages/coverage.py", {"region": "E12000002"}, ["Region: North West"]),
        # Finance is not narrowed by a region: the line does not claim it is
        ("pages/finance.py", {"region": "E12000002", "contract": "con_9887"}, ["Contract: con_9887"]),
        ("pages/timelines.py", {}, []),
    ],
)
def test_each_filter_narrowing_the_page_is_shown(open_page, page, params, expected):
    at = open_page(page, "admin", **params)
    assert _showing(at) == expected


def test_a_filter_taken_off_there_no_longer_narrows_the_page(open_page):
    at = open_page(None, "admin", contract="con_9887", as_of="2024-03-15")
    next(button for button in at.button if button.key == "showing_contract").click().run()
    assert _showing(at) == ["As-of date: 15/03/2024"]
    assert "contract" not in at.query_params and at.selectbox(key="filter_contract").value == ""


def test_clear_filters_takes_every_filter_off(open_page):
    at = open_page("pages/kpis.py", "admin", contract="con_9887", fy="2023-24")
    at.button(key="showing_clear").click().run()
    assert _showing(at) == []
    assert not {"contract", "fy"} & set(at.query_params)
