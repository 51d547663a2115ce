"""The Outcomes and value for money page, driven by AppTest: figures worked out by hand on the small database
(``tests/small_db.py``); on the demo database, the page agrees with the JSON summary, as the Board and as an
administrator."""

from __future__ import annotations

import functools
import re
from datetime import date

import pytest

from dashboard.disclosure import SUPPRESSED
from dashboard.views import outcomes as ov
from data_access.db import make_engine
from data_access.queries import summary
from tests.small_db import frame_with, small_db_each  # noqa: F401 - fixture

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
    assert [h.value for h in at.header] == [
        "Value for money",
        "Ofsted judgements before and after support",
        "Supported LAs beside their statistical neighbours",
    ]


def test_admin_sees_the_figures_of_the_summary(app, expected):
    table = _whole(app(role="admin"))
    for item in expected["value_for_money"]:
        row = table.loc[item["contract"]].map(_number)
        assert row[ov.SPEND] == item["spend"]
        assert (row[ov.LAS], row[ov.PARTICIPANTS], row[ov.MET]) == (
            item["las_supported"],
            item["participants"],
            item["met"],
        )
        assert row[ov.DAYS] == item["days"]
        for column, key in (
            (ov.PER_LA, "cost_per_la"),
            (ov.PER_PARTICIPANT, "cost_per_participant"),
            (ov.PER_MET, "cost_per_met"),
            (ov.PER_DAY, "cost_per_day"),
        ):
            assert row[column] == item[key] if item[key] is not None else isinstance(row[column], str), column
    assert table.loc[SEFTON_ONLY, ov.PARTICIPANTS] != SUPPRESSED


def test_board_sees_c_for_the_people_of_one_la_and_everything_else(app, expected):
    at = app(role="board")
    table = _whole(at)
    sefton = table.loc[SEFTON_ONLY].map(_number)
    assert [sefton[c] for c in ov.ABOUT_PEOPLE] == [SUPPRESSED] * 4
    item = next(i for i in expected["value_for_money"] if i["contract"] == SEFTON_ONLY)
    assert (sefton[ov.SPEND], sefton[ov.LAS], sefton[ov.PER_LA], sefton[ov.PER_DAY]) == (
        item["spend"],
        1,
        item["cost_per_la"],
        item["cost_per_day"],
    )
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
            assert (
                row["Judged before and after support"],
                row["Improved"],
                row["Stayed the same"],
                row["Declined"],
            ) == (item["las_reinspected"], item["improved"], item["same"], item["declined"])
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


# Worked out by hand from tests/small_db.py (docs/how-figures-are-worked-out.md, "Value for money" and "Outcomes").
# As of 30 June 2022 (LD-INV-4, dated 12/07/2022, is left out):
#   CON-IA: spend (4 + 4.5 + 3) x 600 + 620.40 = 7,520.40; 1 LA (Sefton); 1 participant; 0 met; 15 days
#     -> £7,520 per LA and per participant, 7,520.40 / 15 = 501.36 -> £501 a day
#   CON-LD: spend 5,500 + 500 + 2,700 + 2,250.33 + 2,600 = 13,550.33; 3 LAs (Sefton, Knowsley, Leeds);
#     4 participants (P-0001 to P-0004); 1 met (P-0001); days 6 + 3 + 5 + 2 = 16 (the group's 2 once)
#     -> 13,550.33 / 3 = 4,516.78 -> £4,517; / 4 = 3,387.58 -> £3,388; / 1 -> £13,550; / 16 = 846.90 -> £847
#   CON-SLI: spend 4,000 + 1,400 = 5,400; 1 LA (Knowsley); 1 participant; 0 met; 30 days -> £5,400, £180 a day
HAND_VALUE = [  # Contract, Spend, LAs, Participants, Met, Days, per LA, per participant, per person met, per day
    ("CON-IA", "7520.40", "1", "1", "0", "15.0", "7520", "7520", "none met yet", "501"),
    ("CON-LD", "13550.33", "3", "4", "1", "16.0", "4517", "3388", "13,550", "847"),
    ("CON-SLI", "5400.00", "1", "1", "0", "30.0", "5400", "5400", "none met yet", "180"),
]
VALUE_COLUMNS = [
    "Contract",
    "Spend (£)",
    "LAs supported",
    "Participants",
    "Met the KPI",
    "Days delivered",
    "Cost per LA (£)",
    "Cost per participant (£)",
    "Cost per person who met the KPI (£)",
    "Cost per day (£)",
]
OFSTED_COLUMNS = [
    "Contract",
    "LAs supported",
    "Judged before and after support",
    "Improved",
    "Stayed the same",
    "Declined",
    "Other LAs judged before and after",
    "Other LAs stayed the same",
]


