"""Upload data: blank templates, validation with every error, a preview, then Confirm.

Nothing is written before Confirm: the uploaded bytes wait in ``st.session_state``;
Confirm imports the files through ``data_access.services.import_together``, which
validates them again, in order, and writes every file or none, in one transaction.

What a click costs (issue 20): a choice of files is checked and its preview worked out once,
then kept in ``st.session_state`` for the page's later runs; Confirm imports in its button's
callback, so the click costs one run (the outcome), not two; the blank template is built only
when its button is pressed.
"""

from __future__ import annotations

import logging
from datetime import date

import streamlit as st

from dashboard.access import may_import_la_status, may_upload
from dashboard.wording import as_text, counted, listed
from data_access import access, templates
from data_access.db import DatabaseUnavailable
from data_access.settings import MB, load_settings
from ui import context, upload_flow
from ui.components import data_table, download_buttons, download_on_press
from ui.upload_flow import XLSX_MIME, Upload

log = logging.getLogger(__name__)
STATE = "upload_state"  # {"signature", "checks", "uploads", "contract"; "previews" or "errors"} of the files chosen
RESULTS = "upload_results"
FAILED = "upload_failed"  # why the last Confirm imported nothing (said beside the button)
ERROR_CONFIG = {
    "Message": st.column_config.TextColumn(width="large"),
    "File": st.column_config.TextColumn(width="small"),
}
ROUND = "upload_round"  # a new uploader (emptied) after each Confirm
PRINTED_ROWS = 100  # a preview's table of rows is in the printed page up to this long (1,000 rows took seconds to draw)


def _rows(label: str, key: str, expanded: bool = False):
    """An expander of a preview's rows whose table is built only while it is open (``.open``): a
    1,000-row preview's grid was sent on every run with its expander closed."""
    return st.expander(label, expanded=expanded, key=f"upload_rows_{key}", on_change="rerun")


def _failure(message: str, error: Exception | None = None) -> str:
    """What to tell the user when ``error`` stopped ``message``'s step (logged, never a stack trace)."""
    if isinstance(error, DatabaseUnavailable):  # read-only, disk full, connection lost: say which
        log.warning("%s %s", message, error)
        return (
            f"{message} The database could not be written to: {error.reason or 'it could not be opened'}. "
            "Tell an administrator."
        )
    log.exception(message)  # noqa: LOG004 - _failure is only called in except blocks
    return f"{as_text(message)} Nothing was saved. Try again. If it happens again, tell an administrator."


def _fail(message: str, error: Exception | None = None) -> None:
    st.error(_failure(message, error))


def _confirm(engine, viewer, quarter_key: str, without: bool) -> None:
    """Confirm's callback: the files are imported before the page runs again, so the click costs
    one run, which shows the outcome. All or nothing, as ``upload_flow.confirm_files`` says."""
    state = st.session_state.get(STATE)
    if not state:
        return
    quarter = (st.session_state.get(quarter_key) or None) if without else None
    try:
        results = upload_flow.confirm_files(engine, viewer, state["uploads"], state["contract"], quarter)
    except Exception as error:  # noqa: BLE001
        st.session_state[FAILED] = _failure("The import failed.", error)
        return
    st.session_state[RESULTS] = results
    st.session_state.pop(STATE, None)
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1


viewer = context.page_viewer()
st.title("Upload data")
if not may_upload(viewer):
    st.error("Only contract managers and administrators upload data.")
    st.stop()
engine = context.engine()
contracts = access.upload_contracts(engine, viewer)

with st.expander("Download a blank template", expanded=False):
    st.write(
        "Each template has the columns the dashboard reads (* marks the ones you must fill in), drop-down "
        "lists and an Instructions sheet. Choose a contract to fill in its reference and expenditure headings."
    )
    left, middle, right = st.columns(3)
    kinds = [kind for kind in templates.KINDS if kind != templates.LA_STATUS or may_import_la_status(viewer)]
    kind = left.selectbox("Template", kinds, format_func=templates.kind_title, key="template_kind")
    chosen = middle.selectbox(
        "For contract", ["", *contracts], format_func=lambda ref: ref or "Any contract", key="template_contract"
    )
    download_on_press(
        right,
        "Download template",
        lambda kind=kind, contract=chosen or None: access.template_for(engine, viewer, kind, contract),
        file_name=templates.template_file_name(kind, chosen or None),
        mime=XLSX_MIME,
        key="template_download",
        type="secondary",
    )

