"""The open project as the GUI sees it: loaded model, topology and latest validation.

Pages get a :class:`ProjectSession` injected and listen to its signals; they never read
project files behind its back. Validation always runs on a worker thread.

The bundled example (``upload/template``) opens read-only (:attr:`ProjectSession.read_only`):
every change through the session raises :class:`ReadOnlyProjectError`, and pages that write
project files call :meth:`ProjectSession.check_writable` first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from dtwin_gui.core.example import is_bundled_template
from dtwin_gui.core.problems import ValidationReport
from dtwin_gui.core.project import CONFIG, Project, load_project, write_providers
from dtwin_gui.core.providers import Cloud, NoCloud, Slot
from dtwin_gui.core.topology import Topology, TopologyError, topology_for_project
from dtwin_gui.core.validation import validate_project
from dtwin_gui.ui.watcher import ProjectWatcher
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

log = logging.getLogger(__name__)


class NotAProjectError(ValueError):
    """The chosen folder is not a dtwin project; the message says why and what to do."""


class ReadOnlyProjectError(PermissionError):
    """The open project is the bundled example, which the app never changes."""

    def __init__(self, root: Path) -> None:
        super().__init__(
            f"{root} is dtwin's bundled example, which stays unchanged so that every new "
            "project can start from it. Use “Save a copy…” on the Project page to get a copy "
            "you can change."
        )
        self.root = root


def check_project_folder(root: Path) -> Path:
    """``root`` resolved, or :class:`NotAProjectError` with a message for the user."""
    root = Path(root).expanduser()
    if not root.exists():
        raise NotAProjectError(f"{root} does not exist. Choose an existing project folder.")
    if not root.is_dir():
        raise NotAProjectError(f"{root} is a file, not a folder. Choose the project folder.")
    if not (root / CONFIG).is_file():
        raise NotAProjectError(
            f"{root} has no {CONFIG}, so it is not a dtwin project. Choose the folder that "
            f"contains {CONFIG}, create a project from the example, or use “Import project” "
            "for a project made with the older deployer."
        )
    return root.resolve()


class ProjectSession(QObject):
    """Holds the open project and keeps it in step with the files on disk."""

    opened = Signal(object)  # Path of the project just opened
    changed = Signal()  # the project was re-read (also right after opening)
    validation_started = Signal()
    validated = Signal(object)  # ValidationReport
    validation_failed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        *,
        validate: Callable[[Path], ValidationReport] = validate_project,
        debounce_ms: int = 300,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._validate = validate
        self._watcher = ProjectWatcher(debounce_ms, self)
        self._watcher.changed.connect(self.reload)
        self.root: Path | None = None
        self.project: Project | None = None
        self.topology: Topology | None = None
        self.topology_error: str | None = None
        self.report: ValidationReport | None = None
        #: True while the open project is the bundled example (see :meth:`check_writable`).
        self.read_only = False
        self._validating = False
        self._again = False

    # --- opening ---------------------------------------------------------------------------
    def open(self, root: Path) -> None:
        """Open the project at ``root``; raises :class:`NotAProjectError` for other folders."""
        root = check_project_folder(root)
        self.root = root
        self.read_only = is_bundled_template(root)
        self.report = None
        self._load()
        self._watcher.watch(root)
        log.info("opened project %s", root)
        self.opened.emit(root)
        self.changed.emit()
        self.revalidate()

    def close(self) -> None:
        """Stop watching and let running work end (called when the window closes)."""
        self._watcher.stop()
        self._runner.shutdown()

    @property
    def is_open(self) -> bool:
        return self.root is not None

    @property
    def validating(self) -> bool:
        return self._validating

    # --- changes ---------------------------------------------------------------------------
    def check_writable(self) -> None:
        """Raise :class:`ReadOnlyProjectError` when the open project must not be changed."""
        if self.read_only and self.root is not None:
            raise ReadOnlyProjectError(self.root)

    def set_providers(self, providers: Mapping[Slot, Cloud | NoCloud]) -> None:
        """Write the provider choice (atomically) and refresh everything that depends on it.

        Raises :class:`ReadOnlyProjectError` for the bundled example (nothing is written).
        """
        if self.root is None:
            raise RuntimeError("no project is open")
        self.check_writable()
        write_providers(self.root, dict(providers))
        self.reload()

    def reload(self) -> None:
        """Re-read the project from disk and validate it again."""
        if self.root is None:
            return
        if not self.root.is_dir():
            self.validation_failed.emit(f"the project folder {self.root} is gone")
            return
        self._load()
        self.changed.emit()
        self.revalidate()

    def _load(self) -> None:
        self.project = load_project(self.root)
        try:
            self.topology = topology_for_project(self.project)
            self.topology_error = None
        except TopologyError as exc:
            self.topology = None
            self.topology_error = str(exc)

    # --- validation ------------------------------------------------------------------------
    def revalidate(self) -> None:
        """Validate on a worker; a request during a run queues exactly one more run."""
        if self.root is None:
            return
        if self._validating:
            self._again = True
            return
        self._validating = True
        self._again = False
        root = self.root
        validate = self._validate
        self.validation_started.emit()
        self._runner.start(
            lambda: validate(root),
            name="validate",
            on_result=lambda report: self._on_validated(root, report),
            on_error=lambda failure: self._on_validation_error(root, failure),
            on_finished=self._on_validation_finished,
        )

    def _on_validated(self, root: Path, report: ValidationReport) -> None:
        if root == self.root and not self._again:
            self.report = report
            self.validated.emit(report)

    def _on_validation_error(self, root: Path, failure: TaskFailure) -> None:
        if root == self.root:
            self.validation_failed.emit(
                f"The project could not be checked: {failure.message}. Details are in the log."
            )

    def _on_validation_finished(self) -> None:
        self._validating = False
        if self._again:
            self.revalidate()
