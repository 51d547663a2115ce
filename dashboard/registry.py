"""Every KPI, status and flag the dashboard shows, documented for its users.

One entry per measure, status or flag: what it means in plain English (the
rule as ``rules.md`` states it), the contract's own wording where there is
one, how small numbers are shown, and the caveats and assumptions behind it
(the choices the contract leaves open). The Methodology page is generated
from this registry, and ``tests/test_registry.py`` fails when a status or a
flag kind in the rules has no entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import finance, kpi, outcomes, terms, timelines, value_for_money
from dashboard import outcomes_indicators as oi
from dashboard.disclosure import LOW_RELIABILITY, SUPPRESSED
from dashboard.vocabulary import CHASE_WITHIN_DAYS, KPI_NUMBER, RELIABLE_FROM

KIND_KPI = "kpi"
KIND_KPI_STATUS = "kpi_status"
KIND_VERDICT = "verdict"
KIND_SLA = "sla"
KIND_FINANCE_FLAG = "finance_flag"
KIND_MILESTONE_STATUS = "milestone_status"
KIND_DATA_FLAG = "data_flag"
KIND_VALUE_FOR_MONEY = "value_for_money"
KIND_OUTCOMES = "outcomes"
KIND_INDICATOR = "outcome_indicator"

KIND_TITLES = {
    KIND_KPI: "Key performance indicators",
    KIND_KPI_STATUS: "KPI status of each participant",
    KIND_VERDICT: "Is the target met?",
    KIND_SLA: "Service levels (SLAs)",
    KIND_FINANCE_FLAG: "Finance flags",
    KIND_MILESTONE_STATUS: "Milestone statuses",
    KIND_DATA_FLAG: "Data quality flags",
    KIND_VALUE_FOR_MONEY: "Value for money",
    KIND_OUTCOMES: "Outcomes of supported LAs",
    KIND_INDICATOR: "LA profile and outcome indicators",
}

SMALL_RATES = (
    f"A rate on fewer than {RELIABLE_FROM} eligible participants is marked {LOW_RELIABILITY} (low reliability: "
    "treat it with caution). It is shown with its interval and verdict, but not drawn on charts. "
    f"Board members see {SUPPRESSED} (confidential) in place of a count about the people of 1 local authority. "
    "They also see it in place of any rate worked out from that count, and of any figure that would give the "
    "count away when added to or taken from figures on other Board views."
)
SMALL_STATUS_COUNTS = (
    f"Shown as a count. Board members see {SUPPRESSED} in place of a count about the people of 1 local "
    "authority. Every other count in its row is withheld too, zeros included, and so is any count that would "
    "give it away when added to or taken from counts on other Board views."
)
NOT_PERSONAL = "Not about people, so every role sees it in full."
TERMS_INTRODUCTION = (
    "Every number that belongs to a contract comes from its row of the contract register. The dashboard never "
    "uses a default. A term the register leaves blank does not apply to that contract: nothing is flagged or "
    f"judged against it, and the pages say it is '{terms.NOT_SET}'. The terms, and what each is used for:"
)
PUBLISHED = (
    "Published DfE figures about a whole LA, not about people, so they are shown in full. LA profiles "
    "are for case leads, contract managers and administrators. The Board sees only totals."
)
DESCRIPTIVE = (
    "This describes what happened. It does not show that support caused a change. An LA's figures "
    "move for many reasons, such as its size, the year's data collection, changes in recording or "
    "other support."
)
KPI_WORDING = (
    '"75% of corporate and political leaders ... receiving one-to-one support [KPI 1] / of '
    "individuals working in political groups ... receiving support [KPI 2], feel more confident "
    "about their role in improving children's social care and SEND services and can demonstrate "
    'the impact of this, within 3 months of the support ending."'
)


@dataclass(frozen=True)
class Entry:
    """One documented measure, status or flag."""

    id: str
    kind: str  # one of KIND_TITLES
    name: str
    definition: str  # plain English, the rule as rules.md states it
    contract_wording: str | None
    small_numbers: str
    caveats: tuple[str, ...] = ()


_KPI_CAVEATS = (
    "A package that starts after the as-of date does not count at all (it is not a participant yet).",
    "A package with no end date, or ending after the as-of date, is 'In progress'. It is left out of the rate.",
    (
        "A baseline dated after the package ended still counts as the baseline: the contract sets no "
        "deadline for it. If there are several baselines, the earliest is used."
    ),
    (
        "A missing baseline counts against the KPI. A participant with a follow-up but no baseline is "
        "eligible, but cannot have met it ('No baseline'), because no improvement can be shown."
    ),
    (
        "Only follow-ups dated from the package end date to 3 months after it (both days included) count. "
        "If there are several, the latest is used. Responses dated after the as-of date are ignored."
    ),
    (
        "'3 months after' is the same day three calendar months later, or the month's last day when that "
        "day does not exist (30 November + 3 months = 28 February)."
    ),
    "When a financial year is chosen, the KPI covers packages that ended in that year.",
    "A participant counted twice in a return (same package and participant) is one unit.",
)

ENTRIES: tuple[Entry, ...] = (
    # ------------------------------------------------------------------ KPIs
    Entry(
        id="kpi1",
        kind=KIND_KPI,
        name="KPI 1: leaders more confident after one-to-one support",
        definition=(
            "The share of leaders who rated their confidence higher at follow-up than at baseline, and said "
            "they can show the impact. It counts leaders whose one-to-one support has ended, and whose "
            "3-month follow-up window has closed or who have already answered the follow-up. "
            "A leader whose window closed with no follow-up has not met it ('No response'). "
            "Rate = met / eligible, where eligible = met + not met + no baseline + no response. Pending "
            "and in-progress participants are left out. "
            "The rate is shown with its 95 % interval (Wilson score) against the contract's target: its "
            f"'{terms.KPI_TARGET.column}' in the contract register. {terms.NO_KPI_TARGET_SENTENCE}"
        ),
        contract_wording=KPI_WORDING,
        small_numbers=SMALL_RATES + " With no eligible participants the rate is 'no data', never 0 % or 100 %.",
        caveats=_KPI_CAVEATS,
    ),
    Entry(
        id="kpi2",
        kind=KIND_KPI,
        name="KPI 2: group members more confident after group support",
        definition=(
            "The same rule as KPI 1, for each person in a group support package (for example a cabinet or a "
            "scrutiny committee). Each participant counts once for each package. Rate = met / eligible, with "
            "its 95 % interval (Wilson score) against the contract's target (the contract register's "
            f"'{terms.KPI_TARGET.column}'). {terms.NO_KPI_TARGET_SENTENCE}"
        ),
        contract_wording=KPI_WORDING,
        small_numbers=SMALL_RATES + " With no eligible participants the rate is 'no data', never 0 % or 100 %.",
        caveats=_KPI_CAVEATS,
    ),
    # --------------------------------------------------------- KPI statuses
    Entry(
        id=f"status:{kpi.MET}",
        kind=KIND_KPI_STATUS,
        name="Met",
        definition=(
            "There is a baseline and a follow-up. The follow-up confidence score (1 to 5) is higher than "
            "the baseline score, and the follow-up says the impact was shown ('yes')."
        ),
        contract_wording='"feel more confident ... and can demonstrate the impact of this"',
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=("An equal score is not an improvement. An impact answer left blank is not 'yes'.",),
    ),
    Entry(
        id=f"status:{kpi.NOT_MET}",
        kind=KIND_KPI_STATUS,
        name="Not met",
        definition="There is a baseline and a follow-up, but confidence did not rise or the impact was not shown.",
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=("Counts among the eligible people the rate is worked out on.",),
    ),
    Entry(
        id=f"status:{kpi.NO_BASELINE}",
        kind=KIND_KPI_STATUS,
        name="No baseline",
        definition="There is a follow-up but no baseline, so no improvement can be shown.",
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=(
            (
                "The contract leaves this open. We count a missing baseline against the KPI (eligible, not met) "
                "rather than leave it out, so missing baselines cannot make the rate look better."
            ),
        ),
    ),
    Entry(
        id=f"status:{kpi.PENDING}",
        kind=KIND_KPI_STATUS,
        name="Pending",
        definition=(
            "The package has ended, there is no follow-up yet, and the 3-month follow-up window is still "
            "open on the as-of date."
        ),
        contract_wording='"within 3 months of the support ending"',
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=(
            (
                "Not in the rate until the window closes. The KPIs page lists windows closing within "
                f"{CHASE_WITHIN_DAYS} days, so you can chase them."
            ),
        ),
    ),
    Entry(
        id=f"status:{kpi.AWAITING_RETURN}",
        kind=KIND_KPI_STATUS,
        name="Awaiting return",
        definition=(
            "The package has ended and there is no follow-up. The 3-month follow-up window closed after the "
            "contract's 'data to' date, so the quarterly return that would hold the follow-up has not arrived yet."
        ),
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=(
            "Not in the rate, like pending. A quarter whose return has not arrived is never read as failure.",
            (
                "Only where the contract's returns state their reporting quarter. When the data currency is not "
                "known, the window is judged against the as-of date."
            ),
        ),
    ),
    Entry(
        id=f"status:{kpi.NO_RESPONSE}",
        kind=KIND_KPI_STATUS,
        name="No response",
        definition=(
            "The package has ended and no follow-up came in its window. The window closed on or before the "
            "contract's 'data to' date (or the as-of date, when the data currency is not known)."
        ),
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=(
            "Counts against the KPI (eligible, not met). A window ending on the as-of date counts as closed.",
            (
                "A follow-up dated outside the window (before the package ended, or more than 3 months after) "
                "is ignored."
            ),
        ),
    ),
    Entry(
        id=f"status:{kpi.IN_PROGRESS}",
        kind=KIND_KPI_STATUS,
        name="In progress",
        definition="Support is still going on: the package has no end date, or ends after the as-of date.",
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=("Not part of the KPI. Packages starting after the as-of date are not counted at all.",),
    ),
    # ------------------------------------------------------------- verdicts
    Entry(
        id=f"verdict:{kpi.VERDICT_MET}",
        kind=KIND_VERDICT,
        name="Meets the target",
        definition="The target is met: the whole 95 % interval is at or above it.",
        contract_wording=None,
        small_numbers=SMALL_RATES,
        caveats=("The fewer participants counted, the wider the interval.",),
    ),
    Entry(
        id=f"verdict:{kpi.VERDICT_NOT_MET}",
        kind=KIND_VERDICT,
        name="Below the target",
        definition="The target is not met: the whole 95 % interval is below it.",
        contract_wording=None,
        small_numbers=SMALL_RATES,
    ),
    Entry(
        id=f"verdict:{kpi.VERDICT_UNDETERMINED}",
        kind=KIND_VERDICT,
        name="Cannot yet tell",
        definition=(
            "We cannot tell yet whether the target is met, because the 95 % interval includes it. "
            "More follow-ups will narrow the interval."
        ),
        contract_wording=None,
        small_numbers=SMALL_RATES,
    ),
    Entry(
        id=f"verdict:{kpi.VERDICT_NO_DATA}",
        kind=KIND_VERDICT,
        name="No data",
        definition="There is no rate, because nobody is eligible yet: no one has a follow-up or a closed follow-up window.",
        contract_wording=None,
        small_numbers="Shown as 'no data', never 0 % or 100 %.",
    ),
    Entry(
        id=f"verdict:{kpi.VERDICT_NO_TARGET}",
        kind=KIND_VERDICT,
        name="No target",
        definition=(
            f"The contract has no confidence KPI: the contract register gives it no '{terms.KPI_TARGET.column}'. "
            "Its rate and interval are still worked out and shown, but never judged met or below."
        ),
        contract_wording=None,
        small_numbers=SMALL_RATES,
    ),
    # ------------------------------------------------------------------ SLAs
    Entry(
        id="sla:coverage",
        kind=KIND_SLA,
        name="Coverage: local authorities supported per year",
        definition=(
            "An LA is supported in a financial year (April to March) for a support type when at least one "
            "package of that type in that LA was active in the year. Active means it started on or before the "
            "as-of date and by the year's end, and had not ended before the year began. The number of "
            f"different LAs is compared with the contract's own minimum: its '{terms.MIN_LAS.column}' in the "
            "contract register. A contract with no minimum there is not judged. "
            "For each region, supported LAs are shown against all the LAs in the region that year."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "A year that begins after the as-of date has no coverage yet.",
            "A year not over on the as-of date is not judged below its minimum. It shows the LAs supported so far.",
            (
                "Changes to LAs from 2019 to 2023 are followed, so no LA is counted twice or missed. A renamed or "
                "recoded LA (for example North Yorkshire) counts once. An LA that was split (for example Cumbria in "
                "2023) keeps its old code for packages that started before the split."
            ),
            (
                "The hex map uses the 2023 LA boundaries. Support given to an LA that no longer exists (for example "
                "Cumbria) is listed under the map, not drawn on it."
            ),
        ),
    ),
    Entry(
        id="sla:targeting",
        kind=KIND_SLA,
        name="Targeting: share of supported LAs in greatest need",
        definition=(
            "The share of supported LAs that were in greatest need when their package started. That means "
            "judged Inadequate or Requires improvement by Ofsted (ILACS), with a SEND Written Statement of "
            "Action, or flagged as declining. The Coverage page also lists LAs judged Inadequate, or with a "
            "Written Statement of Action, that had no support in the year."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            (
                "'When their package started' means the latest Ofsted judgement or LA status record dated on or "
                "before the package's start date. An LA with no record then counts as not a priority, and is listed."
            ),
            (
                "Ofsted ILACS judgements start in January 2018. An LA with no judgement on record before a date "
                "is shown as 'Not known' then. This is not Ofsted's 'Not inspected'."
            ),
            "'Requires improvement to be good' is shown as 'Requires improvement'.",
        ),
    ),
    Entry(
        id="sla:package_days",
        kind=KIND_SLA,
        name="Minimum days in a one-to-one package",
        definition=(
            "One-to-one packages must have at least the contract's minimum number of days: its "
            f"'{terms.MIN_PACKAGE_DAYS.column}' in the contract register. Packages below it "
            "are flagged, never rejected. A contract with no minimum there has no package flagged."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "A package's days are the largest 'Days delivered' on any of its rows.",
            "A package with no days recorded is shown as 'days unknown', not as below the minimum.",
            "Only packages that have ended by the as-of date are checked. A running package may still reach it.",
        ),
    ),
    # ------------------------------------------------------- finance flags
    Entry(
        id=f"flag:{finance.DAY_RATE_ABOVE_CAP}",
        kind=KIND_FINANCE_FLAG,
        name="Day rate above the cap",
        definition=(
            f"An invoice line's day rate is above the contract's cap. The cap is its '{terms.DAY_RATE_CAP.column}' "
            f"in the contract register, or its '{terms.EXECUTIVE_DAY_RATE_CAP.column}' for a line at executive level "
            "where the register sets one. Each line is checked on its own."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "A rate equal to the cap is not above it. A contract with no cap in the register has no line flagged.",
        ),
    ),
    Entry(
        id=f"flag:{finance.AMOUNT_MISMATCH}",
        kind=KIND_FINANCE_FLAG,
        name="Amount does not match days x day rate",
        definition=(
            f"A line's amount is more than £{finance.AMOUNT_TOLERANCE} away from its days times its day "
            "rate. This is checked only when both are given."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(f"Differences of £{finance.AMOUNT_TOLERANCE} or less are treated as rounding.",),
    ),
    Entry(
        id=f"flag:{finance.OVERHEADS_ABOVE_CAP}",
        kind=KIND_FINANCE_FLAG,
        name="Overheads above the contract's cap",
        definition=(
            "An invoice's overhead lines add up to more than the contract's "
            f"'{terms.OVERHEADS_CAP.column}' (a percentage in the contract register) of the other costs on the "
            "same invoice. Only contracts whose register sets a cap are checked."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            (
                f"A line is overheads when its heading contains the word '{finance.OVERHEADS_WORD}'. Every other line "
                "of the invoice is other costs, including expenses. Exactly at the cap is allowed."
            ),
        ),
    ),
    Entry(
        id=f"flag:{finance.LATE_INVOICE}",
        kind=KIND_FINANCE_FLAG,
        name="Late invoice",
        definition=f"An invoice is dated more than {finance.INVOICE_DAYS_ALLOWED} days after the end of the quarter it bills.",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            (
                f"Exactly {finance.INVOICE_DAYS_ALLOWED} days is on time. An invoice billing several quarters is checked "
                "for each."
            ),
        ),
    ),
    Entry(
        id=f"flag:{finance.OVERSPEND}",
        kind=KIND_FINANCE_FLAG,
        name="Spend above allocation",
        definition=(
            "Spend is above the pricing schedule's allocation for that expenditure heading and financial year. "
            "Spend means invoice line amounts excluding VAT, dated on or before the as-of date. Spend under a "
            "heading with no allocation that year is all overspend."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            (
                "Each heading is compared for each year on its own, never added together. A total across headings "
                "can look fine while one heading is overspent."
            ),
            "A line's year is the year it bills, not the year of its invoice date.",
            (
                "Forecasts are a straight line through the spend of the quarters invoiced so far: spend to date, "
                "divided by the days to the end of the latest quarter invoiced, times the days in the year. They are "
                "always labelled as forecasts."
            ),
        ),
    ),
    Entry(
        id=f"flag:{finance.EXPENSES_ON_INCLUSIVE_RATE}",
        kind=KIND_FINANCE_FLAG,
        name="Expenses billed although rates include them",
        definition=(
            f"The contract register says '{terms.RATES_INCLUDE_EXPENSES.column}' = yes, but an invoice line "
            "bills a heading or role whose name contains "
            + " or ".join(f"'{word}'" for word in finance.EXPENSE_WORDS)
            + "."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "Capital letters do not matter ('Travel and subsistence', 'EXPENSES'). Each line is flagged on its own.",
            f"A contract whose register leaves '{terms.RATES_INCLUDE_EXPENSES.column}' blank or says no is not checked.",
        ),
    ),
    Entry(
        id=f"flag:{finance.SPEND_ABOVE_VALUE}",
        kind=KIND_FINANCE_FLAG,
        name="Spend above the contract value",
        definition=(
            f"The contract's spend to date is above its '{terms.VALUE.column}' in the contract register. Spend to "
            "date is all years and headings together: invoice line amounts excluding VAT, dated on or before the "
            "as-of date."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "Flagged once for each contract, in the financial year of the line that took spend past the value.",
            f"A contract with no '{terms.VALUE.column}' in the register is not checked.",
        ),
    ),
    # --------------------------------------------------- milestone statuses
    Entry(
        id=f"milestone:{timelines.DONE}",
        kind=KIND_MILESTONE_STATUS,
        name="Done",
        definition="The milestone was completed on or before its due date (and on or before the as-of date).",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("A completed date after the as-of date does not count yet.",),
    ),
    Entry(
        id=f"milestone:{timelines.DONE_LATE}",
        kind=KIND_MILESTONE_STATUS,
        name="Done late",
        definition=(
            "The milestone was completed after its due date. It is shown with the days late (completed date "
            "minus due date), never as plain 'Done'."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("A completed date after the as-of date does not count yet. Until then the milestone is overdue.",),
    ),
    Entry(
        id=f"milestone:{timelines.OVERDUE}",
        kind=KIND_MILESTONE_STATUS,
        name="Overdue",
        definition="Not completed, and the due date is before the as-of date.",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
    ),
    Entry(
        id=f"milestone:{timelines.DUE_SOON}",
        kind=KIND_MILESTONE_STATUS,
        name="Due soon",
        definition=f"Not completed, and due within {timelines.DUE_SOON_DAYS} days of the as-of date.",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            (
                f"Quarterly progress reports and invoices are also due {timelines.DAYS_AFTER_QUARTER_END} days after the "
                "end of each quarter while the contract runs. They are listed with the milestones as deadlines."
            ),
        ),
    ),
    Entry(
        id=f"milestone:{timelines.UPCOMING}",
        kind=KIND_MILESTONE_STATUS,
        name="Upcoming",
        definition=f"Not completed, and due more than {timelines.DUE_SOON_DAYS} days after the as-of date.",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
    ),
    # ---------------------------------------------------------- data flags
    Entry(
        id=f"package_days:{timelines.BELOW_MINIMUM}",
        kind=KIND_DATA_FLAG,
        name="Package below the minimum days",
        definition="An ended one-to-one package whose days delivered are fewer than the contract's minimum.",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("Flagged, never rejected. The package still counts for the KPIs and coverage.",),
    ),
    Entry(
        id=f"package_days:{timelines.UNKNOWN_DAYS}",
        kind=KIND_DATA_FLAG,
        name="Package days unknown",
        definition="An ended one-to-one package with no days delivered recorded on any of its rows.",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
    ),
    Entry(
        id="data:missing_from_later_return",
        kind=KIND_DATA_FLAG,
        name="Row missing from a later return",
        definition=(
            "Each quarterly return holds every row so far. A participant, survey response or invoice line that "
            "an earlier return listed, but a later return does not, is kept and flagged. It is never deleted."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            (
                "Flagged rows still count in every figure until the contract manager corrects the return. "
                "The dashboard does not guess whether the row was withdrawn or left out by mistake."
            ),
            "The flag clears when a later return lists the row again.",
        ),
    ),
    # ------------------------------------------------- LA profile and outcome indicators
    Entry(
        id="profile:support_timeline",
        kind=KIND_INDICATOR,
        name="Support received (LA profile timeline)",
        definition=(
            "Every package of support in the LA, under any contract, that started on or before the as-of date, "
            "oldest first. It also shows every 6-monthly intervention review due by then. Days delivered: the "
            "largest 'Days delivered' on a package's rows (a group package's days are not multiplied by its "
            "people). KPI outcome: how many of its participants have each KPI status (the KPI rules above)."
        ),
        contract_wording=None,
        small_numbers=(
            "Counts of 1 LA's participants are shown only to case leads, contract managers and "
            "administrators. Participants are listed only to those who may see them."
        ),
    ),
    Entry(
        id="profile:ilacs_dates",
        kind=KIND_INDICATOR,
        name="Ofsted ILACS judgement dates",
        definition=(
            "Each ILACS judgement is shown with the date of the inspection and the date Ofsted published it. "
            "Everywhere, a judgement counts from its publication date. An imported LA status that gives only "
            "the ILACS date counts from that date, and its publication date is left blank."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("ILACS began in January 2018. No judgement before then is held.",),
    ),
    Entry(
        id="indicator:neighbours",
        kind=KIND_INDICATOR,
        name="Statistical neighbours' median and range",
        definition=(
            "For each DfE LAIT measure and year: the median, lowest and highest value among the LA's 10 DfE "
            "statistical neighbours (May 2025) that have a figure. They are shown beside the LA's own value, "
            "its region's and England's for the same year. A value published as '-' (not available or "
            "suppressed) is left out, never counted as 0. The table says how many neighbours had a figure."
        ),
        contract_wording=None,
        small_numbers=PUBLISHED,
        caveats=(
            DESCRIPTIVE,
            (
                "The neighbours are DfE's 2025 set, used for every year. An earlier year's neighbours may have "
                "been different."
            ),
            (
                "A year is as LAIT labels it. What it covers depends on the measure: a financial, academic or "
                "calendar year, or a count at 31 March or the end of September."
            ),
        ),
    ),
    Entry(
        id="indicator:better_than",
        kind=KIND_INDICATOR,
        name="Better than N of its 10 statistical neighbours",
        definition=(
            "How many of the LA's neighbours with a figure for the year it is strictly better than. This uses the "
            f"measure's polarity ('{oi.HIGH}': a higher value is better; '{oi.LOW}': a lower value is better). A "
            "neighbour with the same value is not counted. A measure without polarity (for example a rate per "
            "10,000) is never called better or worse. The sentence says how many neighbours it is higher than."
        ),
        contract_wording=None,
        small_numbers=PUBLISHED,
        caveats=(DESCRIPTIVE,),
    ),
    Entry(
        id="indicator:quartile_band",
        kind=KIND_INDICATOR,
        name="Quartile band",
        definition=(
            "As DfE's LAIT bands an LA: the lowest, lower quartile, median, upper quartile and highest of every "
            "LA's value that year (linear between the two nearest values, as R's quantile does by default), then, "
            f"where lower is better, up to the lower quartile '{oi.BANDS[0]}', up to the median "
            f"'{oi.BANDS[1]}', up to the upper quartile '{oi.BANDS[2]}', above it '{oi.BANDS[3]}'; where higher "
            f"is better the other way round. '{oi.BANDS[0]}' is always the best quarter. A measure without "
            f"polarity has no band ('{oi.NO_BAND}')."
        ),
        contract_wording=None,
        small_numbers=PUBLISHED,
        caveats=(
            (
                "Every LA LAIT lists with a figure that year counts, including councils that existed then and "
                "were later reorganised."
            ),
        ),
    ),
    Entry(
        id="indicator:support_shading",
        kind=KIND_INDICATOR,
        name="Support periods on the indicator charts",
        definition=(
            "Grey bands on each chart run from each package's start to its end (to the as-of date while it runs). "
            "Packages that overlap are merged. Bands are placed on the chart's years by the date within the "
            "calendar year."
        ),
        contract_wording=None,
        small_numbers=PUBLISHED,
        caveats=(DESCRIPTIVE,),
    ),
    Entry(
        id="indicator:group_change",
        kind=KIND_INDICATOR,
        name="Change in supported LAs beside their neighbours",
        definition=(
            "For a measure and 2 years: the median change of the supported LAs with a figure in both years. It "
            "is shown beside the median change of their statistical neighbours that had no support themselves "
            "(each counted once) and have a figure in both years. The years are the latest before support "
            "started and the latest after it ended. Only totals: no person and no single LA is shown."
        ),
        contract_wording=None,
        small_numbers=PUBLISHED,
        caveats=(
            DESCRIPTIVE,
            (
                "Neighbours are a comparison, not a control group. DfE chose them because they are alike, "
                "not because they had no support of any kind."
            ),
        ),
    ),
)

# ------------------------------------------------- value for money and outcomes
_DESCRIPTIVE = (
    "These figures describe costs only. Programmes have different aims, so they are never ranked on "
    "cost alone. No figure here is the effect of the support."
)
_ABOUT_PEOPLE = (
    f"Board members see {SUPPRESSED} in place of a count about the people of 1 local authority (a "
    "contract, or a year of it, whose participants are all in 1 LA), and of any cost worked out "
    "from it."
)
_VFM_PEOPLE = ("participants", "met", "cost_per_participant", "cost_per_met")
ENTRIES += tuple(
    Entry(
        id=f"vfm:{key}",
        kind=KIND_VALUE_FOR_MONEY,
        name=name,
        definition=definition,
        contract_wording=None,
        small_numbers=_ABOUT_PEOPLE if key in _VFM_PEOPLE else NOT_PERSONAL,
        caveats=(
            _DESCRIPTIVE,
            *((value_for_money.ROUNDING,) if key.startswith("cost_") else ()),
            (
                "For each financial year (on the page and in the Board pack): spend billed in the year, LAs with a "
                "package active in it, participants whose package started in it, people who met the KPI among "
                "packages that ended in it, and days of packages that started in it. Years do not add up to the whole."
            ),
        ),
    )
    for key, (name, definition) in value_for_money.FIGURES.items()
) + tuple(
    Entry(
        id=f"outcomes:{key}",
        kind=KIND_OUTCOMES,
        name=name,
        definition=definition,
        contract_wording=None,
        small_numbers="Counts of LAs from Ofsted's published judgements, not about people, so every role sees "
        "them. The Board sees the counts for each contract, not the LAs.",
        caveats=(
            (
                "This describes what happened. It is never the effect of the support. LAs change for many reasons, "
                "and supported LAs were often chosen because they needed help."
            ),
            (
                "'Before' and 'after' are strict. A judgement published on the day the first package started is "
                "not before it. One published on the day the last package ended is not after it."
            ),
            (
                "Judgements are Ofsted's published ILACS history (2018 to 2025), dated by publication. LA status "
                "uploads are not used here, because they give no publication date. 'Not inspected' is not a judgement."
            ),
            (
                "A council that only changed its code (North Yorkshire in 2023) is 1 LA, with its judgements under "
                "both codes. A merged or split council (Cumbria in 2023) is a different LA."
            ),
        ),
    )
    for key, (name, definition) in outcomes.FIGURES.items()
)

_BY_ID = {entry.id: entry for entry in ENTRIES}
if len(_BY_ID) != len(ENTRIES):  # pragma: no cover - a typo in the table above
    raise RuntimeError("duplicate registry ids")


def entry(entry_id: str) -> Entry:
    """The entry with this id (KeyError when there is none)."""
    return _BY_ID[entry_id]


def has_entry(entry_id: str) -> bool:
    return entry_id in _BY_ID


def kpi_id(kpi: str) -> str:
    """ "kpi1": the entry of KPI 1 (one-to-one)."""
    return f"kpi{KPI_NUMBER[kpi]}"


def kpi_status_id(status: str) -> str:
    return f"status:{status}"


def verdict_id(verdict: str) -> str:
    return f"verdict:{verdict}"


def finance_flag_id(kind: str) -> str:
    return f"flag:{kind}"


def milestone_status_id(status: str) -> str:
    return f"milestone:{status}"


def package_days_id(status: str) -> str:
    return f"package_days:{status}"


def required_ids() -> list[str]:
    """Ids every status and flag kind of the rules needs (so a new one without documentation fails a test)."""
    return (
        [kpi_id(kpi) for kpi in KPI_NUMBER]
        + ["sla:coverage", "sla:targeting", "sla:package_days", "data:missing_from_later_return"]
        + [kpi_status_id(status) for status in kpi.STATUSES]
        + [
            verdict_id(v)
            for v in (
                kpi.VERDICT_MET,
                kpi.VERDICT_NOT_MET,
                kpi.VERDICT_UNDETERMINED,
                kpi.VERDICT_NO_DATA,
                kpi.VERDICT_NO_TARGET,
            )
        ]
        + [finance_flag_id(kind) for kind in finance.FLAG_KINDS]
        + [milestone_status_id(status) for status in timelines.MILESTONE_STATUSES]
        + [package_days_id(status) for status in (timelines.BELOW_MINIMUM, timelines.UNKNOWN_DAYS)]
        + [f"vfm:{key}" for key in value_for_money.FIGURES]
        + [f"outcomes:{key}" for key in outcomes.FIGURES]
        + list(INDICATOR_IDS)
    )


INDICATOR_IDS = (
    "profile:support_timeline",
    "profile:ilacs_dates",
    "indicator:neighbours",
    "indicator:better_than",
    "indicator:quartile_band",
    "indicator:support_shading",
    "indicator:group_change",
)


def missing_ids() -> list[str]:
    return [entry_id for entry_id in required_ids() if entry_id not in _BY_ID]


def sections() -> list[tuple[str, list[Entry]]]:
    """(section title, entries) in the order the Methodology page shows them."""
    return [(title, [e for e in ENTRIES if e.kind == kind]) for kind, title in KIND_TITLES.items()]


def entry_markdown(item: Entry) -> str:
    """The entry as the Methodology page shows it (Markdown)."""
    parts = [item.definition]
    if item.contract_wording:
        parts.append(f"**Contract wording:** {item.contract_wording}")
    parts.append(f"**Small numbers:** {item.small_numbers}")
    if item.caveats:
        parts.append("**Caveats and assumptions:**\n" + "\n".join(f"- {caveat}" for caveat in item.caveats))
    return "\n\n".join(parts)
