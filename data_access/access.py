"""Access enforced where the data is read and written, not only by hiding widgets.

Every function here takes the ``Viewer`` and checks ``dashboard.access`` before
it reads personal data, changes users or writes an import; pages only decide
what to draw.

Personal data (``Engagement.participant_name`` and ``SurveyResponse.evidence``)
is returned by ``participants`` only, as **filtered rows**: each role gets the
participants it may see and no others (``may_see_personal_data`` is applied in
the query and again to every row). A Board member may never see any, so for
the Board ``participants`` raises ``PermissionError`` rather than returning an
empty list that could be mistaken for "no participants".

User management (``list_users``, ``add_user``, ``set_role``, ``set_active``,
``assign``, ``unassign``) is for administrators only (``PermissionError``
otherwise); every change is written to the audit log as ``role_change`` in the
same transaction.

Uploads: ``check_uploads`` validates a batch of files in order for a viewer (nothing
written but the rejection record of each invalid file), ``confirm_uploads`` re-checks
the batch and imports it all or nothing through ``data_access.services.import_together``.
Contract managers upload only for their own contracts: a file with rows for another
contract is refused with one error per contract. ``undo_as`` undoes an import for a
viewer (see ``data_access.undo``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, func, or_, select
from sqlalchemy.orm import Session

from dashboard.access import (
    ADMIN,
    BOARD,
    CASE_LEAD,
    CONTRACT_MANAGER,
    ROLE_NAMES,
    ROLES,
    Viewer,
    may_import_la_status,
    may_manage_users,
    may_see_import,
    may_see_personal_data,
    may_upload,
)
from data_access import audit, models
from data_access.importer import ImportPlan, Problem
from data_access.importer.schemas import LA_STATUS_KIND
from data_access.repositories import EVERYTHING, Scope, matches_ignoring_case
from data_access.services import ImportOutcome, Vet, checked_in_order, database_failures, import_together
from data_access.undo import UndoResult, undo_import

ASSIGNMENT_SCOPES = ("contract", "la", "region")


# --- Personal data ------------------------------------------------------------------


def _who_may_be_seen(query: Select[Any], viewer: Viewer) -> Select[Any] | None:
    """``query`` narrowed to the engagements ``viewer``'s role may see (``may_see_personal_data``, also
    applied to each row after). None when the role may see none; Board members: ``PermissionError``."""
    if viewer.role not in ROLES:
        raise PermissionError("this user has no role in the service")
    if viewer.role == BOARD:
        raise PermissionError("Board members see aggregate figures only, never participants' names or evidence")
    E, C, L = models.Engagement, models.Contract, models.LocalAuthority
    if viewer.role == CONTRACT_MANAGER:
        if not viewer.contracts:
            return None
        return query.where(matches_ignoring_case(C.reference, viewer.contracts))
    if viewer.role == CASE_LEAD:
        if not viewer.la_codes and not viewer.region_codes:
            return None
        return query.where(or_(E.la_code.in_(viewer.la_codes), L.region_code.in_(viewer.region_codes)))
    return query


def participants(session: Session, viewer: Viewer, scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    """Participants (one row per participant per package) with name and survey evidence,
    only those the viewer may see. Board members: ``PermissionError``."""
    E, C, L = models.Engagement, models.Contract, models.LocalAuthority
    query = _who_may_be_seen(
        select(E, C.reference, L.region_code)
        .join(C, E.contract_id == C.id)
        .join(L, E.la_code == L.code)
        .order_by(C.reference, E.package_id, E.participant_id),
        viewer,
    )
    if query is None:
        return []
    if scope.contracts is not None:
        query = query.where(matches_ignoring_case(C.reference, scope.contracts))
    if scope.la_codes is not None:
        query = query.where(E.la_code.in_(scope.la_codes))
    if scope.region_codes is not None:
        query = query.where(L.region_code.in_(scope.region_codes))
    rows = [
        (engagement, reference, region)
        for engagement, reference, region in session.execute(query)
        if may_see_personal_data(viewer, reference, engagement.la_code, region)
    ]
    evidence = _evidence(session, {engagement.contract_id for engagement, _, _ in rows})
    return [
        {
            "contract": reference,
            "package_id": e.package_id,
            "participant_id": e.participant_id,
            "la_code": e.la_code,
            "region_code": region,
            "support_type": e.support_type,
            "role": e.role,
            "participant_name": e.participant_name,
            "start_date": e.start_date,
            "end_date": e.end_date,
            "evidence": evidence.get((e.contract_id, e.package_id, e.participant_id), []),
        }
        for e, reference, region in rows
    ]


PACKAGES_PER_QUERY = 500  # package IDs bound in one query (well under every driver's limit)


def participant_names(
    session: Session, viewer: Viewer, wanted: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], str]:
    """Names of the participants in ``wanted`` (contract, package, participant) that ``viewer`` may
    see, by the contract as registered: only those rows are read, never a whole contract's, and
    ``may_see_personal_data`` is applied to each (Board members: ``PermissionError``)."""
    E, C, L = models.Engagement, models.Contract, models.LocalAuthority
    query = _who_may_be_seen(
        select(C.reference, E.package_id, E.participant_id, E.la_code, L.region_code, E.participant_name)
        .join(C, E.contract_id == C.id)
        .join(L, E.la_code == L.code)
        .where(E.participant_name.is_not(None)),
        viewer,
    )
    if query is None or not wanted:
        return {}
    wanted_folded = {(contract.lower(), package, participant) for contract, package, participant in wanted}
    packages = sorted({package for _, package, _ in wanted_folded})
    query = query.where(matches_ignoring_case(C.reference, {contract for contract, _, _ in wanted_folded}))
    names: dict[tuple[str, str, str], str] = {}
    for start in range(0, len(packages), PACKAGES_PER_QUERY):
        chunk = query.where(E.package_id.in_(packages[start : start + PACKAGES_PER_QUERY]))
        for reference, package, participant, la_code, region, name in session.execute(chunk):
            if (
                name
                and (reference.lower(), package, participant) in wanted_folded
                and may_see_personal_data(viewer, reference, la_code, region)
            ):
                names[(reference, package, participant)] = name
    return names


def _evidence(session: Session, contract_ids: set[int]) -> dict[tuple[int, str, str], list[dict[str, Any]]]:
    if not contract_ids:
        return {}
    S = models.SurveyResponse
    found: dict[tuple[int, str, str], list[dict[str, Any]]] = {}  # contract id, package, participant
    query = select(S).where(S.contract_id.in_(contract_ids), S.evidence.is_not(None)).order_by(S.response_date, S.id)
    for response in session.scalars(query):
        found.setdefault((response.contract_id, response.package_id, response.participant_id), []).append(
            {"stage": response.stage, "response_date": response.response_date, "evidence": response.evidence}
        )
    return found


# --- Users and roles -------------------------------------------------------------------


def _require_admin(viewer: Viewer) -> None:
    if not may_manage_users(viewer):
        raise PermissionError("only administrators manage users and roles")


def _normal_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise ValueError(f"'{email}' is not an e-mail address")
    return email


def _user(session: Session, email: str) -> models.User:
    user = session.scalar(select(models.User).where(models.User.email == _normal_email(email)))
    if user is None:
        raise LookupError(f"there is no user {email.strip().lower()}: add them first")
    return user


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}': expected one of {', '.join(ROLES)}")


def _other_active_admins(session: Session, user: models.User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(models.User)
            .where(models.User.role == ADMIN, models.User.active.is_(True), models.User.id != user.id)
        )
        or 0
    )


def list_users(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    """Every user with role and assignments. Administrators only."""
    _require_admin(viewer)
    assignments: dict[int, list[models.Assignment]] = {}
    for item in session.scalars(select(models.Assignment).order_by(models.Assignment.scope, models.Assignment.value)):
        assignments.setdefault(item.user_id, []).append(item)
    return [
        {
            "email": user.email,
            "role": user.role,
            "role_name": ROLE_NAMES.get(user.role, user.role),
            "active": user.active,
            "contracts": [a.value for a in assignments.get(user.id, []) if a.scope == "contract"],
            "la_codes": [a.value for a in assignments.get(user.id, []) if a.scope == "la"],
            "region_codes": [a.value for a in assignments.get(user.id, []) if a.scope == "region"],
        }
        for user in session.scalars(select(models.User).order_by(models.User.email))
    ]


def add_user(session: Session, viewer: Viewer, email: str, role: str) -> models.User:
    """Add a user (or give an existing one this role and make them active). Administrators only."""
    _require_admin(viewer)
    _check_role(role)
    email = _normal_email(email)
    user = session.scalar(select(models.User).where(models.User.email == email))
    if user is not None:
        return set_role(session, viewer, email, role, active=True)
    user = models.User(email=email, role=role, active=True)
    session.add(user)
    session.flush()
    audit.record_event(session, viewer, audit.ROLE_CHANGE, {"user": email, "change": "added", "role": role})
    return user


def set_role(session: Session, viewer: Viewer, email: str, role: str, active: bool | None = None) -> models.User:
    """Change a user's role (and, optionally, whether they may sign in). Administrators only."""
    _require_admin(viewer)
    _check_role(role)
    user = _user(session, email)
    new_active = user.active if active is None else active
    if user.role == ADMIN and (role != ADMIN or not new_active) and _other_active_admins(session, user) == 0:
        raise ValueError("the last active administrator cannot lose the administrator role")
    before = {"role": user.role, "active": user.active}
    user.role, user.active = role, new_active
    session.flush()
    if before != {"role": role, "active": new_active}:
        audit.record_event(
            session,
            viewer,
            audit.ROLE_CHANGE,
            {"user": user.email, "change": "role", "before": before, "after": {"role": role, "active": new_active}},
        )
    return user


