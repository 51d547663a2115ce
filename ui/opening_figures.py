"""The figures each page opens with, worked out once through the one cache (``ui.cache``).

The pages call these with their filters; the watcher (``ui.warm``) calls them after each import or
undo with the filters a page opens with (none, as of a date), for the Board and for the roles that
see the whole portfolio, so that the first person to open a page after an import does not wait for
its figures (at full scale the Overview's took 2.8 s, Finance's 3.1 s, Outcomes' 3.0 s, once the
records were loaded). One function per page, so the page and the watcher ask for the same entries.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.board_pack import ChangesInputs, changes
from dashboard.disclosure import BoardPlan
from dashboard.records import Portfolio
from dashboard.views import coverage as coverage_views
from dashboard.views import finance as finance_views
from dashboard.views import kpis as kpi_views
from dashboard.views import outcomes as outcome_views
from dashboard.views import overview as overview_views
from dashboard.views import timelines as timeline_views
from dashboard.views.common import FilteredInputs
from data_access.finance_sources import invoice_sources
from data_access.queries import hex_layout
from data_access.repositories import Scope
from ui import cache
from ui.filters import Filters


def overview(
    data: Portfolio, filters: Filters, board: bool, plan: BoardPlan | None, key: cache.DataKey
) -> overview_views.OverviewPage:
    """The Overview's status grid, headline KPIs, coverage, spend and deadlines."""
    inputs = FilteredInputs(filters.as_of_date, filters.financial_year, filters.region, filters.la, board, plan)
    return cache.built(overview_views.build, data, inputs, key)


def overview_changes(
    data: Portfolio, compare: date, as_of: date, board: bool, plans: dict[date, BoardPlan], key: cache.DataKey
) -> pd.DataFrame:
    """The Overview's headline figures then (``compare``) and now, and how they changed."""
    return cache.built(changes, data, ChangesInputs(compare, as_of, board, plans), key, "Comparing the figures…")


def kpis(
    data: Portfolio,
    filters: Filters,
    board: bool,
    plan: BoardPlan | None,
    detail_contract: str | None,
    key: cache.DataKey,
) -> kpi_views.KpiPage:
    """The KPIs page: every contract's KPIs, trend, slices, confidence and one contract's detail."""
    inputs = kpi_views.KpiInputs(
        filters.as_of_date,
        filters.financial_year,
        filters.region,
        filters.la,
        board,
        plan,
        detail_contract=detail_contract,
    )
    return cache.built(kpi_views.build, data, inputs, key, "Working out the KPIs…")


def coverage(
    data: Portfolio, filters: Filters, board: bool, plan: BoardPlan | None, key: cache.DataKey
) -> coverage_views.CoveragePage:
    """The Coverage page: LAs supported per year, region and support type, against the minimums."""
    inputs = coverage_views.CoverageInputs(
        filters.as_of_date,
        filters.financial_year,
        filters.region,
        filters.la,
        board,
        plan,
        hex_positions=cache.read(hex_layout, version=None),
    )
    return cache.built(coverage_views.build, data, inputs, key, "Working out coverage…")


FINANCE_FIGURES = "Working out the finance figures…"


def finance_tables(data: Portfolio, scope: Scope, as_of: date, key: cache.DataKey) -> finance_views.ScopeTables:
    """Spend, flags and day rates of every contract in ``scope``, worked out once: a contract or
    year picks its rows (``finance``)."""
    inputs = finance_views.ScopeInputs(as_of, cache.read(invoice_sources, scope, version=key.version))
    return cache.built(finance_views.build_scope_tables, data, inputs, key, FINANCE_FIGURES)


def finance(
    chosen: Portfolio, tables: finance_views.ScopeTables, filters: Filters, key: cache.DataKey
) -> finance_views.FinancePage:
    """The Finance page for the contract and year chosen (``chosen``: that contract's records)."""
    inputs = finance_views.FinanceInputs(filters.as_of_date, tables, filters.contract, filters.financial_year)
    return cache.built(finance_views.build, chosen, inputs, key, FINANCE_FIGURES)


def outcomes(data: Portfolio, filters: Filters, board: bool, key: cache.DataKey) -> outcome_views.OutcomesPage:
    """Outcomes and value for money."""
    inputs = outcome_views.OutcomesInputs(filters.as_of_date, filters.financial_year, board)
    return cache.built(outcome_views.build, data, inputs, key, "Working out value for money and outcomes…")


def timelines(data: Portfolio, filters: Filters, key: cache.DataKey) -> timeline_views.TimelinesPage:
    """Milestones, extensions, break clauses, reports and intervention reviews."""
    return cache.built(
        timeline_views.build, data, timeline_views.TimelinesInputs(filters.as_of_date, filters.contract), key
    )
