"""Timelines: contracts on a Gantt chart, milestones, obligations, deadlines and contracts ending."""

from __future__ import annotations

import streamlit as st

from dashboard.charts.timelines import gantt_chart
from dashboard.timelines import (
    CASE_REPORT_EVERY,
    DAYS_AFTER_QUARTER_END,
    DUE_SOON_DAYS,
    INTERVENTION_REVIEW_MONTHS,
    PROJECTED_MONTHS,
)
from dashboard.views import timelines as tv
from dashboard.wording import as_text, long_date
from ui import cache, context
from ui.components import chart, chart_with_table, empty_state, table_with_downloads
from ui.data_currency import data_currency_notice
from ui.filters import Filters, filter_sidebar, showing

viewer = context.page_viewer()
scope = Filters().scope(viewer)
data = context.oversight_data(scope)
filters = filter_sidebar(
    [c.reference for c in data.contracts],
    [],
    data.regions,
    {},
    show=("contract", "as_of"),
    not_narrowed_by=("fy", "region", "la"),
    because="it shows whole contracts' dates, and the reviews of every LA in intervention",
)
as_of = filters.as_of_date

st.title("Timelines")
showing(filters, data.regions, {}, narrowing=("contract", "as_of"))
page = None
if data.contracts:  # the answer first
    page = cache.built(
        tv.build,
        data,
        tv.TimelinesInputs(as_of, filters.contract),
        cache.DataKey(context.database_url(), scope, context.data_version()),
    )
    st.markdown(as_text(tv.overdue_answer(page.milestones, page.decisions)))
st.caption(
    f"Figures as of {long_date(as_of)}. Each milestone's status is in words and shown by a shape: "
    f"done (circle), done late (square, with the days late), due soon (triangle, within {DUE_SOON_DAYS} days), "
    "overdue (cross) and upcoming (diamond)."
)
if page is None:
    empty_state("There are no contracts to show yet. Import a contract register first.")
    st.stop()
data_currency_notice(data, as_of, [filters.contract] if filters.contract else None)


st.header("Contracts")
chart_with_table(
    chart(gantt_chart, page.contracts, page.milestones, as_of),
    page.contracts,
    page.contracts_sentence,
    key="timelines_gantt",
    chart_label="each contract's term, extension option and milestones",
    file_stem="contracts_timeline",
)

st.header("Milestones")
st.markdown(as_text(page.milestones_sentence))
table_with_downloads(page.milestones, "Milestones", "timelines_milestones", "milestones")

st.header(f"Deadlines in the next {tv.DEADLINE_DAYS} days")
st.markdown(as_text(page.deadlines_sentence))
table_with_downloads(
    page.deadlines, f"Deadlines in the next {tv.DEADLINE_DAYS} days", "timelines_deadlines", "deadlines"
)

st.header("Extension and break decisions")
st.caption(
    "Where the contract register gives an extension option and a notice period, the extension decision is due that "
    "notice before the end date. A break date is a decision of its own. A decision is overdue once its date has "
    "passed, unless invoices, returns or milestones after the end date show the extension in use."
)
st.markdown(as_text(page.decisions_sentence))
if not page.decisions.empty:
    table_with_downloads(page.decisions, "Extension and break decisions", "timelines_decisions", "decisions")

st.header(f"Contracts ending within {tv.ENDING_MONTHS} months")
st.markdown(as_text(page.ending_sentence))
if not page.ending.empty:
    table_with_downloads(
        page.ending, f"Contracts ending within {tv.ENDING_MONTHS} months", "timelines_ending", "contracts_ending"
    )

st.header("Recurring obligations")
st.caption(
    f"Worked out from the contracts. A quarterly progress report and invoice are due {DAYS_AFTER_QUARTER_END} days "
    f"after the end of each quarter. Improvement adviser call-offs owe a case report every "
    f"{CASE_REPORT_EVERY.days // 7} weeks. Each LA in intervention has a review every {INTERVENTION_REVIEW_MONTHS} "
    f"months from the date of its LA status record, for at most {PROJECTED_MONTHS} months after its latest record. "
    "The list runs from 90 days before to a year after the as-of date. Periods after a contract's current end "
    "date are due only if it is extended, unless invoices or milestones after that date show it running on its "
    "extension. A report the register lists as a milestone due the same day is shown under Milestones instead. "
    "An invoice says when one billing its quarter was received."
)
for sentence in page.stale_interventions:
    st.markdown(as_text(sentence))
if page.obligations.empty:
    empty_state("No obligations fall due in this period.")
else:
    table_with_downloads(page.obligations, "Recurring obligations", "timelines_obligations", "obligations")
