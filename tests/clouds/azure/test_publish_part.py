"""The Azure ``publish`` part: the simulator sends each message as the device its topic names,
through the sandbox's IoT Hub, and the twin's pipeline (dispatcher, processor, persister on
the Functions host) puts it in the hot store, where ``dtwin query`` reads it back."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from azure.iot.hub import IoTHubRegistryManager

from dtwin_gui.clouds.azure.connection import sandbox_connection
from dtwin_gui.clouds.azure.publish import publisher
from dtwin_gui.clouds.azure.sdk.iothub_devices import IotHubDevicesStep, connection_string_path
from dtwin_gui.core.project import load_project
from dtwin_gui.deploy.build_phase import build_connected
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.provision_phase import load_state, run_provision
from dtwin_gui.deploy.query import query_hot
from dtwin_gui.deploy.simulate import SimulationError, simulate, telemetry_topic


@pytest.fixture
def deployed(project, azure_emulator):
    """An all-Azure twin provisioned on the azure_emulator, its devices made on the IoT Hub."""
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    config.update({k: "azure" for k in config if k.endswith("_provider")})
    path.write_text(json.dumps(config))
    deployment = Deployment(project, sandbox_connection(azure_emulator.endpoints))
    run_provision(deployment, list(build_connected(deployment)), {})
    hub = load_state(deployment.workspace)["azure"]["iothub"]
    registry = IoTHubRegistryManager.from_connection_string(hub["connection_string"])
    registry.protocol.config.connection.verify = deployment.connections["azure"].ca_path
    ctx = SimpleNamespace(
        project=load_project(project),
        registry=registry,
        hub_host=hub["host"],
        workspace=deployment.workspace.root,
    )
    IotHubDevicesStep().ensure(ctx, {})
    return deployment, ctx


def test_simulated_telemetry_reaches_the_hot_store_through_iot_hub(
    project, azure_emulator, deployed
):
    deployment, _ = deployed
    connection = deployment.connections["azure"]
    sent = simulate(project, connection, count=4).sent
    assert azure_emulator.details["control"].bus.drain(30)
    records = query_hot(project, connection, limit=10).records
    assert sorted(r["trace_id"] for r in records) == sorted(s.trace_id for s in sent)
    by_trace = {r["trace_id"]: r for r in records}
    first = by_trace[sent[0].trace_id]
    assert first["device_id"] == sent[0].device_id == "temperature-sensor-1"
    assert "temperature_f" in first  # the processor on Azure ran
    assert azure_emulator.details["control"].bus.dropped == 0


def test_a_device_without_an_identity_or_a_revoked_one_is_refused_by_name(project, deployed):
    deployment, ctx = deployed
    twin = load_project(project).twin_name
    publish = publisher(deployment.connections["azure"], workspace=deployment.workspace)
    with pytest.raises(SimulationError, match=r"device ghost has no IoT Hub identity.*deploy"):
        publish(telemetry_topic(twin, "ghost"), b"{}")
    with pytest.raises(SimulationError, match="is not a telemetry topic"):
        publish("somewhere/else", b"{}")
    # The hub no longer knows the device (deleted in the portal): its refusal is reported.
    device = "temperature-sensor-2"
    publish(telemetry_topic(twin, device), b'{"device_id": "temperature-sensor-2"}')
    ctx.registry.delete_device(device)
    with pytest.raises(SimulationError, match=f"IoT Hub refused {device}: 40"):
        publish(telemetry_topic(twin, device), b'{"device_id": "temperature-sensor-2"}')
    assert connection_string_path(deployment.workspace.root, device).exists()
