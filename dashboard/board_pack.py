"""The Board's quarterly pack: one Excel workbook as at a date.

``build_board_pack(data, as_of, imports)`` turns the records (a
``records.Portfolio``) into an .xlsx: a cover sheet (as-at date, each
contract's data currency, data sources and import times, caveats), then KPIs, Coverage, Finance and
Timelines sheets, each with its chart as an image.

- The KPI, coverage and finance figures are those of
  ``dashboard.summary.build_summary`` (the JSON of ``python -m dashboard kpis
  --json``) for the same as-of date: one way of working out each figure.
- GSS symbols: ``[u]`` marks a rate on fewer than 5 eligible participants;
  ``[c]`` replaces every count of a row about the participants of one LA, or
  that the Board's plan withholds (``disclosure.board_plan``: the same groups
  as on the dashboard's Board views for the same as-of date).
- No personal data at all: no participant names, IDs, survey evidence, or the
  names of the people who imported files.

``write_board_pack_from_database(db_url, as_of, out)`` loads the records with
``data_access.queries`` and writes the file (``python -m dashboard board-pack``).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from dashboard.calendar import financial_year_of, fy_end
from dashboard.changes import changes_frame, changes_summary, default_comparison_date, figure_kind
from dashboard.charts import FONT, OKABE_ITO, TARGET_COLOUR, Spec, spec_json
from dashboard.charts.finance import burn_up_chart
from dashboard.charts.timelines import gantt_chart
from dashboard.currency import currencies
from dashboard.disclosure import (
    LOW_RELIABILITY,
    SUPPRESSED,
    BoardPlan,
    board_plan,
    count_text,
    one_la_kpis,
    row_texts,
)
from dashboard.kpi import VERDICT_NO_DATA, wilson_interval
from dashboard.kpi import verdict as kpi_verdict
from dashboard.records import Portfolio, Unit
from dashboard.registry import entry, verdict_id
from dashboard.status_grid import GridRow, grid_frame, grid_summary
from dashboard.summary import build_summary, headline_figures
from dashboard.terms import NOT_SET
from dashboard.views import finance as fv
from dashboard.views import timelines as tv
from dashboard.views.common import Disclosure, counted_units
from dashboard.views.overview import overview_page
from dashboard.vocabulary import KPI_SHEET_NAMES, RELIABLE_FROM, SUPPORT_TYPE_NAMES
from dashboard.wording import long_date

if TYPE_CHECKING:  # XlsxWriter is imported when a pack is written
    from xlsxwriter.worksheet import Worksheet

SYMBOLS = (
    (
        f"{LOW_RELIABILITY} low reliability: a rate on fewer than {RELIABLE_FROM} eligible participants. Treat it with "
        "caution."
    ),
    (
        f"{SUPPRESSED} confidential: not shown because it is about the participants of 1 LA, so a person could be "
        "identified."
    ),
)
CAVEATS = (
    (
        "The figures are the dashboard's, worked out the same way (see its Methodology page). Nothing dated after the "
        "as-at date counts."
    ),
    (
        "A KPI rate is the number who met it divided by the number eligible. People still in support, or whose "
        "follow-up window is still open, are not eligible. Each rate has a 95 % interval (Wilson score)."
    ),
    (
        "Each contract's 'data to' date is the end of the latest quarter its returns cover, by the as-at date. A "
        "follow-up window that closed after that date is 'awaiting return'. It is not counted as a failure."
    ),
    *SYMBOLS,
    (
        "Finance is by contract, expenditure heading and financial year. Money cannot move between headings or years, "
        "so totals are for reconciliation only. Amounts are in pounds, excluding VAT."
    ),
    "This pack shows actual spend only. The dashboard's spend forecasts are straight-line estimates.",
    "This pack holds no personal data: no participant names or IDs and no survey evidence.",
)


# ---------------------------------------------------------------- section tables


_COUNTS = {
    "Eligible": "eligible",
    "Met": "met",
    "Not met": "not_met",
    "No baseline": "no_baseline",
    "No response": "no_response",
    "Pending": "pending",
    "Awaiting return": "awaiting_return",
    "In progress": "in_progress",
}


NO_TARGET = f"no target ({NOT_SET})"


def kpi_frame(summary: dict[str, Any], one_la: frozenset[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """The summary's KPIs for the Board. A contract's KPI whose participants all lie in one LA, or
    that the Board's plan withholds (``one_la``: (contract, KPI) pairs, ``disclosure.one_la_kpis``
    and ``BoardPlan.withheld_kpis``) is not shown: every count of its row is ``[c]``, and so is its
    rate."""
    rows = []
    for item in summary["kpis"]:
        low = item["eligible"] < RELIABLE_FROM and item["rate"] is not None
        about_one_la = (item["contract"], item["kpi"]) in one_la
        statuses = [column for column in _COUNTS if column != "Eligible"]  # they add up to the row's participants
        texts = row_texts(
            [item[_COUNTS[column]] for column in statuses], aggregate_only=True, identifies_la=about_one_la
        )
        counts = dict(zip(statuses, texts))
        eligible_text = count_text(item["eligible"], aggregate_only=True, identifies_la=about_one_la)
        hidden = SUPPRESSED in (*texts, eligible_text)
        counts["Eligible"] = SUPPRESSED if hidden else eligible_text
        late = count_text(item["late_baseline"], aggregate_only=True, identifies_la=about_one_la)
        rows.append(
            {
                "Contract": item["contract"],
                "KPI": KPI_SHEET_NAMES.get(item["kpi"], item["kpi"]),
                "Target": NO_TARGET if item["target"] is None else item["target"],
                **{column: count if count == SUPPRESSED else int(count) for column, count in counts.items()},
                "Late baselines": SUPPRESSED if hidden or late == SUPPRESSED else int(late),
                **{
                    column: SUPPRESSED if hidden else "no data" if item[key] is None else item[key]
                    for column, key in (("Rate", "rate"), ("95 % CI low", "ci_low"), ("95 % CI high", "ci_high"))
                },
                "Reliability": SUPPRESSED if hidden else LOW_RELIABILITY if low else "",
                "Against target": SUPPRESSED if hidden else against_target(item),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "KPI",
            "Target",
            "Eligible",
            "Met",
            "Not met",
            "No baseline",
            "No response",
            "Pending",
            "Awaiting return",
            "In progress",
            "Late baselines",
            "Rate",
            "95 % CI low",
            "95 % CI high",
            "Reliability",
            "Against target",
        ],
    )


def against_target(item: Mapping[str, Any]) -> str:
    """The KPIs page's verdict in words ("Meets the target", "Below the target", "Cannot yet tell",
    "No data", "No target"), marked [u] when the rate is of fewer than 5 eligible: worked out from the
    unrounded interval of the summary's counts, as the page works it out."""
    if not item["eligible"] or item["rate"] is None:
        return entry(verdict_id(VERDICT_NO_DATA)).name
    low, high = wilson_interval(item["met"], item["eligible"]) or (None, None)
    marker = f" {LOW_RELIABILITY}" if item["eligible"] < RELIABLE_FROM else ""
    return entry(verdict_id(kpi_verdict(low, high, item["target"]))).name + marker


