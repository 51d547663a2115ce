"""Finance charts: burn-up against allocation with a forecast, and day rates against caps.

Pure builders: DataFrames from ``dashboard.views.finance`` in, Altair charts
out. Actual spend is a solid line with points; the straight-line forecast is a
separate dashed layer labelled "forecast" (never joined to the actuals); the
allocation is a black rule labelled "allocation".
"""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from dashboard.charts import (
    ACTUAL_COLOUR,
    ALLOCATION_COLOUR,
    FONT,
    FORECAST_COLOUR,
    OKABE_ITO,
    READABLE_TEXT,
    AnyChart,
    Spec,
    count_axis,
    with_data,
)

MONEY_FORMAT = ",.0f"
MONEY_LABEL = "'£' + format(datum.value, ',.0f')"


def _configured(chart: AnyChart) -> AnyChart:
    """The chart in the app's font and readable text colours (Altair's ``configure`` is untyped)."""
    configured: AnyChart = (
        chart.configure(font=FONT)
        .configure_axis(labelFontSize=12, titleFontSize=12, **READABLE_TEXT)
        .configure_header(labelFontSize=13, labelFontWeight="bold", titleFontSize=13, **READABLE_TEXT)
        .configure_legend(**READABLE_TEXT)
    )
    return configured


SERIES = ["Actual spend", "Forecast (straight line, not actual)", "Allocation"]
COLOURS = dict(zip(SERIES, [ACTUAL_COLOUR, FORECAST_COLOUR, ALLOCATION_COLOUR]))
DASHES = dict(zip(SERIES, [[1, 0], [6, 4], [1, 0]]))
BURN_UP = "burn_up"  # the name the burn-up chart's data goes by


def burn_up_chart(
    actual: pd.DataFrame, allocation: pd.DataFrame, forecast: pd.DataFrame, columns: int = 2
) -> Spec | None:
    """One small burn-up per heading: cumulative spend (solid), allocation (rule), forecast (dashed).

    Headings are never added together: each has its own panel, scales and allocation. Returns the
    Vega-Lite spec: one faceted chart whose layout is built once (see ``charts.with_data``); the
    three series go in as one table, told apart by its ``Series`` column. With no forecast drawn,
    the legend has no forecast either.
    """
    if allocation.empty:
        return None
    rows = pd.concat(
        [
            allocation.assign(Series=SERIES[2]),
            actual.assign(Series=SERIES[0]),
            forecast.assign(
                Series=SERIES[1],
                Label=forecast["Label"].where(forecast["Date"] == forecast.groupby("Heading")["Date"].transform("max")),
            ).merge(allocation[["Heading", "Allocated (£)"]].drop_duplicates("Heading"), on="Heading", how="left"),
        ],
        ignore_index=True,
    )
    return with_data(_burn_up_layout(columns, with_forecast=not forecast.empty), BURN_UP, rows)


@lru_cache(maxsize=8)
def _burn_up_layout(columns: int, with_forecast: bool = True) -> Spec:
    drawn = SERIES if with_forecast else [SERIES[0], SERIES[2]]  # no "Forecast" in the legend when none is drawn
    series_colours = alt.Scale(domain=drawn, range=[COLOURS[name] for name in drawn])
    legend = alt.Legend(
        title=None, orient="top", symbolType="stroke", symbolStrokeWidth=3, symbolSize=400, labelLimit=0
    )
    colour = alt.Color("Series:N", scale=series_colours, legend=legend)
    dash = alt.StrokeDash(
        "Series:N", scale=alt.Scale(domain=drawn, range=[DASHES[name] for name in drawn]), legend=legend
    )
    x = alt.X("Date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-30))
    money = alt.Axis(labelExpr=MONEY_LABEL)

    def series(name: str) -> alt.Chart:
        return alt.Chart().transform_filter(alt.datum.Series == name)

    allocated = (
        series(SERIES[2])
        .mark_rule(strokeWidth=2)
        .encode(
            y=alt.Y("Allocated (£):Q", title="Cumulative spend (£)", axis=money),
            color=colour,
            strokeDash=dash,
            tooltip=["Heading:N", alt.Tooltip("Allocated (£):Q", format=MONEY_FORMAT)],
        )
    )
    allocated_label = (
        series(SERIES[2])
        .mark_text(align="left", x=4, dy=-7, color=ALLOCATION_COLOUR)
        .encode(
            y="Allocated (£):Q",
            text=alt.value("allocation"),
        )
    )
    spent = (
        series(SERIES[0])
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=50), strokeWidth=3)
        .encode(
            x=x,
            y=alt.Y("Cumulative spend (£):Q"),
            color=colour,
            strokeDash=dash,
            tooltip=[
                "Heading:N",
                "Quarter:N",
                alt.Tooltip("Spent in quarter (£):Q", format=MONEY_FORMAT),
                alt.Tooltip("Cumulative spend (£):Q", format=MONEY_FORMAT),
            ],
        )
    )
    forecast = (
        series(SERIES[1])
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x,
            y=alt.Y("Forecast spend (£):Q"),
            color=colour,
            strokeDash=dash,
            tooltip=[
                "Heading:N",
                alt.Tooltip("Date:T", format="%d %b %Y"),
                alt.Tooltip("Forecast spend (£):Q", title="Forecast (not actual)", format=MONEY_FORMAT),
            ],
        )
    )

    def forecast_label(over: bool) -> alt.Chart:
        """The forecast's label at its end: above it when it ends over the allocation, below it
        otherwise, so never written on the allocation line."""
        ends = (
            "datum['Forecast spend (£)'] > datum['Allocated (£)']"
            if over
            else "!(datum['Forecast spend (£)'] > datum['Allocated (£)'])"
        )
        label: alt.Chart = (
            alt.Chart()
            .transform_filter(alt.datum.Series == SERIES[1])
            .transform_filter("isValid(datum.Label)")
            .transform_filter(ends)
            .mark_text(
                align="right",
                dx=-4,
                dy=-6 if over else 6,
                baseline="bottom" if over else "top",
                fontStyle="italic",
                color=FORECAST_COLOUR,
            )
            .encode(x=x, y="Forecast spend (£):Q", text="Label:N")
        )
        return label

    layered = alt.layer(
        allocated, allocated_label, spent, forecast, forecast_label(True), forecast_label(False)
    ).properties(width=300, height=190)
    chart: alt.FacetChart = layered.facet(
        facet=alt.Facet("Heading:N", title=None, sort=None, header=alt.Header(labelAnchor="start")),
        columns=columns,
        data=alt.NamedData(BURN_UP),
    ).resolve_scale(x="independent", y="independent")
    spec: Spec = _configured(chart).configure_title(fontSize=13, anchor="start").to_dict()
    return spec


