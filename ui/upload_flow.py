"""The upload page's logic, without widgets: check files, show errors or a preview, confirm.

Nothing is written before Confirm: ``check_files`` only validates the files in
order (an invalid file is logged as rejected); ``confirm_files`` imports them
through ``data_access.services.import_together``, which validates again and
writes every file or none, in one transaction. Access is enforced in
``data_access.access``.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import PurePath
from typing import Any

import pandas as pd

from dashboard.access import Viewer
from dashboard.calendar import quarter_end, quarter_of
from dashboard.exports import neutralise
from dashboard.wording import counted, listed
from data_access import access
from data_access.importer import (
    CONTRACTS,
    HEADER_SEARCH_ROWS,
    FileRefused,
    ImportPlan,
    MissingRows,
    Problem,
    RowAction,
    SheetKind,
    check_file,
    header_keys,
    import_order,
    quarter_text,
    read_file,
)

log = logging.getLogger(__name__)

ERROR_COLUMNS = ["File", "Sheet", "Row", "Column", "Message"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_YELLOW = "FFFF00"


@dataclass(frozen=True)
class Upload:
    """One uploaded file, kept in ``st.session_state`` until Confirm."""

    name: str
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class FileCheck:
    upload: Upload
    plan: ImportPlan

    @property
    def ok(self) -> bool:
        return self.plan.ok


@dataclass
class ConfirmResult:
    name: str
    import_id: int | None
    plan: ImportPlan
    errors: list[Problem] = field(default_factory=list)


def signature(uploads: Iterable[Upload], contract: str | None) -> tuple:
    """What identifies one set of uploads (to check each set once)."""
    return tuple((upload.name, upload.sha256) for upload in uploads) + (contract or "",)


def in_import_order(uploads: list[Upload]) -> list[Upload]:
    """The files to check and import, each once (a file chosen twice, same name and bytes, is
    taken once), in the order what later files refer to comes first: registers, LA status,
    pricing schedules, then returns (``importer.import_order``)."""
    once: dict[tuple[str, str], Upload] = {}
    for upload in uploads:
        once.setdefault((upload.name, upload.sha256), upload)
    distinct = list(once.values())
    return [distinct[index] for index in import_order([(upload.name, upload.data) for upload in distinct])]


def check_files(engine, viewer: Viewer, uploads: list[Upload], contract: str | None = None) -> list[FileCheck]:
    """Validate the files in order, each against the data as the files before it would leave it
    (nothing written but the record of a rejected file)."""
    plans = access.check_uploads(engine, viewer, [(upload.name, upload.data) for upload in uploads], contract)
    return [FileCheck(upload, plan) for upload, plan in zip(uploads, plans)]


def confirm_files(
    engine, viewer: Viewer, uploads: list[Upload], contract: str | None = None, quarter: str | None = None
) -> list[ConfirmResult]:
    """Import the files in order, all or nothing, in one transaction (validated again); ``quarter``
    is the reporting quarter of the returns that do not state one."""
    outcomes = access.confirm_uploads(
        engine, viewer, [(upload.name, upload.data) for upload in uploads], contract, quarter
    )
    return [
        ConfirmResult(upload.name, outcome.import_id, outcome.plan, list(outcome.plan.errors))
        for upload, outcome in zip(uploads, outcomes)
    ]


# --- Reporting quarter ------------------------------------------------------------------

QUARTERS_BACK = 8  # the quarter choice offers the quarters ended in the last two years, and the one under way


def is_return(plan: ImportPlan) -> bool:
    """A quarterly return: rows for Engagements, Survey or Finance (spreadsheets.md)."""
    return (
        bool(plan.return_contracts)
        or plan.reporting_quarter_end is not None
        or any(sheet.sheet_kind.missing is MissingRows.CUMULATIVE for sheet in plan.sheets)
    )


def quarter_choices(today: date, stated: Iterable[date] = ()) -> list[str]:
    """The reporting quarters to choose from, newest first: the quarter under way, the quarters
    ended in the last two years, and any a file states."""
    ends = set(stated)
    end = quarter_end_on(today)
    for _ in range(QUARTERS_BACK + 1):
        ends.add(end)
        end = date(end.year, end.month - 2, 1) - timedelta(days=1)  # the quarter before: its first day, less one
    return [quarter_text(end) for end in sorted(ends, reverse=True)]


def quarter_end_on(day: date) -> date:
    """The last day of the FY quarter ``day`` falls in."""
    return quarter_end(*quarter_of(day))


def stated_quarters(checks: Iterable[FileCheck]) -> dict[str, str]:
    """Each return's reporting quarter as its labelled cell states it, by file name."""
    return {
        check.upload.name: quarter_text(check.plan.reporting_quarter_end)
        for check in checks
        if is_return(check.plan) and check.plan.reporting_quarter_end is not None
    }


