"""Every chart the pages draw is a valid Vega-Lite spec.

The app skips Altair's schema validation when it serves a chart (it costs about a
third of a page's re-render); this test validates every chart of every page instead,
on the demo data, for one contract and for all of them.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pandas as pd
import pytest
from altair.vegalite.v6.schema.core import Root

from dashboard.charts import TEXT_COLOUR
from dashboard.views.la_profile import adviser_days_by_month
from ui.components import chart_description

AS_OF = date(2024, 3, 15)
CHART_PAGES = [
    "pages/overview.py",
    "pages/kpis.py",
    "pages/coverage.py",
    "pages/finance.py",
    "pages/timelines.py",
    "pages/la_profile.py",
    "pages/outcomes.py",
]


def chart_specs(at) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("vega_lite_chart")]


@pytest.mark.parametrize("page", CHART_PAGES)
@pytest.mark.parametrize("narrowed", [False, True], ids=["everything", "one-contract-and-LA"])
def test_every_chart_is_valid_vega_lite(open_page, demo_records, page, narrowed):
    busiest = Counter((unit.contract, unit.la_code) for unit in demo_records.units).most_common(1)[0][0]
    filters = {"contract": busiest[0], "la": busiest[1]} if narrowed else {}
    if page == "pages/la_profile.py":  # an LA with improvement adviser days, the profile's chart
        filters["la"] = next(
            la
            for _, la in Counter((u.contract, u.la_code) for u in demo_records.units)
            if not adviser_days_by_month(
                demo_records.contracts, demo_records.units, demo_records.invoice_lines, la, AS_OF
            ).empty
        )
    at = open_page(page, as_of=AS_OF.isoformat(), **filters)
    specs = chart_specs(at)
    assert specs, f"{page} draws no chart"
    for spec in specs:
        Root.validate(spec)
        # a screen reader reads the chart's name, which points to its summary and table (WCAG 1.1.1, G73)
        label = spec.get("description", "").removeprefix("Chart: ").split(". Its summary")[0]
        assert label and spec["description"] == chart_description(label), spec.get("description")
        # text on charts at 4.5:1 or more (WCAG 1.4.3): never the theme's light grey
        assert spec.get("config", {}).get("axis", {}).get("labelColor") == TEXT_COLOUR, spec.get("title")


def test_a_filter_change_gives_the_kpis_charts_new_data_not_new_charts(open_page, demo_records):
    """A chart's name is the same for every contract, so a chart whose layout does not depend on
    the figures keeps the same spec: the browser gives it its new data in place instead of
    drawing it again from scratch."""
    contracts = [contract for contract, _ in Counter(unit.contract for unit in demo_records.units).most_common(2)]
    drawn = [
        open_page("pages/kpis.py", as_of=AS_OF.isoformat(), contract=contract).get("vega_lite_chart")
        for contract in contracts
    ]
    assert len(drawn[0]) == len(drawn[1]) >= 5
    pairs = [
        (json.loads(a.proto.spec), json.loads(b.proto.spec), a.proto.datasets, b.proto.datasets) for a, b in zip(*drawn)
    ]
    assert all(spec_a["description"] == spec_b["description"] for spec_a, spec_b, _, _ in pairs)
    assert len({spec_a["description"] for spec_a, _, _, _ in pairs}) == len(pairs)  # each its own name
    assert any(spec_a == spec_b and data_a != data_b for spec_a, spec_b, data_a, data_b in pairs)


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
                if (
                    isinstance(encoding, dict)
                    and encoding.get("field") in COUNT_FIELDS
                    and encoding.get("type") == "quantitative"
                    and encoding.get("stack") != "normalize"
                ):
                    found.setdefault(channel, []).append(encoding)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


@pytest.mark.parametrize(
    "page, fields",
    [
        ("pages/coverage.py", {"LAs supported", "LAs in region", "LAs"}),  # per year, per region, targeting
        ("pages/finance.py", {"Lines"}),  # invoice lines per day rate
        ("pages/kpis.py", {"Count"}),  # participants per confidence score
    ],
)
def test_counts_are_on_whole_number_axes(open_page, page, fields):
    """A count of LAs (or lines, or participants) has no 0.1 or 1.6 on its axis: ticks are whole numbers."""
    drawn: set[str] = set()
    for spec in chart_specs(open_page(page, as_of=AS_OF.isoformat())):
        for channel, encodings in _count_encodings(spec).items():
            axes = [e["axis"] for e in encodings if e.get("axis")]
            assert axes and all(a.get("tickMinStep") == 1 and a.get("format") == "d" for a in axes), (
                spec.get("description"),
                channel,
                axes,
            )
            drawn |= {e["field"] for e in encodings}
    assert fields <= drawn, f"{page} draws no chart of {fields - drawn}"


# --- The Board's chart fixes (issue 17): each checked on its spec -------------------------------


def _rate_frame(kpis: list[str], rate: float = 70.0, target: float = 70.0) -> pd.DataFrame:

    return pd.DataFrame(
        [
            {
                "Label": "con_1",
                "KPI": kpi,
                "Rate": f"{rate:.0f} %",
                "95 % interval": "60 % to 80 %",
                "Rate (%)": rate,
                "Low (%)": rate - 10,
                "High (%)": rate + 10,
                "Target (%)": target,
                "Met": 7,
                "Eligible": 10,
                "Against target": "Meets",
            }
            for kpi in kpis
        ]
    )


def _layers(spec: dict) -> list[dict]:
    return spec["spec"]["layer"]


def _mark(layer: dict) -> dict:
    return layer["mark"] if isinstance(layer["mark"], dict) else {"type": layer["mark"]}


@pytest.mark.parametrize("horizontal", [True, False], ids=["contracts", "quarters"])
def test_a_rate_label_never_sits_on_the_target_tick(horizontal):
    """A rate equal to its target: the label is clear of the tick (beyond half its length)."""
    from dashboard.charts.kpis import KPI_DOMAIN, rate_chart

    spec = rate_chart(_rate_frame(KPI_DOMAIN), horizontal=horizontal)
    tick = next(_mark(layer) for layer in _layers(spec) if _mark(layer)["type"] == "tick")
    text = next(_mark(layer) for layer in _layers(spec) if _mark(layer)["type"] == "text")
    if horizontal:  # the label above the point's row, its bottom edge above the tick's top end
        assert text.get("baseline") == "bottom" and -text["dy"] > tick["size"] / 2
    else:  # the label right of the point, starting beyond the tick's right end
        assert text["align"] == "left" and text["dx"] > tick["size"] / 2


def test_every_kpi_has_a_colour_and_a_shape_of_its_own():
    """A KPI added to the vocabulary is drawn in its own colour and point shape (set in charts/kpis.py)."""
    from dashboard.charts.kpis import KPI_COLOURS, KPI_SHAPES
    from dashboard.vocabulary import KPI_NUMBER

    assert set(KPI_COLOURS) == set(KPI_SHAPES) == set(KPI_NUMBER)
    assert len(set(KPI_COLOURS.values())) == len(set(KPI_SHAPES.values())) == len(KPI_NUMBER)


def test_side_by_side_rate_panels_are_apart():
    """Two KPI panels side by side: the first axis's '100' and the next one's '0' do not read '100 0'."""
    from dashboard.charts.kpis import KPI_DOMAIN, rate_chart

    spec = rate_chart(_rate_frame(KPI_DOMAIN))
    assert spec.get("spacing", 20) >= 48


@pytest.mark.parametrize("kpis", [["KPI 2 (group)"], ["KPI 1 (one-to-one)"], ["KPI 1 (one-to-one)", "KPI 2 (group)"]])
def test_the_legend_lists_only_the_kpis_drawn(kpis):
    from dashboard.charts.kpis import rate_chart

    spec = rate_chart(_rate_frame(kpis))
    domains = [
        layer["encoding"][channel]["scale"]["domain"]
        for layer in _layers(spec)
        for channel in ("color", "shape")
        if channel in layer.get("encoding", {})
    ]
    assert domains and all(domain == kpis for domain in domains)


def test_day_rate_panels_name_their_contract():
    """Each day-rate panel is one contract's cap (two contracts with the same rule are two panels,
    each titled with its contract and with its own cap)."""

    from dashboard.charts.finance import day_rate_chart

    table = pd.DataFrame(
        [
            {
                "Contract": contract,
                "Invoice": "INV-1",
                "Line": line,
                "Financial year": "2023-24",
                "Role": "Adviser",
                "Level": "Other",
                "Days": 2.0,
                "Day rate (£)": rate,
                "Cap (£)": cap,
                "Cap rule": "Day-rate cap",
                "Above cap": "Yes" if rate > cap else "No",
            }
            for contract, cap, line, rate in [("con_1", 600.0, 1, 650.0), ("con_2", 800.0, 1, 700.0)]
        ]
    )
    spec = day_rate_chart(table)
    rows = spec["datasets"]["day_rates"].to_dict("records")
    facet = spec["facet"]["field"]
    assert sorted((row[facet], row["Cap (£)"]) for row in rows) == [
        ("con_1: Day-rate cap", 600.0),
        ("con_2: Day-rate cap", 800.0),
    ]


def test_the_forecast_label_stands_away_from_the_allocation_line():
    """The forecast's label is written above its end when it ends over the allocation, below it
    otherwise: never on the allocation line (a forecast ending just under it had its label there)."""

    from dashboard.charts.finance import burn_up_chart

    allocation = pd.DataFrame({"Heading": ["Travel"], "Allocated (£)": [1000.0]})
    actual = pd.DataFrame(
        {
            "Heading": ["Travel"],
            "Quarter": ["2023-24 Q1"],
            "Date": pd.to_datetime(["2023-06-30"]),
            "Spent in quarter (£)": [240.0],
            "Cumulative spend (£)": [240.0],
        }
    )
    forecast = pd.DataFrame(
        {
            "Heading": ["Travel", "Travel"],
            "Date": pd.to_datetime(["2023-06-30", "2024-03-31"]),
            "Forecast spend (£)": [240.0, 960.0],
            "Label": ["forecast", "forecast"],
        }
    )
    spec = burn_up_chart(actual, allocation, forecast)
    labels = [
        layer
        for layer in spec["spec"]["layer"]
        if layer["mark"].get("type") == "text" and layer.get("encoding", {}).get("text", {}).get("field") == "Label"
    ]
    placed = {}
    for layer in labels:
        test = next(step["filter"] for step in layer["transform"] if "Allocated" in str(step.get("filter")))
        placed[not test.startswith("!")] = (layer["mark"]["baseline"], layer["mark"]["dy"] > 0)
    assert placed == {True: ("bottom", False), False: ("top", True)}
    rows = spec["datasets"]["burn_up"]
    ends = rows[rows["Label"].notna()]
    assert list(ends["Allocated (£)"]) == [1000.0]  # each forecast end knows its heading's allocation


@pytest.mark.parametrize(
    "as_of, said",
    [
        (
            date(2024, 3, 15),
            (
                "the latest quarter with a reliable rate that has ended, 2023-24 Q3, shows 60 % for KPI 1 "
                "(one-to-one) (target 70 %). 2023-24 Q4 is still under way: its rate may change."
            ),
        ),
        (
            date(2024, 4, 1),
            (
                "the latest quarter with a reliable rate that has ended, 2023-24 Q4, shows 80 % for KPI 1 "
                "(one-to-one) (target 70 %)."
            ),
        ),
        (
            date(2023, 9, 1),
            ("no quarter with a reliable rate has ended yet. 2023-24 Q4 is still under way: its rate may change."),
        ),
    ],
)
def test_the_trend_names_only_a_quarter_that_has_ended_as_the_latest(as_of, said):
    """'The latest quarter with a reliable rate' is never a quarter still under way on the as-of date."""

    from dashboard.views.kpis import trend_summary

    chart = pd.DataFrame(
        [
            {"Label": label, "KPI": "KPI 1 (one-to-one)", "Met": met, "Eligible": 10, "Target (%)": 70.0}
            for label, met in [("2023-24 Q2", 5), ("2023-24 Q3", 6), ("2023-24 Q4", 8)]
        ]
    )
    assert trend_summary(chart, 3, as_of) == "3 quarters of package ends; " + said


def test_a_withheld_quarter_is_marked_on_the_trend():
    """A quarter whose figures are withheld [c] keeps its place on the trend, marked '[c] withheld'
    (it was dropped, so the trend seemed to skip a quarter)."""

    from dashboard.charts.kpis import trend_chart
    from dashboard.views.common import KPI_NAMES, rate_chart_frame
    from dashboard.views.kpis import withheld_frame

    frame = _rate_frame(["KPI 1 (one-to-one)"]).assign(Label="2023-24 Q2")
    withheld = pd.DataFrame([{"Label": "2023-24 Q3", "KPI": "KPI 1 (one-to-one)", "Rate": "[c] withheld"}])
    spec = trend_chart(pd.concat([frame, withheld], ignore_index=True))
    marks = [
        layer
        for layer in _layers(spec)
        if _mark(layer)["type"] == "text"
        and any("!isValid(datum['Rate (%)'])" in str(step.get("filter")) for step in layer.get("transform", []))
    ]
    assert [layer["encoding"]["text"]["field"] for layer in marks] == ["Rate"]
    # the view model puts the withheld quarters in with the drawn ones
    assert list(withheld_frame([], lambda r: r.group).columns) == list(rate_chart_frame([], lambda r: r.group).columns)
    assert KPI_NAMES


def test_each_contract_s_bar_ends_at_its_own_end_date_on_the_timelines_page(open_page, demo_records):
    """The Gantt as the Timelines page draws it (its data as sent to the browser): each contract's
    term ends at the register's end date and its extension option at its latest end, on that
    contract's row (the issue saw the end markers piled up at March 2024)."""
    import pandas as pd
    import pyarrow as pa

    from dashboard.timelines import latest_end

    at = open_page("pages/timelines.py", as_of=AS_OF.isoformat())
    element = next(
        element
        for element in at.get("vega_lite_chart")
        if "Contract term" in json.dumps(json.loads(element.proto.spec))
    )
    spec = json.loads(element.proto.spec)
    bars = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "bar")
    assert (bars["encoding"]["x"]["field"], bars["encoding"]["x2"]["field"], bars["encoding"]["y"]["field"]) == (
        "From",
        "To",
        "Contract",
    )
    data = {
        dataset.name: pa.ipc.open_stream(dataset.data.data).read_all().to_pandas() for dataset in element.proto.datasets
    }
    periods = data[bars["data"]["name"]]
    drawn = {
        (row.Contract, row.Period): (pd.Timestamp(row.From).date(), pd.Timestamp(row.To).date())
        for row in periods.itertuples()
    }
    expected = {}
    for contract in demo_records.contracts:
        expected[(contract.reference, "Contract term")] = (contract.start_date, contract.end_date)
        if latest_end(contract, include_extension=True) > contract.end_date:
            expected[(contract.reference, "Extension option")] = (
                contract.end_date,
                latest_end(contract, include_extension=True),
            )
    assert drawn == expected
    assert (
        len({end for (_, period), (_, end) in drawn.items() if period == "Contract term"})
        == len({c.end_date for c in demo_records.contracts})
        > 1
    )


