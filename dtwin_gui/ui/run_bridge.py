"""Run a long engine operation on a worker and deliver its events to the GUI, throttled.

The engine calls its sink from the worker thread; the sink only appends to a deque. A timer
on the GUI thread drains the deque every ``interval_ms`` and emits one ``events`` signal per
batch, so a chatty Terraform apply cannot flood the event loop. Every event is also kept in
``history`` so a view opened late can replay the whole run.
"""

from __future__ import annotations

import collections
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from dtwin_gui.core.run_events import Event, Sink
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

DEFAULT_INTERVAL_MS = 80


class RunBridge(QObject):
    """One operation at a time: ``start(fn)`` runs ``fn(sink)`` on a worker thread."""

    started = Signal()
    events = Signal(list)  # a batch of Event, in order
    finished = Signal(object)  # whatever fn returned (e.g. a RunResult)
    failed = Signal(object)  # TaskFailure: fn raised
    idle = Signal()  # after finished or failed, once the last batch is out

    def __init__(
        self,
        runner: TaskRunner,
        *,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._queue: collections.deque[Event] = collections.deque()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self.history: list[Event] = []
        self.running = False
        self.name = ""

    @property
    def sink(self) -> Sink:
        """Thread-safe sink for engine events (deque.append is atomic)."""
        return self._queue.append

    def start(self, fn: Callable[[Sink], object], *, name: str = "run") -> None:
        """Run ``fn(sink)`` on a worker. Raises RuntimeError if a run is in progress."""
        if self.running:
            raise RuntimeError(f"{self.name} is still running")
        self.running = True
        self.name = name
        self.history = []
        self._queue.clear()
        self._timer.start()
        self.started.emit()
        sink = self.sink
        self._runner.start(
            lambda: fn(sink),
            name=name,
            on_result=self._on_result,
            on_error=self._on_error,
        )

    def flush(self) -> None:
        """Emit what the worker has reported since the last flush (GUI thread)."""
        batch: list[Event] = []
        while self._queue:
            batch.append(self._queue.popleft())
        if batch:
            self.history.extend(batch)
            self.events.emit(batch)

    def _end(self) -> None:
        self.flush()
        self._timer.stop()
        self.running = False

    def _on_result(self, value: object) -> None:
        self._end()
        self.finished.emit(value)
        self.idle.emit()

    def _on_error(self, failure: TaskFailure) -> None:
        self._end()
        self.failed.emit(failure)
        self.idle.emit()
