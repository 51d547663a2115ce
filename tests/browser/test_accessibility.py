"""Accessibility: axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on every page, and the
upload journey with a keyboard alone.

Each page is checked once its charts have been drawn and its tables mounted, with
every expander (the "Data table" under each chart) opened, as the Administrator
(who sees every page) and, for the pages a Board member sees, as a Board member
(their figures are aggregated and suppressed, so the pages differ).

A serious or critical finding fails the test, with its rule, impact and elements.
The only findings tolerated are in Streamlit's own chrome, which the app cannot
change; each is listed in ``STREAMLIT_CHROME`` with the reason, is matched on its
rule *and* the precise element, and is named on the accessibility statement page.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
FAILING_IMPACTS = {"serious", "critical"}

ADMIN = "Administrator"
BOARD = "Board member"

# (page title in the menu, its address)
PAGES = [
    ("Overview", "/"),
    ("KPIs", "/kpis"),
    ("Coverage", "/coverage"),
    ("Finance", "/finance"),
    ("Timelines", "/timelines"),
    ("Outcomes and value for money", "/outcomes"),
    ("LA profile", "/la_profile"),
    ("Upload data", "/upload"),
    ("Import history", "/import_history"),
    ("Users and audit", "/admin"),
    ("Methodology", "/methodology"),
    ("Accessibility statement", "/accessibility"),
]
BOARD_PAGES = ["Overview", "KPIs", "Coverage", "Finance", "Timelines", "Outcomes and value for money"]

# Findings in Streamlit's own chrome (Streamlit 1.67), which the app cannot fix.
# Each is tolerated only for its rule and only on elements inside ``within``; the
# accessibility statement must name the WCAG criterion (``statement``).
STREAMLIT_CHROME = [
    {
        "rule": "list",
        "within": '[data-testid="stSidebarNavItems"]',
        "statement": "1.3.1",
        # st.navigation with sections draws <ul data-testid="stSidebarNavItems"> whose
        # children are <div> section wrappers (a <header> then the <li> links).
        "why": "the sidebar page menu's <ul> holds section <div>s, not <li>s (Streamlit's markup)",
    },
    {
        "rule": "listitem",
        "within": '[data-testid="stSidebarNavItems"]',
        "statement": "1.3.1",
        "why": "the sidebar page menu's <li> links sit in section <div>s inside the <ul> (Streamlit's markup)",
    },
    {
        "rule": "target-size",
        "within": '[data-testid="stDateInput"] [role="spinbutton"]',
        "statement": "2.5.8",
        # st.date_input (react-aria DateField) draws day, month and year as adjacent
        # spin buttons about 22px apart; axe flags them where the field sits (LA profile).
        "why": "the day / month / year parts of Streamlit's date box are targets under 24px apart",
    },
]

_INSIDE = """([selector, within]) => {
    const element = document.querySelector(selector);
    return !!(element && (element.matches(within) || element.closest(within)));
}"""


def _tolerated(page, rule: str, target: list) -> bool:
    if len(target) != 1:  # inside an iframe or shadow root: never tolerated
        return False
    for known in STREAMLIT_CHROME:
        if known["rule"] == rule and page.evaluate(_INSIDE, [target[0], known["within"]]):
            return True
    return False


def serious_violations(page) -> list[str]:
    """axe's serious and critical findings on the page, less the known Streamlit ones."""
    results = Axe().run(page, options=AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        nodes = [node for node in violation["nodes"] if not _tolerated(page, violation["id"], node["target"])]
        for node in nodes:
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"    element: {' >> '.join(node['target'])}\n"
                f"    html: {node['html'][:200]}\n"
                f"    {node.get('failureSummary', '').strip().splitlines()[-1] if node.get('failureSummary') else ''}"
            )
    return found


def open_everything(app) -> None:
    """Open every closed expander of the page (the data tables) and wait for what they draw.

    Clicked from the page's script, all at once: Playwright's one-by-one clicks (each
    waiting for the expander's animation) took seconds on pages with many tables.
    """
    app.page.evaluate("""() => document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary'
    ).forEach(summary => summary.click())""")
    app.wait_rendered()


