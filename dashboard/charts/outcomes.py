"""Outcome indicator charts: an LA's LAIT measure beside its statistical neighbours, region and England."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.charts import FONT, OKABE_ITO, READABLE_TEXT

SUPPORT_SHADE = "#d0d4d8"


def indicator_long(table: pd.DataFrame, la_name: str, region_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lines (LA, neighbours' median, region, England) as a long table, and the neighbours'
    range per year, from ``outcomes_indicators.measure_table``."""
    series = {la_name: la_name, "Neighbours' median": "Neighbours' median", region_column: region_column,
              "England": "England"}
    rows = []
    for record in table.to_dict("records"):
        year = int(str(record["Year"])[:4])
        for column, label in series.items():
            if column in record and pd.notna(record[column]):
                rows.append({"Year": year, "Area": label, "Value": float(record[column])})
    lines = pd.DataFrame(rows, columns=["Year", "Area", "Value"])
    band = pd.DataFrame([{"Year": int(str(r["Year"])[:4]), "Lowest": r["Neighbours' lowest"],
                          "Highest": r["Neighbours' highest"]} for r in table.to_dict("records")
                         if pd.notna(r["Neighbours' lowest"])], columns=["Year", "Lowest", "Highest"])
    return lines, band


def indicator_chart(lines: pd.DataFrame, band: pd.DataFrame, spans: pd.DataFrame, la_name: str, unit: str):
    """The LA's line (thick, circles) against its neighbours' median (dashed) inside their range
    (grey band), its region (squares) and England (triangles); support periods shaded and labelled."""
    if lines.empty:
        return None
    order = [la_name, "Neighbours' median", *[a for a in lines["Area"].unique() if a not in
                                               (la_name, "Neighbours' median", "England")], "England"]
    order = [a for a in dict.fromkeys(order) if a in set(lines["Area"])]
    palette = [OKABE_ITO["blue"], OKABE_ITO["black"], OKABE_ITO["orange"], OKABE_ITO["reddish_purple"]]
    shapes = ["circle", "diamond", "square", "triangle-up"]
    x = alt.X("Year:Q", title="Year (as LAIT labels it)", axis=alt.Axis(format="d", tickMinStep=1))
    layers = []
    if not spans.empty:
        layers.append(alt.Chart(spans).mark_rect(color=SUPPORT_SHADE, opacity=0.6).encode(
            x=alt.X("From:Q"), x2="To:Q", tooltip=[alt.Tooltip("Label:N", title="Support")]))
        layers.append(alt.Chart(spans.head(1)).mark_text(align="left", baseline="top", dx=2, dy=2, y=0).encode(
            x="From:Q", text=alt.value("support")))
    if not band.empty:
        layers.append(alt.Chart(band).mark_area(opacity=0.25, color=OKABE_ITO["grey"]).encode(
            x=x, y=alt.Y("Lowest:Q", title=unit or "Value"), y2="Highest:Q",
            tooltip=["Year", "Lowest", "Highest"]))
    colour = alt.Color("Area:N", scale=alt.Scale(domain=order, range=palette[:len(order)]),
                       legend=alt.Legend(orient="top", title=None))
    shape = alt.Shape("Area:N", scale=alt.Scale(domain=order, range=shapes[:len(order)]), legend=None)
    dash = alt.StrokeDash("Area:N", scale=alt.Scale(domain=order, range=[[1, 0], [5, 3], [1, 0], [1, 0]][:len(order)]),
                          legend=None)
    width = alt.condition(alt.datum.Area == la_name, alt.value(3), alt.value(1.5))
    layers.append(alt.Chart(lines).mark_line().encode(x=x, y=alt.Y("Value:Q", title=unit or "Value"), color=colour,
                                                       strokeDash=dash, strokeWidth=width))
    layers.append(alt.Chart(lines).mark_point(filled=True, size=45).encode(
        x=x, y="Value:Q", color=colour, shape=shape, tooltip=["Area", "Year", "Value"]))
    return alt.layer(*layers).properties(height=240).configure(font=FONT).configure_axis(**READABLE_TEXT) \
        .configure_legend(labelColor=READABLE_TEXT["labelColor"], titleColor=READABLE_TEXT["titleColor"])


def timeline_chart(table: pd.DataFrame, as_of):
    """Support as bars from start to end (a package still running to as-of), intervention reviews as
    crosses, one row per kind of support."""
    if table.empty:
        return None
    frame = table.copy()
    frame["End"] = frame["End"].fillna(pd.Timestamp(as_of))  # still running: drawn to as-of
    bars = alt.Chart(frame[frame["Status"] != "Due (past)"]).mark_bar(height=12).encode(
        x=alt.X("Start:T", title=None), x2="End:T",
        y=alt.Y("What:N", title=None),
        color=alt.Color("Contract:N", legend=alt.Legend(orient="top", title="Contract"),
                        scale=alt.Scale(range=[OKABE_ITO[c] for c in ("blue", "orange", "bluish_green", "vermillion",
                                                                       "reddish_purple", "sky_blue")])),
        tooltip=["What", "Contract", "Package", alt.Tooltip("Start:T", format="%d/%m/%Y"),
                 alt.Tooltip("End:T", format="%d/%m/%Y"), "Days delivered", "KPI outcome"])
    reviews = alt.Chart(frame[frame["Status"] == "Due (past)"]).mark_point(shape="cross", size=90, filled=True,
                                                                          color=OKABE_ITO["black"]).encode(
        x="Start:T", y="What:N", tooltip=["What", "Package", alt.Tooltip("Start:T", format="%d/%m/%Y")])
    return alt.layer(bars, reviews).properties(height=alt.Step(28)).configure(font=FONT).configure_axis(**READABLE_TEXT)
