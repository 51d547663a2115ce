"""Reading the database into the plain records the rules work on.

All SQL lives here (and in the importer). Each function takes a ``Session``
the caller owns, pushes filtering to the database, and returns records from
``dashboard.records``: the rules never see a model or a query.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import repeat
from types import MemberDescriptorType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Dialect, Numeric, Select, TypeDecorator, func, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session

from dashboard import records
from data_access import models

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True)
class Scope:
    """What a view is filtered to; ``None`` means everything."""

    contracts: tuple[str, ...] | None = None  # contract references
    la_codes: tuple[str, ...] | None = None
    region_codes: tuple[str, ...] | None = None


EVERYTHING = Scope()


def matches_ignoring_case(column: InstrumentedAttribute[str], values: Iterable[str]) -> ColumnElement[bool]:
    """``column`` is one of ``values``, ignoring case. lower() (on SQLite the Unicode one that
    ``db`` installs) runs once over the column's own table in an uncorrelated subquery, not once
    for every row a query joins to it."""
    matching = select(column).where(func.lower(column).in_([value.lower() for value in values]))
    return column.in_(matching.correlate(None))


def _rows(session: Session, query: Select[Any]) -> tuple[Sequence[Any], Sequence[Callable[[Any], Any] | None]]:
    """The rows of a select of plain columns as the driver's own tuples, and how to convert each
    column: run through SQLAlchemy (compiled, cached, parameters bound) and fetched in one go with
    the DBAPI cursor's ``fetchall``, with no ``Row`` per row and no per-row type processing.

    A column is converted only where the driver does not return the Python type itself (on SQLite:
    dates stored as text, numbers as floats, booleans as integers; psycopg returns them ready), by
    the column type's own result processor (``TypeEngine.result_processor``, what SQLAlchemy
    applies row by row); ``None`` for the others."""
    connection = session.connection()
    dialect = connection.dialect
    result = connection.execute(query)
    try:
        rows = result.cursor.fetchall()
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, description[1])
            for column, description in zip(query.selected_columns, result.cursor.description)
        ]
    finally:
        result.close()
    return rows, processors


class _Converted(dict[Any, Any]):
    """A column's values converted by ``process``, each distinct value once (most dates and
    numbers repeat). Equal stored values convert to equal values (SQLite keeps no negative zero in
    a numeric column and PostgreSQL's numeric has none), and converted values are immutable (dates,
    numbers, booleans), so records share them."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__()
        self.process = process

    def __missing__(self, value: Any) -> Any:
        converted = self[value] = self.process(value)
        return converted


