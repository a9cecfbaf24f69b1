"""An all-Google twin (L1–L3 on Google Cloud, no twin model, no dashboards) on the sandbox,
through the PROVISIONED path, on the real emulators (the gcloud Pub/Sub and Firestore
emulators, fake-gcs-server) and the sandbox's functions host (each Cloud Function in its own
functions-framework process): one deployment shared by the file's tests, in order.

Telemetry goes in as the simulator sends it (the Pub/Sub REST API, to the telemetry topic),
lands in Firestore with the contract's keys, comes back through the hot reader (`dtwin
query`), fires the event rule whose feedback reaches the device's subscription, and ages
through Nearline and Archive as the sandbox clock advances; a redeploy changes nothing;
destroy leaves nothing, even after a deploy killed half-way.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections
from dtwin_gui.core.providers import Cloud
from tests.helpers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
LAYERS = ("L1", "L2", "L3_hot", "L3_cold", "L3_archive")
TWIN = "factory-twin"
DEVICES = ("temperature-sensor-1", "temperature-sensor-2", "pressure-sensor-1")


def on_google(project) -> None:
    """Every layer on Google but the twin model and the dashboards ("none")."""
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    for key in config:
        if key.endswith("_provider"):
            config[key] = "none" if key in ("layer_4_provider", "layer_5_provider") else "google"
    path.write_text(json.dumps(config, indent=2))


@pytest.fixture(scope="module")
def deployed(google_emulator, tmp_path_factory):
    import shutil

    from dtwin_gui.deploy.orchestrator import Deployment
    from tests.conftest import PER_TEST_DIRS, TEMPLATE

    project = tmp_path_factory.mktemp("google-twin") / "project"
    shutil.copytree(TEMPLATE, project)
    on_google(project)
    patch = pytest.MonkeyPatch()
    data = tmp_path_factory.mktemp("google-twin-data")
    for name, rel in PER_TEST_DIRS.items():  # one workspace for the file's tests
        patch.setenv(name, str(data / rel))
    endpoints = dict(google_emulator.endpoints)
    connections = Connections.wrap(plugin(Cloud.GOOGLE).sandbox_connection(endpoints, ""))
    started = time.monotonic()
    first = Deployment(project, connections).deploy()
    print(f"\nall-Google sandbox deploy: {time.monotonic() - started:.1f} s")
    yield project, connections, first, {n: str(data / r) for n, r in PER_TEST_DIRS.items()}
    patch.undo()


@pytest.fixture(autouse=True)
def _same_workspace(request, monkeypatch):
    """The shared deployment's data folders, over the per-test ones conftest sets."""
    if "deployed" in request.fixturenames:
        for name, value in request.getfixturevalue("deployed")[3].items():
            monkeypatch.setenv(name, value)


def _google(connections):
    return connections[Cloud.GOOGLE]


def _control(connections):
    from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle

    return SandboxGoogle(_google(connections).endpoints["google_gateway"])


def _workspace(project):
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    return DeploymentWorkspace(project, "sandbox")


def _record(project) -> dict:
    from dtwin_gui.deploy.provision_phase import load_state

    return load_state(_workspace(project))["google"]


def _of_layer(project, layer: str, field: str) -> list[str]:
    record = _record(project)
    return [n for n in record[field] if record["layers"][n] == layer]


@pytest.fixture(scope="module")
def firestore(deployed):
    """The twin's hot collection, read with the Firestore client on the emulator."""
    from google.cloud import firestore as fs

    project, connections, _, _ = deployed
    entry = _record(project)["firestore"]
    patch = pytest.MonkeyPatch()
    patch.setenv("FIRESTORE_EMULATOR_HOST", _google(connections).endpoints["firestore"])
    client = fs.Client(
        project=_google(connections).endpoints["google_project"], database=entry["database"]
    )
    yield client.collection(entry["collection"])
    patch.undo()


def _documents(collection) -> list:
    return list(collection.stream())


def _bucket(connections, name: str, storage_class: str):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from dtwin_gui.runtime.google.stores import GcsObjectStore

    endpoints = _google(connections).endpoints
    client = storage.Client(
        project=endpoints["google_project"],
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": endpoints["gcs"]},
    )
    return GcsObjectStore(client, name, storage_class=storage_class)


