"""Altair charts, built from plain data; pages only render them.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies), and no chart relies on colour alone: statuses also differ by
shape, pattern or label, and every chart is shown with a table and a sentence.
"""

from __future__ import annotations

import copy
import json
from typing import Any, TypeVar

import altair as alt
import pandas as pd

#: A chart as a Vega-Lite spec: JSON, as Altair's ``to_dict`` gives it.
Spec = dict[str, Any]
#: Any kind of Altair chart; ``configure`` gives back the same kind.
AnyChart = TypeVar("AnyChart", bound=alt.TopLevelMixin)

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#6F777B",
}

# One colour and one shape per meaning, used by every chart.
STATUS_COLOURS = {
    "met": OKABE_ITO["bluish_green"],
    "not_met": OKABE_ITO["vermillion"],
    "no_baseline": OKABE_ITO["reddish_purple"],
    "no_response": OKABE_ITO["orange"],
    "pending": OKABE_ITO["sky_blue"],
    "awaiting_return": OKABE_ITO["yellow"],
    "in_progress": OKABE_ITO["grey"],
}
STATUS_LABELS = {
    "met": "Met",
    "not_met": "Not met",
    "no_baseline": "No baseline",
    "no_response": "No response",
    "pending": "Pending",
    "awaiting_return": "Awaiting return",
    "in_progress": "In progress",
}
TARGET_COLOUR = OKABE_ITO["black"]
ACTUAL_COLOUR = OKABE_ITO["blue"]
FORECAST_COLOUR = OKABE_ITO["orange"]
ALLOCATION_COLOUR = OKABE_ITO["black"]
FONT = "Arial, Helvetica, sans-serif"
# Axis, legend and panel text in GOV.UK's text colour: the theme's grey (#808495) is 3.7:1 on
# white, below WCAG's 4.5:1 for text this size.
TEXT_COLOUR = "#0b0c0c"
READABLE_TEXT = {"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR}


def count_axis() -> alt.Axis:
    """The axis of a count (LAs, invoice lines, participants): whole-number ticks only, never 0.5 of an LA."""
    return alt.Axis(tickMinStep=1, format="d")


def with_data(layout: dict[str, Any], name: str, frame: pd.DataFrame, height: int | None = None) -> dict[str, Any]:
    """A chart's Vega-Lite spec: a copy of its ``layout`` (built once, over the named dataset
    ``name``) with ``frame`` as that dataset, and ``height`` (pixels) when the chart's height
    follows its number of bars.

    Building a chart in Altair takes 30-100 ms, on every filter change; a layout that does
    not depend on the data is built once (``functools.lru_cache``) and only the data changes."""
    spec = copy.deepcopy(layout)
    spec["datasets"] = {name: frame}
    if height is not None:
        spec["height"] = height
    return spec


def spec_json(spec: dict[str, Any]) -> str:
    """A spec from ``with_data`` as Vega-Lite JSON, its tables as records (dates in ISO form),
    for tools that take the JSON itself (vl-convert for the Board pack's images)."""
    datasets = {
        name: json.loads(frame.to_json(orient="records", date_format="iso"))
        if isinstance(frame, pd.DataFrame)
        else frame
        for name, frame in spec.get("datasets", {}).items()
    }
    return json.dumps({**spec, "datasets": datasets})
