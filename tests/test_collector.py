"""The cycle collector is paused around bulk work and always given back as it was."""

from __future__ import annotations

import gc
import threading

import pytest

from data_access import collector
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
