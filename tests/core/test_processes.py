"""pid_alive: a running process is alive; an ended one, reaped or a zombie, is not."""

from __future__ import annotations

import os
import subprocess
import sys

from dtwin_gui.core.processes import pid_alive


def test_this_process_is_alive_and_nonsense_pids_are_not():
    assert pid_alive(os.getpid())
    assert not pid_alive(0) and not pid_alive(-1)


def test_a_zombie_and_a_reaped_child_are_not_alive():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    # Not waited for yet: once it exits it is a zombie, which does not count as running.
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    assert not pid_alive(child.pid)
    child.wait()
    assert not pid_alive(child.pid)
