"""Process supervision for the Terraform runner: one child at a time, cancel and forced stop.

The child runs in its own process group (a new session on POSIX) with its output going to
log files, never to pipes (:mod:`dtwin_gui.iac.process`), so it outlives a killed dtwin.
:meth:`ProcessSupervisor.pump` tails both files until the child exits and hands each line
on; :meth:`~ProcessSupervisor.wait` reaps it and removes stragglers of its group.

Cancel is cooperative first: SIGINT (CTRL_BREAK on Windows) to the group lets Terraform
finish the calls in flight, write the state and release the lock; when the grace period
has passed, the thread running the command kills the group. :meth:`~ProcessSupervisor.kill`
kills it at once. Both return at once and may be called from any thread.

What the command means (its arguments, events, errors) stays in :mod:`dtwin_gui.iac.runner`.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dtwin_gui.iac import process
from dtwin_gui.iac.perms import private_umask

_WINDOWS = sys.platform == "win32"


class ProcessSupervisor:
    """Start, watch, interrupt and kill one child process (group) at a time.

    ``grace_period`` is read when a cancel comes: seconds between the interrupt and the kill.
    """

    def __init__(self, grace_period: Callable[[], float]) -> None:
        self._grace_period = grace_period
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._cancel_requested = False
        self._interrupt_sent = False
        self._kill_deadline: float | None = None
        self._forced = False
        self._kill_requested = False

    # --- state --------------------------------------------------------------------------------
    @property
    def cancel_requested(self) -> bool:
        """A cancel (or a forced stop) was asked for: later commands must not start."""
        return self._cancel_requested

    @property
    def kill_requested(self) -> bool:
        """A forced stop (:meth:`kill`) was asked for."""
        return self._kill_requested

    @property
    def forced(self) -> bool:
        """The last child's group was killed (forced stop, or the grace period ran out)."""
        return self._forced

    @property
    def pid(self) -> int | None:
        """Process id (= process group id) of the running child, if any."""
        proc = self._proc
        return proc.pid if proc is not None else None

    # --- cancel -------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Interrupt the running child; it is killed when it outlives the grace period."""
        with self._lock:
            self._cancel_requested = True
            if self._proc is None or self._interrupt_sent:
                return
            self._interrupt_sent = True
            self._kill_deadline = time.monotonic() + self._grace_period()
            self._signal_group(self._proc, "interrupt")

    def kill(self) -> None:
        """Kill the running child's group now (done by the thread running the command)."""
        with self._lock:
            self._cancel_requested = True
            self._kill_requested = True
            if self._proc is None:
                return
            self._interrupt_sent = True
            self._kill_deadline = time.monotonic()

    # --- one child ----------------------------------------------------------------------------
    def start(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        stdout_fd: int,
        stderr_fd: int,
        cancellable: bool = True,
    ) -> subprocess.Popen | None:
        """Start ``argv`` in a new process group writing to the two descriptors (closed here).

        Returns None, starting nothing, when ``cancellable`` and a cancel came first. Raises
        :class:`OSError` when the program cannot run, :class:`RuntimeError` when a child of
        this supervisor is still running.
        """
        with self._lock:
            try:
                if cancellable and self._cancel_requested:
                    return None
                if self._proc is not None:
                    raise RuntimeError("a Terraform command is already running in this runner")
                self._interrupt_sent, self._kill_deadline, self._forced = False, None, False
                self._proc = subprocess.Popen(
                    argv,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=stdout_fd,
                    stderr=stderr_fd,
                    **_new_group_kwargs(),
                )
                return self._proc
            finally:
                os.close(stdout_fd)
                os.close(stderr_fd)

    def release(self) -> None:
        """Forget the child (after :meth:`wait`, or when watching it failed)."""
        with self._lock:
            self._proc = None

    def pump(
        self,
        proc: subprocess.Popen,
        logs: tuple[Path, Path],
        on_line: Callable[[str, str], None],
        on_interrupt: Callable[[], None],
    ) -> None:
        """Tail the (stdout, stderr) logs until ``proc`` exits: ``on_line("stdout"|"stderr",
        line)`` for each line as it comes, ``on_interrupt()`` once after a cancel was sent."""
        lines: queue.Queue[tuple[str, str | None]] = queue.Queue()

        def exited() -> bool:
            return _exited_unreaped(proc)

        readers = [
            threading.Thread(target=_read_lines, args=(path, exited, name, lines), daemon=True)
            for path, name in zip(logs, ("stdout", "stderr"), strict=True)
        ]
        for reader in readers:
            reader.start()
        open_pipes, announced = 2, False
        try:
            while open_pipes:
                if self._interrupt_sent and not announced:
                    announced = True
                    on_interrupt()
                self._check_kill_deadline(proc)
                try:
                    name, line = lines.get(timeout=0.2)
                except queue.Empty:
                    continue
                if line is None:
                    open_pipes -= 1
                else:
                    on_line(name, line)
        finally:
            for reader in readers:
                reader.join(timeout=5)

    def wait(self, proc: subprocess.Popen) -> int:
        """Wait for the exit; after a cancel, kill what is left of the group before reaping."""
        while True:
            with self._lock:
                if _exited_unreaped(proc):
                    # The zombie leader still owns the group id, so this cannot hit a
                    # recycled process: it removes stragglers (hung plugins, provisioners).
                    self._signal_group(proc, "kill")
                    return proc.wait()
            self._check_kill_deadline(proc)
            time.sleep(0.05)

    # --- internals ----------------------------------------------------------------------------
    def _check_kill_deadline(self, proc: subprocess.Popen) -> None:
        with self._lock:
            deadline = self._kill_deadline
            if deadline is None or self._forced or time.monotonic() < deadline:
                return
            self._forced = True
            self._signal_group(proc, "kill")

    def _signal_group(self, proc: subprocess.Popen, how: str) -> None:
        """Interrupt or kill the child's whole process group (call with ``_lock`` held)."""
        if proc.returncode is not None:
            return  # already reaped: its group id may belong to someone else now
        try:
            if _WINDOWS:
                if how == "interrupt":
                    proc.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]
                else:
                    proc.kill()
            else:
                os.killpg(proc.pid, signal.SIGINT if how == "interrupt" else signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass


def _read_lines(path: Path, exited, name: str, lines: queue.Queue) -> None:
    try:
        for line in process.tail_lines(path, exited):
            lines.put((name, line))
    except (OSError, ValueError):
        pass  # the log was removed under us
    finally:
        lines.put((name, None))


def _new_group_kwargs() -> dict[str, Any]:
    if _WINDOWS:
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    return {"start_new_session": True, **private_umask()}  # state, plans, .terraform: 0600/0700


def _exited_unreaped(proc: subprocess.Popen) -> bool:
    """Whether the child exited, without reaping it where the platform allows."""
    if proc.returncode is not None:
        return True
    if hasattr(os, "waitid"):
        try:
            return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            return proc.poll() is not None
    return proc.poll() is not None
