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
from dashboard.board_pack import board_pack_sections
from dashboard.board_pack_pdf import board_pack_pdf
from data_access import queries
from data_access.access import last_board_pack_date, latest_imports, record_board_pack
from data_access.repositories import EVERYTHING, Scope
from ui.components import XLSX, download_on_press


def board_pack_bytes(engine, as_of: date, viewer: Viewer | None = None, pdf: bool = False) -> bytes:
    """The pack (Excel, or ``pdf``) for what ``viewer`` may see (everything when no viewer is given)."""
    allowed = visible_contracts(viewer) if viewer is not None else None
    scope = EVERYTHING if allowed is None else Scope(contracts=allowed)
    data = queries.load(engine, scope)
    imports = latest_imports(engine, viewer) if viewer is not None else queries.home_tables(engine)[1]
    workbook, sections = board_pack_sections(data, as_of, imports, last_board_pack_date(engine))
    record_board_pack(engine, viewer if viewer is not None else "local", as_of)
    return board_pack_pdf(sections) if pdf else workbook


def board_pack_button(engine, as_of: date, viewer: Viewer | None = None, key: str = "board_pack") -> None:
    """A download button for the Board pack (.xlsx) as at ``as_of``."""
    viewer = viewer if viewer is not None else st.session_state.get("viewer")
    left, right = st.columns(2)
    download_on_press(
        left,
        "Download the Board pack (Excel)",
        lambda: board_pack_bytes(engine, as_of, viewer),
        file_name=f"board_pack_{as_of:%Y-%m-%d}.xlsx",
        mime=XLSX,
        key=key,
        icon=":material/download:",
        help="Status, changes, KPIs, coverage, finance and timelines as at this date, with charts; no personal data.",
    )
    download_on_press(
        right,
        "Download the Board pack (PDF)",
        lambda: board_pack_bytes(engine, as_of, viewer, pdf=True),
        file_name=f"board_pack_{as_of:%Y-%m-%d}.pdf",
        mime="application/pdf",
        key=f"{key}_pdf",
        icon=":material/picture_as_pdf:",
        help="The same pack as a PDF for printing and reading on screen.",
    )
