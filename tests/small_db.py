"""A small oversight database built through the real importer, for page and Board pack tests.

Until the demo workbooks load (``seeds/demo.py``), the finance, timelines, LA
profile and Board pack tests import these workbooks with
``data_access.services.import_file``. Figures are chosen so every finance flag,
every milestone status and an LA in intervention appear as of ``AS_OF``.
Participant names are set on purpose: the Board pack test checks none leaks.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from data_access.db import ensure_database, make_engine
from data_access.services import import_file
from tests import workbooks as wb

AS_OF = date(2022, 6, 30)
LD, IA, SLI = "CON-LD", "CON-IA", "CON-SLI"
SEFTON, KNOWSLEY, LEEDS = "E08000014", "E08000011", "E08000035"
NORTH_WEST = "E12000002"
PARTICIPANT_NAMES = ("Alice Testperson", "Bob Testperson", "Carol Testperson", "Dan Testperson")

LD_ALLOCATIONS = {  # heading -> [2021-22, 2022-23]
    "Peer mentors": [30_000.10, 40_000],
    "Programme management": [5_000, 6_000.55],
    "Overheads": [3_000, 3_000],
}
IA_ALLOCATIONS = {"Improvement adviser days": [20_000, 8_000], "Expenses": [500, 0]}
SLI_ALLOCATIONS = {"Sector-led improvement partners": [10_000, 200_000], "Programme management": [2_000, 20_000]}
YEARS = ("2021-22", "2022-23")


def _contracts() -> list[dict]:
    return [
        wb.contract_row(
            **{
                "Contract reference": LD,
                "Title": "Leadership development",
                "Programme": "Leadership development",
                "Start date": date(2021, 6, 11),
                "End date": date(2022, 9, 30),
                "Extension up to": date(2024, 3, 31),
                "Day rate cap": 600,
                "Executive day rate cap": None,
                "Minimum package days": 5,
                "Minimum LAs per year": 15,
                "Overheads cap": "15%",
            }
        ),
        wb.contract_row(
            **{
                "Contract reference": IA,
                "Title": "Improvement adviser call-off, Sefton",
                "Programme": "Improvement adviser",
                "Type": "Call-off",
                "Start date": date(2021, 6, 30),
                "End date": date(2022, 12, 29),
                "Extension up to": date(2023, 6, 29),
                "Break date": date(2022, 3, 31),
                "Day rate cap": 600,
                "Executive day rate cap": None,
                "Minimum package days": None,
                "Minimum LAs per year": None,
            }
        ),
        wb.contract_row(
            **{
                "Contract reference": SLI,
                "Title": "SEND sector-led improvement grant",
                "Programme": "SEND sector-led improvement",
                "Type": "Grant",
                "Start date": date(2022, 1, 1),
                "End date": date(2023, 3, 31),
                "Day rate cap": 600,
                "Executive day rate cap": 800,
                "Minimum package days": 40,
                "Minimum LAs per year": None,
            }
        ),
    ]


def _milestones() -> list[dict]:
    return [
        wb.milestone_row(
            **{
                "Contract reference": LD,
                "Milestone": "Mobilisation complete",
                "Due date": date(2021, 7, 31),
                "Completed date": date(2021, 7, 20),
            }
        ),
        wb.milestone_row(
            **{
                "Contract reference": LD,
                "Milestone": "Interim evaluation report",
                "Due date": date(2022, 6, 1),
                "Completed date": None,
            }
        ),
        wb.milestone_row(
            **{
                "Contract reference": IA,
                "Milestone": "Diagnostic report",
                "Due date": date(2022, 7, 15),
                "Completed date": None,
            }
        ),
        wb.milestone_row(
            **{
                "Contract reference": SLI,
                "Milestone": "Final report",
                "Due date": date(2023, 3, 31),
                "Completed date": None,
            }
        ),
    ]


def _pricing(contract: str, allocations: dict, rates: list[dict]) -> bytes:
    part_a = wb.part_a_sheet(allocations, YEARS, contract=contract)
    return wb.xlsx(wb.pricing_schedule(part_a, rates, contract=contract))


def _finance(contract: str, invoice: str, number: int, **values) -> dict:
    return wb.finance_row(**{"Contract reference": contract, "Invoice reference": invoice, "Line": number, **values})


def _ld_finance_rows() -> list[dict]:
    return [
        # 2021-22 Q2: fine.
        _finance(
            LD,
            "LD-INV-1",
            1,
            **{
                "Financial year": "2021-22",
                "Quarter": "Q2",
                "Expenditure heading": "Peer mentors",
                "Role": "Peer mentor",
                "Level": "Management",
                "Days": 10,
                "Day rate": 550,
                "Amount": 5500,
                "Invoice date": date(2021, 10, 15),
            },
        ),
        _finance(
            LD,
            "LD-INV-1",
            2,
            **{
                "Financial year": "2021-22",
                "Quarter": "Q2",
                "Expenditure heading": "Overheads",
                "Amount": 500,
                "Invoice date": date(2021, 10, 15),
            },
        ),
        # 2021-22 Q3: rate above cap (650 > 600) and amount mismatch (4 x 650 = 2600, billed 2700).
        _finance(
            LD,
            "LD-INV-2",
            1,
            **{
                "Financial year": "2021-22",
                "Quarter": "Q3",
                "Expenditure heading": "Peer mentors",
                "Role": "Peer mentor",
                "Level": "Executive",
                "Days": 4,
                "Day rate": 650,
                "Amount": 2700,
                "Invoice date": date(2022, 1, 20),
            },
        ),
        # 2021-22 Q4: late (45 days after 31 Mar 2022) and overheads above 15 %.
        _finance(
            LD,
            "LD-INV-3",
            1,
            **{
                "Financial year": "2021-22",
                "Quarter": "Q4",
                "Expenditure heading": "Programme management",
                "Role": "Programme manager",
                "Level": "Management",
                "Days": 5,
                "Day rate": 450,
                "Amount": 2250.33,
                "Invoice date": date(2022, 5, 15),
            },
        ),
        _finance(
            LD,
            "LD-INV-3",
            2,
            **{
                "Financial year": "2021-22",
                "Quarter": "Q4",
                "Expenditure heading": "Overheads",
                "Amount": 2600,
                "Invoice date": date(2022, 5, 15),
            },
        ),
        # 2022-23 Q1: dated after AS_OF (does not count at AS_OF).
        _finance(
            LD,
            "LD-INV-4",
            1,
            **{
                "Financial year": "2022-23",
                "Quarter": "Q1",
                "Expenditure heading": "Peer mentors",
                "Role": "Peer mentor",
                "Level": "Management",
                "Days": 20,
                "Day rate": 600,
                "Amount": 12000,
                "Invoice date": date(2022, 7, 12),
            },
        ),
    ]


def quarterly_returns() -> dict[str, bytes]:
    ld_engagements = [
        wb.engagement_row(
            **{
                "Contract reference": LD,
                "Package ID": "LD-1",
                "LA": "Sefton",
                "Participant ID": "P-0001",
                "Participant name": PARTICIPANT_NAMES[0],
                "Start date": date(2021, 7, 1),
                "End date": date(2021, 10, 31),
                "Days delivered": 6,
                "Delivered by": "Mentor A",
            }
        ),
        wb.engagement_row(
            **{
                "Contract reference": LD,
                "Package ID": "LD-2",
                "LA": "Knowsley",
                "Participant ID": "P-0002",
                "Participant name": PARTICIPANT_NAMES[1],
                "Role": "Chief Executive",
                "Start date": date(2021, 9, 1),
                "End date": date(2021, 12, 15),
                "Days delivered": 3,
                "Delivered by": "Mentor B",
            }
        ),
        wb.engagement_row(
            **{
                "Contract reference": LD,
                "Package ID": "LD-3",
                "LA": "Leeds",
                "Participant ID": "P-0003",
                "Participant name": PARTICIPANT_NAMES[2],
                "Start date": date(2022, 1, 10),
                "End date": date(2022, 5, 31),
                "Days delivered": 5,
                "Delivered by": "Mentor A",
            }
        ),
        wb.engagement_row(
            **{
                "Contract reference": LD,
                "Package ID": "LD-G1",
                "LA": "Sefton",
                "Support type": "Group",
                "Group type": "Cabinet",
                "Participant ID": "P-0004",
                "Role": "Councillor",
                "Start date": date(2022, 2, 1),
                "End date": None,
                "Days delivered": 2,
                "Delivered by": "Facilitator C",
            }
        ),
    ]
    ld_survey = [
        wb.survey_row(
            **{
                "Contract reference": LD,
                "Package ID": "LD-1",
                "Participant ID": "P-0001",
                "Stage": "Baseline",
                "Response date": date(2021, 7, 2),
                "Confidence": 2,
            }
        ),
        wb.survey_row(
            **{
                "Contract reference": LD,
                "Package ID": "LD-1",
                "Participant ID": "P-0001",
                "Stage": "Follow-up",
                "Response date": date(2021, 12, 1),
                "Confidence": 4,
                "Impact demonstrated": "Yes",
                "Evidence": "Alice Testperson chaired the board",
            }
        ),
        wb.survey_row(
            **{
                "Contract reference": LD,
                "Package ID": "LD-2",
                "Participant ID": "P-0002",
                "Stage": "Baseline",
                "Response date": date(2021, 9, 2),
                "Confidence": 3,
            }
        ),
        wb.survey_row(
            **{
                "Contract reference": LD,
                "Package ID": "LD-2",
                "Participant ID": "P-0002",
                "Stage": "Follow-up",
                "Response date": date(2022, 1, 20),
                "Confidence": 3,
                "Impact demonstrated": "No",
            }
        ),
    ]
    ld_finance = _ld_finance_rows()
    ia_engagements = [
        wb.engagement_row(
            **{
                "Contract reference": IA,
                "Package ID": "IA-1",
                "LA": "Sefton",
                "Participant ID": "P-0010",
                "Participant name": PARTICIPANT_NAMES[3],
                "Role": "Director of Children's Services",
                "Start date": date(2021, 7, 1),
                "End date": None,
                "Days delivered": 15,
                "Delivered by": "Adviser D",
            }
        ),
    ]
    ia_finance = []
    for number, (month, days, rate) in enumerate(
        ((date(2021, 7, 1), 4, 600), (date(2021, 8, 1), 4.5, 600), (date(2021, 9, 1), 3, 600)),
        start=1,
    ):
        ia_finance.append(
            _finance(
                IA,
                "IA-INV-1",
                number,
                **{
                    "Financial year": "2021-22",
                    "Quarter": "Q2",
                    "Expenditure heading": "Improvement adviser days",
                    "Role": f"Improvement adviser ({month:%B %Y})",
                    "Level": "Management",
                    "Days": days,
                    "Day rate": rate,
                    "Amount": days * rate,
                    "Invoice date": date(2021, 10, 10),
                },
            )
        )
    ia_finance.append(
        _finance(
            IA,
            "IA-INV-1",
            4,
            **{
                "Financial year": "2021-22",
                "Quarter": "Q2",
                "Expenditure heading": "Expenses",
                "Role": "Travel",
                "Amount": 620.40,
                "Invoice date": date(2021, 10, 10),
            },
        )
    )  # overspend: 620.40 > 500 allocated
    sli_finance = [
        _finance(
            SLI,
            "SLI-INV-1",
            1,
            **{
                "Financial year": "2021-22",
                "Quarter": "Q4",
                "Expenditure heading": "Sector-led improvement partners",
                "Role": "Partner",
                "Level": "Executive",
                "Days": 5,
                "Day rate": 800,
                "Amount": 4000,
                "Invoice date": date(2022, 4, 20),
            },
        ),
        _finance(
            SLI,
            "SLI-INV-1",
            2,
            **{
                "Financial year": "2021-22",
                "Quarter": "Q4",
                "Expenditure heading": "Sector-led improvement partners",
                "Role": "Adviser",
                "Level": "Management",
                "Days": 2,
                "Day rate": 700,
                "Amount": 1400,
                "Invoice date": date(2022, 4, 20),
            },
        ),
    ]
    sli_engagements = [
        wb.engagement_row(
            **{
                "Contract reference": SLI,
                "Package ID": "SLI-1",
                "LA": "Knowsley",
                "Participant ID": "P-0020",
                "Role": "Director of Children's Services",
                "Start date": date(2022, 2, 1),
                "End date": date(2022, 3, 25),
                "Days delivered": 30,
                "Delivered by": "Partner E",
                "Focus": "SEND",
            }
        ),
    ]
    return {
        "return_ld.xlsx": wb.xlsx(wb.quarterly_return(ld_engagements, ld_survey, ld_finance)),
        "return_ia.xlsx": wb.xlsx(wb.quarterly_return(ia_engagements, None, ia_finance)),
        "return_sli.xlsx": wb.xlsx(wb.quarterly_return(sli_engagements, None, sli_finance)),
    }


def workbooks() -> list[tuple[str, bytes]]:
    """(file name, bytes) in import order."""
    rates = [wb.day_rate_row(**{"Day rate": 550})]
    files = [
        ("register.xlsx", wb.xlsx(wb.register(_contracts(), _milestones()))),
        ("pricing_ld.xlsx", _pricing(LD, LD_ALLOCATIONS, rates)),
        ("pricing_ia.xlsx", _pricing(IA, IA_ALLOCATIONS, rates)),
        ("pricing_sli.xlsx", _pricing(SLI, SLI_ALLOCATIONS, rates)),
        (
            "la_status.xlsx",
            wb.xlsx(
                wb.la_status(
                    [
                        wb.la_status_row(
                            **{
                                "LA": "Sefton",
                                "ILACS judgement": "Inadequate",
                                "ILACS date": date(2021, 5, 1),
                                "In intervention": "Yes",
                                "SEND WSoA": "Yes",
                            }
                        ),
                        wb.la_status_row(
                            **{
                                "LA": "Knowsley",
                                "ILACS judgement": "Requires improvement",
                                "ILACS date": date(2021, 3, 1),
                                "In intervention": "No",
                            }
                        ),
                    ]
                )
            ),
        ),
    ]
    files += list(quarterly_returns().items())
    return files


def build(url: str) -> str:
    """Create the database at ``url`` and import the workbooks; fails loudly on a rejection."""
    engine = make_engine(url)
    ensure_database(engine)
    for name, data in workbooks():
        outcome = import_file(engine, name, data, "test loader")
        if not outcome.plan.ok:
            raise AssertionError(f"{name} rejected: " + "; ".join(str(p) for p in outcome.plan.errors[:10]))
    engine.dispose()
    return url


def build_sqlite(folder: Path) -> str:
    return build(f"sqlite:///{folder / 'small.db'}")


def finance_sheet_rows() -> dict[str, dict[tuple[str, int], int]]:
    """file name -> (invoice, line) -> Excel row, worked out from the sheets themselves."""
    from tests.workbooks import SheetSpec

    found: dict[str, dict[tuple[str, int], int]] = {}
    for name, rows in (("return_ld.xlsx", _ld_finance_rows()),):
        spec = SheetSpec("Finance", rows)
        found[name] = {(row["Invoice reference"], row["Line"]): spec.excel_row(i) for i, row in enumerate(rows)}
    return found


try:
    import pytest

    _built: dict[str, str] = {}

    def _sqlite_once(tmp_path_factory) -> str:
        if "sqlite" not in _built:
            _built["sqlite"] = build_sqlite(tmp_path_factory.mktemp("small_db"))
        return _built["sqlite"]

    @pytest.fixture(scope="session")
    def small_db_url(tmp_path_factory) -> str:
        """The small database on SQLite (read-only for tests)."""
        return _sqlite_once(tmp_path_factory)

    from tests.conftest import BACKENDS

    @pytest.fixture(scope="session", params=BACKENDS)
    def small_db_each(request, tmp_path_factory) -> str:
        """The small database on each backend the tests run on (PostgreSQL where configured; read-only)."""
        from tests.conftest import _drop_postgres, _worker, fresh_database_url

        if request.param == "sqlite":
            yield _sqlite_once(tmp_path_factory)
            return
        yield build(fresh_database_url("postgresql", tmp_path_factory.mktemp("small_pg"), name="small"))
        _drop_postgres(f"t_{_worker()}_small")
except ImportError:  # pragma: no cover - used outside pytest
    pass


def open_page(monkeypatch, url: str, page: str | None, role: str = "admin", tables: bool = True, **params: str):
    """An AppTest of app.py on ``page`` (None: the Overview) as ``role`` (local mode), with URL query
    parameters; ``tables``: with every chart's data table opened (``open_tables``)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.session_state["local_role"] = role  # before the first run: the role switcher starts on it
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
    return open_tables(at) if tables else at


def open_tables(at):
    """``at`` with every chart's data table opened, as a user who opens each one: a closed table
    is not built (``ui.components.chart_with_table``). Opening one may show more (a table's own
    charts), so until none is left closed."""
    from ui.components import TABLE_OPEN

    for _ in range(5):
        shown = at.session_state.to_dict()
        closed = [key for key, value in shown.items() if key.endswith(TABLE_OPEN) and value is False]
        if not closed:
            return at
        for key in closed:
            at.session_state[key] = True
        at.run()
        assert not at.exception, at.exception
    raise AssertionError("data tables kept closing")


def frame_with(at, column: str):
    """The first dataframe on the page that has ``column``."""
    for element in at.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with a '{column}' column")
