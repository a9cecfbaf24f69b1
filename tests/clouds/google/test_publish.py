"""The Google device side on the real Pub/Sub emulator (gcloud): the simulator's telemetry
lands on the twin's telemetry topic over the REST API with the device in its attributes, and
a device reads only its own feedback from its subscription (the emulator ignores
subscription filters, so the reader filters too), each message once.

The emulator starts in this module's fixture in its own process group (the gcloud wrapper
leaves a Java child) and the whole group is killed after.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
import requests

from dtwin_gui.clouds.google.connection import sandbox_connection
from dtwin_gui.clouds.google.publish import feedback_reader, publisher
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.resource_names import FEEDBACK_TOPIC, TELEMETRY_TOPIC, ResourceKind
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.simulate import SimulationError, simulate, telemetry_topic
from dtwin_gui.deploy.workspace import DeploymentWorkspace

EMULATOR_PROJECT = "dtwin-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pubsub(tmp_path_factory):
    """``host:port`` of a running Pub/Sub emulator."""
    gcloud = shutil.which("gcloud")
    assert gcloud, "gcloud (with the Pub/Sub emulator) is needed for these tests"
    port = _free_port()
    log = tmp_path_factory.mktemp("pubsub") / "emulator.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                *(gcloud, "beta", "emulators", "pubsub", "start"),
                f"--host-port=127.0.0.1:{port}",
                f"--project={EMULATOR_PROJECT}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    host = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://{host}/", timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "the Pub/Sub emulator did not start"
                time.sleep(0.2)
        yield host
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.fixture
def google_twin(project, pubsub):
    """The example project with L1–L3 on Google; the twin's topics and one subscription per
    device (filtered, as Terraform and the provisioner make them) on the emulator."""
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    for slot in ("1", "2", "3_hot", "3_cold", "3_archive"):
        config[f"layer_{slot}_provider"] = "google"
    path.write_text(json.dumps(config))
    topology = topology_for_project(load_project(project))
    base = f"http://{pubsub}/v1/projects/{EMULATOR_PROJECT}"
    names = {
        "telemetry": topology.name_of(TELEMETRY_TOPIC, Cloud.GOOGLE),
        "feedback": topology.name_of(FEEDBACK_TOPIC, Cloud.GOOGLE),
    }
    for topic in names.values():
        requests.put(f"{base}/topics/{topic}", json={}, timeout=10).raise_for_status()
    # a subscription of our own on telemetry, to see what the devices published
    seen = f"{names['telemetry']}-seen"
    requests.put(
        f"{base}/subscriptions/{seen}",
        json={"topic": f"projects/{EMULATOR_PROJECT}/topics/{names['telemetry']}"},
        timeout=10,
    ).raise_for_status()
    devices = load_project(project).device_ids
    for device in devices:
        sub = topology.name_of(ResourceKind.FEEDBACK_SUBSCRIPTION.of(device), Cloud.GOOGLE)
        requests.put(
            f"{base}/subscriptions/{sub}",
            json={
                "topic": f"projects/{EMULATOR_PROJECT}/topics/{names['feedback']}",
                "filter": f'attributes.device_id = "{device}"',
            },
            timeout=10,
        ).raise_for_status()
    connection = sandbox_connection(
        {"google_project": EMULATOR_PROJECT, "pubsub": pubsub}, "europe-west1"
    )
    yield connection, DeploymentWorkspace(project, "sandbox"), names, devices, base, seen
    for device in devices:
        sub = topology.name_of(ResourceKind.FEEDBACK_SUBSCRIPTION.of(device), Cloud.GOOGLE)
        requests.delete(f"{base}/subscriptions/{sub}", timeout=10)
    requests.delete(f"{base}/subscriptions/{seen}", timeout=10)
    for topic in names.values():
        requests.delete(f"{base}/topics/{topic}", timeout=10)


def _pull_all(base: str, subscription: str, want: int) -> list[dict]:
    got: list[dict] = []
    deadline = time.monotonic() + 20
    while len(got) < want and time.monotonic() < deadline:
        answer = requests.post(
            f"{base}/subscriptions/{subscription}:pull",
            json={"maxMessages": 100, "returnImmediately": True},
            timeout=10,
        ).json()
        items = answer.get("receivedMessages", [])
        got += [i["message"] for i in items]
        if items:
            requests.post(
                f"{base}/subscriptions/{subscription}:acknowledge",
                json={"ackIds": [i["ackId"] for i in items]},
                timeout=10,
            )
        else:
            time.sleep(0.2)
    return got


def test_simulated_telemetry_lands_on_the_telemetry_topic_with_its_device(project, google_twin):
    connection, workspace, _, _, base, seen = google_twin
    publish = publisher(connection, workspace=workspace)
    twin = load_project(project).twin_name
    publish(telemetry_topic(twin, "sensor-x"), b'{"temperature": 21.5}')
    (message,) = _pull_all(base, seen, 1)
    assert base64.b64decode(message["data"]) == b'{"temperature": 21.5}'
    assert message["attributes"] == {"device_id": "sensor-x"}

    # the simulator (dtwin simulate) through the same part: every message, each its device's
    sent = simulate(project, connection, count=4).sent
    messages = _pull_all(base, seen, len(sent))
    assert len(messages) == len(sent)
    by_trace = {json.loads(base64.b64decode(m["data"]))["trace_id"]: m for m in messages}
    assert sorted(by_trace) == sorted(s.trace_id for s in sent)
    for s in sent:
        assert by_trace[s.trace_id]["attributes"]["device_id"] == s.device_id


def test_each_device_reads_only_its_own_feedback_once(google_twin):
    connection, workspace, names, devices, base, _ = google_twin
    assert len(devices) >= 2
    first, second = devices[:2]

    def feedback(device: str, text: str) -> None:
        message = {
            "data": base64.b64encode(text.encode()).decode(),
            "attributes": {"device_id": device},
        }
        requests.post(
            f"{base}/topics/{names['feedback']}:publish", json={"messages": [message]}, timeout=10
        ).raise_for_status()

    feedback(first, "cool down")
    feedback(second, "warm up")
    feedback(first, "all good")
    receive = feedback_reader(connection, workspace=workspace)
    got = _receive(receive, first, 2)
    assert sorted(got) == [b"all good", b"cool down"]
    assert _receive(receive, second, 1) == [b"warm up"]
    # acknowledged: nothing comes twice
    assert receive(first) == [] and receive(second) == []


def _receive(receive, device: str, want: int) -> list[bytes]:
    got: list[bytes] = []
    deadline = time.monotonic() + 20
    while len(got) < want and time.monotonic() < deadline:
        got += receive(device)
        time.sleep(0.1)
    return got


def test_a_missing_topic_or_device_says_what_to_do(google_twin):
    connection, workspace, names, _, base, _ = google_twin
    receive = feedback_reader(connection, workspace=workspace)
    with pytest.raises(SimulationError, match="no feedback subscription"):
        receive("not-a-device")
    requests.delete(f"{base}/topics/{names['telemetry']}", timeout=10).raise_for_status()
    publish = publisher(connection, workspace=workspace)
    with pytest.raises(SimulationError, match=r"does not exist .* deploy the twin"):
        publish("dtwin/t/sensor-x/telemetry", b"{}")
    with pytest.raises(SimulationError, match="not a telemetry topic"):
        publish("elsewhere", b"{}")


def test_on_google_each_message_is_signed_with_the_users_credentials(project, tmp_path):
    """Real Google, recorded: nothing emulates Google's OAuth, so the key's token exchange
    and the publish go through the real google-auth AuthorizedSession over a transport
    adapter answering as Google does (see tests/credentials/test_google_permissions.py)."""
    from dataclasses import dataclass

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from dtwin_gui.clouds.google.connection import GoogleConnection
    from tests.credentials.test_google_permissions import ACCESS_TOKEN, TOKEN_URI, Recorded

    class PubSubAnswers(Recorded):
        def send(self, request, **kwargs):
            if request.url == TOKEN_URI:
                return super().send(request, **kwargs)
            self.auth.append(request.headers.get("Authorization", ""))
            self.asked.append([request.url, json.loads(request.body)])
            return self._answer(request, 200, {"messageIds": ["1"]})

    adapter = PubSubAnswers()

    @dataclass(frozen=True)
    class Recording(GoogleConnection):
        def http(self):  # GoogleConnection.http, its transport recorded
            from google.auth.transport.requests import AuthorizedSession, Request

            token_session = requests.Session()
            token_session.mount("https://", adapter)
            session = AuthorizedSession(self.credentials(), auth_request=Request(token_session))
            session.mount("https://", adapter)
            return session

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key_file = tmp_path / "sa.json"
    info = {"type": "service_account", "project_id": "twin-project", "private_key": pem}
    info |= {"client_email": "sim@twin-project.iam.gserviceaccount.com", "token_uri": TOKEN_URI}
    key_file.write_text(json.dumps(info))
    path = project / "config_providers.json"
    config = json.loads(path.read_text()) | {"layer_1_provider": "google"}
    path.write_text(json.dumps(config))
    connection = Recording("google", "", "europe-west1", "file", key_file=str(key_file))
    publish = publisher(connection, workspace=DeploymentWorkspace(project, "aws"))
    twin = load_project(project).twin_name
    publish(telemetry_topic(twin, "sensor-x"), b'{"t": 1}')
    topic = topology_for_project(load_project(project)).name_of(TELEMETRY_TOPIC, Cloud.GOOGLE)
    ((url, body),) = adapter.asked
    assert url == f"https://pubsub.googleapis.com/v1/projects/twin-project/topics/{topic}:publish"
    assert body == {
        "messages": [
            {
                "data": base64.b64encode(b'{"t": 1}').decode(),
                "attributes": {"device_id": "sensor-x"},
            }
        ]
    }
    assert adapter.auth == [f"Bearer {ACCESS_TOKEN}"]
