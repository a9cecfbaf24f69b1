"""An all-Azure twin (L1–L5) on the sandbox, through the PROVISIONED path, on the real
emulators (Azurite, cosmosdb-server) and the sandbox's Functions host, IoT Hub, Digital
Twins and Grafana emulations: one deployment shared by the file's tests, in order.

Telemetry goes in as each device over IoT Hub's HTTPS device API, lands in Cosmos with the
contract's keys, comes back through the hot reader (`dtwin query`), fires the event rule
whose feedback reaches the device's cloud-to-device queue, updates the Digital Twins, and
ages through Blob Cool and Archive; a redeploy changes nothing; destroy leaves nothing.
"""

from __future__ import annotations

import json
import stat

import pytest

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections
from dtwin_gui.core.providers import Cloud
from tests.helpers import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    ),
]
LAYERS = ("L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5")
TWIN = "factory-twin"


@pytest.fixture(scope="module")
def emulators(tmp_path_factory):
    """The sandbox's Azure emulator as `dtwin sandbox up` starts it."""
    from dtwin_gui.clouds.azure.sandbox.spec import start

    handle = start(tmp_path_factory.mktemp("azure-emulators"))
    yield dict(handle.endpoints)
    handle.stop()


def all_on(project, cloud: str, **layers: str) -> None:
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    for key in config:
        if key.endswith("_provider"):
            config[key] = layers.get(key.removesuffix("_provider"), cloud)
    path.write_text(json.dumps(config, indent=2))


@pytest.fixture(scope="module")
def deployed(emulators, tmp_path_factory):
    import shutil

    from dtwin_gui.deploy.orchestrator import Deployment
    from tests.conftest import PER_TEST_DIRS, TEMPLATE

    project = tmp_path_factory.mktemp("azure-twin") / "project"
    shutil.copytree(TEMPLATE, project)
    all_on(project, "azure")
    patch = pytest.MonkeyPatch()
    data = tmp_path_factory.mktemp("azure-twin-data")
    for name, rel in PER_TEST_DIRS.items():  # one workspace for the file's tests
        patch.setenv(name, str(data / rel))
    connections = Connections.wrap(plugin(Cloud.AZURE).sandbox_connection(emulators, ""))
    first = Deployment(project, connections).deploy()
    yield project, connections, first, {n: str(data / r) for n, r in PER_TEST_DIRS.items()}
    patch.undo()


@pytest.fixture(autouse=True)
def _same_workspace(request, monkeypatch):
    """The shared deployment's data folders, over the per-test ones conftest sets."""
    if "deployed" in request.fixturenames:
        for name, value in request.getfixturevalue("deployed")[3].items():
            monkeypatch.setenv(name, value)


def _azure(connections):
    return connections[Cloud.AZURE]


def _hot(connections):
    from dtwin_gui.clouds.azure.provision import _cosmos

    database = _cosmos(_azure(connections)).get_database_client(TWIN)
    return database.get_container_client("hot")


def _blob(connections):
    from dtwin_gui.clouds.azure.provision import _blob_service

    return _blob_service(_azure(connections))


def _control(connections):
    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

    return SandboxAzure(_azure(connections))


def _workspace(project):
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    return DeploymentWorkspace(project, "sandbox")


def _record(project):
    from dtwin_gui.deploy.provision_phase import load_state

    return load_state(_workspace(project))["azure"]


def test_all_azure_twin_deploys_without_terraform_and_every_layer_is_live(deployed):
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.provision_phase import state_path

    project, connections, result, _ = deployed
    assert result.status == "succeeded", (result.message, result.log_path.read_text()[-3000:])
    log = result.log_path.read_text()
    assert "no Terraform root: azure is provisioned on the sandbox's emulators" in log
    assert {"init", "plan", "apply"} <= set(result.skipped)
    report = Deployment(project, connections).status()
    states = {layer: report.layers[layer].state for layer in LAYERS}
    assert states == dict.fromkeys(LAYERS, "deployed"), {
        k: report.layers[k].missing for k in LAYERS
    }
    container = _hot(connections).read()
    assert container["partitionKey"]["paths"] == ["/device_id"]
    assert container["defaultTtl"] == 60 * 24 * 3600  # twice the 30 hot days
    names = {c.name for c in _blob(connections).list_containers()}
    assert {f"{TWIN}-cold", f"{TWIN}-archive"} <= names
    apps = _control(connections).resources()["apps"]
    assert {a["layer"] for a in apps.values()} == {"L1", "L2", "L3_hot", "L3_cold", "L4"}
    assert {a["state"] for a in apps.values()} == {"running"}
    record = state_path(_workspace(project))
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    # the Deploy page's tree and the sidebar see every provisioned layer, not only L5's SDK
    events = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    provisioned = {
        e["layer"] for e in events if e.get("type") == "resource" and e.get("source") == "provision"
    }
    assert provisioned == {"L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5"}
    from dtwin_gui.deploy.review import destroy_preview

    preview = destroy_preview(_workspace(project)).layers
    assert set(LAYERS) <= set(preview), sorted(preview)


