"""The spreadsheet importer: safe reading, declared schemas, validation, all-or-nothing writes."""

from data_access.importer.importer import ImportPlan, Problem, apply_plan, import_order, plan_import, record_rejection

__all__ = ["ImportPlan", "Problem", "apply_plan", "import_order", "plan_import", "record_rejection"]
