"""The Layers step with L4/L5 "none": the None column, the all-Google preset, the diagram."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.core.project import PROVIDERS
from dtwin_gui.core.providers import NO_CLOUD, NOT_IN_TWIN, PRESETS, SLOTS, Cloud, Slot
from dtwin_gui.ui.main_window import LAYERS_STEP
from dtwin_gui.ui.widgets.step_list import StepState

from .conftest import wait_checked

pytestmark = pytest.mark.gui


@pytest.fixture
def layers(opened):
    opened.go_to(LAYERS_STEP)
    return opened.layers_page


def test_only_the_twin_model_and_dashboards_rows_have_a_none_cell(layers):
    matrix = layers.matrix
    for slot in SLOTS:
        assert matrix.has_cell(slot, NO_CLOUD) == (slot in (Slot.L4, Slot.L5))
    l4, l5 = matrix.cell(Slot.L4, NO_CLOUD), matrix.cell(Slot.L5, NO_CLOUD)
    assert l4.text() == l5.text() == "None"
    assert "no twin model" in l4.toolTip()
    assert "no dashboards" in l5.toolTip()
    assert l4.isEnabled() and not l4.isChecked()


def test_choosing_none_saves_it_and_the_twin_leaves_the_layer_out(layers, opened, project, qtbot):
    qtbot.mouseClick(layers.matrix.cell(Slot.L4, NO_CLOUD), Qt.MouseButton.LeftButton)
    data = json.loads((project / PROVIDERS).read_text(encoding="utf-8"))
    assert data["layer_4_provider"] == "none"
    assert data["layer_5_provider"] == "aws"
    matrix = layers.matrix
    assert matrix.cell(Slot.L4, NO_CLOUD).text() == "✓ None"
    assert not matrix.cell(Slot.L4, Cloud.AWS).isChecked()
    assert matrix.providers()[Slot.L4] is NO_CLOUD
    assert opened.session.topology.left_out == [Slot.L4]
    # The diagram draws L4 as not part of the twin, with no arrow to or from it.
    assert layers.diagram.left_out() == [Slot.L4]
    assert all(Slot.L4 not in (e.source, e.target) for e in layers.diagram.edges())
    assert any(Slot.L5 in (e.source, e.target) for e in layers.diagram.edges())
    assert opened.steps.state(LAYERS_STEP) is StepState.DONE
    wait_checked(qtbot, opened)
    # Back on a cloud: the layer is in the twin again.
    qtbot.mouseClick(matrix.cell(Slot.L4, Cloud.AZURE), Qt.MouseButton.LeftButton)
    assert json.loads((project / PROVIDERS).read_text())["layer_4_provider"] == "azure"
    assert not matrix.cell(Slot.L4, NO_CLOUD).isChecked()
    assert opened.session.topology.left_out == []


def test_all_google_leaves_the_twin_model_and_dashboards_out(layers, opened, project, qtbot):
    qtbot.mouseClick(layers.preset_buttons["All Google where possible"], Qt.MouseButton.LeftButton)
    data = json.loads((project / PROVIDERS).read_text(encoding="utf-8"))
    assert (data["layer_4_provider"], data["layer_5_provider"]) == ("none", "none")
    assert data["layer_1_provider"] == "google"
    assert layers.matrix.providers() == PRESETS["All Google where possible"]
    assert layers.matrix.cell(Slot.L5, NO_CLOUD).isChecked()
    assert opened.session.topology.left_out == [Slot.L4, Slot.L5]
    assert layers.diagram.left_out() == [Slot.L4, Slot.L5]
    rects = layers.diagram
    rects.resize(980, rects.minimum_height())
    assert not rects.grab().isNull()  # paints the left-out boxes
    tip = rects._tooltip_at(rects._node_rects[Slot.L5].center())
    assert NOT_IN_TWIN in tip and "no dashboards" in tip
