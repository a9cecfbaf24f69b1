"""The simulator's Azure device side against the emulated IoT Hub: telemetry as each device,
cloud-to-device feedback read back."""

from __future__ import annotations

import json

import pytest
import requests

from dtwin_gui.clouds.azure.publish import DeviceClient
from dtwin_gui.clouds.azure.sandbox import iothub_sas
from dtwin_gui.clouds.azure.sandbox.iothub import IotHubEmulation
from dtwin_gui.clouds.azure.sdk.iothub_devices import IotHubDevicesStep

from .test_iothub_devices_step import _serve  # loopback HTTPS server of the IoT Hub test


@pytest.fixture
def hub(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from azure.iot.hub import IoTHubRegistryManager

    from dtwin_gui.core.project import Device

    bus = _serve._Bus()
    emulation = IotHubEmulation("hub-twin", bus=bus, route_to=("app-l1", "dispatcher"))
    with _serve.serve_https(emulation.handle, tmp_path, monkeypatch) as host:
        ctx = SimpleNamespace(
            project=SimpleNamespace(devices=[Device("sensor-1"), Device("sensor-2")]),
            registry=IoTHubRegistryManager.from_connection_string(
                emulation.connection_string(host)
            ),
            hub_host=f"{host}{emulation.prefix}",
            workspace=tmp_path / "workspace",
        )
        IotHubDevicesStep().ensure(ctx, {})
        yield emulation, host, bus, ctx


def test_each_device_sends_as_itself_and_reaches_the_dispatcher(hub):
    _emulation, _host, bus, ctx = hub
    device = DeviceClient.from_workspace(ctx.workspace, "sensor-1")
    device.send({"device_id": "sensor-1", "temperature": 20.0}, {"kind": "reading"})
    ((app, function, (event,)),) = bus.delivered
    assert (app, function) == ("app-l1", "dispatcher")
    assert event["data"]["systemProperties"]["iothub-connection-device-id"] == "sensor-1"
    assert event["data"]["body"] == {"device_id": "sensor-1", "temperature": 20.0}
    other = DeviceClient.from_workspace(ctx.workspace, "sensor-2")
    forged = DeviceClient(device.host, "sensor-1", other.key)
    with pytest.raises(RuntimeError, match="401"):
        forged.send({"x": 1})


def test_cloud_to_device_feedback_is_read_once(hub):
    emulation, _host, _bus, ctx = hub
    service = iothub_sas.make(ctx.hub_host, emulation.owner_key, "iothubowner")
    url = f"https://{ctx.hub_host}/devices/sensor-1/messages/deviceBound?api-version=2021-04-12"
    sent = requests.post(url, data=json.dumps({"alarm": True}), headers={"Authorization": service})
    assert sent.status_code < 300
    device = DeviceClient.from_workspace(ctx.workspace, "sensor-1")
    assert [json.loads(m) for m in device.receive_feedback()] == [{"alarm": True}]
    assert device.receive_feedback() == []
