"""The LA profile page (AppTest) and its pure parts (dashboard.views.la_profile)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from dashboard.records import ContractTerms, InvoiceLine, Unit
from dashboard.views import la_profile as lp
from tests.small_db import (
    IA,
    KNOWSLEY,
    LEEDS,
    PARTICIPANT_NAMES,
    SEFTON,
    frame_with,
    open_page,
    small_db_each,  # noqa: F401
    small_db_url,  # noqa: F401
)

AS_OF = "2022-06-30"
PAGE = "pages/la_profile.py"


@pytest.fixture
def page(monkeypatch, small_db_url):  # noqa: F811
    def open_(role="case_lead", **params):
        return open_page(monkeypatch, small_db_url, PAGE, role=role, **{"as_of": AS_OF, **params})

    return open_


def shown_text(at) -> str:
    parts = [m.value for m in at.markdown] + [str(e.value) for e in at.dataframe]
    parts += [e.value.to_csv() for e in at.dataframe]
    return "\n".join(parts)


def test_worked_by_hand_on_the_small_database(monkeypatch, small_db_each):  # noqa: F811
    """Sefton as of 30 June 2022, worked out by hand from tests/small_db.py (docs/how-figures-are-worked-out.md,
    "LA profile")."""
    at = open_page(monkeypatch, small_db_each, PAGE, role="case_lead", as_of=AS_OF, la=SEFTON)
    assert not at.exception
    timeline = frame_with(at, "Delivered by")
    # packages started by 30/06/2022, oldest first, with the reviews of Sefton's intervention (from 01/05/2021,
    # every 6 months: 01/11/2021 and 01/05/2022 so far)
    assert [
        (str(start.date()), package, status, None if pd.isna(days) else float(days))
        for start, package, status, days in timeline[["Start", "Package", "Status", "Days delivered"]].itertuples(
            index=False
        )
    ] == [
        ("2021-07-01", "IA-1", "Running", 15.0),
        ("2021-07-01", "LD-1", "Ended", 6.0),
        ("2021-11-01", "Six-monthly intervention review 1", "Due (past)", None),
        ("2022-02-01", "LD-G1", "Running", 2.0),
        ("2022-05-01", "Six-monthly intervention review 2", "Due (past)", None),
    ]
    # 3 packages (IA-1, LD-1, LD-G1) under 2 contracts; 15 + 6 + 2 = 23 days; 2 reviews due so far
    summary = next(m.value for m in at.markdown if "packages of support" in m.value)
    assert re.search(r"\b3 packages\b.*\b2 contracts\b.*\b23 days\b.*\b2 intervention reviews\b", summary)
    participants = frame_with(at, "Participant ID")
    assert list(zip(participants["Participant ID"], participants["Status"])) == [
        ("P-0010", "In progress"),
        ("P-0001", "Met"),
        ("P-0004", "In progress"),
    ]
    # LD-1 ended 31/10/2021: its window ends three months later, 31/01/2022
    assert str(participants.set_index("Participant ID").loc["P-0001", "Follow-up window ends"].date()) == "2022-01-31"
    # KPI 1 met / eligible: Sefton LD-1 met = 1 / 1; North West adds Knowsley's LD-2 (not met) and SLI-1 (no
    # response) = 1 / 3 (33 %); England adds Leeds's LD-3, pending, not eligible = 1 / 3. Packages: Sefton 3,
    # North West 3 + LD-2 + SLI-1 = 5 of 23 LAs (0.22 each), England 5 + LD-3 = 6 of 152 LAs (0.04 each).
    compared = frame_with(at, "Packages per LA")
    assert [
        tuple(str(value) for value in row)
        for row in compared[
            ["Area", "KPI 1 rate", "KPI 1 met / eligible", "Packages", "LAs", "Packages per LA"]
        ].itertuples(index=False)
    ] == [
        ("Sefton", "100 % [u]", "1 / 1", "3", "1", "3.0"),
        ("North West", "33 % [u]", "1 / 3", "5", "23", "0.22"),
        ("England", "33 % [u]", "1 / 3", "6", "152", "0.04"),
    ]
    # What is coming: case report 9 of the call-off (30/06/2021 + 9 x 6 weeks = 13/07/2022, in 13 days) and the
    # next review on 01/11/2022 (in 124 days)
    coming = frame_with(at, "Due in (days)")
    assert list(zip(coming["Details"], coming["Due in (days)"]))[:4] == [
        ("Case report 9", 13),
        ("Case report 10", 55),
        ("Case report 11", 97),
        ("Six-monthly intervention review 3 (in intervention from 1 May 2021)", 124),
    ]


def test_la_from_the_url(page):
    at = page(la=SEFTON)
    assert not at.exception
    assert at.selectbox(key="la_profile_la").value == SEFTON
    assert at.header[0].value == "Sefton"
    assert any("North West" in m.value and "Inadequate" in m.value for m in at.markdown)
    history = frame_with(at, "In intervention")
    assert history.iloc[0]["In intervention"] == "Yes"  # imported status, 1 May 2021
    assert "Inadequate" in set(history["ILACS judgement"])


def test_packages_participants_and_adviser_days(page):
    at = page(la=SEFTON)
    timeline = frame_with(at, "Delivered by")
    packages = timeline[timeline["What"] != lp.INTERVENTION_REVIEW_LABEL].set_index("Package")
    assert sorted(packages.index) == ["IA-1", "LD-1", "LD-G1"]
    assert packages.loc["LD-1", "Days delivered"] == 6 and packages.loc["LD-1", "Delivered by"] == "Mentor A"
    assert packages.loc["IA-1", "Status"] == "Running"

    participants = frame_with(at, "Participant ID").set_index("Participant ID")
    assert participants.loc["P-0001", "Status"] == "Met"  # 2 -> 4 with impact, within 3 months
    assert participants.loc["P-0004", "Status"] == "In progress"  # group with no end date
    assert "Name" not in participants.columns
    assert not any(name in shown_text(at) for name in PARTICIPANT_NAMES)

    adviser = frame_with(at, "Over the limit")
    months = dict(zip(adviser["Month"], zip(adviser["Days"], adviser["Over the limit"])))
    assert months == {
        pd.Timestamp("2021-07-01"): (4.0, "No"),
        pd.Timestamp("2021-08-01"): (4.5, "Yes"),
        pd.Timestamp("2021-09-01"): (3.0, "No"),
    }
    assert set(adviser["Contract"]) == {IA}
    assert set(adviser["Source"]) == {lp.FROM_INVOICES}


def test_case_lead_outside_their_area_sees_counts_not_participants(page):
    """The demo case lead looks after Sefton and the North West; Leeds is elsewhere."""
    at = page(la=LEEDS)
    assert at.header[0].value == "Leeds"
    assert any(m.value.startswith("1 participant:") for m in at.markdown)
    assert all("Participant ID" not in frame.value.columns for frame in at.dataframe)
    assert any(c.value.startswith("1 participant is counted but not listed") for c in at.caption)
    assert "P-0003" not in shown_text(at)
    admin = page("admin", la=LEEDS)
    assert list(frame_with(admin, "Participant ID")["Participant ID"]) == ["P-0003"]
    assert not any("counted but not listed" in c.value for c in admin.caption)


def test_pick_another_la_by_key(page):
    at = page(la=SEFTON)
    at.selectbox(key="la_profile_la").set_value(KNOWSLEY).run()
    assert not at.exception
    assert at.header[0].value == "Knowsley"
    assert at.query_params["la"] == [KNOWSLEY] or at.query_params["la"] == KNOWSLEY
    packages = frame_with(at, "Delivered by")
    assert sorted(packages["Package"]) == ["LD-2", "SLI-1"]
    comparison = frame_with(at, "Packages per LA").set_index("Area")
    assert list(comparison.index) == ["Knowsley", "North West", "England"]
    assert comparison.loc["Knowsley", "Packages"] == 2
    # LD-2 not met, SLI-1 no response: 0 of 2 eligible, low reliability
    assert comparison.loc["Knowsley", "KPI 1 rate"] == "0 % [u]"
    assert comparison.loc["Knowsley", "KPI 1 met / eligible"] == "0 / 2"
    # North West: LD-1 met (Sefton) + LD-2 + SLI-1 = 1 of 3; Leeds is in Yorkshire
    assert comparison.loc["North West", "KPI 1 met / eligible"] == "1 / 3"
    assert comparison.loc["North West", "Packages"] == 5
    assert any("No improvement adviser" in m.value for m in at.markdown)


def test_labels_search_by_name_gss_and_dfe_code(page):
    at = page(la=SEFTON)
    options = at.selectbox(key="la_profile_la").options
    assert "Sefton (E08000014, DfE 343)" in options


def test_default_is_the_case_leads_own_la(page):
    at = page()
    assert at.selectbox(key="la_profile_la").value == SEFTON  # demo case lead: Sefton


def go_to(at, page):
    """The menu's page switch: the browser drops the query string, the session keeps the filters."""
    at.query_params.clear()
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_the_la_the_profile_starts_on_is_not_made_a_filter_for_other_pages(page):
    """With no LA filter the profile opens on a starting LA (the first with support for an
    administrator) without choosing it for the user: the other pages stay unnarrowed."""
    at = page("admin")
    assert at.selectbox(key="la_profile_la").value == KNOWSLEY
    at.run()  # the page run again (any widget used): the starting LA stays unchosen
    go_to(at, "pages/kpis.py")
    assert not at.selectbox(key="filter_la").value and "la" not in at.query_params


