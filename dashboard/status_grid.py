"""Where each contract stands, at a glance: the Overview's status grid (and the Board pack's).

One row per contract in view; one cell per question a Board member asks, each a status in
words (a tag), a short detail and the page that explains it:

- each KPI (KPI 1, KPI 2): its verdict against the contract's KPI target (met, below, cannot
  tell yet), "No target" when the register sets none, "No data" with nobody eligible yet,
  "Withheld" when the figures are about the people of one LA (Board views);
- minimum LAs in the latest year with data: the worst support type's LAs supported against the
  register's minimum in the coverage year ("Not set" when the register has no minimum);
- spend in the latest year with data: "Overspent" when any heading's spend is above its allocation
  in the year, else the heading with the largest share spent; an earlier year's heading still
  overspent is named in the detail;
- next deadline: "Overdue" when a milestone or a decision is overdue, "Due soon" within 30 days;
- data currency: up to date, return overdue or unknown (``dashboard.currency``).

A contract whose end date (its latest end when an extension is in use) is before the as-of date
has ended: its row says so, and the summary counts it apart, never as off track.

Pure: the pages build the inputs with the same view functions their detail pages use, so the
grid and the detail pages always agree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import pandas as pd

from dashboard.coverage import SO_FAR
from dashboard.currency import OVERDUE as RETURN_IS_OVERDUE
from dashboard.currency import STATE_NAMES, DataCurrency, quarter_name, run_end
from dashboard.finance import FinanceRow
from dashboard.kpi import VERDICT_MET, VERDICT_NOT_MET, VERDICT_UNDETERMINED, KpiResult
from dashboard.records import ContractTerms
from dashboard.timelines import DUE_SOON_DAYS as SOON_DAYS  # "due soon" (docs: how figures are worked out, "Timelines")
from dashboard.vocabulary import KPI_SHORT_NAMES
from dashboard.wording import counted, listed, long_date, short_date

# GOV.UK tag colours; the words always say the status, the colour only repeats it
GREEN, RED, YELLOW, GREY, BLUE = "green", "red", "yellow", "grey", "blue"

KPI_COLUMNS = dict(KPI_SHORT_NAMES)  # one column per KPI of the vocabulary: kpi -> "KPI 1"
MINIMUM_LAS, SPEND, DEADLINE, CURRENCY = (
    "Minimum LAs (latest year with data)",
    "Spend (latest year with data)",
    "Next deadline",
    "Data currency",
)
COLUMNS = (*KPI_COLUMNS.values(), MINIMUM_LAS, SPEND, DEADLINE, CURRENCY)
# the page that explains each column
PAGES = {
    **dict.fromkeys(KPI_COLUMNS.values(), "kpis"),
    MINIMUM_LAS: "coverage",
    SPEND: "finance",
    DEADLINE: "timelines",
    CURRENCY: "timelines",
}

MET, BELOW, CANNOT_TELL, NO_TARGET, NO_DATA, WITHHELD, NOT_SET = (
    "Met",
    "Below",
    "Cannot tell yet",
    "No target",
    "No data",
    "Withheld",
    "Not set",
)
BELOW_SO_FAR, NONE_DELIVERED, NO_PACKAGES = "Below so far", "None delivered", "No packages"
OVERSPENT, WITHIN, NO_ALLOCATION = "Overspent", "Within allocation", "No allocation"
OVERDUE, DUE_SOON, NOT_YET_DUE, NOTHING_DUE = "Overdue", "Due soon", "Not yet due", "Nothing due"
UNKNOWN, UP_TO_DATE = "Unknown", "Up to date"
ENDED = "Ended"
RETURN_OVERDUE = STATE_NAMES[RETURN_IS_OVERDUE]  # "Return overdue", as the data currency notices say
#: What each tag that means "look at this" says in the summary sentence, by column.
OFF_TRACK = {
    **{(column, BELOW): f"{column} below target" for column in KPI_COLUMNS.values()},
    (MINIMUM_LAS, BELOW): "too few LAs supported",
    (MINIMUM_LAS, BELOW_SO_FAR): "too few LAs supported so far",
    (SPEND, OVERSPENT): "overspent",
    (DEADLINE, OVERDUE): "a deadline overdue",
    (CURRENCY, RETURN_OVERDUE): "a return overdue",
}


@dataclass(frozen=True)
class Cell:
    """One status: a tag in words, its colour, a short detail and the page that explains it."""

    tag: str
    colour: str
    detail: str = ""


@dataclass(frozen=True)
class GridRow:
    contract: str
    title: str
    cells: Mapping[str, Cell]
    ended: date | None = None  # the day the contract ended, when before the as-of date


_VERDICT_TAGS = {VERDICT_MET: (MET, GREEN), VERDICT_NOT_MET: (BELOW, RED), VERDICT_UNDETERMINED: (CANNOT_TELL, YELLOW)}


class ShownKpi(Protocol):
    """What a KPI's cell reads of a KPI as the pages show it (``views.KpiDisplay``)."""

    @property
    def result(self) -> KpiResult: ...
    @property
    def rate(self) -> str: ...
    @property
    def suppressed(self) -> bool: ...


