"""Loading everything a view needs in one go, for a scope (contract, LA, region)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard import records
from dashboard.summary import build_summary
from data_access import repositories
from data_access.repositories import Scope


@dataclass(frozen=True)
class OversightData:
    """The records behind every page, for one scope."""

    contracts: list[records.ContractTerms]
    units: list[records.Unit]
    responses: list[records.SurveyResponse]
    allocations: list[records.Allocation]
    invoice_lines: list[records.InvoiceLine]
    milestones: list[records.Milestone]
    las: list[records.LocalAuthority]
    statuses: list[records.LAStatus]
    regions: dict[str, str]


def load(engine: Engine, scope: Scope = repositories.EVERYTHING) -> OversightData:
    with Session(engine) as session:
        return OversightData(
            contracts=repositories.contracts(session, scope),
            units=repositories.units(session, scope),
            responses=repositories.survey_responses(session, scope),
            allocations=repositories.allocations(session, scope),
            invoice_lines=repositories.invoice_lines(session, scope),
            milestones=repositories.milestones(session, scope),
            las=repositories.local_authorities(session),
            statuses=repositories.la_statuses(session),
            regions=repositories.regions(session),
        )


def summary(engine: Engine, as_of: date, contract: str | None = None) -> dict[str, Any]:
    """The JSON summary of cli.md for every contract, or one."""
    scope = Scope(contracts=(contract,)) if contract else repositories.EVERYTHING
    data = load(engine, scope)
    return build_summary(as_of, data.contracts, data.units, data.responses, data.allocations, data.invoice_lines, data.las)


def current_data_version(engine: Engine) -> int:
    """A number that changes with every import or undo (part of every cache key)."""
    with Session(engine) as session:
        return repositories.data_version(session)


def home_tables(engine: Engine) -> tuple[list[records.ContractTerms], list[dict[str, Any]]]:
    """Contracts with their dates, and the import history (newest first)."""
    with Session(engine) as session:
        return repositories.contracts(session), repositories.import_history(session)
