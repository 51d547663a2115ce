"""What changed since the last Board: headline figures on two dates, from the two dates' JSON."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from dashboard.changes import changes_frame, changes_summary, default_comparison_date
from dashboard.kpi import percent


def _summary(as_of: str, rate: float | None, eligible: int, las: int, spent: float, remaining: float) -> dict:
    return {
        "as_of": as_of,
        "kpis": [{"contract": "C", "kpi": "one_to_one", "rate": rate, "eligible": eligible}],
        "coverage": [
            {"contract": "C", "financial_year": "2023-24", "support_type": "one_to_one", "las_supported": las}
        ],
        "finance": [
            {"contract": "C", "financial_year": "2023-24", "heading": "H", "spent": spent, "remaining": remaining}
        ],
    }


def test_each_figure_then_and_now_with_the_change_in_words():
    then = _summary("2023-12-15", 0.6149, 75, 10, 1000.0, 500.0)
    now = _summary("2024-03-15", 0.5800, 81, 12, 1750.5, -250.5)
    frame = changes_frame(then, now)
    assert frame.to_dict("records") == [
        {"Contract": "C", "Figure": "KPI 1 rate", "Then": "61 %", "Now": "58 %", "Change": "down 3 points"},
        {"Contract": "C", "Figure": "KPI 1 eligible", "Then": "75", "Now": "81", "Change": "up 6"},
        {
            "Contract": "C",
            "Figure": "LAs supported in 2023-24 (one-to-one)",
            "Then": "10",
            "Now": "12",
            "Change": "up 2",
        },
        {
            "Contract": "C",
            "Figure": "Spent to date (£)",
            "Then": "£1,000.00",
            "Now": "£1,750.50",
            "Change": "up £750.50",
        },
        {"Contract": "C", "Figure": "Headings overspent", "Then": "0", "Now": "1", "Change": "up 1"},
    ]
    assert changes_summary(frame, date(2023, 12, 15), date(2024, 3, 15)) == (
        "5 of 5 figures changed between 15 December 2023 and 15 March 2024. KPI rates that went down: C KPI 1 (down 3 points)."
    )


@pytest.mark.parametrize(
    ("then_rate", "now_rate", "change"),
    [
        (None, 0.5, "new"),  # nobody was eligible then
        (0.5, 0.5, "no change"),
        (0.504, 0.496, "no change"),  # both written 50 %: the change is in the rates as written
        (0.5, 0.51, "up 1 point"),
    ],
)
def test_rate_changes_are_in_whole_points_as_written(then_rate, now_rate, change):
    frame = changes_frame(
        _summary("2023-12-15", then_rate, 4, 1, 0.0, 0.0), _summary("2024-03-15", now_rate, 4, 1, 0.0, 0.0)
    )
    assert frame.loc[frame["Figure"] == "KPI 1 rate", "Change"].item() == change


def test_a_kpi_about_one_las_people_is_withheld_on_both_dates():
    frame = changes_frame(
        _summary("2023-12-15", 0.5, 4, 1, 0.0, 0.0),
        _summary("2024-03-15", 0.6, 5, 1, 0.0, 0.0),
        withheld=frozenset({("C", "one_to_one")}),
    )
    kpi_rows = frame[frame["Figure"].str.startswith("KPI")]
    assert set(kpi_rows[["Then", "Now", "Change"]].to_numpy().ravel()) == {"[c]"}


@pytest.mark.parametrize(
    ("as_of", "last_pack", "expected"),
    [
        (date(2024, 3, 15), date(2023, 12, 20), date(2023, 12, 20)),  # the last Board pack
        (date(2024, 3, 15), None, date(2023, 12, 15)),  # none yet: 3 months earlier
        (date(2024, 3, 15), date(2024, 3, 15), date(2023, 12, 15)),  # a pack of the same date compares with nothing
        (date(2024, 5, 31), None, date(2024, 2, 29)),  # 3 months back, clamped to the month's end
        (date(1900, 2, 1), None, date(1900, 1, 1)),  # never before the first date the dashboard works with
    ],
)
def test_the_default_comparison_date(as_of, last_pack, expected):
    assert default_comparison_date(as_of, last_pack) == expected


def test_the_board_packs_changes_sheet_gives_the_two_dates_json(demo_sqlite_url, tmp_path):
    """ "The changes view and its Board pack sheet give the same numbers as the two as-of dates'
    JSON": each KPI rate and count and each coverage count, read back from the sheet, is the JSON's."""
    from dashboard.board_pack import build_board_pack
    from data_access import queries
    from data_access.db import ready_engine

    engine = ready_engine(demo_sqlite_url)
    then, now = date(2023, 12, 15), date(2024, 3, 15)
    before, after = queries.summary(engine, then), queries.summary(engine, now)
    book = openpyxl.load_workbook(io.BytesIO(build_board_pack(queries.load(engine), now, [], then)))
    sheet = book["Changes"]
    values = list(sheet.iter_rows(values_only=True))
    start = next(at for at, row in enumerate(values) if row[:2] == ("Contract", "Figure"))
    rows = [dict(zip(values[start], row)) for row in values[start + 1 :] if row[0]]
    shown = {(row["Contract"], row["Figure"]): (row["Then"], row["Now"]) for row in rows}
    checked = 0
    for summary, position in ((before, 0), (after, 1)):
        for item in summary["kpis"]:
            label = {"one_to_one": "KPI 1", "group": "KPI 2"}[item["kpi"]]
            texts = shown[item["contract"], f"{label} rate"]
            if texts[position] == "[c]":
                continue
            # the sheet holds numbers: a rate as its whole percentage (Excel's 0% format), a count as a count
            expected = "no data" if item["rate"] is None else float(percent(item["rate"])) / 100
            assert texts[position] == expected
            assert shown[item["contract"], f"{label} eligible"][position] == item["eligible"]
            checked += 1
        for item in summary["coverage"]:
            if item["financial_year"] == "2023-24":
                kind = {"one_to_one": "one-to-one", "group": "group"}[item["support_type"]]
                assert shown[item["contract"], f"LAs supported in 2023-24 ({kind})"][position] == item["las_supported"]
                checked += 1
    assert checked >= 8


