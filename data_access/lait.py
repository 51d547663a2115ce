"""The DfE LAIT reference data: reading, checking and refreshing it.

Three files of the shapes shipped in ``seeds/reference/`` (see
``seeds/reference/PROVENANCE.md``): the measures (``lait_measures.csv``), their
values for every LA, region and England (``lait_indicators.csv``) and DfE's
statistical neighbours (``statistical_neighbours_2025.csv``). A newer LAIT
release or DfE file of the same shape (CSV or an Excel sheet with the same
columns) replaces what the database holds for its kind:
``python -m data_access reference FILE ...``.

A file is checked whole before anything is written; every problem is one line
``FILE:SHEET:ROW:COLUMN: message`` (ROW as Excel numbers it, the header being
row 1; for a CSV, SHEET is the file name without ``.csv``). Loading the same
files again changes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_access import models
from data_access.bulk import insert_rows
from data_access.importer import FileRefused, Problem, read_file
from data_access.settings import REFERENCE_DIR

MEASURES = "measures"
INDICATORS = "indicators"
NEIGHBOURS = "neighbours"
KIND_NAMES = {MEASURES: "LAIT measures", INDICATORS: "LAIT indicator values", NEIGHBOURS: "statistical neighbours"}
ORDER = (MEASURES, INDICATORS, NEIGHBOURS)  # a refresh applies measures before the values that use them

COLUMNS = {
    MEASURES: (
        "measure",
        "topic",
        "name",
        "chart_title",
        "polarity",
        "unit",
        "year_type",
        "description",
        "source",
        "links",
        "decimal_places",
    ),
    INDICATORS: ("measure", "period", "area_name", "la_number", "region", "value"),
    NEIGHBOURS: ("la_number", "la_name", "rank", "neighbour_la_number", "closeness", "neighbour_la_name"),
}
SHIPPED = {
    MEASURES: "lait_measures.csv",
    INDICATORS: "lait_indicators.csv",
    NEIGHBOURS: "statistical_neighbours_2025.csv",
}

FIRST_AREA_NUMBER = 970  # LAIT numbers regions and England from 970 (England); LAs have DfE's 3-digit numbers
NOT_AVAILABLE = "-"  # LAIT's mark for a value not available or suppressed: never zero
POLARITIES = {"high": "High", "low": "Low", "-": "", "": ""}
NEIGHBOURS_PER_LA = 10
_PERIOD = re.compile(r"^\d{4}")
Key = tuple[str | int, ...]  # a row's key as the database keys it (measure; measure, period, area; LA, rank)


@dataclass
class ParsedFile:
    """One file read and checked: its kind and rows keyed as the database keys them."""

    file_name: str
    kind: str | None = None
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sheet: str = ""
    row_numbers: dict[Key, int] = field(default_factory=dict)  # key -> row as Excel numbers it

    @property
    def ok(self) -> bool:
        return self.kind is not None and not self.problems


def _text(cell: Any) -> str:
    """A cell as text: a whole number read from Excel as 343.0 is "343"."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _kind_of(header: list[str]) -> str | None:
    for kind in ORDER:
        if set(COLUMNS[kind]) <= set(header):
            return kind
    return None


