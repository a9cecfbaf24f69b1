"""What identifies the Azure a deployment went to, for the deploy fingerprint.

The kind of connection (sandbox or a subscription), the subscription, tenant, location and
sign-in method, and in the sandbox the running gateway instance (its pid and start time from
``/_dtwin/health``): another subscription or a restarted, empty sandbox never matches an
earlier deploy. Anything that cannot be answered gives a value that never matches.
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

HEALTH_PATH = "/_dtwin/health"


def sandbox_instance(gateway: str) -> dict | str:
    """``{"pid", "started_at"}`` of the sandbox's Azure gateway; a never-matching value when
    it is silent. The gateway is on loopback with a self-signed certificate made at start."""
    if urlsplit(gateway).hostname not in ("127.0.0.1", "localhost", "::1"):
        return f"unknown:not-loopback:{os.urandom(8).hex()}"
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # loopback only; the cert is regenerated each start
    try:
        with urllib.request.urlopen(gateway + HEALTH_PATH, timeout=1.0, context=context) as r:
            data = json.loads(r.read())
    except (OSError, ValueError):
        return f"unknown:silent:{os.urandom(8).hex()}"
    if not isinstance(data, dict) or "pid" not in data:
        return f"unknown:no-pid:{os.urandom(8).hex()}"
    return {"pid": data.get("pid"), "started_at": data.get("started_at")}


def identity(connection, outputs: Mapping | None = None) -> dict:
    """The Azure part of the fingerprint's target (JSON-able; hashed by the caller)."""
    found: dict = {
        "kind": getattr(connection, "name", ""),
        "subscription": getattr(connection, "subscription_id", ""),
        "tenant": getattr(connection, "tenant_id", ""),
        "location": getattr(connection, "location", ""),
        "method": getattr(connection, "method", ""),
        "resource_group": (outputs or {}).get("resource_group_name"),
    }
    if connection.is_sandbox:
        found["instance"] = sandbox_instance(
            (getattr(connection, "endpoints", None) or {}).get("azure", "")
        )
    return found
