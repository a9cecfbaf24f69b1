"""What identifies the Google Cloud a deployment went to, for the deploy fingerprint.

The kind of connection (sandbox or a project), the project, region and sign-in method, and
in the sandbox the running gateway instance (its pid and token from ``/_dtwin/health``): another
project or a restarted, empty sandbox never matches an earlier deploy. Anything that cannot be
answered gives a value that never matches.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

HEALTH_PATH = "/_dtwin/health"


def sandbox_instance(gateway: str) -> dict | str:
    """``{"pid", "token"}`` of the sandbox's Google gateway; a never-matching value when it
    is silent."""
    if urlsplit(gateway).hostname not in ("127.0.0.1", "localhost", "::1"):
        return f"unknown:not-loopback:{os.urandom(8).hex()}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(gateway.rstrip("/") + HEALTH_PATH, timeout=1.0) as reply:
            data = json.loads(reply.read())
    except (OSError, ValueError):
        return f"unknown:silent:{os.urandom(8).hex()}"
    if not isinstance(data, dict) or "pid" not in data:
        return f"unknown:no-pid:{os.urandom(8).hex()}"
    return {"pid": data.get("pid"), "token": data.get("token"), "started": data.get("started_at")}


def identity(connection, outputs: Mapping | None = None) -> dict:
    """The Google part of the fingerprint's target (JSON-able; hashed by the caller)."""
    found: dict = {
        "kind": "sandbox" if connection.is_sandbox else "google",
        "project": str(getattr(connection, "project", "") or ""),
        "region": str(getattr(connection, "region", "") or ""),
        "method": str(getattr(connection, "method", "") or ""),
    }
    if connection.is_sandbox:
        endpoints = getattr(connection, "endpoints", None) or {}
        found["instance"] = sandbox_instance(str(endpoints.get("google_gateway", "")))
    return found