def parse_file(
    file_name: str, data: bytes, la_numbers: Iterable[str], measures: Iterable[str] | None = None
) -> ParsedFile:
    """Read and check one file. ``la_numbers``: the DfE numbers of the LA reference list (an LA
    number not on it is refused, never guessed); ``measures``: the measure codes an indicator
    file may use (those in the database, or in a measures file of the same refresh); None: not
    checked here (``check_measures`` does it once they are known)."""
    parsed = ParsedFile(file_name)
    try:
        workbook = read_file(file_name, data)
    except FileRefused as error:
        parsed.problems.append(Problem(file_name, "", None, "", str(error)))
        return parsed
    known_las, known_measures = set(la_numbers), None if measures is None else set(measures)
    for sheet in workbook.sheets:
        if sheet.hidden or not sheet.rows:
            continue
        header = [_text(cell).lower() for cell in sheet.rows[0]]
        kind = _kind_of(header)
        if kind is None:
            continue
        if parsed.kind is not None:
            parsed.problems.append(
                Problem(file_name, sheet.name, 1, "", f"a second sheet of {KIND_NAMES[kind]}: give one sheet per file")
            )
            return parsed
        parsed.kind, parsed.sheet = kind, sheet.name
        fields = [(name, header.index(name)) for name in COLUMNS[kind]]
        checker = {MEASURES: _measure_row, INDICATORS: _indicator_row, NEIGHBOURS: _neighbour_row}[kind]
        for number, cells in enumerate(sheet.rows[1:], start=2):
            values = {name: _text(cells[index]) if index < len(cells) else "" for name, index in fields}
            if not any(values.values()):
                continue  # a blank row
            problems: list[tuple[str, str]] = []
            key, row = checker(values, problems, known_las, known_measures)
            for column, message in problems:
                parsed.problems.append(Problem(file_name, sheet.name, number, column, message))
            if problems:
                continue
            if key in parsed.rows:
                parsed.problems.append(
                    Problem(
                        file_name,
                        sheet.name,
                        number,
                        COLUMNS[kind][0],
                        f"the same {_key_words(kind)} {_key_text(key)} is given twice",
                    )
                )
                continue
            parsed.rows[key] = row
            parsed.row_numbers[key] = number
        if not parsed.rows and not parsed.problems:
            parsed.problems.append(Problem(file_name, sheet.name, 2, "", "the sheet has no rows"))
        if kind == NEIGHBOURS and not parsed.problems:
            _check_neighbour_sets(parsed, sheet.name)
    if parsed.kind is None:
        names = "; ".join(f"{KIND_NAMES[kind]}: {', '.join(COLUMNS[kind])}" for kind in ORDER)
        parsed.problems.append(
            Problem(file_name, "", 1, "", f"not a LAIT reference file: no sheet has the columns of one ({names})")
        )
    return parsed


def _key_words(kind: str) -> str:
    return {MEASURES: "measure", INDICATORS: "measure, period and area", NEIGHBOURS: "LA and rank"}[kind]


def _key_text(key: Key) -> str:
    return "/".join(str(part) for part in key)


def _la_number(text: str, column: str, problems: list[tuple[str, str]], known: set[str], areas: bool = False) -> str:
    if len(text) != 3 or not text.isdigit():
        problems.append((column, f"'{text}' is not a 3-digit DfE LA number"))
    elif (int(text) < FIRST_AREA_NUMBER or not areas) and text not in known:
        problems.append((column, f"LA number {text} is not on the LA reference list"))
    return text


def _measure_row(
    values: dict[str, str], problems: list[tuple[str, str]], _known_las: set[str], _known_measures: set[str] | None
) -> tuple[Key, dict[str, Any]]:
    if not values["measure"]:
        problems.append(("measure", "the measure code is blank"))
    if not values["name"]:
        problems.append(("name", "the measure name is blank"))
    if not values["topic"]:
        problems.append(("topic", "the topic is blank"))
    polarity = POLARITIES.get(values["polarity"].lower())
    if polarity is None:
        problems.append(("polarity", f"'{values['polarity']}' is not a polarity: High, Low, '-' or blank"))
    places = None
    if values["decimal_places"]:
        try:
            places = int(float(values["decimal_places"]))
            if places != float(values["decimal_places"]) or not 0 <= places <= 6:
                raise ValueError
        except ValueError:
            problems.append(("decimal_places", f"'{values['decimal_places']}' is not a whole number from 0 to 6"))
    row = {
        "code": values["measure"],
        "topic": values["topic"],
        "name": values["name"],
        "chart_title": values["chart_title"],
        "polarity": polarity or "",
        "unit": values["unit"],
        "year_type": values["year_type"],
        "description": values["description"],
        "source": values["source"],
        "links": values["links"],
        "decimal_places": places,
    }
    return (values["measure"],), row