def coverage_frame(summary: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {
            "Contract": item["contract"],
            "Financial year": item["financial_year"],
            "Support type": SUPPORT_TYPE_NAMES.get(item["support_type"], item["support_type"]),
            "LAs supported": item["las_supported"],
            "Target (minimum LAs)": item["target"] if item["target"] is not None else NOT_SET,
            "Target met": _target_met(item["las_supported"], item["target"], item["financial_year"], summary["as_of"]),
        }
        for item in summary["coverage"]
    ]
    return pd.DataFrame(
        rows,
        columns=["Contract", "Financial year", "Support type", "LAs supported", "Target (minimum LAs)", "Target met"],
    )


def _target_met(supported: int, target: int | None, financial_year: str, as_of: str) -> str:
    """Yes, No, or not yet: "at least 15 LAs a year" is judged when the year is over."""
    if target is None:
        return ""
    if supported >= target:
        return "Yes"
    return "Not yet: year not over" if fy_end(financial_year) > date.fromisoformat(as_of) else "No"


def las_by_region(units: Iterable[Unit], regions: Mapping[str, str], as_of: date) -> pd.DataFrame:
    """Per contract and region, how many LAs have had support (a package started by as-of).

    LAs, not people: counts of participants per LA would be LA-level figures, which are not part
    of the Board's view (the KPI sheet's totals less the LAs shown gave small ones away)."""
    supported: dict[tuple[str, str], set[str]] = defaultdict(set)
    for unit in units:
        if unit.start_date <= as_of:
            supported[(unit.contract, unit.region_code)].add(unit.la_code)
    rows = [
        {"Contract": contract, "Region": regions.get(region, region), "LAs supported": len(codes)}
        for (contract, region), codes in supported.items()
    ]
    frame = pd.DataFrame(rows, columns=["Contract", "Region", "LAs supported"])
    return frame.sort_values(["Contract", "Region"], ignore_index=True)


