"""The "Outcomes and value for money" page and Board pack sheets: tables and sentences.

Pure: records in, DataFrames and sentences out (docs/how-figures-are-worked-out.md,
"Value for money" and "Outcomes"). Worded as description, never as the effect of the
support; programmes are never ranked on cost alone (tables in contract order).

Board members (``aggregate_only``): a row whose participants all lie in one LA (a call-off
for one council, or one year of a contract) is about that LA's people, so its participant
and met counts, and the costs worked out from them, are ``[c]``. Spend, LAs, days and the
costs per LA and per day are about the support, not about people, and are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard.disclosure import SUPPRESSED
from dashboard.outcomes import DECLINED, IMPROVED, SAME, OfstedOutcome
from dashboard.records import ContractTerms, Portfolio
from dashboard.value_for_money import ValueForMoney
from dashboard.wording import counted, long_date, short_date

WHOLE = "All years to date"
SPEND = "Spend (£)"
LAS = "LAs supported"
PARTICIPANTS = "Participants"
MET = "Met the KPI"
DAYS = "Days delivered"
PER_LA = "Cost per LA (£)"
PER_PARTICIPANT = "Cost per participant (£)"
PER_MET = "Cost per person who met the KPI (£)"
PER_DAY = "Cost per day (£)"
VFM_COLUMNS = [
    "Contract",
    "Programme",
    "Financial year",
    SPEND,
    LAS,
    PARTICIPANTS,
    MET,
    DAYS,
    PER_LA,
    PER_PARTICIPANT,
    PER_MET,
    PER_DAY,
]
ABOUT_PEOPLE = (PARTICIPANTS, MET, PER_PARTICIPANT, PER_MET)
COSTS = (PER_LA, PER_PARTICIPANT, PER_MET, PER_DAY)

CAVEATS = (
    (
        "These figures describe what was spent and delivered. They do not show what the support caused: LAs "
        "change for many reasons, and supported LAs were often chosen because they needed help."
    ),
    (
        "Programmes have different aims, people and lengths of support, so a lower cost per unit is not better "
        "value. Compare a programme with itself over time, not with others on cost alone."
    ),
    (
        "Spend is every invoice line dated on or before the as-of date, excluding VAT. Spend in a year can pay for "
        "support that started in an earlier year."
    ),
    (
        "An Ofsted judgement is counted before support when published before the LA's first package started "
        "under the contract, and after support when published after its last package ended. An LA with a "
        "package still running has no 'after'."
    ),
)


def _cost_text(value: int | None, reason: str) -> int | str:
    return reason if value is None else value


def vfm_table(rows: Iterable[ValueForMoney], contracts: Sequence[ContractTerms], aggregate_only: bool) -> pd.DataFrame:
    """One row per contract (and year): the figures, with a word where a cost cannot be worked out."""
    programmes = {terms.reference: terms.programme for terms in contracts}
    records = []
    for row in rows:
        record = {
            "Contract": row.contract,
            "Programme": programmes.get(row.contract, ""),
            "Financial year": row.financial_year or WHOLE,
            SPEND: float(row.spend),
            LAS: row.las_supported,
            PARTICIPANTS: row.participants,
            MET: row.met,
            DAYS: float(row.days),
            PER_LA: _cost_text(row.cost_per_la, "no LAs"),
            PER_PARTICIPANT: _cost_text(row.cost_per_participant, "no participants"),
            PER_MET: _cost_text(row.cost_per_met, "no KPI target" if not row.has_kpi_target else "none met yet"),
            PER_DAY: _cost_text(row.cost_per_day, "no days recorded"),
        }
        if aggregate_only and row.one_la:
            record.update(dict.fromkeys(ABOUT_PEOPLE, SUPPRESSED))
        records.append(record)
    return pd.DataFrame(records, columns=VFM_COLUMNS)


def as_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The table for the screen: a column holding words (``[c]``, "no KPI target") as text throughout,
    numbers with thousands separators ("7,635"), so each column has one type."""
    shown = table.copy()
    for column in shown.columns:
        values = list(shown[column])
        if any(isinstance(v, str) for v in values) and any(isinstance(v, (int, float)) for v in values):
            shown[column] = [v if isinstance(v, str) else f"{v:,}" for v in values]
    return shown


