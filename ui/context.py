"""The app's database, the signed-in viewer and cached data, for every page."""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
from collections import deque
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Final, NamedTuple

import streamlit as st

from dashboard.access import ADMIN, ROLE_NAMES, ROLES, Viewer, aggregate_only
from dashboard.disclosure import BoardPlan, counted_until
from dashboard.records import Portfolio
from dashboard.views.common import FilterOptions, by_contract, filter_options, narrowed
from dashboard.wording import as_text
from data_access import collector, queries
from data_access.db import DatabaseUnavailable, ready_engine
from data_access.repositories import Scope
from data_access.settings import load_settings
from ui import plan_worker
from ui.filters import PARAMS, Filters, filter_sidebar

log = logging.getLogger(__name__)
LOCAL_USER = "local.user@localhost"
NEXT_PAGE = "next"  # query parameter: the page a deep link asked for


def database_url() -> str:
    return os.environ.get("DASHBOARD_DATABASE_URL") or load_settings().database_url


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    return ready_engine(url)


def engine():
    """The migrated engine; a clear message (never a stack trace) when it cannot open. The caches
    are kept warm for it from then on (``ui.warm``)."""
    from ui import warm

    url = database_url()
    try:
        found = _engine(url)
    except DatabaseUnavailable as error:
        st.error(f"The database cannot be opened. {as_text(error)}")
        st.stop()
    warm.keep_warm(url)
    return found


# What Streamlit's st.login needs in [auth] (the default provider's keys may sit in [auth] itself).
SIGN_IN_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SignInMisconfigured(Exception):
    """Sign-in settings are present but cannot be read or are incomplete: the app must not open."""


def _secrets_sources() -> list[Path]:
    """The secrets files or folders Streamlit reads (``secrets.files``) that exist on this machine."""
    from streamlit import config

    return [Path(path) for path in config.get_option("secrets.files") or () if Path(path).exists()]


def sign_in_problem(secrets: dict) -> str:
    """What is wrong with the sign-in settings in ``secrets`` ('' when none or complete).

    Fail closed: a sign-in key outside ``[auth]`` (a misspelt section) or an ``[auth]``
    section missing a key is a problem, never a reason to open the app without sign-in."""
    auth = secrets.get("auth")
    if auth is None:
        stray = sorted(
            key
            for key, value in secrets.items()
            if key.lower() in (*SIGN_IN_KEYS, "auth")
            or (isinstance(value, dict) and any(name.lower() in SIGN_IN_KEYS for name in value))
        )
        if stray:
            return f"the sign-in settings ({', '.join(stray)}) are not in an [auth] section"
        return ""
    if not isinstance(auth, dict):
        return "[auth] is not a section"
    provider = auth.get("default") if isinstance(auth.get("default"), dict) else {}
    missing = [key for key in SIGN_IN_KEYS if not str(auth.get(key) or provider.get(key) or "").strip()]
    if missing:
        return f"[auth] has no {', '.join(missing)}"
    return ""


def auth_configured() -> bool:
    """Whether sign-in is on. Local mode only when no sign-in is configured at all.

    Raises ``SignInMisconfigured`` when a secrets file is present but cannot be read, or
    its sign-in settings are incomplete (a broken file never serves local administrator mode)."""
    try:
        secrets = st.secrets.to_dict()
    except FileNotFoundError as error:  # StreamlitSecretNotFoundError: none found, or unreadable
        if not _secrets_sources():
            return False
        log.error("sign-in settings unreadable, the app is closed: %s", error)
        raise SignInMisconfigured(
            f"The secrets file (.streamlit/secrets.toml) cannot be read: {error.__cause__ or error}."
        ) from None
    except Exception as error:  # noqa: BLE001 - any other failure to read the settings: closed
        log.error("sign-in settings unreadable, the app is closed: %s", error)
        raise SignInMisconfigured("The secrets file (.streamlit/secrets.toml) cannot be read.") from None
    problem = sign_in_problem(secrets)
    if problem:
        raise SignInMisconfigured(f"The sign-in settings are incomplete: {problem}.")
    return "auth" in secrets


def local_mode_address_problem() -> str:
    """Local mode serves this machine only: '' when the server listens on a loopback address."""
    from streamlit import config

    address = (config.get_option("server.address") or "").strip().strip("[]")
    if address in LOOPBACK:
        return ""
    where = f"on {address}" if address else "on every network interface (server.address is not set)"
    return (
        f"Local mode has no sign-in, so it only runs on this machine, but the server listens {where}. "
        "Set server.address to 127.0.0.1, or turn on sign-in (docs/sign-in.md)."
    )


