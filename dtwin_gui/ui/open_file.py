"""Opening a project file in the user's own application, and saying so when that fails.

``QDesktopServices.openUrl`` returns False when the desktop has no launcher (no
``xdg-open``, no default application: Qt only prints "Unable to detect a launcher" on
stderr). Widgets that open files take a :data:`Launcher` (injectable, so a test can make it
fail) and show an :class:`OpenFailedNote`: the file's path and a button that copies it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

#: Opens a URL with the desktop's default application; False when nothing could be started.
Launcher = Callable[[QUrl], bool]


def desktop_launcher(url: QUrl) -> bool:
    """The desktop's own opener (``xdg-open``, Finder, Explorer)."""
    return bool(QDesktopServices.openUrl(url))


def launch_file(path: Path, launcher: Launcher | None = None) -> bool:
    """Open ``path`` with ``launcher`` (the desktop's by default); False when it failed."""
    return bool((launcher or desktop_launcher)(QUrl.fromLocalFile(str(path))))


def failure_text(path: Path) -> str:
    """What went wrong, where, and what to do."""
    if Path(path).is_dir():
        return (
            f"No file manager could be started for {path}: this computer has no desktop "
            "launcher (such as xdg-open) for folders. Open the folder yourself; “Copy path” "
            "puts its path on the clipboard."
        )
    return (
        f"No editor could be started for {path}: this computer has no default application "
        "for this kind of file (or no desktop launcher such as xdg-open). Open the file in "
        "your editor yourself; “Copy path” puts its path on the clipboard."
    )


class OpenFailedNote(QFrame):
    """Hidden until :meth:`show_failure`; says which file could not be opened, offers Copy."""

    copied = Signal(str)  # the path put on the clipboard
    hidden = Signal()  # dismissed with its ✕

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.setProperty("kind", "error")
        self.path: Path | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy path")
        self.copy_button.setToolTip("Copy the file's full path to the clipboard")
        self.copy_button.clicked.connect(self.copy_path)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss this message")
        close.clicked.connect(self.dismiss)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_failure(self, path: Path) -> None:
        self.path = Path(path)
        self.label.setText(failure_text(self.path))
        self.copy_button.setText("Copy path")
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def dismiss(self) -> None:
        self.hide()
        self.hidden.emit()

    def copy_path(self) -> None:
        if self.path is None:
            return
        QGuiApplication.clipboard().setText(str(self.path))
        self.copy_button.setText("Copied")
        self.copied.emit(str(self.path))


def open_or_explain(path: Path, note: OpenFailedNote, launcher: Launcher | None = None) -> bool:
    """Open ``path``; when no application could be started, show ``note`` for it."""
    if launch_file(path, launcher):
        note.hide()
        return True
    note.show_failure(path)
    return False


class OpenFailedDialog(QDialog):
    """A non-modal window with :class:`OpenFailedNote`'s words, for places with no room."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Could not open")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.note = OpenFailedNote()
        self.note.label.setMinimumWidth(420)
        layout.addWidget(self.note)
        self.note.show_failure(path)
        self.note.hidden.connect(self.close)


def open_or_tell(
    path: Path, parent: QWidget | None, launcher: Launcher | None = None
) -> OpenFailedDialog | None:
    """Open ``path`` (a file or folder); when nothing starts, show (and return) a dialog."""
    if launch_file(path, launcher):
        return None
    dialog = OpenFailedDialog(Path(path), parent)
    dialog.show()
    return dialog
