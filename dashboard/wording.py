"""Small helpers for the sentences the pages write."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

# What Markdown (CommonMark with GitHub's extensions, as Streamlit draws it) would read as markup in
# running text: links and images need '[...](' (a '[c]' on its own is text), HTML and autolinks '<', emphasis '*' '~' and '_' at a
# word's edge, code '`', maths '$', headings and quotes '#' '>', entities '&', escapes '\\'. These
# are escaped with a backslash.
_MARKUP = re.compile(r"[\\`*<>#~$|&]|^\[|\[(?=[^\]]*\][(\[])|\](?=[(\[])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# A bare address ('https://', 'www.'), an e-mail address ('@') and Streamlit's ':icon:' are found in
# the text after escapes are read, so a backslash does not stop them: an invisible word joiner does.
_AUTOLINK = re.compile(r"(:)(?=\S)|(?<=www)(\.)|(@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
_LIST_START = re.compile(r"^([-+]|[0-9]+[.)])(?=\s|$)")


def counted(count: float | Decimal, noun: str, plural: str | None = None) -> str:
    """A count with its noun agreeing in number: "1 contract", "2 contracts", "0 contracts"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def listed(items: list[str], last: str = "and") -> str:
    """Items in a sentence: "A", "A and B", "A, B and C" (``last``: "or" for choices)."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]


def as_text(value: object) -> str:
    """``value`` (from a file, a user or the address bar) to put in a sentence the page writes as
    Markdown, shown exactly as text: never a link, an image, HTML, emphasis or a Streamlit
    directive (``:red[...]``, ``:material/...:``).

    Markup characters are escaped with a backslash (CommonMark shows ``\\X`` as ``X``), and only
    they: ordinary words, brackets, full stops and 'Label: text' are left as they are. Addresses
    and icons get an invisible word joiner after ':', 'www' or '@'. A line break becomes a space,
    and a list marker at the start is escaped, so text cannot start a block."""
    text = _MARKUP.sub(lambda found: "\\" + found.group(0), " ".join(str(value).split()))
    text = _AUTOLINK.sub(lambda found: WORD_JOINER + "." if found.group(2) else found.group(0) + WORD_JOINER, text)
    return _LIST_START.sub(lambda found: found.group(0)[:-1] + "\\" + found.group(0)[-1], text)


def long_date(day: date) -> str:
    """A date in a sentence, as GOV.UK writes it: "1 June 2022" (no leading zero, the month in full)."""
    return f"{day.day} {day:%B %Y}"


def short_date(day: date) -> str:
    """A date where space is short (a table cell, a label): "1 Jun 2022"."""
    return f"{day.day} {day:%b %Y}"
