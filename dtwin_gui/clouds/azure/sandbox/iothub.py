"""Emulated Azure IoT Hub behind the Azure sandbox gateway (no emulator exists).

Mounted at ``/iothub/<hub name>``; below it the real REST paths:

- registry (service SAS, policy ``iothubowner``): ``PUT/GET/DELETE /devices/{id}``,
  ``GET /devices``; twins ``GET/PATCH/PUT /twins/{id}`` (tags + desired properties);
- device-to-cloud over HTTPS (device SAS): ``POST /devices/{id}/messages/events``, routed to
  Event Grid -> the dispatcher as ``Microsoft.Devices.DeviceTelemetry`` events;
- cloud-to-device: service ``POST /devices/{id}/messages/deviceBound`` queues; the device polls
  ``GET /devices/{id}/messages/deviceBound`` and completes with ``DELETE .../deviceBound/{etag}``
  (``POST .../{etag}/abandon`` puts it back); ``pending_c2d(id)`` lets a test read the queue.

Host name: azure-iot-hub builds its base URL as ``"https://" + HostName``, so the sandbox hub's
connection string carries ``HostName=<gateway host:port>/iothub/<hub>`` and the SDK reaches the
emulation with the path prefix; the SAS ``sr`` is that same string (checked as signed).
State is in memory behind one lock.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import logging
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from dtwin_gui.clouds.azure.sandbox import iothub_sas as sas
from dtwin_gui.clouds.azure.sandbox.iothub_http import AzureRequest, AzureResponse, FunctionsBus

log = logging.getLogger(__name__)
OWNER_POLICY = "iothubowner"
SERVICE_POLICY = "service"
# The hub's built-in policies that may call each service API (real IoT Hub's permissions).
_REGISTRY_POLICIES = (OWNER_POLICY, "registryReadWrite")
_SERVICE_CONNECT_POLICIES = (OWNER_POLICY, SERVICE_POLICY)
_BEARER = re.compile(r"^Bearer [A-Za-z0-9\-._~+/]+=*$")
_DEVICE = re.compile(r"^/devices/([^/]+)$")
_TWIN = re.compile(r"^/twins/([^/]+)$")
_EVENTS = re.compile(r"^/devices/([^/]+)/messages/events$")
_C2D = re.compile(r"^/devices/([^/]+)/messages/deviceBound$")
_C2D_ONE = re.compile(r"^/devices/([^/]+)/messages/deviceBound/([^/]+?)(/abandon)?$")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _error(status: int, code: str, message: str) -> AzureResponse:
    return AzureResponse.of_json(status, {"Message": f"ErrorCode:{code};{message}"})


@dataclass
class _Device:
    device_id: str
    primary_key: str
    secondary_key: str
    status: str = "enabled"
    generation_id: str = field(default_factory=lambda: uuid.uuid4().hex[:18])
    version: int = 1
    tags: dict = field(default_factory=dict)
    desired: dict = field(default_factory=dict)
    desired_version: int = 1
    reported: dict = field(default_factory=dict)
    c2d: list[dict] = field(default_factory=list)
    locked: dict[str, dict] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return base64.b64encode(str(self.version).encode()).decode()

    def as_json(self) -> dict:
        return {
            "deviceId": self.device_id,
            "generationId": self.generation_id,
            "etag": self.etag,
            "connectionState": "Disconnected",
            "status": self.status,
            "statusReason": None,
            "connectionStateUpdatedTime": "0001-01-01T00:00:00",
            "statusUpdatedTime": "0001-01-01T00:00:00",
            "lastActivityTime": "0001-01-01T00:00:00",
            "cloudToDeviceMessageCount": len(self.c2d),
            "authentication": {
                "type": "sas",
                "symmetricKey": {
                    "primaryKey": self.primary_key,
                    "secondaryKey": self.secondary_key,
                },
                "x509Thumbprint": {"primaryThumbprint": None, "secondaryThumbprint": None},
            },
            "capabilities": {"iotEdge": False},
        }

    def twin(self) -> dict:
        return {
            "deviceId": self.device_id,
            "etag": self.etag,
            "version": self.version,
            "status": self.status,
            "tags": self.tags,
            "properties": {
                "desired": {**self.desired, "$version": self.desired_version},
                "reported": {**self.reported, "$version": 1},
            },
            "authenticationType": "sas",
            "capabilities": {"iotEdge": False},
        }


def _merge(target: dict, patch: dict) -> None:
    """JSON merge as twin PATCH does it: ``null`` removes, objects merge."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


