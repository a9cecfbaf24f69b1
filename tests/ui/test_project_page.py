"""The Project step: new from example, open folder, recent projects, summary."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from .conftest import wait_checked

pytestmark = pytest.mark.gui


def test_new_from_example_creates_and_opens_the_project(window, tmp_path, qtbot):
    page = window.project_page
    dialog = page.ask_new_project()
    dialog.location.setText(str(tmp_path / "projects"))
    dialog.folder.setText("Plant Twin")
    assert dialog.twin_name.text() == "plant-twin"  # follows the folder name
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    created = tmp_path / "projects" / "Plant Twin"
    config = json.loads((created / "config.json").read_text(encoding="utf-8"))
    assert config["digital_twin_name"] == "plant-twin"
    assert window.session.root == created.resolve()
    assert page.banner.kind == "ok" and "Created" in page.banner.text()
    assert window.project_name.text() == "plant-twin"
    wait_checked(qtbot, window)


def test_new_from_example_shows_scaffold_errors_inline(window, tmp_path, qtbot):
    dialog = window.project_page.ask_new_project()
    dialog.location.setText(str(tmp_path))
    dialog.folder.setText("twin")
    dialog.twin_name.setText("Bad_Name")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.isVisibleTo(dialog)
    assert "twin name 'Bad_Name'" in dialog.error.text()
    assert not (tmp_path / "twin").exists()

    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine", encoding="utf-8")
    dialog.folder.setText("taken")
    dialog.twin_name.setText("good-name")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "not empty" in dialog.error.text()
    assert window.session.root is None
    dialog.reject()


def test_open_rejects_a_folder_without_config_json(window, tmp_path):
    folder = tmp_path / "holiday-photos"
    folder.mkdir()
    page = window.project_page
    assert not page.open_folder(folder)
    assert page.banner.kind == "error"
    assert "has no config.json" in page.banner.text()
    assert "Import project" in page.banner.text()
    assert window.session.root is None
    assert not window.next_button.isEnabled()


def test_open_folder_action_uses_the_folder_dialog(window, project, qtbot, monkeypatch):
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *args, **kwargs: str(project))
    )
    window.open_action.trigger()
    assert window.session.root == project.resolve()
    wait_checked(qtbot, window)


def test_summary_and_recent_projects(opened, project, tmp_path, qtbot):
    page = opened.project_page
    labels = page.summary_labels
    assert labels["Twin name"].text() == "factory-twin"
    assert labels["Devices"].text() == "3"
    assert labels["Event rules"].text() == "2"
    assert labels["Clouds"].text() == "AWS"
    assert "factory twin" in labels["Description"].text()
    assert not page.no_project.isVisibleTo(page)

    item = page.recent_list.item(0)
    assert str(project.resolve()) in item.text()
    other = tmp_path / "other"
    other.mkdir()
    assert not page.open_folder(other)
    assert page.recent_list.count() == 1  # failures are not remembered
    page.recent_list.setCurrentRow(0)
    page.recent_list.itemActivated.emit(page.recent_list.item(0))
    assert opened.session.root == project.resolve()
    wait_checked(qtbot, opened)
