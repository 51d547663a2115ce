"""The Overview (home) page, driven by AppTest: figures worked out by hand on the small database
(``tests/small_db.py``), and the demo database for what needs more data."""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.calendar import financial_year_of
from dashboard.finance import spend_against_allocations
from dashboard.kpi import compute_kpis
from tests.small_db import small_db_each  # noqa: F401 - fixture

AS_OF = date(2022, 6, 30)


@pytest.fixture(scope="module")
def records(demo_records):
    return demo_records


@pytest.fixture
def app(open_page):
    return functools.partial(open_page, None, as_of=AS_OF.isoformat())


def _table(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


# Worked out by hand from tests/small_db.py as of 30 June 2022 (docs/how-figures-are-worked-out.md).
# KPIs (see test_pages_kpis.py): CON-LD KPI 1 1 met of 2 eligible, 50 %, interval 9-91 % around the 75 % target
#   -> cannot tell yet [u]; CON-SLI KPI 1 0 of 1 -> cannot tell yet [u]; CON-IA KPI 1 and CON-LD KPI 2 nobody
#   eligible -> no data; CON-IA and CON-SLI have no group packages -> no packages.
# Coverage in 2022-23, the latest year with support: CON-LD one-to-one Leeds (LD-3 to 31/05/2022) and group Sefton
#   (LD-G1) = 1 each of a minimum of 15 in a year not over -> below so far; CON-IA Sefton 1; CON-SLI 0 (SLI-1 ended
#   25/03/2022); neither has a minimum.
# Spend in 2022-23: the only 2022-23 invoice (LD-INV-4) is dated 12/07/2022, after the as-of date -> nothing spent;
#   allocated CON-IA 8,000 + 0; CON-LD 40,000 + 6,000.55 + 3,000 = 49,000.55; CON-SLI 200,000 + 20,000 = 220,000.
#   Overspent in 2021-22: CON-IA Expenses 620.40 - 500 = 120.40; CON-LD Overheads 500 + 2,600 - 3,000 = 100.00.
# Deadlines: CON-LD's Interim evaluation report was due 01/06/2022, not done -> overdue; CON-IA's break decision
#   was due 31/03/2022, not taken -> overdue (it was shown "Due soon" before: a decision past its date is overdue).
HAND_GRID = {  # contract -> its six tags: KPI 1, KPI 2, Minimum LAs this year, Spend this year, Next deadline, Data currency
    "CON-IA": ["No data", "No packages", "Not set", "Within allocation", "Overdue", "Unknown"],
    "CON-LD": ["Cannot tell yet", "No data", "Below so far", "Within allocation", "Overdue", "Unknown"],
    "CON-SLI": ["Cannot tell yet", "No packages", "Not set", "Within allocation", "Due soon", "Unknown"],
}
HAND_CHANGES = [  # 30/03/2022 (3 months before) against 30/06/2022
    ("CON-IA", "KPI 1 rate", "no data", "no data", "no change"),
    ("CON-IA", "KPI 1 eligible", "0", "0", "no change"),
    ("CON-IA", "LAs supported in 2022-23 (one-to-one)", "none", "1", "new"),  # 2022-23 had not begun on 30/03
    ("CON-IA", "Spent to date (£)", "£7,520.40", "£7,520.40", "no change"),  # (4 + 4.5 + 3) x 600 + 620.40, 10/10/2021
    ("CON-IA", "Headings overspent", "1", "1", "no change"),  # Expenses 2021-22
    ("CON-LD", "KPI 1 rate", "50 %", "50 %", "no change"),  # LD-1 met, LD-2 not met on both dates
    ("CON-LD", "KPI 1 eligible", "2", "2", "no change"),
    ("CON-LD", "KPI 2 rate", "no data", "no data", "no change"),
    ("CON-LD", "KPI 2 eligible", "0", "0", "no change"),
    ("CON-LD", "LAs supported in 2022-23 (group)", "none", "1", "new"),
    ("CON-LD", "LAs supported in 2022-23 (one-to-one)", "none", "1", "new"),
    # LD-INV-1 5,500 + 500 and LD-INV-2 2,700 by 30/03; LD-INV-3 (15/05/2022) adds 2,250.33 + 2,600 = 4,850.33
    ("CON-LD", "Spent to date (£)", "£8,700.00", "£13,550.33", "up £4,850.33"),
    ("CON-LD", "Headings overspent", "0", "1", "up 1"),  # Overheads 2021-22: 500 by 30/03, 3,100 of 3,000 now
    ("CON-SLI", "KPI 1 rate", "no data", "0 %", "new"),  # SLI-1's window was open on 30/03, closed on 25/06
    ("CON-SLI", "KPI 1 eligible", "0", "1", "up 1"),
    ("CON-SLI", "Spent to date (£)", "£0.00", "£5,400.00", "up £5,400.00"),  # 4,000 + 1,400 dated 20/04/2022
    ("CON-SLI", "Headings overspent", "0", "0", "no change"),
]
HAND_DEADLINES = [  # Due, Contract, Details: the next 60 days from 30/06/2022, and the overdue break decision
    ("2022-03-31", "CON-IA", "Decide whether to use the break on 31 March 2022 (overdue)"),  # register's break date
    ("2022-07-13", "CON-IA", "Case report 9"),  # call-off from 30/06/2021: 9 x 6 weeks = 378 days
    ("2022-07-15", "CON-IA", "Diagnostic report"),  # register milestone
    ("2022-07-30", "CON-IA", "Invoice for 2022-23 Q1"),  # 30 days after Q1 ends on 30/06/2022
    ("2022-07-30", "CON-IA", "Progress report for 2022-23 Q1"),
    ("2022-07-30", "CON-LD", "Invoice for 2022-23 Q1"),
    ("2022-07-30", "CON-LD", "Progress report for 2022-23 Q1"),
    ("2022-07-30", "CON-SLI", "Invoice for 2022-23 Q1"),
    ("2022-07-30", "CON-SLI", "Progress report for 2022-23 Q1"),
    ("2022-08-24", "CON-IA", "Case report 10"),  # 10 x 6 weeks = 420 days; Sefton's next review is 01/11/2022
]


def _grid(at: AppTest) -> dict[str, list[tuple[str, str]]]:
    """Contract -> its cells as (tag, detail) from the status grid's HTML."""
    (grid,) = [element for element in at.get("html") if "io-grid" in element.proto.body]
    rows = re.findall(r'<tr><th scope="row">(.*?)</tr>', grid.proto.body)
    return {
        re.match(r"[^<]+", row).group(0): re.findall(
            r'<strong class="io-tag io-tag--\w+">([^<]+)</strong></a><span class="io-detail">([^<]*)', row
        )
        for row in rows
    }


def _literal_rows(frame, columns: list[str]) -> list[tuple]:
    return [tuple(str(value) for value in row) for row in frame[columns].itertuples(index=False)]


@pytest.mark.parametrize("role", ["admin", "board"])
def test_worked_by_hand_on_the_small_database(monkeypatch, small_db_each, role):  # noqa: F811
    from tests.small_db import open_page as open_small

    at = open_small(monkeypatch, small_db_each, None, role=role, as_of="2022-06-30")
    grid = _grid(at)
    expected = {contract: list(tags) for contract, tags in HAND_GRID.items()}
    if role == "board":  # about one LA's people: CON-IA (Sefton), CON-SLI (Knowsley), CON-LD's KPI 2 (Sefton)
        expected["CON-IA"][0] = expected["CON-SLI"][0] = expected["CON-LD"][1] = "Withheld"
    assert {contract: [tag for tag, _ in cells] for contract, cells in grid.items()} == expected
    # LD-1 and LD-2's baselines are dated 1 day after their packages started (the KPIs page lists them)
    assert grid["CON-LD"][0][1] == "50 % [u] of 2 (target 75 %); 2 late baselines"
    assert grid["CON-LD"][2][1] == "1 of 15 in 2022-23 (group), year not over"
    assert grid["CON-LD"][4][1] == "Interim evaluation report was due 1 Jun 2022"
    # nothing spent in 2022-23 (said in words, not "0 %"); the 2021-22 overspends stay in view
    assert [cells[3][1] for cells in grid.values()] == [
        "nothing spent in 2022-23; still overspent in 2021-22: Expenses by £120",
        "nothing spent in 2022-23; still overspent in 2021-22: Overheads by £100",
        "nothing spent in 2022-23",
    ]
    assert grid["CON-IA"][4][1] == "Decide whether to use the break on 31 March 2022 (overdue)"
    # none has ended on 30/06/2022; CON-IA's overdue break decision now counts as off track too
    assert at.markdown[1].value == (
        "2 of 3 contracts are off track. CON-IA: a deadline overdue. "
        "CON-LD: too few LAs supported so far and a deadline overdue."
    )

    coverage = _table(at, "Against minimum")
    assert _literal_rows(coverage, ["Contract", "Support type", "LAs supported", "Minimum", "Against minimum"]) == [
        ("CON-IA", "One-to-one", "1", "<NA>", "No minimum (not set in the contract register)"),
        ("CON-LD", "Group", "1", "15", "Below so far: year not over"),
        ("CON-LD", "One-to-one", "1", "15", "Below so far: year not over"),
        ("CON-SLI", "One-to-one", "0", "<NA>", "No minimum (not set in the contract register)"),
    ]

    spend = _table(at, "Allocated in all (£)")
    assert [
        (contract, year, int(headings), int(over), round(float(allocated), 2), round(float(spent), 2))
        for contract, year, headings, over, allocated, spent in spend[
            ["Contract", "Financial year", "Headings", "Headings overspent", "Allocated in all (£)", "Spent in all (£)"]
        ].itertuples(index=False)
    ] == [
        ("CON-IA", "2022-23", 2, 0, 8000.00, 0.0),
        ("CON-LD", "2022-23", 3, 0, 49000.55, 0.0),
        ("CON-SLI", "2022-23", 2, 0, 220000.00, 0.0),
    ]
    sentence = next(m.value for m in at.markdown if m.value.startswith("In 2022-23, "))
    assert re.search(r"\b0 of 7\b", sentence)
    assert "CON-IA Expenses 2021-22 (over by £120.40)" in sentence
    assert "CON-LD Overheads 2021-22 (over by £100.00)" in sentence

    deadlines = _table(at, "Days left")
    assert [
        (str(due.date()), contract, details)
        for due, contract, details in deadlines[["Due", "Contract", "Details"]].itertuples(index=False)
    ] == HAND_DEADLINES

    if role == "admin":
        bullets = [m.value for m in at.markdown if m.value.startswith("- KPI ")]
        assert [bool(re.search(r"\b1 of 2\b.*\b50 %", b)) for b in bullets] == [False, True, False, False]
        assert _literal_rows(_table(at, "Then"), ["Contract", "Figure", "Then", "Now", "Change"]) == HAND_CHANGES


def test_each_contract_links_to_its_kpis_keeping_the_filters(app, records):
    at = app("admin", fy="2021-22")
    links = [link.proto for link in at.get("page_link") if link.proto.label.startswith("KPI details for")]
    ending = [u for u in records.units if u.end_date and financial_year_of(u.end_date) == "2021-22"]
    contracts = sorted({r.contract for r in compute_kpis(ending, records.responses, None, AS_OF)})
    assert contracts
    assert sorted(link.label.removeprefix("KPI details for ") for link in links) == contracts
    for link in links:
        params = parse_qs(link.query_string)
        assert params["contract"] == [link.label.removeprefix("KPI details for ")]
        assert params["fy"] == ["2021-22"] and params["as_of"] == [AS_OF.isoformat()]
        assert link.page == "kpis"


def test_an_overspend_of_an_earlier_year_stays_in_the_spend_sentence(open_page, records):
    """The Overview shows the latest year's headings; an earlier year still overspent (Finance
    flags it) is named too, so the Board's one glance does not miss it."""
    as_of = date(2024, 3, 15)
    rows = spend_against_allocations(records.allocations, records.invoice_lines, as_of)
    latest = max(r.financial_year for r in rows if r.financial_year <= financial_year_of(as_of))
    earlier = [r for r in rows if r.overspent and r.financial_year < latest]
    assert earlier, "the demo data has an earlier year overspent here"
    at = open_page(None, "board", as_of=as_of.isoformat())
    sentence = next(m.value for m in at.markdown if m.value.startswith(f"In {latest}, "))
    for row in earlier:
        assert f"{row.contract} {row.heading} {row.financial_year} (over by £{-row.remaining:,.2f})" in sentence
    assert "in all" not in sentence  # never pooled


@pytest.mark.parametrize(
    "role, details", [("board", False), ("case_lead", False), ("contract_manager", True), ("admin", True)]
)
def test_only_those_who_upload_see_file_names_and_importers(app, role, details):
    """E-mail addresses are personal data and file names may hold some: the Board and case leads see
    when each import was made, of what kind and for which contract, never the file or who."""
    imports = _table(app(role), "Outcome")
    assert len(imports) >= 1
    assert ("File" in imports.columns, "Who" in imports.columns) == (details, details)


def test_board_sees_no_personal_data_and_no_importer_names(app):
    at = app("board")
    imports = _table(at, "Outcome")
    assert "Who" not in imports.columns and "File" not in imports.columns and len(imports) >= 1
    assert all("Participant ID" not in frame.value.columns for frame in at.dataframe)
    contracts = _table(at, "Programme")
    assert len(contracts) >= 1


def test_administrators_see_who_imported(app):
    at = app("admin")
    imports = _table(at, "File")
    assert "Who" in imports.columns and "None" not in set(imports["Contract"].astype(str))


def test_an_empty_database_gives_a_helpful_message(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    assert not at.exception
    assert any("no contracts for these filters yet" in info.value for info in at.info)


@pytest.mark.parametrize(
    "param, value, words",
    [
        ("contract", "NOPE-1", "contract 'NOPE-1'"),
        ("la", "E99999999", "local authority 'E99999999'"),
        ("region", "E12999999", "region 'E12999999'"),
        ("fy", "1999-00", "financial year '1999-00'"),
    ],
)
def test_a_link_naming_something_unknown_says_so(open_page, param, value, words):
    at = open_page(None, tables=False, **{param: value, "as_of": AS_OF.isoformat()})  # the link's first view
    assert any(words in w.value and "is not one you can choose here" in w.value for w in at.warning)


def test_a_link_with_a_contract_in_another_case_is_that_contract(open_page, records):
    contract = records.contracts[0].reference
    at = open_page(None, contract=contract.upper(), as_of=AS_OF.isoformat())
    assert not [w for w in at.warning if "is not one you can choose here" in w.value]
    assert at.selectbox(key="filter_contract").value == contract


def test_spend_and_deadlines_say_they_are_not_narrowed_by_an_la(open_page, records):
    la = sorted({u.la_code for u in records.units})[0]
    notes = ("Invoices are not split by local authority", "The year, LA and region filters do not narrow deadlines")
    narrowed = open_page(None, la=la, as_of=AS_OF.isoformat())
    assert [any(note in c.value for c in narrowed.caption) for note in notes] == [True, True]
    everything = open_page(None, as_of=AS_OF.isoformat())
    assert [any(note in c.value for c in everything.caption) for note in notes] == [False, False]


def test_the_board_can_download_its_pack_from_the_overview(app):
    at = app("board")
    labels = [element.proto.label for element in at.get("download_button")]
    assert "Download the Board pack (Excel)" in labels


def test_overdue_milestones_are_said_on_the_overview(app, records):
    """The glance page says what the Timelines page marks overdue, not only what falls due next."""
    when = date(2024, 3, 15)
    overdue = [
        m for m in records.milestones if m.due_date < when and (m.completed_date is None or m.completed_date > when)
    ]
    assert overdue, "the demo data has a milestone overdue on 15 March 2024"
    warnings = [w.value for w in app(as_of=when.isoformat()).warning if "overdue" in w.value]
    assert len(warnings) == 1 and warnings[0].startswith(f"{len(overdue)} milestone")
    assert all(m.name in warnings[0] for m in overdue)
    assert not [w.value for w in app(as_of="2019-01-01").warning if "overdue" in w.value]


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_an_as_of_date_the_dashboard_cannot_work_with_is_said_not_a_crash(open_page, as_of):
    """A bookmarked link with a date at the ends of the calendar: today is used, and the page says so."""
    at = open_page(None, tables=False, as_of=as_of)  # the link's first view
    assert not at.exception
    assert any(
        f"The as-of date '{as_of}' in the web address is outside the dates the dashboard covers" in w.value
        for w in at.warning
    )


def test_allocations_before_any_spend_are_shown_as_the_finance_page_shows_them(open_page, records):
    """Before any year with an allocation has started, the pricing schedule's allocations are there
    (Finance lists them) and nothing is spent: the Overview says that, not that nothing is recorded."""
    as_of = date(2018, 1, 1)
    rows = spend_against_allocations(records.allocations, records.invoice_lines, as_of)
    assert rows and all(r.financial_year > financial_year_of(as_of) for r in rows), (
        "the demo data allocates only for years after 2017-18"
    )
    first = min(r.financial_year for r in rows)
    at = open_page(None, as_of=as_of.isoformat())
    assert not any("No allocations or spend recorded" in info.value for info in at.info)
    assert f"Spend against allocation in {first}" in [h.value for h in at.header]
    table = _table(at, "Allocated in all (£)")
    mine = [r for r in rows if r.financial_year == first]
    assert set(table["Financial year"]) == {first}
    assert Decimal(str(table["Allocated in all (£)"].sum())).quantize(Decimal("0.01")) == sum(r.allocated for r in mine)
    assert table["Spent in all (£)"].sum() == 0 and table["Headings"].sum() == len(mine)
    assert any(
        m.value.startswith(f"Nothing is spent as of {as_of.day} {as_of:%B %Y}: the first allocations are for {first}")
        for m in at.markdown
    )


def test_the_coverage_sentence_counts_every_combination_with_a_minimum(app, records):
    """A year not yet over still has a minimum: "1 of the 1 ... meet it; 1 more is below it so far"
    beside a table of 2 with a minimum read as a miscount (and "1 ... meet" as a slip)."""
    at = app()
    table = _table(at, "Against minimum")
    with_minimum = int(table["Minimum"].notna().sum())
    meets = int((table["Against minimum"] == "Meets").sum())
    running = int((table["Against minimum"] == "Below so far: year not over").sum())
    assert running and meets == 1, "the demo data has one combination met and one running on 30 June 2022"
    summary = next(m.value for m in at.markdown if "yearly minimum" in m.value)
    assert summary.startswith(f"1 of {with_minimum} yearly minimums met.")
    assert f"{running} behind so far, in a year not over yet." in summary


@pytest.mark.parametrize("role", ["admin", "board"])
def test_the_status_grid_comes_first_with_a_tag_in_words_for_every_question(open_page, records, role):
    """ "Which contracts are off track?" is answered before any other figure: one row per contract
    in view, each of its six cells a status in words linking to its page."""
    from dashboard.status_grid import COLUMNS

    at = open_page(None, role, as_of="2024-03-15")
    (grid,) = [element for element in at.get("html") if "io-grid" in element.proto.body]
    html = grid.proto.body
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html)
    assert sorted(re.match(r"[^<]+", row).group(0) for row in rows) == sorted(c.reference for c in records.contracts)
    for row in rows:
        # one linked tag per question (an ended contract's "Ended" tag, in its row header, links nowhere)
        tags = re.findall(r'<strong class="io-tag io-tag--(\w+)">([^<]+)</strong></a>', row)
        assert len(tags) == len(COLUMNS) and all(text.strip() for _, text in tags)
    # the answer first: the summary sentence and the grid come before the first header
    body = [
        element
        for element in at.main
        if type(element).__name__ in ("Markdown", "Html", "Header")
        and not getattr(element, "value", "").startswith(("**Showing", ":material/info:", "- **"))
    ]
    assert type(body[0]).__name__ == "Markdown" and any(
        words in body[0].value for words in ("need attention", "off track", "on track", "ended")
    )
    assert body.index(grid) == 1 < min(i for i, e in enumerate(body) if type(e).__name__ == "Header")
    if role == "board":  # Con_10575 is one LA's (Sefton): its KPI figures are withheld from the Board
        one_la = next(row for row in rows if row.startswith("Con_10575"))
        assert "about people in 1 LA [c]" in one_la and "%" not in one_la


def _notice_shown(at: AppTest) -> bool:
    return any("New data is being added" in block.value for block in at.markdown)


def test_a_board_member_sees_the_figures_before_an_import_until_the_new_ones_are_ready(tmp_path, monkeypatch):
    """While a server warms its caches for a new data version (``ui.warm``), a Board member is shown
    the figures of the version before, ready at once, with a notice and a button for the latest; once
    a session has shown the latest it never goes back; no other role is shown an earlier version."""
    from data_access import queries
    from data_access.db import make_engine
    from tests import workbooks as wb
    from tests.small_db import build_sqlite, open_page, quarterly_returns
    from ui import warm

    url = build_sqlite(tmp_path)
    at = open_page(monkeypatch, url, None, role="board", tables=False, as_of=AS_OF.isoformat())
    before = _table(at, "Outcome")
    assert not _notice_shown(at)
    engine = make_engine(url)
    earlier = queries.current_data_version(engine)
    name, data = next(iter(quarterly_returns().items()))
    assert wb.run_import(engine, f"again {name}", data).plan.ok  # a new import: a new data version
    engine.dispose()
    monkeypatch.setattr(warm, "board_version", lambda _url, _current: earlier)  # still warming the new one
    at.run()
    assert _notice_shown(at) and _table(at, "Outcome").equals(before)
    at.button(key="show_latest_figures").click().run()
    latest = _table(at, "Outcome")
    assert not _notice_shown(at) and len(latest) >= len(before) and not latest.equals(before)
    at.run()  # the server is still warming: this session, having shown the latest, stays on it
    assert not _notice_shown(at) and _table(at, "Outcome").equals(latest)
    admin = open_page(monkeypatch, url, None, role="admin", tables=False, as_of=AS_OF.isoformat())
    assert not _notice_shown(admin) and len(_table(admin, "Outcome")) >= len(latest)
