"""The words and thresholds several pages, exports and the Board pack share, defined once.

Change a label or a threshold here and every page, table, chart, sentence and the Board pack
follow (docs/how-figures-are-worked-out.md says what each threshold means)."""

from __future__ import annotations

from dashboard.records import GROUP, ONE_TO_ONE

# the kinds of support, as tables name them ("support type" in the returns)
SUPPORT_TYPE_NAMES = {ONE_TO_ONE: "One-to-one", GROUP: "Group"}

# KPI 1 is one-to-one support, KPI 2 group support
KPI_NUMBER = {ONE_TO_ONE: 1, GROUP: 2}
KPI_PEOPLE = {ONE_TO_ONE: "leaders", GROUP: "group members"}  # whom a KPI's sentences are about
KPI_SHORT_NAMES = {kpi: f"KPI {number}" for kpi, number in KPI_NUMBER.items()}  # "KPI 1"
# "KPI 1 (one-to-one)": the pages' tables, charts and sentences
KPI_NAMES = {kpi: f"{KPI_SHORT_NAMES[kpi]} ({SUPPORT_TYPE_NAMES[kpi].lower()})" for kpi in KPI_NUMBER}
# "KPI 1: one-to-one": the Board pack's sheets
KPI_SHEET_NAMES = {kpi: f"{KPI_SHORT_NAMES[kpi]}: {SUPPORT_TYPE_NAMES[kpi].lower()}" for kpi in KPI_NUMBER}

# what became of an import, as the Overview and the Import history say it
IMPORT_OUTCOMES = {"imported": "Imported", "rejected": "Rejected", "undone": "Undone"}

# Small numbers: a rate on fewer eligible participants than this is shown as [u] (low reliability)
RELIABLE_FROM = 5

# The KPIs page lists the follow-up windows that close within this many days, for chasing
CHASE_WITHIN_DAYS = 30

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(number: int) -> str:
    """A small whole number as a word ("six" for 6, as in "six-weekly"); 11 and above as numerals."""
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)
