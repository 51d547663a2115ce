"""Contract managers kept to their contracts (issue 19, finding 7).

The Overview's "Latest imports" and the Board pack's sources show a contract manager only
their contracts' imports; file names and importers' e-mails (personal data) only to those who
upload (never the Board or case leads). An LA status workbook changes every LA's status for every
user, so only administrators import one, on the Upload page and in the service layer, and the
import is audited.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, BOARD, CASE_LEAD, CONTRACT_MANAGER, Viewer
from data_access import access, models
from data_access.db import make_engine
from tests import small_db
from tests import workbooks as wb
from tests.conftest import fresh_database_url
from tests.small_db import IA, LD, SLI
from ui.board_pack_button import board_pack_bytes
from ui.upload_flow import XLSX_MIME

MANAGER = Viewer(email="jo.manager@example.gov.uk", role=CONTRACT_MANAGER, contracts=(LD,))
LOADER = "test loader"  # who imported the small database's files


@pytest.fixture
def small(backend, tmp_path):
    """The small database (three contracts, an LA status workbook) on each backend."""
    url = small_db.build(fresh_database_url(backend, tmp_path, name="small"))
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "viewer, contracts, details",
    [
        (Viewer(email="a@example.gov.uk", role=ADMIN), {LD, IA, SLI, None}, True),
        (MANAGER, {LD}, True),
        (Viewer(email="m@example.gov.uk", role=CONTRACT_MANAGER, contracts=(IA, SLI)), {IA, SLI}, True),
        (Viewer(email="b@example.gov.uk", role=BOARD), {LD, IA, SLI, None}, False),
        (Viewer(email="c@example.gov.uk", role=CASE_LEAD, la_codes=(small_db.SEFTON,)), {LD, IA, SLI, None}, False),
    ],
)
def test_latest_imports_as_each_role(small, viewer, contracts, details):
    shown = access.latest_imports(small, viewer)
    assert shown
    touched = {reference for row in shown for reference in row["contracts"] or [None]}
    assert touched == contracts
    assert all((row["file_name"] is not None, row["imported_by"] is not None) == (details, details) for row in shown)
    if details:
        assert {row["imported_by"] for row in shown} == {LOADER}


def test_a_contract_manager_sees_their_own_uploads(small):
    """An import the manager made (even of a file for no contract yet) is theirs to see."""
    assert not any(row["kind"] == "LA status" for row in access.latest_imports(small, MANAGER))


def _sources(pack: bytes) -> list[tuple]:
    cover = openpyxl.load_workbook(io.BytesIO(pack))["Cover"]
    rows = list(cover.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Data sources (imported workbooks, newest first)")
    header = rows[start + 1]
    found = []
    for row in rows[start + 2 :]:
        if all(value is None for value in row):
            break
        found.append(dict(zip(header, row)))
    return found


@pytest.mark.parametrize(
    "viewer, contracts",
    [
        (MANAGER, {LD}),
        (Viewer(email="b@example.gov.uk", role=BOARD), {LD, IA, SLI, None}),
    ],
)
def test_the_board_pack_cover_lists_the_viewers_imports_without_files_or_people(small, viewer, contracts):
    sources = _sources(board_pack_bytes(small, small_db.AS_OF, viewer))
    assert {row["Contract"] for row in sources} == contracts
    assert all(
        set(row) == {"Kind", "Contract", "Imported at", None} or set(row) == {"Kind", "Contract", "Imported at"}
        for row in sources
    )


def la_status_workbook() -> bytes:
    return wb.xlsx(
        wb.la_status(
            [
                wb.la_status_row(
                    **{
                        "LA": "Leeds",
                        "ILACS judgement": "Inadequate",
                        "ILACS date": date(2022, 5, 1),
                        "In intervention": "Yes",
                    }
                )
            ]
        )
    )


def _statuses(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(models.LAStatus))


def test_only_administrators_import_la_status(small):
    before = _statuses(small)
    files = [("la_status_2022.xlsx", la_status_workbook())]
    plans = access.check_uploads(small, MANAGER, files)
    assert not plans[0].ok and "only administrators may import an LA status workbook" in str(plans[0].errors[0])
    outcomes = access.confirm_uploads(small, MANAGER, files)
    assert outcomes[0].import_id is None and _statuses(small) == before  # refused in the service layer too

    admin = Viewer(email="admin@example.gov.uk", role=ADMIN)
    outcomes = access.confirm_uploads(small, admin, files)
    assert outcomes[0].import_id is not None and _statuses(small) == before + 1
    with Session(small) as session:
        event = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.action == "import").order_by(models.AuditEvent.id.desc())
        ).first()
    assert event.actor == admin.email and event.detail["kind"] == "LA status"
    assert event.detail["import_id"] == outcomes[0].import_id


def test_the_upload_page_refuses_la_status_from_a_contract_manager(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    url = small_db.build_sqlite(tmp_path)
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(str(small_db.Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["local_role"] = CONTRACT_MANAGER
    at.run()
    at.switch_page("pages/upload.py").run()
    assert "LA status" not in list(at.selectbox(key="template_kind").options)
    at.file_uploader[0].set_value(("la_status_2022.xlsx", la_status_workbook(), XLSX_MIME)).run()
    assert not at.exception, at.exception
    assert at.error and not [button for button in at.button if button.key == "upload_confirm"]
    errors = " ".join(str(frame.value.to_dict()) for frame in at.dataframe)
    assert "only administrators may import an LA status workbook" in errors
