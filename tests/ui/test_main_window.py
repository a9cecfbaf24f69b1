"""The wizard shell: steps, navigation, keyboard, status bar, remembered geometry."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.ui.app import create_main_window
from dtwin_gui.ui.main_window import LAYERS_STEP, PROJECT_STEP, STATUS_STEP, TWIN_STEP
from dtwin_gui.ui.widgets.step_list import StepState

from .conftest import wait_checked

pytestmark = pytest.mark.gui


def test_without_a_project_only_the_first_step_is_reachable(window):
    assert window.current_step == PROJECT_STEP
    assert not window.next_button.isEnabled()
    assert not window.back_button.isEnabled()
    assert window.steps.state(LAYERS_STEP) is StepState.LOCKED
    assert not window.steps.item(TWIN_STEP).flags() & Qt.ItemFlag.ItemIsEnabled
    window.go_to(TWIN_STEP)
    assert window.current_step == PROJECT_STEP
    assert window.project_name.text() == "No project open"


def test_shell_opens_on_the_template(opened, project):
    window = opened
    assert window.project_name.text() == "factory-twin"
    assert window.project_path.text() == str(project.resolve())
    assert "factory-twin" in window.windowTitle()
    assert window.next_button.isEnabled()
    assert window.steps.state(PROJECT_STEP) is StepState.DONE
    assert window.steps.state(LAYERS_STEP) is StepState.DONE
    assert window.steps.detail(LAYERS_STEP) == "all on AWS"
    assert window.steps.state(TWIN_STEP) is StepState.DONE
    assert window.error_count.text() == "✖ 0 errors"
    assert window.warning_count.text() == "▲ 0 warnings"


def test_back_and_next_buttons_and_step_list(opened, qtbot):
    window = opened
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    assert window.current_step == LAYERS_STEP
    assert window.stack.currentWidget() is window.layers_page
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    assert window.current_step == TWIN_STEP
    window.go_to(STATUS_STEP)
    assert window.stack.currentWidget() is window.status_page
    assert not window.next_button.isEnabled(), "the Status step is the last"
    window.go_to(TWIN_STEP)
    qtbot.mouseClick(window.back_button, Qt.MouseButton.LeftButton)
    assert window.current_step == LAYERS_STEP
    window.steps.setCurrentRow(PROJECT_STEP)
    assert window.stack.currentWidget() is window.project_page
    assert not window.back_button.isEnabled()


def test_keyboard_moves_between_steps(opened, qtbot):
    window = opened
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.next_button.setFocus()
    qtbot.keyClick(window.next_button, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.current_step == LAYERS_STEP
    qtbot.keyClick(window.next_button, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.current_step == TWIN_STEP
    qtbot.keyClick(window.next_button, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.current_step == LAYERS_STEP
    qtbot.keyClick(window.back_button, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current_step == PROJECT_STEP
    qtbot.keyClick(window.back_button, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_step == TWIN_STEP


def test_shortcuts_for_new_open_and_import(window):
    shortcuts = {
        window.new_action: "Ctrl+N",
        window.open_action: "Ctrl+O",
        window.import_action: "Ctrl+I",
    }
    for action, key in shortcuts.items():
        assert key in [s.toString() for s in action.shortcuts()]


def test_tab_reaches_back_and_next(opened, qtbot):
    window = opened
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.back_button.setEnabled(True)
    window.back_button.setFocus()
    qtbot.keyClick(window.back_button, Qt.Key.Key_Tab)
    assert window.next_button.hasFocus()


def test_status_bar_counts_errors(opened, project, qtbot):
    window = opened
    (project / "config.json").write_text('{"digital_twin_name": 5}', encoding="utf-8")
    qtbot.waitUntil(lambda: window.error_count.text() != "✖ 0 errors", timeout=5000)
    assert window.session.report.errors
    count = len(window.session.report.errors)
    assert window.error_count.text() == f"✖ {count} error{'s' if count != 1 else ''}"
    assert window.steps.state(TWIN_STEP) is StepState.ERROR


def test_window_geometry_is_remembered(qtbot, settings):
    first = create_main_window(settings)
    qtbot.addWidget(first)
    first.show()
    first.resize(1111, 777)
    qtbot.waitUntil(lambda: first.width() == 1111, timeout=3000)
    first.close()
    second = create_main_window(settings)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (1111, 777)
    second.close()


def test_project_opened_later_in_the_session_updates_the_shell(window, project, qtbot):
    assert window.open_project(project)
    wait_checked(qtbot, window)
    assert window.next_button.isEnabled()
    assert window.steps.state(PROJECT_STEP) is StepState.DONE
