"""rules.md "KPI 1 and KPI 2": one parametrize row per edge case."""

from datetime import date, timedelta

import pytest

from dashboard.kpi import (
    AWAITING_RETURN,
    IN_PROGRESS,
    MET,
    NO_BASELINE,
    NO_RESPONSE,
    NOT_MET,
    PENDING,
    KpiResult,
    baseline_days_late,
    compute_kpis,
    interval_text,
    kpi_counts,
    kpi_result,
    kpis_from_outcomes,
    plain_english_status,
    targets_from_contracts,
    unit_outcomes,
    unit_status,
    verdict,
    wilson_interval,
)
from dashboard.records import BASELINE, FOLLOW_UP, GROUP, ONE_TO_ONE, ContractTerms, SurveyResponse, Unit

AS_OF = date(2022, 6, 30)


def make_unit(
    end=date(2022, 1, 31),
    start=date(2021, 10, 1),
    contract="con_9887",
    package="P1",
    participant="A",
    support_type=ONE_TO_ONE,
    la="E06000001",
    region="E12000001",
    role="Lead member",
    focus="SEND",
):
    return Unit(contract, package, participant, support_type, la, region, role, focus, start, end)


def make_response(stage, day, confidence, impact=None, contract="con_9887", package="P1", participant="A"):
    return SurveyResponse(contract, package, participant, stage, day, confidence, impact)


def base(day, confidence=2):
    return make_response(BASELINE, day, confidence)


def follow(day, confidence=4, impact=True):
    return make_response(FOLLOW_UP, day, confidence, impact)


END = date(2021, 11, 30)  # window end: 28 Feb 2022 (clamped)
WINDOW_END = date(2022, 2, 28)


