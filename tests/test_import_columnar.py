"""The columnar read of large tables (``fast_read``, ``columnar``) against the row-by-row read.

Each workbook is planned twice on the same database: with tables read into Arrow columns (the
size thresholds lowered so that small test workbooks take that path) and with ``read_file``
alone. The plans must be the same: every planned row and its values, action and before image,
every error (sheet, row, column, message), every flag, the rows skipped; an import made through
the columnar read is undone exactly.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from unittest.mock import patch

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import importer, models
from data_access.importer import cells, changes, fast_read, planner, reader, validate
from data_access.importer.kinds import MissingRows
from data_access.importer.locate import table_header_row
from data_access.importer.report import RowAction
from data_access.undo import undo_import
from tests import workbooks as wb
from tests.test_undo import ADMIN_VIEWER, snapshot

HEAD = 6  # rows read by calamine above the Arrow columns: tables of the tests start below it


@pytest.fixture
def seeded(engine):
    wb.seed(engine)
    return engine


@pytest.fixture
def small_thresholds(monkeypatch):
    """Every table of more than ``HEAD`` rows is read into Arrow columns; counts the sheets that were."""
    monkeypatch.setattr(fast_read, "HEAD_ROWS", HEAD)
    monkeypatch.setattr(fast_read, "MIN_ROWS", 1)
    monkeypatch.setattr(fast_read, "MIN_BYTES", 0)
    read = []
    original = fast_read.read_columnar

    def recording(*args, **kwargs):
        workbook = original(*args, **kwargs)
        read.extend(
            sheet.name
            for sheet in (workbook.sheets if workbook else [])
            if isinstance(sheet.rows, fast_read.ColumnarRows)
        )
        return workbook

    monkeypatch.setattr(fast_read, "read_columnar", recording)
    return read


def _signature(plan: importer.ImportPlan) -> dict:
    return {
        "errors": [(p.file, p.sheet, p.row, p.column, p.message) for p in plan.errors],
        "flags": plan.flags,
        "kind": plan.kind,
        "contract": plan.contract_reference,
        "quarter": plan.reporting_quarter_end,
        "contracts": plan.return_contracts,
        "ignored": plan.ignored_sheets,
        "sheets": [
            (
                sheet.sheet,
                sheet.kind,
                sheet.title,
                sheet.skipped,
                sheet.flags,
                sheet.vanished,
                sheet.removed,
                [(row.row, row.values, row.action, row.existing_id, row.before) for row in sheet.rows],
            )
            for sheet in plan.sheets
        ],
    }


def _plans(engine, name: str, data: bytes, **options) -> tuple[dict, dict]:
    """(columnar plan, row-by-row plan) of one file, each in a transaction rolled back."""
    found = []
    for columnar in (True, False):
        with Session(engine) as session:
            if columnar:
                plan = importer.plan_import(session, name, data, **options)
            else:
                with patch.object(fast_read, "read_columnar", lambda *args: None):
                    plan = importer.plan_import(session, name, data, **options)
            found.append(_signature(plan))
            session.rollback()
    return found[0], found[1]


def _assert_same(engine, name: str, data: bytes, **options) -> dict:
    fast, slow = _plans(engine, name, data, **options)
    assert fast == slow
    return fast


def _people(count: int, package: str = "PKG", **overrides) -> list[dict]:
    start = date(2021, 6, 1)
    return [
        wb.engagement_row(
            {
                "Package ID": f"{package}-{index // 3}",
                "Participant ID": f"P-{index}",
                "Start date": start + timedelta(days=index % 40),
                "End date": start + timedelta(days=60 + index % 40),
                "Days delivered": (index % 4) * 2 + 3,
                **overrides,
            }
        )
        for index in range(count)
    ]


def _varied_engagements() -> list:
    rows = _people(40)
    rows[3] = wb.engagement_row({"Package ID": "PKG-X", "Participant ID": "P-X", "LA": "Nowhere Borough"})
    rows[5]["Start date"] = None  # required and blank (text in a date column: see below)
    rows[6]["End date"] = date(2020, 1, 1)  # before the start
    rows[7]["Package ID"] = None  # required and blank
    rows[8]["Contract reference"] = "CON-9"  # unknown contract
    rows[9]["Days delivered"] = -2
    rows[10]["Group type"] = "Not a group type"
    rows[11]["Start date"] = datetime(2021, 7, 1, 14, 30)  # a time of day
    rows[12]["Participant ID"] = "P-\u200b12\u00a0"  # a zero-width and a no-break space
    rows[13]["Delivered by"] = "x" * 400  # longer than the column holds
    rows[14]["LA"] = "E08000014"  # Sefton by its code
    rows[15]["Support type"] = "group"
    rows[16] = dict(rows[17])  # an identical row twice: counted once
    rows[18] = {**rows[19], "Role": "Director of Children's Services"}  # the same key, other values
    rows[20] = dict.fromkeys(rows[20])  # a blank row
    rows[21] = {**dict.fromkeys(rows[21]), "Package ID": "   "}  # spaces only
    rows[22] = {**dict.fromkeys(rows[22]), "Contract reference": "Total", "Days delivered": 99}
    rows[23]["Focus"] = "  CSC  "
    rows[24]["Participant name"] = "Named Person"
    rows[25]["Participant name"] = "  #1 padded\t"
    rows[26]["Delivered by"] = "\tMentor B\n"
    rows[27]["Package ID"] = "PKG-\u00e9t\u00e9 "  # not ASCII
    return rows


def test_a_varied_return_plans_the_same(seeded, small_thresholds):
    sheets = wb.quarterly_return(
        engagements=_varied_engagements(),
        survey=[wb.stored_survey_row({"Response date": date(2021, 7, 1) + timedelta(days=i)}) for i in range(12)]
        + [wb.survey_row({"Participant ID": "P-NONE"})],
        finance=[wb.finance_row({"Invoice ref": f"INV-{i}", "Amount": 100 + i}) for i in range(12)]
        + [wb.finance_row({"Heading": "Not a heading"})],
    )
    signature = _assert_same(seeded, "varied.xlsx", wb.xlsx(sheets))
    assert set(small_thresholds) == {"Engagements", "Survey", "Finance"}
    assert len(signature["errors"]) >= 9 and signature["sheets"][0][3] >= 3  # errors said, rows skipped


def test_a_clean_return_plans_the_same_and_is_undone_exactly(seeded, small_thresholds):
    before = snapshot(seeded)
    data = wb.xlsx(wb.quarterly_return(engagements=_people(50)))
    _assert_same(seeded, "clean.xlsx", data)
    outcome = wb.run_import(seeded, "clean.xlsx", data)
    assert outcome.plan.ok and outcome.plan.totals()["inserted"] == 50
    assert small_thresholds == ["Engagements", "Engagements"]
    changed = [dict(row) for row in _people(50)]  # a tenth of the rows change
    for row in changed[::10]:
        row["Days delivered"] = 12
    _assert_same(seeded, "revised.xlsx", wb.xlsx(wb.quarterly_return(engagements=changed)))
    revised = wb.run_import(seeded, "revised.xlsx", wb.xlsx(wb.quarterly_return(engagements=changed)))
    assert revised.plan.totals()["updated"] == 5
    with Session(seeded) as session, session.begin():
        undo_import(session, revised.import_id, ADMIN_VIEWER)
        undo_import(session, outcome.import_id, ADMIN_VIEWER)
    assert snapshot(seeded) == before


def test_a_template_layout_plans_the_same(seeded, small_thresholds):
    spec = wb.SheetSpec(
        "Engagements",
        _people(30),
        above=[["Quarterly return"], ["Reporting quarter", "2021-22 Q2"]],
        contract_label="CON-1",
        hidden_rows=(2, 7),
    )
    _assert_same(seeded, "template.xlsx", wb.xlsx(spec))
    assert small_thresholds == ["Engagements"]


def test_an_unknown_sheet_name_and_headers_as_people_write_them_plan_the_same(seeded, small_thresholds):
    spec = wb.SheetSpec(
        "Data 1",
        _people(20),
        headers={"Participant ID": "Participant ID*", "LA": "L.A.", "Start date": "Start date (dd/mm/yyyy)"},
    )
    _assert_same(seeded, "headers.xlsx", wb.xlsx(spec))
    assert small_thresholds == ["Data 1"]


@pytest.mark.parametrize(
    "change",
    [
        "number in a text column",
        "excel error",
        "uncached formula",
        "1904 dates",
        "text in a date column",
        "a time of day",
        "a date before March 1900",
    ],
)
def test_what_the_columnar_read_does_not_take_is_read_as_before(seeded, small_thresholds, change):
    rows = _people(20)
    date_1904 = False
    if change == "number in a text column":
        rows[12]["Participant ID"] = 1234
    elif change == "excel error":
        rows[12]["LA"] = "#REF!"
    elif change == "uncached formula":
        rows[12]["Days delivered"] = wb.Formula("1+1")
    elif change == "text in a date column":
        rows[12]["Start date"] = "1 June 2021"
    elif change == "a time of day":
        rows[12]["End date"] = time(12, 30)
    elif change == "a date before March 1900":
        rows[12]["End date"] = date(1900, 2, 1)
    else:
        date_1904 = True
    _assert_same(seeded, "unusual.xlsx", wb.xlsx(wb.quarterly_return(engagements=rows), date_1904=date_1904))
    assert small_thresholds == []  # read_file read it


def test_the_rows_read_are_the_rows_calamine_reads(small_thresholds):
    rows = _people(30)
    rows[4] = dict.fromkeys(rows[4])
    rows[6]["Start date"] = datetime(2021, 7, 1, 0, 0)
    rows[7]["Start date"] = datetime(2021, 7, 1, 9, 15)
    rows[8]["Days delivered"] = 2.5
    spec = wb.SheetSpec("Engagements", rows, above=[[None, None, "Title in C1"]])
    spec.rows.append([None] * 15 + ["a note far to the right"])
    data = wb.xlsx(spec)
    fast = fast_read.read_columnar("x.xlsx", data, table_header_row)
    slow = reader.read_file("x.xlsx", data)
    assert small_thresholds == ["Engagements"]
    assert [list(sheet.rows) for sheet in fast.sheets] == [sheet.rows for sheet in slow.sheets]
    assert [sheet.rows[: HEAD + 3] for sheet in fast.sheets] == [sheet.rows[: HEAD + 3] for sheet in slow.sheets]


def test_a_thousand_random_rows_plan_the_same(seeded, small_thresholds):
    rng = random.Random(20)
    las = ["Sefton", "E08000014", "Knowsley", "Wirral", "Nowhere", "Liverpool"]
    rows = []
    for _ in range(1000):
        row = wb.engagement_row(
            {
                "Package ID": f"PKG-{rng.randint(1, 300)}",
                "Participant ID": f"P-{rng.randint(1, 900)}",
                "LA": rng.choice(las),
                "Support type": rng.choice(["One-to-one", "Group", "one to one", "Other"]),
                "Start date": date(2021, 4, 1) + timedelta(days=rng.randint(0, 700)),
                "End date": rng.choice([None, date(2021, 4, 1) + timedelta(days=rng.randint(0, 900))]),
                "Days delivered": rng.choice([None, 1, 3.5, 10, -1]),
                "Contract reference": rng.choice(["CON-1", "CON-1", "CON-2", "con-1 ", "CON-7"]),
                "Role": rng.choice(["Lead Member", "DCS", "Director of Children's Services", "Chef"]),
            }
        )
        if rng.random() < 0.02:
            row = dict.fromkeys(row)
        rows.append(row)
    _assert_same(seeded, "random.xlsx", wb.xlsx(wb.quarterly_return(engagements=rows)))
    assert small_thresholds == ["Engagements"]


# --- The column-wise stages against the row loops -------------------------------------------


def test_keys_worked_out_by_column_are_each_rows_key():
    rng = random.Random(4)
    texts = ["P-1", "p-1", " P-1 ", "P\u00a0-1", "P-\u200b1", "Stra\u00dfe", "STRASSE", "a  b", "A B", "", "\t"]
    others = [None, 0, 1, True, False, 1.0, 2.5, date(2021, 6, 1), datetime(2021, 6, 1, 9, 0)]
    rows = [tuple(rng.choice(texts + others) for _ in range(3)) for _ in range(500)]
    assert cells.keys_of(zip(*rows), len(rows)) == [tuple(map(cells.key_part, row)) for row in rows]
    assert [type(part) for key in cells.keys_of(zip(*rows), len(rows)) for part in key] == [
        type(cells.key_part(value)) for row in rows for value in row
    ]
    assert cells.keys_of([[], []], 0) == []


def _by_rows_only(monkeypatch) -> list[bool]:
    """Engagements validated column-wise record whether they could be (the row loop took the rest)."""
    taken: list[bool] = []
    original = validate._engagements_by_column

    def recording(*args):
        taken.append(original(*args))
        return taken[-1]

    monkeypatch.setattr(validate, "_engagements_by_column", recording)
    return taken


def _assert_same_by_row(engine, monkeypatch, name: str, data: bytes) -> list[bool]:
    """The plan with engagements validated column-wise is the row loop's; whether it was taken."""
    taken = _by_rows_only(monkeypatch)
    with Session(engine) as session:
        by_column = _signature(importer.plan_import(session, name, data))
        session.rollback()
    with patch.object(validate, "_engagements_by_column", lambda *args: False), Session(engine) as session:
        by_row = _signature(importer.plan_import(session, name, data))
        session.rollback()
    assert by_column == by_row
    return taken


