"""Records read column by column (``repositories._records``) equal, field by field, the records
their class's own constructor builds from SQLAlchemy's rows of the same queries, on a generated
dataset, on SQLite and PostgreSQL."""

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
from data_access import lait, models, repositories
from data_access.repositories import Scope

READERS = [
    repositories.units,
    repositories.survey_responses,
    repositories.invoice_lines,
    repositories.allocations,
    repositories.milestones,
]
SCOPES = ["everything", "two contracts", "three LAs", "one region", "nothing"]


def _by_constructor(session: Session, record: type[Any], query: Select[Any]) -> list[Any]:
    """What ``_records`` replaces: SQLAlchemy's rows, each made a record by its ``__init__``."""
    return [record(**row._mapping) for row in session.execute(query)]


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
    return {
        "everything": repositories.EVERYTHING,
        "two contracts": Scope(contracts=(units[0].contract.upper(), units[-1].contract)),
        "three LAs": Scope(la_codes=tuple(unit.la_code for unit in units[:3])),
        "one region": Scope(region_codes=(units[0].region_code,)),
        "nothing": Scope(contracts=("no such contract",)),
    }[name]


@pytest.mark.parametrize("name", SCOPES)
def test_records_equal_those_of_their_constructor(generated, name, monkeypatch):
    with Session(generated) as session:
        scope = _scope(session, name)
        ours = {reader.__name__: reader(session, scope) for reader in READERS}
    monkeypatch.setattr(repositories, "_records", _by_constructor)
    with Session(generated) as session:
        theirs = {reader.__name__: reader(session, scope) for reader in READERS}
    for name, found in ours.items():
        assert found == theirs[name], name
        assert _fields(found) == _fields(theirs[name]), name
        assert all(type(item) is type(theirs[name][0]) for item in found), name
    if scope == repositories.EVERYTHING:
        assert all(ours.values()), "every kind of record is read"
        assert any(unit.end_date is None for unit in ours["units"])
        assert any(unit.days_delivered is None for unit in ours["units"])
        assert {response.impact_demonstrated for response in ours["survey_responses"]} == {True, False, None}
        assert any(line.days is None for line in ours["invoice_lines"])


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
