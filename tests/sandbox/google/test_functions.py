"""Cloud Functions in the sandbox: each a real functions-framework process behind the gateway,
reached at {google_gateway}/{name}; Pub/Sub pushes reach CloudEvent functions; an unchanged
re-register keeps the process, a changed or killed one is started again."""

from __future__ import annotations

import base64
import json
import os
import signal

import psutil
import pytest
import requests
from helpers import wait_for

from dtwin_gui.clouds.google.sandbox.client import SandboxGoogleError, list_subscriptions


def test_the_gateway_proxies_an_http_function(google_sandbox, tmp_path, make_package, calls):
    handle, api = google_sandbox
    package = make_package(tmp_path)
    env = {"OUT_DIR": str(tmp_path), "GREETING": "hi", "DTWIN_FUNCTION": "echo-fn"}
    state = api.put_function("echo-fn", package=package, entry_point="echo", env=env)
    assert state["state"] == "running"
    reply = requests.post(
        api.url("echo-fn") + "/a/b?x=1&y=two",
        data=b'{"k": 1}',
        headers={"X-Dtwin": "header-through", "Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 201
    assert reply.headers["X-Echo"] == "yes"
    got = reply.json()
    assert got["method"] == "POST"
    assert got["path"] == "/a/b"
    assert got["query"] == {"x": "1", "y": "two"}
    assert got["body"] == '{"k": 1}'
    assert got["header"] == "header-through"
    assert got["greeting"] == "hi"
    assert got["clock"] == "1"
    assert got["firestore"] == handle.endpoints["firestore"]
    assert requests.get(api.url("echo-fn"), timeout=30).json()["method"] == "GET"
    assert requests.get(api.url("no-such-fn"), timeout=30).status_code == 404
    listed = api.functions()["echo-fn"]
    assert listed["package_sha256"] == state["package_sha256"]
    assert api.delete_function("echo-fn") is True
    assert not psutil.pid_exists(state["pid"]) or psutil.Process(state["pid"]).status() == "zombie"
    assert requests.get(api.url("echo-fn"), timeout=30).status_code == 404


def test_a_pubsub_publish_is_pushed_to_a_cloudevent_function(
    google_sandbox, tmp_path, make_package, calls
):
    handle, api = google_sandbox
    pubsub, project = handle.endpoints["pubsub"], handle.endpoints["google_project"]
    package = make_package(tmp_path)
    env = {"OUT_DIR": str(tmp_path), "DTWIN_FUNCTION": "dispatch-fn"}
    api.put_function(
        "dispatch-fn",
        package=package,
        entry_point="on_message",
        signature="cloudevent",
        env=env,
        trigger={"type": "pubsub", "topic": "telemetry-topic"},
    )
    subs = {s["name"].rsplit("/", 1)[-1]: s for s in list_subscriptions(pubsub, project)}
    assert subs["dtwin-trigger-dispatch-fn"]["topic"].endswith("/topics/telemetry-topic")
    payload = base64.b64encode(json.dumps({"device_id": "d1", "t": 20.5}).encode()).decode()
    reply = requests.post(
        f"http://{pubsub}/v1/projects/{project}/topics/telemetry-topic:publish",
        json={"messages": [{"data": payload, "attributes": {"device_id": "d1"}}]},
        timeout=30,
    )
    reply.raise_for_status()
    got = wait_for(lambda: calls(tmp_path, "dispatch-fn"), timeout=30, interval=0.2)
    assert got[0]["type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    message = got[0]["data"]["message"]
    assert json.loads(base64.b64decode(message["data"])) == {"device_id": "d1", "t": 20.5}
    assert message["attributes"] == {"device_id": "d1"}
    api.delete_function("dispatch-fn")
    names = [s["name"] for s in list_subscriptions(pubsub, project)]
    assert not any(n.endswith("/dtwin-trigger-dispatch-fn") for n in names)


def test_reregister_keeps_an_unchanged_function_and_restarts_a_changed_or_killed_one(
    google_sandbox, tmp_path, make_package
):
    _, api = google_sandbox
    package = make_package(tmp_path)
    env = {"OUT_DIR": str(tmp_path), "GREETING": "one"}
    first = api.put_function("keep-fn", package=package, entry_point="echo", env=env)
    again = api.put_function("keep-fn", package=package, entry_point="echo", env=env)
    assert again["pid"] == first["pid"]
    changed = api.put_function(
        "keep-fn", package=package, entry_point="echo", env={**env, "GREETING": "two"}
    )
    assert changed["pid"] != first["pid"]
    assert requests.get(api.url("keep-fn"), timeout=30).json()["greeting"] == "two"

    os.kill(changed["pid"], signal.SIGKILL)
    crashed = wait_for(
        lambda: api.functions()["keep-fn"]["state"] == "crashed", timeout=15, interval=0.1
    )
    assert crashed
    assert "exited with" in api.functions()["keep-fn"]["detail"]
    restarted = api.put_function(
        "keep-fn", package=package, entry_point="echo", env={**env, "GREETING": "two"}
    )
    assert restarted["state"] == "running"
    assert restarted["pid"] != changed["pid"]
    assert requests.get(api.url("keep-fn"), timeout=30).json()["greeting"] == "two"
    api.delete_function("keep-fn")


def test_register_refuses_what_cannot_run(google_sandbox, tmp_path, make_package, calls):
    _, api = google_sandbox
    package = make_package(tmp_path)
    with pytest.raises(SandboxGoogleError, match="does not exist"):
        api.put_function(
            "bad-fn", package=tmp_path / "missing.zip", entry_point="echo", package_sha256=""
        )
    with pytest.raises(SandboxGoogleError, match="SHA-256"):
        api.put_function("bad-fn", package=package, entry_point="echo", package_sha256="0" * 64)
    with pytest.raises(SandboxGoogleError, match="signature"):
        api.put_function("bad-fn", package=package, entry_point="echo", signature="grpc")
    with pytest.raises(SandboxGoogleError, match=r"did not start|exited early"):
        api.put_function("bad-fn", package=package, entry_point="no_such_entry")
    assert "bad-fn" not in api.functions()
