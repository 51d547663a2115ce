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
from dashboard.disclosure import LOW_RELIABILITY, RELIABLE_FROM, SUPPRESSED

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
    f"A rate on fewer than {RELIABLE_FROM} eligible participants is shown with its interval and verdict, "
    f"marked {LOW_RELIABILITY} (low reliability: treat with caution), and is not drawn on charts. On Board "
    f"members' views, a count "
    f"about the people of one local authority is shown as {SUPPRESSED} "
    "(confidential), and so is any rate worked out from it, and any figure that, added to or taken from figures "
    "on other Board views, would give such a count away."
)
SMALL_STATUS_COUNTS = (
    f"Shown as a count. On Board members' views, a count about the people of one local authority "
    f"is shown as {SUPPRESSED}, and so is every other count of its row, zeros included, and any count that, "
    "added to or taken from counts on other Board views, would give such a count away."
)
NOT_PERSONAL = "Not about people: shown in full to every role."
TERMS_INTRODUCTION = (
    "Every number that belongs to a contract comes from its row of the contract register, never from a default "
    f"in the dashboard. A term the register leaves blank does not apply to that contract: nothing is flagged or "
    f"judged against it, and the pages say it is '{terms.NOT_SET}'. The terms and what each is used for:"
)
PUBLISHED = ("Published DfE figures about a whole LA, not about people: shown in full. LA profiles are for case "
             "leads, contract managers and administrators; the Board sees only aggregates.")
