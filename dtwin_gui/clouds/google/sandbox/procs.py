"""Process plumbing of the Google sandbox: free loopback ports, a child in its own process
group (setsid) logging to a file, readiness by polling, and stopping a whole group (the
gcloud wrapper leaves a Java child; functions-framework runs gunicorn with a worker)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(
    argv: list[str],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen:
    """Start ``argv`` in a session (and process group) of its own, output to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )


def answers(url: str, timeout_s: float = 1.0) -> bool:
    """True when ``url`` gives any HTTP answer (an error status counts: the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def wait_ready(
    proc: subprocess.Popen,
    ready: Callable[[], bool],
    what: str,
    log_path: Path,
    timeout_s: float = 60.0,
) -> None:
    """Poll ``ready`` until it holds; the group is killed and an error raised when ``proc``
    exits first or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early (code {proc.returncode}): {tail(log_path)}")
        time.sleep(0.05)
    kill_group(proc)
    raise RuntimeError(f"{what} did not start in {timeout_s:.0f} s: {tail(log_path)}")


def tail(log_path: Path, lines: int = 8) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return ""
    return " | ".join(text.strip().splitlines()[-lines:])


def kill_pgid(pgid: int, grace_s: float = 10.0) -> None:
    """SIGTERM to process group ``pgid``, SIGKILL to what is left after ``grace_s``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    if not _group_gone(pgid, grace_s):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        _group_gone(pgid, 5.0)


def _group_gone(pgid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def kill_group(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Stop ``proc``'s whole process group (SIGTERM, SIGKILL after ``grace_s``), reap
    ``proc`` and wait until no member is left (a Java child, a gunicorn worker)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
    # the leader is reaped: what is left of the group had SIGTERM as long as it did
    if not _group_gone(proc.pid, 2.0):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        _group_gone(proc.pid, 5.0)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