# (id, end_date, responses, as_of, status, baseline date, follow-up date)
STATUS_CASES = [
    (
        "met",
        END,
        [base(date(2021, 9, 1)), follow(date(2021, 12, 15))],
        AS_OF,
        MET,
        date(2021, 9, 1),
        date(2021, 12, 15),
    ),
    (
        "not met: same confidence",
        END,
        [base(date(2021, 9, 1), 3), follow(date(2021, 12, 15), 3)],
        AS_OF,
        NOT_MET,
        date(2021, 9, 1),
        date(2021, 12, 15),
    ),
    (
        "not met: confidence lower",
        END,
        [base(date(2021, 9, 1), 4), follow(date(2021, 12, 15), 2)],
        AS_OF,
        NOT_MET,
        date(2021, 9, 1),
        date(2021, 12, 15),
    ),
    (
        "not met: impact no",
        END,
        [base(date(2021, 9, 1)), follow(date(2021, 12, 15), 5, False)],
        AS_OF,
        NOT_MET,
        date(2021, 9, 1),
        date(2021, 12, 15),
    ),
    (
        "not met: impact blank",
        END,
        [base(date(2021, 9, 1)), follow(date(2021, 12, 15), 5, None)],
        AS_OF,
        NOT_MET,
        date(2021, 9, 1),
        date(2021, 12, 15),
    ),
    ("no baseline", END, [follow(date(2021, 12, 15))], AS_OF, NO_BASELINE, None, date(2021, 12, 15)),
    (
        "pending: window open, no follow-up",
        date(2022, 5, 31),
        [base(date(2022, 1, 1))],
        AS_OF,
        PENDING,
        date(2022, 1, 1),
        None,
    ),
    ("pending: nothing at all", date(2022, 5, 31), [], AS_OF, PENDING, None, None),
    ("no response: window closed", END, [base(date(2021, 9, 1))], AS_OF, NO_RESPONSE, date(2021, 9, 1), None),
    ("no response: nothing at all", END, [], AS_OF, NO_RESPONSE, None, None),
    ("window end == as-of is closed", END, [base(date(2021, 9, 1))], WINDOW_END, NO_RESPONSE, date(2021, 9, 1), None),
    (
        "window end the day after as-of is open",
        END,
        [base(date(2021, 9, 1))],
        WINDOW_END - timedelta(days=1),
        PENDING,
        date(2021, 9, 1),
        None,
    ),
    (
        "follow-up on end date counts (window start inclusive)",
        END,
        [base(date(2021, 9, 1)), follow(END)],
        AS_OF,
        MET,
        date(2021, 9, 1),
        END,
    ),
    (
        "follow-up on window end counts (clamped end inclusive)",
        END,
        [base(date(2021, 9, 1)), follow(WINDOW_END)],
        AS_OF,
        MET,
        date(2021, 9, 1),
        WINDOW_END,
    ),
    (
        "follow-up the day before end date ignored",
        END,
        [base(date(2021, 9, 1)), follow(END - timedelta(days=1))],
        AS_OF,
        NO_RESPONSE,
        date(2021, 9, 1),
        None,
    ),
    (
        "follow-up the day after window end ignored",
        END,
        [base(date(2021, 9, 1)), follow(WINDOW_END + timedelta(days=1))],
        AS_OF,
        NO_RESPONSE,
        date(2021, 9, 1),
        None,
    ),
    (
        "31 Aug end: window to 30 Nov inclusive",
        date(2021, 8, 31),
        [base(date(2021, 6, 1)), follow(date(2021, 11, 30))],
        AS_OF,
        MET,
        date(2021, 6, 1),
        date(2021, 11, 30),
    ),
    (
        "31 Aug end: 1 Dec is outside",
        date(2021, 8, 31),
        [base(date(2021, 6, 1)), follow(date(2021, 12, 1))],
        AS_OF,
        NO_RESPONSE,
        date(2021, 6, 1),
        None,
    ),
    (
        "leap year: 30 Nov 2023 end, 29 Feb 2024 in window",
        date(2023, 11, 30),
        [base(date(2023, 9, 1)), follow(date(2024, 2, 29))],
        date(2024, 6, 30),
        MET,
        date(2023, 9, 1),
        date(2024, 2, 29),
    ),
    (
        "leap year: 1 Mar 2024 outside",
        date(2023, 11, 30),
        [base(date(2023, 9, 1)), follow(date(2024, 3, 1))],
        date(2024, 6, 30),
        NO_RESPONSE,
        date(2023, 9, 1),
        None,
    ),
    (
        "latest follow-up in window chosen (earlier met, latest not)",
        END,
        [base(date(2021, 9, 1)), follow(date(2021, 12, 10), 5, True), follow(date(2022, 2, 1), 1, False)],
        AS_OF,
        NOT_MET,
        date(2021, 9, 1),
        date(2022, 2, 1),
    ),
    (
        "latest follow-up in window chosen (later one outside ignored)",
        END,
        [base(date(2021, 9, 1)), follow(date(2021, 12, 10), 5, True), follow(date(2022, 3, 1), 1, False)],
        AS_OF,
        MET,
        date(2021, 9, 1),
        date(2021, 12, 10),
    ),
    (
        "follow-up after as-of ignored: pending",
        date(2022, 5, 31),
        [base(date(2022, 1, 1)), follow(date(2022, 7, 1))],
        AS_OF,
        PENDING,
        date(2022, 1, 1),
        None,
    ),
    (
        "follow-up after as-of ignored: earlier one used",
        date(2022, 5, 31),
        [base(date(2022, 1, 1)), follow(date(2022, 6, 1), 4, True), follow(date(2022, 7, 1), 1, False)],
        AS_OF,
        MET,
        date(2022, 1, 1),
        date(2022, 6, 1),
    ),
    (
        "follow-up dated as-of counts",
        date(2022, 5, 31),
        [base(date(2022, 1, 1)), follow(AS_OF)],
        AS_OF,
        MET,
        date(2022, 1, 1),
        AS_OF,
    ),
    (
        "baseline after as-of ignored: no_baseline",
        date(2022, 5, 31),
        [base(date(2022, 7, 1)), follow(date(2022, 6, 1))],
        AS_OF,
        NO_BASELINE,
        None,
        date(2022, 6, 1),
    ),
    (
        "earliest baseline of several",
        END,
        [base(date(2021, 10, 1), 4), base(date(2021, 9, 1), 1), follow(date(2021, 12, 15), 3)],
        AS_OF,
        MET,
        date(2021, 9, 1),
        date(2021, 12, 15),
    ),
    (
        "earliest baseline of several (would be met with the later one, is not)",
        END,
        [base(date(2021, 10, 1), 1), base(date(2021, 9, 1), 4), follow(date(2021, 12, 15), 3)],
        AS_OF,
        NOT_MET,
        date(2021, 9, 1),
        date(2021, 12, 15),
    ),
    (
        "baseline after the end date still a baseline",
        END,
        [base(date(2021, 12, 20)), follow(date(2021, 12, 21))],
        AS_OF,
        MET,
        date(2021, 12, 20),
        date(2021, 12, 21),
    ),
    (
        "in progress: no end date",
        None,
        [base(date(2021, 9, 1)), follow(date(2021, 12, 15))],
        AS_OF,
        IN_PROGRESS,
        None,
        None,
    ),
    ("in progress: end after as-of", date(2022, 7, 1), [base(date(2021, 9, 1))], AS_OF, IN_PROGRESS, None, None),
    (
        "end date == as-of has ended",
        AS_OF,
        [base(date(2021, 9, 1)), follow(AS_OF)],
        AS_OF,
        MET,
        date(2021, 9, 1),
        AS_OF,
    ),
    (
        "stage spelled differently",
        END,
        [make_response("Baseline", date(2021, 9, 1), 1), make_response("Follow-up", date(2021, 12, 15), 3, True)],
        AS_OF,
        MET,
        date(2021, 9, 1),
        date(2021, 12, 15),
    ),
]


