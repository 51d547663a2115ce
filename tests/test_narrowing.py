"""Filters picked in memory from the viewer's records select what the database would.

The pages load the viewer's own scope once (``ui.context.oversight_data``) and pick a
contract, region or LA filter out of it with ``dashboard.views.common.narrowed``; these tests
hold that to ``queries.load`` for the same scope, and keep a viewer's limits.
"""

from __future__ import annotations

import pytest

from dashboard.views.common import narrowed
from data_access import queries
from data_access.db import make_engine
from data_access.repositories import EVERYTHING, Scope
from tests.small_db import IA, KNOWSLEY, LD, NORTH_WEST, SEFTON, SLI, small_db_url  # noqa: F401 - fixture

SCOPES = [
    Scope(contracts=(LD,)),
    Scope(contracts=(IA.lower(),)),  # references match case-blind, as in the repositories
    Scope(contracts=(LD, SLI)),
    Scope(contracts=()),
    Scope(contracts=("NO-SUCH",)),
    Scope(la_codes=(SEFTON,)),
    Scope(la_codes=(SEFTON, KNOWSLEY)),
    Scope(region_codes=(NORTH_WEST,)),
    Scope(region_codes=("E12000007",)),
    Scope(contracts=(LD,), la_codes=(KNOWSLEY,)),
    Scope(contracts=(LD,), region_codes=(NORTH_WEST,)),
]


@pytest.fixture(scope="module")
def engine(small_db_url):  # noqa: F811
    engine = make_engine(small_db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def everything(engine):
    return queries.load(engine, EVERYTHING)


@pytest.mark.parametrize("scope", SCOPES, ids=repr)
def test_narrowed_records_equal_the_database_query(engine, everything, scope):
    assert narrowed(everything, scope.contracts, scope.la_codes, scope.region_codes) == queries.load(engine, scope)


def test_no_filter_is_the_same_records(everything):
    assert narrowed(everything) is everything


def test_narrowing_a_viewers_records_never_adds_another_contracts(engine):
    own = queries.load(engine, Scope(contracts=(LD,)))
    other = narrowed(own, (IA,))
    assert other.contracts == [] and other.units == [] and other.invoice_lines == [] and other.responses == []


def test_context_picks_filters_within_the_viewers_scope(small_db_url, monkeypatch):  # noqa: F811
    from ui import context

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", small_db_url)
    assert context._narrows(EVERYTHING, Scope(contracts=(LD,), region_codes=(NORTH_WEST,)))
    assert context._narrows(Scope(contracts=(LD, IA)), Scope(contracts=(LD.lower(),)))
    assert context._narrows(Scope(contracts=(LD,)), Scope(contracts=()))  # a manager asking for another contract
    assert not context._narrows(Scope(contracts=(LD,)), Scope(contracts=(IA,)))
    assert not context._narrows(Scope(contracts=(LD,)), EVERYTHING)
    assert not context._narrows(Scope(la_codes=(SEFTON,)), Scope(la_codes=(KNOWSLEY,)))
    engine = make_engine(small_db_url)
    try:
        for scope in SCOPES:
            assert context.oversight_data(scope, within=EVERYTHING) == queries.load(engine, scope)
        assert context.oversight_data(Scope(contracts=(IA,)), within=Scope(contracts=(LD,))) == queries.load(
            engine, Scope(contracts=(IA,))
        )  # outside the viewer's scope: asked of the database, never picked
    finally:
        engine.dispose()


def test_each_contracts_records_split_in_one_pass(everything):
    from dashboard.views.common import by_contract

    parts = by_contract(everything)
    assert set(parts) == {c.reference.lower() for c in everything.contracts}
    for key, part in parts.items():
        assert part == narrowed(everything, (key,))


def test_choosing_a_recoded_council_filters_to_both_its_codes(tmp_path, monkeypatch):
    """North Yorkshire became a unitary with a new code (E10000023 -> E06000065) on 1 April 2023:
    a package started before is under the old code, one after under the new. Either code in the
    LA filter shows both; a split (Cumbria) or a merger (Bournemouth) is not one council."""
    from datetime import date

    from dashboard.views.common import filter_options
    from data_access.db import ensure_database
    from data_access.services import import_file
    from tests import workbooks as wb
    from tests.small_db import open_page

    url = f"sqlite:///{tmp_path / 'ny.db'}"
    engine = make_engine(url)
    ensure_database(engine)
    las = queries.load(engine, EVERYTHING).las
    same = filter_options([], las, {}).same_las
    assert same["E10000023"] == same["E06000065"] == ("E06000065", "E10000023")
    assert "E10000006" not in same and "E06000028" not in same
    for name, sheets in (
        ("register.xlsx", wb.register()),
        ("pricing.xlsx", wb.pricing_schedule()),
        (
            "return.xlsx",
            wb.quarterly_return(
                engagements=[
                    wb.engagement_row(
                        {
                            "Package ID": "OLD",
                            "LA": "North Yorkshire",
                            "Start date": date(2022, 6, 1),
                            "End date": date(2022, 9, 30),
                        }
                    ),
                    wb.engagement_row(
                        {
                            "Package ID": "NEW",
                            "Participant ID": "P-2",
                            "LA": "North Yorkshire",
                            "Start date": date(2023, 6, 1),
                            "End date": date(2023, 9, 30),
                        }
                    ),
                ]
            ),
        ),
    ):
        assert import_file(engine, name, wb.xlsx(*sheets), "tests").plan.ok
    assert {u.la_code for u in queries.load(engine, EVERYTHING).units} == {"E10000023", "E06000065"}
    engine.dispose()
    for code in ("E10000023", "E06000065"):
        at = open_page(monkeypatch, url, "pages/kpis.py", la=code, as_of="2024-03-15")
        sentence = next(m.value for m in at.markdown if "participants in the KPIs" in m.value)
        assert sentence.startswith("Of 2 participants"), (code, sentence)


def test_an_la_outside_the_region_chosen_is_cleared_and_said(small_db_url, monkeypatch):  # noqa: F811
    """The LAs offered are the region's: an LA of another region (a link, or a region chosen after
    the LA) is cleared with a warning, not left to empty every table."""
    from tests.small_db import LEEDS, NORTH_WEST, SEFTON, open_page

    at = open_page(
        monkeypatch, small_db_url, "pages/kpis.py", role="case_lead", region=NORTH_WEST, la=LEEDS, as_of="2022-06-30"
    )
    assert not at.selectbox(key="filter_la").value and "la" not in at.query_params
    assert "Leeds (E08000035)" not in at.selectbox(key="filter_la").options
    at = open_page(monkeypatch, small_db_url, "pages/kpis.py", role="case_lead", la=LEEDS, as_of="2022-06-30")
    at.selectbox(key="filter_region").set_value(NORTH_WEST).run()
    assert not at.exception
    assert any("Leeds is not in North West" in w.value for w in at.sidebar.warning)
    assert not at.selectbox(key="filter_la").value
    at.selectbox(key="filter_la").set_value(SEFTON).run()
    assert at.selectbox(key="filter_la").value == SEFTON and not at.sidebar.warning
