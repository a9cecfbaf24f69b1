"""An all-Azure twin on the sandbox daemon (`dtwin sandbox up` runs emulated AWS and Azure):
a Function App killed with `kill -9` shows in the status and the next deploy brings it back;
a restarted sandbox (new ports, empty) is no dead end — the status says what is missing, the
deploy provisions everything again, and the destroy leaves nothing."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from dtwin_gui import cli
from dtwin_gui.cli.deploy import resolve_target
from dtwin_gui.clouds.azure.leftovers import find_leftovers
from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure
from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.sandbox import daemon
from tests.e2e.test_azure_sandbox import LAYERS, TWIN, all_on

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    ),
]


@pytest.fixture
def sandbox():
    yield daemon
    daemon.down()


def states(report) -> dict[str, str]:
    return {layer: report.layers[layer].state for layer in LAYERS}


def _app_pid(control: SandboxAzure, layer: str) -> tuple[str, int]:
    """The L<layer> app's name and its worker's pid (the process serving its port)."""
    name = next(n for n, a in control.resources()["apps"].items() if a["layer"] == layer)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if any(b"app_worker.py" in a for a in argv) and any(name.encode() in a for a in argv):
            return name, int(entry)
    raise AssertionError(f"no worker process for {name}")


def test_a_killed_app_and_a_restarted_sandbox_converge(sandbox, project, capsys):
    all_on(project, "azure")
    sandbox.up()
    deployment = Deployment(project, resolve_target("sandbox"))
    first = deployment.deploy()
    assert first.status == "succeeded", (first.message, first.log_path.read_text()[-3000:])
    assert states(deployment.status()) == dict.fromkeys(LAYERS, "deployed")

    # kill -9 of the L2 Function App: the status names it, the next deploy starts it again
    control = SandboxAzure(deployment.connections[Cloud.AZURE])
    name, pid = _app_pid(control, "L2")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60  # the host notices within a second; CI's load is heavy
    while control.resources()["apps"][name]["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    report = deployment.status()
    assert report.layers["L2"].state == "partial"
    assert any(name in item for item in report.layers["L2"].missing), report.layers["L2"].missing
    again = Deployment(project, resolve_target("sandbox")).deploy()
    assert again.status == "succeeded", again.message
    assert "provision" not in again.skipped  # the status cleared the no-change shortcut
    assert control.resources()["apps"][name]["state"] == "running"
    assert states(deployment.status()) == dict.fromkeys(LAYERS, "deployed")

    # the sandbox restarts on new ports, empty
    sandbox.down()
    sandbox.up()
    restarted = Deployment(project, resolve_target("sandbox"))
    report = restarted.status()
    assert all(report.layers[layer].state != "deployed" for layer in LAYERS), states(report)
    redeployed = restarted.deploy()
    assert redeployed.status == "succeeded", redeployed.message
    assert states(restarted.status()) == dict.fromkeys(LAYERS, "deployed")

    capsys.readouterr()
    assert cli.main(["destroy", str(project), "--yes"]) == 0
    twin = json.loads((project / "config.json").read_text())["digital_twin_name"]
    assert twin == TWIN
    assert find_leftovers(restarted.connections[Cloud.AZURE], twin) == {}


def test_a_deploy_killed_while_provisioning_is_destroyed_and_redeployed_cleanly(sandbox, project):
    import subprocess
    import sys

    all_on(project, "azure")
    sandbox.up()
    connections = resolve_target("sandbox")
    control = SandboxAzure(connections[Cloud.AZURE])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    deploy = subprocess.Popen(
        [sys.executable, "-m", "dtwin_gui.cli", "deploy", str(project), "--auto-approve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not control.resources()["apps"]:  # killed once the first app runs, mid-provision
        assert deploy.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(deploy.pid, signal.SIGKILL)
    deploy.wait(10)
    assert control.resources()["apps"]  # it made things the record may not name yet

    gone = Deployment(project, connections).destroy()
    assert gone.status == "succeeded", gone.message
    assert find_leftovers(connections[Cloud.AZURE], TWIN) == {}
    again = Deployment(project, connections)
    redeployed = again.deploy()
    assert redeployed.status == "succeeded", redeployed.message
    assert states(again.status()) == dict.fromkeys(LAYERS, "deployed")
    assert again.destroy().status == "succeeded"
    assert find_leftovers(connections[Cloud.AZURE], TWIN) == {}
