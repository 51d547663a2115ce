"""The Timelines page (AppTest) and the six-monthly reviews of LAs in intervention (pure)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from dashboard.records import LAStatus
from dashboard.timelines import INTERVENTION_REVIEW, deadlines_within, intervention_reviews
from tests.small_db import IA, LD, SLI, frame_with, open_page, small_db_each, small_db_url  # noqa: F401

AS_OF = "2022-06-30"
PAGE = "pages/timelines.py"


def status(on, in_intervention, code="E08000014", ilacs=None, next_review=None):
    return LAStatus(code, on, ilacs, None, None, in_intervention, next_review)


@pytest.mark.parametrize(
    "statuses, until, expected",
    [
        pytest.param(
            [status(date(2021, 5, 1), True)],
            date(2022, 5, 1),
            [date(2021, 11, 1), date(2022, 5, 1)],
            id="every 6 months, until inclusive",
        ),
        pytest.param(
            [status(date(2021, 5, 1), True)],
            date(2022, 11, 1),
            [date(2021, 11, 1), date(2022, 5, 1)],
            id="at most 12 months from the latest status record: none invented after",
        ),
        pytest.param(
            [status(date(2021, 5, 1), True), status(date(2022, 1, 1), None, ilacs="Good")],
            date(2023, 6, 1),
            [date(2021, 11, 1), date(2022, 5, 1), date(2022, 11, 1)],
            id="12 months from the latest record of the LA, whatever it says",
        ),
        pytest.param(
            [status(date(2021, 8, 31), True)],
            date(2022, 3, 1),
            [date(2022, 2, 28)],
            id="clamped to the month's last day",
        ),
        pytest.param(
            [status(date(2021, 5, 1), True), status(date(2022, 3, 1), None, ilacs="Good")],
            date(2022, 6, 1),
            [date(2021, 11, 1), date(2022, 5, 1)],
            id="a silent record changes nothing",
        ),
        pytest.param(
            [status(date(2021, 5, 1), True), status(date(2022, 2, 1), True)],
            date(2022, 6, 1),
            [date(2021, 11, 1), date(2022, 5, 1)],
            id="a second True record does not restart",
        ),
        pytest.param(
            [status(date(2021, 5, 1), True), status(date(2022, 5, 1), False)],
            date(2023, 1, 1),
            [date(2021, 11, 1)],
            id="left intervention on the review date: not owed",
        ),
        pytest.param(
            [status(date(2021, 5, 1), True), status(date(2021, 9, 1), False), status(date(2022, 1, 10), True)],
            date(2022, 12, 31),
            [date(2022, 7, 10)],
            id="back in intervention: a new schedule",
        ),
        pytest.param(
            [status(date(2022, 4, 4), True, next_review=date(2022, 12, 30))],
            date(2023, 7, 1),
            [date(2022, 12, 30)],
            id="the return's next review date sets the schedule (to 12 months on)",
        ),
        pytest.param(
            [status(date(2021, 5, 1), True), status(date(2022, 2, 1), True, next_review=date(2022, 3, 15))],
            date(2022, 10, 1),
            [date(2021, 11, 1), date(2022, 3, 15), date(2022, 9, 15)],
            id="a later next review date moves the reviews after its record, not those before",
        ),
        pytest.param(
            [status(date(2021, 5, 1), False, next_review=date(2021, 8, 1))],
            date(2023, 1, 1),
            [],
            id="a next review date outside an intervention sets none",
        ),
        pytest.param([status(date(2021, 5, 1), False)], date(2023, 1, 1), [], id="never in intervention"),
        pytest.param([status(date(2021, 5, 1), None)], date(2023, 1, 1), [], id="not recorded"),
    ],
)
def test_intervention_reviews(statuses, until, expected):
    reviews = intervention_reviews(statuses, until, until)
    assert [r.due_date for r in reviews] == expected
    assert all(r.kind == INTERVENTION_REVIEW and r.la_code == "E08000014" for r in reviews)


def test_intervention_reviews_ignore_status_records_dated_after_as_of():
    """Nothing dated after the as-of date counts: a record after it neither ends an intervention
    (Sefton's review stays owed) nor starts one (Knowsley's is not yet owed)."""
    statuses = [
        status(date(2022, 1, 1), True),
        status(date(2022, 6, 20), False),
        status(date(2022, 6, 20), True, code="E08000011"),
    ]
    reviews = intervention_reviews(statuses, date(2022, 12, 31), as_of=date(2022, 6, 15))
    assert [(r.la_code, r.due_date) for r in reviews] == [("E08000014", date(2022, 7, 1))]


def test_intervention_reviews_stop_at_the_last_date_the_dashboard_works_with():
    """A status record of 2199, as of 31/12/2199: reviews are projected 12 months on, but never past
    the dates the dashboard works with."""
    from dashboard.calendar import LATEST

    luton = [status(date(2199, 6, 13), True, code="E06000032")]
    reviews = intervention_reviews(luton, date(2200, 12, 31), as_of=LATEST)
    assert [r.due_date for r in reviews] == [date(2199, 12, 13)]


@pytest.mark.parametrize(
    "statuses, as_of, expected",
    [
        pytest.param([status(date(2022, 6, 1), True)], date(2023, 6, 1), [], id="12 months on: still current"),
        pytest.param(
            [status(date(2022, 6, 1), True)],
            date(2023, 6, 2),
            [(date(2022, 6, 1), date(2022, 6, 1))],
            id="a day past 12 months: not updated since",
        ),
        pytest.param(
            [status(date(2021, 1, 1), True), status(date(2022, 6, 1), None, ilacs="Good")],
            date(2023, 6, 2),
            [(date(2022, 6, 1), date(2021, 1, 1))],
            id="the latest record's date, the intervention's start",
        ),
        pytest.param(
            [status(date(2021, 1, 1), True), status(date(2021, 6, 1), False)],
            date(2023, 6, 2),
            [],
            id="out of intervention: nothing to say",
        ),
        pytest.param(
            [status(date(2022, 6, 1), True), status(date(2023, 7, 1), True)],
            date(2023, 6, 2),
            [(date(2022, 6, 1), date(2022, 6, 1))],
            id="a record after as-of does not count",
        ),
    ],
)
def test_stale_interventions(statuses, as_of, expected):
    """Walsall's 2022 status record: no reviews invented in 2026, "not updated since" instead."""
    from dashboard.timelines import stale_interventions

    found = stale_interventions(statuses, as_of)
    assert [(s.latest_record, s.intervention_from) for s in found] == expected