def set_active(session: Session, viewer: Viewer, email: str, active: bool) -> models.User:
    """Allow or stop a user signing in. Administrators only."""
    user = _user(session, email)
    return set_role(session, viewer, email, user.role, active=active)


def _check_assignment(session: Session, scope: str, value: str) -> str:
    """The value as stored (a contract's reference as the register spells it)."""
    value = (value or "").strip()
    if scope == "contract":
        reference = session.scalar(
            select(models.Contract.reference).where(func.lower(models.Contract.reference) == value.lower())
        )
        if reference is None:
            raise ValueError(f"there is no contract '{value}': import the contract register first")
        return reference
    if scope == "la":
        if session.get(models.LocalAuthority, value.upper()) is None:
            raise ValueError(f"there is no LA with the GSS code '{value}' (e.g. E08000014)")
        return value.upper()
    if scope == "region":
        if session.get(models.Region, value.upper()) is None:
            raise ValueError(f"there is no region with the code '{value}' (e.g. E12000002)")
        return value.upper()
    raise ValueError(f"unknown assignment '{scope}': expected one of {', '.join(ASSIGNMENT_SCOPES)}")


def assign(session: Session, viewer: Viewer, email: str, scope: str, value: str) -> models.Assignment:
    """Give a user a contract, LA or region. Administrators only."""
    _require_admin(viewer)
    user = _user(session, email)
    value = _check_assignment(session, scope, value)
    existing = session.scalar(
        select(models.Assignment).where(
            models.Assignment.user_id == user.id, models.Assignment.scope == scope, models.Assignment.value == value
        )
    )
    if existing is not None:
        return existing
    item = models.Assignment(user_id=user.id, scope=scope, value=value)
    session.add(item)
    session.flush()
    audit.record_event(
        session, viewer, audit.ROLE_CHANGE, {"user": user.email, "change": "assigned", "scope": scope, "value": value}
    )
    return item


