"""Outcome indicators (rules.md, "Outcomes of supported LAs"): hand-computed small data.

Every expected figure below is worked out by hand from the values written in the
test, never recomputed with the code under test.
"""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import outcomes_indicators as oi
from dashboard.records import IndicatorValue, Measure, Neighbour

LOWER_BETTER = Measure("M_LOW", "Child Protection", "Re-referrals", "Low", unit="%", decimal_places=1)
HIGHER_BETTER = Measure("M_HIGH", "Children Looked After", "Care leavers in suitable accommodation", "High", unit="%")
NO_POLARITY = Measure("M_RATE", "Children in Need", "Children in need rate per 10,000", "", unit="Rate per 10,000")


@pytest.mark.parametrize(
    "values, expected",
    [
        ([3, None, 1, 2], oi.Spread(2, 1, 3, 3)),  # a missing value is left out, never 0
        ([4, 1, 3, 2], oi.Spread(2.5, 1, 4, 4)),  # even count: halfway between the middle two
        ([None, None], oi.Spread(None, None, None, 0)),
        ([7.5], oi.Spread(7.5, 7.5, 7.5, 1)),
    ],
)
def test_neighbour_median_and_range(values, expected):
    assert oi.neighbour_spread(values) == expected


NEIGHBOURS_1_TO_9 = [1, 2, 3, 4, 5, 6, 7, 8, 9, None]


@pytest.mark.parametrize(
    "value, neighbours, polarity, expected",
    [
        # 5 against 1..9 and one missing: above 4 (1-4), below 4 (6-9), equal 1 (5)
        (5, NEIGHBOURS_1_TO_9, "High", oi.Standing(above=4, below=4, equal=1, neighbours=10, better=4)),
        (5, NEIGHBOURS_1_TO_9, "Low", oi.Standing(above=4, below=4, equal=1, neighbours=10, better=4)),
        (2, NEIGHBOURS_1_TO_9, "Low", oi.Standing(above=1, below=7, equal=1, neighbours=10, better=7)),
        (2, NEIGHBOURS_1_TO_9, "High", oi.Standing(above=1, below=7, equal=1, neighbours=10, better=1)),
        (2, NEIGHBOURS_1_TO_9, "", oi.Standing(above=1, below=7, equal=1, neighbours=10, better=None)),
        (None, NEIGHBOURS_1_TO_9, "High", None),
    ],
)
def test_standing_against_the_neighbours(value, neighbours, polarity, expected):
    assert oi.standing(value, neighbours, polarity) == expected


@pytest.mark.parametrize(
    "standing, polarity, expected",
    [
        (oi.Standing(7, 3, 0, 10, 7), "High", "Better than 7 of its 10 statistical neighbours in 2024."),
        (
            oi.Standing(1, 7, 1, 10, 7),
            "Low",
            ("Better than 7 of the 9 of its 10 statistical neighbours with a figure in 2024."),
        ),
        (
            oi.Standing(7, 3, 0, 10, None),
            "",
            (
                "Higher than 7 of its 10 statistical neighbours in 2024 (for this measure "
                "neither higher nor lower is better)."
            ),
        ),
        (oi.Standing(0, 0, 0, 10, 0), "High", "None of Sefton's statistical neighbours has a figure for 2024."),
        (None, "High", "No figure for Sefton in 2024."),
    ],
)
def test_standing_in_words(standing, polarity, expected):
    assert oi.standing_sentence(standing, "2024", "Sefton") == expected


@pytest.mark.parametrize(
    "values, expected",
    [
        ([1, 2, 3, 4, 5], (1, 2, 3, 4, 5)),
        ([4, 1, None, 3, 2], (1, 1.75, 2.5, 3.25, 4)),  # R: quantile(c(1, 2, 3, 4)) = 1, 1.75, 2.5, 3.25, 4
        ([10, 20], (10, 12.5, 15, 17.5, 20)),
        ([None], None),
    ],
)
def test_quartile_points_as_lait_works_them_out(values, expected):
    assert oi.quartile_points(values) == expected


POINTS = (1, 1.75, 2.5, 3.25, 4)


@pytest.mark.parametrize(
    "value, polarity, band",
    [
        (1, "Low", "A"),
        (1.75, "Low", "A"),
        (1.8, "Low", "B"),
        (2.5, "Low", "B"),
        (3, "Low", "C"),
        (3.25, "Low", "C"),
        (4, "Low", "D"),
        (1, "High", "D"),
        (1.75, "High", "D"),
        (2, "High", "C"),
        (2.5, "High", "C"),
        (3, "High", "B"),
        (3.5, "High", "A"),
        (3, "", "-"),  # no polarity: no band
        (None, "High", ""),  # no figure: no band
    ],
)
def test_quartile_band_by_polarity(value, polarity, band):
    assert oi.quartile_band(value, POINTS, polarity) == band


