"""Every figures page shows, above its figures, how current each contract's data is (one shared
notice, ui/data_currency.py), with the state in words; the KPIs page shows units awaiting the
return and lists late baselines to the roles that may see participants, a count to the Board.
AppTest on the demo database; expected texts from the rules (``dashboard.currency``)."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.currency import currencies, data_to_dates
from dashboard.kpi import compute_kpis, targets_from_contracts
from tests.small_db import open_page as open_small_page
from tests.small_db import small_db_url  # noqa: F401 - fixture
from ui.data_currency import TITLE, notice_lines

DEMO_AS_OF = date(2024, 3, 15)
FIGURES_PAGES = [
    "pages/overview.py",
    "pages/kpis.py",
    "pages/coverage.py",
    "pages/finance.py",
    "pages/timelines.py",
    "pages/outcomes.py",
]


def _notice(at) -> list[str]:
    texts = [m.value for m in at.markdown]
    assert any(TITLE in text for text in texts), "no data currency notice"
    return [text for text in texts if "-badge[" in text]


@pytest.mark.parametrize("page", FIGURES_PAGES)
@pytest.mark.parametrize("as_of", [DEMO_AS_OF, date.today()], ids=["demo as-of", "today"])
def test_every_figures_page_says_each_contracts_data_currency(open_page, demo_records, page, as_of):
    at = open_page(page, "admin", as_of=as_of.isoformat())
    expected = notice_lines(
        currencies(
            demo_records.contracts, demo_records.returns, as_of, demo_records.milestones, demo_records.invoice_lines
        )
    )
    shown = "\n".join(_notice(at))
    for line in expected:
        assert line in shown
    assert "Return overdue" in shown and "Up to date" in shown  # the demo shows both states, in words


def test_the_notice_names_only_the_contract_chosen(open_page):
    at = open_page("pages/overview.py", "admin", as_of=DEMO_AS_OF.isoformat(), contract="con_9887")
    shown = "\n".join(_notice(at))
    assert "**con_9887**" in shown and "**2018/028**" not in shown
    assert "2023-24 Q1 return overdue since 30 July 2023. Data to 31 March 2023" in shown
    # looking back: its 2023-24 Q4 return is in, and what it holds up to the as-of date counts
    assert "The figures include what its 2023-24 Q4 return holds up to 15 March 2024" in shown


def test_the_la_profile_says_the_data_currency_of_the_contracts_that_supported_the_la(open_page, demo_records):
    la = next(unit.la_code for unit in demo_records.units if unit.contract == "con_9887")
    at = open_page("pages/la_profile.py", "admin", as_of=DEMO_AS_OF.isoformat(), la=la)
    shown = "\n".join(_notice(at))
    assert "**con_9887**" in shown


def test_old_imports_say_data_currency_unknown(small_db_url, monkeypatch):  # noqa: F811
    at = open_small_page(monkeypatch, small_db_url, "pages/overview.py")
    shown = "\n".join(_notice(at))
    assert "Currency unknown" in shown and "Not known: no return says which quarter it covers" in shown


@pytest.mark.parametrize("role", ["admin", "board"])
def test_kpis_page_shows_units_awaiting_the_return_never_as_failures(open_page, demo_records, role):
    at = open_page("pages/kpis.py", role, as_of=DEMO_AS_OF.isoformat())
    data_to = data_to_dates(demo_records.contracts, demo_records.returns, DEMO_AS_OF)
    results = compute_kpis(
        demo_records.units,
        demo_records.responses,
        targets_from_contracts(demo_records.contracts),
        DEMO_AS_OF,
        data_to=data_to,
    )
    awaiting = [r for r in results if r.awaiting_return]
    assert awaiting, "the demo has units awaiting the return at its as-of date"
    statuses = next(frame.value for frame in at.dataframe if "Awaiting return" in frame.value.columns)
    for result in awaiting:
        row = statuses[
            (statuses["Contract"] == result.contract)
            & statuses["KPI"].str.startswith(f"KPI {1 if result.kpi == 'one_to_one' else 2}")
        ]
        assert row["Awaiting return"].tolist() in ([str(result.awaiting_return)], ["[c]"])
        assert row["No response"].tolist() in ([str(result.no_response)], ["[c]"])


@pytest.mark.parametrize("role, listed", [("admin", True), ("board", False)])
def test_late_baselines_listed_for_roles_that_see_participants_a_count_for_the_board(
    open_page, demo_records, role, listed
):
    at = open_page("pages/kpis.py", role, as_of=DEMO_AS_OF.isoformat())
    data_to = data_to_dates(demo_records.contracts, demo_records.returns, DEMO_AS_OF)
    results = compute_kpis(demo_records.units, demo_records.responses, {}, DEMO_AS_OF, data_to=data_to)
    late = [r for r in results if r.late_baseline]
    assert late
    summary = next(m.value for m in at.markdown if m.value.startswith("Late baselines"))
    for result in late:
        assert f"{result.contract} KPI {1 if result.kpi == 'one_to_one' else 2}" in summary
    tables = [frame.value for frame in at.dataframe if "Days after the start" in frame.value.columns]
    assert bool(tables) is listed
    if listed:
        assert len(tables[0]) == sum(r.late_baseline for r in late)
        assert (tables[0]["Days after the start"] > 0).all()
        assert "Participant ID" in tables[0].columns
