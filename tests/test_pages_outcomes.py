"""The Outcomes and value for money page, driven by AppTest on the demo database, as the Board and
as an administrator. Expected figures come from the same records through the JSON summary."""

from __future__ import annotations

import functools
from datetime import date

import pytest

from dashboard.disclosure import SUPPRESSED
from dashboard.views import outcomes as ov
from data_access.db import make_engine
from data_access.queries import summary
from tests.small_db import frame_with

AS_OF = date(2024, 3, 31)
SEFTON_ONLY = "Con_10575"  # the improvement adviser call-off: every participant in Sefton


@pytest.fixture(scope="module")
def expected(demo_sqlite_url):
    engine = make_engine(demo_sqlite_url)
    found = summary(engine, AS_OF)
    engine.dispose()
    return found


@pytest.fixture
def app(open_page):
    return functools.partial(open_page, "pages/outcomes.py", as_of=AS_OF.isoformat())


def _number(value):
    """A figure as the page shows it: a number, or text with thousands separators ("7,635")."""
    if isinstance(value, str):
        text = value.replace(",", "")
        return float(text) if text.replace(".", "", 1).isdigit() else value
    return value


def _table(at, column: str):
    return frame_with(at, column)


def _whole(at):
    table = _table(at, ov.PER_DAY)
    assert set(table["Financial year"]) == {ov.WHOLE}
    return table.set_index("Contract")


def _years(at):
    _whole, years = [frame.value for frame in at.dataframe if ov.PER_DAY in frame.value.columns]
    return years


@pytest.mark.parametrize("role", ["board", "admin", "case_lead", "contract_manager"])
def test_every_role_sees_the_page_with_its_caveats(app, role):
    at = app(role=role)
    assert at.title[0].value == "Outcomes and value for money"
    text = " ".join(m.value for m in at.markdown)
    assert "do not show what the support caused" in text
    assert "not ranked" in text and "different aims" in text
    assert [h.value for h in at.header] == ["Value for money", "Ofsted judgements before and after support",
                                            "Supported LAs beside their statistical neighbours"]


def test_admin_sees_the_figures_of_the_summary(app, expected):
    table = _whole(app(role="admin"))
    for item in expected["value_for_money"]:
        row = table.loc[item["contract"]].map(_number)
        assert row[ov.SPEND] == item["spend"]
        assert (row[ov.LAS], row[ov.PARTICIPANTS], row[ov.MET]) == (
            item["las_supported"], item["participants"], item["met"])
        assert row[ov.DAYS] == item["days"]
        for column, key in ((ov.PER_LA, "cost_per_la"), (ov.PER_PARTICIPANT, "cost_per_participant"),
                            (ov.PER_MET, "cost_per_met"), (ov.PER_DAY, "cost_per_day")):
            assert row[column] == item[key] if item[key] is not None else isinstance(row[column], str), column
    assert table.loc[SEFTON_ONLY, ov.PARTICIPANTS] != SUPPRESSED


def test_board_sees_c_for_the_people_of_one_la_and_everything_else(app, expected):
    at = app(role="board")
    table = _whole(at)
    sefton = table.loc[SEFTON_ONLY].map(_number)
    assert [sefton[c] for c in ov.ABOUT_PEOPLE] == [SUPPRESSED] * 4
    item = next(i for i in expected["value_for_money"] if i["contract"] == SEFTON_ONLY)
    assert (sefton[ov.SPEND], sefton[ov.LAS], sefton[ov.PER_LA], sefton[ov.PER_DAY]) == (
        item["spend"], 1, item["cost_per_la"], item["cost_per_day"])
    many = table.loc["con_9887"]
    assert many[ov.PARTICIPANTS] != SUPPRESSED
    years = _years(at)
    assert (years[years["Contract"] == SEFTON_ONLY][list(ov.ABOUT_PEOPLE)] == SUPPRESSED).all().all()
    # aggregate only: no table of single LAs
    assert not any("LA" in frame.value.columns for frame in at.dataframe)


def test_ofsted_changes_match_the_summary(app, expected):
    for role in ("board", "admin"):
        table = _table(app(role=role), "Improved").set_index("Contract")
        for item in expected["outcomes"]:
            row = table.loc[item["contract"]].map(_number)
            assert (row["Judged before and after support"], row["Improved"], row["Stayed the same"],
                    row["Declined"]) == (item["las_reinspected"], item["improved"], item["same"], item["declined"])
    assert any(i["las_reinspected"] for i in expected["outcomes"]), "the demo data has LAs judged before and after"


def test_admin_sees_each_supported_la_judged_before_and_after(app, expected):
    table = _table(app(role="admin"), "Before support")
    assert len(table) == sum(item["las_reinspected"] for item in expected["outcomes"])


def test_a_financial_year_narrows_the_year_rows_only(app):
    at = app(role="admin", fy="2022-23")
    assert set(_years(at)["Financial year"]) == {"2022-23"}
    assert set(_whole(at).index) == {"2018/028", "Con_10575", "con_9887", "project_5369"}


def test_one_contract_chosen_keeps_its_ofsted_judgements(app, expected):
    at = app(role="admin", contract="con_9887")
    assert set(_whole(at).index) == {"con_9887"}
    row = _table(at, "Improved").set_index("Contract").loc["con_9887"].map(_number)
    item = next(i for i in expected["outcomes"] if i["contract"] == "con_9887")
    assert (row["Judged before and after support"], row["Improved"]) == (item["las_reinspected"], item["improved"])
    assert item["las_reinspected"] > 0