def test_device_identities_are_kept_0600_in_the_workspace_never_in_the_project(deployed):
    from dtwin_gui.clouds.azure.sdk.iothub_devices import connection_string_path

    project, connections, _, _ = deployed
    workspace = _workspace(project)
    hub = _record(project)["iothub"]["name"]
    devices = _control(connections).resources()["iothubs"][hub]["devices"]
    assert devices == 3
    for device in ("temperature-sensor-1", "temperature-sensor-2", "pressure-sensor-1"):
        path = connection_string_path(workspace.root, device)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert f"DeviceId={device};SharedAccessKey=" in path.read_text()
    leaked = [p for p in project.rglob("*") if p.is_file() and "SharedAccessKey" in _text(p)]
    assert leaked == []


def _text(path) -> str:
    try:
        return path.read_text(errors="ignore")
    except OSError:
        return ""


@pytest.fixture(scope="module")
def telemetry(deployed):
    """The simulator's messages, sent once through IoT Hub as each device."""
    from dtwin_gui.deploy.simulate import simulate

    project, connections, _, _ = deployed
    sent = simulate(project, connections)
    hot = _hot(connections)
    wait_for(
        lambda: (
            len(list(hot.query_items("SELECT c.id FROM c", enable_cross_partition_query=True)))
            >= len(sent.sent)
        )
    )
    return sent


def test_telemetry_lands_in_cosmos_with_the_contract_keys(deployed, telemetry):
    _, connections, _, _ = deployed
    items = list(
        _hot(connections).query_items("SELECT * FROM c", enable_cross_partition_query=True)
    )
    assert {(i["device_id"], i["timestamp"]) for i in items} == {
        (s.device_id, s.timestamp) for s in telemetry.sent
    }
    assert all(i["id"] == i["timestamp"] for i in items)  # id = timestamp, partition device_id
    assert {s.device_id for s in telemetry.sent} == {
        "temperature-sensor-1",
        "temperature-sensor-2",
        "pressure-sensor-1",
    }


def test_query_reads_the_records_back_through_the_hot_reader(deployed, telemetry):
    from dtwin_gui.deploy.query import query_hot

    project, connections, _, _ = deployed
    queried = query_hot(project, connections)
    assert [(r["device_id"], r["timestamp"]) for r in queried.records] == sorted(
        ((s.device_id, s.timestamp) for s in telemetry.sent), key=lambda k: k[1], reverse=True
    )
    assert "hot-reader" in queried.source.reader


def test_the_event_rule_fires_and_its_feedback_reaches_the_device(deployed, telemetry):
    from dtwin_gui.clouds.azure.publish import DeviceClient

    project, connections, _, _ = deployed
    hub = _record(project)["iothub"]["name"]
    control = _control(connections)
    queued = wait_for(lambda: control.pending_c2d(hub, "temperature-sensor-1"))
    assert len(queued) == 1
    assert control.pending_c2d(hub, "temperature-sensor-2") == []  # its values stay below
    # the simulator's devices listen (`dtwin simulate --listen`): the feedback, taken once
    from dtwin_gui.deploy.simulate import listen

    devices = ["temperature-sensor-1", "temperature-sensor-2"]
    [heard] = listen(project, connections, devices, 1.0)
    assert heard.device_id == "temperature-sensor-1"
    assert isinstance(heard.payload(), dict) and heard.payload()  # as the device reads it
    device = DeviceClient.from_workspace(
        _workspace(project).root, "temperature-sensor-1", _azure(connections).ca_path
    )
    assert device.receive_feedback() == []  # completed once read
    assert control.pending_c2d(hub, "temperature-sensor-1") == []


def test_a_traced_test_message_goes_through_every_azure_layer(deployed, telemetry):
    """The Status page's "Test telemetry": one message as a device through IoT Hub, found
    by its trace id through the hot reader."""
    from dtwin_gui.deploy.cloud_parts import trace_telemetry

    project_root, connections, _, _ = deployed
    from dtwin_gui.core.project import load_project

    result = trace_telemetry(load_project(project_root), connections, {}, timeout_s=30)
    states = {h.layer: h.state for h in result.hops}
    assert states == {
        "L1": "ok",
        "L2": "ok",
        "L3_hot": "ok",
        "L4": "ok",
        "L3_cold": "skipped",
        "L3_archive": "skipped",
    }, [(h.layer, h.detail) for h in result.hops]
    assert "hot-reader" in result.hops[3].detail