def email_verified(user) -> bool:
    """Whether the identity provider vouches that the signed-in e-mail belongs to the person.

    OpenID Connect's ``email_verified`` claim must be true; Microsoft Entra ID, which does not
    send it, vouches with ``xms_edov`` (its optional claim 'e-mail domain owner verified')."""
    for claim in ("email_verified", "xms_edov"):
        value = user.get(claim) if hasattr(user, "get") else None
        if value is not None:
            return value is True or str(value).strip().lower() in ("true", "1")
    return False


def current_viewer() -> Viewer:
    """The signed-in user's viewer; in local mode, an administrator who may switch role."""
    if auth_configured():
        from data_access.users import viewer_for_email

        user = st.user
        if not getattr(user, "is_logged_in", False):
            return Viewer(email="", role="")
        return viewer_for_email(engine(), user.get("email", ""))
    role = st.session_state.get("local_role", ADMIN)
    return local_viewer(role)


def local_viewer(role: str) -> Viewer:
    """Local mode: one person trying each role (case leads and managers see the demo assignments)."""
    from data_access.users import demo_assignments

    contracts, la_codes, region_codes = demo_assignments(engine(), role)
    return Viewer(email=LOCAL_USER, role=role, contracts=contracts, la_codes=la_codes, region_codes=region_codes)


def role_switcher() -> None:
    """Local mode only: a banner and a switch to see each role's view."""
    st.session_state.setdefault("local_role", ADMIN)
    name = ROLE_NAMES.get(st.session_state["local_role"], "Administrator")
    seen_as = name if name.startswith("Board") else name.lower()  # the Board is a name: its capital stays
    st.sidebar.warning(
        f"Local mode: no sign-in, on this machine only. You see the dashboard as "
        f"{'an' if seen_as[0] in 'aeiou' else 'a'} {seen_as} would."
    )
    st.sidebar.selectbox(
        "View the dashboard as",
        ROLES,
        format_func=ROLE_NAMES.get,
        key="local_role",
        help="Local mode only: see what each role sees.",
    )


# A cached entry lasts ``KEPT_SECONDS`` from when it was worked out, however often it is used;
# then the next run still gets it while it is worked out again in the background (Streamlit's
# refresh_mode="background"), so nobody meets a cold page every ten minutes. Entries of an older
# data version, which no run asks for, are dropped when they expire.
KEPT_SECONDS = 600
REFRESHED: Final = "background"


@st.cache_resource(show_spinner="Loading figures…", max_entries=16, ttl=KEPT_SECONDS, refresh_mode=REFRESHED)
def _load(url: str, scope: Scope, version: int) -> Portfolio:  # noqa: ARG001 - the cache's key
    """Cached by database, scope and data version: a new import or undo changes the key.

    Shared, not copied, between runs (``cache_resource``): the records are frozen and
    no page changes them, and copying 100,000 units on every rerun cost seconds. Once loaded
    they are set aside from the cycle collector (``collector.set_aside_from_collector``)."""
    data = queries.load(_engine(url), scope)
    collector.set_aside_from_collector()
    return data


@st.cache_resource(show_spinner=False, max_entries=16, ttl=KEPT_SECONDS, refresh_mode=REFRESHED)
def _by_contract(url: str, within: Scope, version: int) -> dict[str, Portfolio]:
    return by_contract(_load(url, within, version))


@st.cache_resource(show_spinner=False, max_entries=32, ttl=KEPT_SECONDS, refresh_mode=REFRESHED)
def _narrowed(url: str, within: Scope, scope: Scope, version: int) -> Portfolio:
    """``scope``'s records picked from the records of ``within`` (loaded once from the database).

    A contract filter (one contract) takes that contract's records, split once per ``within``."""
    data = _load(url, within, version)
    if scope.contracts is not None and len(scope.contracts) == 1:
        one = _by_contract(url, within, version).get(scope.contracts[0].lower())
        data = one if one is not None else narrowed(data, scope.contracts)
        return narrowed(data, None, scope.la_codes, scope.region_codes)
    return narrowed(data, scope.contracts, scope.la_codes, scope.region_codes)


def _narrows(within: Scope, scope: Scope) -> bool:
    """Whether ``scope`` selects part of what ``within`` selects (so it can be picked in memory)."""
    if within.la_codes is not None or within.region_codes is not None:
        return within == scope
    if within.contracts is None:
        return True
    allowed = {reference.lower() for reference in within.contracts}
    return scope.contracts is not None and all(reference.lower() in allowed for reference in scope.contracts)


def oversight_data(scope: Scope, within: Scope | None = None) -> Portfolio:
    """Records for a scope. The scope already carries the viewer's limits, so cache
    entries never pass one role's data to another.

    ``within``: the viewer's own scope (their limits, no filters). The repositories load
    it once; a filter (contract, region, LA) inside it is then picked in memory instead
    of reloading from the database. A scope outside ``within`` is loaded on its own."""
    url, version = database_url(), data_version()
    if within is None or within == scope or not _narrows(within, scope):
        return _load(url, scope, version)
    return _narrowed(url, within, scope, version)