def test_an_la_picked_on_the_profile_is_the_one_that_stays(page):
    """Picking an LA on the profile chooses the LA filter: that LA (not the starting one) is what
    the other pages and the profile show afterwards."""
    at = page("admin")
    at.selectbox(key="la_profile_la").set_value(SEFTON).run()
    go_to(at, "pages/kpis.py")
    assert at.selectbox(key="filter_la").value == SEFTON
    go_to(at, PAGE)
    assert at.selectbox(key="la_profile_la").value == SEFTON and at.header[0].value == "Sefton"


def test_board_members_cannot_open_it(monkeypatch, small_db_url):  # noqa: F811
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(monkeypatch, small_db_url, PAGE, role="board", as_of=AS_OF)


def unit(package, la, start, end, days, contract="ADV"):
    return Unit(
        contract,
        package,
        f"P-{package}",
        "one_to_one",
        la,
        "E12000002",
        "Lead Member",
        None,
        start,
        end,
        days_delivered=days,
    )


ADVISER = ContractTerms("ADV", "Adviser", "S", "Improvement adviser", "Call-off", date(2021, 4, 1), date(2023, 3, 31))


def test_adviser_days_from_engagements_when_the_call_off_spans_several_las():
    units = [
        unit("A", SEFTON, date(2021, 7, 1), date(2021, 9, 30), 15),
        unit("B", KNOWSLEY, date(2021, 7, 1), date(2021, 7, 31), 2),
    ]
    lines = [
        InvoiceLine(
            "ADV",
            "I",
            1,
            "2021-22",
            2,
            "Adviser days",
            "Adviser (July 2021)",
            None,
            10,
            600,
            6000,
            None,
            date(2021, 10, 1),
        )
    ]
    table = lp.adviser_days_by_month([ADVISER], units, lines, SEFTON, date(2022, 6, 30))
    assert table["Days"].tolist() == [5.0, 5.0, 5.0]  # 15 days over July-September: an average
    assert set(table["Over the limit"]) == {"Yes"} and set(table["Source"]) == {lp.FROM_ENGAGEMENTS}


