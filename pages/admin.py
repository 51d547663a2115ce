"""Users and audit (administrators only): users and roles, assignments, the audit log."""

from __future__ import annotations

import json
import logging

import pandas as pd
import streamlit as st

from dashboard.access import ROLE_NAMES, ROLES, may_manage_users
from dashboard.wording import as_text, counted
from data_access import access
from ui import context
from ui.components import data_table, download_buttons, empty_state

log = logging.getLogger(__name__)

viewer = context.page_viewer()
st.title("Users and audit")
if not may_manage_users(viewer):
    st.error("Only administrators manage users and read the audit log.")
    st.stop()
engine = context.engine()

done = st.session_state.pop("admin_message", None)
if done:
    st.success(as_text(done))


def apply(change: access.UserChange, message: str) -> None:
    try:
        access.apply_user_change(engine, viewer, change)
    except (ValueError, LookupError, PermissionError) as refusal:
        st.error(f"{as_text(refusal)}. Nothing was changed.")
    except Exception:  # never a stack trace on screen
        log.exception("user change")
        st.error("The change could not be saved, so nothing was changed. Try again.")
    else:
        st.session_state["admin_message"] = message
        st.rerun()


users_tab, audit_tab = st.tabs(["Users and roles", "Audit log"])
with users_tab:
    users = access.users_for(engine, viewer)
    st.write(
        "People sign in with their organisation e-mail; the role and assignments here decide what they see. "
        "Contract managers see and upload for their contracts; case leads see participants in their LAs and "
        "regions."
    )
    if users:
        table = pd.DataFrame(
            [
                {
                    "E-mail": u["email"],
                    "Role": u["role_name"],
                    "Active": "Yes" if u["active"] else "No",
                    "Contracts": ", ".join(u["contracts"]),
                    "LAs": ", ".join(u["la_codes"]),
                    "Regions": ", ".join(u["region_codes"]),
                }
                for u in users
            ]
        )
        data_table(table, "Users")
    else:
        empty_state("No users yet: add the first one below.")
    emails = [u["email"] for u in users]

    with st.form("add_user", clear_on_submit=True):
        st.markdown("**Add a user or change a role**")
        left, right = st.columns(2)
        email = left.text_input("E-mail", key="new_email")
        role = right.selectbox("Role", ROLES, format_func=ROLE_NAMES.get, key="new_role")
        if st.form_submit_button("Save user"):
            known = email.strip().lower() in emails
            apply(
                access.UserChange("role" if known else "add", email, role=role),
                f"{email.strip().lower()} is now {ROLE_NAMES[role]}.",
            )

    if emails:
        with st.form("assign", clear_on_submit=True):
            st.markdown("**Assign a contract, LA or region**")
            first, second, third = st.columns(3)
            who = first.selectbox("User", emails, key="assign_user")
            scope = second.selectbox(
                "What",
                access.ASSIGNMENT_SCOPES,
                key="assign_scope",
                format_func={
                    "contract": "Contract (reference)",
                    "la": "LA (GSS code)",
                    "region": "Region (E12 code)",
                }.get,
            )
            value = third.text_input("Reference or code", key="assign_value")
            add, remove = st.columns(2)
            if add.form_submit_button("Assign"):
                apply(access.UserChange("assign", who, scope=scope, value=value), f"Assigned {scope} {value} to {who}.")
            if remove.form_submit_button("Remove assignment"):
                apply(
                    access.UserChange("unassign", who, scope=scope, value=value), f"Removed {scope} {value} from {who}."
                )

        with st.form("active"):
            st.markdown("**Allow or stop sign-in**")
            left, right = st.columns(2)
            who = left.selectbox("User", emails, key="active_user")
            active = right.radio("Sign-in", ["Allowed", "Stopped"], horizontal=True, key="active_choice")
            if st.form_submit_button("Save"):
                apply(
                    access.UserChange("active", who, active=active == "Allowed"), f"Sign-in {active.lower()} for {who}."
                )

with audit_tab:
    events = access.audit_log_for(engine, viewer, limit=1000)
    if not events:
        empty_state("The audit log is empty.")
    else:
        log_table = pd.DataFrame(
            [
                {
                    "When (UTC)": e["at"].strftime("%d/%m/%Y %H:%M:%S"),
                    "Who": e["actor"],
                    "Action": e["action"],
                    "Detail": json.dumps(e["detail"], default=str),
                }
                for e in events
            ]
        )
        st.write(
            f"The newest {counted(len(log_table), 'event')}. "
            "The log is append-only: nothing in the service changes or "
            "deletes an event."
        )
        data_table(log_table, "Audit log, newest first")
        download_buttons({"Audit log": log_table}, "audit-log", key="audit")
