"""KPI charts: rates with 95 % Wilson intervals and the target, statuses, trend,
slices and confidence before/after. Pure Altair builders over the frames of
``dashboard.views.kpis`` (column names as the tables show them).

No chart relies on colour alone: KPIs differ by shape as well as colour, the
target is a labelled black tick, status segments carry their counts and names.
"""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from dashboard.charts import (
    FONT,
    OKABE_ITO,
    READABLE_TEXT,
    STATUS_COLOURS,
    STATUS_LABELS,
    TARGET_COLOUR,
    AnyChart,
    Spec,
    count_axis,
    with_data,
)
from dashboard.records import GROUP, ONE_TO_ONE
from dashboard.vocabulary import KPI_NAMES

KPI_DOMAIN = list(KPI_NAMES.values())
# each KPI's colour and point shape (tests/test_chart_specs.py: every KPI of the vocabulary has both)
KPI_COLOURS = {ONE_TO_ONE: OKABE_ITO["blue"], GROUP: OKABE_ITO["orange"]}
KPI_SHAPES = {ONE_TO_ONE: "circle", GROUP: "diamond"}
STAGE_DOMAIN = ["Baseline", "Follow-up"]
STAGE_COLOURS = [OKABE_ITO["grey"], OKABE_ITO["blue"]]
FACET_WIDTH = 320


def _configured(chart: AnyChart) -> AnyChart:
    """The chart in the app's font and readable text colours (Altair's ``configure`` is untyped)."""
    configured: AnyChart = (
        chart.configure(font=FONT)
        .configure_axis(labelFontSize=12, titleFontSize=12, labelLimit=320, **READABLE_TEXT)
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="bottom", **READABLE_TEXT)
        .configure_header(**READABLE_TEXT)
    )
    return configured


def _kpi_colour(title: str | None = "KPI", kpis: tuple[str, ...] = tuple(KPI_DOMAIN)) -> alt.Color:
    """Each KPI's colour; ``kpis``: the KPIs drawn (the legend lists only those)."""
    colours = {KPI_NAMES[kpi]: colour for kpi, colour in KPI_COLOURS.items()}
    return alt.Color("KPI:N", scale=alt.Scale(domain=list(kpis), range=[colours[k] for k in kpis]), title=title)


def _kpi_shape(kpis: tuple[str, ...] = tuple(KPI_DOMAIN)) -> alt.Shape:
    shapes = {KPI_NAMES[kpi]: shape for kpi, shape in KPI_SHAPES.items()}
    return alt.Shape("KPI:N", scale=alt.Scale(domain=list(kpis), range=[shapes[k] for k in kpis]), title="KPI")


_RATE_TOOLTIP = [
    alt.Tooltip("Label:N", title="For"),
    alt.Tooltip("KPI:N"),
    alt.Tooltip("Rate:N"),  # the table's texts: a number formatted here could round otherwise
    alt.Tooltip("95 % interval:N"),
    alt.Tooltip("Target (%):Q", format="~g"),
    alt.Tooltip("Met:Q"),
    alt.Tooltip("Eligible:Q"),
    alt.Tooltip("Against target:N"),
]


RATES = "rates"  # the name the rate chart's data goes by in its spec


def rate_chart(frame: pd.DataFrame | None, label_title: str = "Contract", horizontal: bool = True) -> Spec | None:
    """Rate (point) with its 95 % Wilson interval (error bar) and the target (black tick), one panel per KPI.

    ``frame``: Label, KPI, Rate, 95 % interval, Rate (%), Low (%), High (%), Target (%), Met, Eligible,
    Against target (``views.rate_chart_frame``); each point is labelled with its "Rate" as the table writes it.
    ``horizontal``: labels on the y axis (contracts, slices); otherwise on the x axis in order (quarters).
    Returns the Vega-Lite spec: the chart's layout is built once (``rate_chart_layout``), and each
    call only puts its data in (the KPIs page draws five of these on every filter change).
    """
    if frame is None or frame.empty:
        return None
    drawn = tuple(kpi for kpi in KPI_DOMAIN if kpi in set(frame["KPI"]))
    return with_data(rate_chart_layout(label_title, horizontal, drawn), RATES, frame)


VERTICAL_HEIGHT = 260  # px, of a chart with its labels along the x axis (quarters)
TICK_SIZE = 16  # the target tick's length (px); each rate's label keeps clear of it
PANEL_SPACING = 48  # between the KPI panels: one axis's "100" and the next one's "0" must not read "100 0"


