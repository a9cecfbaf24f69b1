"""A function's log lines (part ``glue_log``; what Status reads of a cross-cloud hop, and
what ``dtwin logs`` shows).

In the sandbox each Function App writes one log file; its control API gives the newest lines
and the lines of the function asked for are kept: its JSON entries name it, and the app's
worker writes each other line it printed as ``[<function>] <line>``
(``sandbox/app_worker.py``; returned without the tag). On Azure
the lines are in the twin's Application Insights component, read through Azure Resource
Manager with the connection's sign-in (:mod:`dtwin_gui.clouds.azure.app_insights`).
"""

from __future__ import annotations

import json

from dtwin_gui.clouds.azure.probes import _name
from dtwin_gui.core.resource_names import ResourceKind


def glue_log(connection, topology, function, since_s: float) -> list[str] | None:
    if not connection.is_sandbox:
        from dtwin_gui.clouds.azure.app_insights import read_lines

        return read_lines(connection, topology, function, since_s)
    from dtwin_gui.clouds.azure.provision import SANDBOX_SUFFIX
    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure, SandboxAzureError

    app = _name(topology, ResourceKind.FUNCTION_APP.of(function.slot), SANDBOX_SUFFIX)
    try:
        lines = SandboxAzure(connection).app_log(app)
    except SandboxAzureError as exc:
        if "HTTP 404" in str(exc):
            return []  # no such app (not deployed, or destroyed)
        raise
    tag = f"[{function.name}] "
    return [
        line[len(tag) :] if line.startswith(tag) else line
        for line in lines
        if line.startswith(tag) or _function_of(line) == function.name
    ]


def _function_of(line: str) -> str | None:
    start = line.find("{")
    try:
        entry = json.loads(line[start:]) if start >= 0 else None
    except ValueError:
        return None
    return entry.get("function") if isinstance(entry, dict) else None
