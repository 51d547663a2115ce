"""The KPIs page, driven by AppTest: figures worked out by hand on the small database
(``tests/small_db.py``), and the demo database for what needs more data (suppression, chasing)."""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.currency import data_to_dates
from dashboard.kpi import (
    PENDING,
    compute_kpis,
    targets_from_contracts,
    unit_outcomes,
)
from tests.small_db import small_db_each, small_db_url  # noqa: F401 - fixtures

AS_OF = date(2022, 6, 30)


@pytest.fixture(scope="module")
def records(demo_records):
    return demo_records


@pytest.fixture
def app(open_page):
    return functools.partial(open_page, "pages/kpis.py", as_of=AS_OF.isoformat())


def _expected(records, as_of=AS_OF, units=None, contract=None):
    units = records.units if units is None else units
    if contract:
        units = [u for u in units if u.contract == contract]
    return compute_kpis(
        units,
        records.responses,
        targets_from_contracts(records.contracts),
        as_of,
        data_to=data_to_dates(records.contracts, records.returns, as_of),
    )


def _sentences(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if " · KPI " in m.value]


def _all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def _kpi_label(result) -> str:
    return f"KPI {1 if result.kpi == 'one_to_one' else 2}"  # "KPI 1 meets ...", "KPI 1: cannot tell yet ..."


# Worked out by hand from tests/small_db.py as of 30 June 2022 (docs/how-figures-are-worked-out.md,
# "KPI 1 and KPI 2"). No return states its quarter, so a closed window is judged against the as-of date.
#   LD-1  P-0001 Sefton    ended 31/10/2021, follow-up 01/12/2021 (in the window to 31/01/2022):
#         confidence 2 -> 4 and impact "Yes"                                   -> met
#   LD-2  P-0002 Knowsley  ended 15/12/2021, follow-up 20/01/2022: 3 -> 3 (not higher) -> not met
#   LD-3  P-0003 Leeds     ended 31/05/2022, no follow-up, window open to 31/08/2022 -> pending
#   LD-G1 P-0004 Sefton    group, no end date                                  -> in progress (KPI 2)
#   IA-1  P-0010 Sefton    no end date                                         -> in progress
#   SLI-1 P-0020 Knowsley  ended 25/03/2022, no follow-up, window closed 25/06/2022 -> no response
# CON-LD KPI 1: 1 met of 2 eligible (met + not met) = 50 %; Wilson 95 % interval for 1 of 2:
#   centre (0.5 + 1.96²/4) / (1 + 1.96²/2) = 0.5, half-width 1.96 x sqrt(0.125 + 0.2401) / 2.9208 = 0.405
#   -> 9.5 % to 90.5 %, written 9-91 %; the 75 % target is inside it -> cannot yet tell; 2 < 5 -> [u]
# CON-SLI KPI 1: 0 of 1 = 0 %; centre = half-width = 1.9208 / 4.8416 = 0.397 -> 0-79 %
# CON-IA KPI 1 and CON-LD KPI 2: nobody eligible -> no data
HAND_RATES = [  # Contract, KPI, Met, Eligible, Rate, 95 % interval, Target, Against target
    ("CON-IA", "KPI 1 (one-to-one)", "0", "0", "no data", "no data", "75 %", "No data"),
    ("CON-LD", "KPI 1 (one-to-one)", "1", "2", "50 % [u]", "9-91 % [u]", "75 %", "Cannot yet tell [u]"),
    ("CON-LD", "KPI 2 (group)", "0", "0", "no data", "no data", "75 %", "No data"),
    ("CON-SLI", "KPI 1 (one-to-one)", "0", "1", "0 % [u]", "0-79 % [u]", "75 %", "Cannot yet tell [u]"),
]
HAND_STATUSES = [  # Contract, KPI, Met, Not met, No baseline, Pending, Awaiting return, No response, In progress
    ("CON-IA", "KPI 1 (one-to-one)", "0", "0", "0", "0", "0", "0", "1"),  # IA-1 running
    ("CON-LD", "KPI 1 (one-to-one)", "1", "1", "0", "1", "0", "0", "0"),  # LD-1 met, LD-2 not met, LD-3 pending
    ("CON-LD", "KPI 2 (group)", "0", "0", "0", "0", "0", "0", "1"),  # LD-G1 running
    ("CON-SLI", "KPI 1 (one-to-one)", "0", "0", "0", "0", "0", "1", "0"),  # SLI-1 window closed, no follow-up
]


