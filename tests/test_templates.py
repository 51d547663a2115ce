"""Blank templates come from the declared schemas, carry drop-downs and formats, and import once filled in."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy.orm import Session

from data_access import templates
from data_access.importer import schemas
from data_access.services import import_file
from tests import workbooks as wb


def _template(engine, kind, contract=None) -> openpyxl.Workbook:
    with Session(engine) as session:
        return openpyxl.load_workbook(io.BytesIO(templates.template_workbook(session, kind, contract)))


def _lists(book: openpyxl.Workbook, sheet_name: str) -> dict[str, list]:
    """Column header -> the drop-down values its validation offers."""
    sheet, lists = book[sheet_name], book[templates.LISTS_SHEET]
    headers = {cell.column_letter: cell.value for cell in sheet[templates.HEADER_ROW] if cell.value}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type != "list":
            continue
        _, cells = validation.formula1.split("!")
        first, last = cells.replace("$", "").split(":")
        values = [row[0].value for row in lists[f"{first}:{last}"]]
        for cell_range in validation.sqref.ranges:
            found[headers[cell_range.coord.split(":")[0].rstrip("0123456789")]] = values
    return found


def _fill(sheet, schema, rows: list[dict]) -> None:
    letters = templates.column_letters(schema)
    for offset, values in enumerate(rows):
        for field, value in values.items():
            sheet[f"{letters[field]}{templates.FIRST_DATA_ROW + offset}"] = value


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", templates.KINDS)
def test_headers_come_from_the_schemas_with_required_marked(engine, kind):
    book = _template(engine, kind)
    assert book.sheetnames[0] == templates.INSTRUCTIONS_SHEET
    assert book[templates.LISTS_SHEET].sheet_state == "hidden"
    for sheet_name, headers in templates.headers_of(kind).items():
        written = [cell.value for cell in book[sheet_name][templates.HEADER_ROW] if cell.value]
        assert written[: len(headers)] == headers
    for schema in templates.sheet_schemas(kind):
        written = [cell.value for cell in book[schema.title][templates.HEADER_ROW] if cell.value]
        assert [h.endswith(" *") for h in written] == [c.required for c in schema.columns]


def test_quarterly_return_drop_downs_and_formats(engine):
    book = _template(engine, "quarterly return")
    engagements = _lists(book, "Engagements")
    assert engagements["Support type *"] == ["One-to-one", "Group"]
    assert engagements["Role *"][:2] == ["Chief Executive", "Lead Member"] and "Other" in engagements["Role *"]
    assert engagements["Group type"][0] == "Cabinet" and engagements["Focus"] == ["CSC", "SEND", "Both"]
    assert {"Sefton", "Bristol, City of", "North Yorkshire"} <= set(engagements["LA *"])
    survey = _lists(book, "Survey")
    assert survey["Stage *"] == ["Baseline", "Follow-up"] and survey["Impact demonstrated"] == ["Yes", "No"]
    assert _lists(book, "Finance")["Quarter *"] == ["Q1", "Q2", "Q3", "Q4"]
    assert "Expenditure heading *" not in _lists(book, "Finance")  # no contract chosen: no heading list
    sheet = book["Engagements"]
    letters = templates.column_letters(schemas.ENGAGEMENTS)
    assert sheet.column_dimensions[letters["start_date"]].number_format == "dd/mm/yyyy"
    assert (
        book["Finance"].column_dimensions[templates.column_letters(schemas.FINANCE)["amount"]].number_format
        == templates.MONEY_FORMAT
    )
    checks = {v.type for v in book["Survey"].data_validations.dataValidation}
    assert {"list", "date", "whole"} <= checks


def test_other_drop_downs(engine):
    register, status = _template(engine, "contract register"), _template(engine, "LA status")
    assert _lists(register, "Contracts")["Type"] == ["Contract", "Grant", "Call-off"]
    assert _lists(status, "LA status")["ILACS judgement"] == [
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
        "Not inspected",
    ]
    assert _lists(status, "LA status")["In intervention"] == ["Yes", "No"]
    assert (
        register["Contracts"].column_dimensions[templates.column_letters(schemas.CONTRACTS)["kpi_target"]].number_format
        == "0%"
    )


def test_a_chosen_contract_fills_its_reference_headings_and_years(engine):
    outcome = import_file(engine, "register.xlsx", wb.xlsx(wb.register()), "t")
    assert outcome.plan.ok
    book = _template(engine, "pricing schedule", "con-1")
    assert book["Part A"]["B2"].value == "CON-1" and book["Part B"]["B2"].value == "CON-1"
    years = [cell.value for cell in book["Part A"][templates.HEADER_ROW]][1:]
    assert years == ["2021-22", "2022-23", "2023-24"]
    assert import_file(engine, "pricing.xlsx", wb.xlsx(wb.pricing_schedule()), "t").plan.ok
    finance = _lists(_template(engine, "quarterly return", "CON-1"), "Finance")
    assert finance["Expenditure heading *"] == list(wb.HEADINGS)
    assert finance["Financial year"] == ["2021-22", "2022-23", "2023-24"]
    with Session(engine) as session:
        with pytest.raises(LookupError):
            templates.template_workbook(session, "pricing schedule", "CON-404")
        with pytest.raises(ValueError):
            templates.template_workbook(session, "invoice", None)


def test_filled_in_templates_import(engine):
    register = _template(engine, "contract register")
    _fill(
        register["Contracts"],
        schemas.CONTRACTS,
        [
            {
                "reference": "CON-T",
                "title": "Template test",
                "supplier": "Example Ltd",
                "programme": "Leadership development",
                "contract_type": "Contract",
                "start_date": date(2021, 4, 1),
                "end_date": date(2023, 3, 31),
                "value": 250000,
                "day_rate_cap": 600,
                "kpi_target": 0.8,
                "min_las_per_year": 10,
            }
        ],
    )
    _fill(
        register["Milestones"],
        schemas.MILESTONES,
        [{"contract_reference": "CON-T", "name": "Mobilised", "due_date": date(2021, 6, 30)}],
    )
    done = import_file(engine, "register.xlsx", _save(register), "t")
    assert done.plan.ok, [str(p) for p in done.plan.errors]
    assert done.plan.totals()["inserted"] == 2 and done.plan.totals()["skipped"] == 0

    pricing = _template(engine, "pricing schedule", "CON-T")
    part_a = pricing["Part A"]
    for row, (heading, amounts) in enumerate(
        {"Mentors": [1000, 2000], "Travel": [100, 200]}.items(), start=templates.FIRST_DATA_ROW
    ):
        part_a.cell(row, 1, heading)
        for column, amount in enumerate(amounts, start=2):
            part_a.cell(row, column, amount)
    _fill(pricing["Part B"], schemas.PART_B, [{"role": "Mentor", "level": "Management", "day_rate": 550}])
    done = import_file(engine, "pricing.xlsx", _save(pricing), "t")
    assert done.plan.ok, [str(p) for p in done.plan.errors]
    assert done.plan.totals()["inserted"] == 5  # 2 headings x 2 years + 1 rate

    quarterly = _template(engine, "quarterly return", "CON-T")
    _fill(
        quarterly["Engagements"],
        schemas.ENGAGEMENTS,
        [
            {
                "package_id": "PKG-1",
                "la": "Sefton",
                "support_type": "One-to-one",
                "participant_id": "P-1",
                "role": "Lead Member",
                "start_date": date(2021, 6, 1),
                "days_delivered": 4,
                "focus": "CSC",
            }
        ],
    )
    _fill(
        quarterly["Survey"],
        schemas.SURVEY,
        [
            {
                "package_id": "PKG-1",
                "participant_id": "P-1",
                "stage": "Baseline",
                "response_date": date(2021, 6, 2),
                "confidence": 2,
            }
        ],
    )
    _fill(
        quarterly["Finance"],
        schemas.FINANCE,
        [
            {
                "invoice_ref": "INV-1",
                "financial_year": "2021-22",
                "quarter": "Q1",
                "heading": "Mentors",
                "amount": 900,
                "invoice_date": date(2021, 7, 10),
            }
        ],
    )
    done = import_file(engine, "return.xlsx", _save(quarterly), "t")
    assert done.plan.ok, [str(p) for p in done.plan.errors]
    assert done.plan.totals()["inserted"] == 3
    assert set(done.plan.ignored_sheets) == {"Instructions (not a sheet the importer reads)", "Lists (hidden)"}

    status = _template(engine, "LA status")
    _fill(
        status["LA status"],
        schemas.LA_STATUS,
        [
            {
                "la": "Knowsley",
                "ilacs_judgement": "Good",
                "ilacs_date": date(2022, 1, 10),
                "send_wsoa": "No",
                "declining": "No",
                "in_intervention": "Yes",
            }
        ],
    )
    done = import_file(engine, "status.xlsx", _save(status), "t")
    assert done.plan.ok, [str(p) for p in done.plan.errors]
    assert done.plan.totals()["inserted"] == 1


@pytest.mark.parametrize("kind", templates.KINDS)
def test_a_blank_template_is_valid_and_changes_nothing(engine, kind):
    with Session(engine) as session:
        data = templates.template_workbook(session, kind)
    outcome = import_file(engine, "blank.xlsx", data, "t", dry_run=True)
    if kind == "pricing schedule":  # Part A needs its contract: the one error says so
        assert [p.column for p in outcome.plan.errors] == ["Contract reference"]
        return
    assert outcome.plan.ok, [str(p) for p in outcome.plan.errors]
    assert outcome.plan.totals() == {"inserted": 0, "updated": 0, "unchanged": 0, "skipped": 0, "flags": 0}
