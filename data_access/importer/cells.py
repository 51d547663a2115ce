"""Cell normalisation: one raw spreadsheet cell in, one clean value out.

Pure functions, no database and no Streamlit. Each parser takes a cell value as
a reader gives it (``None``, ``str``, ``int``, ``float``, ``bool``,
``datetime.date``, ``datetime.datetime``, ``datetime.time``; ``Decimal`` too)
and returns the normalised value, or raises :class:`CellError` whose message
says what was expected and what the cell held. The caller adds file, sheet,
row and column (spreadsheets.md: "an error that names the file, sheet, row
(as Excel numbers it) and column, and says what was expected").

Conventions shared by every parser:
- A blank cell (``None``, ``''``, spaces only) gives ``None``; whether the
  column is required is the caller's business.
- An Excel error value (``#REF!``, ``#N/A``, ...) is always an error
  ("an Excel error value ... is an error").
- ``True``/``False`` are never numbers, dates or text: only
  :func:`parse_yes_no` accepts them.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from dashboard import calendar as fy_calendar
from dashboard.finance import heading_key
from dashboard.records import BASELINE, FOLLOW_UP, GROUP, ONE_TO_ONE

__all__ = [
    "CONTRACT_TYPES",
    "EXCEL_ERRORS",
    "FOCUSES",
    "GROUP_TYPES",
    "ILACS_JUDGEMENTS",
    "LEVELS",
    "PENNY",
    "ROLES",
    "CellError",
    "Quarter",
    "check_excel_error",
    "excel_serial_to_date",
    "format_date",
    "header_keys",
    "is_blank",
    "normalise_header",
    "normalise_sheet_name",
    "parse_choice",
    "parse_date",
    "parse_financial_year",
    "parse_money",
    "parse_number",
    "parse_percent",
    "parse_quarter",
    "parse_reporting_quarter",
    "parse_stage",
    "parse_support_type",
    "parse_text",
    "parse_whole_number",
    "parse_yes_no",
    "shown",
]


class CellError(ValueError):
    """A cell that cannot be read; the message says what was expected."""


# --------------------------------------------------------------------------
# Blanks, Excel errors and how values are shown in messages
# --------------------------------------------------------------------------

EXCEL_ERRORS = frozenset(
    {
        "#REF!",
        "#N/A",
        "#DIV/0!",
        "#VALUE!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#UNKNOWN!",
    }
)


def is_blank(value: Any) -> bool:
    """True for ``None``, ``''`` and whitespace-only text ("Blank rows are skipped")."""
    return value is None or (isinstance(value, str) and not value.strip())


def check_excel_error(value: Any) -> None:
    """Raise if the cell holds an Excel error value.

    spreadsheets.md: "an Excel error value (`#REF!`, `#N/A`, `#DIV/0!`,
    `#VALUE!`), is an error."
    """
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise CellError(f"the cell holds the Excel error {value.strip().upper()}")


def _start(value: Any) -> Any:
    """Common first step: Excel errors raise, blanks become ``None``, text is stripped."""
    check_excel_error(value)
    if is_blank(value):
        return None
    if isinstance(value, str):
        return value.strip()
    return value


def format_date(d: date) -> str:
    """UK style, as messages show dates: 01/06/2021."""
    return d.strftime("%d/%m/%Y")


def shown(value: Any) -> str:
    """How a cell value appears in an error message."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return format_date(value.date()) if value.time() == time() else value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return "a blank cell"
    return str(value)


