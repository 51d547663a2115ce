"""Text from a file is shown as text, never as Markdown or HTML (issue 19, finding 6).

A contract title such as ``![p](https://evil.example/p.png) [Session expired](https://evil.example/login)``
reached ``st.markdown`` on the Overview the Board reads: an image fetched from another site and a
link dressed as a sign-in prompt. Every page writes such text through ``dashboard.wording.as_text``.
"""

from __future__ import annotations

import re

import pytest

from dashboard.wording import WORD_JOINER, as_text
from data_access.db import ensure_database, make_engine
from data_access.services import import_file
from tests import small_db
from tests import workbooks as wb
from tests.small_db import AS_OF, open_page

LINKS = "![p](https://evil.example/p.png) [Session expired](https://evil.example/login)"
HTML = "<img src=x onerror=alert(1)>"
FILE_NAME = "[Session expired](https:evil.example) <img src=x onerror=alert(1)> register.xlsx"


@pytest.mark.parametrize(
    "text, shown",
    [
        (
            LINKS,
            r"!\[p\](https:"
            + WORD_JOINER
            + r"//evil.example/p.png) \[Session expired\](https:"
            + WORD_JOINER
            + "//evil.example/login)",
        ),
        ("[x][ref] and [y] (z)", r"\[x\][ref] and [y] (z)"),  # a reference link; '[y] (z)' is not a link
        ("[ref]: https://evil.example", r"\[ref]: https:" + WORD_JOINER + "//evil.example"),  # a link definition
        (HTML, r"\<img src=x onerror=alert(1)\>"),
        ("see https://evil.example/x", "see https:" + WORD_JOINER + "//evil.example/x"),
        ("www.evil.example", "www" + WORD_JOINER + ".evil.example"),
        ("a@b.example", "a@" + WORD_JOINER + "b.example"),
        (":material/home: :red[x]", ":" + WORD_JOINER + "material/home: :" + WORD_JOINER + "red[x]"),
        ("*bold* _em_ `code` ~x~ $x$ # & |", r"\*bold\* \_em\_ \`code\` \~x\~ \$x\$ \# \& \|"),
        ("- a list\nline two", r"\- a list line two"),
        ("1. first", r"1\. first"),
        # ordinary text stays as it is
        ("Contract CON-LD: 49 of 81 (60.5%) met, con_9887", "Contract CON-LD: 49 of 81 (60.5%) met, con_9887"),
        ("KPI 1: figures not shown [c]: they are", "KPI 1: figures not shown [c]: they are"),
        ("Barking and Dagenham's packages", "Barking and Dagenham's packages"),
    ],
)
def test_as_text_escapes_markup_only(text, shown):
    assert as_text(text) == shown


def live_markup(markdown: str) -> list[str]:
    """Links, images, HTML and bare addresses that Markdown would read in ``markdown``."""
    text = re.sub(r"\\.", "", markdown)  # what a backslash escapes is text
    text = re.sub(r"\]\(la_profile\?[^)\s]*\)", "]", text)  # the app's own links to LA profiles
    found = [piece for piece in ("](", "![", "<img", "<", "https://", "www.evil", "@evil") if piece in text]
    return found


@pytest.fixture(scope="module", params=[LINKS, HTML], ids=["links", "html"])
def hostile_db(request, tmp_path_factory):
    """The small database, with the hostile text in every title, supplier and milestone name, and a
    hostile file name: (url, text)."""
    text = request.param
    contracts = small_db._contracts()
    for row in contracts:
        row.update({"Title": f"{text} {row['Title']}", "Supplier": text})
    milestones = small_db._milestones()
    for row in milestones:
        row["Milestone"] = f"{text} {row['Milestone']}"
    files = [(FILE_NAME, wb.xlsx(wb.register(contracts, milestones)))]
    files += [(name, data) for name, data in small_db.workbooks() if name != "register.xlsx"]
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"
    engine = make_engine(url)
    ensure_database(engine)
    for name, data in files:
        outcome = import_file(engine, name, data, "test loader")
        assert outcome.plan.ok, [str(problem) for problem in outcome.plan.errors[:5]]
    engine.dispose()
    return url, text


def rendered_texts(at) -> list[str]:
    """Every text the page hands to Streamlit's Markdown (bodies of text elements and alerts, labels
    of widgets, expanders, tabs and page links), in the main area and the sidebar."""
    texts: list[str] = []

    def walk(node) -> None:
        if type(node).__name__ == "Html":  # the app's own HTML (the status grid): checked by live_html
            return
        proto = getattr(node, "proto", None)
        for field in ("body", "label"):
            value = getattr(proto, field, None) if proto is not None else None
            if isinstance(value, str) and value:
                texts.append(value)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return texts


PAGES = [
    ("pages/overview.py", "admin"),
    ("pages/overview.py", "board"),
    ("pages/kpis.py", "admin"),
    ("pages/kpis.py", "board"),
    ("pages/coverage.py", "admin"),
    ("pages/finance.py", "admin"),
    ("pages/timelines.py", "admin"),
    ("pages/timelines.py", "board"),
    ("pages/la_profile.py", "admin"),
    ("pages/import_history.py", "admin"),
    ("pages/upload.py", "admin"),
]


@pytest.mark.parametrize("page, role", PAGES)
def test_no_page_renders_markup_from_a_file(monkeypatch, hostile_db, page, role):
    url, _text = hostile_db
    at = open_page(monkeypatch, url, page, role=role, as_of=AS_OF.isoformat())
    assert not at.exception
    texts = rendered_texts(at)
    assert texts
    live = {found for value in texts for found in live_markup(value)}
    assert not live, [value for value in texts if live_markup(value)]
    # the app's own HTML (st.html: the status grid) holds the file's text escaped, never as markup
    for element in at.get("html"):
        body = element.proto.body
        assert "<img" not in body and "evil.example" not in "".join(re.findall(r'(?:href|src)="([^"]*)"', body))


def test_the_hostile_title_is_shown_as_text_on_the_overview(monkeypatch, hostile_db):
    """The test above can fail: the hostile title does reach the Overview's Markdown, escaped."""
    url, text = hostile_db
    at = open_page(monkeypatch, url, "pages/overview.py", role="board", as_of=AS_OF.isoformat())
    assert any(as_text(text) in value for value in rendered_texts(at))


@pytest.mark.parametrize("valid", [True, False], ids=["preview", "errors"])
def test_an_uploaded_file_name_is_shown_as_text(monkeypatch, tmp_path, valid):
    """The Upload page names each file (headings, messages, download labels): as text."""
    from ui.upload_flow import XLSX_MIME

    url = small_db.build_sqlite(tmp_path)
    at = open_page(monkeypatch, url, "pages/upload.py")
    engagement = {
        "Contract reference": small_db.LD,
        "Package ID": "LD-9",
        "Participant ID": "P-0099",
        "LA": "Sefton" if valid else "Atlantis",
    }
    name = f"{LINKS} {HTML}.xlsx"
    data = wb.xlsx(wb.quarterly_return([wb.engagement_row(**engagement)], None, None))
    at.file_uploader[0].set_value((name, data, XLSX_MIME)).run()
    assert not at.exception, at.exception
    texts = rendered_texts(at)
    assert any(as_text(name) in value for value in texts)  # the name is shown, escaped
    assert not [value for value in texts if live_markup(value)]
