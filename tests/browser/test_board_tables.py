"""Tables whole, nothing fetched from outside, no traceback: every page at 1280 and 1440 px wide.

Each page is opened as the Administrator (every page) and as a Board member (the pages a Board
member sees), at the two widths a Board member reads it at, with every expander open (the
"Data table" under each chart). Each grid's columns are measured against its width: the grid's
scroll box must not be wider than the grid (a column cut off at the right). Every request the
browser makes is recorded: each must go to the app's own server. At the end, the server's log
must have no traceback (a table Arrow could not convert, an error caught and logged...).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import AppDriver, new_context

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ADMIN, BOARD = "Administrator", "Board member"
PAGES = [("Overview", ""), ("KPIs", "kpis"), ("Coverage", "coverage"), ("Finance", "finance"),
         ("Timelines", "timelines"), ("LA profile", "la_profile"), ("Upload data", "upload"),
         ("Import history", "import_history"), ("Users and audit", "admin"), ("Methodology", "methodology"),
         ("Accessibility statement", "accessibility")]
BOARD_PAGES = {"Overview", "KPIs", "Coverage", "Finance", "Timelines"}
WIDTHS = [1280, 1440]

# Each shown grid: its name, its width and the width of what it scrolls (its columns).
_GRIDS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter(grid => grid.checkVisibility())
    .map(grid => {
        const scroller = grid.querySelector('.dvn-scroller');
        const named = grid.querySelector('[aria-label]');
        return {name: named ? named.getAttribute('aria-label') : '?', shown: grid.clientWidth,
                columns: scroller ? scroller.scrollWidth : 0, box: scroller ? scroller.clientWidth : 0};
    })"""


@pytest.fixture(scope="module")
def visits(browser, app_server):
    """Every page at each width, as each role: the clipped grids found and every host asked."""
    clipped, hosts, grids = [], set(), 0
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
                for title, _path in PAGES:
                    if role == BOARD and title not in BOARD_PAGES:
                        continue
                    driver.go_to(title)
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
    return {"clipped": clipped, "hosts": hosts, "grids": grids}


def test_no_grid_has_a_column_cut_off_at_1280_or_1440_px(visits):
    assert visits["grids"] > 20  # the journeys did see the tables
    assert visits["clipped"] == []


def test_nothing_is_fetched_from_outside_the_server(visits, app_server):
    own = urlsplit(app_server.url).netloc
    assert visits["hosts"] - {own} == set()


def test_the_server_log_has_no_traceback(visits, app_server):
    log = app_server.log()
    assert "Traceback" not in log, log[log.index("Traceback") - 300:][:3000]
