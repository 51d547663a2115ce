"""Page render times through Streamlit's AppTest (run in its own process by ``bench``).

    python -m bench.pages --db URL [--timeout 600] [--page pages/kpis.py ...] [--repeat N] [--profile DIR]

Prints one JSON list: per page, the first render (cold data cache) and a
re-render after a filter change (or after a plain rerun when the page draws
no filter), or the error that stopped it. ``--repeat N`` changes the filter N
times (to the next option each time, so each re-render meets a new filter value)
and reports every re-render, then changes it back to the first render's choice
(``rerender_seen_s``: figures already worked out once). ``--profile DIR`` writes a cProfile of the first
re-render (the script thread and AppTest's own work) to ``DIR/profile_page_<page>.txt``,
and of the change back to ``DIR/profile_page_<page>_seen.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
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


def _change_filter(at, back: bool = False) -> str | None:
    """Change the first shared filter the page draws to its next option (``back``: to its
    first option, which the first render showed); return what was changed."""
    for key in FILTER_KEYS:
        try:
            box = at.selectbox(key=key)
        except KeyError:
            continue
        if len(box.options) > 1:
            target = 0 if back else ((box.index or 0) + 1) % len(box.options)
            box.select_index(target)
            return f"{key} -> {box.options[target] or 'all'}"
    if back:
        return None
    try:
        picker = at.date_input(key="filter_as_of")
    except KeyError:
        return None
    picker.set_value(date(2023, 3, 31))
    return "filter_as_of -> 2023-03-31"


class _Profiles:
    """cProfile of AppTest's work and of the script thread it starts, for one run."""

    def __init__(self) -> None:
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        self.main, self.script = cProfile.Profile(), cProfile.Profile()
        self._runner, self._original = LocalScriptRunner, LocalScriptRunner._run_script_thread
        profiles = self

        def profiled(runner) -> None:
            profiles.script.enable()
            try:
                profiles._original(runner)
            finally:
                profiles.script.disable()

        LocalScriptRunner._run_script_thread = profiled
        self.main.enable()

    def write(self, path: Path) -> None:
        self.main.disable()
        self._runner._run_script_thread = self._original
        text = io.StringIO()
        for title, profile in (("script thread", self.script), ("AppTest (main thread)", self.main)):
            text.write(f"=== {title}\n")
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(60)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.getvalue())


def render(page: str, timeout: float, repeat: int = 1, profile: Path | None = None) -> dict:
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
    for attempt in range(repeat):
        changed = _change_filter(at)
        profiles = _Profiles() if profile and attempt == 0 else None
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        if profiles:
            profiles.write(profile / f"profile_page_{Path(page).stem}.txt")
        if attempt == 0:
            result["rerender_s"] = elapsed
            result["change"] = changed or "no filter on the page: plain rerun"
        else:
            result.setdefault("more_rerenders", []).append({"s": round(elapsed, 3), "change": changed})
        if at.exception:
            result["error"] = "after the change: " + "; ".join(_errors(at))
            return result
    changed = _change_filter(at, back=True)
    if changed:  # back to what the first render showed: figures already worked out once
        profiles = _Profiles() if profile else None
        started = time.perf_counter()
        at.run()
        result["rerender_seen_s"] = time.perf_counter() - started
        if profiles:
            profiles.write(profile / f"profile_page_{Path(page).stem}_seen.txt")
        result["change_seen"] = changed
        if at.exception:
            result["error"] = "after changing back: " + "; ".join(_errors(at))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--db", required=True)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--page", action="append", choices=PAGES, help="only these pages (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="filter changes to time per page (default 1)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the first re-render into this folder")
    args = parser.parse_args(argv)
    os.environ["DASHBOARD_DATABASE_URL"] = args.db
    results = []
    for page in args.page or PAGES:
        try:
            results.append(render(page, args.timeout, args.repeat, args.profile))
        except Exception as error:  # noqa: BLE001 - a page being written may fail: report it, go on
            results.append({"page": page, "error": f"{type(error).__name__}: {str(error)[:300]}"})
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
