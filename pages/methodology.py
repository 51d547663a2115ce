"""Methodology: how every KPI, service level, status and flag is worked out, generated from the registry,
and the contract terms each contract's register row sets (docs/how-figures-are-worked-out.md, "Contract terms")."""

from __future__ import annotations

import streamlit as st

import pandas as pd

from dashboard import registry, terms
from dashboard.disclosure import LOW_RELIABILITY, RELIABLE_FROM, SUPPRESSED
from ui import context
from ui.components import data_table
from ui.filters import Filters

viewer = context.page_viewer()

st.title("Methodology")
st.markdown(
    "How every figure on this dashboard is worked out, in plain English. Every figure is computed *as of* a "
    "date (the 'Figures as of' filter, today by default): nothing dated after it counts. Financial years run "
    "1 April to 31 March (e.g. 2021-22); quarters are financial-year quarters (Q1 is April to June)."
)
st.markdown(
    f"**Small numbers.** {LOW_RELIABILITY} = low reliability: a rate on fewer than {RELIABLE_FROM} eligible "
    f"participants, shown with its interval and verdict but not drawn on charts: treat it with caution. "
    f"{SUPPRESSED} = confidential: on Board members' views, "
    "a figure about the people of one local authority is not shown, whatever its size: a row of a breakdown, or a "
    "contract, region or quarter whose participants are all in one LA. Nor are the other counts of its row (zeros "
    "included), and a total across contracts leaves out any contract's KPI with a count not shown (it could be "
    "worked out by subtraction). Which groups are not shown is decided once for all Board views and filters, so "
    "no figure not shown can be worked out by adding or subtracting figures from several views. The Board has no "
    "LA filter: figures for one LA are not part of its view."
)
contents = [f"- [{title}](#{title.lower().replace(' ', '-').replace('(', '').replace(')', '').replace('?', '')})"
            for title, entries in registry.sections() if entries] + ["- [Contract terms](#contract-terms)"]
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
    data_table(pd.DataFrame(terms.terms_rows(contracts)), "Each contract's terms, as its register row gives them",
               key="methodology_terms_table")
else:
    st.info("No contract register imported yet, so there are no contract terms to show.")
