"""What changed since the last Board: each contract's headline figures on two dates, side by side.

Built from two summaries (``dashboard.summary.build_summary``, the JSON of ``python -m dashboard
kpis --json``) for the two as-of dates, so the changes view, its Board pack sheet and the two
dates' JSON always give the same numbers:

- each KPI's rate (whole percentages, as everywhere) and how many people are eligible;
- LAs supported in the later date's financial year, per support type;
- spend to date (every financial year) and the headings overspent.

A KPI whose figures are about the people of one LA is withheld from the Board on both dates
(``[c]``), as on the Board's other views.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from dashboard.calendar import EARLIEST, add_months, financial_year_of
from dashboard.disclosure import SUPPRESSED
from dashboard.kpi import percent
from dashboard.vocabulary import KPI_SHORT_NAMES, SUPPORT_TYPE_NAMES
from dashboard.wording import counted, long_date

COLUMNS = ["Contract", "Figure", "Then", "Now", "Change"]
MONTHS_BACK = 3  # with no Board pack produced yet, compare with 3 months earlier


def default_comparison_date(as_of: date, last_board_pack: date | None) -> date:
    """The date of the last Board pack produced (before ``as_of``), else 3 months earlier (never
    before the first date the dashboard works with)."""
    if last_board_pack is not None and EARLIEST <= last_board_pack < as_of:
        return last_board_pack
    return max(add_months(as_of, -MONTHS_BACK), EARLIEST) if as_of >= EARLIEST else as_of


def _figures(summary: Mapping[str, Any], year: str) -> dict[str, dict[str, Any]]:
    """Contract -> figure name -> value (a number, or None when there is none)."""
    figures: dict[str, dict[str, Any]] = defaultdict(dict)
    for item in summary["kpis"]:
        label = KPI_SHORT_NAMES.get(item["kpi"], item["kpi"])
        figures[item["contract"]][f"{label} rate"] = item["rate"]
        figures[item["contract"]][f"{label} eligible"] = item["eligible"]
    for item in summary["coverage"]:
        if item["financial_year"] == year:
            kind = SUPPORT_TYPE_NAMES.get(item["support_type"], item["support_type"]).lower()
            figures[item["contract"]][f"LAs supported in {year} ({kind})"] = item["las_supported"]
    spent: dict[str, float] = defaultdict(float)
    overspent: dict[str, int] = defaultdict(int)
    for item in summary["finance"]:
        spent[item["contract"]] += item["spent"]
        overspent[item["contract"]] += int(item["remaining"] < 0)
    for contract in spent:
        figures[contract]["Spent to date (£)"] = round(spent[contract], 2)
        figures[contract]["Headings overspent"] = overspent[contract]
    return figures


def _shown(name: str, value: Any, withheld: bool) -> str:
    if withheld:
        return SUPPRESSED
    if value is None:
        return "no data" if name.endswith("rate") else "none"
    if name.endswith("rate"):
        return f"{percent(value)} %"
    if name.endswith("(£)"):
        return f"£{value:,.2f}"
    return f"{value:,}"


def figure_value(name: str, value: Any, withheld: bool) -> Any:
    """The figure as a number for a spreadsheet (a rate as the fraction of its whole percentage,
    so it reads as the text does), or the text when there is no number (``[c]``, "no data", "none")."""
    if withheld or value is None:
        return _shown(name, value, withheld)
    return int(percent(value)) / 100 if name.endswith("rate") else value


def figure_kind(name: str) -> str:
    """How a figure's number is formatted: "percent", "money" or "count"."""
    return "percent" if name.endswith("rate") else "money" if name.endswith("(£)") else "count"


def _change(name: str, then: Any, now: Any, withheld: bool) -> str:
    if withheld:
        return SUPPRESSED
    if then is None and now is None:
        return "no change"
    if then is None:
        return "new"
    if now is None:
        return "no longer reported"
    if name.endswith("rate"):
        points = int(percent(now)) - int(percent(then))
        return "no change" if points == 0 else f"{'up' if points > 0 else 'down'} {counted(abs(points), 'point')}"
    difference = now - then
    if not difference:
        return "no change"
    amount = f"£{abs(difference):,.2f}" if name.endswith("(£)") else f"{abs(difference):,}"
    return f"{'up' if difference > 0 else 'down'} {amount}"


def changes_frame(
    then: Mapping[str, Any],
    now: Mapping[str, Any],
    withheld: frozenset[tuple[str, str]] = frozenset(),
    numbers: bool = False,
) -> pd.DataFrame:
    """Each contract's headline figures on the two summaries' dates (``then`` earlier), with the
    change in words. ``withheld``: (contract, KPI) pairs about the people of one LA, shown ``[c]``.
    ``numbers``: "Then" and "Now" as numbers (``figure_value``), not text, for a spreadsheet."""
    shown = figure_value if numbers else _shown
    year = financial_year_of(date.fromisoformat(now["as_of"]))
    before, after = _figures(then, year), _figures(now, year)
    hidden = {(contract, KPI_SHORT_NAMES.get(kpi, kpi)) for contract, kpi in withheld}
    rows = []
    for contract in sorted(set(before) | set(after)):
        names = list(dict.fromkeys([*after.get(contract, {}), *before.get(contract, {})]))
        for name in sorted(names, key=_order):
            was, is_ = before.get(contract, {}).get(name), after.get(contract, {}).get(name)
            secret = name.startswith("KPI") and (contract, " ".join(name.split()[:2])) in hidden
            rows.append(
                {
                    "Contract": contract,
                    "Figure": name,
                    "Then": shown(name, was, secret),
                    "Now": shown(name, is_, secret),
                    "Change": _change(name, was, is_, secret),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _order(name: str) -> tuple[int, bool, str]:
    """KPI 1, KPI 2 (each rate before its count), coverage, then spend."""
    starts = (*(f"{name} " for name in KPI_SHORT_NAMES.values()), "LAs supported", "Spent", "Headings")
    position = next((at for at, start in enumerate(starts) if name.startswith(start)), 9)
    return position, not name.endswith("rate"), name


def changes_summary(frame: pd.DataFrame, then: date, now: date) -> str:
    """The answer first: how many figures changed; then which KPI rates went down."""
    if frame.empty:
        return f"No figures to compare between {long_date(then)} and {long_date(now)}."
    moved = frame[~frame["Change"].isin(["no change", SUPPRESSED])]
    falling = frame[frame["Figure"].str.endswith("rate") & frame["Change"].str.startswith("down")]
    text = f"{len(moved)} of {counted(len(frame), 'figure')} changed between {long_date(then)} and {long_date(now)}."
    if not falling.empty:
        text += (
            " KPI rates that went down: "
            + "; ".join(
                f"{contract} {str(figure).removesuffix(' rate')} ({change})"
                for contract, figure, change in zip(falling["Contract"], falling["Figure"], falling["Change"])
            )
            + "."
        )
    return text
