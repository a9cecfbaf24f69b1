"""Guards against two hazards of Python + Qt, kept in one place.

1. Reference counts of singletons (:func:`protect_singletons`).

PySide6 6.12 returns ``None`` from void functions (``painter.setPen(...)``,
``obj.setObjectName(...)``, ...) and ``True`` from ``SignalInstance.emit()`` without taking a
reference to them. On Python 3.12+ these singletons are immortal (PEP 683), so nothing
happens. On Python 3.11 every such call costs the singleton one reference, and after some
minutes of painting the interpreter aborts ("none_dealloc: deallocating None").

:func:`protect_singletons` probes for the defect and, only when it is present on an
interpreter without immortal objects, gives ``None``, ``True`` and ``False`` a reference
count too large to ever be used up — what Python 3.12 does for them by design. It runs when
:mod:`dtwin_gui.ui` is imported, before any widget exists.

2. Garbage collection on worker threads (:class:`MainThreadGarbageCollector`). Python's cyclic
collector runs in whichever thread happens to allocate. When a worker thread collects a cycle
that holds Qt objects, those are destroyed off the GUI thread and the process can crash. While
the GUI runs, automatic collection is off and a timer collects on the GUI thread instead.
"""

from __future__ import annotations

import ctypes
import gc
import sys

from PySide6.QtCore import QObject, QTimer, Signal

#: Added to each singleton's reference count: about 10^12 calls' worth.
PIN = 1 << 40

_protected = False


class _Probe(QObject):
    ping = Signal()


def binding_drops_references() -> bool:
    """Whether void calls or signal emits lose references to ``None``/``True``."""
    probe = _Probe()
    none_before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    true_before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(None) < none_before or sys.getrefcount(True) < true_before


def protect_singletons() -> bool:
    """Pin ``None``, ``True`` and ``False`` when needed; True when the pin was applied."""
    global _protected
    if _protected or sys.version_info >= (3, 12) or not binding_drops_references():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in a release build of CPython.
        ctypes.c_ssize_t.from_address(id(singleton)).value += PIN
    _protected = True
    return True


class MainThreadGarbageCollector(QObject):
    """Collects garbage on the GUI thread, at the pace automatic collection would."""

    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_if_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        """Switch automatic collection off and collect from the timer instead."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def collect_if_due(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        if counts[0] <= self._threshold[0]:
            return
        generation = 0
        if counts[1] > self._threshold[1]:
            generation = 2 if counts[2] > self._threshold[2] else 1
        gc.collect(generation)