@pytest.mark.parametrize(
    "end, responses, as_of, status, baseline_date, follow_up_date",
    [case[1:] for case in STATUS_CASES],
    ids=[case[0] for case in STATUS_CASES],
)
def test_unit_status(end, responses, as_of, status, baseline_date, follow_up_date):
    outcome = unit_status(make_unit(end=end, start=date(2021, 6, 1)), responses, as_of)
    assert outcome.status == status
    assert (outcome.baseline.response_date if outcome.baseline else None) == baseline_date
    assert (outcome.follow_up.response_date if outcome.follow_up else None) == follow_up_date


@pytest.mark.parametrize(
    "end, expected",
    [(END, WINDOW_END), (date(2021, 8, 31), date(2021, 11, 30)), (date(2023, 11, 30), date(2024, 2, 29)), (None, None)],
)
def test_window_end_is_end_plus_three_months(end, expected):
    assert unit_status(make_unit(end=end, start=date(2021, 6, 1)), [], date(2025, 1, 1)).window_end == expected


def test_unit_starting_after_as_of_is_not_a_unit():
    unit = make_unit(start=date(2022, 7, 1), end=date(2022, 8, 1))
    with pytest.raises(ValueError):
        unit_status(unit, [], AS_OF)
    assert unit_outcomes([unit], [], AS_OF) == []
    assert compute_kpis([unit], [], {}, AS_OF) == []


def test_unit_starting_on_as_of_is_a_unit():
    unit = make_unit(start=AS_OF, end=None)
    [result] = compute_kpis([unit], [], {}, AS_OF)
    assert result.in_progress == 1


def test_responses_of_other_units_are_not_used():
    units = [make_unit(participant="A"), make_unit(participant="B"), make_unit(package="P2", participant="A")]
    responses = [
        make_response(BASELINE, date(2021, 9, 1), 1, participant="A"),
        make_response(FOLLOW_UP, date(2022, 2, 10), 4, True, participant="A"),
        make_response(FOLLOW_UP, date(2022, 2, 10), 4, True, participant="B"),
        make_response(FOLLOW_UP, date(2022, 2, 10), 4, True, contract="other", package="P2"),
    ]
    statuses = [o.status for o in unit_outcomes(units, responses, AS_OF)]
    assert statuses == [MET, NO_BASELINE, NO_RESPONSE]


