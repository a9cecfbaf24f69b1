"""IoT TwinMaker emulation (moto has none): the calls our SDK steps make, validated like AWS."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from helpers_sandbox import create_function

ROLE = "arn:aws:iam::123456789012:role/twinmaker"
BUCKET = "arn:aws:s3:::twin-bucket"

#: A data reader that answers with what it was asked (so the test sees TwinMaker's request).
ECHO_READER = """\
import json

def handler(event, context):
    if event.get("componentName") == "broken":
        raise RuntimeError("reader exploded")
    return {
        "propertyValues": [
            {
                "entityPropertyReference": {
                    "entityId": event["entityId"],
                    "componentName": event["componentName"],
                    "propertyName": name,
                },
                "values": [
                    {"time": event["startTime"], "value": {"stringValue": json.dumps(event)}}
                ],
            }
            for name in event["selectedProperties"]
        ],
        "nextToken": None,
    }
"""


@pytest.fixture
def tm(aws):
    import boto3

    # A loopback endpoint has no api./data. host names: disable TwinMaker's host prefix.
    return boto3.client(
        "iottwinmaker", config=Config(inject_host_prefix=False), **aws.client_kwargs()
    )


def reader_type(arn: str, **extra) -> dict:
    return {
        "propertyDefinitions": {
            "temperature": {
                "dataType": {"type": "DOUBLE"},
                "isTimeSeries": True,
                "isStoredExternally": True,
            },
            "device_id": {
                "dataType": {"type": "STRING"},
                "defaultValue": {"stringValue": "sensor-1"},
            },
        },
        "functions": {"dataReader": {"implementedBy": {"lambda": {"arn": arn}}}},
        **extra,
    }


FAKE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:reader"


def test_workspace_lifecycle_conflicts_and_not_found(tm):
    created = tm.create_workspace(workspaceId="w-1", role=ROLE, s3Location=BUCKET)
    assert created["arn"] == "arn:aws:iottwinmaker:us-east-1:123456789012:workspace/w-1"
    with pytest.raises(tm.exceptions.ConflictException):
        tm.create_workspace(workspaceId="w-1", role=ROLE, s3Location=BUCKET)
    got = tm.get_workspace(workspaceId="w-1")
    assert (got["role"], got["s3Location"]) == (ROLE, BUCKET)
    tm.update_workspace(workspaceId="w-1", description="new")
    assert tm.get_workspace(workspaceId="w-1")["description"] == "new"
    assert [w["workspaceId"] for w in tm.list_workspaces()["workspaceSummaries"]] == ["w-1"]
    with pytest.raises(tm.exceptions.ValidationException, match="workspaceId"):
        tm.create_workspace(workspaceId="-bad-", role=ROLE, s3Location=BUCKET)
    with pytest.raises(tm.exceptions.ValidationException, match="role"):
        tm.create_workspace(workspaceId="w-2", role="not-a-role-arn-at-all", s3Location=BUCKET)
    tm.delete_workspace(workspaceId="w-1")
    with pytest.raises(tm.exceptions.ResourceNotFoundException):
        tm.get_workspace(workspaceId="w-1")
    with pytest.raises(tm.exceptions.ResourceNotFoundException):
        tm.delete_workspace(workspaceId="w-1")


def test_component_types_are_validated_listed_updated_and_deleted(tm):
    tm.create_workspace(workspaceId="ws", role=ROLE, s3Location=BUCKET)
    reply = tm.create_component_type(
        workspaceId="ws", componentTypeId="com.example.sensor", **reader_type(FAKE_ARN)
    )
    assert reply["state"] == "CREATING"
    got = tm.get_component_type(workspaceId="ws", componentTypeId="com.example.sensor")
    assert got["status"]["state"] == "ACTIVE"
    temperature = got["propertyDefinitions"]["temperature"]
    assert temperature["isTimeSeries"] and temperature["isStoredExternally"]
    assert temperature["isInherited"] is False
    with pytest.raises(tm.exceptions.ConflictException):
        tm.create_component_type(
            workspaceId="ws", componentTypeId="com.example.sensor", **reader_type(FAKE_ARN)
        )
    no_reader = reader_type(FAKE_ARN)
    del no_reader["functions"]
    with pytest.raises(tm.exceptions.ValidationException, match="dataReader"):
        tm.create_component_type(workspaceId="ws", componentTypeId="x.y", **no_reader)
    bad_type = reader_type(FAKE_ARN)
    bad_type["propertyDefinitions"]["temperature"]["dataType"]["type"] = "FLOAT"
    with pytest.raises(tm.exceptions.ValidationException, match=r"dataType\.type"):
        tm.create_component_type(workspaceId="ws", componentTypeId="x.y", **bad_type)
    with pytest.raises(tm.exceptions.ValidationException, match="reserved"):
        tm.create_component_type(
            workspaceId="ws", componentTypeId="com.amazon.mine", **reader_type(FAKE_ARN)
        )
    tm.update_component_type(
        workspaceId="ws", componentTypeId="com.example.sensor", description="v2"
    )
    got = tm.get_component_type(workspaceId="ws", componentTypeId="com.example.sensor")
    assert got["description"] == "v2" and "temperature" in got["propertyDefinitions"]
    ids = [
        t["componentTypeId"]
        for t in tm.list_component_types(workspaceId="ws")["componentTypeSummaries"]
    ]
    assert "com.example.sensor" in ids and "com.amazon.iottwinmaker.parameters" in ids
    ours = tm.list_component_types(workspaceId="ws", filters=[{"namespace": "com.example"}])
    assert [t["componentTypeId"] for t in ours["componentTypeSummaries"]] == ["com.example.sensor"]
    tm.delete_component_type(workspaceId="ws", componentTypeId="com.example.sensor")
    with pytest.raises(tm.exceptions.ResourceNotFoundException):
        tm.get_component_type(workspaceId="ws", componentTypeId="com.example.sensor")


def test_entities_form_a_tree_and_guard_deletion(tm):
    tm.create_workspace(workspaceId="ws", role=ROLE, s3Location=BUCKET)
    tm.create_component_type(workspaceId="ws", componentTypeId="sensor", **reader_type(FAKE_ARN))
    tm.create_entity(workspaceId="ws", entityId="site", entityName="site")
    tm.create_entity(
        workspaceId="ws",
        entityId="machine",
        entityName="machine",
        parentEntityId="site",
        components={
            "s1": {
                "componentTypeId": "sensor",
                "properties": {"device_id": {"value": {"stringValue": "sensor-9"}}},
            }
        },
    )
    with pytest.raises(tm.exceptions.ConflictException):
        tm.create_entity(workspaceId="ws", entityId="site", entityName="site")
    with pytest.raises(tm.exceptions.ValidationException, match="parent"):
        tm.create_entity(workspaceId="ws", entityId="x1", entityName="x", parentEntityId="nope")
    with pytest.raises(tm.exceptions.ValidationException, match="does not exist"):
        tm.create_entity(
            workspaceId="ws",
            entityId="x2",
            entityName="x",
            components={"c": {"componentTypeId": "?"}},
        )
    with pytest.raises(tm.exceptions.ValidationException, match="stringValue"):
        tm.create_entity(
            workspaceId="ws",
            entityId="x3",
            entityName="x",
            components={
                "c": {
                    "componentTypeId": "sensor",
                    "properties": {"device_id": {"value": {"doubleValue": 1.0}}},
                }
            },
        )
    site = tm.get_entity(workspaceId="ws", entityId="site")
    assert site["parentEntityId"] == "$ROOT" and site["hasChildEntities"] is True
    machine = tm.get_entity(workspaceId="ws", entityId="machine")
    assert machine["status"]["state"] == "ACTIVE"
    props = machine["components"]["s1"]["properties"]
    assert props["device_id"]["value"] == {"stringValue": "sensor-9"}
    children = tm.list_entities(workspaceId="ws", filters=[{"parentEntityId": "site"}])
    assert [e["entityId"] for e in children["entitySummaries"]] == ["machine"]

    # Update: move to the root, change a property, add and remove components.
    tm.update_entity(
        workspaceId="ws",
        entityId="machine",
        parentEntityUpdate={"updateType": "UPDATE", "parentEntityId": "$ROOT"},
        componentUpdates={
            "s1": {
                "updateType": "UPDATE",
                "propertyUpdates": {"device_id": {"value": {"stringValue": "sensor-2"}}},
            },
            "s2": {"updateType": "CREATE", "componentTypeId": "sensor"},
        },
    )
    machine = tm.get_entity(workspaceId="ws", entityId="machine")
    assert machine["parentEntityId"] == "$ROOT"
    assert set(machine["components"]) == {"s1", "s2"}
    assert machine["components"]["s1"]["properties"]["device_id"]["value"] == {
        "stringValue": "sensor-2"
    }
    # s2 shows the type's default
    assert machine["components"]["s2"]["properties"]["device_id"]["value"] == {
        "stringValue": "sensor-1"
    }
    tm.update_entity(
        workspaceId="ws",
        entityId="machine",
        parentEntityUpdate={"updateType": "UPDATE", "parentEntityId": "site"},
        componentUpdates={"s2": {"updateType": "DELETE"}},
    )
    assert set(tm.get_entity(workspaceId="ws", entityId="machine")["components"]) == {"s1"}

    # Deletion guards: type in use, entity with children, workspace with content.
    with pytest.raises(tm.exceptions.ValidationException, match="used by"):
        tm.delete_component_type(workspaceId="ws", componentTypeId="sensor")
    with pytest.raises(tm.exceptions.ValidationException, match="child"):
        tm.delete_entity(workspaceId="ws", entityId="site")
    with pytest.raises(tm.exceptions.ValidationException, match="entities"):
        tm.delete_workspace(workspaceId="ws")
    tm.delete_entity(workspaceId="ws", entityId="site", isRecursive=True)
    assert tm.list_entities(workspaceId="ws")["entitySummaries"] == []
    with pytest.raises(tm.exceptions.ValidationException, match="component types"):
        tm.delete_workspace(workspaceId="ws")
    tm.delete_component_type(workspaceId="ws", componentTypeId="sensor")
    tm.delete_workspace(workspaceId="ws")
    assert tm.list_workspaces()["workspaceSummaries"] == []


def test_property_history_invokes_the_bound_reader_with_twinmakers_request(aws, tm):
    arn = create_function(aws, "reader", ECHO_READER)
    tm.create_workspace(workspaceId="ws", role=ROLE, s3Location=BUCKET)
    tm.create_component_type(workspaceId="ws", componentTypeId="sensor", **reader_type(arn))
    tm.create_entity(
        workspaceId="ws",
        entityId="machine",
        entityName="machine",
        components={"s1": {"componentTypeId": "sensor"}, "broken": {"componentTypeId": "sensor"}},
    )
    reply = tm.get_property_value_history(
        workspaceId="ws",
        entityId="machine",
        componentName="s1",
        selectedProperties=["temperature"],
        startTime="2026-11-25T00:00:00Z",
        endTime="2026-11-26T00:00:00Z",
        maxResults=5,
        orderByTime="DESCENDING",
    )
    [history] = reply["propertyValues"]
    assert history["entityPropertyReference"]["propertyName"] == "temperature"
    request = json.loads(history["values"][0]["value"]["stringValue"])
    assert request["workspaceId"] == "ws" and request["componentName"] == "s1"
    assert request["selectedProperties"] == ["temperature"]
    assert request["properties"]["device_id"]["value"] == {"stringValue": "sensor-1"}
    assert request["properties"]["temperature"]["definition"]["isTimeSeries"] is True
    assert request["startDateTime"] == 1795564800
    assert (request["maxResults"], request["orderByTime"]) == (5, "DESCENDING")
    assert "nextToken" not in reply

    with pytest.raises(tm.exceptions.ConnectorFailureException, match="reader exploded"):
        tm.get_property_value_history(
            workspaceId="ws",
            entityId="machine",
            componentName="broken",
            selectedProperties=["temperature"],
            startTime="2026-11-25T00:00:00Z",
            endTime="2026-11-26T00:00:00Z",
        )
    with pytest.raises(tm.exceptions.ValidationException, match="not a time-series"):
        tm.get_property_value_history(
            workspaceId="ws",
            entityId="machine",
            componentName="s1",
            selectedProperties=["device_id"],
            startTime="2026-11-25T00:00:00Z",
            endTime="2026-11-26T00:00:00Z",
        )
    with pytest.raises(tm.exceptions.ValidationException, match="startTime"):
        tm.get_property_value_history(
            workspaceId="ws",
            entityId="machine",
            componentName="s1",
            selectedProperties=["temperature"],
        )


def test_tags_and_unemulated_calls(tm):
    arn = tm.create_workspace(workspaceId="ws", role=ROLE, s3Location=BUCKET, tags={"a": "1"})[
        "arn"
    ]
    tm.tag_resource(resourceARN=arn, tags={"b": "2"})
    assert tm.list_tags_for_resource(resourceARN=arn)["tags"] == {"a": "1", "b": "2"}
    tm.untag_resource(resourceARN=arn, tagKeys=["b"])
    assert tm.list_tags_for_resource(resourceARN=arn)["tags"] == {"a": "1"}
    with pytest.raises(tm.exceptions.ClientError) as caught:
        tm.list_scenes(workspaceId="ws")
    assert caught.value.response["Error"]["Code"] == "NotImplementedException"
    assert "not emulated" in caught.value.response["Error"]["Message"]


def test_other_services_still_reach_moto(aws, tm):
    tm.create_workspace(workspaceId="ws", role=ROLE, s3Location=BUCKET)
    aws.client("s3").create_bucket(Bucket="plain")
    assert [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]] == ["plain"]