def test_intervention_reviews_are_deadlines():
    reviews = intervention_reviews([status(date(2021, 5, 1), True)], date(2022, 12, 31), date(2022, 12, 31))
    found = deadlines_within(reviews, date(2022, 4, 15), days=60)
    assert [(d.kind, d.due_date, d.days_left) for d in found] == [(INTERVENTION_REVIEW, date(2022, 5, 1), 16)]


@pytest.fixture
def page(monkeypatch, small_db_url):  # noqa: F811
    def open_(**params):
        return open_page(monkeypatch, small_db_url, PAGE, **{"as_of": AS_OF, **params})

    return open_


# Worked out by hand from tests/small_db.py as of 30 June 2022 (docs/how-figures-are-worked-out.md, "Timelines").
HAND_MILESTONES = [  # Contract, Milestone, Status, Days to due date: overdue first, then due soon, then by date
    (LD, "Interim evaluation report", "Overdue", -29),  # due 01/06/2022, not done: 29 days before 30/06
    (IA, "Diagnostic report", "Due soon", 15),  # due 15/07/2022: within 30 days
    (LD, "Mobilisation complete", "Done", None),  # completed 20/07/2021, before its due date 31/07/2021
    (SLI, "Final report", "Upcoming", 274),  # due 31/03/2023: 31+31+30+31+30+31+31+28+31 days
]
HAND_DECISIONS = [  # Contract, Decision, Days left, Status
    (
        IA,
        "Break decision",
        -91,
        "Overdue",
    ),  # break date 31/03/2022: 30 + 31 + 30 days before 30/06; no extension in use
    (IA, "Extension decision", None, "No date"),  # extension to 29/06/2023 but no notice period in the register
    (LD, "Extension decision", None, "No date"),  # extension to 31/03/2024, no notice period
]


