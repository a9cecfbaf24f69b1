"""The generic worker: results on the GUI thread, errors reported, no thread left behind."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread

from dtwin_gui.ui.workers import TaskFailure, TaskRunner

pytestmark = pytest.mark.gui


def test_result_is_computed_off_and_delivered_on_the_gui_thread(qtbot):
    runner = TaskRunner()
    main = threading.get_ident()
    delivered = []
    runner.start(
        threading.get_ident,
        on_result=lambda worker: delivered.append((worker, threading.get_ident())),
    )
    qtbot.waitUntil(lambda: bool(delivered) and runner.active == 0, timeout=3000)
    worker_ident, callback_ident = delivered[0]
    assert worker_ident != main
    assert callback_ident == main
    runner.shutdown()


def test_error_is_reported_with_its_traceback(qtbot, caplog):
    runner = TaskRunner()
    failures: list[TaskFailure] = []
    finished = []

    def broken():
        raise ValueError("the file vanished")

    runner.start(
        broken, name="broken", on_error=failures.append, on_finished=lambda: finished.append(1)
    )
    qtbot.waitUntil(lambda: bool(finished), timeout=3000)
    assert failures[0].message == "the file vanished"
    assert isinstance(failures[0].exception, ValueError)
    assert "Traceback" in failures[0].traceback
    assert "task broken failed" in caplog.text
    runner.shutdown()


def test_shutdown_waits_for_running_threads_and_drops_their_outcome(qtbot):
    runner = TaskRunner()
    started = threading.Event()
    results = []

    def slow():
        started.set()
        time.sleep(0.2)
        return "late"

    task = runner.start(slow, on_result=results.append)
    assert started.wait(2)
    runner.shutdown()
    assert runner.active == 0
    assert task.qthread.isFinished()
    qtbot.wait(50)  # let any queued signal arrive: it must be dropped
    assert results == []
    with pytest.raises(RuntimeError):
        runner.start(lambda: None)


def test_finished_tasks_are_forgotten(qtbot):
    runner = TaskRunner()
    for value in range(3):
        runner.start(lambda v=value: v)
    qtbot.waitUntil(lambda: runner.active == 0, timeout=3000)
    assert QThread.currentThread() is not None
    runner.shutdown()
