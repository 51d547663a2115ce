"""Pages at the edges of the data: never an error on screen (found by fuzzing every page and role)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.views.la_profile import month_named
from data_access.db import ensure_database, make_engine
from data_access.queries import summary
from tests import workbooks as wb
from tests.conftest import sqlite_only

APP = Path(__file__).resolve().parents[1] / "app.py"


def opened(monkeypatch, url: str, page: str, role: str = "admin", **params: str) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["local_role"] = role
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [item.message for item in at.exception]
    return at


@sqlite_only
@pytest.mark.parametrize("page", ["pages/overview.py", "pages/timelines.py"])
def test_a_contract_at_the_first_dates_the_dashboard_works_with(engine, monkeypatch, page):
    """A contract from 01/01/1900: its quarters fall in the financial year 1899-00, which must be readable."""
    wb.import_ok(
        engine,
        "register.xlsx",
        wb.register([wb.contract_row({"Start date": date(1900, 1, 1), "End date": date(1900, 3, 31)})]),
    )
    opened(monkeypatch, engine.url.render_as_string(hide_password=False), page, as_of="1900-02-01")


@sqlite_only
def test_finance_for_a_contract_with_no_pricing_schedule_yet_says_so(engine, monkeypatch):
    """A register is imported before its pricing schedule: the burn-up had no year to show and crashed."""
    wb.import_ok(engine, "register.xlsx", wb.register())
    at = opened(monkeypatch, engine.url.render_as_string(hide_password=False), "pages/finance.py")
    assert any("has no allocation or spend yet, so there is no burn-up to draw" in item.value for item in at.info)


def test_coverage_as_of_the_first_day_the_dashboard_works_with(open_page):
    open_page("pages/coverage.py", as_of="1900-01-01")


def test_a_month_in_free_text_with_no_real_year_names_no_month():
    assert month_named("Improvement adviser (July 0000)") is None
    assert month_named("Improvement adviser (July 2021)") == date(2021, 7, 1)


def test_a_contract_reference_with_accented_capitals_matches_ignoring_case(tmp_path):
    """SQLite's own lower() leaves 'É' alone, so 'école-1' did not find 'ÉCOLE-1' there (PostgreSQL did)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'accent.db'}")
    ensure_database(engine)
    wb.import_ok(engine, "register.xlsx", wb.register([wb.contract_row({"Contract reference": "ÉCOLE-1"})]))
    wb.import_ok(engine, "pricing.xlsx", wb.pricing_schedule(contract="ÉCOLE-1"))
    found = summary(engine, date(2022, 6, 30), "école-1")
    assert {item["contract"] for item in found["finance"]} == {"ÉCOLE-1"}
    engine.dispose()


def test_a_count_of_one_is_said_in_the_singular():
    """One row of a table is "1 milestone", not "1 milestones" (found on the pages as "1 participants to chase")."""
    import pandas as pd

    from dashboard.views import finance as finance_views
    from dashboard.views import la_profile
    from dashboard.views import timelines as timeline_views

    day = pd.Timestamp("2022-06-30")
    said = [
        timeline_views.milestone_sentence(pd.DataFrame([{"Contract": "C", "Milestone": "M", "Status": "Upcoming"}])),
        timeline_views.deadline_sentence(
            pd.DataFrame([{"Details": "Report", "Contract": "C", "LA": "", "Due": day, "Days left": 29}]),
            date(2022, 6, 1),
        ),
        timeline_views.ending_sentence(pd.DataFrame([{"Options": "None"}]), date(2022, 6, 1)),
        timeline_views.gantt_sentence(
            pd.DataFrame([{"State": "Running", "Break date": None, "Start": day, "Latest end (with extensions)": day}]),
            date(2022, 6, 1),
        ),
        finance_views.flag_sentence(pd.DataFrame([{"Flag": "Late invoice"}])),
        finance_views.day_rate_sentence(pd.DataFrame([{"Day rate (£)": 500, "Above cap": "No"}])),
        la_profile.adviser_sentence(pd.DataFrame([{"Month": day, "Days": 2.0, "Over the limit": "No"}])),
    ]
    for sentence, start in zip(
        said,
        [
            "1 milestone:",
            "1 deadline in",
            "1 contract ends in",
            "On 1 June 2022, 1 running within its term. The contract runs from",
            "1 finance flag:",
            "1 invoice line gives",
            "Improvement adviser days in 1 month,",
        ],
        strict=True,
    ):
        assert sentence.startswith(start), sentence


def test_counted_agrees_in_number():
    from dashboard.wording import counted

    assert [counted(n, "status record") for n in (0, 1, 2)] == [
        "0 status records",
        "1 status record",
        "2 status records",
    ]
    assert counted(1, "LA") == "1 LA" and counted(3, "LA") == "3 LAs"
    assert counted(2, "person", "people") == "2 people"


def test_listed_joins_items_as_a_sentence_does():
    from dashboard.wording import listed

    assert listed(["A"]) == "A" and listed(["A", "B"]) == "A and B" and listed(["A", "B", "C"], "or") == "A, B or C"
