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
not replaced by a pseudonym) everywhere they can be:

- in the rows, and in the before/after copies the import history keeps for undo
  (of rows still stored and of rows an undo has since deleted), so they cannot
  come back by undoing an import;
- in the error messages of rejected imports of the contract (and of rejected
  files that name no one contract, such as returns), which quote the cells they
  refuse (``got 'A Name'``): each message keeps where it was and what was wrong,
  with the quoted cells erased;
- wherever else the erased names and evidence appear as text: file names and
  summaries of imports, and audit event payloads (replaced by ``[erased]``).

**Export** (``export_participant``): everything held about one participant ID,
in every contract: engagements, survey responses and the history of changes
imports made to those rows, as plain JSON-ready data.

Both are written to the audit log (``erase``, ``export_personal_data``) with the
actor, never with the personal data itself.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, Viewer
from dashboard.calendar import add_months
from data_access import audit, models, undo_records
from data_access.settings import load_settings

PERSONAL_FIELDS = {"engagements": ("participant_name",), "survey_responses": ("evidence",)}
ERASED = "[erased]"
_QUOTED = re.compile(r"'.*'", re.DOTALL)  # a quoted cell, up to the last quote (a name may hold one: O'Brien)


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


def erase_personal_data(
    session: Session, reference: str, actor: Viewer, today: date | None = None, retention_months: int | None = None
) -> dict[str, Any]:
    """Delete the names and evidence of one contract whose retention has passed; the caller commits."""
    _require_admin(actor)
    today = today or date.today()
    contract = session.scalar(
        select(models.Contract).where(func.lower(models.Contract.reference) == reference.strip().lower())
    )
    if contract is None:
        raise ErasureRefused(f"there is no contract '{reference}'")
    first_day = erasable_from(contract, retention_months)
    if today < first_day:
        raise ErasureRefused(
            f"{contract.reference} ends on {contract_end(contract):%d/%m/%Y}; its personal data is kept until "
            f"{first_day:%d/%m/%Y} (DASHBOARD_RETENTION_MONTHS) and cannot be erased before then"
        )
    E, S = models.Engagement, models.SurveyResponse
    texts = _personal_texts(session, contract.id)
    # an UPDATE's result is a CursorResult, which has the row count (typed as the general Result)
    names = cast(
        CursorResult[Any],
        session.execute(
            update(E).where(E.contract_id == contract.id, E.participant_name.is_not(None)).values(participant_name=None)
        ),
    ).rowcount
    evidence = cast(
        CursorResult[Any],
        session.execute(update(S).where(S.contract_id == contract.id, S.evidence.is_not(None)).values(evidence=None)),
    ).rowcount
    history = _scrub_history(session, contract.id)
    messages = _scrub_rejections(session, contract.reference) + _scrub_texts(session, texts)
    audit.record_event(
        session,
        actor,
        audit.ERASE,
        {
            "contract": contract.reference,
            "names_erased": names,
            "evidence_erased": evidence,
            "history_rows_scrubbed": history,
            "messages_scrubbed": messages,
            "retention_months": retention_months if retention_months is not None else load_settings().retention_months,
        },
    )
    session.flush()
    return {
        "contract": contract.reference,
        "names_erased": names,
        "evidence_erased": evidence,
        "history_rows_scrubbed": history,
    }


def _history_of(session: Session, contract_id: int) -> list[models.RowChange]:
    """The undo records of the contract's engagements and survey responses, of rows still stored
    and of rows since deleted (known by the contract id their records hold)."""
    found: list[models.RowChange] = []
    for table in PERSONAL_FIELDS:
        model = models.Engagement if table == "engagements" else models.SurveyResponse
        stored = set(session.scalars(select(model.id).where(model.contract_id == contract_id)))
        changes = session.scalars(
            select(models.RowChange).where(models.RowChange.table_name == table).order_by(models.RowChange.id)
        ).all()
        ids = stored | {
            change.row_id
            for change in changes
            if contract_id in ((change.after or {}).get("contract_id"), (change.before or {}).get("contract_id"))
        }
        found.extend(change for change in changes if change.row_id in ids)
    return found


def _personal_texts(session: Session, contract_id: int) -> set[str]:
    """Every name and evidence text the contract's rows and their undo records hold."""
    E, S = models.Engagement, models.SurveyResponse
    texts = set(session.scalars(select(E.participant_name).where(E.contract_id == contract_id)))
    texts |= set(session.scalars(select(S.evidence).where(S.contract_id == contract_id)))
    for change in _history_of(session, contract_id):
        for values in (change.before or {}, change.after or {}):
            texts |= {values.get(name) for name in PERSONAL_FIELDS[change.table_name]}
    return {text.strip() for text in texts if isinstance(text, str) and len(text.strip()) >= 3}


def _scrub_history(session: Session, contract_id: int) -> int:
    """Blank names and evidence in the before/after copies kept for undo."""
    scrubbed = 0
    for change in _history_of(session, contract_id):
        fields = PERSONAL_FIELDS[change.table_name]
        touched = False
        for side in ("before", "after"):
            values = getattr(change, side)
            if values and any(values.get(name) is not None for name in fields):
                setattr(change, side, {**values, **{name: None for name in fields if name in values}})
                touched = True
        scrubbed += touched
    session.flush()
    return scrubbed


