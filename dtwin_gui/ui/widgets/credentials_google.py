"""The Google Cloud part of the Credentials page: Application Default Credentials or a
service-account key file (its path is remembered, the key is never copied), project and
region, the check on a worker, and the permission table per layer with what to grant."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from dtwin_gui.clouds import plugin
from dtwin_gui.core.providers import Cloud
from dtwin_gui.credentials import CheckResult
from dtwin_gui.credentials.store import GoogleChoice
from dtwin_gui.ui.widgets.credentials_clouds import NOT_DEPLOYABLE, _CloudPanel, _line
from dtwin_gui.ui.widgets.credentials_forms import GOOGLE_REGIONS, region_box
from dtwin_gui.ui.widgets.permission_table import PermissionTable
from dtwin_gui.ui.workers import TaskRunner

GOOGLE_NOTE = (
    "Google Cloud hosts L1–L3 (Pub/Sub, Cloud Functions, Firestore, Cloud Storage). Its layers "
    "deploy to the sandbox, or with these credentials to your project (Terraform's google "
    "provider applies them). The check shows what they allow."
)
KEY_NOTE = "The key file stays where it is: dtwin remembers its path, never its content."
ADC_HINT = (
    "Looked up in GOOGLE_APPLICATION_CREDENTIALS, else where “gcloud auth "
    "application-default login” puts them (~/.config/gcloud, %APPDATA%\\gcloud on Windows)."
)
_MODE_LABELS = {"adc": "ADC", "file": "key file"}
GOOGLE_GROUP_TITLES = {
    "setup": "Setup (APIs, service accounts, roles, source bucket)",
    "L1": "L1 · device ingestion (Pub/Sub, Eventarc, dispatcher)",
    "L2": "L2 · processing (Cloud Functions, Workflows)",
    "L3_hot": "L3 hot · Firestore",
    "L3_cold": "L3 cold · Cloud Storage (Nearline)",
    "L3_archive": "L3 archive · Cloud Storage (Archive)",
}


def _registry_check(choice, **kwargs) -> CheckResult:
    """The Google plugin's sign-in and permission check (no keyring secret for Google)."""
    return plugin(Cloud.GOOGLE).preflight(choice, None, **kwargs)


def _note() -> str:
    if plugin(Cloud.GOOGLE).deployable:
        return GOOGLE_NOTE
    return NOT_DEPLOYABLE.format(cloud="Google Cloud")


