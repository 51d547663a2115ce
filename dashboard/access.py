"""Who may see what: the roles of the service and their limits (pure rules).

| role | sees | personal data | uploads |
| --- | --- | --- | --- |
| Board member | aggregate figures for every contract | never | no |
| Contract manager | their contracts | their contracts' participants | their contracts |
| Case lead | LA-level detail everywhere; their LAs and regions in full | participants in their LAs / regions only | no |
| Administrator | everything | yes | yes, and manages users |

The repositories in ``data_access`` enforce these rules on every query that
returns personal data; pages only decide what to draw.
"""

from __future__ import annotations

from dataclasses import dataclass

BOARD = "board"
CONTRACT_MANAGER = "contract_manager"
CASE_LEAD = "case_lead"
ADMIN = "admin"
ROLES = (BOARD, CONTRACT_MANAGER, CASE_LEAD, ADMIN)
ROLE_NAMES = {
    BOARD: "Board member",
    CONTRACT_MANAGER: "Contract manager",
    CASE_LEAD: "Case lead",
    ADMIN: "Administrator",
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, their role and what is assigned to them."""

    email: str
    role: str
    contracts: tuple[str, ...] = ()  # contract references (contract managers)
    la_codes: tuple[str, ...] = ()  # GSS codes (case leads)
    region_codes: tuple[str, ...] = ()  # E12 codes (case leads)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def aggregate_only(viewer: Viewer) -> bool:
    """Board members see aggregate figures only: no personal data, small counts suppressed."""
    return viewer.role == BOARD


def may_upload(viewer: Viewer, contract: str | None = None) -> bool:
    """Contract managers upload (and undo) for their own contracts; administrators for any."""
    if viewer.role == ADMIN:
        return True
    if viewer.role != CONTRACT_MANAGER:
        return False
    return contract is None or contract.lower() in {c.lower() for c in viewer.contracts}


def may_manage_users(viewer: Viewer) -> bool:
    return viewer.role == ADMIN


def may_see_personal_data(viewer: Viewer, contract: str, la_code: str, region_code: str) -> bool:
    """Participant names and survey evidence: only the roles that need them."""
    if viewer.role == ADMIN:
        return True
    if viewer.role == CONTRACT_MANAGER:
        return contract.lower() in {c.lower() for c in viewer.contracts}
    if viewer.role == CASE_LEAD:
        return la_code in viewer.la_codes or region_code in viewer.region_codes
    return False


def visible_contracts(viewer: Viewer) -> tuple[str, ...] | None:
    """Contracts whose figures a viewer may see (None: all)."""
    if viewer.role == CONTRACT_MANAGER:
        return viewer.contracts
    return None