def unassign(session: Session, viewer: Viewer, email: str, scope: str, value: str) -> bool:
    """Take a contract, LA or region away from a user. Administrators only."""
    _require_admin(viewer)
    user = _user(session, email)
    item = session.scalar(
        select(models.Assignment).where(
            models.Assignment.user_id == user.id,
            models.Assignment.scope == scope,
            func.lower(models.Assignment.value) == (value or "").strip().lower(),
        )
    )
    if item is None:
        return False
    session.delete(item)
    session.flush()
    audit.record_event(
        session,
        viewer,
        audit.ROLE_CHANGE,
        {"user": user.email, "change": "unassigned", "scope": scope, "value": item.value},
    )
    return True


def record_sign_in(engine: Engine, viewer: Viewer) -> None:
    """Audit a sign-in (call once per browser session)."""
    with Session(engine) as session, session.begin():
        audit.record_event(session, viewer, audit.SIGN_IN, {"role": viewer.role})


def record_board_pack(engine: Engine, actor: Viewer | str, as_of: date) -> None:
    """Audit a Board pack produced (its as-at date is where the next "what changed" starts)."""
    with Session(engine) as session, session.begin():
        audit.record_event(session, actor, audit.BOARD_PACK, {"as_of": as_of.isoformat()})


def last_board_pack_date(engine: Engine) -> date | None:
    with Session(engine) as session:
        return audit.last_board_pack_date(session)


