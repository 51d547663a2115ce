"""Finance: spend against allocations per heading and year, burn-up with forecast, day rates, flags."""

from __future__ import annotations

import streamlit as st

from dashboard import finance_views as fv
from dashboard.calendar import financial_year_of
from dashboard.charts.finance import burn_up_chart, day_rate_chart
from data_access.finance_sources import invoice_sources
from ui import context
from ui.components import chart_with_table, download_buttons, empty_state
from ui.filters import Filters, filter_sidebar

MONEY = st.column_config.NumberColumn(format="accounting")


@st.cache_data(show_spinner=False, max_entries=16, ttl=600)
def _sources(url: str, scope, version: int):
    return invoice_sources(context.engine(), scope)


viewer = context.page_viewer()
scope = Filters().scope(viewer)
data = context.oversight_data(scope)
years = fv.financial_years(data.allocations, data.invoice_lines)
filters = filter_sidebar([c.reference for c in data.contracts], years, data.regions, {}, show=("contract", "fy", "as_of"))
as_of = filters.as_of_date

st.title("Finance")
st.caption(
    f"Figures as of {as_of:%d %B %Y}: invoice lines dated after it do not count. Money in GBP, ex VAT. "
    "Funds cannot move between expenditure headings or years, so each heading is compared with its own "
    "allocation for each financial year."
)
if not data.contracts:
    empty_state("No contracts to show yet. Import a contract register and pricing schedules first.")
    st.stop()

column_money = {name: MONEY for name in ("Allocated (£)", "Spent (£)", "Remaining (£)")}

# --- Spend against allocation -------------------------------------------------------------
st.header("Spend against allocation")
rows = fv.finance_rows(data.allocations, data.invoice_lines, as_of, filters.contract, filters.financial_year)
spend = fv.spend_table(rows)
st.markdown(fv.spend_sentence(rows))
if spend.empty:
    empty_state("No allocation or spend for this contract and year.")
else:
    st.dataframe(
        spend, hide_index=True, width="stretch", key="finance_spend_table",
        column_config={**column_money, "Spent (%)": st.column_config.NumberColumn(format="%.1f %%")},
    )
    download_buttons({"Spend against allocation": spend}, "spend_against_allocation", key="finance_spend")

st.subheader("Totals, reconciled with the pricing schedule")
totals = fv.allocation_totals(rows)
schedule = fv.schedule_total(data.allocations, filters.contract, filters.financial_year)
reconciliation = fv.reconciliation_sentence(rows, schedule)
(st.success if "to the penny" in reconciliation else st.error)(reconciliation)
st.caption("Totals are for reconciliation only: an underspend in one heading or year cannot cover an overspend in another.")
st.dataframe(totals, hide_index=True, width="stretch", key="finance_totals_table",
             column_config=column_money)

# --- Burn-up --------------------------------------------------------------------------------
st.header("Burn-up: cumulative spend by quarter")
contracts = sorted({row.contract for row in rows}) or [c.reference for c in data.contracts]
left, right = st.columns(2)
burn_contract = left.selectbox(
    "Contract", contracts, index=contracts.index(filters.contract) if filters.contract in contracts else 0,
    key="finance_burn_contract",
)
contract_years = sorted({row.financial_year for row in fv.finance_rows(data.allocations, data.invoice_lines, as_of,
                                                                        burn_contract)}) or years
default_year = filters.financial_year if filters.financial_year in contract_years else None
if default_year is None:
    started = [year for year in contract_years if year <= financial_year_of(as_of)]
    default_year = started[-1] if started else contract_years[0]
burn_year = right.selectbox("Financial year", contract_years, index=contract_years.index(default_year),
                            key="finance_burn_fy")
burn = fv.burn_up(data.allocations, data.invoice_lines, as_of, burn_contract, burn_year)
chart_with_table(
    burn_up_chart(burn.actual, burn.allocation, burn.forecast),
    burn.table,
    fv.burn_up_sentence(burn, burn_contract, burn_year, as_of),
    key="finance_burn",
    file_stem=f"burn_up_{burn_contract}_{burn_year}",
)
if not burn.forecast_table.empty:
    with st.expander("Forecast table (a forecast, not actual spend)"):
        st.dataframe(burn.forecast_table, hide_index=True, width="stretch",
                     column_config={name: MONEY for name in burn.forecast_table.columns if "£" in name})

# --- Day rates ------------------------------------------------------------------------------
st.header("Day rates against the caps")
st.caption("Each line's day rate is compared with its own cap: £800 at executive level where the contract sets an "
           "executive cap (SEND sector-led improvement), otherwise the contract's cap (£600).")
rates = fv.day_rate_table(data.contracts, data.invoice_lines, as_of, filters.contract, filters.financial_year)
chart_with_table(day_rate_chart(rates), rates, fv.day_rate_sentence(rates), key="finance_rates",
                 file_stem="day_rates")

# --- Flags ----------------------------------------------------------------------------------
st.header("Finance flags")
sources = _sources(context.database_url(), scope, context.data_version())
flags = fv.flag_table(data.contracts, data.allocations, data.invoice_lines, as_of, sources,
                      filters.contract, filters.financial_year)
st.markdown(fv.flag_sentence(flags))
if not flags.empty:
    st.caption("Each flag names the invoice and line, and the file and Excel row it was imported from. "
               "Flags are shown, never dropped: check them with the supplier.")
    st.dataframe(flags, hide_index=True, width="stretch", key="finance_flags_table")
    download_buttons({"Finance flags": flags}, "finance_flags", key="finance_flags")
