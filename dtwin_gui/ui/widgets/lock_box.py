"""Explains a held Terraform state lock and offers a guarded unlock.

After a cancel, a forced stop or a crash the state can stay locked. The box says by what
and since when, whether a process still holds it, and offers "Unlock the state…" only when
no process does: a confirmation first, refused while a run is going, the unlock itself on
a worker (:meth:`dtwin_gui.iac.runner.Terraform.force_unlock` removes only that lock id).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from dtwin_gui.iac.diagnostics import LockInfo
from dtwin_gui.ui.workers import TaskFailure, TaskRunner


def describe_operation(operation: str) -> str:
    """``OperationTypeApply`` → ``an apply``."""
    name = operation.removeprefix("OperationType").lower() or "an unknown operation"
    if name == "an unknown operation" or name == "invalid":
        return "an unknown operation"
    return ("an " if name[0] in "aeiou" else "a ") + name


def describe_time(created: str) -> str:
    """``2026-01-01T10:00:00.123Z`` → ``2026-01-01 10:00:00 UTC`` (as written if unknown)."""
    if len(created) >= 19 and created[10] == "T":
        return f"{created[:10]} {created[11:19]} UTC"
    return created or "an unknown time"


def describe_lock(lock: LockInfo) -> str:
    """One sentence: what holds the state, since when, whether a process still holds it."""
    text = (
        f"The Terraform state is locked by {describe_operation(lock.operation)} since "
        f"{describe_time(lock.created)}"
    )
    if lock.held is False:
        return text + "; no dtwin process holds it. It was left by a stopped or crashed run."
    if lock.held:
        return text + "; a Terraform process on this computer still holds it: wait for it to end."
    return text + "; dtwin cannot tell whether another run (perhaps a teammate's) still holds it."


def _ask(parent: QWidget, lock: LockInfo) -> bool:
    answer = QMessageBox.question(
        parent,
        "Unlock the Terraform state?",
        f"{describe_lock(lock)}\n\nUnlock only if no other deploy of this project is running "
        "anywhere: two runs changing the same state can damage it.\n\nLock id: " + lock.lock_id,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class LockBox(QFrame):
    """Hidden unless the state is locked. ``unlocked`` after a successful unlock.

    ``checked`` when a :meth:`check` has its answer (``lock`` is then current: until then
    it is the previous check's answer, and the unlock button is disabled).
    """

    unlocked = Signal()
    lock_found = Signal(object)  # LockInfo
    checked = Signal(object)  # LockInfo | None

    def __init__(
        self,
        runner: TaskRunner,
        *,
        confirm: Callable[[QWidget, LockInfo], bool] = _ask,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.setProperty("kind", "error")
        self._runner = runner
        #: Asks the user before unlocking (replaceable, e.g. in tests).
        self.confirm = confirm
        self._workdir: Path | None = None
        self._settings = None
        self.lock: LockInfo | None = None
        self.busy = False
        self.working = False
        # Bumped by every check and by forget(): an answer to an older check is dropped
        # (it may be about another project's workspace).
        self._generation = 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 8, 6)
        mark = QLabel("⚠")
        mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unlock_button = QPushButton("Unlock the state…")
        self.unlock_button.clicked.connect(self.unlock)
        layout.addWidget(mark)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def _terraform(self):
        from dtwin_gui.iac.runner import Terraform

        return Terraform(self._workdir, settings=self._settings)

    # --- checking ------------------------------------------------------------------------
    def check(self, workdir: Path, settings=None, known: LockInfo | None = None) -> None:
        """Look for a lock on the state in ``workdir`` (on a worker); ``known``: a lock a
        run reported (a remote backend's, which only Terraform's error tells)."""
        self._workdir, self._settings = Path(workdir), settings
        self._generation += 1
        generation = self._generation
        self.working = True
        self._enable()  # no unlock of what the previous check saw until this one answers
        self._runner.start(
            lambda: self._terraform().lock_info() if Path(workdir).is_dir() else None,
            name="lock-info",
            on_result=lambda lock: self._checked(lock or known, generation),
            on_error=lambda failure: self._checked(known, generation),
        )

    def forget(self) -> None:
        """Hide the lock shown and drop the answer of any check still running."""
        self._generation += 1
        self.working = False
        self.lock = None
        self.hide()

    def _checked(self, lock: LockInfo | None, generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return  # a newer check, or another project, took over
        self.working = False
        self.show_lock(lock)
        self.checked.emit(lock)

    def show_lock(self, lock: LockInfo | None) -> None:
        self.lock = lock
        if lock is None:
            self.hide()
            return
        self.setProperty("kind", "error")
        self.style().polish(self)
        self.label.setText(describe_lock(lock))
        self.unlock_button.setVisible(not lock.held)
        self._enable()
        self.show()
        self.lock_found.emit(lock)

    def set_busy(self, busy: bool) -> None:
        """While a run is going the state is not unlocked."""
        self.busy = busy
        self._enable()

    def _enable(self) -> None:
        self.unlock_button.setEnabled(not self.busy and not self.working)
        self.unlock_button.setToolTip(
            "Wait for the run to end before unlocking" if self.busy else ""
        )

    # --- unlocking -----------------------------------------------------------------------
    def unlock(self) -> bool:
        """Ask, then remove the lock on a worker. False when refused or declined."""
        lock = self.lock
        if lock is None or self._workdir is None or self.working:
            return False
        if self.busy:
            self.label.setText(
                describe_lock(lock) + " A run is going: wait for it to end before unlocking."
            )
            return False
        if not self.confirm(self, lock):
            return False
        self.working = True
        self._enable()
        self._runner.start(
            lambda: self._terraform().force_unlock(lock.lock_id),
            name="force-unlock",
            on_result=lambda _none: self._unlocked(),
            on_error=self._unlock_failed,
        )
        return True

    def _unlocked(self) -> None:
        self.working = False
        self.lock = None
        self.setProperty("kind", "ok")
        self.style().polish(self)
        self.label.setText("The state is unlocked. You can run the deploy again.")
        self.unlock_button.hide()
        self.unlocked.emit()

    def _unlock_failed(self, failure: TaskFailure) -> None:
        self.working = False
        self._enable()
        self.label.setText(
            f"The state could not be unlocked: {failure.message}. Check that no other run "
            "holds it, then try again; details are in the log."
        )
