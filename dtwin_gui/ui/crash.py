"""The safety net: a log file for details and a friendly dialog instead of a traceback."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from types import TracebackType

import platformdirs
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

LOG_FILE_NAME = "dtwin-gui.log"
log = logging.getLogger("dtwin_gui")


def default_log_dir() -> Path:
    return Path(platformdirs.user_log_dir("dtwin", appauthor=False))


def configure_logging(directory: Path | None = None) -> Path:
    """Send the application's log to a rotating file under the user log folder."""
    directory = Path(directory) if directory else default_log_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / LOG_FILE_NAME
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "dtwin_log", False)]:
        root.removeHandler(old)
        old.close()
    handler.dtwin_log = True
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


class CrashReporter:
    """An ``sys.excepthook``: logs the traceback and tells the user in plain words."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = Path(log_file)
        self.last_box: QMessageBox | None = None
        self._showing = False

    def __call__(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.critical("unexpected error", exc_info=(exc_type, exc, tb))
        for handler in logging.getLogger().handlers:
            handler.flush()
        if QApplication.instance() is None or self._showing:
            print(f"dtwin: unexpected error: {exc} (details in {self.log_file})", file=sys.stderr)
            return
        self._showing = True
        try:
            self.last_box = self._show(exc)
        finally:
            self._showing = False

    def _show(self, exc: BaseException) -> QMessageBox:
        summary = str(exc) or exc_type_name(exc)
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("dtwin ran into a problem")
        box.setText("Something went wrong, and dtwin stopped what it was doing.")
        box.setInformativeText(
            f"{exc_type_name(exc)}: {summary}\n\n"
            f"The details are in the log file:\n{self.log_file}\n\n"
            "Your project files were not changed by this error. You can keep working; if "
            "something looks wrong, reopen the project."
        )
        open_log = box.addButton("Open log", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)
        open_log.clicked.connect(self.open_log)
        box.setModal(False)
        box.show()
        return box

    def open_log(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file)))


def exc_type_name(exc: BaseException) -> str:
    return type(exc).__name__


def install_excepthook(log_file: Path) -> CrashReporter:
    """Replace ``sys.excepthook`` with a :class:`CrashReporter` writing to ``log_file``."""
    reporter = CrashReporter(log_file)
    sys.excepthook = reporter
    return reporter
