"""Quitting while the sandbox runs asks: stop it, keep it running (it uses memory), or cancel."""

from __future__ import annotations

import psutil
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from dtwin_gui.sandbox import daemon
from dtwin_gui.ui.app import create_main_window

from .conftest import no_sandbox

pytestmark = pytest.mark.gui


@pytest.fixture
def sandbox():
    """The sandbox daemon running (as the app starts it on first use); stopped afterwards."""
    info, _ = daemon.up()
    yield info
    daemon.down()


def test_keep_it_running_leaves_the_sandbox_and_cancel_keeps_the_window(window, sandbox):
    asked = []

    def answer(choice):
        return lambda info, memory_mb: asked.append((info, memory_mb)) or choice

    window.ask_about_sandbox = answer("cancel")
    window.close()
    assert window.isVisible(), "Cancel must keep the window open"
    info, memory_mb = asked[0]
    assert info.pid == sandbox.pid
    assert memory_mb and memory_mb > 10  # moto + the gateway hold tens of MB at least

    window.ask_about_sandbox = answer("keep")
    window.close()
    assert not window.isVisible()
    assert daemon.running() == sandbox
    assert window.sandbox_stopper is None


def test_stop_the_sandbox_from_the_question_stops_it(qtbot, settings, sandbox):
    window = create_main_window(settings, sandbox_factory=no_sandbox)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    processes = [psutil.Process(sandbox.pid), *psutil.Process(sandbox.pid).children(True)]
    window.close()
    box = window.sandbox_question
    assert isinstance(box, QMessageBox) and box.isVisible() and window.isVisible()
    assert "keeps using about" in box.informativeText() and "MB of memory" in box.informativeText()
    assert {b.text() for b in box.buttons()} >= {"Stop the sandbox", "Keep it running"}
    qtbot.mouseClick(box.buttons_by_answer["stop"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)  # closes at once
    window.sandbox_stopper.join(60)
    assert not window.sandbox_stopper.is_alive()
    assert daemon.running() is None
    _, alive = psutil.wait_procs(processes, timeout=10)
    assert alive == [], f"left behind: {alive}"
    assert window.runner.active == 0
