"""The import dialog as a user meets it: its name, its layout, copying the report, and
importing an export of an imported project again."""

from __future__ import annotations

import zipfile

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from dtwin_gui.ui.dialogs.import_dialog import default_destination
from dtwin_gui.ui.main_window import CODE_STEP
from dtwin_gui.ui.widgets.step_list import StepState

from .conftest import WAIT_MS, wait_checked
from .test_export_action import export_to, file_menu_texts
from .test_import_dialog import make_older_project

pytestmark = pytest.mark.gui


def run_import(dialog, qtbot) -> None:
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.running, timeout=WAIT_MS)


def test_the_menu_and_the_card_say_import_project_not_only_older(window):
    texts = file_menu_texts(window)
    assert "&Import project…" in texts
    assert not any("import older" in text.lower() for text in texts)
    assert window.import_action.shortcut().toString() == "Ctrl+I"
    assert "dtwin export" in window.import_action.statusTip()
    dialog = window.project_page.ask_import()
    assert dialog.windowTitle() == "Import a project"
    assert "dtwin export" in " ".join(
        label.text() for label in dialog.findChildren(type(dialog.summary))
    )
    dialog.reject()


def test_before_the_import_the_form_sits_under_the_intro(window, qtbot):
    dialog = window.project_page.ask_import()
    qtbot.waitExposed(dialog)
    top_of_form = dialog.source.mapTo(dialog, QPoint(0, 0)).y()
    # The spare height goes below the form, not between the intro and the fields.
    assert top_of_form < 140
    buttons_top = dialog.import_button.mapTo(dialog, QPoint(0, 0)).y()
    assert buttons_top > dialog.height() - 80
    dialog.reject()


def test_copy_report_puts_the_whole_report_on_the_clipboard(window, tmp_path, qtbot):
    older = make_older_project(tmp_path / "greenhouse-old")
    dialog = window.project_page.ask_import()
    dialog.set_source(older)
    assert not dialog.copy_button.isVisible()
    run_import(dialog, qtbot)

    assert dialog.copy_button.isVisible()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert copied == dialog.report.format_text()
    assert "Needs your attention" in copied
    assert "config_credentials.json" in copied
    assert dialog.copy_button.text() == "Copied"
    dialog.reject()


def test_ctrl_c_copies_the_selected_rows(window, tmp_path, qtbot):
    older = make_older_project(tmp_path / "greenhouse-old")
    dialog = window.project_page.ask_import()
    dialog.set_source(older)
    run_import(dialog, qtbot)
    table = dialog.table
    table.selectRow(0)
    table.setFocus()

    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    cells = [table.item(0, col).text() for col in range(table.columnCount())]
    assert QApplication.clipboard().text() == "\t".join(cells) + "\n"
    assert cells[0] == "⚠ needs attention"
    dialog.reject()


def test_destination_of_an_export_of_an_imported_project(tmp_path):
    (tmp_path / "plant-dtwin").mkdir()
    (tmp_path / "plant-dtwin" / "config.json").write_text("{}", encoding="utf-8")
    assert default_destination(tmp_path / "plant-dtwin.zip") == tmp_path / "plant-dtwin-2"
    assert default_destination(tmp_path / "plant.zip") == tmp_path / "plant-dtwin-2"
    (tmp_path / "empty-dtwin").mkdir()
    assert default_destination(tmp_path / "empty") == tmp_path / "empty-dtwin"


def test_import_the_export_of_an_imported_project_again(window, tmp_path, qtbot):
    older = make_older_project(tmp_path / "greenhouse")
    dialog = window.project_page.ask_import()
    dialog.set_source(older)
    run_import(dialog, qtbot)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    imported = tmp_path / "greenhouse-dtwin"
    assert window.session.root == imported.resolve()
    out = tmp_path / "greenhouse-dtwin.zip"
    export_to(window, qtbot, out)
    text = window.exporter.message.text()
    menu_name = window.import_action.text().replace("&", "")
    assert f"(File → {menu_name})" in text  # names the menu item that exists
    assert " file(s)" not in text
    window.exporter.message.done(0)
    assert zipfile.ZipFile(out).namelist()

    again = window.project_page.ask_import()
    again.set_source(out)
    assert again.dest.text() == str(tmp_path / "greenhouse-dtwin-2")  # not …-dtwin-dtwin
    run_import(again, qtbot)

    # Copied unchanged; the placeholders the first import wrote are named again.
    assert set(again.table.actions()) == {"copied", "⚠ needs attention"}
    assert again.table.horizontalHeaderItem(1).text() == "Imported file"
    assert (tmp_path / "greenhouse-dtwin-2" / "config.json").is_file()
    again.reject()


def test_the_code_step_says_placeholders_are_left_to_write(window, tmp_path, qtbot):
    older = make_older_project(tmp_path / "greenhouse")
    dialog = window.project_page.ask_import()
    dialog.set_source(older)
    run_import(dialog, qtbot)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    wait_checked(qtbot, window)

    count = len(window.code_page.generated_cards())
    assert count >= 1
    assert window.steps.state(CODE_STEP) is StepState.WARNING
    word = "placeholder" if count == 1 else "placeholders"
    assert window.steps.detail(CODE_STEP) == f"{count} {word} to write"
