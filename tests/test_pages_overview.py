"""The Overview (home) page, driven by AppTest on the demo database.

Expected figures come from the same records through the rules
(``dashboard.kpi``, ``dashboard.coverage``, ``dashboard.finance``, ``dashboard.timelines``).
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.calendar import financial_year_of, fy_end
from dashboard.coverage import coverage_by_year
from dashboard.currency import data_to_dates
from dashboard.disclosure import one_la_contracts
from dashboard.finance import spend_against_allocations
from dashboard.kpi import compute_kpis, plain_english_status, targets_from_contracts
from dashboard.timelines import (
    deadlines_within,
    decisions,
    derived_obligations,
    extension_in_use,
    intervention_reviews,
)

AS_OF = date(2022, 6, 30)


@pytest.fixture(scope="module")
def records(demo_records):
    return demo_records


@pytest.fixture
def app(open_page):
    return functools.partial(open_page, None, as_of=AS_OF.isoformat())


def _table(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_headline_kpis_in_plain_english(app, records):
    from dashboard.disclosure import one_la_kpis
    from dashboard.views.common import counted_units

    at = app("board")
    bullets = [m.value for m in at.markdown if m.value.startswith("- KPI ")]
    results = compute_kpis(records.units, records.responses, targets_from_contracts(records.contracts), AS_OF,
                           data_to=data_to_dates(records.contracts, records.returns, AS_OF))
    assert len(bullets) == len(results)
    counted = counted_units(records.units, AS_OF, None)
    one_la, one_la_kpi = one_la_contracts(counted), one_la_kpis(counted)

    def withheld(r) -> bool:
        """People all in one LA (the contract's or the KPI's), and a count of 1 to 4 among them."""
        counts = (r.eligible, r.met, r.not_met, r.no_baseline, r.no_response, r.pending, r.awaiting_return,
                  r.in_progress)
        return (r.contract in one_la or (r.contract, r.kpi) in one_la_kpi) and any(1 <= c <= 4 for c in counts)

    for result in results:
        if withheld(result):
            assert not any(f"{result.met} of {result.eligible} " in b for b in bullets)
        elif result.eligible >= 5:
            assert f"- {plain_english_status(result)}" in bullets
        elif result.eligible:
            assert any(f"{result.met} of {result.eligible} " in b and "[u]" in b for b in bullets)
    assert any("[c]" in b for b in bullets) == any(withheld(r) for r in results)


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


def test_coverage_against_the_minimum_for_the_latest_year(app, records):
    at = app()
    rows = coverage_by_year(records.units, AS_OF, records.las)
    year = max(row.financial_year for row in rows)
    assert f"Coverage in {year}" in [h.value for h in at.header]
    table = _table(at, "Against minimum")
    minimum = {c.reference: c.min_las_per_year for c in records.contracts}
    names = {"one_to_one": "One-to-one", "group": "Group"}
    for row in rows:
        if row.financial_year != year:
            continue
        shown = table[(table["Contract"] == row.contract) & (table["Support type"] == names[row.support_type])].iloc[0]
        assert shown["LAs supported"] == row.las_supported
        if minimum[row.contract] is not None:
            verdict = ("meets" if row.las_supported >= minimum[row.contract] else
                       "so far" if fy_end(row.financial_year) > AS_OF else "below")
            sentence = f"- {row.contract} {names[row.support_type].lower()}: {row.las_supported} "
            assert any(m.value.startswith(sentence) and verdict in m.value for m in at.markdown)


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


def test_spend_against_allocation_totals_per_contract(app, records):
    year = "2021-22"
    at = app(fy=year)
    table = _table(at, "Allocated in all (£)")
    assert not {"Remaining (£)", "Spent (%)"} & set(table.columns), "rules.md: never pooled across headings"
    rows = [r for r in spend_against_allocations(records.allocations, records.invoice_lines, AS_OF)
            if r.financial_year == year]
    for contract in {r.contract for r in rows}:
        mine = [r for r in rows if r.contract == contract]
        shown = table[table["Contract"] == contract].iloc[0]
        assert Decimal(str(shown["Spent in all (£)"])).quantize(Decimal("0.01")) == sum(r.spent for r in mine).quantize(Decimal("0.01"))
        assert Decimal(str(shown["Allocated in all (£)"])).quantize(Decimal("0.01")) == sum(r.allocated for r in mine).quantize(Decimal("0.01"))
        assert (shown["Headings"], shown["Headings overspent"]) == (len(mine), sum(r.overspent for r in mine))


def test_next_deadlines_are_the_timelines_pages(app, open_page, records):
    """The Overview lists what the Timelines page lists for the next 60 days: milestones, reports
    (not those the register lists as milestones), invoices (those due only if a contract is extended
    marked so, unless its records show the extension in use) and LA intervention reviews."""
    at = app()
    items = list(records.milestones)
    for contract in records.contracts:
        items += derived_obligations(contract, include_extension=True, milestones=records.milestones)
    items += intervention_reviews(records.statuses, AS_OF + timedelta(days=60), AS_OF)
    # extension and break decisions: those ahead as deadlines, an overdue one while the contract can run
    overdue = []
    for contract in records.contracts:
        for decision in decisions(contract, AS_OF, records.milestones, records.invoice_lines, records.returns):
            if decision.status != "overdue":
                items.append(decision)
            elif (contract.extension_up_to or contract.end_date) >= AS_OF:
                overdue.append(decision.name + " (overdue)")
    expected = deadlines_within(items, AS_OF, 60)
    ends = {c.reference: c.end_date for c in records.contracts
            if not extension_in_use(c, records.milestones, records.invoice_lines, AS_OF)}
    only_if_extended = {(o.contract, o.name) for o in items
                        if hasattr(o, "period_end") and o.period_end > ends.get(o.contract, o.period_end)}
    suffix = " (only if the contract is extended)"
    table = _table(at, "Days left")
    assert len(table) == len(expected) + len(overdue) > 0
    assert sorted(table["Details"]) == sorted([d.name + (suffix if (d.contract, d.name) in only_if_extended else "")
                                               for d in expected] + overdue)
    timelines = open_page("pages/timelines.py", as_of=AS_OF.isoformat())
    assert _table(timelines, "Days left").equals(table)


@pytest.mark.parametrize("role, details", [("board", False), ("case_lead", False), ("contract_manager", True),
                                           ("admin", True)])
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


@pytest.mark.parametrize("param, value, words", [
    ("contract", "NOPE-1", "contract 'NOPE-1'"), ("la", "E99999999", "local authority 'E99999999'"),
    ("region", "E12999999", "region 'E12999999'"), ("fy", "1999-00", "financial year '1999-00'"),
])
def test_a_link_naming_something_unknown_says_so(open_page, param, value, words):
    at = open_page(None, **{param: value, "as_of": AS_OF.isoformat()})
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
    overdue = [m for m in records.milestones
               if m.due_date < when and (m.completed_date is None or m.completed_date > when)]
    assert overdue, "the demo data has a milestone overdue on 15 March 2024"
    warnings = [w.value for w in app(as_of=when.isoformat()).warning if "overdue" in w.value]
    assert len(warnings) == 1 and warnings[0].startswith(f"{len(overdue)} milestone")
    assert all(m.name in warnings[0] for m in overdue)
    assert not [w.value for w in app(as_of="2019-01-01").warning if "overdue" in w.value]


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_an_as_of_date_the_dashboard_cannot_work_with_is_said_not_a_crash(open_page, as_of):
    """A bookmarked link with a date at the ends of the calendar: today is used, and the page says so."""
    at = open_page(None, as_of=as_of)
    assert not at.exception
    assert any(f"The as-of date '{as_of}' in the web address is outside the dates the dashboard covers" in w.value
               for w in at.warning)



def test_allocations_before_any_spend_are_shown_as_the_finance_page_shows_them(open_page, records):
    """Before any year with an allocation has started, the pricing schedule's allocations are there
    (Finance lists them) and nothing is spent: the Overview says that, not that nothing is recorded."""
    as_of = date(2018, 1, 1)
    rows = spend_against_allocations(records.allocations, records.invoice_lines, as_of)
    assert rows and all(r.financial_year > financial_year_of(as_of) for r in rows), \
        "the demo data allocates only for years after 2017-18"
    first = min(r.financial_year for r in rows)
    at = open_page(None, as_of=as_of.isoformat())
    assert not any("No allocations or spend recorded" in info.value for info in at.info)
    assert f"Spend against allocation in {first}" in [h.value for h in at.header]
    table = _table(at, "Allocated in all (£)")
    mine = [r for r in rows if r.financial_year == first]
    assert set(table["Financial year"]) == {first}
    assert Decimal(str(table["Allocated in all (£)"].sum())).quantize(Decimal("0.01")) == sum(r.allocated for r in mine)
    assert table["Spent in all (£)"].sum() == 0 and table["Headings"].sum() == len(mine)
    assert any(m.value.startswith(f"Nothing is spent as of {as_of:%d %B %Y}: the first allocations are for {first}")
               for m in at.markdown)


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
    """"Which contracts are off track?" is answered before any other figure: one row per contract
    in view, each of its six cells a status in words linking to its page."""
    from dashboard.status_grid import COLUMNS

    at = open_page(None, role, as_of="2024-03-15")
    (grid,) = [element for element in at.get("html") if "io-grid" in element.proto.body]
    html = grid.proto.body
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html)
    assert sorted(re.match(r"[^<]+", row).group(0) for row in rows) == sorted(c.reference for c in records.contracts)
    for row in rows:
        tags = re.findall(r'<strong class="io-tag io-tag--(\w+)">([^<]+)</strong>', row)
        assert len(tags) == len(COLUMNS) and all(text.strip() for _, text in tags)
    # the answer first: the summary sentence and the grid come before the first header
    body = [element for element in at.main if type(element).__name__ in ("Markdown", "Html", "Header")
            and not getattr(element, "value", "").startswith(("**Showing", ":material/info:", "- **"))]
    assert type(body[0]).__name__ == "Markdown" and ("need attention" in body[0].value or "off track" in body[0].value)
    assert body.index(grid) == 1 < min(i for i, e in enumerate(body) if type(e).__name__ == "Header")
    if role == "board":  # Con_10575 is one LA's (Sefton): its KPI figures are withheld from the Board
        one_la = next(row for row in rows if row.startswith("Con_10575"))
        assert "about people in 1 LA [c]" in one_la and "%" not in one_la
