"""The Azure sandbox's control API (``client.py`` documents the paths), served by the gateway.

It plays Azure's management plane for what the provisioner creates outside the emulators:
Function Apps (run by :class:`~.functions_host.FunctionsHost`), IoT Hubs, Digital Twins
instances and Managed Grafana instances (the emulations, mounted on the gateway by prefix),
and the sandbox clock that fires the apps' timers. Every PUT converges: an existing hub,
instance or unchanged app is kept as it is (its keys, devices and twins too).

IoT Hub delivers telemetry to Event Grid asynchronously, as Azure does: the device's send
returns once the hub accepted the message, and :class:`EventGridQueue` delivers it to the
dispatcher, retrying a failed delivery (Event Grid retries with backoff) before it logs it
as dropped.
"""

from __future__ import annotations

import base64
import logging
import queue
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from dtwin_gui.clouds.azure.sandbox.digital_twins import DigitalTwinsEmulation
from dtwin_gui.clouds.azure.sandbox.functions_host import AppFailed, FunctionsHost
from dtwin_gui.clouds.azure.sandbox.grafana import GrafanaEmulation
from dtwin_gui.clouds.azure.sandbox.iothub import SERVICE_POLICY, IotHubEmulation
from dtwin_gui.clouds.azure.sandbox.routes import AzureRequest, AzureResponse

log = logging.getLogger(__name__)
PREFIX = "/_dtwin/azure"
CLOCK = "/_dtwin/clock"
RETRIES = (0.5, 2.0, 5.0)