def _rows(at: AppTest, column: str, columns: list[str]) -> list[tuple]:
    table = next(frame.value for frame in at.dataframe if column in frame.value.columns)
    return [tuple(str(value) for value in row) for row in table[columns].itertuples(index=False)]


RATE_COLUMNS = ["Contract", "KPI", "Met", "Eligible", "Rate", "95 % interval", "Target", "Against target"]
STATUS_COLUMNS = [
    "Contract",
    "KPI",
    "Met",
    "Not met",
    "No baseline",
    "Pending",
    "Awaiting return",
    "No response",
    "In progress",
]


def test_worked_by_hand_on_the_small_database(monkeypatch, small_db_each):  # noqa: F811
    from tests.small_db import open_page

    at = open_page(monkeypatch, small_db_each, "pages/kpis.py", as_of="2022-06-30")
    assert _rows(at, "95 % interval", RATE_COLUMNS) == HAND_RATES
    assert _rows(at, "In progress", STATUS_COLUMNS) == HAND_STATUSES
    sentences = _sentences(at)
    assert [s.split(" · ")[0] for s in sentences] == ["**CON-IA**", "**CON-LD**", "**CON-LD**", "**CON-SLI**"]
    assert re.search(r"\b1 of 2\b.*\b50 %.*\b9(-| to )91 %", sentences[1]) and "[u]" in sentences[1]
    assert re.search(r"\b0 of 1\b.*\b0 %.*\b0(-| to )79 %", sentences[3]) and "[u]" in sentences[3]
    assert "no data" in sentences[0] and "no data" in sentences[2]
    # 6 participants: 1 met + 1 not met + 1 pending + 1 no response + 2 in progress
    summary = next(m.value for m in at.markdown if "participants in the KPIs" in m.value)
    assert re.search(r"\b6 participants\b", summary)
    # late baselines: LD-1 started 01/07/2021, baseline 02/07/2021 (1 day); LD-2 01/09 -> 02/09 (1 day)
    late = next(frame.value for frame in at.dataframe if "Days after the start" in frame.value.columns)
    assert list(zip(late["Package ID"], late["Days after the start"])) == [("LD-1", 1), ("LD-2", 1)]

    # Only LD-1 and LD-2 ended in 2021-22 for CON-LD, and SLI-1 (25/03/2022); LD-3 ended in 2022-23 and is
    # pending, so 2022-23 has nobody eligible.
    year = open_page(monkeypatch, small_db_each, "pages/kpis.py", as_of="2022-06-30", fy="2022-23")
    assert [row[:4] for row in _rows(year, "95 % interval", RATE_COLUMNS)] == [
        ("CON-LD", "KPI 1 (one-to-one)", "0", "0")
    ]
    year = open_page(monkeypatch, small_db_each, "pages/kpis.py", as_of="2022-06-30", fy="2021-22")
    assert [row[:4] for row in _rows(year, "95 % interval", RATE_COLUMNS)] == [
        ("CON-LD", "KPI 1 (one-to-one)", "1", "2"),
        ("CON-SLI", "KPI 1 (one-to-one)", "0", "1"),
    ]

    # The Board: CON-IA (all Sefton), CON-SLI (all Knowsley) and CON-LD's KPI 2 (one person, Sefton) are
    # each about one LA's people -> [c], every count of the row; CON-LD KPI 1 (Sefton and Knowsley) is shown.
    board = open_page(monkeypatch, small_db_each, "pages/kpis.py", role="board", as_of="2022-06-30")
    withheld = ("[c]",) * 4
    assert _rows(board, "95 % interval", RATE_COLUMNS) == [
        ("CON-IA", "KPI 1 (one-to-one)") + withheld + ("75 %", "[c]"),
        HAND_RATES[1],
        ("CON-LD", "KPI 2 (group)") + withheld + ("75 %", "[c]"),
        ("CON-SLI", "KPI 1 (one-to-one)") + withheld + ("75 %", "[c]"),
    ]
    assert _rows(board, "In progress", STATUS_COLUMNS)[1] == HAND_STATUSES[1]


