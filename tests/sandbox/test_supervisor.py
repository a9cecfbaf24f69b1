"""The sandbox supervisor starts each cloud's emulator from its EmulatorSpec, reports each one
(with the path the cloud takes: Terraform applied or provisioned), and serves the others when
one fails to start."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from dtwin_gui.cli import main
from dtwin_gui.clouds import base
from dtwin_gui.clouds.base import CloudPlugin, EmulatorHandle, EmulatorSpec, SandboxPath
from dtwin_gui.core.providers import Cloud
from dtwin_gui.sandbox import daemon
from dtwin_gui.sandbox.supervisor import Supervisor

PROVISIONED_LABEL = "provisioned on emulators (its Terraform modules are checked, not applied)"


class FakeEmulator:
    """A tiny HTTP server standing in for a cloud's emulator; records start/stop order."""

    def __init__(self, cloud: Cloud, events: list, *, fail: str = "", healthy: bool = True):
        self.cloud, self.events, self.fail, self.answers = cloud, events, fail, healthy
        self.started_with: dict = {}

    def spec(self, path: SandboxPath = SandboxPath.PROVISIONED) -> EmulatorSpec:
        return EmulatorSpec(self.cloud, f"fake {self.cloud}", self.start, self.healthy, path)

    def start(self, data_dir, **options) -> EmulatorHandle:
        self.started_with = {"data_dir": data_dir, **options}
        if self.fail:
            raise RuntimeError(self.fail)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.events.append(("start", self.cloud))

        def stop() -> None:
            server.shutdown()
            server.server_close()
            self.events.append(("stop", self.cloud))

        url = f"http://127.0.0.1:{server.server_address[1]}"
        return EmulatorHandle(endpoints={str(self.cloud): url}, stop=stop)

    def healthy(self, handle: EmulatorHandle) -> bool:
        if not self.answers:
            return False
        with urllib.request.urlopen(handle.endpoints[str(self.cloud)], timeout=2) as reply:
            return reply.status == 200


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_every_emulator_starts_in_order_and_stops_in_reverse(tmp_path):
    events: list = []
    azure, google = FakeEmulator(Cloud.AZURE, events), FakeEmulator(Cloud.GOOGLE, events)
    with Supervisor(tmp_path, specs=[azure.spec(), google.spec()], region="r-1") as supervisor:
        assert events == [("start", Cloud.AZURE), ("start", Cloud.GOOGLE)]
        assert set(supervisor.endpoints) == {"azure", "google"}
        report = supervisor.report(check=True)
        assert report["azure"]["state"] == "running"
        assert report["azure"]["path_label"] == PROVISIONED_LABEL
        assert azure.started_with["data_dir"] == tmp_path / "azure"  # a folder per cloud
        assert azure.started_with["region"] == "r-1"
    assert events[2:] == [("stop", Cloud.GOOGLE), ("stop", Cloud.AZURE)]


def test_one_that_fails_is_reported_and_the_others_are_served(tmp_path):
    events: list = []
    broken = FakeEmulator(Cloud.AZURE, events, fail="port 10000 is taken")
    fine = FakeEmulator(Cloud.GOOGLE, events)
    with Supervisor(tmp_path, specs=[broken.spec(), fine.spec()]) as supervisor:
        report = supervisor.report(check=True)
        assert report["azure"]["state"] == "failed"
        assert report["azure"]["error"] == "RuntimeError: port 10000 is taken"
        assert report["google"]["state"] == "running"
        assert list(supervisor.endpoints) == ["google"]
    assert events == [("start", Cloud.GOOGLE), ("stop", Cloud.GOOGLE)]


def test_one_that_never_turns_healthy_is_stopped_and_reported(tmp_path):
    events: list = []
    mute = FakeEmulator(Cloud.AZURE, events, healthy=False)
    with Supervisor(tmp_path, specs=[mute.spec()], health_timeout_s=0.3) as supervisor:
        assert events == [("start", Cloud.AZURE), ("stop", Cloud.AZURE)]
        assert supervisor.endpoints == {}
        assert (
            "did not answer its health check within 0.3 s" in supervisor.report()["azure"]["error"]
        )


@pytest.fixture
def fake_plugins(monkeypatch):
    """The registry with test plugins only: Azure with a fake emulator, Google whose
    emulator cannot even be described, AWS without an emulator."""
    list(base.plugins())  # the built-in clouds registered first, so they do not come back
    events: list = []
    azure = FakeEmulator(Cloud.AZURE, events)

    def undescribable():
        raise ImportError("no module named 'google_emulators'")

    registry = {
        Cloud.AWS: CloudPlugin(Cloud.AWS, "AWS", True, SandboxPath.TERRAFORM),
        Cloud.AZURE: CloudPlugin(
            Cloud.AZURE, "Azure", False, SandboxPath.PROVISIONED, emulator=azure.spec
        ),
        Cloud.GOOGLE: CloudPlugin(
            Cloud.GOOGLE, "Google", False, SandboxPath.PROVISIONED, emulator=undescribable
        ),
    }
    monkeypatch.setattr(base, "_registry", registry)
    return events


