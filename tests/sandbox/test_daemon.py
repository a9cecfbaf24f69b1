"""``dtwin sandbox up|down|status``: a background sandbox that leaves nothing behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import boto3
import psutil
import pytest

from dtwin_gui.cli import main
from dtwin_gui.sandbox import daemon


@pytest.fixture
def sandbox():
    """Make sure no test leaves a sandbox running."""
    yield daemon
    daemon.down()


def client(info: daemon.SandboxInfo, service: str):
    return boto3.client(
        service,
        endpoint_url=info.endpoint,
        region_name=info.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_function(info, name: str, source: str) -> None:
    from helpers_sandbox import ROLE_POLICY, make_zip

    role = client(info, "iam").create_role(RoleName=name, AssumeRolePolicyDocument=ROLE_POLICY)
    client(info, "lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="main.handler",
        Code={"ZipFile": make_zip({"main.py": source})},
        Timeout=120,
    )


def process_tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def assert_all_gone(processes: list[psutil.Process]) -> None:
    _, alive = psutil.wait_procs(processes, timeout=10)
    assert alive == [], f"left behind: {alive}"


def test_up_status_down_leaves_no_process(sandbox):
    info, started = sandbox.up()
    assert started and info.endpoint.startswith("http://127.0.0.1:")
    state = sandbox.state_file()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert json.loads(state.read_text()) == info.to_json()
    assert set(info.to_json()) == {
        "pid",
        "endpoint",
        "region",
        "started_at",
        "endpoints",
        "control",
        "emulators",
    }
    # emulated AWS and Azure (gateway, Azurite, cosmosdb-server, the gateway's certificate)
    assert info.endpoints["aws"] == info.endpoint
    assert set(info.endpoints) == {"aws", "azure", "azure_blob", "azure_cosmos", "azure_ca"} | {
        "google",
        "google_project",
        "pubsub",
        "firestore",
        "gcs",
        "google_gateway",
    }
    assert info.emulators["aws"]["state"] == "running"
    assert info.emulators["aws"]["path_label"] == "Terraform applied"
    assert info.emulators["azure"]["state"] == "running"
    assert info.emulators["google"]["state"] == "running"
    # It is nobody's child: not ours, and in a session of its own.
    assert info.pid not in [p.pid for p in psutil.Process().children(recursive=True)]
    assert os.getsid(info.pid) == info.pid

    create_function(info, "f", "def handler(event, context):\n    return 41 + 1\n")
    client(info, "s3").create_bucket(Bucket="bucket-1")
    reply = client(info, "lambda").invoke(FunctionName="f", Payload=b"{}")
    assert json.loads(reply["Payload"].read()) == 42
    report = sandbox.status()
    assert report["state"] == "running" and report["pid"] == info.pid
    assert report["counts"] == {
        "functions": 1,
        "tables": 0,
        "buckets": 1,
        "blob containers": 0,
        "function apps": 0,
        "IoT hubs": 0,
        "Digital Twins instances": 0,
        "Grafana instances": 0,
        "Cloud Functions": 0,
        "Pub/Sub topics": 0,
        "Pub/Sub subscriptions": 0,
        "GCS buckets": 0,
    }
    assert report["uptime_s"] >= 0
    assert report["emulators"]["aws"]["state"] == "running"  # asked now, not from the file

    tree = process_tree(info.pid)
    assert len(tree) >= 4  # the daemon, the function's warm worker, Azurite, cosmosdb-server
    assert sandbox.down() == info
    assert_all_gone(tree)
    assert not state.exists()
    assert sandbox.status() == {"state": "not running"}
    assert sandbox.down() is None
    assert "sandbox stopped" in sandbox.log_tail()


def test_up_twice_is_idempotent_and_ensure_running_reuses_it(sandbox):
    first, started = sandbox.up()
    second, started_again = sandbox.up()
    assert started and not started_again
    assert second == first
    assert sandbox.ensure_running() == first


def test_ensure_running_starts_the_sandbox(sandbox):
    info = sandbox.ensure_running()
    assert sandbox.running() == info


def test_cli(sandbox, capsys):
    assert main(["sandbox", "status"]) == 1
    assert "not running" in capsys.readouterr().out
    assert main(["sandbox", "up"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Sandbox started: http://127.0.0.1:")
    assert main(["sandbox", "up", "--json"]) == 0
    up = json.loads(capsys.readouterr().out)
    assert up["state"] == "already running"
    assert main(["sandbox", "status"]) == 0
    out = capsys.readouterr().out
    assert "running" in out and up["endpoint"] in out and "0 functions" in out
    assert "aws       running · Terraform applied · moto" in out
    assert main(["sandbox", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "running" and status["pid"] == up["pid"]
    assert main(["sandbox", "down", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stopped"] is True
    assert not psutil.pid_exists(up["pid"]) or psutil.Process(up["pid"]).status() == "zombie"
    assert main(["sandbox", "down"]) == 0
    assert capsys.readouterr().out.strip() == "Sandbox is not running"


def test_a_state_file_from_before_the_supervisor_still_reads(sandbox):
    """Written by a daemon of an earlier version (no endpoints, no control server): it reads
    as AWS at ``endpoint``, and the daemon is still found alive through the AWS gateway."""
    info, _ = sandbox.up()
    old = {k: info.to_json()[k] for k in ("pid", "endpoint", "region", "started_at")}
    sandbox.state_file().write_text(json.dumps(old))
    read = sandbox.read_state()
    assert read.endpoints == {"aws": info.endpoint} and read.control == ""
    assert sandbox.running() == read
    report = sandbox.status()
    assert report["state"] == "running" and report["emulators"]["aws"]["state"] == "running"
    assert sandbox.up() == (read, False)  # not replaced by a second daemon
    assert sandbox.down() == read


def test_a_stale_state_file_is_replaced(sandbox):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = daemon.SandboxInfo(dead.pid, "http://127.0.0.1:9", "us-east-1", "2020-01-01T00:00:00Z")
    sandbox.state_file().write_text(json.dumps(stale.to_json()))
    assert sandbox.status() == {"state": "not running"}
    assert sandbox.down() is None  # nothing to stop, and the other pid is left alone
    sandbox.state_file().write_text(json.dumps(stale.to_json()))
    info, started = sandbox.up()
    assert started and info.pid != dead.pid


def test_a_sandbox_that_cannot_start_reports_its_log(sandbox, monkeypatch):
    monkeypatch.setattr(daemon, "_MODULE", "dtwin_gui.sandbox.no_such_module")
    with pytest.raises(daemon.SandboxError, match="no_such_module"):
        sandbox.up(timeout_s=20)
    assert not sandbox.state_file().exists()


@pytest.mark.slow
def test_down_stops_a_busy_function_too(sandbox):
    info, _ = sandbox.up()
    create_function(
        info, "sleepy", "import time\ndef handler(event, context):\n    time.sleep(300)\n"
    )
    lam = client(info, "lambda")
    assert (
        lam.invoke(FunctionName="sleepy", Payload=b"{}", InvocationType="Event")["StatusCode"]
        == 202
    )
    root = psutil.Process(info.pid)
    deadline = time.monotonic() + 30
    while not root.children(recursive=True) and time.monotonic() < deadline:
        time.sleep(0.1)
    tree = process_tree(info.pid)
    assert len(tree) >= 2
    assert sandbox.down() == info
    assert_all_gone(tree)
