"""Finance: spend against allocations per heading and year, burn-up with forecast, day rates, flags."""

from __future__ import annotations

import streamlit as st

from dashboard.access import may_see_import
from dashboard.calendar import financial_year_of
from dashboard.charts.finance import burn_up_chart, day_rate_chart
from dashboard.views import finance as fv
from dashboard.wording import as_text, long_date
from data_access.finance_sources import invoice_sources
from ui import cache, context
from ui.components import chart, chart_with_table, data_table, download_buttons, empty_state
from ui.data_currency import data_currency_notice
from ui.filters import Filters, filter_sidebar, showing

MONEY = st.column_config.NumberColumn(format="accounting")

FIGURES = "Working out the finance figures…"

viewer = context.page_viewer()
url, version = context.database_url(), context.data_version()
scope = Filters().scope(viewer)
data = context.oversight_data(scope)
data_key = cache.DataKey(url, scope, version)  # every figure here: the viewer's records, picked by the filters
years = cache.built(fv.build_years, data, None, data_key, spinner=False)
filters = filter_sidebar(
    [c.reference for c in data.contracts],
    years,
    data.regions,
    {},
    show=("contract", "fy", "as_of"),
    not_narrowed_by=("region", "la"),
    because="invoices and allocations are per contract, not per LA",
)
as_of = filters.as_of_date

st.title("Finance")
showing(filters, data.regions, {}, narrowing=("contract", "fy", "as_of"))
if data.contracts:  # the answer first
    chosen = context.oversight_data(Filters(contract=filters.contract).scope(viewer), within=scope)  # its records
    tables = cache.built(
        fv.build_scope_tables,
        data,
        fv.ScopeInputs(as_of, cache.read(invoice_sources, scope, version=version)),
        data_key,
        FIGURES,
    )  # worked out once for the scope; a contract or year picks its rows
    page = cache.built(
        fv.build, chosen, fv.FinanceInputs(as_of, tables, filters.contract, filters.financial_year), data_key, FIGURES
    )
    st.markdown(as_text(page.spend_sentence))
st.caption(
    f"Figures as of {long_date(as_of)}. Invoice lines dated after it do not count. Amounts are in pounds, excluding "
    "VAT. Money cannot move between expenditure headings or years, so each heading is compared with its own "
    "allocation for each financial year."
)
if not data.contracts:
    empty_state("There are no contracts to show yet. Import a contract register and pricing schedules first.")
    st.stop()

data_currency_notice(chosen, as_of)
column_money = dict.fromkeys(("Allocated (£)", "Spent (£)", "Remaining (£)"), MONEY)

# --- Spend against allocation -------------------------------------------------------------
st.header("Spend against allocation")
if page.spend.empty:
    empty_state("No allocation or spend for this contract and year.")
else:
    data_table(
        page.spend,
        "Spend against allocation per heading and financial year",
        key="finance_spend_table",
        column_config={**column_money, "Spent (%)": st.column_config.NumberColumn(format="%.1f %%")},
    )
    download_buttons({"Spend against allocation": page.spend}, "spend_against_allocation", key="finance_spend")

st.subheader("Totals, reconciled with the pricing schedule")
(st.success if "to the penny" in page.reconciliation else st.error)(as_text(page.reconciliation))
st.caption(
    "Totals are for reconciliation only. An underspend in one heading or year cannot cover an overspend in another."
)
data_table(
    page.totals, "Totals, reconciled with the pricing schedule", key="finance_totals_table", column_config=column_money
)

# --- Spend against contract value ---------------------------------------------------------
st.header("Spend against contract value")
values = fv.value_table(data.contracts, chosen.invoice_lines, as_of, filters.contract)
st.markdown(fv.value_sentence(values))
st.caption(
    "Spend for all years and headings together, against the contract's Value in the contract register, "
    "with the finance terms the register sets. A term not set in the contract register does not apply, so "
    "nothing is flagged against it."
)
data_table(
    values,
    "Spend against contract value, and the contract's finance terms",
    key="finance_value_table",
    column_config={
        "Spent to date, all years (£)": MONEY,
        "Spent (% of value)": st.column_config.NumberColumn(format="%.1f %%"),
    },
)

# --- Burn-up --------------------------------------------------------------------------------
st.header("Burn-up: cumulative spend by quarter")
contracts = sorted({row.contract for row in page.rows}) or [c.reference for c in data.contracts]
left, right = st.columns(2)
opening = filters.contract if filters.contract in contracts else fv.latest_contract(page.rows, as_of)
burn_contract = left.selectbox(
    "Contract for the burn-up",
    contracts,
    index=contracts.index(opening) if opening in contracts else 0,
    key="finance_burn_contract",
)
burn_data = context.oversight_data(Filters(contract=burn_contract).scope(viewer), within=scope)
contract_years = (
    cache.built(fv.build_burn_up_years, burn_data, fv.BurnUpInputs(as_of, burn_contract), data_key, spinner=False)
    or years
)
if not contract_years:  # e.g. a contract register imported before its pricing schedule
    empty_state(
        f"{burn_contract} has no allocation or spend yet, so there is no burn-up to draw. Import its pricing schedule."
    )
else:
    default_year = filters.financial_year if filters.financial_year in contract_years else None
    if default_year is None:
        started = [year for year in contract_years if year <= financial_year_of(as_of)]
        default_year = started[-1] if started else contract_years[0]
    burn_year = right.selectbox(
        "Financial year for the burn-up",
        contract_years,
        index=contract_years.index(default_year),
        key="finance_burn_fy",
    )
    burn = cache.built(
        fv.build_burn_up, burn_data, fv.BurnUpInputs(as_of, burn_contract, burn_year), data_key, spinner=False
    )
    chart_with_table(
        chart(burn_up_chart, burn.actual, burn.allocation, burn.forecast),
        burn.table,
        fv.burn_up_sentence(burn, burn_contract, burn_year, as_of),
        key="finance_burn",
        chart_label="cumulative spend by quarter against the allocation",
        file_stem=f"burn_up_{burn_contract}_{burn_year}",
    )
    if not burn.forecast_table.empty:
        with st.expander("Forecast table (a forecast, not actual spend)"):
            data_table(
                burn.forecast_table,
                "Forecast spend (a forecast, not actual spend)",
                column_config={name: MONEY for name in burn.forecast_table.columns if "£" in name},
            )

# --- Day rates ------------------------------------------------------------------------------
st.header("Day rates against the caps")
st.caption(
    "Each line's day rate is compared with its own cap from the contract register. That is the executive "
    "cap for executive-level lines where the contract sets one, or else the contract's day rate cap. Lines "
    "of a contract with no cap are shown in a panel of their own and never flagged."
)
chart_with_table(
    chart(day_rate_chart, page.rates),
    page.rates,
    page.rates_sentence,
    key="finance_rates",
    file_stem="day_rates",
    chart_label="day rates charged against the caps",
)

# --- Flags ----------------------------------------------------------------------------------
st.header("Finance flags")
st.markdown(as_text(page.flags_sentence))
if not page.flags.empty:
    flags = fv.flags_as_seen(page.flags, lambda contract: may_see_import(viewer, {contract}))
    st.caption(
        "Each flag names the invoice and line"
        + (", and the file and Excel row it came from" if "File" in flags else "")
        + ". Flags are never dropped. Check them with the supplier."
    )
    data_table(flags, "Finance flags", key="finance_flags_table", wrap=True, lazy=True)
    download_buttons({"Finance flags": flags}, "finance_flags", key="finance_flags")