def test_responses_of_a_participant_id_in_a_package_that_is_no_unit_are_not_used():
    """A participant ID with one unit: its responses in another package or contract are not that unit's."""
    units = [make_unit(participant="A"), make_unit(package="P2", participant="B"), make_unit(participant="B")]
    responses = [
        make_response(BASELINE, date(2021, 9, 1), 1, participant="A"),
        make_response(FOLLOW_UP, date(2022, 2, 10), 4, True, package="P3", participant="A"),
        make_response(FOLLOW_UP, date(2022, 2, 10), 4, True, contract="other", participant="A"),
        make_response(BASELINE, date(2021, 9, 1), 1, package="P2", participant="B"),
        make_response(FOLLOW_UP, date(2022, 2, 10), 4, True, package="P2", participant="B"),
        make_response(FOLLOW_UP, date(2022, 2, 10), 4, True, package="P3", participant="B"),
    ]
    outcomes = unit_outcomes([*units, units[2], units[1]], responses, AS_OF)
    assert [(o.unit.package_id, o.unit.participant_id, o.status) for o in outcomes] == [
        ("P1", "A", NO_RESPONSE),
        ("P2", "B", MET),
        ("P1", "B", NO_RESPONSE),
    ]


def test_same_unit_listed_twice_counts_once():
    unit = make_unit()
    [result] = compute_kpis([unit, unit], [], {}, AS_OF)
    assert result.no_response == 1 and result.eligible == 1


# ------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    "successes, n, low, high",
    [
        (16, 20, 0.5840, 0.9193),  # cli.md example
        (16, 35, 0.3047, 0.6181),  # plain-English example: 30-62 %
        (0, 5, 0.0, 0.4345),
        (5, 5, 0.5655, 1.0),
        (1, 1, 0.2065, 1.0),
        (0, 1, 0.0, 0.7935),
        (50, 100, 0.4038, 0.5962),
        (75, 100, 0.6570, 0.8245),
    ],
)
def test_wilson_interval(successes, n, low, high):
    ci_low, ci_high = wilson_interval(successes, n)
    assert round(ci_low, 4) == low
    assert round(ci_high, 4) == high
    assert 0.0 <= ci_low <= successes / n <= ci_high <= 1.0


