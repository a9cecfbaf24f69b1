"""The DynamoDB fast path answers exactly as moto's normal path does (real moto both ways).

Each request is sent twice: through the fast path to table ``fast`` and through moto's own
web application (the path every other request takes, with moto's table query as shipped) to
table ``slow``, which holds the same items. Status, error type, content type and body must
match, so a client (boto3 in the functions, ``dtwin query``) cannot tell them apart.
"""

from __future__ import annotations

import json

import pytest

from dtwin_gui.clouds.aws.sandbox import fastpath

_AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00"
)


def _headers(operation: str, host: str) -> dict[str, str]:
    return {
        "Host": host,
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": _AUTH,
        "X-Amz-Date": "20260101T000000Z",
        "User-Agent": "Boto3/1.0 Botocore/1.0",
    }


def _item(device: str, stamp: str, **extra) -> dict:
    return {"device_id": {"S": device}, "timestamp": {"S": stamp}, **extra}


RICH = {
    "temperature": {"N": "21.5"},
    "count": {"N": "3"},
    "ok": {"BOOL": True},
    "none": {"NULL": True},
    "tags": {"SS": ["a", "b"]},
    "levels": {"NS": ["1", "2.5"]},
    "blob": {"B": "AAEC"},
    "blobs": {"BS": ["AAE=", "AgM="]},
    "nested": {"M": {"x": {"L": [{"S": "y"}, {"N": "1"}, {"M": {}}]}}},
}

#: (operation, request body without TableName): the hot path's calls and their edge cases.
REQUESTS = [
    ("PutItem", {"Item": _item("d1", "2026-01-01T00:00:00.001Z", **RICH)}),
    ("PutItem", {"Item": _item("d1", "2026-01-01T00:00:00.002Z", trace_id={"S": "t2"})}),
    ("PutItem", {"Item": _item("d2", "2026-01-01T00:00:00.001Z", trace_id={"S": "t3"})}),
    ("PutItem", {"Item": _item("d1", "2026-01-01T00:00:00.003Z"), "ReturnValues": "ALL_OLD"}),
    (
        "PutItem",
        {
            "Item": _item("d1", "2026-01-01T00:00:00.003Z", v={"N": "2"}),
            "ReturnValues": "ALL_OLD",
            "ReturnConsumedCapacity": "TOTAL",
        },
    ),
    (
        "PutItem",
        {
            "Item": _item("d1", "2026-01-01T00:00:00.001Z"),
            "ConditionExpression": "attribute_not_exists(device_id)",
        },
    ),
    ("PutItem", {"Item": {"device_id": {"S": "d1"}}}),  # no range key: a validation error
    ("PutItem", {"Item": _item("d1", "x"), "ReturnConsumedCapacity": "SOME"}),
    ("GetItem", {"Key": _item("d1", "2026-01-01T00:00:00.001Z")}),
    ("GetItem", {"Key": _item("d9", "2026-01-01T00:00:00.001Z")}),
    (
        "GetItem",
        {"Key": _item("d1", "2026-01-01T00:00:00.002Z"), "ProjectionExpression": "trace_id"},
    ),
    (
        "Query",
        {
            "KeyConditionExpression": "#d = :d",
            "ExpressionAttributeNames": {"#d": "device_id"},
            "ExpressionAttributeValues": {":d": {"S": "d1"}},
        },
    ),
    (
        "Query",
        {
            "KeyConditionExpression": "#d = :d AND #t >= :lo",
            "ExpressionAttributeNames": {"#d": "device_id", "#t": "timestamp"},
            "ExpressionAttributeValues": {
                ":d": {"S": "d1"},
                ":lo": {"S": "2026-01-01T00:00:00.002Z"},
            },
            "ScanIndexForward": False,
            "ReturnConsumedCapacity": "INDEXES",
        },
    ),
    (
        "Query",
        {
            "KeyConditionExpression": "device_id = :d",
            "ExpressionAttributeValues": {":d": {"S": "d1"}},
            "Limit": 1,
            "ExclusiveStartKey": _item("d1", "2026-01-01T00:00:00.001Z"),
        },
    ),
    (
        "Query",
        {
            "KeyConditionExpression": "device_id = :d",
            "FilterExpression": "attribute_exists(trace_id)",
            "ExpressionAttributeValues": {":d": {"S": "d1"}},
            "Select": "COUNT",
        },
    ),
    ("Query", {"KeyConditionExpression": "device_id = :d"}),  # value missing: an error
    ("PutItem", {"Item": _item("d1", "2026-01-01T00:00:00.004Z")}),
    ("PutItem", {"Item": _item("d1", "2026-01-01T00:00:00.005Z")}),
]
_KEYS = {"#d": "device_id", "#t": "timestamp"}
#: Range key conditions: a page filled exactly with items after it (LastEvaluatedKey), a
#: prefix, no match, backwards with a start key.
for condition, values, extra in [
    ("#t BETWEEN :a AND :b", {":a": ".002Z", ":b": ".003Z"}, {"Limit": 2}),
    ("begins_with(#t, :a)", {":a": ".00"}, {"Limit": 3, "ScanIndexForward": False}),
    ("#t > :a", {":a": ".009Z"}, {}),
    ("#t < :a", {":a": ".005Z"}, {"ScanIndexForward": False, "Limit": 1}),
    (
        "#t <= :a",
        {":a": ".004Z"},
        {"ScanIndexForward": False, "ExclusiveStartKey": _item("d1", "2026-01-01T00:00:00.003Z")},
    ),
]:
    REQUESTS.append(
        (
            "Query",
            {
                "KeyConditionExpression": f"#d = :d AND {condition}",
                "ExpressionAttributeNames": _KEYS,
                "ExpressionAttributeValues": {
                    ":d": {"S": "d1"},
                    **{k: {"S": f"2026-01-01T00:00:00{v}"} for k, v in values.items()},
                },
                **extra,
            },
        )
    )


