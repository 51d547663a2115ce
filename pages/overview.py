"""Overview: every programme at a glance, aggregate figures only (the home page).

Headline KPIs per contract in plain English, coverage against the minimum,
spend against allocation totals and the next deadlines; then the contracts
and the import history. Reads the widgets, builds ``dashboard.views.overview`` once (cached), renders.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import calendar, status_grid
from dashboard.access import aggregate_only, may_upload
from dashboard.board_pack import ChangesInputs, changes
from dashboard.changes import changes_summary, default_comparison_date
from dashboard.charts import kpis as kpi_charts
from dashboard.views import overview as views
from dashboard.views.common import FilteredInputs, rate_chart_frame
from dashboard.views.coverage import coverage_summary
from dashboard.views.timelines import DEADLINE_DAYS, deadline_sentence
from dashboard.wording import as_text, long_date
from data_access.access import last_board_pack_date, latest_imports
from data_access.queries import home_tables
from ui import cache, context
from ui.board_pack_button import board_pack_button
from ui.components import chart, chart_with_table, data_table, download_buttons
from ui.data_currency import data_currency_notice
from ui.filters import PARAMS, Filters, showing
from ui.status_grid import status_grid as grid_table


def _comparison_default(as_of: date) -> date:
    """Not cached: producing a Board pack changes it, and changes no data."""
    return default_comparison_date(as_of, last_board_pack_date(context.engine()))


def _link_params(filters: Filters, contract: str) -> dict[str, str]:
    """The current filters, for the contract, so the KPIs page opens on the same view."""
    values = dict(
        zip(
            PARAMS,
            (
                contract,
                filters.financial_year,
                filters.region,
                filters.la,
                filters.as_of.isoformat() if filters.as_of else None,
            ),
        )
    )
    return {key: value for key, value in values.items() if value}


viewer, url, version, filters, scope, data, options = context.filtered_page()
board = aggregate_only(viewer)
as_of = filters.as_of_date
data_key = cache.DataKey(url, scope, version)

st.title("Improvement Oversight")
showing(filters, options.regions, options.las)
page = None
if data.contracts:  # the answer first: which contracts are off track
    page = cache.built(
        views.build,
        data,
        FilteredInputs(
            as_of, filters.financial_year, filters.region, filters.la, board, context.board_plan_for(viewer, as_of)
        ),
        data_key,
    )
    st.markdown(as_text(status_grid.grid_summary(page.grid)))
st.caption(
    f"Figures as of {long_date(as_of)}. This page shows totals only, with no personal data. "
    "The Methodology page says how each figure is worked out."
)

if page is None:
    st.info(
        "There are no contracts for these filters yet. An administrator or contract manager can upload the "
        "contract register on the Upload data page."
    )
    board_pack_button(context.engine(), as_of, viewer)
else:
    titles = {c.reference: c.title for c in data.contracts}

    grid_table(
        page.grid,
        f"Where each contract stands on {long_date(as_of)}. Select a status to see its page.",
        {key: value for key, value in _link_params(filters, "").items() if key != "contract"},
    )
    download_buttons({"Status": status_grid.grid_frame(page.grid)}, "status_grid", key="overview_grid")
    # the grid's last column, in full: how current each contract's data is, above the figures below
    data_currency_notice(data, as_of)
    board_pack_button(context.engine(), as_of, viewer)

    st.header("What changed since the last Board")
    compare = st.date_input(
        "Compare with the figures as of",
        value=_comparison_default(as_of),
        format="DD/MM/YYYY",
        min_value=calendar.EARLIEST,
        max_value=as_of,
        key="compare_with",
        help="The date of the last Board pack produced, or else 3 months earlier.",
    )
    plans = context.board_plans_for(viewer, scope, (compare, as_of))
    changed = cache.built(
        changes, data, ChangesInputs(compare, as_of, board, plans), data_key, "Comparing the figures…"
    )
    st.markdown(as_text(changes_summary(changed, compare, as_of)))
    data_table(changed, "Each contract's headline figures then and now, and how they changed")
    download_buttons({"Changes": changed}, "changes", key="overview_changes")

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
        st.page_link(
            "pages/kpis.py",
            label=f"KPI details for {as_text(contract)}",
            icon=":material/target:",
            query_params=_link_params(filters, contract),
        )
    if page.kpis:
        rates = rate_chart_frame(page.kpis, lambda r: r.contract)
        chart_with_table(
            chart(kpi_charts.rate_chart, rates),
            page.kpi_table,
            "Each KPI's rate and 95 % interval against its target. The table lists every figure.",
            key="overview_kpis",
            chart_label="KPI rates against the target",
            file_stem="headline_kpis",
        )

    st.header(f"Coverage in {page.coverage_year}")
    if page.coverage.empty:
        st.info(f"No package was active in {page.coverage_year} for these filters.")
    else:
        for sentence in page.coverage_sentences:
            st.markdown(f"- {as_text(sentence)}")
        chart_with_table(
            None, page.coverage, coverage_summary(page.coverage), key="overview_coverage", file_stem="coverage"
        )
        st.page_link(
            "pages/coverage.py",
            label="Coverage details",
            icon=":material/map:",
            query_params=dict(_link_params(filters, filters.contract or "")),
        )

    st.header(f"Spend against allocation{f' in {page.spend_year}' if page.spend_year else ''}")
    if filters.la or filters.region:
        st.caption(
            "The LA and region filters do not narrow spend. Invoices are not split by local authority, "
            "so spend is for the whole of each contract shown."
        )
    if page.spend.empty:
        st.info(as_text(page.spend_summary))
    else:
        chart_with_table(
            None,
            page.spend,
            page.spend_summary + " Money cannot move between headings, so each "
            "heading's spend is compared with its own allocation (see the Finance page). The totals "
            "are for reconciliation only.",
            key="overview_spend",
            file_stem="spend_against_allocation",
        )

    st.header(f"Next deadlines (within {views.DEADLINE_DAYS} days)")
    if filters.la or filters.region or filters.financial_year:
        st.caption(
            "The year, LA and region filters do not narrow deadlines. They are whole contracts' "
            "milestones, reports and invoices, and the reviews of every LA in intervention, from "
            f"{long_date(as_of)}, as on the Timelines page."
        )
    if page.overdue:
        st.warning(as_text(page.overdue), icon=":material/schedule:")
    if page.deadlines.empty:
        st.info(as_text(deadline_sentence(page.deadlines, as_of)))
    else:
        chart_with_table(
            None,
            page.deadlines,
            deadline_sentence(page.deadlines, as_of),
            key="overview_deadlines",
            file_stem="deadlines",
            caption=f"Overdue decisions and deadlines in the next {DEADLINE_DAYS} days",
        )

contracts, _ = cache.read(home_tables, version=version)
visible = {c.reference for c in data.contracts}
st.subheader("Contracts")
register = pd.DataFrame(
    [
        {
            "Contract": c.reference,
            "Title": c.title,
            "Programme": c.programme,
            "Start": c.start_date,
            "End": c.end_date,
            "Extension up to": c.extension_up_to,
        }
        for c in contracts
        if c.reference in visible
    ]
)
data_table(register, "Contracts")
st.subheader("Latest imports")
latest = views.latest_imports(cache.read(latest_imports, viewer, 10, version=version), details=may_upload(viewer))
data_table(latest, "Latest imports")
