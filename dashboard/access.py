"""Who may see what: the roles of the service and their limits (pure rules).

| role | sees | personal data | uploads |
| --- | --- | --- | --- |
| Board member | aggregate figures for every contract | never | no |
| Contract manager | their contracts | their contracts' participants | their contracts |
| Case lead | LA-level detail everywhere; their LAs and regions in full | participants in their LAs / regions only | no |

Participants are personal data even when listed only by pseudonymous ID, role and
status (pseudonymised data stays personal data under UK GDPR: a role and an LA can
point to one person). So a page lists participants one by one only where the viewer
may see personal data (``may_list_participant``); elsewhere it gives counts.
| Administrator | everything | yes | yes, and manages users |

The repositories in ``data_access`` enforce these rules on every query that
returns personal data; pages only decide what to draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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
    """Board members see aggregate figures only: no personal data, no figure about the people of one LA."""
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


def may_import_la_status(viewer: Viewer) -> bool:
    """An LA status workbook changes every LA's judgements and intervention status for every user
    and contract, so only administrators import one (contract managers upload their contracts' files)."""
    return viewer.role == ADMIN


def may_see_every_import(viewer: Viewer) -> bool:
    """Administrators see every import; a contract manager those ``may_see_import`` allows."""
    return viewer.role == ADMIN


def may_see_import(viewer: Viewer, contracts: set[str] | frozenset[str], imported_by: str = "") -> bool:
    """Whether an import's file name and importer are the viewer's to see: administrators all; a
    contract manager the imports they made and those of their own contracts only. E-mail addresses
    are personal data and file names may hold some, so nobody else sees either (the Board never)."""
    if may_see_every_import(viewer):
        return True
    if viewer.role != CONTRACT_MANAGER:
        return False
    own = bool(imported_by) and imported_by.lower() == viewer.email.lower()
    return own or (bool(contracts) and all(may_upload(viewer, reference) for reference in contracts))


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


class _Placed(Protocol):
    contract: str
    la_code: str
    region_code: str


def may_list_participant(viewer: Viewer, unit: _Placed) -> bool:
    """A participant is listed one by one (ID, role, status) only where their personal data may be seen."""
    return may_see_personal_data(viewer, unit.contract, unit.la_code, unit.region_code)


def unlisted_sentence(count: int) -> str:
    """Says that ``count`` participants are counted above but, being outside the viewer's LAs, not listed."""
    people = "participant is" if count == 1 else "participants are"
    return (
        f"{count} {people} counted but not listed: you see participants one by one only in your own LAs "
        "and regions, because even a pseudonymous ID with a role can identify someone."
    )