DESCRIPTIVE = ("Descriptive, never causal: an LA's figures move for many reasons (its size, the year's "
               "data collection, changes in recording, other support). Nothing here says a package caused a change.")
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
    "A package with no end date, or ending after the as-of date, is 'In progress' and left out of the rate.",
    "A baseline dated after the package ended still counts as the baseline: the contract sets no "
    "deadline for it. If there are several baselines, the earliest is used.",
    "A missing baseline counts against the KPI: a participant with a follow-up but no baseline is "
    "eligible but cannot have met it ('No baseline'), because no improvement can be shown.",
    "Only follow-ups dated from the package end date to 3 months after it (both days included) count; "
    "if there are several, the latest is used. Responses dated after the as-of date are ignored.",
    "'3 months after' is the same day three calendar months later, or the month's last day when that "
    "day does not exist (30 November + 3 months = 28 February).",
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
            "Of the leaders whose one-to-one support package has ended and whose three-month follow-up "
            "window has closed or who have already answered the follow-up, the share who rated their "
            "confidence higher at follow-up than at baseline and said they can demonstrate the impact. "
            "A leader whose window closed with no follow-up counts as not meeting it ('No response'). "
            "Rate = met / eligible, where eligible = met + not met + no baseline + no response (pending "
            "and in-progress participants are left out). "
            "The rate is shown with its 95 % Wilson score interval against the contract's target, its "
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
            "The same rule as KPI 1 for each person in a group support package (e.g. a cabinet or a "
            "scrutiny committee): one unit per participant per package. Rate = met / eligible with "
            "its 95 % Wilson score interval against the contract's target (the contract register's "
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
            "Baseline and follow-up both exist, the follow-up confidence score (1 to 5) is higher than "
            "the baseline score, and the follow-up says the impact was demonstrated ('yes')."
        ),
        contract_wording="\"feel more confident ... and can demonstrate the impact of this\"",
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=("An equal score is not an improvement. An impact answer left blank is not 'yes'.",),
    ),
    Entry(
        id=f"status:{kpi.NOT_MET}",
        kind=KIND_KPI_STATUS,
        name="Not met",
        definition="Baseline and follow-up both exist, but confidence did not rise or the impact was not demonstrated.",
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=("Counts in the rate's denominator.",),
    ),
    Entry(
        id=f"status:{kpi.NO_BASELINE}",
        kind=KIND_KPI_STATUS,
        name="No baseline",
        definition="A follow-up exists but there is no baseline response, so no improvement can be shown.",
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=(
            "Assumption the contract leaves open: a missing baseline counts against the KPI (eligible, not met) "
            "rather than being left out, so missing baselines cannot flatter the rate.",
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
        contract_wording="\"within 3 months of the support ending\"",
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=("Not in the rate until the window closes. The KPIs page lists windows closing within 30 days, for chasing.",),
    ),
    Entry(
        id=f"status:{kpi.AWAITING_RETURN}",
        kind=KIND_KPI_STATUS,
        name="Awaiting return",
        definition=(
            "The package has ended, there is no follow-up, and the 3-month follow-up window closed after the "
            "contract's data-to date: the quarterly return that would hold the follow-up has not arrived yet."
        ),
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=(
            "Not in the rate, like pending: a quarter whose return has not arrived is never read as failure.",
            "Only where the contract's returns state their reporting quarter; with data currency unknown, the "
            "window is judged against the as-of date as before.",
        ),
    ),
    Entry(
        id=f"status:{kpi.NO_RESPONSE}",
        kind=KIND_KPI_STATUS,
        name="No response",
        definition=(
            "The package has ended, the follow-up window closed on or before the contract's data-to date (the "
            "as-of date when data currency is unknown) and no follow-up was received in it."
        ),
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=(
            "Counts against the KPI (eligible, not met). A window ending on the as-of date counts as closed.",
            "A follow-up dated outside the window (before the package ended, or more than 3 months after) is ignored.",
        ),
    ),
    Entry(
        id=f"status:{kpi.IN_PROGRESS}",
        kind=KIND_KPI_STATUS,
        name="In progress",
        definition="The package has no end date, or ends after the as-of date: support is still going on.",
        contract_wording=None,
        small_numbers=SMALL_STATUS_COUNTS,
        caveats=("Not part of the KPI. Packages starting after the as-of date are not counted at all.",),
    ),
    # ------------------------------------------------------------- verdicts
    Entry(
        id=f"verdict:{kpi.VERDICT_MET}",
        kind=KIND_VERDICT,
        name="Meets the target",
        definition="The whole 95 % interval is at or above the target: the target is met.",
        contract_wording=None,
        small_numbers=SMALL_RATES,
        caveats=("The interval reflects how many participants are counted: few participants give a wide interval.",),
    ),
    Entry(
        id=f"verdict:{kpi.VERDICT_NOT_MET}",
        kind=KIND_VERDICT,
        name="Below the target",
        definition="The whole 95 % interval is below the target: the target is not met.",
        contract_wording=None,
        small_numbers=SMALL_RATES,
    ),
    Entry(
        id=f"verdict:{kpi.VERDICT_UNDETERMINED}",
        kind=KIND_VERDICT,
        name="Cannot yet tell",
        definition=(
            "The 95 % interval includes the target, so the data cannot yet say whether the target is met. "
            "More follow-ups narrow the interval."
        ),
        contract_wording=None,
        small_numbers=SMALL_RATES,
    ),
    Entry(
        id=f"verdict:{kpi.VERDICT_NO_DATA}",
        kind=KIND_VERDICT,
        name="No data",
        definition="No participant is eligible yet (none has a closed follow-up window or a follow-up), so there is no rate.",
        contract_wording=None,
        small_numbers="Shown as 'no data', never 0 % or 100 %.",
    ),
    Entry(
        id=f"verdict:{kpi.VERDICT_NO_TARGET}",
        kind=KIND_VERDICT,
        name="No target",
        definition=(
            f"The contract register gives this contract no '{terms.KPI_TARGET.column}': the contract has no "
            "confidence KPI. Its rate and interval are still worked out and shown, but never judged met or below."
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
            "package of that type in that LA was active in the year: it started on or before the as-of date "
            "and by the year's end, and it had not ended before the year began. The count of distinct LAs is "
            f"compared with the contract's own minimum, its '{terms.MIN_LAS.column}' in the contract register; "
            "a contract with none there has no minimum and is not judged. "
            "Per region, supported LAs are shown against all the LAs that existed in the region that year."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "A year that begins after the as-of date has no coverage yet.",
            "A year not over on the as-of date is not judged below its minimum: it shows the LAs supported so far.",
            "LA reorganisations 2019-2023 are followed so no LA is counted twice or dropped: a renamed or recoded "
            "LA (e.g. North Yorkshire) counts once; an LA that was split (e.g. Cumbria in 2023) keeps its old code "
            "for packages that started before the split.",
            "The hex map uses the 2023 LA boundaries: support given to an LA that no longer exists (e.g. Cumbria) "
            "is listed under the map, not drawn on it.",
        ),
    ),
    Entry(
        id="sla:targeting",
        kind=KIND_SLA,
        name="Targeting: share of supported LAs in greatest need",
        definition=(
            "Of the LAs supported, the share that, when their package started, were judged Inadequate or "
            "Requires improvement by Ofsted (ILACS), had a SEND Written Statement of Action, or were flagged "
            "as declining. The Coverage page also lists LAs judged Inadequate or with a Written Statement of "
            "Action that received no support in the year."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "'At package start' means the latest Ofsted judgement or LA status record dated on or before the "
            "package's start date. An LA with no record then is counted as not in priority and listed.",
            "Ofsted ILACS judgements start in January 2018. An LA with no judgement on record before a date "
            "has no known judgement then, shown as 'Not known' (which is not Ofsted's 'Not inspected').",
            "'Requires improvement to be good' is shown as 'Requires improvement'.",
        ),
    ),
    Entry(
        id="sla:package_days",
        kind=KIND_SLA,
        name="Minimum days in a one-to-one package",
        definition=(
            "One-to-one packages must have at least the contract's minimum number of days, its "
            f"'{terms.MIN_PACKAGE_DAYS.column}' in the contract register. Packages below it "
            "are flagged, never rejected. A contract with no minimum there has no package flagged."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "A package's days are the largest 'Days delivered' on any of its rows.",
            "A package with no days recorded is shown as 'days unknown', not as below the minimum.",
            "Only packages that have ended by the as-of date are checked: a running package may still reach it.",
        ),
    ),
    # ------------------------------------------------------- finance flags
    Entry(
        id=f"flag:{finance.DAY_RATE_ABOVE_CAP}",
        kind=KIND_FINANCE_FLAG,
        name="Day rate above the cap",
        definition=(
            f"An invoice line's day rate is above the contract's cap: its '{terms.DAY_RATE_CAP.column}' in the "
            f"contract register, or its '{terms.EXECUTIVE_DAY_RATE_CAP.column}' for a line at executive level "
            "where the register sets one. Each line is compared on its own."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("A rate equal to the cap is not above it. A contract with no cap in the register has no line flagged.",),
    ),
    Entry(
        id=f"flag:{finance.AMOUNT_MISMATCH}",
        kind=KIND_FINANCE_FLAG,
        name="Amount does not match days x day rate",
        definition="A line's amount differs from its days multiplied by its day rate by more than £1 (checked only when both are given).",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("Differences of £1 or less are treated as rounding.",),
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
            f"A line is overheads when its heading contains the word '{finance.OVERHEADS_WORD}'. Every other line "
            "of the invoice is other costs, expense lines included. Exactly at the cap is allowed.",
        ),
    ),
    Entry(
        id=f"flag:{finance.LATE_INVOICE}",
        kind=KIND_FINANCE_FLAG,
        name="Late invoice",
        definition="An invoice is dated more than 30 days after the end of the quarter it bills.",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("Exactly 30 days is on time. An invoice billing several quarters is checked for each.",),
    ),
    Entry(
        id=f"flag:{finance.OVERSPEND}",
        kind=KIND_FINANCE_FLAG,
        name="Spend above allocation",
        definition=(
            "Spend (invoice line amounts excluding VAT, dated on or before the as-of date) is above the pricing "
            "schedule's allocation for that expenditure heading and financial year. Spend under a heading with "
            "no allocation that year is an overspend of the whole amount."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "Compared per heading per year, never pooled: a total across headings can look fine while one heading is overspent.",
            "The year of a line is the year it bills, not the year of its invoice date.",
            "Forecasts are straight-line through the spend of the quarters invoiced so far (spend to date over the "
            "days to the end of the latest quarter invoiced, times the days in the year) and always labelled as "
            "forecasts.",
        ),
    ),
    Entry(
        id=f"flag:{finance.EXPENSES_ON_INCLUSIVE_RATE}",
        kind=KIND_FINANCE_FLAG,
        name="Expenses billed although rates include them",
        definition=(
            f"The contract register says '{terms.RATES_INCLUDE_EXPENSES.column}' = yes, and an invoice line "
            "bills a heading or role whose name contains "
            + " or ".join(f"'{word}'" for word in finance.EXPENSE_WORDS) + "."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "Words are matched in any case ('Travel and subsistence', 'EXPENSES'). Each line is flagged on its own.",
            f"A contract whose register leaves '{terms.RATES_INCLUDE_EXPENSES.column}' blank or says no is not checked.",
        ),
    ),
    Entry(
        id=f"flag:{finance.SPEND_ABOVE_VALUE}",
        kind=KIND_FINANCE_FLAG,
        name="Spend above the contract value",
        definition=(
            "The contract's spend to date, all years and headings together (invoice line amounts excluding "
            f"VAT, dated on or before the as-of date), is above its '{terms.VALUE.column}' in the contract register."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "Flagged once per contract, in the financial year of the line that took spend past the value.",
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
            "The milestone was completed, but after its due date: shown with the days late (completed date minus "
            "due date), never as plain 'Done'."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("A completed date after the as-of date does not count yet: until then the milestone is overdue.",),
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
        definition="Not completed, and due within the next 30 days (from the as-of date).",
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "Quarterly progress reports and invoices are also due 30 days after each quarter end while "
            "the contract runs; they are listed with the milestones as deadlines.",
        ),
    ),
    Entry(
        id=f"milestone:{timelines.UPCOMING}",
        kind=KIND_MILESTONE_STATUS,
        name="Upcoming",
        definition="Not completed, and due more than 30 days after the as-of date.",
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
        caveats=("Flagged, never rejected: the package still counts for the KPIs and coverage.",),
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
            "Quarterly returns are cumulative. A participant, survey response or invoice line that an earlier "
            "return listed but a later return no longer lists is kept and flagged, never deleted."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=(
            "Flagged rows still count in every figure until the contract manager corrects the return: "
            "the dashboard does not guess whether the row was withdrawn or left out by mistake.",
            "The flag clears when a later return lists the row again.",
        ),
    ),    # ------------------------------------------------- LA profile and outcome indicators
    Entry(
        id="profile:support_timeline",
        kind=KIND_INDICATOR,
        name="Support received (LA profile timeline)",
        definition=(
            "Every package of support in the LA under any contract that started on or before the as-of date, oldest "
            "first, with every six-monthly intervention review due by then. Days delivered: the largest 'Days "
            "delivered' a package's rows give (a group package's days are not multiplied by its people). KPI "
            "outcome: the KPI status of each of its participants, counted (the KPI rules above)."
        ),
        contract_wording=None,
        small_numbers=("Counts of one LA's participants: shown to case leads, contract managers and administrators "
                       "only; participants are listed only to those who may see them."),
    ),
    Entry(
        id="profile:ilacs_dates",
        kind=KIND_INDICATOR,
        name="Ofsted ILACS judgement dates",
        definition=(
            "Each ILACS judgement is shown with the date of the inspection and the date Ofsted published it. One "
            "convention everywhere: a judgement counts from its publication date (an imported LA status that "
            "gives only the ILACS date counts from that date, and its publication date is left blank)."
        ),
        contract_wording=None,
        small_numbers=NOT_PERSONAL,
        caveats=("ILACS began in January 2018: no judgement before then is held.",),
    ),
    Entry(
        id="indicator:neighbours",
        kind=KIND_INDICATOR,
        name="Statistical neighbours' median and range",
        definition=(
            "For each DfE LAIT measure and year: the median, lowest and highest value among the LA's 10 DfE "
            "statistical neighbours (May 2025) that have a figure, beside the LA's own value, its region's and "
            "England's for the same year. A value published as '-' (not available or suppressed) is left out, "
            "never counted as 0; the table says how many neighbours had a figure."
        ),
        contract_wording=None,
        small_numbers=PUBLISHED,
        caveats=(DESCRIPTIVE,
                 "The neighbours are DfE's 2025 set, used for every year: an earlier year's neighbours may have "
                 "differed.",
                 "A year is as LAIT labels it; what it covers (financial, academic, calendar year, or a count at 31 "
                 "March or the end of September) depends on the measure."),
    ),
    Entry(
        id="indicator:better_than",
        kind=KIND_INDICATOR,
        name="Better than N of its 10 statistical neighbours",
        definition=(
            "How many of the LA's neighbours with a figure for the year it is strictly better than, using the "
            f"measure's polarity ('{oi.HIGH}': a higher value is better; '{oi.LOW}': a lower value is better). A "
            "neighbour with the same value is not counted. A measure without polarity (for example a rate per "
            "10,000) is never called better or worse: the sentence says how many neighbours it is higher than."
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
        caveats=("Every LA LAIT lists with a figure that year counts, including councils that existed then and "
                 "were later reorganised.",),
    ),
    Entry(
        id="indicator:support_shading",
        kind=KIND_INDICATOR,
        name="Support periods on the indicator charts",
        definition=(
            "Grey bands on each chart run from each package's start to its end (to the as-of date while it runs), "
            "overlapping packages merged, placed on the chart's years by the date within the calendar year."
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
            "For a measure and two years: the median change of the supported LAs with a figure in both years, "
            "beside the median change of their statistical neighbours that were not themselves supported (each "
            "counted once) with a figure in both years. The years are the latest before support started and the "
            "latest after it ended. Aggregate: no person and no single LA is shown."
        ),
        contract_wording=None,
        small_numbers=PUBLISHED,
        caveats=(DESCRIPTIVE,
                 "Neighbours are a comparison, not a control group: DfE chose them for similar characteristics, "
                 "not for having had no support of any kind."),
    ),
)

# ------------------------------------------------- value for money and outcomes
_DESCRIPTIVE = ("Descriptive only: programmes have different aims, so they are never ranked on cost alone, and "
                "no figure here is the effect of the support.")
_ABOUT_PEOPLE = (f"On Board members' views, a count about the people of one local authority (a contract, or a "
                 f"year of it, whose participants are all in one LA) is shown as {SUPPRESSED}, and so is any cost "
                 "worked out from it.")
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
            "Per financial year (page and Board pack): spend billed in the year, LAs with a package active in "
            "it, participants whose package started in it, people who met the KPI among packages that ended in "
            "it, days of packages that started in it. Years do not add up to the whole.",
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
        small_numbers="Counts of LAs from Ofsted's published judgements, not about people: shown to every role "
                      "(the Board sees the counts per contract, not the LAs).",
        caveats=(
            "A description of what happened, never the effect of the support: LAs change for many reasons, "
            "and supported LAs were often chosen because they needed help.",
            "'Before' and 'after' are strict: a judgement published on the day the first package started is "
            "not before it, and one published on the day the last package ended is not after it.",
            "Judgements are Ofsted's published ILACS history (2018 to 2025) dated by publication. LA status "
            "uploads are not used here: they give no publication date. 'Not inspected' is not a judgement.",
            "A council only recoded (North Yorkshire in 2023) is one LA, its judgements under both codes; a "
            "merged or split council (Cumbria in 2023) is another LA.",
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
        ["kpi1", "kpi2", "sla:coverage", "sla:targeting", "sla:package_days", "data:missing_from_later_return"]
        + [kpi_status_id(status) for status in kpi.STATUSES]
        + [verdict_id(v) for v in (kpi.VERDICT_MET, kpi.VERDICT_NOT_MET, kpi.VERDICT_UNDETERMINED, kpi.VERDICT_NO_DATA,
                                          kpi.VERDICT_NO_TARGET)]
        + [finance_flag_id(kind) for kind in finance.FLAG_KINDS]
        + [milestone_status_id(status) for status in timelines.MILESTONE_STATUSES]
        + [package_days_id(status) for status in (timelines.BELOW_MINIMUM, timelines.UNKNOWN_DAYS)]
        + [f"vfm:{key}" for key in value_for_money.FIGURES]
        + [f"outcomes:{key}" for key in outcomes.FIGURES]
        + list(INDICATOR_IDS)
    )


INDICATOR_IDS = ("profile:support_timeline", "profile:ilacs_dates", "indicator:neighbours", "indicator:better_than",
                 "indicator:quartile_band", "indicator:support_shading", "indicator:group_change")


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
