"""The Settings dialog: checks Terraform and the mirror in a worker, saves, applies the theme."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from dtwin_gui.settings import AppSettings, load_settings, save_settings
from dtwin_gui.ui import theme
from dtwin_gui.ui.dialogs.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui

WAIT_MS = 20_000  # `terraform version` on a loaded machine


@pytest.fixture
def settings_file(tmp_path) -> Path:
    return tmp_path / "config" / "settings.json"


@pytest.fixture
def dialog(qtbot, settings_file):
    dlg = SettingsDialog(path=settings_file)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    dlg.reject()  # joins the check workers
    assert not dlg.checking, "a check worker outlived the dialog"
    theme.apply_theme(QApplication.instance(), "light")


def wait_checks(qtbot, dlg):
    qtbot.waitUntil(lambda: not dlg.checking, timeout=WAIT_MS)


def test_the_real_terraform_shows_its_version(qtbot, dialog):
    wait_checks(qtbot, dialog)
    assert dialog.terraform.status.text().startswith("✔ Terraform 1.")
    assert not dialog.terraform.error


def test_a_bogus_terraform_path_is_a_clear_error_and_blocks_saving(qtbot, dialog, settings_file):
    wait_checks(qtbot, dialog)
    dialog.terraform.edit.setText("/bin/true")
    dialog.terraform.edit.editingFinished.emit()
    wait_checks(qtbot, dialog)
    assert "did not answer `terraform version`" in dialog.terraform.status.text()
    assert dialog.terraform.error
    dialog.save_button.click()
    assert "Terraform program does not work" in dialog.banner.text()
    assert dialog.isVisible() and not settings_file.exists()


def test_mirror_field_lists_providers_or_says_what_is_wrong(qtbot, dialog, tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0").mkdir(parents=True)
    dialog.mirror.edit.setText(str(mirror))
    dialog.mirror.edit.editingFinished.emit()
    wait_checks(qtbot, dialog)
    assert "registry.terraform.io/hashicorp/aws" in dialog.mirror.status.text()
    dialog.mirror.edit.setText(str(tmp_path / "nowhere"))
    dialog.mirror.edit.editingFinished.emit()
    wait_checks(qtbot, dialog)
    assert "is not a folder" in dialog.mirror.status.text() and dialog.mirror.error


def test_save_writes_the_file_applies_the_dark_theme_and_emits(qtbot, dialog, settings_file):
    wait_checks(qtbot, dialog)
    app = QApplication.instance()
    light_window = app.palette().color(QPalette.ColorRole.Window)
    workspace = settings_file.parent / "workspaces"
    dialog.workspace.edit.setText(str(workspace))
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save_button.click()
    assert isinstance(saved.args[0], AppSettings)
    assert not dialog.isVisible()
    on_disk = load_settings(settings_file)
    assert on_disk.theme == "dark" and on_disk.workspace_location == workspace
    dark_window = app.palette().color(QPalette.ColorRole.Window)
    assert dark_window.lightness() < 60 < light_window.lightness()
    assert theme.ACTIVE == "dark" and theme.DARK["SURFACE"] == theme.SURFACE
    assert theme.DARK["WINDOW"] in app.styleSheet()


def test_the_dialog_opens_with_the_saved_settings(qtbot, settings_file, tmp_path):
    save_settings(AppSettings(workspace_location=tmp_path / "ws", theme="light"), settings_file)
    dlg = SettingsDialog(path=settings_file)
    qtbot.addWidget(dlg)
    assert dlg.workspace.edit.text() == str(tmp_path / "ws")
    assert dlg.theme.currentData() == "light"
    dlg.reject()


def test_a_broken_settings_file_is_explained_at_the_top(qtbot, settings_file):
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("{ broken", encoding="utf-8")
    dlg = SettingsDialog(path=settings_file)
    qtbot.addWidget(dlg)
    dlg.show()
    assert "not valid JSON" in dlg.banner.text() and "line 1" in dlg.banner.text()
    dlg.reject()


def test_relative_workspace_location_is_refused(qtbot, dialog, settings_file):
    wait_checks(qtbot, dialog)
    dialog.workspace.edit.setText("relative/folder")
    dialog.save_button.click()
    assert "must be a full path" in dialog.banner.text()
    assert not settings_file.exists()


def test_a_failed_save_is_explained_and_the_dialog_stays(qtbot, dialog, settings_file):
    wait_checks(qtbot, dialog)
    settings_file.parent.mkdir(parents=True)
    settings_file.mkdir()  # a folder where the file should go: the rename must fail
    dialog.save_button.click()
    assert "could not be saved" in dialog.banner.text()
    assert dialog.isVisible()


def test_keyboard_tab_order_and_mnemonics(qtbot, dialog):
    order = [dialog.workspace.edit]
    widget = dialog.workspace.edit
    for _ in range(12):
        widget = widget.nextInFocusChain()
        order.append(widget)
    fields = [dialog.terraform.edit, dialog.mirror.edit, dialog.theme]
    positions = [order.index(f) for f in fields]
    assert positions == sorted(positions)
    qtbot.keyClick(dialog, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert dialog.mirror.edit.hasFocus()


def test_escape_cancels_without_saving(qtbot, dialog, settings_file):
    wait_checks(qtbot, dialog)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and not settings_file.exists()
