"""Records read column by column (``repositories._records``) equal, field by field, the records
their class's own constructor builds from a plain ORM reading (models joined to their contract
and LA, the scope applied in Python), and from SQLAlchemy's rows of the same queries for the
reference data, on a generated dataset, on SQLite and PostgreSQL; and ``queries.load`` reads
exactly those records."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bench.generate import build, insert_dataset
from dashboard import records
from data_access import lait, models, queries, repositories
from data_access.repositories import Scope

READERS = [
    repositories.units,
    repositories.survey_responses,
    repositories.invoice_lines,
    repositories.allocations,
    repositories.milestones,
]
SCOPES = ["everything", "two contracts", "three LAs", "one region", "two contracts in one region", "nothing"]


def _by_constructor(session: Session, record: type[Any], query: Select[Any], looked_up: Any = None) -> list[Any]:
    """What ``_records`` replaces: SQLAlchemy's rows, each made a record by its ``__init__``."""
    assert looked_up is None, "reference data is read without lookups"
    return [record(**row._mapping) for row in session.execute(query)]


def _plain(session: Session, scope: Scope) -> dict[str, list[Any]]:
    """Each reader's records as a plain ORM reading builds them: every row of the model with its
    contract's reference and its LA's region by join, each record made by its ``__init__``, the
    scope applied here (contracts ignoring case; LAs and regions on units, and on responses
    through their unit), in the readers' order."""
    wanted = None if scope.contracts is None else {reference.lower() for reference in scope.contracts}
    region_of = dict(session.execute(select(models.LocalAuthority.code, models.LocalAuthority.region_code)).all())

    def of_contract(reference: str) -> bool:
        return wanted is None or reference.lower() in wanted

    def in_place(la_code: str) -> bool:
        return (scope.la_codes is None or la_code in scope.la_codes) and (
            scope.region_codes is None or region_of[la_code] in scope.region_codes
        )

    def rows(model: type[models.Base], *order: Any) -> list[tuple[Any, str]]:
        query = select(model, models.Contract.reference).join(models.Contract).order_by(*order)
        return [(row, reference) for row, reference in session.execute(query).tuples() if of_contract(reference)]

    engagement, response, line = models.Engagement, models.SurveyResponse, models.InvoiceLine
    units = [
        records.Unit(
            contract=reference,
            package_id=row.package_id,
            participant_id=row.participant_id,
            support_type=row.support_type,
            la_code=row.la_code,
            region_code=region_of[row.la_code],
            role=row.role,
            focus=row.focus,
            start_date=row.start_date,
            end_date=row.end_date,
            days_delivered=None if row.days_delivered is None else float(row.days_delivered),
            group_type=row.group_type,
            delivered_by=row.delivered_by,
        )
        for row, reference in rows(engagement, engagement.id)
        if in_place(row.la_code)
    ]
    la_of_unit = {
        (row.contract_id, row.package_id, row.participant_id): row.la_code
        for row in session.scalars(select(engagement))
    }
    everywhere = scope.la_codes is None and scope.region_codes is None
    return {
        "units": units,
        "survey_responses": [
            records.SurveyResponse(
                contract=reference,
                package_id=row.package_id,
                participant_id=row.participant_id,
                stage=row.stage,
                response_date=row.response_date,
                confidence=row.confidence,
                impact_demonstrated=row.impact_demonstrated,
            )
            for row, reference in rows(response, response.id)
            if everywhere
            or ((la := la_of_unit.get((row.contract_id, row.package_id, row.participant_id))) and in_place(la))
        ],
        "invoice_lines": [
            records.InvoiceLine(
                contract=reference,
                invoice_ref=row.invoice_ref,
                line=row.line,
                financial_year=row.financial_year,
                quarter=row.quarter,
                heading=row.heading,
                role=row.role,
                level=row.level,
                days=row.days,
                day_rate=row.day_rate,
                amount=row.amount,
                vat=row.vat,
                invoice_date=row.invoice_date,
            )
            for row, reference in rows(line, line.id)
        ],
        "allocations": [
            records.Allocation(
                contract=reference, heading=row.heading, financial_year=row.financial_year, amount=row.amount
            )
            for row, reference in rows(models.Allocation, models.Allocation.id)
        ],
        "milestones": [
            records.Milestone(
                contract=reference, name=row.name, due_date=row.due_date, completed_date=row.completed_date
            )
            for row, reference in rows(
                models.Milestone, models.Milestone.due_date, models.Milestone.name, models.Milestone.id
            )
        ],
    }


def _fields(found: list[Any]) -> list[tuple[tuple[type, str], ...]]:
    """Each record's fields as (type, repr): a Decimal's scale, a float against an int, a bool
    against an int and a date against a datetime all count."""
    return [tuple((type(value), repr(value)) for value in dataclasses.astuple(item)) for item in found]


@pytest.fixture
def generated(engine):
    """A generated dataset (``bench.generate``), with milestones done, done late and still open."""
    insert_dataset(engine, build(0.01, 7))
    with Session(engine) as session, session.begin():
        for contract in session.scalars(select(models.Contract).order_by(models.Contract.reference)):
            for number in range(3):
                due = contract.start_date + timedelta(days=90 * (number + 1))
                done = None if number == 2 else due + timedelta(days=10 * number - 5)
                session.add(
                    models.Milestone(contract_id=contract.id, name=f"M{number}", due_date=due, completed_date=done)
                )
    return engine


