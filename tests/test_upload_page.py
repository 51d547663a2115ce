"""The upload page driven by AppTest with real workbook bytes, and its logic in ui/upload_flow."""

from __future__ import annotations

import importlib
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from dashboard.access import BOARD, CASE_LEAD, CONTRACT_MANAGER, Viewer
from dashboard.wording import as_text
from data_access import models, templates
from data_access.db import ensure_database, make_engine
from data_access.importer import Problem
from data_access.importer.cells import parse_reporting_quarter
from data_access.queries import summary
from data_access.services import import_file
from tests import workbooks as wb
from ui import upload_flow
from ui.context import LOCAL_USER

XLSX = upload_flow.XLSX_MIME
APP = str(Path(__file__).resolve().parents[1] / "app.py")
AS_OF = date(2024, 3, 31)


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """A SQLite database with one contract and its pricing schedule; the app reads it."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    ensure_database(engine)
    for name, sheets in (("register.xlsx", wb.register()), ("pricing.xlsx", wb.pricing_schedule())):
        assert import_file(engine, name, wb.xlsx(sheets), "loader").plan.ok
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    yield engine
    engine.dispose()


def upload_page(role: str = "admin") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["local_role"] = role
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, at.exception
    return at


def first_return() -> bytes:
    return wb.xlsx(
        wb.quarterly_return(
            engagements=[wb.engagement_row(), wb.engagement_row(**{"Package ID": "PKG-2", "Participant ID": "P-2"})],
            survey=[wb.survey_row()],
            finance=[wb.finance_row()],
        )
    )


def second_return() -> bytes:
    return wb.xlsx(
        wb.quarterly_return(
            engagements=[
                wb.engagement_row(**{"Days delivered": 9}),
                wb.engagement_row(**{"Package ID": "PKG-2", "Participant ID": "P-2"}),
                wb.engagement_row(**{"Package ID": "PKG-3", "Participant ID": "P-3", "LA": "Knowsley"}),
            ],
            survey=[
                wb.survey_row(),
                wb.survey_row(
                    **{
                        "Stage": "Follow-up",
                        "Response date": date(2021, 10, 1),
                        "Confidence": 4,
                        "Impact demonstrated": "Yes",
                    }
                ),
            ],
            finance=[wb.finance_row(Amount=1500)],
        )
    )


def bad_return() -> bytes:
    return wb.xlsx(
        wb.quarterly_return(
            engagements=[
                wb.engagement_row(LA="Atlantis"),
                wb.engagement_row(
                    **{
                        "Package ID": "PKG-2",
                        "Participant ID": "P-2",
                        "Support type": "Telepathy",
                        "Start date": "31/02/2021",
                    }
                ),
            ]
        )
    )


def counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            "engagements": session.scalar(select(func.count()).select_from(models.Engagement)),
            "imported": session.scalar(
                select(func.count()).select_from(models.ImportRecord).where(models.ImportRecord.outcome == "imported")
            ),
        }


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def test_a_valid_file_shows_a_preview_and_writes_nothing_until_confirm(app_db):
    at = upload_page()
    uploader = at.file_uploader[0]
    assert uploader.accept_multiple_files and set(uploader.allowed_type) == {".xlsx", ".xlsm", ".csv"}
    before = counts(app_db)
    uploader.set_value(("return-q1.xlsx", first_return(), XLSX)).run()
    assert not at.exception, at.exception
    assert texts(at.success) == ["1 file checked: no errors. Check the changes below, then confirm."]
    assert any("**Engagements**: new rows 2" in text for text in texts(at.markdown))
    assert counts(app_db) == before  # nothing written by checking or previewing
    at.run()  # a rerun (any widget) checks nothing again and writes nothing
    assert counts(app_db) == before
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert any("return-q1.xlsx: quarterly return; 4 new" in text for text in texts(at.success))
    assert counts(app_db) == {"engagements": 2, "imported": before["imported"] + 1}
    with Session(app_db) as session:
        event = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "import")).one()
        assert event.actor == LOCAL_USER and event.detail["file_name"] == "return-q1.xlsx"
    assert not at.file_uploader[0].value  # the uploader is emptied for the next files


def test_an_update_is_previewed_with_before_and_after(app_db):
    assert import_file(app_db, "return-q1.xlsx", first_return(), "loader").plan.ok
    at = upload_page()
    at.file_uploader[0].set_value(("return-q2.xlsx", second_return(), XLSX)).run()
    tables = [frame.value for frame in at.dataframe]
    changes = [table for table in tables if list(table.columns) == ["Row", "Key", "Column", "Before", "After"]]
    rows = {(row.Column, row.Before, row.After) for table in changes for row in table.itertuples()}
    assert ("Days delivered", 5.0, 9.0) in rows and ("Amount", 1000.0, 1500.0) in rows
    shown = {(row.Column, str(row.Before), str(row.After)) for table in changes for row in table.itertuples()}
    assert ("Days delivered", "5", "9") in shown  # a whole number of days is not written "5.0"
    # the new rows' table is built once its expander is opened (a 1,000-row grid was sent closed)
    assert not [table for table in tables if "Package ID" in table.columns]
    assert "New rows (1)" in [expander.label for expander in at.expander]
    at.session_state["upload_rows_new_0_Engagements"] = True
    at.run()
    assert not at.exception, at.exception
    new_rows = next(frame.value for frame in at.dataframe if "Package ID" in frame.value.columns)
    assert (new_rows == "Knowsley (E08000011)").any(axis=None)  # the LA by its name, not a bare code
    assert any("**Engagements**: new rows 1, updated rows 1, unchanged 1" in text for text in texts(at.markdown))


def test_an_invalid_file_shows_every_error_and_writes_nothing(app_db):
    at = upload_page()
    before = counts(app_db)
    at.file_uploader[0].set_value(("bad.xlsx", bad_return(), XLSX)).run()
    assert not at.exception, at.exception
    expected = import_file(app_db, "bad.xlsx", bad_return(), "x", dry_run=True).plan.errors
    assert len(expected) >= 3
    shown = at.dataframe[0].value
    assert list(shown.columns) == upload_flow.ERROR_COLUMNS
    assert [tuple(row) for row in shown.astype(object).itertuples(index=False)] == [
        (p.file, p.sheet, p.row, p.column, p.message) for p in upload_flow.sorted_problems(expected)
    ]
    assert list(shown["Row"]) == sorted(shown["Row"])
    assert (at.dataframe[0].proto.alt, at.dataframe[0].proto.placeholder) == ("Errors in the uploaded files", "")
    assert texts(at.error)[0].startswith(f"{len(expected)} errors in 1 of 1 file.")
    assert not [button for button in at.button if button.key == "upload_confirm"]
    labels = [element.proto.label for element in at.get("download_button")]
    assert "Download bad.xlsx with the bad cells highlighted" in labels
    assert counts(app_db) == before
    with Session(app_db) as session:
        event = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "import_rejected")).one()
        assert event.actor == LOCAL_USER and event.detail["errors"] == len(expected)
        # a check is not an import: no "Rejected" row in the import history (nor the Overview's latest imports)
        assert (
            session.scalar(select(models.ImportRecord.outcome).where(models.ImportRecord.file_name == "bad.xlsx"))
            is None
        )


def test_checking_one_bad_file_again_and_again_adds_no_import_rows(app_db):
    """Checking a file (the upload page's check) writes no import row however often it is done;
    each check is in the audit log for administrators."""
    at = upload_page()
    with Session(app_db) as session:
        before = session.scalar(select(func.count()).select_from(models.ImportRecord))
    bad = bad_return()
    for _ in range(3):
        at.file_uploader[0].set_value(("bad.xlsx", bad, XLSX)).run()
        at.file_uploader[0].set_value(None).run()
    with Session(app_db) as session:
        assert session.scalar(select(func.count()).select_from(models.ImportRecord)) == before
        checks = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "import_rejected")).all()
        assert len(checks) == 3 and {event.detail["sha256"] for event in checks} == {
            import_file(app_db, "bad.xlsx", bad, "x", dry_run=True).plan.sha256
        }


def test_several_files_are_checked_together(app_db):
    at = upload_page()
    status = wb.xlsx(wb.la_status([wb.la_status_row()]))
    at.file_uploader[0].set_value([("return-q1.xlsx", first_return(), XLSX), ("status.xlsx", status, XLSX)]).run()
    assert texts(at.success) == [
        ("2 files checked: no errors. Check the changes below, then confirm. They will be imported in the order shown.")
    ]
    at.button(key="upload_confirm").click().run()
    assert len([text for text in texts(at.success) if "Imported (import" in text]) == 2


def test_undo_from_the_history_page_restores_the_figures_exactly(app_db):
    assert import_file(app_db, "return-q1.xlsx", first_return(), "loader").plan.ok
    figures = summary(app_db, AS_OF)
    at = upload_page()
    at.file_uploader[0].set_value(("return-q2.xlsx", second_return(), XLSX)).run()
    at.button(key="upload_confirm").click().run()
    assert summary(app_db, AS_OF) != figures
    with Session(app_db) as session:
        latest = session.scalar(select(func.max(models.ImportRecord.id)))
    at.switch_page("pages/import_history.py").run()
    assert not at.exception, at.exception
    assert at.button(key="undo_button").disabled and "Choose the import to undo." in texts(at.caption)
    at.selectbox(key="undo_choice").set_value(latest).run()
    assert at.button(key="undo_button").disabled  # not before ticking the box, and it says so
    assert "Tick the box to confirm." in texts(at.caption)
    at.checkbox(key="undo_confirm_box").check().run()
    assert not {"Choose the import to undo.", "Tick the box to confirm."} & set(texts(at.caption))
    at.button(key="undo_button").click().run()
    assert not at.exception, at.exception
    assert any(f"Import {latest} was undone" in text for text in texts(at.success))
    assert summary(app_db, AS_OF) == figures
    # disarmed: no other import chosen in its place, the box unticked, the button off
    assert at.selectbox(key="undo_choice").value is None and not at.checkbox(key="undo_confirm_box").value
    assert at.button(key="undo_button").disabled


def test_the_history_page_lists_what_blocks_an_undo(app_db):
    assert import_file(app_db, "return-q1.xlsx", first_return(), "loader").plan.ok
    assert import_file(app_db, "return-q2.xlsx", second_return(), "loader").plan.ok
    with Session(app_db) as session:
        first, second = session.scalars(
            select(models.ImportRecord.id)
            .where(models.ImportRecord.file_name.like("return-q%"))
            .order_by(models.ImportRecord.id)
        ).all()
    at = upload_page()
    at.switch_page("pages/import_history.py").run()
    history = at.dataframe[0].value
    assert {"Import", "When (UTC)", "Who", "File", "SHA-256", "Outcome", "New", "Updated"} <= set(history.columns)
    at.selectbox(key="undo_choice").set_value(first).run()
    assert texts(at.warning)[0].startswith("This import cannot be undone yet")
    assert list(at.dataframe[-1].value["Import"]) == [second]
    assert at.button(key="undo_button").disabled and "Undo the later imports listed above first." in texts(at.caption)


def test_the_history_page_hides_rejected_imports_until_asked_and_lists_a_file_rejected_again_once(app_db):
    """A failed import is logged as rejected; the history page shows rejected imports only when asked,
    the same file rejected three times as one row that says so; the Overview's latest imports never
    list them (they wrote nothing)."""
    assert import_file(app_db, "return-q1.xlsx", first_return(), "loader").plan.ok
    bad = bad_return()  # the same file each time: two made at different times differ in their saved times
    for _ in range(3):
        assert not import_file(app_db, "bad.xlsx", bad, "loader").plan.ok
    at = upload_page()
    at.switch_page("pages/import_history.py").run()
    assert "Rejected" not in set(at.dataframe[0].value["Outcome"])
    assert any("1 rejected file not shown" in text for text in texts(at.markdown))
    at.checkbox(key="history_rejected").check().run()
    assert not at.exception, at.exception
    history = at.dataframe[0].value
    rejected = history[history["Outcome"].str.startswith("Rejected")]
    assert list(rejected["File"]) == ["bad.xlsx"]
    assert rejected["Outcome"].iloc[0].startswith("Rejected (3 times, first ")
    at.switch_page("pages/overview.py").run()
    latest = next(frame.value for frame in at.dataframe if "Outcome" in frame.value.columns)
    assert "Rejected" not in set(latest["Outcome"]) and "return-q1.xlsx" in set(latest["File"])


def test_the_admin_page_is_for_administrators(app_db):
    at = upload_page()
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    at.text_input(key="new_email").input("Someone@Example.gov.uk")
    at.selectbox(key="new_role").set_value("case_lead")
    next(button for button in at.button if button.label == "Save user").click().run()
    assert not at.exception, at.exception
    assert as_text("someone@example.gov.uk is now Case lead.") in texts(at.success)  # an e-mail is not a link
    users = at.dataframe[0].value
    assert list(users["E-mail"]) == ["someone@example.gov.uk"] and list(users["Role"]) == ["Case lead"]


ROOT = Path(APP).parent


@pytest.mark.parametrize(
    "page, role, message",
    [
        ("upload", BOARD, "Only contract managers and administrators upload data."),
        ("upload", CASE_LEAD, "Only contract managers and administrators upload data."),
        ("import_history", BOARD, "Only contract managers and administrators see the import history."),
        ("admin", CONTRACT_MANAGER, "Only administrators manage users and read the audit log."),
        ("admin", CASE_LEAD, "Only administrators manage users and read the audit log."),
    ],
)
def test_pages_refuse_roles_that_may_not_use_them_even_when_opened_directly(app_db, page, role, message):
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["viewer"] = Viewer("someone@example.gov.uk", role, contracts=("CON-1",))
    at.run()
    assert not at.exception, at.exception
    assert texts(at.error) == [message]
    assert not at.file_uploader and not at.dataframe


# --- The page's logic, without the page ------------------------------------------------------


def test_the_annotated_copy_highlights_each_bad_cell_and_lists_every_error(app_db):
    data = bad_return()
    problems = import_file(app_db, "bad.xlsx", data, "x", dry_run=True).plan.errors
    book = openpyxl.load_workbook(io.BytesIO(upload_flow.annotated_copy("bad.xlsx", data, problems)))
    assert book.sheetnames[0] == "Errors"
    listed = [tuple(cell.value for cell in row) for row in book["Errors"].iter_rows(min_row=2)]
    assert listed == [(p.file, p.sheet, p.row, p.column, p.message) for p in upload_flow.sorted_problems(problems)]
    sheet = book["Engagements"]
    headers = {cell.value: cell.column_letter for cell in sheet[1]}
    for problem in problems:
        cell = sheet[f"{headers[problem.column]}{problem.row}"]
        assert cell.fill.fgColor.rgb.endswith("FFFF00")
        assert problem.message in cell.comment.text
    highlighted = {cell.coordinate for row in sheet.iter_rows() for cell in row if cell.comment}
    assert len(highlighted) == len({(p.row, p.column) for p in problems})


def test_a_misspelt_header_is_the_cell_highlighted_for_its_missing_column(app_db):
    misspelt = {
        ("Confidance *" if header == "Confidence" else header): value for header, value in wb.survey_row().items()
    }
    data = wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row()], survey=[misspelt]))
    problems = import_file(app_db, "return.xlsx", data, "x", dry_run=True).plan.errors
    assert [(p.sheet, p.row, p.column) for p in problems] == [("Survey", 1, "Confidence")]
    sheet = openpyxl.load_workbook(io.BytesIO(upload_flow.annotated_copy("return.xlsx", data, problems)))["Survey"]
    [marked] = [cell for row in sheet.iter_rows() for cell in row if cell.comment]
    assert marked.value == "Confidance *" and "required column 'Confidence' not found" in marked.comment.text


def test_a_csv_and_a_refused_file_get_an_error_workbook_too():
    problem = Problem("list.csv", "list", 2, "LA", "unknown LA 'Atlantis'")
    book = openpyxl.load_workbook(
        io.BytesIO(upload_flow.annotated_copy("list.csv", b"Package ID,LA\nPKG-1,Atlantis\n", [problem]))
    )
    assert book["list"]["B2"].comment.text.startswith("LA: unknown LA")
    refused = Problem("fake.xlsx", "", None, "", "the file is not an Excel workbook")
    book = openpyxl.load_workbook(io.BytesIO(upload_flow.annotated_copy("fake.xlsx", b"not a zip", [refused])))
    assert book.sheetnames == ["Errors"] and book["Errors"]["E2"].value == refused.message


def test_the_preview_shows_vanished_rows_and_flags(app_db):
    assert import_file(app_db, "return-q2.xlsx", second_return(), "loader").plan.ok
    plan = import_file(
        app_db,
        "return-q1.xlsx",
        wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row(**{"Days delivered": 1})])),
        "x",
        dry_run=True,
    ).plan
    sheet = upload_flow.preview(plan, {1: "CON-1"})[0]
    assert sheet.counts["No longer in this return (kept, flagged)"] == 2
    assert set(sheet.vanished["Package ID"]) == {"PKG-2", "PKG-3"}
    assert any("below the minimum package" in flag for flag in sheet.flags)
    table = upload_flow.flag_table(sheet.flags)
    assert list(table["Flag"]) == sheet.flags and list(table["No."]) == list(range(1, len(sheet.flags) + 1))


def test_a_return_leaving_out_rows_is_said_per_sheet_with_why(app_db):
    assert import_file(app_db, "return-q2.xlsx", second_return(), "loader").plan.ok
    partial = import_file(
        app_db,
        "return-part.xlsx",
        wb.xlsx(
            wb.quarterly_return(
                engagements=[wb.engagement_row(**{"Days delivered": 9})],
                survey=[wb.survey_row()],
                finance=[wb.finance_row(**{"Invoice reference": "INV-2"})],
            )
        ),
        "x",
        dry_run=True,
    ).plan
    assert upload_flow.left_out_warning(partial) == (
        "Check that return-part.xlsx is the full return, not part of it, before you confirm. It leaves out rows "
        "earlier returns had: importing it marks 2 engagements, 1 survey response and 1 invoice line as no longer "
        "in this return. Each return holds every row so far, so these rows are kept and flagged, not deleted."
    )
    full = import_file(app_db, "return-q2.xlsx", second_return(), "x", dry_run=True).plan
    assert upload_flow.left_out_warning(full) is None


def test_the_preview_warns_above_confirm_when_a_return_leaves_out_rows(app_db):
    """A partial return (some of the earlier return's rows) is most likely the wrong file: said
    prominently just above Confirm, not only in a collapsed expander."""
    assert import_file(app_db, "return-q2.xlsx", second_return(), "loader").plan.ok
    at = upload_page()
    partial = wb.xlsx(
        wb.quarterly_return(
            engagements=[wb.engagement_row(**{"Days delivered": 9})],
            survey=[wb.survey_row()],
            finance=[wb.finance_row(**{"Invoice reference": "INV-2"})],
        )
    )
    at.file_uploader[0].set_value(("partial.xlsx", partial, XLSX)).run()
    assert not at.exception, at.exception
    shown = list(at.main)
    warning = next(
        i
        for i, element in enumerate(shown)
        if element.type == "warning"
        and element.value.startswith("Check that partial.xlsx is the full return")
        and "importing it marks 2 engagements, 1 survey response and 1 invoice line as no longer" in element.value
    )
    confirm = next(i for i, element in enumerate(shown) if getattr(element, "key", None) == "upload_confirm")
    assert warning == confirm - 1
    at = upload_page()  # the full return: no such warning
    at.file_uploader[0].set_value(("full.xlsx", second_return(), XLSX)).run()
    assert not [text for text in texts(at.warning) if "leaves out rows" in text]


def test_flags_are_one_line_and_a_table_so_confirm_stays_in_reach(app_db):
    at = upload_page()
    short = wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row(**{"Days delivered": 1})]))
    at.file_uploader[0].set_value(("short.xlsx", short, XLSX)).run()
    assert not at.exception, at.exception
    assert texts(at.warning) == [
        "1 flag on this sheet. Flags are for attention, not errors: the rows can still be imported."
    ]
    flags = next(frame.value for frame in at.dataframe if list(frame.value.columns) == ["No.", "Flag"])
    assert len(flags) == 1 and "below the minimum package" in flags["Flag"][0]
    assert [button for button in at.button if button.key == "upload_confirm"]


def test_a_file_refused_before_reading_offers_its_errors_not_highlighted_cells(app_db):
    at = upload_page()
    at.file_uploader[0].set_value(("notes.xlsx", b"just some text, not a workbook", XLSX)).run()
    assert not at.exception, at.exception
    labels = [element.proto.label for element in at.get("download_button")]
    assert "Download the errors of notes.xlsx as a workbook" in labels
    assert not [label for label in labels if "highlighted" in label]


def test_a_new_contracts_files_chosen_in_any_order_are_checked_and_imported_in_order(app_db):
    """A register, its pricing schedule and its first return come together: the return and the
    schedule are checked after the register they need, whatever order they were chosen in."""
    other = "CON-3"
    chosen = [
        ("return-3.xlsx", wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row({"Contract reference": other})]))),
        ("pricing-3.xlsx", wb.xlsx(wb.pricing_schedule(contract=other))),
        ("register-3.xlsx", wb.xlsx(wb.register([wb.contract_row({"Contract reference": other})]))),
    ]
    at = upload_page()
    at.file_uploader[0].set_value([(name, data, XLSX) for name, data in chosen]).run()
    assert not at.exception and not at.error, texts(at.error)
    assert [header.value for header in at.subheader][-3:] == ["register-3.xlsx", "pricing-3.xlsx", "return-3.xlsx"]
    at.button(key="upload_confirm").click().run()
    imported = [text for text in texts(at.success) if "Imported (import" in text]
    assert [text.split(":")[0] for text in imported] == ["register-3.xlsx", "pricing-3.xlsx", "return-3.xlsx"]


def test_a_return_billing_a_heading_the_revised_schedule_drops_is_refused_before_confirm(app_db):
    before = counts(app_db)
    revised = wb.pricing_schedule(
        wb.part_a_sheet({"Peer mentors": [100_000] * 3, "Programme management": [200_000] * 3})
    )
    billing = wb.quarterly_return(finance=[wb.finance_row({"Expenditure heading": "Travel and subsistence"})])
    at = upload_page()
    at.file_uploader[0].set_value(
        [("return.xlsx", wb.xlsx(billing), XLSX), ("pricing-v2.xlsx", wb.xlsx(revised), XLSX)]
    ).run()
    assert texts(at.error)[0].startswith("1 error in 1 of 2 files.")
    [row] = at.dataframe[0].value.itertuples()
    assert (row.File, row.Sheet, row.Column) == ("return.xlsx", "Finance", "Expenditure heading")
    assert not [button for button in at.button if button.key == "upload_confirm"]
    assert counts(app_db)["imported"] == before["imported"]


def test_a_file_chosen_twice_is_checked_and_imported_once(app_db):
    at = upload_page()
    twice = ("return-q1.xlsx", first_return(), XLSX)
    at.file_uploader[0].set_value([twice, twice]).run()
    assert texts(at.info) == [
        ("return-q1.xlsx was chosen more than once (same name and contents), so each is checked and imported once.")
    ]
    assert [header.value for header in at.subheader].count("return-q1.xlsx") == 1
    at.button(key="upload_confirm").click().run()
    assert len([text for text in texts(at.success) if "Imported (import" in text]) == 1


def test_the_preview_flags_the_day_rates_a_revised_schedule_removes(app_db):
    """A role taken out of a revised pricing schedule is flagged before confirming, as a removed
    allocation is, and removed only on confirm."""
    at = upload_page()
    revised = wb.xlsx(wb.pricing_schedule(day_rates=[wb.day_rate_row()]))
    at.file_uploader[0].set_value(("pricing-v2.xlsx", revised, XLSX)).run()
    assert not at.exception, at.exception
    assert any(
        text.startswith("**Part B**: new rows 0, updated rows 0, unchanged 1") and text.endswith("flags 1")
        for text in texts(at.markdown)
    )
    flags = [frame.value for frame in at.dataframe if list(frame.value.columns) == ["No.", "Flag"]]
    assert [list(table["Flag"]) for table in flags] == [
        [
            (
                "Part B: Programme director (Executive) of CON-1 is no longer in the pricing schedule; its day rate of "
                "£750.00 is removed"
            )
        ]
    ]
    assert any(text.endswith("removed (no longer in the pricing schedule) 1, flags 1") for text in texts(at.markdown))
    [removed] = [
        frame.value for frame in at.dataframe if "Day rate" in frame.value.columns and "Row" not in frame.value.columns
    ]
    assert removed[["Contract", "Role", "Level", "Day rate"]].values.tolist() == [
        ["CON-1", "Programme director", "Executive", 750.0]
    ]
    assert "import_id" not in removed.columns

    def roles() -> list[str]:
        with Session(app_db) as session:
            return list(session.scalars(select(models.DayRate.role).order_by(models.DayRate.id)))

    assert roles() == ["Peer mentor", "Programme director"]
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert roles() == ["Peer mentor"]
    assert any(
        text.endswith("1 removed (no longer in the pricing schedule). Imported (import 3).")
        for text in texts(at.success)
    ), texts(at.success)


def test_a_blank_template_is_said_to_change_nothing(app_db):
    with Session(app_db) as session:
        blank = templates.template_workbook(session, "quarterly return")
    at = upload_page()
    at.file_uploader[0].set_value(("return-q2.xlsx", blank, XLSX)).run()
    assert not at.exception, at.exception
    assert texts(at.warning) == [
        (
            "No data rows under the headers of Engagements, Survey and Finance: importing this "
            "file changes nothing. Was the blank template chosen instead of the filled-in one?"
        )
    ]
    at.file_uploader[0].set_value(("return-q1.xlsx", first_return(), XLSX)).run()
    assert not at.warning  # a file with data rows has no such warning


def test_the_la_status_kind_keeps_its_capitals_in_every_label(app_db):
    """ "La status" in the template list and on the preview: the kind is "LA status", only its first
    letter is raised at the start of a label."""
    at = upload_page()
    assert at.selectbox(key="template_kind").options == [
        "Contract register",
        "Pricing schedule",
        "Quarterly return",
        "LA status",
    ]
    at.file_uploader[0].set_value(("status.xlsx", wb.xlsx(wb.la_status([wb.la_status_row()])), XLSX)).run()
    assert not at.exception, at.exception
    assert any(caption.startswith("LA status · file fingerprint") for caption in texts(at.caption)), texts(at.caption)
    with Session(app_db) as session:
        book = openpyxl.load_workbook(io.BytesIO(templates.template_workbook(session, "LA status")))
    titles = [
        book[name].cell(templates.TITLE_ROW, 1).value
        for name in book.sheetnames
        if name not in (templates.INSTRUCTIONS_SHEET, templates.LISTS_SHEET)
    ]
    assert titles and all(title.startswith("LA status: ") for title in titles), titles


def _stored_quarter(engine) -> date | None:
    with Session(engine) as session:
        return session.scalars(
            select(models.ImportRecord.reporting_quarter_end).where(models.ImportRecord.file_name == "return-q1.xlsx")
        ).one()


def _return_stating(quarter: str | None) -> bytes:
    sheets = wb.quarterly_return(engagements=[wb.engagement_row()], survey=[wb.survey_row()])
    if quarter:
        sheets[0].above = [["Reporting quarter", quarter]]
    return wb.xlsx(sheets)


# (file's own cell, quarter chosen on the page, choice enabled, quarter stored)
@pytest.mark.parametrize(
    "stated, chosen, enabled, stored",
    [
        pytest.param("2023-24 Q3", None, False, date(2023, 12, 31), id="the file's cell: pre-filled, kept"),
        pytest.param(None, "last quarter", True, "last quarter", id="no cell: the quarter chosen"),
        pytest.param(None, "", True, None, id="no cell, none chosen: imported with no quarter"),
    ],
)
def test_the_reporting_quarter_of_a_return_is_chosen_on_the_page(app_db, stated, chosen, enabled, stored):
    at = upload_page()
    at.file_uploader[0].set_value(("return-q1.xlsx", _return_stating(stated), XLSX)).run()
    assert not at.exception, at.exception
    (choice,) = [box for box in at.selectbox if box.label.startswith("Reporting quarter")]
    assert choice.disabled is not enabled
    assert choice.value == (stated or "")  # pre-filled from the file's labelled cell when it has one
    if stated:
        assert any(f"reports on **{stated}**" in text for text in texts(at.markdown))
    if chosen == "last quarter":  # the choices run back from today's quarter
        chosen = upload_flow.quarter_choices(date.today())[1]
        stored = parse_reporting_quarter(chosen)
    if chosen is not None:
        choice.set_value(chosen).run()
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert _stored_quarter(app_db) == stored


def test_quarter_choices_offer_recent_quarters_and_any_a_file_states():
    choices = upload_flow.quarter_choices(date(2024, 5, 2), [date(2019, 3, 31)])
    assert choices[:3] == ["2024-25 Q1", "2023-24 Q4", "2023-24 Q3"]
    assert choices[-1] == "2018-19 Q4" and len(choices) == 10


def test_a_rerun_with_a_bad_file_never_builds_the_highlighted_copy(app_db, monkeypatch):
    """The copy with the bad cells highlighted (openpyxl: seconds for a long return) is built only
    when its download button is pressed, never while the page runs."""
    built = []
    original = upload_flow.annotated_copy
    monkeypatch.setattr(upload_flow, "annotated_copy", lambda *a, **k: built.append(a[0]) or original(*a, **k))
    at = upload_page()
    at.file_uploader[0].set_value(("bad.xlsx", bad_return(), XLSX)).run()
    at.run()
    assert not at.exception, at.exception
    labels = [element.proto.label for element in at.get("download_button")]
    assert "Download bad.xlsx with the bad cells highlighted" in labels
    assert built == []
    errors = import_file(app_db, "bad.xlsx", bad_return(), "x", dry_run=True).plan.errors
    copy = upload_flow.error_workbook("bad.xlsx", bad_return(), errors)  # what the button hands over when pressed
    assert built == ["bad.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(copy))
    assert book.sheetnames[0] == "Errors" and "Engagements" in book.sheetnames


def test_a_file_too_large_to_copy_gets_its_errors_alone(app_db, monkeypatch):
    """Bounded in time and memory: beyond the limit the file is not opened at all, and the
    button says that the workbook holds the errors alone."""
    # one workbook throughout: two made a second apart may differ in length by a byte (their saved times)
    bad = bad_return()
    # by name: the page reads the module in sys.modules, which an earlier test may have imported afresh
    monkeypatch.setattr("ui.upload_flow.HIGHLIGHT_LIMIT_BYTES", len(bad) - 1)
    upload_flow = importlib.import_module("ui.upload_flow")
    errors = import_file(app_db, "bad.xlsx", bad, "x", dry_run=True).plan.errors
    book = openpyxl.load_workbook(io.BytesIO(upload_flow.error_workbook("bad.xlsx", bad, errors)))
    assert book.sheetnames == ["Errors"] and book["Errors"].max_row == len(errors) + 1
    assert "too large" in upload_flow.error_workbook_label("bad.xlsx", bad, errors)
    at = upload_page()
    at.file_uploader[0].set_value(("bad.xlsx", bad, XLSX)).run()
    labels = [element.proto.label for element in at.get("download_button")]
    assert any(
        label.startswith("Download the errors of bad.xlsx as a workbook") and "too large" in label for label in labels
    ), labels


@pytest.mark.parametrize("workbook", ["valid", "invalid"])
def test_a_read_only_database_is_said_on_the_upload_page(app_db, monkeypatch, workbook):
    """Not "another import changed the same rows... please try again": a retry cannot mend it."""
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///file:{app_db.url.database}?mode=ro&uri=true")
    before = counts(app_db)
    at = upload_page()
    at.file_uploader[0].set_value(("return.xlsx", first_return() if workbook == "valid" else bad_return(), XLSX)).run()
    if workbook == "valid":
        at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    shown = " ".join(texts(at.error))
    assert "read-only" in shown and "try again" not in shown
    assert str(app_db.url.database) not in shown  # the database's address is not shown to users
    assert counts(app_db) == before