VERSION_SHOWN = "_data_version_shown"  # session state: the data version of this run's figures
VERSION_SEEN = "_data_version_seen"  # session state: the latest data version this session has shown
LATEST_ASKED = "_latest_figures_asked"  # session state: the Board member asked for the latest figures


def data_version() -> int:
    """The data version this run's figures are of: chosen once per run as the page starts
    (``page_viewer``, ``choose_data_version``), so that every figure of a page is of one version;
    the database's when none was chosen."""
    chosen = st.session_state.get(VERSION_SHOWN)
    return chosen if isinstance(chosen, int) else queries.current_data_version(engine())


def choose_data_version(viewer: Viewer) -> tuple[int, int]:
    """(the data version this run shows, the database's). The database's, except for a Board member
    while this server warms the caches for a new version (``warm.board_version``: the figures of the
    version before, ready at once, for a few seconds), unless they asked for the latest figures. A
    session never goes back to an earlier version than one it has shown."""
    from ui import warm

    current = queries.current_data_version(engine())
    seen = min(st.session_state.get(VERSION_SEEN, 0), current)
    asked = st.session_state.pop(LATEST_ASKED, False)
    shown = current
    if aggregate_only(viewer) and not asked:
        shown = max(warm.board_version(database_url(), current), seen)
    st.session_state[VERSION_SHOWN] = shown
    st.session_state[VERSION_SEEN] = max(seen, shown)
    return shown, current


def ask_for_latest() -> None:
    """The Board member chose to see the latest figures: the next run waits for them."""
    st.session_state[LATEST_ASKED] = True


PAGES_WITHOUT_FIGURES = ("accessibility", "methodology")  # no notice of earlier figures there


def page_viewer() -> Viewer:
    """The viewer app.py chose for this run; every page starts with this, once a run. It chooses
    the data version of the run's figures (``choose_data_version``) and, when they are of an
    earlier version than the database's, says so above them.

    Streamlit serves files in ``pages/`` on its own on the very first request after
    a server start when that request is a deep link (before ``st.navigation`` has
    run once). Such a run goes back through app.py, so sign-in and roles always
    apply, and app.py then opens the page asked for (``next``) with the link's filters.
    """
    viewer = st.session_state.get("viewer")
    if viewer is None:
        st.switch_page("app.py", query_params={**st.query_params.to_dict(), NEXT_PAGE: _page_script()})
    shown, latest = choose_data_version(viewer)  # once per run: every page starts here
    if shown < latest and _page_script() not in PAGES_WITHOUT_FIGURES:
        from ui.data_currency import earlier_figures_notice

        earlier_figures_notice(ask_for_latest)
    return viewer


def _page_script() -> str:
    """The name of the page script (in ``pages/``) this run is for, whichever helper asks."""
    for frame in inspect.stack():
        path = Path(frame.filename)
        if path.parent.name == "pages":
            return path.stem
    return ""


class FilteredPage(NamedTuple):
    """What a page with the shared filters starts from."""

    viewer: Viewer
    url: str
    version: int
    filters: Filters
    scope: Scope
    data: Portfolio
    options: FilterOptions  # contracts, years, regions and LAs to choose from


@st.cache_data(show_spinner=False, max_entries=64, ttl=KEPT_SECONDS)
def _filter_options(_data, url: str, scope: Scope, version: int) -> FilterOptions:  # noqa: ARG001 - the cache's key
    return filter_options(_data.contracts, _data.las, _data.regions)


def filtered_page() -> FilteredPage:
    """The viewer, the shared filters drawn in the sidebar, and the data they select."""
    viewer = page_viewer()
    url, version = database_url(), data_version()
    everything = Filters().scope(viewer)
    options = _filter_options(oversight_data(everything), url, everything, version)
    board = aggregate_only(viewer)  # aggregate figures only: no LA filter (LA-level figures are case leads')
    filters = filter_sidebar(
        options.contracts,
        options.financial_years,
        options.regions,
        options.las,
        show=tuple(p for p in PARAMS if p != "la") if board else PARAMS,
        la_regions=options.la_regions,
    )
    if board and filters.la:
        st.info(
            "Figures for one local authority are not part of the Board's view, so every LA is shown.",
            icon=":material/filter_alt_off:",
        )
        filters = replace(filters, la=None)
    if len(options.contracts) > 1:  # split once, so that choosing a contract is quick
        _by_contract(url, everything, version)
    scope = filters.scope(viewer)
    if filters.la in options.same_las:  # a council recoded (North Yorkshire): both its codes
        scope = replace(scope, la_codes=options.same_las[filters.la])
    return FilteredPage(viewer, url, version, filters, scope, oversight_data(scope, within=everything), options)


