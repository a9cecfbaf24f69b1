"""Starts Lambda workers by forking a warm interpreter (:mod:`.worker_zygote`).

A worker started the usual way is a new interpreter importing boto3 and creating its
clients' machinery: ~0.3 s of CPU, paid by every worker of every function on its first
invocation and whenever a burst grows a pool. The zygote does that once; each worker is then
a fork of it, turned into exactly what ``python lambda_worker.py CODE_DIR HANDLER`` would be
(see the zygote's docstring). Linux only (pidfds); elsewhere, and whenever a worker's start
could differ from a fresh interpreter's (a package module named like one the zygote
imported, an interpreter or locale variable of its own), workers start the usual way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import socket
import subprocess
import sys
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

ZYGOTE_SCRIPT = Path(__file__).with_name("worker_zygote.py")
#: How long the zygote may take to import boto3 and say it is ready.
START_TIMEOUT_S = 60.0
#: Room for a worker's command line (it is written over the zygote's, see the zygote).
_CMDLINE_ROOM = " " * 2048
#: Variables read when an interpreter starts (besides ``PYTHON*``) or when the zygote's modules
#: are imported (botocore reads BOTO_DISABLE_CRT then): a worker whose environment sets them
#: other than the zygote's starts the usual way.
_STARTUP_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE", "BOTO_DISABLE_CRT")


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open")


def _startup_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith("PYTHON") or k in _STARTUP_VARIABLES}


class ForkedProcess:
    """What the function host uses of :class:`subprocess.Popen`, for a forked worker (the
    zygote is its parent and reaps it; its end is seen through a pidfd)."""

    def __init__(self, pid: int, pidfd: int, stdin, stdout, stderr) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None
        self._pidfd = pidfd
        self._lock = threading.Lock()

    def _check(self, timeout: float | None) -> int | None:
        with self._lock:
            if self.returncode is None and select.select([self._pidfd], [], [], timeout)[0]:
                self.returncode = -1  # ended; its status is the zygote's to collect
                os.close(self._pidfd)
        return self.returncode

    def poll(self) -> int | None:
        return self._check(0)

    def wait(self, timeout: float | None = None) -> int:
        code = self._check(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(str(self.pid), timeout)
        return code


class ForkServer:
    """One zygote process; :meth:`spawn` forks a worker from it."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = dict(env)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = subprocess.Popen(
                [sys.executable, str(ZYGOTE_SCRIPT), str(theirs.fileno()), _CMDLINE_ROOM],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=self._env,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._socket = ours
        self._lock = threading.Lock()
        try:
            if not select.select([ours], [], [], START_TIMEOUT_S)[0]:
                raise OSError("the worker fork server did not start in time")
            hello = ours.recv(1 << 20)
            if not hello:
                raise OSError("the worker fork server exited while starting")
            self._modules = frozenset(json.loads(hello)["modules"])
        except BaseException:
            self.close()
            raise

    def can_fork(self, code_dir: Path, env: dict[str, str]) -> bool:
        """Whether a fork would start exactly as a fresh interpreter would."""
        if self._process.poll() is not None or _startup_env(env) != _startup_env(self._env):
            return False
        with os.scandir(code_dir) as entries:
            names = {e.name.removesuffix(".py") for e in entries}
        return not names & self._modules

    def spawn(self, worker: str, code_dir: str, handler: str, env: dict[str, str]):
        """A worker running ``handler`` from ``code_dir`` with exactly ``env``."""
        pipes = [os.pipe() for _ in range(3)]  # stdin, stdout, stderr
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
        ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
        request = {"worker": worker, "code_dir": code_dir, "handler": handler, "env": env}
        try:
            with self._lock:
                socket.send_fds(self._socket, [json.dumps(request).encode()], theirs)
                reply, fds, _, _ = socket.recv_fds(self._socket, 1 << 16, 1)
            if not reply or len(fds) != 1:
                for fd in fds:
                    os.close(fd)
                raise OSError("the worker fork server stopped")
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        return ForkedProcess(
            json.loads(reply)["pid"],
            fds[0],
            os.fdopen(ours[0], "wb"),
            os.fdopen(ours[1], "rb"),
            os.fdopen(ours[2], "rb"),
        )

    def close(self) -> None:
        """Stop the zygote (the workers it forked are the host's to stop)."""
        with contextlib.suppress(OSError):
            self._socket.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
