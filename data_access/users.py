"""Users, their roles and assignments (contracts, LAs, regions)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, BOARD, CASE_LEAD, CONTRACT_MANAGER, Viewer
from data_access import models

# Local mode: the role switcher shows each role with these demo assignments.
DEMO_CASE_LEAD_REGIONS = ("E12000002",)  # North West
DEMO_CASE_LEAD_LAS = ("E08000014",)  # Sefton


def viewer_for_email(engine: Engine, email: str) -> Viewer:
    """The viewer for a signed-in e-mail; unknown or inactive users get no role."""
    with Session(engine) as session:
        user = session.scalar(select(models.User).where(models.User.email == email.strip().lower()))
        if user is None or not user.active:
            return Viewer(email=email, role="")
        assignments = session.scalars(select(models.Assignment).where(models.Assignment.user_id == user.id)).all()
    return Viewer(
        email=user.email,
        role=user.role,
        contracts=tuple(a.value for a in assignments if a.scope == "contract"),
        la_codes=tuple(a.value for a in assignments if a.scope == "la"),
        region_codes=tuple(a.value for a in assignments if a.scope == "region"),
    )


def demo_assignments(engine: Engine, role: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(contracts, LAs, regions) a local-mode viewer of ``role`` is assigned."""
    if role == CONTRACT_MANAGER:
        with Session(engine) as session:
            references = tuple(session.scalars(select(models.Contract.reference).order_by(models.Contract.reference)))
        return references, (), ()
    if role == CASE_LEAD:
        return (), DEMO_CASE_LEAD_LAS, DEMO_CASE_LEAD_REGIONS
    if role in (BOARD, ADMIN):
        return (), (), ()
    return (), (), ()