def test_worked_by_hand_on_the_small_database(monkeypatch, small_db_each):  # noqa: F811
    at = open_page(monkeypatch, small_db_each, PAGE, as_of=AS_OF)
    assert not at.exception
    milestones = frame_with(at, "Milestone")
    assert [
        (c, m, status, None if pd.isna(days) else int(days))
        for c, m, status, days in milestones[["Contract", "Milestone", "Status", "Days to due date"]].itertuples(
            index=False
        )
    ] == HAND_MILESTONES
    summary = next(m.value for m in at.markdown if "milestones:" in m.value)
    assert [
        int(n) for n in re.findall(r"\b(\d+) (?:milestones|done|done late|overdue|due soon|upcoming)\b", summary)
    ] == [4, 1, 0, 1, 1, 1]
    decisions = frame_with(at, "Decision")
    assert [
        (c, d, None if pd.isna(days) else int(days), status)
        for c, d, days, status in decisions[["Contract", "Decision", "Days left", "Status"]].itertuples(index=False)
    ] == HAND_DECISIONS
    # ending within 6 months of 30/06/2022: CON-LD on 30/09/2022 (31 + 31 + 30 = 92 days), CON-IA on 29/12/2022
    # (92 + 31 + 30 + 29 = 182 days); CON-SLI ends 31/03/2023, 274 days away
    ending = frame_with(at, "Extension option up to")
    assert [(c, int(days)) for c, days in ending[["Contract", "Days left"]].itertuples(index=False)] == [
        (LD, 92),
        (IA, 182),
    ]
    # invoices for 2021-22 Q4 (due 30/04/2022): CON-LD's dated 15/05/2022, 45 days after 31/03 (late);
    # CON-SLI's dated 20/04/2022; CON-IA has none
    obligations = frame_with(at, "Only if extended")
    q4 = obligations[obligations["Details"] == "Invoice for 2021-22 Q4"]
    received = dict(zip(q4["Contract"], q4["When"]))
    assert re.search(r"15 May 2022.*\b45 days\b", received[LD]) and "late" in received[LD]
    assert "20 April 2022" in received[SLI] and "late" not in received[SLI]
    assert "not received" in received[IA]
    # Sefton went into intervention on 01/05/2021: reviews every 6 months, 01/11/2021, 01/05/2022, 01/11/2022 ...
    reviews = obligations[obligations["Obligation"] == "Six-monthly intervention review"]
    assert [str(due.date()) for due in reviews["Due"]] == ["2022-05-01", "2022-11-01", "2023-05-01"]


def test_contracts_milestones_and_deadlines(page):
    at = page()
    assert not at.exception
    contracts = frame_with(at, "Latest end (with extensions)").set_index("Contract")
    assert contracts.loc[IA, "Break date"] == pd.Timestamp("2022-03-31")
    assert contracts.loc[LD, "Latest end (with extensions)"] == pd.Timestamp("2024-03-31")
    assert contracts.loc[SLI, "Latest end (with extensions)"] == pd.Timestamp("2023-03-31")

    milestones = frame_with(at, "Milestone").set_index("Milestone")
    assert milestones["Status"].to_dict() == {
        "Mobilisation complete": "Done",
        "Interim evaluation report": "Overdue",
        "Diagnostic report": "Due soon",
        "Final report": "Upcoming",
    }

    deadlines = frame_with(at, "What")
    items = set(zip(deadlines["Contract"], deadlines["Details"], deadlines["Days left"]))
    assert (IA, "Diagnostic report", 15) in items
    assert (LD, "Invoice for 2022-23 Q1", 30) in items  # 30 days after 30 June
    assert (LD, "Progress report for 2022-23 Q1", 30) in items
    # improvement adviser call-off from 30 June 2021: case report 9 is 9 x 6 weeks later
    assert (IA, "Case report 9", 13) in items
    ahead = deadlines[~deadlines["Details"].str.endswith("(overdue)")]
    assert all(0 <= days <= 60 for days in ahead["Days left"])
    assert "Interim evaluation report" not in set(deadlines["Details"])  # overdue, not ahead
    # a decision overdue is listed with the deadlines while the contract runs (IA's break, 31/03/2022)
    overdue = deadlines[deadlines["Details"].str.endswith("(overdue)")]
    assert list(zip(overdue["Contract"], overdue["What"], overdue["Due"])) == [
        (IA, "Break decision", pd.Timestamp("2022-03-31"))
    ]
    decisions = frame_with(at, "Decision")
    assert (IA, "Break decision", "Overdue") in set(
        zip(decisions["Contract"], decisions["Decision"], decisions["Status"])
    )


