"""The Methodology page: generated from the registry, for every role, without data."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import registry
from dashboard.access import ROLES


def _methodology(role: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["local_role"] = role
    at.run()
    at.switch_page("pages/methodology.py").run()
    return at


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_every_entry(role, demo_sqlite_url, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", demo_sqlite_url)
    at = _methodology(role)
    assert not at.exception
    subheaders = {element.value for element in at.subheader}
    assert {item.name for item in registry.ENTRIES} <= subheaders


def test_contract_wording_small_numbers_and_caveats_are_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = _methodology("admin")
    assert not at.exception
    markdown = "\n".join(element.value for element in at.markdown)
    for item in registry.ENTRIES:
        assert registry.entry_markdown(item) in markdown
    assert "[u] = low reliability" in markdown and "[c] = confidential" in markdown
    assert registry.KPI_WORDING in markdown
    assert not at.dataframe, "no figures, so no data on this page"


def test_sections_follow_the_registry_order(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = _methodology("board")
    headers = [element.value for element in at.header]
    assert headers == [title for title, entries in registry.sections() if entries] + ["Contract terms"]


def test_each_contracts_terms_come_from_its_register_row(demo_sqlite_url, monkeypatch):
    """The Methodology lists every contract's terms as its register row gives them; a blank term
    says "not set in the contract register" (Con_10575 has no KPI target, con_9887 no overheads cap)."""
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", demo_sqlite_url)
    at = _methodology("board")
    assert not at.exception
    table = next(frame.value for frame in at.dataframe if "Term" in frame.value.columns)
    said = {(row["Contract"], row["Term"]): row["In the register"] for row in table.to_dict("records")}
    assert said[("con_9887", "KPI target")] == "75 %"
    assert said[("Con_10575", "KPI target")] == "not set in the contract register"
    assert said[("con_9887", "Overheads cap")] == "not set in the contract register"
    assert said[("project_5369", "Overheads cap")] == "15 %"
    assert said[("Con_10575", "Rates include expenses")] == "yes"
    assert said[("con_9887", "Extension notice (months)")] == "3 months"
