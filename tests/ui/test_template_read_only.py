"""The bundled example stays unchanged: `make run` opens the user's copy; the template itself
opens read-only and offers "Save a copy"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.core.example import example_copy, is_bundled_template, projects_dir
from dtwin_gui.core.project import PROVIDERS
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.scaffold import ScaffoldError
from dtwin_gui.ui import app as app_module
from dtwin_gui.ui.main_window import CODE_STEP, LAYERS_STEP

from .conftest import wait_checked

pytestmark = pytest.mark.gui

TEMPLATE = Path(__file__).resolve().parents[2] / "upload" / "template"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_example_copy_is_made_once_in_the_projects_folder_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("DTWIN_PROJECTS_DIR", str(tmp_path / "projects"))
    assert projects_dir() == tmp_path / "projects"
    copy = example_copy()
    assert copy == tmp_path / "projects" / "example"
    assert snapshot(copy) == snapshot(TEMPLATE)  # the same twin name too
    assert not is_bundled_template(copy) and is_bundled_template(TEMPLATE)
    (copy / "notes.txt").write_text("mine", encoding="utf-8")
    assert example_copy() == copy
    assert (copy / "notes.txt").read_text(encoding="utf-8") == "mine"  # reused, not remade

    monkeypatch.setenv("DTWIN_PROJECTS_DIR", str(tmp_path / "other"))
    (tmp_path / "other" / "example").mkdir(parents=True)
    (tmp_path / "other" / "example" / "photo.jpg").write_bytes(b"\xff")
    with pytest.raises(ScaffoldError, match="not a dtwin project"):
        example_copy()


def test_make_run_opens_the_copy_not_the_template(window, tmp_path, monkeypatch, qtbot):
    monkeypatch.setenv("DTWIN_PROJECTS_DIR", str(tmp_path / "projects"))
    assert app_module._parse_args(["--example"]).example
    app_module._open_example(window)
    assert window.session.root == (tmp_path / "projects" / "example").resolve()
    assert not window.session.read_only
    assert not window.project_page.template_notice.isVisibleTo(window.project_page)
    wait_checked(qtbot, window)


def test_the_template_opens_read_only_and_a_layers_click_leaves_it_unchanged(window, qtbot):
    before = snapshot(TEMPLATE)
    assert window.open_project(TEMPLATE)
    wait_checked(qtbot, window)
    assert window.session.read_only
    notice = window.project_page.template_notice
    assert notice.isVisibleTo(window.project_page)
    assert notice.button.text() == "Save a copy…"

    window.go_to(LAYERS_STEP)
    layers = window.layers_page
    cell = layers.matrix.cell(Slot.L3_HOT, Cloud.AZURE)
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton)
    assert snapshot(TEMPLATE) == before
    assert "bundled example" in layers.banner.text() and "Save a copy" in layers.banner.text()
    assert layers.matrix.cell(Slot.L3_HOT, Cloud.AWS).isChecked()  # the choice shown is on disk
    assert not cell.isChecked()

    window.go_to(CODE_STEP)
    code = window.code_page
    target = next(iter(code.cards.values())).target
    code.create_file(target)
    assert "bundled example" in code.banner.text()
    assert snapshot(TEMPLATE) == before


def test_save_a_copy_copies_the_template_and_opens_the_copy(window, tmp_path, qtbot):
    before = snapshot(TEMPLATE)
    window.open_project(TEMPLATE)
    wait_checked(qtbot, window)
    page = window.project_page
    qtbot.mouseClick(page.template_notice.button, Qt.MouseButton.LeftButton)
    dialog = page.new_dialog
    assert dialog.windowTitle() == "Save a copy of the example"
    assert dialog.twin_name.text() == "factory-twin"
    dialog.location.setText(str(tmp_path / "mine"))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    copy = (tmp_path / "mine" / dialog.folder.text()).resolve()
    assert window.session.root == copy
    assert not window.session.read_only
    assert not page.template_notice.isVisibleTo(page)
    wait_checked(qtbot, window)

    window.go_to(LAYERS_STEP)
    qtbot.mouseClick(
        window.layers_page.matrix.cell(Slot.L3_HOT, Cloud.AZURE), Qt.MouseButton.LeftButton
    )
    saved = json.loads((copy / PROVIDERS).read_text(encoding="utf-8"))
    assert saved["layer_3_hot_provider"] == "azure"
    assert snapshot(TEMPLATE) == before
    wait_checked(qtbot, window)
