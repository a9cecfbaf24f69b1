"""State backend use cases both front ends call: choose, save, create and check a target's
Terraform state backend (:mod:`dtwin_gui.iac.backend`). Blocking (cloud calls): the GUI runs
:func:`create_backend` and :func:`check_backend` in a worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.iac.backend import BackendConfig, BackendError


class BackendProblem(Exception):
    """The backend cannot be made or used; the message says what and what to do."""


@dataclass
class BackendReport:
    """What "create it for me" did, or a check found."""

    backend: BackendConfig
    done: list[str] = field(default_factory=list)
    #: The settings as read back (versioning, encryption, public access ...).
    settings: dict = field(default_factory=dict)
    weaknesses: list[str] = field(default_factory=list)


def _part(config: BackendConfig, connections):
    from dtwin_gui.clouds import plugin

    try:
        config.validated()
    except BackendError as exc:
        raise BackendProblem(str(exc)) from None
    if not config.remote:
        raise BackendProblem("the local backend is the workspace itself: there is nothing to make")
    connection = connections.get(config.cloud) if connections is not None else None
    if connection is None:
        raise BackendProblem(
            f"making {config.describe()} needs a connection to {config.cloud}: sign in to it "
            "first (Credentials page; dtwin: its usual credential chain)"
        )
    make = plugin(config.cloud).part("state_backend")
    if make is None:
        raise BackendProblem(f"{config.kind} backends are not supported by this version")
    return make(config, connection)


def create_backend(
    config: BackendConfig, connections, log: Callable[[str], None] = lambda line: None
) -> BackendReport:
    """Make the bucket or container of ``config`` (versioned, encrypted, never public; with
    its lock table when it has one) or bring an existing one of this account to those
    settings. Raises :class:`BackendProblem`."""
    from dtwin_gui.deploy.remote_objects import ObjectStoreError

    backend = _part(config, connections)
    try:
        done = backend.create(log)
        settings = backend.inspect()
    except ObjectStoreError as exc:
        raise BackendProblem(str(exc)) from None
    return BackendReport(config, done, settings, _weaknesses(settings))


def check_backend(config: BackendConfig, connections) -> BackendReport:
    """The settings of ``config``'s bucket as the cloud reports them, and what is unsafe."""
    from dtwin_gui.deploy.remote_objects import ObjectStoreError

    try:
        settings = _part(config, connections).inspect()
    except ObjectStoreError as exc:
        raise BackendProblem(str(exc)) from None
    return BackendReport(config, [], settings, _weaknesses(settings))


def _weaknesses(settings: dict) -> list[str]:
    """What is unsafe in a ``state_backend`` part's ``inspect()`` (one rule for every cloud)."""
    if not settings.get("exists", True):
        return ["it does not exist"]
    out = []  # None: the emulator does not serve that setting (not judged)
    if settings.get("versioning") is False:
        out.append("versioning is off (an overwritten state could not be restored)")
    if settings.get("encryption") == "":
        out.append("default encryption is off")
    if settings.get("public_access_blocked") is False:
        out.append("public access is not blocked")
    if settings.get("lock_table") == "missing":
        out.append("the lock table does not exist")
    return out


def save_backend(
    target: str, config: BackendConfig, *, move_existing: bool = False, path: Path | None = None
) -> Path:
    """Make ``config`` the backend of ``target`` in the app settings (validated first)."""
    from dtwin_gui.settings import TargetBackend, load_settings, save_settings

    try:
        config.validated()
    except BackendError as exc:
        raise BackendProblem(str(exc)) from None
    settings = load_settings(path)
    backends = dict(settings.state_backends)
    if config.remote:
        backends[target] = TargetBackend(backend=config, move_existing=move_existing)
    else:
        backends.pop(target, None)
    settings.state_backends = backends
    return save_settings(settings, path)
