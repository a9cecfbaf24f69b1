"""An all-Azure twin deployed to the sandbox through the PROVISIONED path, on the real
emulators (Azurite, cosmosdb-server), one deployment shared by the file's tests.

What the Proof of issue 14 asks beyond this (telemetry through IoT Hub, query through the hot
reader, event feedback to C2D, movers, ADT) needs the sandbox's Functions host; those tests
come with it.
"""

from __future__ import annotations

import json
import stat

import pytest

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections
from dtwin_gui.core import providers
from dtwin_gui.core.providers import Cloud

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    ),
]


@pytest.fixture(scope="module")
def emulators(tmp_path_factory):
    """The sandbox's Azure emulator as `dtwin sandbox up` starts it: Azurite, cosmosdb-server
    and the HTTPS gateway (whose health answer identifies this instance to the fingerprint)."""
    from dtwin_gui.clouds.azure.sandbox.spec import start

    handle = start(tmp_path_factory.mktemp("azure-emulators"))
    yield dict(handle.endpoints)
    handle.stop()


@pytest.fixture(scope="module")
def deployed(emulators, tmp_path_factory):
    import shutil

    from dtwin_gui.deploy import orchestrator
    from dtwin_gui.deploy.orchestrator import Deployment
    from tests.conftest import TEMPLATE

    project = tmp_path_factory.mktemp("azure-twin") / "project"
    shutil.copytree(TEMPLATE, project)
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    config.update({k: "azure" for k in config if k.endswith("_provider")})
    path.write_text(json.dumps(config, indent=2))
    from tests.conftest import PER_TEST_DIRS

    patch = pytest.MonkeyPatch()
    data = tmp_path_factory.mktemp("azure-twin-data")
    for name, rel in PER_TEST_DIRS.items():  # one workspace for the file's tests
        patch.setenv(name, str(data / rel))
    every = {slot: frozenset({Cloud.AWS, Cloud.AZURE}) for slot in providers.DEPLOYABLE_CLOUDS}
    patch.setattr(providers, "DEPLOYABLE_CLOUDS", every)
    patch.setattr(orchestrator, "DEPLOYABLE_CLOUDS", every)
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


def _clients(connections):
    from dtwin_gui.clouds.azure.provision import _blob_service, _cosmos

    azure = connections[Cloud.AZURE]
    return _cosmos(azure), _blob_service(azure)


def test_all_azure_twin_is_provisioned_without_terraform(deployed):
    project, connections, result, _ = deployed
    assert result.status == "succeeded", (result.message, result.log_path.read_text()[-3000:])
    log = result.log_path.read_text()
    assert "no Terraform root: azure is provisioned on the sandbox's emulators" in log
    assert {"init", "plan", "apply"} <= set(result.skipped)
    cosmos, blob = _clients(connections)
    container = cosmos.get_database_client("factory-twin").get_container_client("hot").read()
    assert container["partitionKey"]["paths"] == ["/device_id"]
    assert container["defaultTtl"] == 60 * 24 * 3600  # twice the 30 hot days
    names = {c.name for c in blob.list_containers()}
    assert {"factory-twin-cold", "factory-twin-archive"} <= names
    from dtwin_gui.deploy.provision_phase import state_path
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    record = state_path(DeploymentWorkspace(project, "sandbox"))
    assert stat.S_IMODE(record.stat().st_mode) == 0o600


def test_a_redeploy_with_nothing_changed_changes_nothing(deployed):
    from dtwin_gui.deploy.orchestrator import Deployment

    project, connections, _, _ = deployed
    again = Deployment(project, connections).deploy()
    assert again.status == "succeeded", again.message
    assert "nothing changed since" in again.message and "provision" in again.skipped


def test_every_app_setting_resolves_to_text_for_the_functions_host(deployed, emulators):
    from dtwin_gui.clouds.azure.provision import app_settings, sandbox_intent
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project
    from dtwin_gui.deploy.provision_phase import ProvisionContext, load_state
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    project_root, connections, _, _ = deployed
    workspace = DeploymentWorkspace(project_root, "sandbox")
    saved = load_state(workspace)["azure"]
    project = load_project(project_root)
    ctx = ProvisionContext(
        project,
        topology_for_project(project),
        Cloud.AZURE,
        connections[Cloud.AZURE],
        workspace,
        project_root=project_root,
    )
    intent = sandbox_intent(ctx)
    keys = saved["functions_keys"]
    assert set(keys) == {app.layer for app in intent.function_apps}
    for app in intent.function_apps:
        settings = app_settings(ctx, app, intent, keys)
        assert all(isinstance(v, str) for v in settings.values()), app.name
        assert settings[f"DTWIN_FUNCTIONS_KEY_{app.layer.upper()}"] == keys[app.layer]
    hot = app_settings(ctx, intent.app("L3_hot"), intent, keys)
    assert hot["DTWIN_COSMOS_ENDPOINT"] == emulators["azure_cosmos"]
    l2 = app_settings(ctx, intent.app("L2"), intent, keys)
    assert l2["DTWIN_APP_URL_L4"] == f"{emulators['azure']}/{intent.app('L4').name}"


def test_destroy_leaves_nothing_in_the_emulators(deployed):
    from dtwin_gui.clouds.azure.provision import leftovers
    from dtwin_gui.deploy.orchestrator import Deployment

    project, connections, _, _ = deployed
    gone = Deployment(project, connections).destroy()
    assert gone.status == "succeeded", (gone.message, gone.log_path.read_text()[-3000:])
    assert "deprovision" not in gone.skipped
    assert leftovers(connections[Cloud.AZURE], "factory-twin") == {}
