"""The run bridge delivers a worker's events to the GUI thread in order, batched, and keeps
the whole run for a late viewer; the target choice says what it will deploy to."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.run_events import LogEvent, PhaseEvent
from dtwin_gui.ui.run_bridge import RunBridge
from dtwin_gui.ui.target_choice import AWS, SANDBOX, TargetChoice
from dtwin_gui.ui.workers import TaskRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def runner():
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def test_events_arrive_on_the_gui_thread_in_order_and_batched(qtbot, qapp, runner):
    bridge = RunBridge(runner, interval_ms=50)
    batches: list[list] = []
    threads: set = set()

    def record(batch):
        threads.add(QThread.currentThread() is qapp.thread())
        batches.append(batch)

    bridge.events.connect(record)

    def work(sink):
        for i in range(500):
            sink(LogEvent("dtwin", "info", f"line {i}"))
            if i % 100 == 0:
                time.sleep(0.06)
        return "done"

    with qtbot.waitSignal(bridge.finished, timeout=10_000) as finished:
        bridge.start(work, name="demo")
    assert finished.args == ["done"]
    messages = [e.message for batch in batches for e in batch]
    assert messages == [f"line {i}" for i in range(500)]
    assert threads == {True}
    assert 1 < len(batches) < 500, "events are batched, not one signal per event"
    assert [e.message for e in bridge.history] == messages
    assert not bridge.running


def test_a_failing_run_reports_the_error_after_its_last_events(qtbot, runner):
    bridge = RunBridge(runner, interval_ms=1000)
    seen: list = []
    bridge.events.connect(lambda batch: seen.extend(batch))

    def work(sink):
        sink(PhaseEvent("plan", "started"))
        raise RuntimeError("terraform vanished")

    with qtbot.waitSignal(bridge.failed, timeout=10_000) as failed:
        bridge.start(work)
    assert failed.args[0].message == "terraform vanished"
    assert [e.phase for e in seen] == ["plan"], "the last events are flushed before the error"


def test_only_one_run_at_a_time(qtbot, runner):
    bridge = RunBridge(runner)
    release = threading.Event()
    bridge.start(lambda sink: release.wait(10), name="first")
    with pytest.raises(RuntimeError, match="first is still running"):
        bridge.start(lambda sink: None)
    with qtbot.waitSignal(bridge.idle, timeout=10_000):
        release.set()
    bridge.start(lambda sink: None)  # free again
    qtbot.waitUntil(lambda: not bridge.running, timeout=10_000)


def test_target_choice_defaults_to_the_sandbox_and_needs_aws_credentials(qtbot):
    made = sandbox_target("http://127.0.0.1:1")
    choice = TargetChoice(sandbox_factory=lambda: made)
    assert choice.mode == SANDBOX and choice.ready
    assert "Sandbox" in choice.label
    assert choice.make_target()[Cloud.AWS] is made  # the deployment's Connections
    with qtbot.waitSignal(choice.changed):
        choice.use_aws(lambda: made, "AWS · profile dev · eu-west-1")
    assert choice.mode == AWS and choice.label == "AWS · profile dev · eu-west-1"
    with qtbot.waitSignal(choice.changed):
        choice.use_sandbox()
    assert choice.mode == SANDBOX

    fresh = TargetChoice(sandbox_factory=lambda: made)
    fresh.mode = AWS  # as if restored without credentials
    assert not fresh.ready
    with pytest.raises(RuntimeError, match="Credentials page"):
        fresh.make_target()
