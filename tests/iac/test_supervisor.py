"""Process supervision of the Terraform runner, with a Python child instead of Terraform.

What the runner relies on: every output line arrives with its stream, a cancel interrupts the
child (which may finish cleanly), a child that ignores the interrupt is killed after the grace
period, a forced stop kills at once, and nothing starts after a cancel.
"""

from __future__ import annotations

import os
import sys

import pytest

from dtwin_gui.iac import process
from dtwin_gui.iac.supervisor import ProcessSupervisor

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and groups")

#: A child that says it is ready, then waits; on SIGINT it says so and exits with 3.
POLITE = """
import signal, sys, time
def stop(*_):
    print("interrupted", flush=True)
    sys.exit(3)
signal.signal(signal.SIGINT, stop)
print("ready", flush=True)
time.sleep(60)
"""
#: A child that ignores SIGINT (a hung provider).
STUBBORN = """
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


def run(supervisor: ProcessSupervisor, workdir, code: str, on_ready=None):
    """Run ``code`` under ``supervisor``; ``on_ready()`` when it prints "ready"."""
    out_log, err_log, out_fd, err_fd = process.open_logs(workdir, "test")
    proc = supervisor.start(
        [sys.executable, "-c", code],
        cwd=workdir,
        env=dict(os.environ),
        stdout_fd=out_fd,
        stderr_fd=err_fd,
    )
    assert proc is not None
    assert supervisor.pid == proc.pid
    lines: list[tuple[str, str]] = []
    announced: list[bool] = []

    def on_line(name: str, line: str) -> None:
        lines.append((name, line))
        if line.strip() == "ready" and on_ready:
            on_ready()

    try:
        supervisor.pump(proc, (out_log, err_log), on_line, lambda: announced.append(True))
        exit_code = supervisor.wait(proc)
    finally:
        supervisor.release()
    return exit_code, lines, announced


def test_lines_arrive_with_their_stream_and_the_exit_code_is_returned(tmp_path):
    supervisor = ProcessSupervisor(lambda: 5.0)
    code = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(2)"
    exit_code, lines, announced = run(supervisor, tmp_path, code)
    assert exit_code == 2
    assert sorted(lines) == [("stderr", "err\n"), ("stdout", "out\n")]
    assert not announced and not supervisor.forced and supervisor.pid is None


def test_a_cancel_interrupts_the_child_which_stops_cleanly_and_nothing_starts_after(tmp_path):
    supervisor = ProcessSupervisor(lambda: 30.0)
    exit_code, lines, announced = run(supervisor, tmp_path, POLITE, on_ready=supervisor.cancel)
    assert exit_code == 3
    assert ("stdout", "interrupted\n") in lines
    assert announced == [True]
    assert supervisor.cancel_requested and not supervisor.forced
    _out, _err, out_fd, err_fd = process.open_logs(tmp_path, "later")
    later = supervisor.start(
        [sys.executable, "-c", "print('must not run')"],
        cwd=tmp_path,
        env=dict(os.environ),
        stdout_fd=out_fd,
        stderr_fd=err_fd,
    )
    assert later is None
    with pytest.raises(OSError):
        os.fstat(out_fd)  # the descriptors are closed even when nothing started


def test_a_child_ignoring_the_interrupt_is_killed_after_the_grace_period(tmp_path):
    supervisor = ProcessSupervisor(lambda: 0.3)
    exit_code, _lines, announced = run(supervisor, tmp_path, STUBBORN, on_ready=supervisor.cancel)
    assert exit_code == -9
    assert announced == [True]
    assert supervisor.forced and not supervisor.kill_requested


def test_a_forced_stop_kills_at_once(tmp_path):
    supervisor = ProcessSupervisor(lambda: 3600.0)  # the grace period plays no part
    exit_code, _lines, _announced = run(supervisor, tmp_path, POLITE, on_ready=supervisor.kill)
    assert exit_code == -9
    assert supervisor.forced and supervisor.kill_requested
