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
the GUI runs, automatic collection is off and a timer collects on the GUI thread instead,
keeping the long full collections for moments when the user is not working.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

#: Added to each singleton's reference count: about 10^12 calls' worth.
PIN = 1 << 40

_protected = False

#: Events that show the user is at the keyboard or mouse (see MainThreadGarbageCollector).
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
    }
)


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
    """Collects garbage on the GUI thread, at the pace automatic collection would.

    A full (generation 2) collection walks every tracked object: with boto3's service models
    loaded that is 100,000+ objects and 50-130 ms during which the window cannot repaint.
    Two measures keep that out of the user's way (``bench/bench_gui_stall.py``):

    - :meth:`start` collects once and freezes what survives: the modules, widgets and caches
      built at start-up are never walked again.
    - A due full or middle (generation 1) collection waits until the app is idle (no worker
      running, as ``busy`` reports, and no keyboard or mouse input for ``idle_after_s``), at
      most ``max_defer_s``. Generation 1 holds everything that survived the recent young
      collections (a freshly loaded service model is 60-100 ms to walk). The youngest
      generation is still collected on schedule, so short-lived cycles go at once.
    """

    def __init__(
        self,
        interval_ms: int = 1000,
        parent: QObject | None = None,
        *,
        busy: Callable[[], bool] | None = None,
        idle_after_s: float = 2.0,
        max_defer_s: float = 300.0,
    ) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_if_due)
        self._was_enabled = gc.isenabled()
        self.busy: Callable[[], bool] = busy or (lambda: False)
        self.idle_after_s = idle_after_s
        self.max_defer_s = max_defer_s
        self._last_activity = time.monotonic()
        self._last_full = time.monotonic()
        self._last_middle = time.monotonic()
        self._watching: QCoreApplication | None = None
        #: Full and middle (generation 1) collections run so far, for tests and the benchmark.
        self.full_collections = 0
        self.middle_collections = 0

    def start(self) -> None:
        """Switch automatic collection off, freeze the start-up heap, collect from the timer."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        gc.collect()
        gc.freeze()
        self._last_full = self._last_middle = self._last_activity = time.monotonic()
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            self._watching = app
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._watching is not None:
            self._watching.removeEventFilter(self)
            self._watching = None
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self._last_activity = time.monotonic()
        return False

    def idle(self) -> bool:
        """No worker running and no input for ``idle_after_s`` seconds."""
        now = time.monotonic()
        if self.busy():
            self._last_activity = now
        return now - self._last_activity >= self.idle_after_s

    def collect_if_due(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        if counts[0] <= self._threshold[0]:
            return
        generation = 0
        if counts[1] > self._threshold[1] and self._allowed(self._last_middle):
            generation = 1
            if counts[2] > self._threshold[2] and self._allowed(self._last_full):
                generation = 2
        gc.collect(generation)
        now = time.monotonic()
        if generation >= 1:
            self.middle_collections += 1
            self._last_middle = now
        if generation == 2:
            self.full_collections += 1
            self._last_full = now

    def _allowed(self, last: float) -> bool:
        """An older generation may be walked now: idle, or deferred long enough."""
        return self.idle() or time.monotonic() - last >= self.max_defer_s