@pytest.mark.parametrize(
    "text, month",
    [
        ("Improvement adviser (July 2021)", date(2021, 7, 1)),
        ("days in SEPTEMBER 2022", date(2022, 9, 1)),
        ("Travel", None),
        (None, None),
    ],
)
def test_month_named(text, month):
    assert lp.month_named(text) == month


def test_participant_names_only_when_given():
    units = [unit("A", SEFTON, date(2021, 7, 1), date(2021, 9, 30), 5)]
    assert "Name" not in lp.participant_table(units, [], SEFTON, date(2022, 6, 30)).columns
    named = lp.participant_table(units, [], SEFTON, date(2022, 6, 30), names={("ADV", "A", "P-A"): "X"})
    assert named.loc[0, "Name"] == "X"


def test_a_recoded_councils_profile_shows_its_whole_history():
    """North Yorkshire E10000023 became E06000065 (same council, new code) on 1 April 2023: its
    profile under the new code lists the packages and statuses filed under the old one too; a
    split council's successor (Cumberland, from Cumbria) does not take Cumbria's."""
    from dashboard.records import LAStatus, LocalAuthority

    las = [
        LocalAuthority(
            "E10000023", "815", "North Yorkshire", "E12000003", date(2009, 4, 1), date(2023, 3, 31), ("E06000065",)
        ),
        LocalAuthority("E06000065", "815", "North Yorkshire", "E12000003", date(2023, 4, 1), None, ()),
        LocalAuthority(
            "E10000006", "909", "Cumbria", "E12000002", date(2009, 4, 1), date(2023, 3, 31), ("E06000063", "E06000064")
        ),
        LocalAuthority("E06000063", "942", "Cumberland", "E12000002", date(2023, 4, 1), None, ()),
    ]

    def unit(package, la, start):
        return Unit("CON", package, "P", "one_to_one", la, "E12000003", "Leader", None, start, None)

    units = [
        unit("OLD", "E10000023", date(2022, 6, 1)),
        unit("NEW", "E06000065", date(2023, 6, 1)),
        unit("CUMBRIA", "E10000006", date(2022, 6, 1)),
        unit("CUMBERLAND", "E06000063", date(2023, 6, 1)),
    ]
    statuses = [LAStatus("E10000023", date(2022, 1, 1), "Requires improvement")]
    mine, known = lp.as_one_council(units, statuses, "E06000065", las)
    packages = lp.packages_table(mine, "E06000065", date(2024, 3, 15))
    assert sorted(packages["Package"]) == ["NEW", "OLD"]
    assert list(lp.status_history(known, "E06000065", date(2024, 3, 15))["ILACS judgement"]) == ["Requires improvement"]
    split, _ = lp.as_one_council(units, statuses, "E06000063", las)
    assert sorted(lp.packages_table(split, "E06000063", date(2024, 3, 15))["Package"]) == ["CUMBERLAND"]


