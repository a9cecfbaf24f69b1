"""Run engine work off the GUI thread.

A :class:`Worker` (a QObject) is moved to its own QThread and calls one function there. Its
signals reach a :class:`Task` living in the GUI thread, which relays them, so every callback
runs on the GUI thread. A :class:`TaskRunner` owns the running tasks and quits and waits for
their threads on :meth:`TaskRunner.shutdown`, so no thread outlives the window.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskFailure:
    """An exception raised by a task, with its formatted traceback for the log."""

    exception: Exception
    traceback: str

    @property
    def message(self) -> str:
        return str(self.exception) or type(self.exception).__name__


class Worker(QObject):
    """Calls ``fn`` once, on the thread it lives on, and reports through signals."""

    result = Signal(object)
    error = Signal(object)
    finished = Signal()

    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__()
        self._fn = fn

    @Slot()
    def run(self) -> None:
        try:
            value = self._fn()
        except Exception as exc:  # reported to the GUI thread, never swallowed
            self.error.emit(TaskFailure(exc, traceback.format_exc()))
        else:
            self.result.emit(value)
        finally:
            self.finished.emit()


class Task(QObject):
    """One function running on its own thread. Signals are emitted on the GUI thread."""

    result = Signal(object)
    error = Signal(object)
    finished = Signal()

    def __init__(
        self,
        fn: Callable[[], object],
        name: str,
        on_done: Callable[[Task], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.discarded = False
        self._on_done = on_done
        self.qthread = QThread()
        self.qthread.setObjectName(f"dtwin-{name}")
        self.worker = Worker(fn)
        self.worker.moveToThread(self.qthread)
        self.qthread.started.connect(self.worker.run)
        self.worker.result.connect(self._relay_result)
        self.worker.error.connect(self._relay_error)
        self.worker.finished.connect(self.qthread.quit)
        self.qthread.finished.connect(self._on_thread_finished)

    def start(self) -> None:
        self.qthread.start()

    def discard(self) -> None:
        """Stop relaying: the caller no longer wants this task's outcome."""
        self.discarded = True

    @Slot(object)
    def _relay_result(self, value: object) -> None:
        if not self.discarded:
            self.result.emit(value)

    @Slot(object)
    def _relay_error(self, failure: TaskFailure) -> None:
        log.error("task %s failed:\n%s", self.name, failure.traceback)
        if not self.discarded:
            self.error.emit(failure)

    @Slot()
    def _on_thread_finished(self) -> None:
        # Queued from the worker thread, so this runs on the GUI thread. ``finished`` is
        # emitted just before the thread really ends; wait for that (it is a matter of
        # microseconds) so the QThread is never destroyed while still running.
        self.qthread.wait()
        self._on_done(self)
        if not self.discarded:
            self.finished.emit()


class TaskRunner(QObject):
    """Starts tasks and keeps them alive until their thread has finished."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: list[Task] = []
        self._closed = False

    @property
    def active(self) -> int:
        """How many tasks still have a running thread."""
        return len(self._tasks)

    def start(
        self,
        fn: Callable[[], object],
        *,
        name: str = "task",
        on_result: Callable[[object], None] | None = None,
        on_error: Callable[[TaskFailure], None] | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> Task:
        """Run ``fn()`` on a new thread; callbacks run on the GUI thread."""
        if self._closed:
            raise RuntimeError("the task runner has been shut down")
        task = Task(fn, name, self._forget, self)
        if on_result:
            task.result.connect(on_result)
        if on_error:
            task.error.connect(on_error)
        if on_finished:
            task.finished.connect(on_finished)
        self._tasks.append(task)
        task.start()
        return task

    def _forget(self, task: Task) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
            task.deleteLater()

    def shutdown(self) -> None:
        """Drop every pending outcome, quit every thread and wait for it to end."""
        self._closed = True
        for task in list(self._tasks):
            task.discard()
            task.qthread.quit()
            task.qthread.wait()
        self._tasks.clear()
