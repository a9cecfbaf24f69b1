"""The Status page's cross-cloud hops: the diagram colours each hop by its health and the
table says when it last carried a message and what failed."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.hop_health import FAILING, HEALTHY, IDLE, HopFailure, HopHealth
from dtwin_gui.ui.widgets.flow_diagram import HEALTH_COLORS
from dtwin_gui.ui.widgets.hop_health_view import HopHealthView

pytestmark = pytest.mark.gui


def _hybrid(project):
    from tests.e2e.matrix_flow import write_row

    write_row(project, ("aws", "aws", "azure", "azure", "azure", "azure", "azure"))
    loaded = load_project(project)
    return loaded.choices(), topology_for_project(loaded)


def _hop(name, state, **extra) -> HopHealth:
    source, target = {"l2-l3hot-writer": ("L2", "L3_hot"), "l2-l4-twin-update": ("L2", "L4")}.get(
        name, ("L4", "L3_hot")
    )
    return HopHealth(name, source, target, "aws", "azure", "a hop", state, **extra)


def _pixels(widget, color: str) -> int:
    image = QImage(widget.size(), QImage.Format.Format_RGB32)
    widget.render(image)
    wanted = QColor(color).rgb()
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) == wanted
    )


def test_a_failing_hop_is_red_and_says_what_failed(qtbot, project) -> None:
    providers, topology = _hybrid(project)
    view = HopHealthView()
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    hops = [
        _hop("l2-l3hot-writer", HEALTHY, last_ok="2026-12-03T10:02:00.000Z", delivered=40),
        _hop(
            "l2-l4-twin-update",
            FAILING,
            failed=3,
            failures=[
                HopFailure(
                    "2026-12-03T10:04:00.000Z",
                    "receiver",
                    "glue-unauthorized",
                    "refused (401): bad signature",
                )
            ],
        ),
        _hop("l5-l3hot-reader", IDLE),
    ]
    crossing = {b.name for b in topology.boundaries}
    hops = [h for h in hops if h.boundary in crossing]
    view.show_hops(providers, topology, hops)
    qtbot.waitExposed(view)

    assert view.diagram.hop_state("l2-l3hot-writer") == HEALTHY
    assert view.diagram.hop_state("l2-l4-twin-update") == FAILING
    assert _pixels(view.diagram, HEALTH_COLORS[FAILING]) > 20  # the red hop is drawn
    assert _pixels(view.diagram, HEALTH_COLORS[HEALTHY]) > 20
    rows = {
        view.table.topLevelItem(i).text(0): [view.table.topLevelItem(i).text(c) for c in range(6)]
        for i in range(view.table.topLevelItemCount())
    }
    twin = rows["L2 → L4"]
    assert twin[1:3] == ["AWS → Azure", "failing"]
    assert twin[4] == "3" and "receiver: refused (401): bad signature" in twin[5]
    assert rows["L2 → L3 hot"][2] == "healthy" and rows["L2 → L3 hot"][3] != "—"
    assert "1 hop(s) failing: L2 → L4" in view.note.text()


def test_one_cloud_has_no_hops_and_an_unread_status_says_to_refresh(qtbot, project) -> None:
    view = HopHealthView()
    qtbot.addWidget(view)
    loaded = load_project(project)
    topology = topology_for_project(loaded)
    assert topology.providers[Slot.L1] is Cloud.AWS and not topology.boundaries
    view.show_hops(loaded.choices(), topology, [])
    assert "no hop crosses clouds" in view.note.text()
    assert view.table.isHidden()

    providers, hybrid = _hybrid(project)
    view.show_hops(providers, hybrid, None)
    assert view.note.text().startswith("Refresh to read")
    assert view.diagram.hop_state("l2-l3hot-writer") is None  # clouds' colours, no health