BCP = "E06000058"  # Bournemouth, Christchurch and Poole: in the demo data, group support only
BCP_AS_OF = "2024-03-15"  # by then 5 of its 8 eligible group members met KPI 2 (62.5 %)


def test_rate_text_rounds_halves_up_as_the_kpi_sentences_do():
    from dashboard.disclosure import rate_text

    assert rate_text(5 / 8, 8) == "63 %"  # 62.5: Python's own rounding says 62
    assert rate_text(1 / 8, 8) == "13 %"
    assert rate_text(1 / 2, 2) == "50 % [u]"
    assert rate_text(None, 0) == "no data"


def test_the_comparison_rate_is_the_kpis_pages_rate(monkeypatch, demo_sqlite_url):
    """The same 5 of 8 must not read 62 % on the LA profile and 63 % on the KPIs page."""
    profile = open_page(monkeypatch, demo_sqlite_url, PAGE, role="admin", la=BCP, as_of=BCP_AS_OF)
    comparison = frame_with(profile, "Packages per LA").set_index("Area")
    la = comparison.index[0]
    met, eligible = (int(n) for n in comparison.loc[la, "KPI 2 met / eligible"].split(" / "))
    assert (met, eligible) == (5, 8), "the demo data has BCP's 5 of 8"
    kpis = open_page(monkeypatch, demo_sqlite_url, "pages/kpis.py", role="admin", la=BCP, as_of=BCP_AS_OF)
    sentences = [
        m.value for m in kpis.markdown if " · KPI 2" in m.value and f": {met} of {eligible} group members (" in m.value
    ]
    assert len(sentences) == 1, [m.value for m in kpis.markdown]
    said = sentences[0].split(f"{met} of {eligible} group members (")[1].split(")")[0]
    assert comparison.loc[la, "KPI 2 rate"] == said == "63 %"


def test_the_comparison_sentence_speaks_of_the_kpis_the_la_has_figures_for(monkeypatch, demo_sqlite_url, page):
    at = open_page(monkeypatch, demo_sqlite_url, PAGE, role="admin", la=BCP, as_of=BCP_AS_OF)
    comparison = frame_with(at, "Packages per LA").set_index("Area")
    la, region = comparison.index[:2]
    assert comparison.loc[la, "KPI 1 rate"] == "no data" and comparison.loc[la, "KPI 2 rate"] != "no data"
    sentence = next(m.value for m in at.markdown if m.value.startswith(f"{la} has had "))
    rates = comparison["KPI 2 rate"]
    assert sentence.endswith(f" England. KPI 2 rate {rates[la]} (region {rates[region]}, England {rates['England']}).")
    assert "KPI 1" not in sentence
    # Leeds (small database): its one participant is still waiting for a follow-up, so no KPI has a rate
    leeds = page(la=LEEDS)
    sentence = next(m.value for m in leeds.markdown if m.value.startswith("Leeds has had "))
    assert "KPI 1 rate" not in sentence and "KPI 2 rate" not in sentence and "no KPI rate for Leeds yet" in sentence


def test_one_status_record_is_said_in_the_singular(page):
    at = page(la=KNOWSLEY, as_of="2021-06-30")
    assert len(frame_with(at, "ILACS judgement")) == 1, "Knowsley has one status record by 30/06/2021"
    assert any(m.value.startswith("1 status record, oldest first.") for m in at.markdown)
    assert not any("1 status records" in m.value for m in at.markdown)


