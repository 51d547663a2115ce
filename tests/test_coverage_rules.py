"""rules.md "Coverage": LAs supported, per region, reorganisations, targeting."""

from datetime import date

import pytest

from dashboard.coverage import (
    CoverageRow,
    LAIndex,
    coverage_by_region,
    coverage_by_year,
    is_active_in_year,
    la_identity_in_year,
    las_in_region_in_year,
    priority_reasons,
    status_on,
    supported_las,
    supported_units,
    targeting_share,
    unsupported_priority_las,
)
from dashboard.records import GROUP, ONE_TO_ONE, LAStatus, LocalAuthority, Unit

NE, NW, YH, EM, SW = "E12000001", "E12000002", "E12000003", "E12000004", "E12000009"
OPEN = date(2009, 4, 1)


def la(code, name, region, valid_from=OPEN, valid_to=None, successors=()):
    return LocalAuthority(code, "", name, region, valid_from, valid_to, tuple(successors))


# The 2019-2023 reorganisations as in shared/reference/la_changes.csv.
LAS = [
    la("E06000001", "Hartlepool", NE),
    la("E06000002", "Middlesbrough", NE),
    la("E10000006", "Cumbria", NW, valid_to=date(2023, 3, 31), successors=("E06000063", "E06000064")),
    la("E06000063", "Cumberland", NW, valid_from=date(2023, 4, 1)),
    la("E06000064", "Westmorland and Furness", NW, valid_from=date(2023, 4, 1)),
    la("E08000001", "Bolton", NW),
    la("E10000023", "North Yorkshire", YH, valid_to=date(2023, 3, 31), successors=("E06000065",)),
    la("E06000065", "North Yorkshire", YH, valid_from=date(2023, 4, 1)),
    la("E06000014", "York", YH),
    la("E10000021", "Northamptonshire", EM, valid_to=date(2021, 3, 31), successors=("E06000061", "E06000062")),
    la("E06000061", "North Northamptonshire", EM, valid_from=date(2021, 4, 1)),
    la("E06000062", "West Northamptonshire", EM, valid_from=date(2021, 4, 1)),
    la("E06000028", "Bournemouth", SW, valid_to=date(2019, 3, 31), successors=("E06000058",)),
    la("E06000029", "Poole", SW, valid_to=date(2019, 3, 31), successors=("E06000058",)),
    la("E10000009", "Dorset", SW, valid_to=date(2019, 3, 31), successors=("E06000058", "E06000059")),
    la("E06000058", "Bournemouth, Christchurch and Poole", SW, valid_from=date(2019, 4, 1)),
    la("E06000059", "Dorset", SW, valid_from=date(2019, 4, 1)),
    la("E10000027", "Somerset", SW, valid_to=date(2023, 3, 31), successors=("E06000066",)),
    la("E06000066", "Somerset", SW, valid_from=date(2023, 4, 1)),
]
REGION_OF = {record.code: record.region_code for record in LAS}

AS_OF = date(2024, 6, 30)


def unit(la_code, start, end=None, support_type=ONE_TO_ONE, contract="con_9887", package=None, participant="A"):
    return Unit(
        contract,
        package or f"{la_code}-{start}",
        participant,
        support_type,
        la_code,
        REGION_OF.get(la_code, "E12000007"),
        "Lead member",
        None,
        start,
        end,
    )


# ----------------------------------------------------------------- active rule