# --- Uploads, import history and undo ---------------------------------------------------


def plan_contracts(session: Session, plan: ImportPlan) -> set[str]:
    """References of every contract a plan writes rows for."""
    ids: set[int] = set()
    references: set[str] = set()
    for sheet in plan.sheets:
        for row in sheet.rows:
            if sheet.kind == "contracts" and row.values.get("reference"):
                references.add(row.values["reference"])
            contract_id = row.values.get("contract_id")
            if isinstance(contract_id, int):
                ids.add(contract_id)
            elif isinstance(contract_id, str):
                references.add(contract_id)
    if ids:
        references |= set(session.scalars(select(models.Contract.reference).where(models.Contract.id.in_(ids))))
    return references


def _permission_problems(session: Session, viewer: Viewer, plan: ImportPlan) -> list[Problem]:
    if plan.kind == LA_STATUS_KIND and not may_import_la_status(viewer):
        return [
            Problem(
                plan.file_name,
                "",
                None,
                "",
                "only administrators may import an LA status workbook: it "
                "changes every LA's Ofsted judgements and intervention status for every user. Send it to "
                "an administrator",
            )
        ]
    refused = sorted(reference for reference in plan_contracts(session, plan) if not may_upload(viewer, reference))
    own = ", ".join(viewer.contracts) or "none"
    return [
        Problem(
            plan.file_name,
            "",
            None,
            "Contract reference",
            f"you may upload data only for your own contracts ({own}); this file has rows for {reference}",
        )
        for reference in refused
    ]


def _require_upload(viewer: Viewer) -> None:
    if not may_upload(viewer):
        raise PermissionError("only contract managers and administrators upload data")


def check_uploads(
    engine: Engine,
    viewer: Viewer,
    files: Sequence[tuple[str, bytes]],
    contract: str | None = None,
    quarter: str | None = None,
) -> list[ImportPlan]:
    """Validate a batch of files for a viewer, in order (``services.checked_in_order``): a register
    counts for the pricing schedule after it. Writes no data: a check is not an import, so it adds
    no row to the import history (nor to the Overview's latest imports, however often one file is
    checked); each invalid file checked is in the audit log (file, SHA-256, number of errors)."""
    _require_upload(viewer)
    with checked_in_order(engine, viewer.email, _vet_for(viewer)) as check:
        plans = [check(file_name, data, contract, quarter).plan for file_name, data in files]
    rejected = [plan for plan in plans if not plan.ok]
    if rejected:
        with database_failures(engine), Session(engine) as session, session.begin():
            for plan in rejected:
                audit.record_event(
                    session,
                    viewer,
                    audit.IMPORT_REJECTED,
                    {
                        "file_name": plan.file_name,
                        "sha256": plan.sha256,
                        "errors": len(plan.errors),
                        "checked_only": True,
                    },
                )
    return plans


def confirm_uploads(
    engine: Engine,
    viewer: Viewer,
    files: Sequence[tuple[str, bytes]],
    contract: str | None = None,
    quarter: str | None = None,
) -> list[ImportOutcome]:
    """Re-validate a batch and import it all or nothing (``services.import_together``), then audit it.
    ``quarter``: the reporting quarter of returns that do not state one (the upload page's choice)."""
    _require_upload(viewer)
    outcomes = import_together(engine, files, viewer.email, contract, _vet_for(viewer), quarter=quarter)
    with Session(engine) as session, session.begin():
        for outcome in outcomes:
            audit.record_import(session, viewer, outcome.plan, outcome.import_id)
    return outcomes


def _vet_for(viewer: Viewer) -> Vet:
    return lambda session, plan: _permission_problems(session, viewer, plan)


