"""Smaller holes a hostile probe found in the importer, each closed: a negative day rate, data in
hidden rows imported with no word, an invisible character making a second participant, and a
password-protected workbook called "not a zip package"."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests import workbooks as wb

FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture
def seeded(engine):
    wb.seed(engine)
    return engine


def _errors(outcome) -> list[tuple[str, str, str]]:
    return [(problem.sheet, problem.column, problem.message) for problem in outcome.plan.errors]


@pytest.mark.parametrize(
    "sheets, sheet, column",
    [
        (wb.pricing_schedule(day_rates=[wb.day_rate_row(**{"Day rate": -550})]), "Part B", "Day rate"),
        (
            wb.quarterly_return(
                finance=[
                    wb.finance_row(
                        **{"Role": "Peer mentor", "Level": "Management", "Days": 2, "Day rate": -500, "Amount": 1000}
                    )
                ]
            ),
            "Finance",
            "Day rate",
        ),
    ],
    ids=["pricing-schedule-part-b", "finance-return"],
)
def test_a_negative_day_rate_is_an_error(seeded, sheets, sheet, column):
    outcome = wb.run_import(seeded, "negative.xlsx", sheets)
    assert [(s, c) for s, c, _ in _errors(outcome)] == [(sheet, column)]
    assert "0 or more" in _errors(outcome)[0][2] and outcome.import_id is None


def test_a_negative_amount_stays_allowed_for_a_credit_note(seeded):
    wb.import_ok(
        seeded,
        "credit.xlsx",
        wb.quarterly_return(finance=[wb.finance_row(**{"Invoice reference": "CN-1", "Amount": -250, "VAT": -50})]),
    )


def test_data_in_hidden_rows_is_imported_and_said_in_the_summary(seeded):
    rows = [wb.engagement_row(**{"Package ID": f"PKG-H{n}", "Participant ID": f"P-H{n}"}) for n in range(4)]
    engagements = wb.with_options(wb.quarterly_return(engagements=rows)[0], hidden_rows=(1, 3))
    plan = wb.import_ok(seeded, "hidden.xlsx", [engagements])
    assert plan.totals()["inserted"] == 4
    hidden = [flag for sheet in plan.sheets for flag in sheet.flags if "hidden" in flag]
    assert hidden == [
        (
            "Engagements: rows 3 and 5 are hidden in the workbook; they were read and imported "
            "like the other rows (unhide them in Excel to check them)"
        )
    ]


INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "left-to-right mark": "\u200e",
}


@pytest.mark.parametrize("character", list(INVISIBLE.values()), ids=list(INVISIBLE))
@pytest.mark.parametrize("where", ["end", "middle"])
def test_an_invisible_character_in_a_key_makes_no_second_participant(seeded, character, where):
    participant = f"{wb.STORED_PARTICIPANT}{character}" if where == "end" else f"P-{character}STORED"
    plan = wb.import_ok(
        seeded,
        "again.xlsx",
        wb.quarterly_return(
            engagements=[
                wb.engagement_row(
                    **{
                        "Package ID": wb.STORED_PACKAGE,
                        "Participant ID": participant,
                        "Contract reference": f"CON-1{character}",
                    }
                )
            ]
        ),
    )
    assert plan.totals()["inserted"] == 0
    with seeded.connect() as connection:
        assert connection.execute(text("SELECT participant_id FROM engagements")).scalars().all() == [
            wb.STORED_PARTICIPANT
        ]


def test_a_non_breaking_space_in_a_key_is_a_space(seeded):
    plan = wb.import_ok(
        seeded,
        "nbsp.xlsx",
        wb.quarterly_return(
            engagements=[
                wb.engagement_row(
                    **{"Package ID": f"\u00a0{wb.STORED_PACKAGE}\u00a0", "Participant ID": wb.STORED_PARTICIPANT}
                )
            ]
        ),
    )
    assert plan.totals()["inserted"] == 0


def test_a_password_protected_workbook_is_called_so(seeded):
    """tests/files/password-protected.xlsx: a one-row return encrypted by msoffcrypto-tool 6.1.0
    (ECMA-376 agile encryption, as Excel saves a workbook with a password to open)."""
    data = (FILES / "password-protected.xlsx").read_bytes()
    outcome = wb.run_import(seeded, "locked.xlsx", data)
    assert [problem.message for problem in outcome.plan.errors] == [
        "This workbook is password-protected: remove the password and upload it again"
    ]