def test_the_emulators_come_from_the_registered_plugins(tmp_path, fake_plugins):
    with Supervisor(tmp_path) as supervisor:
        report = supervisor.report()
        assert set(report) == {"azure", "google"}  # AWS here has no emulator
        assert report["azure"]["state"] == "running"
        assert report["google"] == {
            "label": "Google",
            "sandbox_path": "provisioned",
            "path_label": PROVISIONED_LABEL,
            "state": "failed",
            "endpoints": {},
            "error": "ImportError: no module named 'google_emulators'",
        }
    assert fake_plugins == [("start", Cloud.AZURE), ("stop", Cloud.AZURE)]


def test_the_aws_spec_is_terraform_applied():
    spec = base.plugin(Cloud.AWS).emulator()
    assert spec.cloud == Cloud.AWS and spec.sandbox_path is SandboxPath.TERRAFORM
    assert spec.sandbox_path.label == "Terraform applied" and spec.provision is None


def _serve_in_thread(monkeypatch):
    """The daemon's serving loop in this process (a test-only plugin is registered here)."""
    list(base.plugins())
    google = FakeEmulator(Cloud.GOOGLE, [], fail="the Pub/Sub emulator needs Java")
    fake = CloudPlugin(Cloud.GOOGLE, "Google", False, SandboxPath.PROVISIONED, emulator=google.spec)
    monkeypatch.setitem(base._registry, Cloud.GOOGLE, fake)
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(daemon.run(daemon.state_file(), stop)), daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 60
    while daemon.running() is None and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    return stop, thread, result


def test_the_daemon_serves_aws_when_another_emulator_fails(monkeypatch, capsys):
    stop, thread, result = _serve_in_thread(monkeypatch)
    try:
        info = daemon.running()
        assert info is not None, daemon.log_tail()
        assert {"aws", "azure"} <= set(info.endpoints) and info.endpoint == info.endpoints["aws"]
        assert info.failed() == {"google": "RuntimeError: the Pub/Sub emulator needs Java"}
        s3 = boto3.client(
            "s3",
            endpoint_url=info.endpoints["aws"],
            region_name=info.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket="still-served")
        assert daemon.ensure_running() == info  # AWS is what the engine needs: it runs

        report = daemon.status()
        assert report["state"] == "running" and report["counts"]["buckets"] == 1
        assert report["emulators"]["aws"]["state"] == "running"
        assert report["emulators"]["google"]["state"] == "failed"
        assert main(["sandbox", "status"]) == 0
        out = capsys.readouterr().out
        assert "aws       running · Terraform applied" in out
        assert "google    failed: RuntimeError: the Pub/Sub emulator needs Java" in out
        assert PROVISIONED_LABEL in out

        with pytest.raises(daemon.SandboxError, match="without the emulator of google"):
            daemon.ensure_running(clouds=("aws", "google"))
    finally:
        stop.set()
        thread.join(30)
    assert result == [0] and not daemon.state_file().exists()


def test_the_health_answer_of_the_aws_gateway_names_the_daemon(monkeypatch):
    """Readers from before the supervisor (and the deploy fingerprint) ask the gateway."""
    stop, thread, _ = _serve_in_thread(monkeypatch)
    try:
        info = daemon.running()
        assert info is not None, daemon.log_tail()
        url = info.endpoints["aws"] + daemon.HEALTH_PATH
        with urllib.request.urlopen(url, timeout=5) as reply:
            answer = json.loads(reply.read())
        assert answer["pid"] == info.pid and answer["started_at"] == info.started_at
    finally:
        stop.set()
        thread.join(30)


def test_the_note_names_each_clouds_sandbox_path():
    from dtwin_gui.sandbox.supervisor import sandbox_paths_note

    assert sandbox_paths_note([Cloud.AWS]) == "In the sandbox: AWS: Terraform applied."
    note = sandbox_paths_note([Cloud.AWS, Cloud.GOOGLE])
    assert note.endswith(f" · Google Cloud: {PROVISIONED_LABEL}.")


def test_the_aws_emulators_counts_are_unknown_when_it_does_not_answer():
    from dtwin_gui.clouds import plugin

    spec = plugin("aws").emulator()
    assert spec.counts is not None
    found = spec.counts({"aws": "http://127.0.0.1:9"}, "us-east-1")
    assert found == {"functions": None, "tables": None, "buckets": None}
