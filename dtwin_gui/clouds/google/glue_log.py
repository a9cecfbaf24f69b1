"""A function's log lines (part ``glue_log``; what Status reads of a cross-cloud hop, and
what ``dtwin logs`` shows).

In the sandbox each Cloud Function writes its own log file, which the control API gives. On
Google Cloud the lines are in Cloud Logging, listed with the connection's signed session
(:mod:`dtwin_gui.clouds.google.cloud_logging`).
"""

from __future__ import annotations

from dtwin_gui.clouds.google import emulator_api as api


def glue_log(connection, topology, function, since_s: float) -> list[str] | None:
    if not connection.is_sandbox:
        from dtwin_gui.clouds.google.cloud_logging import read_lines

        return read_lines(connection, topology, function, since_s)
    from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle, SandboxGoogleError

    try:
        return SandboxGoogle(api.gateway(connection)).function_log(topology.deployed_name(function))
    except SandboxGoogleError as exc:
        if "404" in str(exc):
            return []  # no such function (not deployed, or destroyed)
        raise
