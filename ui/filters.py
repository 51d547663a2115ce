"""Filters shared by every page: contract, financial year, region, LA and as-of date.

They live in the URL (``st.query_params``) so any view can be bookmarked and
sent, and in ``st.session_state`` so they survive page switches (Streamlit drops
query parameters when the navigation menu changes page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from dashboard import calendar
from dashboard.access import Viewer, visible_contracts
from dashboard.wording import as_text, listed
from data_access.repositories import Scope

PARAMS = ("contract", "fy", "region", "la", "as_of")
FILTER_NAMES = {
    "contract": "contract",
    "fy": "financial year",
    "region": "region",
    "la": "local authority",
    "as_of": "as-of date",
}
_FIELDS = {"contract": "contract", "fy": "financial_year", "region": "region", "la": "la", "as_of": "as_of"}
ALL = ""


@dataclass(frozen=True)
class Filters:
    contract: str | None = None
    financial_year: str | None = None
    region: str | None = None  # E12 code
    la: str | None = None  # GSS code
    as_of: date | None = None

    @property
    def as_of_date(self) -> date:
        return self.as_of or date.today()

    def scope(self, viewer: Viewer) -> Scope:
        """The database scope for these filters within what the viewer may see."""
        allowed = visible_contracts(viewer)
        if self.contract:
            contracts = (self.contract,) if allowed is None or self.contract in allowed else ()
        else:
            contracts = allowed
        return Scope(
            contracts=contracts,
            la_codes=(self.la,) if self.la else None,
            region_codes=(self.region,) if self.region else None,
        )


def _from_params() -> dict[str, str]:
    params = {key: st.query_params.get(key, "") for key in PARAMS}
    if not any(params.values()):  # page switch: restore what this session had
        params = dict(st.session_state.get("filters_params", params))
        for key, value in params.items():
            if value:
                st.query_params[key] = value
    return params


def _parse_date(text: str) -> date | None:
    try:
        found = date.fromisoformat(text) if text else None
    except ValueError:
        st.warning(
            f"Showing figures for today. The as-of date '{as_text(text)}' in the web address is not a date "
            "in the form YYYY-MM-DD."
        )
        return None
    if found is not None and not calendar.within_range(found):
        st.warning(
            f"Showing figures for today. The as-of date '{as_text(text)}' in the web address is outside "
            f"the dates the dashboard covers ({calendar.range_text()})."
        )
        return None
    return found


def current_filters() -> Filters:
    """The filters as the URL (or this session) holds them, without drawing widgets."""
    params = _from_params()
    return Filters(
        contract=params["contract"] or None,
        financial_year=params["fy"] or None,
        region=params["region"] or None,
        la=params["la"] or None,
        as_of=_parse_date(params["as_of"]),
    )


def _store(key: str, value: str) -> None:
    if value:
        st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]
    stored = dict(st.session_state.get("filters_params", {}))
    stored[key] = value
    st.session_state["filters_params"] = stored


def choose(key: str, value: str | None) -> None:
    """A filter chosen with a page's own control (the LA profile's LA), kept as the sidebar
    keeps it: in the URL and for the other pages."""
    _store(key, value or "")


def _say_if_unknown(what: str, value: str | None, known, instead: str) -> None:
    """A bookmarked or typed link that names something not on the list here is said so, not
    silently widened."""
    if value and value not in known:
        st.warning(
            f"Showing {instead}. The link asks for the {what} '{as_text(value)}', which is not one you "
            "can choose here.",
            icon=":material/link_off:",
        )


def filter_sidebar(
    contracts: list[str],
    financial_years: list[str],
    regions: dict[str, str],
    las: dict[str, str],
    show: tuple[str, ...] = PARAMS,
    not_narrowed_by: tuple[str, ...] = (),
    because: str = "",
    la_regions: dict[str, str] | None = None,
) -> Filters:
    """Draw the shared filters in the sidebar and return the chosen values.

    ``not_narrowed_by``: filters this page's figures ignore (``because`` says why); when one is
    set (it stays set for the other pages) the sidebar says so, so no one reads the page as filtered."""
    current = current_filters()
    st.sidebar.subheader("Filters")
    ignored = [FILTER_NAMES[key] for key in PARAMS if key in not_narrowed_by and getattr(current, _FIELDS[key])]
    if ignored:
        st.sidebar.info(
            f"This page is not narrowed by {listed(ignored, 'or')}: {because}. The filter stays set for "
            "the other pages.",
            icon=":material/filter_alt_off:",
        )
    contract = current.contract
    if "contract" in show:
        contract = next((known for known in contracts if contract and known.lower() == contract.lower()), contract)
        _say_if_unknown("contract", contract, contracts, "all contracts")
        options = [ALL, *contracts]
        contract = (
            st.sidebar.selectbox(
                "Contract",
                options,
                index=options.index(contract) if contract in options else 0,
                format_func=lambda value: value or "All contracts",
                key="filter_contract",
            )
            or None
        )
    year = current.financial_year
    if "fy" in show:
        _say_if_unknown("financial year", year, financial_years, "all years")
        options = [ALL, *financial_years]
        year = (
            st.sidebar.selectbox(
                "Financial year",
                options,
                index=options.index(year) if year in options else 0,
                format_func=lambda value: value or "All years",
                key="filter_fy",
            )
            or None
        )
    region = current.region
    if "region" in show:
        _say_if_unknown("region", region, regions, "all regions")
        options = [ALL, *regions]
        region = (
            st.sidebar.selectbox(
                "Region",
                options,
                index=options.index(region) if region in options else 0,
                format_func=lambda code: regions.get(code, "All regions"),
                key="filter_region",
            )
            or None
        )
    la = current.la
    if "la" in show:
        _say_if_unknown("local authority", la, las, "all local authorities")
        in_region = {code for code, name in las.items() if not region or (la_regions or {}).get(code, region) == region}
        if la in las and la not in in_region:  # the LAs offered are the region's
            st.sidebar.warning(
                f"{as_text(las[la])} is not in {as_text(regions.get(region, region))}, so the local authority filter "
                "is cleared.",
                icon=":material/filter_alt_off:",
            )
            la = None
        shown_las = {code: name for code, name in las.items() if code in in_region}
        options = [ALL, *sorted(shown_las, key=shown_las.get)]
        la = (
            st.sidebar.selectbox(
                "Local authority",
                options,
                index=options.index(la) if la in options else 0,
                format_func=lambda code: f"{las[code]} ({code})" if code else "All local authorities",
                key="filter_la",
            )
            or None
        )
    as_of = current.as_of
    if "as_of" in show:
        as_of = st.sidebar.date_input(
            "Figures as of",
            value=current.as_of_date,
            format="DD/MM/YYYY",
            key="filter_as_of",
            min_value=calendar.EARLIEST,
            max_value=calendar.LATEST,
            help="Nothing dated after this date counts.",
        )
        if as_of == date.today():
            as_of = None
    chosen = Filters(contract, year, region, la, as_of)
    for key, value in zip(PARAMS, (contract, year, region, la, as_of.isoformat() if as_of else None)):
        _store(key, value or "")
    return chosen


_WIDGETS = {
    "contract": "filter_contract",
    "fy": "filter_fy",
    "region": "filter_region",
    "la": "filter_la",
    "as_of": "filter_as_of",
}


def _clear(*keys: str) -> None:
    """Take filters off (a "Showing" button's callback, run before the page is drawn again)."""
    for key in keys:
        st.session_state[_WIDGETS[key]] = date.today() if key == "as_of" else ALL
        _store(key, "")


def chosen_filters(
    filters: Filters, regions: dict[str, str], las: dict[str, str], narrowing: tuple[str, ...] = PARAMS
) -> list[tuple[str, str]]:
    """(parameter, "Name: value") of each filter that narrows the page (``narrowing``), as the
    "Showing" line says them."""
    values = {
        "contract": filters.contract,
        "fy": filters.financial_year,
        "region": regions.get(filters.region or "", filters.region),
        "la": las.get(filters.la or "", filters.la),
        "as_of": f"{filters.as_of:%d/%m/%Y}" if filters.as_of else None,
    }
    return [
        (key, f"{FILTER_NAMES[key].capitalize()}: {value}")
        for key, value in values.items()
        if value and key in narrowing
    ]


def showing(
    filters: Filters, regions: dict[str, str], las: dict[str, str], narrowing: tuple[str, ...] = PARAMS
) -> None:
    """The filters that narrow this page, above its figures, each with a button that takes it off,
    and "Clear filters" (the MOJ filter pattern): a filter set on another page is never silent."""
    chosen = chosen_filters(filters, regions, las, narrowing)
    if not chosen:
        return
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.markdown("**Showing:**")
    for key, text in chosen:
        row.button(
            as_text(text),
            key=f"showing_{key}",
            icon=":material/close:",
            on_click=_clear,
            args=(key,),
            help=f"Remove this filter ({as_text(text)})",
            type="tertiary",
        )
    if len(chosen) > 1:
        row.button("Clear filters", key="showing_clear", on_click=_clear, args=tuple(key for key, _ in chosen))