def kpi_cell(display: ShownKpi | None) -> Cell:
    """A KPI's status from its display (``views.KpiDisplay``: texts already carry [u] and [c])."""
    if display is None:
        return Cell(NO_PACKAGES, GREY, "no package of this type")
    result = display.result
    if display.suppressed:
        return Cell(WITHHELD, GREY, "about people in 1 LA [c]")
    if result.eligible == 0 or result.rate is None:
        return Cell(NO_DATA, GREY, "nobody eligible yet")
    detail = f"{display.rate} of {result.eligible}"
    late = f"; {counted(result.late_baseline, 'late baseline')}" if result.late_baseline else ""
    if result.target is None:
        return Cell(NO_TARGET, GREY, f"{detail}; no KPI target in the contract register{late}")
    tag, colour = _VERDICT_TAGS.get(result.verdict, (NO_DATA, GREY))
    return Cell(tag, colour, f"{detail} (target {round(result.target * 100):g} %){late}")


def minimum_cell(coverage: pd.DataFrame, contract: ContractTerms) -> Cell:
    """The worst support type of the coverage year against the register's minimum LAs a year
    (coverage rows as ``views.coverage_frame`` gives them)."""
    rows = coverage[coverage["Contract"] == contract.reference] if not coverage.empty else coverage
    if contract.min_las_per_year is None:
        return Cell(NOT_SET, GREY, "no minimum in the contract register")
    if rows.empty:
        return Cell(NONE_DELIVERED, GREY, "no package active in the year")
    year = rows["Financial year"].iloc[0]
    worst = rows.sort_values("LAs supported").iloc[0]
    count, minimum = int(worst["LAs supported"]), int(contract.min_las_per_year)
    kind = "" if len(rows) == 1 else f" ({str(worst['Support type']).lower()})"
    detail = f"{count} of {minimum} in {year}{kind}"
    against = str(worst["Against minimum"])
    if against == "Meets":
        return Cell(MET, GREEN, detail)
    if against == "Below":
        return Cell(BELOW, RED, detail)
    if against == SO_FAR:
        return Cell(BELOW_SO_FAR, YELLOW, detail + ", year not over")
    return Cell(NOT_SET, GREY, against)


def spend_cell(rows: Iterable[FinanceRow], contract: str, financial_year: str | None) -> Cell:
    """Overspent when any heading of the year is over its allocation (funds cannot move between
    headings), else the heading with the largest share of its allocation spent; a heading of an
    earlier year still overspent is named too, each year once (flags are shown, never dropped)."""
    rows = [row for row in rows if row.contract == contract]
    earlier: dict[str, list[FinanceRow]] = {}
    for row in sorted(rows, key=lambda row: (row.financial_year, row.heading)):
        if row.overspent and financial_year and row.financial_year < financial_year:
            earlier.setdefault(row.financial_year, []).append(row)
    still = "".join(
        f"; still overspent in {year}: " + listed([f"{row.heading} by £{-row.remaining:,.0f}" for row in over])
        for year, over in earlier.items()
    )
    cell = _spend_in_year([row for row in rows if row.financial_year == financial_year], financial_year)
    return Cell(cell.tag, cell.colour, cell.detail + still)


def _spend_in_year(year_rows: list[FinanceRow], financial_year: str | None) -> Cell:
    if not year_rows:
        return Cell(
            NO_ALLOCATION,
            GREY,
            f"nothing allocated or spent in {financial_year}" if financial_year else "no pricing schedule",
        )
    over = [row for row in year_rows if row.overspent]
    if over:
        worst = max(over, key=lambda row: -row.remaining)
        more = f" and {len(over) - 1} more" if len(over) > 1 else ""
        return Cell(OVERSPENT, RED, f"{worst.heading} over by £{-worst.remaining:,.0f}{more} in {financial_year}")
    shares = [row for row in year_rows if row.percent_spent is not None]
    if not shares or not any(row.spent for row in year_rows):
        return Cell(WITHIN, GREEN, f"nothing spent in {financial_year}")
    top = max(shares, key=lambda row: row.percent_spent or 0.0)
    return Cell(WITHIN, GREEN, f"most spent: {top.heading}, {round(top.percent_spent or 0):g} % in {financial_year}")


def deadline_cell(milestones: pd.DataFrame, deadlines: pd.DataFrame, contract: str) -> Cell:
    """Overdue milestones first (``views.timelines.milestone_table``), else the next deadline of the
    contract (``views.timelines.deadline_table``)."""
    overdue = (
        milestones[(milestones["Contract"] == contract) & (milestones["Status"] == "Overdue")]
        if not milestones.empty
        else milestones
    )
    if not overdue.empty:
        first = overdue.sort_values("Due").iloc[0]
        more = f" and {len(overdue) - 1} more" if len(overdue) > 1 else ""
        return Cell(OVERDUE, RED, f"{first['Milestone']} was due {short_date(first['Due'])}{more}")
    mine = deadlines[deadlines["Contract"] == contract] if not deadlines.empty else deadlines
    if mine.empty:
        return Cell(NOTHING_DUE, GREY, "nothing due in the next 60 days")
    first = mine.sort_values("Due").iloc[0]
    details, due = str(first["Details"]), first["Due"]
    when = details if long_date(due) in details else f"{details} on {short_date(due)}"  # a decision names its date
    if int(first["Days left"]) < 0:  # a decision not taken by its date
        return Cell(OVERDUE, RED, when)
    if int(first["Days left"]) <= SOON_DAYS:
        return Cell(DUE_SOON, YELLOW, when)
    return Cell(NOT_YET_DUE, BLUE, when)


