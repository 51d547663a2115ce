"""Methodology: how every KPI, service level, status and flag is worked out, generated from the registry,
and the contract terms each contract's register row sets (docs/how-figures-are-worked-out.md, "Contract terms")."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import registry, terms
from dashboard.disclosure import LOW_RELIABILITY, RELIABLE_FROM, SUPPRESSED
from ui import context
from ui.components import data_table
from ui.filters import Filters

viewer = context.page_viewer()

st.title("Methodology")
st.markdown(
    "Every figure on this dashboard, its command line and its Board pack is worked out by the rules on this page. "
    "Each figure is for an as-of date: the 'Figures as of' filter, today unless you choose another. Nothing dated "
    "after it counts. Financial years run from 1 April to 31 March (for example 2021-22). Quarters are quarters of "
    "the financial year: Q1 is April to June."
)
st.markdown(
    f"**Small numbers.** {LOW_RELIABILITY} = low reliability: a rate on fewer than {RELIABLE_FROM} eligible "
    "participants. It is shown with its interval and verdict, but not drawn on charts. Treat it with caution."
)
st.markdown(
    f"{SUPPRESSED} = confidential: Board members do not see a figure about the people of 1 local authority, "
    "whatever its size. That can be a row of a breakdown, or a contract, region or quarter whose participants are "
    "all in 1 LA. The other counts in its row are withheld too, zeros included. A total across contracts leaves "
    "out any contract's KPI with a count withheld, because the count could be worked out by subtraction. Which "
    "groups are withheld is decided once for all Board views and filters. So no withheld figure can be worked "
    "out by adding or subtracting figures from several views. The Board has no LA filter: figures for 1 LA are "
    "not part of its view."
)
contents = [
    f"- [{title}](#{title.lower().replace(' ', '-').replace('(', '').replace(')', '').replace('?', '')})"
    for title, entries in registry.sections()
    if entries
] + ["- [Contract terms](#contract-terms)"]
st.markdown("**Contents**\n" + "\n".join(contents))

for title, entries in registry.sections():
    if not entries:
        continue
    st.header(title)
    for item in entries:
        st.subheader(item.name, anchor=item.id.replace(":", "-"))
        st.markdown(registry.entry_markdown(item))

st.header("Contract terms")
st.markdown(registry.TERMS_INTRODUCTION)
st.markdown("\n".join(f"- **{term.column}**: {term.used_for}." for term in terms.TERMS))
contracts = context.oversight_data(Filters().scope(viewer)).contracts
if contracts:
    data_table(
        pd.DataFrame(terms.terms_rows(contracts)),
        "Each contract's terms, as its register row gives them",
        key="methodology_terms_table",
    )
else:
    st.info("There are no contract terms to show, because no contract register has been imported yet.")