def test_all_google_twin_deploys_without_terraform_and_every_layer_is_live(deployed):
    from dtwin_gui.clouds.google import emulator_api as api
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.provision_phase import state_path
    from dtwin_gui.deploy.review import destroy_preview

    project, connections, result, _ = deployed
    assert result.status == "succeeded", (result.message, result.log_path.read_text()[-3000:])
    log = result.log_path.read_text()
    assert {"init", "plan", "apply"} <= set(result.skipped)
    report = Deployment(project, connections).status()
    states = {layer: report.layers[layer].state for layer in LAYERS}
    assert states == dict.fromkeys(LAYERS, "deployed"), {
        k: report.layers[k].missing for k in LAYERS
    }
    assert not {"L4", "L5"} & {k for k, v in report.layers.items() if v.state == "deployed"}
    google = _google(connections)
    assert {f"{TWIN}-telemetry", f"{TWIN}-feedback"} <= set(api.topics(google))
    subs = api.subscriptions(google)
    assert {f"{TWIN}-feedback-{d}" for d in DEVICES} <= set(subs)
    # the dispatcher's trigger: a push subscription of the telemetry topic to its function
    pushes = {s["topic"] for s in subs.values() if s["push"]}
    assert f"{TWIN}-telemetry" in pushes
    assert set(_of_layer(project, "L3_cold", "buckets")) <= set(api.buckets(google))
    functions = _control(connections).functions()
    assert set(_record(project)["functions"]) == set(functions)
    assert {f["state"] for f in functions.values()} == {"running"}
    assert stat.S_IMODE(state_path(_workspace(project)).stat().st_mode) == 0o600
    events = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    provisioned = {
        e["layer"] for e in events if e.get("type") == "resource" and e.get("source") == "provision"
    }
    assert provisioned == set(LAYERS)
    preview = destroy_preview(_workspace(project)).layers
    assert set(LAYERS) <= set(preview), sorted(preview)


def test_every_function_runs_the_package_just_built(deployed):
    import dataclasses

    from dtwin_gui.clouds.google.code_check import check_code
    from dtwin_gui.deploy.build_phase import build_connected
    from dtwin_gui.deploy.orchestrator import Deployment

    project, connections, _, _ = deployed
    builds = [b for b in build_connected(Deployment(project, connections)) if b.cloud == "google"]
    assert {b.name for b in builds} == {
        f"{TWIN}-{t}-functions" for t in ("l1", "l2", "l3hot", "l3cold")
    }
    assert check_code(_google(connections), builds, {}) == []
    other = [dataclasses.replace(builds[0], sha256="0" * 64)]  # a package not deployed
    stale = check_code(_google(connections), other, {})
    assert stale and {s.live for s in stale} == {builds[0].sha256}


@pytest.fixture(scope="module")
def telemetry(deployed, firestore):
    """The simulator's messages, published once to the telemetry topic."""
    from dtwin_gui.deploy.simulate import simulate

    project, connections, _, _ = deployed
    sent = simulate(project, connections)
    wait_for(lambda: len(_documents(firestore)) >= len(sent.sent))
    return sent


def test_telemetry_lands_in_firestore_with_the_contract_keys(deployed, telemetry, firestore):
    from dtwin_gui.runtime.google.stores import document_id

    docs = _documents(firestore)
    assert {(d.get("device_id"), d.get("timestamp")) for d in docs} == {
        (s.device_id, s.timestamp) for s in telemetry.sent
    }
    assert all(d.id == document_id(d.get("device_id"), d.get("timestamp")) for d in docs)
    assert all("expire_at" in d.to_dict() for d in docs)  # the TTL policy's field
    assert {s.device_id for s in telemetry.sent} == set(DEVICES)


def test_query_reads_the_records_back_through_the_hot_reader(deployed, telemetry):
    from dtwin_gui.deploy.query import query_hot

    project, connections, _, _ = deployed
    queried = query_hot(project, connections)
    assert [(r["device_id"], r["timestamp"]) for r in queried.records] == sorted(
        ((s.device_id, s.timestamp) for s in telemetry.sent), key=lambda k: k[1], reverse=True
    )
    assert "hot-reader" in queried.source.reader


