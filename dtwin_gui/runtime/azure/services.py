"""Calls between functions (HTTP), cloud-to-device feedback (IoT Hub REST) and twin updates
(Azure Digital Twins): the Invoker / FeedbackPublisher / twin-update ports on Azure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping

from dtwin_gui.runtime.core.records import RecordError

#: Record fields that identify a record; everything else is a twin property.
_KEY_FIELDS = frozenset({"device_id", "timestamp", "trace_id"})
IOT_API_VERSION = "2021-04-12"
IOT_HUB_SCOPE = "https://iothubs.azure.net/.default"


class InvocationFailed(RuntimeError):
    """The called function answered with an error status."""


def ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The default trust, plus ``ca_bundle`` (the sandbox gateway's self-signed CA)."""
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


def layer_env(layer: str) -> str:
    """``L3_hot`` -> ``L3_HOT``: the suffix of DTWIN_APP_URL_<LAYER>, DTWIN_FUNCTIONS_KEY_<..>."""
    return layer.upper().replace("-", "_")


class HttpInvoker:
    """Calls ``<app base URL>/api/<function>`` with the app's ``x-functions-key``.

    A target is ``<LAYER>/<function>`` or a plain function name: one of this app's own
    functions, else the only other app this app calls.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        layer: str,
        local_functions: frozenset[str] = frozenset(),
        timeout: float = 60.0,
    ) -> None:
        prefix = "DTWIN_APP_URL_"
        self.urls = {k[len(prefix) :]: v for k, v in environ.items() if k.startswith(prefix) and v}
        self.keys = {
            k[len("DTWIN_FUNCTIONS_KEY_") :]: v
            for k, v in environ.items()
            if k.startswith("DTWIN_FUNCTIONS_KEY_") and v
        }
        self.layer = layer_env(layer)
        self.local = local_functions
        self.timeout = timeout
        self.context = ssl_context(environ.get("DTWIN_CA_BUNDLE"))

    def url_for(self, target: str) -> tuple[str, str | None]:
        if "/" in target:
            layer, name = target.split("/", 1)
            layer = layer_env(layer)
        else:
            name = target
            others = sorted(set(self.urls) - {self.layer})
            if target in self.local or not others:
                layer = self.layer
            elif len(others) == 1:
                layer = others[0]
            else:
                raise InvocationFailed(
                    f"cannot tell which app holds {target!r}: name it as <LAYER>/{target}"
                )
        base = self.urls.get(layer)
        if not base:
            raise InvocationFailed(f"DTWIN_APP_URL_{layer} is not set: cannot call {name!r}")
        return f"{base.rstrip('/')}/api/{name}", self.keys.get(layer)

    def invoke(self, function: str, payload: dict, *, wait: bool = True) -> dict | None:
        # Azure has no fire-and-forget call between functions: ``wait=False`` still waits
        # for the HTTP answer (so a failure is retried by the caller's trigger), drops it.
        url, key = self.url_for(function)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["x-functions-key"] = key
        request = urllib.request.Request(
            url, data=json.dumps(payload).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as r:
                body = r.read()
        except urllib.error.HTTPError as exc:
            text = exc.read()[:300].decode("utf-8", "replace")
            raise InvocationFailed(f"{function} failed: HTTP {exc.code}: {text}") from None
        if not wait:
            return None
        return json.loads(body) if body else None


def sas_token(resource: str, key: str, policy: str | None, *, ttl: int = 3600, now=time.time):
    """An IoT Hub shared access signature for ``resource`` (host[/path])."""
    expiry = int(now()) + ttl
    uri = urllib.parse.quote(resource.lower(), safe="")
    digest = hmac.new(base64.b64decode(key), f"{uri}\n{expiry}".encode(), hashlib.sha256)
    sig = urllib.parse.quote(base64.b64encode(digest.digest()).decode(), safe="")
    token = f"SharedAccessSignature sr={uri}&sig={sig}&se={expiry}"
    return f"{token}&skn={policy}" if policy else token


class IotHubFeedbackPublisher:
    """Sends feedback as a cloud-to-device message over IoT Hub's service REST API.

    ``endpoint`` is the hub host (``<hub>.azure-devices.net``) or a base URL (the sandbox's
    ``https://127.0.0.1:PORT/iothub/<hub>``).
    """

    def __init__(
        self,
        endpoint: str,
        key: str | None,
        *,
        credential=None,
        policy: str | None = "service",
        ca_bundle: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base = endpoint.rstrip("/") if "://" in endpoint else f"https://{endpoint}"
        self.key = key
        self.credential = credential
        self.policy = policy
        self.context = ssl_context(ca_bundle)
        self.timeout = timeout

    def authorization(self) -> str:
        """A SAS token from the policy key, else an Entra ID token (IoT Hub Data Contributor
        of the app's managed identity)."""
        if self.key:
            resource = urllib.parse.urlsplit(self.base)
            return sas_token(resource.netloc + resource.path, self.key, self.policy)
        return "Bearer " + self.credential.get_token(IOT_HUB_SCOPE).token

    def url(self, device_id: str) -> str:
        device = urllib.parse.quote(device_id, safe="")
        return f"{self.base}/devices/{device}/messages/deviceBound?api-version={IOT_API_VERSION}"

    def publish(self, device_id: str, message: dict) -> None:
        token = self.authorization()
        request = urllib.request.Request(
            self.url(device_id),
            data=json.dumps(message).encode(),
            headers={
                "Authorization": token,
                "Content-Type": "application/json",
                "iothub-to": f"/devices/{device_id}/messages/deviceBound",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as r:
            r.read()


def twin_patch(record: dict, names: frozenset[str] | None = None) -> list[dict]:
    """The JSON patch that sets a twin's properties to the record's values (only ``names``,
    the properties the device declares, when given: the twin's model has no others)."""
    if not isinstance(record.get("device_id"), str):
        raise RecordError("a twin update needs the record's device_id")
    return [
        {"op": "add", "path": f"/{name}", "value": value}
        for name, value in sorted(record.items())
        if name not in _KEY_FIELDS and value is not None and (names is None or name in names)
    ]


def _source_time(twin: dict, name: str):
    from dtwin_gui.runtime.core.records import parse_timestamp

    moment = ((twin.get("$metadata") or {}).get(name) or {}).get("sourceTime")
    try:
        return parse_timestamp(moment) if moment else None
    except (TypeError, ValueError):
        return None


class _StaticToken:
    """A bearer token from the environment (the sandbox's ADT emulation has no Entra ID)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + 3600)


class AdtTwinUpdater:
    """Updates the device's twin in Azure Digital Twins (twin id = device id).

    Event Grid delivers telemetry in no particular order and several instances update
    twins at once, so the newest record wins: each property carries the record's time as its
    ``$metadata.<property>.sourceTime``; a property whose twin value is newer is left, and the
    patch is conditional on the twin's ETag (a concurrent update: read again, retry).
    ``properties`` maps each device to the properties it declares (the baked config's
    ``devices``): only those are written, as the twin's model has no others.
    """

    ATTEMPTS = 8

    def __init__(self, client, properties: Mapping[str, Mapping] | None = None) -> None:
        self.client = client
        self.properties = properties

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], properties: Mapping[str, Mapping] | None = None
    ) -> AdtTwinUpdater:
        from azure.digitaltwins.core import DigitalTwinsClient

        token = environ.get("DTWIN_AZURE_STATIC_TOKEN")
        if token:
            credential = _StaticToken(token)
        else:
            from azure.identity import DefaultAzureCredential  # managed identity on Azure

            credential = DefaultAzureCredential()
        options = {}
        if environ.get("DTWIN_CA_BUNDLE"):
            options["connection_verify"] = environ["DTWIN_CA_BUNDLE"]
        client = DigitalTwinsClient(environ["DTWIN_ADT_URL"], credential, **options)
        return cls(client, properties)

    def put(self, record: dict) -> None:
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceModifiedError

        from dtwin_gui.runtime.core.records import parse_timestamp

        device = record.get("device_id")
        declared = None
        if self.properties is not None and isinstance(device, str):
            declared = frozenset(self.properties.get(device) or ())
        patch = twin_patch(record, declared)
        if not patch:
            return
        when = record.get("timestamp")
        moment = parse_timestamp(when)
        for _ in range(self.ATTEMPTS):
            twin = self.client.get_digital_twin(device)
            ops = []
            for op in patch:
                name = op["path"][1:]
                seen = _source_time(twin, name)
                if seen is None or seen <= moment:
                    ops += [
                        op,
                        {"op": "add", "path": f"/$metadata/{name}/sourceTime", "value": when},
                    ]
            if not ops:
                return  # the twin holds newer values of every property
            try:
                self.client.update_digital_twin(
                    device, ops, etag=twin["$etag"], match_condition=MatchConditions.IfNotModified
                )
                return
            except ResourceModifiedError:
                continue  # another update came first: read the twin again
        raise RuntimeError(f"twin {device}: {self.ATTEMPTS} concurrent updates in a row")

    update = put
