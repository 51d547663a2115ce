"""Browser tests: the real app (``streamlit run``) on a demo database, driven by Chromium.

Every browser test module sets ``pytestmark = [pytest.mark.browser,
pytest.mark.xdist_group("browser")]``: ``make test`` runs ``pytest -n 2 --dist
loadgroup``, so one worker runs them all, one after another.

Servers (each on its own copy of the session's demo database, ``demo_sqlite_url``,
loaded once through the importer):

- ``app_server``: one per test module, for tests that only read (``app``: a new
  browser session on it; ``session_as(role)``: one session per role for the module);
- ``fresh_app`` / ``writable_app``: one for a single test that writes (an upload);
- ``cold_server`` / ``cold_app``: one no session has visited yet.

The browser is Debian's Chromium (``/usr/bin/chromium``, installed by
``scripts/install-system-deps.sh``), never a browser downloaded by Playwright.

Waiting (``AppDriver.wait``): Streamlit 1.67 marks its root ``[data-testid="stApp"]``
with ``data-test-connection-state`` (``CONNECTED`` once the web socket is up) and
``data-test-script-state`` (``initial``, ``running``, ``notRunning``, ...); elements of
the previous run carry ``data-stale="true"`` until the new run redraws them, and
``[data-testid="stStatusWidget"]`` shows while a script runs. An action that
reruns the script goes inside ``with app.rerun():`` so the wait starts only once
that run has begun (a MutationObserver counts runs started).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT = 60  # seconds
APP_TIMEOUT_MS = 30_000  # the longest a page may take to finish a run
RERUN_START_TIMEOUT_MS = 1_500  # a rerun starts well within this; a very short one may go unseen
VIEWPORT = {"width": 1366, "height": 900}

# Counts the script runs the page has seen start (Streamlit sets data-test-script-state
# on its root element). Installed before any page script, in every page of a context.
COUNT_RUNS = """
window.__streamlitRunsStarted = 0;
new MutationObserver(records => {
    for (const record of records) {
        if (record.target.getAttribute('data-test-script-state') === 'running') {
            window.__streamlitRunsStarted += 1;
        }
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
"""


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class AppServer:
    """A running ``streamlit run app.py`` and the database it reads."""

    url: str
    database_url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _copy_demo_database(demo_sqlite_url: str, folder: Path) -> str:
    """A private copy of the session's demo SQLite database (loaded once by the importer)."""
    source = Path(demo_sqlite_url.removeprefix("sqlite:///"))
    target = folder / "demo.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


def start_server(database_url: str, folder: Path) -> AppServer:
    """Start the app headless on a free port and wait until it answers."""
    env = dict(os.environ)
    env.update(
        DASHBOARD_DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    # A developer's .streamlit/secrets.toml may configure sign-in: the tests use local mode.
    no_secrets = folder / "no-secrets.toml"
    no_secrets.write_text("")
    last_log = ""
    for _attempt in range(3):  # a port taken between choosing it and binding it: try another
        port = _free_port()
        log_path = folder / f"streamlit-{port}.log"
        log_file = log_path.open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--server.runOnSave",
                "false",
                "--browser.gatherUsageStats",
                "false",
                "--secrets.files",
                str(no_secrets),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        log_file.close()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(url):
                return AppServer(url, database_url, process, log_path)
            time.sleep(0.2)
        stop_server(process)
        last_log = log_path.read_text(errors="replace")
    raise RuntimeError(f"streamlit did not start; its output:\n{last_log}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def warm_up(browser, server: AppServer) -> None:
    """Open the home page once, so the server has run ``app.py`` before any test.

    The first run of a new server is the slow one (imports), and Streamlit 1.67
    serves the ``pages/`` folder on its own (a v1 multipage app) until a session
    has called ``st.navigation``: a deep link then takes the app's detour through
    app.py (``ui.context.page_viewer``). ``test_journeys`` checks that first
    visit on its own (``cold_app``); every other test starts after this visit.
    """
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url)
        # The app's own menu (st.navigation in app.py; the v1 menu names pages by file) is enough.
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Accessibility statement").wait_for(
            state="attached", timeout=APP_TIMEOUT_MS
        )
    finally:
        context.close()


@pytest.fixture(scope="module")
def app_server(demo_sqlite_url, tmp_path_factory, browser):
    """The app on a private copy of the demo database, for one test module (read-only use)."""
    folder = tmp_path_factory.mktemp("browser_app")
    server = start_server(_copy_demo_database(demo_sqlite_url, folder), folder)
    try:
        warm_up(browser, server)
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture
def fresh_app(demo_sqlite_url, tmp_path, browser):
    """A server of this test's own, on its own copy of the demo database (for tests that write)."""
    server = start_server(_copy_demo_database(demo_sqlite_url, tmp_path), tmp_path)
    try:
        warm_up(browser, server)
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture
def cold_server(demo_sqlite_url, tmp_path):
    """A server no session has visited yet (no warm-up), on its own copy of the demo database."""
    server = start_server(_copy_demo_database(demo_sqlite_url, tmp_path), tmp_path)
    yield server
    stop_server(server.process)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh (make test does)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def new_context(browser):
    """A browser context (its own cookies, hence its own Streamlit sessions) set up for the app."""
    context = browser.new_context(
        viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London", accept_downloads=False
    )
    context.set_default_timeout(APP_TIMEOUT_MS)
    context.add_init_script(COUNT_RUNS)
    expect.set_options(timeout=APP_TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser):
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


# --------------------------------------------------------------------------- helpers

_APP_IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
    if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    if (status && status.offsetParent !== null && status.textContent.trim() !== '') return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    return true;
}"""

_RENDERED = """() => {
    // Only what is shown: a closed expander's content is not laid out until opened.
    const shown = e => e.checkVisibility ? e.checkVisibility() : e.offsetParent !== null;
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].filter(shown);
    const drawn = charts.every(c => c.querySelector('canvas, svg'));
    const tables = [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(shown);
    const mounted = tables.every(t => t.querySelector('[data-testid="data-grid-canvas"]'));
    return drawn && mounted;
}"""


class AppDriver:
    """Small steps of a journey through the app, each waiting for Streamlit to finish."""

    def __init__(self, page, base_url: str, server: AppServer | None = None):
        self.page = page
        self.base_url = base_url
        self.server = server

    def wait(self, settle_ms: int = 100) -> None:
        """Wait until Streamlit has finished the current run and redrawn every element.

        Checked twice, a moment apart: another run may start between two checks.
        """
        for _ in range(2):
            self.page.wait_for_timeout(settle_ms)
            self.page.wait_for_function(_APP_IDLE, timeout=APP_TIMEOUT_MS, polling=100)

    def runs_started(self) -> int:
        return self.page.evaluate("() => window.__streamlitRunsStarted || 0")

    @contextmanager
    def rerun(self, timeout_ms: int = RERUN_START_TIMEOUT_MS):
        """Around an action that reruns the script: wait for that run to start, then to end.

        Without this, a check made just after a click may still see the previous
        run's idle page. A run too short to be seen falls back to ``wait``.
        """
        before = self.runs_started()
        yield
        with contextlib.suppress(PlaywrightTimeoutError):
            self.page.wait_for_function(
                "n => (window.__streamlitRunsStarted || 0) > n",
                arg=before,
                timeout=timeout_ms,
                polling=50,
            )
        self.wait()

    def wait_rendered(self) -> None:
        """After a run: every chart drawn (canvas or SVG) and every table mounted."""
        self.wait()
        self.page.wait_for_function(_RENDERED, timeout=APP_TIMEOUT_MS, polling=100)

    def open(self, path: str = "") -> None:
        """Load a page by its address (a new Streamlit session) and wait for it."""
        self.page.goto(f"{self.base_url}/{path.lstrip('/')}")
        self.page.wait_for_selector('[data-testid="stApp"]', state="attached")
        self.wait()

    def choose(self, label: str, option: str) -> None:
        """Pick ``option`` in the select box labelled ``label`` (Streamlit's combobox)."""
        box = self.page.get_by_role("combobox", name=label, exact=True)
        choice = self.page.get_by_role("listbox").get_by_role("option", name=option, exact=True)
        # On a server's first session the list may not open, or the choice may be lost,
        # while the page is still settling: try again (a few times at most).
        for _attempt in range(3):
            if box.input_value() == option:
                return
            box.click()
            try:
                choice.wait_for(state="visible", timeout=3_000)
            except PlaywrightTimeoutError:
                self.page.keyboard.press("Escape")
                self.wait()
                continue
            with self.rerun():
                choice.click()
            try:
                expect(box).to_have_value(option, timeout=3_000)
                return
            except AssertionError:
                self.wait()
        expect(box).to_have_value(option)

    def choose_role(self, role_name: str) -> None:
        """Local mode: view the dashboard as ``role_name`` (the sidebar switcher)."""
        self.choose("View the dashboard as", role_name)

    def go_to(self, title: str) -> None:
        """Follow a link of the sidebar menu (keeps the Streamlit session, hence the role)."""
        with self.rerun():
            self.nav_link(title).click()
        expect(self.nav_link(title)).to_have_attribute("aria-current", "page")

    def nav_link(self, title: str):
        return self.page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)

    def choose_matching(self, label: str, typed: str, option: str | re.Pattern) -> None:
        """Type ``typed`` into a searchable select box and pick the option matching ``option``."""
        box = self.page.get_by_role("combobox", name=label, exact=True)
        box.click()
        box.fill(typed)
        choice = self.page.get_by_role("listbox").get_by_role("option", name=option).first
        with self.rerun():
            choice.click()

    def main(self):
        return self.page.get_by_test_id("stMain")

    @staticmethod
    def grid_rows(dataframe) -> list[dict[str, str]]:
        """The rows an ``st.dataframe`` shows, as {column header: cell text}.

        The grid is drawn on a canvas; Streamlit also writes the cells in view into an
        accessible ``<table role="grid">`` inside the canvas, which is read here (only
        rows and columns in view: keep the tables read this way small).
        """
        return dataframe.locator('[data-testid="data-grid-canvas"] table').evaluate(
            """table => {
                const headers = {};
                table.querySelectorAll('thead th').forEach(th => {
                    headers[th.getAttribute('aria-colindex')] = th.textContent.trim();
                });
                return [...table.querySelectorAll('tbody tr')].map(tr => {
                    const row = {};
                    tr.querySelectorAll('td').forEach(td => {
                        row[headers[td.getAttribute('aria-colindex')]] = td.textContent.trim();
                    });
                    return row;
                });
            }"""
        )

    def expand(self, name: str | re.Pattern, within=None) -> None:
        """Open the (first) closed expander whose summary matches ``name``."""
        scope = within if within is not None else self.main()
        summary = scope.locator("details:not([open]) > summary").filter(has_text=name).first
        summary.click()
        self.wait_rendered()

    def main_text(self) -> str:
        return self.main().inner_text()

    def path(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.page.url).path

    def query(self) -> dict[str, str]:
        from urllib.parse import parse_qsl, urlsplit

        return dict(parse_qsl(urlsplit(self.page.url).query))


@pytest.fixture
def app(page, app_server) -> AppDriver:
    """The module's (read-only) app in a new browser session."""
    return AppDriver(page, app_server.url, app_server)


@pytest.fixture(scope="module")
def session_as(browser, app_server):
    """``session_as(role_name)``: one browser session per role for the whole module
    (already switched to that role), for read-only checks of many pages."""
    sessions: dict[str, AppDriver] = {}
    contexts = []

    def get(role_name: str) -> AppDriver:
        if role_name not in sessions:
            context = new_context(browser)
            contexts.append(context)
            driver = AppDriver(context.new_page(), app_server.url, app_server)
            driver.open("accessibility")  # the cheapest page to start on
            driver.choose_role(role_name)
            sessions[role_name] = driver
        return sessions[role_name]

    yield get
    for context in contexts:
        context.close()


@pytest.fixture
def writable_app(fresh_app, page) -> AppDriver:  # the page closes before its server stops
    """An app of this test's own, on its own database, in a new browser session."""
    return AppDriver(page, fresh_app.url, fresh_app)


@pytest.fixture
def cold_app(cold_server, page) -> AppDriver:  # the page closes before its server stops
    """A new server's first visitor (see ``warm_up``)."""
    return AppDriver(page, cold_server.url, cold_server)
