"""LA profile: one local authority's whole story on one page: every piece of support it had, what is
coming, its Ofsted judgements, its outcome indicators against its statistical neighbours, and the
comparison of its participants' KPIs with the region and England."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import outcomes_indicators as oi
from dashboard.access import aggregate_only, may_list_participant, unlisted_sentence
from dashboard.charts.outcomes import indicator_chart, indicator_long, timeline_chart
from dashboard.charts.timelines import adviser_days_chart
from dashboard.views import la_profile as lp
from dashboard.vocabulary import RELIABLE_FROM
from dashboard.wording import as_text, counted, long_date
from ui import cache, context
from ui.components import chart, chart_with_table, data_table, empty_state, table_with_downloads
from ui.data_currency import data_currency_notice
from ui.filters import Filters, choose, current_filters, filter_sidebar


@st.cache_resource(show_spinner="Working out the outcome indicators…", max_entries=32, ttl=3600)
def _outcomes(url: str, version: int, _indicators, number: str, name: str, region: str) -> dict:  # noqa: ARG001 - the cache's key
    """Per topic, each measure's table, chart lines and band and sentence for one LA; shared between
    viewers (reference data, no people), kept per indicators index (a refresh makes a new one)."""
    return {
        topic: [
            (
                measure,
                frame := oi.measure_table(_indicators, measure, number, name, region),
                *indicator_long(frame, name, f"{region} (region)"),
                oi.latest_sentence(_indicators, measure, number, name),
            )
            for measure in measures
        ]
        for topic, measures in _indicators.by_topic().items()
    }


viewer = context.page_viewer()
st.title("LA profile")
if aggregate_only(viewer):
    st.error("LA profiles are not part of the Board's view.")
    st.stop()

scope = Filters().scope(viewer)
data = context.oversight_data(scope)
filters = filter_sidebar(
    [],
    [],
    data.regions,
    {},
    show=("as_of",),
    not_narrowed_by=("contract", "fy", "region"),
    because="a profile shows the LA's whole history under every contract",
)
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
    "Local authority",
    codes,
    index=codes.index(default),
    format_func=options.get,
    key="la_profile_la",
    help="Type a name, GSS code (E08000014) or DfE code (343) to search. The LA you pick is also the local "
    "authority filter on the other pages.",
)
if la_code != default:
    # Picked here: the LA filter, so the URL names it (a profile can be bookmarked and sent) and it
    # stays. The LA the page starts on is not chosen for the user: it narrows no other page.
    choose("la", la_code)
page = cache.built(
    lp.build,
    data,
    lp.ProfileInputs(la_code, as_of),
    cache.DataKey(context.database_url(), scope, context.data_version()),
    spinner=False,
)
units, facts = page.units, page.facts  # a recoded council's whole history (``as_one_council``)
st.header(as_text(facts.name))
st.markdown(as_text(facts.sentence()))
left, middle, right = st.columns([2, 3, 2])  # "Requires improvement" whole, not cut short
left.metric("Region", facts.region)
middle.metric("ILACS judgement", facts.status["ILACS judgement"].split(" (")[0])
right.metric("In intervention", facts.status["In intervention"].split(" (")[0])
st.caption(f"Figures as of {long_date(as_of)}. An Ofsted judgement counts from the date Ofsted published it.")
in_view = sorted({unit.contract for unit in units if unit.la_code == la_code})
if in_view:  # the contracts that supported this LA
    data_currency_notice(data, as_of, in_view)


st.subheader("Support received")
timeline = page.timeline
chart_with_table(
    chart(timeline_chart, timeline, as_of),
    timeline,
    page.timeline_sentence,
    key="la_timeline",
    chart_label="support the LA received over time",
    file_stem=f"support_{la_code}",
    table_expanded=True,
)
st.caption(
    "Every package of support under any contract, and every 6-monthly intervention review due so far. "
    "Days delivered is the largest value on a package's rows (a group's days are not multiplied by its "
    "people). KPI outcome counts its participants' statuses (see the Methodology page)."
)

st.subheader("What is coming")
st.markdown(page.coming_sentence)
if not page.coming.empty:
    table_with_downloads(page.coming, f"What is coming for {facts.name}", "la_coming", f"coming_{la_code}")
st.caption(
    "Worked out as on the Timelines page: a review every 6 months for an LA in intervention, and a case "
    "report every 6 weeks from the improvement adviser call-offs that supported it, in the next 12 months."
)

st.subheader("Ofsted ILACS judgements")
judgements = page.judgements
if judgements.empty:
    empty_state("No ILACS judgement is recorded. ILACS began in January 2018.")
else:
    st.markdown(f"Latest: {lp.ilacs_headline(judgements)}. {counted(len(judgements), 'judgement')}, oldest first.")
    table_with_downloads(judgements, f"Ofsted ILACS judgements of {facts.name}", "la_ilacs", f"ilacs_{la_code}")

st.subheader("Status history")
st.caption(
    "ILACS is Ofsted's inspection of local authority children's services. A SEND WSoA is a Written "
    "Statement of Action the LA must produce after an area SEND inspection finds significant weaknesses. "
    "Declining means the Department flagged its performance as declining. From is the date the record "
    "counts from."
)
history = page.history
if history.empty:
    empty_state("No Ofsted judgement or LA status is recorded.")
else:
    st.markdown(
        f'{counted(len(history), "status record")}, oldest first. "Not recorded" means the record says '
        "nothing about that item (for example, a record of an Ofsted judgement alone)."
    )
    table_with_downloads(history, f"Ofsted ILACS and status history of {facts.name}", "la_history", f"status_{la_code}")

st.subheader("Participants' KPI status")
everyone = page.participants
st.markdown(as_text(page.participants_sentence))
listed = [unit for unit in units if unit.la_code == la_code and may_list_participant(viewer, unit)]
participants = lp.participant_table(listed, data.responses, la_code, as_of, data_to=page.data_to)
if len(participants) < len(everyone):
    st.caption(unlisted_sentence(len(everyone) - len(participants)))
if not participants.empty:
    st.caption("Participants are shown by their pseudonymous ID.")
    table_with_downloads(
        participants, f"Participants' KPI status in {facts.name}", "la_participants", f"participants_{la_code}"
    )

st.subheader("Improvement adviser days per month")
adviser = page.adviser
if adviser.empty:
    st.markdown(as_text(page.adviser_sentence))
else:
    st.caption(f"An improvement adviser call-off allows up to {lp.ADVISER_DAYS_PER_MONTH} days a month.")
    chart_with_table(
        chart(adviser_days_chart, adviser),
        adviser,
        page.adviser_sentence,
        key="la_adviser",
        chart_label="improvement adviser days per month",
        file_stem=f"adviser_days_{la_code}",
    )

st.subheader("Compared with the region and England")
comparison = page.comparison
st.markdown(as_text(page.comparison_sentence))
st.caption(
    "All contracts together. Rates are met / eligible (see the Methodology page). [u] marks a rate on "
    f"fewer than {RELIABLE_FROM} eligible participants. Packages per LA divides by the LAs that existed on "
    "the as-of date."
)
table_with_downloads(
    comparison, f"{facts.name} compared with the region and England", "la_comparison", f"comparison_{la_code}"
)

# ------------------------------------------------------------------ outcomes
indicators = context.indicators()
number = facts.dfe_code
neighbours = oi.neighbour_names(indicators, number)

st.subheader("Statistical neighbours")
if not neighbours:
    empty_state(f"DfE publishes no statistical neighbours for {facts.name}.")
else:
    neighbour_frame = lp.neighbour_table(neighbours, data.las, current_filters().as_of)
    st.markdown(
        f"DfE's 10 statistical neighbours of {as_text(facts.name)} (May 2025), closest first: "
        + ", ".join(
            f"[{as_text(row['Local authority'])}]({row['Profile']})"
            if pd.notna(row["Profile"])
            else as_text(row["Local authority"])
            for row in neighbour_frame.to_dict("records")
        )
        + "."
    )
    data_table(
        neighbour_frame,
        f"Statistical neighbours of {facts.name}",
        key="la_neighbours_table",
        column_config={"Profile": st.column_config.LinkColumn("Profile", display_text="Open profile")},
    )

st.subheader("Outcome indicators")
st.markdown(
    f"DfE's published figures (LAIT) for {facts.name} against the median and range of its statistical "
    f"neighbours, {facts.region} and England. Grey bands mark when {facts.name} had support. These figures "
    "describe the LA. They do not show what any support caused (see the Methodology page)."
)
search = st.text_input(
    "Search the measures",
    key="la_measure_search",
    placeholder="for example: turnover, re-referral, care leavers",
    help="Filters the measures by words in their name, topic or description.",
)
spans = pd.DataFrame(
    [
        {"From": start, "To": end, "Label": "support"}
        for start, end in oi.support_spans(
            (
                (row["Start"].date(), None if pd.isna(row["End"]) else row["End"].date())
                for row in timeline.to_dict("records")
                if row["What"] != lp.INTERVENTION_REVIEW_LABEL
            ),
            as_of,
        )
    ],
    columns=["From", "To", "Label"],
)
shown = 0
for topic, views in _outcomes(
    context.database_url(), context.reference_version(), indicators, number, facts.name, facts.region
).items():
    views = [view for view in views if view[0] in oi.matching([v[0] for v in views], search)]
    if not views:
        continue
    st.markdown(f"### {topic}")
    for measure, frame, lines, band, sentence in views:
        shown += 1
        st.markdown(
            f"**{measure.name}**"
            + (f" ({measure.unit})" if measure.unit else "")
            + {"High": ". Higher is better.", "Low": ". Lower is better."}.get(
                measure.polarity, ". Neither higher nor lower is better."
            )
        )
        chart_with_table(
            indicator_chart(lines, band, spans, facts.name, measure.unit),
            frame,
            sentence,
            key=f"la_measure_{measure.code}",
            chart_label=f"{measure.name}: the LA beside its statistical neighbours, region and England",
            file_stem=f"{measure.code}_{la_code}",
            caption=f"{measure.name}: {facts.name} beside its neighbours, region and England",
        )
if not shown:
    empty_state(f"No measure matches '{search}'.")