def test_contract_filter_limits_every_figure(app, records):
    at = app()
    contract = max({u.contract for u in records.units}, key=lambda c: sum(u.contract == c for u in records.units))
    at.selectbox(key="filter_contract").set_value(contract).run()
    assert not at.exception
    sentences = _sentences(at)
    assert sentences and all(s.startswith(f"**{contract}**") for s in sentences)
    assert at.query_params["contract"] == [contract] or at.query_params["contract"] == contract
    trend = next(frame.value for frame in at.dataframe if "Quarter the package ended" in frame.value.columns)
    assert set(trend["Contract"]) == {contract}


def test_query_params_open_the_page_on_one_contract(app, records):
    contract = sorted({u.contract for u in records.units})[0]
    at = app(contract=contract)
    assert at.selectbox(key="filter_contract").value == contract
    assert all(s.startswith(f"**{contract}**") for s in _sentences(at))


def _chase_expected(records, as_of=AS_OF):
    return {
        o.unit.participant_id
        for o in unit_outcomes(records.units, records.responses, as_of)
        if o.status == PENDING and o.window_end <= as_of + timedelta(days=30)
    }


def test_chase_table_lists_follow_ups_due_within_30_days(app, records):
    expected = _chase_expected(records)
    assert expected, "the demo data has a follow-up to chase at AS_OF"
    at = app("admin")
    assert "Follow-ups to chase" in [h.value for h in at.header]
    table = next(frame.value for frame in at.dataframe if "Days left" in frame.value.columns)
    assert set(table["Participant ID"]) == expected
    assert (table["Days left"] <= 30).all() and (table["Days left"] > 0).all()
    assert "Participant name" in table.columns, "administrators may see names"


def _chase_names(at: AppTest) -> dict[tuple[str, str], str]:
    table = next(frame.value for frame in at.dataframe if "Days left" in frame.value.columns)
    return {(row["Contract"], row["Participant ID"]): row.get("Participant name") for row in table.to_dict("records")}


CASE_LEAD_CHASES = date(2022, 1, 28)  # a demo follow-up to chase in the demo case lead's area, and three elsewhere


@pytest.mark.parametrize("role", ["admin", "case_lead"])
def test_chase_names_after_a_filter_change_are_those_of_a_fresh_page(app, role):
    at = app(role, as_of=CASE_LEAD_CHASES.isoformat())
    everyone = _chase_names(at)
    contract = min(contract for contract, _ in everyone)
    at.selectbox(key="filter_contract").set_value(contract).run()  # names kept from the page above
    assert not at.exception
    fresh = app(
        role, contract=contract, as_of=CASE_LEAD_CHASES.isoformat()
    )  # a new session reads them from the database
    assert (
        _chase_names(at) == _chase_names(fresh) == {key: name for key, name in everyone.items() if key[0] == contract}
    )
    if role == "admin":
        assert any(_chase_names(fresh).values()), "administrators see names"


def test_case_leads_see_only_their_own_las_participants_to_chase(app, records):
    """Pseudonymous IDs and roles are personal data: a case lead (demo: Sefton, North West) has
    participants outside their LAs and regions counted, not listed."""
    from data_access.users import DEMO_CASE_LEAD_LAS, DEMO_CASE_LEAD_REGIONS

    due = [u for u in records.units if u.participant_id in _chase_expected(records, CASE_LEAD_CHASES)]
    theirs = {
        u.participant_id for u in due if u.la_code in DEMO_CASE_LEAD_LAS or u.region_code in DEMO_CASE_LEAD_REGIONS
    }
    elsewhere = {u.participant_id for u in due} - theirs
    assert theirs and elsewhere, "the demo data has follow-ups to chase inside and outside the case lead's area"
    at = app("case_lead", as_of=CASE_LEAD_CHASES.isoformat())
    table = next(frame.value for frame in at.dataframe if "Days left" in frame.value.columns)
    assert set(table["Participant ID"]) == theirs
    hidden = sum(1 for u in due if u.participant_id in elsewhere)
    assert any(c.value.startswith(f"{hidden} participants are counted but not listed") for c in at.caption)
    assert not any(participant in _all_text(at) for participant in elsewhere)


