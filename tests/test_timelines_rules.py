"""rules.md "Contract timelines" and "SLA checks on packages"."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from dashboard.records import GROUP, ONE_TO_ONE, ContractTerms, InvoiceLine, Milestone, ReturnImport, Unit
from dashboard.summary import contract_terms_summary
from dashboard.timelines import (
    BELOW_MINIMUM,
    CASE_REPORT,
    DONE,
    DONE_LATE,
    DUE_SOON,
    INVOICE,
    OVERDUE,
    PROGRESS_REPORT,
    UNKNOWN_DAYS,
    UPCOMING,
    contracts_ending_within,
    days_late,
    deadlines_within,
    decisions,
    derived_obligations,
    milestone_status,
    package_days_flags,
)

AS_OF = date(2022, 6, 30)


def contract(
    reference="con_9887",
    start=date(2021, 4, 1),
    end=date(2022, 3, 31),
    extension=None,
    programme="Leadership",
    min_days=None,
    break_date=None,
):
    return ContractTerms(
        reference,
        f"Contract {reference}",
        "Supplier",
        programme,
        None,
        start,
        end,
        extension_up_to=extension,
        break_date=break_date,
        min_package_days=min_days,
    )


# ---------------------------------------------------------------- milestones


@pytest.mark.parametrize(
    "due, completed, expected",
    [
        (date(2022, 6, 1), date(2022, 5, 30), DONE),
        (date(2022, 6, 1), date(2022, 6, 1), DONE),  # completed on its due date: on time
        (date(2022, 6, 1), date(2022, 6, 10), DONE_LATE),  # "completed after its due date is `done late`"
        (date(2022, 6, 1), AS_OF, DONE_LATE),  # completed on as-of, after the due date
        (AS_OF, AS_OF, DONE),  # due and completed on as-of
        (date(2022, 6, 1), date(2022, 7, 1), OVERDUE),  # completion after as-of does not count yet
        (date(2022, 6, 29), None, OVERDUE),  # due the day before as-of
        (AS_OF, None, DUE_SOON),  # due on as-of is not overdue
        (AS_OF + timedelta(days=30), None, DUE_SOON),  # 30 days: due soon (inclusive)
        (AS_OF + timedelta(days=31), None, UPCOMING),
        (date(2023, 1, 1), None, UPCOMING),
    ],
)
def test_milestone_status(due, completed, expected):
    assert milestone_status(Milestone("con_9887", "M", due, completed), AS_OF) == expected


# ------------------------------------------------------------- obligations


def test_quarterly_report_and_invoice_30_days_after_each_quarter_end():
    obligations = derived_obligations(contract())
    reports = [(o.name, o.due_date) for o in obligations if o.kind == PROGRESS_REPORT]
    assert reports == [
        ("Progress report for 2021-22 Q1", date(2021, 7, 30)),
        ("Progress report for 2021-22 Q2", date(2021, 10, 30)),
        ("Progress report for 2021-22 Q3", date(2022, 1, 30)),
        ("Progress report for 2021-22 Q4", date(2022, 4, 30)),
    ]
    invoices = [o.due_date for o in obligations if o.kind == INVOICE]
    assert invoices == [d for _, d in reports]
    assert not [o for o in obligations if o.kind == CASE_REPORT]


@pytest.mark.parametrize(
    "start, end, extension, include_extension, quarter_ends",
    [
        pytest.param(
            date(2021, 5, 15),
            date(2021, 12, 31),
            None,
            False,
            [date(2021, 6, 30), date(2021, 9, 30), date(2021, 12, 31)],
            id="mid-quarter start: first quarter end after start counts; end on a quarter end counts",
        ),
        pytest.param(
            date(2021, 6, 30),
            date(2021, 11, 15),
            None,
            False,
            [date(2021, 6, 30), date(2021, 9, 30)],
            id="start on a quarter end counts; quarter ending after the end does not",
        ),
        pytest.param(
            date(2021, 4, 1),
            date(2021, 9, 30),
            date(2022, 3, 31),
            False,
            [date(2021, 6, 30), date(2021, 9, 30)],
            id="extension ignored unless asked",
        ),
        pytest.param(
            date(2021, 4, 1),
            date(2021, 9, 30),
            date(2022, 3, 31),
            True,
            [date(2021, 6, 30), date(2021, 9, 30), date(2021, 12, 31), date(2022, 3, 31)],
            id="extension included when asked",
        ),
        pytest.param(
            date(2021, 4, 1),
            date(2021, 9, 30),
            None,
            True,
            [date(2021, 6, 30), date(2021, 9, 30)],
            id="no extension to include",
        ),
        pytest.param(date(2021, 7, 1), date(2021, 9, 29), None, False, [], id="no quarter ends while running"),
    ],
)
def test_quarters_while_the_contract_runs(start, end, extension, include_extension, quarter_ends):
    obligations = derived_obligations(
        contract(start=start, end=end, extension=extension), include_extension=include_extension
    )
    reports = [o for o in obligations if o.kind == PROGRESS_REPORT]
    assert [o.period_end for o in reports] == quarter_ends
    assert all(o.due_date == o.period_end + timedelta(days=30) for o in reports)


@pytest.mark.parametrize(
    "programme, count",
    [("Improvement adviser", 6), ("improvement ADVISER call-off", 6), ("Improvement advisor", 6), ("Leadership", 0)],
)
def test_six_weekly_case_reports_for_improvement_advisers(programme, count):
    c = contract(start=date(2021, 4, 1), end=date(2021, 12, 31), programme=programme)
    case_reports = [o for o in derived_obligations(c) if o.kind == CASE_REPORT]
    assert len(case_reports) == count
    if count:
        assert case_reports[0].due_date == date(2021, 5, 13)  # start + 6 weeks
        assert case_reports[-1].due_date == date(2021, 4, 1) + timedelta(weeks=36)
        assert all(o.due_date <= c.end_date for o in case_reports)


def test_case_report_due_on_the_end_date_counts():
    c = contract(start=date(2021, 4, 1), end=date(2021, 4, 1) + timedelta(weeks=12), programme="Improvement adviser")
    assert [o.name for o in derived_obligations(c) if o.kind == CASE_REPORT] == ["Case report 1", "Case report 2"]


def test_obligations_in_a_date_range():
    obligations = derived_obligations(contract(), (date(2021, 10, 30), date(2022, 1, 29)))
    assert [(o.kind, o.due_date) for o in obligations] == [
        (INVOICE, date(2021, 10, 30)),
        (PROGRESS_REPORT, date(2021, 10, 30)),
    ]


# ---------------------------------------------------------------- deadlines


def test_deadlines_within_60_days():
    items = [
        Milestone("con_9887", "Overdue", date(2022, 6, 1), None),  # overdue: not ahead
        Milestone("con_9887", "Done", date(2022, 7, 10), date(2022, 6, 1)),
        Milestone("con_9887", "Today", AS_OF, None),
        Milestone("con_9887", "Day 60", AS_OF + timedelta(days=60), None),
        Milestone("con_9887", "Day 61", AS_OF + timedelta(days=61), None),
        Milestone("con_9887", "Completed after as-of", date(2022, 7, 5), date(2022, 7, 6)),
        *derived_obligations(contract(end=date(2023, 3, 31))),
    ]
    found = deadlines_within(items, AS_OF)
    assert [(d.name, d.due_date, d.days_left) for d in found] == [
        ("Today", AS_OF, 0),
        ("Completed after as-of", date(2022, 7, 5), 5),
        ("Invoice for 2022-23 Q1", date(2022, 7, 30), 30),
        ("Progress report for 2022-23 Q1", date(2022, 7, 30), 30),
        ("Day 60", date(2022, 8, 29), 60),
    ]
    assert [d.name for d in deadlines_within(items, AS_OF, days=0)] == ["Today"]


# ----------------------------------------------------------- contract ends


def test_contracts_ending_within_six_months():
    contracts = [
        contract("ended", end=date(2022, 6, 29)),
        contract("today", end=AS_OF, extension=date(2023, 6, 30)),
        contract("six months", end=date(2022, 12, 30), break_date=date(2022, 9, 30)),
        contract("later", end=date(2022, 12, 31)),
        contract("extension used", end=date(2022, 9, 30), extension=date(2022, 9, 30)),
    ]
    ending = contracts_ending_within(contracts, AS_OF)
    assert [(e.contract, e.days_left, e.extension_up_to, e.break_date) for e in ending] == [
        ("today", 0, date(2023, 6, 30), None),
        ("extension used", 92, None, None),  # no further extension left
        ("six months", 183, None, date(2022, 9, 30)),
    ]


def test_contracts_ending_within_clamps_months():
    ending = contracts_ending_within([contract(end=date(2022, 2, 28))], date(2021, 11, 30), months=3)
    assert len(ending) == 1  # 30 Nov + 3 months = 28 Feb (inclusive)


# ------------------------------------------------------------- package days


def unit(package, days, participant="A", support_type=ONE_TO_ONE, contract_ref="con_9887", end=date(2022, 3, 1)):
    return Unit(
        contract_ref,
        package,
        participant,
        support_type,
        "E06000001",
        "E12000001",
        "Lead member",
        None,
        date(2021, 10, 1),
        end,
        days_delivered=days,
    )


@pytest.mark.parametrize(
    "rows, expected",
    [
        pytest.param([unit("P1", 5.0)], [], id="exactly the minimum is fine"),
        pytest.param([unit("P1", 4.5)], [("P1", 4.5, BELOW_MINIMUM)], id="below the minimum is flagged"),
        pytest.param([unit("P1", 3.0), unit("P1", 6.0, "B")], [], id="package days = max over its rows"),
        pytest.param(
            [unit("P1", None), unit("P1", 4.0, "B")],
            [("P1", 4.0, BELOW_MINIMUM)],
            id="missing days on some rows ignored",
        ),
        pytest.param([unit("P1", None)], [("P1", None, UNKNOWN_DAYS)], id="no days at all: unknown, not flagged"),
        pytest.param([unit("P1", 1.0, support_type=GROUP)], [], id="group packages not checked"),
        pytest.param([unit("P1", 1.0, contract_ref="con_nomin")], [], id="contract without a minimum"),
        pytest.param([unit("P1", 1.0, contract_ref="con_unknown")], [], id="contract not in the register"),
    ],
)
def test_package_days_flags(rows, expected):
    contracts = [contract("con_9887", min_days=5.0), contract("con_nomin")]
    flags = package_days_flags(rows, contracts)
    assert [(f.package_id, f.days, f.status) for f in flags] == expected


def test_package_days_send_guide_of_40_days():
    flags = package_days_flags([unit("S1", 39.5, contract_ref="con_send")], [contract("con_send", min_days=40.0)])
    assert [(f.package_id, f.min_days) for f in flags] == [("S1", 40.0)]


def test_package_days_with_as_of_skips_running_packages():
    rows = [unit("P1", 2.0, end=None), unit("P2", 2.0, end=date(2022, 7, 1)), unit("P3", 2.0, end=AS_OF)]
    flags = package_days_flags(rows, [contract(min_days=5.0)], as_of=AS_OF)
    assert [f.package_id for f in flags] == ["P3"]
    assert len(package_days_flags(rows, [contract(min_days=5.0)])) == 3


# --- the Gantt chart's labels and as-of marker (dashboard.charts.timelines) ----------------------


def _gantt_inputs():
    import pandas as pd

    from dashboard.views.timelines import gantt_table, milestone_table

    contract = ContractTerms(
        reference="C-1",
        title="T",
        supplier="S",
        programme="Leadership development",
        contract_type="Contract",
        start_date=date(2020, 1, 1),
        end_date=date(2024, 1, 1),
    )
    milestones = [
        Milestone("C-1", name, due, done)
        for name, due, done in (
            ("Q1 report", date(2023, 10, 1), None),
            ("Q2 report", date(2023, 11, 1), None),
            ("Final report", date(2023, 12, 20), None),
            ("Early review", date(2021, 1, 1), date(2021, 1, 1)),
        )
    ]
    as_of = date(2023, 12, 1)
    return pd, gantt_table([contract], as_of), milestone_table(milestones, as_of), as_of


def test_milestones_too_close_to_label_apart_share_one_label():
    from dashboard.charts.timelines import milestone_labels, time_span

    pd, contracts, milestones, _ = _gantt_inputs()
    labels = milestone_labels(milestones, *time_span(contracts, milestones))
    # Q1 and Q2 (overdue, a month apart) and the final report (due soon) near them; the 2021
    # review is done: not labelled.
    assert labels.to_dict("records") == [
        {"Contract": "C-1", "Due": pd.Timestamp(2023, 10, 1), "Label": "2 overdue", "Position": "above"},
        {"Contract": "C-1", "Due": pd.Timestamp(2023, 12, 20), "Label": "due soon", "Position": "below"},
    ]


@pytest.mark.parametrize(
    "as_of, words",
    [
        (date(2031, 3, 15), "after every date shown"),
        (date(2012, 3, 15), "before every date shown"),
        (date(2023, 12, 1), None),
    ],
)
def test_an_as_of_date_far_outside_the_contracts_does_not_stretch_the_axis(as_of, words):
    import json

    from dashboard.charts import spec_json
    from dashboard.charts.timelines import gantt_chart

    _, contracts, milestones, _ = _gantt_inputs()
    spec = json.loads(spec_json(gantt_chart(contracts, milestones, as_of)))
    domain = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert domain[0] < "2020-01-01" and "2024-01-01" < domain[1] < "2024-04-01"
    texts = [
        value for values in spec["datasets"].values() for value in values if "as of" in str(value.get("Label", ""))
    ]
    assert len(texts) == 1
    assert (words in texts[0]["Label"]) if words else texts[0]["Label"] == f"as of {as_of.day} {as_of:%b %Y}"


def test_obligations_say_when_in_words_and_do_not_judge_past_ones():
    """The service holds no record of reports received: a past due date is said as past."""
    from dashboard.views.timelines import obligation_table

    contract = ContractTerms(
        reference="C-1",
        title="T",
        supplier="S",
        programme="Leadership development",
        contract_type="Contract",
        start_date=date(2021, 4, 1),
        end_date=date(2023, 3, 31),
    )
    when = dict(
        zip(*(lambda t: (t["Due"].dt.date, t["When"]))(obligation_table([contract], [], {}, date(2022, 1, 29))))
    )
    assert when[date(2022, 1, 30)] == "in 1 day"  # 2021-22 Q3 ended 31 December: due 30 days after
    when = dict(
        zip(*(lambda t: (t["Due"].dt.date, t["When"]))(obligation_table([contract], [], {}, date(2022, 1, 25))))
    )
    assert when[date(2021, 10, 30)] == "was due 87 days ago (receipt not recorded here)"
    assert when[date(2022, 4, 30)] == "in 95 days"
    assert "due today" in set(obligation_table([contract], [], {}, date(2022, 1, 30))["When"])


def test_the_contracts_sentence_accounts_for_every_contract():
    """Each contract is in one state on as-of, and the sentence names every state that has one, so
    its counts add up (it said "1 running ... none past their end date" of 4 contracts, 3 ended)."""
    from dashboard.views.timelines import gantt_sentence, gantt_table

    def contract(reference, start, end, extension=None):
        return ContractTerms(reference, "T", "S", "P", None, start, end, extension_up_to=extension)

    contracts = [
        contract("A", date(2021, 4, 1), date(2022, 3, 31)),
        contract("B", date(2022, 4, 1), date(2024, 3, 31)),
        contract("C", date(2021, 4, 1), date(2023, 1, 31), date(2023, 12, 31)),
        contract("D", date(2020, 4, 1), date(2021, 3, 31)),
    ]
    sentence = gantt_sentence(gantt_table(contracts, date(2023, 3, 31)), date(2023, 3, 31))
    assert sentence.startswith(
        "On 31 March 2023, 1 running within its term, 1 past its end date but within an "
        "extension option and 2 ended. The 4 contracts run from "
    )
    ended = gantt_sentence(gantt_table(contracts, date(2026, 1, 1)), date(2026, 1, 1))
    assert ended.startswith("On 1 January 2026, 4 ended. ")


def invoice(contract, fy, quarter, invoice_date, ref="INV"):
    from decimal import Decimal

    from dashboard.records import InvoiceLine

    return InvoiceLine(
        contract, ref, 1, fy, quarter, "Delivery", None, None, None, None, Decimal("100"), None, invoice_date
    )


def test_an_invoice_obligation_is_met_by_an_invoice_billing_its_quarter_by_as_of():
    """An invoice line for the contract, FY and quarter dated on or before as-of: "received on",
    late (as the finance flag counts it) when more than 30 days after the quarter end."""
    from dashboard.views.timelines import obligation_table

    c = contract(start=date(2021, 6, 11), end=date(2023, 3, 31))
    lines = [
        invoice("con_9887", "2022-23", 3, date(2023, 1, 13)),  # 13 days after 31 December
        invoice("con_9887", "2022/23", 2, date(2022, 11, 14)),  # 45 days after 30 September: late
        invoice("con_9887", "2022-23", 1, date(2023, 4, 5)),  # dated after as-of: not yet received
        invoice("con_other", "2022-23", 1, date(2022, 7, 10)),  # another contract's
    ]
    table = obligation_table([c], [], {}, date(2023, 3, 31), past_days=250, invoice_lines=lines)
    when = dict(zip(table["Details"], table["When"]))
    assert when["Invoice for 2022-23 Q3"] == "received on 13 January 2023"
    assert when["Invoice for 2022-23 Q2"] == "received on 14 November 2022 (late: 45 days after the quarter ended)"
    assert when["Invoice for 2022-23 Q1"] == "was due 244 days ago (not received by as-of)"
    # an invoice is no record of a report
    assert when["Progress report for 2022-23 Q3"] == "was due 60 days ago (receipt not recorded here)"


def test_a_report_on_the_register_is_counted_once_as_its_milestone():
    """A derived report gives way to a register milestone of the same contract due on the same
    date (the register's milestone, with its completed date, is the record of it)."""
    from dashboard.views.timelines import deadline_table, obligation_table

    adviser = contract("Con_10575", start=date(2021, 6, 30), end=date(2022, 6, 29), programme="Improvement adviser")
    leadership = contract(start=date(2021, 6, 11), end=date(2022, 3, 31))
    milestones = [
        Milestone("Con_10575", "Case report 7", date(2022, 4, 20), None),
        Milestone("CON_9887", "Q4 progress report", date(2022, 4, 30), None),  # the register's spelling
        Milestone("con_9887", "Steering group", date(2022, 5, 3), None),  # on no report's date
        Milestone("Con_10575", "Q4 progress report", date(2022, 4, 29), None),  # a day early: not the same
    ]
    derived = derived_obligations(leadership, milestones=milestones)
    assert "Progress report for 2021-22 Q4" not in {o.name for o in derived}
    assert "Invoice for 2021-22 Q4" in {o.name for o in derived}  # an invoice is not a report
    assert "Case report 7" not in {o.name for o in derived_obligations(adviser, milestones=milestones)}
    assert "Case report 7" in {o.name for o in derived_obligations(adviser, milestones=milestones[1:])}

    as_of = date(2022, 3, 31)
    deadlines = deadline_table([adviser, leadership], milestones, [], {}, as_of)
    listed = list(zip(deadlines["Contract"], deadlines["What"], deadlines["Details"]))
    assert [d for d in listed if d[2] in ("Case report 7", "Q4 progress report")] == [
        ("Con_10575", "Milestone", "Case report 7"),
        ("Con_10575", "Milestone", "Q4 progress report"),
        ("CON_9887", "Milestone", "Q4 progress report"),
    ]
    assert ("con_9887", "Quarterly progress report", "Progress report for 2021-22 Q4") not in listed
    assert ("Con_10575", "Quarterly progress report", "Progress report for 2021-22 Q4") in listed
    obligations = obligation_table([adviser, leadership], [], {}, as_of, milestones=milestones)
    shown = set(zip(obligations["Contract"], obligations["Details"]))
    assert ("Con_10575", "Case report 7") not in shown and ("con_9887", "Progress report for 2021-22 Q4") not in shown
    assert ("Con_10575", "Progress report for 2021-22 Q4") in shown


@pytest.mark.parametrize(
    "milestones, lines, in_use",
    [
        pytest.param([], [], False, id="nothing after the end date: the register cannot tell"),
        pytest.param(
            [],
            [invoice("con_9887", "2022-23", 1, date(2022, 7, 16))],
            True,
            id="an invoice billing a quarter after the end date",
        ),
        pytest.param(
            [],
            [invoice("con_9887", "2022-23", 1, date(2023, 4, 1))],
            False,
            id="that invoice dated after as-of does not count yet",
        ),
        pytest.param(
            [],
            [invoice("con_9887", "2021-22", 4, date(2022, 4, 7))],
            False,
            id="an invoice for the term's last quarter",
        ),
        pytest.param(
            [Milestone("con_9887", "Q1 2022-23 progress report", date(2022, 7, 30), None)],
            [],
            True,
            id="a register milestone due after the end date",
        ),
        pytest.param(
            [Milestone("con_9887", "Final report", date(2022, 4, 30), None)],
            [],
            False,
            id="a milestone for the term's last quarter, due within its 30 days",
        ),
        pytest.param(
            [Milestone("con_other", "Q1 2022-23 progress report", date(2022, 7, 30), None)],
            [invoice("con_other", "2022-23", 1, date(2022, 7, 16))],
            False,
            id="another contract's records",
        ),
    ],
)
def test_obligations_after_the_end_date_are_owed_when_the_records_show_the_extension_in_use(milestones, lines, in_use):
    """Not "only if extended" where invoices or milestones after the end date show the extension in use."""
    from dashboard.views.timelines import deadline_table, obligation_table

    extendable = contract(start=date(2021, 6, 11), end=date(2022, 3, 31), extension=date(2024, 3, 31))
    as_of = date(2023, 3, 31)
    obligations = obligation_table([extendable], [], {}, as_of, milestones=milestones, invoice_lines=lines)
    after_end = obligations[obligations["Due"] > pd.Timestamp("2022-04-30")]
    assert not after_end.empty
    assert set(after_end["Only if extended"]) == {"No" if in_use else "Yes"}
    deadlines = deadline_table([extendable], milestones, [], {}, as_of, invoice_lines=lines)
    invoice_q4 = deadlines[deadlines["What"] == "Quarterly invoice"]["Details"].tolist()
    assert invoice_q4 == ["Invoice for 2022-23 Q4" + ("" if in_use else " (only if the contract is extended)")]


@pytest.mark.parametrize(
    "due, completed, late",
    [
        (date(2022, 6, 1), date(2022, 6, 10), 9),
        (date(2022, 6, 1), date(2022, 6, 2), 1),
        (date(2022, 6, 1), date(2022, 6, 1), None),  # on time
        (date(2022, 6, 1), None, None),  # not done
        (date(2022, 6, 1), date(2022, 7, 5), None),  # done after as-of: not yet
    ],
)
def test_days_late(due, completed, late):
    assert days_late(Milestone("con_9887", "Report", due, completed), AS_OF) == late


# ------------------------------------------------------------------ decisions


def con_9887(extension=date(2025, 3, 31), notice=3, break_date=None, end=date(2024, 3, 31)):
    """con_9887 "runs 1 June 2021 to 31 March 2024, extendable by up to 12 months on 3 months'
    notice (clause 2.1-2.2 of the contract)"."""
    return ContractTerms(
        "con_9887",
        "Leadership",
        "Supplier",
        "Leadership",
        None,
        date(2021, 6, 1),
        end,
        extension_up_to=extension,
        break_date=break_date,
        extension_notice_months=notice,
    )


LATER_INVOICE = InvoiceLine(
    "con_9887",
    "INV-X",
    1,
    "2024-25",
    1,
    "Peer mentors",
    None,
    None,
    None,
    None,
    Decimal("100"),
    None,
    date(2024, 7, 20),
)  # bills 2024-25 Q1, after the end date


@pytest.mark.parametrize(
    "contract, as_of, lines, expected",
    [
        pytest.param(
            con_9887(),
            date(2023, 6, 30),
            [],
            [("extension", date(2023, 12, 31), "upcoming")],
            id="con_9887: extension beyond 31 Mar 2024 decided by 31 Dec 2023",
        ),
        pytest.param(
            con_9887(),
            date(2023, 12, 1),
            [],
            [("extension", date(2023, 12, 31), "due_soon")],
            id="within 30 days: due soon",
        ),
        pytest.param(
            con_9887(),
            date(2023, 12, 31),
            [],
            [("extension", date(2023, 12, 31), "due_soon")],
            id="due on as-of: not overdue yet",
        ),
        pytest.param(
            con_9887(),
            date(2024, 1, 1),
            [],
            [("extension", date(2023, 12, 31), "overdue")],
            id="passed with no extension in use: overdue",
        ),
        pytest.param(
            con_9887(),
            date(2024, 8, 1),
            [LATER_INVOICE],
            [("extension", date(2023, 12, 31), "extension_in_use")],
            id="passed, an invoice after the end date shows the extension in use",
        ),
        pytest.param(
            con_9887(notice=None),
            date(2023, 6, 30),
            [],
            [],
            id="no Extension notice in the register: no extension decision",
        ),
        pytest.param(con_9887(extension=None), date(2023, 6, 30), [], [], id="no extension option: none"),
        pytest.param(
            con_9887(extension=date(2024, 3, 31)),
            date(2023, 6, 30),
            [],
            [],
            id="Extension up to not later than the end date: none",
        ),
        pytest.param(
            con_9887(notice=None, break_date=date(2023, 3, 31)),
            date(2023, 6, 30),
            [],
            [("break", date(2023, 3, 31), "overdue")],
            id="a break date is a decision of its own",
        ),
        pytest.param(
            con_9887(break_date=date(2023, 3, 31)),
            date(2022, 6, 30),
            [],
            [("break", date(2023, 3, 31), "upcoming"), ("extension", date(2023, 12, 31), "upcoming")],
            id="both, soonest first",
        ),
        pytest.param(
            con_9887(end=date(2024, 5, 31), notice=3),
            date(2023, 6, 30),
            [],
            [("extension", date(2024, 2, 29), "upcoming")],
            id="months back, clamped to the month's end",
        ),
    ],
)
def test_decisions(contract, as_of, lines, expected):
    found = decisions(contract, as_of, [], lines)
    assert [(d.kind, d.due_date, d.status) for d in found] == expected
    assert all(d.contract == "con_9887" for d in found)


def test_a_return_after_the_end_date_shows_the_extension_in_use():
    later = ReturnImport("con_9887", date(2024, 6, 30), datetime(2024, 7, 10, 9, 0))
    [decision] = decisions(con_9887(), date(2024, 8, 1), [], [], [later])
    assert decision.status == "extension_in_use"
    [decision] = decisions(con_9887(), date(2024, 7, 1), [], [], [later])  # imported after as-of
    assert decision.status == "overdue"


@pytest.mark.parametrize(
    "contract, expected",
    [
        pytest.param(
            con_9887(),
            {"value": None, "spent_to_date": 100.0, "decisions": [{"kind": "extension", "date": "2023-12-31"}]},
            id="con_9887",
        ),
        pytest.param(
            replace(con_9887(notice=None, break_date=date(2023, 9, 30)), value=Decimal("1500000")),
            {"value": 1500000.0, "spent_to_date": 100.0, "decisions": [{"kind": "break", "date": "2023-09-30"}]},
            id="a value and a break",
        ),
    ],
)
def test_contract_terms_summary(contract, expected):
    """cli.md ``contracts``: "value is null when the register has none"; spent_to_date all years."""
    not_yet = replace(LATER_INVOICE, invoice_ref="INV-Y", invoice_date=date(2024, 9, 1))
    other = replace(LATER_INVOICE, contract="Con_10575")
    assert contract_terms_summary(contract, date(2024, 8, 1), [LATER_INVOICE, not_yet, other]) == expected