def _literal_rows(frame, columns):
    return [
        tuple(f"{value:.2f}" if column == "Spend (£)" else str(value) for column, value in zip(columns, row))
        for row in frame[columns].itertuples(index=False)
    ]


def test_worked_by_hand_on_the_small_database(monkeypatch, small_db_each):  # noqa: F811
    from tests.small_db import open_page as open_small

    at = open_small(monkeypatch, small_db_each, "pages/outcomes.py", as_of="2022-06-30")
    assert not at.exception
    assert _literal_rows(_whole(at), VALUE_COLUMNS[1:]) == [row[1:] for row in HAND_VALUE]
    # 7,520.40 + 13,550.33 + 5,400 = 26,470.73 -> £26,471
    assert any(re.search(r"£26,471\b", m.value) for m in at.markdown)
    # Ofsted: Sefton's and Leeds's CON-LD packages (LD-G1) and CON-IA's run on, so no "after" yet. CON-SLI supported
    # Knowsley 01/02/2022 to 25/03/2022: judged before (published 03/12/2021) but not again by 30/06/2022 -> 0.
    # Of the LAs CON-SLI did not support, Leeds alone was published before 01/02/2022 (Outstanding, 18/12/2018) and
    # after 25/03/2022 (Outstanding, 09/05/2022) -> 1, stayed the same.
    ofsted = _table(at, "Judged before and after support")
    assert _literal_rows(ofsted, OFSTED_COLUMNS) == [
        ("CON-IA", "1", "0", "0", "0", "0", "support not ended", "support not ended"),
        ("CON-LD", "3", "0", "0", "0", "0", "support not ended", "support not ended"),
        ("CON-SLI", "1", "0", "0", "0", "0", "1", "1"),
    ]
    # By 30/06/2025 Ofsted has judged Knowsley again: Inadequate, published 20/01/2025, after Requires improvement
    # -> CON-SLI's 1 LA declined.
    later = open_small(monkeypatch, small_db_each, "pages/outcomes.py", as_of="2025-06-30")
    sli = _table(later, "Judged before and after support").set_index("Contract").loc["CON-SLI"]
    assert tuple(str(sli[c]) for c in OFSTED_COLUMNS[1:6]) == ("1", "1", "0", "0", "1")

    # The Board: CON-IA's and CON-SLI's people are all in one LA (Sefton, Knowsley), so their participants, people
    # who met the KPI and the two costs worked out from them are [c]; spend, LAs, days and their costs are shown.
    board = open_small(monkeypatch, small_db_each, "pages/outcomes.py", role="board", as_of="2022-06-30")
    withheld = [
        tuple(value.replace(",", "") for value in row)
        for row in _literal_rows(_whole(board).reset_index(), VALUE_COLUMNS)
    ]
    assert withheld == [
        ("CON-IA", "7520.40", "1", "[c]", "[c]", "15.0", "7520", "[c]", "[c]", "501"),
        tuple(value.replace(",", "") for value in HAND_VALUE[1]),
        ("CON-SLI", "5400.00", "1", "[c]", "[c]", "30.0", "5400", "[c]", "[c]", "180"),
    ]
