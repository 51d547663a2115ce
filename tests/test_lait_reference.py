"""The LAIT reference data: loaded the first time it is read, refreshed by ``python -m data_access reference``.

cli.md conventions: exit 0 with what changed, exit 1 with every error as
``FILE:SHEET:ROW:COLUMN: message`` and nothing written for that file, exit 2 for a
bad command line or an unreadable database. Loading the shipped files again
changes nothing and says so.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from data_access import lait, models
from data_access.cli import main
from data_access.db import ensure_database, make_engine
from data_access.queries import indicator_records
from data_access.settings import REFERENCE_DIR
from tests.conftest import BACKENDS, _drop_postgres, _worker, fresh_database_url
from tests.test_import_cli import ERROR_LINE, cli

MEASURES = REFERENCE_DIR / "lait_measures.csv"
INDICATORS = REFERENCE_DIR / "lait_indicators.csv"
NEIGHBOURS = REFERENCE_DIR / "statistical_neighbours_2025.csv"


@pytest.fixture
def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=BACKENDS)
def unchanged_engine(request, tmp_path_factory):
    """One database per backend for the tests that must write nothing (rejections)."""
    database = fresh_database_url(request.param, tmp_path_factory.mktemp("lait"), name="lait")
    engine = make_engine(database)
    ensure_database(engine)
    lait.ensure_loaded(engine)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        _drop_postgres(f"t_{_worker()}_lait")


def counts(engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (models.LaitMeasure, models.LaitValue, models.StatisticalNeighbour)
        )


def value(engine, measure: str, period: str, area: str):
    with Session(engine) as session:
        return session.scalar(
            select(models.LaitValue.value).where(
                models.LaitValue.measure_code == measure,
                models.LaitValue.period == period,
                models.LaitValue.area_number == area,
            )
        )


def rows_of(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def written(folder: Path, name: str, header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = folder / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def run(capsys, *arguments: str) -> tuple[int, list[str]]:
    status = main(["reference", *arguments])
    return status, capsys.readouterr().out.splitlines()


def test_the_first_read_loads_the_shipped_files(engine):
    with Session(engine) as session, session.begin():  # a database never read: nothing loaded yet
        for model in (models.LaitValue, models.StatisticalNeighbour, models.LaitMeasure):
            session.execute(delete(model))
    ensure_database(engine)
    assert counts(engine) == (0, 0, 0)  # first start does not pay for it
    found = indicator_records(engine)
    assert (len(found.measures), len(found.values), len(found.neighbours)) == (37, 56780, 1580)
    assert counts(engine) == (37, 56780, 1580)
    assert value(engine, "ReReferral", "2024", "343") == 23.4  # Sefton, as published
    assert value(engine, "ReReferral", "2024", "970") is not None  # England
    with Session(engine) as session:
        missing = session.scalar(
            select(func.count()).select_from(models.LaitValue).where(models.LaitValue.value.is_(None))
        )
        polarity = session.get(models.LaitMeasure, "ReReferral").polarity
        no_polarity = session.get(models.LaitMeasure, "CIN").polarity
        sefton = session.scalars(
            select(models.StatisticalNeighbour.neighbour_la_name)
            .where(models.StatisticalNeighbour.la_number == "343")
            .order_by(models.StatisticalNeighbour.rank)
        ).all()
    assert missing == sum(1 for row in rows_of(INDICATORS)[1] if row["value"] == "-")  # '-' is missing, never 0
    assert (polarity, no_polarity) == ("Low", "")
    assert sefton[:3] == ["Wirral", "St. Helens", "Wigan"] and len(sefton) == 10


def test_a_database_made_before_the_lait_tables_gets_them_when_read(engine):
    with Session(engine) as session, session.begin():
        for model in (models.LaitValue, models.StatisticalNeighbour, models.LaitMeasure):
            session.execute(delete(model))
    lait.ensure_loaded(engine)
    lait.ensure_loaded(engine)  # once
    assert counts(engine) == (37, 56780, 1580)


def test_loading_the_shipped_files_again_changes_nothing(url, engine):
    result = cli("reference", url=url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all("nothing to change" in line for line in lines)
    assert "unchanged (56780 rows)" in lines[1]
    with Session(engine) as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(models.AuditEvent)
                .where(models.AuditEvent.action == "reference_refresh")
            )
            == 0
        )


def test_a_newer_release_reports_what_changed(engine, url, tmp_path, capsys):
    header, measures = rows_of(MEASURES)
    new_measure = {**measures[1], "measure": "ReReferral_new", "name": "Re-referrals (new series)"}
    measures[1] = {**measures[1], "name": measures[1]["name"] + " (renamed)"}  # changed in place: its values stay
    measures_file = written(tmp_path, "measures.csv", header, [*measures, new_measure])
    header, values = rows_of(INDICATORS)
    values = [row for row in values if not (row["measure"] == "CIN" and row["period"] == "2016")]  # 170 removed
    for row in values:
        if row["measure"] == "ReReferral" and row["period"] == "2024" and row["la_number"] == "343":
            row["value"] = "24.1"  # changed
    values.append(
        {
            "measure": "ReReferral_new",
            "period": "2026",
            "area_name": "Sefton",
            "la_number": "343",
            "region": "North West",
            "value": "-",
        }
    )  # added
    values_file = written(tmp_path, "values.csv", header, values)

    status, lines = run(capsys, values_file, measures_file, "--db", url)  # measures go first whatever the order

    assert status == 0, lines
    assert lines == [
        f"{measures_file}: LAIT measures, changed",
        f"{measures_file}: LAIT measures: 1 added, 1 changed, 0 removed, 36 unchanged",
        f"{values_file}: LAIT indicator values, changed",
        f"{values_file}: LAIT indicator values: 1 added, 1 changed, 170 removed, 56609 unchanged",
    ]
    assert value(engine, "ReReferral", "2024", "343") == 24.1
    with Session(engine) as session:
        assert session.get(models.LaitMeasure, "ReReferral").name.endswith("(renamed)")
    assert counts(engine) == (38, 56611, 1580)
    status, lines = run(capsys, measures_file, values_file, "--db", url)
    assert status == 0 and all("nothing to change" in line for line in lines)


def test_a_measure_no_longer_listed_goes_with_its_values(engine, url, tmp_path, capsys):
    header, measures = rows_of(MEASURES)
    measures_file = written(tmp_path, "measures.csv", header, [m for m in measures if m["measure"] != "CIN"])
    cin_values = sum(1 for row in rows_of(INDICATORS)[1] if row["measure"] == "CIN")

    status, lines = run(capsys, measures_file, "--db", url)

    assert status == 0
    assert lines[1:] == [
        f"{measures_file}: LAIT measures: 0 added, 0 changed, 1 removed, 36 unchanged",
        (f"{measures_file}: LAIT indicator values: 0 added, 0 changed, {cin_values} removed, 0 unchanged"),
    ]
    assert counts(engine) == (36, 56780 - cin_values, 1580)


def test_dry_run_reports_and_writes_nothing(engine, url, tmp_path, capsys):
    header, neighbours = rows_of(NEIGHBOURS)
    for row in neighbours:
        if row["la_number"] == "343" and row["rank"] in ("1", "2"):
            row["neighbour_la_number"], row["neighbour_la_name"] = (
                ("342", "St. Helens") if row["rank"] == "1" else ("344", "Wirral")
            )
    neighbours_file = written(tmp_path, "sn.csv", header, neighbours)

    status, lines = run(capsys, neighbours_file, "--dry-run", "--db", url)

    assert status == 0
    assert lines == [
        f"{neighbours_file}: statistical neighbours, would change",
        f"{neighbours_file}: statistical neighbours: 0 added, 2 changed, 0 removed, 1578 unchanged",
    ]
    with Session(engine) as session:
        first = session.get(models.StatisticalNeighbour, ("343", 1))
    assert first.neighbour_la_name == "Wirral"


BAD = [
    # (file, change to one row, the error line's sheet:row:column and words)
    ("measures", {"polarity": "Higher"}, "measures:2:polarity", "'Higher' is not a polarity"),
    ("measures", {"measure": ""}, "measures:2:measure", "the measure code is blank"),
    ("measures", {"decimal_places": "1.5"}, "measures:2:decimal_places", "not a whole number"),
    ("values", {"value": "n/a"}, "values:2:value", "'n/a' is not a number"),
    ("values", {"value": ""}, "values:2:value", "write '-' for a figure not available"),
    ("values", {"la_number": "123"}, "values:2:la_number", "LA number 123 is not on the LA reference list"),
    ("values", {"la_number": "34"}, "values:2:la_number", "'34' is not a 3-digit DfE LA number"),
    ("values", {"period": "last year"}, "values:2:period", "not a period starting with its year"),
    ("values", {"measure": "Nonsense"}, "values:2:measure", "measure 'Nonsense' is not among the LAIT measures"),
    ("neighbours", {"rank": "11"}, "neighbours:2:rank", "'11' is not a rank from 1 to 10"),
    (
        "neighbours",
        {"neighbour_la_number": "301"},
        "neighbours:2:neighbour_la_number",
        "LA 301 is given as its own neighbour",
    ),
    (
        "neighbours",
        {"neighbour_la_number": "000"},
        "neighbours:2:neighbour_la_number",
        "LA number 000 is not on the LA reference list",
    ),
]


@pytest.mark.parametrize("kind, change, where, words", BAD)
def test_a_malformed_file_is_rejected_with_error_lines(unchanged_engine, tmp_path, capsys, kind, change, where, words):
    engine, url = unchanged_engine, unchanged_engine.url.render_as_string(hide_password=False)
    source = {"measures": MEASURES, "values": INDICATORS, "neighbours": NEIGHBOURS}[kind]
    header, rows = rows_of(source)
    rows = rows[:40] if kind == "values" else rows
    rows[0] = {**rows[0], **change}
    path = written(tmp_path, f"{kind}.csv", header, rows)
    before = counts(engine)

    status, lines = run(capsys, path, "--db", url)

    assert status == 1
    assert lines[-1] == f"{path}: rejected with {len(lines) - 1} error(s); nothing was written"
    errors = [ERROR_LINE.match(line) for line in lines[:-1]]
    assert all(errors), lines
    sheet, row, column = where.split(":")
    assert any(
        (e["file"], e["sheet"], e["row"], e["column"]) == (path, sheet, row, column) and words in e["message"]
        for e in errors
    ), lines
    assert counts(engine) == before


def test_a_file_of_another_shape_and_a_missing_rank(unchanged_engine, tmp_path, capsys):
    engine, url = unchanged_engine, unchanged_engine.url.render_as_string(hide_password=False)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    header, rows = rows_of(NEIGHBOURS)
    short = written(tmp_path, "sn.csv", header, [r for r in rows if not (r["la_number"] == "343" and r["rank"] == "7")])

    status, lines = run(capsys, str(other), short, "--db", url)

    assert status == 1
    assert lines[0].startswith(f"{other}::1:: not a LAIT reference file")
    assert f"{short}:sn::rank: LA 343 has no neighbour of rank 7" in lines
    assert counts(engine) == (37, 56780, 1580)


@pytest.mark.parametrize("arguments", [["--db", "nonsense://x"], ["--bogus"]])
def test_bad_command_line_or_database_exits_2(arguments):
    result = cli("reference", *arguments)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error:")