def finance_frame(summary: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {
            "Contract": item["contract"],
            "Financial year": item["financial_year"],
            "Expenditure heading": item["heading"],
            "Allocated (£)": item["allocated"],
            "Spent (£)": item["spent"],
            "Remaining (£)": item["remaining"],
            "Spent (%)": round(item["spent"] / item["allocated"], 4) if item["allocated"] else "nothing allocated",
            "Overspent": "Yes" if item["remaining"] < 0 else "No",
        }
        for item in summary["finance"]
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "Financial year",
            "Expenditure heading",
            "Allocated (£)",
            "Spent (£)",
            "Remaining (£)",
            "Spent (%)",
            "Overspent",
        ],
    )


def flag_counts_frame(flags: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Finance flags per contract and kind, counted as the JSON ``flags`` counts them (rules.md
    "Finance"): the summary's ``flags`` (``summary.flags_summary``) as a table."""
    rows = [
        {"Contract": item["contract"], "Flag": fv.FLAG_LABELS[item["kind"]], "Number": item["count"]} for item in flags
    ]
    return pd.DataFrame(rows, columns=["Contract", "Flag", "Number"])


# ------------------------------------------------------------------------- charts


def _png(chart: Spec | alt.TopLevelMixin | None) -> bytes | None:
    if chart is None:
        return None
    import vl_convert

    return vl_convert.vegalite_to_png(spec_json(chart) if isinstance(chart, dict) else chart.to_json(), scale=1.5)


def kpi_chart(frame: pd.DataFrame) -> alt.LayerChart | None:
    """Rates with 95 % intervals against the target; [u] rates are hollow and labelled."""
    shown = frame[~frame["Rate"].isin(["no data", SUPPRESSED])].copy()
    if shown.empty:
        return None
    shown["Label"] = shown["Contract"] + " " + shown["KPI"].str.split(":").str[0]
    shown["Mark"] = shown["Reliability"].map(lambda value: "Low reliability [u]" if value else "Rate")
    for column in ("Rate", "95 % CI low", "95 % CI high"):
        shown[column] = shown[column].astype(float)
    shown["Target"] = pd.to_numeric(shown["Target"], errors="coerce")  # no target: no tick
    y = alt.Y("Label:N", title=None, sort=None)
    base = alt.Chart(shown)
    interval = base.mark_rule(strokeWidth=2, color=OKABE_ITO["grey"]).encode(
        x=alt.X(
            "95 % CI low:Q", title="Rate (95 % interval)", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")
        ),
        x2="95 % CI high:Q",
        y=y,
    )
    points = base.mark_point(size=120, filled=True).encode(
        x="Rate:Q",
        y=y,
        shape=alt.Shape(
            "Mark:N", scale=alt.Scale(domain=["Rate", "Low reliability [u]"], range=["circle", "diamond"]), title=None
        ),
        color=alt.Color(
            "Mark:N",
            scale=alt.Scale(domain=["Rate", "Low reliability [u]"], range=[OKABE_ITO["blue"], OKABE_ITO["orange"]]),
            title=None,
        ),
    )
    target = (
        alt.Chart(shown.dropna(subset=["Target"]))
        .mark_tick(thickness=2, size=22, color=TARGET_COLOUR)
        .encode(x="Target:Q", y=y)
    )
    chart: alt.LayerChart = (
        alt.layer(interval, target, points)
        .properties(width=520, height=max(80, 40 * len(shown)), title="KPI rates against target (black tick)")
        .configure(font=FONT)
    )
    return chart


def coverage_chart(frame: pd.DataFrame) -> alt.LayerChart | None:
    """LAs supported per FY and support type, with the minimum as a black tick."""
    if frame.empty:
        return None
    data = frame.copy()
    data["Label"] = data["Contract"] + " " + data["Financial year"]
    data["Target"] = pd.to_numeric(data["Target (minimum LAs)"], errors="coerce")
    y = alt.Y("Label:N", title=None, sort=None)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("LAs supported:Q", title="LAs supported"),
            y=y,
            yOffset="Support type:N",
            color=alt.Color(
                "Support type:N",
                scale=alt.Scale(domain=["One-to-one", "Group"], range=[OKABE_ITO["blue"], OKABE_ITO["orange"]]),
            ),
        )
    )
    labels = (
        alt.Chart(data)
        .mark_text(align="left", dx=3)
        .encode(x="LAs supported:Q", y=y, yOffset="Support type:N", text="LAs supported:Q")
    )
    target = (
        alt.Chart(data.dropna(subset=["Target"])).mark_tick(thickness=2, color=TARGET_COLOUR).encode(x="Target:Q", y=y)
    )
    chart: alt.LayerChart = (
        alt.layer(bars, labels, target)
        .properties(
            width=520, height=max(80, 34 * data["Label"].nunique()), title="LAs supported (black tick: minimum)"
        )
        .configure(font=FONT)
    )
    return chart


