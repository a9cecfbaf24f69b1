"""The Settings dialog: workspace location, Terraform program, provider mirror and theme.

The Terraform program and the mirror are checked in a worker (``terraform version`` can take
a moment) and the result is shown under each field. Saving writes the settings file
atomically and applies the theme at once; :attr:`SettingsDialog.saved` carries the new
:class:`~dtwin_gui.settings.AppSettings`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
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

from dtwin_gui.build.workspace import data_dir
from dtwin_gui.iac.cli_config import find_mirror
from dtwin_gui.settings import (
    AppSettings,
    SettingCheckError,
    check_mirror,
    check_terraform,
    load_settings,
    save_settings,
    settings_path,
)
from dtwin_gui.ui.theme import apply_theme
from dtwin_gui.ui.widgets.backend_settings import BackendSettings
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

THEME_CHOICES = (("system", "Same as the system"), ("light", "Light"), ("dark", "Dark"))


class CheckedField(QWidget):
    """A line edit with Browse… and a status line showing the last check of its value."""

    def __init__(self, placeholder: str, browse_title: str, *, pick_file: bool) -> None:
        super().__init__()
        self._browse_title, self._pick_file = browse_title, pick_file
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.browse = QPushButton("Browse…")
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "muted")
        layout.addWidget(self.status)
        self.browse.clicked.connect(self._browse)
        self.error = False

    def text(self) -> str:
        return self.edit.text().strip()

    def show_status(self, text: str, kind: str = "muted") -> None:
        """``kind``: ``muted`` (neutral), ``ok`` or ``field-error``."""
        self.error = kind == "field-error"
        self.status.setText(text)
        self.status.setProperty("role", kind)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _browse(self) -> None:
        start = self.text() or str(Path.home())
        if self._pick_file:
            chosen, _ = QFileDialog.getOpenFileName(self, self._browse_title, start)
        else:
            chosen = QFileDialog.getExistingDirectory(self, self._browse_title, start)
        if chosen:
            self.edit.setText(chosen)
            self.edit.editingFinished.emit()


class SettingsDialog(QDialog):
    """Edit the app settings. Emits :attr:`saved` with the new settings after a save."""

    saved = Signal(object)  # AppSettings

    def __init__(self, parent: QWidget | None = None, *, path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(620)
        self._path = path or settings_path()
        self._runner = TaskRunner(self)
        self._checked: dict[str, str | None] = {"terraform": None, "mirror": None}
        current = load_settings(self._path)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.banner = Banner(self)
        layout.addWidget(self.banner)
        if current.load_error:
            self.banner.show_message("error", current.load_error)

        form = QFormLayout()
        form.setVerticalSpacing(12)
        default_ws = data_dir() / "workspaces"
        self.workspace = CheckedField(
            str(default_ws), "Where should dtwin keep deployment workspaces?", pick_file=False
        )
        self.workspace.show_status(
            "Build output, Terraform state and run logs of every project. "
            f"Empty: {default_ws}. Existing workspaces are not moved."
        )
        self.terraform = CheckedField("terraform", "Choose the terraform program", pick_file=True)
        auto = find_mirror()
        self.mirror = CheckedField(
            str(auto) if auto else "no mirror found: providers come from the registry",
            "Choose the provider mirror folder",
            pick_file=False,
        )
        self.theme = QComboBox()
        for key, title in THEME_CHOICES:
            self.theme.addItem(title, key)
        for label, field in (
            ("&Workspace location:", self.workspace),
            ("&Terraform program:", self.terraform),
            ("Provider &mirror:", self.mirror),
            ("T&heme:", self.theme),
        ):
            buddy = QLabel(label)
            buddy.setBuddy(field.edit if isinstance(field, CheckedField) else field)
            form.addRow(buddy, field)
        layout.addLayout(form)
        self.backends = BackendSettings(current.state_backends, self._runner, parent=self)
        layout.addWidget(self.backends)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.workspace.edit.setText(str(current.workspace_location or ""))
        self.terraform.edit.setText(current.terraform_path)
        self.mirror.edit.setText(str(current.plugin_mirror or ""))
        self.theme.setCurrentIndex(max(0, self.theme.findData(current.theme)))
        self.terraform.edit.editingFinished.connect(self.check_terraform)
        self.mirror.edit.editingFinished.connect(self.check_mirror)
        self.setTabOrder(self.workspace.edit, self.terraform.edit)
        self.setTabOrder(self.terraform.edit, self.mirror.edit)
        self.setTabOrder(self.mirror.edit, self.theme)
        self.workspace.edit.setFocus()
        self.check_terraform()
        self.check_mirror()

    # --- checks (in a worker) -------------------------------------------------------------

    @property
    def checking(self) -> bool:
        return self._runner.active > 0

    def check_terraform(self) -> None:
        """Run ``terraform version`` on the chosen program; the answer shows under the field."""
        binary = self.terraform.text() or "terraform"
        if self._checked["terraform"] == binary:
            return
        self._checked["terraform"] = binary
        self.terraform.show_status(f"Checking {binary}…")
        self._runner.start(
            lambda: check_terraform(binary),
            name="check-terraform",
            on_result=lambda version: self._checked_ok(
                self.terraform, "terraform", binary, f"✔ Terraform {version}"
            ),
            on_error=lambda failure: self._checked_bad(
                self.terraform, "terraform", binary, failure
            ),
        )

    def check_mirror(self) -> None:
        """List the providers the chosen mirror holds (auto-detected one when empty)."""
        text = self.mirror.text()
        if self._checked["mirror"] == text:
            return
        self._checked["mirror"] = text
        if not text:
            auto = find_mirror()
            if auto is None:
                self.mirror.show_status("No mirror set or found: Terraform downloads providers.")
                return
            folder = auto
        else:
            folder = Path(text).expanduser()
        self.mirror.show_status(f"Looking into {folder}…")
        self._runner.start(
            lambda: check_mirror(folder),
            name="check-mirror",
            on_result=lambda providers: self._checked_ok(
                self.mirror,
                "mirror",
                text,
                f"✔ {'Auto-detected: ' if not text else ''}holds " + ", ".join(providers),
            ),
            on_error=lambda failure: self._checked_bad(self.mirror, "mirror", text, failure),
        )

    def _checked_ok(self, field: CheckedField, key: str, value: str, message: str) -> None:
        if self._checked[key] == value:  # else the field changed since: a newer check runs
            field.show_status(message, "ok")

    def _checked_bad(self, field: CheckedField, key: str, value: str, failure: TaskFailure) -> None:
        if self._checked[key] != value:
            return
        if isinstance(failure.exception, SettingCheckError):
            field.show_status(failure.message, "field-error")
        else:
            field.show_status(f"The check failed unexpectedly: {failure.message}", "field-error")

    # --- saving ---------------------------------------------------------------------------

    def settings(self) -> AppSettings:
        """The settings as currently entered (not validated against the disk)."""
        workspace, mirror = self.workspace.text(), self.mirror.text()
        return AppSettings(
            workspace_location=Path(workspace).expanduser() if workspace else None,
            terraform_path=self.terraform.text() or "terraform",
            plugin_mirror=Path(mirror).expanduser() if mirror else None,
            theme=self.theme.currentData(),
            state_backends=self.backends.values(),
        )

    def _problem(self) -> str | None:
        workspace = self.workspace.text()
        if workspace:
            folder = Path(workspace).expanduser()
            if not folder.is_absolute():
                return "The workspace location must be a full path (for example /home/me/dtwin)."
            if folder.exists() and not folder.is_dir():
                return f"The workspace location {folder} is a file; choose a folder."
        self.check_terraform()
        self.check_mirror()
        for name, field in (("Terraform program", self.terraform), ("mirror", self.mirror)):
            if field.error:
                return f"The {name} does not work: {field.status.text()}"
        return self.backends.problem()

    def save(self) -> None:
        """Check the fields, write the settings file, apply the theme, emit :attr:`saved`."""
        problem = self._problem()
        if problem:
            self.banner.show_message("error", problem)
            return
        settings = self.settings()
        try:
            save_settings(settings, self._path)
        except OSError as exc:
            self.banner.show_message(
                "error",
                f"The settings could not be saved to {self._path} ({exc.strerror or exc}). "
                "Check that the folder exists and that you may write to it; your previous "
                "settings are unchanged.",
            )
            return
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, settings.theme)
        self.saved.emit(settings)
        self.accept()

    def done(self, result: int) -> None:
        self._runner.shutdown()
        super().done(result)