def currency_cell(currency: DataCurrency | None, ended: date | None = None) -> Cell:
    """How current the contract's data is (``dashboard.currency``): up to date, return overdue or unknown.
    Of a contract that has ended, the return for the quarter its end falls in is its final return."""
    if currency is None or currency.data_to is None:
        return Cell(UNKNOWN, GREY, "no return states its quarter")
    if currency.return_overdue and currency.next_return_due and currency.next_return_quarter:
        if ended is not None and currency.next_return_quarter >= ended:
            return Cell(
                RETURN_OVERDUE,
                RED,
                f"Final return missing since {short_date(currency.next_return_due)}; data to {short_date(currency.data_to)}",
            )
        return Cell(
            RETURN_OVERDUE,
            RED,
            f"{quarter_name(currency.next_return_quarter)} return was due "
            f"{short_date(currency.next_return_due)}; data to {short_date(currency.data_to)}",
        )
    return Cell(UP_TO_DATE, GREEN, f"data to {short_date(currency.data_to)}")


def status_grid(
    contracts: Sequence[ContractTerms],
    kpi_displays: Sequence[ShownKpi],
    coverage: pd.DataFrame,
    finance_rows: Sequence[FinanceRow],
    spend_year: str | None,
    milestones: pd.DataFrame,
    deadlines: pd.DataFrame,
    currency: Sequence[DataCurrency] = (),
    as_of: date | None = None,
    extended: Collection[str] = (),
) -> list[GridRow]:
    """One row per contract in view, in the register's order (``extended``: the contracts with an
    extension in use, ``timelines.extension_in_use``; their latest end date counts)."""
    displays = {(display.result.contract, display.result.kpi): display for display in kpi_displays}
    currency_of = {item.contract: item for item in currency}
    grid = []
    for contract in contracts:
        end = run_end(contract, contract.reference in extended)
        ended = end if as_of is not None and end < as_of else None
        cells = {
            **{column: kpi_cell(displays.get((contract.reference, kpi))) for kpi, column in KPI_COLUMNS.items()},
            MINIMUM_LAS: minimum_cell(coverage, contract),
            SPEND: spend_cell(finance_rows, contract.reference, spend_year),
            DEADLINE: deadline_cell(milestones, deadlines, contract.reference),
            CURRENCY: currency_cell(currency_of.get(contract.reference), ended),
        }
        grid.append(GridRow(contract.reference, contract.title, cells, ended))
    return grid


RUNNING = "Running or ended"


def ended_text(row: GridRow) -> str:
    """Whether the contract runs on the as-of date, in words: "Ended 29/06/2022" or "Running"."""
    return f"{ENDED} {short_date(row.ended)}" if row.ended else "Running"


def grid_frame(grid: Sequence[GridRow]) -> pd.DataFrame:
    """The grid as a table (for downloads, the Board pack and screen readers): each cell "Tag: detail"."""
    return pd.DataFrame(
        [
            {
                "Contract": row.contract,
                RUNNING: ended_text(row),
                **{
                    column: f"{cell.tag}: {cell.detail}" if cell.detail else cell.tag
                    for column, cell in row.cells.items()
                },
            }
            for row in grid
        ],
        columns=["Contract", RUNNING, *COLUMNS],
    )


def grid_summary(grid: Sequence[GridRow]) -> str:
    """The answer to "which contracts are off track?": those that have ended first, then the count
    of running contracts off track and what is wrong with each (an ended contract is never off track)."""
    if not grid:
        return "No contracts to show."
    running = [row for row in grid if row.ended is None]
    ended = len(grid) - len(running)
    if not running:
        return "The contract has ended." if ended == 1 else f"All {ended} contracts have ended."
    has_ended = f" {ended} {'has' if ended == 1 else 'have'} ended." if ended else ""
    kind = "running contract" if ended else "contract"
    off = {}
    for row in running:
        problems = [
            OFF_TRACK[column, cell.tag] for column, cell in row.cells.items() if (column, cell.tag) in OFF_TRACK
        ]
        if problems:
            off[row.contract] = problems
    if not off:
        return (
            f"{f'The {kind} is' if len(running) == 1 else f'All {len(running)} {kind}s are'} on track."
            f"{has_ended} None {'running ' if ended else ''}is below a target or minimum, overspent or overdue."
        )
    return (
        f"{len(off)} of {counted(len(running), kind)} {'is' if len(off) == 1 else 'are'} off track."
        f"{has_ended} " + " ".join(f"{contract}: {listed(problems)}." for contract, problems in off.items())
    )
