"""A twin's L1/L2 Google functions from their built packages, each a real
functions-framework process: telemetry pushed by Pub/Sub to the dispatcher (CloudEvent)
goes through the device's processor and the persister into Firestore; the movers take
"now" from the body only under the sandbox clock."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest

from dtwin_gui.runtime.google import services
from dtwin_gui.runtime.google.stores import FirestoreHotStore
from tests.helpers import edit_json, wait_for
from tests.runtime.google.functions_host import FunctionsHost, google_sources, start_role

GOOGLE_LAYERS = (
    "layer_1_provider",
    "layer_2_provider",
    "layer_3_hot_provider",
    "layer_3_cold_provider",
    "layer_3_archive_provider",
)


@pytest.fixture
def sources(project, monkeypatch, tmp_path) -> dict[str, tuple[dict, object]]:
    """layer -> (manifest, extracted folder) of the project's Google packages."""
    edit_json(
        project / "config_providers.json",
        lambda p: p.update(dict.fromkeys(GOOGLE_LAYERS, "google")),
    )
    return google_sources(project, tmp_path, monkeypatch)


@pytest.fixture
def host(tmp_path):
    running = FunctionsHost(tmp_path)
    try:
        yield running
    finally:
        running.stop()


_start = start_role


def _post(url: str, body: dict, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        return r.status, r.read()


def test_pubsub_push_reaches_firestore_through_processor_and_persister(
    google_env, sources, host, unique
):
    collection = f"hot-{unique}"
    base = {
        **google_env,
        "DTWIN_TWIN_NAME": "factory-twin",
        "DTWIN_GOOGLE_FUNCTIONS_URL": host.url,
        "DTWIN_LOG_LEVEL": "DEBUG",
    }
    l2_manifest, _ = sources["L2"]
    persister = next(f for f in l2_manifest["functions"] if f["role"] == "persister")
    dispatcher = _start(host, sources, "L1", "dispatcher", base)
    processors = [f for f in l2_manifest["functions"] if f["role"] == "processor"]
    for p in processors:
        _start(
            host,
            sources,
            "L2",
            "processor",
            {**base, "DTWIN_PERSISTER_FUNCTION": persister["deployed_name"]},
            name=p["name"],
        )
    _start(
        host,
        sources,
        "L2",
        "persister",
        {**base, "DTWIN_HOT_STORE": collection, "DTWIN_HOT_TTL_DAYS": "30"},
    )
    host.wait_ready()

    telemetry = {
        "device_id": "temperature-sensor-1",
        "timestamp": "2026-06-01T10:00:00.000Z",
        "temperature": 21.456,
    }
    push = {  # what a Pub/Sub push subscription POSTs (functions-framework converts it)
        "message": {
            "data": base64.b64encode(json.dumps(telemetry).encode()).decode(),
            "attributes": {"device_id": "temperature-sensor-1"},
            "messageId": "1",
            "publishTime": "2026-06-01T10:00:01.000Z",
        },
        "subscription": "projects/dtwin-test/subscriptions/dispatcher-push",
    }
    status, _ = _post(f"{host.url}/{dispatcher['deployed_name']}", push)
    assert status == 200, host.log_of(dispatcher["deployed_name"])

    store = FirestoreHotStore(services.firestore_client(google_env), collection)
    rows = wait_for(lambda: store.query("temperature-sensor-1"), timeout=30)
    assert rows[0]["temperature"] == 21.46 and rows[0]["temperature_f"] == 70.63

    # A structured CloudEvent (Eventarc's messagePublished) with the device id only in the
    # attributes works too.
    second = {"timestamp": "2026-06-01T10:01:00.000Z", "temperature": 20.0}
    event = {
        "specversion": "1.0",
        "type": "google.cloud.pubsub.topic.v1.messagePublished",
        "source": "//pubsub.googleapis.com/projects/dtwin-test/topics/factory-twin-telemetry",
        "id": "2",
        "data": {
            "message": {
                "data": base64.b64encode(json.dumps(second).encode()).decode(),
                "attributes": {"device_id": "temperature-sensor-1"},
            }
        },
    }
    status, _ = _post(
        f"{host.url}/{dispatcher['deployed_name']}",
        event,
        {"Content-Type": "application/cloudevents+json"},
    )
    assert status == 200, host.log_of(dispatcher["deployed_name"])
    rows = wait_for(lambda: (r := store.query("temperature-sensor-1")) and len(r) == 2 and r)
    assert rows[1]["timestamp"] == "2026-06-01T10:01:00.000Z"


def test_unreadable_telemetry_is_dropped_not_retried(google_env, sources, host):
    env = {**google_env, "DTWIN_TWIN_NAME": "factory-twin", "DTWIN_GOOGLE_FUNCTIONS_URL": host.url}
    dispatcher = _start(host, sources, "L1", "dispatcher", env)
    host.wait_ready()
    push = {
        "message": {"data": base64.b64encode(b"not json").decode(), "messageId": "9"},
        "subscription": "projects/dtwin-test/subscriptions/s",
    }
    status, _ = _post(f"{host.url}/{dispatcher['deployed_name']}", push)
    assert status == 200  # acknowledged: a redelivery could never succeed


def test_a_rule_fires_its_action_and_feedback_reaches_the_device_subscription(
    google_env, sources, host, unique
):
    from google.cloud import pubsub_v1

    project_id = google_env["DTWIN_GOOGLE_PROJECT"]
    topic = f"projects/{project_id}/topics/feedback-{unique}"
    subscription = f"projects/{project_id}/subscriptions/feedback-ts1-{unique}"
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=subscription, topic=topic)
    base = {**google_env, "DTWIN_TWIN_NAME": "factory-twin", "DTWIN_GOOGLE_FUNCTIONS_URL": host.url}
    manifest, _ = sources["L2"]
    deployed = {f["role"]: f["deployed_name"] for f in manifest["functions"]}
    persister = _start(
        host,
        sources,
        "L2",
        "persister",
        {
            **base,
            "DTWIN_HOT_STORE": f"hot-{unique}",
            "DTWIN_EVENT_CHECKER_FUNCTION": deployed["event-checker"],
        },
    )
    _start(
        host,
        sources,
        "L2",
        "event-checker",
        {**base, "DTWIN_FEEDBACK_FUNCTION": deployed["event-feedback"]},
    )
    _start(host, sources, "L2", "action", base)
    _start(host, sources, "L2", "event-feedback", {**base, "DTWIN_FEEDBACK_TOPIC": topic})
    host.wait_ready()
    try:
        record = {
            "device_id": "temperature-sensor-1",
            "timestamp": "2026-06-02T00:00:00.000Z",
            "temperature": 45.0,
        }
        status, _ = _post(f"{host.url}/{persister['deployed_name']}", record)
        assert status == 200, host.log_of(persister["deployed_name"])
        response = subscriber.pull(subscription=subscription, max_messages=5, timeout=30)
        messages = [m.message for m in response.received_messages]
        assert len(messages) == 1, host.log_of(deployed["event-feedback"])
        assert dict(messages[0].attributes) == {"device_id": "temperature-sensor-1"}
        sent = json.loads(messages[0].data)
        assert "cool-down" in json.dumps(sent)
        assert "high-temperature-alert" in host.log_of(deployed["action"])
    finally:
        subscriber.close()
