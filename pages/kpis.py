"""KPIs: KPI 1 and KPI 2 per contract, their statuses, trend, slices and confidence;
follow-ups to chase. Reads the widgets, builds ``dashboard.views.kpis`` once (cached), renders."""

from __future__ import annotations

import streamlit as st

from dashboard.access import aggregate_only, may_list_participant, unlisted_sentence
from dashboard.charts import kpis as charts
from dashboard.disclosure import LOW_RELIABILITY, SUPPRESSED
from dashboard.views import kpis as views
from dashboard.wording import as_text, counted, long_date
from ui import cache, context
from ui.components import chart, chart_with_table
from ui.data_currency import data_currency_notice
from ui.filters import showing

viewer, url, version, filters, scope, data, options = context.filtered_page()
board = aggregate_only(viewer)
as_of = filters.as_of_date

st.title("KPIs: leaders more confident after support")
showing(filters, options.regions, options.las)
page = None
if data.units:
    with_units = sorted({unit.contract for unit in data.units})
    detail = filters.contract or st.session_state.get("kpi_detail_contract")
    detail = detail if detail in with_units else None
    page = cache.built(
        views.build,
        data,
        views.KpiInputs(
            as_of,
            filters.financial_year,
            filters.region,
            filters.la,
            board,
            context.board_plan_for(viewer, as_of),
            detail_contract=detail,
        ),
        cache.DataKey(url, scope, version),
        "Working out the KPIs…",
    )
    if page.headline:  # the answer first
        st.markdown(as_text(views.kpi_answer(page.headline)))
st.caption(
    f"Figures as of {long_date(as_of)}, for packages ending in {views.fy_name(filters.financial_year)}. "
    "KPI 1 is for one-to-one support and KPI 2 for group support. The Methodology page gives the rules."
)
data_currency_notice(data, as_of)
if page is None:
    st.info(
        "There are no participants for these filters yet. Choose other filters, or upload a quarterly return "
        "(Engagements and Survey sheets) on the Upload data page."
    )
    st.stop()
if not page.headline:
    st.info(
        "There are no participant counts for the KPIs with these filters yet. For a financial year, only "
        "packages ending in that year count."
    )
    st.stop()

st.header("Against the target")
for display in page.headline:
    st.markdown(f"**{as_text(display.result.contract)}** · {as_text(display.sentence)}")
if any(LOW_RELIABILITY in d.rate or d.rate == SUPPRESSED for d in page.headline):
    st.caption(
        f"{LOW_RELIABILITY}: fewer than 5 eligible participants. Treat the rate with caution: it is not "
        f"charted. {SUPPRESSED}: Board views do not show figures about the people of 1 local authority."
    )
chart_with_table(
    chart(charts.rate_chart, page.rates.chart_data),
    page.rates.table,
    page.rates.summary,
    key="kpi_rates",
    chart_label="KPI rates against the target",
    file_stem="kpi_rates",
)

st.header("Status of every participant")
chart_with_table(
    chart(charts.status_chart, page.statuses.chart_data),
    page.statuses.table,
    page.statuses.summary,
    key="kpi_statuses",
    chart_label="status of every participant",
    file_stem="kpi_statuses",
)

st.header("Late baselines")
st.markdown(page.late_baseline_summary)
if page.late_baselines and not board:  # who, for the roles that may see participants; the Board sees counts
    late_listed = [row for row in page.late_baselines if may_list_participant(viewer, row.unit)]
    if len(late_listed) < len(page.late_baselines):
        st.caption(unlisted_sentence(len(page.late_baselines) - len(late_listed)))
    if late_listed:
        late_table = views.late_baseline_table(late_listed, options.las)
        chart_with_table(
            None,
            late_table,
            f"{counted(len(late_table), 'participant')} with a late baseline, by participant ID. The "
            f"latest is {counted(int(late_table['Days after the start'].max()), 'day')} after "
            "the package started.",
            key="kpi_late_baselines",
            file_stem="late_baselines",
        )

st.header("Details for one contract")
if len(with_units) > 1 and filters.contract is None:
    st.selectbox(
        "Contract for the details", with_units, index=with_units.index(page.detail_contract), key="kpi_detail_contract"
    )
st.caption(f"The trend, the breakdowns and the confidence scores below are for {as_text(page.detail_contract)} only.")
if page.detail_withheld:
    st.info(
        f"{as_text(page.detail_contract)}'s details are not part of the Board's view. All its participants "
        "are in 1 local authority, so its details (by quarter, region, role and confidence score) are about "
        "that LA."
    )
    st.stop()

st.subheader("Trend by quarter the package ended")
chart_with_table(
    chart(charts.trend_chart, page.trend.chart_data),
    page.trend.table,
    page.trend.summary,
    key="kpi_trend",
    chart_label="KPI rates by quarter the package ended",
    file_stem="kpi_trend",
)

st.subheader("By region, role and focus")
for tab, (name, section) in zip(st.tabs([as_text(name) for name in page.slices]), page.slices.items()):
    with tab:
        chart_with_table(
            chart(charts.slice_chart, section.chart_data, name),
            section.table,
            section.summary,
            key=f"kpi_slice_{name.lower()}",
            chart_label=f"KPI rates by {name.lower()}",
            file_stem=f"kpi_by_{name.lower()}",
        )

st.subheader("Confidence before and after support")
chart_with_table(
    chart(charts.confidence_chart, page.confidence.chart_data),
    page.confidence.table,
    page.confidence.summary,
    key="kpi_confidence",
    chart_label="confidence scores before and after support",
    file_stem="kpi_confidence",
)

if not board:
    st.header("Follow-ups to chase")
    st.caption(
        f"Participants with no follow-up yet whose follow-up window closes within "
        f"{views.CHASE_WITHIN_DAYS} days. Only participants your role may see are listed."
        + (" The financial year filter does not narrow this list." if filters.financial_year else "")
    )
    listed = [row for row in page.chase if may_list_participant(viewer, row.unit)]
    if not page.chase:
        st.info(f"No follow-up window closes in the next {views.CHASE_WITHIN_DAYS} days without a follow-up.")
    elif len(listed) < len(page.chase):
        st.caption(unlisted_sentence(len(page.chase) - len(listed)))
    if listed:
        units = [row.unit for row in listed]
        table = views.chase_table(listed, options.las, context.participant_names(viewer, units))
        chart_with_table(
            None,
            table,
            f"{counted(len(table), 'participant')} to chase. The first window closes "
            f"in {counted(table['Days left'].min(), 'day')}.",
            key="kpi_chase",
            file_stem="follow_ups_to_chase",
            table_expanded=True,
        )
