"""Terraform as a process that outlives dtwin: its own session, output to log files.

Terraform's stdout/stderr go to files in ``<workdir>/.dtwin-terraform/`` (0700 folder, 0600
files), never to a pipe: if dtwin dies, Terraform does not die of a broken pipe but finishes
(or stops cleanly) and saves its state. The runner tails the files (:func:`tail_lines`).

A state-changing command also writes a run record (pid, command, log paths, start time) to
``run.json``. The next run finds it (:func:`running_previous`): when that Terraform is still
alive (pid alive, its command line is terraform and its folder is this one), it waits for it
instead of starting a second one (:func:`wait_for_previous`). Everything left is removed when
a command ends normally.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dtwin_gui.core.processes import pid_alive

LOG_DIR = ".dtwin-terraform"
RUN_RECORD = "run.json"
#: Commands that may change the state: a run of one waits for a Terraform left running.
STATE_CHANGING = frozenset({"init", "plan", "apply", "destroy", "import", "force-unlock"})
_WINDOWS = sys.platform == "win32"


@dataclass(frozen=True)
class RunRecord:
    pid: int
    command: str
    argv: list[str]
    stdout: str
    stderr: str
    started: str
    owner: int

    def to_json(self) -> dict:
        return dict(self.__dict__)


def log_dir(workdir: Path) -> Path:
    folder = Path(workdir) / LOG_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _WINDOWS:
        os.chmod(folder, 0o700)
    return folder


def open_logs(workdir: Path, command: str) -> tuple[Path, Path, int, int]:
    """Two fresh 0600 log files (stdout, stderr) and their write descriptors."""
    stem = f"{command.replace(' ', '-')}-{uuid.uuid4().hex[:8]}"
    folder = log_dir(workdir)
    paths = (folder / f"{stem}.out", folder / f"{stem}.err")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fds = [os.open(path, flags, 0o600) for path in paths]
    return paths[0], paths[1], fds[0], fds[1]


def write_record(workdir: Path, record: RunRecord) -> None:
    path = log_dir(workdir) / RUN_RECORD
    tmp = path.with_name(f".{RUN_RECORD}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(record.to_json(), handle)
    os.replace(tmp, path)


def read_record(workdir: Path) -> RunRecord | None:
    try:
        data = json.loads((Path(workdir) / LOG_DIR / RUN_RECORD).read_text(encoding="utf-8"))
        return RunRecord(**{k: data[k] for k in RunRecord.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_record(workdir: Path, pid: int) -> None:
    """Remove the run record when it is (still) the one of ``pid``."""
    record = read_record(workdir)
    if record is not None and record.pid == pid:
        (Path(workdir) / LOG_DIR / RUN_RECORD).unlink(missing_ok=True)


def remove_logs(*paths: Path) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- processes -----------------------------------------------------------------------------
def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    except OSError:
        pass
    try:  # no /proc (macOS): ask ps
        import subprocess

        out = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=5
        ).stdout
        return out.split()
    except (OSError, ValueError, subprocess.SubprocessError):
        return []


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None


def is_terraform_in(pid: int, workdir: Path) -> bool:
    """Whether ``pid`` is alive and is a Terraform process working in ``workdir``."""
    if not pid_alive(pid):
        return False
    argv = _cmdline(pid)
    if not argv or "terraform" not in Path(argv[0]).name.lower():
        return False
    cwd = _cwd(pid)
    return cwd is None or cwd.resolve() == Path(workdir).resolve()


def running_previous(workdir: Path) -> RunRecord | None:
    """The record of a Terraform still running in ``workdir`` started by another process."""
    record = read_record(workdir)
    if record is None or record.owner == os.getpid():
        return None
    return record if is_terraform_in(record.pid, workdir) else None


def group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (Linux: from /proc; else best effort)."""
    members = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[0] != "Z" and fields[2] == str(pgid):
            members.append(int(entry))
    return members


