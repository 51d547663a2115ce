"""Import history: every import with who, when, file, SHA-256, counts and outcome; undo."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from dashboard.access import may_see_every_import, may_upload
from dashboard.vocabulary import IMPORT_OUTCOMES
from dashboard.wording import as_text, counted
from data_access import access
from data_access.undo import UndoRefused
from ui import context
from ui.components import PAGE_TABLE_WIDTH_PX, data_table, download_buttons, empty_state

log = logging.getLogger(__name__)

viewer = context.page_viewer()
st.title("Import history")
if not may_upload(viewer):
    st.error("Only contract managers and administrators see the import history.")
    st.stop()
engine = context.engine()

message = st.session_state.pop("undo_message", None)
if message:
    st.success(as_text(message))
    # disarmed after an undo: nothing chosen, the box unticked, so a second click undoes nothing
    st.session_state["undo_choice"] = None
    st.session_state["undo_confirm_box"] = False

try:
    history = access.history_for(engine, viewer)
except Exception:  # never a stack trace on screen
    log.exception("import history")
    st.error("The import history could not be read. Please try again.")
    st.stop()

if not history:
    empty_state("No imports yet." if may_see_every_import(viewer) else "No imports of your contracts yet.")
    st.stop()

show_rejected = st.checkbox(
    "Show rejected imports",
    key="history_rejected",
    help="Files that were refused wrote nothing. The same file refused again is one row.",
)
listed_rows = [row for row in history if show_rejected or row["outcome"] != "rejected"]
table = pd.DataFrame(
    [
        {
            "Import": row["id"],
            "When (UTC)": row["imported_at"].strftime("%d/%m/%Y %H:%M"),
            "Who": row["imported_by"],
            "File": row["file_name"],
            "SHA-256": row["sha256"],
            "Kind": row["kind"],
            "Contracts": ", ".join(row["contracts"]),
            "Outcome": IMPORT_OUTCOMES.get(row["outcome"], row["outcome"])
            + (f" ({row['times']} times, first {row['first_at']:%d/%m/%Y %H:%M})" if row["times"] > 1 else ""),
            "New": row["inserted"],
            "Updated": row["updated"],
            "Skipped": row["skipped"],
            "Flags": row["flags"],
            "Unchanged": row["unchanged"],
        }
        for row in listed_rows
    ],
    columns=[
        "Import",
        "When (UTC)",
        "Who",
        "File",
        "SHA-256",
        "Kind",
        "Contracts",
        "Outcome",
        "New",
        "Updated",
        "Skipped",
        "Flags",
        "Unchanged",
    ],
)
shown = "every import" if may_see_every_import(viewer) else "the imports of your contracts, and your own"
hidden = len(history) - len(listed_rows)
st.write(
    f"{counted(len(table), 'import')}, newest first. You see {shown}. "
    + (f"{counted(hidden, 'rejected file')} not shown: they wrote nothing. " if hidden else "")
    + "Checking a file on the Upload page is not an import and is not listed. The table gives the first "
    "8 characters of each file's SHA-256; the downloads give it whole."
)
data_table(
    table.assign(**{"SHA-256": table["SHA-256"].str[:8] + "…"}),
    "Imports, newest first",
    key="history_table",
    width=PAGE_TABLE_WIDTH_PX,
)
download_buttons({"Imports": table}, "import-history", key="history")

rejected = [row for row in listed_rows if row["outcome"] == "rejected" and row["errors"]]
if rejected:
    with st.expander("Why files were rejected"):
        choice = st.selectbox(
            "Rejected import",
            [row["id"] for row in rejected],
            key="rejected_choice",
            format_func=lambda i: next(f"{i}: {r['file_name']}" for r in rejected if r["id"] == i),
        )
        errors = next(row["errors"] for row in rejected if row["id"] == choice)
        data_table(pd.DataFrame({"Error": errors}), "Errors of the rejected import", wrap=True)

st.subheader("Undo an import")
undoable = [row for row in history if row["may_undo"]]
if not undoable:
    st.write("There is no import you may undo.")
    st.stop()
st.write(
    "Undoing puts the data back exactly as it was before the import: rows it added are removed, rows it "
    "changed get their earlier values, and rows it removed (no longer in a revised pricing schedule) are put "
    "back. Later imports that changed the same rows must be undone first."
)
labels = {
    row["id"]: f"Import {row['id']}: {row['file_name']} ({row['imported_at']:%d/%m/%Y %H:%M}, {row['imported_by']})"
    for row in undoable
}
chosen = st.selectbox(
    "Import to undo",
    list(labels),
    format_func=labels.get,
    key="undo_choice",
    index=None,
    placeholder="Choose an import",
)
blocking = access.blocking_imports(engine, chosen) if chosen is not None else []
if blocking:
    st.warning(
        "This import cannot be undone yet: later imports changed the same rows or rely on them. "
        "Undo these first, newest first."
    )
    data_table(
        pd.DataFrame(
            [
                {
                    "Import": b["id"],
                    "File": b["file_name"],
                    "Who": b["imported_by"],
                    "When (UTC)": b["imported_at"].strftime("%d/%m/%Y %H:%M"),
                }
                for b in blocking
            ]
        ),
        "Imports to undo first",
    )
confirm = st.checkbox("I understand this removes the import's changes", key="undo_confirm_box")
# what the button waits for, said beside it (a greyed-out button alone does not say why)
waiting_for = (
    "Choose the import to undo."
    if chosen is None
    else "Undo the later imports listed above first."
    if blocking
    else "Tick the box to confirm."
    if not confirm
    else ""
)
if waiting_for:
    st.caption(waiting_for)
if st.button("Undo import", type="primary", disabled=bool(waiting_for), key="undo_button"):
    try:
        result = access.undo_as(engine, viewer, chosen)
    except UndoRefused as refusal:
        st.error(as_text(refusal))
    except PermissionError as refusal:
        st.error(as_text(refusal))
    except Exception:
        log.exception("undo")
        st.error("The import could not be undone; nothing was changed. Please try again.")
    else:
        st.session_state["undo_message"] = (
            f"Import {result.import_id} was undone: {counted(result.deleted, 'row')} removed, "
            f"{counted(result.restored, 'row')} restored."
        )
        st.rerun()