@pytest.mark.parametrize(
    "start, end, fy, as_of, active",
    [
        (date(2021, 5, 1), date(2021, 9, 1), "2021-22", AS_OF, True),
        (date(2022, 3, 31), None, "2021-22", AS_OF, True),  # start == FY end
        (date(2022, 4, 1), None, "2021-22", AS_OF, False),  # starts after FY end
        (date(2020, 6, 1), date(2021, 4, 1), "2021-22", AS_OF, True),  # end == FY start
        (date(2020, 6, 1), date(2021, 3, 31), "2021-22", AS_OF, False),  # ended before FY
        (date(2020, 6, 1), None, "2021-22", AS_OF, True),  # open-ended
        (date(2020, 6, 1), date(2023, 1, 1), "2021-22", AS_OF, True),  # spans the whole FY
        (date(2021, 5, 1), None, "2021-22", date(2021, 4, 30), False),  # started after as-of
        (date(2021, 5, 1), None, "2021-22", date(2021, 5, 1), True),  # started on as-of
        (date(2021, 5, 1), None, "2022-23", date(2022, 3, 31), False),  # FY begins after as-of
        (date(2021, 5, 1), None, "2022-23", date(2022, 4, 1), True),  # FY begins on as-of
    ],
)
def test_is_active_in_year(start, end, fy, as_of, active):
    assert is_active_in_year(unit("E06000001", start, end), fy, as_of) is active


# ---------------------------------------------------------------- LA identity


@pytest.mark.parametrize(
    "code, fy, identity",
    [
        ("E06000001", "2023-24", "E06000001"),  # unchanged LA
        ("E10000023", "2022-23", "E10000023"),  # live at FY end
        ("E10000023", "2023-24", "E06000065"),  # one successor: followed
        ("E06000065", "2023-24", "E06000065"),
        ("E06000065", "2022-23", "E10000023"),  # new code used early: its 1:1 predecessor
        ("E10000006", "2022-23", "E10000006"),
        ("E10000006", "2023-24", "E10000006"),  # split: keeps the old code
        ("E06000063", "2023-24", "E06000063"),
        ("E06000063", "2022-23", "E06000063"),  # split successor used early: kept
        ("E10000021", "2021-22", "E10000021"),  # Northamptonshire split 2021
        ("E06000028", "2019-20", "E06000058"),  # Bournemouth -> BCP
        ("E06000029", "2019-20", "E06000058"),  # Poole -> BCP
        ("E10000009", "2019-20", "E10000009"),  # Dorset county: two successors
        ("E06000058", "2018-19", "E06000058"),  # BCP early: several predecessors
        ("E99999999", "2023-24", "E99999999"),  # not in the reference list: as given
    ],
)
def test_la_identity_in_year(code, fy, identity):
    assert la_identity_in_year(code, fy, LAS) == identity


def test_identity_follows_chains_of_single_successors():
    chain = [
        la("A", "A", NE, valid_to=date(2020, 3, 31), successors=("B",)),
        la("B", "B", NE, valid_from=date(2020, 4, 1), valid_to=date(2022, 3, 31), successors=("C",)),
        la("C", "C", NE, valid_from=date(2022, 4, 1)),
    ]
    assert la_identity_in_year("A", "2023-24", chain) == "C"
    assert la_identity_in_year("A", "2021-22", chain) == "B"
    assert la_identity_in_year("C", "2019-20", chain) == "A"


def test_identity_survives_a_cycle_in_bad_data():
    loop = [
        la("A", "A", NE, valid_to=date(2020, 3, 31), successors=("B",)),
        la("B", "B", NE, valid_to=date(2020, 3, 31), successors=("A",)),
    ]
    assert la_identity_in_year("A", "2023-24", loop) == "A"


# -------------------------------------------------------------- supported LAs