def returns_without_quarter(checks: Iterable[FileCheck]) -> list[str]:
    """The returns whose file states no reporting quarter (the page's choice then applies)."""
    return [check.upload.name for check in checks if is_return(check.plan) and check.plan.reporting_quarter_end is None]


# --- Errors ---------------------------------------------------------------------------


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """In reading order: file-level errors first, then by sheet (as the file orders them) and row."""
    problems = list(problems)
    sheets = list(dict.fromkeys(problem.sheet for problem in problems))
    return sorted(problems, key=lambda p: (bool(p.sheet), sheets.index(p.sheet), p.row or 0))


def error_rows(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    return [
        {"File": p.file, "Sheet": p.sheet, "Row": p.row, "Column": p.column, "Message": p.message} for p in problems
    ]


def flag_table(flags: Iterable[str]) -> pd.DataFrame:
    """A sheet's flags, one a row, numbered as listed."""
    flags = list(flags)
    return pd.DataFrame({"No.": range(1, len(flags) + 1), "Flag": flags})


def error_table(checks: Iterable[FileCheck]) -> pd.DataFrame:
    """Every error of every file: file, sheet, row (as Excel numbers it), column, message."""
    rows = [row for check in checks for row in error_rows(sorted_problems(check.plan.errors))]
    frame = pd.DataFrame(rows, columns=ERROR_COLUMNS)
    frame["Row"] = frame["Row"].astype("Int64")
    return frame


def _header_column(sheet, column: str, row: int | None) -> int | None:
    """1-based column whose header (above ``row``) matches ``column`` as the importer matches headers."""
    wanted = set(header_keys(column))
    if not wanted:
        return None
    last = min((row or HEADER_SEARCH_ROWS + 1) - 1, HEADER_SEARCH_ROWS)
    found = None
    for values in sheet.iter_rows(min_row=1, max_row=max(last, 1), values_only=False):
        for cell in values:
            if wanted & set(header_keys(cell.value)):
                found = cell.column
    return found


def _closest_cell(sheet, column: str, row: int) -> int:
    """For an error on a row with no header of that name above it (a required column missing from
    the header row): the 1-based column of the cell in that row nearest in spelling to the header
    expected (``Confidance`` for ``Confidence``), else the row's first cell."""
    wanted = header_keys(column)
    keyed = {
        key: cell.column
        for cell in next(sheet.iter_rows(min_row=row, max_row=row), ())
        for key in header_keys(cell.value)
    }
    close = difflib.get_close_matches(wanted[0], list(keyed), n=1, cutoff=0.75) if wanted else []
    return keyed[close[0]] if close else 1


def _csv_workbook(name: str, data: bytes):
    """A CSV as a one-sheet workbook named as the importer names it (the file's stem)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    read = read_file(name, data).sheets[0]
    sheet.title = read.name[:31]
    for row in read.rows:
        sheet.append([neutralise(value) if isinstance(value, str) else value for value in row])
    return book


def points_at_cells(problems: Iterable[Problem]) -> bool:
    """Whether any error names a sheet and row: the cells ``annotated_copy`` highlights."""
    return any(problem.sheet and problem.row for problem in problems)


# openpyxl takes about 2 s and 50 times the file's size in memory per 100 KB of workbook: beyond this
# the file is not copied (its errors come as a workbook of their own), so one download is bounded.
HIGHLIGHT_LIMIT_BYTES = 250_000


def _too_large_to_copy(data: bytes) -> bool:
    return len(data) > HIGHLIGHT_LIMIT_BYTES


def error_workbook_label(name: str, data: bytes, problems: list[Problem]) -> str:
    """What the download of ``error_workbook`` is called: a copy with highlights, or the errors alone (and why)."""
    if not points_at_cells(problems):
        return f"Download the errors of {name} as a workbook"
    if _too_large_to_copy(data):
        return (
            f"Download the errors of {name} as a workbook (the file is too large, over "
            f"{HIGHLIGHT_LIMIT_BYTES // 1000:,} KB, to copy with the bad cells highlighted)"
        )
    return f"Download {name} with the bad cells highlighted"


def error_workbook(name: str, data: bytes, problems: list[Problem]) -> bytes:
    """The workbook the upload page hands over when its button is pressed (never while the page runs):
    ``annotated_copy``, with the file's cells copied only when it is within ``HIGHLIGHT_LIMIT_BYTES``."""
    return annotated_copy(name, data, problems, copy_cells=not _too_large_to_copy(data))


def annotated_copy(name: str, data: bytes, problems: list[Problem], copy_cells: bool = True) -> bytes:
    """A copy of the uploaded file with every bad cell filled yellow and commented, plus an
    ``Errors`` sheet listing every error. Files refused before reading (or not copied:
    ``copy_cells=False``) get the list alone."""
    from openpyxl import Workbook, load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    book = None
    try:
        if copy_cells:
            check_file(name, data)
            if PurePath(name).suffix.lower() == ".csv":
                book = _csv_workbook(name, data)
            else:
                book = load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
    except FileRefused:
        book = None
    except Exception:  # a file openpyxl cannot open: the list alone
        log.warning("could not copy %s for error highlighting", name, exc_info=True)
        book = None
    if book is None:
        book = Workbook()
        book.remove(book.active)
    fill = PatternFill("solid", fgColor=_YELLOW)
    notes: dict[tuple[str, int, int], list[str]] = {}
    for problem in problems:
        if book is None or problem.sheet not in book.sheetnames or not problem.row:
            continue
        sheet = book[problem.sheet]
        column = _header_column(sheet, problem.column, problem.row) or _closest_cell(sheet, problem.column, problem.row)
        notes.setdefault((problem.sheet, problem.row, column), []).append(
            (f"{problem.column}: " if problem.column else "") + problem.message
        )
    for (sheet_name, row, column), messages in notes.items():
        cell = book[sheet_name].cell(row, column)
        cell.fill = fill
        comment = Comment("\n".join(messages)[:30000], "Improvement Oversight")
        comment.width, comment.height = 320, 120
        cell.comment = comment
    if "Errors" in book.sheetnames:
        del book["Errors"]
    errors = book.create_sheet("Errors", 0)
    errors.append(ERROR_COLUMNS)
    for cell in errors[1]:
        cell.font = Font(bold=True)
    for row in error_rows(sorted_problems(problems)):
        errors.append([neutralise(value) if isinstance(value, str) else value for value in row.values()])
    for letter, width in zip("ABCDE", (30, 18, 8, 24, 100)):
        errors.column_dimensions[letter].width = width
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def errors_file_name(name: str) -> str:
    return f"{PurePath(name).stem}-errors.xlsx"


# --- Preview ------------------------------------------------------------------------

_EXTRA_LABELS = {
    "contract_id": "Contract",
    "la_code": "LA",
    "effective_date": "Effective date",
    "source": "Source",
    "financial_year": "Financial year",
    "quarter": "Quarter",
    "heading": "Expenditure heading",
    "amount": "Amount",
    "missing_from_latest_return": "Missing from latest return",
    "source_file": "Source file",
    "source_row": "Source row",
}
_HIDDEN = {"source", "source_file", "source_row", "import_id"}


def _labels(kind: SheetKind) -> dict[str, str]:
    labels = dict(_EXTRA_LABELS)
    labels.update({column.field: column.header for column in kind.schema.columns})
    if kind is CONTRACTS:
        labels["reference"] = "Contract reference"
    return labels


def _shown(value: Any, contracts: dict[int, str], name: str, la_names: dict[str, str] | None = None) -> Any:
    if name == "contract_id" and isinstance(value, int):
        return contracts.get(value, value)
    if name == "la_code" and la_names and value in la_names:  # "Dudley (E08000027)", not a bare code
        return f"{la_names[value]} ({value})"
    if isinstance(value, Decimal):  # 6 days, not 6.0 beside a 7 from another row
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def _frame(
    rows: list[dict[str, Any]],
    labels: dict[str, str],
    contracts: dict[int, str],
    la_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    shown = [
        {
            labels.get(name, name): _shown(value, contracts, name, la_names)
            for name, value in row.items()
            if name not in _HIDDEN
        }
        for row in rows
    ]
    return pd.DataFrame(shown).astype(object) if shown else pd.DataFrame()


@dataclass
class SheetPreview:
    sheet: str
    title: str
    inserted: pd.DataFrame
    updated: pd.DataFrame  # one row per changed value: row, key, column, before, after
    unchanged: int
    skipped: int
    vanished: pd.DataFrame
    removed: pd.DataFrame
    flags: list[str]
    kind: SheetKind

    @cached_property
    def flag_table(self) -> pd.DataFrame:
        """The sheet's flags as ``flag_table`` lists them (made once: a preview is kept between runs)."""
        return flag_table(self.flags)

    @property
    def counts(self) -> dict[str, int]:
        """What the sheet does, in numbers: rows missing from a return are kept, rows missing from a
        revised pricing schedule are removed; each count is shown for the sheets it can happen to."""
        counts = {
            "New rows": len(self.inserted),
            "Updated rows": self.updated["Row"].nunique() if not self.updated.empty else 0,
            "Unchanged": self.unchanged,
            "Skipped (blank or totals)": self.skipped,
        }
        if self.kind.missing is MissingRows.CUMULATIVE:
            counts["No longer in this return (kept, flagged)"] = len(self.vanished)
        if self.kind.missing is MissingRows.REPLACED:
            counts["Removed (no longer in the pricing schedule)"] = len(self.removed)
        return counts | {"Flags": len(self.flags)}


def _key_text(values: dict[str, Any], kind: SheetKind, contracts: dict[int, str]) -> str:
    return ", ".join(str(_shown(values.get(name), contracts, name)) for name in kind.key)


def preview(plan: ImportPlan, contracts: dict[int, str], la_names: dict[str, str] | None = None) -> list[SheetPreview]:
    """Per sheet: new rows, updated rows (before and after), unchanged, vanished and removed rows, flags;
    an LA shown by its name and code (``la_names``: code -> name)."""
    previews = []
    for sheet in plan.sheets:
        labels = _labels(sheet.sheet_kind)
        inserted = _frame(
            [{"Row": row.row, **row.values} for row in sheet.rows if row.action is RowAction.INSERT],
            labels,
            contracts,
            la_names,
        )
        changes = []
        for row in sheet.rows:
            if row.action is not RowAction.UPDATE:
                continue
            for name, before in (row.before or {}).items():
                after = row.values.get(name)
                if name in _HIDDEN or _shown(before, contracts, name) == _shown(after, contracts, name):
                    continue
                changes.append(
                    {
                        "Row": row.row,
                        "Key": _key_text(row.values, sheet.sheet_kind, contracts),
                        "Column": labels.get(name, name),
                        "Before": _shown(before, contracts, name, la_names),
                        "After": _shown(after, contracts, name, la_names),
                    }
                )
        updated = pd.DataFrame(changes, columns=["Row", "Key", "Column", "Before", "After"]).astype(object)
        vanished = _frame(
            [{k: v for k, v in item.items() if k != "id"} for item in sheet.vanished], labels, contracts, la_names
        )
        removed = _frame(
            [{k: v for k, v in item.items() if k != "id"} for item in sheet.removed], labels, contracts, la_names
        )
        previews.append(
            SheetPreview(
                sheet.sheet,
                sheet.title,
                inserted,
                updated,
                sheet.count(RowAction.UNCHANGED),
                sheet.skipped,
                vanished,
                removed,
                list(sheet.flags),
                sheet.sheet_kind,
            )
        )
    return previews


_LEFT_OUT_NOUNS = {"engagements": "engagement", "survey": "survey response", "finance": "invoice line"}


def left_out_warning(plan: ImportPlan) -> str | None:
    """What to tell a user whose return would mark rows "no longer in this return" (None when
    none): "Quarterly returns are cumulative ... keeps, and flags, rows that have dropped out of
    it" (docs/spreadsheets.md), so rows left out are more likely a partial file than a change."""
    counts: dict[str, int] = {}
    for sheet in plan.sheets:
        if sheet.vanished:
            counts[sheet.kind] = counts.get(sheet.kind, 0) + len(sheet.vanished)
    if not counts:
        return None
    parts = [counted(number, _LEFT_OUT_NOUNS.get(kind, kind)) for kind, number in counts.items()]
    return (
        f"Check that {plan.file_name} is the full return, not part of it, before you confirm. It leaves out "
        f"rows earlier returns had: importing it marks {listed(parts)} as no longer in this return. Each return "
        "holds every row so far, so these rows are kept and flagged, not deleted."
    )


def summary_line(plan: ImportPlan) -> str:
    totals, removed = plan.totals(), sum(len(sheet.removed) for sheet in plan.sheets)
    return (
        f"{plan.file_name}: {plan.kind}; {totals['inserted']} new, {totals['updated']} updated, "
        f"{totals['unchanged']} unchanged, {totals['skipped']} skipped, {totals['flags']} flags"
        + (f", {removed} removed (no longer in the pricing schedule)" if removed else "")
    )