def test_contracts_ending_with_extension_options(page):
    at = page()
    ending = frame_with(at, "Extension option up to").set_index("Contract")
    assert sorted(ending.index) == [IA, LD]  # SLI ends 31 March 2023: more than 6 months away
    assert ending.loc[LD, "Options"] == "May be extended to 31 March 2024"
    assert ending.loc[LD, "Days left"] == 92


def test_intervention_review_listed_for_sefton(page):
    at = page()
    obligations = frame_with(at, "Only if extended")
    reviews = obligations[obligations["Obligation"] == "Six-monthly intervention review"]
    assert set(reviews["LA"]) == {"Sefton"}
    assert pd.Timestamp("2022-11-01") in set(reviews["Due"])  # status 1 May 2021, every 6 months


def test_no_review_is_invented_long_after_the_latest_status_record(page):
    """ "projected from its latest LA status record for at most 12 months; after that the LA's
    status is shown as 'not updated since' that record's date, with no reviews invented"."""
    at = page(as_of="2199-12-31")
    assert not at.exception
    assert not any(
        frame.value is not None
        and "Obligation" in frame.value.columns
        and (frame.value["Obligation"] == "Six-monthly intervention review").any()
        for frame in at.dataframe
    )
    assert any("Sefton: in intervention" in m.value and "not updated since" in m.value for m in at.markdown)


def test_contract_filter(page):
    at = page()
    at.selectbox(key="filter_contract").set_value(SLI).run()
    assert not at.exception
    assert set(frame_with(at, "Milestone")["Contract"]) == {SLI}
    assert any("No contract ends" in m.value for m in at.markdown)


def test_board_members_see_timelines(monkeypatch, small_db_url):  # noqa: F811
    at = open_page(monkeypatch, small_db_url, PAGE, role="board", as_of=AS_OF)
    assert not at.exception and at.title[0].value == "Timelines"


def test_a_contract_past_its_end_date_is_listed_by_its_latest_end():
    from dashboard.records import ContractTerms
    from dashboard.views.timelines import ending_table

    extended = ContractTerms(
        "X",
        "X",
        "S",
        "Leadership development",
        None,
        date(2021, 6, 11),
        date(2022, 3, 31),
        extension_up_to=date(2024, 3, 31),
    )
    table = ending_table([extended], date(2024, 3, 15))
    assert table.loc[0, "Ends"] == pd.Timestamp("2024-03-31") and table.loc[0, "Days left"] == 16
    # the register's own dates, as the Overview and the Board pack show them
    assert (table.loc[0, "End date"], table.loc[0, "Extension option up to"]) == (
        pd.Timestamp("2022-03-31"),
        pd.Timestamp("2024-03-31"),
    )
    assert table.loc[0, "Options"] == "Past its end date, running on its extension option, which ends then"
    assert ending_table([extended], date(2022, 1, 1)).loc[0, "Options"] == "May be extended to 31 March 2024"


@pytest.mark.parametrize(
    "page, params, named",
    [
        ("pages/timelines.py", {"region": "E12000002", "la": "E08000014"}, "region or local authority"),
        ("pages/finance.py", {"la": "E08000014"}, "local authority"),
        ("pages/la_profile.py", {"contract": LD, "la": "E08000014"}, "contract"),
    ],
)
def test_pages_say_which_set_filters_they_ignore(monkeypatch, small_db_url, page, params, named):  # noqa: F811
    """A region or LA chosen on the Overview stays set; a page whose figures are per contract says it ignores it."""
    at = open_page(monkeypatch, small_db_url, page, as_of=AS_OF, **params)
    notes = [i.value for i in at.sidebar.info if "is not narrowed by" in i.value]
    assert len(notes) == 1 and f"not narrowed by {named}:" in notes[0]
    plain = open_page(monkeypatch, small_db_url, page, as_of=AS_OF)
    assert not [i.value for i in plain.sidebar.info if "is not narrowed by" in i.value]


