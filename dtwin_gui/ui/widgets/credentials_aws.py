"""The AWS part of the Credentials page: profile/SSO or access keys, region, Check, preflight."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.clouds.aws.preflight import KEY_NAMES, check_aws, target_for
from dtwin_gui.clouds.aws.profiles import SsoLoginError, list_profiles, sso_login
from dtwin_gui.credentials import CheckResult
from dtwin_gui.credentials.secrets import SecretStore
from dtwin_gui.credentials.store import AwsChoice
from dtwin_gui.ui.widgets.credentials_forms import (
    AWS_REGIONS,
    CheckResultBox,
    SecretField,
    region_box,
)
from dtwin_gui.ui.widgets.permission_table import PermissionTable
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

log = logging.getLogger(__name__)


class AwsCredentialsPanel(QGroupBox):
    """Edits an :class:`AwsChoice` in place; ``changed`` fires on every edit."""

    changed = Signal()
    checked = Signal(object)  # CheckResult

    def __init__(
        self,
        choice: AwsChoice,
        secrets: SecretStore,
        runner: TaskRunner,
        layers: Callable[[], list[str] | None],
        *,
        endpoint_url: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("AWS", parent)
        self.choice, self._secrets, self._runner = choice, secrets, runner
        self._layers, self._endpoint_url = layers, endpoint_url
        self.last_result: CheckResult | None = None
        layout = QVBoxLayout(self)

        modes = QHBoxLayout()
        self.profile_mode = QRadioButton("A profile from my AWS config (incl. SSO)")
        self.keys_mode = QRadioButton("Access keys")
        self._modes = QButtonGroup(self)
        for button in (self.profile_mode, self.keys_mode):
            self._modes.addButton(button)
            modes.addWidget(button)
        modes.addStretch(1)
        layout.addLayout(modes)

        self.form = form = QFormLayout()
        self.profile_row = QWidget()
        row = QHBoxLayout(self.profile_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.profile_box = QComboBox()
        self.profile_box.setMinimumWidth(260)
        self.sso_button = QPushButton("Sign in with SSO")
        self.sso_button.setToolTip("Runs “aws sso login” for this profile (opens your browser)")
        row.addWidget(self.profile_box, 1)
        row.addWidget(self.sso_button)
        form.addRow("Profile", self.profile_row)
        self.key_id = QLineEdit()
        self.key_id.setPlaceholderText("AKIA…")
        self.secret = SecretField("secret access key")
        self.token = SecretField("optional, for temporary credentials")
        form.addRow("Access key ID", self.key_id)
        form.addRow("Secret access key", self.secret)
        form.addRow("Session token", self.token)
        self.region = region_box(AWS_REGIONS, choice.region)
        form.addRow("Region", self.region)
        layout.addLayout(form)
        self.keyring_note = QLabel()
        self.keyring_note.setProperty("role", "muted")
        self.keyring_note.setWordWrap(True)
        layout.addWidget(self.keyring_note)

        actions = QHBoxLayout()
        self.check_button = QPushButton("Check AWS")
        self.check_button.setProperty("primary", True)
        actions.addWidget(self.check_button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.result = CheckResultBox()
        layout.addWidget(self.result)
        self.permissions_note = QLabel()
        self.permissions_note.setWordWrap(True)
        self.permissions_note.setProperty("role", "muted")
        self.permissions_note.hide()
        layout.addWidget(self.permissions_note)
        self.permissions = PermissionTable()
        self.permissions.hide()
        layout.addWidget(self.permissions)
        self.copy_button = QPushButton("Copy IAM policy for the missing permissions")
        self.copy_button.hide()
        self.copy_button.clicked.connect(self.copy_policy)
        layout.addWidget(self.copy_button)

        self._load()
        self.profile_mode.toggled.connect(self._mode_changed)
        self.profile_box.currentIndexChanged.connect(self._profile_changed)
        self.region.currentTextChanged.connect(self._region_changed)
        self.key_id.editingFinished.connect(lambda: self._store("AWS_ACCESS_KEY_ID", self.key_id))
        self.secret.editingFinished.connect(
            lambda: self._store("AWS_SECRET_ACCESS_KEY", self.secret)
        )
        self.token.editingFinished.connect(lambda: self._store("AWS_SESSION_TOKEN", self.token))
        self.sso_button.clicked.connect(self.sign_in_with_sso)
        self.check_button.clicked.connect(self.check)

    # --- state -----------------------------------------------------------------------------
    def _load(self) -> None:
        self.reload_profiles()
        (self.keys_mode if self.choice.mode == "keys" else self.profile_mode).setChecked(True)
        self.key_id.setText(self._secrets.get(KEY_NAMES["AWS_ACCESS_KEY_ID"]) or "")
        self._refresh_stored()
        self._sync_enabled()

    def reload_profiles(self) -> None:
        """Re-read the AWS config files into the profile list."""
        self.profile_box.blockSignals(True)
        self.profile_box.clear()
        self._profiles = list_profiles()
        for profile in self._profiles:
            self.profile_box.addItem(profile.label, profile.name)
        if not self._profiles:
            self.profile_box.addItem("(no profiles in your AWS config)", "")
        index = self.profile_box.findData(self.choice.profile)
        self.profile_box.setCurrentIndex(max(index, 0))
        self.choice.profile = self.profile_box.currentData() or ""
        self.profile_box.blockSignals(False)

    def _refresh_stored(self) -> None:
        where = "in the keyring" if self._secrets.persistent else "for this session"
        for field, variable in (
            (self.secret, "AWS_SECRET_ACCESS_KEY"),
            (self.token, "AWS_SESSION_TOKEN"),
        ):
            field.set_stored(bool(self._secrets.get(KEY_NAMES[variable])), where)
        self.keyring_note.setText(self._secrets.note)
        self.keyring_note.setVisible(self.choice.mode == "keys" and bool(self._secrets.note))

    def _sync_enabled(self) -> None:
        keys = self.choice.mode == "keys"
        self.form.setRowVisible(self.profile_row, not keys)
        for field in (self.key_id, self.secret, self.token):
            self.form.setRowVisible(field, keys)
        profile = next((p for p in self._profiles if p.name == self.choice.profile), None)
        self.sso_button.setVisible(bool(profile and profile.sso))
        self.keyring_note.setVisible(keys and bool(self._secrets.note))

    def _mode_changed(self) -> None:
        self.choice.mode = "profile" if self.profile_mode.isChecked() else "keys"
        self._sync_enabled()
        self.changed.emit()

    def _profile_changed(self) -> None:
        self.choice.profile = self.profile_box.currentData() or ""
        self._sync_enabled()
        self.changed.emit()

    def _region_changed(self, text: str) -> None:
        self.choice.region = text.strip()
        self.changed.emit()

    def _store(self, variable: str, field: QLineEdit) -> None:
        value = field.text().strip()
        if variable != "AWS_ACCESS_KEY_ID":
            if not value:
                return  # an untouched secret field keeps what is stored
            field.clear()
        self._secrets.set(KEY_NAMES[variable], value)
        self._refresh_stored()
        self.changed.emit()

    def commit_fields(self) -> None:
        """Store whatever is typed in the key fields now (before a check or a deploy)."""
        self._store("AWS_ACCESS_KEY_ID", self.key_id)
        self._store("AWS_SECRET_ACCESS_KEY", self.secret)
        self._store("AWS_SESSION_TOKEN", self.token)

    @property
    def label(self) -> str:
        """One line for headers, e.g. "AWS · profile dev · eu-west-1"."""
        how = f"profile {self.choice.profile}" if self.choice.mode == "profile" else "access keys"
        return f"AWS · {how} · {self.choice.region}"

    # --- actions ---------------------------------------------------------------------------
    def check(self) -> None:
        """Check the credentials on a worker; show identity and the preflight."""
        if self.choice.mode == "keys":
            self.commit_fields()
        choice, secrets = self.choice.model_copy(), self._secrets
        layers, endpoint = self._layers(), self._endpoint_url
        profile = choice.profile if choice.mode == "profile" else ""

        def run() -> CheckResult:
            target = target_for(choice, secrets)
            return check_aws(target, layers=layers, endpoint_url=endpoint, profile=profile)

        self.check_button.setEnabled(False)
        self.result.show_busy("Checking with AWS…")
        self._runner.start(
            run,
            name="check-aws",
            on_result=self._show,
            on_error=self._failed,
            on_finished=lambda: self.check_button.setEnabled(True),
        )

    def _show(self, result: CheckResult) -> None:
        self.last_result = result
        self.result.show_result(result)
        report = result.preflight if result.ok else None
        self.permissions.show_preflight(report)
        self.permissions.setVisible(report is not None)
        note = report.note if report else ""
        if report and report.denied:
            note = (
                f"{len(report.denied)} permissions are missing. Ask your AWS administrator "
                "to attach the policy below (copy it with the button), then Check again."
            )
        self.permissions_note.setText(note)
        self.permissions_note.setVisible(bool(note))
        self.copy_button.setVisible(
            bool(report and (report.denied or not report.actions("allowed")))
        )
        if report and not report.denied:
            self.copy_button.setText("Copy an IAM policy with every permission dtwin needs")
        else:
            self.copy_button.setText("Copy IAM policy for the missing permissions")
        self.checked.emit(result)

    def _failed(self, failure: TaskFailure) -> None:
        self.result.show_error(
            f"The AWS check stopped unexpectedly ({type(failure.exception).__name__}). "
            "Details are in the log; try again."
        )

    def policy_text(self) -> str:
        report = self.last_result.preflight if self.last_result else None
        if report is None:
            return ""
        return report.missing_policy() or report.full_policy()

    def copy_policy(self) -> None:
        QApplication.clipboard().setText(self.policy_text())

    def sign_in_with_sso(self) -> None:
        profile = self.choice.profile
        self.sso_button.setEnabled(False)
        self.result.show_busy(f"Signing in with SSO for profile {profile}: finish in your browser…")

        def done(message: str) -> None:
            self.result.show_busy(f"{message} Press “Check AWS” to confirm.")

        def failed(failure: TaskFailure) -> None:
            if isinstance(failure.exception, SsoLoginError):
                self.result.show_error(str(failure.exception))
            else:
                self._failed(failure)

        self._runner.start(
            lambda: sso_login(profile),
            name="aws-sso-login",
            on_result=done,
            on_error=failed,
            on_finished=lambda: self.sso_button.setEnabled(True),
        )
