"""Overview: every programme at a glance (built out by the KPI issue)."""

import pandas as pd
import streamlit as st

from data_access.queries import home_tables
from ui import context

st.title("Improvement Oversight")
contracts, imports = home_tables(context.engine())
st.subheader("Contracts")
st.dataframe(
    pd.DataFrame(
        [{"Contract": c.reference, "Title": c.title, "Programme": c.programme, "Start": c.start_date,
          "End": c.end_date, "Extension up to": c.extension_up_to} for c in contracts]
    ),
    hide_index=True,
)
st.subheader("Import history")
st.dataframe(pd.DataFrame(imports), hide_index=True)