results = st.session_state.get(RESULTS)
if results:
    if any(result.import_id is None for result in results) and len(results) > 1:
        st.error(
            "Nothing was imported. Files are imported together or not at all, and 1 of them could not be imported."
        )
    for result in results:
        if result.import_id is not None:
            st.success(f"{as_text(upload_flow.summary_line(result.plan))}. Imported (import {result.import_id}).")
        elif result.errors:
            st.error(f"{as_text(result.name)} was not imported. It has {counted(len(result.errors), 'error')}.")
            data_table(
                upload_flow.error_table([upload_flow.FileCheck(Upload(result.name, b""), result.plan)]),
                f"Errors in {result.name}",
                column_config=ERROR_CONFIG,
                wrap=True,
            )
        else:
            st.info(
                f"{as_text(result.name)} was not imported, because another file uploaded with it was not. "
                "It had no errors."
            )
    st.page_link(
        "pages/import_history.py", label="See the import history (and undo an import)", icon=":material/history:"
    )

st.subheader("Upload files")
limit_mb = min(load_settings().max_upload_bytes / MB, st.get_option("server.maxUploadSize"))  # the lower of the two
st.write(
    (
        "Upload contract registers, pricing schedules, quarterly returns or LA status workbooks "
        if may_import_la_status(viewer)
        else "Upload contract registers, pricing schedules or quarterly returns for your contracts "
    )
    + f"(.xlsx, .xlsm or .csv, up to {limit_mb:g} MB each). A larger file is marked in red and not uploaded."
)
st.write(
    "Each file is checked and its changes shown to you first. Nothing is saved until you confirm. Then every "
    "file is imported, or none is. Files are imported in this order: registers, LA status, pricing schedules, "
    "then returns. So a new contract's register, schedule and first return can be uploaded together."
    + (
        ""
        if may_import_la_status(viewer)
        else " Only administrators import LA status workbooks, because one changes every LA's status for everyone."
    )
)
contract_option = st.selectbox(
    "Contract for files that do not name one",
    ["", *contracts],
    format_func=lambda ref: ref or "None (the files name it)",
    key="upload_contract",
)
files = st.file_uploader(
    "Workbooks to upload",
    type=["xlsx", "xlsm", "csv"],
    accept_multiple_files=True,
    key=f"upload_files_{st.session_state.get(ROUND, 0)}",
)
chosen = [Upload(file.name, file.getvalue()) for file in files or []]

if not chosen:
    st.session_state.pop(STATE, None)
    st.stop()
st.session_state.pop(RESULTS, None)

wanted = upload_flow.signature(chosen, contract_option)
state = st.session_state.get(STATE)
if not state or state["signature"] != wanted:  # a new choice: put in order and checked once, not on every rerun
    uploads = upload_flow.in_import_order(chosen)
    try:
        with st.status(f"Checking {counted(len(uploads), 'file')}…", expanded=False) as status:
            checks = upload_flow.check_files(engine, viewer, uploads, contract_option or None)
            status.update(label="Checked", state="complete")
    except Exception as error:  # noqa: BLE001
        _fail("The files could not be checked.", error)
        st.stop()
    state = {"signature": wanted, "checks": checks, "uploads": uploads, "contract": contract_option or None}
    st.session_state[STATE] = state

checks, uploads = state["checks"], state["uploads"]
if len(uploads) < len(chosen):
    twice = sorted({upload.name for upload in chosen if chosen.count(upload) > 1})
    st.info(
        f"{as_text(listed(twice))} {'was' if len(twice) == 1 else 'were'} chosen more than once (same name and "
        "contents), so each is checked and imported once."
    )
bad = [check for check in checks if not check.ok]
if bad:
    if "errors" not in state:  # worked out once per choice of files, as the checks are
        state["errors"] = upload_flow.error_table(bad)
    table = state["errors"]
    st.error(
        f"{counted(len(table), 'error')} in {len(bad)} of {counted(len(checks), 'file')}. Nothing was saved. "
        "Correct every error, then upload the files again."
    )
    data_table(table, "Errors in the uploaded files", column_config=ERROR_CONFIG, wrap=True)
    download_buttons({"Errors": table}, "upload-errors", key="errors")
    for index, check in enumerate(bad):
        upload, errors = check.upload, check.plan.errors
        download_on_press(
            st,
            as_text(upload_flow.error_workbook_label(upload.name, upload.data, errors)),
            lambda upload=upload, errors=errors: upload_flow.error_workbook(upload.name, upload.data, errors),
            file_name=upload_flow.errors_file_name(upload.name),
            mime=XLSX_MIME,
            key=f"annotated_{index}",
        )
    st.stop()

if "previews" not in state:  # worked out once per choice of files, as the checks are
    names, la_names = access.contract_names(engine), access.la_names(engine)
    state["previews"] = [upload_flow.preview(check.plan, names, la_names) for check in checks]
