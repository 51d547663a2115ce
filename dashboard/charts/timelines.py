"""Timeline charts: a Gantt of contracts with break dates and milestones (pure builders).

Contract term is a solid bar; the extension option a lighter bar after it;
a break date a black vertical tick labelled "break"; milestones are points
whose status is shown by shape and by a text label as well as by colour
(done: filled circle; due soon: triangle; overdue: cross; upcoming: hollow
diamond). A dashed rule marks the as-of date.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

import altair as alt
import pandas as pd

from dashboard.charts import FONT, OKABE_ITO, READABLE_TEXT, Spec, with_data
from dashboard.wording import short_date

STATUS_ORDER = ["Done", "Done late", "Due soon", "Overdue", "Upcoming"]
STATUS_SHAPES = ["circle", "square", "triangle-up", "cross", "diamond"]
STATUS_COLOURS = [
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["blue"],
]
TERM_COLOUR = OKABE_ITO["blue"]
EXTENSION_COLOUR = OKABE_ITO["sky_blue"]


LABEL_GAP_SHARE = 1 / 12  # labels closer than this share of the time axis would overlap: they are merged
ABOVE, BELOW = "above", "below"  # overdue and upcoming are labelled above the bar, due soon below


def time_span(contracts: pd.DataFrame, milestones: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last date the chart must show: contract starts, ends, extensions, breaks and milestones."""
    dates = pd.concat(
        [contracts[column] for column in ("Start", "End", "Latest end (with extensions)", "Break date")]
        + ([milestones["Due"]] if not milestones.empty else [])
    ).dropna()
    return dates.min(), dates.max()