def test_digital_twins_carry_the_latest_values(deployed, telemetry):
    from azure.digitaltwins.core import DigitalTwinsClient

    project, connections, _, _ = deployed
    azure = _azure(connections)
    adt = DigitalTwinsClient(
        _record(project)["digital_twins"]["url"],
        azure.credential(),
        connection_verify=azure.ca_path,
    )
    latest = {}
    records = _hot(connections).query_items("SELECT * FROM c", enable_cross_partition_query=True)
    for r in sorted(records, key=lambda r: r["timestamp"]):
        latest.setdefault(r["device_id"], {}).update(
            {k: v for k, v in r.items() if isinstance(v, int | float) and not k.startswith("_")}
        )

    def current():
        twins = {t["$dtId"]: t for t in adt.query_twins("SELECT * FROM digitaltwins")}
        updated = {d for d in latest if any(k in twins.get(d, {}) for k in latest[d])}
        return twins if updated == set(latest) else None

    twins = wait_for(current)
    for device, values in latest.items():
        shared = {k for k in values if k in twins[device]}
        assert shared, (device, twins[device])
        for name in shared:
            assert twins[device][name] == pytest.approx(values[name]), (device, name)


def test_grafana_has_the_hot_reader_datasource_and_the_dashboard(deployed):
    import requests

    project, connections, _, _ = deployed
    azure = _azure(connections)
    url = _record(project)["grafana"]["url"]
    headers = {"Authorization": "Bearer " + azure.credential().get_token("grafana").token}
    sources = requests.get(f"{url}/api/datasources", headers=headers, verify=azure.ca_path)
    assert sources.status_code == 200 and len(sources.json()) == 1
    found = requests.get(
        f"{url}/api/search", params={"type": "dash-db"}, headers=headers, verify=azure.ca_path
    )
    assert len(found.json()) == 1


def test_movers_take_aged_records_to_cool_then_archive_once_after_a_crash(deployed, telemetry):
    """The hot→cold mover crashed after writing a device-day's chunk and before deleting the
    records (the chunk is in Cool, the records still in Cosmos): the next run writes the same
    key again and deletes, so Cool holds every record exactly once; then Archive."""
    from dtwin_gui.runtime.azure.stores import BlobObjectStore
    from dtwin_gui.runtime.core.objects import decode_chunk

    _, connections, _, _ = deployed
    hot, blob, control = _hot(connections), _blob(connections), _control(connections)
    cold = BlobObjectStore(blob.get_container_client(f"{TWIN}-cold"), tier="Cool")
    archive = BlobObjectStore(blob.get_container_client(f"{TWIN}-archive"), tier="Archive")
    records = list(hot.query_items("SELECT * FROM c", enable_cross_partition_query=True))

    control.advance_clock(days=31)  # past the 30 hot days: the mover runs
    assert list(hot.query_items("SELECT c.id FROM c", enable_cross_partition_query=True)) == []
    keys = [o.key for o in cold.list()]
    assert len(keys) == 3  # one chunk per device and day
    moved = sorted(
        (r["device_id"], r["timestamp"]) for k in keys for r in decode_chunk(cold.get(k))
    )
    assert moved == sorted((r["device_id"], r["timestamp"]) for r in records)
    assert {cold.tier_of(k) for k in keys} == {"Cool"}

    # the crash: a chunk written again and its records back in the hot store, undeleted
    first = decode_chunk(cold.get(keys[0]))
    for r in first:
        hot.upsert_item({**r, "id": r["timestamp"]})
    control.advance_clock(hours=1)
    again = sorted(
        (r["device_id"], r["timestamp"]) for k in keys for r in decode_chunk(cold.get(k))
    )
    assert again == moved  # no duplicates, nothing lost
    assert list(hot.query_items("SELECT c.id FROM c", enable_cross_partition_query=True)) == []

    control.advance_clock(days=91)  # past the cold days: to the archive
    assert cold.list() == []
    assert sorted(o.key for o in archive.list()) == sorted(keys)
    assert {archive.tier_of(k) for k in keys} == {"Archive"}


def test_a_redeploy_with_nothing_changed_changes_nothing(deployed):
    from dtwin_gui.deploy.orchestrator import Deployment

    project, connections, _, _ = deployed
    before = _control(connections).resources()["apps"]
    again = Deployment(project, connections).deploy()
    assert again.status == "succeeded", again.message
    assert "nothing changed since" in again.message and "provision" in again.skipped
    assert _control(connections).resources()["apps"] == before


def test_destroy_leaves_nothing_in_any_emulator(deployed):
    from dtwin_gui.clouds.azure.leftovers import find_leftovers
    from dtwin_gui.clouds.azure.sdk.iothub_devices import connection_string_path
    from dtwin_gui.deploy.orchestrator import Deployment

    project, connections, _, _ = deployed
    gone = Deployment(project, connections).destroy()
    assert gone.status == "succeeded", (gone.message, gone.log_path.read_text()[-3000:])
    assert "deprovision" not in gone.skipped
    assert find_leftovers(_azure(connections), TWIN) == {}
    left = _control(connections).resources()
    assert (left["apps"], left["iothubs"], left["digital_twins"], left["grafana"]) == (
        {},
        {},
        {},
        {},
    )
    path = connection_string_path(_workspace(project).root, "temperature-sensor-1")
    assert not path.exists()
