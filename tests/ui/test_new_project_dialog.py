"""The new-project dialog: Enter creates the project from any field."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("field", ["location", "folder", "twin_name"])
def test_enter_in_any_field_creates_the_project(window, tmp_path, qtbot, monkeypatch, field):
    picked = []
    monkeypatch.setattr(
        QFileDialog,
        "getExistingDirectory",
        staticmethod(lambda *args, **kwargs: picked.append(args) or ""),
    )
    dialog = window.project_page.ask_new_project()
    qtbot.waitExposed(dialog)
    dialog.location.setText(str(tmp_path / "projects"))
    dialog.folder.setText("enter-twin")
    edit = getattr(dialog, field)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert not picked, "Enter opened the folder picker"
    assert (tmp_path / "projects" / "enter-twin" / "config.json").is_file()
    assert window.session.root == (tmp_path / "projects" / "enter-twin").resolve()
    assert not dialog.isVisible()
