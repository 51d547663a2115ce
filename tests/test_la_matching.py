"""LA matching against the real reference list (la_reference.csv)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.records import LocalAuthority
from data_access.importer.cells import CellError
from data_access.importer.la_matching import LAMatcher, load_reference_las, name_key

_HERE = Path(__file__).resolve()
_SEEDED = _HERE.parents[1] / "seeds" / "reference" / "la_reference.csv"
REFERENCE_CSV = _SEEDED if _SEEDED.exists() else _HERE.parents[2] / "shared" / "reference" / "la_reference.csv"

D2022 = date(2022, 6, 1)


@pytest.fixture(scope="module")
def reference():
    return load_reference_las(REFERENCE_CSV)


@pytest.fixture(scope="module")
def matcher(reference):
    las, other_names = reference
    return LAMatcher(las, other_names)


# ------------------------------------------------------------------ loader


def test_loader_reads_every_record(reference):
    las, other_names = reference
    assert len(las) == 163
    assert len({la.code for la in las}) == 163
    assert all(isinstance(la, LocalAuthority) for la in las)
    by_code = {la.code: la for la in las}
    assert by_code["E10000021"] == LocalAuthority(
        code="E10000021",
        dfe_code="928",
        name="Northamptonshire",
        region_code="E12000004",
        valid_from=date(2009, 1, 1),
        valid_to=date(2021, 3, 31),
        successor_codes=("E06000061", "E06000062"),
    )
    assert by_code["E06000065"].valid_to is None
    assert other_names["E06000023"] == ["Bristol"]
    assert other_names["E08000013"] == ["St Helens"]
    assert "E08000014" not in other_names  # Sefton has no other names


# ------------------------------------------------------------ name forms


@pytest.mark.parametrize(
    "value, code",
    [
        # GSS code, any case, spaces trimmed
        ("E08000014", "E08000014"),
        ("e08000014", "E08000014"),
        ("  E08000014 ", "E08000014"),
        # DfE 3-digit code as int, float, text
        (343, "E08000014"),
        (343.0, "E08000014"),
        ("343", "E08000014"),
        (" 343 ", "E08000014"),
        ("343.0", "E08000014"),
        ("202", "E09000007"),  # Camden
        # names
        ("Sefton", "E08000014"),
        ("SEFTON", "E08000014"),
        (" sefton ", "E08000014"),
        ("Bristol, City of", "E06000023"),
        ("City of Bristol", "E06000023"),
        ("Bristol", "E06000023"),
        ("bristol city of", "E06000023"),
        ("Kingston upon Hull, City of", "E06000010"),
        ("City of Kingston upon Hull", "E06000010"),
        ("Kingston upon Hull", "E06000010"),
        ("Kingston-upon-Hull", "E06000010"),
        ("Herefordshire, County of", "E06000019"),
        ("County of Herefordshire", "E06000019"),
        ("Herefordshire", "E06000019"),
        ("City of York", "E06000014"),  # 'City of' dropped when only the place is known
        ("York", "E06000014"),
        ("City of London", "E09000001"),  # a real name, not 'London'
        ("St. Helens", "E08000013"),
        ("St Helens", "E08000013"),
        ("st helens", "E08000013"),
        ("Saint Helens", "E08000013"),
        ("Telford and Wrekin", "E06000020"),
        ("Telford & Wrekin", "E06000020"),
        ("Telford&Wrekin", "E06000020"),
        ("Hammersmith & Fulham", "E09000013"),
        ("Bournemouth, Christchurch & Poole", "E06000058"),
        ("Bournemouth Christchurch and Poole", "E06000058"),
        ("Wirral", "E08000015"),
        ("The Wirral", "E08000015"),  # leading 'The' ignored
        ("Durham", "E06000047"),  # other name in sources
        ("County Durham", "E06000047"),
        ("Stoke-on-Trent", "E06000021"),
        ("Stoke on Trent", "E06000021"),
        ("Southend-on-Sea", "E06000033"),
        ("Isle of Scilly", "E06000053"),  # the hexjson typo, listed as an other name
        ("Isles of Scilly", "E06000053"),
    ],
)
def test_match_forms(matcher, value, code):
    assert matcher.match(value, D2022).code == code


def test_match_returns_reference_record(matcher, reference):
    las, _ = reference
    sefton = next(la for la in las if la.code == "E08000014")
    assert matcher.match("Sefton", D2022) is sefton


# ---------------------------------------------------- records change over time


@pytest.mark.parametrize(
    "value, on_date, code",
    [
        ("North Yorkshire", date(2022, 6, 1), "E10000023"),
        ("North Yorkshire", date(2023, 3, 31), "E10000023"),
        ("North Yorkshire", date(2023, 4, 1), "E06000065"),
        ("North Yorkshire", date(2023, 6, 1), "E06000065"),
        (815, date(2022, 6, 1), "E10000023"),
        ("815", date(2023, 6, 1), "E06000065"),
        (815.0, date(2023, 6, 1), "E06000065"),
        ("Buckinghamshire", date(2019, 6, 1), "E10000002"),
        ("Buckinghamshire", date(2020, 6, 1), "E06000060"),
        (825, date(2020, 3, 31), "E10000002"),
        (825, date(2020, 4, 1), "E06000060"),
        ("Dorset", date(2018, 6, 1), "E10000009"),
        ("Dorset", date(2019, 6, 1), "E06000059"),
        ("835", date(2018, 6, 1), "E10000009"),
        ("838", date(2019, 6, 1), "E06000059"),
        ("Somerset", date(2022, 6, 1), "E10000027"),
        ("Somerset", date(2023, 6, 1), "E06000066"),
        ("Sheffield", date(2025, 4, 30), "E08000019"),
        ("Sheffield", date(2025, 5, 1), "E08000039"),
        (370, date(2025, 6, 1), "E08000038"),
        ("Northamptonshire", date(2020, 6, 1), "E10000021"),
        ("Pre-LGR 2021 Northamptonshire", date(2020, 6, 1), "E10000021"),
        ("North Northamptonshire", date(2021, 6, 1), "E06000061"),
        # an explicit GSS code is that record, when live
        ("E10000023", date(2022, 6, 1), "E10000023"),
        ("E06000065", date(2023, 6, 1), "E06000065"),
        # datetimes are read as their date
        ("North Yorkshire", datetime(2023, 4, 1, 9, 0), "E06000065"),
    ],
)
def test_match_on_date(matcher, value, on_date, code):
    assert matcher.match(value, on_date).code == code


@pytest.mark.parametrize(
    "value, first, last, expected",
    [
        ("Sefton", date(2019, 1, 1), date(2024, 1, 1), "E08000014"),
        ("E08000014", D2022, D2022, "E08000014"),
        ("Northamptonshire", date(2020, 1, 1), date(2021, 3, 31), "E10000021"),  # to its last day
        ("Northamptonshire", date(2021, 3, 1), date(2021, 6, 1), None),  # abolished between the two dates
        ("Buckinghamshire", date(2020, 4, 1), date(2023, 1, 1), None),  # a name of two records: date by date
        ("Nowhere Borough", D2022, D2022, None),
        (" ", D2022, D2022, None),
        ("Sefton", datetime(2022, 1, 1, 9, 0), datetime(2022, 2, 1), None),
    ],
)
def test_an_la_matched_throughout_a_span_is_what_each_date_matches(matcher, value, first, last, expected):
    """``match_throughout`` gives a record only when ``match`` gives that one record on every date
    of the span (checked week by week and on the last day); otherwise None, and ``match`` decides
    date by date."""
    throughout = matcher.match_throughout(value, first, last)
    assert (throughout.code if throughout else None) == expected
    if throughout is not None:
        days = [first + timedelta(days=offset) for offset in range(0, (last - first).days + 1, 7)] + [last]
        assert {matcher.match(value, day).code for day in days} == {expected}


def test_no_date_takes_the_latest_record(matcher):
    assert matcher.match("North Yorkshire", None).code == "E06000065"
    assert matcher.match("E10000023", None).code == "E10000023"


@pytest.mark.parametrize(
    "value, on_date, message",
    [
        (
            "Northamptonshire",
            date(2021, 6, 1),
            (
                "Northamptonshire (E10000021) did not exist on 01/06/2021: it was replaced by "
                "North Northamptonshire (E06000061) and West Northamptonshire (E06000062) on 01/04/2021"
            ),
        ),
        (
            "928",
            date(2021, 6, 1),
            "it was replaced by North Northamptonshire (E06000061) and West Northamptonshire (E06000062)",
        ),
        (
            "E10000023",
            date(2023, 6, 1),
            (
                "North Yorkshire (E10000023) did not exist on 01/06/2023: "
                "it was replaced by North Yorkshire (E06000065) on 01/04/2023"
            ),
        ),
        (
            "E06000065",
            date(2022, 6, 1),
            (
                "North Yorkshire (E06000065) did not exist on 01/06/2022: "
                "it started on 01/04/2023, replacing North Yorkshire (E10000023)"
            ),
        ),
        (
            "Cumbria",
            date(2023, 6, 1),
            (
                "Cumbria (E10000006) did not exist on 01/06/2023: it was replaced by "
                "Cumberland (E06000063) and Westmorland and Furness (E06000064) on 01/04/2023"
            ),
        ),
        (
            "Cumberland",
            date(2022, 6, 1),
            (
                "Cumberland (E06000063) did not exist on 01/06/2022: it started on 01/04/2023, "
                "replacing Cumbria (E10000006)"
            ),
        ),
        (
            "835",
            date(2019, 6, 1),
            (
                "Dorset (E10000009) did not exist on 01/06/2019: it was replaced by "
                "Bournemouth, Christchurch and Poole (E06000058) and Dorset (E06000059) on 01/04/2019"
            ),
        ),
        ("Poole", date(2020, 1, 1), "it was replaced by Bournemouth, Christchurch and Poole (E06000058)"),
        ("E10000002", date(2021, 1, 1), "it was replaced by Buckinghamshire (E06000060) on 01/04/2020"),
        ("Sefton", date(2008, 1, 1), "the reference list has it only from 01/01/2009"),
    ],
)
def test_la_not_existing_on_date(matcher, value, on_date, message):
    with pytest.raises(CellError) as caught:
        matcher.match(value, on_date)
    assert message in str(caught.value)


# ---------------------------------------------------------- unknown and bad


@pytest.mark.parametrize(
    "value, message",
    [
        ("Sheffeld", "unknown LA 'Sheffeld': did you mean Sheffield"),
        ("Camdem", "unknown LA 'Camdem': did you mean Camden?"),
        ("Sefton Council", "did you mean Sefton?"),
        ("Leeds City Council", "did you mean Leeds?"),
        ("Durham County Council", "did you mean County Durham"),
        ("Kingston upon Hull City Council", "did you mean 'Kingston upon Hull, City of'"),
        ("Hull", "did you mean 'Kingston upon Hull, City of'"),
        ("Richmond", "did you mean Richmond upon Thames"),
        ("Xyzzy", "unknown LA 'Xyzzy': give its name, GSS code (e.g. E08000014) or DfE code (e.g. 343)"),
        ("London", "unknown LA 'London'"),
        ("E08000099", "unknown LA code 'E08000099'"),
        ("999", "unknown DfE LA code '999'"),
        (999, "unknown DfE LA code 999"),
        (343.5, "expected an LA name, GSS code or DfE code, got 343.5"),
        (True, "expected an LA name, GSS code or DfE code, got TRUE"),
        (None, "expected an LA name, GSS code or DfE code, got a blank cell"),
        ("  ", "got a blank cell"),
        (date(2021, 1, 1), "expected an LA name, GSS code or DfE code, got 01/01/2021"),
        ("#REF!", "the cell holds the Excel error #REF!"),
        ("#N/A", "the cell holds the Excel error #N/A"),
    ],
)
def test_unknown_or_bad_la(matcher, value, message):
    with pytest.raises(CellError) as caught:
        matcher.match(value, D2022)
    assert message in str(caught.value)


def test_suggestions_are_at_most_three(matcher):
    names = matcher.suggestions("North")
    assert 1 <= len(names) <= 3


def test_errors_repeat_from_cache(matcher):
    for _ in range(3):
        with pytest.raises(CellError, match="did you mean Sheffield"):
            matcher.match("Sheffeld", D2022)


def test_names_shared_on_the_same_date_are_ambiguous():
    one = LocalAuthority("E00000001", "101", "Newtown", "E12000001", date(2009, 1, 1), None)
    two = LocalAuthority("E00000002", "102", "Oldtown", "E12000001", date(2009, 1, 1), None)
    matcher = LAMatcher([one, two], {"E00000002": ["Newtown"]})
    with pytest.raises(CellError, match="could mean Newtown \\(E00000001\\) and Oldtown \\(E00000002\\)"):
        matcher.match("Newtown", D2022)
    assert matcher.match("E00000002", D2022) is two


@pytest.mark.parametrize(
    "text, key",
    [
        ("St. Helens", "sthelens"),
        ("Telford & Wrekin", "telfordandwrekin"),
        ("The Wirral", "wirral"),
        ("Bristol, City of", "bristolcityof"),
        ("Stoke-on-Trent", "stokeontrent"),
    ],
)
def test_name_key(text, key):
    assert name_key(text) == key