def _fail(expected: str, value: Any, why: str = "") -> CellError:
    message = f"expected {expected}, got {shown(value)}"
    return CellError(f"{message} ({why})" if why else message)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _key(text: str) -> str:
    """Case-, punctuation- and spacing-insensitive key: "Follow-up" -> "follow up".

    ``&`` reads as "and"; apostrophes vanish ("Children's" -> "childrens").
    """
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['\u2018\u2019`]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

# 1234, 1,234, 1,234.50, 0.75, .5 (commas only as thousands separators)
_NUMBER_TEXT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")
_SIGNED_NUMBER_TEXT = re.compile(r"^(?P<sign>[+-]?)\s*(?P<digits>[\d,]*\.?\d*)$")


def _decimal_from_number(value: int | float | Decimal) -> Decimal | None:
    """A finite number as an exact Decimal (floats via their shortest repr)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return Decimal(value)


def _decimal_from_text(text: str) -> Decimal | None:
    """``'1,234.5'``, ``'-12'``, ``'+3'`` -> Decimal; anything else -> None."""
    match = _SIGNED_NUMBER_TEXT.match(text)
    if not match:
        return None
    digits = match.group("digits")
    if not digits or not any(c.isdigit() for c in digits) or not _NUMBER_TEXT.match(digits):
        return None
    try:
        number = Decimal(digits.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        return None
    return -number if match.group("sign") == "-" else number


def _as_decimal(value: Any) -> Decimal | None:
    """A plain number or numeric text as Decimal, else None (bools are not numbers)."""
    if _is_number(value):
        return _decimal_from_number(value)
    if isinstance(value, str):
        return _decimal_from_text(value)
    return None


def _bounds_text(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    return ""


def parse_number(value: Any, low: Any = None, high: Any = None) -> Decimal | None:
    """Days, FTE, headcount: a number, or text such as ``1,234.5`` or ``-2``.

    Optional ``low``/``high`` bounds are inclusive.
    """
    value = _start(value)
    if value is None:
        return None
    number = _as_decimal(value)
    expected = f"a number{_bounds_text(low, high)} such as 12.5"
    if number is None:
        raise _fail(expected, value)
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        raise _fail(expected, value)
    return number


def parse_whole_number(value: Any, low: int | None = None, high: int | None = None) -> int | None:
    """A whole number, optionally within ``low``..``high`` inclusive.

    spreadsheets.md: "`Confidence`* (whole number 1 to 5)". ``4``, ``4.0`` and
    ``'4'`` give 4; ``4.5`` and ``6`` (with high=5) are rejected with
    "expected a whole number from 1 to 5".
    """
    value = _start(value)
    if value is None:
        return None
    number = _as_decimal(value)
    expected = f"a whole number{_bounds_text(low, high)}"
    if number is None or number != number.to_integral_value():
        raise _fail(expected, value)
    whole = int(number)
    if (low is not None and whole < low) or (high is not None and whole > high):
        raise _fail(expected, value)
    return whole


# --------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------

PENNY = Decimal("0.01")

# Currency marks allowed before or after the amount: £1,234.50, GBP 600, 600 GBP.
_CURRENCY_PREFIX = re.compile(r"^(?:£|GBP)\s*", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(r"\s*(?:£|GBP)$", re.IGNORECASE)
_MONEY_EXAMPLE = "an amount in pounds such as £1,234.50"


def _money_from_text(text: str) -> Decimal | None:
    """Money text -> Decimal, or None if it is not one of the accepted forms.

    Accepted (spreadsheets.md "Money"): ``£1,234.50``, ``1234.5``, ``GBP 600``,
    ``600 GBP``, ``£ 1,234``; negatives ``-12.00``, ``(12.00)``, ``(£12.00)``,
    ``-£12``, ``£-12``.
    """
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.startswith("-") and not negative:
        negative, text = True, text[1:].strip()
    text = _CURRENCY_SUFFIX.sub("", _CURRENCY_PREFIX.sub("", text, count=1), count=1)
    if not text:
        return None
    number = _decimal_from_text(text)
    if number is None or (negative and number < 0):
        return None
    return -number if negative else number


def parse_money(value: Any) -> Decimal | None:
    """GBP amount as a Decimal quantised to pence (half up).

    spreadsheets.md: "Money: numbers, or text like `£1,234.50`, `1234.5`,
    `GBP 600`; negative as `-12.00` or `(12.00)`."
    """
    value = _start(value)
    if value is None:
        return None
    if _is_number(value):
        amount = _decimal_from_number(value)
    elif isinstance(value, str):
        amount = _money_from_text(value)
    else:
        amount = None
    if amount is None:
        raise _fail(_MONEY_EXAMPLE, value)
    # in as many digits as the amount has (Decimal's default 28 would fail on 1e26); the
    # importer then says an amount too large for its column is too large
    digits = Context(prec=max(28, amount.adjusted() + 4))
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP, context=digits)


# --------------------------------------------------------------------------
# Percentages
# --------------------------------------------------------------------------

_PERCENT_TEXT = re.compile(r"^(?P<number>.+?)\s*%$")
_PERCENT_EXAMPLE = "a percentage from 0% to 100% such as 75%, 0.75 or 75"


def parse_percent(value: Any) -> float | None:
    """A percentage as a fraction (75% -> 0.75).

    spreadsheets.md: "Percentages: `75%`, `0.75`, `75`." Text with a ``%``
    sign is always a percentage (``'0.5%'`` -> 0.005). Without one, a value
    above 1 is a percentage and is divided by 100; a value of 1 or less is
    already a fraction (so ``1`` means 100%, ``1.5`` means 1.5%). Negative
    values and values above 100% are rejected.
    """
    value = _start(value)
    if value is None:
        return None
    number: Decimal | None
    if isinstance(value, str) and (match := _PERCENT_TEXT.match(value)):
        number = _decimal_from_text(match.group("number"))
        number = None if number is None else number / 100
    else:
        number = _as_decimal(value)
        if number is not None and number > 1:
            number = number / 100
    if number is None or number < 0 or number > 1:
        raise _fail(_PERCENT_EXAMPLE, value)
    return float(number)


# --------------------------------------------------------------------------
# Yes / no
# --------------------------------------------------------------------------

_YES_NO = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "1.0": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "0.0": False,
}


def parse_yes_no(value: Any) -> bool | None:
    """spreadsheets.md: "Yes/no: `Yes/No`, `Y/N`, `TRUE/FALSE`, `1/0`, any case."

    Real booleans, the numbers 1/0 (and 1.0/0.0) and those words as text.
    """
    value = _start(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if _is_number(value) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _YES_NO:
        return _YES_NO[value.lower()]
    raise _fail("Yes or No (also Y/N, TRUE/FALSE, 1/0)", value)


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

# Midnight as written by str(datetime) or Excel: "2021-06-01 00:00:00".
_MIDNIGHT = re.compile(r"\s+00:00(?::00(?:\.0+)?)?$")

# The accepted text forms, day first (UK). Each pattern names day, month, year.
_DATE_FORMS = (
    # 31/03/2022, 1/6/21, 31.03.2022
    re.compile(r"^(?P<day>\d{1,2})(?P<sep>[/.])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})$"),
    # 2022-03-31
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$"),
    # 1 June 2021, 1 Jun 2021, 1-Jun-21, 01-Jun-2021
    re.compile(
        r"^(?P<day>\d{1,2})(?P<sep>[ -])\s*(?P<month>[a-z]{3,9})(?P=sep)\s*(?P<year>\d{4}|\d{2})$", re.IGNORECASE
    ),
)

# Excel's 1900 date system: serial 1 is 1 January 1900; serial 60 is the
# non-existent 29 February 1900 (Lotus bug); 2958465 is 31 December 9999.
EXCEL_SERIAL_MIN = 1
EXCEL_SERIAL_MAX = 2958465
_EXCEL_EPOCH = date(1899, 12, 30)  # valid for serials from 61 on
_DATE_EXAMPLE = "a date such as 31/03/2022"


_EXCEL_EPOCH_1904 = date(1904, 1, 1)  # the 1904 date system (older Mac Excel): serial 0 is 1 January 1904
EXCEL_SERIAL_MAX_1904 = EXCEL_SERIAL_MAX - 1462


def excel_serial_to_date(serial: int | float | Decimal, date_1904: bool = False) -> date:
    """Excel serial -> date (44348 -> 2021-06-01); a time fraction is dropped. ``date_1904``: the
    workbook counts days from 1 January 1904, as Excel for Mac once did (42886 -> 2021-06-01)."""
    whole = int(serial)
    if date_1904:
        if not 0 <= whole <= EXCEL_SERIAL_MAX_1904:
            raise _fail(
                _DATE_EXAMPLE,
                serial,
                f"an Excel date number must be from 0 to {EXCEL_SERIAL_MAX_1904} "
                "(this workbook uses the 1904 date system)",
            )
        return _EXCEL_EPOCH_1904 + timedelta(days=whole)
    if not EXCEL_SERIAL_MIN <= whole <= EXCEL_SERIAL_MAX:
        raise _fail(
            _DATE_EXAMPLE, serial, f"an Excel date number must be from {EXCEL_SERIAL_MIN} to {EXCEL_SERIAL_MAX}"
        )
    if whole == 60:
        raise _fail(_DATE_EXAMPLE, serial, "Excel date number 60 is 29/02/1900, which did not exist")
    if whole < 60:
        whole += 1  # before Excel's fake 29 February 1900
    return _EXCEL_EPOCH + timedelta(days=whole)


def _year(text: str) -> int:
    """Two-digit years are 2000 + yy: '21' -> 2021 (and '99' -> 2099)."""
    return 2000 + int(text) if len(text) == 2 else int(text)


def _month(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return _MONTHS.get(text.lower())


def _real_date(original: str, year: int, month: int, day: int) -> date:
    if not fy_calendar.EARLIEST.year <= year <= fy_calendar.LATEST.year:
        raise _fail(_DATE_EXAMPLE, original, f"dates must be {fy_calendar.range_text()}")
    if not 1 <= month <= 12:
        raise _fail(f"a real date such as 31/03/{year}", original, f"there is no month {month}")
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise _fail(
            f"a real date such as 31/03/{year}",
            original,
            f"{calendar.month_name[month]} {year} has {last_day} days",
        )
    return date(year, month, day)


def _date_from_text(text: str) -> date | None:
    """One of the accepted text forms -> date; None if no form matches."""
    core = _MIDNIGHT.sub("", text)
    for form in _DATE_FORMS:
        match = form.match(core)
        if match:
            month = _month(match.group("month"))
            if month is None:
                return None
            return _real_date(text, _year(match.group("year")), month, int(match.group("day")))
    return None


def parse_date(value: Any, date_1904: bool = False) -> date | None:
    """A date, day-first (UK).

    spreadsheets.md: "Dates: real Excel dates, or text `dd/mm/yyyy`, `d/m/yy`,
    `yyyy-mm-dd`, `1 June 2021`, `1-Jun-21`. Day-first always (UK). A number
    that is an Excel serial date is accepted in date columns."

    Also ``1 Jun 2021``, ``01-Jun-2021``, ``dd.mm.yyyy`` and any of these with
    a trailing `` 00:00:00``. A datetime keeps only its date. Numbers (and
    numeric text) are Excel serial dates from 1 to 2958465 (44348 ->
    01/06/2021); a time fraction is dropped. Two-digit years are 2000 + yy.
    Impossible dates such as 31/02/2022 are rejected. ``date_1904``: the
    workbook's serials count from 1904 (``excel_serial_to_date``).
    """
    value = _start(value)
    if value is None:
        return None
    found = _date_of(value, date_1904)
    if not fy_calendar.within_range(found):
        raise _fail(_DATE_EXAMPLE, value, f"dates must be {fy_calendar.range_text()}")
    return found


def _date_of(value: Any, date_1904: bool) -> date:
    """The date a non-blank cell holds, in any of ``parse_date``'s forms."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        raise _fail(_DATE_EXAMPLE, value, "the cell holds only a time of day")
    if isinstance(value, str):
        parsed = _date_from_text(value)
        if parsed is not None:
            return parsed
        serial = _decimal_from_text(value) if "," not in value else None
        if serial is None:
            raise _fail(_DATE_EXAMPLE, value)
        return excel_serial_to_date(serial, date_1904)
    if _is_number(value):
        serial = _decimal_from_number(value)
        if serial is None:
            raise _fail(_DATE_EXAMPLE, value)
        return excel_serial_to_date(serial, date_1904)
    raise _fail(_DATE_EXAMPLE, value)


# --------------------------------------------------------------------------
# Financial years and quarters (dashboard.calendar does the calendar rules)
# --------------------------------------------------------------------------

_FY_EXAMPLE = "a financial year such as 2021-22"


def parse_financial_year(value: Any) -> str | None:
    """An FY as ``2021-22``.

    spreadsheets.md: headed "`2021-22`, `2021/22`, `FY 2021-22`, `Year 1
    (2021-22)` or `FY21/22`"; also ``2021-2022`` (delegates to
    ``dashboard.calendar.parse_financial_year``). The second year must follow
    the first.
    """
    value = _start(value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(_FY_EXAMPLE, value)
    try:
        return fy_calendar.parse_financial_year(value)
    except ValueError:
        raise _fail(_FY_EXAMPLE, value) from None


class Quarter(NamedTuple):
    """A quarter cell: the FY when the cell says it (else None) and the quarter 1..4."""

    financial_year: str | None
    quarter: int


# "Q3", "q3", "Quarter 3", alone or before/after an FY: "2021-22 Q3", "Q3 2021/22".
_QUARTER_TOKEN = re.compile(r"(?:^|\s)(?:q|quarter)\s*(?P<q>[1-4])(?:\s|$)", re.IGNORECASE)
_QUARTER_ENDS = {(6, 30): 1, (9, 30): 2, (12, 31): 3, (3, 31): 4}
_QUARTER_EXAMPLE = "a quarter Q1 to Q4 (or 2021-22 Q3) or a quarter end date (30/06, 30/09, 31/12 or 31/03)"


def _quarter_from_text(text: str) -> Quarter | None:
    match = _QUARTER_TOKEN.search(text)
    if not match:
        return None
    rest = (text[: match.start()] + " " + text[match.end() :]).strip(" ,;:-")
    if not rest:
        return Quarter(None, int(match.group("q")))
    try:
        return Quarter(fy_calendar.parse_financial_year(rest), int(match.group("q")))
    except ValueError:
        return None


def _quarter_from_end_date(original: Any, d: date) -> Quarter:
    if (d.month, d.day) not in _QUARTER_ENDS:
        raise _fail(_QUARTER_EXAMPLE, original, f"{format_date(d)} is not the last day of a quarter")
    financial_year, quarter = fy_calendar.quarter_of(d)
    return Quarter(financial_year, quarter)


def parse_quarter(value: Any, date_1904: bool = False) -> Quarter | None:
    """A quarter: ``Quarter(financial_year or None, quarter 1..4)``.

    spreadsheets.md: "`Quarter`* (`Q1`..`Q4`, or the quarter's end date)".
    Also ``q3``, ``Quarter 3``, ``2021-22 Q3`` / ``Q3 2021-22`` (which give
    the FY too) and the bare numbers 1..4. A quarter end date (a real date, date
    text or an Excel date number) must be 30 June, 30 September, 31 December or
    31 March and gives its FY: 31/03/2022 -> ('2021-22', 4).
    """
    value = _start(value)
    if value is None:
        return None
    if _is_number(value) and value in (1, 2, 3, 4):
        return Quarter(None, int(value))
    if isinstance(value, str):
        quarter = _quarter_from_text(value)
        if quarter is not None:
            return quarter
        if value in ("1", "2", "3", "4"):
            return Quarter(None, int(value))
    try:
        end = parse_date(value, date_1904)
    except CellError:
        raise _fail(_QUARTER_EXAMPLE, value) from None
    assert end is not None  # not blank: parse_date gives a date or raises
    return _quarter_from_end_date(value, end)


_REPORTING_QUARTER_EXAMPLE = (
    "a quarter such as 2023-24 Q3 or Q3 2023-24, its last day (31/12/2023) or its last month (December 2023)"
)
_MONTH_YEAR = re.compile(r"^(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})$", re.IGNORECASE)
_GLUED_QUARTER = re.compile(r"(?<=\d)(?=[qQ][1-9])|(?<=[qQ][1-9])(?=\d)")


def parse_reporting_quarter(value: Any, date_1904: bool = False) -> date | None:
    """The last day of the quarter a quarterly return reports on.

    spreadsheets.md: a cell labelled ``Reporting quarter`` (``Quarter ending``, ``Period``) holds
    ``2023-24 Q3``, ``Q3 2023-24``, ``31/12/2023`` or ``December 2023``; the command line's
    ``--quarter`` may be written ``2023-24Q3``. A date must be a quarter's last day and a month a
    quarter's last month (March, June, September or December): a return for "November 2023" is
    not guessed to be a quarter's.
    """
    value = _start(value)
    if value is None:
        return None
    if isinstance(value, str):
        text = _GLUED_QUARTER.sub(" ", value.strip())
        month_year = _MONTH_YEAR.match(text)
        if month_year and (month := _MONTHS.get(month_year.group("month").lower())) is not None:
            year = int(month_year.group("year"))
            if month not in (3, 6, 9, 12):
                raise _fail(
                    _REPORTING_QUARTER_EXAMPLE,
                    value,
                    f"{calendar.month_name[month]} is not the last month of a quarter",
                )
            end = _real_date(value, year, month, calendar.monthrange(year, month)[1])
            return fy_calendar.quarter_end(*fy_calendar.quarter_of(end))
        value = text
    try:
        quarter = parse_quarter(value, date_1904)
    except CellError:
        raise _fail(_REPORTING_QUARTER_EXAMPLE, value) from None
    if quarter is None or quarter.financial_year is None:
        raise _fail(_REPORTING_QUARTER_EXAMPLE, value, "say which financial year, e.g. 2023-24 Q3")
    return fy_calendar.quarter_end(quarter.financial_year, quarter.quarter)


# --------------------------------------------------------------------------
# Text and enumerations
# --------------------------------------------------------------------------


def _is_invisible(character: str) -> bool:
    return unicodedata.category(character) == "Cf"  # zero-width space and joiners, BOM, soft hyphen, marks


def plain_key(text: str) -> str:
    """A key (Participant ID, Package ID, a reference) as people see it: without invisible format
    characters (a zero-width space pasted from a web page made a second participant) and with any
    other space (a no-break space) as a plain one, then stripped."""
    if text.isascii():
        return text
    return "".join(
        " " if character.isspace() else character for character in text if not _is_invisible(character)
    ).strip()


def key_part(value: Any) -> Any:
    """Keys match ignoring case and runs of spaces (a pasted non-breaking space too), as headings
    do in the figures: ``Peer  mentors`` in a revised schedule is the stored ``Peer mentors``."""
    return _key_of_text(value) if isinstance(value, str) else value


def keys_of(columns: Iterable[Iterable[object]], count: int) -> list[tuple[Any, ...]]:
    """Each of ``count`` rows' key from its key columns (``key_part``), worked out column by column."""
    return list(zip(*map(_key_column, columns))) if count else []


def _key_column(values: Iterable[object]) -> list[object]:
    column = list(values)
    kinds = set(map(type, column))
    if kinds == {str}:  # text only (a key's usual column): its keys straight from the cache
        return list(map(_key_of_text, column))
    return list(map(key_part, column)) if any(issubclass(kind, str) for kind in kinds) else column


# heading_key with room for a return's keys (100,000 participants), each worked out once per import
_key_of_text = lru_cache(maxsize=1 << 18)(heading_key.__wrapped__)


def parse_text(value: Any) -> str | None:
    """Text with surrounding spaces removed; numbers as written (343.0 -> '343').

    Booleans and dates are rejected: in a text column they are usually
    Excel's conversion of what was typed (``1-2`` becomes a date).
    """
    value = _start(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise _fail("text", value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail("text", value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value.normalize())
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (date, time)):
        raise _fail("text", value, "Excel may have turned what was typed into a date; format the column as text")
    raise _fail("text", value)


def _enumeration_text(value: Any, expected: str) -> str | None:
    """Text of a cell that must hold one of a fixed list (a bool or date never does)."""
    value = _start(value)
    if value is None:
        return None
    if isinstance(value, (bool, date, time)):
        raise _fail(expected, value)
    return parse_text(value)


def _choice_key(text: str) -> str:
    """Like _key but ignoring spaces too: 'S.E.N.D.' and 'SEND' -> 'send'."""
    return _key(text).replace(" ", "")


@lru_cache(maxsize=256)
def _choice_index(choices: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {_choice_key(label): stored for label, stored in choices}


def parse_choice(value: Any, choices: Mapping[str, str]) -> str | None:
    """One of a fixed list, ignoring case, punctuation, ``&``/``and`` and spacing.

    ``choices`` maps each accepted label (as shown in messages) to the value
    to store; several labels may store the same value (see ILACS_JUDGEMENTS).
    """
    expected = f"one of {', '.join(choices)}"
    text = _enumeration_text(value, expected)
    if text is None:
        return None
    try:
        return _choice_index(tuple(choices.items()))[_choice_key(text)]
    except KeyError:
        raise _fail(expected, value) from None


def _labels(*labels: str) -> dict[str, str]:
    return {label: label for label in labels}


# Enumerations of spreadsheets.md, label -> stored value. The schemas may use
# these or their own tables.
LEVELS = _labels("Executive", "Management", "Other")
FOCUSES = _labels("CSC", "SEND", "Both")
CONTRACT_TYPES = _labels("Contract", "Grant", "Call-off")
GROUP_TYPES = _labels(
    "Cabinet",
    "Scrutiny committee",
    "Corporate parenting board",
    "Full council",
    "Leadership team",
    "Action learning set",
    "Other",
)
ROLES = _labels(
    "Chief Executive",
    "Lead Member",
    "Leader",
    "Chair of Scrutiny",
    "Cabinet Member",
    "Director of Children's Services",
    "Chief Finance Officer",
    "Councillor",
    "Other",
)
# Ofsted publishes "Requires improvement to be good"; the dashboard stores "Requires improvement".
ILACS_JUDGEMENTS = {
    "Outstanding": "Outstanding",
    "Good": "Good",
    "Requires improvement": "Requires improvement",
    "Requires improvement to be good": "Requires improvement",
    "Inadequate": "Inadequate",
    "Not inspected": "Not inspected",
}

# spreadsheets.md: "`Support type`* (`One-to-one`, `1:1`, `One to one`,
# `Individual` / `Group`, `Group facilitation`)"; keys as _key() writes them.
_SUPPORT_TYPES = {
    "one to one": ONE_TO_ONE,
    "1 1": ONE_TO_ONE,
    "1 to 1": ONE_TO_ONE,
    "individual": ONE_TO_ONE,
    "group": GROUP,
    "group facilitation": GROUP,
}


# 1:1 typed into an ordinary cell: Excel stores the time 01:01 (a duration with [h]:mm)
_ONE_TO_ONE_AS_A_TIME = (time(1, 1), timedelta(hours=1, minutes=1))


def parse_support_type(value: Any) -> str | None:
    """``'one_to_one'`` or ``'group'`` from the spellings of spreadsheets.md.

    One-to-one: ``One-to-one``, ``1:1``, ``One to one``, ``1-to-1``,
    ``Individual``. Group: ``Group``, ``Group facilitation``. Any case/spacing.
    """
    expected = "One-to-one (or 1:1, Individual) or Group (or Group facilitation)"
    if value in _ONE_TO_ONE_AS_A_TIME:
        return ONE_TO_ONE
    text = _enumeration_text(value, expected)
    if text is None:
        return None
    try:
        return _SUPPORT_TYPES[_key(text)]
    except KeyError:
        raise _fail(expected, value) from None


# spreadsheets.md: "`Stage`* (`Baseline`, `Pre`, `Before` / `Follow-up`,
# `Post`, `After`, `3 month follow-up`)"; keys as _key() writes them.
_STAGES = {
    "baseline": BASELINE,
    "pre": BASELINE,
    "before": BASELINE,
    "follow up": FOLLOW_UP,
    "followup": FOLLOW_UP,
    "post": FOLLOW_UP,
    "after": FOLLOW_UP,
}
_MONTHS_FOLLOW_UP = re.compile(r"^\d{1,2} months? follow ?up$")


def parse_stage(value: Any) -> str | None:
    """``'baseline'`` or ``'follow_up'``.

    Baseline: ``Baseline``, ``Pre``, ``Before``. Follow-up: ``Follow-up``,
    ``Follow up``, ``Followup``, ``Post``, ``After``, ``3 month follow-up``,
    ``3-month follow up`` (any number of months). Any case.
    """
    expected = "Baseline (or Pre, Before) or Follow-up (or Post, After, 3 month follow-up)"
    text = _enumeration_text(value, expected)
    if text is None:
        return None
    key = _key(text)
    if key in _STAGES:
        return _STAGES[key]
    if _MONTHS_FOLLOW_UP.match(key):
        return FOLLOW_UP
    raise _fail(expected, value)


# --------------------------------------------------------------------------
# Headers and sheet names
# --------------------------------------------------------------------------

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


_UNNUMBERED_BRACKETS = re.compile(r"\([^)\d]*\)|\[[^\]\d]*\]")  # "(£)", "[forecast]"; not "(2021-22)"


def without_brackets_and_markers(text: str, keep_numbered: bool = False) -> str:
    """The header without words in brackets and ``*`` required markers ("2022-23 (£)*" -> "2022-23");
    with ``keep_numbered``, brackets holding a number stay ("Year 1 (2021-22) (£)" -> "Year 1 (2021-22)")."""
    brackets = _UNNUMBERED_BRACKETS if keep_numbered else _BRACKETED
    return brackets.sub(" ", text).replace("*", " ").strip()


def normalise_header(text: Any) -> str:
    """Header key: lower-case, no `*`, no words in brackets, no punctuation.

    spreadsheets.md: "Headers match case-insensitively, ignoring surrounding
    spaces, punctuation, `*` (required markers) and the words in brackets,
    e.g. `Start date (dd/mm/yyyy)`." So ``' Start date* (dd/mm/yyyy)'`` ->
    ``'start date'`` and ``'Package I.D.'`` -> ``'package id'``. Part A's FY headers such as ``Year 1 (2021-22)`` lose
    their bracket here: read those with :func:`parse_financial_year`.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = shown(text).strip("'")
    text = without_brackets_and_markers(text.lower())
    text = re.sub(r"['\u2018\u2019`.]", "", text)  # L.A. is LA, Participant's is participants
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def header_keys(value: Any) -> tuple[str, ...]:
    """The keys a header cell matches a column's header by: as ``normalise_header`` reads it, and
    with its words run together (``ParticipantID`` is ``Participant ID``). Two headers match when
    they share a key."""
    return _text_header_keys(value) if isinstance(value, str) and value.strip() else ()


@lru_cache(maxsize=4096)
def _text_header_keys(text: str) -> tuple[str, ...]:
    key = normalise_header(text)
    return (key, key.replace(" ", ""))


def normalise_sheet_name(text: str) -> str:
    """Sheet key: case-insensitive, ignoring spaces, `_`, `-`, a trailing
    word `data` and a plural `s`.

    spreadsheets.md: "Sheets are found by name, case-insensitive, ignoring
    spaces, `_`, `-`, a plural `s` and a trailing word `data`". So
    ``Engagements``, ``engagement data``, ``Engagement_Data`` -> ``engagement``;
    ``Part A`` -> ``parta``; ``LA status`` -> ``lastatus`` (``-us`` is not a
    plural; ``statuses`` -> ``status``).
    """
    key = re.sub(r"[\s_\-]+", "", text.lower())
    if key.endswith("data") and len(key) > len("data"):
        key = key[: -len("data")]
    if key.endswith("uses"):
        key = key[:-2]
    elif key.endswith("s") and not key.endswith(("ss", "us")) and len(key) > 1:
        key = key[:-1]
    return key
