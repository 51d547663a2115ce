"""Test workbooks built in code: the four kinds of spreadsheets.md, messy on request.

A sheet is a ``SheetSpec``: rows of ``{header: value}`` (headers as spreadsheets.md
spells them) plus options for what real workbooks do: title/notes rows above the
header (``above``), a cell labelled ``Contract reference`` (``contract_label``),
other header spellings (``headers``), another column order (``columns``), a
hidden sheet, another sheet name. A data row may also be a plain list, written
as-is (blank rows, totals rows). ``xlsx(...)`` writes sheets with openpyxl;
``csv_bytes(sheet)`` writes one sheet as CSV.

Cell values are written as given (``date``, numbers, text). ``Formula(text,
cached)`` writes a formula with ``cached`` as its saved value (None: saved with
no value, as openpyxl and some tools do); ``"#REF!"`` and the other Excel error
codes are written as real error cells.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904

OMIT = object()  # an override that leaves the column out of the row


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``cached`` is the value Excel saved with it (None: none saved)."""

    text: str  # without the leading '='
    cached: Any = None


@dataclass
class SheetSpec:
    name: str
    rows: list[dict[str, Any] | list[Any]]
    above: list[list[Any]] = field(default_factory=list)  # rows above the header
    contract_label: Any = None  # adds a row: "Contract reference" | value, above the header
    headers: dict[str, str] = field(default_factory=dict)  # header -> as written
    columns: list[str] | None = None  # column order (default: order of first appearance)
    hidden: bool = False
    hidden_rows: tuple[int, ...] = ()  # data rows (indexes into ``rows``) hidden in Excel

    def grid(self) -> list[list[Any]]:
        """The sheet as rows of cells, Excel row 1 first."""
        columns = self.columns if self.columns is not None else _column_order(self.rows)
        above = [list(row) for row in self.above]
        if self.contract_label is not None:
            above += [["Contract reference", self.contract_label], []]
        header = [self.headers.get(column, column) for column in columns]
        body = [row if isinstance(row, list) else [row.get(column) for column in columns] for row in self.rows]
        return above + [header] + body

    @property
    def header_row(self) -> int:
        """Excel row number of the header."""
        return len(self.above) + (2 if self.contract_label is not None else 0) + 1

    def excel_row(self, data_index: int) -> int:
        """Excel row number of ``rows[data_index]``."""
        return self.header_row + 1 + data_index