@pytest.mark.parametrize(
    "units, fy, support_type, expected",
    [
        pytest.param(
            [unit("E10000023", date(2023, 1, 10), date(2023, 6, 30)), unit("E06000065", date(2023, 5, 1))],
            "2023-24",
            ONE_TO_ONE,
            {"E06000065"},
            id="North Yorkshire old and new code in 2023-24 count once",
        ),
        pytest.param(
            [unit("E10000023", date(2023, 1, 10), date(2023, 6, 30)), unit("E06000065", date(2023, 5, 1))],
            "2022-23",
            ONE_TO_ONE,
            {"E10000023"},
            id="North Yorkshire in 2022-23: only the old-code package is active",
        ),
        pytest.param(
            [unit("E10000027", date(2022, 6, 1), None), unit("E06000066", date(2022, 9, 1))],
            "2022-23",
            ONE_TO_ONE,
            {"E10000027"},
            id="Somerset new code used before it went live counts once",
        ),
        pytest.param(
            [
                unit("E10000006", date(2023, 1, 10), date(2023, 6, 30)),
                unit("E06000063", date(2023, 5, 1)),
                unit("E06000064", date(2023, 5, 1)),
            ],
            "2023-24",
            ONE_TO_ONE,
            {"E10000006", "E06000063", "E06000064"},
            id="Cumbria split: old code kept, successors distinct",
        ),
        pytest.param(
            [
                unit("E06000028", date(2019, 1, 1), date(2019, 6, 1)),
                unit("E06000029", date(2019, 2, 1), None),
                unit("E06000058", date(2019, 5, 1)),
            ],
            "2019-20",
            ONE_TO_ONE,
            {"E06000058"},
            id="Bournemouth and Poole merged into BCP count once",
        ),
        pytest.param(
            [unit("E06000028", date(2019, 1, 1), date(2019, 6, 1)), unit("E06000029", date(2019, 2, 1), None)],
            "2018-19",
            ONE_TO_ONE,
            {"E06000028", "E06000029"},
            id="Bournemouth and Poole before the merger are two LAs",
        ),
        pytest.param(
            [
                unit("E06000001", date(2021, 5, 1)),
                unit("E06000001", date(2021, 6, 1), participant="B"),
                unit("E06000002", date(2021, 7, 1), support_type=GROUP),
            ],
            "2021-22",
            ONE_TO_ONE,
            {"E06000001"},
            id="several packages in one LA count once; other support type not counted",
        ),
        pytest.param(
            [unit("E06000001", date(2025, 5, 1))],
            "2025-26",
            ONE_TO_ONE,
            set(),
            id="FY starting after as-of has no coverage",
        ),
    ],
)
def test_supported_las(units, fy, support_type, expected):
    assert supported_las(units, AS_OF, fy, support_type, las=LAS) == expected


def test_supported_las_without_reference_list_counts_codes_as_given():
    units = [unit("E10000023", date(2023, 1, 10), date(2023, 6, 30)), unit("E06000065", date(2023, 5, 1))]
    assert supported_las(units, AS_OF, "2023-24", ONE_TO_ONE) == {"E10000023", "E06000065"}


def test_supported_units_filters_type_and_year():
    units = [
        unit("E06000001", date(2021, 5, 1), date(2021, 6, 1)),
        unit("E06000002", date(2021, 5, 1), support_type=GROUP),
    ]
    assert len(supported_units(units, AS_OF, "2021-22")) == 2
    assert len(supported_units(units, AS_OF, "2021-22", GROUP)) == 1
    assert supported_units(units, AS_OF, "2022-23", ONE_TO_ONE) == []


def test_coverage_by_year():
    units = [
        unit("E06000001", date(2021, 5, 1), date(2022, 5, 1)),  # spans 2021-22 and 2022-23
        unit("E06000002", date(2022, 1, 1), date(2022, 2, 1)),
        unit("E06000002", date(2022, 1, 1), None, support_type=GROUP),
        unit("E10000023", date(2023, 1, 10), date(2023, 6, 30)),
        unit("E06000065", date(2023, 5, 1), date(2023, 8, 1)),
        unit("E06000014", date(2022, 2, 1), None, contract="con_1"),
        unit("E06000014", date(2024, 7, 1), None, contract="con_2"),  # starts after as-of
    ]
    assert coverage_by_year(units, AS_OF, LAS) == [
        CoverageRow("con_1", "2021-22", ONE_TO_ONE, 1),
        CoverageRow("con_1", "2022-23", ONE_TO_ONE, 1),
        CoverageRow("con_1", "2023-24", ONE_TO_ONE, 1),
        CoverageRow("con_1", "2024-25", ONE_TO_ONE, 1),
        CoverageRow("con_9887", "2021-22", GROUP, 1),
        CoverageRow("con_9887", "2021-22", ONE_TO_ONE, 2),
        CoverageRow("con_9887", "2022-23", GROUP, 1),
        CoverageRow("con_9887", "2022-23", ONE_TO_ONE, 2),  # E06000001 and North Yorkshire (old code)
        CoverageRow("con_9887", "2023-24", GROUP, 1),
        CoverageRow("con_9887", "2023-24", ONE_TO_ONE, 1),  # North Yorkshire counted once
        CoverageRow("con_9887", "2024-25", GROUP, 1),
    ]


