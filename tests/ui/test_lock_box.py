"""The lock box: an answer to a check made for another project is never shown."""

from __future__ import annotations

import threading

import pytest

from dtwin_gui.iac.diagnostics import LockInfo
from dtwin_gui.ui.widgets.lock_box import LockBox
from dtwin_gui.ui.workers import TaskRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def runner():
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def _slow_box(qtbot, runner, gate: threading.Event) -> LockBox:
    box = LockBox(runner)
    qtbot.addWidget(box)
    # The check of project A's workspace answers only once the gate opens.
    box._terraform = lambda: type(
        "Slow", (), {"lock_info": lambda self: gate.wait(10) and LockInfo("lock-of-a")}
    )()
    return box


def test_a_check_answered_after_forget_is_dropped(qtbot, runner, tmp_path):
    gate = threading.Event()
    box = _slow_box(qtbot, runner, gate)
    box.check(tmp_path)
    box.forget()  # another project was opened meanwhile
    gate.set()
    qtbot.waitUntil(lambda: runner.active == 0, timeout=10_000)
    qtbot.wait(50)  # let the queued answer be delivered
    assert box.lock is None and not box.isVisible() and not box.working


def test_a_check_still_shows_its_own_answer(qtbot, runner, tmp_path):
    gate = threading.Event()
    box = _slow_box(qtbot, runner, gate)
    with qtbot.waitSignal(box.checked, timeout=10_000):
        box.check(tmp_path)
        gate.set()
    assert box.lock is not None and box.lock.lock_id == "lock-of-a"
