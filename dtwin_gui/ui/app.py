"""The ``dtwin-gui`` entry point: application set-up and the main window."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from dtwin_gui import __version__
from dtwin_gui.settings import load_settings
from dtwin_gui.ui.crash import configure_logging, install_excepthook
from dtwin_gui.ui.main_window import MainWindow
from dtwin_gui.ui.pyside_fixes import MainThreadGarbageCollector
from dtwin_gui.ui.recent import gui_settings
from dtwin_gui.ui.resources import app_icon
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import Factory, TargetChoice
from dtwin_gui.ui.theme import apply_theme
from dtwin_gui.ui.workers import TaskRunner

APP_NAME = "dtwin"
ORG_NAME = "dtwin"
ORG_DOMAIN = "dtwin.dev"

log = logging.getLogger(__name__)


def create_main_window(
    settings: QSettings | None = None,
    *,
    log_dir: Path | None = None,
    sandbox_factory: Factory | None = None,
) -> MainWindow:
    """A main window with its own session and task runner (a QApplication must exist).

    ``sandbox_factory`` makes the sandbox's Connections (a single connection is a one-cloud
    sandbox; default: start the sandbox daemon);
    ``settings`` keeps recent projects and window geometry (default: ``gui.ini`` in the
    app's config folder).
    """
    runner = TaskRunner()
    session = ProjectSession(runner)
    choice = TargetChoice(sandbox_factory=sandbox_factory) if sandbox_factory else TargetChoice()
    window = MainWindow(session, runner, settings or gui_settings(), log_dir=log_dir, choice=choice)
    runner.setParent(window)
    session.setParent(window)
    choice.setParent(window)
    return window


def _parse_args(argv: list[str], *, known_only: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dtwin-gui", description="Deploy an IoT digital twin, one layer at a time."
    )
    parser.add_argument("project", nargs="?", type=Path, help="project folder to open")
    parser.add_argument("--version", action="version", version=f"dtwin {__version__}")
    parser.add_argument(
        "--example",
        action="store_true",
        help="open your copy of the example project (made once in the projects folder, "
        "~/Documents/dtwin-projects/example or $DTWIN_PROJECTS_DIR/example)",
    )
    parser.add_argument(
        "--quit-after",
        type=float,
        metavar="SECONDS",
        help="close the window and exit after SECONDS (smoke tests of packaged builds)",
    )
    if known_only:
        return parser.parse_known_args(argv)[0]
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the desktop app; ``argv`` may name a project folder to open."""
    argv = list(sys.argv if argv is None else argv)
    # --help and --version answer before Qt starts (they need no display); the project
    # argument is read after Qt has taken its own options (-platform, ...) out of argv.
    _parse_args(argv[1:], known_only=True)
    log_file = configure_logging()
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv)
        # Qt removed its own options (-platform, ...) from app.arguments().
        argv = app.arguments()
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("dtwin")
    app.setOrganizationName(ORG_NAME)
    app.setOrganizationDomain(ORG_DOMAIN)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    install_excepthook(log_file)
    args = _parse_args(argv[1:])
    log.info("dtwin-gui %s starting%s", __version__, " (frozen)" if _frozen() else "")
    app_settings = load_settings()
    if app_settings.load_error:
        log.warning("settings: %s", app_settings.load_error)
    apply_theme(app, app_settings.theme)
    collector = MainThreadGarbageCollector(parent=app)
    collector.start()
    window = create_main_window(log_dir=log_file.parent)
    collector.busy = lambda: window.runner.active > 0
    window.show()
    if args.project is not None:
        window.open_project(args.project)
    elif args.example:
        _open_example(window)
    if args.quit_after is not None:
        QTimer.singleShot(round(max(args.quit_after, 0) * 1000), lambda: _close(window, app))
    try:
        code = app.exec()
    finally:
        collector.stop()
    log.info("dtwin-gui exiting with code %s", code)
    return code


def _open_example(window: MainWindow) -> None:
    """Open the user's copy of the example (never the bundled template itself)."""
    from dtwin_gui.core.example import example_copy
    from dtwin_gui.core.scaffold import ScaffoldError

    try:
        path = example_copy()
    except (ScaffoldError, OSError) as exc:
        log.warning("example copy: %s", exc)
        window.project_page.banner.show_message(
            "error", f"Your copy of the example could not be made: {exc}."
        )
        return
    log.info("opening the example copy %s", path)
    window.open_project(path)


def _close(window: MainWindow, app: QApplication) -> None:
    """End of ``--quit-after``: close the window as the user would (it saves its state and
    stops its workers), then leave the event loop."""
    log.info("--quit-after: closing")
    window.close()
    app.quit()


def _frozen() -> bool:
    """True in the packaged (PyInstaller) app."""
    return bool(getattr(sys, "frozen", False))


if __name__ == "__main__":
    sys.exit(main())
