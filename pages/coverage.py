"""Coverage: LAs supported per year and support type against the minimum, per
region, on a hex map of England; targeting of LAs in greatest need; priority
LAs that received no support. Reads the widgets, builds ``dashboard.views.coverage`` once (cached), renders."""

from __future__ import annotations

import streamlit as st

from dashboard.access import aggregate_only
from dashboard.charts import coverage as charts
from dashboard.views import coverage as views
from dashboard.wording import as_text, long_date
from data_access.queries import hex_layout
from ui import cache, context
from ui.components import chart, chart_with_table, data_table, profile_column, with_profile_links
from ui.data_currency import data_currency_notice
from ui.filters import current_filters, showing

viewer, url, version, filters, scope, data, options = context.filtered_page()
as_of = filters.as_of_date

st.title("Coverage: local authorities supported")
showing(filters, options.regions, options.las)
page = None
if data.contracts:
    page = cache.built(
        views.build,
        data,
        views.CoverageInputs(
            as_of,
            filters.financial_year,
            filters.region,
            filters.la,
            aggregate_only(viewer),
            context.board_plan_for(viewer, as_of),
            hex_positions=cache.read(hex_layout, version=None),
        ),
        cache.DataKey(url, scope, version),
        "Working out coverage…",
    )
    if not page.by_year.empty:  # the answer first
        st.markdown(as_text(page.by_year.summary))
st.caption(
    f"Figures as of {long_date(as_of)}. An LA is supported in a financial year when a package of that "
    "type was active in it. The Methodology page gives the rules."
)
if page is None:
    st.info(
        "There are no contracts for these filters yet. Upload the contract register and quarterly returns on "
        "the Upload data page."
    )
    st.stop()
data_currency_notice(data, as_of)
links = not aggregate_only(viewer)  # LA profiles are not part of the Board's view


def linked(table):
    """The table with each LA's profile linked (case leads, contract managers, administrators)."""
    return with_profile_links(table, as_of=current_filters().as_of) if links and not table.empty else table


if filters.region or filters.la:
    st.caption("Only packages in the region or LA you chose count on this page.")

st.header("LAs supported per year against the minimum")
if page.by_year.empty:
    st.info("No package has been active yet for these filters.")
else:
    for contract, frame in page.by_year.table.groupby("Contract", sort=True):
        st.subheader(as_text(contract))
        sentences = views.latest_year_sentences(frame)
        chart_with_table(
            chart(charts.coverage_year_chart, frame),
            frame.reset_index(drop=True),
            sentences,
            key=f"coverage_year_{contract}",
            chart_label=f"LAs supported per year against the minimum, {contract}",
            file_stem=f"coverage_{contract}",
        )

st.header(f"Regions in {page.financial_year}")
st.caption("LAs supported by any contract and support type in view, against all the region's LAs that year.")
chart_with_table(
    chart(charts.region_chart, page.regions.chart_data),
    page.regions.table,
    page.regions.summary,
    key="coverage_regions",
    chart_label="LAs supported in each region",
    file_stem="coverage_by_region",
)
if page.off_year_list:
    st.caption(
        f"Supported, but no longer in that year's LA list (for example after a reorganisation): "
        f"{as_text(', '.join(page.off_year_list))}."
    )

st.header(f"Map of support in {page.financial_year}")
if page.hexes.empty:
    st.info("The hex map layout is not loaded in this database.")
else:
    chart_with_table(
        chart(charts.hex_map_chart, page.hexes.chart_data),
        linked(page.hexes.table),
        page.hexes.summary,
        key="coverage_hexmap",
        chart_label="map of the LAs supported",
        file_stem="coverage_map",
        column_config=profile_column() if links else None,
        caption="LAs on the map",
        expander="LAs on the map as a table",
    )

st.header(f"Targeting LAs in greatest need ({page.financial_year})")
st.caption(
    "An LA was in greatest need if, when its support started, it was judged Inadequate or Requires "
    "improvement by Ofsted (ILACS, its inspection of local authority children's services), had a SEND "
    "Written Statement of Action (after an area SEND inspection finds significant weaknesses), or was "
    "flagged as declining."
)
if page.targeting.empty:
    st.info(as_text(page.targeting.summary))
else:
    chart_with_table(
        chart(charts.targeting_chart, page.targeting.chart_data),
        page.targeting.table,
        page.targeting.summary,
        key="coverage_targeting",
        chart_label="LAs supported by each contract, in greatest need or not",
        file_stem="targeting",
    )
    if not page.targeting_reasons.empty:
        with st.expander("Supported LAs in greatest need, and why"):
            data_table(page.targeting_reasons, "Supported LAs in greatest need, and why", wrap=True)

st.header(f"Priority LAs with no support in {page.financial_year}")
st.caption(
    "LAs judged Inadequate by Ofsted, or with a SEND Written Statement of Action, on the as-of date, "
    "that had no package active in the year under the contracts you chose."
)
if page.unsupported.empty:
    st.info(as_text(page.unsupported_summary))
else:
    chart_with_table(
        None,
        linked(page.unsupported),
        page.unsupported_summary,
        key="coverage_unsupported",
        file_stem="priority_las_without_support",
        table_expanded=True,
        column_config=profile_column() if links else None,
    )

st.header("Packages shorter than the contract's minimum")
st.caption(
    "One-to-one packages that have ended by the as-of date are checked against the contract's "
    "'Minimum package days' in the contract register. Packages below it are flagged, not rejected. A "
    "contract with no minimum set there is not checked."
    + (
        " Every year's packages are listed: the financial year filter does not narrow this list."
        if filters.financial_year
        else ""
    )
)
if page.short_packages.table.empty:
    st.info(as_text(page.short_packages.summary))
else:
    chart_with_table(
        None,
        page.short_packages.table,
        page.short_packages.summary,
        key="coverage_short_packages",
        file_stem="packages_below_minimum_days",
        table_expanded=True,
    )
