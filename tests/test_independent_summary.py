"""The summary of cli.md, checked against an independent implementation in SQL (DuckDB).

``bench/duckdb_reference.py`` computes KPI 1/2 counts, rates and Wilson
intervals, coverage (with the LA identity rule for reorganised LAs) and finance
from the raw tables, written from rules.md without calling any ``dashboard``
rule. ``build_summary`` (through ``data_access.queries.summary``) must give the
very same JSON, on the demo data and on a randomised dataset that hits the
edges the demo lacks (window boundaries, month-end clamping, responses after
the as-of date, FY-spanning packages, reorganised LAs), on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench import duckdb_reference
from bench.generate import build, insert_dataset
from dashboard.coverage import coverage_by_region
from dashboard.currency import data_to_dates
from dashboard.finance import FLAG_KINDS
from dashboard.kpi import compute_kpis, targets_from_contracts
from data_access import models
from data_access.db import make_engine
from data_access.queries import load, summary

DEMO_DATES = ["2021-09-30", "2022-06-30", "2023-03-31", "2024-03-15", "2026-11-25"]
# FY ends and starts, leap days, month ends (window ends of clamped "+3 months"), reorganisation dates.
RANDOM_DATES = DEMO_DATES + [
    "2020-06-30",
    "2021-03-31",
    "2021-04-01",
    "2022-02-28",
    "2023-04-01",
    "2024-02-29",
    "2025-04-30",
    "2025-05-01",
    "2025-11-30",
    "2026-03-31",
]
SEEDS = [11, 29]
SCALE = 0.02  # 400 packages, about 2,000 units, 5,000 responses, 2,000 invoice lines


def _explain(ours: list[dict], theirs: list[dict]) -> str:
    mine = {repr(sorted(row.items())) for row in ours}
    other = {repr(sorted(row.items())) for row in theirs}
    lines = [f"dashboard only: {row}" for row in sorted(mine - other)[:5]]
    lines += [f"duckdb only:    {row}" for row in sorted(other - mine)[:5]]
    return "\n".join(lines) or "same rows, different order"


def _assert_same_summary(engine, con, as_of: date) -> None:
    ours = summary(engine, as_of)
    theirs = duckdb_reference.reference_summary(con, as_of)
    assert ours["as_of"] == theirs["as_of"]
    for part in ("kpis", "coverage", "finance", "flags", "value_for_money", "outcomes", "contracts"):
        assert ours[part] == theirs[part], f"{part} as of {as_of}:\n" + _explain(ours[part], theirs[part])


@pytest.fixture(scope="module")
def demo(demo_database_url):
    engine = make_engine(demo_database_url)
    yield engine, duckdb_reference.export(engine)
    engine.dispose()


@pytest.mark.parametrize("as_of", DEMO_DATES)
def test_summary_matches_duckdb_on_demo_data(demo, as_of):
    engine, con = demo
    _assert_same_summary(engine, con, date.fromisoformat(as_of))


def test_one_contract_summary_matches_duckdb(demo):
    engine, con = demo
    as_of = date(2024, 3, 15)
    for contract in ("con_9887", "CON_9887"):
        ours = summary(engine, as_of, contract)
        theirs = duckdb_reference.reference_summary(con, as_of, contract)
        assert ours == theirs
        assert ours["kpis"], "the leadership contract has KPI units by March 2024"


def add_returns(engine, seed: int) -> None:
    """Quarterly returns that state their reporting quarter (data currency), for all but one
    contract: quarters in any order of import, corrections for earlier quarters imported later,
    one undone, one rejected, a reference spelled in another case, and one return naming its
    contracts only in the import's contract column."""
    rng = random.Random(seed)
    with Session(engine) as session, session.begin():
        references = sorted(session.scalars(select(models.Contract.reference)))
        quarter_ends = [
            date(2021, 6, 30),
            date(2021, 9, 30),
            date(2021, 12, 31),
            date(2022, 3, 31),
            date(2022, 12, 31),
            date(2023, 9, 30),
            date(2024, 3, 31),
            date(2025, 6, 30),
        ]
        number = 0
        for reference in references[1:]:
            for quarter_end in rng.sample(quarter_ends, rng.randint(1, 4)):
                number += 1
                outcome = "undone" if number == 3 else "rejected" if number == 5 else "imported"
                spelled = reference.upper() if number % 4 == 0 else reference
                summary = {} if number == 2 else {"return_contracts": [spelled]}
                session.add(
                    models.ImportRecord(
                        file_name=f"return_{number}.xlsx",
                        sha256=f"{number:064d}",
                        size_bytes=1,
                        imported_by="test",
                        imported_at=datetime.combine(
                            quarter_end + timedelta(days=rng.randint(-40, 400)), datetime.min.time()
                        ),
                        kind="quarterly_return",
                        contract_reference=spelled,
                        outcome=outcome,
                        reporting_quarter_end=quarter_end,
                        summary=summary,
                    )
                )


@pytest.fixture(params=SEEDS, ids=[f"seed{seed}" for seed in SEEDS])
def randomised(request, engine):
    insert_dataset(engine, build(SCALE, request.param))
    add_returns(engine, request.param)
    return engine, duckdb_reference.export(engine)