def _indicator_row(
    values: dict[str, str], problems: list[tuple[str, str]], known_las: set[str], known_measures: set[str] | None
) -> tuple[Key, dict[str, Any]]:
    if not values["measure"]:
        problems.append(("measure", "the measure code is blank"))
    elif known_measures is not None and values["measure"] not in known_measures:
        problems.append(("measure", _unknown_measure(values["measure"])))
    if not _PERIOD.match(values["period"]) or len(values["period"]) > 20:
        problems.append(("period", f"'{values['period']}' is not a period starting with its year (e.g. 2024)"))
    number = _la_number(values["la_number"], "la_number", problems, known_las, areas=True)
    if not values["area_name"]:
        problems.append(("area_name", "the area name is blank"))
    value = None
    if values["value"] == "":
        problems.append(("value", f"the value is blank: write '{NOT_AVAILABLE}' for a figure not available"))
    elif values["value"] != NOT_AVAILABLE:
        try:
            value = float(values["value"])
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            value = None
            problems.append(("value", f"'{values['value']}' is not a number (or '{NOT_AVAILABLE}' for not available)"))
    region = "" if values["region"] in ("NA", "-") else values["region"]
    row = {
        "measure_code": values["measure"],
        "period": values["period"],
        "area_number": number,
        "area_name": values["area_name"],
        "region": region,
        "value": value,
    }
    return (values["measure"], values["period"], number), row


def _unknown_measure(code: str) -> str:
    return f"measure '{code}' is not among the LAIT measures (give a measures file that has it)"


def check_measures(parsed: ParsedFile, measures: Iterable[str]) -> None:
    """An indicator file's measures must be among ``measures``; each row that is not is a problem."""
    known = set(measures)
    for key, number in parsed.row_numbers.items():
        code = str(key[0])  # an indicator's key starts with its measure code
        if code not in known:
            parsed.problems.append(Problem(parsed.file_name, parsed.sheet, number, "measure", _unknown_measure(code)))


def _neighbour_row(
    values: dict[str, str], problems: list[tuple[str, str]], known_las: set[str], _known_measures: set[str] | None
) -> tuple[Key, dict[str, Any]]:
    la = _la_number(values["la_number"], "la_number", problems, known_las)
    neighbour = _la_number(values["neighbour_la_number"], "neighbour_la_number", problems, known_las)
    rank = 0
    try:
        rank = int(float(values["rank"]))
        if rank != float(values["rank"]) or not 1 <= rank <= NEIGHBOURS_PER_LA:
            raise ValueError
    except ValueError:
        problems.append(("rank", f"'{values['rank']}' is not a rank from 1 to {NEIGHBOURS_PER_LA}"))
    if la and la == neighbour:
        problems.append(("neighbour_la_number", f"LA {la} is given as its own neighbour"))
    for column in ("la_name", "neighbour_la_name"):
        if not values[column]:
            problems.append((column, "the LA name is blank"))
    row = {
        "la_number": la,
        "rank": rank,
        "la_name": values["la_name"],
        "neighbour_la_number": neighbour,
        "neighbour_la_name": values["neighbour_la_name"],
        "closeness": values["closeness"],
    }
    return (la, rank), row


def _check_neighbour_sets(parsed: ParsedFile, sheet: str) -> None:
    """Each LA has exactly ranks 1 to 10, each a different neighbour."""
    by_la: dict[str, list[dict[str, Any]]] = {}
    for row in parsed.rows.values():
        by_la.setdefault(row["la_number"], []).append(row)
    for la, rows in sorted(by_la.items()):
        ranks = sorted(row["rank"] for row in rows)
        if ranks != list(range(1, NEIGHBOURS_PER_LA + 1)):
            missing = sorted(set(range(1, NEIGHBOURS_PER_LA + 1)) - set(ranks))
            parsed.problems.append(
                Problem(
                    parsed.file_name,
                    sheet,
                    None,
                    "rank",
                    f"LA {la} has no neighbour of rank {', '.join(map(str, missing))}",
                )
            )
        elif len({row["neighbour_la_number"] for row in rows}) != NEIGHBOURS_PER_LA:
            parsed.problems.append(
                Problem(
                    parsed.file_name, sheet, None, "neighbour_la_number", f"LA {la} has the same neighbour at two ranks"
                )
            )


