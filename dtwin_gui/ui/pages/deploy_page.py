"""Deploy: the live run — stages, the resource tree, the log — and what to do when it ends.

Runs go through a :class:`RunBridge` (events arrive batched on the GUI thread) into a
:class:`RunModel`, which feeds the tree and the headline; the log shows every event. Cancel
stops safely (Terraform finishes the calls in flight and saves its state), then a forced
stop is offered. A lock left behind is explained with a guarded unlock.

The page shows the open project + target only: when either changes it forgets the run it
showed and replays that deployment's last deploy or destroy from its log (and looks for its
lock). The title says which kind of run it shows ("Deploy" or "Destroy").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.run_events import Event, LogEvent, Sink, replay
from dtwin_gui.deploy.run_model import RunModel
from dtwin_gui.ui.deployment_record import RecordWatcher
from dtwin_gui.ui.fix_place import FailureClues
from dtwin_gui.ui.open_file import open_or_tell
from dtwin_gui.ui.run_bridge import RunBridge
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.widgets.lock_box import LockBox
from dtwin_gui.ui.widgets.log_view import LogView
from dtwin_gui.ui.widgets.run_headline import OutcomePanel, RunHeadline
from dtwin_gui.ui.widgets.status_tree import StatusTree
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

log = logging.getLogger(__name__)

TICK_MS = 500
PLAN_CHANGED = "the plan changed since you reviewed it: review it again"
FORCED_NOTE = (
    "Forced stop: Terraform was killed. The state lock may be left and resources may be "
    "half-made; a new run settles them."
)
SAFE_NOTE = (
    "Stopping safely: Terraform finishes the changes in flight and saves its state. "
    "This can take a while; “Forced stop” ends it now."
)


class _Handle:
    """The Deployment of a run once the worker has made it; a cancel may come before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.deployment = None
        self.cancelled = self.forced = False

    def attach(self, deployment) -> None:
        with self._lock:
            self.deployment = deployment
            cancelled, forced = self.cancelled, self.forced
        if forced:
            deployment.force_stop()
        elif cancelled:
            deployment.cancel()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            deployment = self.deployment
        if deployment is not None:
            deployment.cancel()

    def force_stop(self) -> None:
        with self._lock:
            self.forced = True
            deployment = self.deployment
        if deployment is not None:
            deployment.force_stop()


