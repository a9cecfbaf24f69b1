"""Step 1: create, open or import a project; recent projects; what the open one is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.example import projects_dir
from dtwin_gui.core.providers import CLOUD_TITLES
from dtwin_gui.ui.dialogs.import_dialog import ImportDialog
from dtwin_gui.ui.dialogs.new_project_dialog import NewProjectDialog
from dtwin_gui.ui.recent import RecentProjects
from dtwin_gui.ui.session import NotAProjectError, ProjectSession
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.workers import TaskRunner

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class ActionCard(QFrame):
    """A big clickable card: symbol, title, one sentence and a button."""

    triggered = Signal()

    def __init__(self, symbol: str, title: str, text: str, button: str, shortcut: str) -> None:
        super().__init__()
        self.setProperty("role", "card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        head = QHBoxLayout()
        mark = QLabel(symbol)
        mark.setStyleSheet("font-size: 20pt; color: #2563EB; border: none;")
        heading = QLabel(title)
        heading.setProperty("role", "card-title")
        heading.setStyleSheet("border: none;")
        head.addWidget(mark)
        head.addWidget(heading, 1)
        layout.addLayout(head)
        body = QLabel(text)
        body.setWordWrap(True)
        body.setProperty("role", "muted")
        body.setStyleSheet("border: none;")
        body.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(body, 1)
        self.button = QPushButton(button)
        self.button.setToolTip(f"{title} ({shortcut})")
        self.button.clicked.connect(self.triggered)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.pos()):
            self.triggered.emit()
        super().mouseReleaseEvent(event)


def _default_location() -> Path:
    return projects_dir()


class TemplateNotice(QFrame):
    """Shown while the bundled example itself is open: it is read-only; offer a copy."""

    save_copy = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "banner")
        self.setProperty("kind", "info")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel(
            "ℹ  This is dtwin's bundled example. It stays unchanged so that every new project "
            "can start from it: you can look around, but not change it. Save a copy to make "
            "it yours."
        )
        self.label.setWordWrap(True)
        self.button = QPushButton("Save a copy…")
        self.button.setProperty("primary", True)
        self.button.clicked.connect(self.save_copy)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()


class ProjectPage(QWidget):
    """Open a project in one of three ways; see recent ones and the current one."""

    def __init__(
        self,
        session: ProjectSession,
        recent: RecentProjects,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._recent = recent
        self._runner = runner
        self.new_dialog: NewProjectDialog | None = None
        self.import_dialog: ImportDialog | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(12)
        title = QLabel("Start with a project")
        title.setProperty("role", "page-title")
        layout.addWidget(title)
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.template_notice = TemplateNotice()
        self.template_notice.save_copy.connect(self.ask_save_copy)
        layout.addWidget(self.template_notice)

        cards = QHBoxLayout()
        cards.setSpacing(14)
        self.new_card = ActionCard(
            "✚",
            "New from example",
            "Copy the example factory twin (three sensors, an alert rule, a hierarchy) into a "
            "new folder and give it a name.",
            "Create…",
            "Ctrl+N",
        )
        self.open_card = ActionCard(
            "▤",
            "Open folder",
            "Open a dtwin project folder: the one that contains config.json.",
            "Open…",
            "Ctrl+O",
        )
        self.import_card = ActionCard(
            "⇪",
            "Import project",
            "An older deployer's project (translated) or a dtwin export, from a folder or "
            "a .zip, with a report per file.",
            "Import…",
            "Ctrl+I",
        )
        self.new_card.triggered.connect(self.ask_new_project)
        self.open_card.triggered.connect(self.ask_open_folder)
        self.import_card.triggered.connect(self.ask_import)
        for card in (self.new_card, self.open_card, self.import_card):
            cards.addWidget(card, 1)
        layout.addLayout(cards)

        lower = QGridLayout()
        lower.setHorizontalSpacing(14)
        recent_title = QLabel("Recent projects")
        recent_title.setProperty("role", "section")
        self.recent_list = QListWidget()
        self.recent_list.setAccessibleName("Recent projects")
        self.recent_list.setProperty("role", "recent")
        self.recent_list.itemActivated.connect(self._recent_activated)
        remove = QShortcut(QKeySequence.StandardKey.Delete, self.recent_list)
        remove.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove.activated.connect(self._remove_recent)
        summary_title = QLabel("Current project")
        summary_title.setProperty("role", "section")
        self.summary = QFrame()
        self.summary.setProperty("role", "panel")
        self.summary_form = QFormLayout(self.summary)
        self.summary_form.setContentsMargins(16, 12, 16, 12)
        self.summary_form.setHorizontalSpacing(16)
        self.summary_labels: dict[str, QLabel] = {}
        for key in ("Twin name", "Folder", "Description", "Devices", "Event rules", "Clouds"):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.summary_labels[key] = label
            self.summary_form.addRow(f"{key}:", label)
        self.no_project = QLabel(
            "No project is open. Create one from the example, open a folder, or import a "
            "project (an older deployer's or a dtwin export)."
        )
        self.no_project.setWordWrap(True)
        self.no_project.setProperty("role", "muted")
        self.summary_form.addRow(self.no_project)
        lower.addWidget(recent_title, 0, 0)
        lower.addWidget(summary_title, 0, 1)
        lower.addWidget(self.recent_list, 1, 0)
        lower.addWidget(self.summary, 1, 1)
        lower.setColumnStretch(0, 1)
        lower.setColumnStretch(1, 1)
        layout.addLayout(lower, 1)

        session.changed.connect(self.refresh_summary)
        self.refresh_recent()
        self.refresh_summary()

    # --- opening ---------------------------------------------------------------------------
    def open_folder(self, path: Path) -> bool:
        """Open ``path`` as the project; say clearly why when it is not one."""
        try:
            self._session.open(Path(path))
        except NotAProjectError as exc:
            self.banner.show_message("error", str(exc))
            return False
        except OSError as exc:
            self.banner.show_message("error", f"Cannot open {path}: {exc.strerror or exc}.")
            return False
        self.banner.clear()
        self.template_notice.setVisible(self._session.read_only)
        self._recent.add(self._session.root)
        self.refresh_recent()
        return True

    def ask_open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a dtwin project folder")
        if folder:
            self.open_folder(Path(folder))

    def ask_new_project(self) -> NewProjectDialog:
        """Show the new-project dialog (window-modal; does not block)."""
        dialog = NewProjectDialog(_default_location(), parent=self)
        dialog.created.connect(self._created)
        dialog.finished.connect(dialog.deleteLater)
        self.new_dialog = dialog
        dialog.open()
        return dialog

    def ask_save_copy(self) -> NewProjectDialog:
        """Copy the open bundled example to a folder the user picks, then open the copy."""
        dialog = self.ask_new_project()
        dialog.setWindowTitle("Save a copy of the example")
        dialog.create_button.setText("Save copy")
        if self._session.project is not None and self._session.project.twin_name:
            dialog.twin_name.setText(self._session.project.twin_name)
        return dialog

    def _created(self, path: Path) -> None:
        if self.open_folder(path):
            self.banner.show_message("ok", f"Created {path} from the example.")

    def ask_import(self) -> ImportDialog:
        """Show the import dialog (window-modal; does not block)."""
        dialog = ImportDialog(self._runner, parent=self)
        dialog.open_requested.connect(self.open_folder)
        dialog.finished.connect(dialog.deleteLater)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    # --- recent ----------------------------------------------------------------------------
    def refresh_recent(self) -> None:
        self.recent_list.clear()
        paths = self._recent.paths()
        for path in paths:
            exists = (path / "config.json").is_file()
            text = f"{path.name}\n{path}" + ("" if exists else "  (missing)")
            item = QListWidgetItem(text)
            item.setData(PATH_ROLE, str(path))
            missing_tip = f"{path} no longer holds a project (Delete removes it)"
            item.setToolTip(f"Open {path}" if exists else missing_tip)
            if not exists:
                item.setForeground(Qt.GlobalColor.gray)
            self.recent_list.addItem(item)
        if not paths:
            item = QListWidgetItem("Projects you open appear here.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent_list.addItem(item)

    def _recent_activated(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.open_folder(Path(path))

    def _remove_recent(self) -> None:
        item = self.recent_list.currentItem()
        if item and item.data(PATH_ROLE):
            self._recent.remove(Path(item.data(PATH_ROLE)))
            self.refresh_recent()

    # --- summary ---------------------------------------------------------------------------
    def refresh_summary(self) -> None:
        project = self._session.project
        wanted = project is not None
        changes = [
            label
            for label in self.summary_labels.values()
            if self.summary_form.isRowVisible(label) != wanted
        ]
        if changes or self.no_project.isVisibleTo(self.summary) == wanted:
            # Rows shown one by one in a visible form relayout it each time (~2 ms a row):
            # change them while the box is hidden, then show it once.
            hidden = self.summary.isHidden()
            self.summary.hide()
            self.no_project.setVisible(not wanted)
            for label in changes:
                self.summary_form.setRowVisible(label, wanted)
            self.summary.setHidden(hidden)
        if project is None:
            return
        clouds = self._session.topology.clouds if self._session.topology else []
        values = {
            "Twin name": project.twin_name or "(not set in config.json)",
            "Folder": str(project.root),
            "Description": project.description or "(none in project_info.json)",
            "Devices": str(len(project.devices)),
            "Event rules": str(len(project.events)),
            "Clouds": ", ".join(CLOUD_TITLES[c] for c in clouds)
            if clouds
            else (self._session.topology_error or ""),
        }
        for key, value in values.items():
            self.summary_labels[key].setText(value)
