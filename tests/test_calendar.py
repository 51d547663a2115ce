"""rules.md "Calendar": financial years, quarters, "3 months after"."""

from datetime import date

import pytest

from dashboard.calendar import (
    add_months,
    days_in_financial_year,
    financial_year_of,
    financial_years_between,
    fy_end,
    fy_start,
    parse_financial_year,
    quarter_end,
    quarter_label,
    quarter_of,
    quarter_start,
)


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2021, 4, 1), "2021-22"),  # first day of the FY
        (date(2022, 3, 31), "2021-22"),  # last day of the FY
        (date(2022, 4, 1), "2022-23"),
        (date(2021, 12, 31), "2021-22"),
        (date(2022, 1, 1), "2021-22"),
        (date(2021, 3, 31), "2020-21"),
        (date(1999, 6, 1), "1999-00"),  # century roll-over written with two digits
        (date(2024, 2, 29), "2023-24"),
    ],
)
def test_financial_year_of(day, expected):
    assert financial_year_of(day) == expected


@pytest.mark.parametrize(
    "fy, start, end, days",
    [
        ("2021-22", date(2021, 4, 1), date(2022, 3, 31), 365),
        ("2023-24", date(2023, 4, 1), date(2024, 3, 31), 366),  # contains 29 Feb 2024
        ("FY21/22", date(2021, 4, 1), date(2022, 3, 31), 365),
    ],
)
def test_fy_start_end_and_length(fy, start, end, days):
    assert fy_start(fy) == start
    assert fy_end(fy) == end
    assert days_in_financial_year(fy) == days


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2021, 4, 1), ("2021-22", 1)),
        (date(2021, 6, 30), ("2021-22", 1)),
        (date(2021, 7, 1), ("2021-22", 2)),
        (date(2021, 9, 30), ("2021-22", 2)),
        (date(2021, 10, 1), ("2021-22", 3)),
        (date(2021, 12, 31), ("2021-22", 3)),
        (date(2022, 1, 1), ("2021-22", 4)),
        (date(2022, 3, 31), ("2021-22", 4)),
        (date(2022, 4, 1), ("2022-23", 1)),
    ],
)
def test_quarter_of(day, expected):
    assert quarter_of(day) == expected


@pytest.mark.parametrize(
    "fy, quarter, start, end",
    [
        ("2021-22", 1, date(2021, 4, 1), date(2021, 6, 30)),
        ("2021-22", 2, date(2021, 7, 1), date(2021, 9, 30)),
        ("2021-22", 3, date(2021, 10, 1), date(2021, 12, 31)),
        ("2021-22", 4, date(2022, 1, 1), date(2022, 3, 31)),
        ("2023-24", 4, date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_quarter_start_and_end(fy, quarter, start, end):
    assert quarter_start(fy, quarter) == start
    assert quarter_end(fy, quarter) == end


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_quarter_out_of_range_is_an_error(quarter):
    with pytest.raises(ValueError):
        quarter_end("2021-22", quarter)


@pytest.mark.parametrize(
    "fy, quarter, expected",
    [("2021-22", 3, "2021-22 Q3"), ("2021/22", 1, "2021-22 Q1"), ("FY 2023-24", 4, "2023-24 Q4")],
)
def test_quarter_label(fy, quarter, expected):
    assert quarter_label(fy, quarter) == expected


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2021, 11, 30), 3, date(2022, 2, 28)),  # rules.md example: clamped
        (date(2023, 11, 30), 3, date(2024, 2, 29)),  # leap year
        (date(2021, 8, 31), 3, date(2021, 11, 30)),  # 31 Aug -> 30 Nov
        (date(2021, 1, 15), 3, date(2021, 4, 15)),  # same day
        (date(2021, 10, 31), 3, date(2022, 1, 31)),  # across a year end
        (date(2021, 12, 31), 2, date(2022, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2021, 5, 31), -3, date(2021, 2, 28)),  # backwards
        (date(2021, 5, 10), 0, date(2021, 5, 10)),
        (date(2021, 3, 31), 1, date(2021, 4, 30)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2021-22",
        "2021/22",
        "FY 2021-22",
        "Year 1 (2021-22)",
        "FY21/22",
        "2021-2022",
        "fy2021/22",
        " 2021-22 ",
        "2021 - 22",
        "2021\u201322",  # en dash
        "2021 to 2022",
        "Financial year 2021-22",
        "21-22",
    ],
)
def test_parse_financial_year_accepts_usual_spellings(text):
    assert parse_financial_year(text) == "2021-22"


@pytest.mark.parametrize(
    "text, expected",
    [("1999-2000", "1999-00"), ("1999-00", "1999-00"), ("Year 3 (2023/24)", "2023-24")],
)
def test_parse_financial_year_century(text, expected):
    assert parse_financial_year(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2021-23", "2021", "", "2021-04-01", "Year 1", "21/23", "2021-22 Q1", "twenty", "2022-21"],
)
def test_parse_financial_year_rejects_others(text):
    with pytest.raises(ValueError):
        parse_financial_year(text)


def test_parse_financial_year_rejects_non_text():
    with pytest.raises(ValueError):
        parse_financial_year(2021)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (date(2021, 4, 1), date(2022, 3, 31), ["2021-22"]),
        (date(2021, 3, 31), date(2021, 4, 1), ["2020-21", "2021-22"]),
        (date(2020, 6, 1), date(2023, 2, 1), ["2020-21", "2021-22", "2022-23"]),
        ("2021-22", "2023/24", ["2021-22", "2022-23", "2023-24"]),
        (date(2022, 5, 1), date(2021, 5, 1), []),  # end before start
    ],
)
def test_financial_years_between(start, end, expected):
    assert financial_years_between(start, end) == expected