def small_indicators() -> oi.Indicators:
    """LA 101 with neighbours 102 (rank 1), 103 and 104; another LA 105 (no neighbour of 101);
    its region North West (981) and England (970)."""
    values = {  # area -> (2019, 2023) values of M_LOW
        "101": (10, 8),
        "102": (5, 6),
        "103": (7, 10),
        "104": (None, 12),
        "105": (20, 4),
        "981": (9, 9.5),
        "970": (8.5, 8),
    }
    names = {
        "101": "Sefton",
        "102": "Wirral",
        "103": "Wigan",
        "104": "Bury",
        "105": "Leeds",
        "981": "North West",
        "970": "England",
    }
    rows = [
        IndicatorValue("M_LOW", period, area, names[area], value)
        for area, pair in values.items()
        for period, value in zip(("2019", "2023"), pair)
    ]
    rows += [
        IndicatorValue("M_RATE", "2023", "101", "Sefton", 300.0),
        IndicatorValue("M_RATE", "2023", "102", "Wirral", 250.0),
    ]
    neighbours = [
        Neighbour("101", 1, "102", "Wirral", "Very close"),
        Neighbour("101", 3, "104", "Bury", "Close"),
        Neighbour("101", 2, "103", "Wigan", "Close"),
        Neighbour("105", 1, "101", "Sefton", "Close"),
    ]
    return oi.Indicators([LOWER_BETTER, HIGHER_BETTER, NO_POLARITY], rows, neighbours)


def test_one_measure_for_one_la_year_by_year():
    table = oi.measure_table(small_indicators(), LOWER_BETTER, "101", "Sefton", "North West")
    assert list(table["Year"]) == ["2019", "2023"]
    first, last = table.to_dict("records")
    # 2019: Sefton 10; neighbours 5, 7 and none: median 6, range 5-7; lower is better: better than none
    assert (
        first["Sefton"],
        first["Neighbours' median"],
        first["Neighbours' lowest"],
        first["Neighbours' highest"],
        first["Neighbours with a figure"],
        first["Better than (neighbours)"],
    ) == (10, 6, 5, 7, 2, 0)
    # all LAs in 2019: 5, 7, 10, 20 -> quartiles 6.5, 8.5, 12.5: 10 is above the median, not above Q3: C
    assert first["Quartile band"] == "C"
    # 2023: Sefton 8; neighbours 6, 10, 12: median 10, better than 10 and 12 (2 of 3)
    assert (last["Sefton"], last["Neighbours' median"], last["Better than (neighbours)"]) == (8, 10, 2)
    # all LAs in 2023: 4, 6, 8, 10, 12 -> quartiles 6, 8, 10: 8 is at the median: B
    assert last["Quartile band"] == "B"
    assert (last["North West (region)"], last["England"]) == (9.5, 8)
    assert list(table.columns[-3:]) == ["Wirral", "Wigan", "Bury"]  # named, closest first
    assert (last["Wirral"], last["Wigan"], last["Bury"]) == (6, 10, 12)


def test_the_latest_figure_in_words():
    indicators = small_indicators()
    assert oi.latest_sentence(indicators, LOWER_BETTER, "101", "Sefton") == (
        "Sefton: better than 2 of its 3 statistical neighbours in 2023. Quartile band B among all LAs in 2023 "
        "(A is the best quarter, D the worst)."
    )
    assert oi.latest_sentence(indicators, NO_POLARITY, "101", "Sefton") == (
        "Sefton: higher than 1 of the 1 of its 3 statistical neighbours with a figure in 2023 (for this measure "
        "neither higher nor lower is better)."
    )
    assert oi.latest_sentence(indicators, HIGHER_BETTER, "101", "Sefton") == "No figure for Sefton on this measure."


def test_neighbours_are_listed_closest_first_and_measures_searched():
    indicators = small_indicators()
    assert oi.neighbour_names(indicators, "101") == [
        (1, "102", "Wirral", "Very close"),
        (2, "103", "Wigan", "Close"),
        (3, "104", "Bury", "Close"),
    ]
    found = oi.matching(indicators.measures.values(), "care LEAVERS")
    assert [m.code for m in found] == ["M_HIGH"]
    assert [m.code for m in oi.matching(indicators.measures.values(), "")] == ["M_LOW", "M_HIGH", "M_RATE"]
    assert list(indicators.by_topic()) == ["Child Protection", "Children Looked After", "Children in Need"]


def test_support_periods_as_years_merged_where_they_overlap():
    spans = oi.support_spans(
        [
            (date(2021, 1, 1), date(2022, 1, 1)),
            (date(2021, 7, 2), None),
            (date(2019, 1, 1), date(2019, 1, 1)),
            (date(2030, 1, 1), None),
        ],
        date(2023, 1, 1),
    )
    # 2 July 2021 is day 182 of 365; the package not ended runs to as-of (2023.0); 2030 starts after as-of
    assert spans == [(2019.0, 2019.0), (2021.0, 2023.0)]