class IotHubEmulation:
    """One hub; ``handle`` answers requests whose path is below ``prefix``."""

    def __init__(
        self,
        hub: str,
        *,
        owner_key: str | None = None,
        bus: FunctionsBus | None = None,
        route_to: tuple[str, str] | None = None,
        clock: Callable[[], str] = _now,
    ) -> None:
        self.hub = hub
        self.prefix = f"/iothub/{hub}"
        self.owner_key = owner_key or _key()
        self.policy_keys = {
            OWNER_POLICY: self.owner_key,
            SERVICE_POLICY: _key(),
            "registryReadWrite": _key(),
        }
        self.bus = bus
        self.route_to = route_to
        self._clock = clock
        self._lock = threading.Lock()
        self._devices: dict[str, _Device] = {}
        self.routed = 0  # telemetry events routed (status)

    # ----------------------------------------------------------- helpers for the sandbox
    def connection_string(self, host: str) -> str:
        """The service connection string; ``host`` is the gateway's ``host:port``."""
        return (
            f"HostName={host}{self.prefix};SharedAccessKeyName={OWNER_POLICY};"
            f"SharedAccessKey={self.owner_key}"
        )

    def policy_key(self, policy: str) -> str:
        """The key of a built-in shared access policy (iothubowner, service, registryReadWrite)."""
        return self.policy_keys[policy]

    def pending_c2d(self, device_id: str) -> list[dict]:
        """The cloud-to-device messages queued for a device, oldest first."""
        with self._lock:
            device = self._devices.get(device_id)
            return [dict(m) for m in device.c2d] if device else []

    def summary(self) -> dict:
        """What the control API's ``resources`` says of the hub."""
        with self._lock:
            return {"devices": len(self._devices), "routed": self.routed}

    # ----------------------------------------------------------------------- dispatch
    def handle(self, request: AzureRequest) -> AzureResponse | None:
        path = request.path
        if path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        method = request.method.upper()
        if m := _EVENTS.match(path):
            return self._device_call(request, m[1], lambda d: self._telemetry(d, request), "POST")
        if m := _C2D_ONE.match(path):
            if m[3] and method == "POST":
                return self._device_call(request, m[1], lambda d: self._settle(d, m[2], True))
            return self._device_call(
                request, m[1], lambda d: self._settle(d, m[2], False), "DELETE"
            )
        if m := _C2D.match(path):
            if method == "GET":
                return self._device_call(request, m[1], self._receive)
            if method == "POST":
                return self._service_call(
                    request, lambda: self._send_c2d(m[1], request), _SERVICE_CONNECT_POLICIES
                )
            return _error(405, "MethodNotAllowed", method)
        if m := _DEVICE.match(path):
            return self._service_call(request, lambda: self._device_rest(method, m[1], request))
        if path.rstrip("/") == "/devices" and method == "GET":
            return self._service_call(request, self._list_devices)
        if m := _TWIN.match(path):
            return self._service_call(request, lambda: self._twin_rest(method, m[1], request))
        return None

    def _service_call(self, request, action, policies=_REGISTRY_POLICIES) -> AzureResponse:
        """A service API call: a SAS of a policy allowed to make it; for cloud-to-device also an
        Entra bearer (a managed identity with IoT Hub Data Contributor; any well-formed bearer
        in the sandbox, which has no Entra ID)."""
        authorization = request.header("authorization")
        bearer_ok = policies is _SERVICE_CONNECT_POLICIES and _BEARER.match(authorization)
        if not bearer_ok:
            token = sas.parse(authorization)
            if token is None or token.policy not in policies:
                return _error(401, "IotHubUnauthorizedAccess", "a service SAS token is required")
            if not sas.verifies(token, [self.policy_keys[token.policy]]):
                return _error(401, "IotHubUnauthorizedAccess", "SAS token does not verify")
        with self._lock:
            return action()

    def _device_call(self, request, device_id: str, action, method: str | None = None):
        if method and request.method.upper() != method:
            return _error(405, "MethodNotAllowed", request.method)
        token = sas.parse(request.header("authorization"))
        with self._lock:
            device = self._devices.get(device_id)
            if device is None:
                return _error(404, "DeviceNotFound", device_id)
            keys = [device.primary_key, device.secondary_key]
            if (
                token is None
                or token.policy is not None
                or f"devices/{device_id}" not in token.resource
                or not sas.verifies(token, keys)
            ):
                return _error(401, "IotHubUnauthorizedAccess", "device SAS token required")
            if device.status != "enabled":
                return _error(401, "DeviceDisabled", device_id)
            result = action(device)
        if isinstance(result, tuple):  # routed outside the lock
            response, events = result
            self._route(events)
            return response
        return result

    # ---------------------------------------------------------------------- registry
    def _device_rest(self, method: str, device_id: str, request: AzureRequest) -> AzureResponse:
        device = self._devices.get(device_id)
        if method == "GET":
            if device is None:
                return _error(404, "DeviceNotFound", device_id)
            return AzureResponse.of_json(200, device.as_json())
        if method == "DELETE":
            if device is None:
                return _error(404, "DeviceNotFound", device_id)
            if not self._etag_matches(request, device):
                return _error(412, "PreconditionFailed", device_id)
            del self._devices[device_id]
            return AzureResponse(204)
        if method == "PUT":
            body = request.json() or {}
            keys = (body.get("authentication") or {}).get("symmetricKey") or {}
            if device is None:
                if request.header("if-match"):
                    return _error(404, "DeviceNotFound", device_id)
                device = _Device(
                    device_id, keys.get("primaryKey") or _key(), keys.get("secondaryKey") or _key()
                )
                self._devices[device_id] = device
            else:
                if not request.header("if-match"):
                    return _error(409, "DeviceAlreadyExists", device_id)
                if not self._etag_matches(request, device):
                    return _error(412, "PreconditionFailed", device_id)
                device.primary_key = keys.get("primaryKey") or device.primary_key
                device.secondary_key = keys.get("secondaryKey") or device.secondary_key
                device.version += 1
            device.status = body.get("status") or device.status
            return AzureResponse.of_json(200, device.as_json())
        return _error(405, "MethodNotAllowed", method)

    @staticmethod
    def _etag_matches(request: AzureRequest, device: _Device) -> bool:
        match = request.header("if-match", "*").strip('"')
        return match in ("*", "", device.etag)

    def _list_devices(self) -> AzureResponse:
        return AzureResponse.of_json(200, [d.as_json() for d in self._devices.values()])

    def _twin_rest(self, method: str, device_id: str, request: AzureRequest) -> AzureResponse:
        device = self._devices.get(device_id)
        if device is None:
            return _error(404, "DeviceNotFound", device_id)
        if method == "GET":
            return AzureResponse.of_json(200, device.twin())
        if method not in ("PATCH", "PUT"):
            return _error(405, "MethodNotAllowed", method)
        if not self._etag_matches(request, device):
            return _error(412, "PreconditionFailed", device_id)
        body = request.json() or {}
        desired = ((body.get("properties") or {}).get("desired")) or {}
        desired = {k: v for k, v in desired.items() if not k.startswith("$")}
        if method == "PUT":
            device.tags, device.desired = dict(body.get("tags") or {}), {}
        else:
            _merge(device.tags, body.get("tags") or {})
        _merge(device.desired, desired)
        device.desired_version += 1 if desired or method == "PUT" else 0
        device.version += 1
        return AzureResponse.of_json(200, device.twin())

    # ------------------------------------------------------------------ telemetry
    def _telemetry(self, device: _Device, request: AzureRequest):
        content_type = request.header("iothub-contenttype") or request.header("content-type")
        encoding = request.header("iothub-contentencoding") or "utf-8"
        properties = {
            k[len("iothub-app-") :]: v
            for k, v in request.headers.items()
            if k.startswith("iothub-app-")
        }
        body: object = base64.b64encode(request.body).decode()
        if "json" in (content_type or "") and encoding.lower() in ("utf-8", "utf8"):
            with contextlib.suppress(UnicodeDecodeError, ValueError):
                body = json.loads(request.body.decode("utf-8"))
        enqueued = self._clock()
        system = {
            "iothub-connection-device-id": device.device_id,
            "iothub-connection-auth-method": '{"scope":"device","type":"sas","issuer":"iothub"}',
            "iothub-connection-auth-generation-id": device.generation_id,
            "iothub-enqueuedtime": enqueued,
            "iothub-message-source": "Telemetry",
        }
        if content_type:
            system["iothub-content-type"] = content_type
        if encoding:
            system["iothub-content-encoding"] = encoding
        message_id = request.header("iothub-messageid")
        if message_id:
            system["message-id"] = message_id
        event = {
            "id": str(uuid.uuid4()),
            "topic": f"/SUBSCRIPTIONS/SANDBOX/RESOURCEGROUPS/SANDBOX/PROVIDERS/"
            f"MICROSOFT.DEVICES/IOTHUBS/{self.hub.upper()}",
            "subject": f"devices/{device.device_id}",
            "eventType": "Microsoft.Devices.DeviceTelemetry",
            "eventTime": enqueued,
            "data": {"properties": properties, "systemProperties": system, "body": body},
            "dataVersion": "",
            "metadataVersion": "1",
        }
        return AzureResponse(204), [event]

    def _route(self, events: list[dict]) -> None:
        self.routed += len(events)
        if self.bus is None or self.route_to is None:
            return
        app, function = self.route_to
        try:
            self.bus.deliver_event_grid(app, function, events)
        except Exception:  # IoT Hub accepted the message; routing failures are Event Grid's
            log.exception(
                "IoT Hub %s: delivering telemetry to %s/%s failed", self.hub, *self.route_to
            )

    # --------------------------------------------------------------- cloud to device
    def _send_c2d(self, device_id: str, request: AzureRequest) -> AzureResponse:
        device = self._devices.get(device_id)
        if device is None:
            return _error(404, "DeviceNotFound", device_id)
        device.c2d.append(
            {
                "messageId": request.header("iothub-messageid") or str(uuid.uuid4()),
                "body": request.body,
                "properties": {
                    k[len("iothub-app-") :]: v
                    for k, v in request.headers.items()
                    if k.startswith("iothub-app-")
                },
                "contentType": request.header("content-type"),
                "enqueuedTime": self._clock(),
            }
        )
        return AzureResponse(204)

    def _receive(self, device: _Device) -> AzureResponse:
        if not device.c2d:
            return AzureResponse(204)
        message = device.c2d.pop(0)
        lock = str(uuid.uuid4())
        device.locked[lock] = message
        headers = {
            "ETag": f'"{lock}"',
            "iothub-messageid": message["messageId"],
            "iothub-enqueuedtime": message["enqueuedTime"],
            "iothub-deliverycount": "1",
            **{f"iothub-app-{k}": v for k, v in message["properties"].items()},
        }
        if message["contentType"]:
            headers["Content-Type"] = message["contentType"]
        return AzureResponse(200, message["body"], headers)

    def _settle(self, device: _Device, etag: str, abandon: bool) -> AzureResponse:
        message = device.locked.pop(etag.strip('"'), None)
        if message is None:
            return _error(412, "DeviceMessageLockLost", etag)
        if abandon:
            device.c2d.insert(0, message)
        return AzureResponse(204)
