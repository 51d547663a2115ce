"""What a user feels in the browser (run by ``bench``, or alone):

    python -m bench.browser --url http://127.0.0.1:8501 [--runs 5]

Drives Debian's headless Chromium (Playwright, as the browser tests do) against a running
server and times, for each figures page:

- **new session**: a fresh browser context (nothing cached: a first visit) opens the page's
  address; *first content* is the page's title (its ``h1``) drawn on screen, timed in the page
  from the navigation's start (Playwright's own wait polls up to 500 ms apart); *fully drawn* is the
  moment Streamlit says the run is over (no "running" status, no skeleton placeholders left);
- **new tab**: the same in a new tab of a browser that has opened the app before (its
  scripts cached, as for someone who uses the dashboard), with where the time went: from the
  address entered, the *page ready* (the browser's DOMContentLoaded: Streamlit's page and
  scripts loaded), the server's *first message* and the *title received*; then, read from the
  websocket's messages, the server's *title sent* (first message to the title's element) and
  *run over* (to the run's end), the script runs a new session makes and the elements it sends.
  First content less title received is the browser drawing the first messages;
- **page switch**: a click on the page's link in the sidebar menu, to fully drawn;
- **filter change**: the sidebar's contract filter set to a value not chosen before, to fully
  drawn.

A page switch and a filter change are timed from the moment the browser sends the click to the
server (the rerun message on the websocket: what Playwright does before, waiting for the element
to be still, is not the user's wait) until the server's "script finished" message has come and
the page has drawn it (no running status, no placeholder, two animation frames later). Their
*server share* is the first part: the rerun sent to "script finished" received. Timing only until
the page looked idle, as before, could stop before the rerun had even started.

With ``--upload --db URL`` it times the Upload page instead (issue 20), on a fresh 1,000-row
quarterly return each run (``bench.load.RETURN_ROWS_SCALE``; each for a benchmark contract of
its own, registered in the server's database ``URL`` first, so every run imports 1,000 new rows):

- **check**: the file handed to the uploader, to "checked: no errors" fully drawn;
- **confirm**: *Confirm and import* pressed, to "Imported" fully drawn;

each with the script runs it took, the websocket bytes the browser received and the seconds the
page's main thread was busy (Chromium's TaskDuration).

Each is repeated ``--runs`` times and reported as p50 and p95 (nearest rank). Prints one JSON
object. Timed numbers are never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PAGES = {"Overview": "", "KPIs": "kpis", "Coverage": "coverage", "Finance": "finance", "Timelines": "timelines"}
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const running = app && app.getAttribute('data-test-script-state') === 'running';
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const skeleton = document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]');
  const title = document.querySelector('[data-testid="stMain"] h1');
  return !running && !status && !skeleton && !!title;
}"""
TIMEOUT_MS = 180_000


def cpu_ticks(pid: int) -> int | None:
    """The CPU time (user and system, in ticks of 10 ms) process ``pid`` has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def idle_between(before: int | None, after: int | None) -> bool:
    """No work between two CPU samples: at most 2 ticks (20 ms), what an idle server's websocket
    keep-alives use (measured: 0-1 tick a second for minutes after the page had rendered)."""
    return before is not None and after is not None and after - before <= 2


def wait_until_idle(pid: int, quiet_seconds: int, at_most: float) -> None:
    """Until the server ``pid`` has done no work for ``quiet_seconds`` in a row (sampled each
    second), or ``at_most`` seconds have passed."""
    quiet, last, deadline = 0, cpu_ticks(pid), time.time() + at_most
    while quiet < quiet_seconds and time.time() < deadline:
        time.sleep(1)
        ticks = cpu_ticks(pid)
        quiet = quiet + 1 if idle_between(last, ticks) else 0
        last = ticks


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: p50 of [1, 2, 3, 4] is 2, p95 is 4."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _settle(page) -> None:
    """Wait for the run to be over and stay over (Streamlit may rerun once at a session's start)."""
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    page.wait_for_timeout(250)
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)