@lru_cache(maxsize=16)
def rate_chart_layout(label_title: str, horizontal: bool, kpis: tuple[str, ...] = tuple(KPI_DOMAIN)) -> Spec:
    """The rate chart's Vega-Lite spec without its data (the named dataset ``RATES``), validated.

    ``kpis``: the KPIs drawn (the legend lists only those). Each rate's label stands clear of the
    target tick (above the row, or right of the point, beyond the tick's end), even when the rate
    equals the target."""
    scale = alt.Scale(domain=[0, 100])
    label: alt.X | alt.Y
    value: alt.X | alt.Y
    low: alt.X | alt.Y
    high: alt.X2 | alt.Y2
    target: alt.X | alt.Y
    height: alt.Step | int
    if horizontal:
        label = alt.Y("Label:N", title=label_title, sort=None)
        value, low, high = (
            alt.X("Rate (%):Q", scale=scale, title="Rate (%) with 95 % interval"),
            alt.X("Low (%):Q", scale=scale),
            alt.X2("High (%):Q"),
        )
        target = alt.X("Target (%):Q", scale=scale)
        tick = alt.Chart().mark_tick(color=TARGET_COLOUR, thickness=3, size=TICK_SIZE)
        text = alt.Chart().mark_text(align="left", baseline="bottom", dx=6, dy=-(TICK_SIZE // 2 + 2), fontSize=11)
        height = alt.Step(34)  # 34 px per label
    else:
        label = alt.X("Label:O", title=label_title, sort="ascending", axis=alt.Axis(labelAngle=-40))
        value, low, high = (
            alt.Y("Rate (%):Q", scale=scale, title="Rate (%) with 95 % interval"),
            alt.Y("Low (%):Q", scale=scale),
            alt.Y2("High (%):Q"),
        )
        target = alt.Y("Target (%):Q", scale=scale)
        tick = alt.Chart().mark_tick(color=TARGET_COLOUR, thickness=3, size=TICK_SIZE, orient="horizontal")
        text = alt.Chart().mark_text(align="left", dx=TICK_SIZE // 2 + 4, fontSize=11)
        height = VERTICAL_HEIGHT
    bars = alt.Chart().mark_rule(strokeWidth=2).encode(label, low, high, _kpi_colour(None, kpis), tooltip=_RATE_TOOLTIP)
    points = (
        alt.Chart()
        .mark_point(filled=True, size=110, opacity=1)
        .encode(label, value, _kpi_colour(kpis=kpis), _kpi_shape(kpis), tooltip=_RATE_TOOLTIP)
    )
    targets = tick.encode(label, target, tooltip=[alt.Tooltip("Target (%):Q", title="Target (%)")])
    labels = text.encode(label, value, text=alt.Text("Rate:N")).transform_filter("isValid(datum['Rate (%)'])")
    # A row withheld [c] (no rate) keeps its place, marked "[c] withheld" along its band from the axis up.
    if horizontal:
        withheld = (
            alt.Chart()
            .mark_text(align="left", fontSize=11, fontStyle="italic")
            .encode(label, x=alt.value(4), text=alt.Text("Rate:N"))
        )
    else:
        withheld = (
            alt.Chart()
            .mark_text(align="left", baseline="middle", angle=270, fontSize=11, fontStyle="italic")
            .encode(label, y=alt.value(VERTICAL_HEIGHT - 6), text=alt.Text("Rate:N"))
        )
    withheld = withheld.transform_filter("!isValid(datum['Rate (%)'])")
    layered = alt.layer(bars, targets, points, labels, withheld, data=alt.NamedData(RATES)).properties(
        width=FACET_WIDTH, height=height
    )
    chart = layered.facet(
        column=alt.Column("KPI:N", title=None, sort=KPI_DOMAIN, header=alt.Header(labelFontSize=13)),
        spacing=PANEL_SPACING,
    )
    return _configured(chart.properties(title="Black tick: the target. Line: 95 % interval.")).to_dict()


STATUSES, CONFIDENCE = "statuses", "confidence"  # the names these charts' data go by


def status_chart(frame: pd.DataFrame | None) -> Spec | None:
    """Stacked bars of units per status (one bar per contract and KPI), labelled with counts and names.

    ``frame``: Label, KPI, Status, Status code, Order, Count, Share (%). Suppressed counts (None) are left out.
    Returns the Vega-Lite spec (the layout is built once, see ``charts.with_data``).
    """
    if frame is None or frame.empty:
        return None
    data = frame.dropna(subset=["Count"])
    data = data[data["Count"] > 0].copy()
    if data.empty:
        return None
    data["Bar"] = data["Label"] + " " + data["KPI"].str.split(" ").str[:2].str.join(" ")
    data["Text"] = data.apply(
        lambda row: f"{row['Status']} {int(row['Count'])}" if (row["Share (%)"] or 0) >= 18 else f"{int(row['Count'])}",
        axis=1,
    )
    # Streamlit fits the whole chart (axis and legend included) in this height when it stretches the width.
    return with_data(_status_layout(), STATUSES, data, height=130 + 36 * data["Bar"].nunique())


@lru_cache(maxsize=1)
def _status_layout() -> Spec:
    domain = list(STATUS_LABELS.values())
    colours = [STATUS_COLOURS[code] for code in STATUS_LABELS]
    base = alt.Chart().encode(
        y=alt.Y("Bar:N", title=None, sort=None),
        x=alt.X("Count:Q", stack="normalize", title="Share of participants", axis=alt.Axis(format="%")),
        order=alt.Order("Order:Q"),
    )
    bars = base.mark_bar(stroke="white", strokeWidth=1).encode(
        color=alt.Color("Status:N", scale=alt.Scale(domain=domain, range=colours), title="Status"),
        tooltip=["Label:N", "KPI:N", "Status:N", alt.Tooltip("Count:Q", title="Participants"), "Share (%):Q"],
    )
    text = base.mark_text(align="right", dx=-4, color="black", fontSize=11).encode(
        text="Text:N",
    )  # black text reads at 4.5:1 or better on every status colour
    chart = alt.layer(bars, text, data=alt.NamedData(STATUSES))
    return _configured(chart).to_dict()


def trend_chart(frame: pd.DataFrame) -> Spec | None:
    """Rate by quarter of package end, with intervals and target, one panel per KPI."""
    return rate_chart(frame, label_title="Quarter the package ended", horizontal=False)


def slice_chart(frame: pd.DataFrame, title: str) -> Spec | None:
    """Rate per region, role or focus, with intervals and target, one panel per KPI."""
    return rate_chart(frame, label_title=title)


def confidence_chart(frame: pd.DataFrame | None) -> Spec | None:
    """Confidence scores (1-5) at baseline and at follow-up, bars labelled with counts, one panel per KPI.

    ``frame``: KPI, Stage, Confidence score, Count (None when suppressed). Returns the Vega-Lite
    spec (the layout is built once, see ``charts.with_data``).
    """
    if frame is None or frame.empty:
        return None
    data = frame.dropna(subset=["Count"])
    if data.empty or data["Count"].sum() == 0:
        return None
    return with_data(_confidence_layout(), CONFIDENCE, data)


@lru_cache(maxsize=1)
def _confidence_layout() -> Spec:
    base = alt.Chart().encode(
        x=alt.X("Confidence score:O", title="Confidence score (1 low - 5 high)", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("Stage:N", sort=STAGE_DOMAIN),
        y=alt.Y("Count:Q", title="Participants", axis=count_axis()),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("Stage:N", scale=alt.Scale(domain=STAGE_DOMAIN, range=STAGE_COLOURS), title="Response"),
        opacity=alt.Opacity("Stage:N", scale=alt.Scale(domain=STAGE_DOMAIN, range=[0.55, 1.0]), legend=None),
        tooltip=["KPI:N", "Stage:N", "Confidence score:O", alt.Tooltip("Count:Q", title="Participants")],
    )
    labels = (
        base.mark_text(dy=-6, fontSize=10)
        .encode(
            text=alt.Text("Label:N"),
        )
        .transform_calculate(Label="(datum.Stage == 'Baseline' ? 'B ' : 'F ') + datum.Count")
    )
    chart = (
        alt.layer(bars, labels, data=alt.NamedData(CONFIDENCE))
        .properties(width=FACET_WIDTH, height=220)
        .facet(column=alt.Column("KPI:N", title=None, sort=KPI_DOMAIN))
    )
    return _configured(chart.properties(title="B = baseline, F = follow-up")).to_dict()