# -------------------------------------------------------------------------- writer


@dataclass(frozen=True)
class PackTable:
    subtitle: str
    frame: pd.DataFrame
    formats: Mapping[str, str]


@dataclass(frozen=True)
class PackImage:
    png: bytes
    name: str
    caption: str = ""  # what the chart shows, said above it when it starts a page of the PDF


@dataclass(frozen=True)
class PackText:
    lines: tuple[str, ...]
    heading: str = ""


@dataclass
class PackSection:
    """One sheet of the pack as written: the PDF pack draws the same sections from it."""

    name: str
    title: str
    note: str
    blocks: list[PackTable | PackImage | PackText] = field(default_factory=list)


def is_number(value: object) -> bool:
    """A value written as a number: any real number, numpy's too (a whole-number column's), not a bool."""
    return not isinstance(value, bool) and isinstance(value, Real)


class _Writer:
    """Writes the workbook, and keeps what each sheet holds (``sections``) for the PDF."""

    def __init__(self, buffer: io.BytesIO):
        import xlsxwriter

        self.sections: list[PackSection] = []

        self.book = xlsxwriter.Workbook(
            buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        self.title = self.book.add_format({"bold": True, "font_size": 16})
        self.subtitle = self.book.add_format({"bold": True, "font_size": 12})
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#DEE0E2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.formats = {
            "money": self.book.add_format({"num_format": "£#,##0.00"}),
            "rate": self.book.add_format({"num_format": "0.0%"}),
            "percent": self.book.add_format({"num_format": "0%"}),
            "count": self.book.add_format({"num_format": "#,##0"}),
            "days": self.book.add_format({"num_format": '#,##0;#,##0" days overdue";0'}),
            "date": self.book.add_format({"num_format": "dd/mm/yyyy"}),
            "datetime": self.book.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
            "text": self.book.add_format({"text_wrap": False}),
            "wrap": self.book.add_format({"text_wrap": True, "valign": "top"}),
        }

    def sheet(self, name: str, title: str, note: str) -> Worksheet:
        self.sections.append(PackSection(name, title, note))
        sheet = self.book.add_worksheet(name)
        sheet.write_string(0, 0, title, self.title)
        sheet.write_string(1, 0, note)
        return sheet

    def table(
        self, sheet: Worksheet, row: int, subtitle: str, frame: pd.DataFrame, formats: Mapping[str, str] | None = None
    ) -> int:
        """Write a subtitle, a header and the rows from ``row``; returns the next free row."""
        formats = dict(formats or {})
        self.sections[-1].blocks.append(PackTable(subtitle, frame, formats))
        sheet.write_string(row, 0, subtitle, self.subtitle)
        row += 1
        for column, name in enumerate(frame.columns):
            sheet.write_string(row, column, str(name), self.header)
            sheet.set_column(column, column, max(12, min(45, len(str(name)) + 4)))
        if frame.empty:
            sheet.write_string(row + 1, 0, "None")
            return row + 3
        for offset, values in enumerate(frame.itertuples(index=False), start=1):
            for column, (name, value) in enumerate(zip(frame.columns, values)):
                self._cell(sheet, row + offset, column, value, formats.get(name))
        return row + len(frame) + 2

    def numbers(self, sheet: Worksheet, row: int, frame: pd.DataFrame, columns: Sequence[str]) -> None:
        """Write ``columns`` of a Changes frame from ``row`` again as numbers (a table already written
        as text), each formatted as its figure: money, a percentage or a count."""
        for offset, (name, *values) in enumerate(frame[["Figure", *columns]].itertuples(index=False)):
            for column, value in zip(columns, values):
                self._cell(sheet, row + offset, list(frame.columns).index(column), value, figure_kind(name))

    def _cell(self, sheet: Worksheet, row: int, column: int, value: Any, kind: str | None) -> None:
        if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":  # pd.NA: blank
            sheet.write_blank(row, column, None)
        elif isinstance(value, (pd.Timestamp, datetime, date)):
            moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
            if not isinstance(moment, datetime):
                moment = datetime(moment.year, moment.month, moment.day)
            timed = isinstance(value, datetime) and (moment.hour or moment.minute or moment.second)
            sheet.write_datetime(row, column, moment, self.formats["datetime" if timed else "date"])
        elif is_number(value):
            sheet.write_number(row, column, float(value), self.formats.get(kind) if kind else None)
        else:
            sheet.write_string(row, column, str(value))

    def lines(self, sheet: Worksheet, row: int, heading: str, lines: Sequence[str]) -> int:
        """A heading and lines of text from ``row`` (heading skipped when blank); the next free row."""
        self.sections[-1].blocks.append(PackText(tuple(lines), heading))
        if heading:
            sheet.write_string(row, 0, heading, self.subtitle)
            row += 1
        for offset, line in enumerate(lines):
            sheet.write_string(row + offset, 0, line)
        return row + len(lines) + 1

    def image(self, sheet: Worksheet, row: int, png: bytes | None, name: str, caption: str = "") -> int:
        if png is None:
            return row
        self.sections[-1].blocks.append(PackImage(png, name, caption))
        sheet.insert_image(
            row,
            0,
            f"{name}.png",
            {"image_data": io.BytesIO(png), "x_scale": 0.67, "y_scale": 0.67, "object_position": 1},
        )
        return row + 2