class _Wire:
    """When the page sent each rerun and received each "script finished" over the app's websocket."""

    def __init__(self, page) -> None:
        self.reruns: list[float] = []
        self.finished: list[float] = []
        page.on("websocket", lambda socket: (socket.on("framesent", self._sent), socket.on("framereceived", self._got)))

    def _sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if _message_type(payload, BackMsg) == "rerun_script":
            self.reruns.append(time.perf_counter())

    def _got(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if _message_type(payload, ForwardMsg) == "script_finished":
            self.finished.append(time.perf_counter())


def _message_type(payload, kind) -> str | None:
    """The type of a websocket frame's Streamlit message (``kind``: BackMsg or ForwardMsg); None for text."""
    if isinstance(payload, str):
        return None
    message = kind()
    message.ParseFromString(payload)
    return message.WhichOneof("type")


DRAWN = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _timed(action: Callable[[], Any], page, wire: _Wire) -> tuple[float, float]:
    """(felt, server share) of ``action``: from the rerun sent to the last run's end drawn."""
    reruns, waited = len(wire.reruns), len(wire.finished)
    action()
    while True:
        deadline = time.perf_counter() + TIMEOUT_MS / 1000
        while len(wire.finished) <= waited:
            if time.perf_counter() > deadline:
                raise TimeoutError("no run finished")
            page.wait_for_timeout(5)
        page.wait_for_function(IDLE, polling="raf", timeout=TIMEOUT_MS)
        page.evaluate(DRAWN)
        drawn, waited = time.perf_counter(), len(wire.finished)
        page.wait_for_timeout(250)  # a run may rerun once more: then time to its end
        if len(wire.finished) == waited and page.evaluate(IDLE):
            break
    if len(wire.reruns) == reruns:
        raise RuntimeError("the action sent no rerun")
    sent = wire.reruns[reruns]
    return drawn - sent, wire.finished[-1] - sent


# First content is timed in the page: Playwright's wait for a selector polls at growing intervals
# (up to 500 ms apart), and was seen to report a title 0.4 s after the page had drawn it.
FIRST_CONTENT = """
new MutationObserver((_, watching) => {
  if (document.querySelector('[data-testid="stMain"] h1')) {
    watching.disconnect();
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__firstContent = performance.now(); }));
  }
}).observe(document, {subtree: true, childList: true});
"""
FIRST_CONTENT_DRAWN = "() => window.__firstContent"


def _open(page, base: str, path: str, query: str) -> tuple[float, float, float]:
    """(started, first content, fully drawn) of ``page`` opening ``path``: a new session. First
    content is read in the page (``FIRST_CONTENT``): from the navigation's start to the title drawn
    (two animation frames after it is in the page), as ``DRAWN`` times the end of a run."""
    page.add_init_script(FIRST_CONTENT)
    started = time.perf_counter()
    page.goto(f"{base}/{path}{query}", wait_until="commit")
    page.wait_for_function(FIRST_CONTENT_DRAWN, polling="raf", timeout=TIMEOUT_MS)
    first = page.evaluate(FIRST_CONTENT_DRAWN) / 1000
    _settle(page)
    return started, first, time.perf_counter() - started - 0.25


def new_session(browser, base: str, path: str, query: str) -> tuple[float, float]:
    """(first content, fully drawn) of a new session opening ``path``."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        _, first, full = _open(context.new_page(), base, path, query)
        return first, full
    finally:
        context.close()


def new_tab(context, base: str, path: str, query: str) -> dict[str, Any]:
    """A new session in a new tab of ``context`` (scripts cached): times and the server's share."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    page = context.new_page()
    frames: list[tuple[float, str, str]] = []

    def on_frame(payload) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg()
        message.ParseFromString(payload)
        kind = message.WhichOneof("type")
        element = ""
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element.WhichOneof("type")
            if element == "heading" and message.delta.new_element.heading.tag == "h1":
                element = "h1"
        frames.append((time.perf_counter(), kind, element))

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    try:
        started, first, full = _open(page, base, path, query)
        page_ready = page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    finally:
        page.close()
    sessions = [at for at, kind, _ in frames if kind == "new_session"]
    title = next((at for at, _, element in frames if element == "h1"), None)
    ends = [at for at, kind, _ in frames if kind == "script_finished"]
    opened = sessions[0] if sessions else started
    return {
        "first": first,
        "full": full,
        "runs": len(sessions),
        "elements": sum(1 for _, kind, element in frames if kind == "delta" and element),
        "page_ready": page_ready / 1000,
        "first_message": opened - started if sessions else None,
        "title_received": title - started if title else None,
        "server_title": title - opened if title else None,
        "server_done": ends[-1] - opened if ends else None,
    }


def _open_contract_list(page):
    """The sidebar's contract list, opened (the first click on a new page may only focus the box)."""
    listed = page.get_by_role("listbox").get_by_role("option")
    for _attempt in range(3):
        page.get_by_role("combobox", name="Contract", exact=True).click()
        try:
            listed.first.wait_for(timeout=3_000)
            return listed
        except Exception:  # noqa: BLE001 - not open yet: try again
            page.keyboard.press("Escape")
    listed.first.wait_for(timeout=TIMEOUT_MS)
    return listed


def _contract_options(page) -> list[str]:
    options = [text.strip() for text in _open_contract_list(page).all_inner_texts()]
    page.keyboard.press("Escape")
    return [option for option in options if option and option != "All contracts"]


def measure(
    base: str, runs: int, query: str = "", pages: list[str] | None = None, server_pid: int | None = None
) -> dict[str, Any]:
    """``server_pid``: the server's process, waited for after the first session until it is idle:
    its background warming of the caches (``ui.warm``, seconds at scale) is over before anything
    is timed, as a user arriving after another user would find it."""
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # warm the server's caches once, as a user after another user would find it
        new_session(browser, base, "", query)
        if server_pid is not None:
            wait_until_idle(server_pid, quiet_seconds=2, at_most=120)
        returning = browser.new_context(viewport={"width": 1440, "height": 900})
        for name, path in PAGES.items():
            if pages and name not in pages:
                continue
            firsts, fulls = [], []
            for _ in range(runs):
                first, full = new_session(browser, base, path, query)
                firsts.append(first)
                fulls.append(full)
            new_tab(returning, base, path, query)  # this page's scripts cached
            tabs = [new_tab(returning, base, path, query) for _ in range(runs)]
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            wire = _Wire(page)
            page.goto(f"{base}/{query}")
            _settle(page)
            switches, changes, errors = [], [], []
            for _ in range(runs):
                link = page.locator('[data-testid="stSidebarNav"] a', has_text=name).first
                switches.append(_timed(link.click, page, wire))
                back = "KPIs" if name == "Overview" else "Overview"
                page.locator('[data-testid="stSidebarNav"] a', has_text=back).first.click()
                _settle(page)
                page.locator('[data-testid="stSidebarNav"] a', has_text=name).first.click()
                _settle(page)
            try:
                options = _contract_options(page)
                for option in options[:runs]:  # timed from the choice (opening the list is not the redraw)
                    choice = _open_contract_list(page).filter(has_text=option).first
                    changes.append(_timed(choice.click, page, wire))
            except Exception as error:  # noqa: BLE001 - a page without the filter is reported, not fatal
                errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
            context.close()
            results[name] = {
                "new_session_first_content": _stats(firsts),
                "new_session_fully_drawn": _stats(fulls),
                "new_tab_first_content": _stats([tab["first"] for tab in tabs]),
                "new_tab_fully_drawn": _stats([tab["full"] for tab in tabs]),
                "new_tab_page_ready": _stats([tab["page_ready"] for tab in tabs]),
                "new_tab_first_message": _stats(
                    [tab["first_message"] for tab in tabs if tab["first_message"] is not None]
                ),
                "new_tab_title_received": _stats(
                    [tab["title_received"] for tab in tabs if tab["title_received"] is not None]
                ),
                "new_tab_server_title_sent": _stats(
                    [tab["server_title"] for tab in tabs if tab["server_title"] is not None]
                ),
                "new_tab_server_run_over": _stats(
                    [tab["server_done"] for tab in tabs if tab["server_done"] is not None]
                ),
                "new_tab_script_runs": max(tab["runs"] for tab in tabs),
                "elements_sent": max(tab["elements"] for tab in tabs),
                "page_switch": _stats([felt for felt, _ in switches]),
                "page_switch_server": _stats([server for _, server in switches]),
                "filter_change": _stats([felt for felt, _ in changes]),
                "filter_change_server": _stats([server for _, server in changes]),
                "errors": errors,
            }
        returning.close()
        browser.close()
    return results


UPLOAD_PATH = "upload"
UPLOAD_RUNS_MAX = 9  # bench.generate's contracts bench_c02 ... bench_c10 (bench_c01 is the import benchmark's)


def upload_returns(url: str, runs: int, folder: Path) -> list[tuple[str, bytes]]:
    """One 1,000-row return a run, each for a benchmark contract with no engagements yet in ``url``'s
    database (registered here when missing): at most ``UPLOAD_RUNS_MAX`` a database."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bench.generate import register_contract, write_return_workbook
    from bench.load import RETURN_ROWS_SCALE
    from data_access import models
    from data_access.db import make_engine

    engine = make_engine(url)
    returns: list[tuple[str, bytes]] = []
    try:
        for number in range(2, UPLOAD_RUNS_MAX + 2):
            if len(returns) == runs:
                break
            reference = f"bench_c{number:02d}"
            with Session(engine) as session:
                known = session.scalars(select(models.Contract).where(models.Contract.reference == reference)).first()
                if (
                    known is not None
                    and session.scalars(
                        select(models.Engagement.id).where(models.Engagement.contract_id == known.id)
                    ).first()
                ):
                    continue  # imported by an earlier run
            if known is None:
                register_contract(engine, reference)
            path = folder / f"return_{reference}.xlsx"
            write_return_workbook(path, RETURN_ROWS_SCALE, contract=reference)
            returns.append((path.name, path.read_bytes()))
    finally:
        engine.dispose()
    if len(returns) < runs:
        raise ValueError(f"only {len(returns)} benchmark contracts left without engagements in {url}: use a fresh one")
    return returns


class _Socket:
    """The script runs finished and the bytes received over the app's websocket."""

    def __init__(self, page) -> None:
        self.runs = 0
        self.bytes = 0
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str):
            return
        self.bytes += len(payload)
        message = ForwardMsg()
        message.ParseFromString(payload)
        if message.WhichOneof("type") == "script_finished":
            self.runs += 1

    def mark(self) -> tuple[int, int]:
        return self.runs, self.bytes


