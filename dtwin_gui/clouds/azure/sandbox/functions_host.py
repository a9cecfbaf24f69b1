"""The sandbox's local Azure Functions host: one process per Function App (issue 14).

The Functions Core Tools and the Python worker cannot be installed here; ``azure-functions``
(the real types and decorators) can. :meth:`FunctionsHost.register` unzips an app's package
into the sandbox's data folder and starts ``app_worker.py`` on it, in its own process group,
with the app settings as its environment; the worker discovers the functions from the
``FunctionApp`` object and serves them on a loopback port, and the gateway routes
``/<app>/api/...`` there. Registering the same package with the same settings again keeps
the running process (a redeploy that changes nothing restarts nothing); anything else
replaces it.

The host is also the gateway's :class:`~.routes.FunctionsBus` (IoT Hub routes telemetry to
the dispatcher's Event Grid trigger through it) and fires timers from the sandbox clock: a
timer runs at most once per clock advance, when one of its NCRONTAB run times falls in the
window, with the clock's now as ``dtwin_now``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dtwin_gui.clouds.azure.sandbox import app_worker
from dtwin_gui.clouds.azure.sandbox.ncrontab import Schedule, ScheduleError
from dtwin_gui.clouds.azure.sandbox.routes import AzureResponse
from dtwin_gui.clouds.azure.sandbox.spec import kill_group
from dtwin_gui.sandbox.log_file import newest_lines

log = logging.getLogger(__name__)
START_TIMEOUT_S = 90.0
#: What a worker keeps of the daemon's environment (the rest is the app's settings).
_KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "SYSTEMROOT", "VIRTUAL_ENV")


class AppFailed(RuntimeError):
    """A Function App could not be started (its package does not index, or it died)."""


@dataclass
class HostedApp:
    name: str
    layer: str
    digest: str
    directory: Path
    log_path: Path
    process: subprocess.Popen
    port: int
    functions: list[dict]
    #: SHA-256 (hex) of the package zip the app runs (the verify phase's code check).
    package_sha256: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def describe(self) -> dict:
        state = "running" if self.alive else "stopped"
        detail = "" if self.alive else f"exited with {self.process.returncode}: {tail(self)}"
        return {
            "layer": self.layer,
            "state": state,
            "functions": self.functions,
            "package_sha256": self.package_sha256,
            "detail": detail,
        }


def tail(app: HostedApp, lines: int = 8) -> str:
    try:
        text = app.log_path.read_text(errors="replace")
    except OSError:
        return ""
    return " | ".join(text.strip().splitlines()[-lines:])


def _digest(package: Path, settings: Mapping[str, str]) -> str:
    h = hashlib.sha256(package.read_bytes())
    h.update(json.dumps(dict(settings), sort_keys=True).encode())
    return h.hexdigest()[:16]


class FunctionsHost:
    def __init__(self, data_dir: Path, gateway, *, ca_path: str = "") -> None:
        self.data_dir = Path(data_dir) / "apps"
        self.gateway = gateway
        self.ca_path = ca_path
        self._apps: dict[str, HostedApp] = {}
        self._lock = threading.RLock()

    # --- apps ------------------------------------------------------------------------------
    def register(self, name: str, layer: str, package: str, settings: Mapping[str, str]) -> dict:
        """Run ``package`` (a Function App zip) as app ``name``; returns what it holds."""
        source = Path(package)
        if not source.is_file():
            raise AppFailed(f"{name}: package {source} does not exist; build the project again")
        digest = _digest(source, settings)
        with self._lock:
            current = self._apps.get(name)
            if current is not None and current.digest == digest and current.alive:
                return current.describe()
            if current is not None:
                self._stop(current)
            app = self._start(name, layer, source, digest, settings)
            self._apps[name] = app
            self.gateway.set_app(name, app.url)
            return app.describe()

    def _start(self, name, layer, source: Path, digest: str, settings) -> HostedApp:
        directory = self.data_dir / name / digest
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        with zipfile.ZipFile(source) as archive:
            archive.extractall(directory)
        env = {k: os.environ[k] for k in _KEEP_ENV if k in os.environ}
        env.update({k: str(v) for k, v in settings.items()})
        env[app_worker.KEY_ENV] = str(settings.get(f"DTWIN_FUNCTIONS_KEY_{layer.upper()}", ""))
        env.setdefault("FUNCTIONS_WORKER_RUNTIME", "python")
        env["WEBSITE_SITE_NAME"] = name
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        # cosmosdb-server's certificate is not verified (endpoints.COSMOS_VERIFY): say it once
        # here, not in every line of the app's log
        env["PYTHONWARNINGS"] = "ignore:Unverified HTTPS request"
        if self.ca_path:
            env.setdefault("DTWIN_CA_BUNDLE", self.ca_path)
        log_path = self.data_dir / name / "app.log"
        with open(log_path, "ab") as log_file:
            process = subprocess.Popen(
                [sys.executable, app_worker.__file__, str(directory)],
                stdout=subprocess.PIPE,
                stderr=log_file,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=directory,
                start_new_session=True,
            )
        ready = self._ready_line(process, name)
        if "error" in ready:
            kill_group(process)
            raise AppFailed(f"{name}: the app does not index: {ready['error']} (log {log_path})")
        sha = hashlib.sha256(source.read_bytes()).hexdigest()
        return HostedApp(
            name,
            layer,
            digest,
            directory,
            log_path,
            process,
            ready["port"],
            ready["functions"],
            sha,
        )

    @staticmethod
    def _ready_line(process: subprocess.Popen, name: str) -> dict:
        result: dict = {}

        def read() -> None:
            line = process.stdout.readline()
            with contextlib.suppress(ValueError):
                result.update(json.loads(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        if not result:
            kill_group(process)
            raise AppFailed(f"{name}: the app did not start in {START_TIMEOUT_S:.0f} s")
        process.stdout.close()
        return result

    def log(self, name: str) -> list[str] | None:
        """App ``name``'s newest log lines; None when there is no such app."""
        with self._lock:
            app = self._apps.get(name)
        return None if app is None else newest_lines(app.log_path)

    def unregister(self, name: str) -> bool:
        with self._lock:
            app = self._apps.pop(name, None)
            if app is None:
                return False
            self._stop(app)
            shutil.rmtree(self.data_dir / name, ignore_errors=True)
            return True

    def _stop(self, app: HostedApp) -> None:
        self.gateway.set_app(app.name, None)
        kill_group(app.process)
        shutil.rmtree(app.directory, ignore_errors=True)

    def apps(self) -> dict[str, dict]:
        with self._lock:
            return {name: app.describe() for name, app in sorted(self._apps.items())}

    def stop(self) -> None:
        with self._lock:
            for app in list(self._apps.values()):
                self._stop(app)
            self._apps.clear()

    # --- the bus ---------------------------------------------------------------------------
    def _app(self, name: str) -> HostedApp:
        with self._lock:
            app = self._apps.get(name)
        if app is None:
            raise AppFailed(f"no Function App {name} runs in the sandbox")
        if not app.alive:
            raise AppFailed(f"{name} has stopped: {tail(app)}")
        return app

    def _post(self, app: HostedApp, path: str, body: bytes, headers: Mapping[str, str]):
        request = urllib.request.Request(
            app.url + path, data=body, headers=dict(headers), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as reply:
                return AzureResponse(reply.status, reply.read(), dict(reply.headers.items()))
        except urllib.error.HTTPError as err:
            return AzureResponse(err.code, err.read(), dict(err.headers.items()))

    def deliver_event_grid(self, app: str, function: str, events: list[dict]) -> None:
        hosted = self._app(app)
        body = json.dumps(events).encode()
        reply = self._post(
            hosted, f"/_dtwin/eventgrid/{function}", body, {"Content-Type": "application/json"}
        )
        if reply.status >= 300:
            text = reply.body[:300].decode("utf-8", "replace")
            raise AppFailed(f"{app}/{function} failed the delivery: HTTP {reply.status}: {text}")

    def call_http(self, app: str, route: str, body: bytes, headers: Mapping[str, str]):
        return self._post(self._app(app), f"/api/{route}", body, headers)

    # --- timers ----------------------------------------------------------------------------
    def fire_timers(self, start: datetime, now: datetime) -> list[dict]:
        """Run every timer with a run time in ``(start, now]`` once, app by app, in order."""
        fired = []
        with self._lock:
            apps = sorted(self._apps.values(), key=lambda a: (a.layer, a.name))
        for app in apps:
            for function in app.functions:
                if function["trigger"] != "timer":
                    continue
                outcome = self._fire(app, function, start, now)
                if outcome is not None:
                    fired.append(outcome)
        return fired

    def _fire(self, app: HostedApp, function: dict, start: datetime, now: datetime):
        name = function["name"]
        try:
            schedule = Schedule(function.get("schedule") or "")
        except ScheduleError as exc:
            return {
                "app": app.name,
                "function": name,
                "outcome": "bad schedule",
                "detail": str(exc),
            }
        if not schedule.due(start, now):
            return None
        iso = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        body = json.dumps({"now": iso}).encode()
        try:
            reply = self._post(
                app, f"/_dtwin/timer/{name}", body, {"Content-Type": "application/json"}
            )
            outcome = "ran" if reply.status < 300 else f"failed (HTTP {reply.status})"
            detail = "" if reply.status < 300 else reply.body[:300].decode("utf-8", "replace")
        except OSError as exc:
            outcome, detail = "failed", str(exc)
        return {"app": app.name, "function": name, "outcome": outcome, "detail": detail}
