"""The sandbox's Cloud Functions: one ``functions-framework`` process per function.

:meth:`FunctionsHost.register` unzips the function's source package (the layer's zip) under
the sandbox folder and starts ``python -m functions_framework --target <entry point>
--source <dir>/main.py --signature-type <http|cloudevent> --port P`` in its own process
group, with the function's environment plus the emulators' host variables and
``DTWIN_SANDBOX_CLOCK=1``. Registering the same package, entry point, signature and
environment again keeps the running process; a change, or a process that died, starts a new
one. The trigger is reconciled on every register: a Pub/Sub trigger is a push subscription on
the emulator to the function's own port; a schedule is kept for the sandbox clock.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.clouds.google.sandbox import pubsub_push
from dtwin_gui.clouds.google.sandbox.cron import Cron, CronError
from dtwin_gui.clouds.google.sandbox.logs import LOG_NAME
from dtwin_gui.clouds.google.sandbox.procs import (
    answers,
    free_port,
    kill_group,
    spawn,
    tail,
    wait_ready,
)

log = logging.getLogger(__name__)
START_TIMEOUT_S = 60.0
SIGNATURES = ("http", "cloudevent")
TRIGGERS = ("http", "pubsub", "schedule")
#: What a function keeps of the gateway's environment (the rest is its own settings).
#: DTWIN_SANDBOX_CA_BUNDLE: the certificate of another emulated cloud's HTTPS gateway (Azure),
#: which the glue senders trust (runtime/core/glue_sender.py).
_KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "VIRTUAL_ENV")
_KEEP_ENV += ("DTWIN_SANDBOX_CA_BUNDLE",)
#: The process groups of the running functions, for the sandbox's stop should the gateway
#: be gone (``spec.py`` kills them).
PIDS_FILE = "pids.json"
#: The emulators' variables the host sets for every function (the SDKs read them).
EMULATOR_ENV = ("PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "STORAGE_EMULATOR_HOST")


class FunctionFailed(RuntimeError):
    """A function could not be registered or started."""


@dataclass
class Emulators:
    project: str
    pubsub: str = ""
    firestore: str = ""
    gcs: str = ""
    gateway_url: str = ""


@dataclass
class Hosted:
    name: str
    digest: str
    package_sha256: str
    entry_point: str
    signature: str
    trigger: dict
    directory: Path
    log_path: Path
    process: subprocess.Popen
    port: int
    cron: Cron | None = None
    restarts: int = field(default=0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def describe(self) -> dict:
        out = {
            "name": self.name,
            "state": "running" if self.alive else "crashed",
            "pid": self.process.pid,
            "port": self.port,
            "url": self.url,
            "package_sha256": self.package_sha256,
            "entry_point": self.entry_point,
            "signature": self.signature,
            "trigger": self.trigger,
            "detail": "",
        }
        if not self.alive:
            out["detail"] = f"exited with {self.process.returncode}: {tail(self.log_path)}"
        return out


def check_trigger(trigger: Mapping | None) -> dict:
    trigger = dict(trigger or {"type": "http"})
    kind = trigger.get("type", "http")
    if kind not in TRIGGERS:
        raise FunctionFailed(f"trigger type {kind!r} is not one of {list(TRIGGERS)}")
    if kind == "pubsub" and not trigger.get("topic"):
        raise FunctionFailed("a pubsub trigger needs its 'topic' (the topic's short name)")
    if kind == "schedule":
        try:
            Cron(str(trigger.get("schedule") or ""))
        except CronError as exc:
            raise FunctionFailed(f"bad schedule: {exc}") from None
    trigger["type"] = kind
    return trigger


def _digest(sha: str, entry_point: str, signature: str, env: Mapping[str, str]) -> str:
    text = json.dumps([sha, entry_point, signature, dict(env)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class FunctionsHost:
    def __init__(self, data_dir: Path, emulators: Emulators) -> None:
        self.data_dir = Path(data_dir) / "functions"
        self.emulators = emulators
        self._functions: dict[str, Hosted] = {}
        self._lock = threading.RLock()

    def register(
        self,
        name: str,
        *,
        package: str,
        package_sha256: str = "",
        entry_point: str,
        signature: str = "http",
        env: Mapping[str, str] | None = None,
        trigger: Mapping | None = None,
    ) -> dict:
        """Run function ``name`` from ``package`` (a zip with main.py); returns its state."""
        source = Path(package)
        if not source.is_file():
            raise FunctionFailed(f"{name}: package {source} does not exist; build it again")
        if signature not in SIGNATURES:
            raise FunctionFailed(f"{name}: signature {signature!r} is not one of {SIGNATURES}")
        if not entry_point:
            raise FunctionFailed(f"{name}: no entry point")
        sha = hashlib.sha256(source.read_bytes()).hexdigest()
        if package_sha256 and package_sha256 != sha:
            raise FunctionFailed(
                f"{name}: {source} has SHA-256 {sha}, not {package_sha256} (rebuilt meanwhile?)"
            )
        trigger = check_trigger(trigger)
        env = {str(k): str(v) for k, v in (env or {}).items()}
        digest = _digest(sha, entry_point, signature, env)
        with self._lock:
            current = self._functions.get(name)
            if current is None or current.digest != digest or not current.alive:
                if current is not None:
                    self._stop(current)
                current = self._start(name, source, sha, digest, entry_point, signature, env)
                self._functions[name] = current
                self._note_pids()
            self._set_trigger(current, trigger)
            return current.describe()

    def _start(self, name, source: Path, sha, digest, entry_point, signature, env) -> Hosted:
        directory = self.data_dir / name / digest
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        with zipfile.ZipFile(source) as archive:
            archive.extractall(directory)
        if not (directory / "main.py").is_file():
            raise FunctionFailed(f"{name}: {source} has no main.py at its top")
        port = free_port()
        log_path = self.data_dir / name / LOG_NAME
        argv = [sys.executable, "-m", "functions_framework", "--target", entry_point]
        argv += ["--source", str(directory / "main.py"), "--signature-type", signature]
        argv += ["--host", "127.0.0.1", "--port", str(port)]
        process = spawn(argv, log_path, env=self._env(name, directory, env), cwd=directory)
        try:
            wait_ready(
                process,
                # functions-framework answers /robots.txt itself (404): the function never runs
                lambda: answers(f"http://127.0.0.1:{port}/robots.txt", 2.0),
                f"function {name}",
                log_path,
                START_TIMEOUT_S,
            )
        except RuntimeError as exc:
            kill_group(process)
            raise FunctionFailed(str(exc)) from None
        return Hosted(
            name, digest, sha, entry_point, signature, {}, directory, log_path, process, port
        )

    def _env(self, name: str, directory: Path, env: Mapping[str, str]) -> dict[str, str]:
        out = {k: os.environ[k] for k in _KEEP_ENV if k in os.environ}
        out.update(env)
        em = self.emulators
        hosts = dict(zip(EMULATOR_ENV, (em.pubsub, em.firestore, em.gcs), strict=True))
        out.update({k: v for k, v in hosts.items() if v})
        out["GOOGLE_CLOUD_PROJECT"] = em.project
        out.setdefault("DTWIN_GOOGLE_PROJECT", em.project)
        out.setdefault("DTWIN_FUNCTION", name)
        if em.gateway_url:
            out.setdefault("DTWIN_GOOGLE_FUNCTIONS_URL", em.gateway_url)
        out["DTWIN_SANDBOX_CLOCK"] = "1"
        out["K_SERVICE"] = name
        out["PYTHONPATH"] = str(directory)
        out["PYTHONUNBUFFERED"] = "1"
        out["PYTHONDONTWRITEBYTECODE"] = "1"
        return out

    def _set_trigger(self, hosted: Hosted, trigger: dict) -> None:
        em = self.emulators
        if trigger["type"] == "pubsub":
            if not em.pubsub:
                raise FunctionFailed("the Pub/Sub emulator is not running: no pubsub trigger")
            topic = str(trigger["topic"]).rsplit("/", 1)[-1]
            pubsub_push.ensure_push(em.pubsub, em.project, hosted.name, topic, hosted.url + "/")
        elif hosted.trigger.get("type") == "pubsub" and em.pubsub:
            pubsub_push.remove_push(em.pubsub, em.project, hosted.name)
        hosted.cron = Cron(trigger["schedule"]) if trigger["type"] == "schedule" else None
        hosted.trigger = trigger

    def unregister(self, name: str) -> bool:
        with self._lock:
            hosted = self._functions.pop(name, None)
            if hosted is None:
                return False
            if hosted.trigger.get("type") == "pubsub" and self.emulators.pubsub:
                pubsub_push.remove_push(self.emulators.pubsub, self.emulators.project, name)
            self._stop(hosted)
            self._note_pids()
            shutil.rmtree(self.data_dir / name, ignore_errors=True)
            return True

    def _note_pids(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pids = {name: f.process.pid for name, f in self._functions.items()}
        (self.data_dir / PIDS_FILE).write_text(json.dumps(pids))

    @staticmethod
    def _stop(hosted: Hosted) -> None:
        kill_group(hosted.process)
        shutil.rmtree(hosted.directory, ignore_errors=True)

    def get(self, name: str) -> Hosted | None:
        with self._lock:
            return self._functions.get(name)

    def functions(self) -> dict[str, dict]:
        with self._lock:
            return {name: f.describe() for name, f in sorted(self._functions.items())}

    def scheduled(self) -> list[Hosted]:
        with self._lock:
            return [f for _, f in sorted(self._functions.items()) if f.cron is not None]

    def stop(self) -> None:
        with self._lock:
            for hosted in list(self._functions.values()):
                self._stop(hosted)
            self._functions.clear()
            self._note_pids()
