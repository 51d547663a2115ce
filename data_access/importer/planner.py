"""Planning one import: read a file, locate its sheets, validate every row, work out every change.

``plan_import`` runs the stages (``locate``, ``validate``, ``changes``) and writes nothing;
``write.apply_plan`` writes a valid plan.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any, overload

from sqlalchemy.orm import Session

from dashboard.wording import listed
from data_access.importer import cells, fast_read, kinds, schemas
from data_access.importer.changes import RowKey, drop_duplicates, fetch_stored_ahead, work_out_changes
from data_access.importer.kinds import MissingRows, SheetKind, kind_named
from data_access.importer.locate import HEADER_SEARCH_ROWS, Located, locate, table_header_row
from data_access.importer.reader import FileRefused, Sheet, read_file, sheet_names
from data_access.importer.report import ImportPlan, Problem, RowPlan, SheetPlan
from data_access.importer.validate import Context, labelled_contract, reporting_quarter


def registered(plan: ImportPlan) -> dict[str, str]:
    """The contracts a plan's Contracts sheets register, each with the plan's file name."""
    return {
        row.values["reference"]: plan.file_name
        for sheet in plan.sheets
        if sheet.sheet_kind is kinds.CONTRACTS
        for row in sheet.rows
        if isinstance(row.values.get("reference"), str)
    }


def import_order(files: Sequence[tuple[str, bytes]]) -> list[int]:
    """The order a batch of files is best imported in, as indexes into ``files``: what later files
    refer to comes first (contract registers, LA status, pricing schedules, then returns), each
    file placed by the first of its sheets, told by their names, in the kinds' order. Files of one
    kind keep the order given; a file with no sheet named as the importer names them comes last."""

    def rank(file: tuple[str, bytes]) -> int:
        named = [kind_named(name) for name in sheet_names(*file)]
        return min((kind.order for kind in named if kind), default=len(kinds.KINDS))

    return sorted(range(len(files)), key=lambda index: rank(files[index]))


def plan_import(
    session: Session,
    file_name: str,
    data: bytes,
    contract_option: str | None = None,
    refused_registers: Mapping[str, str] | None = None,
    quarter_option: str | None = None,
) -> ImportPlan:
    """Read and validate ``data``; work out every change. Writes nothing. ``refused_registers``:
    the contracts of registers refused earlier in the same batch, so that a file needing one
    is told which file to fix, not that its contract is unknown. ``quarter_option``: the
    reporting quarter of a return that states none (``--quarter``, the upload page's choice)."""
    file_name, contract_option = _storable(file_name), _storable(contract_option)
    plan = ImportPlan(file_name, hashlib.sha256(data).hexdigest(), len(data))
    context = Context(session, file_name, contract_option, refused_registers)
    try:
        workbook = fast_read.read_columnar(file_name, data, table_header_row, _fetch_ahead(context, plan)) or read_file(
            file_name, data
        )
    except FileRefused as error:
        plan.errors.append(Problem(file_name, "", None, "", str(error)))
        return plan

    located: list[Located] = []
    other_sheets: list[Sheet] = []  # visible sheets the importer does not read (e.g. a cover sheet)
    for sheet in workbook.sheets:
        if sheet.hidden:
            plan.ignored_sheets.append(f"{sheet.name} (hidden)")
            continue
        if all(cells.is_blank(value) for row in sheet.rows for value in row):  # a return may hold any subset
            plan.ignored_sheets.append(f"{sheet.name} (empty)")
            continue
        found = locate(sheet, file_name, context.errors)
        if found is None:
            if kind_named(sheet.name) is None:
                plan.ignored_sheets.append(f"{sheet.name} (not a sheet the importer reads)")
                other_sheets.append(sheet)
            continue
        located.append(found)
    if not located and not context.errors:
        plan.errors.append(
            Problem(
                file_name,
                "",
                None,
                "",
                "no sheet the importer reads was found: expected Contracts/Milestones, "
                "Part A/Part B, Engagements/Survey/Finance or LA status",
            )
        )
        return plan

    # "the workbook has it in a cell labelled Contract reference": above a table, or on another sheet
    labels = [labelled_contract(item.sheet, item.header_row, context.known_contract) for item in located]
    labels += [labelled_contract(sheet, HEADER_SEARCH_ROWS, context.known_contract) for sheet in other_sheets]
    label = next((found for found in labels if found), None)
    located.sort(key=lambda item: item.kind.order)
    keys_of_kind: dict[SheetKind, dict[RowKey, tuple[str, RowPlan]]] = defaultdict(dict)
    for item in located:
        sheet_plan = SheetPlan(item.sheet.name, item.kind)
        sheet_label = labelled_contract(item.sheet, item.header_row, context.known_contract) or label
        item.kind.validate(context, item, sheet_plan, sheet_label)
        drop_duplicates(context, sheet_plan, item.headers, keys_of_kind[item.kind])
        if flag := _hidden_rows_flag(item, sheet_plan.title):
            sheet_plan.flags.append(flag)
        plan.sheets.append(sheet_plan)

    contracts = [_contract_ids(sheet) for sheet in plan.sheets]  # each sheet's contract_id values, one pass each
    workbook_kinds = {item.kind.workbook_kind for item in located}
    plan.kind = workbook_kinds.pop() if len(workbook_kinds) == 1 else "mixed"
    returns = [(item.sheet, item.header_row) for item in located if item.kind.workbook_kind == schemas.QUARTERLY_RETURN]
    if returns:
        places = returns + [(sheet, HEADER_SEARCH_ROWS) for sheet in other_sheets]
        plan.reporting_quarter_end = reporting_quarter(context, places, quarter_option, plan)
        ids = set().union(
            *(
                contracts[index]
                for index, sheet in enumerate(plan.sheets)
                if sheet.sheet_kind.missing is MissingRows.CUMULATIVE
            )
        )
        plan.return_contracts = sorted(c.reference for c in context.contracts.values() if c.id in ids)
    # the import history names the file's contract: a chosen contract the rows did not take is not it
    plan.contract_reference = label or _only_contract(context, contracts) or contract_option
    _flag_contract_option_not_used(context, plan, contracts)
    # Errors in the order a person reads the workbook: sheet by sheet, row by row.
    sheet_order = {sheet.name: position for position, sheet in enumerate(workbook.sheets)}
    plan.errors.extend(
        sorted(context.errors, key=lambda problem: (sheet_order.get(problem.sheet, -1), problem.row or 0))
    )
    if plan.ok:
        work_out_changes(session, plan)
    return plan


def _fetch_ahead(context: Context, plan: ImportPlan) -> fast_read.WhileReading | None:
    """While fastexcel reads the long tables: fetch the stored rows their changes are worked out
    against (``changes.fetch_stored_ahead``), of the contracts their first rows are for (a return's
    rows are almost always all of one contract). Were a later row of another contract, the
    stored rows are asked for again when the changes are worked out. Not on PostgreSQL: there
    the contracts' import locks are taken before any stored row is read
    (``changes.lock_contracts``), and which contracts they are is known only once every row is."""
    if context.session.get_bind().dialect.name == "postgresql":
        return None

    def fetch(heads: list[tuple[str, list[list[Any]]]]) -> None:
        wanted: dict[SheetKind, set[int]] = defaultdict(set)
        for name, head in heads:
            found = locate(Sheet(name, False, head), context.file_name, [])
            if found is None or found.kind in (kinds.CONTRACTS, kinds.LA_STATUS):
                continue
            rows = head[found.header_row + 1 :]
            at = found.columns.get("contract_reference")
            named = [row[at] if at is not None and at < len(row) else None for row in rows]
            references = {reference for reference in named if isinstance(reference, str)}
            if len(references) < len(named):  # a row with no reference of its own: the file's contract
                label = labelled_contract(found.sheet, found.header_row, context.known_contract)
                references.add(label or context.contract_option or "")
            wanted[found.kind].update(c.id for reference in references if (c := context.contract(reference)))
        for kind, ids in wanted.items():
            if ids:
                fetch_stored_ahead(context.session, plan, kind, frozenset(ids))

    return fetch


def _hidden_rows_flag(item: Located, title: str) -> str | None:
    """Data in rows hidden in Excel is read like any other row, and said (docs/spreadsheets.md):
    nobody should import rows they cannot see without being told."""
    rows = item.sheet.rows
    hidden = sorted(
        number
        for number in item.sheet.hidden_rows
        if number > item.header_row + 1
        and number <= len(rows)
        and not all(cells.is_blank(value) for value in rows[number - 1])
    )
    if not hidden:
        return None
    shown = [str(number) for number in hidden[:10]] + ([f"{len(hidden) - 10} more"] if len(hidden) > 10 else [])
    if len(hidden) == 1:
        return (
            f"{title}: row {hidden[0]} is hidden in the workbook; it was read and imported like the other rows "
            "(unhide it in Excel to check it)"
        )
    return (
        f"{title}: rows {listed(shown)} are hidden in the workbook; they were read and imported like the other "
        "rows (unhide them in Excel to check them)"
    )


def _contract_ids(sheet: SheetPlan) -> set[object]:
    """The ``contract_id`` values of a sheet's rows (None for a row with none)."""
    return {values.get("contract_id") for values in map(_values_of, sheet.rows)}


_values_of = attrgetter("values")


def _flag_contract_option_not_used(context: Context, plan: ImportPlan, contracts: list[set[object]]) -> None:
    """The contract chosen when importing is only a default: a file that names its own contract (a
    labelled cell or a Contract reference column) is read as it says. When no row took the chosen
    contract, say so, so that a wrong file or a wrong choice (a mistyped reference too) does not
    pass unnoticed."""
    option = context.contract_option
    used = {
        contract for ids in contracts for contract in ids if isinstance(contract, int)
    }  # a contract new in this file has no id yet
    if not option or not used:
        return
    chosen = context.contract(option)
    if chosen is not None and chosen.id in used:
        return
    if chosen is None and context.known_contract(option):  # registered in this file: not stored yet
        return
    names = sorted(c.reference for c in context.contracts.values() if c.id in used)
    what = f"{chosen.reference}," if chosen is not None else f"{option}, which is not a known contract,"
    plan.sheets[0].flags.append(
        f"The contract chosen when importing, {what} was not used: the file names its own ({', '.join(names)})"
    )


@overload
def _storable(text: str) -> str: ...
@overload
def _storable(text: None) -> None: ...
def _storable(text: str | None) -> str | None:
    """Text a database column can hold, as the import history keeps file names and contract options:
    a NUL (which PostgreSQL refuses) is dropped, and what is not Unicode (an undecodable byte of a
    file name on the command line) becomes '?'."""
    if text is None:
        return None
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _only_contract(context: Context, contracts: list[set[object]]) -> str | None:
    """The contract every row of the file is for, when they are all for one (rows that carry their
    own Contract reference): the import history names it as it names a labelled one. ``contracts``:
    each sheet's ``contract_id`` values."""
    ids = set().union(*contracts)
    if len(ids) != 1:
        return None
    (only,) = ids
    return next((c.reference for c in context.contracts.values() if c.id == only), None)
