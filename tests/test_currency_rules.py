"""docs/how-figures-are-worked-out.md "Data currency": data-to, the latest return's import, the
next return due and overdue. One parametrize row per case."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from dashboard.currency import (
    OVERDUE,
    UNKNOWN,
    UP_TO_DATE,
    contract_currency,
    currencies,
    data_to_dates,
)
from dashboard.records import ContractTerms, InvoiceLine, ReturnImport


def contract(reference="con_1", start=date(2021, 6, 1), end=date(2024, 3, 31), extension_up_to=None):
    return ContractTerms(reference, "Title", "Supplier", "Programme", None, start, end, extension_up_to=extension_up_to)


def ret(quarter_end, imported, contract="con_1"):
    return ReturnImport(contract, quarter_end, datetime.fromisoformat(imported))


Q3 = date(2023, 12, 31)
Q2 = date(2023, 9, 30)
Q4 = date(2024, 3, 31)


@pytest.mark.parametrize(
    "returns, as_of, data_to, imported",
    [
        pytest.param([], date(2024, 1, 1), None, None, id="no return states a quarter: unknown"),
        pytest.param([ret(Q3, "2024-01-20T10:00")], date(2024, 1, 20), Q3, date(2024, 1, 20), id="one return"),
        pytest.param(
            [ret(Q3, "2024-01-20T10:00")],
            date(2023, 12, 31),
            Q3,
            date(2024, 1, 20),
            id="quarter end equal to as-of counts (import time is not compared)",
        ),
        pytest.param(
            [ret(Q3, "2024-01-20T10:00")],
            date(2023, 12, 30),
            None,
            None,
            id="quarter ending after as-of does not count",
        ),
        pytest.param(
            [ret(Q2, "2023-10-20T10:00"), ret(Q3, "2024-01-20T10:00")],
            date(2023, 12, 1),
            Q2,
            date(2023, 10, 20),
            id="latest quarter ending by as-of",
        ),
        pytest.param(
            [ret(Q3, "2024-01-20T10:00"), ret(Q2, "2024-02-01T10:00")],
            date(2024, 3, 1),
            Q3,
            date(2024, 1, 20),
            id="a correction for an earlier quarter imported later does not lower data-to",
        ),
        pytest.param(
            [ret(Q3, "2024-01-20T10:00"), ret(Q3, "2024-02-03T09:00")],
            date(2024, 3, 1),
            Q3,
            date(2024, 2, 3),
            id="newest import of that quarter's return",
        ),
        pytest.param(
            [ret(Q3, "2024-01-20T10:00", contract="CON_1")],
            date(2024, 3, 1),
            Q3,
            date(2024, 1, 20),
            id="contract matched case-blind",
        ),
        pytest.param(
            [ret(Q3, "2024-01-20T10:00", contract="con_2")],
            date(2024, 3, 1),
            None,
            None,
            id="another contract's return does not count",
        ),
    ],
)
def test_data_to_and_latest_import(returns, as_of, data_to, imported):
    found = contract_currency(contract(), returns, as_of)
    assert (found.data_to, found.latest_return_imported) == (data_to, imported)
    assert data_to_dates([contract()], returns, as_of) == ({"con_1": data_to} if data_to else {})


@pytest.mark.parametrize(
    "data_to, end, extension_up_to, extension_used, as_of, due, overdue",
    [
        pytest.param(
            Q3, Q4, None, False, date(2024, 4, 30), date(2024, 4, 30), False, id="due on the day: not overdue"
        ),
        pytest.param(Q3, Q4, None, False, date(2024, 5, 1), date(2024, 4, 30), True, id="the day after: overdue"),
        pytest.param(
            Q4, Q4, None, False, date(2024, 8, 1), date(2024, 7, 30), True, id="one quarter after the end is still owed"
        ),
        pytest.param(
            date(2024, 6, 30),
            Q4,
            None,
            False,
            date(2025, 1, 1),
            None,
            False,
            id="no return owed more than one quarter after the end",
        ),
        pytest.param(
            date(2024, 6, 30),
            Q4,
            date(2025, 3, 31),
            False,
            date(2025, 1, 1),
            None,
            False,
            id="an extension not in use does not keep returns due",
        ),
        pytest.param(
            date(2024, 6, 30),
            Q4,
            date(2025, 3, 31),
            True,
            date(2025, 1, 1),
            date(2024, 10, 30),
            True,
            id="an extension in use runs to the latest end",
        ),
        pytest.param(
            Q3,
            date(2024, 2, 15),
            None,
            False,
            date(2024, 4, 1),
            date(2024, 4, 30),
            False,
            id="end mid-quarter: that quarter's return is owed",
        ),
        pytest.param(
            date(2024, 3, 31),
            date(2024, 2, 15),
            None,
            False,
            date(2024, 8, 1),
            date(2024, 7, 30),
            True,
            id="end mid-quarter: the quarter starting within 3 months is owed",
        ),
    ],
)
def test_next_return_due(data_to, end, extension_up_to, extension_used, as_of, due, overdue):
    found = contract_currency(
        contract(end=end, extension_up_to=extension_up_to), [ret(data_to, "2024-01-01T00:00")], as_of, extension_used
    )
    assert (found.next_return_due, found.return_overdue) == (due, overdue)


@pytest.mark.parametrize(
    "returns, as_of, state, notice",
    [
        pytest.param(
            [ret(Q3, "2024-01-20T10:00")],
            date(2024, 2, 1),
            UP_TO_DATE,
            "Data to 31 December 2023 (imported 20 January 2024). Next return: 2023-24 Q4, due 30 April 2024",
            id="up to date",
        ),
        pytest.param(
            [ret(Q3, "2024-01-20T10:00")],
            date(2024, 5, 2),
            OVERDUE,
            "2023-24 Q4 return overdue since 30 April 2024. Data to 31 December 2023 (imported 20 January 2024)",
            id="overdue",
        ),
        pytest.param(
            [ret(date(2024, 6, 30), "2024-07-20T10:00")],
            date(2025, 2, 1),
            UP_TO_DATE,
            "Data to 30 June 2024 (imported 20 July 2024). No more returns due",
            id="final return in",
        ),
        pytest.param([], date(2024, 2, 1), UNKNOWN, "Not known: no return says which quarter it covers", id="unknown"),
        pytest.param(
            [ret(Q3, "2024-01-20T10:00")],
            date(2023, 11, 1),
            UNKNOWN,
            "Not known: no return covers a quarter ending by 1 November 2023. The figures include what its "
            "2023-24 Q3 return holds up to 1 November 2023",
            id="returns only for later quarters",
        ),
        pytest.param(
            [ret(date(2023, 6, 30), "2023-07-20T10:00"), ret(Q4, "2024-04-20T10:00")],
            date(2024, 3, 15),
            OVERDUE,
            "2023-24 Q2 return overdue since 30 October 2023. Data to 30 June 2023 (imported 20 July 2023). The "
            "figures include what its 2023-24 Q4 return holds up to 15 March 2024",
            id="a later quarter's return in, looking back",
        ),
    ],
)
def test_state_and_notice(returns, as_of, state, notice):
    found = contract_currency(contract(), returns, as_of)
    assert (found.state, found.notice) == (state, notice)


def test_currencies_see_an_extension_in_use_from_invoices():
    """An invoice billing a quarter after the end date shows the extension in use (timelines)."""
    extended = contract(end=Q4, extension_up_to=date(2025, 3, 31))
    invoice = InvoiceLine(
        "con_1", "INV-9", 1, "2024-25", 1, "Fees", None, None, None, None, Decimal(10), None, date(2024, 7, 10)
    )
    returns = [ret(date(2024, 6, 30), "2024-07-20T10:00")]
    (without,) = currencies([extended], returns, date(2025, 1, 1))
    (with_invoice,) = currencies([extended], returns, date(2025, 1, 1), invoice_lines=[invoice])
    assert (without.next_return_due, with_invoice.next_return_due) == (None, date(2024, 10, 30))