def driver_rows(session: Session, query: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of a select of plain columns as plain tuples of Python values (``_rows``, each
    column converted where the driver needs it, each distinct value once)."""
    rows, processors = _rows(session, query)
    if not rows or not any(processors):
        return list(rows)
    columns = [
        column if process is None else list(map(_Converted(process).__getitem__, column))
        for process, column in zip(processors, zip(*rows))
    ]
    return list(zip(*columns))


Record = TypeVar("Record", bound="DataclassInstance")
_CHUNK = 1024  # records filled at a time: they stay in the processor's cache while each field is set


def _records(
    session: Session,
    record: type[Record],
    query: Select[Any],
    looked_up: Mapping[str, tuple[str, Mapping[Any, Any]]] | None = None,
) -> list[Record]:
    """One ``record`` per row of ``query``, whose columns are named as the record's fields (a
    column of another name is labelled), all of them and in the record's order: checked here, so
    a column can only fill the field of its name.

    ``looked_up``: field -> (column, mapping) for fields read through a mapping by a column's
    value (a contract's reference by the row's contract id, an LA's region by its code): the
    database sends a small number or a value it sends anyway, not a joined text per row, and
    records share the mapping's values. A field looked up by another column is not selected; a
    value the mapping does not hold is a ``KeyError`` (the foreign keys make it impossible).

    The records are built without their ``__init__``, 1,024 rows at a time and column by column:
    each is made empty (``object.__new__``), then each field set through its slot's own descriptor
    (what a frozen record's ``__init__`` does one field at a time through ``object.__setattr__``),
    at about 60 % of the cost. So every field must be a slot that ``__init__`` sets, and the record
    have no ``__post_init__``: checked here too."""
    looked_up = looked_up or {}
    columns = tuple(query.selected_columns.keys())
    fields = dataclasses.fields(record)
    names = tuple(field.name for field in fields)
    selected = tuple(name for name in names if looked_up.get(name, (name,))[0] == name)
    if columns != selected or not set(looked_up) <= set(names):
        raise TypeError(f"{record.__name__} is read from the columns {columns}, not its fields {selected}")
    slots = [vars(record).get(name) for name in names]
    setters = [slot.__set__ for slot in slots if isinstance(slot, MemberDescriptorType)]
    if len(setters) != len(names) or not all(field.init for field in fields) or hasattr(record, "__post_init__"):
        raise TypeError(f"{record.__name__} is not a dataclass with slots whose __init__ only sets its fields")
    rows, processors = _rows(session, query)
    lookups = [None if process is None else _Converted(process).__getitem__ for process in processors]
    # each field: its setter, the place of the column it is read from, and the mapping it is read through
    place = {name: index for index, name in enumerate(columns)}
    filled = [
        (set_field, place[looked_up[name][0]], looked_up[name][1].__getitem__)
        if name in looked_up
        else (set_field, place[name], None)
        for set_field, name in zip(setters, names)
    ]
    made: list[Record] = []
    for start in range(0, len(rows), _CHUNK):
        part = rows[start : start + _CHUNK]
        chunk: list[Record] = list(map(object.__new__, repeat(record, len(part))))
        values = [
            column if lookup is None else list(map(lookup, column)) for lookup, column in zip(lookups, zip(*part))
        ]
        for set_field, index, through in filled:
            column = values[index]
            deque(map(set_field, chunk, column if through is None else map(through, column)), maxlen=0)
        made += chunk
    return made


class _Float(TypeDecorator[float]):
    """A ``Numeric`` column read as a float: the driver's value made a ``Decimal`` by the column's
    own type (on SQLite rounded to the column's scale), then ``float``."""

    impl = Numeric
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> float | None:  # noqa: ARG002 (the signature SQLAlchemy calls)
        return None if value is None else float(value)


# --- Reference data -------------------------------------------------------------


def reference_las(session: Session) -> tuple[list[records.LocalAuthority], dict[str, list[str]]]:
    """Every LA record with its successors, and other spellings per code (for matching)."""
    rows = session.scalars(select(models.LocalAuthority).order_by(models.LocalAuthority.code)).all()
    las = [
        records.LocalAuthority(
            code=row.code,
            dfe_code=row.dfe_code,
            name=row.name,
            region_code=row.region_code,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            successor_codes=tuple(code for code in row.successor_codes.split(";") if code),
        )
        for row in rows
    ]
    other_names = {row.code: [name for name in row.other_names.split(";") if name] for row in rows}
    return las, other_names


def local_authorities(session: Session) -> list[records.LocalAuthority]:
    return reference_las(session)[0]


def regions(session: Session) -> dict[str, str]:
    """Region code -> name, in code order."""
    return dict(
        session.execute(select(models.Region.code, models.Region.name).order_by(models.Region.code)).tuples().all()
    )


def hex_positions(session: Session) -> dict[str, tuple[int, int]]:
    return {
        code: (q, r)
        for code, q, r in session.execute(
            select(models.HexPosition.la_code, models.HexPosition.q, models.HexPosition.r)
        )
    }


def la_statuses(session: Session, la_codes: Iterable[str] | None = None) -> list[records.LAStatus]:
    """Every status record (Ofsted ILACS history and imported LA status), oldest first."""
    query = select(models.LAStatus).order_by(
        models.LAStatus.la_code, models.LAStatus.effective_date, models.LAStatus.id
    )
    if la_codes is not None:
        query = query.where(models.LAStatus.la_code.in_(list(la_codes)))
    return [
        records.LAStatus(
            la_code=row.la_code,
            effective_date=row.effective_date,
            ilacs_judgement=row.ilacs_judgement,
            send_wsoa=row.send_wsoa,
            declining=row.declining,
            in_intervention=row.in_intervention,
            next_review_date=row.next_review_date,
            ilacs_date=row.ilacs_date,
        )
        for row in session.scalars(query)
    ]


def ilacs_judgements(session: Session) -> list[records.IlacsJudgement]:
    """Ofsted's published ILACS overall effectiveness judgements (the reference history, dated by
    publication), oldest first. LA status uploads are not part of it: they give no publication date."""
    from data_access.reference import OFSTED_SOURCE

    query = (
        select(
            models.LAStatus.la_code,
            models.LAStatus.ilacs_date.label("inspection_date"),
            models.LAStatus.effective_date.label("published"),
            models.LAStatus.ilacs_judgement.label("judgement"),
        )
        .where(models.LAStatus.source == OFSTED_SOURCE, models.LAStatus.ilacs_judgement.is_not(None))
        .order_by(models.LAStatus.effective_date, models.LAStatus.la_code, models.LAStatus.id)
    )
    return _records(session, records.IlacsJudgement, query)


def lait_measures(session: Session) -> list[records.Measure]:
    """The DfE LAIT outcome measures (reference data), by code."""
    return [
        records.Measure(
            code=m.code,
            topic=m.topic,
            name=m.name,
            polarity=m.polarity,
            unit=m.unit,
            year_type=m.year_type,
            description=m.description,
            source=m.source,
            decimal_places=m.decimal_places,
        )
        for m in session.scalars(select(models.LaitMeasure).order_by(models.LaitMeasure.code))
    ]


def lait_values(session: Session) -> list[records.IndicatorValue]:
    """Every LAIT value of every LA, region and England (about 57,000: read as plain rows)."""
    table = models.LaitValue.__table__
    query = select(
        table.c.measure_code.label("measure"), table.c.period, table.c.area_number, table.c.area_name, table.c.value
    )
    return _records(session, records.IndicatorValue, query)


def statistical_neighbours(session: Session) -> list[records.Neighbour]:
    table = models.StatisticalNeighbour.__table__
    query = select(
        table.c.la_number,
        table.c.rank,
        table.c.neighbour_la_number.label("neighbour_number"),
        table.c.neighbour_la_name.label("neighbour_name"),
        table.c.closeness,
    ).order_by(table.c.la_number, table.c.rank)
    return _records(session, records.Neighbour, query)


# --- Contracts ----------------------------------------------------------------------


def _terms(row: models.Contract) -> records.ContractTerms:
    return records.ContractTerms(
        reference=row.reference,
        title=row.title,
        supplier=row.supplier,
        programme=row.programme,
        contract_type=row.contract_type,
        start_date=row.start_date,
        end_date=row.end_date,
        extension_up_to=row.extension_up_to,
        break_date=row.break_date,
        value=row.value,
        day_rate_cap=row.day_rate_cap,
        executive_day_rate_cap=row.executive_day_rate_cap,
        min_package_days=float(row.min_package_days) if row.min_package_days is not None else None,
        min_las_per_year=row.min_las_per_year,
        kpi_target=row.kpi_target,
        overheads_cap=row.overheads_cap,
        rates_include_expenses=row.rates_include_expenses,
        extension_notice_months=row.extension_notice_months,
        contract_manager=row.contract_manager,
    )


def contracts(session: Session, scope: Scope = EVERYTHING) -> list[records.ContractTerms]:
    query = select(models.Contract).order_by(models.Contract.reference)
    if scope.contracts is not None:
        query = query.where(matches_ignoring_case(models.Contract.reference, scope.contracts))
    return [_terms(row) for row in session.scalars(query)]


def _contract_filter(query: Select[Any], model: type[models.Base], scope: Scope) -> Select[Any]:
    query = query.join(models.Contract, model.__table__.c.contract_id == models.Contract.id)
    if scope.contracts is not None:
        query = query.where(matches_ignoring_case(models.Contract.reference, scope.contracts))
    return query


def _in_scope_contracts(query: Select[Any], model: type[models.Base], scope: Scope) -> Select[Any]:
    """The rows of ``model`` of the scope's contracts: joined to the contracts only where the scope
    names some (records read their contract's reference by id, ``_references``)."""
    if scope.contracts is None:
        return query
    return _contract_filter(query, model, scope)


class _ReadWhenMissing(dict[Any, Any]):
    """A mapping read in one query before the rows that look values up in it; a key it does not
    hold is read on its own when a row asks for it. On PostgreSQL each statement sees what was
    committed when it started, so an import that registers a contract and commits between the two
    queries leaves rows whose contract the mapping has not read (the foreign keys make sure it
    exists)."""

    def __init__(self, session: Session, key: Any, value: Any) -> None:
        super().__init__(session.execute(select(key, value)).tuples().all())
        self._session, self._key, self._value = session, key, value

    def __missing__(self, missing: Any) -> Any:
        found = self[missing] = self._session.execute(select(self._value).where(self._key == missing)).scalar_one()
        return found


def _references(session: Session) -> Mapping[int, str]:
    """Contract id -> reference: the ``contract`` of every record read by the row's contract id
    (``_records``'s ``looked_up``; ``contract_id`` is a foreign key, so every row's is there)."""
    return _ReadWhenMissing(session, models.Contract.id, models.Contract.reference)


def _by_contract_id(session: Session) -> dict[str, tuple[str, Mapping[Any, Any]]]:
    """The ``contract`` field read through ``_references`` from a ``contract_id`` column labelled ``contract``."""
    return {"contract": ("contract", _references(session))}


def milestones(session: Session, scope: Scope = EVERYTHING) -> list[records.Milestone]:
    """Every milestone, by due date and name (then as entered: two contracts' milestones may share both)."""
    query = _in_scope_contracts(
        select(
            models.Milestone.contract_id.label("contract"),
            models.Milestone.name,
            models.Milestone.due_date,
            models.Milestone.completed_date,
        ),
        models.Milestone,
        scope,
    )
    query = query.order_by(models.Milestone.due_date, models.Milestone.name, models.Milestone.id)
    return _records(session, records.Milestone, query, _by_contract_id(session))


def allocations(session: Session, scope: Scope = EVERYTHING) -> list[records.Allocation]:
    query = _in_scope_contracts(
        select(
            models.Allocation.contract_id.label("contract"),
            models.Allocation.heading,
            models.Allocation.financial_year,
            models.Allocation.amount,
        ),
        models.Allocation,
        scope,
    )
    return _records(session, records.Allocation, query.order_by(models.Allocation.id), _by_contract_id(session))


def day_rates(session: Session, scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    query = _contract_filter(select(models.DayRate, models.Contract.reference), models.DayRate, scope)
    return [
        {
            "contract": reference,
            "role": row.role,
            "level": row.level,
            "day_rate": row.day_rate,
            "number_of_days": row.number_of_days,
            "total_cost": row.total_cost,
        }
        for row, reference in session.execute(query.order_by(models.DayRate.id))
    ]


def invoice_lines(session: Session, scope: Scope = EVERYTHING) -> list[records.InvoiceLine]:
    """Every invoice line."""
    line = models.InvoiceLine
    query = _in_scope_contracts(
        select(
            line.contract_id.label("contract"),
            line.invoice_ref,
            line.line,
            line.financial_year,
            line.quarter,
            line.heading,
            line.role,
            line.level,
            line.days,
            line.day_rate,
            line.amount,
            line.vat,
            line.invoice_date,
        ),
        line,
        scope,
    )
    return _records(session, records.InvoiceLine, query.order_by(line.id), _by_contract_id(session))


def invoice_sources(
    session: Session, scope: Scope = EVERYTHING
) -> dict[tuple[str, str, int], tuple[str | None, int | None]]:
    """(contract, invoice, line) -> (file name, Excel row) each line was imported from."""
    query = _contract_filter(
        select(
            models.Contract.reference,
            models.InvoiceLine.invoice_ref,
            models.InvoiceLine.line,
            models.InvoiceLine.source_file,
            models.InvoiceLine.source_row,
        ),
        models.InvoiceLine,
        scope,
    )
    return {(contract, invoice, line): (file, row) for contract, invoice, line, file, row in session.execute(query)}


# --- Engagements and surveys ----------------------------------------------------------


def units(session: Session, scope: Scope = EVERYTHING) -> list[records.Unit]:
    """Every participant in every support package, with the LA's region (read by the LA's code:
    ``la_code`` is a foreign key, so every unit's LA is in the reference list)."""
    query = select(
        models.Engagement.contract_id.label("contract"),
        models.Engagement.package_id,
        models.Engagement.participant_id,
        models.Engagement.support_type,
        models.Engagement.la_code,
        models.Engagement.role,
        models.Engagement.focus,
        models.Engagement.start_date,
        models.Engagement.end_date,
        type_coerce(models.Engagement.days_delivered, _Float(8, 2)).label("days_delivered"),
        models.Engagement.group_type,
        models.Engagement.delivered_by,
    )
    regions_of_las = _ReadWhenMissing(session, models.LocalAuthority.code, models.LocalAuthority.region_code)
    looked_up = {**_by_contract_id(session), "region_code": ("la_code", regions_of_las)}
    return _records(session, records.Unit, _scope_filter(query, scope).order_by(models.Engagement.id), looked_up)


def _scope_filter(query: Select[Any], scope: Scope) -> Select[Any]:
    """The scope's engagements (joined to contracts or LAs only where the scope filters on them)."""
    query = _in_scope_contracts(query, models.Engagement, scope)
    if scope.la_codes is not None:
        query = query.where(models.Engagement.la_code.in_(scope.la_codes))
    if scope.region_codes is not None:
        query = query.join(models.LocalAuthority, models.Engagement.la_code == models.LocalAuthority.code).where(
            models.LocalAuthority.region_code.in_(scope.region_codes)
        )
    return query


def survey_responses(session: Session, scope: Scope = EVERYTHING) -> list[records.SurveyResponse]:
    query = select(
        models.SurveyResponse.contract_id.label("contract"),
        models.SurveyResponse.package_id,
        models.SurveyResponse.participant_id,
        models.SurveyResponse.stage,
        models.SurveyResponse.response_date,
        models.SurveyResponse.confidence,
        models.SurveyResponse.impact_demonstrated,
    )
    query = _in_scope_contracts(query, models.SurveyResponse, scope)
    if scope.la_codes is not None or scope.region_codes is not None:
        query = query.join(
            models.Engagement,
            (models.Engagement.contract_id == models.SurveyResponse.contract_id)
            & (models.Engagement.package_id == models.SurveyResponse.package_id)
            & (models.Engagement.participant_id == models.SurveyResponse.participant_id),
        ).join(models.LocalAuthority, models.Engagement.la_code == models.LocalAuthority.code)
        if scope.la_codes is not None:
            query = query.where(models.Engagement.la_code.in_(scope.la_codes))
        if scope.region_codes is not None:
            query = query.where(models.LocalAuthority.region_code.in_(scope.region_codes))
    return _records(session, records.SurveyResponse, query.order_by(models.SurveyResponse.id), _by_contract_id(session))


# --- Imports ---------------------------------------------------------------------


def import_history(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    rows = session.scalars(select(models.ImportRecord).order_by(models.ImportRecord.id.desc()).limit(limit))
    return [
        {
            "id": row.id,
            "imported_at": row.imported_at,
            "file_name": row.file_name,
            "kind": row.kind,
            "contract": row.contract_reference,
            "imported_by": row.imported_by,
            "outcome": row.outcome,
            "inserted": row.inserted,
            "updated": row.updated,
            "unchanged": row.unchanged,
            "skipped": row.skipped,
            "flags": row.flags,
            "sha256": row.sha256,
            "size_bytes": row.size_bytes,
        }
        for row in rows
    ]


def return_imports(session: Session, scope: Scope = EVERYTHING) -> list[records.ReturnImport]:
    """Quarterly returns imported and not undone that state a reporting quarter, one record per
    contract their rows are for (data currency), oldest import first."""
    query = (
        select(
            models.ImportRecord.contract_reference,
            models.ImportRecord.reporting_quarter_end,
            models.ImportRecord.imported_at,
            models.ImportRecord.summary,
        )
        .where(models.ImportRecord.outcome == "imported", models.ImportRecord.reporting_quarter_end.is_not(None))
        .order_by(models.ImportRecord.id)
    )
    wanted = None if scope.contracts is None else {reference.lower() for reference in scope.contracts}
    found = []
    for reference, quarter_end, imported_at, summary in session.execute(query):
        for contract in (summary or {}).get("return_contracts") or ([reference] if reference else []):
            if wanted is None or contract.lower() in wanted:
                found.append(records.ReturnImport(contract=contract, quarter_end=quarter_end, imported_at=imported_at))
    return found


def data_version(session: Session) -> int:
    """Changes after each import or undo: part of every cache key."""
    latest = session.scalar(select(func.coalesce(func.max(models.ImportRecord.id), 0))) or 0
    undone = (
        session.scalar(
            select(func.count()).select_from(models.ImportRecord).where(models.ImportRecord.outcome == "undone")
        )
        or 0
    )
    return latest + undone


def finance_flags_for_lines(
    session: Session, lines: list[dict[str, Any]], revised_allocations: Sequence[Mapping[str, Any]] = ()
) -> list[str]:
    """The invoice flags of rules.md raised by lines about to be imported (as messages), against the
    stored allocations as ``revised_allocations`` (the same file's Part A rows) will leave them."""
    from dashboard.finance import finance_flags, heading_key

    contract_ids = {line["contract_id"] for line in lines}
    if not contract_ids:
        return []
    stored = {
        row.id: row for row in session.scalars(select(models.Contract).where(models.Contract.id.in_(contract_ids)))
    }
    terms = [_terms(row) for row in stored.values()]
    scope = Scope(contracts=tuple(row.reference for row in stored.values()))
    candidates = [
        records.InvoiceLine(
            contract=stored[line["contract_id"]].reference,
            invoice_ref=line["invoice_ref"],
            line=line["line"],
            financial_year=line["financial_year"],
            quarter=line["quarter"],
            heading=line["heading"],
            role=line.get("role"),
            level=line.get("level"),
            days=line.get("days"),
            day_rate=line.get("day_rate"),
            amount=line["amount"],
            vat=line.get("vat"),
            invoice_date=line["invoice_date"],
        )
        for line in lines
    ]
    revised = [
        records.Allocation(
            contract=stored[row["contract_id"]].reference,
            heading=row["heading"],
            financial_year=row["financial_year"],
            amount=row["amount"],
        )
        for row in revised_allocations
        if row.get("contract_id") in stored
    ]
    replaced = {(a.contract.lower(), heading_key(a.heading), a.financial_year) for a in revised}
    kept = [
        a
        for a in allocations(session, scope)
        if (a.contract.lower(), heading_key(a.heading), a.financial_year) not in replaced
    ]
    # spend_above_value weighs the contract's whole spend: the stored lines this file does not replace
    replaced_lines = {(line["contract_id"], line["invoice_ref"], line["line"]) for line in lines}
    elsewhere: dict[str, Decimal] = {}
    query = select(
        models.InvoiceLine.contract_id,
        models.InvoiceLine.invoice_ref,
        models.InvoiceLine.line,
        models.InvoiceLine.amount,
    ).where(models.InvoiceLine.contract_id.in_(contract_ids))
    for contract_id, invoice_ref, number, amount in session.execute(query):
        if (contract_id, invoice_ref, number) not in replaced_lines:
            reference = stored[contract_id].reference
            elsewhere[reference] = elsewhere.get(reference, Decimal(0)) + Decimal(str(amount))
    flags = finance_flags(terms, kept + revised, candidates, date.max, spent_elsewhere=elsewhere)
    return [f"{flag.contract}: {flag.message}" for flag in flags]
