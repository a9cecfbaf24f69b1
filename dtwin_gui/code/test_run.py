"""Test-run the user's code on a sample input, in a separate Python process.

The child (:mod:`dtwin_gui.code.run_child`) loads and calls the file with the cloud
runtime's own functions. It gets the input as JSON on stdin and a time limit; when the
limit passes, the child and everything it started are killed. The user's code never runs
inside the application, so an endless loop, a crash or ``sys.exit()`` cannot hurt it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.code.kinds import CodeTarget
from dtwin_gui.code.samples import Sample, sample_for
from dtwin_gui.core.project import Project

DEFAULT_TIMEOUT = 10.0
#: How much of the code's printed output is kept (the end is what matters most).
MAX_OUTPUT_CHARS = 20_000
#: How often a running test checks whether the user pressed Stop, in seconds.
CANCEL_POLL_S = 0.1
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
#: Environment variables the user's code does not get: cloud credentials and the like.
_SECRET_MARKERS = ("SECRET", "TOKEN", "PASSWORD", "CREDENTIAL", "ACCESS_KEY", "PRIVATE_KEY")


@dataclass(frozen=True)
class TestRunResult:
    """What a test run gave: the output, or the error and where in the user's file."""

    __test__ = False  # not a pytest test class

    ok: bool
    input: object
    output: object = None
    error: str | None = None
    error_line: int | None = None
    error_file: str | None = None
    #: what the code printed (and Python's own messages, if the process crashed)
    stdout: str = ""
    elapsed: float = 0.0
    timed_out: bool = False
    #: the user pressed Stop
    cancelled: bool = False
    #: where the input came from, for people
    input_source: str = ""
    #: the text of the offending line, when known
    error_source: str | None = None

    @property
    def message(self) -> str:
        """The error as one sentence with its place, e.g. ``process.py line 4: KeyError: 'x'``."""
        if self.ok or not self.error:
            return ""
        if self.error_line and self.error_file and f"line {self.error_line}" not in self.error:
            return f"{self.error_file} line {self.error_line}: {self.error}"
        return self.error


def child_environment() -> dict[str, str]:
    """The environment of the child: ours without secrets, dtwin importable, no bytecode."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not any(marker in key.upper() for marker in _SECRET_MARKERS)
    }
    paths = [_PACKAGE_PARENT, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the user's project
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def kill_process_tree(process: subprocess.Popen) -> None:
    """Kill ``process`` and every process it started."""
    try:
        import psutil

        descendants = psutil.Process(process.pid).children(recursive=True)
    except Exception:  # psutil missing or the process already gone
        descendants = []
    if os.name == "nt":
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(process.pid)],
            capture_output=True,
            check=False,
        )
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session, so pgid == pid
    for child in descendants:  # those that left the process group
        with contextlib.suppress(Exception):
            child.kill()
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def _source_line(folder: Path, file: str | None, line: int | None) -> str | None:
    if not file or not line:
        return None
    try:
        lines = (folder / file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return lines[line - 1].strip() if 0 < line <= len(lines) else None


def _shown_input(sample: Sample) -> object:
    return sample.event if set(sample.args) == {"event"} else sample.args


def run_file(
    path: Path,
    target: CodeTarget,
    sample: Sample,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cancel: threading.Event | None = None,
) -> TestRunResult:
    """Run the code at ``path`` as ``target`` on ``sample`` in a child process.

    Blocking (up to ``timeout`` seconds, or until ``cancel`` is set): call it on a worker
    thread. Either way the child's whole process tree is killed.
    """
    path = Path(path).resolve()
    shown = _shown_input(sample)
    request = {"kind": str(target.kind), "path": str(path), "name": target.name}
    request["args"] = sample.args
    if not path.is_file():
        return TestRunResult(
            False,
            shown,
            error=f"{target.rel_path} does not exist; create it first",
            input_source=sample.source,
        )
    creation = {"start_new_session": True}
    if os.name == "nt":
        creation = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    started = time.monotonic()
    process = subprocess.Popen(
        # -B: no bytecode files; -P: the working folder does not shadow our modules
        [sys.executable, "-B", "-P", "-m", "dtwin_gui.code.run_child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=path.parent,
        env=child_environment(),
        **creation,
    )
    out, err, stopped = _communicate(process, json.dumps(request).encode("utf-8"), timeout, cancel)
    elapsed = time.monotonic() - started
    printed = err.decode("utf-8", "replace")[-MAX_OUTPUT_CHARS:]
    common = {"input_source": sample.source, "stdout": printed, "elapsed": elapsed}
    if stopped == "cancelled":
        return TestRunResult(
            False,
            shown,
            error=f"you stopped the test run after {elapsed:.1f} s",
            cancelled=True,
            **common,
        )
    if stopped == "timeout":
        return TestRunResult(
            False,
            shown,
            error=(
                f"the code did not finish within {timeout:g} s, so the test run was stopped; "
                "look for an endless loop or a call that waits (network, input(), sleep)"
            ),
            timed_out=True,
            **common,
        )
    try:
        reply = json.loads(out.decode("utf-8"))
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        return TestRunResult(
            False,
            shown,
            error=(
                f"the test process ended without a result (exit code {process.returncode}); "
                "the code may have called os._exit() or crashed Python — see its output below"
            ),
            **common,
        )
    if reply.get("ok"):
        return TestRunResult(True, shown, output=reply.get("output"), **common)
    line = reply.get("line") if isinstance(reply.get("line"), int) else None
    file = reply.get("file") if isinstance(reply.get("file"), str) else None
    return TestRunResult(
        False,
        shown,
        error=str(reply.get("error") or "the code failed"),
        error_line=line,
        error_file=file,
        error_source=_source_line(path.parent, file, line),
        **common,
    )


def _communicate(
    process: subprocess.Popen, request: bytes, timeout: float, cancel: threading.Event | None
) -> tuple[bytes, bytes, str | None]:
    """Send ``request``, collect stdout/stderr; stop the tree on timeout or ``cancel``.

    Returns ``(out, err, stopped)`` with ``stopped`` None, "timeout" or "cancelled".
    """
    deadline = time.monotonic() + timeout
    pending: bytes | None = request
    stopped = None
    while True:
        left = deadline - time.monotonic()
        wait = min(left, CANCEL_POLL_S) if cancel is not None else left
        try:
            # Retrying communicate() after a timeout loses no output (subprocess docs); the
            # input is given only the first time.
            out, err = process.communicate(pending, timeout=max(wait, 0))
            return out, err, None
        except subprocess.TimeoutExpired:
            pending = None
        if cancel is not None and cancel.is_set():
            stopped = "cancelled"
        elif time.monotonic() >= deadline:
            stopped = "timeout"
        if stopped:
            break
    kill_process_tree(process)
    try:
        out, err = process.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # a grandchild still holds the pipes
        out, err = b"", b""
    return out, err, stopped


def run_code_test(
    project: Project,
    target: CodeTarget,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cancel: threading.Event | None = None,
) -> TestRunResult:
    """Build the sample input of ``target`` and test-run its file (blocking; worker only)."""
    sample = sample_for(project, target)
    return run_file(target.path(project.root), target, sample, timeout=timeout, cancel=cancel)
