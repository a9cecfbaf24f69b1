"""Glue receivers deployed on the emulated AWS, called over HTTP through their Function URL."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from helpers import edit_json
from helpers_aws import SECRET, deploy_project

from dtwin_gui.runtime.core.glue import (
    GlueRejected,
    Sender,
    dump_envelope,
    make_envelope,
    signed_headers,
)

pytestmark = pytest.mark.slow

RECORD = {
    "device_id": "temperature-sensor-1",
    "timestamp": "2026-11-25T12:00:00.000Z",
    "trace_id": "trace-1",
    "temperature": 21.5,
}


@pytest.fixture
def writer(aws, project, tmp_path):
    """An L2-on-Azure project: AWS hosts L3 hot and so the hot-writer receiver."""
    edit_json(project / "config_providers.json", lambda p: p.update(layer_2_provider="azure"))
    deployed = deploy_project(aws, project, tmp_path / "build")
    return deployed, aws.gateway.function_url(deployed.name("hot-writer"))


def items(aws, deployed):
    return aws.client("dynamodb").scan(TableName=deployed.table)["Items"]


def post(url: str, body: bytes, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def envelope_body(trace_id="trace-1") -> bytes:
    envelope = make_envelope(
        "telemetry", RECORD, source_cloud="azure", source_layer="L2", trace_id=trace_id
    )
    return dump_envelope(envelope)


def test_signed_record_is_written(aws, writer):
    deployed, url = writer
    sender = Sender(url, SECRET, source_cloud="azure", source_layer="L2")
    reply = sender.send("telemetry", RECORD, trace_id="trace-1")
    assert reply["status"] == "ok"
    (item,) = items(aws, deployed)
    assert (item["device_id"]["S"], item["timestamp"]["S"]) == (
        RECORD["device_id"],
        RECORD["timestamp"],
    )


def test_replay_is_acknowledged_once(aws, writer):
    deployed, url = writer
    body = envelope_body()
    headers = {"Content-Type": "application/json", **signed_headers(SECRET, body)}
    assert post(url, body, headers)[0] == 200
    status, reply = post(url, body, headers)
    assert (status, reply["status"]) == (200, "duplicate")
    assert len(items(aws, deployed)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"secret": "wrong-secret"},
        {"age": 330},  # expired
        {"age": -330},  # from the future (margin for the time the call takes)
        {"tamper": True},
    ],
    ids=["missing", "wrong-secret", "expired", "future", "tampered"],
)
def test_bad_signatures_are_refused_and_nothing_is_written(aws, writer, headers):
    deployed, url = writer
    body = envelope_body()
    signed = signed_headers(
        headers.get("secret", SECRET), body, now=time.time() - headers.get("age", 0)
    )
    sent = body.replace(b"21.5", b"99.9") if headers.get("tamper") else body
    status, reply = post(url, sent, signed if headers else {})
    assert status == 401, reply
    assert items(aws, deployed) == []


def test_oversize_body_is_413(aws, writer):
    deployed, url = writer
    body = b"{" + b" " * (300 * 1024) + b"}"
    status, _ = post(url, body, signed_headers(SECRET, body))
    assert status == 413
    assert items(aws, deployed) == []


def test_sender_does_not_retry_a_refusal(writer):
    _, url = writer
    calls = []
    sender = Sender(
        url, "wrong", source_cloud="azure", source_layer="L2", sleep=lambda s: calls.append(s)
    )
    with pytest.raises(GlueRejected) as info:
        sender.send("telemetry", RECORD)
    assert info.value.status == 401
    assert calls == []


def test_public_hot_reader_refuses_unsigned_queries(aws, writer):
    """With remote readers the reader's URL is public, so plain queries must be signed."""
    deployed, _ = writer
    name = deployed.name("hot-reader")
    lam = aws.client("lambda")
    env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {**env, "DTWIN_GLUE_SECRET": SECRET}}
    )
    query = "device_id=temperature-sensor-1"
    url = f"{aws.gateway.function_url(name)}?{query}"
    try:
        urllib.request.urlopen(url)
        raise AssertionError("an unsigned query was answered")
    except urllib.error.HTTPError as err:
        with err:
            assert err.code == 401
    signed = urllib.request.Request(url, headers=signed_headers(SECRET, query.encode()))
    with urllib.request.urlopen(signed) as reply:
        assert json.loads(reply.read())["items"] == []
