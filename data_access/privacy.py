"""Personal data: erasure after the retention period, and a participant's subject access export.

The personal data the service holds are participants' names
(``Engagement.participant_name``) and free-text survey evidence
(``SurveyResponse.evidence``). Participant IDs are pseudonymous and stay, so
every figure (KPIs, coverage, finance) is the same after an erasure.

**Erasure** (``erase_personal_data``): allowed once the contract's end plus
``DASHBOARD_RETENTION_MONTHS`` (default 24) has passed. The contract's end is
the later of its ``End date`` and ``Extension up to``: an extension that may
have been used keeps the data until the later date, so nothing is erased while
delivery could still be going on. Names and evidence are set to empty (deleted,
not replaced by a pseudonym) in the rows and in the before/after copies the
import history keeps for undo, so they cannot come back by undoing an import.

**Export** (``export_participant``): everything held about one participant ID,
in every contract: engagements, survey responses and the history of changes
imports made to those rows, as plain JSON-ready data.

Both are written to the audit log (``erase``, ``export_personal_data``) with the
actor, never with the personal data itself.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, Viewer
from dashboard.calendar import add_months
from data_access import audit, models
from data_access.settings import load_settings

PERSONAL_FIELDS = {"engagements": ("participant_name",), "survey_responses": ("evidence",)}


class ErasureRefused(Exception):
    """The contract is unknown or its retention period has not passed."""


def _require_admin(actor: Viewer) -> None:
    if actor.role != ADMIN:
        raise PermissionError("only administrators erase or export personal data")


def contract_end(contract: models.Contract) -> date:
    """The contract's latest possible end: its end date or, when later, its extension."""
    return max(d for d in (contract.end_date, contract.extension_up_to) if d is not None)


def erasable_from(contract: models.Contract, retention_months: int | None = None) -> date:
    """The first day the contract's personal data may be erased."""
    months = load_settings().retention_months if retention_months is None else retention_months
    return add_months(contract_end(contract), months)


def erase_personal_data(session: Session, reference: str, actor: Viewer, today: date | None = None,
                        retention_months: int | None = None) -> dict[str, Any]:
    """Delete the names and evidence of one contract whose retention has passed; the caller commits."""
    _require_admin(actor)
    today = today or date.today()
    contract = session.scalar(select(models.Contract).where(func.lower(models.Contract.reference) == reference.strip().lower()))
    if contract is None:
        raise ErasureRefused(f"there is no contract '{reference}'")
    first_day = erasable_from(contract, retention_months)
    if today < first_day:
        raise ErasureRefused(
            f"{contract.reference} ends on {contract_end(contract):%d/%m/%Y}; its personal data is kept until "
            f"{first_day:%d/%m/%Y} (DASHBOARD_RETENTION_MONTHS) and cannot be erased before then")
    E, S = models.Engagement, models.SurveyResponse
    names = session.execute(update(E).where(E.contract_id == contract.id, E.participant_name.is_not(None))
                            .values(participant_name=None)).rowcount
    evidence = session.execute(update(S).where(S.contract_id == contract.id, S.evidence.is_not(None))
                               .values(evidence=None)).rowcount
    history = _scrub_history(session, contract.id)
    audit.record_event(session, actor, audit.ERASE, {
        "contract": contract.reference, "names_erased": names, "evidence_erased": evidence,
        "history_rows_scrubbed": history, "retention_months": retention_months if retention_months is not None
        else load_settings().retention_months})
    session.flush()
    return {"contract": contract.reference, "names_erased": names, "evidence_erased": evidence,
            "history_rows_scrubbed": history}


def _scrub_history(session: Session, contract_id: int) -> int:
    """Blank names and evidence in the before/after copies kept for undo."""
    scrubbed = 0
    for table, fields in PERSONAL_FIELDS.items():
        model = models.Engagement if table == "engagements" else models.SurveyResponse
        row_ids = select(model.id).where(model.contract_id == contract_id)
        changes = session.scalars(select(models.RowChange).where(
            models.RowChange.table_name == table, models.RowChange.row_id.in_(row_ids)))
        for change in changes:
            touched = False
            for side in ("before", "after"):
                values = getattr(change, side)
                if values and any(values.get(name) is not None for name in fields):
                    setattr(change, side, {**values, **{name: None for name in fields if name in values}})
                    touched = True
            scrubbed += touched
    session.flush()
    return scrubbed


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _row(model_row: models.Base, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {column.name: _plain(getattr(model_row, column.name)) for column in model_row.__table__.columns
            if column.name not in skip}


def export_participant(session: Session, participant_id: str, actor: Viewer) -> dict[str, Any]:
    """Everything held about one participant ID (any contract), as JSON-ready data; audited."""
    _require_admin(actor)
    E, S, C = models.Engagement, models.SurveyResponse, models.Contract
    engagements = session.execute(select(E, C.reference).join(C, E.contract_id == C.id)
                                  .where(E.participant_id == participant_id).order_by(C.reference, E.package_id)).all()
    responses = session.execute(select(S, C.reference).join(C, S.contract_id == C.id)
                                .where(S.participant_id == participant_id)
                                .order_by(C.reference, S.package_id, S.response_date, S.id)).all()
    history = []
    for table, rows in (("engagements", engagements), ("survey_responses", responses)):
        ids = [row.id for row, _ in rows]
        if not ids:
            continue
        query = (select(models.RowChange, models.ImportRecord)
                 .join(models.ImportRecord, models.ImportRecord.id == models.RowChange.import_id)
                 .where(models.RowChange.table_name == table, models.RowChange.row_id.in_(ids))
                 .order_by(models.RowChange.id))
        for change, record in session.execute(query):
            history.append({"table": table, "row_id": change.row_id, "import_id": record.id,
                            "file_name": record.file_name, "imported_at": _plain(record.imported_at),
                            "outcome": record.outcome, "before": change.before, "after": change.after})
    result = {
        "participant_id": participant_id,
        "exported_at": _plain(datetime.now().replace(microsecond=0)),
        "engagements": [{"contract": reference, **_row(row, ("contract_id",))} for row, reference in engagements],
        "survey_responses": [{"contract": reference, **_row(row, ("contract_id",))} for row, reference in responses],
        "import_history": history,
    }
    audit.record_event(session, actor, audit.EXPORT_PERSONAL_DATA, {
        "participant_id": participant_id, "engagements": len(engagements), "survey_responses": len(responses)})
    return result
