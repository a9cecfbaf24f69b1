"""``dtwin update-function`` on the sandbox's Azure (the PROVISIONED path): Azurite,
cosmosdb-server and the Functions host, one deployment shared by the file's tests. A
processor's new code puts its layer's Function App on the new zip through the provisioner's
per-app call; telemetry shows the new behaviour; the following full deploy converges without
restarting the app (it already runs that package).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.run_events import PhaseEvent
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.simulate import simulate
from dtwin_gui.deploy.update_function import UpdateRefused, update_function
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from tests.helpers import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    ),
]
TWIN = "factory-twin"
NEW_PROCESSOR = """\
def process(event: dict) -> dict:
    event["temperature"] = round(float(event["temperature"]), 2)
    event["processed_by"] = "azure-version-2"
    return event
"""


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    from dtwin_gui.clouds.azure.sandbox.spec import start
    from tests.conftest import PER_TEST_DIRS, TEMPLATE

    project = tmp_path_factory.mktemp("azure-update") / "project"
    shutil.copytree(TEMPLATE, project)
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    path.write_text(json.dumps(dict.fromkeys(config, "azure"), indent=2))
    data = tmp_path_factory.mktemp("azure-update-data")
    dirs = {name: str(data / rel) for name, rel in PER_TEST_DIRS.items()}
    patch = pytest.MonkeyPatch()
    for name, value in dirs.items():
        patch.setenv(name, value)
    emulators = tmp_path_factory.mktemp("azure-update-emulators")
    handle = start(emulators)
    try:
        endpoints = dict(handle.endpoints)
        connections = Connections.wrap(plugin(Cloud.AZURE).sandbox_connection(endpoints, ""))
        first = Deployment(project, connections).deploy()
        assert first.status == "succeeded", first.message + " / " + first.hint
        yield project, connections, dirs, emulators
    finally:
        handle.stop()
        patch.undo()


@pytest.fixture(autouse=True)
def _same_workspace(request, monkeypatch):
    if "deployed" in request.fixturenames:
        for name, value in request.getfixturevalue("deployed")[2].items():
            monkeypatch.setenv(name, value)


def _apps(connections) -> dict:
    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

    return SandboxAzure(connections[Cloud.AZURE]).resources()["apps"]


def _app_pids(emulators: Path, name: str) -> set[int]:
    """The processes of this Functions host's app ``name`` (its worker runs in the app's
    extracted folder, ``<emulators>/apps/<name>/<digest>``)."""
    folder = f"{emulators}/apps/{name}/".encode()
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"app_worker.py" in a for a in argv) and any(a.startswith(folder) for a in argv):
            found.add(int(entry))
    return found


def _hot(connections):
    from dtwin_gui.clouds.azure.provision import _cosmos

    database = _cosmos(connections[Cloud.AZURE]).get_database_client(TWIN)
    return database.get_container_client("hot")


def test_a_processor_update_restarts_its_app_on_the_new_zip(deployed):
    project, connections, _, emulators = deployed
    app = next(n for n, a in _apps(connections).items() if a["layer"] == "L2")
    before = _app_pids(emulators, app)
    (project / "processors" / "temperature-sensor-1" / "process.py").write_text(NEW_PROCESSOR)
    phases = {}

    def sink(event):
        if isinstance(event, PhaseEvent) and event.state != "started":
            phases[event.phase] = event.state

    result = update_function(project, connections, "processor-temperature-sensor-1", sink=sink)

    assert result.status == "succeeded", result.message + " / " + result.hint
    assert phases == {
        "build": "finished",
        "upload": "finished",
        "record": "skipped",  # no Terraform input holds the code in the sandbox
        "apply": "skipped",
        "verify": "finished",
    }
    assert result.live == [app] and result.applied == []
    (sha,) = result.packages.values()  # the L2 app's zip
    assert _apps(connections)[app]["package_sha256"] == sha
    after = _app_pids(emulators, app)
    assert before and after and before.isdisjoint(after)  # the app was restarted

    # The telemetry comes out marked by the new code.
    sent = simulate(project, connections)
    mine = {s.timestamp for s in sent.sent if s.device_id == "temperature-sensor-1"}
    hot = _hot(connections)

    def stored():
        items = [
            i
            for i in hot.query_items(
                "SELECT * FROM c WHERE c.device_id = 'temperature-sensor-1'",
                enable_cross_partition_query=True,
            )
            if i["timestamp"] in mine
        ]
        return items if len(items) == len(mine) else None

    items = wait_for(stored)
    assert {i["processed_by"] for i in items} == {"azure-version-2"}

    # A full deploy afterwards converges: the app already runs that package, so it is kept.
    full = Deployment(project, connections).deploy()
    assert full.status == "succeeded", full.message
    assert _app_pids(emulators, app) == after
    assert _apps(connections)[app]["package_sha256"] == sha


def test_an_unprovisioned_cloud_is_refused(deployed):
    from dtwin_gui.deploy.provision_phase import load_state, save_state

    project, connections, _, _ = deployed
    workspace = DeploymentWorkspace(project, "sandbox")
    saved = load_state(workspace)
    save_state(workspace, {"azure": {**saved["azure"], "incomplete": True}})
    try:
        with pytest.raises(UpdateRefused) as refused:
            update_function(project, connections, "processor-temperature-sensor-1")
    finally:
        save_state(workspace, saved)
    assert refused.value.message == "Azure was not completely provisioned by the last deploy"
