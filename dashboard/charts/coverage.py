"""Coverage charts: LAs supported per FY against the minimum, regions, targeting
and the hex map of England's LAs. Pure Altair builders over ``dashboard.views.coverage`` frames.

The hex map uses the ``odd-r`` layout of ``seeds/reference/hexmap_utla_2023.csv``
(odd rows shifted half a hex right, ``r`` growing northward): ``views.hex_frame``
gives each hex x = q (+ 0.5 on odd rows) and y = r x sqrt(3)/2; the y scale
runs upward, so north is at the top of the screen. Support is shown by
colour, by a label on the hex (1, G, 1+G) and by the hex being filled or an
outline (no support), never by colour alone.
"""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from dashboard.charts import (
    FONT,
    OKABE_ITO,
    READABLE_TEXT,
    TARGET_COLOUR,
    TEXT_COLOUR,
    AnyChart,
    Spec,
    count_axis,
    with_data,
)
from dashboard.coverage import SO_FAR

SUPPORT_TYPE_DOMAIN = ["One-to-one", "Group"]
SUPPORT_TYPE_COLOURS = [OKABE_ITO["blue"], OKABE_ITO["orange"]]
HEX_SUPPORT_DOMAIN = ["One-to-one and group", "One-to-one only", "Group only", "No support"]
HEX_SUPPORT_COLOURS = [OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["orange"], "#F3F2F1"]
HEX_SUPPORT_TEXT = ["black", "white", "black", "black"]  # 4.5:1 or more on each fill (white on vermillion is 3.9:1)
# A pointy-top hexagon in the [-1, 1] box Vega sizes custom shapes by.
HEX_PATH = "M0,-1L0.866,-0.5L0.866,0.5L0,1L-0.866,0.5L-0.866,-0.5Z"
HEX_UNIT_PX = 40  # screen pixels between neighbouring hex centres


def _configured(chart: AnyChart) -> AnyChart:
    """The chart in the app's font and readable text colours (Altair's ``configure`` is untyped)."""
    configured: AnyChart = (
        chart.configure(font=FONT)
        .configure_axis(labelFontSize=12, titleFontSize=12, labelLimit=320, **READABLE_TEXT)
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="bottom", **READABLE_TEXT)
        .configure_header(**READABLE_TEXT)
        .configure_title(color=TEXT_COLOUR)
    )
    return configured


YEARS, MINIMUM = "years", "minimum"  # the names the year chart's data go by


def coverage_year_chart(frame: pd.DataFrame | None) -> Spec | None:
    """LAs supported per FY and support type (bars with counts) against the contract's minimum (black line).

    ``frame``: Financial year, Support type, LAs supported, Minimum (one contract). Returns the
    Vega-Lite spec (the layout is built once, see ``with_data``): the Coverage page draws one a
    contract.
    """
    if frame is None or frame.empty:
        return None
    minimum = frame["Minimum"].dropna()
    with_minimum = not minimum.empty and bool(frame["Against minimum"].isin(["Meets", "Below", SO_FAR]).any())
    spec = with_data(_year_layout(with_minimum), YEARS, frame)
    if with_minimum:  # not an area's counts
        top = float(minimum.max())
        spec["datasets"][MINIMUM] = pd.DataFrame({"Minimum": [top], "Text": [f"minimum {int(top)}"]})
    return spec