def test_one_contract_milestone_and_deadline_are_said_in_the_singular():
    from dashboard.records import ContractTerms, Milestone
    from dashboard.views import timelines as tv

    on = date(2022, 1, 10)
    one = ContractTerms("X", "X", "S", "Leadership development", None, date(2021, 6, 11), date(2022, 3, 31))
    due = [Milestone("X", "Final report", date(2022, 1, 31), None)]
    assert tv.gantt_sentence(tv.gantt_table([one], on), on) == (
        "On 10 January 2022, 1 running within its term. The contract runs from June 2021 to March 2022 (with "
        "extensions). No contract has a break date."
    )
    assert tv.milestone_sentence(tv.milestone_table(due, on)).startswith("1 milestone: ")
    deadlines = tv.deadline_table([], due, [], {}, on)  # the milestone alone (no contract's reports)
    assert tv.deadline_sentence(deadlines, on).startswith("1 deadline in the 60 days from 10 January 2022. ")
    assert tv.ending_sentence(tv.ending_table([one], on), on) == (
        "1 contract ends in the 6 months from 10 January 2022. It cannot be extended."
    )


def test_demo_obligations_say_invoices_received_and_reports_once(open_page):
    """The demo data, as of 31/03/2023: con_9887's 2022-23 Q3 invoice (dated 13/01/2023) is received,
    and the contract runs on its extension (invoices and milestones after its 31/03/2022 end), so its
    obligations are owed outright; its progress reports are the register's milestones, not listed again."""
    at = open_page("pages/timelines.py", as_of="2023-03-31")
    obligations = frame_with(at, "Only if extended")
    mine = obligations[obligations["Contract"] == "con_9887"]
    when = dict(zip(mine["Details"], mine["When"]))
    assert when["Invoice for 2022-23 Q3"] == "received on 13 January 2023"
    assert set(mine["Only if extended"]) == {"No"}
    assert set(mine["Obligation"]) == {"Quarterly invoice"}
    deadlines = frame_with(at, "Days left")
    assert (
        not deadlines["Details"]
        .str.contains("only if the contract is extended")[deadlines["Contract"] == "con_9887"]
        .any()
    )


def test_demo_deadlines_list_a_report_on_the_register_once(open_page):
    """As of 31/03/2022, Con_10575's case report 7 and con_9887's Q4 progress report are register
    milestones due on the day the contract's reports fall due: each is listed once, as the milestone."""
    at = open_page("pages/timelines.py", as_of="2022-03-31")
    deadlines = frame_with(at, "Days left")
    due = deadlines[
        deadlines["Due"].isin([pd.Timestamp("2022-04-20"), pd.Timestamp("2022-04-30")])
        & deadlines["What"].isin(["Milestone", "Six-weekly case report", "Quarterly progress report"])
        & deadlines["Contract"].isin(["Con_10575", "con_9887"])
    ]
    assert sorted(zip(due["Contract"], due["What"], due["Details"])) == [
        ("Con_10575", "Milestone", "Case report 7"),
        ("Con_10575", "Quarterly progress report", "Progress report for 2021-22 Q4"),  # none on the register
        ("con_9887", "Milestone", "Q4 2021-22 progress report"),
    ]


@pytest.mark.parametrize(
    "due, completed, status, days_late",
    [
        (date(2022, 5, 1), date(2022, 4, 30), "Done", None),
        (date(2022, 5, 1), date(2022, 5, 1), "Done", None),
        (date(2022, 5, 1), date(2022, 5, 13), "Done late", 12),
        (date(2022, 5, 1), None, "Overdue", None),
    ],
)
def test_a_milestone_done_after_its_due_date_is_done_late_with_the_days(due, completed, status, days_late):
    """rules.md: "A milestone completed after its due date is `done late` (with the days late),
    never plain `done`" - in the table, the sentence and the chart's legend."""
    from dashboard.charts.timelines import STATUS_ORDER
    from dashboard.records import Milestone
    from dashboard.views import timelines as tv

    table = tv.milestone_table([Milestone("con_9887", "Report", due, completed)], date(2022, 6, 30))
    row = table.iloc[0]
    assert row["Status"] == status and row["Status"] in STATUS_ORDER
    assert (None if pd.isna(row["Days late"]) else int(row["Days late"])) == days_late
    sentence = tv.milestone_sentence(table)
    assert (f"Done late: con_9887 Report ({days_late} days late)." in sentence) is (days_late is not None)


