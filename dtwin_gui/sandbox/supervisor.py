"""Start every cloud's emulator from its :class:`~dtwin_gui.clouds.base.EmulatorSpec`.

The sandbox daemon runs one :class:`Supervisor`: it starts, in the order of the clouds, the
emulator of every registered plugin that has one, waits until each answers its health check,
and stops them all in reverse order. A cloud whose emulator does not start (or never turns
healthy) is reported with the reason and the others are served anyway; what is started is
stopped again even when a later one fails.

Each spec's ``start`` is called as ``start(data_dir, region=..., log=..., health=...)``:
``data_dir`` is the cloud's own folder under the sandbox folder, ``log(name, line)`` takes the
emulated functions' output, ``health()`` gives the fields the emulator adds to its health
answer (the daemon's state). Specs ignore options they do not know.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.clouds.base import EmulatorHandle, EmulatorSpec, SandboxPath, plugin, plugins
from dtwin_gui.core.providers import Cloud

logger = logging.getLogger("dtwin_gui.sandbox.supervisor")

HEALTH_TIMEOUT_S = 30.0
RUNNING, FAILED, UNHEALTHY = "running", "failed", "unhealthy"


@dataclass
class EmulatorRun:
    """One cloud's emulator in this sandbox: started (``handle``) or failed (``error``)."""

    cloud: Cloud
    label: str
    sandbox_path: SandboxPath
    spec: EmulatorSpec | None = None
    handle: EmulatorHandle | None = None
    error: str = ""

    @property
    def started(self) -> bool:
        return self.handle is not None

    def is_healthy(self) -> bool:
        if self.handle is None or self.spec is None:
            return False
        try:
            return bool(self.spec.healthy(self.handle))
        except Exception:  # a health check that breaks means "not healthy"
            logger.exception("the %s emulator's health check failed", self.cloud)
            return False

    def report(self, *, check: bool = False) -> dict:
        """What ``dtwin sandbox status`` shows for this cloud (``check``: ask it now)."""
        state = RUNNING if self.started else FAILED
        if check and self.started and not self.is_healthy():
            state = UNHEALTHY
        out = {
            "label": self.label,
            "sandbox_path": str(self.sandbox_path),
            "path_label": self.sandbox_path.label,
            "state": state,
            "endpoints": dict(self.handle.endpoints) if self.handle else {},
        }
        if self.error:
            out["error"] = self.error
        return out


def plugin_specs() -> list[tuple[Cloud, str, SandboxPath, Callable[[], EmulatorSpec]]]:
    """``(cloud, label, sandbox path, spec factory)`` of every plugin with an emulator."""
    return [
        (p.cloud, p.label, p.sandbox_path, p.emulator) for p in plugins() if p.emulator is not None
    ]


class Supervisor:
    """The sandbox's emulators, one per cloud. Use as a context manager or start/stop."""

    def __init__(
        self,
        data_dir: Path,
        *,
        specs: Iterable[EmulatorSpec] | None = None,
        region: str | None = None,
        log: Callable[[str, str], None] | None = None,
        health: Callable[[], dict] | None = None,
        health_timeout_s: float = HEALTH_TIMEOUT_S,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._specs = list(specs) if specs is not None else None
        self._options = {"region": region, "log": log, "health": health}
        self._health_timeout_s = health_timeout_s
        self.runs: list[EmulatorRun] = []

    def _pending(self) -> list[EmulatorRun]:
        if self._specs is not None:
            return [EmulatorRun(s.cloud, s.label, s.sandbox_path, s) for s in self._specs]
        runs = []
        for cloud, label, path, factory in plugin_specs():
            run = EmulatorRun(cloud, label, path)
            try:
                run.spec = factory()
                run.label = run.spec.label or label
                run.sandbox_path = run.spec.sandbox_path
            except Exception as exc:  # e.g. its emulator package is not installed
                logger.exception("the %s emulator cannot be described", cloud)
                run.error = _reason(exc)
            runs.append(run)
        return runs

    def start(self) -> list[EmulatorRun]:
        """Start every emulator; returns the runs (failed ones carry ``error``)."""
        self.runs = self._pending()
        for run in self.runs:
            if run.spec is not None and not run.error:
                self._start_one(run)
        return self.runs

    def _start_one(self, run: EmulatorRun) -> None:
        folder = self.data_dir / str(run.cloud)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            handle = run.spec.start(folder, **self._options)
        except Exception as exc:
            logger.exception("the %s emulator failed to start", run.cloud)
            run.error = _reason(exc)
            return
        run.handle = handle
        deadline = time.monotonic() + self._health_timeout_s
        while not run.is_healthy():
            if time.monotonic() >= deadline:
                run.error = (
                    f"it did not answer its health check within {self._health_timeout_s:g} s"
                )
                logger.error("the %s emulator: %s; stopping it", run.cloud, run.error)
                _stop(run)
                return
            time.sleep(0.1)
        logger.info("%s emulator running (%s): %s", run.cloud, run.label, dict(handle.endpoints))

    def stop(self) -> None:
        """Stop every started emulator, the last started first."""
        for run in reversed(self.runs):
            _stop(run)

    @property
    def endpoints(self) -> dict[str, str]:
        """Every running emulator's endpoints, by name (``{"aws": "http://127.0.0.1:…"}``)."""
        found: dict[str, str] = {}
        for run in self.runs:
            if run.handle is not None:
                found.update(run.handle.endpoints)
        return found

    def run(self, cloud: Cloud | str) -> EmulatorRun | None:
        return next((r for r in self.runs if r.cloud == cloud), None)

    def report(self, *, check: bool = False) -> dict[str, dict]:
        """``{cloud: report}`` of every emulator (``check``: run the health checks now)."""
        return {str(r.cloud): r.report(check=check) for r in self.runs}

    def __enter__(self) -> Supervisor:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop(run: EmulatorRun) -> None:
    handle, run.handle = run.handle, None
    if handle is None:
        return
    try:
        handle.stop()
    except Exception:
        logger.exception("the %s emulator did not stop cleanly", run.cloud)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def failed(report: Mapping[str, Mapping]) -> dict[str, str]:
    """``{cloud: reason}`` of the emulators in ``report`` that are not running."""
    return {
        cloud: str(entry.get("error") or entry.get("state"))
        for cloud, entry in report.items()
        if entry.get("state") != RUNNING
    }


def sandbox_paths_note(clouds: Iterable[Cloud | str]) -> str:
    """``In the sandbox: AWS: Terraform applied.`` for ``clouds`` (the user sees which path
    each cloud takes: Terraform applied, or provisioned on emulators, its modules checked)."""
    shown = []
    for cloud in clouds:
        p = plugin(cloud)
        shown.append(f"{p.label}: {p.sandbox_path.label}")
    return f"In the sandbox: {' · '.join(shown)}." if shown else ""
