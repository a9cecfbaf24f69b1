"""Process helpers of the sandbox daemon: find a process's command line and descendants,
signal its group, wait for processes to end, stop a process tree. POSIX only; ``/proc``
when there is one, else ``ps``."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

from dtwin_gui.core.processes import pid_alive

logger = logging.getLogger(__name__)


def command_line(pid: int) -> str:
    """The command line of ``pid`` ("" when it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        pass
    result = subprocess.run(
        ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


def parents() -> dict[int, int]:
    """pid -> parent pid of every process."""
    out: dict[int, int] = {}
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    out[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        return out
    result = subprocess.run(
        ["ps", "-A", "-o", "pid=,ppid="], capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        with contextlib.suppress(ValueError):
            pid, ppid = (int(x) for x in line.split())
            out[pid] = ppid
    return out


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...)."""
    by_parent = parents()
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in by_parent.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def signal_group(pid: int, sig: int) -> None:
    """Send ``sig`` to ``pid``'s process group when it leads one, else to ``pid`` alone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
            return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def wait_gone(pids: list[int], timeout_s: float) -> bool:
    """True when none of ``pids`` is alive within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not any(pid_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return not any(pid_alive(p) for p in pids)


def stop_tree(pid: int, grace_s: float) -> None:
    """SIGTERM ``pid``'s group, SIGKILL after ``grace_s``; kill whatever it leaves behind
    (processes in sessions of their own, such as function workers)."""
    leftovers = descendants(pid)
    signal_group(pid, signal.SIGTERM)
    if not wait_gone([pid], grace_s):
        logger.warning("the sandbox (pid %s) ignored SIGTERM; killing it", pid)
        leftovers = sorted(set(leftovers) | set(descendants(pid)))
        signal_group(pid, signal.SIGKILL)
        wait_gone([pid], 5)
    for child in leftovers:
        if pid_alive(child):
            signal_group(child, signal.SIGKILL)
    wait_gone(leftovers, 5)
