"""Runs built function packages for real, each in its own warm child process.

moto stores Lambda functions but never executes them; the host does: it extracts the
function's zip (the built package, not the source tree) once per code hash, starts a worker
process with the function's environment (plus the emulator endpoint and fake credentials,
never the user's), and passes invocations to it. Workers are reused, like warm Lambda
containers; a pool per function allows concurrent invocations.

A pool is bounded (:data:`MAX_WORKERS_PER_FUNCTION`): starting a worker costs ~0.5 s of CPU
(an interpreter, boto3, the runtime), far more than waiting for a busy one, so a burst of
invocations queues instead of starting (and then killing) workers. Asynchronous (``Event``)
invocations go to a per-function queue served by at most that many threads; a synchronous
call waits for a free worker for a while and only then starts one more (a function calling
itself synchronously must not deadlock).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.clouds.aws.sandbox import fork_server

logger = logging.getLogger(__name__)

WORKER_SCRIPT = Path(__file__).with_name("lambda_worker.py")
#: Warm workers per function: two keep every stage of the pipeline busy on a 2-core machine;
#: each more is another ~0.5 s CPU start in a burst (measured: 15 starts vs 5 per first 200).
MAX_WORKERS_PER_FUNCTION = 2
#: How long a synchronous invocation waits for a busy pool before starting one more worker.
SPAWN_AFTER_WAIT_S = 2.0
#: How long a thread serving asynchronous invocations waits for the next before it ends.
RUNNER_LINGER_S = 2.0
#: The line a worker writes on its log stream when an invocation ends (see lambda_worker).
END_MARKER = "END RequestId: "
#: How long an answered invocation waits for its last log lines to be collected.
LOG_FLUSH_WAIT_S = 5.0

#: Log lines kept per function for :meth:`FunctionHost.logs`: a sandbox running telemetry
#: for hours otherwise kept every line it was ever sent (~100 KB/s at 100 msgs/s).
LOG_LINES_KEPT = 20_000
#: Interpreter settings of every worker.
_INTERPRETER_ENV = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
#: Whether workers are forked from a warm interpreter (:mod:`.fork_server`) where possible
#: (``DTWIN_SANDBOX_FORK_SERVER=0`` in the sandbox's environment: every worker a new one).
USE_FORK_SERVER = os.environ.get("DTWIN_SANDBOX_FORK_SERVER", "1") != "0"

#: Variables a worker inherits from our own environment (nothing with credentials);
#: DTWIN_SANDBOX_CA_BUNDLE: the certificate of another emulated cloud's HTTPS gateway, which
#: a glue sender to that cloud trusts (set by that cloud's emulator in the daemon).
_INHERITED = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TMPDIR", "DTWIN_SANDBOX_CA_BUNDLE")


@dataclass(frozen=True)
class FunctionCode:
    """What the host needs to run a function."""

    name: str
    handler: str
    code_sha: str
    code_bytes: bytes = field(repr=False)
    env: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 30.0
    memory_mb: int = 128


@dataclass
class Invocation:
    """The outcome of one invocation."""

    ok: bool
    result: object = None
    error: dict | None = None
    duration_ms: float = 0.0


class FunctionTimeout(RuntimeError):
    pass


def _spawn(code_dir: Path, handler: str, env: dict[str, str]) -> subprocess.Popen:
    """A worker started as a new interpreter."""
    return subprocess.Popen(
        [sys.executable, str(WORKER_SCRIPT), str(code_dir), handler],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=code_dir,
        start_new_session=True,
    )


class _Worker:
    def __init__(
        self, code: FunctionCode, code_dir: Path, env: dict[str, str], log, start=_spawn
    ) -> None:
        self.code = code
        self.process = start(code_dir, code.handler, env)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout, selectors.EVENT_READ)
        self._ended: set[str] = set()
        self._log_cond = threading.Condition()
        self._log_thread = threading.Thread(
            target=self._pump_log, args=(log,), name=f"log-{code.name}", daemon=True
        )
        self._log_thread.start()

    def _pump_log(self, log) -> None:
        held_blank = False  # the worker starts its end marker on a fresh line
        try:
            for raw in self.process.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                before, marker, request_id = line.partition(END_MARKER)
                if marker:
                    if before:
                        log(self.code.name, before)
                    held_blank = False
                    with self._log_cond:
                        self._ended.add(request_id)
                        self._log_cond.notify_all()
                    continue
                if held_blank:
                    log(self.code.name, "")
                held_blank = line == ""
                if not held_blank:
                    log(self.code.name, line)
        finally:
            with self._log_cond:
                self._ended.add("")  # the stream is closed: nobody need wait any more
                self._log_cond.notify_all()

    def _wait_for_log(self, request_id: str) -> None:
        """Wait until the log lines of ``request_id`` have all been passed on."""
        with self._log_cond:
            self._log_cond.wait_for(
                lambda: request_id in self._ended or "" in self._ended, timeout=LOG_FLUSH_WAIT_S
            )
            self._ended.discard(request_id)

    def invoke(self, event: object, timeout_s: float) -> Invocation:
        started = time.monotonic()
        request = {
            "event": event,
            "request_id": str(uuid.uuid4()),
            "deadline_ms": time.time() * 1000 + timeout_s * 1000,
        }
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        if not self._selector.select(timeout=timeout_s):
            self.kill()
            raise FunctionTimeout(f"{self.code.name} timed out after {timeout_s:g} s")
        line = self.process.stdout.readline()
        if not line:
            self.kill()
            return Invocation(
                False,
                error={"errorType": "Runtime.ExitError", "errorMessage": "the function exited"},
            )
        reply = json.loads(line)
        duration = (time.monotonic() - started) * 1000
        self._wait_for_log(request["request_id"])
        if reply["ok"]:
            return Invocation(True, reply["result"], duration_ms=duration)
        return Invocation(False, error=reply["error"], duration_ms=duration)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self._log_thread.join(timeout=5)
        self.process.stderr.close()
        self._selector.close()


class FunctionHost:
    """Executes :class:`FunctionCode` in warm worker processes.

    ``base_env`` is added to every function's environment (the emulator endpoint, region,
    fake credentials). ``log`` receives every line a function writes.
    """

    def __init__(
        self,
        base_env: dict[str, str],
        *,
        workdir: Path | None = None,
        log: Callable[[str, str], None] | None = None,
    ) -> None:
        self._base_env = dict(base_env)
        self._own_workdir = workdir is None
        self._workdir = Path(workdir or tempfile.mkdtemp(prefix="dtwin-functions-"))
        self._workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._idle: dict[tuple[str, str], list[_Worker]] = defaultdict(list)
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        #: Signalled when a background invocation ends (what :meth:`drain` waits for).
        self._changed = threading.Condition(self._lock)
        #: Per function (same lock): signalled when one of its workers returns to its pool
        #: or leaves it, or its queue gets work. Only that function's threads wake up, not
        #: every waiting thread of every function (a burst kept ~20 threads waking per hop).
        self._function_changed: dict[str, threading.Condition] = {}
        #: Live workers per pool (idle + busy + starting).
        self._count: dict[tuple[str, str], int] = defaultdict(int)
        #: Asynchronous invocations waiting per function, and the threads serving them.
        self._queues: dict[str, deque] = defaultdict(deque)
        self._runners: dict[str, int] = defaultdict(int)
        self._waiting: dict[str, int] = defaultdict(int)  # runners with nothing to do
        self._pending: dict[str, int] = defaultdict(int)  # queued or running
        self._logs: dict[str, deque[str]] = defaultdict(lambda: deque(maxlen=LOG_LINES_KEPT))
        self._log_sink = log
        self._closed = False
        #: The workers' fork server, started with the first worker (None: not yet or never).
        self._forks: fork_server.ForkServer | None = None
        self._forks_state = "unstarted" if USE_FORK_SERVER and fork_server.supported() else "off"
        self._forks_lock = threading.Lock()

    # --- logs ----------------------------------------------------------------------------
    def _log(self, name: str, line: str) -> None:
        self._logs[name].append(line)
        if self._log_sink:
            self._log_sink(name, line)

    def record_error(self, name: str, error: dict | None) -> None:
        """Log an invocation error the way Lambda logs an unhandled exception."""
        error = error or {}
        self._log(name, f"[ERROR] {error.get('errorType')}: {error.get('errorMessage')}")
        for line in error.get("stackTrace") or []:
            self._log(name, line.rstrip("\n"))

    def logs(self, name: str) -> list[str]:
        """The lines function ``name`` has written so far (its last :data:`LOG_LINES_KEPT`;
        every line also went to the ``log`` callback)."""
        return list(self._logs.get(name, []))

    # --- invocation ----------------------------------------------------------------------
    def _code_dir(self, code: FunctionCode) -> Path:
        safe_sha = code.code_sha.replace("/", "_").replace("+", "-").rstrip("=")
        target = self._workdir / f"{code.name}-{safe_sha[:16]}"
        if not target.is_dir():
            staging = Path(tempfile.mkdtemp(dir=self._workdir, prefix=".extract-"))
            with zipfile.ZipFile(io.BytesIO(code.code_bytes)) as archive:
                archive.extractall(staging)
            try:
                staging.rename(target)
            except OSError:  # another thread extracted it first
                shutil.rmtree(staging, ignore_errors=True)
        return target

    def _environment(self, code: FunctionCode) -> dict[str, str]:
        env = {k: os.environ[k] for k in _INHERITED if k in os.environ}
        env.update(self._base_env)
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": code.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(code.memory_mb),
                **_INTERPRETER_ENV,
            }
        )
        env.update(code.env)
        return env

    def _start_worker(self, code_dir: Path, handler: str, env: dict[str, str]):
        """A worker forked from the warm zygote when that starts it exactly as a new
        interpreter would, else a new interpreter."""
        forks = self._fork_server()
        if forks is not None and forks.can_fork(code_dir, env):
            try:
                return forks.spawn(str(WORKER_SCRIPT), str(code_dir), handler, env)
            except OSError as exc:
                logger.warning("worker fork server failed (%s); starting workers anew", exc)
                with self._forks_lock:
                    self._forks_state = "off"
        return _spawn(code_dir, handler, env)

    def _fork_server(self) -> fork_server.ForkServer | None:
        with self._forks_lock:
            if self._forks_state == "unstarted" and not self._closed:
                env = {k: os.environ[k] for k in _INHERITED if k in os.environ}
                env.update(_INTERPRETER_ENV)
                try:
                    self._forks = fork_server.ForkServer(env)
                    self._forks_state = "on"
                except OSError as exc:
                    logger.warning("worker fork server did not start (%s)", exc)
                    self._forks_state = "off"
            return self._forks if self._forks_state == "on" else None

    def _cond(self, name: str) -> threading.Condition:
        """Function ``name``'s condition (the lock is held)."""
        cond = self._function_changed.get(name)
        if cond is None:
            cond = self._function_changed[name] = threading.Condition(self._lock)
        return cond

    def _checkout(self, code: FunctionCode, wait_s: float = SPAWN_AFTER_WAIT_S) -> _Worker:
        """An idle warm worker; a new one while the pool has room; else wait for one to
        come back (at most ``wait_s``, then start one more anyway)."""
        key = (code.name, code.code_sha)
        deadline = time.monotonic() + wait_s
        with self._lock:
            changed = self._cond(code.name)
            while True:
                if self._closed:
                    raise RuntimeError("the function host is stopped")
                idle = self._idle[key]
                while idle:
                    worker = idle.pop()
                    if worker.alive() and worker.code.env == code.env:
                        self._busy.add(worker)
                        return worker
                    self._retire(worker)
                remaining = deadline - time.monotonic()
                if self._count[key] < MAX_WORKERS_PER_FUNCTION or remaining <= 0:
                    self._count[key] += 1
                    break
                changed.wait(remaining)
        try:
            worker = _Worker(
                code,
                self._code_dir(code),
                self._environment(code),
                self._log,
                self._start_worker,
            )
        except BaseException:
            with self._lock:
                self._count[key] -= 1
                self._cond(code.name).notify_all()
            raise
        with self._lock:
            self._busy.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill ``worker`` and take it off its pool's count (the lock is held)."""
        worker.kill()
        self._count[(worker.code.name, worker.code.code_sha)] -= 1
        self._cond(worker.code.name).notify_all()

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            key = (worker.code.name, worker.code.code_sha)
            if (
                self._closed
                or not worker.alive()
                or len(self._idle[key]) >= MAX_WORKERS_PER_FUNCTION
            ):
                self._retire(worker)
            else:
                worker.idle_since = time.monotonic()
                self._idle[key].append(worker)
                self._cond(worker.code.name).notify_all()

    def forget(self, name: str) -> int:
        """Stop the idle workers of function ``name`` (it was deleted); returns how many."""
        return self._reap(lambda key, worker: key[0] == name)

    def reap_idle(self, max_idle_s: float) -> int:
        """Stop workers idle for more than ``max_idle_s`` (also those of replaced code)."""
        now = time.monotonic()
        return self._reap(lambda key, w: now - getattr(w, "idle_since", now) > max_idle_s)

    def _reap(self, doomed: Callable[[tuple[str, str], _Worker], bool]) -> int:
        with self._lock:
            reaped = 0
            for key, pool in self._idle.items():
                for worker in [w for w in pool if doomed(key, w)]:
                    pool.remove(worker)
                    self._retire(worker)
                    reaped += 1
            return reaped

    def invoke(self, code: FunctionCode, event: object) -> Invocation:
        """Run ``code`` with ``event`` and wait for its result."""
        worker = self._checkout(code)
        try:
            return worker.invoke(event, code.timeout_s)
        except FunctionTimeout as exc:
            return Invocation(False, error={"errorType": "Timeout", "errorMessage": str(exc)})
        finally:
            self._checkin(worker)

    def invoke_async(self, code: FunctionCode, event: object) -> None:
        """Run ``code`` in the background (Lambda's ``Event`` invocation type).

        Queued per function and served by at most :data:`MAX_WORKERS_PER_FUNCTION` threads,
        in arrival order; a thread waits a little for more work before it ends.
        """
        name = code.name
        with self._lock:
            if self._closed:
                raise RuntimeError("the function host is stopped")
            self._queues[name].append((code, event))
            self._pending[name] += 1
            if self._waiting[name] or self._runners[name] >= MAX_WORKERS_PER_FUNCTION:
                self._cond(name).notify()  # one waiting runner takes it
                return
            self._runners[name] += 1
        thread = threading.Thread(
            target=self._serve_queue, args=(name,), name=f"async-{name}", daemon=True
        )
        thread.start()

    def _serve_queue(self, name: str) -> None:
        queue = self._queues[name]
        while True:
            with self._lock:
                changed = self._cond(name)
                if not queue and not self._closed:
                    self._waiting[name] += 1
                    changed.wait_for(lambda: queue or self._closed, RUNNER_LINGER_S)
                    self._waiting[name] -= 1
                if not queue or self._closed:
                    self._runners[name] -= 1
                    return
                code, event = queue.popleft()
            try:
                self._run_async(code, event)
            finally:
                with self._changed:
                    self._pending[name] -= 1
                    self._changed.notify_all()

    def _run_async(self, code: FunctionCode, event: object) -> None:
        try:
            worker = self._checkout(code, wait_s=code.timeout_s + LOG_FLUSH_WAIT_S)
        except RuntimeError:  # stopped meanwhile: dropped, as a stopped Lambda would
            return
        try:
            outcome = worker.invoke(event, code.timeout_s)
        except FunctionTimeout as exc:
            outcome = Invocation(False, error={"errorType": "Timeout", "errorMessage": str(exc)})
        finally:
            self._checkin(worker)
        if not outcome.ok:
            self.record_error(code.name, outcome.error)

    def drain(self, timeout_s: float = 30.0) -> bool:
        """Wait for background invocations (including ones they start) to finish."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while any(self._pending.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def close(self) -> None:
        """Stop every worker; wait for background invocations first (briefly)."""
        self.drain(timeout_s=10)
        with self._changed:
            self._closed = True
            workers = [w for pool in self._idle.values() for w in pool] + list(self._busy)
            self._idle.clear()
            for name, queue in self._queues.items():
                self._pending[name] -= len(queue)
                queue.clear()
            self._changed.notify_all()
            for cond in self._function_changed.values():
                cond.notify_all()
        for worker in workers:
            worker.kill()
        with self._forks_lock:
            forks, self._forks, self._forks_state = self._forks, None, "off"
        if forks is not None:
            forks.close()
        if self._own_workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
