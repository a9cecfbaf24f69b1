"""SDK step azure.iothub_devices against the emulated IoT Hub (H4), until H3's gateway lands
served by the IoT Hub test's loopback HTTPS server."""

from __future__ import annotations

import importlib.util
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from dtwin_gui.clouds.azure.sandbox.iothub import IotHubEmulation
from dtwin_gui.clouds.azure.sdk.iothub_devices import IotHubDevicesStep, connection_string_path
from dtwin_gui.core.project import Device, Property

_spec = importlib.util.spec_from_file_location(
    "_iothub_serve", Path(__file__).parents[2] / "sandbox" / "azure" / "test_iothub.py"
)
_serve = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_serve)


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    from azure.iot.hub import IoTHubRegistryManager

    emulation = IotHubEmulation("hub-twin", bus=_serve._Bus(), route_to=("app", "dispatcher"))
    with _serve.serve_https(emulation.handle, tmp_path, monkeypatch) as host:
        devices = [
            Device("sensor-1", (Property("temperature", "double", 21.5),)),
            Device("sensor-2"),
        ]
        yield SimpleNamespace(
            project=SimpleNamespace(devices=devices),
            registry=IoTHubRegistryManager.from_connection_string(
                emulation.connection_string(host)
            ),
            hub_host=f"{host}{emulation.prefix}",
            workspace=tmp_path / "workspace",
        )


def test_devices_get_keys_kept_0600_and_the_twin_starts_from_init_values(ctx):
    step = IotHubDevicesStep()
    saved = step.ensure(ctx, {})
    assert saved["devices"] == ["sensor-1", "sensor-2"]
    path = connection_string_path(ctx.workspace, "sensor-1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "DeviceId=sensor-1;SharedAccessKey=" in path.read_text()
    twin = ctx.registry.get_twin("sensor-1")
    assert twin.properties.desired["temperature"] == 21.5
    assert [p.state for p in step.probe(ctx, saved)] == ["present", "present"]


def test_ensure_twice_changes_nothing_and_destroy_leaves_them_missing(ctx):
    step = IotHubDevicesStep()
    first = step.ensure(ctx, {})
    conn = connection_string_path(ctx.workspace, "sensor-1").read_text()
    assert step.ensure(ctx, first) == first
    assert connection_string_path(ctx.workspace, "sensor-1").read_text() == conn
    assert step.destroy(ctx, first) == []
    assert [p.state for p in step.probe(ctx, first)] == ["missing", "missing"]
    assert not connection_string_path(ctx.workspace, "sensor-1").exists()
    assert step.recorded(first) == [("iothub-device", "sensor-1"), ("iothub-device", "sensor-2")]