def test_the_event_rule_fires_and_its_feedback_reaches_the_device(deployed, telemetry):
    from dtwin_gui.deploy.simulate import listen

    project, connections, _, _ = deployed
    devices = ["temperature-sensor-1", "temperature-sensor-2"]
    heard = wait_for(lambda: listen(project, connections, devices, 2.0), timeout=60)
    assert [h.device_id for h in heard] == ["temperature-sensor-1"]
    payload = heard[0].payload()
    assert {k: payload[k] for k in ("command", "target")} == {
        "command": "cool-down",
        "target": 35.0,
    }
    assert listen(project, connections, devices, 1.0) == []  # acknowledged once read


def test_the_status_page_sees_every_object_with_its_counts(deployed, telemetry):
    from dtwin_gui.clouds.google.probes import probe_provisioned
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project

    project, connections, _, _ = deployed
    topology = topology_for_project(load_project(project))
    probes = probe_provisioned(_google(connections), _record(project), topology)
    assert {p.state for p in probes} == {"present"}, [(p.name, p.detail) for p in probes]
    assert {p.layer for p in probes} == set(LAYERS)
    [hot] = [p for p in probes if p.kind == "firestore-database"]
    assert hot.detail == f"{len(telemetry.sent)} documents in hot"


def test_movers_take_aged_records_to_nearline_then_archive(deployed, telemetry, firestore):
    from dtwin_gui.runtime.core.objects import decode_chunk

    project, connections, _, _ = deployed
    control = _control(connections)
    [cold_name] = _of_layer(project, "L3_cold", "buckets")
    [archive_name] = _of_layer(project, "L3_archive", "buckets")
    cold = _bucket(connections, cold_name, "NEARLINE")
    archive = _bucket(connections, archive_name, "ARCHIVE")
    records = [d.to_dict() for d in _documents(firestore)]
    expected = sorted((r["device_id"], r["timestamp"]) for r in records)

    fired = control.advance_clock(days=31)  # past the 30 hot days: the mover runs
    assert {f["outcome"] for f in fired["fired"]} == {"ran"}, fired
    assert _documents(firestore) == []
    keys = [o.key for o in cold.list()]
    assert keys
    moved = sorted(
        (r["device_id"], r["timestamp"]) for k in keys for r in decode_chunk(cold.get(k))
    )
    assert moved == expected  # nothing lost, no duplicates
    assert {cold.storage_class_of(k) for k in keys} == {"NEARLINE"}

    # a crash after writing a device-day's chunk, before deleting its records: they are
    # back in Firestore; the next run writes the same key again and deletes them
    from dtwin_gui.runtime.google.stores import document_id

    for r in decode_chunk(cold.get(keys[0])):
        firestore.document(document_id(r["device_id"], r["timestamp"])).set(r)
    control.advance_clock(hours=1)
    again = sorted(
        (r["device_id"], r["timestamp"]) for k in keys for r in decode_chunk(cold.get(k))
    )
    assert again == expected and sorted(o.key for o in cold.list()) == sorted(keys)
    assert _documents(firestore) == []

    control.advance_clock(days=91)  # past the cold days: to the archive
    assert cold.list() == []
    assert sorted(o.key for o in archive.list()) == sorted(keys)
    assert {archive.storage_class_of(k) for k in keys} == {"ARCHIVE"}
    archived = sorted(
        (r["device_id"], r["timestamp"]) for k in keys for r in decode_chunk(archive.get(k))
    )
    assert archived == expected


def test_a_redeploy_with_nothing_changed_changes_nothing(deployed):
    from dtwin_gui.deploy.orchestrator import Deployment

    project, connections, _, _ = deployed
    before = _control(connections).functions()
    again = Deployment(project, connections).deploy()
    assert again.status == "succeeded", again.message
    assert "nothing changed since" in again.message and "provision" in again.skipped
    assert _control(connections).functions() == before  # same processes, same packages


def test_destroy_leaves_nothing_in_any_emulator(deployed):
    from dtwin_gui.clouds.google.leftovers import find_leftovers
    from dtwin_gui.deploy.orchestrator import Deployment

    project, connections, _, _ = deployed
    started = time.monotonic()
    gone = Deployment(project, connections).destroy()
    print(f"\nall-Google sandbox destroy: {time.monotonic() - started:.1f} s")
    assert gone.status == "succeeded", (gone.message, gone.log_path.read_text()[-3000:])
    assert "deprovision" not in gone.skipped
    assert find_leftovers(_google(connections), TWIN) == {}
    assert _control(connections).functions() == {}


