"""What the open project has on the chosen target, read back from its deployment workspace.

Every page shows runs, plans, status and locks of the open project + target only. A
:class:`RecordWatcher` notices when either changes (another project, another twin name, another
target), tells its page to forget what it showed (``reset``, at once) and reads the new
deployment's record on a worker (``loaded``). After a run, :meth:`RecordWatcher.refresh`
reads it again. The reading (:func:`load_record`) is Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from dtwin_gui.core.run_events import OutcomeEvent, replay
from dtwin_gui.deploy.review import DestroyPreview, destroy_preview
from dtwin_gui.deploy.run_model import kind_of_run_id, parse_ts
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.workers import TaskRunner

#: ``status`` of a run whose log has no outcome (the app was killed, or it still runs).
UNFINISHED = "unfinished"


@dataclass(frozen=True)
class LastRun:
    """The newest deploy or destroy (plans are not runs that change anything)."""

    kind: str  # deploy | destroy
    status: str  # succeeded | failed | cancelled | unfinished
    finished_at: datetime | None  # aware, local time zone
    log_path: Path | None = None


@dataclass(frozen=True)
class DeploymentRecord:
    """A deployment as its workspace tells it: the last run and what the state holds."""

    root: Path
    target: str
    last_run: LastRun | None
    #: What a destroy would delete (None when the state cannot be read).
    preview: DestroyPreview | None

    @property
    def deployed(self) -> bool | None:
        """Whether anything is deployed; None when unknown."""
        return None if self.preview is None else not self.preview.empty


def _moment(ts: str | None) -> datetime | None:
    seconds = parse_ts(ts) if ts else None
    return datetime.fromtimestamp(seconds).astimezone() if seconds is not None else None


def last_run(workspace: DeploymentWorkspace) -> LastRun | None:
    """The newest deploy or destroy in the workspace's run logs, with how it ended."""
    for path in reversed(workspace.run_logs()):
        kind = kind_of_run_id(path.stem)
        if kind not in ("deploy", "destroy"):
            continue
        outcome, last_ts = None, None
        for event in replay(path):
            last_ts = event.ts
            if isinstance(event, OutcomeEvent):
                outcome = event
        if outcome is None:
            return LastRun(kind, UNFINISHED, _moment(last_ts), path)
        return LastRun(kind, outcome.status, _moment(outcome.ts), path)
    return None


def load_record(root: Path, target: str) -> DeploymentRecord:
    """Read the record of ``root`` on ``target`` (files only: no cloud call, no Terraform)."""
    workspace = DeploymentWorkspace(Path(root), target)
    try:
        preview = destroy_preview(workspace)
    except (OSError, ValueError):
        preview = None
    return DeploymentRecord(Path(root), target, last_run(workspace), preview)


def clock(moment: datetime | None, now: datetime | None = None) -> str:
    """``10:42`` today, ``30 Nov 10:42`` another day ('' when unknown)."""
    if moment is None:
        return ""
    now = now or datetime.now().astimezone()
    local = moment.astimezone(now.tzinfo)
    return local.strftime("%H:%M" if local.date() == now.date() else "%d %b %H:%M")


def run_summary(run: LastRun | None) -> str:
    """``deployed 10:42``, ``destroyed 10:42``, ``deploy failed 10:42``, ``not run yet``."""
    if run is None:
        return "not run yet"
    when = clock(run.finished_at)
    if run.status == "succeeded":
        words = "deployed" if run.kind == "deploy" else "destroyed"
    elif run.status == UNFINISHED:
        words = f"{run.kind} did not finish"
    else:
        words = f"{run.kind} {run.status}"
    return f"{words} {when}".strip()


class RecordWatcher(QObject):
    """Follows the open project + target of ``session`` and ``choice`` (see the module)."""

    #: The project or target changed: forget everything shown about the previous one.
    reset = Signal()
    #: The DeploymentRecord of the open project + target (after a reset or a refresh).
    loaded = Signal(object)

    def __init__(
        self,
        session: ProjectSession,
        choice: TargetChoice,
        runner: TaskRunner,
        *,
        read: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session, self._choice, self._runner, self._read = session, choice, runner, read
        self._generation = 0
        self.key: tuple | None = self.current_key()
        session.changed.connect(self._check)
        choice.changed.connect(self._check)
        self.refresh()  # a page made while a project is open reads its record too

    def current_key(self) -> tuple | None:
        """What the deployment is keyed by: project folder, twin name (the workspace's name)
        and target; None with no project open."""
        project = self._session.project
        if self._session.root is None or project is None:
            return None
        return (self._session.root, project.twin_name, self._choice.mode, self._choice.label)

    def _check(self) -> None:
        key = self.current_key()
        if key != self.key:
            self.key = key
            self._generation += 1
            self.reset.emit()
            self.refresh()

    def refresh(self) -> None:
        """Read the record again (on a worker); ``loaded`` unless the key changes first."""
        if not self._read or self.key is None:
            return
        generation, root, target = self._generation, self.key[0], self.key[2]
        task = self._runner.start(
            lambda: load_record(root, target),
            name="deployment-record",
            on_result=lambda record: self._loaded(generation, record),
            # Logged by the runner; the pages then say they cannot tell.
            on_error=lambda _failure: self._loaded(
                generation, DeploymentRecord(root, target, None, None)
            ),
        )
        # The page (and this watcher) may be gone before the read ends: drop the answer then.
        self.destroyed.connect(task.discard)

    def _loaded(self, generation: int, record: DeploymentRecord) -> None:
        if generation == self._generation:
            self.loaded.emit(record)