@pytest.mark.parametrize(
    ("milestones", "decisions", "answer"),
    [
        (["Done", "Overdue", "Overdue"], ["Overdue"], "2 milestones and 1 decision are overdue."),
        (["Overdue"], ["Upcoming"], "1 milestone is overdue."),
        (["Done"], [], "Nothing is overdue: no milestone or decision is past its date."),
    ],
)
def test_the_page_opens_with_what_is_overdue(milestones, decisions, answer):
    import pandas as pd

    from dashboard.views.timelines import overdue_answer

    assert overdue_answer(pd.DataFrame({"Status": milestones}), pd.DataFrame({"Status": decisions})) == answer


def test_the_milestones_table_puts_the_overdue_first_then_due_soon(demo_records):
    """Overdue milestones at the top (then due soon, then the rest), each group by due date: on the demo
    data as at 15 March 2024 the overdue ones were rows 29-32 behind "Show all" when sorted by date alone."""
    from dashboard.views import timelines as tv

    table = tv.milestone_table(demo_records.milestones, date(2024, 3, 15))
    ranks = table["Status"].map({"Overdue": 0, "Due soon": 1}).fillna(2).tolist()
    assert ranks == sorted(ranks) and ranks[0] == 0 and len(table) > 10
    for rank in set(ranks):
        due = table["Due"][[at for at, value in enumerate(ranks) if value == rank]].tolist()
        assert due == sorted(due)
    assert sorted(map(tuple, table[["Contract", "Milestone"]].values.tolist())) == sorted(
        (m.contract, m.name) for m in demo_records.milestones
    )  # every milestone, once


def test_a_decision_past_its_date_is_no_longer_overdue_once_the_contract_has_ended(demo_records):
    """The demo's adviser call-off (Con_10575) had a break date of 31 March 2022 and could run to
    29 June 2023 at the latest: as at 15 March 2024 nothing is left to decide, so the Timelines page
    does not count its break decision as overdue (the Overview's deadlines did not either)."""
    from dashboard.views import timelines as tv

    as_of = date(2024, 3, 15)
    table = tv.decision_table(
        demo_records.contracts,
        as_of,
        milestones=demo_records.milestones,
        invoice_lines=demo_records.invoice_lines,
        returns=demo_records.returns,
    )
    # project_5369 runs on its extension (no notice set, so no date): it is in use, not still to decide
    assert list(table[table["Contract"] == "project_5369"]["Status"]) == ["Passed: extension in use"]
    ended = table[table["Contract"] == "Con_10575"]  # its break decision, and its extension (no notice set)
    assert list(ended["Status"]) == [tv.ENDED_UNDECIDED] * 2 and ended["Days left"].isna().all()
    running = table[(table["Contract"] == "con_9887") & (table["Status"] == "Overdue")]
    assert len(running) == 1  # the extension decision of a contract that may still be extended
    deadlines = tv.deadline_table(demo_records.contracts, demo_records.milestones, [], {}, as_of)
    assert "Con_10575" not in set(deadlines["Contract"])
    assert "1 decision" in tv.overdue_answer(tv.milestone_table(demo_records.milestones, as_of), table)


def test_the_deadline_sentence_says_an_overdue_decision_apart_from_what_is_coming(demo_records):
    """The deadlines table lists an overdue decision first so that it is not missed; the sentence said
    it was "in the 60 days from" the as-of date, 75 days after its date."""
    from dashboard.views import timelines as tv

    as_of = date(2024, 3, 15)
    table = tv.deadline_table(demo_records.contracts, demo_records.milestones, [], {}, as_of)
    sentence = tv.deadline_sentence(table, as_of)
    assert sentence.startswith(
        "1 decision is overdue, listed first: Decide whether to extend beyond 31 March 2024 (up to 31 March 2025; "
        "3 months' notice) (con_9887) was due on 31 December 2023. "
    ), sentence
    coming = int((table["Days left"] >= 0).sum())
    assert f"{coming} deadlines in the 60 days from 15 March 2024. The first is " in sentence
    assert "(overdue)" not in sentence