_KILLED_DEPLOY = """
import sys
from pathlib import Path
from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections
from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy.orchestrator import Deployment
import json
endpoints = json.loads(sys.argv[2])
connections = Connections.wrap(plugin(Cloud.GOOGLE).sandbox_connection(endpoints, ""))
result = Deployment(Path(sys.argv[1]), connections).deploy()
print(result.status, result.message, flush=True)
"""


def test_a_deploy_killed_half_way_is_destroyed_to_nothing(deployed, tmp_path):
    """kill -9 while the provisioner registers the functions: the record written before
    anything was made, and the intent's names, let a destroy remove everything."""
    from dtwin_gui.clouds.google.leftovers import find_leftovers
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.provision_phase import INCOMPLETE

    project, connections, _, dirs = deployed
    control = _control(connections)
    if control.functions():  # run alone: start from a destroyed twin
        assert Deployment(project, connections).destroy().status == "succeeded"
    endpoints = json.dumps(dict(_google(connections).endpoints))
    log = tmp_path / "killed-deploy.log"
    with open(log, "wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", _KILLED_DEPLOY, str(project), endpoints],
            env={**os.environ, **dirs},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(
            lambda: control.functions() or child.poll() is not None, timeout=120, interval=0.05
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert control.functions(), f"the deploy ended before it was killed: {log.read_text()[-2000:]}"
    assert _record(project).get(INCOMPLETE) is True
    gone = Deployment(project, connections).destroy()
    assert gone.status == "succeeded", (gone.message, gone.log_path.read_text()[-3000:])
    assert find_leftovers(_google(connections), TWIN) == {}
    assert control.functions() == {}


def test_l1_l2_on_google_persist_across_the_glue_to_l3_to_l5_on_aws(
    google_emulator, tmp_path_factory
):
    """The hybrid: Pub/Sub → the dispatcher → processors → the persister's glue sender →
    the AWS hot writer (Terraform on moto) → DynamoDB; `dtwin query` through the AWS hot
    reader; the feedback of the rule still reaches the Google device subscription; destroy
    leaves nothing on either cloud."""
    import shutil

    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.clouds.aws.leftovers import find_leftovers as aws_leftovers
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator
    from dtwin_gui.clouds.base import SANDBOX
    from dtwin_gui.clouds.google.leftovers import find_leftovers
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.query import query_hot
    from dtwin_gui.deploy.simulate import listen, simulate
    from tests.conftest import TEMPLATE

    project = tmp_path_factory.mktemp("hybrid") / "project"
    shutil.copytree(TEMPLATE, project)
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    for key in config:
        config[key] = "google" if key in ("layer_1_provider", "layer_2_provider") else "aws"
    path.write_text(json.dumps(config, indent=2))
    with AwsEmulator(workdir=tmp_path_factory.mktemp("aws-functions")) as aws:
        google = plugin(Cloud.GOOGLE).sandbox_connection(dict(google_emulator.endpoints), "")
        connections = Connections(
            SANDBOX, {Cloud.AWS: sandbox_target(aws.endpoint, aws.region), Cloud.GOOGLE: google}
        )
        deployment = Deployment(project, connections)
        result = deployment.deploy()
        assert result.status == "succeeded", (result.message, result.log_path.read_text()[-4000:])
        report = deployment.status()
        assert {k: v.state for k, v in report.layers.items()} == dict.fromkeys(
            report.layers, "deployed"
        ), {k: v.missing for k, v in report.layers.items()}

        sent = simulate(project, connections)
        dynamodb = aws.client("dynamodb")
        table = report.outputs["hot_table_name"]

        def stored():
            items = dynamodb.scan(TableName=table)["Items"]
            return items if len(items) >= len(sent.sent) else None

        items = wait_for(stored)
        keys = {(s.device_id, s.timestamp) for s in sent.sent}
        assert {(i["device_id"]["S"], i["timestamp"]["S"]) for i in items} == keys
        queried = query_hot(project, connections)
        assert {(r["device_id"], r["timestamp"]) for r in queried.records} == keys
        devices = ["temperature-sensor-1", "temperature-sensor-2"]
        heard = wait_for(lambda: listen(project, connections, devices, 2.0), timeout=60)
        assert [h.device_id for h in heard] == ["temperature-sensor-1"]

        gone = deployment.destroy()
        assert gone.status == "succeeded", (gone.message, gone.log_path.read_text()[-3000:])
        assert find_leftovers(google, TWIN) == {}
        assert aws_leftovers(connections[Cloud.AWS], TWIN) == {}
