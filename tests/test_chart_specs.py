"""Every chart the pages draw is a valid Vega-Lite spec.

The app skips Altair's schema validation when it serves a chart (it costs about a
third of a page's re-render); this test validates every chart of every page instead,
on the demo data, for one contract and for all of them.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from altair.vegalite.v6.schema.core import Root

from dashboard.charts import TEXT_COLOUR
from dashboard.la_profile import adviser_days_by_month
from ui.components import plain_text

AS_OF = date(2024, 3, 15)
CHART_PAGES = ["pages/overview.py", "pages/kpis.py", "pages/coverage.py", "pages/finance.py",
               "pages/timelines.py", "pages/la_profile.py", "pages/outcomes.py"]


def chart_specs(at) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("vega_lite_chart")]


@pytest.mark.parametrize("page", CHART_PAGES)
@pytest.mark.parametrize("narrowed", [False, True], ids=["everything", "one-contract-and-LA"])
def test_every_chart_is_valid_vega_lite(open_page, demo_records, page, narrowed):
    busiest = Counter((unit.contract, unit.la_code) for unit in demo_records.units).most_common(1)[0][0]
    filters = {"contract": busiest[0], "la": busiest[1]} if narrowed else {}
    if page == "pages/la_profile.py":  # an LA with improvement adviser days, the profile's chart
        filters["la"] = next(la for _, la in Counter((u.contract, u.la_code) for u in demo_records.units)
                             if not adviser_days_by_month(demo_records.contracts, demo_records.units,
                                                          demo_records.invoice_lines, la, AS_OF).empty)
    at = open_page(page, as_of=AS_OF.isoformat(), **filters)
    specs = chart_specs(at)
    assert specs, f"{page} draws no chart"
    summaries = {plain_text(element.value) for element in at.markdown}
    for spec in specs:
        Root.validate(spec)
        # a screen reader reads the chart's summary sentence as its label (WCAG 1.1.1)
        assert spec.get("description") in summaries, spec.get("description")
        # text on charts at 4.5:1 or more (WCAG 1.4.3): never the theme's light grey
        assert spec.get("config", {}).get("axis", {}).get("labelColor") == TEXT_COLOUR, spec.get("title")



COUNT_FIELDS = {"LAs supported", "LAs in region", "LAs", "Lines", "Count"}


def _count_encodings(spec) -> dict[str, list[dict]]:
    """Channel (x, y) -> its encodings of a count (LAs, invoice lines, participants) anywhere in a
    spec, layers and facets too (layers share the channel's axis); a share of a stack normalised
    to 100 % is not a count."""
    found: dict[str, list[dict]] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            for channel in ("x", "y"):
                encoding = (node.get("encoding") or {}).get(channel)
                if (isinstance(encoding, dict) and encoding.get("field") in COUNT_FIELDS
                        and encoding.get("type") == "quantitative" and encoding.get("stack") != "normalize"):
                    found.setdefault(channel, []).append(encoding)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


@pytest.mark.parametrize("page, fields", [
    ("pages/coverage.py", {"LAs supported", "LAs in region", "LAs"}),  # per year, per region, targeting
    ("pages/finance.py", {"Lines"}),  # invoice lines per day rate
    ("pages/kpis.py", {"Count"}),  # participants per confidence score
])
def test_counts_are_on_whole_number_axes(open_page, page, fields):
    """A count of LAs (or lines, or participants) has no 0.1 or 1.6 on its axis: ticks are whole numbers."""
    drawn: set[str] = set()
    for spec in chart_specs(open_page(page, as_of=AS_OF.isoformat())):
        for channel, encodings in _count_encodings(spec).items():
            axes = [e["axis"] for e in encodings if e.get("axis")]
            assert axes and all(a.get("tickMinStep") == 1 and a.get("format") == "d" for a in axes), (
                spec.get("description"), channel, axes)
            drawn |= {e["field"] for e in encodings}
    assert fields <= drawn, f"{page} draws no chart of {fields - drawn}"
