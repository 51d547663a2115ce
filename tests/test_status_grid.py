"""The Overview's status grid: one row per contract, each cell a status in words.

Hand-made inputs, expected tags and details written out (docs: how figures are worked out,
"Where each contract stands").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pandas as pd
import pytest

from dashboard import status_grid as grid
from dashboard.finance import FinanceRow
from dashboard.kpi import KpiResult, verdict, wilson_interval
from dashboard.records import GROUP, ContractTerms
from dashboard.views.common import Disclosure, display_kpi

AS_OF = date(2024, 3, 15)


def _contract(**terms) -> ContractTerms:
    return ContractTerms(
        reference="CON-1",
        title="Leadership",
        supplier="S",
        programme="P",
        contract_type=None,
        start_date=date(2021, 6, 1),
        end_date=date(2025, 3, 31),
        **terms,
    )


def _result(met: int, eligible: int, target: float | None = 0.75) -> KpiResult:
    low, high = wilson_interval(met, eligible) or (None, None)
    return KpiResult(
        "CON-1",
        "one_to_one",
        target,
        eligible,
        met,
        eligible - met,
        0,
        0,
        0,
        0,
        met / eligible if eligible else None,
        low,
        high,
        verdict(low, high, target) if target is not None else "no_data",
        eligible < 5,
    )


@pytest.mark.parametrize(
    ("met", "eligible", "target", "board_one_la", "tag", "detail"),
    [
        (45, 50, 0.75, False, "Met", "90 % of 50 (target 75 %)"),
        (20, 50, 0.75, False, "Below", "40 % of 50 (target 75 %)"),
        (7, 10, 0.75, False, "Cannot tell yet", "70 % of 10 (target 75 %)"),
        (0, 0, 0.75, False, "No data", "nobody eligible yet"),
        (7, 10, None, False, "No target", "70 % of 10; no KPI target in the contract register"),
        (45, 50, 0.75, True, "Withheld", "about people in 1 LA [c]"),
    ],
)
def test_kpi_cells(met, eligible, target, board_one_la, tag, detail):
    disclosure = Disclosure(aggregate_only=True, la_level=True) if board_one_la else Disclosure()
    result = _result(met, eligible, target)
    # a KPI with no target is displayed as the KPIs page displays it; the grid reads its rate text
    display = (
        display_kpi(result, disclosure)
        if target is not None
        else SimpleNamespace(result=result, suppressed=False, rate=f"{round(met / eligible * 100)} %")
    )
    cell = grid.kpi_cell(display)
    assert (cell.tag, cell.detail) == (tag, detail)


def test_a_kpi_cell_counts_late_baselines():
    """Late baselines (dated after the package started) are counted beside any verdict, never hidden by "Met"."""
    from dataclasses import replace

    result = replace(_result(45, 50), late_baseline=46)
    cell = grid.kpi_cell(display_kpi(result, Disclosure()))
    assert (cell.tag, cell.detail) == ("Met", "90 % of 50 (target 75 %); 46 late baselines")
    assert grid.kpi_cell(display_kpi(replace(_result(45, 50), late_baseline=1), Disclosure())).detail.endswith(
        "; 1 late baseline"
    )


def test_a_kpi_with_no_packages():
    assert grid.kpi_cell(None).tag == "No packages"


def _coverage(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Contract": "CON-1",
                "Financial year": "2023-24",
                "Support type": kind,
                "LAs supported": count,
                "Minimum": 15,
                "Against minimum": against,
            }
            for kind, count, against in rows
        ],
        columns=["Contract", "Financial year", "Support type", "LAs supported", "Minimum", "Against minimum"],
    )


@pytest.mark.parametrize(
    ("minimum", "rows", "tag", "detail"),
    [
        (15, [("One-to-one", 17, "Meets")], "Met", "17 of 15 in 2023-24"),
        (15, [("One-to-one", 17, "Meets"), ("Group", 9, "Below")], "Below", "9 of 15 in 2023-24 (group)"),
        (15, [("One-to-one", 12, "Below so far: year not over")], "Below so far", "12 of 15 in 2023-24, year not over"),
        (None, [("One-to-one", 12, "No minimum")], "Not set", "no minimum in the contract register"),
        (15, [], "None delivered", "no package active in the year"),
    ],
)
def test_minimum_las_cells(minimum, rows, tag, detail):
    cell = grid.minimum_cell(_coverage(*rows), _contract(min_las_per_year=minimum))
    assert (cell.tag, cell.detail) == (tag, detail)


def _row(heading: str, allocated: int, spent: int, year: str = "2023-24") -> FinanceRow:
    return FinanceRow(
        "CON-1",
        year,
        heading,
        D(allocated),
        D(spent),
        D(allocated - spent),
        spent / allocated * 100 if allocated else None,
        spent > allocated,
    )


@pytest.mark.parametrize(
    ("rows", "tag", "detail"),
    [
        (
            [_row("Mentors", 100, 50), _row("Management", 100, 84)],
            "Within allocation",
            "most spent: Management, 84 % in 2023-24",
        ),
        (
            [_row("Mentors", 100, 150), _row("Management", 100, 120)],
            "Overspent",
            "Mentors over by £50 and 1 more in 2023-24",
        ),
        ([_row("Mentors", 0, 10)], "Overspent", "Mentors over by £10 in 2023-24"),  # spend with no allocation
        ([_row("Mentors", 100, 50, "2022-23")], "No allocation", "nothing allocated or spent in 2023-24"),
        # nothing spent: no "0 %" share named as the "most spent"
        ([_row("Mentors", 100, 0), _row("Management", 100, 0)], "Within allocation", "nothing spent in 2023-24"),
        # an earlier year's overspend stays in view beside the year's green tag
        (
            [
                _row("Mentors", 100, 50),
                _row("Programme management", 10_000, 13_100, "2022-23"),
                _row("Overheads", 100, 90, "2022-23"),
            ],
            "Within allocation",
            "most spent: Mentors, 50 % in 2023-24; still overspent in 2022-23: Programme management by £3,100",
        ),
        # each earlier year named once, its headings listed (a Board member reads the cell at a glance)
        (
            [
                _row("Mentors", 100, 50),
                _row("Overheads", 100, 130, "2021-22"),
                _row("Programme management", 10_000, 13_100, "2022-23"),
                _row("Evaluation", 1_000, 1_200, "2022-23"),
                _row("Expenses", 100, 90, "2022-23"),
            ],
            "Within allocation",
            (
                "most spent: Mentors, 50 % in 2023-24; still overspent in 2021-22: Overheads by £30; "
                "still overspent in 2022-23: Evaluation by £200 and Programme management by £3,100"
            ),
        ),
    ],
)
def test_spend_cells(rows, tag, detail):
    cell = grid.spend_cell(rows, "CON-1", "2023-24")
    assert (cell.tag, cell.detail) == (tag, detail)


def _milestones(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"Contract": "CON-1", "Milestone": name, "Due": pd.Timestamp(due), "Status": status}
            for name, due, status in rows
        ],
        columns=["Contract", "Milestone", "Due", "Status"],
    )


def _deadlines(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"Due": pd.Timestamp(due), "Days left": (due - AS_OF).days, "Contract": "CON-1", "Details": name}
            for name, due in rows
        ],
        columns=["Due", "Days left", "Contract", "Details"],
    )


@pytest.mark.parametrize(
    ("milestones", "deadlines", "tag", "detail"),
    [
        (
            _milestones(("Final report", date(2024, 1, 31), "Overdue"), ("Plan", date(2024, 2, 1), "Overdue")),
            _deadlines(),
            "Overdue",
            "Final report was due 31 Jan 2024 and 1 more",
        ),
        (
            _milestones(("Final report", date(2024, 1, 31), "Done")),
            _deadlines(("Q4 report", date(2024, 4, 10))),
            "Due soon",
            "Q4 report on 10 Apr 2024",
        ),
        (_milestones(), _deadlines(("Q4 report", date(2024, 4, 30))), "Not yet due", "Q4 report on 30 Apr 2024"),
        (_milestones(), _deadlines(), "Nothing due", "nothing due in the next 60 days"),
        # a break decision not taken by its date is overdue, not "due soon" (CON-IA in the small database)
        (
            _milestones(),
            _deadlines(
                ("Decide whether to use the break on 31 January 2024 (overdue)", date(2024, 1, 31)),
                ("Q4 report", date(2024, 4, 10)),
            ),
            "Overdue",
            "Decide whether to use the break on 31 January 2024 (overdue)",
        ),
    ],
)
def test_deadline_cells(milestones, deadlines, tag, detail):
    cell = grid.deadline_cell(milestones, deadlines, "CON-1")
    assert (cell.tag, cell.detail) == (tag, detail)


def test_the_summary_names_every_contract_off_track():
    on_track = grid.GridRow("A", "a", {column: grid.Cell("Met", grid.GREEN) for column in grid.COLUMNS})
    off = grid.GridRow(
        "B",
        "b",
        {
            **on_track.cells,
            grid.KPI_COLUMNS[GROUP]: grid.Cell("Below", grid.RED),
            grid.SPEND: grid.Cell("Overspent", grid.RED),
        },
    )
    assert grid.grid_summary([on_track]) == (
        "The contract is on track. None is below a target or minimum, overspent or overdue."
    )
    assert grid.grid_summary([on_track, on_track]).startswith("All 2 contracts are on track.")
    assert grid.grid_summary([on_track, off]) == "1 of 2 contracts is off track. B: KPI 2 below target and overspent."


def test_an_ended_contract_is_said_to_have_ended_never_off_track():
    """A contract whose end date is before the as-of date has ended: the summary says so first."""
    on_track = grid.GridRow("A", "a", {column: grid.Cell("Met", grid.GREEN) for column in grid.COLUMNS})
    off = grid.GridRow("B", "b", {**on_track.cells, grid.KPI_COLUMNS[GROUP]: grid.Cell("Below", grid.RED)})
    ended = grid.GridRow("C", "c", off.cells, date(2022, 6, 29))
    assert grid.grid_summary([ended]) == "The contract has ended."
    assert grid.grid_summary([ended, ended, ended, ended]) == "All 4 contracts have ended."
    assert grid.grid_summary([on_track, off, ended]) == (
        "1 of 2 running contracts is off track. 1 has ended. B: KPI 2 below target."
    )
    assert grid.grid_summary([on_track, ended]).startswith("The running contract is on track. 1 has ended.")
    assert grid.grid_frame([ended, on_track])["Running or ended"].tolist() == ["Ended 29 Jun 2022", "Running"]


def test_the_grid_row_of_an_ended_contract():
    """Ended on its end date, or on its latest end when an extension is in use; its overdue return is its final one."""
    from dashboard.currency import DataCurrency

    contract = _contract(extension_up_to=date(2026, 3, 31))  # ends 31/03/2025
    as_of = date(2025, 9, 1)
    currency = DataCurrency(
        "CON-1", as_of, date(2024, 12, 31), date(2025, 1, 20), date(2025, 4, 30), date(2025, 3, 31), True, True
    )
    args = ([contract], [], _coverage(), [], "2024-25", _milestones(), _deadlines(), [currency])
    (row,) = grid.status_grid(*args, as_of=as_of)
    assert row.ended == date(2025, 3, 31)
    assert (row.cells[grid.CURRENCY].tag, row.cells[grid.CURRENCY].detail) == (
        "Return overdue",
        "Final return missing since 30 Apr 2025; data to 31 Dec 2024",
    )
    (extended,) = grid.status_grid(*args, as_of=as_of, extended={"CON-1"})
    assert extended.ended is None and extended.cells[grid.CURRENCY].detail.startswith("2024-25 Q4 return was due")


def test_the_columns_name_the_year_they_are_about():
    """The year columns show the latest year with data, never "this year" (it may be years ago)."""
    assert not [column for column in grid.COLUMNS if "this year" in column]
    assert "latest year with data" in grid.MINIMUM_LAS and "latest year with data" in grid.SPEND


def test_the_html_escapes_file_texts_and_links_each_tag_to_its_page():
    from ui.status_grid import grid_html

    row = grid.GridRow(
        "CON-<1>",
        "![p](https://evil.example/p.png) <img src=x onerror=alert(1)>",
        {column: grid.Cell("Met", grid.GREEN, "a & b") for column in grid.COLUMNS},
    )
    html = grid_html([row], "Caption", {"as_of": "2024-03-15"})
    assert "<img" not in html and "&lt;img src=x" in html and "a &amp; b" in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links[0] == "kpis?as_of=2024-03-15&amp;contract=CON-%3C1%3E"
    assert [link.split("?")[0] for link in links] == ["kpis", "kpis", "coverage", "finance", "timelines", "timelines"]
    assert "Ended" not in html
    ended = grid_html([grid.GridRow("C", "c", row.cells, date(2022, 6, 29))], "Caption", {})
    assert re.search(
        r'<th scope="row">C<span class="io-title">c</span><span class="io-detail"><strong '
        r'class="io-tag io-tag--grey">Ended</strong> 29 Jun 2022</span></th>',
        ended,
    )
