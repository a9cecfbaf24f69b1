"""The simulator's device side on Azure: telemetry into IoT Hub as each device, and the
device's cloud-to-device feedback.

Each device signs with its own SAS token, made from the device connection string the
``azure.iothub_devices`` step keeps 0600 in the deployment workspace. The sandbox reaches the
emulated hub over IoT Hub's HTTPS device API (``POST /devices/{id}/messages/events``, ``GET``
and ``DELETE`` on ``/devices/{id}/messages/deviceBound``): the SDK's MQTT port is fixed at 8883.
On a real hub the same REST device API works; MQTT with azure-iot-device is left for later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import requests

from dtwin_gui.clouds.azure.sdk.iothub_devices import connection_string_path

API_VERSION = "2021-04-12"


def sas_token(resource: str, key_b64: str, ttl: int = 3600) -> str:
    """``SharedAccessSignature sr=..&sig=..&se=..`` for ``resource`` (``host/devices/id``)."""
    raw = urllib.parse.quote(resource, safe="")
    expiry = int(time.time()) + ttl
    digest = hmac.new(base64.b64decode(key_b64), f"{raw}\n{expiry}".encode(), hashlib.sha256)
    sig = urllib.parse.quote(base64.b64encode(digest.digest()).decode(), safe="")
    return f"SharedAccessSignature sr={raw}&sig={sig}&se={expiry}"


def parse_connection_string(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.strip().split(";") if "=" in part)


@dataclass(frozen=True)
class DeviceClient:
    """One device speaking IoT Hub's HTTPS device API (``verify``: CA bundle path or bool)."""

    host: str  # HostName of the connection string (the sandbox's carries a path prefix)
    device_id: str
    key: str
    verify: str | bool = True

    @classmethod
    def from_workspace(cls, workspace: Path, device_id: str, verify: str | bool = True):
        parts = parse_connection_string(connection_string_path(workspace, device_id).read_text())
        return cls(parts["HostName"], parts["DeviceId"], parts["SharedAccessKey"], verify)

    def _url(self, path: str) -> str:
        return f"https://{self.host}/devices/{self.device_id}/{path}?api-version={API_VERSION}"

    def _auth(self) -> dict:
        token = sas_token(f"{self.host}/devices/{self.device_id}", self.key)
        return {"Authorization": token}

    def send(self, body: bytes | dict, properties: dict | None = None) -> None:
        """One telemetry message; raises on a refusal (the status and the hub's answer)."""
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        headers = {
            **self._auth(),
            "iothub-contenttype": "application/json",
            "iothub-contentencoding": "utf-8",
            **{f"iothub-app-{k}": str(v) for k, v in (properties or {}).items()},
        }
        answer = requests.post(
            self._url("messages/events"), data=data, headers=headers, verify=self.verify, timeout=10
        )
        if answer.status_code >= 300:
            raise RuntimeError(
                f"IoT Hub refused {self.device_id}: {answer.status_code} {answer.text}"
            )

    def receive_feedback(self) -> list[bytes]:
        """Every cloud-to-device message waiting for the device, each completed once read."""
        messages = []
        while True:
            answer = requests.get(
                self._url("messages/deviceBound"),
                headers=self._auth(),
                verify=self.verify,
                timeout=10,
            )
            if answer.status_code == 204 or (not answer.content and answer.status_code < 300):
                return messages
            answer.raise_for_status()
            messages.append(answer.content)
            etag = answer.headers.get("ETag", "").strip('"')
            requests.delete(
                self._url(f"messages/deviceBound/{etag}"),
                headers=self._auth(),
                verify=self.verify,
                timeout=10,
            )
