"""Quitting while the sandbox runs: is it running, how much memory it holds, stop it.

The sandbox daemon outlives the app on purpose (the CLI shares it); on quit the main window
asks whether to stop it or keep it running. Everything here is quick on the GUI thread: the
state file and ``/proc`` are read (no network call), and stopping runs on a thread of its
own that the process waits for after the window has closed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from dtwin_gui.sandbox import daemon

STOP, KEEP, CANCEL = "stop", "keep", "cancel"

log = logging.getLogger(__name__)


def running_sandbox() -> daemon.SandboxInfo | None:
    """The sandbox daemon of this app's data folder if its process is alive, else None."""
    from dtwin_gui.build.workspace import data_dir

    info = daemon.read_state(data_dir() / "sandbox" / daemon.STATE_NAME)
    if info is None or not _is_sandbox_process(info.pid):
        return None
    return info


def _is_sandbox_process(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # not ours
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): trust the live pid named by our state file
    return b"dtwin_gui.sandbox.daemon" in command


def _rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sandbox_memory_mb(pid: int) -> int | None:
    """Resident memory of the daemon and its function workers, in MB; None if unknown."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    parents: dict[int, int] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    family, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current]
        family.update(children)
        frontier.extend(children)
    total = sum(_rss_kb(p) for p in family)
    return round(total / 1024) if total else None


def question_text(memory_mb: int | None) -> str:
    memory = f"about {memory_mb} MB of" if memory_mb else "some"
    return (
        "The sandbox (the emulated clouds on this computer) is still running. If you keep it "
        f"running, it keeps using {memory} memory until you stop it (dtwin sandbox down) or "
        "restart the computer; what you deployed to it stays available.\n\n"
        "Stopping it removes everything deployed to it: deploy again next time."
    )


def open_question(parent: QWidget, memory_mb: int | None, answered) -> QMessageBox:
    """Ask (window-modal, not blocking): ``answered(STOP|KEEP|CANCEL)`` is called with the
    choice."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("The sandbox is still running")
    box.setText("Stop the sandbox before quitting?")
    box.setInformativeText(question_text(memory_mb))
    stop = box.addButton("Stop the sandbox", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Keep it running", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(stop)
    box.setEscapeButton(cancel)
    box.buttons_by_answer = {STOP: stop, KEEP: keep, CANCEL: cancel}

    def finished(_result: int) -> None:
        clicked = box.clickedButton()
        answered(STOP if clicked is stop else KEEP if clicked is keep else CANCEL)

    box.finished.connect(finished)
    box.open()
    return box


def stop_in_background() -> threading.Thread:
    """Stop the sandbox on a thread of its own (not a daemon thread: the process waits for
    it after the window has closed, so no function worker is left behind)."""

    def stop() -> None:
        try:
            stopped = daemon.down()
        except Exception:  # quitting goes on regardless; the log says why
            log.exception("the sandbox could not be stopped (try `dtwin sandbox down`)")
        else:
            log.info("sandbox stopped on quit (%s)", stopped.endpoint if stopped else "gone")

    thread = threading.Thread(target=stop, name="sandbox-stop")
    thread.start()
    return thread
