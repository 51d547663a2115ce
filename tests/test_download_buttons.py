"""Every download button builds its file when pressed and does not rerun the page.

A press that reran the page raced its own file: the rerun drops the button's builder and
Streamlit forgets it when the run ends, so on a busy server the download could fail ("Failed to
generate file for download"). Seen in CI on the Upload page's copy with the bad cells highlighted.
"""

from __future__ import annotations

from tests import workbooks as wb
from tests.test_control_labels import PAGES
from ui.upload_flow import XLSX_MIME


def _buttons(at) -> dict[str, object]:
    return {element.proto.label: element.proto for element in at.get("download_button")}


def _built_on_press_without_a_rerun(buttons: dict[str, object]) -> list[str]:
    return [label for label, proto in buttons.items() if not (proto.deferred_file_id and proto.ignore_rerun)]


def test_no_page_s_download_button_reruns_the_page(open_page):
    buttons: dict[str, object] = {}
    for page in PAGES:
        buttons |= _buttons(open_page(page, role="admin", as_of="2024-03-15"))
    assert {"Download the Board pack (Excel)", "Download the Board pack (PDF)", "Download template"} <= set(buttons)
    assert any(label.startswith("Download Excel (") for label in buttons), sorted(buttons)
    # each named after its table, as a screen reader lists buttons by name
    assert {"Download CSV (Milestones)", "Download Excel (Extension and break decisions)"} <= set(buttons)
    assert _built_on_press_without_a_rerun(buttons) == []


def test_a_bad_file_s_copy_with_highlights_does_not_rerun_the_page(open_page):
    at = open_page("pages/upload.py", role="contract_manager")
    bad = wb.xlsx(wb.quarterly_return(engagements=[wb.engagement_row(LA="Atlantis")]))
    at.file_uploader[0].set_value(("bad.xlsx", bad, XLSX_MIME)).run()
    buttons = _buttons(at)
    assert "Download bad.xlsx with the bad cells highlighted" in buttons, sorted(buttons)
    assert _built_on_press_without_a_rerun(buttons) == []