def build_board_pack(
    data: Portfolio, as_of: date, imports: Iterable[Mapping[str, Any]] = (), compared_with: date | None = None
) -> bytes:
    """The Board pack as .xlsx bytes (see module docstring). ``compared_with``: the date the
    Changes sheet compares with (default: 3 months before ``as_of``)."""
    return board_pack_sections(data, as_of, imports, compared_with)[0]


def board_pack_sections(
    data: Portfolio, as_of: date, imports: Iterable[Mapping[str, Any]] = (), compared_with: date | None = None
) -> tuple[bytes, list[PackSection]]:
    """The Board pack as .xlsx bytes, and what each of its sheets holds (for the PDF pack)."""
    summary = summary_at(data, as_of)
    buffer = io.BytesIO()
    writer = _Writer(buffer)
    _cover(writer, as_of, imports, currency_frame(data, as_of))

    grid = status_grid_of(data, as_of)
    sheet = writer.sheet("Status", f"Where each contract stands on {long_date(as_of)}", grid_summary(grid))
    writer.table(sheet, 3, "Status of each contract", grid_frame(grid))

    then = default_comparison_date(as_of, compared_with)
    before, hidden = headline_at(data, then), withheld_kpis(data, then, as_of)
    changes = changes_frame(before, summary, hidden)
    sheet = writer.sheet(
        "Changes",
        f"What changed between {long_date(then)} and {long_date(as_of)}",
        changes_summary(changes, then, as_of),
    )
    writer.table(sheet, 3, "Headline figures on both dates", changes)  # the PDF keeps the text
    writer.numbers(sheet, 5, changes_frame(before, summary, hidden, numbers=True), ("Then", "Now"))

    withheld = one_la_kpis(counted_units(data.units, as_of, None)) | board_plan(data.units, as_of).withheld_kpis()
    kpis = kpi_frame(summary, withheld)
    sheet = writer.sheet(
        "KPIs",
        f"KPIs as at {long_date(as_of)}",
        "KPI 1 (one-to-one) and KPI 2 (group): the share of participants who feel more confident "
        "and can show impact within 3 months of their support ending. " + " ".join(SYMBOLS),
    )  # the sheet read on its own
    row = writer.table(
        sheet,
        3,
        "KPI results by contract",
        kpis,
        {"Target": "rate", "Rate": "rate", "95 % CI low": "rate", "95 % CI high": "rate"},
    )
    writer.image(sheet, row, _png(kpi_chart(kpis)), "kpis", "KPI rates against target (black tick)")

    coverage = coverage_frame(summary)
    sheet = writer.sheet(
        "Coverage",
        f"Coverage as at {long_date(as_of)}",
        "LAs supported in each financial year, by support type, against each contract's minimum.",
    )
    row = writer.table(sheet, 3, "LAs supported", coverage)
    row = writer.table(
        sheet,
        row,
        "LAs supported by region (since each contract began)",
        las_by_region(data.units, data.regions, as_of),
    )
    writer.image(sheet, row, _png(coverage_chart(coverage)), "coverage", "LAs supported (black tick: minimum)")

    finance = finance_frame(summary)
    sheet = writer.sheet(
        "Finance",
        f"Finance as at {long_date(as_of)}",
        "Spend against allocation, by contract, expenditure heading and financial year (pounds, excluding VAT).",
    )
    money = {"Allocated (£)": "money", "Spent (£)": "money", "Remaining (£)": "money", "Spent (%)": "rate"}
    row = writer.table(sheet, 3, "Spend against allocation", finance, money)
    rows = fv.finance_rows(data.allocations, data.invoice_lines, as_of)
    row = writer.table(
        sheet,
        row,
        "Totals (for reconciliation with the pricing schedules only)",
        fv.allocation_totals(rows),
        {"Allocated (£)": "money", "Spent (£)": "money"},
    )
    row = writer.table(sheet, row, "Finance flags", flag_counts_frame(summary["flags"]))  # counted once, in the summary
    current = financial_year_of(as_of)
    for contract in sorted({r.contract for r in rows if r.financial_year == current}):
        burn = fv.burn_up(data.allocations, data.invoice_lines, as_of, contract, current)
        title = f"{contract} {current}: cumulative spend by quarter"
        row = writer.image(
            sheet,
            row,
            _png(_titled(burn_up_chart(burn.actual, burn.allocation, burn.forecast), title)),
            f"burn_up_{contract}",
            title,
        )
        row += 22

    sheet = writer.sheet(
        "Timelines",
        f"Contract timelines as at {long_date(as_of)}",
        f"Contracts, milestones, deadlines in the next {tv.DEADLINE_DAYS} days (with extension and break decisions) "
        f"and contracts ending within {tv.ENDING_MONTHS} months.",
    )
    la_names = {la.code: la.name for la in data.las}
    contracts = tv.gantt_table(data.contracts, as_of)
    milestones = tv.milestone_table(data.milestones, as_of)
    row = writer.table(sheet, 3, "Contracts", contracts)
    days = {"Days to due date": "days", "Days left": "days"}  # a negative number of days is overdue
    row = writer.table(sheet, row, "Milestones", milestones, days)
    row = writer.table(
        sheet,
        row,
        f"Deadlines in the next {tv.DEADLINE_DAYS} days",
        tv.deadline_table(
            data.contracts,
            data.milestones,
            data.statuses,
            la_names,
            as_of,
            invoice_lines=data.invoice_lines,
            returns=data.returns,
        ),
        days,
    )
    row = writer.table(
        sheet,
        row,
        "Extension and break decisions",
        tv.decision_table(
            data.contracts, as_of, milestones=data.milestones, invoice_lines=data.invoice_lines, returns=data.returns
        ),
        days,
    )
    row = writer.table(
        sheet, row, f"Contracts ending within {tv.ENDING_MONTHS} months", tv.ending_table(data.contracts, as_of)
    )
    writer.image(sheet, row, _png(gantt_chart(contracts, milestones, as_of)), "timelines", "Contracts and milestones")

    _value_for_money_and_outcome_sheets(writer, data, as_of)
    writer.book.close()
    return buffer.getvalue(), writer.sections


