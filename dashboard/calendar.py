"""Financial years, quarters and "3 months after": the calendar of rules.md.

Rules implemented (rules.md, "Calendar"):
- "Financial year (FY) runs 1 April to 31 March and is written `2021-22`."
- "Quarters are FY quarters: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar.
  A quarter is written `2021-22 Q3` and ends on its last calendar day."
- "'3 months after' a date means the same day three calendar months later,
  clamped to the month's last day (30 Nov 2021 + 3 months = 28 Feb 2022)."
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from datetime import date
from functools import lru_cache

FY_START_MONTH = 4  # April

# The dates the dashboard reads and works with: far wider than any contract, and far enough from
# the end of Python's calendar (year 9999) that a window's "+3 months", a FY's end and a quarter's
# deadline always exist. A date outside them in a file is an error, not a crash.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def within_range(d: date) -> bool:
    """Whether ``d`` is a date the dashboard works with (``EARLIEST`` to ``LATEST``)."""
    return EARLIEST <= d <= LATEST


def range_text() -> str:
    """The dates the dashboard works with, as messages say them."""
    return f"from {EARLIEST:%d/%m/%Y} to {LATEST:%d/%m/%Y}"


# Accepted spellings (case-insensitive, surrounding spaces ignored):
#   2021-22, 2021/22, 2021-2022, FY 2021-22, FY21/22, FY2021/22,
#   Financial year 2021-22, Year 1 (2021-22), 2021 to 2022, 2021–22 (dashes).
_FY_PATTERN = re.compile(
    r"""
    ^\s*
    (?:(?:fy|financial\s+year)\s*)?          # optional "FY" / "Financial year"
    (?:year\s*\d+\s*)?                       # optional "Year 1"
    \(?\s*
    (?P<first>\d{4}|\d{2})
    \s*(?:[-/\u2010-\u2015]|to)\s*           # hyphen, slash, any dash, or "to"
    (?P<second>\d{4}|\d{2})
    \s*\)?\s*$
    """,
    re.IGNORECASE | re.VERBOSE,
)


@lru_cache(maxsize=65536)
def financial_year_of(d: date) -> str:
    """The FY containing ``d``: "Financial year (FY) runs 1 April to 31 March"."""
    return _fy_text(first_year_of_date(d))


def first_year_of_date(d: date) -> int:
    """The calendar year in which the FY containing ``d`` starts."""
    return d.year if d.month >= FY_START_MONTH else d.year - 1


@lru_cache(maxsize=512)
def _fy_text(first_year: int) -> str:
    return f"{first_year}-{(first_year + 1) % 100:02d}"


@lru_cache(maxsize=512)
def _first_year(financial_year: str) -> int:
    return int(parse_financial_year(financial_year)[:4])


def fy_start(financial_year: str) -> date:
    """1 April of the FY's first year."""
    return date(_first_year(financial_year), FY_START_MONTH, 1)


def fy_end(financial_year: str) -> date:
    """31 March of the FY's second year."""
    return date(_first_year(financial_year) + 1, 3, 31)


def days_in_financial_year(financial_year: str) -> int:
    """365, or 366 when the FY contains 29 February."""
    return (fy_end(financial_year) - fy_start(financial_year)).days + 1


def quarter_of(d: date) -> tuple[str, int]:
    """(FY, quarter) of a date: "Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar"."""
    quarter = (d.month - FY_START_MONTH) % 12 // 3 + 1
    return financial_year_of(d), quarter


def _check_quarter(quarter: int) -> None:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1, 2, 3 or 4, not {quarter!r}")


def quarter_start(financial_year: str, quarter: int) -> date:
    """First day of an FY quarter (Q1 starts 1 April)."""
    _check_quarter(quarter)
    return add_months(fy_start(financial_year), 3 * (quarter - 1))


@lru_cache(maxsize=4096)
def quarter_end(financial_year: str, quarter: int) -> date:
    """Last calendar day of an FY quarter: "ends on its last calendar day"."""
    _check_quarter(quarter)
    first_year = _first_year(financial_year)
    year = first_year if quarter < 4 else first_year + 1
    month = {1: 6, 2: 9, 3: 12, 4: 3}[quarter]
    return date(year, month, _stdlib_calendar.monthrange(year, month)[1])


def quarter_label(financial_year: str, quarter: int) -> str:
    """ "A quarter is written `2021-22 Q3`"."""
    _check_quarter(quarter)
    return f"{parse_financial_year(financial_year)} Q{quarter}"


@lru_cache(maxsize=65536)
def add_months(d: date, months: int) -> date:
    """Same day ``months`` calendar months later, clamped to the month's last day.

    "30 Nov 2021 + 3 months = 28 Feb 2022". Negative ``months`` go back.
    """
    month_index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    if d.day <= 28:
        return date(year, month, d.day)
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


@lru_cache(maxsize=512)
def parse_financial_year(text: str) -> str:
    """Read an FY written any usual way and return it as ``2021-22``.

    Accepts ``2021-22``, ``2021/22``, ``FY 2021-22``, ``Year 1 (2021-22)``,
    ``FY21/22``, ``2021-2022`` (and dashes, "to"). Two-digit first years are
    read as 20xx. Raises ``ValueError`` for anything else, including years that
    are not consecutive (``2021-23``): the rule is never guessed.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a financial year: {text!r}")
    match = _FY_PATTERN.match(text)
    if match is None:
        raise ValueError(f"not a financial year: {text!r} (expected e.g. 2021-22)")
    first_text, second_text = match.group("first"), match.group("second")
    first_year = int(first_text) if len(first_text) == 4 else 2000 + int(first_text)
    second = int(second_text)
    expected_second = first_year + 1 if len(second_text) == 4 else (first_year + 1) % 100
    if second != expected_second:
        raise ValueError(f"not a financial year: {text!r} (the second year must follow the first)")
    if not first_year_of_date(EARLIEST) <= first_year <= first_year_of_date(LATEST):
        raise ValueError(
            f"not a financial year: {text!r} (financial years "
            f"{financial_year_of(EARLIEST)} to {financial_year_of(LATEST)})"
        )
    return _fy_text(first_year)


def financial_years_between(start: date | str, end: date | str) -> list[str]:
    """Every FY from the one containing ``start`` to the one containing ``end``.

    Either bound may be a date or an FY. Empty when ``end`` is before ``start``.
    """
    first = _as_first_year(start)
    last = _as_first_year(end)
    return [_fy_text(year) for year in range(first, last + 1)]


def _as_first_year(value: date | str) -> int:
    if isinstance(value, date):
        return first_year_of_date(value)
    return _first_year(value)
