"""Text from a file is shown as text in the real browser (issue 19, finding 6).

A register whose titles and milestone names are Markdown links and images
(``![p](https://evil.example/p.png) [Session expired](https://evil.example/login)``) or HTML
(``<img src=x onerror=alert(1)>``): Chromium shows no link, no image and no element from them on
the Overview and Timelines, as the Board and as an administrator; the text is shown as typed.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from data_access.db import ensure_database, make_engine
from data_access.services import import_file
from tests import small_db
from tests import workbooks as wb
from tests.browser.conftest import AppDriver, start_server, stop_server, warm_up

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LINKS = "![p](https://evil.example/p.png) [Session expired](https://evil.example/login)"
HTML = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("hostile_browser")
    contracts = small_db._contracts()
    for row in contracts:
        row["Title"] = f"{LINKS} {HTML} {row['Title']}"
    milestones = small_db._milestones()
    for row in milestones:
        row["Milestone"] = f"{LINKS} {row['Milestone']}"
    url = f"sqlite:///{folder / 'hostile.db'}"
    engine = make_engine(url)
    ensure_database(engine)
    files = [("register.xlsx", wb.xlsx(wb.register(contracts, milestones)))]
    files += [(name, data) for name, data in small_db.workbooks() if name != "register.xlsx"]
    for name, data in files:
        assert import_file(engine, name, data, "test loader").plan.ok
    engine.dispose()
    server = start_server(url, folder)
    try:
        warm_up(browser, server)
        yield server
    finally:
        stop_server(server.process)


@pytest.mark.parametrize("path, role", [("", "Board member"), ("", "Administrator"), ("timelines", "Administrator")])
def test_no_link_image_or_html_from_a_file(page, hostile_server, path, role):
    app = AppDriver(page, hostile_server.url, hostile_server)
    app.open(f"?as_of={small_db.AS_OF.isoformat()}")
    app.choose_role(role)
    if path:
        app.go_to("Timelines")
    app.wait_rendered()
    main = app.main()
    expect(main).to_contain_text("[Session expired](https:")  # the title is shown, as typed
    links = main.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert not [href for href in links if "evil.example" in href], links
    images = main.locator("img").evaluate_all("images => images.map(i => i.getAttribute('src'))")
    assert not [src for src in images if src and ("evil.example" in src or src == "x")], images