def test_board_members_never_see_participants(app, records):
    at = app("board")
    assert "Follow-ups to chase" not in [h.value for h in at.header]
    assert all("Participant ID" not in frame.value.columns for frame in at.dataframe)
    assert all("Participant name" not in frame.value.columns for frame in at.dataframe)
    text = _all_text(at)
    for participant in _chase_expected(records):
        assert participant not in text


@pytest.mark.parametrize("filters", [{}, {"region": "E12000002"}], ids=["England", "North West"])
def test_board_totals_never_give_a_withheld_count_away_by_subtraction(app, filters):
    """Every total the Board reads adds up only counts it can also read: a withheld [c] count
    (the Sefton call-off's, whose participants all lie in one LA) is left out of the total, not
    hidden inside it."""
    import re

    at = app("board", **filters)
    table = next(
        frame.value
        for frame in at.dataframe
        if "No response" in frame.value.columns and "In progress" in frame.value.columns
    )
    assert (table == "[c]").any().any(), "the demo data withholds a count from the Board here"
    sentence = next(m.value for m in at.markdown if "participants in the KPIs" in m.value or "Totals not" in m.value)
    if sentence.startswith("Totals not shown [c]"):  # every contract here has a count withheld
        return
    for column in ("Met", "Not met", "No baseline", "Pending", "No response", "In progress"):
        said = re.search(rf"(\[c\]|\d+) {column.lower()}\b", sentence).group(1)
        counted = table[~(table == "[c]").any(axis=1)]  # contracts with no count withheld
        assert said == "[c]" or int(said) == sum(int(value) for value in counted[column]), (column, sentence)


def test_a_breakdown_never_withholds_a_single_row_the_others_would_give_away(open_page):
    """A breakdown's rows (by quarter, region, role, focus) add up to their contract's KPI: one
    [c] row among rows shown would be worked out by subtraction, so a second row is withheld."""
    at = open_page("pages/kpis.py", "board", as_of="2024-03-15", contract="con_9887")
    breakdowns = [
        frame.value
        for frame in at.dataframe
        if "Against target" in frame.value.columns and frame.value.columns[1] != "KPI"
    ]  # a grouping column besides the contract and KPI
    withheld = [(table == "[c]").any(axis=1).groupby([table["Contract"], table["KPI"]]).sum() for table in breakdowns]
    assert any(count.sum() for count in withheld), "the demo data withholds a row from the Board here"
    assert all(rows != 1 for count in withheld for rows in count), withheld


def _la_with_small_counts(records):
    """An LA whose KPI figures include a count of 1 to 4 (could identify someone)."""
    for code in sorted({u.la_code for u in records.units}):
        results = _expected(records, units=[u for u in records.units if u.la_code == code])
        for result in results:
            if 1 <= result.met <= 4 or 1 <= result.eligible <= 4:
                return code, result
    raise AssertionError("the demo data has an LA with small counts")


def test_the_board_has_no_la_filter(app, records):
    """Aggregate figures only: figures for one LA (which a region total less the others would
    give away) are not part of the Board's view. A link naming an LA says so and shows every LA."""
    code, _ = _la_with_small_counts(records)
    linked, plain = app("board", la=code), app("board")
    assert any("not part of the Board's view" in i.value for i in linked.info)
    assert not [box for box in linked.sidebar.selectbox if box.key == "filter_la"]
    assert _sentences(linked) == _sentences(plain)
    assert [box for box in app("case_lead").sidebar.selectbox if box.key == "filter_la"]


