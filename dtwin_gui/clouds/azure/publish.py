"""The simulator's device side on Azure: telemetry into IoT Hub as each device, and the
device's cloud-to-device feedback.

Each device signs with its own SAS token, made from the device connection string the
``azure.iothub_devices`` step keeps 0600 in the deployment workspace. The sandbox reaches the
emulated hub over IoT Hub's HTTPS device API (``POST /devices/{id}/messages/events``, ``GET``
and ``DELETE`` on ``/devices/{id}/messages/deviceBound``): the SDK's MQTT port is fixed at 8883.
On a real hub the same REST device API works; MQTT with azure-iot-device is left for later.

:func:`publisher` is the plugin's ``publish`` part (the simulator, :mod:`dtwin_gui.deploy.
simulate`): the device of each message is the one its telemetry topic names.
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


# --- the ``publish`` part -------------------------------------------------------------------
def device_of(topic: str) -> str:
    """The device id of a telemetry topic (``dtwin/<twin>/<device>/telemetry``)."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "dtwin" or parts[3] != "telemetry" or not parts[2]:
        raise ValueError(f"{topic!r} is not a telemetry topic (dtwin/<twin>/<device>/telemetry)")
    return parts[2]


def publisher(connection, *, workspace=None):
    """The part ``publish``: ``publish(topic, body)`` sends ``body`` as the topic's device,
    over IoT Hub's HTTPS device API with the device's own SAS key (its connection string is in
    ``workspace``, the deployment's :class:`~dtwin_gui.deploy.workspace.DeploymentWorkspace`,
    where the ``azure.iothub_devices`` step wrote it). One client per device, made on its
    first message; safe to share between publishing threads."""
    import threading

    from dtwin_gui.deploy.simulate import SimulationError

    if workspace is None:
        raise SimulationError("publishing to Azure IoT Hub needs the deployment's workspace")
    folder = Path(getattr(workspace, "root", workspace))
    verify: str | bool = True
    if connection.is_sandbox:
        verify = getattr(connection, "ca_path", "") or True
    clients: dict[str, DeviceClient] = {}
    lock = threading.Lock()

    def client(device_id: str) -> DeviceClient:
        with lock:
            if device_id not in clients:
                path = connection_string_path(folder, device_id)
                if not path.is_file():
                    raise SimulationError(
                        f"device {device_id} has no IoT Hub identity in this deployment "
                        f"({path} is missing); deploy the twin first"
                    )
                clients[device_id] = device_client(connection, folder, device_id, verify)
            return clients[device_id]

    def publish(topic: str, body: bytes) -> None:
        try:
            device_id = device_of(topic)
        except ValueError as exc:
            raise SimulationError(str(exc)) from None
        device = client(device_id)
        try:
            device.send(body)
        except RuntimeError as exc:  # the hub's refusal, with its status and answer
            raise SimulationError(f"{exc}; deploy the twin again to renew its devices") from None
        except Exception as exc:  # the HTTPS API's or the MQTT client's failure
            raise SimulationError(
                f"IoT Hub at {device.host} did not take {device_id}'s message: {exc}; "
                "check that the twin is deployed and the hub reachable"
                + (" (dtwin sandbox status)" if connection.is_sandbox else "")
            ) from None

    return publish


def device_client(connection, folder: Path, device_id: str, verify: str | bool = True):
    """The device as it speaks to its hub: MQTT on a real IoT Hub (``azure-iot-device``),
    the HTTPS device API in the sandbox (the SDK's MQTT port cannot be pointed anywhere)."""
    if connection.is_sandbox:
        return DeviceClient.from_workspace(folder, device_id, verify)
    from dtwin_gui.clouds.azure.device_mqtt import MqttDevice

    return MqttDevice.from_workspace(folder, device_id)


def feedback_reader(connection, *, workspace=None):
    """The part ``feedback``: ``receive(device_id) -> [message bytes]``, the cloud-to-device
    messages waiting for a device (each completed once read), as the device receives them."""
    from dtwin_gui.deploy.simulate import SimulationError

    if workspace is None:
        raise SimulationError("reading a device's feedback needs the deployment's workspace")
    folder = Path(getattr(workspace, "root", workspace))
    verify = (getattr(connection, "ca_path", "") or True) if connection.is_sandbox else True
    devices: dict = {}

    def receive(device_id: str) -> list[bytes]:
        if device_id not in devices:
            if not connection_string_path(folder, device_id).is_file():
                raise SimulationError(f"device {device_id} has no IoT Hub identity here")
            devices[device_id] = device_client(connection, folder, device_id, verify)
        return devices[device_id].receive_feedback()

    return receive
