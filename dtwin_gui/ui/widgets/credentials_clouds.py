"""The Azure part of the Credentials page, and the panel every cloud's part builds on (the
Google one: :mod:`.credentials_google`)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from dtwin_gui.clouds.azure.preflight import SECRET_NAME, check_azure
from dtwin_gui.credentials import CheckResult
from dtwin_gui.credentials.secrets import SecretStore
from dtwin_gui.credentials.store import AzureChoice
from dtwin_gui.ui.widgets.credentials_forms import (
    AZURE_REGIONS,
    CheckResultBox,
    SecretField,
    region_box,
)
from dtwin_gui.ui.widgets.permission_table import PermissionTable
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

NOT_DEPLOYABLE = (
    "{cloud} layers can be checked here but not deployed yet: this version deploys AWS and "
    "Azure only."
)
#: Azure deploys to the sandbox; the real-cloud target ("My AWS account") makes AWS's
#: connection only, so a deploy to the user's own Azure subscription is not offered yet.
AZURE_NOTE = (
    "Azure layers deploy to the sandbox, or with these credentials to your subscription "
    "(Terraform's azurerm provider applies them). The check shows what they allow."
)


class _CloudPanel(QGroupBox):
    """Two modes (radio buttons), a form, a Check button and the result box."""

    changed = Signal()
    checked = Signal(object)  # CheckResult

    def __init__(
        self, title: str, modes: tuple[tuple[str, str], ...], runner: TaskRunner, note: str = ""
    ):
        super().__init__(title)
        self._runner = runner
        self.last_result: CheckResult | None = None
        layout = QVBoxLayout(self)
        calm = QLabel(note or NOT_DEPLOYABLE.format(cloud=title))
        calm.setProperty("role", "muted")
        calm.setWordWrap(True)
        layout.addWidget(calm)
        row = QHBoxLayout()
        self.mode_buttons: dict[str, QRadioButton] = {}
        group = QButtonGroup(self)
        for key, text in modes:
            button = QRadioButton(text)
            group.addButton(button)
            row.addWidget(button)
            self.mode_buttons[key] = button
        row.addStretch(1)
        layout.addLayout(row)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        actions = QHBoxLayout()
        self.check_button = QPushButton(f"Check {title}")
        actions.addWidget(self.check_button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.result = CheckResultBox()
        layout.addWidget(self.result)
        self.check_button.clicked.connect(self.check)

    def _start(self, fn, name: str) -> None:
        self.check_button.setEnabled(False)
        self.result.show_busy("Checking…")
        self._runner.start(
            fn,
            name=name,
            on_result=self._show,
            on_error=self._failed,
            on_finished=lambda: self.check_button.setEnabled(True),
        )

    def _show(self, result: CheckResult) -> None:
        self.last_result = result
        self.result.show_result(result)
        self.checked.emit(result)

    def _failed(self, failure: TaskFailure) -> None:
        self.result.show_error(
            f"The check stopped unexpectedly ({type(failure.exception).__name__}). "
            "Details are in the log; try again."
        )

    def check(self) -> None:
        """Run this cloud's check on a worker (each cloud's panel defines it)."""
        raise NotImplementedError(f"{type(self).__name__} must define check()")


def _line(text: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setPlaceholderText(placeholder)
    return edit


AZURE_GROUP_TITLES = {
    "setup": "Setup (subscription, resource group, role assignments)",
    "L1": "L1 · device ingestion (IoT Hub, Event Grid)",
    "L2": "L2 · processing (Function Apps)",
    "L3_hot": "L3 hot · Cosmos DB",
    "L3_cold": "L3 cold · Blob Storage (Cool)",
    "L3_archive": "L3 archive · Blob Storage (Archive)",
    "L4": "L4 · twin model (Azure Digital Twins)",
    "L5": "L5 · dashboards (Azure Managed Grafana)",
}


class AzureCredentialsPanel(_CloudPanel):
    """Azure: ``az login``, a service principal (secret in the keyring) or a managed
    identity; subscription and location; the permission preflight per layer."""

    def __init__(
        self,
        choice: AzureChoice,
        secrets: SecretStore,
        runner: TaskRunner,
        layers: Callable[[], list[str] | None] = lambda: None,
        twin_name: Callable[[], str | None] = lambda: None,
    ) -> None:
        super().__init__(
            "Azure",
            (
                ("cli", "My “az login” session"),
                ("principal", "Service principal"),
                ("msi", "Managed identity"),
            ),
            runner,
            note=AZURE_NOTE,
        )
        self.choice, self._secrets, self._layers = choice, secrets, layers
        self._twin_name = twin_name
        guid = "00000000-0000-0000-0000-000000000000"
        self.tenant = _line(choice.tenant_id, guid)
        self.client = _line(choice.client_id, guid)
        self.secret = SecretField("client secret")
        self.subscription = _line(choice.subscription_id, "subscription ID (optional for az login)")
        self.region = region_box(AZURE_REGIONS, choice.region)
        for label, widget in (
            ("Tenant ID", self.tenant),
            ("Client ID", self.client),
            ("Client secret", self.secret),
            ("Subscription", self.subscription),
            ("Location", self.region),
        ):
            self.form.addRow(label, widget)
        layout = self.layout()
        self.permissions_note = QLabel()
        self.permissions_note.setWordWrap(True)
        self.permissions_note.setProperty("role", "muted")
        self.permissions_note.hide()
        layout.addWidget(self.permissions_note)
        self.permissions = PermissionTable(titles=AZURE_GROUP_TITLES)
        self.permissions.hide()
        layout.addWidget(self.permissions)
        self.copy_button = QPushButton("Copy custom role JSON")
        self.copy_button.hide()
        self.copy_button.clicked.connect(self.copy_role)
        layout.addWidget(self.copy_button)
        self.mode_buttons[choice.mode].setChecked(True)
        self._sync()
        for button in self.mode_buttons.values():
            button.toggled.connect(self._edited)
        for edit in (self.tenant, self.client, self.subscription):
            edit.editingFinished.connect(self._edited)
        self.region.currentTextChanged.connect(self._edited)
        self.secret.editingFinished.connect(self._store_secret)

    def _mode(self) -> str:
        return next((k for k, b in self.mode_buttons.items() if b.isChecked()), "cli")

    def _sync(self) -> None:
        mode = self.choice.mode
        self.form.setRowVisible(self.tenant, mode == "principal")
        self.form.setRowVisible(self.client, mode in ("principal", "msi"))
        self.form.setRowVisible(self.secret, mode == "principal")
        self.client.setPlaceholderText(
            "client ID of a user-assigned identity (empty: system-assigned)"
            if mode == "msi"
            else "00000000-0000-0000-0000-000000000000"
        )
        where = "in the keyring" if self._secrets.persistent else "for this session"
        self.secret.set_stored(bool(self._secrets.get(SECRET_NAME)), where)

    def _edited(self) -> None:
        self.choice.mode = self._mode()
        self.choice.tenant_id = self.tenant.text().strip()
        self.choice.client_id = self.client.text().strip()
        self.choice.subscription_id = self.subscription.text().strip()
        self.choice.region = self.region.currentText().strip()
        self._sync()
        self.changed.emit()

    def _store_secret(self) -> None:
        if self.secret.text():
            self._secrets.set(SECRET_NAME, self.secret.text())
            self.secret.clear()
            self._sync()

    def check(self) -> None:
        self._store_secret()
        self._edited()
        choice, secrets, layers = self.choice.model_copy(), self._secrets, self._layers()
        twin = self._twin_name()  # the layers are decided at the twin's resource group
        self._start(
            lambda: check_azure(choice, secrets, layers=layers, twin_name=twin), "check-azure"
        )

    @property
    def label(self) -> str:
        """One line for headers, e.g. "Azure · az login · westeurope"."""
        how = {"principal": "service principal", "msi": "managed identity"}.get(
            self.choice.mode, "az login"
        )
        return f"Azure · {how} · {self.choice.region or 'westeurope'}"

    def _show(self, result: CheckResult) -> None:
        report = result.preflight if result.ok else None
        self.permissions.show_preflight(report)
        self.permissions.setVisible(report is not None)
        note = report.note if report else ""
        if report and report.denied:
            note = (
                f"{len(report.denied)} permissions are missing. Ask your Azure administrator "
                "to create the custom role below (copy it with the button; "
                "“az role definition create --role-definition @role.json”) and assign it to "
                "you, then Check again."
            )
        self.permissions_note.setText(note)
        self.permissions_note.setVisible(bool(note))
        self.copy_button.setVisible(report is not None)
        self.copy_button.setText(
            "Copy custom role JSON for the missing permissions"
            if report and report.denied
            else "Copy custom role JSON with every permission dtwin needs"
        )
        super()._show(result)

    def role_text(self) -> str:
        report = self.last_result.preflight if self.last_result else None
        return report.role_json(self.choice.subscription_id) if report else ""

    def copy_role(self) -> None:
        QApplication.clipboard().setText(self.role_text())