def test_the_board_sees_no_details_of_a_contract_whose_participants_are_all_in_one_la(app, records):
    one_la = [
        contract
        for contract in sorted({u.contract for u in records.units})
        if len({u.la_code for u in records.units if u.contract == contract}) == 1
    ]
    assert one_la, "the demo data has a one-LA contract (the Sefton call-off)"
    at = app("board", contract=one_la[0])
    assert any("not part of the Board's view" in i.value for i in at.info)
    assert "Trend by quarter the package ended" not in [h.value for h in at.subheader]
    assert "Trend by quarter the package ended" in [h.value for h in app("admin", contract=one_la[0]).subheader]


def test_board_small_counts_of_a_contract_in_one_la_are_suppressed_without_an_la_filter(app, records):
    """A contract whose units all lie in one LA (an adviser call-off for one council) tells as
    much as an LA filter: clearing the filter must not show its small counts to the Board."""
    one_la = [
        contract
        for contract in sorted({u.contract for u in records.units})
        if len({u.la_code for u in records.units if u.contract == contract}) == 1
    ]
    small = [r for r in _expected(records) if r.contract in one_la and (1 <= r.met <= 4 or 1 <= r.eligible <= 4)]
    assert small, "the demo data has a one-LA contract with small counts"
    board, admin = app("board"), app("admin")
    for result in small:
        label = f"**{result.contract}** · {_kpi_label(result)}"
        assert "[c]" in next(s for s in _sentences(board) if s.startswith(label))
        assert "[c]" not in next(s for s in _sentences(admin) if s.startswith(label))
    shown = " ".join(" ".join(map(str, frame.value.astype(str).values.ravel())) for frame in board.dataframe)
    assert "[c]" in shown


def test_other_roles_see_la_level_counts(app, records):
    code, result = _la_with_small_counts(records)
    at = app("admin", la=code)
    sentence = next(s for s in _sentences(at) if s.startswith(f"**{result.contract}** · {_kpi_label(result)}"))
    assert "[c]" not in sentence
    if result.eligible:
        assert f"{result.met} of {result.eligible}" in sentence