def milestone_labels(milestones: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """One label per run of milestones too close to label apart on one contract's bar ("2 overdue",
    "overdue, upcoming"), at the run's first milestone; done milestones are not labelled."""
    gap = (last - first) * LABEL_GAP_SHARE
    rows = []
    for position, statuses in ((ABOVE, ("Overdue", "Upcoming")), (BELOW, ("Due soon",))):
        shown = milestones[milestones["Status"].isin(statuses)].sort_values(["Contract", "Due"])
        for contract, points in shown.groupby("Contract", sort=False):
            runs: list[list[Any]] = []  # rows of ``itertuples``
            for point in points.itertuples():
                if runs and point.Due - runs[-1][-1].Due < gap:
                    runs[-1].append(point)
                else:
                    runs.append([point])
            for run in runs:
                counts = pd.Series([p.Status.lower() for p in run]).value_counts(sort=False)
                label = (
                    f"{counts.iloc[0]} {counts.index[0]}"
                    if len(counts) == 1 and len(run) > 1
                    else ", ".join(counts.index)
                )
                rows.append({"Contract": contract, "Due": run[0].Due, "Label": label, "Position": position})
    return pd.DataFrame(rows, columns=["Contract", "Due", "Label", "Position"])


AFTER, BEFORE, WITHIN = "after", "before", "within"  # where the as-of date lies against the dates shown


PERIODS, BREAKS, POINTS, ABOVE_LABELS, BELOW_LABELS, AS_OF = (
    "periods",
    "breaks",
    "milestones",
    "labels_above",
    "labels_below",
    "as_of",
)  # the names the Gantt's data go by


def gantt_chart(contracts: pd.DataFrame, milestones: pd.DataFrame, as_of: date) -> Spec | None:
    """Contracts as bars (term, then extension option), break dates as ticks, milestones as shapes.

    The time axis runs over the contracts' and milestones' dates; an as-of date outside them is
    written at the edge it lies beyond instead of stretching the axis. Returns the Vega-Lite spec:
    its layout is built once for each set of layers (``charts.with_data``), then given the data,
    the contracts' order, the time axis and the height."""
    if contracts.empty:
        return None
    order = list(contracts["Contract"])
    first, last = time_span(contracts, milestones)
    margin = (last - first) * 0.02
    shown_from, shown_to = min(first - margin, pd.Timestamp(as_of)), max(last + margin, pd.Timestamp(as_of))
    if pd.Timestamp(as_of) > last + (last - first) * 0.1:
        shown_to = last + margin
    if pd.Timestamp(as_of) < first - (last - first) * 0.1:
        shown_from = first - margin
    periods = pd.concat(
        [
            contracts.assign(From=contracts["Start"], To=contracts["End"], Period="Contract term"),
            contracts[contracts["Latest end (with extensions)"] > contracts["End"]].assign(
                From=lambda f: f["End"], To=lambda f: f["Latest end (with extensions)"], Period="Extension option"
            ),
        ],
        ignore_index=True,
    )
    breaks = contracts.dropna(subset=["Break date"])
    placed, marker = _as_of_marker(as_of, shown_from, shown_to)
    spec = with_data(
        _gantt_layout(not breaks.empty, not milestones.empty, placed),
        PERIODS,
        periods,
        height=max(140, 80 * len(order)),
    )
    spec["datasets"][AS_OF] = marker
    if not breaks.empty:
        spec["datasets"][BREAKS] = breaks
    if not milestones.empty:
        labels = milestone_labels(milestones, first, last)
        spec["datasets"][POINTS] = milestones
        spec["datasets"][ABOVE_LABELS] = labels[labels["Position"] == ABOVE]
        spec["datasets"][BELOW_LABELS] = labels[labels["Position"] == BELOW]
    for layer in spec["layer"]:
        if "y" in layer["encoding"]:
            layer["encoding"]["y"]["sort"] = order
    spec["layer"][0]["encoding"]["x"]["scale"] = {"domain": [shown_from.isoformat(), shown_to.isoformat()]}
    return spec


@lru_cache(maxsize=12)
def _gantt_layout(with_breaks: bool, with_milestones: bool, as_of_placed: str) -> Spec:
    """The Gantt's layers over named datasets (see ``gantt_chart``); ``as_of_placed``: where the
    as-of date is marked (``_as_of_marker``)."""
    y = alt.Y("Contract:N", title=None, axis=alt.Axis(labelLimit=220))
    bars = (
        alt.Chart(alt.NamedData(PERIODS))
        .mark_bar(height=18, cornerRadius=2)
        .encode(
            x=alt.X("From:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, grid=True)),
            x2="To:T",
            y=y,
            color=alt.Color(
                "Period:N",
                scale=alt.Scale(domain=["Contract term", "Extension option"], range=[TERM_COLOUR, EXTENSION_COLOUR]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[
                "Contract:N",
                "Title:N",
                "Period:N",
                alt.Tooltip("From:T", format="%d %b %Y"),
                alt.Tooltip("To:T", format="%d %b %Y"),
            ],
        )
    )
    layers = [bars]
    if with_breaks:
        layers += [
            alt.Chart(alt.NamedData(BREAKS))
            .mark_tick(thickness=3, size=30, color=OKABE_ITO["black"])
            .encode(
                x="Break date:T",
                y=y,
                tooltip=["Contract:N", alt.Tooltip("Break date:T", format="%d %b %Y")],
            ),
            alt.Chart(alt.NamedData(BREAKS))
            .mark_text(dy=-19, fontSize=11, color=OKABE_ITO["black"])
            .encode(
                x="Break date:T",
                y=y,
                text=alt.value("break"),
            ),
        ]
    if with_milestones:
        shape = alt.Shape(
            "Status:N",
            scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_SHAPES),
            legend=alt.Legend(title="Milestone", orient="top"),
        )
        colour = alt.Color(
            "Status:N",
            scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLOURS),
            legend=alt.Legend(title="Milestone", orient="top"),
        )
        layers += [
            alt.Chart(alt.NamedData(POINTS))
            .mark_point(size=140, filled=True, stroke="black", strokeWidth=1, yOffset=0)
            .encode(
                x="Due:T",
                y=y,
                shape=shape,
                color=colour,
                tooltip=["Contract:N", "Milestone:N", "Status:N", alt.Tooltip("Due:T", format="%d %b %Y")],
            ),
            alt.Chart(alt.NamedData(ABOVE_LABELS))
            .mark_text(dy=-17, fontSize=11)
            .encode(x="Due:T", y=y, text="Label:N"),
            alt.Chart(alt.NamedData(BELOW_LABELS)).mark_text(dy=19, fontSize=11).encode(x="Due:T", y=y, text="Label:N"),
        ]
    grey = OKABE_ITO["grey"]
    marker = alt.Chart(alt.NamedData(AS_OF)).encode(x="Date:T", text="Label:N")
    if as_of_placed == AFTER:
        layers.append(marker.mark_text(align="right", dx=-2, y=4, baseline="top", color=grey))
    elif as_of_placed == BEFORE:
        layers.append(marker.mark_text(align="left", dx=2, y=4, baseline="top", color=grey))
    else:
        layers += [
            alt.Chart(alt.NamedData(AS_OF)).mark_rule(strokeDash=[4, 4], color=grey).encode(x="Date:T"),
            marker.mark_text(align="left", dx=4, y=4, baseline="top", color=grey),
        ]
    layout: Spec = (
        alt.layer(*layers)
        .resolve_scale(color="independent", shape="independent")
        .configure(font=FONT)
        .configure_axis(labelFontSize=12, **READABLE_TEXT)
        .configure_legend(labelFontSize=12, **READABLE_TEXT)
        .to_dict()
    )
    return layout


def _as_of_marker(as_of: date, shown_from: pd.Timestamp, shown_to: pd.Timestamp) -> tuple[str, pd.DataFrame]:
    """Where the as-of date is marked and its label: a dashed rule at the date, or, when it lies
    beyond the dates shown, a note at that edge."""
    when = pd.Timestamp(as_of)
    if when > shown_to:
        return AFTER, pd.DataFrame(
            {"Date": [shown_to], "Label": [f"as of {short_date(as_of)}, after every date shown →"]}
        )
    if when < shown_from:
        return BEFORE, pd.DataFrame(
            {"Date": [shown_from], "Label": [f"← as of {short_date(as_of)}, before every date shown"]}
        )
    return WITHIN, pd.DataFrame({"Date": [when], "Label": [f"as of {short_date(as_of)}"]})


def adviser_days_chart(table: pd.DataFrame) -> alt.LayerChart | None:
    """Improvement adviser days per month as bars against the 4-day limit (dashed rule, labelled)."""
    if table.empty:
        return None
    over = alt.Scale(domain=["No", "Yes"], range=[OKABE_ITO["blue"], OKABE_ITO["vermillion"]])
    bars = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(Month):O", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-45)),
            y=alt.Y("Days:Q", title="Days in the month"),
            color=alt.Color("Over the limit:N", scale=over, legend=alt.Legend(orient="top")),
            tooltip=["Contract", alt.Tooltip("Month:T", format="%B %Y"), "Days", "Over the limit", "Source"],
        )
    )
    labels = (
        alt.Chart(table[table["Over the limit"] == "Yes"])
        .mark_text(dy=-6)
        .encode(
            x="yearmonth(Month):O",
            y="Days:Q",
            text=alt.value("over"),
        )
    )
    limit = (
        alt.Chart(table.head(1))
        .mark_rule(strokeDash=[4, 3], strokeWidth=2, color=OKABE_ITO["black"])
        .encode(y="Limit:Q")
    )
    limit_label = (
        alt.Chart(table.head(1))
        .mark_text(align="left", x=4, dy=-7)
        .encode(y="Limit:Q", text=alt.value("limit: 4 days a month"))
    )
    chart: alt.LayerChart = (
        alt.layer(bars, labels, limit, limit_label)
        .properties(height=220)
        .configure(font=FONT)
        .configure_axis(**READABLE_TEXT)
    )
    return chart
