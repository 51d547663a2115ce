"""What an import reports: its plan (per sheet, per row, what importing would do) and its errors."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from dashboard.wording import listed

if TYPE_CHECKING:
    from data_access.importer.kinds import SheetKind


@dataclass(frozen=True)
class Problem:
    """One error line: ``FILE:SHEET:ROW:COLUMN: message`` (ROW as Excel numbers it)."""

    file: str
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.sheet}:{self.row or ''}:{self.column}: {self.message}"


class RowAction(enum.StrEnum):
    """What importing one row of a file does to the stored rows."""

    UNDECIDED = "undecided"  # validated; what it changes is not worked out yet
    INSERT = "insert"  # a new row
    UPDATE = "update"  # the stored row of its key, with other values
    UNCHANGED = "unchanged"  # the stored row of its key, as it is
    SUPERSEDED = "superseded"  # a later row of the file with the same key takes its place (LA status)


@dataclass(slots=True)
class RowPlan:
    """One row of a sheet, validated, with what importing it would do (slots: a large return has
    one per row, made and read faster so)."""

    row: int  # Excel row number
    values: dict[str, Any]  # model field -> value
    action: RowAction = RowAction.UNDECIDED
    existing_id: int | None = None
    before: dict[str, Any] | None = None


_action = attrgetter("action")


@dataclass
class SheetPlan:
    sheet: str
    sheet_kind: SheetKind
    rows: list[RowPlan] = field(default_factory=list)
    skipped: int = 0  # blank and totals rows
    vanished: list[dict[str, Any]] = field(default_factory=list)  # stored rows missing from this return
    removed: list[dict[str, Any]] = field(default_factory=list)  # stored rows a revised pricing schedule drops
    flags: list[str] = field(default_factory=list)
    # the rows' keys (``changes.sheet_keys``), worked out once: (the rows list they are of, its keys)
    row_keys: tuple[list[RowPlan], list[Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str:
        """The kind's name, as the import summary stores it: "engagements", "allocations" (Part A)."""
        return self.sheet_kind.name

    @property
    def title(self) -> str:
        return self.sheet_kind.title

    def count(self, action: RowAction) -> int:
        return self.counts()[action]

    def counts(self) -> Counter[RowAction]:
        """How many rows of each action, in one pass over the rows."""
        return Counter(map(_action, self.rows))


@dataclass
class ImportPlan:
    file_name: str
    sha256: str
    size_bytes: int
    kind: str = "unknown"
    contract_reference: str | None = None
    reporting_quarter_end: date | None = None  # a quarterly return's reporting quarter (its last day)
    return_contracts: list[str] = field(default_factory=list)  # the contracts a quarterly return's rows are for
    sheets: list[SheetPlan] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    # stored rows fetched while the file was read (``changes.fetch_stored_ahead``): kind -> (the
    # contract ids they are of, the rows as ``changes`` reads them)
    stored_ahead: dict[SheetKind, tuple[frozenset[int], list[Any]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def flags(self) -> list[str]:
        return [flag for sheet in self.sheets for flag in sheet.flags]

    @property
    def has_no_data(self) -> bool:
        """Valid, but no sheet has a data row under its headers (a blank template, say): importing it
        changes nothing."""
        return not any(sheet.rows or sheet.removed or sheet.vanished for sheet in self.sheets)

    def no_data_note(self) -> str:
        """What to tell a user whose file ``has_no_data``."""
        return (
            f"No data rows under the headers of {listed([sheet.sheet for sheet in self.sheets])}: importing this "
            "file changes nothing. Was the blank template chosen instead of the filled-in one?"
        )

    def totals(self) -> dict[str, int]:
        counts = [sheet.counts() for sheet in self.sheets]
        return {
            "inserted": sum(count[RowAction.INSERT] for count in counts),
            "updated": sum(count[RowAction.UPDATE] for count in counts),
            "unchanged": sum(count[RowAction.UNCHANGED] for count in counts),
            "skipped": sum(sheet.skipped for sheet in self.sheets),
            "flags": len(self.flags),
        }


def summary_of(plan: ImportPlan) -> dict[str, Any]:
    """What the import did, per sheet, in plain data (stored with the import record)."""
    return {
        "sheets": [
            {
                "sheet": sheet.sheet,
                "kind": sheet.kind,
                "inserted": counts[RowAction.INSERT],
                "updated": counts[RowAction.UPDATE],
                "unchanged": counts[RowAction.UNCHANGED],
                "skipped": sheet.skipped,
                "flags": len(sheet.flags),
                "vanished": len(sheet.vanished),
                "removed": len(sheet.removed),
            }
            for sheet, counts in ((sheet, sheet.counts()) for sheet in plan.sheets)
        ],
        "ignored_sheets": plan.ignored_sheets,
        "flags": plan.flags[:500],
        "return_contracts": plan.return_contracts,
    }
