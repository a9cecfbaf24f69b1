"""File → Export project…: the open project as a zip for a colleague, made off the GUI thread.

The engine (:func:`dtwin_gui.core.export.export_project`) does the work in a worker; the
result — where the zip is, how many files, what was left out and why — or the error comes
back in a window-modal message box that never blocks the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from dtwin_gui.core.example import projects_dir
from dtwin_gui.core.export import ExportResult, app_workspaces, export_project
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

#: How many skipped entries the message lists before "and N more".
SHOWN_SKIPPED = 12
log = logging.getLogger(__name__)


class ProjectExporter(QObject):
    """Owns the Export action of a window: asks where, exports in a worker, tells the result."""

    def __init__(self, window: QWidget, session: ProjectSession, runner: TaskRunner) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._runner = runner
        #: ``ask_path(suggested) -> Path | None``; the save dialog when None (tests set it).
        self.ask_path: Callable[[Path], Path | None] | None = None
        self.running = False
        self.result: ExportResult | None = None
        self.error: str | None = None
        #: The last message box shown (tests read its text).
        self.message: QMessageBox | None = None
        self.action = QAction("&Export project…", window)
        self.action.setShortcut("Ctrl+E")
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setStatusTip(
            "Zip this project for a colleague (no secrets, workspace or caches)"
        )
        self.action.triggered.connect(self.ask)
        window.addAction(self.action)
        session.changed.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.action.setEnabled(self._session.is_open and not self.running)

    def suggested_path(self) -> Path:
        """``<project folder name>.zip`` next to the project folder (never inside it); for
        the bundled example, whose folder belongs to the app, in the projects folder."""
        root = Path(self._session.root).resolve()
        folder = projects_dir() if self._session.read_only else root.parent
        return folder / f"{root.name}.zip"

    def ask(self) -> None:
        """Ask where to write the zip, then export there (in a worker)."""
        if not self._session.is_open or self.running:
            return
        suggested = self.suggested_path()
        if self.ask_path is not None:
            chosen = self.ask_path(suggested)
        else:
            name, _ = QFileDialog.getSaveFileName(
                self._window, "Export project as zip", str(suggested), "Zip archives (*.zip)"
            )
            chosen = Path(name) if name else None
        if chosen is None:
            return
        if not chosen.name.lower().endswith(".zip"):
            chosen = chosen.with_name(chosen.name + ".zip")
        self.start(chosen)

    def start(self, out: Path) -> None:
        """Export the open project to ``out`` in a worker thread."""
        root = Path(self._session.root)
        self.running = True
        self.result = self.error = None
        self._update()
        self._window.statusBar().showMessage(f"Exporting {root.name} to {out}…")
        self._runner.start(
            lambda: export_project(root, out, exclude=app_workspaces()),
            name="export",
            on_result=self._done,
            on_error=self._failed,
            on_finished=self._finished,
        )

    def _done(self, result: ExportResult) -> None:
        self.result = result
        self._window.statusBar().showMessage(f"Exported to {result.out}", 8000)
        self._show(QMessageBox.Icon.Information, "Project exported", result_text(result))

    def _failed(self, failure: TaskFailure) -> None:
        self.error = failure.message
        log.warning("export failed: %s\n%s", failure.message, failure.traceback)
        self._window.statusBar().clearMessage()
        self._show(QMessageBox.Icon.Warning, "Export failed", f"Export failed: {failure.message}")

    def _finished(self) -> None:
        self.running = False
        self._update()

    def _show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._window)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.finished.connect(box.deleteLater)
        self.message = box
        box.open()


def _files(count: int) -> str:
    return f"{count:,} file{'' if count == 1 else 's'}"


def result_text(result: ExportResult) -> str:
    """What the user reads after an export: where, how much, and what was left out."""
    total = sum(size for _, size in result.files)
    lines = [
        f"Wrote {result.out}",
        f"{_files(len(result.files))}, {total:,} bytes ({result.zip_size:,} bytes zipped).",
        "A colleague can unzip it and open the folder, or import the zip (File → Import project…).",
    ]
    lines += [f"\nWarning: {w}" for w in result.warnings]
    if result.secrets:
        lines.append(
            f"\n{_files(len(result.secrets))} that "
            + ("looks like a secret was" if len(result.secrets) == 1 else "look like secrets were")
            + " left out; keep "
            "secrets out of the project (dtwin keeps them in your OS keyring)."
        )
    if result.skipped:
        lines.append(f"\nLeft out ({len(result.skipped)}):")
        lines += [f"  {s.path} — {s.reason}" for s in result.skipped[:SHOWN_SKIPPED]]
        if len(result.skipped) > SHOWN_SKIPPED:
            lines.append(f"  … and {len(result.skipped) - SHOWN_SKIPPED} more")
    return "\n".join(lines)
