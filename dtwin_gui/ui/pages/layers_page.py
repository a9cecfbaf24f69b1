"""Step 2: choose a cloud for each layer, and see what that choice means."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.providers import (
    CLOUD_TITLES,
    CLOUDS,
    PRESETS,
    SLOTS,
    Cloud,
    NoCloud,
    Slot,
    deployable_clouds,
    undeployable_reason,
)
from dtwin_gui.ui.pages.layers_cost import LayersCost
from dtwin_gui.ui.session import ProjectSession, ReadOnlyProjectError
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.widgets.cost_summary import CostSummary
from dtwin_gui.ui.widgets.flow_diagram import FlowDiagram
from dtwin_gui.ui.widgets.layer_matrix import LayerMatrix
from dtwin_gui.ui.widgets.topology_lists import GlueList, HopList
from dtwin_gui.ui.workers import TaskRunner

log = logging.getLogger(__name__)


def undeployable_summary(providers: Mapping[Slot, Cloud | NoCloud | None]) -> str:
    """What of this choice the version cannot deploy, and what to do ("" when all can)."""
    by_cloud: dict[Cloud, list[str]] = {}
    able: set[Cloud] = set()
    for slot in SLOTS:
        cloud = providers.get(slot)
        if isinstance(cloud, Cloud) and undeployable_reason(slot, cloud):
            by_cloud.setdefault(cloud, []).append(str(slot).replace("_", " "))
            able.update(deployable_clouds(slot))
    if not by_cloud:
        return ""
    parts = [f"{_join(slots)} on {CLOUD_TITLES[cloud]}" for cloud, slots in by_cloud.items()]
    choice = " or ".join(CLOUD_TITLES[c] for c in CLOUDS if c in able) or "another cloud"
    count = sum(len(slots) for slots in by_cloud.values())
    them = "this layer" if count == 1 else "these layers"
    return (
        f"This version cannot deploy {'; '.join(parts)}. Choose {choice} for {them} "
        "(cells marked ⚠) to deploy."
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class LayersPage(QWidget):
    """The provider matrix, presets, the live data-flow diagram and the glue lists."""

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.setSpacing(8)

        title_row = QHBoxLayout()
        title = QLabel("Choose a cloud for each layer")
        title.setProperty("role", "page-title")
        title_row.addWidget(title)
        title_row.addStretch(1)
        presets_label = QLabel("Presets:")
        presets_label.setProperty("role", "muted")
        title_row.addWidget(presets_label)
        self.preset_buttons: dict[str, QPushButton] = {}
        for name in PRESETS:
            button = QPushButton(name)
            button.setToolTip(f"Choose “{name}” for every layer")
            button.clicked.connect(lambda _=False, n=name: self.apply_preset(n))
            self.preset_buttons[name] = button
            title_row.addWidget(button)
        #: The cost preset: per layer the cloud that makes the whole twin cheapest.
        self.cheapest_button = QPushButton("Cheapest")
        self.cheapest_button.setToolTip(
            "Choose per layer the cloud that makes the whole twin cheapest a month, the glue "
            "of every cross-cloud hop included (only clouds that can host the layer)"
        )
        title_row.addWidget(self.cheapest_button)
        layout.addLayout(title_row)

        self.banner = Banner()
        layout.addWidget(self.banner)

        top = QHBoxLayout()
        top.setSpacing(16)
        self.matrix = LayerMatrix()
        self.matrix.choice_made.connect(self.choose)
        top.addWidget(self.matrix, 1)
        side_box = QWidget()
        side_box.setFixedWidth(290)
        side = QVBoxLayout(side_box)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(8)
        #: The summary of what this version cannot deploy (hidden when all of it can).
        self.deploy_note = Banner()
        self.deploy_note.setAccessibleName("Layers this version cannot deploy")
        side.addWidget(self.deploy_note)
        #: This choice's monthly cost, the cheapest, Usage… and Refresh prices….
        self.cost_summary = CostSummary()
        side.addWidget(self.cost_summary)
        self.hops = HopList()
        self.glue = GlueList()
        side.addWidget(self.hops, 3)
        side.addWidget(self.glue, 2)
        top.addWidget(side_box)
        layout.addLayout(top, 1)

        self.diagram = FlowDiagram()
        layout.addWidget(self.diagram)

        self.cost = LayersCost(
            session,
            runner or TaskRunner(self),
            self.matrix,
            self.cost_summary,
            self.banner,
            parent=self,
        )
        self.cost.choice_requested.connect(self._save)
        self.cheapest_button.clicked.connect(self.cost.apply_cheapest)

        session.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the session's provider choice and its topology."""
        project = self._session.project
        # Every slot's choice: a left-out L4/L5 is NO_CLOUD (the None column), not "unchosen".
        providers = project.choices() if project else {s: None for s in SLOTS}
        self.matrix.set_providers(providers)
        self.matrix.setEnabled(project is not None)
        for button in (*self.preset_buttons.values(), self.cheapest_button):
            button.setEnabled(project is not None)
        self.cost_summary.setEnabled(project is not None)
        topology = self._session.topology
        error = self._session.topology_error if project else "open a project first"
        self.diagram.set_state(providers, topology, error)
        self.hops.show_topology(topology, error)
        self.glue.show_topology(topology, error)
        note = undeployable_summary(providers) if project else ""
        if note:
            self.deploy_note.show_message("error", note)
        else:
            self.deploy_note.clear()
        self.cost.update()

    def choose(self, slot: Slot, cloud: Cloud | NoCloud) -> None:
        """The user picked ``cloud`` for ``slot`` (``NO_CLOUD``: None, L4/L5 only): save it
        and refresh."""
        project = self._session.project
        if project is None:
            return
        providers = {s: c for s, c in project.choices().items() if c is not None}
        providers[slot] = cloud
        self._save(providers)

    def apply_preset(self, name: str) -> None:
        self._save(dict(PRESETS[name]))

    def _save(self, providers: dict[Slot, Cloud | NoCloud]) -> None:
        try:
            self._session.set_providers(providers)
        except ReadOnlyProjectError as exc:  # the bundled example: nothing was written
            self.banner.show_message("info", str(exc))
            self.refresh()
            return
        except OSError as exc:
            log.exception("could not write the provider choice")
            self.banner.show_message(
                "error",
                f"Could not save config_providers.json: {exc.strerror or exc}. Check that the "
                "project folder is writable, then choose again.",
            )
            self.refresh()
            return
        self.banner.clear()