# ------------------------------------------------------------ the LA's whole story (issue 18)


def _lait_series(measure: str, la_number: str) -> dict[str, float | None]:
    """The published values of one area, read from the shipped reference file itself."""
    import csv

    from data_access.settings import REFERENCE_DIR

    with open(REFERENCE_DIR / "lait_indicators.csv", newline="", encoding="utf-8") as handle:
        return {
            row["period"]: None if row["value"] == "-" else float(row["value"])
            for row in csv.DictReader(handle)
            if row["measure"] == measure and row["la_number"] == la_number
        }


def _sefton_neighbours() -> list[str]:
    import csv

    from data_access.settings import REFERENCE_DIR

    with open(REFERENCE_DIR / "statistical_neighbours_2025.csv", newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["la_number"] == "343"]
    return [row["neighbour_la_name"] for row in sorted(rows, key=lambda row: int(row["rank"]))]


def _measure_frame(at, measure: str):
    """The table whose Sefton column is the measure's published series (2016-2025)."""
    published = _lait_series(measure, "343")
    for element in at.dataframe:
        frame = element.value
        if (
            "Sefton" in frame.columns
            and "Year" in frame.columns
            and set(frame["Year"]) == set(published)
            and all(
                (pd.isna(v) and published[y] is None) or v == published[y]
                for y, v in zip(frame["Year"], frame["Sefton"])
            )
        ):
            return frame
    raise AssertionError(f"no table of {measure} for Sefton")


def test_done_when_a_case_lead_picks_sefton(page):
    """Issue 18: a case lead who picks Sefton sees, on this page, every piece of support Sefton had,
    its next review and case report, its ILACS history, and its social worker turnover and
    re-referral rate against its 10 statistical neighbours (named), region and England, 2016-2025."""
    at = page("case_lead", la=SEFTON)
    assert not at.exception
    assert at.header[0].value == "Sefton"

    timeline = frame_with(at, "KPI outcome")
    support = timeline[timeline["What"] != lp.INTERVENTION_REVIEW_LABEL]
    assert sorted(support["Package"]) == ["IA-1", "LD-1", "LD-G1"]  # every package, under both contracts
    assert set(support["Contract"]) == {IA, "CON-LD"}
    assert support.set_index("Package").loc["LD-1", "Days delivered"] == 6
    assert "1 met" in support.set_index("Package").loc["LD-1", "KPI outcome"]
    assert support.set_index("Package").loc["IA-1", "What"] == lp.ADVISER_CALL_OFF
    reviews = timeline[timeline["What"] == lp.INTERVENTION_REVIEW_LABEL]
    assert list(reviews["Start"]) == [
        pd.Timestamp("2021-11-01"),
        pd.Timestamp("2022-05-01"),
    ]  # in intervention 1 May 2021

    coming = frame_with(at, "Obligation")
    assert set(coming["Obligation"]) == {"Six-monthly intervention review", "Six-weekly case report"}
    assert (coming["Due"] >= pd.Timestamp(AS_OF)).all()
    next_review = coming[coming["Obligation"] == "Six-monthly intervention review"]["Due"].min()
    assert next_review == pd.Timestamp("2022-11-01")
    sentence = next(m.value for m in at.markdown if m.value.startswith("For Sefton: next intervention review"))
    assert "1 November 2022" in sentence and "next case report due" in sentence

    ilacs = frame_with(at, "Inspected")
    published = ilacs[ilacs["Published"].notna()].iloc[-1]
    assert (published["Judgement"], published["Inspected"], published["Published"]) == (
        "Inadequate",
        pd.Timestamp("2022-02-21"),
        pd.Timestamp("2022-05-09"),
    )  # Ofsted's own dates
    assert any(
        m.value.startswith("Latest: Inadequate (inspected 21 Feb 2022, published 9 May 2022)") for m in at.markdown
    )
    assert any(
        "ILACS: Inadequate (inspected 21 Feb 2022, published 9 May 2022)" in m.value for m in at.markdown
    )  # the headline sentence says it the same way

    neighbours = _sefton_neighbours()
    assert len(neighbours) == 10
    for measure in ("Work_Force_TO_Rate", "ReReferral"):
        frame = _measure_frame(at, measure)
        assert list(frame["Year"]) == [str(year) for year in range(2016, 2026)]
        assert list(frame.columns[-10:]) == neighbours  # each neighbour by name, closest first
        for column in (
            "Neighbours' median",
            "Neighbours' lowest",
            "Neighbours' highest",
            "North West (region)",
            "England",
            "Quartile band",
            "Better than (neighbours)",
        ):
            assert column in frame.columns
        assert list(frame["England"]) == [_lait_series(measure, "970")[str(y)] for y in range(2016, 2026)]
        assert list(frame["North West (region)"]) == [_lait_series(measure, "981")[str(y)] for y in range(2016, 2026)]
    links = frame_with(at, "Closeness")
    assert list(links["Local authority"]) == neighbours
    assert links["Profile"].iloc[0] == f"la_profile?la=E08000015&as_of={AS_OF}"  # Wirral's profile, same date


