"""The Board pack download button, for the Overview page (or any page).

    from ui.board_pack_button import board_pack_button
    board_pack_button(context.engine(), filters.as_of_date)

The workbook is built only when the button is pressed (charts take a few
seconds to draw), for the contracts the viewer may see, as at ``as_of``.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.access import Viewer, visible_contracts
from dashboard.board_pack import build_board_pack
from data_access import queries
from data_access.access import latest_imports
from data_access.repositories import EVERYTHING, Scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def board_pack_bytes(engine, as_of: date, viewer: Viewer | None = None) -> bytes:
    """The pack for what ``viewer`` may see (everything when no viewer is given)."""
    allowed = visible_contracts(viewer) if viewer is not None else None
    scope = EVERYTHING if allowed is None else Scope(contracts=allowed)
    data = queries.load(engine, scope)
    imports = latest_imports(engine, viewer) if viewer is not None else queries.home_tables(engine)[1]
    return build_board_pack(data, as_of, imports)


def board_pack_button(engine, as_of: date, viewer: Viewer | None = None, key: str = "board_pack") -> None:
    """A download button for the Board pack (.xlsx) as at ``as_of``."""
    viewer = viewer if viewer is not None else st.session_state.get("viewer")
    st.download_button(
        "Download the Board pack (Excel)",
        data=lambda: board_pack_bytes(engine, as_of, viewer),
        file_name=f"board_pack_{as_of:%Y-%m-%d}.xlsx",
        mime=XLSX,
        key=key,
        icon=":material/download:",
        help="KPIs, coverage, finance and timelines as at this date, with charts; no personal data.",
    )