def _contracts_by_import(session: Session, import_ids: list[int]) -> dict[int, set[str]]:
    """Contracts each import wrote rows for (rows still stored) and the one it was made for."""
    found: dict[int, set[int]] = {i: set() for i in import_ids}
    if not import_ids:
        return {}
    RC = models.RowChange
    for table in ("milestones", "allocations", "day_rates", "engagements", "survey_responses", "invoice_lines"):
        model = next(m.class_ for m in models.Base.registry.mappers if m.class_.__tablename__ == table)
        query = (
            select(RC.import_id, model.contract_id)
            .join(model, model.id == RC.row_id)
            .where(RC.table_name == table, RC.import_id.in_(import_ids))
            .distinct()
        )
        for import_id, contract_id in session.execute(query):
            found[import_id].add(contract_id)
    for import_id, row_id in session.execute(
        select(RC.import_id, RC.row_id).where(RC.table_name == "contracts", RC.import_id.in_(import_ids))
    ):
        found[import_id].add(row_id)
    names = dict(session.execute(select(models.Contract.id, models.Contract.reference)).tuples().all())
    result = {i: {names[c] for c in ids if c in names} for i, ids in found.items()}
    for record_id, reference in session.execute(
        select(models.ImportRecord.id, models.ImportRecord.contract_reference).where(
            models.ImportRecord.id.in_(import_ids)
        )
    ):
        if reference:
            result[record_id].add(reference)
    return result


def import_history(session: Session, viewer: Viewer, limit: int = 200) -> list[dict[str, Any]]:
    """Imports the viewer may see (administrators: all; contract managers: their contracts'
    and their own), newest first, with their contracts and whether the viewer may undo each.

    The same file rejected again and again (same SHA-256) is one row, the newest, with the number
    of times (``times``) and the first time (``first_at``): a rejected file wrote nothing, and four
    tries of one bad file made four rows."""
    _require_upload(viewer)
    records = list(session.scalars(select(models.ImportRecord).order_by(models.ImportRecord.id.desc()).limit(limit)))
    contracts = _contracts_by_import(session, [r.id for r in records])
    shown = []
    for r in records:
        refs = contracts.get(r.id, set())
        own = r.imported_by.lower() == viewer.email.lower()
        if not may_see_import(viewer, refs, r.imported_by):
            continue
        undoable = r.outcome == "imported" and (
            viewer.role == ADMIN or (all(may_upload(viewer, ref) for ref in refs) if refs else own)
        )
        shown.append(
            {
                "id": r.id,
                "imported_at": r.imported_at,
                "imported_by": r.imported_by,
                "file_name": r.file_name,
                "sha256": r.sha256,
                "size_bytes": r.size_bytes,
                "kind": r.kind,
                "contracts": sorted(refs),
                "inserted": r.inserted,
                "updated": r.updated,
                "unchanged": r.unchanged,
                "skipped": r.skipped,
                "flags": r.flags,
                "outcome": r.outcome,
                "may_undo": undoable,
                "errors": (r.summary or {}).get("errors", []) if r.outcome == "rejected" else [],
                "times": 1,
                "first_at": r.imported_at,
            }
        )
    return _repeats_collapsed(shown)


