"""Does every Function App run the package this deploy built? (the ``code_check`` part)

In the sandbox the Functions host reports the SHA-256 of the zip each app runs; an app
whose package is not among them is stale (a provision cut short), and the verify phase says
so (the next deploy provisions it again). On real Azure the packages are deployed by
Terraform's ``zip_deploy_file``, whose hash Terraform tracks; nothing is checked live yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from dtwin_gui.core.naming import UNIQUE_SUFFIX_PLACEHOLDER


@dataclass(frozen=True)
class StaleApp:
    name: str
    #: SHA-256 (hex) of the package it runs ("" when it does not run), and of the build.
    live: str
    expected: str


def check_code(
    connection,
    builds: Iterable,
    outputs: Mapping,
    log: Callable[[str], None] = lambda message: None,
) -> list[StaleApp]:
    builds = [b for b in builds if str(b.cloud) == "azure"]
    if not builds:
        return []
    if not connection.is_sandbox:
        log("the code of the Azure Function Apps is tracked by Terraform (zip_deploy_file)")
        return []
    from dtwin_gui.clouds.azure.provision import SANDBOX_SUFFIX
    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

    apps = SandboxAzure(connection).resources().get("apps") or {}
    stale = []
    for build in builds:
        name = build.name.replace(UNIQUE_SUFFIX_PLACEHOLDER, SANDBOX_SUFFIX)
        app = apps.get(name) or {}
        live = app.get("package_sha256") or ""
        if live != build.sha256 or app.get("state") != "running":
            stale.append(StaleApp(name, live, build.sha256))
    return stale
