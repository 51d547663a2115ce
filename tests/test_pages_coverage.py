"""The Coverage page, driven by AppTest: figures worked out by hand on the small database
(``tests/small_db.py``), and the demo database for what needs more data."""

from __future__ import annotations

import functools
import os
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.calendar import fy_end
from dashboard.coverage import (
    coverage_by_year,
    unsupported_priority_las,
)
from dashboard.views.coverage import NO_MINIMUM
from data_access.db import make_engine
from data_access.queries import hex_layout, load
from tests.small_db import small_db_each  # noqa: F401 - fixture

AS_OF = date(2022, 6, 30)
NAMES = {"one_to_one": "One-to-one", "group": "Group"}


@pytest.fixture(scope="module")
def records(demo_sqlite_url):
    engine = make_engine(demo_sqlite_url)
    data = load(engine)
    positions = hex_layout(engine)
    engine.dispose()
    return data, positions


@pytest.fixture
def app(open_page):
    return functools.partial(open_page, "pages/coverage.py", as_of=AS_OF.isoformat())


def _tables(at: AppTest, column: str):
    return [frame.value for frame in at.dataframe if column in frame.value.columns]


# Worked out by hand from tests/small_db.py as of 30 June 2022 (docs/how-figures-are-worked-out.md,
# "Coverage" and "Package length"). An LA is supported in a year when a package of that type ran in it:
#   LD-1 Sefton 01/07/2021-31/10/2021, LD-2 Knowsley 01/09/2021-15/12/2021, LD-3 Leeds 10/01/2022-31/05/2022
#   (one-to-one); LD-G1 Sefton from 01/02/2022, not ended (group); IA-1 Sefton from 01/07/2021, not ended;
#   SLI-1 Knowsley 01/02/2022-25/03/2022.
# 2021-22: CON-LD one-to-one Sefton, Knowsley, Leeds = 3, group Sefton = 1; CON-IA Sefton = 1; CON-SLI Knowsley = 1.
# 2022-23 (from 1 April 2022): CON-LD one-to-one Leeds = 1 (LD-3 ran to 31 May), group Sefton = 1; CON-IA 1;
#   CON-SLI 0 (SLI-1 ended in March). CON-LD's minimum is 15: 3 < 15 in a year over -> Below; 1 < 15 in a year
#   running to 31 March 2023 -> "Below so far"; CON-IA and CON-SLI have none in the register.
NO_MINIMUM_ROW = ("<NA>", "No minimum (not set in the contract register)")
HAND_COVERAGE = [  # Contract, Financial year, Support type, LAs supported, Minimum, Against minimum
    ("CON-IA", "2021-22", "One-to-one", "1") + NO_MINIMUM_ROW,
    ("CON-IA", "2022-23", "One-to-one", "1") + NO_MINIMUM_ROW,
    ("CON-LD", "2021-22", "Group", "1", "15", "Below"),
    ("CON-LD", "2021-22", "One-to-one", "3", "15", "Below"),
    ("CON-LD", "2022-23", "Group", "1", "15", "Below so far: year not over"),
    ("CON-LD", "2022-23", "One-to-one", "1", "15", "Below so far: year not over"),
    ("CON-SLI", "2021-22", "One-to-one", "1") + NO_MINIMUM_ROW,
    ("CON-SLI", "2022-23", "One-to-one", "0") + NO_MINIMUM_ROW,
]


def _literal_rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(str(value) for value in row) for row in frame[columns].itertuples(index=False)]


