"""Fifty people at once (run by ``bench`` as the ``load`` section, or alone):

    python -m bench.load [--sessions 50] [--db URL] [--two-servers] [--ramp 30] [--think 5 20]

Starts ``streamlit run app.py`` on a PostgreSQL database holding the demo data and drives
concurrent sessions through it with websocket clients that speak Streamlit's own protocol
(what the browser's front end sends: ``BackMsg`` protobufs on ``/_stcore/stream``; what it
receives: ``ForwardMsg`` protobufs), not browsers (the machine has 2 cores):

- the Board's journey: Overview, as a Board member (the local-mode role switch), KPIs, a change
  of the contract filter, Finance;
- a case lead's journey: Overview, as a case lead, Coverage with their region, their LA's
  profile;

half of them each, arriving over 30 s and reading each page 5 to 20 s before the next click
(``--ramp``, ``--think``; ``--think 0 0 --ramp 5`` is a stress test: everyone clicks on at once),

while a contract manager imports a 1,000-row quarterly return into the same database
(``data_access.services.import_file``, which bumps the data version, so every session after it
meets the cold path). A step is timed from the message sent to the ``script_finished`` of its
run, and counts as an error unless the run sent the page's title, no exception box and no
error box, and (filter change) the new value reached the script (the URL it writes back).

Reported per step: p50 and p95 of one user alone and of everyone at once, errors, and the
server's peak memory (VmHWM). Goal: p95 within 2x of a single user's, no error.

``--two-servers``: the same load through HAProxy (``scripts/install-bench-deps.sh``) in front
of two app servers, sticky by a cookie the proxy sets, and a check that an import made
while a session is on one server shows on a session on the other within one rerun.

Bounded: every session has a step count and a time limit; only 127.0.0.1 is contacted.
Timed numbers are never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.browser import percentile

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-03-15"  # the demo's as-of date (seeds/demo.py DEMO_AS_OF)
STEP_TIMEOUT_S = 240.0  # one step's limit; a step over it is an error, never a hang
SESSION_LIMIT_S = 900.0  # one whole journey's limit
RAMP_S = 30.0  # sessions start spread over this many seconds, as people arriving
THINK_S = (5.0, 20.0)  # a person reads each page for this long (uniform, seeded per person) before the next click
CASE_LEAD_REGION = "E12000002"  # the demo case lead's region (data_access.users)
CASE_LEAD_LA = "E08000014"  # and LA
RETURN_ROWS_SCALE = 0.01  # the contract manager's return: 1,000 rows (bench.generate)
GOAL_RATIO = 2.0
SIDEBAR = 1  # RootContainer.SIDEBAR: the first number of a sidebar element's delta path
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}

# --------------------------------------------------------------------- pure helpers


def rerun_message(
    query_string: str = "", page_script_hash: str = "", page_name: str = "", widgets: list[WidgetState] | None = None
) -> bytes:
    """The ``BackMsg`` the front end sends to run the script: on opening a page (``page_name``
    is the address's path), on a menu click (``page_script_hash``) or a widget change
    (``widgets``: the changed widgets' states; the others keep their values on the server)."""
    message = BackMsg()
    state = message.rerun_script
    state.query_string = query_string
    state.page_script_hash = page_script_hash
    state.page_name = page_name
    if widgets:
        state.widget_states.widgets.extend(widgets)
    return message.SerializeToString()


def string_widget(widget_id: str, value: str) -> WidgetState:
    """A select box's new value: the option as shown (``string_value``, Streamlit's serde)."""
    state = WidgetState()
    state.id = widget_id
    state.string_value = value
    return state


@dataclass
class Widget:
    id: str
    label: str
    options: list[str]
    sidebar: bool = False


@dataclass
class Run:
    """What the server sent during one run of the script, as far as the checks need it."""

    texts: list[str] = field(default_factory=list)
    widgets: dict[str, Widget] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    query_string: str | None = None
    page_script_hash: str = ""
    finished: int | None = None

    def shows(self, text: str) -> bool:
        return any(text in shown for shown in self.texts)


def read_forward(message: ForwardMsg, run: Run, pages: dict[str, str]) -> bool:
    """Note what ``message`` carries into ``run`` (and the menu's pages into ``pages``: url path
    -> page script hash); True when it ends the run (finished, not cut short for a rerun)."""
    kind = message.WhichOneof("type")
    if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
        element = message.delta.new_element
        element_kind = element.WhichOneof("type")
        inner = getattr(element, element_kind) if element_kind else None
        if inner is None:
            return False
        if element_kind == "exception":
            run.exceptions.append(f"{inner.type}: {inner.message}"[:300])
        elif element_kind == "alert" and inner.format == inner.ERROR:
            run.errors.append(inner.body[:300])
        if hasattr(inner, "body") and isinstance(inner.body, str):
            run.texts.append(inner.body)
        if hasattr(inner, "label") and getattr(inner, "id", ""):
            options = [str(option) for option in getattr(inner, "options", [])]
            sidebar = list(message.metadata.delta_path[:1]) == [SIDEBAR]
            known = run.widgets.get(inner.label)
            if known is None or sidebar or not known.sidebar:  # the sidebar's filters first
                run.widgets[inner.label] = Widget(inner.id, inner.label, options, sidebar)
    elif kind == "navigation":
        for page in message.navigation.app_pages:
            pages[page.url_pathname] = page.page_script_hash
    elif kind == "new_session":  # sent as each run starts: the page it runs
        run.page_script_hash = message.new_session.page_script_hash
    elif kind == "page_info_changed":
        run.query_string = message.page_info_changed.query_string
    elif kind == "script_finished":
        run.finished = message.script_finished
        return message.script_finished in FINISHED
    return False


def summarise(samples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per step: runs, p50 and p95 seconds of the steps without error, and the errors."""
    steps: dict[str, dict[str, Any]] = {}
    for sample in samples:
        step = steps.setdefault(sample["step"], {"seconds": [], "errors": []})
        if sample.get("error"):
            step["errors"].append(sample["error"])
        else:
            step["seconds"].append(sample["seconds"])
    return {
        name: {
            "runs": len(step["seconds"]) + len(step["errors"]),
            "p50": percentile(step["seconds"], 0.5),
            "p95": percentile(step["seconds"], 0.95),
            "errors": step["errors"],
        }
        for name, step in steps.items()
    }


def verdicts(
    single: dict[str, dict[str, Any]], crowd: dict[str, dict[str, Any]], ratio: float = GOAL_RATIO
) -> dict[str, str]:
    """Per step: 'met' when everyone-at-once's p95 is within ``ratio`` x one user's and no run
    errs; 'MISSED' (with why) otherwise; 'not run' without both p95s."""
    out = {}
    for step, stats in crowd.items():
        alone = single.get(step, {}).get("p95")
        if stats["errors"]:
            out[step] = f"MISSED ({len(stats['errors'])} errors)"
        elif stats["p95"] is None or not alone:
            out[step] = "not run"
        else:
            out[step] = "met" if stats["p95"] <= ratio * alone else f"MISSED ({stats['p95'] / alone:.1f}x)"
    return out


def haproxy_config(listen_port: int, servers: list[int], cookie: str = "OVERSIGHT_SERVER") -> str:
    """HAProxy in front of app servers on 127.0.0.1: sticky by a cookie it sets on the first
    response (a browser sends it back on the websocket's upgrade request), websocket upgrade
    (HAProxy's HTTP mode passes it through; ``timeout tunnel`` keeps idle sessions open), and
    a server left out while its ``/_stcore/health`` fails."""
    lines = [
        "global",
        "    maxconn 1024",
        "defaults",
        "    mode http",
        "    option httplog",
        "    timeout connect 5s",
        "    timeout client 60s",
        "    timeout server 300s",
        "    timeout tunnel 1h",
        "frontend oversight",
        f"    bind 127.0.0.1:{listen_port}",
        "    default_backend apps",
        "backend apps",
        "    balance roundrobin",
        f"    cookie {cookie} insert indirect nocache httponly",
        "    option httpchk GET /_stcore/health",
    ]
    lines += [
        f"    server app{number} 127.0.0.1:{port} check cookie app{number}"
        for number, port in enumerate(servers, start=1)
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the client


class Session:
    """One person's browser tab, as far as the server can tell: a websocket speaking Streamlit."""

    def __init__(self, base: str, who: str) -> None:
        self.base = base  # http://127.0.0.1:PORT
        self.who = who
        self.pages: dict[str, str] = {}
        self.socket = None
        self.cookie = ""
        self.query_string = ""
        self.widgets: dict[str, Widget] = {}
        self.page_script_hash = ""  # the page on screen (a widget change reruns it)

    async def open(self, path: str, query_string: str) -> Run:
        import websockets

        # the page itself first, as a browser loads it (a proxy sets its sticky cookie here)
        def get() -> str:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only
            with opener.open(f"{self.base}/{path}", timeout=30) as response:
                return "; ".join(value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie") or [])

        self.cookie = self.cookie or await asyncio.to_thread(get)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        uri = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.socket = await websockets.connect(
            uri,
            subprotocols=["streamlit"],
            additional_headers=headers,
            max_size=None,
            open_timeout=60,
            ping_interval=None,
            proxy=None,
        )
        return await self.send(rerun_message(query_string, page_name=path))

    async def send(self, message: bytes) -> Run:
        run = Run()
        await self.socket.send(message)
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no end of run within {STEP_TIMEOUT_S:.0f} s")
            data = await asyncio.wait_for(self.socket.recv(), timeout=left)
            forward = ForwardMsg()
            forward.ParseFromString(data)
            if read_forward(forward, run, self.pages):
                break
        if run.query_string is not None:
            self.query_string = run.query_string
        self.widgets.update(run.widgets)
        self.page_script_hash = run.page_script_hash or self.page_script_hash
        return run

    async def switch(self, url_pathname: str, query_string: str | None = None) -> Run:
        page_hash = self.pages.get(url_pathname)
        if page_hash is None:
            raise LookupError(f"no page '{url_pathname}' in the menu")
        return await self.send(
            rerun_message(self.query_string if query_string is None else query_string, page_script_hash=page_hash)
        )

    async def choose(self, label: str, value: str) -> Run:
        widget = self.widgets.get(label)
        if widget is None:
            raise LookupError(f"no '{label}' control on the page")
        return await self.send(
            rerun_message(self.query_string, self.page_script_hash, widgets=[string_widget(widget.id, value)])
        )

    async def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()


def _check(run: Run, title: str) -> str:
    """Why the run does not count as the page drawn ('' when it does)."""
    if run.exceptions:
        return f"exception on the page: {run.exceptions[0]}"
    if run.errors:
        return f"error box: {run.errors[0]}"
    if not run.shows(title):
        return f"the page's title '{title}' was not sent"
    return ""


THINKING: contextvars.ContextVar[tuple[random.Random, float, float] | None] = contextvars.ContextVar(
    "thinking", default=None
)  # set per person in a crowd; alone, no pause


async def _step(samples: list, who: str, step: str, title: str, action, expect=None) -> Run | None:
    started = time.perf_counter()
    error, run = "", None
    try:
        run = await action()
        error = _check(run, title) or (expect(run) if expect else "")
    except Exception as failure:  # noqa: BLE001 - counted and reported, never raised
        error = f"{type(failure).__name__}: {str(failure)[:200]}"
    samples.append({"who": who, "step": step, "seconds": time.perf_counter() - started, "error": error})
    if (thinking := THINKING.get()) is not None and not error:  # reading the page before the next click
        rng, low, high = thinking
        await asyncio.sleep(rng.uniform(low, high))
    return run if not error else None


QUERY = f"as_of={AS_OF}"


def _pick_contract(session: Session) -> str:
    options = session.widgets.get("Contract").options if "Contract" in session.widgets else []
    chosen = [option for option in options if option != "All contracts"]
    number = int("".join(filter(str.isdigit, session.who)) or 0)  # the same choice on every run
    return chosen[number % len(chosen)] if chosen else "All contracts"


def board_view(run: Run) -> str:
    """A Board member's page has no local authority filter (aggregate only: docs/sign-in.md)."""
    return "the Board member's page offers a local authority filter" if "Local authority" in run.widgets else ""


async def board_journey(base: str, who: str, samples: list) -> None:
    session = Session(base, who)
    try:
        if not await _step(
            samples,
            who,
            "Board: open the Overview (new session)",
            "Improvement Oversight",
            lambda: session.open("", QUERY),
        ):
            return
        if not await _step(
            samples,
            who,
            "Board: Overview as a Board member",
            "Improvement Oversight",
            lambda: session.choose("View the dashboard as", "Board member"),
            board_view,
        ):
            return
        if not await _step(samples, who, "Board: KPIs", "KPIs", lambda: session.switch("kpis")):
            return
        contract = _pick_contract(session)

        def reached(run: Run) -> str:
            asked = urllib.parse.parse_qs(run.query_string or "").get("contract", [""])[0]
            return (
                "" if asked.lower() == contract.lower() else f"the contract filter did not reach the script ({asked!r})"
            )

        if not await _step(
            samples,
            who,
            "Board: KPIs, contract filter changed",
            "KPIs",
            lambda: session.choose("Contract", contract),
            reached,
        ):
            return
        await _step(samples, who, "Board: Finance", "Finance", lambda: session.switch("finance"))
    finally:
        await session.close()


async def case_lead_journey(base: str, who: str, samples: list) -> None:
    session = Session(base, who)
    try:
        if not await _step(
            samples,
            who,
            "Case lead: open the Overview (new session)",
            "Improvement Oversight",
            lambda: session.open("", QUERY),
        ):
            return
        if not await _step(
            samples,
            who,
            "Case lead: Overview as a case lead",
            "Improvement Oversight",
            lambda: session.choose("View the dashboard as", "Case lead"),
        ):
            return
        if not await _step(
            samples,
            who,
            "Case lead: Coverage of their region",
            "Coverage",
            lambda: session.switch("coverage", f"{QUERY}&region={CASE_LEAD_REGION}"),
        ):
            return
        await _step(
            samples,
            who,
            "Case lead: their LA's profile",
            "LA profile",
            lambda: session.switch("la_profile", f"{QUERY}&region={CASE_LEAD_REGION}&la={CASE_LEAD_LA}"),
        )
    finally:
        await session.close()


JOURNEYS = {"board": board_journey, "case_lead": case_lead_journey}


async def crowd(
    bases: list[str], sessions: int, samples: list, ramp_s: float = RAMP_S, think_s: tuple[float, float] = THINK_S
) -> None:
    """``sessions`` people at once (half Board, half case leads), arriving over ``ramp_s`` and
    reading each page for ``think_s`` seconds (``(0, 0)``: clicking on at once, a stress test);
    the i-th goes to ``bases[i % len(bases)]``."""

    async def one(number: int) -> None:
        THINKING.set((random.Random(number), *think_s) if think_s[1] > 0 else None)
        await asyncio.sleep(ramp_s * number / max(sessions, 1))
        journey = board_journey if number % 2 == 0 else case_lead_journey
        try:
            await asyncio.wait_for(
                journey(bases[number % len(bases)], f"user{number:02d}", samples), timeout=SESSION_LIMIT_S
            )
        except TimeoutError:
            samples.append(
                {
                    "who": f"user{number:02d}",
                    "step": "journey",
                    "seconds": SESSION_LIMIT_S,
                    "error": f"journey over {SESSION_LIMIT_S:.0f} s",
                }
            )

    await asyncio.gather(*(one(number) for number in range(sessions)))


# ------------------------------------------------------------------- the database


def prepare_database(url: str) -> None:
    """The demo data, loaded as docs/deployment.md says (``python -m data_access demo --db URL``),
    and the contract the manager's return belongs to (registered, no rows)."""
    from bench.generate import register_contract
    from data_access.db import make_engine

    subprocess.run(
        [sys.executable, "-m", "data_access", "demo", "--db", url],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=900,
    )
    engine = make_engine(url)
    register_contract(engine)
    engine.dispose()


def libpq_url(url: str) -> str:
    """The database URL as PostgreSQL's own tools take it (no SQLAlchemy driver name)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup_and_restore(url: str, restore_url: str) -> str:
    """docs/deployment.md's backup and restore, run: ``pg_dump`` in PostgreSQL's custom format,
    ``pg_restore --list``, ``pg_restore`` into an empty database; the data version and the
    number of engagements must be the same in the copy."""
    from sqlalchemy import text

    from data_access.db import make_engine

    folder = Path(tempfile.mkdtemp(prefix="oversight-backup-"))
    dump = folder / "oversight.dump"
    try:
        started = time.perf_counter()
        subprocess.run(
            ["pg_dump", "--format=custom", f"--file={dump}", libpq_url(url)],
            check=True,
            capture_output=True,
            timeout=600,
        )
        dumped_s = time.perf_counter() - started
        listed = subprocess.run(
            ["pg_restore", "--list", str(dump)], check=True, capture_output=True, text=True, timeout=120
        ).stdout
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={libpq_url(restore_url)}", str(dump)],
            check=True,
            capture_output=True,
            timeout=600,
        )
        counts = []
        for each in (url, restore_url):
            engine = make_engine(each)
            with engine.connect() as connection:
                counts.append(
                    (
                        connection.execute(text("SELECT count(*) FROM engagements")).scalar_one()
                        if "engagements" in listed
                        else None,
                        _data_version(engine),
                    )
                )
            engine.dispose()
        same = counts[0] == counts[1]
        return (
            f"pg_dump {dump.stat().st_size / 1048576:.1f} MB in {dumped_s:.1f} s, "
            f"{sum(1 for line in listed.splitlines() if ' TABLE DATA ' in line)} tables; restored copy "
            f"{'matches' if same else 'DIFFERS'} (rows, data version: {counts[0]} vs {counts[1]})"
        )
    except (subprocess.CalledProcessError, OSError) as failure:
        stderr = getattr(failure, "stderr", b"") or b""
        return f"backup FAILED: {failure}; {stderr.decode(errors='replace')[-300:] if isinstance(stderr, bytes) else stderr}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _data_version(engine) -> int:
    from data_access.queries import current_data_version

    return current_data_version(engine)


def return_workbook() -> tuple[str, bytes]:
    from bench.generate import write_return_workbook

    path = Path(tempfile.mkdtemp(prefix="oversight-load-")) / "quarterly_return.xlsx"
    write_return_workbook(path, RETURN_ROWS_SCALE)
    return path.name, path.read_bytes()


def import_in_background(url: str, workbook: tuple[str, bytes], delay_s: float, outcome: dict) -> threading.Thread:
    """The contract manager: ``import_file`` on the same database after ``delay_s``."""

    def work() -> None:
        from data_access.db import make_engine
        from data_access.services import import_file

        time.sleep(delay_s)
        engine = make_engine(url)
        started = time.perf_counter()
        try:
            result = import_file(engine, workbook[0], workbook[1], "load-test contract manager")
            outcome["ok"] = result.plan.ok
            outcome["note"] = (
                f"{result.plan.totals()['inserted']:,} rows inserted"
                if result.plan.ok
                else f"rejected: {result.plan.errors[:1]}"
            )
        except Exception as failure:  # noqa: BLE001 - reported
            outcome["ok"], outcome["note"] = False, f"{type(failure).__name__}: {failure}"
        outcome["seconds"] = time.perf_counter() - started
        engine.dispose()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------- servers


@contextlib.contextmanager
def haproxy(servers: list[int]):
    """HAProxy on a free port in front of ``servers``, its config in a temp folder; yields the port."""
    from bench.run import _free_port, _wait_healthy

    binary = shutil.which("haproxy")
    if binary is None:
        raise FileNotFoundError("haproxy is not installed (scripts/install-bench-deps.sh)")
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="oversight-proxy-"))
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(port, servers))
    subprocess.run([binary, "-c", "-q", "-f", str(config)], check=True, timeout=30)
    proxy = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(port)
        yield port
    finally:
        proxy.terminate()
        try:
            proxy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proxy.kill()
        shutil.rmtree(folder, ignore_errors=True)


def health_check(base: str) -> str:
    """docs/deployment.md's health check, run: ``curl -fsS BASE/_stcore/health`` (through the proxy)."""
    if shutil.which("curl") is None:
        return "curl not installed; not checked"
    done = subprocess.run(["curl", "-fsS", f"{base}/_stcore/health"], capture_output=True, text=True, timeout=30)
    return f"curl -fsS .../_stcore/health: exit {done.returncode}, {done.stdout.strip() or done.stderr.strip()}"


def _peak_mb(pids: list[int]) -> list[float | None]:
    from bench.run import _status_kb

    return [(kb / 1024 if (kb := _status_kb(pid, "VmHWM")) else None) for pid in pids]


async def single_user(base: str, runs: int) -> list[dict]:
    """One person at a time: each journey ``runs`` times, one after the other (caches warm)."""
    samples: list[dict] = []
    for number in range(runs):
        await board_journey(base, f"alone{number}", samples)
        await case_lead_journey(base, f"alone{number}", samples)
    return samples


def server_of(cookie: str, name: str = "OVERSIGHT_SERVER") -> str:
    """Which app server a proxy's sticky cookie pins a session to ('' without one)."""
    for part in cookie.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


SECOND_CONTRACT = "bench_c02"  # bench.generate's contracts: registered during the check, not before


async def cross_server_check(proxy_base: str, url: str) -> str:
    """Two sessions pinned to different servers. A contract is registered straight into the
    database (no import, so the data version stays): a rerun on the second server must not show
    it yet (its caches hold the data of this version). Its return is then imported as on the
    first server: one rerun of the second must show it (the caches follow the data version)."""
    from bench.generate import register_contract, write_return_workbook
    from data_access.db import make_engine

    first, second = Session(proxy_base, "first"), Session(proxy_base, "second")
    try:
        await first.open("kpis", QUERY)
        for _ in range(6):  # round robin: at most 6 tries to land on the other server
            second = Session(proxy_base, "second")
            await second.open("kpis", QUERY)
            if server_of(second.cookie) != server_of(first.cookie):
                break
            await second.close()
        if server_of(first.cookie) in ("", server_of(second.cookie)):
            return f"not checked: the sessions did not land on two servers ({first.cookie!r}, {second.cookie!r})"
        engine = make_engine(url)
        await asyncio.to_thread(register_contract, engine, SECOND_CONTRACT)
        engine.dispose()
        run = await second.send(rerun_message(second.query_string, second.page_script_hash))
        before = any(SECOND_CONTRACT in option for option in run.widgets["Contract"].options)
        path = Path(tempfile.mkdtemp(prefix="oversight-load-")) / "second_return.xlsx"
        await asyncio.to_thread(write_return_workbook, path, RETURN_ROWS_SCALE, contract=SECOND_CONTRACT)
        outcome: dict = {}
        await asyncio.to_thread(lambda: import_in_background(url, (path.name, path.read_bytes()), 0, outcome).join(300))
        run = await second.send(rerun_message(second.query_string, second.page_script_hash))
        after = any(SECOND_CONTRACT in option for option in run.widgets["Contract"].options)
        return (
            f"{SECOND_CONTRACT} registered without an import: {'shown (caches do not hold)' if before else 'not shown'} "
            f"on {server_of(second.cookie)}; its return imported ({outcome.get('note')}) beside a session on "
            f"{server_of(first.cookie)}: after one rerun {server_of(second.cookie)} "
            f"{'SHOWS' if after else 'does NOT show'} it in the Contract filter"
        )
    finally:
        await first.close()
        await second.close()


def measure(
    url: str,
    sessions: int,
    single_runs: int = 3,
    two_servers: bool = False,
    import_delay_s: float = 20.0,
    ramp_s: float = RAMP_S,
    think_s: tuple[float, float] = THINK_S,
) -> dict[str, Any]:
    """Everything the ``load`` section reports, as a dict (see the module's docstring)."""
    from bench.run import _app_server

    workbook = return_workbook()
    result: dict[str, Any] = {"sessions": sessions, "ramp_s": ramp_s, "think_s": think_s}
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(_app_server(url)) for _ in range(2 if two_servers else 1)]
        ports, pids = [port for port, _ in servers], [pid for _, pid in servers]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        if two_servers:
            bases = [f"http://127.0.0.1:{stack.enter_context(haproxy(ports))}"]
            result["health"] = health_check(bases[0])
        # warm every server's caches as the first user of the day would, untimed
        for _ in range(len(ports)):
            asyncio.run(single_user(bases[0], 1))
        result["single"] = summarise(asyncio.run(single_user(bases[0], single_runs)))
        outcome: dict = {}
        samples: list[dict] = []
        importer = import_in_background(url, workbook, import_delay_s, outcome)
        started = time.perf_counter()
        asyncio.run(crowd(bases, sessions, samples, ramp_s, think_s))
        result["crowd_s"] = time.perf_counter() - started
        importer.join(300)
        result["import"] = outcome
        result["crowd"] = summarise(samples)
        result["verdicts"] = verdicts(result["single"], result["crowd"])
        result["peak_mb"] = _peak_mb(pids)
        if two_servers:
            result["cross_server"] = asyncio.run(cross_server_check(bases[0], url))
    return result


def main(argv: list[str] | None = None) -> int:
    from bench.run import fresh_postgres_database, postgres_base_url

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--single-runs", type=int, default=3)
    parser.add_argument(
        "--db",
        default="",
        help="a database URL to use as it is (default: a fresh PostgreSQL database oversight_load with the demo data)",
    )
    parser.add_argument("--two-servers", action="store_true")
    parser.add_argument("--ramp", type=float, default=RAMP_S, help="seconds over which the sessions arrive")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=THINK_S,
        metavar=("LOW", "HIGH"),
        help="seconds each person reads a page before the next click (0 0: a stress test)",
    )
    args = parser.parse_args(argv)
    url = args.db
    if not url:
        base = postgres_base_url()
        if base is None:
            print("Set DASHBOARD_BENCH_POSTGRES_URL or DASHBOARD_TEST_POSTGRES_URL, or pass --db.", file=sys.stderr)
            return 2
        url = fresh_postgres_database(base, "oversight_load")
        prepare_database(url)
    os.chdir(ROOT)
    print(
        json.dumps(
            measure(
                url, args.sessions, args.single_runs, args.two_servers, ramp_s=args.ramp, think_s=tuple(args.think)
            ),
            indent=1,
            default=str,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
