"""The guard against the binding's lost references to None/True/False."""

from __future__ import annotations

import gc
import sys
import time

import pytest
from PySide6.QtCore import QObject, Signal

import dtwin_gui.ui  # noqa: F401  (importing the package applies the guard)
from dtwin_gui.ui.pyside_fixes import (
    PIN,
    MainThreadGarbageCollector,
    binding_drops_references,
    protect_singletons,
)

pytestmark = pytest.mark.gui


class _Emitter(QObject):
    ping = Signal()


def test_many_void_calls_and_emits_do_not_exhaust_the_singletons():
    # Without the guard on an affected interpreter this aborts the test process.
    emitter = _Emitter()
    for _ in range(60_000):
        emitter.setObjectName("busy")
        emitter.ping.emit()
    if sys.version_info < (3, 12) and binding_drops_references():
        assert sys.getrefcount(None) > PIN // 2
        assert sys.getrefcount(True) > PIN // 2


def test_guard_is_applied_once():
    assert protect_singletons() is False


def test_garbage_is_collected_on_the_gui_thread(qtbot):
    collector = MainThreadGarbageCollector(interval_ms=10)
    collector.start()
    try:
        assert not gc.isenabled()

        class Node:
            pass

        before = gc.get_count()[0]
        for _ in range(5000):
            a, b = Node(), Node()
            a.other, b.other = b, a
        assert gc.get_count()[0] > before
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=3000)
    finally:
        collector.stop()
    assert not gc.isenabled()  # the conftest keeps it off during GUI tests


def _churn(collector: MainThreadGarbageCollector, rounds: int) -> None:
    """Allocate cycles and let the collector decide, ``rounds`` times."""
    for _ in range(rounds):
        junk = [[] for _ in range(20)]
        for item in junk:
            item.append(junk)
        del junk
        collector.collect_if_due()


@pytest.fixture
def small_thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(5, 2, 2)
    yield
    gc.set_threshold(*saved)


def test_the_start_up_heap_is_frozen_until_stop(qapp):
    collector = MainThreadGarbageCollector(interval_ms=10)
    collector.start()
    try:
        assert gc.get_freeze_count() > 10_000  # Qt, the test session, the modules
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0


def test_full_collections_wait_while_a_worker_runs(qapp, small_thresholds):
    state = {"busy": True}
    collector = MainThreadGarbageCollector(
        interval_ms=10_000, busy=lambda: state["busy"], idle_after_s=0.05
    )
    collector.start()
    try:
        _churn(collector, 400)
        # Only the youngest generation while busy: what survived it waits in generation 1.
        assert collector.full_collections == collector.middle_collections == 0
        assert gc.get_count()[1] > 2
        state["busy"] = False
        time.sleep(0.06)
        _churn(collector, 400)
        assert collector.middle_collections >= 1 and collector.full_collections >= 1
    finally:
        collector.stop()


def test_input_postpones_a_full_collection(qapp, small_thresholds):
    collector = MainThreadGarbageCollector(interval_ms=10_000, idle_after_s=60)
    collector.start()
    try:
        _churn(collector, 400)
        assert collector.full_collections == 0  # the user typed within the last minute
    finally:
        collector.stop()


def test_a_full_collection_is_deferred_at_most_max_defer(qapp, small_thresholds):
    collector = MainThreadGarbageCollector(interval_ms=10_000, busy=lambda: True, max_defer_s=0.0)
    collector.start()
    try:
        _churn(collector, 400)
        assert collector.full_collections >= 1
    finally:
        collector.stop()