def _scope(session: Session, name: str) -> Scope:
    units = repositories.units(session)
    two_contracts = (units[0].contract.upper(), units[-1].contract)
    return {
        "everything": repositories.EVERYTHING,
        "two contracts": Scope(contracts=two_contracts),
        "three LAs": Scope(la_codes=tuple(unit.la_code for unit in units[:3])),
        "one region": Scope(region_codes=(units[0].region_code,)),
        "two contracts in one region": Scope(contracts=two_contracts, region_codes=(units[-1].region_code,)),
        "nothing": Scope(contracts=("no such contract",)),
    }[name]


@pytest.mark.parametrize("name", SCOPES)
def test_records_equal_those_of_a_plain_reading(generated, name):
    with Session(generated) as session:
        scope = _scope(session, name)
        ours = {reader.__name__: reader(session, scope) for reader in READERS}
        theirs = _plain(session, scope)
    for reader, found in ours.items():
        assert found == theirs[reader], reader
        assert _fields(found) == _fields(theirs[reader]), reader
        assert all(type(item) is type(theirs[reader][0]) for item in found), reader
    if name == "two contracts":
        assert all(ours.values()), "every kind of record is read"
    if scope == repositories.EVERYTHING:
        assert all(ours.values()), "every kind of record is read"
        assert any(unit.end_date is None for unit in ours["units"])
        assert any(unit.days_delivered is None for unit in ours["units"])
        assert {response.impact_demonstrated for response in ours["survey_responses"]} == {True, False, None}
        assert any(line.days is None for line in ours["invoice_lines"])


@pytest.mark.parametrize("name", ["everything", "two contracts in one region"])
def test_load_reads_the_records_of_a_plain_reading(generated, name):
    """On PostgreSQL the responses and invoice lines are read on a second connection (``queries._Meanwhile``)."""
    with Session(generated) as session:
        scope = _scope(session, name)
        theirs = _plain(session, scope)
    data = queries.load(generated, scope)
    ours = {
        "units": data.units,
        "survey_responses": data.responses,
        "invoice_lines": data.invoice_lines,
        "allocations": data.allocations,
        "milestones": data.milestones,
    }
    for reader, found in ours.items():
        assert found and _fields(found) == _fields(theirs[reader]), reader


def test_reference_records_equal_those_of_their_constructor(generated, monkeypatch):
    lait.ensure_loaded(generated)
    readers = [repositories.ilacs_judgements, repositories.lait_values, repositories.statistical_neighbours]
    with Session(generated) as session:
        ours = [reader(session) for reader in readers]
    monkeypatch.setattr(repositories, "_records", _by_constructor)
    with Session(generated) as session:
        theirs = [reader(session) for reader in readers]
    for found, expected in zip(ours, theirs):
        assert found, "reference data is read"
        assert found == expected
        assert _fields(found) == _fields(expected)


@dataclass(frozen=True)
class _NoSlots:
    contract: str
    name: str
    due_date: Any
    completed_date: Any


@dataclass(frozen=True, slots=True)
class _Checked:
    contract: str
    name: str
    due_date: Any
    completed_date: Any

    def __post_init__(self) -> None:
        raise AssertionError("never skipped")


def test_a_lookup_must_name_the_columns_read(engine):
    query = select(
        models.Milestone.contract_id.label("contract"),
        models.Milestone.name,
        models.Milestone.due_date,
        models.Milestone.completed_date,
    )
    references: dict[int, str] = {}
    with Session(engine) as session:
        assert repositories._records(session, records.Milestone, query, {"contract": ("contract", references)}) == []
        for wrong in ({"contract": ("contract_id", references)}, {"owner": ("contract", references)}):
            with pytest.raises(TypeError, match="columns"):
                repositories._records(session, records.Milestone, query, wrong)


@pytest.mark.parametrize("record", [_NoSlots, _Checked])
def test_a_record_its_init_must_build_is_refused(engine, record):
    query = select(
        models.Contract.reference.label("contract"),
        models.Milestone.name,
        models.Milestone.due_date,
        models.Milestone.completed_date,
    ).join(models.Contract)
    with Session(engine) as session, pytest.raises(TypeError, match="slots"):
        repositories._records(session, record, query)
    with Session(engine) as session:
        assert repositories._records(session, records.Milestone, query) == []


def test_a_contract_or_la_registered_after_the_lookups_were_read_is_read_when_a_row_asks(generated, monkeypatch):
    """Records read their contract's reference and their LA's region through mappings read just
    before their rows. On PostgreSQL an import that registers a contract and commits between the two
    queries leaves rows whose contract the mapping has not read: it is then read on its own."""
    with Session(generated) as session:
        theirs = _plain(session, repositories.EVERYTHING)
    original = repositories._ReadWhenMissing.__init__
    left_out: list[object] = []

    def read_too_early(self, session, key, value):  # as if read before the last contract and LA were committed
        original(self, session, key, value)
        for missing in {max(self), min(self)}:
            del self[missing]
            left_out.append(missing)

    monkeypatch.setattr(repositories._ReadWhenMissing, "__init__", read_too_early)
    with Session(generated) as session:
        ours = {reader.__name__: reader(session, repositories.EVERYTHING) for reader in READERS}
    for reader, found in ours.items():
        assert found == theirs[reader], reader
    assert left_out  # and every record has its contract and region all the same