def _altair_bars(table: pd.DataFrame):
    import altair as alt

    return alt.Chart(table).mark_bar().encode(x="Quarter", y="Rate (%)")


def _layout_bars(table: pd.DataFrame) -> dict:
    from dashboard.charts import with_data

    return with_data({"mark": "bar", "data": {"name": "rates"}}, "rates", table)


@pytest.mark.parametrize("draw", [_altair_bars, _layout_bars], ids=["altair", "layout"])
def test_a_chart_s_data_is_made_ready_to_send_once_with_its_spec(draw):
    """``st.vega_lite_chart`` turns a spec's datasets into Arrow on every run unless they are
    Arrow bytes already: the spec kept per data holds them as the very bytes Streamlit makes."""
    from streamlit import dataframe_util

    from ui.components import chart

    frame = pd.DataFrame({"Quarter": ["2023-24 Q1", "2023-24 Q2"], "Rate (%)": [70.0, 80.5]})
    built = draw(frame)
    datasets = (built if isinstance(built, dict) else built.to_dict(validate=False))["datasets"]
    spec = chart(draw, frame)
    assert spec["datasets"] == {
        name: dataframe_util.convert_anything_to_arrow_bytes(values) for name, values in datasets.items()
    }
    assert chart(draw, frame.copy()) is spec  # the same data: the spec kept, not made again


def test_a_quarter_too_few_to_draw_is_marked_on_the_trend(demo_records):
    """A quarter whose rate is [u] (fewer than 5 eligible) keeps its place, marked '[u] fewer than 5':
    the demo's con_9887 KPI 1 trend stopped after 2022-23 Q4 with no word (its 2023-24 rates are [u])."""
    from datetime import date

    from dashboard.views.kpis import TOO_FEW_MARK, KpiInputs, build

    page = build(demo_records, KpiInputs(date(2024, 3, 15), detail_contract="con_9887"))
    chart, table = page.trend.chart_data, page.trend.table
    marked = chart[chart["Rate"] == TOO_FEW_MARK]
    assert marked["Rate (%)"].isna().all()
    too_few = table[table["Rate"].str.endswith("[u]")]
    assert len(too_few) >= 3  # the table gives their rates
    assert sorted(zip(marked["Label"], marked["KPI"])) == sorted(
        zip(too_few["Quarter the package ended"], too_few["KPI"])
    )