def test_the_overview_compares_with_the_last_board_pack(demo_sqlite_url, tmp_path, monkeypatch):
    """The Overview's changes start from the last Board pack produced (else 3 months back); the
    table there is the pack's."""
    import shutil

    from streamlit.testing.v1 import AppTest

    from data_access.access import record_board_pack
    from data_access.db import ready_engine
    from tests.conftest import APP

    copy = tmp_path / "demo.db"
    shutil.copy(demo_sqlite_url.removeprefix("sqlite:///"), copy)
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{copy}")

    def overview() -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state["local_role"] = "board"
        at.query_params["as_of"] = "2024-03-15"
        return at.run()

    at = overview()
    assert not at.exception
    assert at.date_input(key="compare_with").value == date(2023, 12, 15)
    record_board_pack(ready_engine(f"sqlite:///{copy}"), "tests", date(2024, 1, 31))
    at = overview()
    assert at.date_input(key="compare_with").value == date(2024, 1, 31)
    table = next(frame.value for frame in at.dataframe if list(frame.value.columns)[:2] == ["Contract", "Figure"])
    assert set(table["Contract"]) <= {"2018/028", "Con_10575", "con_9887", "project_5369"} and len(table) > 5
    # the Board: Con_10575's people are all in Sefton, so its KPI figures are withheld then and now
    sefton = table[(table["Contract"] == "Con_10575") & table["Figure"].str.startswith("KPI")]
    assert not sefton.empty and set(sefton[["Then", "Now", "Change"]].to_numpy().ravel()) == {"[c]"}


@pytest.mark.parametrize("as_of", [date(2023, 3, 31), date(2023, 12, 15), date(2024, 3, 15)])
def test_the_headline_figures_are_the_summarys_own(demo_records, as_of):
    """ "What changed" compares the headline figures alone (``headline_at``): the same KPIs,
    coverage and spend as the whole summary gives, worked out without the rest of it."""
    from dashboard.board_pack import headline_at, summary_at

    whole = summary_at(demo_records, as_of)
    headline = headline_at(demo_records, as_of)
    assert headline == {key: whole[key] for key in ("as_of", "kpis", "coverage", "finance")}
    assert headline["kpis"] and headline["coverage"] and headline["finance"]