def test_an_empty_database_gives_a_helpful_message(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["local_role"] = "admin"
    at.run()
    at.switch_page("pages/kpis.py").run()
    assert not at.exception
    assert any("no participants for these filters yet" in info.value for info in at.info)


def test_chart_summaries_write_rates_as_the_sentences_do():
    """The text alternative of a rate chart says what its labels say: 6 of 11 met is 55 %
    (the chart frame keeps 54.5, which a plain format would write as 54 %)."""
    import pandas as pd

    from dashboard.views import kpis as views

    row = pd.Series({"Met": 6, "Eligible": 11, "Rate (%)": 54.5})
    assert views._chart_percent(row) == views.percent(6 / 11) == "55"


def test_a_financial_year_that_isolates_one_la_of_a_contract_is_withheld_from_the_board(monkeypatch, small_db_url):  # noqa: F811
    """CON-LD supports Sefton, Knowsley and Leeds, but its only package ending in 2022-23 is in
    Leeds: that year's figures are Leeds's, so the Board sees them as [c], as for one LA."""
    from tests.small_db import LD, open_page

    board = open_page(
        monkeypatch, small_db_url, "pages/kpis.py", role="board", fy="2022-23", contract=LD, as_of="2022-09-30"
    )
    table = next(frame.value for frame in board.dataframe if "No response" in frame.value.columns)
    assert (table.drop(columns=["Contract", "KPI"]) == "[c]").all(axis=None), table
    admin = open_page(
        monkeypatch, small_db_url, "pages/kpis.py", role="admin", fy="2022-23", contract=LD, as_of="2022-09-30"
    )
    shown = next(frame.value for frame in admin.dataframe if "No response" in frame.value.columns)
    assert not (shown == "[c]").any(axis=None)


def test_a_breakdown_row_all_in_one_la_is_withheld_from_the_board(app, records):
    """project_5369 has one LA in most regions: its 'By region' rows there are those LAs' figures,
    so the Board sees [c] whatever their size ("5 of 5 met" in North West was one Trafford group's
    answer); the case lead sees the counts."""
    from dashboard.views.common import Disclosure
    from dashboard.views.kpis import kpi_page

    board_slice = kpi_page(
        records.contracts,
        records.units,
        records.responses,
        records.regions,
        date(2024, 3, 15),
        None,
        Disclosure(True, False),
        "project_5369",
    ).slices["Region"]
    board = board_slice.table
    lead = (
        kpi_page(
            records.contracts,
            records.units,
            records.responses,
            records.regions,
            date(2024, 3, 15),
            None,
            Disclosure(False, False),
            "project_5369",
        )
        .slices["Region"]
        .table
    )
    one_la = {
        records.regions[region]
        for region in {u.region_code for u in records.units}
        if len({u.la_code for u in records.units if u.contract == "project_5369" and u.region_code == region}) == 1
    }
    about_one_la = lead[lead["Region"].isin(one_la)]
    assert (about_one_la["Eligible"].astype(int) >= 5).any(), "the demo data has a one-LA region of 5 or more people"
    shown = board.set_index(["Region", "KPI"])
    for row in about_one_la.itertuples():
        assert shown.loc[(row.Region, row.KPI), ["Met", "Eligible", "Rate"]].tolist() == ["[c]"] * 3, (
            row.Region,
            row.KPI,
        )
    # the summary does not call a withheld row of 5 or more too small
    assert "about 1 local authority, not shown [c]" in board_slice.summary, board_slice.summary


def test_a_board_row_with_no_one_eligible_yet_hides_its_small_counts_too(monkeypatch, small_db_url):  # noqa: F811
    """The Sefton call-off (all in one LA) with nobody eligible yet: 'no data' beside '[c] still in
    support' and 'Met 0' told the Board where each person was; now the row is [c] throughout."""
    from tests.small_db import IA, open_page

    at = open_page(monkeypatch, small_db_url, "pages/kpis.py", role="board", as_of="2021-12-31")
    sentence = next(s for s in _sentences(at) if s.startswith(f"**{IA}**"))
    assert "figures not shown [c]" in sentence and "no data" not in sentence
    rates = next(frame.value for frame in at.dataframe if "Against target" in frame.value.columns)
    row = rates[rates["Contract"] == IA].iloc[0]
    assert (row["Met"], row["Eligible"], row["Rate"]) == ("[c]", "[c]", "[c]")


@pytest.mark.parametrize("as_of", [date(2022, 6, 30), date(2024, 3, 15)])
def test_no_board_headline_is_about_the_people_of_one_la(records, as_of):
    """Every region and financial year the Board can choose: a contract's KPI whose counted people
    (started by as-of, ending in the year) all lie in one LA is [c], however many they are and
    whatever the other KPI does."""
    from dashboard.views.common import Disclosure, counted_units, narrowed
    from dashboard.views.kpis import kpi_page

    leaks, withheld_of_five_or_more = [], 0
    for region in [None, *sorted(records.regions)]:
        for fy in (None, "2021-22", "2022-23", "2023-24"):
            scoped = narrowed(records, None, None, (region,) if region else None)
            page = kpi_page(
                scoped.contracts,
                scoped.units,
                scoped.responses,
                scoped.regions,
                as_of,
                fy,
                Disclosure(True, False),
                None,
            )
            counted = counted_units(scoped.units, as_of, fy)
            for d in page.headline:
                people = [u for u in counted if u.contract == d.result.contract and u.support_type == d.result.kpi]
                if len({u.la_code for u in people}) == 1:
                    if (d.met, d.eligible, d.rate) != ("[c]", "[c]", "[c]"):
                        leaks.append((region, fy, d.result.contract, d.result.kpi, d.met, d.eligible, d.rate))
                    withheld_of_five_or_more += len(people) >= 5
    assert not leaks, leaks
    assert withheld_of_five_or_more, "some one-LA headline of 5 or more people was checked"


def test_a_breakdown_summary_names_every_row_sharing_the_highest_rate_and_says_when_one_row_is_reliable():
    import pandas as pd

    from dashboard.views.kpis import breakdown_summary

    def chart(*rows):
        return pd.DataFrame(
            [
                {"Label": label, "KPI": "KPI 2 (group)", "Met": met, "Eligible": eligible}
                for label, met, eligible in rows
            ]
        )

    assert breakdown_summary(chart(("North West", 20, 20), ("East of England", 9, 9), ("London", 5, 10)), "Region") == (
        "By region: highest rate 100 % (East of England, KPI 2 (group): 9 of 9 and North West, KPI 2 (group): "
        "20 of 20), lowest 50 % (London, KPI 2 (group): 5 of 10)."
    )
    assert breakdown_summary(chart(("Cabinet Member", 3, 11)), "Role") == (
        "By role: only Cabinet Member, KPI 2 (group) has 5 or more eligible participants: 27 %, 3 of 11."
    )


def _half_up(met: int, eligible: int) -> str:
    """met / eligible as a whole percentage, halves rounded up, worked out here in exact decimals."""
    from decimal import ROUND_HALF_UP, Decimal

    return str((Decimal(met * 100) / Decimal(eligible)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _drawn_labels(element) -> list[tuple[str, str, int, int, str]]:
    """(label, KPI, met, eligible, text) for every rate label a rate chart draws, the text as the
    browser writes it: a number with a d3 format (".0f" rounds the exact binary value, halves away
    from zero) or a text field as it is. Streamlit sends the chart's data beside its spec, in Arrow."""
    import json
    from decimal import ROUND_HALF_UP, Decimal

    import pandas as pd
    import pyarrow as pa

    spec = json.loads(element.proto.spec)
    layers = spec["spec"]["layer"]
    text = next(layer["encoding"]["text"] for layer in layers if layer["mark"]["type"] == "text")
    (data,) = [pa.ipc.open_stream(d.data.data).read_pandas() for d in element.proto.datasets if d.name == "rates"]
    drawn = []
    for row in data.to_dict("records"):
        if row["Rate"] == "[c] withheld":  # a quarter withheld [c] is marked, with no figures
            assert pd.isna(row["Met"]) and pd.isna(row["Eligible"]) and pd.isna(row["Rate (%)"]), row
            continue
        value = row[text["field"]]
        if text.get("format"):
            assert text["format"] == ".0f", text
            value = str(Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        drawn.append((row["Label"], row["KPI"], row["Met"], row["Eligible"], str(value)))
    return drawn


def test_rate_chart_labels_say_what_the_tables_and_sentences_say(open_page):
    """Board, KPI details for con_9887 by region: London's KPI 2 is 5 of 11 = 45.45 %, "45 %" in
    the sentence and the table; the chart must not label it 46 (45.5 from the one-decimal chart
    data, written as a whole number)."""
    at = open_page("pages/kpis.py", "board", as_of="2022-10-28", contract="con_9887")
    drawn = [
        label
        for element in at.get("vega_lite_chart")
        if [d.name for d in element.proto.datasets] == ["rates"]
        for label in _drawn_labels(element)
    ]
    assert ("London", "KPI 2 (group)", 5, 11) in [row[:4] for row in drawn], "the demo data has London's 5 of 11"
    tables = [frame.value for frame in at.dataframe if "Rate" in frame.value.columns]
    for label, kpi, met, eligible, text in drawn:
        assert text.removesuffix(" %") == _half_up(met, eligible), (label, kpi, met, eligible, text)
        shown = [
            row["Rate"]
            for table in tables
            for row in table.to_dict("records")
            if row["KPI"] == kpi and label in row.values() and row["Eligible"] == str(eligible)
        ]
        assert shown and all(rate == f"{_half_up(met, eligible)} %" for rate in shown), (label, kpi, shown)


def test_one_participant_to_chase_is_said_in_the_singular(app, records):
    assert len(_chase_expected(records)) == 1, "the demo data has one follow-up to chase at AS_OF"
    at = app("admin")
    table = next(frame.value for frame in at.dataframe if "Days left" in frame.value.columns)
    days = int(table["Days left"].min())
    said = [m.value for m in at.markdown if "to chase." in m.value]
    assert said == [f"1 participant to chase. The first window closes in {days} day{'' if days == 1 else 's'}."]


def test_with_no_rate_charted_the_summary_says_why_not_what_is_on_the_chart(open_page):
    """The demo case lead's Sefton as of 26/11/2026: two KPI figures, both on fewer than 5
    eligible participants [u]. The summary said "on the chart: meeting the target 0, below it 0,
    cannot yet tell 0; 2 are not charted"; it says that neither is charted, and why."""
    at = open_page("pages/kpis.py", "case_lead", as_of="2026-11-26", la="E08000014")
    rates = _sentences(at)
    assert len(rates) == 2 and all("[u]" in sentence for sentence in rates), rates
    summary = next(m.value for m in at.markdown if "charted" in m.value)
    assert "on the chart" not in summary and "meeting the target 0" not in summary, summary
    assert summary == (
        "Neither KPI figure (packages ending in all years) is charted: both have fewer than 5 "
        "eligible participants [u], too few for a reliable rate; see the table."
    )


def test_figures_off_the_chart_are_counted_by_reason():
    """Each figure off the chart is counted under its own reason: [c], no data or [u]."""
    from dashboard.kpi import KpiResult
    from dashboard.views import kpis as views

    def display(met, eligible, board=False):
        result = KpiResult(
            contract="C",
            kpi="group",
            target=0.75,
            eligible=eligible,
            met=met,
            not_met=eligible - met,
            no_baseline=0,
            no_response=0,
            pending=1,
            in_progress=1,
            rate=met / eligible if eligible else None,
            ci_low=0.1 if eligible else None,
            ci_high=0.9 if eligible else None,
            verdict="undetermined" if eligible else "no_data",
            low_reliability=0 < eligible < 5,
        )
        return views.display_kpi(result, views.Disclosure(board, board))

    assert views._rates_summary([display(0, 0)], None) == (
        "The KPI figure (packages ending in all years) is not charted: it has no data yet (no participant "
        "eligible); see the table."
    )
    assert views._rates_summary([display(1, 2), display(0, 0), display(1, 3, board=True)], "2021-22") == (
        "None of the 3 KPI figures (packages ending in 2021-22) is charted: 1 is withheld [c]; 1 has no data yet "
        "(no participant eligible); 1 has fewer than 5 eligible participants [u], too few for a reliable rate; "
        "see the table."
    )


def test_a_contract_with_no_kpi_target_is_shown_as_no_target_never_judged(app, records):
    """Con_10575's order form has no confidence KPI (its register row gives no KPI target): its rate
    is still worked out and shown, its target "not set in the contract register", never met or below."""
    at = app()
    assert not at.exception
    adviser = [s for s in _sentences(at) if s.startswith("**Con_10575**")]
    assert adviser and all(
        "has no target (it is not set in the contract register)" in s or "no data" in s for s in adviser
    )
    assert not any("meets the" in s or "below the" in s for s in adviser)
    rates = next(
        frame.value
        for frame in at.dataframe
        if "Against target" in frame.value.columns and "Target" in frame.value.columns
    )
    mine = rates[rates["Contract"] == "Con_10575"]
    assert not mine.empty and set(mine["Target"]) == {"not set in the contract register"}
    leadership = rates[rates["Contract"] == "con_9887"]
    assert set(leadership["Target"]) == {"75 %"}


def test_the_page_opens_with_how_many_kpi_figures_meet_their_target(app, records):
    """The answer first (issue 17): before any header, how many KPI figures meet their target, are
    below it or cannot tell yet, counted from the rules' verdicts for the same date."""
    from collections import Counter

    from dashboard.kpi import VERDICT_MET, VERDICT_NOT_MET, VERDICT_UNDETERMINED

    at = app("admin")
    results = _expected(records)
    verdicts = Counter(r.verdict for r in results)
    body = [e for e in at.main if type(e).__name__ in ("Markdown", "Header") and not e.value.startswith("**Showing")]
    answer = body[0].value
    assert type(body[0]).__name__ == "Markdown" and answer.startswith(f"Of {len(results)} KPI figures, ")
    met, below, unsure = (verdicts[v] for v in (VERDICT_MET, VERDICT_NOT_MET, VERDICT_UNDETERMINED))
    assert met + below + unsure, "the demo has verdicts on this date"
    for count, said in (
        (met, f"{met} meet"),
        (below, f"{below} {'is' if below == 1 else 'are'} below it"),
        (unsure, f"{unsure} cannot tell yet"),
    ):
        assert (said in answer) == bool(count), answer
