"""The AWS functions, built as packages and run for real against the moto emulator."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from helpers import edit_json
from helpers_aws import deploy_project

from dtwin_gui.runtime.core.records import format_timestamp

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def invoke(aws, name: str, event: dict) -> dict:
    reply = aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
    result = json.loads(reply["Payload"].read() or b"null")
    assert "FunctionError" not in reply, result
    return result


def hot_items(aws, table: str) -> list[dict]:
    return aws.client("dynamodb").scan(TableName=table)["Items"]


def feedback_messages(aws) -> list[tuple[str, dict]]:
    from moto.backends import get_backend

    backend = get_backend("iot-data")["123456789012"][aws.region]
    return [(topic, json.loads(payload)) for topic, payload in backend.published_payloads]


@pytest.fixture
def deployed(aws, project, tmp_path):
    return deploy_project(aws, project, tmp_path / "build")


def send_payloads(aws, deployed, project, base=NOW):
    payloads = json.loads((project / "payloads.json").read_text())
    for i, payload in enumerate(payloads):
        message = dict(payload, timestamp=format_timestamp(base + timedelta(seconds=i)))
        result = invoke(aws, deployed.name("dispatcher"), message)
        assert result["status"] == "routed", result
    assert aws.host.drain(timeout_s=60)
    return payloads


def test_telemetry_flows_to_dynamodb_with_the_key_schema(aws, deployed, project):
    payloads = send_payloads(aws, deployed, project)
    items = hot_items(aws, deployed.table)
    assert len(items) == len(payloads)
    by_device = {}
    for item in items:
        by_device.setdefault(item["device_id"]["S"], []).append(item)
    assert set(by_device) == {"temperature-sensor-1", "temperature-sensor-2", "pressure-sensor-1"}
    first = sorted(by_device["temperature-sensor-1"], key=lambda i: i["timestamp"]["S"])[0]
    assert first["timestamp"]["S"] == "2026-11-25T12:00:00.000Z"
    # The template processor of temperature-sensor-1 adds a Fahrenheit value.
    assert first["temperature_f"]["N"] == "72.5"
    assert "trace_id" in first and "dtwin_expires_at" in first
    table = aws.client("dynamodb").describe_table(TableName=deployed.table)["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "device_id": "HASH",
        "timestamp": "RANGE",
    }


def test_event_rule_fires_action_and_feedback_reaches_the_device_topic(aws, deployed, project):
    send_payloads(aws, deployed, project)
    messages = feedback_messages(aws)
    topics = [topic for topic, _ in messages]
    # temperature 42.0 > 40.5 fires once; the pressure rule has no feedback.
    assert topics == ["dtwin/factory-twin/temperature-sensor-1/feedback"]
    assert messages[0][1]["command"] == "cool-down"
    lines = aws.host.logs(deployed.name("action-high-temperature-alert"))
    done = [json.loads(line) for line in lines if '"action-done"' in line]
    # Both rules fire: temperature 42.0 > 40.5, and pressure 1105 >= 1100 with the valve shut.
    assert sorted(d["device_id"] for d in done) == ["pressure-sensor-1", "temperature-sensor-1"]
    assert all(d["result"]["alert"] == "threshold exceeded" for d in done)


def test_unknown_device_is_rejected_with_a_reason(aws, deployed):
    result = invoke(aws, deployed.name("dispatcher"), {"device_id": "ghost", "x": 1})
    assert result["status"] == "rejected"
    assert "ghost" in result["reason"]
    assert any("ghost" in line for line in aws.host.logs(deployed.name("dispatcher")))


def test_failing_processor_is_reported_and_the_next_message_flows(aws, project, tmp_path):
    (project / "processors/temperature-sensor-2/process.py").write_text(
        "def process(event):\n    raise RuntimeError('sensor offline')\n"
    )
    deployed = deploy_project(aws, project, tmp_path / "build")
    bad = invoke(
        aws,
        deployed.name("processor-temperature-sensor-2"),
        {
            "device_id": "temperature-sensor-2",
            "timestamp": "2026-11-25T12:00:00.000Z",
            "trace_id": "t-bad",
            "temperature": 1.0,
        },
    )
    assert bad["status"] == "failed" and "sensor offline" in bad["error"]
    assert bad["line"] == 2 and bad["device_id"] == "temperature-sensor-2"
    log = "\n".join(aws.host.logs(deployed.name("processor-temperature-sensor-2")))
    assert "t-bad" in log and "temperature-sensor-2" in log and "line 2" in log
    invoke(
        aws,
        deployed.name("dispatcher"),
        {
            "device_id": "temperature-sensor-1",
            "timestamp": "2026-11-25T12:00:01.000Z",
            "temperature": 20.0,
            "humidity": 50.0,
        },
    )
    assert aws.host.drain(timeout_s=60)
    assert [i["device_id"]["S"] for i in hot_items(aws, deployed.table)] == ["temperature-sensor-1"]


def test_hot_reader_answers_json_api_and_twinmaker_shapes(aws, deployed, project):
    send_payloads(aws, deployed, project)
    url = aws.gateway.function_url(deployed.name("hot-reader"))
    with urllib.request.urlopen(f"{url}?device_id=temperature-sensor-1&limit=1") as reply:
        page = json.loads(reply.read())
    assert [i["temperature"] for i in page["items"]] == [22.5]
    assert page["next_cursor"]
    with urllib.request.urlopen(
        f"{url}?device_id=temperature-sensor-1&cursor={page['next_cursor']}"
    ) as reply:
        rest = json.loads(reply.read())
    assert [i["temperature"] for i in rest["items"]] == [42.0]
    twinmaker = invoke(
        aws,
        deployed.name("hot-reader"),
        {
            "workspaceId": "w",
            "entityId": "machine-1",
            "componentName": "temperature-sensor-1",
            "selectedProperties": ["temperature"],
            "startTime": "2026-11-25T00:00:00Z",
            "endTime": "2026-11-26T00:00:00Z",
            "properties": {"device_id": {"value": {"stringValue": "temperature-sensor-1"}}},
        },
    )
    (series,) = twinmaker["propertyValues"]
    assert series["entityPropertyReference"]["propertyName"] == "temperature"
    assert [v["value"] for v in series["values"]] == [{"doubleValue": 22.5}, {"doubleValue": 42.0}]


def test_movers_take_old_data_to_cold_then_archive(aws, deployed, project):
    send_payloads(aws, deployed, project, base=NOW - timedelta(days=40))
    send_payloads(aws, deployed, project, base=NOW)
    moved = invoke(aws, deployed.name("hot-to-cold-mover"), {"now": format_timestamp(NOW)})
    assert (moved["records_moved"], moved["records_deleted"]) == (5, 5)
    assert moved["objects_written"] == 3  # one object per device and day
    s3 = aws.client("s3")
    cold = s3.list_objects_v2(Bucket=deployed.cold)["Contents"]
    assert {o["StorageClass"] for o in cold} == {"STANDARD_IA"}
    keys = sorted(o["Key"] for o in cold)
    assert keys[0].startswith("pressure-sensor-1/2026/10/16/2026-10-16T12:00:03.000Z_")
    assert all(k.endswith(".jsonl") for k in keys)
    remaining = hot_items(aws, deployed.table)
    assert len(remaining) == 5
    assert all(i["timestamp"]["S"].startswith("2026-11-25") for i in remaining)
    lines = s3.get_object(Bucket=deployed.cold, Key=keys[-1])["Body"].read().splitlines()
    assert all(json.loads(line)["timestamp"].startswith("2026-10-16") for line in lines)

    later = format_timestamp(NOW + timedelta(days=100))
    invoke(aws, deployed.name("cold-to-archive-mover"), {"now": later})
    assert "Contents" not in s3.list_objects_v2(Bucket=deployed.cold)
    archived = s3.list_objects_v2(Bucket=deployed.archive)["Contents"]
    assert sorted(o["Key"] for o in archived) == keys
    assert {o["StorageClass"] for o in archived} == {"GLACIER"}


def test_mover_crash_between_write_and_delete_loses_nothing(aws, deployed, project):
    import boto3

    from dtwin_gui.runtime.aws.stores import DynamoHotStore, S3ObjectStore
    from dtwin_gui.runtime.core.movers import move_hot_to_cold
    from dtwin_gui.runtime.core.objects import decode_chunk

    send_payloads(aws, deployed, project, base=NOW - timedelta(days=40))
    dynamodb = boto3.resource("dynamodb", **aws.client_kwargs())
    s3 = aws.client("s3")

    class CrashingStore(DynamoHotStore):
        def delete(self, keys):
            raise ConnectionError("power cut")

    cold = S3ObjectStore(deployed.cold, s3, storage_class="STANDARD_IA")
    with pytest.raises(ConnectionError):
        move_hot_to_cold(CrashingStore(deployed.table, dynamodb), cold, now=NOW, hot_days=30)
    assert len(hot_items(aws, deployed.table)) == 5  # written to cold, not yet deleted
    move_hot_to_cold(DynamoHotStore(deployed.table, dynamodb), cold, now=NOW, hot_days=30)
    assert hot_items(aws, deployed.table) == []
    records = [
        r
        for o in s3.list_objects_v2(Bucket=deployed.cold)["Contents"]
        for r in decode_chunk(s3.get_object(Bucket=deployed.cold, Key=o["Key"])["Body"].read())
    ]
    assert len(records) == 5
    assert len({(r["device_id"], r["timestamp"]) for r in records}) == 5


def test_missing_environment_variable_fails_at_start_naming_it(aws, deployed):
    aws.client("lambda").update_function_configuration(
        FunctionName=deployed.name("persister"), Environment={"Variables": {"DTWIN_TWIN_NAME": "x"}}
    )
    reply = aws.client("lambda").invoke(FunctionName=deployed.name("persister"), Payload=b"{}")
    error = json.loads(reply["Payload"].read())
    assert reply["FunctionError"] == "Unhandled"
    assert "DTWIN_HOT_STORE or DTWIN_HOT_WRITER_URL" in error["errorMessage"]


def test_cross_cloud_project_deploys_its_aws_receivers(aws, project, tmp_path):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_2_provider="azure"))
    deployed = deploy_project(aws, project, tmp_path / "build")
    assert {"connector", "hot-writer", "dispatcher"} <= set(deployed.functions)
    assert "persister" not in deployed.functions
