"""The spreadsheet importer: safe reading, declared schemas, validation, all-or-nothing writes.

One import runs in stages, one module each: ``reader`` (open the file safely), ``locate`` (which
sheets, of which kind, where their headers are), ``validate`` (every row), ``changes`` (keys,
duplicates, what each row would change) and ``write`` (inserts, updates, undo records, flags).
``kinds`` says what the importer knows about each kind of sheet. The rest of the app uses the names
below, not the stages' modules.
"""

from data_access.importer.cells import CellError, header_keys, key_part, parse_reporting_quarter
from data_access.importer.kinds import CONTRACTS, KINDS, MissingRows, SheetKind, unique_key
from data_access.importer.locate import HEADER_SEARCH_ROWS
from data_access.importer.planner import import_order, plan_import, registered
from data_access.importer.reader import FileRefused, check_file, read_file
from data_access.importer.report import ImportPlan, Problem, RowAction, RowPlan, SheetPlan
from data_access.importer.validate import quarter_text
from data_access.importer.write import apply_plan, record_rejection

__all__ = [
    "CONTRACTS",
    "HEADER_SEARCH_ROWS",
    "KINDS",
    "CellError",
    "FileRefused",
    "ImportPlan",
    "MissingRows",
    "Problem",
    "RowAction",
    "RowPlan",
    "SheetKind",
    "SheetPlan",
    "apply_plan",
    "check_file",
    "header_keys",
    "import_order",
    "key_part",
    "parse_reporting_quarter",
    "plan_import",
    "quarter_text",
    "read_file",
    "record_rejection",
    "registered",
    "unique_key",
]
