"""The safety net: a log file for details and a friendly dialog instead of a traceback."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import platformdirs
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from dtwin_gui.ui.dialogs.crash_dialog import CrashDialog

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
    """An ``sys.excepthook``: logs the traceback and tells the user in plain words.

    The user sees a :class:`~dtwin_gui.ui.dialogs.crash_dialog.CrashDialog` (never the
    traceback). While one is open, further errors are only logged, so a failing timer cannot
    bury the window under dialogs. ``quit_app`` runs when the user chooses "Quit dtwin".
    """

    def __init__(self, log_file: Path, quit_app: Callable[[], None] | None = None) -> None:
        self.log_file = Path(log_file)
        self.last_box: CrashDialog | None = None
        self.count = 0
        self._quit_app = quit_app or quit_application
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
        self.count += 1
        log.critical("unexpected error", exc_info=(exc_type, exc, tb))
        for handler in logging.getLogger().handlers:
            handler.flush()
        if QApplication.instance() is None or self._showing or self._box_open():
            print(f"dtwin: unexpected error: {exc} (details in {self.log_file})", file=sys.stderr)
            return
        self._showing = True
        try:
            details = "".join(traceback.format_exception(exc_type, exc, tb))
            self.last_box = self._show(exc, details)
        finally:
            self._showing = False

    def _box_open(self) -> bool:
        try:
            return self.last_box is not None and self.last_box.isVisible()
        except RuntimeError:  # the C++ dialog is gone
            return False

    def _show(self, exc: BaseException, details: str) -> CrashDialog:
        box = CrashDialog(exc, details, self.log_file, QApplication.activeWindow())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        box.quit_requested.connect(self._quit_app)
        box.setModal(False)
        box.show()
        box.raise_()
        return box

    def open_log(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))


def quit_application() -> None:
    """Close every window (so they save their state and stop their workers), then exit 1."""
    app = QApplication.instance()
    if app is not None:
        app.closeAllWindows()
        app.exit(1)


def exc_type_name(exc: BaseException) -> str:
    return type(exc).__name__


def _logging_thread_hook(previous: Callable[[threading.ExceptHookArgs], object]):
    """A ``threading.excepthook`` that logs, then hands over to ``previous``: errors on plain
    Python threads go to the log (a dialog belongs to the GUI thread only)."""

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit:
            name = args.thread.name if args.thread else "?"
            exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
            log.critical("unexpected error on thread %s", name, exc_info=exc_info)
        previous(args)

    hook.dtwin_logging = True
    return hook


def install_excepthook(log_file: Path, quit_app: Callable[[], None] | None = None) -> CrashReporter:
    """Replace ``sys.excepthook`` with a :class:`CrashReporter` writing to ``log_file``, and
    log errors of other Python threads too."""
    reporter = CrashReporter(log_file, quit_app)
    sys.excepthook = reporter
    if not getattr(threading.excepthook, "dtwin_logging", False):
        threading.excepthook = _logging_thread_hook(threading.excepthook)
    return reporter
