"""Step 3: what the twin is made of (devices, rules, hierarchy) and what is wrong with it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.problems import Problem, ValidationReport
from dtwin_gui.core.providers import Slot
from dtwin_gui.ui.locate import problem_position
from dtwin_gui.ui.open_file import Launcher
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.widgets.device_tree import DeviceTree
from dtwin_gui.ui.widgets.file_viewer import FileViewer
from dtwin_gui.ui.widgets.hierarchy_tree import HierarchyView
from dtwin_gui.ui.widgets.rules_table import RulesTable
from dtwin_gui.ui.widgets.validation_panel import ValidationPanel


def _panel(widget: QWidget) -> QFrame:
    frame = QFrame()
    frame.setProperty("role", "panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 12)
    layout.addWidget(widget)
    return frame


def _gone_note(others: int) -> str:
    """The viewer's note once the problem it showed is no longer found."""
    if not others:
        return "that problem is fixed"
    return f"that problem is fixed; {others} other{'s' if others > 1 else ''} in this file"


#: What the Hierarchy tab says when the twin leaves L4 out.
TWIN_MODEL_OFF = (
    "The twin model is off: L4 is None on the Layers step, so this twin has no twin model "
    "and needs no hierarchy (devices, rules and storage work without it). "
    "Choose AWS or Azure for L4 to build one."
)


class TwinPage(QWidget):
    """Devices, event rules and hierarchy on the left; problems and the file viewer right."""

    def __init__(
        self,
        session: ProjectSession,
        parent: QWidget | None = None,
        *,
        launcher: Launcher | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._shown: Problem | None = None  # the problem the file viewer shows
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.setSpacing(8)
        title_row = QHBoxLayout()
        title = QLabel("Your twin")
        title.setProperty("role", "page-title")
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "muted")
        title_row.addWidget(title)
        title_row.addSpacing(12)
        title_row.addWidget(self.subtitle, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(title_row)

        self.tabs = QTabWidget()
        self.devices = DeviceTree()
        self.rules = RulesTable()
        self.hierarchy = HierarchyView()
        self.tabs.addTab(self.devices, "Devices")
        self.tabs.addTab(self.rules, "Event rules")
        self.tabs.addTab(self.hierarchy, "Hierarchy")

        self.problems = ValidationPanel()
        self.problems.setMinimumWidth(380)
        self.viewer = FileViewer(launcher=launcher)
        self.problems.problem_activated.connect(self.open_problem)
        #: Activating a problem also opens its file in the editor, until that fails once
        #: (and again once "Open in editor" worked).
        self.auto_open_editor = True
        self.viewer.open_requested.connect(self._editor_tried)
        self.problems.recheck_requested.connect(session.reload)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(_panel(self.problems))
        right.addWidget(_panel(self.viewer))
        right.setSizes([330, 270])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([500, 540])
        self.splitter.setChildrenCollapsible(False)
        self.tabs.setMinimumWidth(420)
        layout.addWidget(self.splitter, 1)

        session.changed.connect(self.refresh)
        session.changed.connect(self.viewer.reload)  # the preview follows the file on disk
        session.opened.connect(lambda _root: self._show_problem(None))
        session.validation_started.connect(lambda: self.problems.set_running(True))
        session.validated.connect(self._validated)
        session.validation_failed.connect(self.problems.set_failed)
        self.refresh()

    def refresh(self) -> None:
        """Show the session's devices, rules and hierarchy."""
        project = self._session.project
        devices = project.devices if project else []
        rules = project.events if project else []
        self.devices.show_devices(devices)
        self.rules.show_rules(rules)
        self.tabs.setTabText(0, f"Devices ({len(devices)})")
        self.tabs.setTabText(1, f"Event rules ({len(rules)})")
        l4 = project.providers.get(Slot.L4) if project else None
        self.hierarchy.show_for(project.root if project else None, l4)
        twin_model = project is None or project.has_layer(Slot.L4)
        if not twin_model:
            self.hierarchy.caption.setText(TWIN_MODEL_OFF)
        self.tabs.setTabText(2, "Hierarchy" if twin_model else "Hierarchy (off)")
        self.tabs.setTabToolTip(2, "" if twin_model else TWIN_MODEL_OFF)
        if project:
            features = [n.replace("_", " ") for n, on in project.features.items() if on]
            self.subtitle.setText(
                "features: " + (", ".join(features) if features else "none switched on")
            )
        else:
            self.subtitle.setText("")

    def _validated(self, report: ValidationReport) -> None:
        self.problems.set_running(False)
        self.problems.set_report(report)
        self._follow_problem(report)

    def _follow_problem(self, report: ValidationReport) -> None:
        """Keep the viewer's highlight on the shown problem, or say it is gone."""
        shown, root = self._shown, self._session.root
        if shown is None or root is None:
            return
        self.viewer.reload()
        same = [
            p
            for p in report.problems
            if (p.file, p.code, p.message, p.path)
            == (shown.file, shown.code, shown.message, shown.path)
        ]
        if same:
            self._shown = same[0]
            self.viewer.mark(*problem_position(root, same[0]))
            return
        self._shown = None
        others = sum(1 for p in report.problems if p.file == shown.file)
        self.viewer.mark(None, note=_gone_note(others))

    def _show_problem(self, problem: Problem | None) -> None:
        self._shown = problem
        if problem is None:
            self.viewer.clear()

    def _editor_tried(self, _path) -> None:
        self.auto_open_editor = self.viewer.open_failed.isHidden()

    def open_problem(self, problem: Problem) -> None:
        """Show the problem's file at its place here, and open it in the user's editor.

        Once no editor could be started, later problems only show here (the note saying so
        came once; "Open in editor" still tries), so the preview keeps its room.
        """
        root = self._session.root
        if root is None or not problem.file:
            return
        path = root / problem.file
        line, column = problem_position(root, problem)
        self._shown = problem
        self.viewer.show_file(path, line, column, label=problem.file)
        if path.is_file() and self.auto_open_editor:
            self.viewer.open_in_editor()
