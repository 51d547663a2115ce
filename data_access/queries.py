"""Loading everything a view needs in one go, for a scope (contract, LA, region)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard import records
from dashboard.access import Viewer
from dashboard.summary import build_summary
from data_access import collector, repositories
from data_access.repositories import Scope


def load(engine: Engine, scope: Scope = repositories.EVERYTHING) -> records.Portfolio:
    """Every record of the scope, built with the cycle collector paused (``collector.paused``) and
    set aside from it as built (``collector.set_aside_as_built``).

    On PostgreSQL the survey responses and invoice lines are read on a second connection while
    the rest is read (``_Meanwhile``): the server runs and sends one query while Python builds
    the other's records (0.91-0.94 s -> 0.80-0.83 s at scale 1). Each statement sees what was committed
    when it started, on one connection or two (READ COMMITTED). On SQLite reading is Python's
    own work, which threads only share (1.00 s -> 1.29 s): one connection reads everything."""
    with collector.paused(), Session(engine) as session, ThreadPoolExecutor(1, thread_name_prefix="load") as pool:
        meanwhile = _Meanwhile(engine, session, pool if engine.dialect.name == "postgresql" else None)
        responses = meanwhile.read(repositories.survey_responses, scope)
        invoice_lines = meanwhile.read(repositories.invoice_lines, scope)
        portfolio = records.Portfolio(
            contracts=repositories.contracts(session, scope),
            units=repositories.units(session, scope),
            responses=responses(),
            allocations=repositories.allocations(session, scope),
            invoice_lines=invoice_lines(),
            milestones=repositories.milestones(session, scope),
            las=repositories.local_authorities(session),
            statuses=repositories.la_statuses(session),
            regions=repositories.regions(session),
            returns=repositories.return_imports(session, scope),
            judgements=repositories.ilacs_judgements(session),
        )
        collector.set_aside_as_built()
        return portfolio


Record = TypeVar("Record")


@dataclass(frozen=True)
class _Meanwhile:
    """Readers run at once on a connection of their own, in ``pool``'s thread beside the caller;
    with no pool, with the caller's ``session`` when their records are asked for."""

    engine: Engine
    session: Session
    pool: ThreadPoolExecutor | None

    def read(self, reader: Callable[[Session, Scope], list[Record]], scope: Scope) -> Callable[[], list[Record]]:
        if self.pool is None:
            return lambda: reader(self.session, scope)
        return self.pool.submit(self._on_own_connection, reader, scope).result

    def _on_own_connection(self, reader: Callable[[Session, Scope], list[Record]], scope: Scope) -> list[Record]:
        with Session(self.engine) as own:
            return reader(own, scope)


class UnknownContract(LookupError):
    """The contract asked for is not in the register; the message names the known ones."""


def summary(engine: Engine, as_of: date, contract: str | None = None) -> dict[str, Any]:
    """The JSON summary of cli.md for every contract, or one (its reference in any case);
    raises ``UnknownContract`` for a reference the register does not hold."""
    scope = Scope(contracts=(contract,)) if contract else repositories.EVERYTHING
    data = load(engine, scope)
    if contract and not data.contracts:
        with Session(engine) as session:
            known = sorted(terms.reference for terms in repositories.contracts(session))
        raise UnknownContract(
            f"unknown contract '{contract}': "
            + (f"known contracts are {', '.join(known)}" if known else "no contract is registered yet")
        )
    return build_summary(
        as_of,
        data.contracts,
        data.units,
        data.responses,
        data.allocations,
        data.invoice_lines,
        data.las,
        judgements=data.judgements,
        returns=data.returns,
        milestones=data.milestones,
    )


def current_data_version(engine: Engine) -> int:
    """A number that changes with every import or undo (part of every cache key)."""
    with Session(engine) as session:
        return repositories.data_version(session)


def home_tables(engine: Engine) -> tuple[list[records.ContractTerms], list[dict[str, Any]]]:
    """Contracts with their dates, and the import history (newest first)."""
    with Session(engine) as session:
        return repositories.contracts(session), repositories.import_history(session)


def hex_layout(engine: Engine) -> dict[str, tuple[int, int]]:
    """LA code -> (q, r) of the England hex map (``odd-r`` layout, r grows northward)."""
    with Session(engine) as session:
        return repositories.hex_positions(session)


def participant_names(engine: Engine, viewer: Viewer, units: list[records.Unit]) -> dict[tuple[str, str, str], str]:
    """Names of the given units' participants that ``viewer`` may see, by (contract, package, participant).

    Read through ``data_access.access.participant_names``, which enforces ``may_see_personal_data``
    (Board members: ``PermissionError``) and reads only these participants' rows.
    """
    from data_access.access import participant_names as names_of

    wanted = {(unit.contract, unit.package_id, unit.participant_id) for unit in units}
    with Session(engine) as session:
        return names_of(session, viewer, wanted)


@dataclass(frozen=True)
class IndicatorRecords:
    """The DfE LAIT reference data: measures, values and statistical neighbours."""

    measures: list[records.Measure]
    values: list[records.IndicatorValue]
    neighbours: list[records.Neighbour]


def indicator_records(engine: Engine) -> IndicatorRecords:
    """The LAIT reference data (loaded from the shipped files the first time it is read)."""
    from data_access import lait

    lait.ensure_loaded(engine)
    with Session(engine) as session:
        return IndicatorRecords(
            repositories.lait_measures(session),
            repositories.lait_values(session),
            repositories.statistical_neighbours(session),
        )


def reference_version(engine: Engine) -> int:
    """Changes with each refresh of the LAIT reference data (part of its cache key)."""
    from data_access import lait

    with Session(engine) as session:
        return lait.version(session)