st.success(
    f"{counted(len(checks), 'file')} checked: no errors. Check the changes below, then confirm."
    + (" They will be imported in the order shown." if len(checks) > 1 else "")
)
# A return's reporting quarter (data currency): its own labelled cell, else the quarter chosen here
stated, without = upload_flow.stated_quarters(checks), upload_flow.returns_without_quarter(checks)
quarter_key = f"upload_quarter_{st.session_state.get(ROUND, 0)}_{hash(state['signature'])}"
if stated or without:
    st.subheader("Reporting quarter")
    for name, quarter in stated.items():
        st.markdown(f"{as_text(name)} reports on **{quarter}**, as its reporting quarter cell says.")
    choices = upload_flow.quarter_choices(
        date.today(),
        [check.plan.reporting_quarter_end for check in checks if check.plan.reporting_quarter_end is not None],
    )
    prefill = next(iter(stated.values()), "")  # pre-filled from the file's labelled cell when it has one
    st.selectbox(
        f"Reporting quarter of {as_text(listed(without))}" if without else "Reporting quarter",
        ["", *choices],
        index=(["", *choices]).index(prefill),
        format_func=lambda quarter: quarter or "Not stated: its data currency stays unknown",
        disabled=not without,
        key=quarter_key,
        help="The quarter the return reports on. Once it has ended, it is its contracts' 'data to' date. A file "
        "with a Reporting quarter (or Quarter ending, or Period) cell above its tables keeps its own.",
    )
    if without and not st.session_state.get(quarter_key):
        st.caption(
            f"{as_text(listed(without))} will be imported with no reporting quarter. Pages will say "
            "its contracts' data currency is not known."
        )

for number, (check, previews) in enumerate(zip(checks, state["previews"])):
    st.subheader(as_text(check.upload.name))
    st.caption(
        f"{templates.kind_title(check.plan.kind)} · file fingerprint (SHA-256, to tell copies apart in the import "
        f"history) {check.plan.sha256[:12]}…"
    )
    if check.plan.ignored_sheets:
        st.caption("Ignored sheets: " + as_text("; ".join(check.plan.ignored_sheets)))
    if check.plan.has_no_data:
        st.warning(as_text(check.plan.no_data_note()), icon=":material/warning:")
    for sheet in previews:
        counts = sheet.counts
        where = f"{number}_{sheet.sheet}"
        st.markdown(
            f"**{as_text(sheet.sheet)}**: " + ", ".join(f"{label.lower()} {number}" for label, number in counts.items())
        )
        if sheet.flags:  # one line and a table, so hundreds of flags never push Confirm out of reach
            st.warning(
                f"{counted(len(sheet.flags), 'flag')} on this sheet. Flags are for attention, not errors: "
                "the rows can still be imported.",
                icon=":material/flag:",
            )
            with _rows(f"Flags ({len(sheet.flags)})", f"flags_{where}", expanded=len(sheet.flags) <= 5) as box:
                if box.open:
                    data_table(sheet.flag_table, f"Flags on {sheet.sheet}", wrap=True)
        if not sheet.inserted.empty:
            with _rows(f"New rows ({len(sheet.inserted)})", f"new_{where}") as box:
                if box.open:
                    data_table(
                        sheet.inserted, f"New rows on {sheet.sheet}", printed=len(sheet.inserted) <= PRINTED_ROWS
                    )
        if not sheet.updated.empty:
            with st.expander(f"Updated rows ({counts['Updated rows']}): before and after", expanded=True):
                data_table(
                    sheet.updated,
                    f"Updated rows on {sheet.sheet}, before and after",
                    printed=len(sheet.updated) <= PRINTED_ROWS,
                )
        if not sheet.vanished.empty:
            with _rows(f"No longer in this return ({len(sheet.vanished)}): kept and flagged", f"gone_{where}") as box:
                if box.open:
                    data_table(
                        sheet.vanished,
                        f"Rows no longer in this return on {sheet.sheet}",
                        printed=len(sheet.vanished) <= PRINTED_ROWS,
                    )
        if not sheet.removed.empty:
            with st.expander(f"No longer in the pricing schedule ({len(sheet.removed)}): removed", expanded=True):
                data_table(sheet.removed, f"Rows no longer in the pricing schedule on {sheet.sheet}")

for check in checks:  # just above Confirm: a partial return is most likely the wrong file
    if warning := upload_flow.left_out_warning(check.plan):
        st.warning(as_text(warning), icon=":material/warning:")
st.button(
    "Confirm and import",
    type="primary",
    key="upload_confirm",
    on_click=_confirm,
    args=(engine, viewer, quarter_key, bool(without)),
)
if failed := st.session_state.pop(FAILED, None):
    st.error(failed)