def _records_of(data: Portfolio) -> tuple[Any, ...]:
    """The records the summary reads, in ``summary.build_summary``'s order after the date."""
    return (data.contracts, data.units, data.responses, data.allocations, data.invoice_lines, data.las)


def headline_at(data: Portfolio, as_of: date) -> dict[str, Any]:
    """The summary's headline figures (KPIs, coverage, spend: ``summary.headline_figures``) of the
    records as of a date: what "What changed" compares, without the rest of the summary."""
    return headline_figures(as_of, *_records_of(data), returns=data.returns, milestones=data.milestones)


def summary_at(data: Portfolio, as_of: date) -> dict[str, Any]:
    """The JSON summary of the records as of a date (``python -m dashboard kpis --json``)."""
    return build_summary(
        as_of,
        *_records_of(data),
        judgements=getattr(data, "judgements", ()),
        returns=data.returns,
        milestones=data.milestones,
    )


def withheld_kpis(
    data: Portfolio, *dates: date, plans: Mapping[date, BoardPlan] | None = None
) -> frozenset[tuple[str, str]]:
    """(contract, KPI) pairs whose figures the Board's plan withholds (about the people of one LA,
    or giving such figures away beside other views) on any of ``dates``: withheld on every date
    compared, so no difference between dates gives one away. ``plans``: the plans over
    ``data.units`` as of some of the dates, if already worked out."""
    known = plans or {}

    def plan_on(on: date) -> BoardPlan:
        found = known.get(on)
        return found if found is not None and found.as_of == on else board_plan(data.units, on)

    return frozenset().union(
        *(plan_on(on).withheld_kpis() | one_la_kpis(counted_units(data.units, on, None)) for on in dates)
    )


