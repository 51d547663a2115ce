"""The cycle collector is paused around bulk work and always given back as it was."""

from __future__ import annotations

import gc
import threading

import pytest

from data_access import collector, queries
from data_access.services import import_file


@pytest.fixture(autouse=True)
def collector_enabled():
    gc.enable()
    yield
    gc.enable()


def test_paused_while_the_block_runs_and_back_after_an_error():
    def failing_work():
        with collector.paused():
            assert not gc.isenabled()
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError, match="the work failed"):
        failing_work()
    assert gc.isenabled()


def test_back_only_when_the_last_of_several_threads_ends():
    first_in, first_may_end = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first():
        with collector.paused():
            first_in.set()
            first_may_end.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with collector.paused():
        pass
    seen.append(gc.isenabled())  # the first thread's block still runs
    first_may_end.set()
    thread.join(10)
    assert seen == [False] and gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_an_import_gives_the_collector_back_rejected_or_not(engine):
    outcome = import_file(engine, "return.xlsx", b"not a workbook", "cm@example.gov.uk")
    assert not outcome.plan.ok and gc.isenabled()


def test_a_load_sets_what_it_built_aside(engine):
    """No collection walks the records just built (``collector.set_aside_as_built``); the app's
    ``set_aside_from_collector`` after the load takes them back and collects as before."""
    gc.unfreeze()
    data = queries.load(engine)
    assert gc.isenabled() and gc.get_freeze_count() > 0 and gc.get_count()[0] < 100
    collector.set_aside_from_collector()
    assert data.las and gc.get_freeze_count() > 0
    gc.unfreeze()


def test_a_page_works_its_figures_out_with_the_collector_paused_and_gives_it_back():
    """``ui.cache.built``: no cycle collection while a page's figures are worked out; the
    collector is back afterwards, and after a build that fails."""
    from ui.cache import _build

    seen = []

    def build(portfolio, inputs):
        seen.append(gc.isenabled())
        if inputs == "fail":
            raise ValueError(inputs)
        return inputs

    assert _build(build, None, "ok", "build", None, ()) == "ok"
    with pytest.raises(ValueError):
        _build(build, None, "fail", "build", None, ())
    assert seen and not any(seen) and gc.isenabled()
