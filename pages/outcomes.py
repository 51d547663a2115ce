"""Outcomes and value for money: per contract and year, spend, LAs, participants, people who met the
KPI, days and each cost per unit; how supported LAs' Ofsted judgements changed. Descriptive only.
Reads the widgets, builds ``dashboard.views.outcomes`` once (cached), renders."""

from __future__ import annotations

import streamlit as st

from dashboard import outcomes as outcome_rules
from dashboard import value_for_money as vfm_rules
from dashboard.access import aggregate_only
from dashboard.charts.value_for_money import vfm_chart
from dashboard.views import outcomes as ov
from dashboard.wording import as_text, long_date
from data_access.repositories import Scope
from ui import cache, context
from ui.components import chart, chart_with_table
from ui.data_currency import data_currency_notice
from ui.filters import Filters
from ui.outcomes_section import neighbour_change_section

viewer, url, version, filters, _, _, _ = context.filtered_page()
as_of = filters.as_of_date
board = aggregate_only(viewer)
everything = Filters().scope(viewer)
scope = Scope(contracts=Filters(contract=filters.contract).scope(viewer).contracts)  # spend is per contract
data = context.oversight_data(scope, within=everything)

st.title("Outcomes and value for money")
page = None
if data.contracts:  # the answer first
    page = cache.built(
        ov.build,
        data,
        ov.OutcomesInputs(as_of, filters.financial_year, board),
        cache.DataKey(url, scope, version),
        "Working out value for money and outcomes…",
    )
    st.markdown(as_text(ov.spend_answer(page.value_for_money, as_of)))
st.caption(
    f"Figures as of {long_date(as_of)}. They describe what was spent, delivered and seen afterwards. They do "
    "not show what the support caused. The Methodology page gives the rules."
)
if filters.region or filters.la:
    st.caption(
        "The region and LA filters do not apply on this page. Spend is invoiced for each contract, so every "
        "figure here is for whole contracts."
    )
if page is None:
    st.info(
        "There are no contracts for these filters yet. Upload the contract register and quarterly returns on "
        "the Upload data page."
    )
    st.stop()
data_currency_notice(data, as_of)  # how far each contract's data runs, as on every page with figures

with st.expander("Read this first: what these figures can and cannot tell you", expanded=True):
    st.markdown("\n".join(f"- {caveat}" for caveat in ov.CAVEATS))

st.header("Value for money")
whole = ov.costs_first(
    ov.as_shown(page.value_for_money[page.value_for_money["Financial year"] == ov.WHOLE].reset_index(drop=True))
)
chart_with_table(
    chart(vfm_chart, page.chart_data),
    whole,
    page.vfm_summary,
    key="vfm_contracts",
    chart_label="value for money of each contract",
    file_stem="value_for_money",
    table_expanded=True,
)
st.subheader("Each financial year" + (f" ({filters.financial_year})" if filters.financial_year else ""))
years = ov.as_shown(page.value_for_money[page.value_for_money["Financial year"] != ov.WHOLE].reset_index(drop=True))
chart_with_table(
    None,
    years,
    "Each year counts spend billed in the year, LAs with a package active in it, participants whose "
    "package started in it, people who met the KPI among packages that ended in it, and days of "
    "packages that started in it. An LA supported in 2 years counts in each, so years do not add up "
    "to the whole.",
    key="vfm_years",
    file_stem="value_for_money_by_year",
    table_expanded=True,
)

st.header("Ofsted judgements before and after support")
st.caption(
    "Ofsted's ILACS overall effectiveness judgements, from worst to best: Inadequate, Requires "
    "improvement, Good, Outstanding. 'Other LAs' are the LAs the contract did not support, judged before its "
    "first package started and after its last ended. They give context: they are not a control group."
)
chart_with_table(
    None,
    ov.as_shown(page.outcomes),
    page.outcomes_summary,
    key="ofsted_changes",
    file_stem="ofsted_changes",
    table_expanded=True,
)
if not page.la_changes.empty:  # one level of expander, so the table has the page's width
    st.subheader("Supported LAs judged before and after support")
    chart_with_table(
        None,
        page.la_changes,
        "Each supported LA with an Ofsted judgement published before and after its support.",
        key="ofsted_la_changes",
        file_stem="ofsted_changes_by_la",
    )

neighbour_change_section(data, as_of)

with st.expander("How these figures are worked out"):
    st.markdown(
        "\n".join(
            f"- **{name}**: {definition}"
            for name, definition in [*vfm_rules.FIGURES.values(), *outcome_rules.FIGURES.values()]
        )
        + f"\n\n{vfm_rules.ROUNDING} The Methodology page gives every caveat."
    )
