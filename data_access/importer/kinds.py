"""The kinds of sheet the importer reads: one ``SheetKind`` each, in the order they are imported.

A kind says everything the importer knows about its sheets: the columns it reads (its schema), the
table its rows go into (its model), the key that identifies a row (the model's unique constraint),
the validator that checks its rows, and what it means when a stored row is missing from a later file.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import UniqueConstraint

from data_access import models
from data_access.importer import cells, schemas, validate
from data_access.importer.report import SheetPlan
from data_access.importer.schemas import SheetSchema

if TYPE_CHECKING:
    from data_access.importer.locate import Located

# A validator checks a located sheet's rows against the database and the rest of the file (``Context``),
# given the contract a labelled cell names (or None), and adds each valid row to the sheet's plan.
Validator = Callable[[validate.Context, "Located", SheetPlan, "str | None"], None]


class MissingRows(enum.Enum):
    """What a stored row of a contract means when a later file of its kind no longer has it."""

    LEFT_AS_THEY_ARE = "left as they are"  # a register or an LA status file may hold only some rows
    # A quarterly return is cumulative (each holds every row so far): the row is kept, and flagged.
    CUMULATIVE = "cumulative"
    # A pricing schedule is the contract's whole schedule: a heading, year or role taken out of a
    # revised schedule is removed, and flagged.
    REPLACED = "replaced"


# key field -> the column of the sheet it is read from
KEY_COLUMNS = {"contract_id": "contract_reference", "la_code": "la"}


def unique_key(model: type[models.Base]) -> tuple[str, ...]:
    """The fields that identify a stored row: those of the model's unique constraint."""
    (constraint,) = (item for item in model.__table__.constraints if isinstance(item, UniqueConstraint))
    return tuple(column.name for column in constraint.columns)


@dataclass(frozen=True, eq=False)
class SheetKind:
    schema: SheetSchema  # Part A's declares no columns: one column per financial year, read by its validator
    model: type[models.Base]
    validate: Validator
    missing: MissingRows = MissingRows.LEFT_AS_THEY_ARE

    @property
    def name(self) -> str:
        """As the import summary stores it, e.g. "engagements"."""
        return self.schema.kind

    @cached_property
    def key(self) -> tuple[str, ...]:
        return unique_key(self.model)

    @property
    def title(self) -> str:
        """As users call the sheet."""
        return self.schema.title

    @property
    def workbook_kind(self) -> str:
        return self.schema.workbook_kind

    @property
    def order(self) -> int:
        """Its place in the order of import: what later sheets refer to comes first."""
        return KINDS.index(self)

    @property
    def key_headers(self) -> tuple[str, ...]:
        """The headers of the sheet's columns that its key is read from."""
        fields = {column.field: column.header for column in self.schema.columns}
        return tuple(fields[name] for field in self.key if (name := KEY_COLUMNS.get(field, field)) in fields)

    def __repr__(self) -> str:
        return f"SheetKind({self.name})"


CONTRACTS = SheetKind(schemas.CONTRACTS, models.Contract, validate.validate_contracts)
MILESTONES = SheetKind(schemas.MILESTONES, models.Milestone, validate.validate_milestones)
LA_STATUS = SheetKind(schemas.LA_STATUS, models.LAStatus, validate.validate_la_status)
ALLOCATIONS = SheetKind(schemas.PART_A, models.Allocation, validate.validate_part_a, MissingRows.REPLACED)
DAY_RATES = SheetKind(schemas.PART_B, models.DayRate, validate.validate_day_rates, MissingRows.REPLACED)
ENGAGEMENTS = SheetKind(schemas.ENGAGEMENTS, models.Engagement, validate.validate_engagements, MissingRows.CUMULATIVE)
SURVEY = SheetKind(schemas.SURVEY, models.SurveyResponse, validate.validate_survey, MissingRows.CUMULATIVE)
FINANCE = SheetKind(schemas.FINANCE, models.InvoiceLine, validate.validate_finance, MissingRows.CUMULATIVE)

# The order sheets are imported in: what later sheets refer to comes first.
KINDS: tuple[SheetKind, ...] = (CONTRACTS, MILESTONES, LA_STATUS, ALLOCATIONS, DAY_RATES, ENGAGEMENTS, SURVEY, FINANCE)
COLUMNED: tuple[SheetKind, ...] = tuple(kind for kind in KINDS if kind.schema.columns)  # all but Part A


def kind_named(sheet_name: str) -> SheetKind | None:
    """The kind whose sheets are called ``sheet_name`` (any case, spaces, plural), or None."""
    key = cells.normalise_sheet_name(sheet_name)
    return next((kind for kind in KINDS if key in kind.schema.names), None)


def kind_of(schema: SheetSchema) -> SheetKind:
    return next(kind for kind in COLUMNED if kind.schema is schema)