def end_group(pgid: int, workdir: Path | None = None) -> list[int]:
    """SIGKILL what is left of the (leaderless) process group of an ended Terraform.

    Only processes whose command line names terraform (Terraform itself, its provider
    plugins ``terraform-provider-*``) are touched, so a recycled id never hits a stranger.
    """
    killed = []
    for pid in group_members(pgid):
        argv = _cmdline(pid)
        if not argv or "terraform" not in Path(argv[0]).name.lower():
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except OSError:
            pass
    return killed


def wait_for_previous(
    workdir: Path,
    emit: Callable[[str, str], None],
    *,
    cancelled: Callable[[], bool],
    killed: Callable[[], bool],
    grace_period: float,
) -> RunRecord | None:
    """Wait for a Terraform left running in ``workdir`` by an earlier (dead) dtwin.

    ``emit(level, message)`` logs. A cancel interrupts that Terraform (SIGINT to its
    group, SIGKILL after ``grace_period``); a forced stop kills its group at once. Returns
    the record waited for (None when nothing was running); raises nothing itself.
    """
    record = running_previous(workdir)
    if record is None:
        _forget_ended(workdir, emit)
        return None
    emit(
        "warning",
        f"waiting for the Terraform {record.command} started at {record.started} "
        f"(pid {record.pid}) to finish",
    )
    interrupted_at: float | None = None
    while is_terraform_in(record.pid, workdir):
        if killed() or (
            interrupted_at is not None and time.monotonic() - interrupted_at > grace_period
        ):
            _signal(record.pid, signal.SIGKILL)
        elif cancelled() and interrupted_at is None:
            interrupted_at = time.monotonic()
            _signal(record.pid, signal.SIGINT)
        time.sleep(0.2)
    end_group(record.pid)
    summary = previous_outcome(Path(record.stdout))
    ended = f"the earlier Terraform {record.command} ended"
    emit("info", f"{ended}: {summary}" if summary else ended)
    _remove_run(workdir, record)
    return record


def _remove_run(workdir: Path, record: RunRecord) -> None:
    remove_logs(Path(record.stdout), Path(record.stderr))
    remove_record(workdir, record.pid)


def _forget_ended(workdir: Path, emit: Callable[[str, str], None]) -> None:
    """A record left by a dtwin that died: its Terraform ended meanwhile; say how."""
    record = read_record(workdir)
    if record is None or record.owner == os.getpid() or pid_alive(record.owner):
        return
    if is_terraform_in(record.pid, workdir):
        return
    end_group(record.pid)  # plugins of a Terraform that was killed with dtwin
    summary = previous_outcome(Path(record.stdout))
    ended = (
        f"the Terraform {record.command} started at {record.started} (pid {record.pid}) "
        "ended while dtwin was not running"
    )
    emit("info", f"{ended}: {summary}" if summary else ended)
    _remove_run(workdir, record)


def _signal(pgid: int, sig: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pgid, sig)


def previous_outcome(stdout_log: Path) -> str:
    """What an earlier run's ``-json`` log says it did last (its summary or first error)."""
    summary = error = ""
    try:
        lines = stdout_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    for line in lines:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        if message.get("type") == "change_summary":
            summary = str(message.get("@message", ""))
        elif message.get("type") == "diagnostic" and message.get("@level") == "error":
            error = error or str(message.get("@message", ""))
    return error or summary


def tail_lines(path: Path, exited: Callable[[], bool], *, poll: float = 0.05) -> Iterator[str]:
    """The lines of a log file another process writes, until that process exited and the
    file is read to its end (a last line without newline is given too)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        pending = ""
        while True:
            chunk = handle.readline()
            if chunk:
                pending += chunk
                if pending.endswith("\n"):
                    yield pending
                    pending = ""
                continue
            if exited():
                pending += handle.read()
                yield from pending.splitlines(keepends=True)
                return
            time.sleep(poll)


def file_lock_held(state: Path) -> bool | None:
    """Whether a live process holds Terraform's OS lock on the local state file."""
    try:
        import fcntl
    except ImportError:
        return None  # Windows: cannot tell without taking the lock the same way
    try:
        handle = state.open("r+b")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN)
        return False
