"""Outcome indicator charts: an LA's LAIT measure beside its statistical neighbours, region and England."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from dashboard.charts import FONT, OKABE_ITO, READABLE_TEXT, TEXT_COLOUR, Spec

SUPPORT_SHADE = "#d0d4d8"


def indicator_long(table: pd.DataFrame, la_name: str, region_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lines (LA, neighbours' median, region, England) as a long table, and the neighbours'
    range per year, from ``outcomes_indicators.measure_table``."""
    series = {
        la_name: la_name,
        "Neighbours' median": "Neighbours' median",
        region_column: region_column,
        "England": "England",
    }
    rows = []
    for record in table.to_dict("records"):
        year = int(str(record["Year"])[:4])
        for column, label in series.items():
            if column in record and pd.notna(record[column]):
                rows.append({"Year": year, "Area": label, "Value": float(record[column])})
    lines = pd.DataFrame(rows, columns=["Year", "Area", "Value"])
    band = pd.DataFrame(
        [
            {"Year": int(str(r["Year"])[:4]), "Lowest": r["Neighbours' lowest"], "Highest": r["Neighbours' highest"]}
            for r in table.to_dict("records")
            if pd.notna(r["Neighbours' lowest"])
        ],
        columns=["Year", "Lowest", "Highest"],
    )
    return lines, band


def indicator_chart(
    lines: pd.DataFrame, band: pd.DataFrame, spans: pd.DataFrame, la_name: str, unit: str
) -> Spec | None:
    """The LA's line (thick, circles) against its neighbours' median (dashed, diamonds) inside their
    range (grey band), its region (squares) and England (triangles); support periods shaded and
    labelled "support". Written as a Vega-Lite spec (no Altair objects: a profile draws 37 of these,
    and building each in Altair took most of a second)."""
    if lines.empty:
        return None
    ordered = lines.assign(
        Order=lines["Area"].map(
            lambda area: 0 if area == la_name else 1 if area == "Neighbours' median" else 3 if area == "England" else 2
        )
    )
    x = {
        "field": "Year",
        "type": "quantitative",
        "title": "Year (as LAIT labels it)",
        "axis": {"format": "d", "tickMinStep": 1},
        "scale": {"zero": False},
    }
    y_title = unit or "Value"
    sort = {"field": "Order", "op": "min"}
    colour = {
        "field": "Area",
        "type": "nominal",
        "sort": sort,
        "legend": {"orient": "top", "title": None},
        "scale": {"range": [OKABE_ITO["blue"], OKABE_ITO["black"], OKABE_ITO["orange"], OKABE_ITO["reddish_purple"]]},
    }
    layers: list[Spec] = []
    if not spans.empty:
        layers.append(
            {
                "data": {"name": "spans"},
                "mark": {"type": "rect", "color": SUPPORT_SHADE, "opacity": 0.6},
                "encoding": {
                    "x": {"field": "From", "type": "quantitative"},
                    "x2": {"field": "To"},
                    "tooltip": [{"field": "Label", "type": "nominal", "title": "Support"}],
                },
            }
        )
        layers.append(
            {
                "data": {"name": "spans"},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "top",
                    "dx": 2,
                    "dy": 2,
                    "y": 0,
                    "color": TEXT_COLOUR,
                },
                "encoding": {"x": {"field": "From", "type": "quantitative"}, "text": {"value": "support"}},
            }
        )
    if not band.empty:
        layers.append(
            {
                "data": {"name": "band"},
                "mark": {"type": "area", "opacity": 0.25, "color": OKABE_ITO["grey"]},
                "encoding": {
                    "x": x,
                    "y": {"field": "Lowest", "type": "quantitative", "title": y_title},
                    "y2": {"field": "Highest"},
                    "tooltip": [
                        {"field": "Year"},
                        {"field": "Lowest", "title": "Neighbours' lowest"},
                        {"field": "Highest", "title": "Neighbours' highest"},
                    ],
                },
            }
        )
    layers.append(
        {
            "data": {"name": "lines"},
            "mark": {"type": "line"},
            "encoding": {
                "x": x,
                "y": {"field": "Value", "type": "quantitative", "title": y_title},
                "color": colour,
                "detail": {"field": "Area"},
                "strokeDash": {
                    "field": "Area",
                    "type": "nominal",
                    "sort": sort,
                    "legend": None,
                    "scale": {"range": [[1, 0], [5, 3], [1, 0], [1, 0]]},
                },
                "strokeWidth": {"condition": {"test": "datum.Order == 0", "value": 3}, "value": 1.5},
            },
        }
    )
    layers.append(
        {
            "data": {"name": "lines"},
            "mark": {"type": "point", "filled": True, "size": 45},
            "encoding": {
                "x": x,
                "y": {"field": "Value", "type": "quantitative"},
                "color": colour,
                "shape": {
                    "field": "Area",
                    "type": "nominal",
                    "sort": sort,
                    "legend": None,
                    "scale": {"range": ["circle", "diamond", "square", "triangle-up"]},
                },
                "tooltip": [{"field": "Area"}, {"field": "Year"}, {"field": "Value"}],
            },
        }
    )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "height": 280,
        "layer": layers,
        "datasets": {"lines": ordered, "band": band, "spans": spans},
        "config": {
            "font": FONT,
            "axis": dict(READABLE_TEXT),
            "legend": {"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR},
        },
    }


def timeline_chart(table: pd.DataFrame, as_of: date) -> alt.LayerChart | None:
    """Support as bars from start to end (a package still running to as-of), intervention reviews as
    crosses, one row per kind of support."""
    if table.empty:
        return None
    frame = table.copy()
    frame["End"] = frame["End"].fillna(pd.Timestamp(as_of))  # still running: drawn to as-of
    # dates as people write them, with the year: a few months' span is labelled by day ("13 Apr 2022"),
    # a longer one by month (Vega's default for a short span was "Wed 13", with no month or year)
    span = (frame["End"].max() - frame["Start"].min()).days
    axis = alt.Axis(format="%-d %b %Y" if span < 180 else "%b %Y", tickCount=6, labelOverlap=True)
    bars = (
        alt.Chart(frame[frame["Status"] != "Due (past)"])
        .mark_bar(height=12)
        .encode(
            x=alt.X("Start:T", title=None, axis=axis),
            x2="End:T",
            y=alt.Y("What:N", title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "Contract:N",
                legend=alt.Legend(orient="top", title="Contract"),
                scale=alt.Scale(
                    range=[
                        OKABE_ITO[c]
                        for c in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue")
                    ]
                ),
            ),
            tooltip=[
                "What",
                "Contract",
                "Package",
                alt.Tooltip("Start:T", format="%d/%m/%Y"),
                alt.Tooltip("End:T", format="%d/%m/%Y"),
                "Days delivered",
                "KPI outcome",
            ],
        )
    )
    due = frame[frame["Status"] == "Due (past)"]
    layers = [bars]
    if not due.empty:  # an empty layer is an unnamed graphic to a screen reader (axe: svg-img-alt)
        layers.append(
            alt.Chart(due)
            .mark_point(shape="cross", size=90, filled=True, color=OKABE_ITO["black"])
            .encode(
                x="Start:T",
                y=alt.Y("What:N", title=None, axis=alt.Axis(labelLimit=260)),
                tooltip=["What", "Package", alt.Tooltip("Start:T", format="%d/%m/%Y")],
            )
        )
    chart: alt.LayerChart = (
        alt.layer(*layers)
        .properties(height=alt.Step(28))
        .configure(font=FONT)
        .configure_axis(**READABLE_TEXT)
        .configure_legend(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR)
    )
    return chart
