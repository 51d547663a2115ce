"""Journeys through the real app in Chromium, one per kind of user (local mode: the
"View the dashboard as" switch in the sidebar stands in for sign-in).

Figures are checked against ``python -m dashboard kpis --json`` (``queries.summary``)
computed on the same database at the same as-of date.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from data_access.db import make_engine
from data_access.queries import home_tables, summary

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AS_OF = date(2024, 3, 15)  # seeds.demo.DEMO_AS_OF: every KPI status occurs
CONTRACT = "con_9887"  # the leadership contract: both KPIs, coverage minimum 15
KPI_NUMBER = {"one_to_one": 1, "group": 2}
SEFTON = "E08000014"


def cli_summary(database_url: str, as_of: date = AS_OF) -> dict:
    """What ``python -m dashboard kpis --json --as-of`` prints for this database."""
    engine = make_engine(database_url)
    try:
        return summary(engine, as_of)
    finally:
        engine.dispose()


def kpis_of(result: dict, contract: str) -> dict[str, dict]:
    return {item["kpi"]: item for item in result["kpis"] if item["contract"] == contract}


def coverage_of(result: dict, contract: str, financial_year: str, support_type: str) -> int:
    for item in result["coverage"]:
        if (item["contract"], item["financial_year"], item["support_type"]) == (contract, financial_year, support_type):
            return item["las_supported"]
    return 0


# --------------------------------------------------------------------------- Board member


def test_board_member_follows_a_kpi_from_the_overview_to_its_breakdown(app):
    page = app.page
    app.open(f"?as_of={AS_OF.isoformat()}")
    app.choose_role("Board member")
    expect(app.nav_link("Upload data")).to_have_count(0)  # the Board's menu
    expected = kpis_of(cli_summary(app.server.database_url), CONTRACT)
    assert set(expected) == {"one_to_one", "group"}

    # The Overview states each KPI of the contract in words, with its counts.
    overview = app.main_text()
    assert f"Figures as of {AS_OF.day} {AS_OF:%B %Y}" in overview
    for kpi, figures in expected.items():
        assert re.search(rf"KPI {KPI_NUMBER[kpi]}\b[^\n]*: {figures['met']} of {figures['eligible']} ", overview), kpi

    # Above the figures, the notice says how current each contract's data is, its state in words.
    assert "Important: how current the data is" in overview
    assert overview.index("Important: how current the data is") < overview.index("KPIs: leaders more confident")
    for entry in cli_summary(app.server.database_url)["contracts"]:
        data_to = date.fromisoformat(entry["data_to"])
        if entry["return_overdue"]:
            due = date.fromisoformat(entry["next_return_due"])
            assert f"overdue since {due.day} {due:%B %Y}. Data to {data_to.day} {data_to:%B %Y}" in overview, entry
        else:
            assert f"Data to {data_to.day} {data_to:%B %Y}" in overview, entry
    assert "Return overdue" in overview and "Up to date" in overview

    # ... and links to the KPI details of that contract, keeping the as-of date.
    with app.rerun():
        app.main().get_by_role("link", name=f"KPI details for {CONTRACT}").click()
    expect(app.main().get_by_role("heading", name="KPIs: leaders more confident after support")).to_be_visible()
    assert app.path() == "/kpis"
    assert app.query().get("contract") == CONTRACT
    assert app.query().get("as_of") == AS_OF.isoformat()
    expect(page.get_by_role("combobox", name="View the dashboard as")).to_have_value("Board member")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("You see the dashboard as a Board member would.")
    expect(page.get_by_role("combobox", name="Contract", exact=True)).to_have_value(CONTRACT)

    # The breakdown: the same met / eligible as the summary command, in words and in the table.
    breakdown = app.main_text()
    assert f"Figures as of {AS_OF.day} {AS_OF:%B %Y}" in breakdown
    for kpi, figures in expected.items():
        assert re.search(rf"KPI {KPI_NUMBER[kpi]}\b[^\n]*: {figures['met']} of {figures['eligible']} ", breakdown), kpi
    app.expand("Data table")  # the first: the figures under "Against the target"
    rows = app.grid_rows(app.main().get_by_test_id("stDataFrame").first)
    shown = {row["KPI"]: (row["Met"], row["Eligible"]) for row in rows if row["Contract"] == CONTRACT}
    assert len(shown) == len(expected), rows
    for kpi, figures in expected.items():
        name = next(name for name in shown if str(KPI_NUMBER[kpi]) in name)
        assert shown[name] == (str(figures["met"]), str(figures["eligible"])), (kpi, rows)


# --------------------------------------------------------------------------- contract manager


def _return_with_a_new_engagement(folder: Path) -> tuple[str, bytes]:
    """The leadership contract's latest demo return (2023-24 Q4) with one more one-to-one
    package: a Lead Member in Sefton, an LA the contract did not support that year."""
    from seeds.demo import write_demo_workbooks

    paths = write_demo_workbooks(folder)
    path = next(p for p in paths if p.name.endswith(f"{CONTRACT}_2023-24_Q4.xlsx"))
    book = openpyxl.load_workbook(path)
    sheet = next(ws for ws in book.worksheets if ws.title.lower().startswith("engagement"))
    header_row = next(row for row in range(1, 20) if str(sheet.cell(row, 2).value or "").upper().startswith("PACKAGE"))
    headers = [str(cell.value or "").upper() for cell in sheet[header_row]]

    def column(prefix: str) -> int:
        return next(index for index, text in enumerate(headers) if text.startswith(prefix))

    template = next(
        [cell.value for cell in row]
        for row in sheet.iter_rows(min_row=header_row + 1)
        if str(row[column("SUPPORT TYPE")].value or "").lower() in ("one-to-one", "1:1", "one to one")
    )
    new = list(template)
    new[column("PACKAGE ID")] = "LD-2324-O999"
    new[column("LA ")] = "Sefton"
    new[column("SUPPORT TYPE")] = "One-to-one"
    new[column("PARTICIPANT ID")] = "P-9999"
    new[column("ROLE")] = "Lead Member"
    new[column("PARTICIPANT NAME")] = "Demo Person 9999"
    new[column("START DATE")] = datetime(2024, 1, 8)
    new[column("END DATE")] = None
    new[column("DAYS DELIVERED")] = 2
    sheet.append(new)
    buffer = io.BytesIO()
    book.save(buffer)
    return path.name, buffer.getvalue()


COVERAGE_SENTENCE = re.compile(rf"{CONTRACT} one-to-one: (\d+) LAs? supported in 2023-24")


def _coverage_shown(app) -> int:
    app.go_to("Coverage")
    app.wait_rendered()
    match = COVERAGE_SENTENCE.search(app.main_text())
    assert match, app.main_text()[:2000]
    return int(match.group(1))


def test_contract_manager_uploads_a_return_and_sees_the_figures_change(writable_app, tmp_path):
    app = writable_app
    database_url = app.server.database_url
    name, data = _return_with_a_new_engagement(tmp_path / "workbooks")
    before = coverage_of(cli_summary(database_url), CONTRACT, "2023-24", "one_to_one")

    app.open(f"?as_of={AS_OF.isoformat()}")
    app.choose_role("Contract manager")
    assert _coverage_shown(app) == before

    # Upload: the file is checked and previewed; nothing is written yet.
    app.go_to("Upload data")
    with app.rerun():
        app.main().get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            files=[
                {
                    "name": name,
                    "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "buffer": data,
                }
            ]
        )
    expect(app.main().get_by_text("1 file checked: no errors")).to_be_visible()
    preview = app.main_text()
    assert re.search(r"ENGAGEMENTS: new rows 1, updated rows 0, unchanged \d+", preview, re.IGNORECASE), preview[:3000]
    app.expand("New rows (1)")
    new_rows = app.grid_rows(
        app.main().get_by_test_id("stExpander").filter(has_text="New rows (1)").get_by_test_id("stDataFrame")
    )
    assert len(new_rows) == 1, new_rows
    assert {"LD-2324-O999", "P-9999"} <= set(new_rows[0].values()), new_rows
    assert coverage_of(cli_summary(database_url), CONTRACT, "2023-24", "one_to_one") == before

    # Confirm: imported, and the figures change.
    with app.rerun():
        app.main().get_by_role("button", name="Confirm and import").click()
    expect(app.main().get_by_text(re.compile(r"Imported \(import \d+\)"))).to_be_visible()
    after = coverage_of(cli_summary(database_url), CONTRACT, "2023-24", "one_to_one")
    assert after == before + 1
    assert _coverage_shown(app) == after


def test_a_bad_file_s_highlighted_copy_is_made_when_its_button_is_pressed(writable_app):
    """The copy is built off the page's runs (a deferred download): pressing the button hands over
    the workbook with the Errors sheet first and the bad cell filled, and does not rerun the page
    (a rerun raced the file and, under load, the download failed)."""
    from tests import workbooks as wb

    app = writable_app
    data = wb.xlsx(
        wb.quarterly_return(engagements=[wb.engagement_row(**{"Contract reference": CONTRACT, "LA": "Atlantis"})])
    )
    app.open(f"?as_of={AS_OF.isoformat()}")
    app.choose_role("Contract manager")
    app.go_to("Upload data")
    with app.rerun():
        app.main().get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            files=[
                {
                    "name": "bad.xlsx",
                    "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "buffer": data,
                }
            ]
        )
    button = app.main().get_by_role("button", name="Download bad.xlsx with the bad cells highlighted")
    expect(button).to_be_visible()
    runs = app.runs_started()
    with app.page.expect_download(timeout=60000) as download:
        button.click()
    fetched = app.page.request.get(download.value.url)  # the browser contexts here save no downloads
    assert fetched.ok, fetched.status
    app.wait()
    assert app.runs_started() == runs
    book = openpyxl.load_workbook(io.BytesIO(fetched.body()))
    assert book.sheetnames == ["Errors", "Engagements"]
    filled = [cell.coordinate for row in book["Engagements"].iter_rows() for cell in row if cell.comment]
    assert len(filled) == 1 and "Atlantis" in book["Engagements"][filled[0]].value


# --------------------------------------------------------------------------- case lead


def test_case_lead_bookmarks_an_la_profile_and_opens_it_in_a_new_page(app):
    page = app.page
    app.open(f"la_profile?as_of={AS_OF.isoformat()}")
    app.choose_role("Case lead")
    expect(app.nav_link("LA profile")).to_have_attribute("aria-current", "page")
    app.choose_matching("Local authority", "Wirral", re.compile(r"^Wirral"))
    expect(app.main().get_by_role("heading", name="Wirral")).to_be_visible()
    expect(page).to_have_url(re.compile(r"la=E08000015"))
    address = page.url
    assert app.query().get("as_of") == AS_OF.isoformat()

    # The address, opened in a new page (a new session), shows the same LA on the same date.
    other = app.page.context.new_page()
    try:
        bookmarked = type(app)(other, app.base_url, app.server)
        bookmarked.open(address.removeprefix(app.base_url))
        expect(other.get_by_role("combobox", name="Local authority", exact=True)).to_have_value(re.compile("^Wirral"))
        expect(bookmarked.main().get_by_role("heading", name="Wirral")).to_be_visible()
        assert f"Figures as of {AS_OF.day} {AS_OF:%B %Y}" in bookmarked.main_text()
        assert bookmarked.query().get("la") == "E08000015"
    finally:
        other.close()


def test_a_bookmarked_la_profile_opens_as_the_servers_first_visit(cold_app):
    """The documented bookmark ``/la_profile?la=E08000014&as_of=2024-03-15``, as the first
    visit after the server (re)starts: Streamlit then serves ``pages/`` on its own (v1
    multipage app) until ``st.navigation`` has run once; the app must still go through
    app.py (roles) and reach the page with the link's filters (``ui.context.page_viewer``)."""
    app = cold_app
    app.open(f"la_profile?la={SEFTON}&as_of={AS_OF.isoformat()}")
    expect(app.main().get_by_role("heading", name="Sefton")).to_be_visible()
    expect(app.page.get_by_role("combobox", name="Local authority", exact=True)).to_have_value(re.compile("^Sefton"))
    assert app.path() == "/la_profile"
    assert app.query().get("la") == SEFTON
    assert f"Figures as of {AS_OF.day} {AS_OF:%B %Y}" in app.main_text()
    expect(app.nav_link("LA profile")).to_have_attribute("aria-current", "page")  # the app's own menu


