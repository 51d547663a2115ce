"""The spreadsheet importer: safe reading, declared schemas, validation, all-or-nothing writes."""

from data_access.importer.cells import key_part
from data_access.importer.importer import apply_plan, import_order, plan_import, record_rejection
from data_access.importer.kinds import unique_key
from data_access.importer.report import ImportPlan, Problem

__all__ = ["ImportPlan", "Problem", "apply_plan", "import_order", "key_part", "plan_import", "record_rejection",
           "unique_key"]
