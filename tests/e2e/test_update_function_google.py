"""``dtwin update-function`` on the sandbox's Google Cloud (the PROVISIONED path): the gcloud
Pub/Sub and Firestore emulators, fake-gcs-server and the functions host. Google builds every
Cloud Function of a layer from one source zip, so a processor's update puts each L2 function
on the new zip (the provisioner's per-function call), and the provision record learns it;
telemetry shows the new behaviour; a full deploy afterwards keeps every process.
"""

from __future__ import annotations

import json
import shutil

import pytest

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections
from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.provision_phase import load_state
from dtwin_gui.deploy.simulate import simulate
from dtwin_gui.deploy.update_function import update_function
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from tests.helpers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
NEW_PROCESSOR = """\
def process(event: dict) -> dict:
    event["temperature"] = round(float(event["temperature"]), 2)
    event["processed_by"] = "google-version-2"
    return event
"""


@pytest.fixture(scope="module")
def deployed(google_emulator, tmp_path_factory):
    from tests.conftest import PER_TEST_DIRS, TEMPLATE

    project = tmp_path_factory.mktemp("google-update") / "project"
    shutil.copytree(TEMPLATE, project)
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    left_out = ("layer_4_provider", "layer_5_provider")
    path.write_text(
        json.dumps({k: "none" if k in left_out else "google" for k in config}, indent=2)
    )
    data = tmp_path_factory.mktemp("google-update-data")
    dirs = {name: str(data / rel) for name, rel in PER_TEST_DIRS.items()}
    patch = pytest.MonkeyPatch()
    for name, value in dirs.items():
        patch.setenv(name, value)
    patch.setenv("FIRESTORE_EMULATOR_HOST", google_emulator.endpoints["firestore"])
    try:
        endpoints = dict(google_emulator.endpoints)
        connections = Connections.wrap(plugin(Cloud.GOOGLE).sandbox_connection(endpoints, ""))
        first = Deployment(project, connections).deploy()
        assert first.status == "succeeded", first.message + " / " + first.hint
        yield project, connections, dirs
    finally:
        patch.undo()


@pytest.fixture(autouse=True)
def _same_workspace(request, monkeypatch):
    if "deployed" in request.fixturenames:
        for name, value in request.getfixturevalue("deployed")[2].items():
            monkeypatch.setenv(name, value)


def _functions(connections) -> dict:
    from dtwin_gui.clouds.google import emulator_api as api
    from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle

    return SandboxGoogle(api.gateway(connections[Cloud.GOOGLE])).functions()


def test_a_processor_update_puts_its_layer_on_the_new_source(deployed):
    project, connections, _ = deployed
    record = load_state(DeploymentWorkspace(project, "sandbox"))["google"]
    layer = sorted(n for n, where in record["layers"].items() if where == "L2")
    l2 = [n for n in layer if n in record["functions"]]
    others = {n: s for n, s in _functions(connections).items() if n not in l2}
    (project / "processors" / "temperature-sensor-1" / "process.py").write_text(NEW_PROCESSOR)

    result = update_function(project, connections, "processor-temperature-sensor-1")

    assert result.status == "succeeded", result.message + " / " + result.hint
    assert sorted(result.live) == l2 and result.applied == []
    (sha,) = result.packages.values()
    running = _functions(connections)
    assert {n: running[n]["package_sha256"] for n in l2} == dict.fromkeys(l2, sha)
    assert {n: running[n]["pid"] for n in others} == {n: s["pid"] for n, s in others.items()}
    saved = load_state(DeploymentWorkspace(project, "sandbox"))["google"]
    assert {n: saved["packages"][n] for n in l2} == dict.fromkeys(l2, sha)

    # The telemetry comes out marked by the new code.
    from google.cloud import firestore as fs

    sent = simulate(project, connections)
    mine = {s.timestamp for s in sent.sent if s.device_id == "temperature-sensor-1"}
    google = connections[Cloud.GOOGLE]
    entry = saved["firestore"]
    client = fs.Client(project=google.endpoints["google_project"], database=entry["database"])
    collection = client.collection(entry["collection"])

    def stored():
        docs = [d.to_dict() for d in collection.stream()]
        new = [d for d in docs if d.get("timestamp") in mine]
        return new if len(new) == len(mine) else None

    assert {d["processed_by"] for d in wait_for(stored)} == {"google-version-2"}

    # A full deploy afterwards converges: every function already runs its source.
    pids = {n: s["pid"] for n, s in _functions(connections).items()}
    full = Deployment(project, connections).deploy()
    assert full.status == "succeeded", full.message
    assert {n: s["pid"] for n, s in _functions(connections).items()} == pids