def test_wilson_interval_no_data():
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize("successes, n", [(3, 2), (-1, 4), (1, -1)])
def test_wilson_interval_rejects_impossible_counts(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


# ------------------------------------------------------------------- verdict


@pytest.mark.parametrize(
    "ci_low, ci_high, target, expected",
    [
        (0.80, 0.95, 0.75, "met"),
        (0.75, 0.95, 0.75, "met"),  # ci_low == target is met
        (0.50, 0.74, 0.75, "not_met"),
        (0.50, 0.75, 0.75, "undetermined"),  # ci_high == target is not below
        (0.58, 0.92, 0.75, "undetermined"),  # straddles
        (None, None, 0.75, "no_data"),
        (0.58, 0.92, 0.50, "met"),  # the contract's own target
    ],
)
def test_verdict(ci_low, ci_high, target, expected):
    assert verdict(ci_low, ci_high, target) == expected


# --------------------------------------------------------------- compute_kpis


def cli_example_units_and_responses():
    """The cli.md example: 16 met, 2 not met, 1 no baseline, 1 no response, 3 pending, 5 in progress."""
    units, responses = [], []

    def add(status, i):
        participant = f"{status}{i}"
        if status == "in_progress":
            units.append(make_unit(participant=participant, end=None))
            return
        if status == "pending":
            units.append(make_unit(participant=participant, end=date(2022, 6, 1)))
            return
        units.append(make_unit(participant=participant, end=date(2022, 1, 31)))
        if status != "no_baseline":
            responses.append(make_response(BASELINE, date(2021, 10, 1), 2, participant=participant))
        if status == "no_response":
            return
        good = status != "not_met"
        responses.append(make_response(FOLLOW_UP, date(2022, 3, 1), 4 if good else 2, good, participant=participant))

    for status, count in [
        ("met", 16),
        ("not_met", 2),
        ("no_baseline", 1),
        ("no_response", 1),
        ("pending", 3),
        ("in_progress", 5),
    ]:
        for i in range(count):
            add(status, i)
    return units, responses


def test_compute_kpis_cli_example():
    units, responses = cli_example_units_and_responses()
    [result] = compute_kpis(units, responses, {"con_9887": 0.75}, AS_OF)
    assert (result.contract, result.kpi, result.target) == ("con_9887", "one_to_one", 0.75)
    assert (result.eligible, result.met, result.not_met, result.no_baseline, result.no_response) == (20, 16, 2, 1, 1)
    assert (result.pending, result.in_progress) == (3, 5)
    assert result.rate == 0.8
    assert (round(result.ci_low, 4), round(result.ci_high, 4)) == (0.5840, 0.9193)
    assert result.verdict == "undetermined"
    assert result.low_reliability is False


def test_rate_is_none_when_nothing_eligible():
    units = [make_unit(participant="a", end=None), make_unit(participant="b", end=date(2022, 6, 1))]
    [result] = compute_kpis(units, [], {"con_9887": 0.75}, AS_OF)
    assert (result.eligible, result.pending, result.in_progress) == (0, 1, 1)
    assert result.rate is None and result.ci_low is None and result.ci_high is None
    assert result.verdict == "no_data"


@pytest.mark.parametrize(
    "eligible, low_reliability",
    [(0, True), (1, True), (4, True), (5, False), (6, False)],
)
def test_low_reliability_below_five_eligible(eligible, low_reliability):
    units = [make_unit(participant=str(i)) for i in range(eligible)] + [make_unit(participant="x", end=None)]
    [result] = compute_kpis(units, [], {}, AS_OF)
    assert result.eligible == eligible
    assert result.low_reliability is low_reliability


def test_kpi_1_and_2_and_contract_targets():
    units = [
        make_unit(participant="a"),
        make_unit(participant="b", support_type=GROUP),
        make_unit(participant="c", contract="con_1"),
        make_unit(participant="d", support_type="peer_review"),  # neither KPI
    ]
    results = compute_kpis(units, [], {"con_1": 0.6}, AS_OF)
    assert [(r.contract, r.kpi, r.target, r.verdict) for r in results] == [
        ("con_1", "one_to_one", 0.6, "undetermined"),
        ("con_9887", "group", None, "no_target"),  # no target given: no default, never judged
        ("con_9887", "one_to_one", None, "no_target"),
    ]


@pytest.mark.parametrize(
    "kpi_target, target, verdict, sentence_ends",
    [
        pytest.param(
            0.75,
            0.75,
            "not_met",
            "3 of 10 leaders (30 %) feel more confident and showed impact (95 % interval 11 to 60 %)",
            id="the register's target: a verdict",
        ),
        pytest.param(
            0.1,
            0.1,
            "met",
            "3 of 10 leaders (30 %) feel more confident and showed impact (95 % interval 11 to 60 %)",
            id="another target: judged against it",
        ),
        pytest.param(
            None,
            None,
            "no_target",
            "3 of 10 leaders (30 %) feel more confident and showed impact (95 % interval 11 to 60 %)",
            id="no KPI target in the register: no verdict, the rate still given",
        ),
    ],
)
def test_a_kpi_is_judged_only_against_the_registers_target(kpi_target, target, verdict, sentence_ends):
    """rules.md: "A contract whose register gives no KPI target has no confidence KPI: its survey
    figures may be shown as 'no target', and are never judged met or below." (Con_10575)"""
    contract = ContractTerms(
        "Con_10575", "t", "s", "p", None, date(2021, 4, 1), date(2023, 3, 31), kpi_target=kpi_target
    )
    units = [make_unit(contract="Con_10575", participant=str(i)) for i in range(10)]
    follow_ups = [SurveyResponse("Con_10575", "P1", str(i), "follow_up", date(2022, 2, 1), 4, True) for i in range(10)]
    baselines = [SurveyResponse("Con_10575", "P1", str(i), "baseline", date(2021, 9, 1), 2, None) for i in range(3)]
    [result] = compute_kpis(units, follow_ups + baselines, targets_from_contracts([contract]), AS_OF)
    assert (result.target, result.verdict, result.met, result.eligible) == (target, verdict, 3, 10)
    assert result.rate == 0.3 and result.ci_low is not None
    assert plain_english_status(result).endswith(sentence_ends)
    assert plain_english_status(result).startswith(
        "KPI 1 has no target (it is not set in the contract register): "
        if target is None
        else f"KPI 1 {'meets' if verdict == 'met' else 'is below'} the {round(target * 100)} % target: "
    )


def test_targets_from_contracts():
    contract = ContractTerms("con_1", "t", "s", "p", None, date(2021, 4, 1), date(2023, 3, 31), kpi_target=0.8)
    blank = ContractTerms("Con_10575", "t", "s", "p", None, date(2021, 4, 1), date(2023, 3, 31))
    assert targets_from_contracts([contract, blank]) == {"con_1": 0.8, "Con_10575": None}


def test_verdict_uses_contract_target():
    units = [make_unit(participant=str(i)) for i in range(20)]
    responses = [
        r
        for i in range(20)
        for r in (
            make_response(BASELINE, date(2021, 9, 1), 1, participant=str(i)),
            make_response(FOLLOW_UP, date(2022, 2, 1), 3, True, participant=str(i)),
        )
    ]
    assert compute_kpis(units, responses, {"con_9887": 0.75}, AS_OF)[0].verdict == "met"
    assert compute_kpis(units, responses, {"con_9887": 0.83}, AS_OF)[0].verdict == "met"  # 20/20: low 0.839
    assert compute_kpis(units, responses, {"con_9887": 0.85}, AS_OF)[0].verdict == "undetermined"


@pytest.mark.parametrize(
    "group_key, expected_groups",
    [
        # packages spanning financial years: sliced by the FY of the END date
        ("financial_year", [None, "2021-22", "2022-23"]),
        ("region", ["E12000001", "E12000002"]),
        ("la", ["E06000001", "E06000002"]),
        ("role", ["Chief executive", "Lead member"]),
        ("focus", [None, "SEND"]),
        (None, [None]),
        ("contract", [None]),
        (lambda unit: unit.package_id, ["P1", "P2"]),
    ],
)
def test_slices(group_key, expected_groups):
    units = [
        make_unit(participant="a", start=date(2021, 1, 10), end=date(2021, 5, 1)),  # starts 2020-21, ends 2021-22
        make_unit(participant="b", start=date(2022, 3, 1), end=date(2022, 4, 1), la="E06000002", region="E12000002"),
        make_unit(participant="c", package="P2", end=None, role="Chief executive", focus=None),
    ]
    results = compute_kpis(units, [], {}, AS_OF, group_key=group_key)
    assert [r.group for r in results] == expected_groups
    assert sum(r.eligible + r.pending + r.in_progress for r in results) == 3


def test_unknown_slice_is_an_error():
    with pytest.raises(ValueError):
        compute_kpis([make_unit()], [], {}, AS_OF, group_key="colour")


def test_slicing_never_changes_the_rule():
    units, responses = cli_example_units_and_responses()
    whole = compute_kpis(units, responses, {}, AS_OF)[0]
    parts = compute_kpis(units, responses, {}, AS_OF, group_key="financial_year")
    assert sum(p.met for p in parts) == whole.met
    assert sum(p.eligible for p in parts) == whole.eligible


def test_kpi_counts_has_every_status():
    counts = kpi_counts([])
    assert counts == {
        "met": 0,
        "not_met": 0,
        "no_baseline": 0,
        "pending": 0,
        "awaiting_return": 0,
        "no_response": 0,
        "in_progress": 0,
        "eligible": 0,
        "late_baseline": 0,
    }


# ---------------------------------------------------------- plain English


def result_with(met, eligible, kpi=ONE_TO_ONE, target=0.75, pending=0, in_progress=0):
    outcomes = []
    unit = make_unit()
    from dashboard.kpi import UnitOutcome

    outcomes += [UnitOutcome(unit, MET, None, None, None)] * met
    outcomes += [UnitOutcome(unit, NOT_MET, None, None, None)] * (eligible - met)
    outcomes += [UnitOutcome(unit, PENDING, None, None, None)] * pending
    outcomes += [UnitOutcome(unit, IN_PROGRESS, None, None, None)] * in_progress
    return kpi_result("con_9887", kpi, target, outcomes)


@pytest.mark.parametrize(
    "result, expected",
    [
        (
            result_with(16, 35),
            (
                "KPI 1 is below the 75 % target: 16 of 35 leaders (46 %) feel more confident "
                "and showed impact (95 % interval 30 to 62 %)"
            ),
        ),
        (
            result_with(20, 20),
            (
                "KPI 1 meets the 75 % target: 20 of 20 leaders (100 %) feel more confident "
                "and showed impact (95 % interval 84 to 100 %)"
            ),
        ),
        (
            result_with(16, 20, kpi=GROUP),
            (
                "KPI 2: cannot tell yet if it meets the 75 % target: 16 of 20 group members (80 %) feel more "
                "confident and showed impact (95 % interval 58 to 92 %, which includes the target)"
            ),
        ),
        (
            result_with(0, 0, pending=3, in_progress=5),
            (
                "KPI 1 has no data yet: no leaders have a closed follow-up window "
                "(3 waiting for their follow-up, 5 still in support)"
            ),
        ),
        (
            result_with(3, 4),
            (
                "KPI 1: cannot tell yet if it meets the 75 % target: 3 of 4 leaders (75 %) feel more confident and "
                "showed impact (95 % interval 30 to 95 %, which includes the target) "
                "[u] fewer than 5 eligible: treat with caution"
            ),
        ),
        (
            result_with(1, 2, target=0.725),
            (
                "KPI 1: cannot tell yet if it meets the 72.5 % target: 1 of 2 leaders (50 %) feel more confident "
                "and showed impact (95 % interval 9 to 91 %, which includes the target) "
                "[u] fewer than 5 eligible: treat with caution"
            ),
        ),
    ],
    ids=["below", "meets", "cannot tell", "no data", "low reliability", "odd target"],
)
def test_plain_english_status(result, expected):
    assert plain_english_status(result) == expected


def test_kpi_result_is_plain_data():
    result = result_with(1, 1)
    assert isinstance(result, KpiResult)
    assert result.rate == 1.0


@pytest.mark.parametrize(
    "low, high, target, text",
    [
        (0.7469, 0.9642, 0.75, "74.7-96"),  # 32 of 36: rounds onto the target without reaching it
        (0.75, 0.9, 0.75, "75-90"),  # on the target: met, and written as it is
        (0.5840, 0.9193, 0.75, "58-92"),
        (0.6, 0.7504, 0.75, "60-75.0"),  # just above the target: still one decimal, so not read as reaching it
    ],
)
def test_an_interval_bound_never_rounds_onto_the_target(low, high, target, text):
    assert interval_text(low, high, target) == text


@pytest.mark.parametrize("kpi_target, target", [(0.75, 0.75), (None, None)])
def test_the_json_target_is_null_for_a_contract_with_none_and_the_rate_still_given(kpi_target, target):
    """cli.md: "`target` is `null` for a contract with no KPI target; its `rate` is still given"."""
    from dashboard.summary import build_summary

    contract = ContractTerms(
        "con_9887", "t", "s", "p", None, date(2021, 4, 1), date(2023, 3, 31), kpi_target=kpi_target
    )
    units = [make_unit(participant=str(i)) for i in range(4)]
    follow_ups = [SurveyResponse("con_9887", "P1", str(i), "follow_up", date(2022, 2, 1), 4, True) for i in range(4)]
    baselines = [SurveyResponse("con_9887", "P1", str(i), "baseline", date(2021, 9, 1), 2, None) for i in range(4)]
    [kpi] = build_summary(AS_OF, [contract], units, follow_ups + baselines, [], [], [], judgements=[])["kpis"]
    assert (kpi["target"], kpi["rate"], kpi["eligible"]) == (target, 1.0, 4)


# ------------------------------------------- awaiting the return (data currency)

# END 30/11/2021: the window closes 28/02/2022. (id, responses, as_of, data-to of con_9887, status)
AWAITING_CASES = [
    ("data-to unknown: as today", [base(date(2021, 9, 1))], AS_OF, None, NO_RESPONSE),
    (
        "window closed after data-to: awaiting the return",
        [base(date(2021, 9, 1))],
        AS_OF,
        date(2021, 12, 31),
        AWAITING_RETURN,
    ),
    ("window closed the day after data-to", [], AS_OF, WINDOW_END - timedelta(days=1), AWAITING_RETURN),
    ("window closed on data-to: no response", [base(date(2021, 9, 1))], AS_OF, WINDOW_END, NO_RESPONSE),
    ("window closed before data-to: no response", [], AS_OF, date(2022, 3, 31), NO_RESPONSE),
    ("window still open: pending whatever data-to", [], WINDOW_END - timedelta(days=1), date(2021, 12, 31), PENDING),
    (
        "a follow-up is a follow-up whatever data-to",
        [base(date(2021, 9, 1)), follow(date(2022, 2, 1))],
        AS_OF,
        date(2021, 12, 31),
        MET,
    ),
    ("no baseline whatever data-to", [follow(date(2022, 2, 1))], AS_OF, date(2021, 12, 31), NO_BASELINE),
]


@pytest.mark.parametrize(
    "responses, as_of, data_to, status", [case[1:] for case in AWAITING_CASES], ids=[case[0] for case in AWAITING_CASES]
)
def test_awaiting_return(responses, as_of, data_to, status):
    data_to_dates = {} if data_to is None else {"con_9887": data_to}
    [outcome] = unit_outcomes([make_unit(end=END, start=date(2021, 6, 1))], responses, as_of, data_to_dates)
    assert outcome.status == status


def test_awaiting_return_uses_each_contracts_own_data_to():
    units = [make_unit(end=END, contract="con_9887"), make_unit(end=END, contract="con_1")]
    outcomes = unit_outcomes(units, [], AS_OF, {"con_9887": date(2021, 12, 31)})
    assert [o.status for o in outcomes] == [AWAITING_RETURN, NO_RESPONSE]


def test_awaiting_return_is_not_eligible():
    units = [make_unit(participant=str(i), end=END) for i in range(3)]
    [result] = compute_kpis(units, [], {}, AS_OF, data_to={"con_9887": date(2021, 12, 31)})
    assert (result.awaiting_return, result.no_response, result.eligible, result.rate) == (3, 0, 0, None)


# ---------------------------------------------------------------- late baselines

START = date(2021, 6, 1)


# (id, baseline date, late?, days after the start)
LATE_BASELINE_CASES = [
    ("before the start", date(2021, 5, 31), False, None),
    ("on the start date", START, False, None),
    ("the day after the start: late", date(2021, 6, 2), True, 1),
    ("after the end date: late", date(2021, 12, 20), True, 202),
]


@pytest.mark.parametrize(
    "baseline_date, late, days",
    [case[1:] for case in LATE_BASELINE_CASES],
    ids=[case[0] for case in LATE_BASELINE_CASES],
)
def test_late_baseline(baseline_date, late, days):
    [outcome] = unit_outcomes([make_unit(end=END, start=START)], [base(baseline_date), follow(date(2022, 1, 5))], AS_OF)
    assert (outcome.late_baseline, baseline_days_late(outcome)) == (late, days)
    [result] = kpis_from_outcomes([outcome], {})
    assert (result.late_baseline, result.eligible) == (int(late), 1)  # the unit still counts


def test_late_baselines_counted_per_contract_and_kpi():
    units = [
        make_unit(participant="a", start=START),
        make_unit(participant="b", start=START),
        make_unit(participant="c", start=START, support_type=GROUP),
    ]
    responses = [make_response(BASELINE, date(2021, 7, 1), 2, participant=p) for p in "abc"]
    responses[0] = make_response(BASELINE, date(2021, 5, 1), 2, participant="a")
    results = compute_kpis(units, responses, {}, AS_OF)
    assert [(r.kpi, r.late_baseline) for r in results] == [(GROUP, 1), (ONE_TO_ONE, 1)]
