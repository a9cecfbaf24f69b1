"""Where a deployment's :class:`~dtwin_gui.clouds.base.Connections` come from.

The one place the front ends get them: the GUI's target choice and the ``dtwin`` commands
call these, never a cloud's connection constructor. The sandbox's come from the running
daemon (its :class:`~dtwin_gui.sandbox.daemon.SandboxInfo`) through each plugin's
``sandbox_connection``; the real clouds' from the saved sign-in choices through each plugin's
``cloud_connection`` (the GUI), or from the user's own credential chain (the CLI).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dtwin_gui.clouds import cloud_connections, plugin, plugins, sandbox_connections
from dtwin_gui.clouds.base import CLOUD_TARGET_NAME, SANDBOX, Connections
from dtwin_gui.core.providers import Cloud

#: The ``--target`` names: every cloud emulated on this computer, or the real clouds.
TARGETS = (SANDBOX, CLOUD_TARGET_NAME)

#: Where a daemon that is not running would have been (nothing answers there): connections
#: for a command that only reads local files, such as releasing the lock of a local state.
NOWHERE = "http://127.0.0.1:9"


class SandboxUnavailable(Exception):
    """The sandbox could not be started (the message says why, in one line)."""


def endpoints_of(info) -> dict[str, str]:
    """The emulator endpoints of a running sandbox, by cloud name (``{"aws": URL}`` from a
    daemon that records only the AWS endpoint)."""
    endpoints = dict(getattr(info, "endpoints", None) or {})
    if not endpoints.get(Cloud.AWS) and getattr(info, "endpoint", None):
        endpoints[Cloud.AWS] = info.endpoint
    return endpoints


def of_sandbox(info) -> Connections:
    """Connections to the emulators of the running sandbox described by ``info``."""
    return sandbox_connections(endpoints_of(info), info.region)


def where(info) -> str:
    """``host:port`` of the sandbox's AWS endpoint (else of every emulator), as the CLI
    shows it."""
    endpoints = endpoints_of(info)
    urls = [endpoints[Cloud.AWS]] if endpoints.get(Cloud.AWS) else list(endpoints.values())
    return ", ".join(url.split("://", 1)[-1].rstrip("/") for url in urls)


def running_sandbox() -> Connections | None:
    """Connections to the sandbox if it runs, else None. Never starts it: for reads (a
    stopped sandbox has lost what was deployed to it, so there is nothing to read)."""
    from dtwin_gui.sandbox.daemon import running

    info = running()
    return None if info is None else of_sandbox(info)


def start_sandbox(
    *,
    starting: Callable[[], None] | None = None,
    ready: Callable[[str], None] | None = None,
) -> Connections:
    """Connections to the sandbox, started first when it is not running. ``starting()`` is
    called before a start (it takes seconds and is a side effect, so the CLI says so) and
    ``ready(host_port)`` after it; neither is called when it already runs.

    Raises :class:`SandboxUnavailable` when it cannot start."""
    from dtwin_gui.sandbox import daemon

    info = daemon.running()
    if info is None:
        if starting is not None:
            starting()
        try:
            info = daemon.ensure_running()
        except daemon.SandboxError as exc:
            raise SandboxUnavailable(str(exc)) from None
        if ready is not None:
            ready(where(info))
    return of_sandbox(info)


def lock_sandbox() -> Connections:
    """Connections for releasing a lock of the sandbox deployment: the sandbox is not started
    (the lock of a local state is a file; a stopped sandbox holds no state of its own)."""
    found = running_sandbox()
    if found is not None:
        return found
    return sandbox_connections({Cloud.AWS: NOWHERE})


def from_environment() -> Connections:
    """Real-cloud Connections from the user's own credential chain (profile, SSO, keys in the
    environment), as the ``dtwin`` commands use it: one per cloud whose plugin can make one
    (its ``environment_connection``; AWS is the only one so far)."""
    made = {}
    for cloud_plugin in plugins():
        connect = cloud_plugin.environment_connection
        if connect is not None:
            made[cloud_plugin.cloud] = connect()
    return cloud_connections(made)


def from_choices(choices: Mapping[Cloud, Any], secrets) -> Connections:
    """Real-cloud Connections from the saved sign-in choices (one per cloud), through each
    cloud's plugin. Keys are read from ``secrets`` now: call this at run time, on a worker."""
    made = {}
    for cloud, choice in choices.items():
        connect = plugin(cloud).cloud_connection
        if choice is not None and connect is not None:
            made[Cloud(cloud)] = connect(choice, secrets)
    return cloud_connections(made)


def for_target(
    name: str,
    *,
    starting: Callable[[], None] | None = None,
    ready: Callable[[str], None] | None = None,
) -> Connections:
    """The Connections of ``--target name`` for a command that changes or probes the cloud:
    the sandbox is started when needed (see :func:`start_sandbox`)."""
    if name == SANDBOX:
        return start_sandbox(starting=starting, ready=ready)
    if name == CLOUD_TARGET_NAME:
        return from_environment()
    raise ValueError(f"no target named {name!r}; the targets are {', '.join(TARGETS)}")


def for_reading(name: str) -> Connections | None:
    """The Connections of ``--target name`` for a read of an existing deployment; None when
    it is the sandbox and the sandbox is not running (it is never started for a read)."""
    if name == SANDBOX:
        return running_sandbox()
    return for_target(name)
