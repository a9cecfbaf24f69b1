"""Ask where to create a project from the example, and the twin's name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.naming import suggest_twin_name
from dtwin_gui.core.scaffold import ScaffoldError, new_project


class NewProjectDialog(QDialog):
    """Location + folder name + twin name; scaffold errors are shown inline."""

    created = Signal(object)  # Path of the new project

    def __init__(
        self,
        default_location: Path,
        *,
        create: Callable[..., Path] = new_project,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._create = create
        self._twin_edited = False
        self.setWindowTitle("New project from the example")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "dtwin copies its example project (a small factory with three sensors) into a new "
            "folder. You can change everything afterwards."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        layout.addWidget(intro)

        form = QFormLayout()
        self.location = QLineEdit(str(default_location))
        browse = QPushButton("Browse…")
        # Not a default button: Enter in any field creates the project, it does not browse.
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.location, 1)
        row.addWidget(browse)
        form.addRow("Create in:", row)
        self.folder = QLineEdit("my-twin")
        form.addRow("Folder name:", self.folder)
        self.twin_name = QLineEdit(suggest_twin_name("my-twin"))
        self.twin_name.setToolTip(
            "Prefix of every cloud resource name: lowercase letters, digits and single hyphens, "
            "starting with a letter."
        )
        form.addRow("Twin name:", self.twin_name)
        layout.addLayout(form)
        self.preview = QLabel()
        self.preview.setProperty("role", "muted")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        self.error = QLabel()
        self.error.setProperty("role", "field-error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QDialogButtonBox()
        self.create_button = buttons.addButton("Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setProperty("primary", True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self.create_project)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Only now is the button inside the dialog, so the dialog takes it as its default.
        self.create_button.setDefault(True)

        self.folder.textChanged.connect(self._folder_changed)
        self.twin_name.textEdited.connect(self._twin_name_edited)
        self.location.textChanged.connect(self._update_preview)
        self._update_preview()

    def destination(self) -> Path:
        return Path(self.location.text().strip()).expanduser() / self.folder.text().strip()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Where should the new project go?", self.location.text()
        )
        if folder:
            self.location.setText(folder)

    def _folder_changed(self, text: str) -> None:
        if not self._twin_edited:
            self.twin_name.setText(suggest_twin_name(text))
        self._update_preview()

    def _twin_name_edited(self, _text: str) -> None:
        self._twin_edited = True

    def _update_preview(self) -> None:
        self.preview.setText(f"The project will be created at {self.destination()}")

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def create_project(self) -> None:
        """Create the project; on success emit :attr:`created` and close."""
        if not self.location.text().strip() or not self.folder.text().strip():
            self._fail("Choose a location and a folder name for the new project.")
            return
        dest = self.destination()
        try:
            path = self._create(dest, twin_name=self.twin_name.text().strip())
        except ScaffoldError as exc:
            self._fail(f"Cannot create the project: {exc}.")
            return
        except OSError as exc:
            self._fail(f"Cannot create the project at {dest}: {exc.strerror or exc}.")
            return
        self.error.hide()
        self.created.emit(Path(path))
        self.accept()