def costs_first(table: pd.DataFrame) -> pd.DataFrame:
    """The table beside the costs chart, its text alternative: the charted costs right after the
    contract, so they are never among the columns left out to fit the page."""
    leading = ["Contract", *COSTS]
    return table[[c for c in leading if c in table.columns] + [c for c in table.columns if c not in leading]]


def vfm_chart_data(table: pd.DataFrame) -> pd.DataFrame:
    """Long form of the whole-contract costs: a bar for each number, labelled with it; a cost given in
    words (``[c]``, "no KPI target") has no bar, only its words, so an empty row never reads as zero."""
    whole = table[table["Financial year"] == WHOLE]
    rows = []
    for _, item in whole.iterrows():
        for column in COSTS:
            value = item[column]
            words = isinstance(value, str)
            rows.append(
                {
                    "Contract": item["Contract"],
                    "Programme": item["Programme"],
                    "Measure": column.removesuffix(" (£)"),
                    "Cost (£)": None if words else value,
                    "Label": value if words else f"{value:,.0f}",
                    "Label at": 0 if words else value,
                }
            )
    return pd.DataFrame(rows, columns=["Contract", "Programme", "Measure", "Cost (£)", "Label", "Label at"])


def spend_answer(table: pd.DataFrame, as_of: date) -> str:
    """The page's opening sentence: what the contracts in view spent in all to the as-of date."""
    whole = table[table["Financial year"] == WHOLE]
    if whole.empty:
        return "No contract is registered yet."
    return f"{counted(len(whole), 'contract')} spent £{whole[SPEND].sum():,.0f} in all up to {long_date(as_of)}."


def vfm_summary(table: pd.DataFrame, as_of: date) -> str:
    """The sentence before the table: answer first, then the caveat that aims differ."""
    whole = table[table["Financial year"] == WHOLE]
    if whole.empty:
        return spend_answer(table, as_of)
    hidden = " Counts about the people of 1 LA are shown as [c]." if (whole == SUPPRESSED).any().any() else ""
    return (
        f"{spend_answer(table, as_of)} Costs per unit are shown in contract order, not ranked. Programmes "
        f"have different aims, so a lower cost is not better value.{hidden}"
    )


# ------------------------------------------------------------------------- Ofsted


OUTCOME_COLUMNS = [
    "Contract",
    "LAs supported",
    "Judged before and after support",
    "Improved",
    "Stayed the same",
    "Declined",
    "Support period",
    "Other LAs judged before and after",
    "Other LAs improved",
    "Other LAs stayed the same",
    "Other LAs declined",
]


def _period_text(period: tuple[date, date | None]) -> str:
    start, end = period
    return f"{short_date(start)} to " + (f"{short_date(end)}" if end else "not ended")


def outcomes_table(found: Iterable[OfstedOutcome]) -> pd.DataFrame:
    """Per contract: how supported LAs' ILACS judgements changed, beside the LAs it did not support."""
    rows = []
    for item in found:
        ended = item.period[1] is not None
        rows.append(
            {
                "Contract": item.contract,
                "LAs supported": item.las_supported,
                "Judged before and after support": item.las_reinspected,
                "Improved": item.count(IMPROVED),
                "Stayed the same": item.count(SAME),
                "Declined": item.count(DECLINED),
                "Support period": _period_text(item.period),
                **(
                    {
                        "Other LAs judged before and after": len(item.others),
                        "Other LAs improved": item.others_count(IMPROVED),
                        "Other LAs stayed the same": item.others_count(SAME),
                        "Other LAs declined": item.others_count(DECLINED),
                    }
                    if ended
                    else dict.fromkeys(OUTCOME_COLUMNS[7:], "support not ended")
                ),
            }
        )
    frame = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    if (frame["Support period"].str.endswith("not ended")).any():
        for column in OUTCOME_COLUMNS[7:]:
            frame[column] = frame[column].astype(object)
    return frame