def test_worked_by_hand_on_the_small_database(monkeypatch, small_db_each):  # noqa: F811
    from tests.small_db import open_page as open_small

    def page(role="admin", **params):
        return open_small(monkeypatch, small_db_each, "pages/coverage.py", role=role, as_of="2022-06-30", **params)

    at = page()
    years = pd.concat(_tables(at, "Against minimum"))
    assert (
        _literal_rows(
            years, ["Contract", "Financial year", "Support type", "LAs supported", "Minimum", "Against minimum"]
        )
        == HAND_COVERAGE
    )

    # Regions, all contracts pooled, each LA once. 2021-22: North West Sefton and Knowsley = 2 of its 23 LAs
    # (8.7 %), Yorkshire and The Humber Leeds = 1 of 15 (6.7 %); 3 of England's 152 LAs.
    # 2022-23: North West Sefton = 1 of 23 (4.3 %), Yorkshire and The Humber Leeds = 1 of 15; 2 of 152.
    for year, north_west, supported in (("2021-22", ("2", "23", "8.7"), 3), ("2022-23", ("1", "23", "4.3"), 2)):
        regions = _tables(page(fy=year), "LAs in region")[0].set_index("Region")
        shown = regions[["LAs supported", "LAs in region", "Share (%)"]].astype(str)
        assert tuple(shown.loc["North West"]) == north_west
        assert tuple(shown.loc["Yorkshire and The Humber"]) == ("1", "15", "6.7")
        assert (regions["LAs supported"].sum(), regions["LAs in region"].sum()) == (supported, 152)

    # Targeting in 2021-22, from what was known when each LA's support started: Sefton's status of 01/05/2021
    # (Inadequate, a Written Statement of Action) and Knowsley's of 01/03/2021 (Requires improvement) are in
    # greatest need; Leeds (LD-3 from 10/01/2022) was last judged Outstanding by Ofsted (published 18/12/2018).
    # CON-LD: 2 of 3 (66.7 %); CON-IA: Sefton, 1 of 1; CON-SLI: Knowsley, 1 of 1.
    targeting = _tables(page(fy="2021-22"), "In greatest need at start")[0]
    assert _literal_rows(
        targeting,
        [
            "Contract",
            "LAs supported",
            "In greatest need at start",
            "Not in greatest need",
            "No status known at start",
            "Share (%)",
        ],
    ) == [
        ("CON-IA", "1", "1", "0", "0", "100.0"),
        ("CON-LD", "3", "2", "1", "0", "66.7"),
        ("CON-SLI", "1", "1", "0", "0", "100.0"),
    ]

    # Short packages, ended by 30 June 2022, a package's days its largest "Days delivered": CON-LD minimum 5:
    # LD-1 6 and LD-3 5 (equal is fine) pass, LD-2 3 is below; CON-SLI minimum 40: SLI-1 30 is below;
    # CON-IA has no minimum. The Board sees counts, and none for CON-SLI (its packages are all in Knowsley).
    short = _tables(at, "Minimum package days")[0]
    assert _literal_rows(short, ["Contract", "Package ID", "Days delivered", "Minimum package days", "Flag"]) == [
        ("CON-LD", "LD-2", "3.0", "5.0", "Below the minimum"),
        ("CON-SLI", "SLI-1", "30.0", "40.0", "Below the minimum"),
    ]
    board = next(t for t in _tables(page("board"), "Packages") if "Flag" in t.columns)
    assert _literal_rows(board, ["Contract", "Flag", "Packages"]) == [("CON-LD", "Below the minimum", "1")]


def test_year_filter_hex_map_and_its_table(app, records):
    _, positions = records
    year = "2021-22"
    at = app(fy=year)
    assert f"Regions in {year}" in [h.value for h in at.header]
    hexes = _tables(at, "Ofsted judgement")[0]
    assert len(hexes) == len(positions)
    # the map's LAs for keyboard and screen reader users: a table of its own, named as such
    [on_map] = [e for e in at.expander if e.label == "LAs on the map as a table"]
    assert {"Local authority", "Region", "Support"} <= set(on_map.dataframe[0].value.columns)
    assert on_map.dataframe[0].proto.alt == "LAs on the map"
    regions = _tables(at, "LAs in region")[0]
    supported = hexes[hexes["Support"] != "No support"]
    assert 0 < len(supported) <= regions["LAs supported"].sum() + 1


def test_the_targeting_sentence_says_when_no_status_was_known(open_page):
    """An LA with no status record at package start is counted as not in greatest need by the share,
    which the data cannot tell: the sentence says how many (rules.md: "never guesses silently")."""
    at = open_page("pages/coverage.py", as_of="2023-03-31", fy="2021-22")
    targeting = _tables(at, "No status known at start")[0]
    assert targeting["No status known at start"].sum() > 0, "the demo data has LAs with no status known here"
    sentence = next(
        m.value for m in at.markdown if m.value.startswith("Supported LAs in 2021-22 that were in greatest")
    )
    for row in targeting.to_dict("records"):
        unknown, supported = row["No status known at start"], row["LAs supported"]
        part = sentence.split(f"{row['Contract']}: ", 1)[1].split(";")[0]
        if unknown == supported:
            assert "no status was known" in part, part
        elif unknown:
            assert f"{unknown} of them with no status known when support started" in part, part
        else:
            assert "status" not in part, part