def check_page(app, title: str) -> None:
    app.go_to(title)
    app.wait_rendered()
    open_everything(app)
    # Every chart has its data as a table (the statement promises it).
    charts = app.main().get_by_test_id("stVegaLiteChart").count()
    tables = app.main().get_by_test_id("stDataFrame").count() + app.main().get_by_test_id("stTable").count()
    assert tables >= charts, f"{title}: {charts} charts but only {tables} tables"
    problems = serious_violations(app.page)
    assert not problems, f"axe found on {title} ({app.path()}):\n" + "\n".join(problems)


@pytest.mark.parametrize("title", [title for title, _ in PAGES])
def test_page_has_no_serious_axe_findings_for_an_administrator(session_as, title):
    app = session_as(ADMIN)
    check_page(app, title)
    assert app.path() == dict(PAGES)[title]


@pytest.mark.parametrize("title", BOARD_PAGES)
def test_board_member_pages_have_no_serious_axe_findings(session_as, title):
    check_page(session_as(BOARD), title)


def test_statement_names_every_tolerated_streamlit_problem(app):
    app.open("accessibility")
    text = app.main_text()
    assert "Accessibility statement for Improvement Oversight" in text
    for known in STREAMLIT_CHROME:
        assert known["statement"] in text, f"the statement does not mention {known['rule']}: {known['why']}"
    for required in (
        "Enforcement procedure",
        "Equality and Human Rights Commission",
        "axe-core",
        "Preparation of this accessibility statement",
        "Non-accessible content",
    ):
        assert required in text
    assert re.search(r"prepared on \d{1,2} \w+ \d{4}", text)


# --------------------------------------------------------------------------- keyboard

_FOCUSED = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    return {
        tag: element.tagName.toLowerCase(),
        text: (element.innerText || element.getAttribute('aria-label') || element.value || '').trim().slice(0, 80),
        testid: (element.closest('[data-testid]') || element).getAttribute('data-testid'),
        inUploader: !!element.closest('[data-testid="stFileUploader"]'),
        focusVisible: element.matches(':focus-visible'),
        indicator: outline || shadow,
    };
}"""


def tab_to(page, wanted, limit: int = 150) -> dict:
    """Press Tab until ``wanted(focused)`` holds; the focused element's description."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused and wanted(focused):
            return focused
        seen.append(focused and f"{focused['tag']} {focused['testid']} {focused['text']!r}")
    raise AssertionError("Tab never reached the control; focus went to:\n" + "\n".join(map(str, seen)))


def test_upload_with_the_keyboard_alone(app, tmp_path):
    """Tab to the uploader and open it with Space; Tab to Confirm and press it with Space."""
    from seeds.demo import write_demo_workbooks

    register = write_demo_workbooks(tmp_path)[0]  # already imported: every row unchanged
    page = app.page
    app.open("accessibility")
    app.choose_role("Contract manager")
    app.go_to("Upload data")
    expect(app.main().get_by_role("heading", name="Upload data")).to_be_visible()
    app.wait_rendered()  # no rerun may replace the focused button under the keyboard
    page.locator("body").focus()

    chooser = None
    for key in ("Space", "Enter", "Space"):  # a rerun can replace the button just as the key lands
        uploader = tab_to(page, lambda f: f["inUploader"] and f["tag"] == "button")
        assert uploader["focusVisible"] and uploader["indicator"], f"no visible focus on the uploader: {uploader}"
        try:
            with page.expect_file_chooser(timeout=15000) as opened:
                page.keyboard.press(key)
            chooser = opened.value
            break
        except PlaywrightTimeoutError:
            app.wait()
            page.locator("body").focus()
    assert chooser is not None, "the keyboard never opened the file chooser from the focused uploader"
    with app.rerun():
        chooser.set_files(str(register))
    expect(app.main().get_by_text("1 file checked: no errors")).to_be_visible()

    confirm = tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Confirm and import")
    assert confirm["focusVisible"] and confirm["indicator"], f"no visible focus on Confirm: {confirm}"
    with app.rerun():
        page.keyboard.press("Space")
    expect(app.main().get_by_text(re.compile(r"Imported \(import \d+\)"))).to_be_visible()