def test_board_change_in_supported_las_beside_their_neighbours():
    change = oi.group_change(small_indicators(), "M_LOW", ["101"], "2019", "2023")
    # supported: 101 from 10 to 8 = -2; neighbours 102 (+1) and 103 (+3), 104 has no 2019 figure: median +2
    assert change == oi.GroupChange("M_LOW", "Re-referrals", "Low", "2019", "2023", 1, -2, 2, 2)
    assert change.sentence() == (
        "Re-referrals (lower is better), 2019 to 2023: the supported LA moved down 2; the median of "
        "their 2 statistical neighbours moved up 2. This describes both groups over the same years; it does not "
        "show what the support caused."
    )  # no "median of the 1 supported LA"
    # a supported LA that is also another's neighbour counts only as supported
    both = oi.group_change(small_indicators(), "M_LOW", ["101", "105"], "2019", "2023")
    # supported: -2 and -16 (20 to 4): median -9; neighbours of 101 and 105 less the supported: 102, 103
    assert (both.supported, both.supported_change, both.neighbours, both.neighbours_change) == (2, -9, 2, 2)
    nobody = oi.group_change(small_indicators(), "M_LOW", ["104"], "2019", "2023")
    assert nobody.sentence() == "Re-referrals: no supported LA has a figure for both 2019 and 2023."


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (date(2021, 6, 1), date(2022, 3, 31), ("2019", "2023")),
        (date(2021, 6, 1), None, ("2019", "2023")),
        (date(2019, 6, 1), date(2020, 3, 31), None),  # no period before 2019
        (date(2020, 6, 1), date(2023, 3, 31), None),  # no period after 2023
    ],
)
def test_the_years_a_support_period_is_compared_over(start, end, expected):
    assert oi.periods_around(small_indicators(), "M_LOW", start, end) == expected


@pytest.mark.parametrize(
    "as_of, expected",
    [
        (date(2024, 3, 15), ("2019", "2023")),  # 2023's figures are out from January 2024
        (date(2023, 12, 31), None),  # not yet: nothing out since support started in 2021
    ],
)
def test_only_figures_out_by_the_as_of_date_are_compared(as_of, expected):
    assert oi.periods_around(small_indicators(), "M_LOW", date(2021, 6, 1), None, as_of) == expected


def test_a_years_figures_are_out_from_the_january_after_it_ends():
    assert oi.out_by("2023", date(2024, 1, 1)) and not oi.out_by("2023", date(2023, 12, 31))
    assert oi.out_by("2022-23", date(2024, 1, 1)) and not oi.out_by("2023-24", date(2024, 12, 31))


def test_per_contract_for_the_board():
    from dashboard.records import ContractTerms, LocalAuthority, Unit

    las = [
        LocalAuthority("E08000014", "101", "Sefton", "E12000002", date(2009, 1, 1), None),
        LocalAuthority("E08000035", "105", "Leeds", "E12000003", date(2009, 1, 1), None),
    ]
    contract = ContractTerms("CON-1", "Leadership", "Supplier", "Leadership", None, date(2020, 4, 1), date(2022, 3, 31))
    other = ContractTerms("CON-2", "Later", "Supplier", "Leadership", None, date(2030, 4, 1), date(2031, 3, 31))

    def unit(la, start, end, contract="CON-1", participant="P1"):
        return Unit(contract, "PK-" + la, participant, "one_to_one", la, "E12000002", "Lead Member", None, start, end)

    units = [
        unit("E08000014", date(2020, 6, 1), date(2021, 3, 31)),
        unit("E08000014", date(2020, 6, 1), date(2021, 3, 31), participant="P2"),  # same LA: counted once
        unit("E08000035", date(2021, 1, 1), date(2022, 2, 1)),
        unit("E08000035", date(2031, 1, 1), None, contract="CON-2"),
    ]  # starts after as-of: not counted
    table = oi.contract_changes(
        [other, contract], units, las, small_indicators(), ["M_LOW", "M_HIGH", "UNKNOWN"], date(2024, 6, 30)
    )  # as of mid-2024: 2023's figures are out
    # CON-1: support from June 2020 to February 2022, so 2019 (before) to 2023 (after); 101 and 105 supported
    # (-2 and -16: median -9); their neighbours not supported: 102 (+1), 103 (+3), 104 (no 2019): median +2
    assert table.to_dict("records")[0] == {
        "Contract": "CON-1",
        "Measure": "Re-referrals",
        "From": "2019",
        "To": "2023",
        "Supported LAs with figures": 2,
        "Median change (supported LAs)": -9,
        "Neighbours with figures": 2,
        "Median change (neighbours)": 2,
        "In words": oi.GroupChange("M_LOW", "Re-referrals", "Low", "2019", "2023", 2, -9, 2, 2).sentence(),
    }
    # M_HIGH has no values at all: said in words; an unknown measure is left out; CON-2 has no unit by as-of
    assert list(table["Measure"]) == ["Re-referrals", "Care leavers in suitable accommodation"]
    assert table["In words"].iloc[1] == (
        "Care leavers in suitable accommodation: no published year before support started and after it ended."
    )
    assert "Participant" not in " ".join(table.columns)  # aggregate: no people