# --------------------------------------------------------------------- database

_TABLES = {MEASURES: models.LaitMeasure, INDICATORS: models.LaitValue, NEIGHBOURS: models.StatisticalNeighbour}
_KEYS = {MEASURES: ("code",), INDICATORS: ("measure_code", "period", "area_number"), NEIGHBOURS: ("la_number", "rank")}


@dataclass
class Change:
    """What refreshing one kind did (or would do): rows added, changed, removed, unchanged."""

    kind: str
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def line(self) -> str:
        return (
            f"{KIND_NAMES[self.kind]}: {self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged"
        )


def la_numbers(session: Session) -> set[str]:
    return set(session.scalars(select(models.LocalAuthority.dfe_code)))


def measure_codes(session: Session) -> set[str]:
    return set(session.scalars(select(models.LaitMeasure.code)))


def stored_rows(session: Session, kind: str) -> dict[Key, dict[str, Any]]:
    table = _TABLES[kind].__table__
    names = [column.name for column in table.columns if column.name != "id"]
    keys = _KEYS[kind]
    rows = {}
    for values in session.execute(select(*(table.c[name] for name in names))):
        row = dict(zip(names, values))
        rows[tuple(row[key] for key in keys)] = row
    return rows


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    for name, value in new.items():
        stored = old.get(name)
        if isinstance(value, float) and isinstance(stored, float):
            if not math.isclose(value, stored, rel_tol=1e-12, abs_tol=1e-12):
                return False
        elif stored != value:
            return False
    return True


def refresh(session: Session, parsed: ParsedFile, write: bool = True) -> list[Change]:
    """Make the database's rows of the file's kind those of the file: add, change, remove.
    Values of a measure no longer listed are removed with it. Nothing is written when nothing
    differs, or with ``write=False`` (a dry run). The caller owns the transaction."""
    kind = parsed.kind
    assert kind is not None and parsed.ok
    old = stored_rows(session, kind)
    change = Change(kind)
    added, changed = [], []
    for key, row in parsed.rows.items():
        if key not in old:
            added.append(row)
        elif _same(old[key], row):
            change.unchanged += 1
        else:
            changed.append(row)
    removed = [key for key in old if key not in parsed.rows]
    change.added, change.changed, change.removed = len(added), len(changed), len(removed)
    changes = [change]
    if kind == MEASURES and removed:  # their values go with them
        gone = {key[0] for key in removed}
        orphans = [key for key in stored_rows(session, INDICATORS) if key[0] in gone]
        if orphans:
            changes.append(Change(INDICATORS, removed=len(orphans)))
    if not write or not change.any:
        return changes
    model = _TABLES[kind]
    table = model.__table__
    keys = [getattr(model, name) for name in _KEYS[kind]]
    if kind == MEASURES and removed:
        session.execute(delete(models.LaitValue).where(models.LaitValue.measure_code.in_([k[0] for k in removed])))
    for start in range(0, len(removed), 500):
        session.execute(delete(model).where(tuple_(*keys).in_(removed[start : start + 500])))
    if changed:  # updated in place: a measure's values keep pointing at it
        statement = (
            update(table)
            .where(*(table.c[name] == bindparam(f"key_{name}") for name in _KEYS[kind]))
            .values({name: bindparam(f"new_{name}") for name in changed[0] if name not in _KEYS[kind]})
        )
        session.execute(
            statement,
            [
                {
                    **{f"key_{name}": row[name] for name in _KEYS[kind]},
                    **{f"new_{name}": value for name, value in row.items() if name not in _KEYS[kind]},
                }
                for row in changed
            ],
        )
    session.flush()
    insert_rows(session.connection(), table, added)
    return changes