def _scrub_rejections(session: Session, reference: str) -> int:
    """Erase the cells the contract's rejected imports quote in their error messages; each message
    keeps its place (file, sheet, row, column) and what was wrong. A rejected return names no one
    contract (each row names its own), so rejections that name none are erased too."""
    scrubbed = 0
    for record in session.scalars(
        select(models.ImportRecord).where(
            models.ImportRecord.outcome == "rejected",
            or_(
                func.lower(models.ImportRecord.contract_reference) == reference.lower(),
                models.ImportRecord.contract_reference.is_(None),
            ),
        )
    ):
        errors = (record.summary or {}).get("errors") or []
        erased = [_QUOTED.sub(f"'{ERASED}'", error) for error in errors]
        if erased != errors:
            record.summary = {**record.summary, "errors": erased}
            scrubbed += 1
    session.flush()
    return scrubbed


def _without(value: Any, texts: list[str]) -> Any:
    if isinstance(value, str):
        for text in texts:
            value = value.replace(text, ERASED)
        return value
    if isinstance(value, dict):
        return {key: _without(item, texts) for key, item in value.items()}
    if isinstance(value, list):
        return [_without(item, texts) for item in value]
    return value


def _scrub_texts(session: Session, texts: set[str]) -> int:
    """Replace the erased names and evidence wherever else they appear as text: import file names
    and summaries, audit event payloads."""
    if not texts:
        return 0
    longest_first = sorted(texts, key=len, reverse=True)
    scrubbed = 0
    for record in session.scalars(select(models.ImportRecord)):
        file_name, summary = _without(record.file_name, longest_first), _without(record.summary, longest_first)
        if (file_name, summary) != (record.file_name, record.summary):
            record.file_name, record.summary = file_name, summary
            scrubbed += 1
    for event in session.scalars(select(models.AuditEvent)):
        detail = _without(event.detail, longest_first)
        if detail != event.detail:
            event.detail = detail
            scrubbed += 1
    session.flush()
    return scrubbed


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _row(model_row: models.Base, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        column.name: _plain(getattr(model_row, column.name))
        for column in model_row.__table__.columns
        if column.name not in skip
    }


def export_participant(session: Session, participant_id: str, actor: Viewer) -> dict[str, Any]:
    """Everything held about one participant ID (any contract), as JSON-ready data; audited."""
    _require_admin(actor)
    E, S, C = models.Engagement, models.SurveyResponse, models.Contract
    engagements = session.execute(
        select(E, C.reference)
        .join(C, E.contract_id == C.id)
        .where(E.participant_id == participant_id)
        .order_by(C.reference, E.package_id)
    ).all()
    responses = session.execute(
        select(S, C.reference)
        .join(C, S.contract_id == C.id)
        .where(S.participant_id == participant_id)
        .order_by(C.reference, S.package_id, S.response_date, S.id)
    ).all()
    history = []
    for table, rows in (("engagements", engagements), ("survey_responses", responses)):
        ids = [row.id for row, _ in rows]
        if not ids:
            continue
        query = (
            select(models.RowChange, models.ImportRecord)
            .join(models.ImportRecord, models.ImportRecord.id == models.RowChange.import_id)
            .where(models.RowChange.table_name == table, models.RowChange.row_id.in_(ids))
            .order_by(models.RowChange.id)
        )
        for change, record in session.execute(query):
            history.append(
                {
                    "table": table,
                    "row_id": change.row_id,
                    "import_id": record.id,
                    "file_name": record.file_name,
                    "imported_at": _plain(record.imported_at),
                    "outcome": record.outcome,
                    "before": change.before,
                    "after": change.after,
                }
            )
        # rows inserted in a run named by an earlier row: the run's record keeps that row's key, not
        # this person's, so only its contract and source are said
        for run in undo_records.runs_covering(session, table, ids):
            run_record = session.get(models.ImportRecord, run.import_id)
            assert run_record is not None and run.after is not None  # a run: an import's inserted rows
            covered = undo_records.row_ids(run)
            for row_id in sorted(set(ids) & set(covered) - {covered.start}):
                history.append(
                    {
                        "table": table,
                        "row_id": row_id,
                        "import_id": run_record.id,
                        "file_name": run_record.file_name,
                        "imported_at": _plain(run_record.imported_at),
                        "outcome": run_record.outcome,
                        "before": None,
                        "after": {
                            name: value for name, value in run.after.items() if name in ("contract_id", "source_file")
                        },
                    }
                )
    result = {
        "participant_id": participant_id,
        "exported_at": _plain(datetime.now().replace(microsecond=0)),
        "engagements": [{"contract": reference, **_row(row, ("contract_id",))} for row, reference in engagements],
        "survey_responses": [{"contract": reference, **_row(row, ("contract_id",))} for row, reference in responses],
        "import_history": history,
    }
    audit.record_event(
        session,
        actor,
        audit.EXPORT_PERSONAL_DATA,
        {"participant_id": participant_id, "engagements": len(engagements), "survey_responses": len(responses)},
    )
    return result
