"""The Layers step: matrix, presets, diagram and glue lists, all from the engine's topology."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from dtwin_gui.core.project import PROVIDERS, read_choices, read_providers
from dtwin_gui.core.providers import CLOUDS, PRESETS, SLOTS, Cloud, Slot, unsupported_reason
from dtwin_gui.ui.main_window import LAYERS_STEP
from dtwin_gui.ui.widgets.step_list import StepState

from .conftest import wait_checked, write_json

pytestmark = pytest.mark.gui


@pytest.fixture
def layers(opened):
    opened.go_to(LAYERS_STEP)
    return opened.layers_page


@pytest.fixture
def google_undeployable(monkeypatch):
    """Google as a cloud this version cannot deploy (since issue 15 every cloud that can host
    a layer deploys it, so the "cannot deploy" path is shown with Google taken back)."""
    from dtwin_gui.core import providers

    for slot, clouds in list(providers.DEPLOYABLE_CLOUDS.items()):
        monkeypatch.setitem(providers.DEPLOYABLE_CLOUDS, slot, clouds - {providers.Cloud.GOOGLE})


def test_matrix_shows_the_project_choice(layers):
    for slot in SLOTS:
        assert layers.matrix.cell(slot, Cloud.AWS).isChecked()
    assert layers.matrix.cell(Slot.L2, Cloud.AZURE).text() == "Function Apps"
    assert layers.matrix.cell(Slot.L1, Cloud.AWS).text().endswith("IoT Core")


def test_choosing_azure_for_hot_storage_saves_and_shows_the_hop(layers, opened, project, qtbot):
    cell = layers.matrix.cell(Slot.L3_HOT, Cloud.AZURE)
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton)
    data = json.loads((project / PROVIDERS).read_text(encoding="utf-8"))
    assert data["layer_3_hot_provider"] == "azure"
    assert data["layer_2_provider"] == "aws"
    assert read_providers(project)[Slot.L3_HOT] is Cloud.AZURE
    assert cell.isChecked()
    assert not layers.matrix.cell(Slot.L3_HOT, Cloud.AWS).isChecked()

    assert "l2-l3hot-writer" in layers.hops.hop_names()
    assert any(t.startswith("L2 → L3 hot\npersister → hot-writer") for t in layers.hops.hop_texts())
    crossing = {(e.source, e.target): e for e in layers.diagram.crossing_edges()}
    hop = crossing[Slot.L2, Slot.L3_HOT]
    assert hop.badge == "persister → hot-writer"
    assert (hop.source_cloud, hop.target_cloud) == (Cloud.AWS, Cloud.AZURE)
    assert (Slot.L3_HOT, Slot.L3_COLD) in crossing
    assert (Slot.L1, Slot.L2) not in crossing
    assert "hot-writer" in layers.glue.glue_names(Cloud.AZURE)
    assert layers.glue.glue_names(Cloud.AWS)  # the movers and proxies on the AWS side
    # Green: hot storage on Azure deploys (issue 14).
    assert opened.steps.state(LAYERS_STEP) is StepState.DONE
    wait_checked(qtbot, opened)
    assert not layers.diagram.grab().isNull()


def test_google_cannot_host_the_twin_model_or_dashboards(layers):
    for slot in (Slot.L4, Slot.L5):
        cell = layers.matrix.cell(slot, Cloud.GOOGLE)
        assert not cell.isEnabled()
        assert cell.toolTip() == unsupported_reason(slot, Cloud.GOOGLE)
        assert "Google Cloud has no managed" in cell.toolTip()
    for slot in SLOTS:
        for cloud in CLOUDS:
            if unsupported_reason(slot, cloud) is None:
                assert layers.matrix.cell(slot, cloud).isEnabled()


@pytest.mark.parametrize("preset", list(PRESETS))
def test_presets_write_every_slot(layers, project, qtbot, preset):
    qtbot.mouseClick(layers.preset_buttons[preset], Qt.MouseButton.LeftButton)
    assert read_choices(project) == PRESETS[preset]
    assert layers.matrix.providers() == PRESETS[preset]


def test_twin_update_hop_appears_only_for_azure_digital_twins(layers, qtbot):
    def twin_update_edges():
        return [e for e in layers.diagram.edges() if e.target is Slot.L4]

    assert twin_update_edges() == []
    qtbot.mouseClick(layers.matrix.cell(Slot.L4, Cloud.AZURE), Qt.MouseButton.LeftButton)
    (edge,) = twin_update_edges()
    assert edge.crossing and edge.badge == "persister → adt-updater"
    qtbot.mouseClick(layers.preset_buttons["All Azure"], Qt.MouseButton.LeftButton)
    (edge,) = twin_update_edges()
    assert not edge.crossing
    assert layers.diagram.crossing_edges() == []
    assert layers.hops.hop_names() == []


def test_incomplete_choice_is_explained(layers, opened, project, qtbot):
    write_json(project / PROVIDERS, {"layer_1_provider": "aws"})
    opened.session.reload()
    assert opened.steps.state(LAYERS_STEP) is StepState.ERROR
    assert "no cloud chosen" in opened.steps.detail(LAYERS_STEP)
    assert layers.diagram.crossing_edges() == []
    assert "no cloud chosen" in layers.diagram.accessibleDescription()
    assert layers.matrix.providers()[Slot.L2] is None
    assert not layers.diagram.grab().isNull()
    qtbot.mouseClick(layers.preset_buttons["All AWS"], Qt.MouseButton.LeftButton)
    assert opened.steps.state(LAYERS_STEP) is StepState.DONE
    wait_checked(qtbot, opened)


def test_a_cloud_this_version_cannot_deploy_is_said_where_it_is_chosen(
    google_undeployable, layers, opened, qtbot
):
    from dtwin_gui.core.providers import undeployable_reason

    for slot in SLOTS:
        for cloud in (Cloud.AWS, Cloud.AZURE):
            assert not layers.matrix.is_marked_undeployable(slot, cloud)
            assert "cannot deploy" not in layers.matrix.cell(slot, cloud).toolTip()
    assert not layers.deploy_note.isVisible()
    cell = layers.matrix.cell(Slot.L3_HOT, Cloud.GOOGLE)
    assert layers.matrix.is_marked_undeployable(Slot.L3_HOT, Cloud.GOOGLE)
    assert undeployable_reason(Slot.L3_HOT, Cloud.GOOGLE) in cell.toolTip()
    assert "cannot deploy" in cell.toolTip() and "choose AWS or Azure" in cell.toolTip()

    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton)
    assert cell.isChecked()
    assert cell.text() == "⚠ Firestore"  # not the green tick of a deployable choice
    assert layers.deploy_note.isVisible()
    note = layers.deploy_note.text()
    assert "cannot deploy L3 hot on Google Cloud" in note
    assert "Choose AWS or Azure for this layer" in note
    wait_checked(qtbot, opened)
    (problem,) = [p for p in opened.session.report.errors if p.code == "provider-not-deployable"]
    assert (problem.file, problem.path) == (PROVIDERS, "$.layer_3_hot_provider")
    assert problem.line and "Layers page" in problem.hint
    shown = opened.twin_page.problems.visible_problems()
    assert problem in shown  # the validation panel lists it as an error

    assert opened.steps.state(LAYERS_STEP) is StepState.ERROR  # the sidebar is not green

    qtbot.mouseClick(layers.preset_buttons["All AWS"], Qt.MouseButton.LeftButton)
    assert not layers.deploy_note.isVisible()
    assert opened.steps.state(LAYERS_STEP) is StepState.DONE
    assert layers.matrix.cell(Slot.L3_HOT, Cloud.AWS).text() == "✓ DynamoDB"


def test_every_row_is_whole_at_the_default_window_size(google_undeployable, layers, opened, qtbot):
    from PySide6.QtWidgets import QLabel

    from dtwin_gui.core.providers import SLOT_INFO

    opened.resize(1280, 800)
    qtbot.mouseClick(layers.preset_buttons["All Google where possible"], Qt.MouseButton.LeftButton)
    assert layers.deploy_note.isVisible()  # the longest page: the note is shown too
    QApplication.processEvents()
    matrix = layers.matrix
    for slot in SLOTS:
        role = matrix.findChild(QLabel, f"role:{slot}")
        assert role.text() == SLOT_INFO[slot].role  # whole, not elided
        assert role.height() >= role.heightForWidth(role.width())  # no line cut off
        for cloud in CLOUDS:
            geometry = matrix.cell(slot, cloud).geometry()
            assert geometry.bottom() < matrix.height(), f"{slot} row is clipped"
            assert matrix.cell(slot, cloud).height() >= 26


def test_every_cell_shows_its_whole_service_name_at_the_default_window_size(layers, opened):
    """Each cell's text, with the tick a chosen cell carries, fits the cell (the None column
    takes width from the clouds' columns)."""
    opened.resize(1280, 800)
    QApplication.processEvents()
    matrix = layers.matrix
    for slot in SLOTS:
        for cloud in CLOUDS:
            cell = matrix.cell(slot, cloud)
            service = cell.property("service") or cell.text()
            needed = cell.fontMetrics().horizontalAdvance(f"✓ {service}") + 8  # the padding
            assert needed <= cell.width(), f"{slot} on {cloud}: {service!r} is cut off"
