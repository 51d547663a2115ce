"""Page downloads (Excel) hold no live hyperlink or formula from the data (issue 19, also seen).

XlsxWriter turns a text that looks like an address into a clickable hyperlink unless told not
to (``strings_to_urls``), as the Board pack already is; a text starting like a formula gets an
apostrophe (``exports.neutralise``) and is never written as a formula.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from dashboard.exports import excel_bytes


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/login",
        "http://evil.example",
        "ftp://evil.example/x",
        "mailto:someone@evil.example",
        "external:c:\\evil.xlsx",
        "www.evil.example",
    ],
)
def test_an_address_in_a_table_is_text_not_a_link(text):
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Table": pd.DataFrame({"Title": [text]})})))
    cell = book["Table"]["A2"]
    assert cell.value == text and cell.hyperlink is None and cell.data_type == "s"
    assert not book["Table"]._hyperlinks


@pytest.mark.parametrize("text", ['=HYPERLINK("https://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_formula_in_a_table_is_text(text):
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Table": pd.DataFrame({"Title": [text]})})))
    cell = book["Table"]["A2"]
    assert cell.data_type == "s" and cell.value == "'" + text and cell.hyperlink is None