def test_a_bookmarked_kpis_link_for_one_contract_opens_as_the_servers_first_visit(cold_app):
    """Pages that start with the shared filters (``ui.context.filtered_page``) reach their own
    page from a cold deep link too, with the link's filters."""
    app = cold_app
    app.open(f"kpis?contract={CONTRACT}&as_of={AS_OF.isoformat()}")
    expect(app.main().get_by_role("heading", name="KPIs: leaders more confident after support")).to_be_visible()
    assert app.path() == "/kpis"
    assert app.query().get("contract") == CONTRACT
    expect(app.page.get_by_role("combobox", name="Contract", exact=True)).to_have_value(CONTRACT)
    expect(app.nav_link("KPIs")).to_have_attribute("aria-current", "page")


def test_a_board_member_sees_which_contracts_are_off_track_in_the_first_screen(app):
    """Issue 17: "which contracts are off track?" is answered in the first screen of the Overview at
    1440x900: the status grid is above the fold, every cell a tag in words."""
    page = app.page
    page.set_viewport_size({"width": 1440, "height": 900})
    app.open(f"?as_of={AS_OF.isoformat()}")
    app.choose_role("Board member")
    grid = app.main().locator("table.io-grid")
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900, box
    rows = grid.locator("tbody tr")
    engine = make_engine(app.server.database_url)
    try:
        contracts = [terms.reference for terms in home_tables(engine)[0]]
    finally:
        engine.dispose()
    assert [row.split("\n")[0] for row in rows.locator("th").all_inner_texts()] == contracts
    for index in range(rows.count()):
        tags = rows.nth(index).locator("td strong.io-tag").all_inner_texts()
        assert len(tags) == 6 and all(tag.strip() for tag in tags), tags
    # each tag is a link to its page for that contract, keeping the as-of date
    first = grid.locator("tbody tr").first.locator("a").first
    href = first.get_attribute("href")
    assert href.startswith("kpis?") and f"as_of={AS_OF.isoformat()}" in href and "contract=" in href