DAY_RATES = "day_rates"  # the name the day-rate chart's data goes by


def day_rate_chart(table: pd.DataFrame) -> Spec | None:
    """Invoice lines by day rate, one panel per contract and cap rule (titled with both: caps are
    each contract's own), with the cap as a labelled dashed rule.

    Returns the Vega-Lite spec (the layout is built once, see ``charts.with_data``)."""
    if table.empty:
        return None
    table = table.assign(Panel=table["Contract"].astype(str) + ": " + table["Cap rule"].astype(str))
    counts = table.groupby(["Panel", "Contract", "Cap rule", "Day rate (£)", "Above cap"], as_index=False).agg(
        Lines=("Line", "count"), Days=("Days", "sum")
    )
    caps = table.dropna(subset=["Cap (£)"]).groupby("Panel", as_index=False)["Cap (£)"].first()
    if not caps.empty:
        counts = counts.merge(caps, on="Panel", how="left")
    return with_data(_day_rate_layout(with_caps=not caps.empty), DAY_RATES, counts)


@lru_cache(maxsize=2)
def _day_rate_layout(with_caps: bool) -> Spec:
    above = alt.Scale(domain=["No", "Yes"], range=[OKABE_ITO["blue"], OKABE_ITO["vermillion"]])
    bars = (
        alt.Chart()
        .mark_bar(size=14)
        .encode(
            x=alt.X(
                "Day rate (£):Q",
                title="Day rate (£)",
                axis=alt.Axis(labelExpr=MONEY_LABEL),
                scale=alt.Scale(zero=False, padding=20),
            ),
            y=alt.Y("Lines:Q", title="Invoice lines", axis=count_axis()),
            color=alt.Color("Above cap:N", scale=above, title="Above cap"),
            opacity=alt.Opacity("Above cap:N", scale=alt.Scale(domain=["No", "Yes"], range=[0.75, 1.0]), legend=None),
            tooltip=[
                "Contract:N",
                "Cap rule:N",
                alt.Tooltip("Day rate (£):Q", format=",.2f"),
                "Lines:Q",
                "Days:Q",
                "Above cap:N",
            ],
        )
    )
    labels = (
        alt.Chart()
        .mark_text(dy=-6)
        .encode(
            x="Day rate (£):Q",
            y="Lines:Q",
            text=alt.condition(alt.datum["Above cap"] == "Yes", alt.value("above cap"), alt.value("")),
        )
    )
    layers = [bars, labels]
    if with_caps:
        # The cap is written in each panel's title, so its rule is decoration (aria=False): a panel
        # with no cap (lines without one) would otherwise leave an empty, unlabelled ARIA group.
        rule = (
            alt.Chart()
            .mark_rule(strokeDash=[4, 3], strokeWidth=2, color=ALLOCATION_COLOUR, aria=False)
            .encode(x="Cap (£):Q")
        )
        rule_label = (
            alt.Chart()
            .mark_text(align="left", dx=4, y=8, color=ALLOCATION_COLOUR, aria=False)
            .encode(x="Cap (£):Q", text=alt.value("cap"))
        )
        layers += [rule, rule_label]
    # Two panels a row: three (executive, other levels, no cap) side by side ran past the page's
    # right edge and hid the bars above the cap.
    chart: alt.FacetChart = (
        alt.layer(*layers, data=alt.NamedData(DAY_RATES))
        .properties(width=340, height=180)
        .facet(facet=alt.Facet("Panel:N", title=None), columns=2)
        .resolve_scale(x="independent")
    )
    return _configured(chart).to_dict()