@st.cache_resource(
    show_spinner="Working out which figures the Board may see…",
    max_entries=16,
    ttl=KEPT_SECONDS,
    refresh_mode=REFRESHED,
)
def _board_plan(url: str, everything: Scope, version: int, until: date) -> BoardPlan:
    """The plan over the records of data ``version`` itself (not the version current when it is
    worked out, which an import may have moved on: the plan must be of the records it is used with)."""
    return plan_worker.worked_out(_load(url, everything, version).units, until)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=KEPT_SECONDS, refresh_mode=REFRESHED)
def _counted_until(url: str, everything: Scope, version: int, as_of: date) -> date:
    return counted_until(_load(url, everything, version).units, as_of)


def board_plan_as_of(url: str, everything: Scope, version: int, as_of: date) -> BoardPlan:
    """The Board's plan over ``everything`` as of ``as_of``, worked out once for every date that
    counts the same units (``disclosure.counted_until``): the plan warmed for today serves any
    date after the latest start."""
    plan = _board_plan(url, everything, version, _counted_until(url, everything, version, as_of))
    return plan if plan.as_of == as_of else replace(plan, as_of=as_of)


RECENT_DATES_KEPT = 4
_recent_dates: deque[date] = deque(maxlen=RECENT_DATES_KEPT)  # as-of dates the Board asked for lately


def recent_board_dates() -> list[date]:
    """The as-of dates the Board's plan was last asked for on this server, most recent last (the
    caches are warmed for them again after an import: ``ui.warm``)."""
    return list(_recent_dates)


def board_plan_for(viewer: Viewer, as_of: date) -> BoardPlan | None:
    """The Board's plan (``dashboard.disclosure.board_plan``) over every participant the viewer may
    see, unfiltered, as of ``as_of``: the same groups are withheld whatever the filters (docs: "Figures
    the Board does not see"). None for other roles, whose figures are not withheld."""
    if not aggregate_only(viewer):
        return None
    if not _recent_dates or _recent_dates[-1] != as_of:  # the latest asked for last, each date once
        with contextlib.suppress(ValueError):  # not among them (or another session's run moved it first)
            _recent_dates.remove(as_of)
        _recent_dates.append(as_of)
    return board_plan_as_of(database_url(), Filters().scope(viewer), data_version(), as_of)


def board_plans_for(viewer: Viewer, scope: Scope, dates: tuple[date, ...]) -> dict[date, BoardPlan]:
    """The Board's plans as of ``dates`` (``board_plan_for``) when a page's records (``scope``) are
    all those the Board reaches, no filter narrowing them: then they are the plans over the page's
    records, already worked out (in the background after an import). Otherwise none: the page works
    them out from its records."""
    if not aggregate_only(viewer) or scope != Filters().scope(viewer):
        return {}
    plans = {on: board_plan_for(viewer, on) for on in dates}
    return {on: plan for on, plan in plans.items() if plan is not None}


NAMES_KEPT = 8  # participant lists whose names a session keeps


def participant_names(viewer: Viewer, units) -> dict[tuple[str, str, str], str]:
    """Participants' names for ``units`` that ``viewer`` may see (``queries.participant_names``).

    Kept for this session only, for its last few lists of participants (personal data never
    goes into a cache shared between users): going back to a filter, or narrowing one (a
    contract's participants among all those already shown), does not read them again."""
    asked = (database_url(), data_version(), viewer)
    wanted = frozenset((unit.contract.lower(), unit.package_id, unit.participant_id) for unit in units)
    kept: dict = st.session_state.setdefault("_participant_names", {})
    found = next((key for key in kept if key[0] == asked and wanted <= key[1]), None)
    if found is None:
        found = (asked, wanted)
        kept[found] = queries.participant_names(engine(), viewer, units)
    kept[found] = kept.pop(found)  # most recently used last
    while len(kept) > NAMES_KEPT:
        del kept[next(iter(kept))]
    names = kept[found]
    if found[1] == wanted:
        return names
    return {key: name for key, name in names.items() if (key[0].lower(), key[1], key[2]) in wanted}


@st.cache_resource(show_spinner="Loading outcome indicators…", max_entries=2, ttl=3600)
def _indicators(url: str, version: int):  # noqa: ARG001 - the cache's key
    from dashboard.outcomes_indicators import Indicators

    found = queries.indicator_records(_engine(url))
    return Indicators(found.measures, found.values, found.neighbours)


def reference_version() -> int:
    """Changes with each refresh of the LAIT reference data (``queries.reference_version``)."""
    return queries.reference_version(engine())


def indicators():
    """The DfE LAIT outcome measures, values and statistical neighbours (reference data, the same for
    every viewer), indexed once per refresh."""
    return _indicators(database_url(), reference_version())
