"""Overview: every programme at a glance, aggregate figures only (the home page).

Headline KPIs per contract in plain English, coverage against the minimum,
spend against allocation totals and the next deadlines; then the contracts
and the import history. Reads the widgets, calls ``dashboard.views``, renders.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import calendar, status_grid
from dashboard.views import overview as views
from dashboard.views.common import rate_chart_frame
from dashboard.views.coverage import coverage_summary
from dashboard.access import aggregate_only, may_upload
from dashboard.board_pack import summary_at, withheld_kpis
from dashboard.changes import changes_frame, changes_summary, default_comparison_date
from dashboard.currency import data_to_dates
from dashboard.charts import kpis as kpi_charts
from dashboard.views.timelines import deadline_sentence
from dashboard.wording import as_text
from data_access.access import last_board_pack_date, latest_imports
from data_access.queries import home_tables
from data_access.repositories import Scope
from ui import context
from ui.board_pack_button import board_pack_button
from ui.components import chart, chart_with_table, data_table, download_buttons
from ui.data_currency import data_currency_notice
from ui.filters import PARAMS, Filters, showing
from ui.status_grid import status_grid as grid_table


@st.cache_data(show_spinner="Working out the figures…", max_entries=64, ttl=600)
def _page(_data, url: str, scope: Scope, version: int, as_of: date, fy: str | None, board: bool,
          la_level: bool, area_only: bool, _plan=None) -> views.OverviewPage:
    """Keyed by database, scope (the viewer's limits and the filters), data version and every input
    (the Board's plan follows from the database, version, viewer and as-of date)."""
    return views.overview_page(_data.contracts, _data.units, _data.responses, _data.allocations, _data.invoice_lines,
                               _data.milestones, _data.las, as_of, fy, views.Disclosure(board, la_level, plan=_plan),
                               _data.statuses, area_only, returns=_data.returns,
                               data_to=data_to_dates(_data.contracts, _data.returns, as_of))


@st.cache_data(show_spinner=False, max_entries=8, ttl=600)
def _home_tables(url: str, version: int):
    """Contracts and the import history, per database and data version (an import changes both)."""
    return home_tables(context.engine())


@st.cache_data(show_spinner="Comparing the figures…", max_entries=32, ttl=600)
def _changes(_data, url: str, scope: Scope, version: int, then: date, now: date) -> pd.DataFrame:
    """Each contract's headline figures on two dates, as the two dates' JSON gives them."""
    return changes_frame(summary_at(_data, then), summary_at(_data, now), withheld_kpis(_data, then, now)
                         if aggregate_only(st.session_state["viewer"]) else frozenset())


def _comparison_default(as_of: date) -> date:
    """Not cached: producing a Board pack changes it, and changes no data."""
    return default_comparison_date(as_of, last_board_pack_date(context.engine()))


@st.cache_data(show_spinner=False, max_entries=16, ttl=600)
def _latest_imports(url: str, version: int, viewer):
    """The imports ``viewer`` may see (``access.latest_imports``), per database, data version and viewer."""
    return latest_imports(context.engine(), viewer, limit=10)


def _link_params(filters: Filters, contract: str) -> dict[str, str]:
    """The current filters, for the contract, so the KPIs page opens on the same view."""
    values = dict(zip(PARAMS, (contract, filters.financial_year, filters.region, filters.la,
                               filters.as_of.isoformat() if filters.as_of else None)))
    return {key: value for key, value in values.items() if value}


viewer, url, version, filters, scope, data, options = context.filtered_page()
board = aggregate_only(viewer)
as_of = filters.as_of_date

st.title("Improvement Oversight")
showing(filters, options.regions, options.las)
page = None
if data.contracts:  # the answer first: which contracts are off track
    page = _page(data, url, scope, version, as_of, filters.financial_year, board, bool(filters.la),
                 bool(filters.region or filters.la), context.board_plan_for(viewer, as_of))
    st.markdown(as_text(status_grid.grid_summary(page.grid)))
st.caption(f"Figures as of {as_of:%d %B %Y}. This page shows totals only, with no personal data. "
           "The Methodology page says how each figure is worked out.")

if page is None:
    st.info("There are no contracts for these filters yet. An administrator or contract manager can upload the "
            "contract register on the Upload data page.")
    board_pack_button(context.engine(), as_of, viewer)
else:
    titles = {c.reference: c.title for c in data.contracts}

    grid_table(page.grid, f"Where each contract stands on {as_of:%d %B %Y}. Select a status to see its page.",
               {key: value for key, value in _link_params(filters, "").items() if key != "contract"})
    download_buttons({"Status": status_grid.grid_frame(page.grid)}, "status_grid", key="overview_grid")
    # the grid's last column, in full: how current each contract's data is, above the figures below
    data_currency_notice(data, as_of)
    board_pack_button(context.engine(), as_of, viewer)

    st.header("What changed since the last Board")
    compare = st.date_input(
        "Compare with the figures as of", value=_comparison_default(as_of), format="DD/MM/YYYY",
        min_value=calendar.EARLIEST, max_value=as_of, key="compare_with",
        help="The date of the last Board pack produced, or else 3 months earlier.")
    changes = _changes(data, url, scope, version, compare, as_of)
    st.markdown(as_text(changes_summary(changes, compare, as_of)))
    data_table(changes, "Each contract's headline figures then and now, and how they changed")
    download_buttons({"Changes": changes}, "changes", key="overview_changes")

    st.header("KPIs: leaders more confident after support")
    if not page.kpis:
        st.info("There are no KPI figures, because there are no participants for these filters yet.")
    by_contract: dict[str, list[views.KpiDisplay]] = {}
    for display in page.kpis:
        by_contract.setdefault(display.result.contract, []).append(display)
    for contract, displays in by_contract.items():
        st.markdown(f"**{as_text(contract)}**: {as_text(titles.get(contract, ''))}")
        for display in displays:
            st.markdown(f"- {as_text(display.sentence)}")
        st.page_link("pages/kpis.py", label=f"KPI details for {as_text(contract)}", icon=":material/target:",
                     query_params=_link_params(filters, contract))
    if page.kpis:
        rates = rate_chart_frame(page.kpis, lambda r: r.contract)
        chart_with_table(chart(kpi_charts.rate_chart, rates), page.kpi_table,
                         "Each KPI's rate and 95 % interval against its target. The table lists every figure.",
                         key="overview_kpis", file_stem="headline_kpis")

    st.header(f"Coverage in {page.coverage_year}")
    if page.coverage.empty:
        st.info(f"No package was active in {page.coverage_year} for these filters.")
    else:
        for sentence in page.coverage_sentences:
            st.markdown(f"- {as_text(sentence)}")
        chart_with_table(None, page.coverage, coverage_summary(page.coverage), key="overview_coverage",
                         file_stem="coverage")
        st.page_link("pages/coverage.py", label="Coverage details", icon=":material/map:",
                     query_params={k: v for k, v in _link_params(filters, filters.contract or "").items()})

    st.header(f"Spend against allocation{f' in {page.spend_year}' if page.spend_year else ''}")
    if filters.la or filters.region:
        st.caption("The LA and region filters do not narrow spend. Invoices are not split by local authority, "
                   "so spend is for the whole of each contract shown.")
    if page.spend.empty:
        st.info(as_text(page.spend_summary))
    else:
        chart_with_table(None, page.spend, page.spend_summary + " Money cannot move between headings, so each "
                         "heading's spend is compared with its own allocation (see the Finance page). The totals "
                         "are for reconciliation only.", key="overview_spend",
                         file_stem="spend_against_allocation")

    st.header(f"Next deadlines (within {views.DEADLINE_DAYS} days)")
    if filters.la or filters.region or filters.financial_year:
        st.caption("The year, LA and region filters do not narrow deadlines. They are whole contracts' "
                   "milestones, reports and invoices, and the reviews of every LA in intervention, from "
                   f"{as_of:%d %B %Y}, as on the Timelines page.")
    if page.overdue:
        st.warning(as_text(page.overdue), icon=":material/schedule:")
    if page.deadlines.empty:
        st.info(as_text(deadline_sentence(page.deadlines, as_of)))
    else:
        chart_with_table(None, page.deadlines, deadline_sentence(page.deadlines, as_of),
                         key="overview_deadlines", file_stem="deadlines")

contracts, _ = _home_tables(url, version)
visible = {c.reference for c in data.contracts}
st.subheader("Contracts")
register = pd.DataFrame(
    [{"Contract": c.reference, "Title": c.title, "Programme": c.programme, "Start": c.start_date,
      "End": c.end_date, "Extension up to": c.extension_up_to} for c in contracts if c.reference in visible]
)
data_table(register, "Contracts")
st.subheader("Latest imports")
latest = views.latest_imports(_latest_imports(url, version, viewer), details=may_upload(viewer))
data_table(latest, "Latest imports")
