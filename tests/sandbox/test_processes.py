"""Stopping the sandbox's process tree (sandbox/processes.py): a child in a session of its own
(as function workers run) is killed too, and a process that ignores SIGTERM is killed."""

from __future__ import annotations

import subprocess
import sys
import time

from dtwin_gui.core.processes import pid_alive
from dtwin_gui.sandbox import processes

PARENT = """
import signal, subprocess, sys, time
if sys.argv[1] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                         start_new_session=True)
print(child.pid, flush=True)
time.sleep(120)
"""


def _tree(mode: str) -> tuple[subprocess.Popen, int]:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, start_new_session=True
    )
    with parent.stdout:
        child = int(parent.stdout.readline())
    return parent, child


def _reaped(parent: subprocess.Popen, child: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (parent.poll() is None or pid_alive(child)):
        time.sleep(0.05)
    return parent.poll() is not None and not pid_alive(child)


def test_stopping_a_tree_kills_a_child_in_its_own_session():
    parent, child = _tree("obey")
    assert child in processes.descendants(parent.pid)
    assert "time.sleep(120)" in processes.command_line(child)
    processes.stop_tree(parent.pid, grace_s=5)
    assert _reaped(parent, child)


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period():
    parent, child = _tree("ignore")
    started = time.monotonic()
    processes.stop_tree(parent.pid, grace_s=0.5)
    assert _reaped(parent, child)
    assert time.monotonic() - started < 10