# ----------------------------------------------------------------- first start


def shipped_files(folder: Path = REFERENCE_DIR) -> list[Path]:
    return [folder / SHIPPED[kind] for kind in ORDER]


def load_shipped(session: Session, folder: Path = REFERENCE_DIR) -> None:
    """Load the shipped LAIT files into empty tables (first start: read straight into a bulk insert).

    The shipped files are the ones ``parse_file`` checks (tests/test_lait_reference.py refreshes
    from them and finds nothing to change), so first start only converts: a number or "-" to a
    value, a polarity to "High", "Low" or "". Every database a test makes starts here: checking
    57,000 rows on each first start would cost seconds a time."""
    connection = session.connection()
    measures = [{**_shipped_measure(row)} for row in _csv_rows(folder / SHIPPED[MEASURES])]
    insert_rows(connection, models.LaitMeasure.__table__, measures)
    header, *rows = _csv_lists(folder / SHIPPED[INDICATORS])
    measure, period, name, number, region, value = (header.index(c) for c in COLUMNS[INDICATORS])
    values = [
        {
            "measure_code": row[measure],
            "period": row[period],
            "area_number": row[number],
            "area_name": row[name],
            "region": "" if row[region] in ("NA", "-") else row[region],
            "value": None if row[value] == NOT_AVAILABLE else float(row[value]),
        }
        for row in rows
    ]
    insert_rows(connection, models.LaitValue.__table__, values)
    neighbours = [
        {
            "la_number": row["la_number"],
            "rank": int(row["rank"]),
            "la_name": row["la_name"],
            "neighbour_la_number": row["neighbour_la_number"],
            "neighbour_la_name": row["neighbour_la_name"],
            "closeness": row["closeness"],
        }
        for row in _csv_rows(folder / SHIPPED[NEIGHBOURS])
    ]
    insert_rows(connection, models.StatisticalNeighbour.__table__, neighbours)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    header, *rows = _csv_lists(path)
    return [dict(zip(header, row)) for row in rows]


def _csv_lists(path: Path) -> list[list[str]]:
    """The file's rows, each cell stripped as ``parse_file`` strips it."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return [[cell.strip() for cell in row] for row in csv.reader(handle)]


def _shipped_measure(row: dict[str, str]) -> dict[str, Any]:
    places = row["decimal_places"]
    return {
        "code": row["measure"],
        "topic": row["topic"],
        "name": row["name"],
        "chart_title": row["chart_title"],
        "polarity": POLARITIES[row["polarity"].lower()],
        "unit": row["unit"],
        "year_type": row["year_type"],
        "description": row["description"],
        "source": row["source"],
        "links": row["links"],
        "decimal_places": int(float(places)) if places else None,
    }


def has_lait(session: Session) -> bool:
    return session.scalar(select(models.LaitMeasure.code).limit(1)) is not None


def ensure_loaded(engine: Engine) -> None:
    """The shipped LAIT data, loaded the first time anything reads it (an LA profile, the outcomes
    page, a refresh), not at every database's first start: its 57,000 rows take most of a second
    to write, and most databases (every test's) never read them. Two servers loading at once: one
    writes them, the other finds them there."""
    with Session(engine) as session:
        if has_lait(session):
            return
    try:
        with Session(engine) as session, session.begin():
            if not has_lait(session):
                load_shipped(session)
    except IntegrityError:
        pass  # another process loaded them at the same moment


def version(session: Session) -> int:
    """Changes with every refresh that changed something (each is in the audit log): part of a cache key."""
    from data_access.audit import REFERENCE_REFRESH

    return (
        session.scalar(
            select(func.count()).select_from(models.AuditEvent).where(models.AuditEvent.action == REFERENCE_REFRESH)
        )
        or 0
    )