def _panel(widget: QWidget, title: str) -> QFrame:
    frame = QFrame()
    frame.setProperty("role", "panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(10, 8, 10, 10)
    label = QLabel(title)
    label.setProperty("role", "section")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return frame


class DeployPage(QWidget):
    """The live view of deploy and destroy runs, and of past runs replayed from their log."""

    run_started = Signal(str)  # deploy | destroy | plan
    run_finished = Signal(object)  # RunResult
    destroy_requested = Signal()
    status_requested = Signal()
    #: The run failed for a reason fixed on another page: "layers" or "twin".
    fix_requested = Signal(str)
    #: Opens the log folder (the desktop's opener when None; replaceable in tests).
    launcher = None

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner,
        choice: TargetChoice,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session, self._runner, self._choice = session, runner, choice
        self.bridge = RunBridge(runner, parent=self)
        self.bridge.events.connect(self._on_events)
        self.bridge.finished.connect(self._on_finished)
        self.bridge.failed.connect(self._on_failed)
        self.run = RunModel()
        self.kind = ""
        self.last_result = None
        self.log_path: Path | None = None
        self._cancel: Callable[[], None] | None = None
        self._force: Callable[[], None] | None = None
        self._retry: Callable[[], object] | None = None
        self._reviewed_plan = None
        #: The project + target of the run shown (a run may outlive its project being open).
        self.run_key: tuple | None = None
        self._want_replay = True  # show the deployment's last run once its record is read
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.setSpacing(8)
        title_row = QHBoxLayout()
        self.title = title = QLabel("Deploy")
        title.setProperty("role", "page-title")
        self.target_label = QLabel(choice.label)
        self.target_label.setProperty("role", "muted")
        choice.changed.connect(lambda: self.target_label.setText(choice.label))
        self.past_button = QPushButton("Open a past run…")
        self.past_button.clicked.connect(self._ask_past_run)
        self.deploy_button = QPushButton("Deploy")
        self.deploy_button.setProperty("primary", True)
        self.deploy_button.clicked.connect(lambda: self.start_deploy(self._reviewed_plan))
        self.drift_button = QPushButton("Check for drift")
        self.drift_button.setToolTip(
            "Run the full Terraform plan even when nothing changed since the last deploy, "
            "and put back what differs in the cloud"
        )
        self.drift_button.clicked.connect(lambda: self.start_deploy(refresh=True))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop safely: Terraform saves its state first")
        self.cancel_button.clicked.connect(self.cancel)
        self.force_button = QPushButton("Forced stop…")
        self.force_button.setToolTip("Kill Terraform now (the state may stay locked)")
        self.force_button.clicked.connect(self._ask_force_stop)
        title_row.addWidget(title)
        title_row.addSpacing(12)
        title_row.addWidget(self.target_label, 1, Qt.AlignmentFlag.AlignBottom)
        for button in (self.past_button, self.drift_button, self.deploy_button, self.cancel_button):
            title_row.addWidget(button)
        title_row.addWidget(self.force_button)
        layout.addLayout(title_row)

        self.headline = RunHeadline()
        self.stop_note = QLabel()
        self.stop_note.setProperty("role", "muted")
        self.stop_note.setWordWrap(True)
        self.stop_note.hide()
        self.outcome = OutcomePanel()
        self.outcome.retry.connect(self.retry)
        self.outcome.destroy.connect(self.destroy_requested.emit)
        self.outcome.open_logs.connect(self.open_logs)
        self.outcome.browse.connect(self.status_requested.emit)
        self.outcome.fix.connect(self.fix_requested.emit)
        self._clues = FailureClues()
        self.lock_box = LockBox(runner)
        for widget in (self.headline, self.stop_note, self.outcome, self.lock_box):
            layout.addWidget(widget)

        self.tree = StatusTree()
        self.log = LogView()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(_panel(self.tree, "Resources"))
        self.splitter.addWidget(_panel(self.log, "Log"))
        self.splitter.setSizes([320, 300])
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        self._set_buttons()
        self.record = RecordWatcher(session, choice, runner, parent=self)
        self.record.reset.connect(self._forget)
        self.record.loaded.connect(self._on_record)

    # --- state ---------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.bridge.running

    @property
    def run_is_current(self) -> bool:
        """Whether the run shown is of the open project + target."""
        return self.run_key == self.record.current_key()

    def _set_title(self, kind: str | None) -> None:
        self.title.setText("Destroy" if kind == "destroy" else "Deploy")

    def _set_buttons(self) -> None:
        busy = self.busy
        self.deploy_button.setEnabled(not busy and self._session.root is not None)
        self.drift_button.setEnabled(self.deploy_button.isEnabled())
        self.past_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy and self._cancel is not None)
        self.force_button.setVisible(busy and self.stop_note.text() == SAFE_NOTE)
        self.lock_box.set_busy(busy)

    def _reset(self, kind: str | None) -> None:
        self.run = RunModel(kind if kind in ("deploy", "destroy", "plan") else None)
        self._clues = FailureClues()
        self.tree.clear_run()
        topology = self._session.topology  # L4/L5 "none": their rows say so (issue 15)
        self.tree.set_clouds(topology.providers if topology else {})  # "L2 · AWS"
        self.tree.show_left_out(topology.left_out if topology else ())
        self.log.clear()
        self.outcome.hide()
        self.lock_box.forget()
        self.stop_note.clear()
        self.stop_note.hide()
        self.headline.show_run(self.run, time.time())

    # --- the open project + target ---------------------------------------------------------
    def _forget(self) -> None:
        """Another project or target: show nothing of the previous one (a run going on
        stays in view until it ends)."""
        if self.busy:
            return
        self._reset(None)
        self.headline.show_nothing()
        self._set_title(None)
        self.kind, self.last_result, self.log_path = "", None, None
        self._retry, self._reviewed_plan = None, None
        self.run_key = self.record.current_key()
        self._want_replay = True
        self._set_buttons()

    def _on_record(self, record) -> None:
        """The deployment's record was read: replay its last run once, and look for a lock."""
        if self.busy or not self._want_replay:
            return
        self._want_replay = False
        run = record.last_run
        if run is not None and run.log_path is not None and Path(run.log_path).is_file():
            self.replay_file(run.log_path, then=self.check_lock)
        else:
            self.check_lock()

    # --- starting runs -------------------------------------------------------------------
    def start_run(
        self,
        kind: str,
        fn: Callable[[Sink], object],
        *,
        cancel: Callable[[], None] | None = None,
        force_stop: Callable[[], None] | None = None,
        retry: Callable[[], object] | None = None,
    ) -> bool:
        """Run ``fn(sink)`` (returning a RunResult) on a worker and show it live.

        ``cancel`` / ``force_stop`` reach the running thing (non-blocking); ``retry`` starts
        the same run again (default: ``fn`` once more). False when a run is going.
        """
        if self.busy:
            return False
        self._reset(kind)
        self._set_title(kind)
        self.run_key, self._want_replay = self.record.current_key(), False
        self.kind, self.last_result, self.log_path = kind, None, None
        self._cancel, self._force = cancel, force_stop
        self._retry = retry or (
            lambda: self.start_run(kind, fn, cancel=cancel, force_stop=force_stop)
        )
        self.bridge.start(fn, name=kind)
        self._timer.start()
        self._set_buttons()
        self.run_started.emit(kind)
        return True

    def start_deploy(self, reviewed_plan=None, *, refresh: bool = False) -> bool:
        """Deploy the open project to the chosen target. ``reviewed_plan`` is the Review
        page's PlanTicket (applied as it is while still current) or a PlanSummary; a new plan
        is applied only when it is the same (else the run ends cancelled, saying so).
        ``refresh`` runs the full plan even when nothing changed ("Check for drift")."""
        self._reviewed_plan = reviewed_plan
        return self._start_deployment("deploy", reviewed_plan, refresh)

    def start_destroy(self) -> bool:
        """Destroy what the open project has on the chosen target."""
        return self._start_deployment("destroy", None)

    def _start_deployment(self, kind: str, reviewed_plan, refresh: bool = False) -> bool:
        root = self._session.root
        if root is None:
            self.outcome.show_failure(
                what=f"Nothing to {kind}",
                why="No project is open.",
                hint="open a project first",
                can_destroy=False,
                has_log=False,
            )
            return False
        handle, choice = _Handle(), self._choice

        def work(sink: Sink):
            from dtwin_gui.ui.deployments import open_deployment

            deployment = open_deployment(root, choice.make_connections(), sink)
            handle.attach(deployment)
            if kind == "destroy":
                return _remember_status(deployment, deployment.destroy())
            from dtwin_gui.deploy.fingerprint import PlanTicket

            changed: list[bool] = []
            confirm = None
            ticket = reviewed_plan if isinstance(reviewed_plan, PlanTicket) else None
            # A new plan (the ticket was stale) must be the one reviewed to be applied.
            reviewed = ticket.plan if ticket is not None else reviewed_plan
            if reviewed is not None:
                from dtwin_gui.deploy.review import same_plan

                def confirm(new_plan) -> bool:
                    same = same_plan(reviewed, new_plan)
                    if not same:
                        changed.append(True)
                        sink(LogEvent("dtwin", "warning", PLAN_CHANGED))
                    return same

            result = deployment.deploy(confirm=confirm, reviewed=ticket, refresh=refresh)
            if changed and result.status == "cancelled":
                result.message = PLAN_CHANGED
                result.hint = "go back to the review page, check the new plan, then deploy it"
            return _remember_status(deployment, result)

        return self.start_run(
            kind,
            work,
            cancel=handle.cancel,
            force_stop=handle.force_stop,
            retry=lambda: self._start_deployment(kind, reviewed_plan, refresh),
        )

    def retry(self) -> None:
        if not self.busy and self._retry is not None:
            self._retry()

    # --- stopping ------------------------------------------------------------------------
    def cancel(self) -> bool:
        """Stop safely; then a forced stop is offered. False when nothing can be cancelled."""
        if not self.busy or self._cancel is None:
            return False
        self._cancel()
        self.stop_note.setText(SAFE_NOTE)
        self.stop_note.show()
        self._set_buttons()
        return True

    def force_stop(self) -> bool:
        """Kill the running Terraform now (no question asked; the button asks first)."""
        if not self.busy:
            return False
        stop = self._force or self._cancel
        if stop is None:
            return False
        stop()
        self.stop_note.setText(FORCED_NOTE)
        self.stop_note.show()
        self._set_buttons()
        return True

    def _ask_force_stop(self) -> None:
        answer = QMessageBox.warning(
            self,
            "Stop Terraform now?",
            "Terraform will be killed without saving what it is doing. The state lock may be "
            "left and resources may be half-made; a new run settles them (after an unlock if "
            "asked).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.force_stop()

    # --- live updates --------------------------------------------------------------------
    def _on_events(self, batch: list[Event]) -> None:
        changed = self.run.feed_all(batch)
        for event in batch:
            self._clues.feed(event)
        now = time.time()
        if changed:
            self.tree.update_from(self.run, changed, now)
        self.log.append_events(batch)
        self.headline.show_run(self.run, now)

    def _tick(self) -> None:
        now = time.time()
        self.tree.tick(now)
        self.headline.show_run(self.run, now)

    def _end(self) -> None:
        self._timer.stop()
        self._set_buttons()
        self._tick()

    def _on_finished(self, result) -> None:
        self._end()
        self.last_result = result
        self.log_path = getattr(result, "log_path", None)
        self._show_outcome(
            getattr(result, "status", "failed"),
            getattr(result, "message", ""),
            getattr(result, "hint", ""),
        )
        current = self.run_is_current
        if getattr(result, "status", "") != "succeeded" and current:
            self.check_lock(getattr(result, "lock", None))
        self.run_finished.emit(result)
        if not current:  # its project or target is no longer open: show the open one's
            self._forget()
            self.record.refresh()

    def _on_failed(self, failure: TaskFailure) -> None:
        self._end()
        self.outcome.show_failure(
            what=f"The {self.kind or 'run'} could not run",
            why=failure.message,
            hint="check the target (sandbox or AWS credentials) and try again; the full "
            "detail is in the application log",
            can_destroy=False,
            has_log=False,
        )
        if not self.run_is_current:
            self._forget()
            self.record.refresh()

    def _show_outcome(self, status: str, message: str, hint: str) -> None:
        clues = self._clues
        place = clues.place if status == "failed" else None
        self.outcome.show_outcome(
            self.run,
            self.run.kind or self.kind or "run",
            status,
            clues.message(message) if place else message,
            clues.hint(hint) if place else hint,
            has_log=self.log_path is not None,
            fix_place=place,
        )

    # --- locks ---------------------------------------------------------------------------
    def terraform_dir(self) -> Path | None:
        """Where the chosen target's Terraform state of the open project lives."""
        if self._session.root is None:
            return None
        from dtwin_gui.deploy.workspace import DeploymentWorkspace

        return DeploymentWorkspace(self._session.root, self._choice.mode).terraform_dir

    def check_lock(self, known=None) -> None:
        """Look (on a worker) for a state lock left behind, and explain it if there is one."""
        workdir = self.terraform_dir()
        if workdir is None:
            self.lock_box.show_lock(known)
            return
        from dtwin_gui.settings import load_settings

        self.lock_box.check(workdir, load_settings().terraform_settings(), known)

    # --- past runs -----------------------------------------------------------------------
    def replay_file(self, path: Path, *, then: Callable[[], None] | None = None) -> bool:
        """Show a past run from its event log (read on a worker), then call ``then``.
        False while a run goes."""
        if self.busy:
            return False
        path = Path(path)
        key = self.record.current_key()
        self.past_button.setEnabled(False)
        self._runner.start(
            lambda: list(replay(path)),
            name="replay",
            on_result=lambda events: self._show_replay(path, events, key, then),
            on_error=lambda failure: self._replay_failed(path, failure),
        )
        return True

    def _show_replay(self, path: Path, events: list[Event], key=None, then=None) -> None:
        self.past_button.setEnabled(not self.busy)
        if self.busy or key != self.record.current_key():
            return  # a run started, or the log is of a project or target no longer open
        self._reset(None)
        self.run_key, self._want_replay = key, False
        self.kind, self.log_path, self._retry = "", path, None
        self.run.feed_all(events)
        for event in events:
            self._clues.feed(event)
        self.tree.show_run(self.run)
        self.log.append_events(events)
        self.headline.show_run(self.run, None)
        self._set_title(self.run.kind)
        if self.run.outcome is not None:
            outcome = self.run.outcome
            self._show_outcome(outcome.status, outcome.message, outcome.hint)
            self.outcome.retry_button.setVisible(False)
        if then is not None:
            then()

    def _replay_failed(self, path: Path, failure: TaskFailure) -> None:
        self.past_button.setEnabled(not self.busy)
        self.outcome.show_failure(
            what=f"The run log {path.name} could not be read",
            why=failure.message,
            hint="choose another run log (.jsonl) from the runs folder",
            can_destroy=False,
            has_log=False,
        )

    def _ask_past_run(self) -> None:
        start = ""
        workdir = self.terraform_dir()
        if workdir is not None:
            start = str(workdir.parent / "runs")
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open a past run", start, "Run logs (*.jsonl)"
        )
        if path:
            self.replay_file(Path(path))

    def open_logs(self) -> None:
        """Show the run's event log in its folder (the file manager)."""
        if self.log_path is not None:
            open_or_tell(Path(self.log_path).parent, self, self.launcher)


def _remember_status(deployment, result):
    """Save the deployment's state-only status after a run (the Status page restores it when
    the app is reopened). A failure here never hides the run's own outcome."""
    from dtwin_gui.deploy.last_status import save_last_status

    try:
        save_last_status(deployment.workspace, deployment.status(probe=False))
    except Exception:  # the run's result matters more than the cached status
        log.warning("could not save the last status", exc_info=True)
    return result
