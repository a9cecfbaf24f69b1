"""The Settings dialog's "State backend" section: where each deployment target keeps its
Terraform state, for working on one twin as a team (:mod:`dtwin_gui.iac.backend`).

One target at a time is shown (its choice is kept while another is edited); per kind only
its fields. "Create it for me" makes the bucket or container (versioned, encrypted, never
public) in a worker through :func:`dtwin_gui.app.backend.create_backend`; the connections
come from ``connect(target)`` (injected; by default the CLI's: the sandbox, started if
needed, or the user's own credential chain). No field takes a secret.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.clouds.base import CLOUD_TARGET_NAME, SANDBOX
from dtwin_gui.iac.backend import KIND_LABELS, KINDS, BackendConfig, BackendError, config_from
from dtwin_gui.settings import TargetBackend
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

TARGET_LABELS = {
    SANDBOX: "Sandbox (this computer's emulated clouds)",
    CLOUD_TARGET_NAME: "Real clouds",
}
#: The fields of each kind: (field, label, placeholder).
FIELDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "local": (),
    "s3": (
        ("bucket", "Bucket:", "team-state"),
        ("key", "Key:", "dtwin/<twin>/<target>/terraform.tfstate"),
        ("region", "Region:", "the sign-in's region"),
        ("lock_table", "DynamoDB lock table:", "empty: S3's own lock file (Terraform ≥ 1.10)"),
        ("kms_key_id", "KMS key:", "empty: S3-managed keys (SSE-S3)"),
    ),
    "azurerm": (
        ("storage_account", "Storage account:", "teamstate01"),
        ("container", "Container:", "tfstate"),
        ("key", "Blob name:", "dtwin/<twin>/<target>/terraform.tfstate"),
        ("resource_group", "Resource group:", "where Create makes the account"),
    ),
    "gcs": (
        ("bucket", "Bucket:", "team-state"),
        ("prefix", "Prefix:", "dtwin/<twin>/<target>"),
        ("kms_key_id", "KMS key:", "empty: Google-managed encryption"),
    ),
}


def _default_connect(target: str):
    from dtwin_gui.app.connections import for_target

    return for_target(target)


class BackendSettings(QGroupBox):
    """Edit the state backend of every target; :meth:`values` for the settings file."""

    def __init__(
        self,
        current: dict[str, TargetBackend],
        runner: TaskRunner,
        *,
        connect: Callable[[str], object] = _default_connect,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("State backend (working on one twin as a team)", parent)
        self._runner, self._connect = runner, connect
        self._chosen: dict[str, TargetBackend] = {t: current.get(t) for t in TARGET_LABELS}
        self._shown = ""
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Where Terraform's state and dtwin's records of a target live. In a bucket, "
            "colleagues deploy and destroy the same twin, one at a time. Credentials come from "
            "your sign-in, never from here."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        layout.addWidget(intro)
        top = QFormLayout()
        self.target = QComboBox()
        for key, title in TARGET_LABELS.items():
            self.target.addItem(title, key)
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS[kind], kind)
        top.addRow("Target:", self.target)
        top.addRow("Keep the state:", self.kind)
        layout.addLayout(top)
        self.form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        self._rows: dict[str, tuple[QLabel, QLineEdit]] = {}
        for name in dict.fromkeys(f for fields in FIELDS.values() for f, _, _ in fields):
            edit = QLineEdit()
            edit.setClearButtonEnabled(True)
            label = QLabel()
            label.setBuddy(edit)
            self.edits[name] = edit
            self._rows[name] = (label, edit)
            self.form.addRow(label, edit)
        layout.addLayout(self.form)
        self.move_existing = QCheckBox(
            "Move the existing state here on the next deploy (else a deploy that finds it "
            "elsewhere stops and says where it is)"
        )
        layout.addWidget(self.move_existing)
        row = QHBoxLayout()
        self.create = QPushButton("Create it for me")
        self.create.setToolTip("Make the bucket or container: versioned, encrypted, not public")
        row.addWidget(self.create)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "muted")
        layout.addWidget(self.status)
        self.target.currentIndexChanged.connect(self._show_target)
        self.kind.currentIndexChanged.connect(self._show_kind)
        self.create.clicked.connect(self.create_backend)
        self._show_target()

    # --- what is shown -----------------------------------------------------------------------
    def _show_target(self) -> None:
        if self._shown:
            self._keep()
        self._shown = self.target.currentData()
        chosen = self._chosen.get(self._shown)
        config = chosen.backend if chosen else BackendConfig()
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(config.kind)))
        self.kind.blockSignals(False)
        for name, edit in self.edits.items():
            edit.setText(str(getattr(config, name, "") or ""))
        self.move_existing.setChecked(bool(chosen and chosen.move_existing))
        self._show_kind()
        self.show_status("")

    def _show_kind(self) -> None:
        kind = self.kind.currentData()
        labels = {name: (label, hint) for name, label, hint in FIELDS[kind]}
        for name, (label, edit) in self._rows.items():
            shown = name in labels
            label.setVisible(shown)
            edit.setVisible(shown)
            if shown:
                label.setText(labels[name][0])
                edit.setPlaceholderText(labels[name][1])
        remote = kind != "local"
        self.move_existing.setVisible(remote)
        self.create.setVisible(remote)

    def show_status(self, text: str, kind: str = "muted") -> None:
        self.status.setText(text)
        self.status.setProperty("role", kind)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    # --- the values --------------------------------------------------------------------------
    def config(self) -> BackendConfig:
        """The shown target's backend as entered; :class:`BackendError` when it is wrong."""
        kind = self.kind.currentData()
        fields: dict = {"kind": kind}
        for name, _, _ in FIELDS[kind]:
            fields[name] = self.edits[name].text().strip()
        if kind == "s3" and fields.get("lock_table"):
            fields["lock"] = "dynamodb"
        return config_from(fields).validated()

    def _keep(self) -> None:
        try:
            config = self.config()
        except BackendError:
            return  # reported by problem() when saving
        self._chosen[self._shown] = (
            TargetBackend(backend=config, move_existing=self.move_existing.isChecked())
            if config.remote
            else None
        )

    def problem(self) -> str | None:
        """Why the shown target's backend cannot be saved (None: it can)."""
        try:
            self.config()
        except BackendError as exc:
            title = self.target.currentText()
            return f"The state backend of {title} is not usable: {exc}"
        return None

    def values(self) -> dict[str, TargetBackend]:
        """Every target's chosen backend (targets left local are not listed)."""
        self._keep()
        return {target: chosen for target, chosen in self._chosen.items() if chosen}

    # --- create it for me (in a worker) -------------------------------------------------------
    def create_backend(self) -> None:
        from dtwin_gui.app.backend import create_backend

        try:
            config = self.config()
        except BackendError as exc:
            self.show_status(str(exc), "field-error")
            return
        target = self._shown
        self.create.setEnabled(False)
        self.show_status(f"Creating {config.describe()}…")

        def work():
            return create_backend(config, self._connect(target))

        self._runner.start(
            work,
            name="create-backend",
            on_result=self._created,
            on_error=self._failed,
            on_finished=lambda: self.create.setEnabled(True),
        )

    def _created(self, report) -> None:
        done = "; ".join(report.done)
        if report.weaknesses:
            self.show_status(f"{done}. Still unsafe: {'; '.join(report.weaknesses)}", "field-error")
        else:
            self.show_status(f"✔ {report.backend.describe()}: {done}", "ok")

    def _failed(self, failure: TaskFailure) -> None:
        self.show_status(f"Could not create it: {failure.message}", "field-error")
