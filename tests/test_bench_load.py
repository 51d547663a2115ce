"""The load test's helpers (bench/load.py): Streamlit's protocol messages, what a run sent,
per-step percentiles and verdicts, the proxy's config. Nothing here is timed."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import load


def test_a_page_opened_is_a_rerun_with_its_address_and_query():
    message = BackMsg.FromString(load.rerun_message("as_of=2024-03-15", page_name="kpis"))
    assert message.WhichOneof("type") == "rerun_script"
    assert (message.rerun_script.query_string, message.rerun_script.page_name) == ("as_of=2024-03-15", "kpis")
    assert not message.rerun_script.widget_states.widgets


def test_a_widget_change_reruns_the_page_on_screen_with_the_new_value():
    widget = load.string_widget("$$ID-abc-filter_contract", "Con_10575")
    message = BackMsg.FromString(load.rerun_message("as_of=2024-03-15", "hash-of-kpis", widgets=[widget]))
    state = message.rerun_script
    assert state.page_script_hash == "hash-of-kpis"
    assert [(w.id, w.WhichOneof("value"), w.string_value) for w in state.widget_states.widgets] == [
        ("$$ID-abc-filter_contract", "string_value", "Con_10575")
    ]


def _element(kind: str, sidebar: bool = False, **fields) -> ForwardMsg:
    message = ForwardMsg()
    message.metadata.delta_path.extend([1 if sidebar else 0, 3])
    inner = getattr(message.delta.new_element, kind)
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(inner, name).extend(value)
        else:
            setattr(inner, name, value)
    return message


def _finished(status: int) -> ForwardMsg:
    message = ForwardMsg()
    message.script_finished = status
    return message


def _read(*messages: ForwardMsg) -> tuple[load.Run, dict[str, str], list[bool]]:
    run, pages = load.Run(), {}
    ends = [load.read_forward(message, run, pages) for message in messages]
    return run, pages, ends


def test_a_run_notes_texts_widgets_errors_and_pages():
    navigation = ForwardMsg()
    page = navigation.navigation.app_pages.add()
    page.url_pathname, page.page_script_hash = "kpis", "h-kpis"
    query = ForwardMsg()
    query.page_info_changed.query_string = "as_of=2024-03-15&contract=Con_10575"
    started = ForwardMsg()
    started.new_session.page_script_hash = "h-kpis"
    run, pages, ends = _read(
        started,
        navigation,
        query,
        _element("heading", body="KPIs: leaders more confident after support"),
        _element("selectbox", sidebar=True, id="side", label="Contract", options=["All contracts", "Con_10575"]),
        _element("selectbox", id="main", label="Contract", options=["Con_10575"]),  # the page's own, later
        _element("alert", body="The database cannot be opened.", format=1),  # Alert.ERROR
        _element("exception", type="KeyError", message="'contract'"),
        _finished(ForwardMsg.FINISHED_SUCCESSFULLY),
    )
    assert ends == [False] * 8 + [True]
    assert pages == {"kpis": "h-kpis"} and run.page_script_hash == "h-kpis"
    assert run.query_string == "as_of=2024-03-15&contract=Con_10575"
    assert run.shows("KPIs") and not run.shows("Finance")
    assert run.widgets["Contract"].id == "side"  # the sidebar's filter, not the page's own control
    assert run.errors == ["The database cannot be opened."]
    assert run.exceptions == ["KeyError: 'contract'"]


@pytest.mark.parametrize(
    ("status", "ends"),
    [
        (ForwardMsg.FINISHED_SUCCESSFULLY, True),
        (ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY, True),
        (ForwardMsg.FINISHED_EARLY_FOR_RERUN, False),  # st.rerun: the run that follows is the page
        (ForwardMsg.FINISHED_WITH_COMPILE_ERROR, False),
    ],
)
def test_only_a_finished_run_ends_a_step(status, ends):
    assert _read(_finished(status))[2] == [ends]


@pytest.mark.parametrize(
    ("run", "why"),
    [
        (load.Run(texts=["Finance"]), ""),
        (load.Run(texts=["Overview"]), "the page's title 'Finance' was not sent"),
        (load.Run(texts=["Finance"], exceptions=["KeyError: 'x'"]), "exception on the page: KeyError: 'x'"),
        (load.Run(texts=["Finance"], errors=["No data."]), "error box: No data."),
    ],
)
def test_a_step_counts_only_when_the_page_was_drawn(run, why):
    assert load._check(run, "Finance") == why


def test_percentiles_per_step_leave_errors_out_and_count_them():
    samples = [{"step": "KPIs", "seconds": seconds, "error": ""} for seconds in (1.0, 2.0, 3.0, 4.0)]
    samples.append({"step": "KPIs", "seconds": 99.0, "error": "TimeoutError"})
    samples.append({"step": "Finance", "seconds": 5.0, "error": ""})
    summary = load.summarise(samples)
    assert summary["KPIs"] == {"runs": 5, "p50": 2.0, "p95": 4.0, "errors": ["TimeoutError"]}
    assert summary["Finance"]["p95"] == 5.0


@pytest.mark.parametrize(
    ("alone", "crowd", "verdict"),
    [
        ({"p95": 1.0}, {"p95": 2.0, "errors": []}, "met"),
        ({"p95": 1.0}, {"p95": 2.5, "errors": []}, "MISSED (2.5x)"),
        ({"p95": 1.0}, {"p95": 1.0, "errors": ["x", "y"]}, "MISSED (2 errors)"),
        ({}, {"p95": 1.0, "errors": []}, "not run"),
    ],
)
def test_verdicts_p95_within_twice_one_user_and_no_error(alone, crowd, verdict):
    assert load.verdicts({"step": alone}, {"step": crowd}) == {"step": verdict}


def test_the_proxy_config_is_sticky_by_cookie_checks_health_and_keeps_websockets_open():
    config = load.haproxy_config(8000, [8501, 8502])
    assert "bind 127.0.0.1:8000" in config
    assert "cookie OVERSIGHT_SERVER insert indirect nocache httponly" in config
    assert "option httpchk GET /_stcore/health" in config
    assert "timeout tunnel 1h" in config
    assert "server app1 127.0.0.1:8501 check cookie app1" in config
    assert "server app2 127.0.0.1:8502 check cookie app2" in config


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed (scripts/install-bench-deps.sh)")
def test_haproxy_accepts_the_config(tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(load.haproxy_config(8000, [8501, 8502]))
    checked = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("cookie", "server"),
    [
        ("OVERSIGHT_SERVER=app2; _streamlit_xsrf=abc", "app2"),
        ("_streamlit_xsrf=abc", ""),
        ("", ""),
    ],
)
def test_which_server_a_sticky_cookie_names(cookie, server):
    assert load.server_of(cookie) == server


@pytest.mark.slow
def test_three_websocket_sessions_all_render_the_overview(demo_sqlite_url):
    """Against a real ``streamlit run app.py``: three sessions at once each get the Overview drawn
    (its title, no exception) and a change of the contract filter reaches the script."""
    from bench.run import _app_server

    async def three(base: str) -> list[dict]:
        samples: list[dict] = []

        async def one(number: int) -> None:
            session = load.Session(base, f"user{number}")
            try:
                run = await load._step(
                    samples, session.who, "open", "Improvement Oversight", lambda: session.open("", load.QUERY)
                )
                if run is not None and number == 0:
                    await load._step(
                        samples,
                        session.who,
                        "filter",
                        "Improvement Oversight",
                        lambda: session.choose("Contract", session.widgets["Contract"].options[1]),
                        lambda changed: "" if "contract=" in (changed.query_string or "") else "not set",
                    )
            finally:
                await session.close()

        await asyncio.gather(*(one(number) for number in range(3)))
        return samples

    # in a thread of its own: a test process that ran Playwright's browser tests before this one
    # may still have an event loop running in this thread, where asyncio.run() refuses to start
    with _app_server(demo_sqlite_url) as (port, _pid), ThreadPoolExecutor(1) as pool:
        samples = pool.submit(asyncio.run, three(f"http://127.0.0.1:{port}")).result(timeout=300)
    assert [(sample["step"], sample["error"]) for sample in sorted(samples, key=lambda s: s["step"])] == [
        ("filter", ""),
        ("open", ""),
        ("open", ""),
        ("open", ""),
    ]


@pytest.mark.parametrize(
    ("labels", "why"),
    [
        (["View the dashboard as", "Contract", "Financial year", "Region"], ""),
        (["Contract", "Local authority"], "the Board member's page offers a local authority filter"),
    ],
)
def test_the_board_step_counts_only_when_the_page_is_the_board_view(labels, why):
    run = load.Run(widgets={label: load.Widget(f"id-{label}", label, []) for label in labels})
    assert load.board_view(run) == why
