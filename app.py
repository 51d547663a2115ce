"""Improvement Oversight: the Streamlit entry point (navigation, sign-in, role)."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from dashboard.access import ADMIN, BOARD, CASE_LEAD, CONTRACT_MANAGER
from dashboard.wording import as_text
from data_access.access import record_sign_in
from ui import context
from ui.page_style import PAGE_ICON, PRINT_STYLE

st.set_page_config(page_title="Improvement Oversight", page_icon=PAGE_ICON, layout="wide")

PAGES = {
    "overview": st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    "kpis": st.Page("pages/kpis.py", title="KPIs", icon=":material/target:"),
    "coverage": st.Page("pages/coverage.py", title="Coverage", icon=":material/map:"),
    "finance": st.Page("pages/finance.py", title="Finance", icon=":material/payments:"),
    "timelines": st.Page("pages/timelines.py", title="Timelines", icon=":material/event:"),
    "outcomes": st.Page("pages/outcomes.py", title="Outcomes and value for money", icon=":material/insights:"),
    "la_profile": st.Page("pages/la_profile.py", title="LA profile", icon=":material/location_city:"),
    "upload": st.Page("pages/upload.py", title="Upload data", icon=":material/upload_file:"),
    "import_history": st.Page("pages/import_history.py", title="Import history", icon=":material/history:"),
    "admin": st.Page("pages/admin.py", title="Users and audit", icon=":material/admin_panel_settings:"),
    "methodology": st.Page("pages/methodology.py", title="Methodology", icon=":material/menu_book:"),
    "accessibility": st.Page(
        "pages/accessibility.py", title="Accessibility statement", icon=":material/accessibility:"
    ),
}

# Which pages each role sees in the menu (the data layer enforces the same limits).
ROLE_PAGES = {
    BOARD: {"Programmes": ["overview", "kpis", "coverage", "finance", "timelines", "outcomes"]},
    CONTRACT_MANAGER: {
        "Programmes": ["overview", "kpis", "coverage", "finance", "timelines", "outcomes", "la_profile"],
        "Data": ["upload", "import_history"],
    },
    CASE_LEAD: {"Programmes": ["overview", "kpis", "coverage", "finance", "timelines", "outcomes", "la_profile"]},
    ADMIN: {
        "Programmes": ["overview", "kpis", "coverage", "finance", "timelines", "outcomes", "la_profile"],
        "Data": ["upload", "import_history", "admin"],
    },
}
ABOUT = ["methodology", "accessibility"]

# WCAG 2.4.7 / 1.4.11: the keyboard focus is plain to see on every control, menu links included
# (the theme's focus on the sidebar menu was a faint grey, like the current page's highlight).
# The GOV.UK focus style: black outline on a yellow ring.
FOCUS_STYLE = """<style>
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, summary:focus-visible,
[role="combobox"]:focus-visible, [role="tab"]:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #0b0c0c !important;
  outline-offset: 0 !important;
  box-shadow: 0 0 0 6px #ffdd00 !important;
}
/* A checkbox's or radio's own input is hidden (1 px, clipped): its label, the box the user sees,
   carries the focus. A select box's input is a narrow strip inside it: the whole box does. */
label:has(input[type="checkbox"]:focus-visible), label:has(input[type="radio"]:focus-visible),
[data-testid="stSelectbox"] div:has(> input:focus-visible) {
  outline: 3px solid #0b0c0c !important;
  outline-offset: 0 !important;
  box-shadow: 0 0 0 6px #ffdd00 !important;
}
</style>"""


def main() -> None:
    # Streamlit runs a server's first script run in its pages/-folder mode (this project has a pages/
    # folder), until the first ``st.navigation`` turns that mode off for the whole server: read before it.
    folder_mode = bool(PagesManager.uses_pages_directory)
    st.html(FOCUS_STYLE + PRINT_STYLE)
    if _signed_in_mode():
        if not getattr(st.user, "is_logged_in", False):
            st.title("Improvement Oversight")
            st.write("Sign in with your organisation account to see the dashboard.")
            st.button("Sign in", on_click=st.login, type="primary")
            st.stop()
        if not context.email_verified(st.user):
            st.title("Improvement Oversight")
            st.error(
                f"You cannot sign in: your organisation's sign-in service has not confirmed that "
                f"{as_text(st.user.get('email') or 'your e-mail address')} is yours. "
                "Ask your IT service desk to verify your e-mail address, then sign in again."
            )
            st.button("Sign out", on_click=st.logout)
            st.stop()
        viewer = context.current_viewer()
        if not viewer.role:
            st.error(f"{as_text(viewer.email)} has no role in this service yet. Ask an administrator to add you.")
            st.button("Sign out", on_click=st.logout)
            st.stop()
        if st.session_state.get("signed_in_as") != viewer.email:  # audit each sign-in once per session
            record_sign_in(context.engine(), viewer)
            st.session_state["signed_in_as"] = viewer.email
        st.sidebar.caption(f"Signed in as {as_text(viewer.email)} ({viewer.role_name})")
        st.sidebar.button("Sign out", on_click=st.logout)
    else:
        problem = context.local_mode_address_problem()
        if problem:
            _stop_closed(problem)
        context.role_switcher()
        viewer = context.current_viewer()
    sections = {name: [PAGES[key] for key in keys] for name, keys in ROLE_PAGES[viewer.role].items()}
    sections["About"] = [PAGES[key] for key in ABOUT]
    st.session_state["viewer"] = viewer
    current = st.navigation(sections)
    if folder_mode and not st.session_state.get("navigation_ready"):
        # A run in the pages/-folder mode (a first visit after a restart) gives widgets other
        # identities than every later run: rerunning once under the navigation keeps them stable.
        # Every other new session runs its page once (a rerun here cost a new tab a second run).
        st.session_state["navigation_ready"] = True
        st.rerun()
    _open_deep_link(sections)
    current.run()


def _signed_in_mode() -> bool:
    """Whether sign-in is on; the app stops (no data, no local mode) when its settings are broken."""
    try:
        return context.auth_configured()
    except context.SignInMisconfigured as error:
        _stop_closed(f"{error} Fix .streamlit/secrets.toml (see docs/sign-in.md) and restart the app.")
        return True  # not reached: st.stop()


def _stop_closed(problem: str) -> None:
    """The app will not open: say why, show nothing else."""
    st.title("Improvement Oversight")
    st.error(
        f"The dashboard is closed because its sign-in is not set up safely. {as_text(problem)}", icon=":material/lock:"
    )
    st.stop()


def _open_deep_link(sections: dict) -> None:
    """A deep link served before the navigation existed comes back here with ``next``."""
    asked_for = st.query_params.get(context.NEXT_PAGE)
    if not asked_for:
        return
    del st.query_params[context.NEXT_PAGE]
    allowed = {page for pages in sections.values() for page in pages}
    if asked_for in PAGES and PAGES[asked_for] in allowed:
        st.switch_page(PAGES[asked_for], query_params=st.query_params.to_dict())


main()
