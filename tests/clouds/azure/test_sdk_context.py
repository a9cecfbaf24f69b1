"""The Azure SDK phase over the sandbox: make_context reads the provision record, the steps
make IoT Hub devices, the Digital Twins graph and Grafana's data source and dashboard on the
emulations (served over loopback HTTPS), converge, are probed and are destroyed."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import edit_json

from dtwin_gui.clouds.azure.connection import sandbox_connection
from dtwin_gui.clouds.azure.intent import azure_intent
from dtwin_gui.clouds.azure.provision import SANDBOX_SUFFIX
from dtwin_gui.clouds.azure.sandbox.digital_twins import DigitalTwinsEmulation
from dtwin_gui.clouds.azure.sandbox.grafana import GrafanaEmulation
from dtwin_gui.clouds.azure.sandbox.iothub import IotHubEmulation
from dtwin_gui.clouds.azure.sdk.context import AzureSdkError, make_context
from dtwin_gui.clouds.azure.sdk.iothub_devices import connection_string_path
from dtwin_gui.clouds.azure.sdk.steps import azure_steps
from dtwin_gui.core.project import load_project
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.provision_phase import save_state
from dtwin_gui.deploy.sdk_phase import destroy_steps, probe_steps, run_steps
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from tests.sandbox.azure.test_iothub import _Bus, serve_https

ALL_AZURE = {
    "layer_1_provider": "azure",
    "layer_2_provider": "azure",
    "layer_3_hot_provider": "azure",
    "layer_3_cold_provider": "azure",
    "layer_3_archive_provider": "azure",
    "layer_4_provider": "azure",
    "layer_5_provider": "azure",
}


@dataclass
class Sandbox:
    """The served emulations, and what a deploy's provision phase would have recorded."""

    host: str
    iothub: IotHubEmulation
    adt: DigitalTwinsEmulation
    grafana: GrafanaEmulation
    ca: Path
    connection: object

    def record(self, project, topology, **changes) -> dict:
        intent = azure_intent(
            project, topology, suffix=SANDBOX_SUFFIX, app_url=lambda a: f"https://{self.host}/{a}"
        )
        record = {
            "resource_group": intent.resource_group,
            "functions_keys": {a.layer: f"key-{a.layer}" for a in intent.function_apps},
            "function_apps": [a.name for a in intent.function_apps],
            "iothub": {
                "name": self.iothub.hub,
                "host": f"{self.host}{self.iothub.prefix}",
                "connection_string": self.iothub.connection_string(self.host),
            },
            "digital_twins": {"name": self.adt.instance, "url": self.adt.endpoint(self.host)},
            "grafana": {"name": self.grafana.name, "url": self.grafana.endpoint(self.host)},
            "ca": str(self.ca),
        }
        record.update(changes)
        return {k: v for k, v in record.items() if v is not None}


@contextlib.contextmanager
def served_sandbox(tmp_path, monkeypatch):
    """IoT Hub, Digital Twins and Grafana emulations behind one loopback HTTPS server. The
    process-wide CA bundle is unset again: the context must trust the record's ``ca``."""
    hub = IotHubEmulation("hub-twin", bus=_Bus(), route_to=("app", "dispatcher"))
    adt = DigitalTwinsEmulation("adt-twin")
    grafana = GrafanaEmulation("grafana-twin")
    by_prefix = [(e.prefix, e.handle) for e in (hub, adt, grafana)]

    def handle(request):
        for prefix, serve in by_prefix:
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return serve(request)
        return None

    certs = tmp_path / "tls"
    certs.mkdir()
    with serve_https(handle, certs, monkeypatch) as host:
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
        connection = sandbox_connection(
            {"azure": f"https://{host}", "azure_ca": str(certs / "cert.pem")}
        )
        yield Sandbox(host, hub, adt, grafana, certs / "cert.pem", connection)


def azure_project(project_dir: Path, providers: dict | None = None):
    edit_json(project_dir / "config_providers.json", lambda d: d.update(providers or ALL_AZURE))
    loaded = load_project(project_dir)
    return loaded, topology_for_project(loaded)


def context_for(sandbox: Sandbox, project, topology, workspace, record=None, events=None):
    save_state(workspace, {"azure": record or sandbox.record(project, topology)})
    sink = events.append if events is not None else None
    return make_context(project, topology, sandbox.connection, workspace, {}, sink)


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    with served_sandbox(tmp_path, monkeypatch) as served:
        yield served


