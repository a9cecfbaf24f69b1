"""The Credentials step: where deployments go, and checking the accounts the project needs.

The top choice is the sandbox (no account needed) or the user's AWS account; it sets the
shared :class:`~dtwin_gui.ui.target_choice.TargetChoice`. Below, one panel per cloud the
project's layer matrix uses (AWS always when deploying to AWS). Checks run on workers.
Non-secret choices are saved to ``credentials.json``; secrets go to the keyring.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.app.connections import from_choices
from dtwin_gui.core.providers import Cloud
from dtwin_gui.credentials.secrets import SecretStore
from dtwin_gui.credentials.store import choices_path, load_choices, save_choices
from dtwin_gui.sandbox.supervisor import sandbox_paths_note
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import AWS, SANDBOX, TargetChoice
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.widgets.credentials_aws import AwsCredentialsPanel
from dtwin_gui.ui.widgets.credentials_clouds import AzureCredentialsPanel
from dtwin_gui.ui.widgets.credentials_google import GoogleCredentialsPanel
from dtwin_gui.ui.workers import TaskRunner

log = logging.getLogger(__name__)

SANDBOX_NOTE = (
    "No credentials needed: the sandbox emulates the clouds on this computer. Nothing is "
    "created in any cloud account and nothing costs money."
)
AWS_NOTE = "Deployments go to your AWS account. Check the credentials before you deploy."


def _cloud_note(clouds) -> str:
    """Where a real-cloud deployment goes, for the clouds the project uses."""
    names = [
        n
        for c, n in (
            (Cloud.AWS, "AWS account"),
            (Cloud.AZURE, "Azure subscription"),
            (Cloud.GOOGLE, "Google Cloud project"),
        )
        if c in clouds
    ]
    if not names:
        return AWS_NOTE
    return f"Deployments go to your {' and '.join(names)}. Check the credentials before you deploy."


class CredentialsPage(QWidget):
    """Target choice + per-cloud credential panels. See the module docstring."""

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner,
        choice: TargetChoice,
        parent: QWidget | None = None,
        *,
        secrets: SecretStore | None = None,
        endpoint_url: str | None = None,
        store_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._session, self._runner, self._choice = session, runner, choice
        self.secrets = secrets or SecretStore()
        self._store_path = store_path or choices_path()
        self.choices = load_choices(self._store_path)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 12)
        outer.setSpacing(8)
        title = QLabel("Where to deploy, and your cloud credentials")
        title.setProperty("role", "page-title")
        outer.addWidget(title)
        self.banner = Banner()
        outer.addWidget(self.banner)

        target_row = QHBoxLayout()
        self.sandbox_button = QRadioButton("Sandbox (no account needed)")
        self.aws_button = QRadioButton("My cloud accounts")
        self._targets = QButtonGroup(self)
        for button in (self.sandbox_button, self.aws_button):
            button.setProperty("role", "target")
            self._targets.addButton(button)
            target_row.addWidget(button)
        target_row.addStretch(1)
        outer.addLayout(target_row)
        self.target_note = QLabel()
        self.target_note.setWordWrap(True)
        self.target_note.setProperty("role", "muted")
        outer.addWidget(self.target_note)

        self.aws = AwsCredentialsPanel(
            self.choices.aws, self.secrets, runner, self._aws_layers, endpoint_url=endpoint_url
        )
        self.azure = AzureCredentialsPanel(
            self.choices.azure, self.secrets, runner, self._azure_layers, self._twin_name
        )
        self.google = GoogleCredentialsPanel(self.choices.google, runner, self._google_layers)
        self.unused_note = QLabel()
        self.unused_note.setProperty("role", "muted")
        self.unused_note.setWordWrap(True)

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 8, 0)
        for widget in (self.aws, self.azure, self.google, self.unused_note):
            column.addWidget(widget)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll, 1)

        (self.aws_button if self.choices.target == AWS else self.sandbox_button).setChecked(True)
        self.sandbox_button.toggled.connect(self._target_toggled)
        for panel in (self.aws, self.azure, self.google):
            panel.changed.connect(self._edited)
        choice.changed.connect(self._follow_choice)
        session.changed.connect(self._project_changed)
        self._publish()
        self.refresh()

    # --- what the project needs ------------------------------------------------------------
    def required_clouds(self) -> list[Cloud]:
        """The clouds the project's layer matrix uses (AWS alone when nothing is open)."""
        topology = self._session.topology
        return list(topology.clouds) if topology is not None else [Cloud.AWS]

    def _aws_layers(self) -> list[str] | None:
        topology = self._session.topology
        if topology is None:
            return None
        return [str(s) for s in topology.slots_on(Cloud.AWS)]

    def _twin_name(self) -> str | None:
        topology = self._session.topology
        return None if topology is None else topology.twin_name

    def _azure_layers(self) -> list[str] | None:
        topology = self._session.topology
        return None if topology is None else [str(s) for s in topology.slots_on(Cloud.AZURE)]

    def _google_layers(self) -> list[str] | None:
        topology = self._session.topology
        return None if topology is None else [str(s) for s in topology.slots_on(Cloud.GOOGLE)]

    def _project_changed(self) -> None:
        """Another project (or its layers changed): the real-cloud target follows its clouds."""
        if self.choices.target == AWS:
            self._publish()
        self.refresh()

    def refresh(self) -> None:
        """Show the panels the project's clouds and the target need."""
        clouds = self.required_clouds()
        sandbox = self._choice.mode == SANDBOX
        note = f"{SANDBOX_NOTE} {sandbox_paths_note(clouds)}" if sandbox else _cloud_note(clouds)
        self.target_note.setText(note)
        self.aws.setVisible(not sandbox and (Cloud.AWS in clouds or not clouds))
        self.azure.setVisible(Cloud.AZURE in clouds)
        self.google.setVisible(Cloud.GOOGLE in clouds)
        unused = [
            name
            for cloud, name in ((Cloud.AZURE, "Azure"), (Cloud.GOOGLE, "Google Cloud"))
            if cloud not in clouds
        ]
        note = ""
        if unused:
            note = f"This project uses no {' or '.join(unused)} layers, so no credentials for "
            note += "them are needed."
        self.unused_note.setText(note)
        self.unused_note.setVisible(bool(note))

    # --- the target ------------------------------------------------------------------------
    def _target_toggled(self) -> None:
        self.choices.target = SANDBOX if self.sandbox_button.isChecked() else AWS
        self._publish()
        self._save()
        self.refresh()

    def _publish(self) -> None:
        """Tell the shared TargetChoice what the page shows."""
        if self.choices.target == SANDBOX:
            self._choice.use_sandbox()
            return
        # Snapshots of the non-secret choices of the clouds the project uses (AWS when it
        # uses none yet); keys are read from the store at call time.
        clouds = self.required_clouds() or [Cloud.AWS]
        panels = {
            Cloud.AWS: (self.choices.aws, self.aws),
            Cloud.AZURE: (self.choices.azure, self.azure),
            Cloud.GOOGLE: (self.choices.google, self.google),
        }
        used = [c for c in (Cloud.AWS, Cloud.AZURE, Cloud.GOOGLE) if c in clouds]
        choices = {c: panels[c][0].model_copy() for c in used}
        factory = functools.partial(from_choices, choices, self.secrets)
        self._choice.use_aws(factory, " + ".join(panels[c][1].label for c in used))

    def _follow_choice(self) -> None:
        button = self.sandbox_button if self._choice.mode == SANDBOX else self.aws_button
        if not button.isChecked():
            button.setChecked(True)
        self.refresh()

    def _edited(self) -> None:
        if self.choices.target == AWS:
            self._publish()
        self._save()

    def _save(self) -> None:
        try:
            save_choices(self.choices, self._store_path)
        except OSError as exc:
            log.warning("could not save credential choices: %s", exc)
            self.banner.show_message(
                "error",
                f"Could not save your credential choices to {self._store_path}: "
                f"{exc.strerror or exc}. They apply until you quit; check that the folder "
                "is writable.",
            )
