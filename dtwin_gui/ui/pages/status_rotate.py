"""Status page action "Rotate glue secrets…": a new HMAC secret per cross-cloud boundary.

The boundaries come from the open project's topology (computed in memory, no I/O); the user
confirms in a window-modal box that never blocks the event loop; the rotation (keyring or
workspace file) runs in a worker; the result — what was rotated, never a secret — or the
error comes back in a message box. A project whose layers are all on one cloud is told so
at once, without a confirmation.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from dtwin_gui.app.secrets import rotate
from dtwin_gui.core.topology import TopologyError, topology_for_project
from dtwin_gui.deploy.glue_secrets import secret_id
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

log = logging.getLogger(__name__)
NO_BOUNDARY = (
    "This project has no cross-cloud boundary: every layer is on the same cloud, so there "
    "are no glue secrets to rotate."
)


class GlueRotation(QObject):
    """Owns the page's Rotate button: asks, rotates in a worker, tells the result."""

    def __init__(
        self,
        page: QWidget,
        session: ProjectSession,
        runner: TaskRunner,
        choice: TargetChoice,
    ) -> None:
        super().__init__(page)
        self._page, self._session, self._runner, self._choice = page, session, runner, choice
        self.running = False
        #: The open confirmation box and the last message box (tests press and read them).
        self.question: QMessageBox | None = None
        self.message: QMessageBox | None = None
        self.rotations: list = []
        self.button = QPushButton("Rotate glue secrets…")
        self.button.setToolTip(
            "Roll a new HMAC secret for each cross-cloud boundary; receivers accept the "
            "previous one until the next rotation"
        )
        self.button.clicked.connect(self.ask)
        session.changed.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.button.setEnabled(self._session.is_open and not self.running)

    def _boundaries(self) -> dict[str, list[str]] | None:
        """Secret id → boundary names of the open project; None (after a message) when the
        provider choice is incomplete."""
        try:
            topology = topology_for_project(self._session.project)
        except TopologyError as exc:
            self._show(
                QMessageBox.Icon.Warning,
                "Cannot rotate glue secrets",
                f"The glue secrets cannot be rotated: {exc}. Choose a cloud for every layer on "
                "the Layers step, then try again.",
            )
            return None
        out: dict[str, list[str]] = {}
        for boundary in topology.boundaries:
            out.setdefault(secret_id(boundary.name), []).append(boundary.name)
        return out

    def ask(self) -> None:
        """Confirm, then rotate (in a worker); say so at once when nothing crosses clouds."""
        if not self._session.is_open or self.running or self._session.project is None:
            return
        ids = self._boundaries()
        if ids is None:
            return
        if not ids:
            self._show(QMessageBox.Icon.Information, "No glue secrets", NO_BOUNDARY)
            return
        lines = "\n".join(f"• {', '.join(names)}" for names in ids.values())
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Rotate glue secrets",
            f"Make a new secret for each of the {len(ids)} cross-cloud boundaries of "
            f"{self._choice.label}?\n\n{lines}\n\nReceivers keep accepting the current secret "
            "until the next rotation; the one before it stops working. Deploy afterwards to "
            "hand the new secrets to the functions.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self._page,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Rotate")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(box.deleteLater)
        box.finished.connect(lambda code: self._answered(box, code))
        self.question = box
        box.open()

    def _answered(self, box: QMessageBox, code: int) -> None:
        if self.question is box:
            self.question = None
        if code == QMessageBox.StandardButton.Yes:
            self.start()

    def start(self) -> None:
        """Rotate the open project's secrets for the chosen target in a worker thread."""
        root, target = Path(self._session.root), self._choice.mode
        self.running = True
        self.rotations = []
        self._update()
        self._runner.start(
            lambda: rotate(root, target),
            name="rotate-glue-secrets",
            on_result=self._done,
            on_error=self._failed,
            on_finished=self._finished,
        )

    def _done(self, value) -> None:
        rotations, where = value
        self.rotations = rotations
        if not rotations:
            self._show(QMessageBox.Icon.Information, "No glue secrets", NO_BOUNDARY)
            return
        lines = "\n".join(f"• {r.describe()}" for r in rotations)
        self._show(
            QMessageBox.Icon.Information,
            "Glue secrets rotated",
            f"Rotated {len(rotations)} glue secret(s):\n{lines}\n\nKept in {where}. Deploy "
            "again to hand the new secrets to the functions.",
        )

    def _failed(self, failure: TaskFailure) -> None:
        log.warning("glue secret rotation failed: %s\n%s", failure.message, failure.traceback)
        self._show(
            QMessageBox.Icon.Warning,
            "Rotation failed",
            f"The glue secrets were not rotated: {failure.message}",
        )

    def _finished(self) -> None:
        self.running = False
        self._update()

    def _show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._page)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.finished.connect(box.deleteLater)
        self.message = box
        box.open()