@lru_cache(maxsize=2)
def _year_layout(with_minimum: bool) -> Spec:
    base = alt.Chart(alt.NamedData(YEARS)).encode(
        x=alt.X("Financial year:O", title="Financial year", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("Support type:N", sort=SUPPORT_TYPE_DOMAIN),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("LAs supported:Q", title="LAs supported", axis=count_axis()),
        color=alt.Color("Support type:N", scale=alt.Scale(domain=SUPPORT_TYPE_DOMAIN, range=SUPPORT_TYPE_COLOURS)),
        tooltip=[
            "Contract:N",
            "Financial year:O",
            "Support type:N",
            "LAs supported:Q",
            "Minimum:Q",
            "Against minimum:N",
        ],
    )
    labels = (
        base.mark_text(dy=-7, fontSize=11)
        .encode(
            y="LAs supported:Q",
            text=alt.Text("Label:N"),
        )
        .transform_calculate(Label="(datum['Support type'] == 'Group' ? 'G ' : '1:1 ') + datum['LAs supported']")
    )
    layers = [bars, labels]
    if with_minimum:
        rule = (
            alt.Chart(alt.NamedData(MINIMUM))
            .mark_rule(color=TARGET_COLOUR, strokeDash=[6, 3], strokeWidth=2)
            .encode(y="Minimum:Q", tooltip=[alt.Tooltip("Minimum:Q", title="Minimum LAs per year")])
        )
        note = (
            alt.Chart(alt.NamedData(MINIMUM))
            .mark_text(align="left", dy=-7, x=4, fontSize=11, color=TARGET_COLOUR)
            .encode(y="Minimum:Q", text="Text:N")
        )
        layers += [rule, note]
    layout: Spec = _configured(alt.layer(*layers).properties(height=320)).to_dict()
    return layout


REGIONS, HEXES = "regions", "hexes"  # the names the region and hex charts' data go by


def region_chart(frame: pd.DataFrame | None) -> Spec | None:
    """Per region: all LAs (light bar) and supported LAs (dark bar), labelled "n of N".

    ``frame``: Region, LAs supported, LAs in region, Share (%). Returns the Vega-Lite spec
    (the layout is built once, see ``with_data``).
    """
    if frame is None or frame.empty:
        return None
    data = frame.copy()
    data["Label"] = data["LAs supported"].astype(str) + " of " + data["LAs in region"].astype(str)
    return with_data(_region_layout(), REGIONS, data, height=max(120, 30 * len(data)))


@lru_cache(maxsize=1)
def _region_layout() -> Spec:
    y = alt.Y("Region:N", title=None, sort=None)
    tooltip = ["Region:N", "LAs supported:Q", "LAs in region:Q", "Share (%):Q"]
    everyone = (
        alt.Chart()
        .mark_bar(color="#DEE0E2", stroke=OKABE_ITO["grey"])
        .encode(y=y, x=alt.X("LAs in region:Q", title="Local authorities", axis=count_axis()), tooltip=tooltip)
    )
    supported = (
        alt.Chart().mark_bar(color=OKABE_ITO["blue"], height=12).encode(y=y, x="LAs supported:Q", tooltip=tooltip)
    )
    labels = alt.Chart().mark_text(align="left", dx=4, fontSize=11).encode(y=y, x="LAs in region:Q", text="Label:N")
    chart = alt.layer(everyone, supported, labels, data=alt.NamedData(REGIONS))
    return _configured(chart).to_dict()


TARGETING_GROUPS = {
    "In greatest need at start": ("in need ", OKABE_ITO["vermillion"]),
    "Not in greatest need": ("not in need ", OKABE_ITO["sky_blue"]),
    "No status known at start": ("status unknown ", OKABE_ITO["yellow"]),
}


TARGETING, TARGETING_TOTALS = "targeting", "targeting_totals"  # the names the targeting chart's data go by


def targeting_chart(frame: pd.DataFrame | None) -> Spec | None:
    """Per contract: supported LAs in greatest need at start, not in it, and with no status known
    (stacked, each labelled in words, so no group is told by its colour alone).

    ``frame``: Contract and the three groups' counts. Returns the Vega-Lite spec (the layout is
    built once, see ``with_data``; the x axis runs to 1.6 times the longest bar, room for the labels).
    """
    if frame is None or frame.empty:
        return None
    domain = list(TARGETING_GROUPS)
    data = frame.melt(id_vars=["Contract"], value_vars=domain, var_name="Group", value_name="LAs")
    data = data[data["LAs"] > 0].assign(Rank=lambda d: d["Group"].map(domain.index))  # stacked as labelled
    # one label a bar, after its end, naming every group's count in words (a narrow segment has no room)
    totals = pd.DataFrame(
        [
            {
                "Contract": row["Contract"],
                "Total": sum(row[group] for group in domain),
                "Label": " · ".join(f"{TARGETING_GROUPS[group][0]}{row[group]}" for group in domain if row[group]),
            }
            for row in frame.to_dict("records")
        ]
    )
    longest = max(float(totals["Total"].max()), 1.0)
    spec = with_data(_targeting_layout(), TARGETING, data, height=120 + 40 * data["Contract"].nunique())
    spec["datasets"][TARGETING_TOTALS] = totals
    for layer in spec["layer"]:  # room for the labels after the longest bar
        layer["encoding"]["x"]["scale"] = {"domain": [0, longest * 1.6]}
    return spec


@lru_cache(maxsize=1)
def _targeting_layout() -> Spec:
    domain = list(TARGETING_GROUPS)
    bars = (
        alt.Chart(alt.NamedData(TARGETING))
        .mark_bar(stroke="white")
        .encode(
            y=alt.Y("Contract:N", title=None),
            x=alt.X("LAs:Q", stack="zero", title="Supported LAs", axis=count_axis()),
            order=alt.Order("Rank:Q"),
            color=alt.Color(
                "Group:N",
                scale=alt.Scale(domain=domain, range=[colour for _, colour in TARGETING_GROUPS.values()]),
                title=None,
            ),
            tooltip=["Contract:N", "Group:N", "LAs:Q"],
        )
    )
    labels = (
        alt.Chart(alt.NamedData(TARGETING_TOTALS))
        .mark_text(align="left", dx=4, fontSize=11)
        .encode(y=alt.Y("Contract:N", title=None), x=alt.X("Total:Q"), text=alt.Text("Label:N"))
    )
    layout: Spec = _configured(alt.layer(bars, labels)).to_dict()
    return layout


def hex_map_chart(frame: pd.DataFrame | None) -> Spec | None:
    """England's LAs as hexes, filled by the support received, labelled 1 / G / 1+G, Ofsted judgement in the tooltip.

    ``frame``: x, y, Local authority, Region, Support, Mark, Ofsted judgement, SEND WSoA.
    Drawn at a fixed size (wrapped in a one-chart concat, so a page cannot stretch it and distort the hexes).
    Returns the Vega-Lite spec (the layout is built once per map extent, see ``with_data``).
    """
    if frame is None or frame.empty:
        return None
    extent = (
        float(frame["x"].min()) - 0.7,
        float(frame["x"].max()) + 0.7,
        float(frame["y"].min()) - 0.7,
        float(frame["y"].max()) + 0.7,
    )
    return with_data(_hex_map_layout(*extent), HEXES, frame)


@lru_cache(maxsize=16)
def _hex_map_layout(x_min: float, x_max: float, y_min: float, y_max: float) -> Spec:
    width = int((x_max - x_min) * HEX_UNIT_PX)
    height = int((y_max - y_min) * HEX_UNIT_PX)
    # Vega sizes a custom shape so its [-1, 1] box is sqrt(size) pixels wide; a pointy-top hex is
    # 0.866 of that box wide, so neighbouring hexes (1 unit apart) touch when sqrt(size) = unit / 0.866.
    size = (HEX_UNIT_PX / 0.866 * 0.97) ** 2
    x = alt.X("x:Q", scale=alt.Scale(domain=[x_min, x_max], nice=False, zero=False), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[y_min, y_max], nice=False, zero=False), axis=None)  # north up
    tooltip = [
        "Local authority:N",
        "Region:N",
        alt.Tooltip("Support:N", title="Support received"),
        "Ofsted judgement:N",
        "SEND WSoA:N",
    ]
    hexes = (
        alt.Chart()
        .mark_point(shape=HEX_PATH, filled=True, size=size, opacity=1, strokeWidth=1)
        .encode(
            x=x,
            y=y,
            fill=alt.Fill(
                "Support:N",
                scale=alt.Scale(domain=HEX_SUPPORT_DOMAIN, range=HEX_SUPPORT_COLOURS),
                title="Support received",
                legend=alt.Legend(
                    orient="right", symbolType=HEX_PATH, symbolSize=300, symbolStrokeColor=OKABE_ITO["grey"]
                ),
            ),
            stroke=alt.Stroke(
                "Support:N",
                scale=alt.Scale(domain=HEX_SUPPORT_DOMAIN, range=["white", "white", "white", OKABE_ITO["grey"]]),
                legend=None,
            ),
            tooltip=tooltip,
        )
    )
    marks = (
        alt.Chart()
        .mark_text(fontSize=11, fontWeight="bold")
        .encode(
            x=x,
            y=y,
            text="Mark:N",
            color=alt.Color(
                "Support:N", scale=alt.Scale(domain=HEX_SUPPORT_DOMAIN, range=HEX_SUPPORT_TEXT), legend=None
            ),
            tooltip=tooltip,
        )
    )
    chart = alt.layer(hexes, marks, data=alt.NamedData(HEXES)).properties(width=width, height=height)
    return _configured(
        alt.hconcat(chart).properties(title="Labels: 1 = one-to-one, G = group, 1+G = both; outline = no support")
    ).to_dict()