@dataclass(frozen=True)
class ChangesInputs:
    """The two dates compared (``then`` the earlier) and whether the Board is looking."""

    then: date
    now: date
    board: bool = False  # aggregate figures only: the KPIs its plan withholds are [c]
    # the Board's plans over the same records as of the dates, if already worked out (they follow from the key)
    plans: Mapping[date, BoardPlan] = field(default_factory=dict, compare=False)


def changes(data: Portfolio, inputs: ChangesInputs) -> pd.DataFrame:
    """Each contract's headline figures on two dates, as the two dates' JSON gives them (the
    Overview's "What changed since the last Board")."""
    withheld = withheld_kpis(data, inputs.then, inputs.now, plans=inputs.plans) if inputs.board else frozenset()
    return changes_frame(headline_at(data, inputs.then), headline_at(data, inputs.now), withheld)


def status_grid_of(data: Portfolio, as_of: date) -> list[GridRow]:
    """The Overview's status grid as the Board sees it (``views.overview_page``)."""
    page = overview_page(
        data.contracts,
        data.units,
        data.responses,
        data.allocations,
        data.invoice_lines,
        data.milestones,
        data.las,
        as_of,
        None,
        Disclosure(aggregate_only=True),
        data.statuses,
        returns=data.returns,
    )
    return page.grid


def _value_for_money_and_outcome_sheets(writer: _Writer, data: Portfolio, as_of: date) -> None:
    """Value for money per contract and year, and Ofsted judgements before and after support:
    the figures of the JSON's ``value_for_money`` and ``outcomes`` (docs: how figures are worked
    out, "Value for money", "Outcomes"), as the Board sees them on the page: aggregate only,
    ``[c]`` for the people of one LA, never ranked, caveats first."""
    from dashboard.charts.value_for_money import vfm_chart
    from dashboard.views import outcomes as ov

    page = ov.outcomes_page(data, as_of, aggregate_only=True)
    costs = {ov.SPEND: "money", **dict.fromkeys(ov.COSTS, "count")}  # costs in whole pounds
    sheet = writer.sheet(
        "Value for money",
        f"Value for money as at {long_date(as_of)}",
        f"These figures describe costs only. Programmes have different aims, so they are not ranked. {SYMBOLS[1]}",
    )
    row = 3
    for caveat in ov.CAVEATS[:3]:
        sheet.write_string(row, 0, f"- {caveat}")
        row += 1
    table = page.value_for_money
    row = writer.table(
        sheet,
        row + 1,
        "Per contract, from its start to the as-at date",
        table[table["Financial year"] == ov.WHOLE],
        costs,
    )
    row = writer.table(sheet, row, "Per contract and financial year", table[table["Financial year"] != ov.WHOLE], costs)
    title = "Cost per unit by contract (not a ranking)"
    writer.image(sheet, row, _png(_titled(vfm_chart(page.chart_data), title)), "value_for_money", title)

    sheet = writer.sheet(
        "Outcomes",
        f"Ofsted judgements before and after support, as at {long_date(as_of)}",
        "This describes what happened. It is not the effect of the support.",
    )
    row = 3
    for caveat in (ov.CAVEATS[0], ov.CAVEATS[3]):
        sheet.write_string(row, 0, f"- {caveat}")
        row += 1
    sheet.write_string(row + 1, 0, page.outcomes_summary)
    writer.table(
        sheet, row + 3, "Supported LAs judged before and after support, and the LAs not supported", page.outcomes
    )


