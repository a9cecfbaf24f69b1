"""An unexpected error in the GUI: logged in full, shown as one friendly sentence."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication

from dtwin_gui.ui.crash import CrashReporter, configure_logging
from dtwin_gui.ui.dialogs.crash_dialog import CrashDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def log_file(tmp_path):
    path = configure_logging(tmp_path / "logs")
    yield path
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "dtwin_log", False)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def reporter(log_file, monkeypatch):
    """Our hook in place of pytest-qt's for the test (pytest-qt's comes back afterwards)."""
    quits = []
    hook = CrashReporter(log_file, quit_app=lambda: quits.append(True))
    hook.quits = quits
    monkeypatch.setattr(sys, "excepthook", hook)
    yield hook
    if hook.last_box is not None:
        hook.last_box.close()
        hook.last_box.deleteLater()


def crash_in_a_slot(qtbot, reporter, message="the disk is full"):
    def slot():
        raise RuntimeError(message)

    QTimer.singleShot(0, slot)
    qtbot.waitUntil(lambda: reporter.last_box is not None and reporter.last_box.isVisible())
    return reporter.last_box


def test_an_error_in_a_slot_shows_a_friendly_dialog_without_traceback(qtbot, reporter, log_file):
    box = crash_in_a_slot(qtbot, reporter)
    assert isinstance(box, CrashDialog)
    shown = box.visible_text()
    assert "Something went wrong" in shown
    assert "the disk is full" in shown
    assert "Traceback" not in shown and 'File "' not in shown and "slot()" not in shown
    for button in ("Open log folder", "Copy details", "Keep working", "Quit dtwin"):
        assert button in shown
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: the disk is full" in logged
    assert str(log_file) in shown


def test_copy_details_puts_the_traceback_on_the_clipboard(qtbot, reporter):
    box = crash_in_a_slot(qtbot, reporter, "boom in the layers page")
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(box.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("dtwin 0.1.0")
    assert "Traceback" in copied and "RuntimeError: boom in the layers page" in copied
    assert "clipboard" in box.copied.text()
    assert "Traceback" not in box.visible_text()


def test_open_log_folder_opens_the_folder(qtbot, reporter, log_file, opened_urls):
    box = crash_in_a_slot(qtbot, reporter)
    box.open_log_button.click()
    assert opened_urls.paths() == [log_file.parent]


def test_keep_working_closes_the_dialog_and_quit_asks_the_app_to_quit(qtbot, reporter):
    box = crash_in_a_slot(qtbot, reporter)
    box.keep_button.click()
    assert not box.isVisible() and reporter.quits == []
    box = crash_in_a_slot(qtbot, reporter, "second error")
    box.quit_button.click()
    assert reporter.quits == [True]


def test_errors_while_the_dialog_is_open_are_logged_not_stacked(qtbot, reporter, log_file):
    first = crash_in_a_slot(qtbot, reporter, "first")
    QTimer.singleShot(0, lambda: (_ for _ in ()).throw(ValueError("second")))
    qtbot.waitUntil(lambda: reporter.count == 2)
    assert reporter.last_box is first
    assert "ValueError: second" in log_file.read_text(encoding="utf-8")


def test_a_long_multiline_message_is_clipped_to_one_line(qtbot, reporter):
    box = crash_in_a_slot(qtbot, reporter, "first line\n" + "x" * 500)
    assert "first line" in box.summary.text()
    assert "xxx" not in box.summary.text()


def test_crash_dialog_looks_decent(qtbot, reporter, tmp_path):
    box = crash_in_a_slot(qtbot, reporter, "the Terraform state file is locked")
    assert not box.grab().isNull()
    box.grab().save(str(tmp_path / "crash.png"))
