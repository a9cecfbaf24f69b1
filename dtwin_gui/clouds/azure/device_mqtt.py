"""A device on a real IoT Hub over MQTT (``azure-iot-device``), as the devices themselves
connect: telemetry as device-to-cloud messages, feedback as cloud-to-device messages.

The SDK's MQTT port is fixed at 8883 (no emulator can take its place on loopback), so the
sandbox's devices use IoT Hub's HTTPS device API instead (:class:`~.publish.DeviceClient`);
both read the device's connection string the ``azure.iothub_devices`` step kept 0600 in the
deployment workspace. Same interface as :class:`~.publish.DeviceClient`: ``send(body)`` and
``receive_feedback()``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from dtwin_gui.clouds.azure.sdk.iothub_devices import connection_string_path

#: How long ``receive_feedback`` waits for a first message.
RECEIVE_WAIT_S = 1.0


class MqttDevice:
    def __init__(self, connection_string: str, device_id: str) -> None:
        from azure.iot.device import IoTHubDeviceClient

        self.device_id = device_id
        self.host = dict(p.split("=", 1) for p in connection_string.split(";") if "=" in p).get(
            "HostName", ""
        )
        self._client = IoTHubDeviceClient.create_from_connection_string(connection_string)
        self._lock = threading.Lock()
        self._connected = False

    @classmethod
    def from_workspace(cls, workspace: Path, device_id: str) -> MqttDevice:
        text = connection_string_path(workspace, device_id).read_text().strip()
        return cls(text, device_id)

    def _connect(self) -> None:
        with self._lock:
            if not self._connected:
                self._client.connect()
                self._connected = True

    def send(self, body: bytes | str) -> None:
        from azure.iot.device import Message

        self._connect()
        data = body.decode("utf-8") if isinstance(body, bytes) else body
        message = Message(data, content_encoding="utf-8", content_type="application/json")
        self._client.send_message(message)

    def receive_feedback(self) -> list[bytes]:
        """The cloud-to-device messages waiting (the first waited for up to a second)."""
        self._connect()
        out = []
        wait = RECEIVE_WAIT_S
        while (message := self._client.receive_message(timeout=wait)) is not None:
            data = message.data
            out.append(data if isinstance(data, bytes) else str(data).encode("utf-8"))
            wait = 0.1
        return out

    def close(self) -> None:
        with self._lock:
            if self._connected:
                self._client.shutdown()
                self._connected = False
