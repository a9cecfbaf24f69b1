"""The sandbox as a background process: ``dtwin sandbox up|down|status``.

``up`` starts ``python -m dtwin_gui.sandbox.daemon serve --detach`` which forks the real
daemon into its own session (so it is nobody's child: no zombie, no terminal signals) and
exits. The daemon runs a :class:`~dtwin_gui.sandbox.supervisor.Supervisor` that starts every
cloud's emulator from its plugin's ``EmulatorSpec`` on 127.0.0.1 (free ports), and writes
``<data dir>/sandbox/sandbox.json`` (0600)::

    {"pid": ..., "endpoint": "http://127.0.0.1:PORT", "region": ..., "started_at": ...,
     "endpoints": {"aws": "http://127.0.0.1:PORT"}, "control": "http://127.0.0.1:PORT2",
     "emulators": {"aws": {"label": ..., "sandbox_path": "terraform", "state": "running"}}}

``endpoint`` is the AWS emulator's (what readers from before the supervisor use; a file
without ``endpoints`` reads as ``{"aws": endpoint}``). The daemon logs to
``<data dir>/sandbox/sandbox.log`` (with every function's output). Its control server
(``control``) answers ``GET /_dtwin/health`` with its pid, which is how a client tells it from
a stale state file, and ``GET /_dtwin/emulators`` with each emulator's health; the AWS
gateway answers ``/_dtwin/health`` too. A cloud whose emulator fails to start is reported
(``emulators``, ``dtwin sandbox status``) and the others are served anyway.

``down`` sends SIGTERM to the daemon's process group; the daemon stops the emulators (which
kills the function workers) and exits. After a grace period it is killed, and so is any
process it left (function workers run in sessions of their own), so nothing remains.

POSIX only, like the function host.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dtwin_gui.core.processes import pid_alive
from dtwin_gui.sandbox.control import EMULATORS_PATH, HEALTH_PATH
from dtwin_gui.sandbox.processes import command_line, stop_tree

logger = logging.getLogger("dtwin_gui.sandbox.daemon")

STATE_NAME = "sandbox.json"
LOG_NAME = "sandbox.log"
LOCK_NAME = "sandbox.lock"
DEFAULT_REGION = "us-east-1"
START_TIMEOUT_S = 60.0
STOP_GRACE_S = 20.0
LOG_ROTATE_BYTES = 5 * 1024 * 1024
_MODULE = "dtwin_gui.sandbox.daemon"


class SandboxError(RuntimeError):
    """The sandbox could not be started or stopped; the message says why."""


@dataclass(frozen=True)
class SandboxInfo:
    pid: int
    #: The AWS emulator's endpoint ("" when it failed to start); kept for older readers.
    endpoint: str
    region: str
    started_at: str = ""
    #: Every running emulator's endpoint by name; ``{"aws": endpoint}`` for an older file.
    endpoints: Mapping[str, str] = field(default_factory=dict)
    #: The daemon's own health/status server ("" for a daemon from before the supervisor).
    control: str = ""
    #: ``{cloud: report}`` as the daemon started (see :meth:`Supervisor.report`).
    emulators: Mapping[str, Mapping] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.endpoints and self.endpoint:
            object.__setattr__(self, "endpoints", {"aws": self.endpoint})

    @property
    def health_url(self) -> str:
        return (self.control or self.endpoint) + HEALTH_PATH

    def failed(self) -> dict[str, str]:
        """``{cloud: why}`` of the emulators that did not start."""
        from dtwin_gui.sandbox.supervisor import failed

        return failed(self.emulators)

    def to_json(self) -> dict:
        return asdict(self)


# --- files -------------------------------------------------------------------------------
def sandbox_dir() -> Path:
    """``<data dir>/sandbox`` (0700), created if missing."""
    from dtwin_gui.build.cache import ensure_private_dir
    from dtwin_gui.build.workspace import data_dir

    return ensure_private_dir(data_dir() / "sandbox")


def state_file() -> Path:
    return sandbox_dir() / STATE_NAME


def log_file() -> Path:
    return sandbox_dir() / LOG_NAME


def read_state(path: Path | None = None) -> SandboxInfo | None:
    """What the state file says (it may be stale); None when there is none."""
    path = path or state_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SandboxInfo(
            int(data["pid"]),
            str(data["endpoint"]),
            str(data["region"]),
            data["started_at"],
            endpoints={str(k): str(v) for k, v in (data.get("endpoints") or {}).items()},
            control=str(data.get("control") or ""),
            emulators=dict(data.get("emulators") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_state(path: Path, info: SandboxInfo) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(info.to_json(), handle)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def _remove_state(path: Path, pid: int | None = None) -> None:
    """Remove the state file (only if it still names ``pid``, when given)."""
    if pid is not None:
        current = read_state(path)
        if current is None or current.pid != pid:
            return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def log_tail(lines: int = 30, path: Path | None = None) -> str:
    """The last ``lines`` lines of the daemon's log."""
    try:
        text = (path or log_file()).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def _locked():
    """Serialise ``up`` and ``down`` (between processes too)."""
    import fcntl

    fd = os.open(sandbox_dir() / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# --- processes (the helpers are in sandbox/processes.py) -------------------------------
def _is_daemon(pid: int) -> bool:
    return pid_alive(pid) and _MODULE in command_line(pid)


def _get_json(url: str, timeout_s: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as reply:
            answer = json.loads(reply.read())
    except (OSError, ValueError, http.client.HTTPException):
        return None
    return answer if isinstance(answer, dict) else None


def _health(info: SandboxInfo, timeout_s: float = 2.0) -> dict | None:
    return _get_json(info.health_url, timeout_s)


def running() -> SandboxInfo | None:
    """The running sandbox (its daemon alive and answering), or None."""
    info = read_state()
    if info is None or not pid_alive(info.pid):
        return None
    health = _health(info)
    return info if health and health.get("pid") == info.pid else None


# --- up / down ---------------------------------------------------------------------------
def _rotate_log(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(path, path.with_suffix(".log.1"))


def _spawn(state: Path, log: Path) -> int:
    """Start the daemon; returns its pid (the intermediate process has exited)."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", _MODULE, "serve", "--detach"]
    command += ["--state-file", str(state), "--log-file", str(log)]
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        launcher = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=fd,
            cwd=state.parent,
            env=env,
            start_new_session=True,
        )
    finally:
        os.close(fd)
    try:
        out, _ = launcher.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        launcher.kill()
        launcher.communicate()
        raise SandboxError("the sandbox launcher did not answer in 30 s") from None
    try:
        return int(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SandboxError(
            f"the sandbox launcher failed (exit {launcher.returncode})" + _tail_note(log)
        ) from None


def _tail_note(log: Path) -> str:
    tail = log_tail(path=log)
    return f"; the end of {log}:\n{tail}" if tail else f"; see {log}"


def up(timeout_s: float = START_TIMEOUT_S) -> tuple[SandboxInfo, bool]:
    """Start the sandbox unless it runs; returns ``(info, started)``.

    Raises :class:`SandboxError` (with the end of the daemon's log) when it does not come up
    in ``timeout_s``.
    """
    with _locked():
        info = running()
        if info is not None:
            return info, False
        state, log = state_file(), log_file()
        stale = read_state(state)
        if stale is not None and _is_daemon(stale.pid):
            _stop(stale.pid)  # alive but not answering: replace it
        _remove_state(state)
        _rotate_log(log)
        pid = _spawn(state, log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            info = read_state(state)
            if info is not None and info.pid == pid:
                health = _health(info)
                if health and health.get("pid") == pid:
                    return info, True
            if not pid_alive(pid):
                _remove_state(state, pid)
                raise SandboxError("the sandbox exited while starting" + _tail_note(log))
            time.sleep(0.1)
        _stop(pid)
        _remove_state(state, pid)
        raise SandboxError(
            f"the sandbox did not answer within {timeout_s:g} s; it was stopped" + _tail_note(log)
        )


def ensure_running(
    timeout_s: float = START_TIMEOUT_S, clouds: tuple[str, ...] = ("aws",)
) -> SandboxInfo:
    """The running sandbox, started first if needed (what the engine calls).

    Raises :class:`SandboxError` when the emulator of one of ``clouds`` is not running in it.
    """
    info = up(timeout_s)[0]
    missing = [c for c in clouds if c not in info.endpoints]
    if missing:
        why = info.failed()
        reasons = "; ".join(f"{c}: {why.get(c, 'it has no emulator')}" for c in missing)
        raise SandboxError(
            f"the sandbox runs without the emulator of {', '.join(missing)} ({reasons}); "
            f"restart it with `dtwin sandbox down` and `dtwin sandbox up`" + _tail_note(log_file())
        )
    return info


def _stop(pid: int, grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM the daemon's group, SIGKILL after ``grace_s``; kill whatever it leaves."""
    stop_tree(pid, grace_s)


def down(grace_s: float = STOP_GRACE_S) -> SandboxInfo | None:
    """Stop the sandbox; returns what was stopped, or None when it was not running."""
    with _locked():
        state = state_file()
        info = read_state(state)
        if info is None:
            return None
        if not _is_daemon(info.pid):
            _remove_state(state)
            return None
        _stop(info.pid, grace_s)
        _remove_state(state)
        return info


def status() -> dict:
    """``{"state": "running"|"not running"|"unresponsive", ...}`` with counts when running."""
    info = read_state()
    if info is None or not pid_alive(info.pid):
        return {"state": "not running"}
    out = {"state": "unresponsive", **info.to_json()}
    health = _health(info)
    if not health or health.get("pid") != info.pid:
        if not _is_daemon(info.pid):
            return {"state": "not running"}
        unknown = "unknown (the sandbox does not answer)"
        out["emulators"] = {c: {**e, "state": unknown} for c, e in info.emulators.items()}
        return out
    out["state"] = "running"
    with contextlib.suppress(ValueError):
        started = datetime.fromisoformat(info.started_at.replace("Z", "+00:00"))
        out["uptime_s"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    if info.control:  # each emulator's health, asked now
        live = _get_json(info.control + EMULATORS_PATH, timeout_s=10)
        if live is not None:
            out["emulators"] = live
    elif info.endpoint:  # a daemon from before the supervisor: AWS only, and it answered
        out["emulators"] = {"aws": _legacy_aws_report()}
    counts = _counts(info)
    if counts:
        out["counts"] = counts
    return out


def _legacy_aws_report() -> dict:
    from dtwin_gui.clouds.base import SandboxPath

    path = SandboxPath.TERRAFORM
    return {"label": "AWS", "sandbox_path": str(path), "path_label": path.label, "state": "running"}


def _counts(info: SandboxInfo) -> dict:
    """What each running emulator holds, from its spec's ``counts`` (merged; AWS's are
    "functions", "tables" and "buckets")."""
    from dtwin_gui.clouds import plugins

    counts: dict[str, int | None] = {}
    for cloud_plugin in plugins():
        if cloud_plugin.emulator is None or cloud_plugin.cloud not in info.endpoints:
            continue
        count = cloud_plugin.emulator().counts
        if count is not None:
            counts.update(count(info.endpoints, info.region))
    return counts


# --- the daemon itself -------------------------------------------------------------------
def _detach(log: Path) -> None:
    """Fork; the parent prints the child's pid and exits; the child leads a new session."""
    child = os.fork()
    if child:
        os.write(1, f"{child}\n".encode())
        os._exit(0)
    os.setsid()
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def serve(state: Path, log: Path | None = None, *, detach: bool = False) -> int:
    """Run the sandbox until SIGTERM/SIGINT; the state file exists while it serves."""
    if detach:
        _detach(log or state.with_name(LOG_NAME))
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        logger.info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    return run(state, stop)


def run(state: Path, stop: threading.Event, *, specs=None) -> int:
    """Start the emulators, serve until ``stop`` is set, stop them; the state file exists
    while it serves. ``specs``: the emulators to start (default: every plugin's)."""
    from dtwin_gui.sandbox.control import ControlServer
    from dtwin_gui.sandbox.supervisor import Supervisor, failed

    function_log = logging.getLogger("dtwin_gui.sandbox.functions")
    pid = os.getpid()
    current: list[SandboxInfo] = []

    def health() -> dict:
        return current[0].to_json() if current else {"pid": pid, "starting": True}

    supervisor = Supervisor(
        state.parent,
        specs=specs,
        region=DEFAULT_REGION,
        log=lambda name, line: function_log.info("[%s] %s", name, line),
        health=health,
    )
    control = ControlServer(
        {HEALTH_PATH: health, EMULATORS_PATH: lambda: supervisor.report(check=True)}
    ).start()
    try:
        supervisor.start()
        for cloud, why in failed(supervisor.report()).items():
            logger.error("the %s emulator is not running: %s", cloud, why)
        if not supervisor.endpoints:
            logger.error("the sandbox failed to start: no emulator is running")
            return 1
        aws = supervisor.run("aws")
        region = (aws.handle.details.get("region") if aws and aws.handle else "") or (
            DEFAULT_REGION
        )
        started = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        endpoints = supervisor.endpoints
        info = SandboxInfo(
            pid,
            endpoints.get("aws", ""),
            region,
            started,
            endpoints=endpoints,
            control=control.url,
            emulators=supervisor.report(),
        )
        current.append(info)
        _write_state(state, info)
        logger.info("sandbox serving %s (pid %s, region %s)", endpoints, pid, info.region)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            _remove_state(state, pid)
    finally:
        supervisor.stop()
        control.stop()
    logger.info("sandbox stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the sandbox in this process until SIGTERM")
    p.add_argument("--state-file", required=True, type=Path)
    p.add_argument("--log-file", type=Path, help="where --detach sends output")
    p.add_argument("--detach", action="store_true", help="fork into a new session first")
    args = parser.parse_args(argv)
    return serve(args.state_file, args.log_file, detach=args.detach)


if __name__ == "__main__":
    sys.exit(main())
