"""Data currency on real data (docs/how-figures-are-worked-out.md, "Data currency"): the demo's
returns state their reporting quarters, so each contract has a data-to date and units whose
follow-up window closed after it await the return; old imports with no reporting quarter keep
their figures, and say the data currency is unknown. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.kpi import unit_outcomes
from dashboard.summary import build_summary
from data_access.db import make_engine
from data_access.queries import load, summary
from seeds.demo import RETURNS
from tests import small_db

TODAY = date.today()
DEMO_AS_OF = date(2024, 3, 15)


@pytest.fixture(scope="module")
def demo(demo_database_url):
    engine = make_engine(demo_database_url)
    yield engine
    engine.dispose()


def _stated_data_to(contract: str, as_of: date) -> str | None:
    """From the demo's own list of returns: the latest reporting quarter ending by as-of."""
    ends = [spec.quarter_end for spec in RETURNS if spec.contract == contract and spec.quarter_end <= as_of]
    return max(ends).isoformat() if ends else None


@pytest.mark.parametrize("as_of", [DEMO_AS_OF, TODAY], ids=["demo as-of", "today"])
def test_every_demo_contract_has_the_data_to_its_returns_state(demo, as_of):
    entries = summary(demo, as_of)["contracts"]
    assert [e["contract"] for e in entries] == sorted(e["contract"] for e in entries)
    for entry in entries:
        assert entry["data_to"] == _stated_data_to(entry["contract"], as_of), entry
        assert entry["latest_return_imported"] is not None


@pytest.mark.parametrize("as_of", [DEMO_AS_OF, TODAY], ids=["demo as-of", "today"])
def test_the_demo_shows_a_return_overdue_and_one_up_to_date(demo, as_of):
    entries = summary(demo, as_of)["contracts"]
    assert any(e["return_overdue"] for e in entries)
    assert any(e["data_to"] and not e["return_overdue"] for e in entries)


def test_the_demo_has_units_awaiting_the_return_at_its_as_of_date(demo):
    assert sum(item["awaiting_return"] for item in summary(demo, DEMO_AS_OF)["kpis"]) > 0


def test_moving_past_the_last_return_lowers_no_rate(demo):
    """Done when (issue 16): "moving the as-of date forward past the last return no longer lowers
    any KPI rate": each contract's KPIs at its last data-to and today; a window closing after
    data-to awaits the return, so no_response stays as it was."""
    today = summary(demo, TODAY)
    compared = 0
    for entry in today["contracts"]:
        if entry["data_to"] is None:
            continue
        before = {k["kpi"]: k for k in summary(demo, date.fromisoformat(entry["data_to"]), entry["contract"])["kpis"]}
        for after in (k for k in today["kpis"] if k["contract"] == entry["contract"]):
            then = before.get(after["kpi"])
            if then is None or then["rate"] is None:
                continue
            compared += 1
            assert after["no_response"] == then["no_response"], (entry["contract"], after["kpi"])
            assert after["rate"] >= then["rate"], (entry["contract"], after["kpi"], then["rate"], after["rate"])
    assert compared >= 2


@pytest.fixture(scope="module")
def old_imports(tmp_path_factory):
    """Returns imported before returns stated their quarter (the small database's have none)."""
    url = small_db.build_sqlite(tmp_path_factory.mktemp("old_imports"))
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("as_of", [small_db.AS_OF, TODAY], ids=["small as-of", "today"])
def test_old_imports_keep_their_figures_and_say_currency_unknown(old_imports, as_of):
    data = load(old_imports)
    assert data.returns == []
    found = summary(old_imports, as_of)
    assert {
        (e["data_to"], e["latest_return_imported"], e["next_return_due"], e["return_overdue"])
        for e in found["contracts"]
    } == {(None, None, None, False)}
    assert all(k["awaiting_return"] == 0 for k in found["kpis"])
    as_before = build_summary(
        as_of,
        data.contracts,
        data.units,
        data.responses,
        data.allocations,
        data.invoice_lines,
        data.las,
        judgements=data.judgements,
        outcomes=unit_outcomes(data.units, data.responses, as_of),
    )
    assert found["kpis"] == as_before["kpis"]
