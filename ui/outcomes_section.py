"""The Board-visible section "Supported LAs beside their statistical neighbours" (aggregate, no people).

One call, ``neighbour_change_section``, so the section can sit on whichever page shows outcomes
(the Outcomes and value for money page). Figures from ``dashboard.outcomes_indicators.contract_changes``.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import outcomes_indicators as oi
from dashboard.records import Portfolio
from ui import context
from ui.components import chart_with_table


def neighbour_change_section(data: Portfolio, as_of: date, key: str = "outcomes_neighbours") -> None:
    """Per contract and chosen measure: the change in the LAs it supported beside the change in their
    statistical neighbours over the same years, worded as a description, never as an effect."""
    indicators = context.indicators()
    st.header("Supported LAs beside their statistical neighbours")
    st.caption(
        "DfE's published figures (LAIT). For each contract: the median change of the LAs it supported, from "
        "the latest year before its support started to the latest year after it ended (while support runs, "
        "the latest year published since it started), beside the median "
        "change of their DfE statistical neighbours that it did not support. This describes the two groups "
        "over the same years. It does not show what the support caused: LAs' figures move for many "
        "reasons, and the neighbours are a comparison, not a control group (see the Methodology page)."
    )
    options = sorted(indicators.measures, key=lambda code: indicators.measures[code].name)
    chosen = st.multiselect(
        "Measures",
        options,
        default=[c for c in oi.BOARD_MEASURES if c in options],
        format_func=lambda code: indicators.measures[code].name,
        key=f"{key}_measures",
        help="Any of DfE's LAIT measures; social worker turnover and re-referrals to start.",
    )
    table = oi.contract_changes(data.contracts, data.units, data.las, indicators, chosen, as_of)
    if table.empty:
        st.info("No contract has supported an LA by this date, or no measure is chosen.")
        return
    chart_with_table(  # the answer first: each contract and measure in words, then the figures
        None,
        table,
        [f"{contract}: {words}" for contract, words in zip(table["Contract"], table["In words"])],
        caption="Supported LAs and their neighbours: median changes by contract and measure",
        key=key,
        file_stem="supported_las_beside_neighbours",
        table_expanded=True,
    )