def _titled(chart: Spec | None, title: str) -> Spec | None:
    return None if chart is None else {**chart, "title": title}


def currency_frame(data: Portfolio, as_of: date) -> pd.DataFrame:
    """Each contract's data currency for the cover: data-to, its latest return's import, the next
    return due, and the state in words (docs: how figures are worked out, "Data currency")."""
    found = currencies(data.contracts, data.returns, as_of, data.milestones, data.invoice_lines)
    return pd.DataFrame(
        [
            {
                "Contract": c.contract,
                "Data to": c.data_to or "unknown",
                "Latest return imported": c.latest_return_imported or "unknown",
                "Next return due": c.next_return_due or ("none" if c.data_to else "unknown"),
                "Status": c.tag,
                "Notice": c.notice,
            }
            for c in found
        ],
        columns=["Contract", "Data to", "Latest return imported", "Next return due", "Status", "Notice"],
    )


def _cover(
    writer: _Writer, as_of: date, imports: Iterable[Mapping[str, Any]], currency: pd.DataFrame | None = None
) -> None:
    sheet = writer.sheet(
        "Cover",
        "Improvement Oversight: Board pack",
        "Department for Education: support to improve local authorities' children's services.",
    )
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 4, 24)
    sheet.write_string(3, 0, "Figures as at", writer.subtitle)
    sheet.write_datetime(3, 1, datetime(as_of.year, as_of.month, as_of.day), writer.formats["date"])
    sheet.write_string(4, 0, "Produced", writer.subtitle)
    sheet.write_datetime(4, 1, datetime.now().replace(microsecond=0), writer.formats["datetime"])
    sheet.write_string(5, 0, "Sheets", writer.subtitle)
    sheet.write_string(5, 1, "Status, Changes, KPIs, Coverage, Finance, Timelines, Value for money, Outcomes")
    sources = pd.DataFrame(  # no file names or importers: the pack is the Board's (no personal data)
        [
            {"Kind": item.get("kind"), "Contract": item.get("contract") or "", "Imported at": item.get("imported_at")}
            for item in imports
            if item.get("outcome", "imported") == "imported"
        ],
        columns=["Kind", "Contract", "Imported at"],
    )
    writer.sections[-1].blocks.append(
        PackText(
            (
                f"Figures as at {long_date(as_of)}",
                f"Produced {datetime.now():%d/%m/%Y %H:%M}",
                "Sheets: Status, Changes, KPIs, Coverage, Finance, Timelines, Value for money, Outcomes",
            )
        )
    )
    row = 7
    if currency is not None and not currency.empty:
        row = writer.table(sheet, row, "How current the data is (each contract's 'data to' date)", currency) + 1
    row = writer.table(sheet, row, "Data sources (imported workbooks, newest first)", sources)
    row = writer.lines(
        sheet, row, "", [("Reference data: LA list and boundary changes (ONS / DfE), Ofsted ILACS outcomes 2018-2025.")]
    )
    writer.lines(sheet, row, "Caveats", [f"- {caveat}" for caveat in CAVEATS])


def write_board_pack_from_database(db_url: str | None, as_of: date, out_path: str | Path) -> Path:
    """Load every contract's records from the database and write the pack to ``out_path``: a PDF
    when its name ends in .pdf, else the Excel workbook."""
    from data_access import queries
    from data_access.access import last_board_pack_date, record_board_pack
    from data_access.db import ready_engine

    engine = ready_engine(db_url)
    try:
        data = queries.load(engine)
        _, imports = queries.home_tables(engine)
        workbook, sections = board_pack_sections(data, as_of, imports, last_board_pack_date(engine))
        path = Path(out_path)
        if path.suffix.lower() == ".pdf":
            from dashboard.board_pack_pdf import board_pack_pdf

            path.write_bytes(board_pack_pdf(sections))
        else:
            path.write_bytes(workbook)
        record_board_pack(engine, "cli", as_of)
    finally:
        engine.dispose()
    return path
