"""Tables made safe to open in Excel, as CSV or as a workbook.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return)
would run as a formula when opened in Excel; it is written with a leading
apostrophe instead, so it shows as the text it is. In a workbook, a text that looks
like an address (``https://...``) stays text, never a live hyperlink.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text that Excel would read as a formula gets a leading apostrophe; numbers are kept."""
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(column)) for column in safe.columns]
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    # "\r\n" rows (as Excel writes them) make the writer quote any cell holding a line break.
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: none of ``[ ] : * ? /`` or a backslash (a contract such as
    ``2018/028`` gets ``2018-028``), no apostrophe at either end, at most 31 characters."""
    return SHEET_NAME_FORBIDDEN.sub("-", name).strip("'")[:31] or "Sheet1"


FILE_NAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')


def safe_file_stem(name: str) -> str:
    """A download's file name without the characters file systems refuse (``2018/028`` -> ``2018-028``)."""
    return FILE_NAME_FORBIDDEN.sub("-", name)


# Text is written as text: no address made a live hyperlink, no text read as a formula (as the Board pack).
EXCEL_OPTIONS = {"strings_to_urls": False, "strings_to_formulas": False}


def excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One sheet per table, each named as Excel allows (``sheet_name``); addresses stay text."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": EXCEL_OPTIONS}) as writer:
        for name, frame in sheets.items():
            safe_frame(frame).to_excel(writer, sheet_name=sheet_name(name), index=False)
    return buffer.getvalue()
