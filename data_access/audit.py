"""The audit log: who did what, when. Append-only.

Every action that changes data, reveals personal data or changes who may see
what is recorded:

| action | when |
| --- | --- |
| `sign_in` | a person signs in (OIDC) |
| `import` | a file was imported, on the Upload page or the command line (detail: import id, file, kind, SHA-256, counts) |
| `import_rejected` | a file was refused (detail: file, kind, SHA-256, number of errors) |
| `undo` | an import was undone |
| `export_personal_data` | everything held about a participant was exported |
| `role_change` | a user was added, given a role or an assignment, or removed from one |
| `erase` | a contract's personal data was erased after its retention period |
| `board_pack` | a Board pack was produced (detail: its as-at date), so the next one can say what changed since |
| `reference_refresh` | the LAIT reference data was refreshed (detail: files, rows added, changed, removed) |

Append-only: this module offers ``record_event`` to add an event and
``audit_log`` to read events (administrators only). There is deliberately no
function that updates or deletes an event, and no page or command calls one;
the log is only ever written with ``session.add``. (A database administrator
can still change the table directly: on PostgreSQL, grant the application's
role INSERT and SELECT only on ``audit_events`` to make that a database rule
too.) The caller owns the transaction, so an event is written together with
the change it records, or not at all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.access import Viewer, may_manage_users
from data_access import models

if TYPE_CHECKING:  # the importer imports this module
    from data_access.importer import ImportPlan

SIGN_IN = "sign_in"
IMPORT = "import"
IMPORT_REJECTED = "import_rejected"
UNDO = "undo"
EXPORT_PERSONAL_DATA = "export_personal_data"
ROLE_CHANGE = "role_change"
ERASE = "erase"
BOARD_PACK = "board_pack"
REFERENCE_REFRESH = "reference_refresh"
ACTIONS = (
    SIGN_IN,
    IMPORT,
    IMPORT_REJECTED,
    UNDO,
    EXPORT_PERSONAL_DATA,
    ROLE_CHANGE,
    ERASE,
    BOARD_PACK,
    REFERENCE_REFRESH,
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _actor_text(actor: Viewer | str) -> str:
    return actor.email if isinstance(actor, Viewer) else str(actor)


def record_event(
    session: Session, actor: Viewer | str, action: str, detail: dict[str, Any] | None = None
) -> models.AuditEvent:
    """Append one event (``actor``: a viewer or an e-mail / ``cli:user``). Never holds personal data."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action '{action}': expected one of {', '.join(ACTIONS)}")
    event = models.AuditEvent(at=_now(), actor=_actor_text(actor), action=action, detail=dict(detail or {}))
    session.add(event)
    session.flush()
    return event


def record_import(
    session: Session, actor: Viewer | str, plan: ImportPlan, import_id: int | None
) -> models.AuditEvent | None:
    """The event for one file of an import (``plan``: its ``ImportPlan``): ``import`` when it was
    written (``import_id``), ``import_rejected`` when it had errors; None for a valid file left
    unwritten (its batch was refused). Used by the Upload page and the command line alike."""
    detail = {"file_name": plan.file_name, "kind": plan.kind, "sha256": plan.sha256}
    if import_id is not None:
        return record_event(session, actor, IMPORT, {"import_id": import_id, **detail, **plan.totals()})
    if not plan.ok:
        return record_event(session, actor, IMPORT_REJECTED, {**detail, "errors": len(plan.errors)})
    return None


def audit_log(session: Session, viewer: Viewer, limit: int = 500, action: str | None = None) -> list[dict[str, Any]]:
    """The newest events first. Administrators only (``PermissionError`` for anyone else)."""
    if not may_manage_users(viewer):
        raise PermissionError("only administrators may read the audit log")
    query = select(models.AuditEvent).order_by(models.AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(models.AuditEvent.action == action)
    return [
        {"id": event.id, "at": event.at, "actor": event.actor, "action": event.action, "detail": event.detail}
        for event in session.scalars(query)
    ]


def last_board_pack_date(session: Session) -> date | None:
    """The as-at date of the Board pack produced last (None: none yet), for "what changed since
    the last Board"."""
    event = session.scalars(
        select(models.AuditEvent)
        .where(models.AuditEvent.action == BOARD_PACK)
        .order_by(models.AuditEvent.id.desc())
        .limit(1)
    ).first()
    try:
        return date.fromisoformat(event.detail["as_of"]) if event is not None else None
    except (KeyError, TypeError, ValueError):
        return None