def _busy(cdp) -> float:
    """Seconds the page's main thread has spent on tasks (scripts, layout, drawing): Chromium's
    own count, steadier than wall time on a shared machine."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return next(metric["value"] for metric in metrics if metric["name"] == "TaskDuration")


def _upload_until(page, cdp, socket: _Socket, action: Callable[[], Any], text: str) -> dict[str, float]:
    runs, received = socket.mark()
    busy = _busy(cdp)
    started = time.perf_counter()
    action()
    page.get_by_test_id("stMain").get_by_text(text).first.wait_for(timeout=TIMEOUT_MS)
    _settle(page)
    return {
        "seconds": time.perf_counter() - started - 0.25,
        "runs": socket.runs - runs,
        "kb": (socket.bytes - received) / 1024,
        "browser_busy": _busy(cdp) - busy,
    }


def measure_upload(base: str, returns: list[tuple[str, bytes]]) -> dict[str, Any]:
    """Check then confirm each return on the Upload page, each in a new session (local mode's
    administrator): p50 and p95 of each, with the script runs and kilobytes they took."""
    from playwright.sync_api import sync_playwright

    from ui.upload_flow import XLSX_MIME

    checks, confirms = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        new_session(browser, base, UPLOAD_PATH, "")  # warm the server once
        for name, data in returns:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            try:
                page = context.new_page()
                socket = _Socket(page)
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                _open(page, base, UPLOAD_PATH, "")
                uploader = page.get_by_test_id("stMain").get_by_test_id("stFileUploaderDropzoneInput")
                checks.append(
                    _upload_until(
                        page,
                        cdp,
                        socket,
                        lambda uploader=uploader, name=name, data=data: uploader.set_input_files(
                            files=[{"name": name, "mimeType": XLSX_MIME, "buffer": data}]
                        ),
                        "checked: no errors",
                    )
                )
                button = page.get_by_test_id("stMain").get_by_role("button", name="Confirm and import")
                confirms.append(_upload_until(page, cdp, socket, button.click, "Imported (import"))
            finally:
                context.close()
        browser.close()
    return {
        step: {
            **_stats([run["seconds"] for run in runs]),
            "script_runs": max(run["runs"] for run in runs),
            "kb_received_p50": percentile([run["kb"] for run in runs], 0.5),
            "browser_busy_s_p50": percentile([run["browser_busy"] for run in runs], 0.5),
        }
        for step, runs in (("check_1000_row_return", checks), ("confirm_it", confirms))
    }


def _stats(values: list[float]) -> dict[str, Any]:
    return {
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "runs": len(values),
        "mean": statistics.fmean(values) if values else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the running app, e.g. http://127.0.0.1:8501")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--as-of", default="", help="an as-of date for every page (YYYY-MM-DD)")
    parser.add_argument("--pages", default="", help=f"comma list of pages (default every one: {', '.join(PAGES)})")
    parser.add_argument("--upload", action="store_true", help="time the Upload page's check and confirm instead")
    parser.add_argument("--db", default="", help="with --upload: the running server's database URL")
    args = parser.parse_args(argv)
    if args.upload:
        if not args.db:
            parser.error("--upload needs --db, the running server's database (benchmark contracts are registered)")
        with tempfile.TemporaryDirectory(prefix="oversight-upload-") as folder:
            returns = upload_returns(args.db, args.runs, Path(folder))
            print(json.dumps(measure_upload(args.url.rstrip("/"), returns), indent=2))
        return 0
    query = f"?as_of={args.as_of}" if args.as_of else ""
    pages = [name.strip() for name in args.pages.split(",") if name.strip()] or None
    print(json.dumps(measure(args.url.rstrip("/"), args.runs, query, pages), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
