"""Import a project (the older deployer's, or a dtwin export; a folder or a zip), with a report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.importer import ImportFailed, ImportReport, import_project
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.widgets.import_report import ImportReportTable, summary_line
from dtwin_gui.ui.workers import TaskFailure, TaskRunner


def default_destination(source: Path) -> Path:
    """A new folder next to the source: ``<name>-dtwin``, or ``<name>-dtwin-2``, … if taken.

    A source already named ``…-dtwin`` (such as the export of an imported project) does not
    get a second ``-dtwin``.
    """
    stem = source.stem if source.suffix.lower() == ".zip" else source.name
    base = stem if stem.endswith("-dtwin") else f"{stem}-dtwin"
    candidate = source.parent / base
    number = 2
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        candidate = source.parent / f"{base}-{number}"
        number += 1
    return candidate


class ImportDialog(QDialog):
    """Choose source and destination, run the import on a worker, show the report."""

    open_requested = Signal(object)  # Path of the imported project

    def __init__(
        self,
        runner: TaskRunner,
        *,
        import_fn: Callable[[Path, Path], ImportReport] = import_project,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._import = import_fn
        self.report: ImportReport | None = None
        self.running = False
        self.setWindowTitle("Import a project")
        self.resize(1100, 700)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Bring in a project made for the older deployer (translated to dtwin's format) or "
            "a dtwin export (copied as it is). dtwin writes a new project and leaves the "
            "original untouched. Credentials are never copied: sign in on the Credentials "
            "step instead."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        layout.addWidget(intro)

        form = QFormLayout()
        self.source = QLineEdit()
        self.source.setPlaceholderText("project folder or .zip")
        folder_button = QPushButton("Folder…")
        folder_button.clicked.connect(self._choose_folder)
        zip_button = QPushButton("Zip…")
        zip_button.clicked.connect(self._choose_zip)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(folder_button)
        row.addWidget(zip_button)
        form.addRow("Import from:", row)
        self.dest = QLineEdit()
        self.dest.setPlaceholderText("a new or empty folder")
        dest_button = QPushButton("Choose…")
        dest_button.clicked.connect(self._choose_dest)
        row = QHBoxLayout()
        row.addWidget(self.dest, 1)
        row.addWidget(dest_button)
        form.addRow("New project at:", row)
        layout.addLayout(form)

        self.banner = Banner()
        layout.addWidget(self.banner)
        self.summary = QLabel()
        self.summary.setProperty("role", "section")
        self.summary.setWordWrap(True)
        self.summary.hide()
        layout.addWidget(self.summary)
        self.table = ImportReportTable()
        self.table.hide()
        layout.addWidget(self.table, 1)
        # Takes the spare height until the report shows (else the form spreads out).
        self._filler = QWidget()
        layout.addWidget(self._filler, 1)

        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy report")
        self.copy_button.setToolTip("Put the whole report on the clipboard as text")
        self.copy_button.hide()
        self.copy_button.clicked.connect(self.copy_report)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        self.import_button = QPushButton("Import")
        self.import_button.setProperty("primary", True)
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.open_button = QPushButton("Open imported project")
        self.open_button.setProperty("primary", True)
        self.open_button.hide()
        self.open_button.clicked.connect(self._open)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.source.textEdited.connect(self._source_edited)

    # --- choosing --------------------------------------------------------------------------
    def set_source(self, path: Path) -> None:
        self.source.setText(str(path))
        if not self.dest.text().strip():
            self.dest.setText(str(default_destination(Path(path))))

    def _source_edited(self, text: str) -> None:
        if text.strip() and not self.dest.isModified():
            self.dest.setText(str(default_destination(Path(text.strip()))))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Older project folder")
        if folder:
            self.set_source(Path(folder))

    def _choose_zip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Older project zip", "", "Zip archives (*.zip);;All files (*)"
        )
        if path:
            self.set_source(Path(path))

    def _choose_dest(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where should the new project go?")
        if folder:
            self.dest.setText(folder)
            self.dest.setModified(True)

    # --- importing -------------------------------------------------------------------------
    def start_import(self) -> None:
        """Run the import on a worker thread."""
        source = self.source.text().strip()
        dest = self.dest.text().strip()
        if not source or not dest:
            self.banner.show_message(
                "error", "Choose the project to import and a destination first."
            )
            return
        src, dst = Path(source).expanduser(), Path(dest).expanduser()
        self.running = True
        self.import_button.setEnabled(False)
        self.banner.show_message("info", f"Importing {src.name}…")
        importer = self._import
        self._runner.start(
            lambda: importer(src, dst),
            name="import",
            on_result=self._done,
            on_error=self._failed,
            on_finished=self._finished,
        )

    def _done(self, report: ImportReport) -> None:
        self.report = report
        self._filler.hide()
        self.table.show()
        self.table.show_report(report)
        self.summary.setText(summary_line(report))
        self.summary.show()
        attention = len(report.needs_attention)
        kind = "info" if attention else "ok"
        text = f"Imported into {report.dest}."
        if attention:
            text += " Look at the highlighted rows before you deploy."
        self.banner.show_message(kind, text)
        self.import_button.hide()
        self.copy_button.show()
        self.open_button.show()
        self.open_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _failed(self, failure: TaskFailure) -> None:
        if isinstance(failure.exception, ImportFailed):
            text = f"Import failed: {failure.message}"
        else:
            text = f"Import failed unexpectedly: {failure.message}. The details are in the log."
        self.banner.show_message("error", text)

    def _finished(self) -> None:
        self.running = False
        self.import_button.setEnabled(self.report is None)

    def reject(self) -> None:
        if self.running:
            self.banner.show_message("info", "The import is still running; it takes a moment.")
            return
        super().reject()

    def copy_report(self) -> None:
        """Put the report, as the CLI prints it, on the clipboard."""
        if self.report is not None:
            QApplication.clipboard().setText(self.report.format_text())
            self.copy_button.setText("Copied")

    def _open(self) -> None:
        if self.report is not None:
            self.open_requested.emit(Path(self.report.dest))
            self.accept()
