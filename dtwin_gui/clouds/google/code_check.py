"""Does every Cloud Function run the package this deploy built? (the ``code_check`` part)

In the sandbox the functions host reports the SHA-256 of the zip each function runs; a
function whose package is not its layer's build is stale (a provision cut short), and the
verify phase says so (the next deploy provisions it again). On real Google the sources are
uploaded by Terraform (the object's hash is in its name), which tracks them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class StaleFunction:
    name: str
    #: SHA-256 (hex) of the package it runs ("" when it does not run), and of the build.
    live: str
    expected: str


def check_code(
    connection,
    builds: Iterable,
    outputs: Mapping,
    log: Callable[[str], None] = lambda message: None,
) -> list[StaleFunction]:
    builds = {b.name: b for b in builds if str(b.cloud) == "google"}
    if not builds:
        return []
    if not connection.is_sandbox:
        log("the sources of the Google Cloud Functions are tracked by Terraform")
        return []
    from dtwin_gui.clouds.google import emulator_api as api
    from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle

    running = SandboxGoogle(api.gateway(connection)).functions()
    stale = []
    for build in builds.values():
        # every function of the build's layer runs its zip (one source per layer)
        members = [m.get("deployed_name") for m in _manifest(build)]
        for name in members or [build.name]:
            state = running.get(name) or {}
            live = state.get("package_sha256") or ""
            if live != build.sha256 or state.get("state") != "running":
                stale.append(StaleFunction(name, live, build.sha256))
    return stale


def _manifest(build) -> list[dict]:
    """The functions of a layer's source zip (its ``dtwin_functions.json``)."""
    import json
    import zipfile

    from dtwin_gui.clouds.google.packaging import MANIFEST

    try:
        with zipfile.ZipFile(build.path) as archive:
            data = json.loads(archive.read(MANIFEST))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return []
    return [f for f in data.get("functions") or [] if isinstance(f, dict)]