def test_measures_can_be_searched(page):
    at = page(la=SEFTON)
    at.text_input(key="la_measure_search").input("turnover").run()
    assert not at.exception
    titles = [m.value for m in at.markdown if m.value.startswith("**") and "rows" not in m.value]  # not table captions
    assert titles == ["**Percentage rate of social worker turnover** (Turnover rate). Lower is better."]
    at.text_input(key="la_measure_search").input("no such measure").run()
    assert any("No measure matches" in info.value for info in at.info)


def test_ilacs_judgements_one_date_convention():
    from dashboard.records import LAStatus, LocalAuthority

    statuses = [
        LAStatus(SEFTON, date(2019, 3, 4), "Requires improvement", ilacs_date=date(2019, 1, 14)),  # Ofsted: published
        LAStatus(SEFTON, date(2021, 5, 1), "Inadequate", in_intervention=True, ilacs_date=date(2021, 5, 1)),  # import
        LAStatus(SEFTON, date(2021, 6, 1), None, in_intervention=True),  # no judgement: not a row
        LAStatus(SEFTON, date(2022, 5, 9), "Good", ilacs_date=date(2022, 2, 21)),  # published after as-of
        LAStatus(KNOWSLEY, date(2020, 1, 1), "Good", ilacs_date=date(2019, 11, 1)),  # another LA
    ]
    table = lp.ilacs_judgements(statuses, SEFTON, date(2022, 5, 8))
    assert table.to_dict("records") == [
        {
            "Judgement": "Requires improvement",
            "Inspected": pd.Timestamp("2019-01-14"),
            "Published": pd.Timestamp("2019-03-04"),
            "Counts from": pd.Timestamp("2019-03-04"),
        },
        {
            "Judgement": "Inadequate",
            "Inspected": pd.Timestamp("2021-05-01"),
            "Published": pd.NaT,
            "Counts from": pd.Timestamp("2021-05-01"),
        },
    ]
    assert lp.ilacs_headline(table) == "Inadequate (inspected 1 May 2021)"
    assert lp.ilacs_headline(lp.ilacs_judgements(statuses, SEFTON, date(2022, 5, 9))) == (
        "Good (inspected 21 Feb 2022, published 9 May 2022)"
    )
    las = [LocalAuthority(SEFTON, "343", "Sefton", "E12000002", date(2009, 1, 1), None)]
    assert (
        lp.facts(SEFTON, las, {"E12000002": "North West"}, statuses, date(2022, 5, 9)).status["ILACS judgement"]
        == "Good (inspected 21 Feb 2022, published 9 May 2022)"
    )  # the headline says it so too


def test_neighbour_links_use_the_current_record_of_a_recoded_number():
    from dashboard.records import LocalAuthority

    las = [
        LocalAuthority("E10000023", "815", "North Yorkshire", "E12000003", date(2009, 1, 1), date(2023, 3, 31)),
        LocalAuthority("E06000065", "815", "North Yorkshire", "E12000003", date(2023, 4, 1), None),
    ]
    # Sefton (343) is left off the LA list given here: named, with no link
    table = lp.neighbour_table(
        [(1, "815", "North Yorkshire", "Extremely Close"), (2, "343", "Sefton", "Close")], las, date(2024, 3, 15)
    )
    assert table.iloc[0].to_dict() == {
        "Rank": 1,
        "Local authority": "North Yorkshire",
        "DfE number": "815",
        "Closeness": "Extremely close",
        "Profile": "la_profile?la=E06000065&as_of=2024-03-15",
    }
    assert table.iloc[1]["Local authority"] == "Sefton" and pd.isna(table.iloc[1]["Profile"])
