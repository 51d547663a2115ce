"""Where each invoice line came from, for the Finance page's flag table.

A thin wrapper that owns its session, so pages never import SQLAlchemy. It
belongs with ``data_access.queries`` and can move there.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data_access import repositories
from data_access.repositories import Scope


def invoice_sources(
    engine: Engine, scope: Scope = repositories.EVERYTHING
) -> dict[tuple[str, str, int], tuple[str | None, int | None]]:
    """(contract, invoice, line) -> (file name, Excel row) for the scope."""
    with Session(engine) as session:
        return repositories.invoice_sources(session, scope)