class EventGridQueue:
    """The :class:`~.routes.FunctionsBus` IoT Hub gets: deliveries queued, made by a few
    threads, retried; ``pending`` says how many are not delivered yet."""

    def __init__(self, host: FunctionsHost, threads: int = 4) -> None:
        self.host = host
        self._queue: queue.Queue = queue.Queue()
        self._busy = 0
        self._lock = threading.Lock()
        self.dropped = 0
        for _ in range(threads):
            threading.Thread(target=self._work, daemon=True).start()

    def deliver_event_grid(self, app: str, function: str, events: list[dict]) -> None:
        with self._lock:
            self._busy += 1
        self._queue.put((app, function, events))

    def call_http(self, app, route, body, headers):
        return self.host.call_http(app, route, body, headers)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._busy

    def _work(self) -> None:
        while True:
            app, function, events = self._queue.get()
            try:
                for attempt, pause in enumerate((*RETRIES, None)):
                    try:
                        self.host.deliver_event_grid(app, function, events)
                        break
                    except (AppFailed, OSError) as exc:
                        if pause is None:
                            self.dropped += len(events)
                            log.error(
                                "Event Grid dropped %d event(s) for %s/%s after %d tries: %s",
                                len(events),
                                app,
                                function,
                                attempt + 1,
                                exc,
                            )
                        else:
                            time.sleep(pause)
            finally:
                with self._lock:
                    self._busy -= 1

    def drain(self, timeout_s: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self.pending


class SandboxClock:
    """Wall time plus what the sandbox was advanced by; only moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._lock = threading.Lock()
        self._checked = datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> tuple[datetime, datetime]:
        """``(start, end)`` of the window the timers are checked over."""
        if delta < timedelta():
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self.offset += delta
            start, end = self._checked, self.now()
            self._checked = end
            return start, end


def _json(status: int, value) -> AzureResponse:
    return AzureResponse.of_json(status, value)


def _error(status: int, message: str) -> AzureResponse:
    return _json(status, {"error": {"message": message}})


class AzureControl:
    """Mounted on the gateway at ``/_dtwin``; owns the Functions host and the emulations."""

    prefix = "/_dtwin"

    def __init__(self, gateway, host: FunctionsHost) -> None:
        self.gateway = gateway
        self.host = host
        self.bus = EventGridQueue(host)
        self.clock = SandboxClock()
        self.iothubs: dict[str, IotHubEmulation] = {}
        self.digital_twins: dict[str, DigitalTwinsEmulation] = {}
        self.grafana: dict[str, GrafanaEmulation] = {}
        self._lock = threading.Lock()

    @property
    def gateway_host(self) -> str:
        return self.gateway.url.split("://", 1)[1]

    def handle(self, request: AzureRequest) -> AzureResponse | None:
        path = "/_dtwin" + request.path
        method = request.method.upper()
        try:
            if path == CLOCK and method == "GET":
                return _json(200, self._clock_state())
            if path == CLOCK + "/advance" and method == "POST":
                return self._advance(request.json() or {})
            if not path.startswith(PREFIX + "/"):
                return None
            parts = [unquote(p) for p in path[len(PREFIX) + 1 :].split("/") if p]
            return self._resource(method, parts, request)
        except (AppFailed, ValueError, TypeError) as exc:
            return _error(400, str(exc))

    # --- resources -------------------------------------------------------------------------
    def _resource(self, method: str, parts: list[str], request) -> AzureResponse | None:
        if parts == ["resources"] and method == "GET":
            return _json(200, self.resources())
        if len(parts) < 2:
            return None
        kind, name = parts[0], parts[1]
        body = request.json() if request.body else {}
        if kind == "apps" and len(parts) == 2:
            if method == "PUT":
                described = self.host.register(
                    name, str(body["layer"]), str(body["package"]), dict(body["settings"])
                )
                return _json(200, described)
            if method == "DELETE":
                return _json(200 if self.host.unregister(name) else 404, {"name": name})
        if kind == "apps" and parts[2:] == ["log"] and method == "GET":
            lines = self.host.log(name)
            if lines is None:
                return _error(404, f"no Function App {name}")
            return _json(200, {"lines": lines})
        if kind == "iothubs":
            if len(parts) == 4 and parts[2] == "c2d" and method == "GET":
                hub = self.iothubs.get(name)
                if hub is None:
                    return _error(404, f"no IoT Hub {name}")
                return _json(200, {"messages": [_c2d_json(m) for m in hub.pending_c2d(parts[3])]})
            if len(parts) == 2 and method == "PUT":
                return _json(200, self._put_iothub(name, (body or {}).get("route_to")))
        if kind in ("iothubs", "digitaltwins", "grafana") and len(parts) == 2:
            if method == "PUT" and kind != "iothubs":
                return _json(200, self._put_named(kind, name))
            if method == "DELETE":
                return _json(200 if self._delete(kind, name) else 404, {"name": name})
        return None

    def _put_iothub(self, name: str, route: dict | None) -> dict:
        route_to = (str(route["app"]), str(route["function"])) if route else None
        with self._lock:
            hub = self.iothubs.get(name)
            if hub is None:
                hub = IotHubEmulation(name, bus=self.bus, route_to=route_to)
                self.iothubs[name] = hub
                self.gateway.add_route(hub)
            hub.route_to = route_to
        return {
            "name": name,
            "host": f"{self.gateway_host}{hub.prefix}",
            "url": f"{self.gateway.url}{hub.prefix}",
            "connection_string": hub.connection_string(self.gateway_host),
            "service_policy": SERVICE_POLICY,
            "service_key": hub.policy_key(SERVICE_POLICY),
        }

    def _table(self, kind: str) -> dict:
        return {"iothubs": self.iothubs, "digitaltwins": self.digital_twins}.get(kind, self.grafana)

    def _put_named(self, kind: str, name: str) -> dict:
        make = DigitalTwinsEmulation if kind == "digitaltwins" else GrafanaEmulation
        with self._lock:
            table = self._table(kind)
            item = table.get(name)
            if item is None:
                grafana = {"ca_bundle": self.host.ca_path} if make is GrafanaEmulation else {}
                item = table[name] = make(name, **grafana)
                self.gateway.add_route(item)
        return {"name": name, "url": item.endpoint(self.gateway_host)}

    def _delete(self, kind: str, name: str) -> bool:
        with self._lock:
            item = self._table(kind).pop(name, None)
        if item is None:
            return False
        self.gateway.remove_route(item)
        return True

    def resources(self) -> dict:
        with self._lock:
            hubs = dict(self.iothubs)
            adts = dict(self.digital_twins)
            grafanas = dict(self.grafana)
        return {
            "apps": self.host.apps(),
            "iothubs": {n: h.summary() for n, h in sorted(hubs.items())},
            "digital_twins": {n: a.summary() for n, a in sorted(adts.items())},
            "grafana": {n: g.summary() for n, g in sorted(grafanas.items())},
            "event_grid": {"pending": self.bus.pending, "dropped": self.bus.dropped},
        }

    # --- the clock -------------------------------------------------------------------------
    def _clock_state(self) -> dict:
        now = self.clock.now()
        return {"now": _iso(now), "offset_seconds": self.clock.offset.total_seconds()}

    def _advance(self, body: dict) -> AzureResponse:
        units = {"days", "hours", "minutes", "seconds"}
        unknown = set(body) - units
        if unknown:
            return _error(400, f"unknown clock units {sorted(unknown)}; use {sorted(units)}")
        delta = timedelta(**{k: float(v) for k, v in body.items()})
        self.bus.drain()  # telemetry sent before the advance is in the store first
        start, end = self.clock.advance(delta)
        fired = self.host.fire_timers(start, end)
        return _json(200, {"now": _iso(end), "fired": fired})

    def stop(self) -> None:
        self.host.stop()


def _c2d_json(message: dict) -> dict:
    """A queued cloud-to-device message as JSON: its body as text (or base64 when binary)."""
    body = message.get("body") or b""
    try:
        text, encoding = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(body).decode(), "base64"
    return {**message, "body": text, "bodyEncoding": encoding}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
