"""LA profile: one local authority's status, support received, KPI statuses and comparison."""

from __future__ import annotations

import streamlit as st

from dashboard import la_profile as lp
from dashboard.currency import data_to_dates
from dashboard.access import aggregate_only, may_list_participant, unlisted_sentence
from dashboard.charts.timelines import adviser_days_chart
from dashboard.wording import as_text, counted
from ui import context
from ui.components import chart, chart_with_table, data_table, download_buttons, empty_state
from ui.data_currency import data_currency_notice
from ui.filters import Filters, choose, current_filters, filter_sidebar


viewer = context.page_viewer()
st.title("LA profile")
if aggregate_only(viewer):
    st.error("LA profiles are not part of the Board's view.")
    st.stop()

data = context.oversight_data(Filters().scope(viewer))
filters = filter_sidebar([], [], data.regions, {}, show=("as_of",), not_narrowed_by=("contract", "fy", "region"),
                         because="a profile shows the LA's whole history under every contract")
as_of = filters.as_of_date
options = lp.la_options(data.las, as_of)
if not options:
    empty_state("The LA reference list is empty.")
    st.stop()

codes = list(options)
wanted = current_filters().la
with_support = sorted({unit.la_code for unit in data.units}, key=lambda code: options.get(code, code))
# The LA filter (the URL's LA), else the viewer's own LA, else the first LA with support.
candidates = [wanted, *viewer.la_codes, *with_support, codes[0]]
default = next(code for code in candidates if code in options)
la_code = st.selectbox(
    "Local authority", codes, index=codes.index(default), format_func=options.get, key="la_profile_la",
    help="Type a name, GSS code (E08000014) or DfE code (343) to search. The LA you pick is also the local "
         "authority filter on the other pages.",
)
if la_code != default:
    # Picked here: the LA filter, so the URL names it (a profile can be bookmarked and sent) and it
    # stays. The LA the page starts on is not chosen for the user: it narrows no other page.
    choose("la", la_code)
units, statuses = lp.as_one_council(data.units, data.statuses, la_code, data.las)  # a recoded council's history

facts = lp.facts(la_code, data.las, data.regions, statuses, as_of)
st.header(as_text(facts.name))
st.markdown(as_text(facts.sentence()))
left, middle, right = st.columns(3)
left.metric("Region", facts.region)
middle.metric("ILACS judgement", facts.status["ILACS judgement"].split(" (")[0])
right.metric("In intervention", facts.status["In intervention"].split(" (")[0])
st.caption(f"As of {as_of:%d %B %Y}.")
in_view = sorted({unit.contract for unit in units if unit.la_code == la_code})
if in_view:  # the contracts that supported this LA
    data_currency_notice(data, as_of, in_view)
data_to = data_to_dates(data.contracts, data.returns, as_of)


def table(frame, alt: str, key: str, file_stem: str) -> None:
    data_table(frame, alt, key=f"{key}_table")
    if not frame.empty:
        download_buttons({file_stem[:31]: frame}, file_stem, key=key)


st.subheader("Ofsted ILACS and status history")
st.caption("ILACS: Ofsted's inspection of local authority children's services. SEND WSoA: a Written Statement of "
           "Action the LA must produce after an area SEND inspection finds significant weaknesses. Declining: "
           "flagged by the Department as declining performance.")
history = lp.status_history(statuses, la_code, as_of)
if history.empty:
    empty_state("No Ofsted judgement or LA status recorded.")
else:
    st.markdown(f"{counted(len(history), 'status record')}, oldest first; "
                "\"not recorded\" means the record says nothing "
                "about that item (an Ofsted judgement alone, for instance).")
    table(history, f"Ofsted ILACS and status history of {facts.name}", "la_history", f"status_{la_code}")

st.subheader("Packages of support")
packages = lp.packages_table(units, la_code, as_of)
st.markdown(as_text(lp.packages_sentence(packages, facts.name)))
if not packages.empty:
    table(packages, f"Packages of support in {facts.name}", "la_packages", f"packages_{la_code}")

st.subheader("Participants' KPI status")
everyone = lp.participant_table(units, data.responses, la_code, as_of, data_to=data_to)
st.markdown(as_text(lp.participant_sentence(everyone)))
listed = [unit for unit in units if unit.la_code == la_code and may_list_participant(viewer, unit)]
participants = lp.participant_table(listed, data.responses, la_code, as_of, data_to=data_to)
if len(participants) < len(everyone):
    st.caption(unlisted_sentence(len(everyone) - len(participants)))
if not participants.empty:
    st.caption("Participants are shown by their pseudonymous ID.")
    table(participants, f"Participants' KPI status in {facts.name}", "la_participants", f"participants_{la_code}")

st.subheader("Improvement adviser days per month")
adviser = lp.adviser_days_by_month(data.contracts, units, data.invoice_lines, la_code, as_of)
if adviser.empty:
    st.markdown(as_text(lp.adviser_sentence(adviser)))
else:
    st.caption(f"An improvement adviser call-off allows up to {lp.ADVISER_DAYS_PER_MONTH} days a month.")
    chart_with_table(chart(adviser_days_chart, adviser), adviser, lp.adviser_sentence(adviser), key="la_adviser",
                     file_stem=f"adviser_days_{la_code}")

st.subheader("Compared with the region and England")
comparison = lp.comparison_table(units, data.responses, data.las, data.regions, la_code, as_of, data_to)
st.markdown(as_text(lp.comparison_sentence(comparison)))
st.caption("All contracts together. Rates are met / eligible (see the Methodology page); [u] marks a rate on fewer than 5 eligible "
           "participants; packages per LA divides by the LAs that existed on the as-of date.")
table(comparison, f"{facts.name} compared with the region and England", "la_comparison", f"comparison_{la_code}")
