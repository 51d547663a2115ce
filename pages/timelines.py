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
from dashboard.wording import as_text
from ui import context
from ui.components import chart, chart_with_table, data_table, download_buttons, empty_state
from ui.data_currency import data_currency_notice
from ui.filters import Filters, filter_sidebar, showing


viewer = context.page_viewer()
data = context.oversight_data(Filters().scope(viewer))
filters = filter_sidebar([c.reference for c in data.contracts], [], data.regions, {}, show=("contract", "as_of"),
                         not_narrowed_by=("fy", "region", "la"),
                         because="it shows whole contracts' dates, and the reviews of every LA in intervention")
as_of = filters.as_of_date
la_names = {la.code: la.name for la in data.las}

st.title("Timelines")
showing(filters, data.regions, {}, narrowing=("contract", "as_of"))
if data.contracts:  # the answer first
    milestones = tv.milestone_table(data.milestones, as_of, filters.contract)
    decisions = tv.decision_table(data.contracts, as_of, filters.contract, milestones=data.milestones,
                                  invoice_lines=data.invoice_lines, returns=data.returns)
    st.markdown(as_text(tv.overdue_answer(milestones, decisions)))
st.caption(f"Figures as of {as_of:%d %B %Y}. Each milestone's status is in words and shown by a shape: "
           f"done (circle), done late (square, with the days late), due soon (triangle, within {DUE_SOON_DAYS} days), "
           "overdue (cross) and upcoming (diamond).")
if not data.contracts:
    empty_state("There are no contracts to show yet. Import a contract register first.")
    st.stop()
data_currency_notice(data, as_of, [filters.contract] if filters.contract else None)


def table(frame, alt: str, key: str, file_stem: str) -> None:
    data_table(frame, alt, key=f"{key}_table")
    if not frame.empty:
        download_buttons({file_stem[:31]: frame}, file_stem, key=key)


st.header("Contracts")
contracts = tv.gantt_table(data.contracts, as_of, filters.contract)
chart_with_table(chart(gantt_chart, contracts, milestones, as_of), contracts, tv.gantt_sentence(contracts, as_of),
                 key="timelines_gantt", file_stem="contracts_timeline")

st.header("Milestones")
st.markdown(as_text(tv.milestone_sentence(milestones)))
table(milestones, "Milestones", "timelines_milestones", "milestones")

st.header(f"Deadlines in the next {tv.DEADLINE_DAYS} days")
deadlines = tv.deadline_table(data.contracts, data.milestones, data.statuses, la_names, as_of, filters.contract,
                              invoice_lines=data.invoice_lines, returns=data.returns)
st.markdown(as_text(tv.deadline_sentence(deadlines, as_of)))
table(deadlines, f"Deadlines in the next {tv.DEADLINE_DAYS} days", "timelines_deadlines", "deadlines")

st.header("Extension and break decisions")
st.caption(
    "Where the contract register gives an extension option and a notice period, the extension decision is due that "
    "notice before the end date. A break date is a decision of its own. A decision is overdue once its date has "
    "passed, unless invoices, returns or milestones after the end date show the extension in use."
)
st.markdown(tv.decision_sentence(decisions))
if not decisions.empty:
    table(decisions, "Extension and break decisions", "timelines_decisions", "decisions")

st.header(f"Contracts ending within {tv.ENDING_MONTHS} months")
ending = tv.ending_table(data.contracts, as_of, filters.contract)
st.markdown(as_text(tv.ending_sentence(ending, as_of)))
if not ending.empty:
    table(ending, f"Contracts ending within {tv.ENDING_MONTHS} months", "timelines_ending", "contracts_ending")

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
if filters.contract is None:
    for sentence in tv.stale_intervention_sentences(data.statuses, la_names, as_of):
        st.markdown(sentence)
obligations = tv.obligation_table(data.contracts, data.statuses, la_names, as_of, filters.contract,
                                  milestones=data.milestones, invoice_lines=data.invoice_lines)
if obligations.empty:
    empty_state("No obligations fall due in this period.")
else:
    table(obligations, "Recurring obligations", "timelines_obligations", "obligations")