def test_coverage_by_year_matches_supported_las():
    units = [unit(code, date(2022, 6, 1), date(2023, 9, 1)) for code in REGION_OF]
    for row in coverage_by_year(units, AS_OF, LAS):
        assert row.las_supported == len(supported_las(units, AS_OF, row.financial_year, row.support_type, LAS))


# -------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    "region, fy, expected_codes",
    [
        (NW, "2022-23", {"E10000006", "E08000001"}),
        (NW, "2023-24", {"E06000063", "E06000064", "E08000001"}),  # Cumbria split: 2 -> 3
        (YH, "2022-23", {"E10000023", "E06000014"}),
        (YH, "2023-24", {"E06000065", "E06000014"}),  # never both North Yorkshires
        (EM, "2020-21", {"E10000021"}),
        (EM, "2021-22", {"E06000061", "E06000062"}),
        (SW, "2018-19", {"E06000028", "E06000029", "E10000009", "E10000027"}),
        (SW, "2019-20", {"E06000058", "E06000059", "E10000027"}),
    ],
)
def test_las_in_region_in_year(region, fy, expected_codes):
    assert {record.code for record in las_in_region_in_year(LAS, region, fy)} == expected_codes


def test_coverage_by_region():
    units = [
        unit("E10000023", date(2023, 1, 10), date(2023, 6, 30)),
        unit("E06000065", date(2023, 5, 1)),
        unit("E10000006", date(2023, 1, 10), date(2023, 6, 30)),  # Cumbria, split before 2023-24
        unit("E06000063", date(2023, 2, 1)),  # Cumberland's code used before it went live
    ]
    rows = {
        (r.financial_year, r.region_code): r
        for r in coverage_by_region(units, AS_OF, LAS)
        if r.support_type == ONE_TO_ONE
    }
    yh = rows[("2023-24", YH)]
    assert (yh.supported, yh.total, yh.share) == (1, 2, 0.5)
    nw = rows[("2023-24", NW)]
    assert (nw.supported, nw.total) == (1, 3)
    assert nw.not_in_year_list == ("E10000006",)  # shown, not silently dropped
    nw_before = rows[("2022-23", NW)]
    assert (nw_before.supported, nw_before.total, nw_before.not_in_year_list) == (1, 2, ("E06000063",))
    ne = rows[("2023-24", NE)]
    assert (ne.supported, ne.total, ne.share) == (0, 2, 0.0)  # every region listed
    assert all(r.supported <= r.total for r in rows.values())


# ------------------------------------------------------------------ targeting


STATUSES = [
    LAStatus("E06000001", date(2019, 1, 1), "Good"),
    LAStatus("E06000001", date(2021, 6, 1), "Inadequate"),
    LAStatus("E06000002", date(2019, 1, 1), "Requires improvement to be good"),
    LAStatus("E06000014", date(2019, 1, 1), "Good", send_wsoa=True),
    LAStatus("E08000001", date(2019, 1, 1), "Outstanding", declining=True),
    LAStatus("E06000065", date(2019, 1, 1), "Good", send_wsoa=False, declining=False),
]


@pytest.mark.parametrize(
    "code, on_date, judgement",
    [
        ("E06000001", date(2018, 12, 31), None),  # before any record
        ("E06000001", date(2019, 1, 1), "Good"),  # effective_date inclusive
        ("E06000001", date(2021, 5, 31), "Good"),
        ("E06000001", date(2021, 6, 1), "Inadequate"),  # latest record wins
        ("E06000001", date(2024, 1, 1), "Inadequate"),
        ("E99999999", date(2024, 1, 1), None),
    ],
)
def test_status_on(code, on_date, judgement):
    status = status_on(code, STATUSES, on_date)
    assert (status.ilacs_judgement if status else None) == judgement


