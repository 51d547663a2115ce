"""Tables whole, nothing fetched from outside, no traceback: every page at 1280 and 1440 px wide.

Each page is opened as the Administrator (every page) and as a Board member (the pages a Board
member sees), at the two widths a Board member reads it at, with every expander open (the
"Data table" under each chart). Each grid's columns are measured against its width: the grid's
scroll box must not be wider than the grid (a column cut off at the right). Every request the
browser makes is recorded: each must go to the app's own server. At the end, the server's log
must have no traceback (a table Arrow could not convert, an error caught and logged...).

The pages visited are checked against each role's own menu, so a page added to the menu cannot be
missed here. A page's first visit on a new server may load reference data (the Outcomes page reads
the LAIT indicators), and on a busy machine a run can take longer than the driver's usual 30 s, so
each visit is given a longer wait for its run to finish before the usual checks.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.conftest import _APP_IDLE, RERUN_START_TIMEOUT_MS, AppDriver, new_context

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ADMIN, BOARD = "Administrator", "Board member"
PAGES = [
    ("Overview", ""),
    ("KPIs", "kpis"),
    ("Coverage", "coverage"),
    ("Finance", "finance"),
    ("Timelines", "timelines"),
    ("Outcomes and value for money", "outcomes"),
    ("LA profile", "la_profile"),
    ("Upload data", "upload"),
    ("Import history", "import_history"),
    ("Users and audit", "admin"),
    ("Methodology", "methodology"),
    ("Accessibility statement", "accessibility"),
]
BOARD_PAGES = {
    "Overview",
    "KPIs",
    "Coverage",
    "Finance",
    "Timelines",
    "Outcomes and value for money",
    "Methodology",
    "Accessibility statement",
}
WIDTHS = [1280, 1440]
FIRST_VISIT_MS = 180_000  # a page's run: the first on a new server loads reference data and fills caches

# The titles of the links in the sidebar menu, as the role sees it.
_MENU = """() => [...document.querySelectorAll(
    '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"] span[label]')].map(s => s.getAttribute('label'))"""

# Each shown grid: its name, its width and the width of what it scrolls (its columns).
_GRIDS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter(grid => grid.checkVisibility())
    .map(grid => {
        const scroller = grid.querySelector('.dvn-scroller');
        const named = grid.querySelector('[aria-label]');
        return {name: named ? named.getAttribute('aria-label') : '?', shown: grid.clientWidth,
                columns: scroller ? scroller.scrollWidth : 0, box: scroller ? scroller.clientWidth : 0};
    })"""


def _go_to_patiently(driver: AppDriver, title: str) -> None:
    """Follow the menu link to ``title``, waiting up to FIRST_VISIT_MS for the page's run to finish."""
    page, before = driver.page, driver.runs_started()
    driver.nav_link(title).click()
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            "n => (window.__streamlitRunsStarted || 0) > n", arg=before, timeout=RERUN_START_TIMEOUT_MS, polling=50
        )
    expect(driver.nav_link(title)).to_have_attribute("aria-current", "page", timeout=FIRST_VISIT_MS)
    page.wait_for_function(_APP_IDLE, timeout=FIRST_VISIT_MS, polling=250)


@pytest.fixture(scope="module")
def visits(browser, app_server):
    """Every page at each width, as each role: the clipped grids found, every host asked, and the
    pages visited beside the role's menu."""
    clipped, hosts, grids = [], set(), 0
    visited: dict[str, list[str]] = {}
    menus: dict[str, list[str]] = {}
    for width in WIDTHS:
        for role in (ADMIN, BOARD):
            context = new_context(browser)
            try:
                page = context.new_page()
                page.set_viewport_size({"width": width, "height": 900})
                page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
                driver = AppDriver(page, app_server.url, app_server)
                driver.open("accessibility")
                driver.choose_role(role)
                menus[role] = page.evaluate(_MENU)
                visited[role] = []
                for title, _path in PAGES:
                    if role == BOARD and title not in BOARD_PAGES:
                        continue
                    _go_to_patiently(driver, title)
                    visited[role].append(title)
                    driver.wait_rendered()
                    page.evaluate("""() => document.querySelectorAll(
                        '[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary'
                    ).forEach(summary => summary.click())""")
                    driver.wait_rendered()
                    for grid in page.evaluate(_GRIDS):
                        grids += 1
                        if grid["columns"] > grid["box"] + 1:
                            clipped.append((width, role, title, grid))
            finally:
                context.close()
    return {"clipped": clipped, "hosts": hosts, "grids": grids, "visited": visited, "menus": menus}


def test_every_page_of_each_roles_menu_is_visited(visits):
    """A page added to the app's menu is measured here too: the pages visited are the menu's."""
    assert visits["menus"][ADMIN] == visits["visited"][ADMIN]
    assert visits["menus"][BOARD] == visits["visited"][BOARD]
    assert "Outcomes and value for money" in visits["visited"][BOARD]


# Grids known to have a column cut off, to be fixed in the page: (page, the start of the grid's name).
# The Outcomes page's table of each supported LA judged before and after sits in a "Data table" expander
# inside another expander, narrower than the width its columns are fitted to (at 1280 px: 846 px shown,
# 877 px of columns).
def test_no_grid_has_a_column_cut_off_at_1280_or_1440_px(visits):
    assert visits["grids"] > 20  # the journeys did see the tables
    assert visits["clipped"] == []


def test_nothing_is_fetched_from_outside_the_server(visits, app_server):
    own = urlsplit(app_server.url).netloc
    assert visits["hosts"] - {own} == set()


def test_the_server_log_has_no_traceback(visits, app_server):
    log = app_server.log()
    assert "Traceback" not in log, log[log.index("Traceback") - 300 :][:3000]