def test_deploy_twice_probe_and_destroy_leave_the_emulations_empty(sandbox, project):
    loaded, topology = azure_project(project)
    workspace = DeploymentWorkspace(project, "sandbox")
    events: list = []
    ctx = context_for(sandbox, loaded, topology, workspace, events=events)
    steps = azure_steps(topology)

    run_steps(ctx, steps)
    devices = [d.id for d in loaded.devices]
    assert sorted(d.device_id for d in ctx.registry.get_devices()) == sorted(devices)
    conn = connection_string_path(workspace.root, devices[0]).read_text()
    assert f"HostName={sandbox.host}/iothub/hub-twin;DeviceId={devices[0]};" in conn
    hierarchy = json.loads((project / "twin_hierarchy" / "azure_hierarchy.json").read_text())
    assert sandbox.adt.summary()["twins"] == len(hierarchy["twins"])
    assert sandbox.adt.summary()["models"] == len(hierarchy["models"])
    assert len(sandbox.grafana._datasources) == 1 and len(sandbox.grafana._dashboards) == 1
    first = workspace.read_json(workspace.sdk_state_file, None)
    assert set(first["steps"]) == {"azure.iothub_devices", "azure.digital_twins", "azure.grafana"}

    events.clear()
    run_steps(ctx, steps)  # the second deploy changes nothing
    assert workspace.read_json(workspace.sdk_state_file, None) == first
    assert connection_string_path(workspace.root, devices[0]).read_text() == conn
    assert {e.state for e in events if getattr(e, "type", "") == "resource"} == {"unchanged"}
    assert sandbox.adt.summary()["twins"] == len(hierarchy["twins"])

    probes = probe_steps(ctx, steps)
    assert {p.step_id for p in probes} == {
        "azure.iothub_devices",
        "azure.digital_twins",
        "azure.grafana",
    }
    assert {p.state for p in probes} == {"present"}, [p for p in probes if p.state != "present"]

    assert destroy_steps(ctx, steps) == []
    assert sandbox.iothub.summary()["devices"] == 0
    assert sandbox.adt.summary() == {"models": 0, "twins": 0, "relationships": 0}
    assert sandbox.grafana._datasources == {} and sandbox.grafana._dashboards == {}
    assert not workspace.sdk_state_file.exists()
    assert not connection_string_path(workspace.root, devices[0]).exists()
    assert {p.state for p in probe_steps(ctx, steps)} <= {"missing"}


@pytest.mark.parametrize(
    ("left_out", "layer", "step"),
    [("iothub", "L1", "azure.iothub_devices"), ("grafana", "L5", "azure.grafana")],
)
def test_a_service_missing_from_the_record_names_the_layer(sandbox, project, left_out, layer, step):
    loaded, topology = azure_project(project)
    workspace = DeploymentWorkspace(project, "sandbox")
    record = {k: v for k, v in sandbox.record(loaded, topology).items() if k != left_out}
    ctx = context_for(sandbox, loaded, topology, workspace, record)
    with pytest.raises(AzureSdkError, match=f"{layer} is not provisioned on the sandbox"):
        run_steps(ctx, azure_steps(topology))
    failed = next(p for p in probe_steps(ctx, azure_steps(topology)) if p.step_id == step)
    assert failed.state in ("error", "missing") and "not provisioned" in failed.detail
    # what the steps before the failing one made is recorded, so a destroy finds it
    saved = workspace.read_json(workspace.sdk_state_file, {}).get("steps", {})
    assert ("azure.iothub_devices" in saved) is (left_out != "iothub")
    assert sandbox.iothub.summary()["devices"] == (0 if left_out == "iothub" else 3)


def test_only_the_layers_on_azure_are_touched(sandbox, project):
    providers = {**ALL_AZURE, "layer_1_provider": "aws", "layer_5_provider": "aws"}
    loaded, topology = azure_project(project, providers)
    workspace = DeploymentWorkspace(project, "sandbox")
    # the provisioner made no hub and no Grafana for this topology
    record = sandbox.record(loaded, topology, iothub=None, grafana=None)
    ctx = context_for(sandbox, loaded, topology, workspace, record)
    run_steps(ctx, azure_steps(topology))
    assert sandbox.iothub.summary()["devices"] == 0
    assert sandbox.grafana._datasources == {}
    assert sandbox.adt.summary()["twins"] > 0
    saved = workspace.read_json(workspace.sdk_state_file, None)["steps"]
    assert set(saved) == {"azure.digital_twins"}
    assert {p.step_id for p in probe_steps(ctx, azure_steps(topology))} == {"azure.digital_twins"}