def test_status_on_keeps_what_an_earlier_record_said_and_a_later_one_leaves_blank():
    """An Ofsted inspection (judgement only) published after an LA status return does not
    erase the return's WSoA and declining flags; a later record that states them does."""
    statuses = [
        LAStatus("E08000014", date(2021, 1, 10), "Inadequate", send_wsoa=True, declining=True),
        LAStatus("E08000014", date(2021, 6, 1), "Good"),  # Ofsted: says nothing about WSoA
        LAStatus("E08000014", date(2022, 6, 1), None, send_wsoa=False),
    ]
    on_2021 = status_on("E08000014", statuses, date(2021, 9, 1))
    assert (on_2021.effective_date, on_2021.ilacs_judgement, on_2021.send_wsoa, on_2021.declining) == (
        date(2021, 6, 1),
        "Good",
        True,
        True,
    )
    on_2022 = status_on("E08000014", statuses, date(2022, 9, 1))
    assert (on_2022.ilacs_judgement, on_2022.send_wsoa, on_2022.declining) == ("Good", False, True)
    result = targeting_share([unit("E08000014", date(2021, 9, 1))], statuses, AS_OF, LAIndex(LAS), "2021-22")
    assert result.priority_las == 1
    assert result.reasons["E08000014"] == ("SEND Written Statement of Action", "declining")


@pytest.mark.parametrize(
    "status, reasons",
    [
        (None, ()),
        (LAStatus("X", OPEN, "Inadequate"), ("Inadequate",)),
        (LAStatus("X", OPEN, "Requires improvement"), ("Requires improvement",)),
        (LAStatus("X", OPEN, "requires improvement to be good"), ("Requires improvement",)),
        (LAStatus("X", OPEN, "Good"), ()),
        (LAStatus("X", OPEN, "Outstanding", send_wsoa=True), ("SEND Written Statement of Action",)),
        (LAStatus("X", OPEN, "Good", declining=True), ("declining",)),
        (LAStatus("X", OPEN, None, send_wsoa=None, declining=None), ()),
        (
            LAStatus("X", OPEN, "Inadequate", send_wsoa=True, declining=True),
            ("Inadequate", "SEND Written Statement of Action", "declining"),
        ),
    ],
)
def test_priority_reasons(status, reasons):
    assert priority_reasons(status) == reasons


def test_targeting_uses_status_at_package_start():
    units = [
        unit("E06000001", date(2021, 5, 1)),  # Good at start (Inadequate only from 1 June): not a priority
        unit("E06000002", date(2021, 5, 1)),  # Requires improvement
        unit("E06000014", date(2021, 5, 1)),  # WSoA
        unit("E08000001", date(2021, 5, 1)),  # declining
        unit("E06000065", date(2021, 5, 1)),  # nothing
        unit("E06000063", date(2021, 5, 1)),  # no status record
    ]
    result = targeting_share(units, STATUSES, AS_OF, LAIndex(LAS), "2021-22")
    assert (result.supported_las, result.priority_las) == (6, 3)
    assert result.share == 0.5
    assert set(result.reasons) == {"E06000002", "E06000014", "E08000001"}
    assert result.no_status == ("E06000063",)


def test_targeting_la_counts_once_when_any_package_started_as_priority():
    units = [unit("E06000001", date(2021, 5, 1)), unit("E06000001", date(2021, 6, 1), participant="B")]
    result = targeting_share(units, STATUSES, AS_OF, LAIndex(LAS), "2021-22")
    assert (result.supported_las, result.priority_las, result.share) == (1, 1, 1.0)


