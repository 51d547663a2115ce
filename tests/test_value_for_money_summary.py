"""`python -m dashboard kpis --json`: ``value_for_money`` and ``outcomes`` on the small database,
every figure worked out by hand from ``tests/small_db.py`` (cli.md, rules.md)."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import date

import pytest

from dashboard import cli
from tests.small_db import AS_OF, small_db_url  # noqa: F401


def _summary(url: str, as_of: date) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["kpis", "--json", "--as-of", as_of.isoformat(), "--db", url]) == 0
    return json.loads(out.getvalue())


def test_value_for_money_by_hand(small_db_url):  # noqa: F811
    got = _summary(small_db_url, AS_OF)["value_for_money"]
    assert got == [
        # Sefton adviser: 4 x 600 + 4.5 x 600 + 3 x 600 + 620.40 travel = 7,520.40; 1 LA, 1 participant,
        # nobody met yet (package not ended), 15 days; 7520.40 / 15 = 501.36
        {
            "contract": "CON-IA",
            "spend": 7520.4,
            "las_supported": 1,
            "participants": 1,
            "met": 0,
            "days": 15.0,
            "cost_per_la": 7520,
            "cost_per_participant": 7520,
            "cost_per_met": None,
            "cost_per_day": 501,
        },
        # Leadership: 5,500 + 500 + 2,700 + 2,250.33 + 2,600 = 13,550.33 (LD-INV-4 is dated after 30 June 2022);
        # Sefton, Knowsley, Leeds; 4 participants; P-0001 met; 6 + 3 + 5 + 2 = 16 days;
        # 13550.33 / 3 = 4516.78, / 4 = 3387.58, / 1, / 16 = 846.90
        {
            "contract": "CON-LD",
            "spend": 13550.33,
            "las_supported": 3,
            "participants": 4,
            "met": 1,
            "days": 16.0,
            "cost_per_la": 4517,
            "cost_per_participant": 3388,
            "cost_per_met": 13550,
            "cost_per_day": 847,
        },
        # SEND grant: 4,000 + 1,400; Knowsley; 1 participant with no follow-up; 30 days
        {
            "contract": "CON-SLI",
            "spend": 5400.0,
            "las_supported": 1,
            "participants": 1,
            "met": 0,
            "days": 30.0,
            "cost_per_la": 5400,
            "cost_per_participant": 5400,
            "cost_per_met": None,
            "cost_per_day": 180,
        },
    ]


@pytest.mark.parametrize(
    "as_of, expected",
    [
        # Nobody reinspected by 30 June 2022: Sefton's packages have not all ended, Knowsley's and Leeds's
        # next judgements come later.
        (AS_OF, [("CON-IA", 0, 0, 0, 0), ("CON-LD", 0, 0, 0, 0), ("CON-SLI", 0, 0, 0, 0)]),
        # By 30 June 2025: Knowsley (SEND grant, Feb-Mar 2022) was Requires improvement (published 3 Dec 2021)
        # and Inadequate (published 20 Jan 2025): declined. Under the leadership contract Knowsley's support began
        # on 1 Sep 2021, before that judgement was published (no "before"); Leeds's May 2022 judgement was published
        # before its package ended (no "after"); Sefton still has a group package with no end date.
        (date(2025, 6, 30), [("CON-IA", 0, 0, 0, 0), ("CON-LD", 0, 0, 0, 0), ("CON-SLI", 1, 0, 0, 1)]),
    ],
)
def test_outcomes_by_hand(small_db_url, as_of, expected):  # noqa: F811
    got = _summary(small_db_url, as_of)["outcomes"]
    assert [(o["contract"], o["las_reinspected"], o["improved"], o["same"], o["declined"]) for o in got] == expected
    assert all(set(o) == {"contract", "las_reinspected", "improved", "same", "declined"} for o in got)