def _clean_random(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [
        wb.engagement_row(
            {
                "Package ID": f"PKG-{index // 4}",
                "Participant ID": rng.choice(["P-", "p-", " P-"]) + str(index),
                "LA": rng.choice(["Sefton", "E08000014", "sefton ", "Knowsley", "Wirral", "Liverpool"]),
                "Support type": rng.choice(["One-to-one", "Group", "one to one"]),
                "Start date": date(2021, 6, 1) + timedelta(days=rng.randint(0, 300)),
                "End date": rng.choice([None, date(2022, 6, 1) + timedelta(days=rng.randint(0, 300))]),
                "Days delivered": rng.choice([None, 1, 3.5, 10]),
                "Contract reference": rng.choice(["CON-1", "con-1 ", "CON-2", None]),
            }
        )
        for index in range(count)
    ]


@pytest.mark.parametrize(
    "case",
    [
        "clean",
        "clean random",
        "LAs of a boundary change",
        "unknown LA",
        "LA abolished among its dates",
        "end before start",
        "unknown contract",
        "cell errors",
        "a thousand random",
    ],
)
def test_engagements_validated_by_column_plan_as_the_row_loop(seeded, small_thresholds, monkeypatch, case):
    rows = _clean_random(120, 7) if case != "clean" else _people(60)
    if case == "LAs of a boundary change":  # a name of two records (matched date by date), one live throughout
        for row in rows[::5]:
            row["LA"] = "Buckinghamshire"
        for offset, row in enumerate(rows[1::7]):
            row.update({"LA": "Northamptonshire", "Start date": date(2021, 1, 1) + timedelta(days=offset * 5)})
    elif case == "LA abolished among its dates":  # Northamptonshire until 31/03/2021: later rows are errors
        for offset, row in enumerate(rows[2::9]):
            row.update({"LA": "Northamptonshire", "Start date": date(2021, 2, 1) + timedelta(days=offset * 7)})
    elif case == "unknown LA":
        rows[30]["LA"] = "Nowhere Borough"
    elif case == "end before start":
        rows[31]["End date"] = date(2020, 1, 1)
    elif case == "unknown contract":
        rows[32]["Contract reference"] = "CON-9"
    elif case == "cell errors":
        rows = _varied_engagements()
    elif case == "a thousand random":
        rows = _clean_random(1000, 11)
        for row in rows[::97]:
            row["LA"] = "Nowhere"
    data = wb.xlsx(wb.quarterly_return(engagements=rows, contract_label="CON-1"))
    taken = _assert_same_by_row(seeded, monkeypatch, f"{case}.xlsx", data)
    assert small_thresholds[:1] == ["Engagements"]
    clean = ("clean", "clean random", "LAs of a boundary change")
    assert taken == ([True] if case in clean else [False] if case != "cell errors" else [])


def _changes_row_by_row(session: Session, sheet) -> list[tuple]:
    """What each row of a sheet changes, worked out row by row as ``work_out_changes`` did before it
    read stored rows from the cursor and compared them field set by field set: (action, stored id,
    before, values)."""
    kind = sheet.sheet_kind
    table = kind.model.__table__
    ids = {row.values["contract_id"] for row in sheet.rows if isinstance(row.values.get("contract_id"), int)}
    existing = list(session.execute(select(table).where(table.c.contract_id.in_(ids)))) if ids else []
    index = {tuple(cells.key_part(getattr(row, name)) for name in kind.key): row for row in existing}
    found = []
    for row in sheet.rows:
        values = dict(row.values)
        stored = index.get(tuple(cells.key_part(values.get(name)) for name in kind.key))
        if stored is None:
            found.append((RowAction.INSERT, None, None, values))
            continue
        for name in kind.key:
            if isinstance(values.get(name), str):
                values[name] = getattr(stored, name)
        compared = [name for name in values if name not in changes.NOT_COMPARED]
        flagged = kind.missing is MissingRows.CUMULATIVE and stored.missing_from_latest_return
        if flagged:
            values["missing_from_latest_return"] = False
        if flagged or any(not changes._same(getattr(stored, name), values[name]) for name in compared):
            before = {name: getattr(stored, name) for name in compared}
            if flagged:
                before["missing_from_latest_return"] = True
            found.append((RowAction.UPDATE, stored.id, before, values))
        else:
            found.append((RowAction.UNCHANGED, stored.id, None, values))
    return found


def test_changes_worked_out_by_column_are_the_row_loops(seeded, small_thresholds, monkeypatch):
    compared: list[int] = []
    original = planner.work_out_changes

    def checked(session, plan):
        expected = [_changes_row_by_row(session, sheet) for sheet in plan.sheets]
        original(session, plan)
        for sheet, rows in zip(plan.sheets, expected):
            assert [(row.action, row.existing_id, row.before, row.values) for row in sheet.rows] == rows
            compared.append(len(rows))

    monkeypatch.setattr(planner, "work_out_changes", checked)
    people = _clean_random(200, 3)
    survey = [wb.stored_survey_row({"Response date": date(2021, 7, 1) + timedelta(days=i)}) for i in range(12)]
    finance = [wb.finance_row({"Invoice ref": f"INV-{i}", "Amount": 100 + i}) for i in range(12)]
    first = wb.run_import(seeded, "first.xlsx", wb.xlsx(wb.quarterly_return(people, survey, finance, "CON-1")))
    assert first.plan.ok, first.plan.errors[:3]
    revised = [dict(row) for row in people[:-20]]  # twenty rows no longer in the return: flagged
    for row in revised[::10]:
        row["Delivered by"] = "Another mentor"
    for row in revised[1::15]:  # the same keys spelt otherwise
        row["Participant ID"] = row["Participant ID"].strip().lower() + "  "
        row["Package ID"] = row["Package ID"].upper()
    for row in revised[2::25]:
        row["Days delivered"] = 4.001  # to the penny as stored: unchanged
    survey[3]["Confidence"] = 2
    finance[4]["Amount"] = 999
    second = wb.run_import(seeded, "second.xlsx", wb.xlsx(wb.quarterly_return(revised, survey, finance, "CON-1")))
    assert second.plan.ok and second.plan.totals()["updated"] >= 20, second.plan.errors[:3]
    third = wb.run_import(seeded, "third.xlsx", wb.xlsx(wb.quarterly_return(people, survey, finance, "CON-1")))
    assert third.plan.ok and third.plan.totals()["updated"] >= 20  # the flagged rows are back
    assert len(compared) == 9 and sum(compared) > 600


@pytest.mark.parametrize("case", ["a row twice", "clean random"])
def test_keys_kept_with_a_sheets_plan_are_its_rows_keys(seeded, small_thresholds, monkeypatch, case):
    """Each sheet's row keys are worked out once (validation, then duplicates) and used again when
    its changes are worked out: they must be the keys of the rows as they are then."""
    checked: list[int] = []
    original = planner.work_out_changes

    def checking(session, plan):
        for sheet in plan.sheets:
            assert changes.sheet_keys(sheet) == changes.file_keys(sheet.rows, sheet.sheet_kind.key)
            checked.append(len(sheet.rows))
        original(session, plan)

    monkeypatch.setattr(planner, "work_out_changes", checking)
    # valid rows only; an identical row twice is counted once (the rows kept, then their keys)
    rows = _clean_random(200, 5) if case == "clean random" else _people(40) + [dict(_people(40)[7])]
    survey = [wb.stored_survey_row({"Response date": date(2021, 7, 1) + timedelta(days=i)}) for i in range(12)]
    data = wb.xlsx(wb.quarterly_return(rows, survey, None, "CON-1"))
    for name in ("first.xlsx", "again.xlsx"):  # new rows, then the same rows stored
        outcome = wb.run_import(seeded, name, data)
        assert outcome.plan.ok, outcome.plan.errors[:3]
    assert len(checked) == 4 and all(checked)


def test_stored_rows_fetched_while_reading_are_taken_only_when_they_are_the_rows_needed(
    seeded, small_thresholds, monkeypatch
):
    """On SQLite the stored rows of the contracts a long table's first rows are for are fetched while
    fastexcel reads it (``planner._fetch_ahead``). A return whose later rows are for another contract
    needs rows not fetched: they are asked for then, and the plan is the row-by-row read's either way."""
    fetched: list[frozenset[int]] = []
    original = changes.fetch_stored_ahead

    def recording(session, plan, kind, contract_ids):
        fetched.append(contract_ids)
        original(session, plan, kind, contract_ids)

    monkeypatch.setattr(planner, "fetch_stored_ahead", recording)
    first = _people(30) + _people(30, package="OTHER", **{"Contract reference": "CON-2"})
    assert wb.run_import(seeded, "first.xlsx", wb.xlsx(wb.quarterly_return(engagements=first))).plan.ok
    with Session(seeded) as session:
        ids = dict(session.execute(select(models.Contract.reference, models.Contract.id)).tuples().all())
    one_contract = [dict(row) for row in first[:30]]
    one_contract[4]["Days delivered"] = 11
    both = [dict(row) for row in first]
    both[40]["Days delivered"] = 11  # a row of CON-2, below the rows read first
    fetched.clear()
    for name, rows in (("one.xlsx", one_contract), ("both.xlsx", both)):
        plan = _assert_same(seeded, name, wb.xlsx(wb.quarterly_return(engagements=rows)))
        assert [row[2] for row in plan["sheets"][0][7]].count(RowAction.UPDATE) == 1
    postgres = seeded.dialect.name == "postgresql"  # there the import locks come before any stored row is read
    assert fetched == ([] if postgres else [frozenset({ids["CON-1"]}), frozenset({ids["CON-1"]})])
