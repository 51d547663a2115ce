"""Page render times through Streamlit's AppTest (run in its own process by ``bench``).

    python -m bench.pages --db URL [--timeout 600]

Prints one JSON list: per page, the first render (cold data cache) and a
re-render after a filter change (or after a plain rerun when the page draws
no filter), or the error that stopped it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ("pages/overview.py", "pages/kpis.py", "pages/coverage.py", "pages/finance.py")
FILTER_KEYS = ("filter_contract", "filter_fy", "filter_region", "filter_la")


def _errors(at) -> list[str]:
    found = []
    for item in at.exception:
        trace = [line for line in (getattr(item, "stack_trace", None) or []) if line.strip()]
        found.append(f"{getattr(item, 'message', item)} ({trace[-1].strip() if trace else 'no trace'})"[:400])
    return found


def _change_filter(at) -> str | None:
    """Change the first shared filter the page draws; return what was changed."""
    for key in FILTER_KEYS:
        try:
            box = at.selectbox(key=key)
        except KeyError:
            continue
        if len(box.options) > 1:
            target = 1 if box.index in (0, None) else 0
            box.select_index(target)
            return f"{key} -> {box.options[target] or 'all'}"
    try:
        picker = at.date_input(key="filter_as_of")
    except KeyError:
        return None
    picker.set_value(date(2023, 3, 31))
    return "filter_as_of -> 2023-03-31"


def render(page: str, timeout: float) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    if page != PAGES[0]:  # through app.py (navigation, viewer), then to the page
        at.run()
        if at.exception:
            return {"page": page, "error": "app.py: " + "; ".join(_errors(at))}
        at.switch_page(page)
    st.cache_data.clear()  # each page's first render starts from a cold data cache
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    titles = [element.value for element in at.title]
    result: dict = {"page": page, "first_render_s": first, "title": titles[0] if titles else None}
    if at.exception:
        result["error"] = "; ".join(_errors(at))
        return result
    changed = _change_filter(at)
    started = time.perf_counter()
    at.run()
    result["rerender_s"] = time.perf_counter() - started
    result["change"] = changed or "no filter on the page: plain rerun"
    if at.exception:
        result["error"] = "after the change: " + "; ".join(_errors(at))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--db", required=True)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--page", action="append", choices=PAGES, help="only these pages (default: all)")
    args = parser.parse_args(argv)
    os.environ["DASHBOARD_DATABASE_URL"] = args.db
    results = []
    for page in args.page or PAGES:
        try:
            results.append(render(page, args.timeout))
        except Exception as error:  # noqa: BLE001 - a page being written may fail: report it, go on
            results.append({"page": page, "error": f"{type(error).__name__}: {str(error)[:300]}"})
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