def test_priority_las_without_support(app, records):
    data, _ = records
    at = app()
    year = max(row.financial_year for row in coverage_by_year(data.units, AS_OF, data.las))
    expected = unsupported_priority_las(data.units, data.statuses, data.las, AS_OF, year)
    table = _tables(at, "Why a priority")[0]
    assert list(table["LA code"]) == [p.la_code for p in expected]
    assert all(
        reason in ("Inadequate", "SEND Written Statement of Action")
        for reasons in table["Why a priority"]
        for reason in reasons.split("; ")
    )


def test_region_filter_keeps_one_region(app, records):
    data, _ = records
    region = sorted({u.region_code for u in data.units})[0]
    at = app(region=region)
    regions = _tables(at, "LAs in region")[0]
    assert list(regions["Region"]) == [data.regions[region]]
    unsupported = _tables(at, "Why a priority")
    if unsupported:
        assert set(unsupported[0]["Region"]) <= {data.regions[region]}


def test_board_sees_coverage_too(app):
    at = app("board")
    assert "Map of support" in " ".join(h.value for h in at.header)
    assert all("Participant ID" not in frame.value.columns for frame in at.dataframe)


def test_an_empty_database_gives_a_helpful_message(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.switch_page("pages/coverage.py").run()
    assert not at.exception
    assert any("no contracts for these filters yet" in info.value for info in at.info)


def test_coverage_summary_counts_only_combinations_with_a_minimum():
    """ "4 of 14 meet their minimum" read as a failing service when only 6 had one."""
    import pandas as pd

    from dashboard.views.coverage import coverage_summary

    rows = [
        ("A", "2021-22", "Group", 12, 15, "Below"),
        ("A", "2023-24", "One-to-one", 12, 15, "Below"),
        ("A", "2022-23", "Group", 16, 15, "Meets"),
        ("B", "2022-23", "Group", 3, None, NO_MINIMUM),
    ]
    frame = pd.DataFrame(
        rows, columns=["Contract", "Financial year", "Support type", "LAs supported", "Minimum", "Against minimum"]
    )
    assert coverage_summary(frame) == (
        "1 of 3 yearly minimums met. 2 not met. Furthest below: A one-to-one support in 2023-24, 12 of 15 LAs. "
        "1 row with no minimum set in the contract register."
    )
    assert coverage_summary(frame[frame["Contract"] == "B"]) == (
        "No minimum number of LAs is set in the contract register for these contracts and years."
    )


def test_a_regions_count_is_not_judged_against_the_whole_contracts_minimum(app):
    """The minimum (15 LAs a year) is for the whole contract: with a region chosen the page shows the
    region's LAs and says the minimum is not judged there."""
    national, regional = app(), app(region="E12000002")
    judged = pd.concat(_tables(national, "Against minimum"))
    assert judged["Against minimum"].isin(["Meets", "Below"]).any()
    area = pd.concat(_tables(regional, "Against minimum"))
    with_minimum = area[area["Minimum"].notna()]
    assert not with_minimum.empty and (with_minimum["Against minimum"] == "Not judged: region or LA chosen").all()
    assert any("not judged here" in m.value for m in regional.markdown)
    assert not any("below the minimum" in m.value for m in regional.markdown)


def test_the_board_sees_no_package_counts_of_a_contract_all_in_one_la(app, records):
    """In the North East project_5369 supported Hartlepool alone: its short-package counts there
    are Hartlepool's, so the Board is not shown them (an administrator is)."""
    data, _ = records
    assert {u.la_code for u in data.units if u.region_code == "E12000001" and u.contract == "project_5369"} == {
        "E06000001"
    }, "the demo's project_5369 has one LA in the North East"
    board = app("board", region="E12000001", contract="project_5369", as_of="2024-03-15")
    assert any("project_5369: not shown" in i.value for i in board.info)
    admin = app("admin", region="E12000001", contract="project_5369", as_of="2024-03-15")
    assert not any("not shown" in i.value for i in admin.info)


@pytest.mark.parametrize("page", ["pages/kpis.py", "pages/coverage.py"])
def test_lists_the_year_filter_does_not_narrow_say_so(open_page, page):
    """The follow-ups to chase and the short packages are every year's: with a year chosen, the page says so."""
    note = "the financial year filter does not narrow this list"
    narrowed = open_page(page, as_of="2023-03-31", fy="2021-22")
    assert any(note in caption.value.lower() for caption in narrowed.caption)
    everything = open_page(page, as_of="2023-03-31")
    assert not any(note in caption.value.lower() for caption in everything.caption)


def test_each_contracts_sentence_is_its_latest_year_for_every_support_type(open_page):
    import re

    at = open_page("pages/coverage.py", as_of="2023-03-31")
    years = pd.concat(_tables(at, "Against minimum"))
    for contract, rows in years.groupby("Contract"):
        latest = rows["Financial year"].max()
        sentence = next(
            m.value for m in at.markdown if m.value.startswith(f"{contract} ") and "supported in" in m.value
        )
        assert set(re.findall(r"supported in (\d{4}-\d{2})", sentence)) == {latest}, sentence
        assert sentence.count("supported in") == len(rows[rows["Financial year"] == latest]), sentence


def test_the_targeting_share_is_written_with_halves_rounded_up_as_every_rate():
    """1 of 8 LAs is 12.5 %: "13 %", as the KPI sentences round halves (Python's own rounding says 12)."""
    from dashboard.views import coverage as views

    row = {
        "Contract": "C",
        "In greatest need at start": 1,
        "LAs supported": 8,
        "Not in greatest need": 7,
        "No status known at start": 0,
        "Share (%)": 12.5,
    }
    assert views._targeting_part(row) == "C: 1 of 8 (13 %)"


def test_coverage_summary_agrees_in_number_and_counts_a_year_not_over():
    from dashboard.coverage import SO_FAR
    from dashboard.views.coverage import coverage_summary

    rows = [
        ("A", "2021-22", "Group", 16, 15, "Meets"),
        ("A", "2022-23", "Group", 3, 15, SO_FAR),
        ("A", "2022-23", "One-to-one", 2, 15, SO_FAR),
    ]
    frame = pd.DataFrame(
        rows, columns=["Contract", "Financial year", "Support type", "LAs supported", "Minimum", "Against minimum"]
    )
    assert coverage_summary(frame) == "1 of 3 yearly minimums met. 2 behind so far, in a year not over yet."
    assert coverage_summary(frame.iloc[1:2]) == "0 of 1 yearly minimum met. 1 behind so far, in a year not over yet."


BOOKMARK = {"contract": "con_9887", "fy": "2022-23", "region": "E12000002", "la": "E06000008", "as_of": "2023-06-30"}


@pytest.mark.parametrize("params", [{"as_of": "2018-01-01"}, BOOKMARK], ids=["before-any-judgement", "bookmark"])
def test_no_priority_la_in_scope_is_said_not_that_every_one_was_supported(open_page, records, params):
    """ "Every LA judged Inadequate ... received support" is only true of none: with no priority LA in
    scope the page says there is none to check."""
    data, _ = records
    as_of = date.fromisoformat(params["as_of"])
    at = open_page("pages/coverage.py", **params)
    year = next(h.value for h in at.header if h.value.startswith("Priority LAs with no support in ")).rsplit(" ", 1)[1]
    priority = [
        p
        for p in unsupported_priority_las((), data.statuses, data.las, as_of, year)
        if "la" not in params or p.la_code == params["la"]
    ]
    assert not priority, "no LA in scope is a priority here"
    infos = [i.value for i in at.info]
    assert not any("received support" in text for text in infos)
    assert any("so there is no priority LA to check in " + year in text for text in infos)


def test_every_priority_la_supported_is_counted():
    from dashboard.views.coverage import unsupported_priority_frame, unsupported_summary

    empty = unsupported_priority_frame((), (), (), AS_OF, "2022-23", {})
    assert unsupported_summary(empty, 2, "2022-23", AS_OF) == (
        "All 2 LAs judged Inadequate or with a SEND Written Statement of Action received support in 2022-23."
    )
    listed = pd.DataFrame([{"Local authority": "X", "LA code": "E1", "Region": "R", "Why a priority": "Inadequate"}])
    assert unsupported_summary(listed, 3, "2022-23", AS_OF) == "1 priority LA received no support in 2022-23."


@pytest.mark.parametrize("params", [{"as_of": "2018-01-01"}, BOOKMARK], ids=["before-any-support", "bookmark"])
def test_no_highest_share_is_named_when_every_share_is_0(open_page, params):
    at = open_page("pages/coverage.py", **params)
    regions = _tables(at, "LAs in region")[0]
    assert regions["LAs supported"].sum() == 0, "no LA in scope was supported that year"
    summary = next(m.value for m in at.markdown if "LAs received support" in m.value)
    assert "highest share" not in summary
    assert summary.startswith(f"0 of {regions['LAs in region'].sum()} LAs received support in ")


def test_region_summary_names_the_highest_share_among_several():
    from dashboard.views.coverage import region_summary

    frame = pd.DataFrame(
        [("North East", 1, 12, 8.3), ("North West", 4, 23, 17.4)],
        columns=["Region", "LAs supported", "LAs in region", "Share (%)"],
    )
    assert region_summary(frame, "2022-23") == (
        "5 of 35 LAs received support in 2022-23. The highest share is in North West (4 of 23)."
    )
    assert region_summary(frame.iloc[1:], "2022-23") == "4 of 23 LAs received support in 2022-23."


def test_a_reorganised_la_shows_only_the_years_it_existed_in(open_page, records):
    """Cumberland (E06000063) exists from April 2023: a 2021-22 bar of 0 for it was a year it could not
    be supported in. Its years are those its LA profile lists packages for, and no year before it existed."""
    data, _ = records
    code = "E06000063"
    born = next(la.valid_from for la in data.las if la.code == code)
    at = open_page("pages/coverage.py", as_of="2026-11-26", la=code)
    table = pd.concat(_tables(at, "Against minimum"))
    mine = [u for u in data.units if u.la_code == code]
    supported = {(r.contract, r.financial_year) for r in coverage_by_year(mine, date(2026, 11, 26), data.las)}
    assert supported, "the demo data supports Cumberland"
    assert all(fy_end(year) >= born for year in table["Financial year"])
    assert supported <= set(zip(table["Contract"], table["Financial year"]))


@pytest.mark.parametrize(
    "role, linked", [("case_lead", True), ("contract_manager", True), ("admin", True), ("board", False)]
)
def test_each_la_in_the_map_and_priority_tables_links_to_its_profile(app, role, linked):
    """Issue 18: every LA named in the hex map's table and the priority list opens its profile (the
    LA filter the profile reads, same as-of date); the Board has no LA profiles, so no links."""
    at = app(role)
    assert _tables(at, "Support")  # the hex map's table is there to check
    for column in ("Support", "Why a priority"):
        for table in _tables(at, column):
            if not linked:
                assert "LA profile" not in table.columns
                continue
            assert list(table["LA profile"]) == [f"la_profile?la={code}&as_of={AS_OF}" for code in table["LA code"]]


@pytest.mark.parametrize("role", ["board", "case_lead"])
def test_supported_las_beside_their_neighbours_for_every_role(open_page, records, role):
    """Issue 18, for the Board: aggregate figures only (no person, no participant), worded as description,
    on the Outcomes and value for money page."""
    from dashboard import outcomes_indicators as oi
    from data_access.queries import indicator_records

    at = open_page("pages/outcomes.py", role, as_of=AS_OF.isoformat())
    assert not at.exception
    table = _tables(at, "Median change (neighbours)")[0]
    assert set(table["Measure"]) == {
        "Percentage rate of social worker turnover",
        "Percentage of re-referrals to children's social care within 12 months",
    }
    assert all(
        "does not show what the support caused" in words or words.endswith("after it ended.")
        for words in table["In words"]
    )
    assert not any("Participant" in column for column in table.columns)
    if role == "board":  # everything, as the pure rule works it out from the same records
        data, _ = records
        engine = make_engine(os.environ["DASHBOARD_DATABASE_URL"])
        found = indicator_records(engine)
        engine.dispose()
        indicators = oi.Indicators(found.measures, found.values, found.neighbours)
        expected = oi.contract_changes(data.contracts, data.units, data.las, indicators, oi.BOARD_MEASURES, AS_OF)
        pd.testing.assert_frame_equal(table.reset_index(drop=True), expected, check_dtype=False)