@pytest.fixture
def tables(aws):
    client = aws.client("dynamodb")
    for name in ("fast", "slow"):
        client.create_table(
            TableName=name,
            KeySchema=[
                {"AttributeName": "device_id", "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "device_id", "AttributeType": "S"},
                {"AttributeName": "timestamp", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    return aws


def _answer(status: int, headers: dict, body: bytes, table: str) -> tuple:
    lower = {k.lower(): v for k, v in headers.items()}
    text = body.decode().replace(f'"{table}"', '"TABLE"').replace(f"/{table}", "/TABLE")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    return status, lower.get("content-type"), lower.get("x-amzn-errortype"), parsed


def test_fast_path_answers_each_hot_call_as_moto_does(tables, monkeypatch):
    from moto.dynamodb.models.table import Table

    gateway = tables.gateway
    host = gateway.url.split("//", 1)[1]
    answers = []
    for operation, request in REQUESTS:
        assert fastpath.operation(_headers(operation, host)) == operation
        fast_body = json.dumps({"TableName": "fast", **request}).encode()
        slow_body = json.dumps({"TableName": "slow", **request}).encode()
        fast = fastpath.call("POST", "/", fast_body, _headers(operation, host), host)
        with monkeypatch.context() as moto_as_shipped:
            original = getattr(Table.query, "__wrapped__", Table.query)
            moto_as_shipped.setattr(Table, "query", original)
            slow = gateway._call_app("POST", "/", slow_body, _headers(operation, host))
        answers.append((operation, fast[0]))
        assert _answer(*fast, "fast") == _answer(slow.status, slow.headers, slow.body, "slow"), (
            operation,
            request,
        )
    # The cases above do reach moto's errors and its serializer's fallbacks, not only 200s.
    assert ("PutItem", 400) in answers and ("Query", 400) in answers


def test_hot_store_through_the_gateway_reads_back_what_it_wrote(tables):
    """boto3 (as the persister and the hot reader use it) against the fast path."""
    client = tables.client("dynamodb")
    for i in range(5):
        for device in ("a", "b"):
            client.put_item(
                TableName="fast",
                Item=_item(device, f"2026-01-01T00:00:0{i}Z", n={"N": str(i)}, blob={"B": b"\x00"}),
            )
    page = client.query(
        TableName="fast",
        KeyConditionExpression="device_id = :d AND #t > :lo",
        ExpressionAttributeNames={"#t": "timestamp"},
        ExpressionAttributeValues={":d": {"S": "b"}, ":lo": {"S": "2026-01-01T00:00:01Z"}},
        ScanIndexForward=False,
        Limit=2,
    )
    assert [item["n"]["N"] for item in page["Items"]] == ["4", "3"]
    assert page["LastEvaluatedKey"]["timestamp"]["S"] == "2026-01-01T00:00:03Z"
    assert page["Items"][0]["blob"]["B"] == b"\x00"
    got = client.get_item(TableName="fast", Key=_item("a", "2026-01-01T00:00:02Z"))
    assert got["Item"]["n"] == {"N": "2"}
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.put_item(TableName="missing", Item=_item("a", "x"))
