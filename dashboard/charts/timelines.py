"""Timeline charts: a Gantt of contracts with break dates and milestones (pure builders).

Contract term is a solid bar; the extension option a lighter bar after it;
a break date a black vertical tick labelled "break"; milestones are points
whose status is shown by shape and by a text label as well as by colour
(done: filled circle; due soon: triangle; overdue: cross; upcoming: hollow
diamond). A dashed rule marks the as-of date.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from dashboard.charts import FONT, OKABE_ITO, READABLE_TEXT

STATUS_ORDER = ["Done", "Due soon", "Overdue", "Upcoming"]
STATUS_SHAPES = ["circle", "triangle-up", "cross", "diamond"]
STATUS_COLOURS = [OKABE_ITO["bluish_green"], OKABE_ITO["orange"], OKABE_ITO["vermillion"], OKABE_ITO["blue"]]
TERM_COLOUR = OKABE_ITO["blue"]
EXTENSION_COLOUR = OKABE_ITO["sky_blue"]


def gantt_chart(contracts: pd.DataFrame, milestones: pd.DataFrame, as_of: date):
    """Contracts as bars (term, then extension option), break dates as ticks, milestones as shapes."""
    if contracts.empty:
        return None
    order = list(contracts["Contract"])
    y = alt.Y("Contract:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    periods = pd.concat(
        [
            contracts.assign(From=contracts["Start"], To=contracts["End"], Period="Contract term"),
            contracts[contracts["Latest end (with extensions)"] > contracts["End"]].assign(
                From=lambda f: f["End"], To=lambda f: f["Latest end (with extensions)"], Period="Extension option"
            ),
        ],
        ignore_index=True,
    )
    bars = alt.Chart(periods).mark_bar(height=18, cornerRadius=2).encode(
        x=alt.X("From:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, grid=True)),
        x2="To:T",
        y=y,
        color=alt.Color(
            "Period:N",
            scale=alt.Scale(domain=["Contract term", "Extension option"], range=[TERM_COLOUR, EXTENSION_COLOUR]),
            legend=alt.Legend(title=None, orient="top"),
        ),
        tooltip=["Contract", "Title", "Period", alt.Tooltip("From:T", format="%d %b %Y"),
                 alt.Tooltip("To:T", format="%d %b %Y")],
    )
    breaks = contracts.dropna(subset=["Break date"])
    layers = [bars]
    if not breaks.empty:
        layers += [
            alt.Chart(breaks).mark_tick(thickness=3, size=30, color=OKABE_ITO["black"]).encode(
                x="Break date:T", y=y, tooltip=["Contract", alt.Tooltip("Break date:T", format="%d %b %Y")],
            ),
            alt.Chart(breaks).mark_text(dy=-19, fontSize=11, color=OKABE_ITO["black"]).encode(
                x="Break date:T", y=y, text=alt.value("break"),
            ),
        ]
    if not milestones.empty:
        points = milestones.assign(Label=milestones["Status"].str.lower())
        shape = alt.Shape("Status:N", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_SHAPES),
                          legend=alt.Legend(title="Milestone", orient="top"))
        colour = alt.Color("Status:N", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLOURS),
                           legend=alt.Legend(title="Milestone", orient="top"))
        layers += [
            alt.Chart(points).mark_point(size=140, filled=True, stroke="black", strokeWidth=1, yOffset=0).encode(
                x="Due:T", y=y, shape=shape, color=colour,
                tooltip=["Contract", "Milestone", "Status", alt.Tooltip("Due:T", format="%d %b %Y")],
            ),
            alt.Chart(points[points["Status"].isin(["Overdue", "Upcoming"])]).mark_text(dy=-17, fontSize=11).encode(
                x="Due:T", y=y, text="Label:N",
            ),
            alt.Chart(points[points["Status"] == "Due soon"]).mark_text(dy=19, fontSize=11).encode(
                x="Due:T", y=y, text="Label:N",
            ),
        ]
    today = pd.DataFrame({"Date": [pd.Timestamp(as_of)], "Label": [f"as of {as_of:%d %b %Y}"]})
    layers += [
        alt.Chart(today).mark_rule(strokeDash=[4, 4], color=OKABE_ITO["grey"]).encode(x="Date:T"),
        alt.Chart(today).mark_text(align="left", dx=4, y=4, baseline="top", color=OKABE_ITO["grey"]).encode(
            x="Date:T", text="Label:N"
        ),
    ]
    height = max(140, 80 * len(order))
    return (
        alt.layer(*layers).properties(height=height).resolve_scale(color="independent", shape="independent")
        .configure(font=FONT).configure_axis(labelFontSize=12, **READABLE_TEXT)
        .configure_legend(labelFontSize=12, **READABLE_TEXT)
    )


def adviser_days_chart(table: pd.DataFrame):
    """Improvement adviser days per month as bars against the 4-day limit (dashed rule, labelled)."""
    if table.empty:
        return None
    over = alt.Scale(domain=["No", "Yes"], range=[OKABE_ITO["blue"], OKABE_ITO["vermillion"]])
    bars = alt.Chart(table).mark_bar().encode(
        x=alt.X("yearmonth(Month):O", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-45)),
        y=alt.Y("Days:Q", title="Days in the month"),
        color=alt.Color("Over the limit:N", scale=over, legend=alt.Legend(orient="top")),
        tooltip=["Contract", alt.Tooltip("Month:T", format="%B %Y"), "Days", "Over the limit", "Source"],
    )
    labels = alt.Chart(table[table["Over the limit"] == "Yes"]).mark_text(dy=-6).encode(
        x="yearmonth(Month):O", y="Days:Q", text=alt.value("over"),
    )
    limit = alt.Chart(table.head(1)).mark_rule(strokeDash=[4, 3], strokeWidth=2, color=OKABE_ITO["black"]).encode(
        y="Limit:Q")
    limit_label = alt.Chart(table.head(1)).mark_text(align="left", x=4, dy=-7).encode(
        y="Limit:Q", text=alt.value("limit: 4 days a month"))
    return alt.layer(bars, labels, limit, limit_label).properties(height=220).configure(font=FONT).configure_axis(
        **READABLE_TEXT)
