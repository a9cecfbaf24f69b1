"""The guard against the binding's lost references to None/True/False."""

from __future__ import annotations

import gc
import sys

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
