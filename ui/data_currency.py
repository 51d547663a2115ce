"""The notice above every page's figures saying how current each contract's data is
(docs/how-figures-are-worked-out.md, "Data currency"), in the manner of the GOV.UK notification
banner: a titled box, one line per contract in view, its state in words (a tag), never colour alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import streamlit as st

from dashboard.currency import OVERDUE, UNKNOWN, UP_TO_DATE, DataCurrency, currencies
from dashboard.records import Portfolio
from dashboard.wording import as_text

TITLE = "Important: how current the data is"
_TAG_COLOURS = {UP_TO_DATE: "green", OVERDUE: "orange", UNKNOWN: "gray"}


def notice_lines(found: Iterable[DataCurrency]) -> list[str]:
    """One markdown line per contract: its reference, its state as a tag (words), the sentence."""
    return [f"**{as_text(c.contract)}** :{_TAG_COLOURS[c.state]}-badge[{c.tag}] {c.notice}." for c in found]


def data_currency_notice(data: Portfolio, as_of: date, contracts: Iterable[str] | None = None) -> list[DataCurrency]:
    """Draw the notice for the contracts in view (``contracts``: their references, default every
    contract of ``data``, a ``Portfolio``) and return their data currency."""
    wanted = None if contracts is None else {reference.casefold() for reference in contracts}
    shown = [c for c in data.contracts if wanted is None or c.reference.casefold() in wanted]
    found = currencies(shown, data.returns, as_of, data.milestones, data.invoice_lines)
    if not found:
        return found
    with st.container(border=True, key="data_currency_notice"):
        st.markdown(f":material/info: **{TITLE}**")
        st.markdown("\n".join(f"- {line}" for line in notice_lines(found)))
        if any(c.state == UNKNOWN for c in found):
            st.caption(
                "Where the data currency is not known, a follow-up window that has closed with no "
                "follow-up counts as no response."
            )
        elif any(c.data_to is not None and c.data_to < as_of for c in found):
            st.caption(
                "A follow-up window that closed after a contract's 'data to' date shows as awaiting "
                "return, not as no response."
            )
    return found


EARLIER_FIGURES_TITLE = "New data is being added"


def earlier_figures_notice(ask_for_latest: Callable[[], None]) -> None:
    """Above a Board member's figures while they are of the data version before the latest import
    or undo (``ui.warm``: the new figures are being prepared): say so, and offer the latest."""
    with st.container(border=True, key="earlier_figures_notice"):
        st.markdown(f":material/update: **{EARLIER_FIGURES_TITLE}**")
        st.markdown(
            "These figures do not yet include the latest import or undo. The new figures will be ready in a few seconds."
        )
        st.button("Show the latest figures", key="show_latest_figures", on_click=ask_for_latest)
