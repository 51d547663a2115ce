"""Value for money chart: each programme's cost per unit, one small panel per measure.

Pure builder: the long table of ``views.outcomes.vfm_chart_data`` in, a Vega-Lite spec out.
Contracts are in the same (alphabetical) order in every panel, never sorted by cost, and
each panel has its own scale: programmes with different aims are set side by side, not ranked.
Bars carry their value as a label, so nothing is read from colour or length alone; a cost given
in words (``[c]``, "no KPI target") is written where its bar would start.
"""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from dashboard.charts import ACTUAL_COLOUR, FONT, READABLE_TEXT, Spec, with_data

VFM = "value_for_money"


def vfm_chart(data: pd.DataFrame) -> Spec | None:
    """Cost per LA, participant, person who met the KPI and day, per contract (None when nothing to draw)."""
    if data.empty:
        return None
    return with_data(_layout(), VFM, data)


@lru_cache(maxsize=1)
def _layout() -> Spec:
    y = alt.Y("Contract:N", title=None, sort="ascending")
    x = alt.X("Cost (£):Q", title="Cost (£)", axis=alt.Axis(format=",.0f", tickCount=4))
    bars = (
        alt.Chart()
        .mark_bar(color=ACTUAL_COLOUR)
        .encode(x=x, y=y, tooltip=["Contract:N", "Programme:N", "Measure:N", alt.Tooltip("Cost (£):Q", format=",.0f")])
    )
    labels = (  # a cost's value beside its bar, or its words ("[c]", "no KPI target") where there is none
        alt.Chart()
        .mark_text(align="left", dx=3, color="#0b0c0c")
        .encode(x=alt.X("Label at:Q"), y=y, text=alt.Text("Label:N"))
    )
    chart: alt.FacetChart = (
        alt.layer(bars, labels, data=alt.NamedData(VFM))
        .properties(width=220, height=alt.Step(26))
        .facet(
            facet=alt.Facet(
                "Measure:N",
                title=None,
                sort=["Cost per LA", "Cost per participant", "Cost per person who met the KPI", "Cost per day"],
            ),
            columns=2,
        )
        .resolve_scale(x="independent")
        .configure(font=FONT)
        .configure_axis(labelFontSize=12, titleFontSize=12, **READABLE_TEXT)
        .configure_header(labelFontSize=13, labelFontWeight="bold", **READABLE_TEXT)
    )
    return chart.to_dict(validate=False)