def test_the_keyboard_focus_on_the_menu_is_plain_to_see(app):
    """WCAG 2.4.7 and 1.4.11: a menu link focused by the keyboard has the GOV.UK focus style (a
    3 px near-black outline on a yellow ring), not only the faint tint of the current page."""
    page = app.page
    app.open("methodology")
    app.wait_rendered()
    page.locator("body").focus()
    tab_to(page, lambda f: f["testid"] == "stSidebarNavLink" and f["text"].endswith("KPIs"))
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {width: s.outlineWidth, style: s.outlineStyle, colour: s.outlineColor, ring: s.boxShadow}; }""")
    assert (style["width"], style["style"], style["colour"]) == ("3px", "solid", "rgb(11, 12, 12)"), style
    assert "rgb(255, 221, 0)" in style["ring"], style


_FOCUS_STYLE_OF = """(selector) => { const s = getComputedStyle(document.activeElement.closest(selector));
    return {width: s.outlineWidth, style: s.outlineStyle, colour: s.outlineColor, ring: s.boxShadow}; }"""


def test_the_focus_on_a_checkbox_and_a_select_box_is_on_the_box_the_user_sees(app):
    """A checkbox's input is hidden (1 px, clipped), so its own outline cannot be seen: the label
    around it carries the GOV.UK focus style; a select box's focus is on the whole box, not on the
    narrow input strip inside it (WCAG 2.4.7, 1.4.11)."""
    page = app.page
    app.open("import_history")
    app.wait_rendered()
    page.locator("body").focus()
    tab_to(
        page,
        lambda f: (
            f["tag"] == "input"
            and "Import to undo" in (page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''"))
        ),
    )
    select = page.evaluate(_FOCUS_STYLE_OF, '[data-testid="stSelectbox"] div:has(> input)')
    assert (select["width"], select["style"], select["colour"]) == ("3px", "solid", "rgb(11, 12, 12)"), select
    tab_to(page, lambda f: f["tag"] == "input" and page.evaluate("() => document.activeElement.type") == "checkbox")
    box = page.evaluate(_FOCUS_STYLE_OF, "label")
    assert (box["width"], box["style"], box["colour"]) == ("3px", "solid", "rgb(11, 12, 12)"), box
    assert "rgb(255, 221, 0)" in box["ring"], box


_FOCUS_IN_GRID = """() => {
    const focused = document.activeElement;
    const grid = focused && focused.closest('[data-testid="stDataFrame"]');
    if (!grid) return null;
    const names = [...grid.querySelectorAll('button[aria-label]')].map(button => button.getAttribute('aria-label'));
    return {grid: names[0] || '?', names: names, toolbar: focused.tagName === 'BUTTON'};
}"""


def test_the_overview_s_deadlines_table_is_a_few_tab_presses_per_table_away(app):
    """Keyboard users reach the Overview's deadlines table past every table before it: each grid
    is its toolbar buttons (short names, not a summary read out four times) and one Tab stop for
    its cells (the grid's cursor had moved one column a press: a table of 9 columns took 9)."""
    page = app.page
    app.open("?as_of=2024-03-15")
    app.wait_rendered()
    page.locator("body").focus()
    presses, per_grid, names = 0, {}, set()
    while presses < 200:
        page.keyboard.press("Tab")
        presses += 1
        focused = page.evaluate(_FOCUS_IN_GRID)
        if focused is None:
            continue
        per_grid[focused["grid"]] = per_grid.get(focused["grid"], 0) + 1
        names.update(focused["names"])
        if "deadlines" in focused["grid"] and not focused["toolbar"]:
            break
    else:
        raise AssertionError(f"Tab never reached the deadlines table; grids passed: {per_grid}")
    assert len(per_grid) >= 4, per_grid  # the changes, coverage and spend tables came first
    toolbar_buttons = len({name.split(":")[0] for name in names})
    assert all(count <= toolbar_buttons + 1 for count in per_grid.values()), per_grid
    assert max(len(name.split(": ", 1)[-1]) for name in names) <= 60, max(names, key=len)
    # everything else before it: the menu, the filters, the status grid's links, each section's controls
    assert presses <= 110, (presses, per_grid)
