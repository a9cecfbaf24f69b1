"""The deploy side of the Azure sandbox's control API (issue 14).

The sandbox daemon runs the Azure gateway (``gateway.py``), the Functions host
(``functions_host.py``) and the emulations of IoT Hub, Digital Twins and Managed Grafana. A
deploy, a status or a test reaches them over loopback HTTPS with this client, the way real
Azure is reached through its management plane. The paths (``control.py`` serves them)::

    GET    /_dtwin/azure/resources                -> what exists (below)
    PUT    /_dtwin/azure/apps/<name>              {"layer", "package", "settings"} -> app
    DELETE /_dtwin/azure/apps/<name>
    GET    /_dtwin/azure/apps/<name>/log          -> {"lines": [...]} (newest, oldest first)
    PUT    /_dtwin/azure/iothubs/<name>           {"route_to": {"app", "function"} | null}
                                                  -> {"host", "connection_string"}
    DELETE /_dtwin/azure/iothubs/<name>
    GET    /_dtwin/azure/iothubs/<name>/c2d/<device>  -> {"messages": [...]} (queued C2D)
    PUT    /_dtwin/azure/digitaltwins/<name>      -> {"url"}
    PUT    /_dtwin/azure/grafana/<name>           -> {"url"}
    DELETE /_dtwin/azure/digitaltwins/<name>, /_dtwin/azure/grafana/<name>
    GET    /_dtwin/clock                          -> {"now", "offset_seconds"}
    POST   /_dtwin/clock/advance                  {"days"|"hours"|"seconds": n}
                                                  -> {"now", "fired": [...]}

``resources()`` answers ``{"apps": {name: {"layer", "state", "functions": [{"name",
"trigger", "route", "schedule"}], "detail"}}, "iothubs": {name: {"devices", "routed"}},
"digital_twins": {name: {"models", "twins", "relationships"}}, "grafana": {name:
{"datasources", "dashboards"}}}``. App settings travel in the request body only (they hold
the functions keys and glue secrets): never in a file, never in a log.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote


class SandboxAzureError(RuntimeError):
    """The sandbox's Azure control API refused or could not be reached."""


class SandboxAzure:
    def __init__(self, connection, timeout_s: float = 120.0) -> None:
        self.base = connection.gateway_url.rstrip("/")
        if not self.base:
            raise SandboxAzureError(
                "the sandbox's Azure emulator is not running; start it with 'dtwin sandbox up'"
            )
        ca = getattr(connection, "ca_path", "")
        self._context = ssl.create_default_context(cafile=ca) if ca else _unverified()
        self.timeout_s = timeout_s

    # --- plumbing --------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self.timeout_s, context=self._context
            ) as reply:
                raw = reply.read()
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8", "replace")
            with contextlib.suppress(ValueError, KeyError, TypeError):
                text = json.loads(text)["error"]["message"]
            raise SandboxAzureError(f"{method} {path}: HTTP {err.code}: {text}") from None
        except OSError as err:
            raise SandboxAzureError(
                f"the sandbox's Azure emulator at {self.base} did not answer ({err}); "
                "is the sandbox running? ('dtwin sandbox status')"
            ) from None
        return json.loads(raw) if raw else {}

    # --- what exists -----------------------------------------------------------------------
    def resources(self) -> dict:
        return self.call("GET", "/_dtwin/azure/resources")

    # --- Function Apps ---------------------------------------------------------------------
    def put_app(self, name: str, layer: str, package: str, settings: dict[str, str]) -> dict:
        body = {"layer": layer, "package": package, "settings": settings}
        return self.call("PUT", f"/_dtwin/azure/apps/{quote(name)}", body)

    def delete_app(self, name: str) -> None:
        self.call("DELETE", f"/_dtwin/azure/apps/{quote(name)}")

    def app_log(self, name: str) -> list[str]:
        """The newest lines the app's functions wrote (oldest first)."""
        return list(self.call("GET", f"/_dtwin/azure/apps/{quote(name)}/log")["lines"])

    # --- IoT Hub, Digital Twins, Grafana ---------------------------------------------------
    def put_iothub(self, name: str, route_to: tuple[str, str] | None) -> dict:
        route = {"app": route_to[0], "function": route_to[1]} if route_to else None
        return self.call("PUT", f"/_dtwin/azure/iothubs/{quote(name)}", {"route_to": route})

    def delete_iothub(self, name: str) -> None:
        self.call("DELETE", f"/_dtwin/azure/iothubs/{quote(name)}")

    def pending_c2d(self, hub: str, device_id: str) -> list[dict]:
        path = f"/_dtwin/azure/iothubs/{quote(hub)}/c2d/{quote(device_id)}"
        return list(self.call("GET", path).get("messages") or [])

    def put_digital_twins(self, name: str) -> dict:
        return self.call("PUT", f"/_dtwin/azure/digitaltwins/{quote(name)}", {})

    def delete_digital_twins(self, name: str) -> None:
        self.call("DELETE", f"/_dtwin/azure/digitaltwins/{quote(name)}")

    def put_grafana(self, name: str) -> dict:
        return self.call("PUT", f"/_dtwin/azure/grafana/{quote(name)}", {})

    def delete_grafana(self, name: str) -> None:
        self.call("DELETE", f"/_dtwin/azure/grafana/{quote(name)}")

    # --- the sandbox clock -----------------------------------------------------------------
    def clock(self) -> dict:
        return self.call("GET", "/_dtwin/clock")

    def advance_clock(self, **delta: float) -> dict:
        return self.call("POST", "/_dtwin/clock/advance", delta)


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
