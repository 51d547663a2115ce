"""The KPI and flag registry: every status and flag kind of the rules is documented for users.

Like datasette's ``test_docs.py``: a new status or flag kind added to the rules
without a registry entry (and so without a Methodology section) fails here.
"""

from __future__ import annotations

import pytest

from dashboard import finance, registry
from dashboard.finance import FLAG_KINDS
from dashboard.kpi import (
    STATUSES,
    VERDICT_MET,
    VERDICT_NO_DATA,
    VERDICT_NO_TARGET,
    VERDICT_NOT_MET,
    VERDICT_UNDETERMINED,
)
from dashboard.timelines import BELOW_MINIMUM, MILESTONE_STATUSES, UNKNOWN_DAYS

MEASURES = ["kpi1", "kpi2", "sla:coverage", "sla:targeting", "sla:package_days", "data:missing_from_later_return"]


@pytest.mark.parametrize("status", STATUSES)
def test_every_kpi_status_is_documented(status):
    assert registry.has_entry(registry.kpi_status_id(status)), f"KPI status {status!r} has no registry entry"


@pytest.mark.parametrize(
    "verdict", [VERDICT_MET, VERDICT_NOT_MET, VERDICT_UNDETERMINED, VERDICT_NO_DATA, VERDICT_NO_TARGET]
)
def test_every_verdict_is_documented(verdict):
    assert registry.has_entry(registry.verdict_id(verdict))


@pytest.mark.parametrize("kind", FLAG_KINDS)
def test_every_finance_flag_kind_is_documented(kind):
    assert registry.has_entry(registry.finance_flag_id(kind)), f"finance flag {kind!r} has no registry entry"


@pytest.mark.parametrize("status", MILESTONE_STATUSES)
def test_every_milestone_status_is_documented(status):
    assert registry.has_entry(registry.milestone_status_id(status)), f"milestone status {status!r} has no entry"


@pytest.mark.parametrize("status", [BELOW_MINIMUM, UNKNOWN_DAYS])
def test_every_package_days_flag_is_documented(status):
    assert registry.has_entry(registry.package_days_id(status))


@pytest.mark.parametrize("entry_id", MEASURES)
def test_every_kpi_and_sla_is_documented(entry_id):
    assert registry.has_entry(entry_id)


def test_nothing_required_is_missing():
    assert registry.missing_ids() == []


@pytest.mark.parametrize("item", registry.ENTRIES, ids=lambda item: item.id)
def test_every_entry_is_complete(item):
    assert item.id and item.name.strip()
    assert item.kind in registry.KIND_TITLES
    assert len(item.definition) > 40, "a definition a user can act on"
    assert item.small_numbers.strip()
    assert all(caveat.strip() for caveat in item.caveats)
    markdown = registry.entry_markdown(item)
    assert item.definition in markdown and item.small_numbers in markdown


def test_names_are_unique_within_a_section():
    for title, entries in registry.sections():
        names = [entry.name for entry in entries]
        assert len(names) == len(set(names)), title


@pytest.mark.parametrize("entry_id", ["kpi1", "kpi2"])
def test_kpi_entries_state_the_contract_wording_and_the_open_choices(entry_id):
    item = registry.entry(entry_id)
    assert "within 3 months of the support ending" in item.contract_wording
    caveats = " ".join(item.caveats).lower()
    assert "starts after the as-of date does not count at all" in caveats
    assert "baseline dated after the package ended still counts" in caveats
    assert "missing baseline counts against the kpi" in caveats
    assert "[u]" in item.small_numbers and "[c]" in item.small_numbers
    assert "wilson" in item.definition.lower() and "'KPI target'" in item.definition
    assert "no target" in item.definition and "75" not in item.definition  # the target is the register's, no default


@pytest.mark.parametrize(
    "entry_id, says",
    [
        ("flag:day_rate_above_cap", "'Day rate cap' in the contract register"),
        ("flag:day_rate_above_cap", "'Executive day rate cap'"),
        ("flag:amount_mismatch", f"£{finance.AMOUNT_TOLERANCE}"),
        ("flag:overheads_above_cap", "'Overheads cap'"),
        ("flag:late_invoice", f"{finance.INVOICE_DAYS_ALLOWED} days"),
        ("flag:expenses_on_inclusive_rate", "'Rates include expenses' = yes"),
        ("flag:spend_above_value", "'Value' in the contract register"),
        ("sla:coverage", "'Minimum LAs per year' in the contract register"),
        ("sla:package_days", "'Minimum package days' in the contract register"),
    ],
)
def test_entries_name_the_register_term_they_judge_against(entry_id, says):
    """The Methodology explains each contract term by its register column, never by a number in code."""
    definition = registry.entry(entry_id).definition
    assert says in definition
    assert not any(number in definition for number in ("£600", "£800", "15 %", "75 %", "5 days", "15 LAs"))


def test_the_methodology_page_shows_every_entry(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.switch_page("pages/methodology.py").run()
    assert not at.exception
    subheaders = [element.value for element in at.subheader]
    markdown = "\n".join(element.value for element in at.markdown)
    headers = [element.value for element in at.header]
    for title, entries in registry.sections():
        if entries:
            assert title in headers
        for item in entries:
            assert item.name in subheaders, f"{item.id} is not on the Methodology page"
            assert item.definition in markdown
            for caveat in item.caveats:
                assert caveat in markdown