def _repeats_collapsed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rejected imports of one file (same SHA-256) as one row, the newest (``rows`` newest first)."""
    kept: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["outcome"] != "rejected" or not row["sha256"]:
            kept.append(row)
        elif row["sha256"] in seen:
            newest = seen[row["sha256"]]
            newest["times"] += 1
            newest["first_at"] = row["imported_at"]
        else:
            seen[row["sha256"]] = row
            kept.append(row)
    return kept


def latest_imports(engine: Engine, viewer: Viewer, limit: int = 200) -> list[dict[str, Any]]:
    """The import history as ``viewer`` may see it outside the Import history page (the Overview's
    "Latest imports", the Board pack's sources), newest first.

    A contract manager sees only the imports of their own contracts (and their own uploads);
    the file name and the importer's e-mail are given only where ``may_see_import`` allows (never
    to the Board or case leads: ``None``). Everyone else sees every import's date, kind, contract,
    outcome and counts: how fresh the figures are. Rejected imports are left out: they wrote
    nothing (the Import history page lists them)."""
    with Session(engine) as session:
        records = list(
            session.scalars(
                select(models.ImportRecord)
                .where(models.ImportRecord.outcome != "rejected")
                .order_by(models.ImportRecord.id.desc())
                .limit(limit)
            )
        )
        contracts = _contracts_by_import(session, [r.id for r in records])
    shown = []
    for r in records:
        refs = contracts.get(r.id, set())
        details = may_see_import(viewer, refs, r.imported_by)
        if viewer.role == CONTRACT_MANAGER and not details:
            continue
        shown.append(
            {
                "id": r.id,
                "imported_at": r.imported_at,
                "kind": r.kind,
                "contract": r.contract_reference,
                "contracts": sorted(refs),
                "file_name": r.file_name if details else None,
                "imported_by": r.imported_by if details else None,
                "outcome": r.outcome,
                "inserted": r.inserted,
                "updated": r.updated,
                "unchanged": r.unchanged,
                "skipped": r.skipped,
                "flags": r.flags,
            }
        )
    return shown


def undo_as(engine: Engine, viewer: Viewer, import_id: int) -> UndoResult:
    """Undo an import for a viewer in one transaction (``PermissionError`` / ``UndoRefused``)."""
    _require_upload(viewer)
    with Session(engine) as session, session.begin():
        return undo_import(session, import_id, viewer)


def blocking_imports(engine: Engine, import_id: int) -> list[dict[str, Any]]:
    from data_access.undo import imports_blocking_undo

    with Session(engine) as session:
        return imports_blocking_undo(session, import_id)


@dataclass(frozen=True)
class UserChange:
    """What the admin page asks for, applied by ``apply_user_change``."""

    action: str  # add / role / active / assign / unassign
    email: str
    role: str = ""
    scope: str = ""
    value: str = ""
    active: bool = True


def apply_user_change(engine: Engine, viewer: Viewer, change: UserChange) -> None:
    """One user change in one transaction (administrators only)."""
    with Session(engine) as session, session.begin():
        if change.action == "add":
            add_user(session, viewer, change.email, change.role)
        elif change.action == "role":
            set_role(session, viewer, change.email, change.role)
        elif change.action == "active":
            set_active(session, viewer, change.email, change.active)
        elif change.action == "assign":
            assign(session, viewer, change.email, change.scope, change.value)
        elif change.action == "unassign":
            unassign(session, viewer, change.email, change.scope, change.value)
        else:
            raise ValueError(f"unknown user change '{change.action}'")


def users_for(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    with Session(engine) as session:
        return list_users(session, viewer)


def audit_log_for(engine: Engine, viewer: Viewer, limit: int = 500) -> list[dict[str, Any]]:
    with Session(engine) as session:
        return audit.audit_log(session, viewer, limit)


def history_for(engine: Engine, viewer: Viewer, limit: int = 200) -> list[dict[str, Any]]:
    with Session(engine) as session:
        return import_history(session, viewer, limit)


def contract_names(engine: Engine) -> dict[int, str]:
    """Contract id -> reference (for showing a preview's rows)."""
    with Session(engine) as session:
        return dict(session.execute(select(models.Contract.id, models.Contract.reference)).tuples().all())


def la_names(engine: Engine) -> dict[str, str]:
    """LA code -> name, every LA there has been (for showing a preview's rows by name)."""
    with Session(engine) as session:
        return dict(session.execute(select(models.LocalAuthority.code, models.LocalAuthority.name)).tuples().all())


def upload_contracts(engine: Engine, viewer: Viewer) -> list[str]:
    """Contracts the viewer may upload for (administrators: every contract)."""
    with Session(engine) as session:
        references = list(session.scalars(select(models.Contract.reference).order_by(models.Contract.reference)))
    return [reference for reference in references if may_upload(viewer, reference)]


def template_for(engine: Engine, viewer: Viewer, kind: str, contract: str | None = None) -> bytes:
    """A blank template; a contract's own lists only for those who may upload for it."""
    from data_access.templates import template_workbook

    _require_upload(viewer)
    if contract and not may_upload(viewer, contract):
        raise PermissionError(f"you may download templates only for your own contracts, not {contract}")
    with Session(engine) as session:
        return template_workbook(session, kind, contract)