def _column_order(rows: list[dict[str, Any] | list[Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        if isinstance(row, dict):
            columns += [column for column in row if column not in columns]
    return columns


def with_options(sheet: SheetSpec, **options: Any) -> SheetSpec:
    return replace(sheet, **options)


# --- Rows with sensible defaults -----------------------------------------------------


def _row(defaults: dict[str, Any], overrides: dict[str, Any] | None, keywords: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` with ``overrides`` (by header) and ``keywords`` (``start_date`` -> ``Start date``)."""
    row = dict(defaults)
    by_lower = {key.lower(): key for key in row}
    changes = dict(overrides or {})
    for name, value in keywords.items():
        spaced = name.replace("_", " ")
        changes[by_lower.get(spaced.lower(), spaced[:1].upper() + spaced[1:])] = value
    for key, value in changes.items():
        key = by_lower.get(key.lower(), key)
        if value is OMIT:
            row.pop(key, None)
        else:
            row[key] = value
    return row


CONTRACT = "CON-1"
CONTRACT_START = date(2021, 4, 1)


def contract_row(overrides: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    return _row(
        {
            "Contract reference": CONTRACT,
            "Title": "Leadership development for councils",
            "Supplier": "Example Consulting Ltd",
            "Programme": "Leadership development",
            "Type": "Contract",
            "Start date": CONTRACT_START,
            "End date": date(2024, 3, 31),
            "Value": 1_000_000,
            "Day rate cap": 600,
            "Executive day rate cap": 800,
            "Minimum package days": 3,
            "Minimum LAs per year": 15,
            "KPI target": "75%",
            "Contract manager": "A Manager",
        },
        overrides,
        keywords,
    )


def milestone_row(overrides: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    return _row(
        {
            "Contract reference": CONTRACT,
            "Milestone": "Mobilisation complete",
            "Due date": date(2021, 6, 30),
            "Completed date": None,
        },
        overrides,
        keywords,
    )


def day_rate_row(overrides: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    return _row(
        {
            "Role": "Peer mentor",
            "Level": "Management",
            "Headcount": 10,
            "FTE": 2.5,
            "Number of days": 100,
            "Day rate": 550,
            "Total cost": 55_000,
        },
        overrides,
        keywords,
    )


def engagement_row(overrides: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    return _row(
        {
            "Contract reference": CONTRACT,
            "Package ID": "PKG-1",
            "LA": "Sefton",
            "Support type": "One-to-one",
            "Group type": None,
            "Participant ID": "P-1",
            "Role": "Lead Member",
            "Participant name": None,
            "Start date": date(2021, 6, 1),
            "End date": date(2021, 9, 30),
            "Days delivered": 5,
            "Delivered by": "Mentor A",
            "Focus": "CSC",
        },
        overrides,
        keywords,
    )


def survey_row(overrides: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    return _row(
        {
            "Contract reference": CONTRACT,
            "Package ID": "PKG-1",
            "Participant ID": "P-1",
            "Stage": "Baseline",
            "Response date": date(2021, 6, 2),
            "Confidence": 2,
            "Impact demonstrated": None,
            "Evidence": None,
        },
        overrides,
        keywords,
    )


def finance_row(overrides: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    return _row(
        {
            "Contract reference": CONTRACT,
            "Invoice reference": "INV-1",
            "Line": None,
            "Financial year": "2021-22",
            "Quarter": "Q1",
            "Expenditure heading": "Peer mentors",
            "Role": None,
            "Level": None,
            "Days": None,
            "Day rate": None,
            "Amount": 1000,
            "VAT": 200,
            "Invoice date": date(2021, 7, 15),
        },
        overrides,
        keywords,
    )


def la_status_row(overrides: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    return _row(
        {
            "LA": "Sefton",
            "ILACS judgement": "Good",
            "ILACS date": date(2022, 1, 10),
            "SEND WSoA": "No",
            "Declining performance": "No",
            "In intervention": "No",
            "Next review date": None,
        },
        overrides,
        keywords,
    )


# --- Sheets and workbooks --------------------------------------------------------------

HEADINGS = ("Peer mentors", "Programme management", "Travel and subsistence")
YEARS = ("2021-22", "2022-23", "2023-24")


def part_a_sheet(
    allocations: dict[str, list[Any]] | None = None,
    years: tuple[str, ...] | list[str] = YEARS,
    *,
    contract: Any = CONTRACT,
    name: str = "Part A",
    total_column: bool = True,
    totals_row: bool = True,
    above: list[list[Any]] | None = None,
) -> SheetSpec:
    """Part A: heading column, one column per FY (as ``years`` spell them), Total column and row."""
    allocations = (
        allocations
        if allocations is not None
        else {heading: [100_000 * (index + 1)] * len(years) for index, heading in enumerate(HEADINGS)}
    )
    header = ["Expenditure heading", *years] + (["Total"] if total_column else [])
    rows: list[list[Any]] = []
    for heading, amounts in allocations.items():
        numbers = [a for a in amounts if isinstance(a, (int, float))]
        rows.append([heading, *amounts] + ([sum(numbers)] if total_column else []))
    if totals_row:
        sums = [
            sum(a[i] for a in allocations.values() if i < len(a) and isinstance(a[i], (int, float)))
            for i in range(len(years))
        ]
        rows.append(["Total", *sums] + ([sum(sums)] if total_column else []))
    top = [["Pricing schedule Part A: allocations (GBP, ex VAT)"]] + (above or [])
    return SheetSpec(name, rows, above=top, contract_label=contract, columns=header)


def sheet(name: str, rows: list[dict[str, Any] | list[Any]], **options: Any) -> SheetSpec:
    return SheetSpec(name, rows, **options)


def register(
    contracts: list[dict[str, Any]] | None = None, milestones: list[dict[str, Any]] | None = None
) -> list[SheetSpec]:
    sheets = [SheetSpec("Contracts", contracts if contracts is not None else [contract_row()])]
    if milestones is not None:
        sheets.append(SheetSpec("Milestones", milestones))
    return sheets


def pricing_schedule(
    part_a: SheetSpec | None = None, day_rates: list[dict[str, Any]] | None = None, contract: Any = CONTRACT
) -> list[SheetSpec]:
    sheets = [part_a or part_a_sheet(contract=contract)]
    rates = (
        day_rates
        if day_rates is not None
        else [
            day_rate_row(),
            day_rate_row(Role="Programme director", Level="Executive", **{"Day rate": 750}),
        ]
    )
    sheets.append(SheetSpec("Part B", rates, contract_label=contract))
    return sheets


def quarterly_return(engagements=None, survey=None, finance=None, contract_label: Any = None) -> list[SheetSpec]:
    """The sheets given (any subset); each a list of rows."""
    sheets = []
    for name, rows in (("Engagements", engagements), ("Survey", survey), ("Finance", finance)):
        if rows is not None:
            sheets.append(SheetSpec(name, rows, contract_label=contract_label))
    return sheets


def la_status(rows: list[dict[str, Any]]) -> list[SheetSpec]:
    return [SheetSpec("LA status", rows)]


# --- Writing -------------------------------------------------------------------------------

_ERROR_CODES = {"#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"}
_SAVED_AT = datetime(2024, 4, 1, 9, 0, 0)  # every test workbook says it was saved then (see _same_bytes_each_time)


def xlsx(
    *sheets: SheetSpec | list[SheetSpec], extra_parts: dict[str, bytes] | None = None, date_1904: bool = False
) -> bytes:
    """An .xlsx workbook of ``sheets`` (lists of sheets are flattened), in that order; ``date_1904``:
    in the 1904 date system of older Mac Excel (dates are stored as days since 1 January 1904)."""
    flat = [item for entry in sheets for item in (entry if isinstance(entry, list) else [entry])]
    book = openpyxl.Workbook()
    book.remove(book.active)
    if date_1904:
        book.epoch = CALENDAR_MAC_1904
    cached: dict[int, dict[str, Any]] = {}  # sheet position -> cell ref -> cached value
    for position, spec in enumerate(flat):
        worksheet = book.create_sheet(spec.name)
        if spec.hidden:
            worksheet.sheet_state = "hidden"
        for index in spec.hidden_rows:
            worksheet.row_dimensions[spec.excel_row(index)].hidden = True
        for row_number, row in enumerate(spec.grid(), start=1):
            for column_number, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = worksheet.cell(row_number, column_number)
                if isinstance(value, Formula):
                    cell.value = f"={value.text}"
                    if value.cached is not None:
                        cached.setdefault(position, {})[f"{get_column_letter(column_number)}{row_number}"] = (
                            value.cached
                        )
                elif isinstance(value, str) and value in _ERROR_CODES:
                    cell.value = value  # openpyxl writes these as error cells (t="e")
                else:
                    cell.value = value
    buffer = io.BytesIO()
    book.properties.created = _SAVED_AT
    book.save(buffer)
    data = _same_bytes_each_time(buffer.getvalue())
    if cached:
        data = _with_cached_values(data, cached)
    if extra_parts:
        data = with_parts(data, extra_parts)
    return data


def _cached_cell(match: re.Match, values: dict[str, Any]) -> str:
    reference, formula = match.group(1), match.group(3)
    value = values[reference]
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><f>{formula}</f><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{reference}"><f>{formula}</f><v>{value}</v></c>'
    if value in _ERROR_CODES:
        return f'<c r="{reference}" t="e"><f>{formula}</f><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{reference}" t="str"><f>{formula}</f><v>{text}</v></c>'


def _with_cached_values(data: bytes, cached: dict[int, dict[str, Any]]) -> bytes:
    """Give formula cells the saved values Excel would have written (openpyxl writes none)."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for info in package.infolist():
            parts[info.filename] = package.read(info)
    for position, values in cached.items():
        name = f"xl/worksheets/sheet{position + 1}.xml"
        xml = parts[name].decode("utf-8")
        pattern = re.compile(r'<c r="([A-Z]+\d+)"([^>]*)><f>([^<]*)</f><v\s*/></c>')
        xml = pattern.sub(lambda m, values=values: _cached_cell(m, values) if m.group(1) in values else m.group(0), xml)
        parts[name] = xml.encode("utf-8")
    return _zip(parts)


def with_parts(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The package ``data`` with parts replaced, added or (value None) removed."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for info in package.infolist():
            parts[info.filename] = package.read(info)
    for name, content in changes.items():
        if content is None:
            parts.pop(name, None)
        else:
            parts[name] = content
    return _zip(parts)


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read(name)


def _same_bytes_each_time(data: bytes) -> bytes:
    """The workbook with openpyxl's save time replaced by a fixed one and every zip entry dated the same,
    so building one workbook twice gives the same bytes (the same file, by its SHA-256, to the importer)."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for info in package.infolist():
            parts[info.filename] = package.read(info)
    saved_at = _SAVED_AT.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    parts["docProps/core.xml"] = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rb"\g<1>" + saved_at + rb"\g<2>",
        parts["docProps/core.xml"],
    )
    return _zip(parts)


def _zip(parts: dict[str, bytes]) -> bytes:
    """A zip package of ``parts``, every entry dated ``_SAVED_AT`` (not the time it was built)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(zipfile.ZipInfo(name, date_time=_SAVED_AT.timetuple()[:6]), content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def csv_bytes(spec: SheetSpec, encoding: str = "utf-8") -> bytes:
    """One sheet as CSV (dates written dd/mm/yyyy, as Excel saves them for UK users)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in spec.grid():
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode(encoding)


# --- Databases for the import tests ----------------------------------------------------

STORED_PACKAGE, STORED_PARTICIPANT = "PKG-STORED", "P-STORED"
DATA_TABLES = (
    "contracts",
    "milestones",
    "allocations",
    "day_rates",
    "engagements",
    "survey_responses",
    "invoice_lines",
    "la_status",
    "row_changes",
)


def run_import(
    engine,
    name: str,
    workbook: bytes | list,
    contract: str | None = None,
    dry_run: bool = False,
    quarter: str | None = None,
):
    """Import through the service the CLI and pages use; returns the ImportOutcome."""
    from data_access.services import import_file

    data = workbook if isinstance(workbook, bytes) else xlsx(*workbook)
    return import_file(engine, name, data, "tests", contract, dry_run, quarter=quarter)


def import_ok(
    engine,
    name: str,
    workbook: bytes | list,
    contract: str | None = None,
    dry_run: bool = False,
    quarter: str | None = None,
):
    outcome = run_import(engine, name, workbook, contract, dry_run, quarter)
    assert outcome.plan.ok, "\n".join(str(problem) for problem in outcome.plan.errors)
    return outcome.plan


def seed(engine) -> None:
    """Two contracts (CON-1: caps 600/800; CON-2: cap 600, no executive cap), CON-1's
    pricing schedule, and one stored engagement (PKG-STORED / P-STORED) of CON-1."""
    import_ok(
        engine,
        "register.xlsx",
        register(
            [
                contract_row(),
                contract_row(
                    {
                        "Contract reference": "CON-2",
                        "Title": "SEND sector-led improvement",
                        "Programme": "SEND sector-led improvement",
                        "Executive day rate cap": None,
                    }
                ),
            ]
        ),
    )
    import_ok(engine, "pricing.xlsx", pricing_schedule())
    import_ok(
        engine,
        "stored.xlsx",
        quarterly_return(
            engagements=[engagement_row({"Package ID": STORED_PACKAGE, "Participant ID": STORED_PARTICIPANT})]
        ),
    )


def stored_survey_row(overrides: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    """A survey row of the participant ``seed`` stores."""
    return survey_row(
        {"Package ID": STORED_PACKAGE, "Participant ID": STORED_PARTICIPANT, **(overrides or {})}, **keywords
    )


def one_row(kind: str, overrides: dict[str, Any]) -> list[SheetSpec]:
    """A one-row workbook of ``kind`` with ``overrides`` (header -> value)."""
    if kind == "engagements":
        return quarterly_return(engagements=[engagement_row(overrides)])
    if kind == "survey":
        return quarterly_return(survey=[stored_survey_row(overrides)])
    if kind == "finance":
        return quarterly_return(finance=[finance_row(overrides)])
    if kind == "la_status":
        return la_status([la_status_row(overrides)])
    if kind == "contracts":
        return register([contract_row({"Contract reference": "CON-NEW", **overrides})])
    if kind == "day_rates":
        return [SheetSpec("Part B", [day_rate_row(overrides)], contract_label=CONTRACT)]
    raise AssertionError(kind)


def table_counts(engine) -> dict[str, int]:
    from sqlalchemy import text

    with engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() for table in DATA_TABLES}


def shared_database(name: str):
    """A module-scoped seeded database per backend, for tests that only dry-run."""
    import pytest

    from data_access.db import ensure_database, make_engine
    from tests.conftest import BACKENDS, fresh_database_url

    @pytest.fixture(scope="module", params=BACKENDS)
    def fixture(request, tmp_path_factory):
        engine = make_engine(fresh_database_url(request.param, tmp_path_factory.mktemp(name), name=name))
        ensure_database(engine)
        seed(engine)
        yield engine
        engine.dispose()

    return fixture