def test_summary_matches_duckdb_on_randomised_data(randomised):
    engine, con = randomised
    for as_of in RANDOM_DATES:
        _assert_same_summary(engine, con, date.fromisoformat(as_of))


def test_randomised_data_reaches_the_edges(randomised):
    """The comparison above is only worth something if the data hits the hard cases."""
    _, con = randomised
    as_of = {"as_of": date(2024, 3, 15)}
    statuses = dict(
        con.execute(f"SELECT status, count(*) FROM ({duckdb_reference._UNIT_STATUS}) GROUP BY 1", as_of).fetchall()
    )
    assert set(statuses) == {
        "met",
        "not_met",
        "no_baseline",
        "pending",
        "awaiting_return",
        "no_response",
        "in_progress",
    }
    late = con.execute(f"SELECT count(*) FROM ({duckdb_reference._UNIT_STATUS}) WHERE late_baseline", as_of).fetchone()[
        0
    ]
    assert late > 0
    clamped = con.execute(
        "SELECT count(*) FROM engagements WHERE day(end_date) > day(CAST(end_date + INTERVAL 3 MONTH AS DATE))"
    ).fetchone()[0]
    assert clamped > 0
    on_window_end = con.execute(
        "SELECT count(*) FROM responses r JOIN engagements e USING (contract_id, package_id, participant_id) "
        "WHERE r.stage = 'follow_up' AND r.response_date = CAST(e.end_date + INTERVAL 3 MONTH AS DATE)"
    ).fetchone()[0]
    assert on_window_end > 0
    remapped = con.execute(
        duckdb_reference._COVERAGE + "SELECT count(*) FROM supported s WHERE s.identity NOT IN "
        "(SELECT la_code FROM active a WHERE a.contract = s.contract AND a.fy = s.fy AND a.support_type = s.support_type)",
        {"as_of": date(2026, 11, 25)},
    ).fetchone()[0]
    reorganised = con.execute(
        duckdb_reference._COVERAGE + "SELECT count(*) FROM active a JOIN las l ON l.code = a.la_code "
        "WHERE l.valid_to IS NOT NULL AND l.valid_to < a.fy_end",
        {"as_of": date(2026, 11, 25)},
    ).fetchone()[0]
    assert reorganised > 0 or remapped > 0
    # every flag kind is raised on some contract, and each term is blank on another (no flag there)
    kinds = {row["kind"] for row in duckdb_reference.flag_counts(con, date(2026, 11, 25))}
    assert kinds == set(FLAG_KINDS)
    blank = con.execute(
        "SELECT count_if(kpi_target IS NULL), count_if(overheads_cap IS NULL), count_if(NOT rates_include_expenses), "
        "count_if(value IS NULL) FROM contracts"
    ).fetchone()
    assert all(blank), blank


def test_the_benchmarks_figures_match_duckdb(randomised):
    """The benchmark times the figures as the pages work them out (``bench.run.dashboard_figures``)
    and reports whether they equal DuckDB's: they must be the app's summary, Ofsted outcomes included."""
    from bench.run import dashboard_figures

    engine, con = randomised
    data = load(engine)
    for as_of in (date(2024, 3, 15), date(2026, 11, 25)):
        ours = dashboard_figures(data, as_of)["summary"]
        assert ours == summary(engine, as_of)
        theirs = duckdb_reference.reference_summary(con, as_of)
        assert any(row["las_reinspected"] for row in theirs["outcomes"]), "the data has LAs reinspected"
        for part in ("kpis", "coverage", "finance", "flags", "value_for_money", "outcomes", "contracts"):
            assert ours[part] == theirs[part], f"{part} as of {as_of}:\n" + _explain(ours[part], theirs[part])


@pytest.mark.parametrize("as_of", ["2022-06-30", "2024-03-15", "2026-11-25"])
def test_kpi_slices_and_region_coverage_match_duckdb(randomised, as_of):
    engine, con = randomised
    as_of = date.fromisoformat(as_of)
    data = load(engine)
    targets = targets_from_contracts(data.contracts)
    counts = (
        "eligible",
        "met",
        "not_met",
        "no_baseline",
        "no_response",
        "pending",
        "in_progress",
        "awaiting_return",
        "late_baseline",
    )
    for group_key, column in (
        ("region", "region_code"),
        ("role", "role"),
        ("focus", "focus"),
        ("financial_year", "financial_year"),
        ("la", "la_code"),
    ):
        ours = sorted(
            (r.contract, r.kpi, r.group or "", *(getattr(r, name) for name in counts))
            for r in compute_kpis(
                data.units,
                data.responses,
                targets,
                as_of,
                group_key,
                data_to_dates(data.contracts, data.returns, as_of),
            )
        )
        theirs = sorted(
            (r["contract"], r["kpi"], r[column] or "", *(r[name] for name in counts))
            for r in duckdb_reference.kpi_slices(con, as_of, column)
        )
        assert ours == theirs, group_key
    ours_regions = sorted(
        (r.contract, r.financial_year, r.support_type, r.region_code, r.supported, r.total)
        for r in coverage_by_region(data.units, as_of, data.las)
    )
    theirs_regions = sorted(
        (r["contract"], r["financial_year"], r["support_type"], r["region_code"], r["supported"], r["total"])
        for r in duckdb_reference.coverage_by_region(con, as_of)
    )
    assert ours_regions == theirs_regions