class GoogleCredentialsPanel(_CloudPanel):
    """Google Cloud: ADC or a key file; project and region; the permission preflight of the
    layers the project puts on Google (``layers()``; every Google layer when None)."""

    def __init__(
        self,
        choice: GoogleChoice,
        runner: TaskRunner,
        layers: Callable[[], list[str] | None] = lambda: None,
        *,
        check: Callable[..., CheckResult] = _registry_check,
    ) -> None:
        super().__init__(
            "Google Cloud",
            (("adc", "Application Default Credentials"), ("file", "Service-account key file")),
            runner,
            note=_note(),
        )
        self.choice, self._layers, self._check = choice, layers, check
        file_row = QWidget()
        row = QHBoxLayout(file_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.key_file = _line(choice.key_file, "path to the service account's JSON key")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        row.addWidget(self.key_file, 1)
        row.addWidget(self.browse)
        self.file_row = file_row
        self.key_note = QLabel(KEY_NOTE)
        self.key_note.setProperty("role", "muted")
        self.project = _line(choice.project_id, "project ID (default: the credentials' project)")
        self.region = region_box(GOOGLE_REGIONS, choice.region)
        self.adc_hint = QLabel(ADC_HINT)
        self.adc_hint.setProperty("role", "muted")
        self.adc_hint.setWordWrap(True)
        for label, widget in (
            ("Key file", file_row),
            ("", self.key_note),
            ("Project", self.project),
            ("Region", self.region),
        ):
            self.form.addRow(label, widget)
        layout = self.layout()
        # Above the form, not a row of it: a form row keeps a wrapped label's size hint (as
        # tall as at its narrowest), which left a gap under the mode buttons.
        at_form = next(i for i in range(layout.count()) if layout.itemAt(i).layout() is self.form)
        layout.insertWidget(at_form, self.adc_hint)
        self.permissions_note = QLabel()
        self.permissions_note.setWordWrap(True)
        self.permissions_note.setProperty("role", "muted")
        self.permissions_note.hide()
        layout.addWidget(self.permissions_note)
        self.permissions = PermissionTable(titles=GOOGLE_GROUP_TITLES)
        self.permissions.hide()
        layout.addWidget(self.permissions)
        buttons = QHBoxLayout()
        self.copy_roles_button = QPushButton("Copy role list (gcloud commands)")
        self.copy_roles_button.clicked.connect(self.copy_roles)
        self.copy_role_button = QPushButton("Copy custom role YAML")
        self.copy_role_button.clicked.connect(self.copy_custom_role)
        for button in (self.copy_roles_button, self.copy_role_button):
            button.hide()
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.mode_buttons[choice.mode].setChecked(True)
        self._sync()
        for button in self.mode_buttons.values():
            button.toggled.connect(self._edited)
        for edit in (self.key_file, self.project):
            edit.editingFinished.connect(self._edited)
        self.region.currentTextChanged.connect(self._edited)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Service-account key", "", "JSON (*.json)")
        if path:
            self.key_file.setText(path)
            self._edited()

    def _sync(self) -> None:
        key = self.choice.mode == "file"
        self.form.setRowVisible(self.file_row, key)
        self.form.setRowVisible(self.key_note, key)
        self.adc_hint.setVisible(not key)

    def _edited(self) -> None:
        self.choice.mode = "file" if self.mode_buttons["file"].isChecked() else "adc"
        self.choice.key_file = self.key_file.text().strip()
        self.choice.project_id = self.project.text().strip()
        self.choice.region = self.region.currentText().strip()
        self._sync()
        self.changed.emit()

    def check(self) -> None:
        self._edited()
        choice, layers, check = self.choice.model_copy(), self._layers(), self._check
        self._start(lambda: check(choice, layers=layers), "check-google")

    @property
    def label(self) -> str:
        """One line for headers, e.g. "Google Cloud · key file · europe-west1"."""
        how = _MODE_LABELS.get(self.choice.mode, self.choice.mode)
        return f"Google Cloud · {how} · {self.choice.region or 'europe-west1'}"

    def _show(self, result: CheckResult) -> None:
        report = result.preflight if result.ok else None
        self.permissions.show_preflight(report)
        self.permissions.setVisible(report is not None)
        note = report.note if report else ""
        if report and report.denied:
            roles = [r for r in report.roles() if r.startswith("roles/")]
            note = (
                f"{len(report.denied)} permissions are missing on project {report.project}. "
                f"Ask a project owner to grant {', '.join(roles)} (copy the gcloud commands), "
                "or to create the custom role below and grant it, then Check again."
            ) + (f" {report.note}" if report.note else "")
        self.permissions_note.setText(note)
        self.permissions_note.setVisible(bool(note))
        for button in (self.copy_roles_button, self.copy_role_button):
            button.setVisible(report is not None)
        missing = bool(report and report.denied)
        self.copy_roles_button.setText(
            "Copy role list for the missing permissions (gcloud)"
            if missing
            else "Copy role list with every role dtwin needs (gcloud)"
        )
        self.copy_role_button.setText(
            "Copy custom role YAML (missing permissions)"
            if missing
            else "Copy custom role YAML (every permission)"
        )
        super()._show(result)

    def _report(self):
        return self.last_result.preflight if self.last_result else None

    def roles_text(self) -> str:
        report = self._report()
        return report.role_list() if report else ""

    def custom_role_text(self) -> str:
        report = self._report()
        return report.custom_role_yaml() if report else ""

    def copy_roles(self) -> None:
        QApplication.clipboard().setText(self.roles_text())

    def copy_custom_role(self) -> None:
        QApplication.clipboard().setText(self.custom_role_text())