def test_targeting_counts_a_recoded_la_once_and_reads_its_status_under_either_code():
    """North Yorkshire E10000023 became E06000065 (same area) on 1 April 2023: packages under both
    codes in 2023-24 are one LA, as Coverage counts it, and an Ofsted judgement recorded under
    the new code is its status at a 2022 start under the old code."""
    statuses = [LAStatus("E06000065", date(2018, 7, 1), "Requires improvement")]
    units = [
        unit("E10000023", date(2022, 10, 3), date(2023, 9, 1)),
        unit("E06000065", date(2023, 6, 1), participant="B"),
    ]
    result = targeting_share(units, statuses, AS_OF, LAIndex(LAS), "2023-24")
    assert (result.supported_las, result.priority_las, result.no_status) == (1, 1, ())
    assert result.reasons == {"E06000065": ("Requires improvement",)}
    split = targeting_share(
        [unit("E10000006", date(2022, 5, 1), date(2023, 9, 1))],
        [LAStatus("E06000063", date(2023, 5, 1), "Inadequate")],
        AS_OF,
        LAIndex(LAS),
        "2023-24",
    )
    assert split.priority_las == 0 and split.no_status == ("E10000006",)  # Cumbria's successors are other LAs


def test_targeting_with_nothing_supported():
    result = targeting_share([], STATUSES, AS_OF, LAIndex(LAS), "2021-22")
    assert result.share is None and result.supported_las == 0


def test_targeting_ignores_status_after_as_of_and_units_after_as_of():
    units = [unit("E06000001", date(2021, 8, 1)), unit("E06000002", date(2024, 8, 1))]
    result = targeting_share(units, STATUSES, date(2021, 5, 1), LAIndex(LAS), "2021-22")
    assert result.supported_las == 0  # both start after as-of
    result = targeting_share(units[:1], STATUSES, date(2021, 9, 1), LAIndex(LAS), "2021-22")
    assert result.priority_las == 1


def test_unsupported_priority_las():
    statuses = [
        LAStatus("E06000001", OPEN, "Inadequate"),
        LAStatus("E06000002", OPEN, "Requires improvement"),  # not Inadequate: not listed
        LAStatus("E06000014", OPEN, "Good", send_wsoa=True),
        LAStatus("E06000065", OPEN, "Inadequate"),
        LAStatus("E08000001", OPEN, "Inadequate"),
        LAStatus("E08000001", date(2024, 7, 1), "Good"),  # after as-of: ignored
        LAStatus("E06000063", OPEN, "Good", declining=True),  # declining alone: not listed
    ]
    units = [unit("E10000023", date(2023, 1, 10), date(2023, 6, 30))]  # supports North Yorkshire (old code)
    found = unsupported_priority_las(units, statuses, LAS, AS_OF, "2023-24")
    assert [(p.la_code, p.reasons) for p in found] == [
        ("E06000001", ("Inadequate",)),
        ("E08000001", ("Inadequate",)),
        ("E06000014", ("SEND Written Statement of Action",)),
    ]


def test_la_index_is_reusable():
    index = LAIndex(LAS)
    units = [unit("E10000023", date(2023, 1, 10), date(2023, 6, 30)), unit("E06000065", date(2023, 5, 1))]
    assert supported_las(units, AS_OF, "2023-24", ONE_TO_ONE, las=index) == {"E06000065"}
    assert coverage_by_year(units, AS_OF, index)[-1].las_supported == 1


def test_the_coverage_year_is_the_latest_financial_year_with_coverage():
    """The FY the coverage views open on, when none is chosen: the latest row of ``coverage_by_year``."""
    from dashboard.views.coverage import coverage_year

    units = [
        unit("E08000011", date(2022, 5, 1), date(2023, 5, 31)),  # active into 2023-24
        unit("E08000012", date(2021, 4, 1), None),  # open-ended: active up to as-of
        unit("E08000013", date(2025, 1, 1), date(2025, 3, 1)),  # starts after as-of
    ]
    for as_of in (date(2022, 3, 31), date(2023, 4, 1), date(2024, 12, 1)):
        rows = coverage_by_year(units, as_of)
        assert coverage_year(units, as_of, None) == max(row.financial_year for row in rows)
    assert coverage_year(units, date(2024, 12, 1), None) == "2024-25"
    assert coverage_year(units[2:], date(2024, 12, 1), None) == "2024-25"  # no coverage yet: as-of's FY
    assert coverage_year(units, date(2024, 12, 1), "2022-23") == "2022-23"