def outcomes_summary(found: Sequence[OfstedOutcome]) -> str:
    if not found:
        return "No contract has supported an LA yet, so there is nothing to compare."
    judged = sum(item.las_reinspected for item in found)
    improved = sum(item.count(IMPROVED) for item in found)
    declined = sum(item.count(DECLINED) for item in found)
    return (
        f"{improved} improved, {judged - improved - declined} stayed the same and {declined} declined, of "
        f"{counted(judged, 'Ofsted judgement')} of supported LAs published before and after their support, "
        f"under {counted(len(found), 'contract')}. An LA supported under 2 contracts counts under each. "
        f"This describes what happened. It does not show that the support caused it."
    )


def la_changes_table(found: Iterable[OfstedOutcome], la_names: Mapping[str, str]) -> pd.DataFrame:
    """Each supported LA judged before and after (public Ofsted judgements; not for the Board's view,
    which is aggregate only)."""
    rows = [
        {
            "Contract": item.contract,
            "LA": f"{la_names.get(change.la_code, change.la_code)} ({change.la_code})",
            "Before support": change.before.judgement,
            "Published (before)": change.before.published,
            "After support": change.after.judgement,
            "Published (after)": change.after.published,
            "Change": {IMPROVED: "Improved", SAME: "Stayed the same", DECLINED: "Declined"}[change.change],
        }
        for item in found
        for change in item.changes
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "Contract",
            "LA",
            "Before support",
            "Published (before)",
            "After support",
            "Published (after)",
            "Change",
        ],
    )


# --------------------------------------------------------------------------- page


@dataclass(frozen=True)
class OutcomesPage:
    value_for_money: pd.DataFrame  # whole contracts, then each year
    chart_data: pd.DataFrame
    vfm_summary: str
    outcomes: pd.DataFrame
    outcomes_summary: str
    la_changes: pd.DataFrame  # empty for the Board (aggregate only)


def outcomes_page(
    data: Portfolio, as_of: date, aggregate_only: bool, financial_year: str | None = None
) -> OutcomesPage:
    """Everything the page shows, from the records of ``data`` (contracts, units, responses,
    invoice lines, LAs, ILACS ``judgements``). ``financial_year``: the year rows of that year only."""
    from dashboard.coverage import LAIndex
    from dashboard.kpi import unit_outcomes
    from dashboard.outcomes import ofsted_outcomes
    from dashboard.value_for_money import value_for_money, value_for_money_by_year

    index = LAIndex(data.las)
    statuses = unit_outcomes(data.units, data.responses, as_of)
    years = [
        row
        for row in value_for_money_by_year(data.contracts, data.units, statuses, data.invoice_lines, as_of, index)
        if financial_year is None or row.financial_year == financial_year
    ]
    table = vfm_table(
        [*value_for_money(data.contracts, data.units, statuses, data.invoice_lines, as_of, index), *years],
        data.contracts,
        aggregate_only,
    )
    found = ofsted_outcomes(data.units, getattr(data, "judgements", ()), index, as_of)
    names = {la.code: la.name for la in data.las}
    return OutcomesPage(
        value_for_money=table,
        chart_data=vfm_chart_data(table),
        vfm_summary=vfm_summary(table, as_of),
        outcomes=outcomes_table(found),
        outcomes_summary=outcomes_summary(found),
        la_changes=la_changes_table([] if aggregate_only else found, names),
    )


@dataclass(frozen=True)
class OutcomesInputs:
    """What the Outcomes page's figures are for: the as-of date, the year chosen and who is looking."""

    as_of: date
    financial_year: str | None = None
    board: bool = False  # aggregate figures only (``access.aggregate_only``)


def build(portfolio: Portfolio, inputs: OutcomesInputs) -> OutcomesPage:
    """Everything the Outcomes page draws, from the records of the contracts chosen."""
    return outcomes_page(portfolio, inputs.as_of, inputs.board, inputs.financial_year)
