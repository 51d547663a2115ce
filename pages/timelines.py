"""Timelines: contracts on a Gantt chart, milestones, obligations, deadlines and contracts ending."""

from __future__ import annotations

import streamlit as st

from dashboard.views import timelines as tv
from dashboard.charts.timelines import gantt_chart
from dashboard.timelines import (
    CASE_REPORT_EVERY,
    DAYS_AFTER_QUARTER_END,
    DUE_SOON_DAYS,
    INTERVENTION_REVIEW_MONTHS,
    PROJECTED_MONTHS,
)
from dashboard.vocabulary import in_words
from dashboard.wording import as_text
from ui import cache, context
from ui.components import chart, chart_with_table, data_table, download_buttons, empty_state
from ui.data_currency import data_currency_notice
from ui.filters import Filters, filter_sidebar, showing


viewer = context.page_viewer()
scope = Filters().scope(viewer)
data = context.oversight_data(scope)
filters = filter_sidebar([c.reference for c in data.contracts], [], data.regions, {}, show=("contract", "as_of"),
                         not_narrowed_by=("fy", "region", "la"),
                         because="it shows whole contracts' dates, and the reviews of every LA in intervention")
as_of = filters.as_of_date

st.title("Timelines")
showing(filters, data.regions, {}, narrowing=("contract", "as_of"))
st.caption(f"As of {as_of:%d %B %Y}. Milestone status is written in words and shown by shape: "
           f"done (circle), done late (square, with the days late), due soon (triangle, within {DUE_SOON_DAYS} days), "
           "overdue (cross), upcoming (diamond).")
if not data.contracts:
    empty_state("No contracts to show yet. Import a contract register first.")
    st.stop()
data_currency_notice(data, as_of, [filters.contract] if filters.contract else None)


def table(frame, alt: str, key: str, file_stem: str) -> None:
    data_table(frame, alt, key=f"{key}_table")
    if not frame.empty:
        download_buttons({file_stem[:31]: frame}, file_stem, key=key)


page = cache.built(tv.build, data, tv.TimelinesInputs(as_of, filters.contract),
                   cache.DataKey(context.database_url(), scope, context.data_version()))

st.header("Contracts")
chart_with_table(chart(gantt_chart, page.contracts, page.milestones, as_of), page.contracts, page.contracts_sentence,
                 key="timelines_gantt", file_stem="contracts_timeline")

st.header("Milestones")
st.markdown(as_text(page.milestones_sentence))
table(page.milestones, "Milestones", "timelines_milestones", "milestones")

st.header(f"Deadlines in the next {tv.DEADLINE_DAYS} days")
st.markdown(as_text(page.deadlines_sentence))
table(page.deadlines, f"Deadlines in the next {tv.DEADLINE_DAYS} days", "timelines_deadlines", "deadlines")

st.header("Extension and break decisions")
st.caption(
    "An extension decision is due the contract register's extension notice before the end date, where the register "
    "gives an extension option and a notice period; a break date is a decision of its own. A decision is overdue once "
    "passed, unless invoices, returns or milestones after the end date show the extension in use."
)
st.markdown(page.decisions_sentence)
if not page.decisions.empty:
    table(page.decisions, "Extension and break decisions", "timelines_decisions", "decisions")

st.header(f"Contracts ending within {tv.ENDING_MONTHS} months")
st.markdown(as_text(page.ending_sentence))
if not page.ending.empty:
    table(page.ending, f"Contracts ending within {tv.ENDING_MONTHS} months", "timelines_ending", "contracts_ending")

st.header("Recurring obligations")
st.caption(
    f"Derived from the contracts: a quarterly progress report and invoice due {DAYS_AFTER_QUARTER_END} days after "
    f"each quarter end; {in_words(CASE_REPORT_EVERY.days // 7)}-weekly case reports for improvement adviser "
    f"call-offs; and a review every {in_words(INTERVENTION_REVIEW_MONTHS)} months for each LA in "
    f"intervention (from the date of its LA status record, for at most {PROJECTED_MONTHS} months after the LA's "
    "latest status "
    "record). Shown from 90 days before to a year after the as-of "
    "date; periods after a contract's current end date are due only if it is extended (unless invoices or "
    "milestones after that date show it running on its extension). A report the register lists as a milestone "
    "due the same day is shown under Milestones instead; an invoice says when one billing its quarter was received."
)
for sentence in page.stale_interventions:
    st.markdown(sentence)
if page.obligations.empty:
    empty_state("No obligations fall in this window.")
else:
    table(page.obligations, "Recurring obligations", "timelines_obligations", "obligations")
