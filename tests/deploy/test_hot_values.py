"""Recent hot-store values per device and numeric property, from the emulated DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dtwin_gui.core.project import load_project
from dtwin_gui.deploy.hot_values import hot_table_name, recent_values
from dtwin_gui.deploy.target import sandbox_target
from dtwin_gui.runtime.aws.stores import DynamoHotStore
from dtwin_gui.runtime.core.records import format_timestamp

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make_table(aws, name: str) -> None:
    aws.client("dynamodb").create_table(
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


@pytest.fixture
def store(aws):
    make_table(aws, "factory-twin-hot")
    import boto3

    return DynamoHotStore(
        "factory-twin-hot", boto3.resource("dynamodb", **aws.client_kwargs()), ttl_days=60
    )


def put(store, device: str, minutes_ago: float, **values) -> None:
    moment = format_timestamp(NOW - timedelta(minutes=minutes_ago))
    store.put({"device_id": device, "timestamp": moment, "trace_id": "t", **values})


def test_numeric_series_per_device_and_property(aws, project, store):
    put(store, "temperature-sensor-1", 3, temperature=21.5, humidity=40)
    put(store, "temperature-sensor-1", 2, temperature=22.0, humidity=41.5, note="ok")
    put(store, "temperature-sensor-1", 1, temperature=23.0)
    put(store, "pressure-sensor-1", 1, pressure=1012.8, valve_open=False)
    put(store, "pressure-sensor-1", 30, pressure=999.0)  # older than the window
    series = recent_values(
        sandbox_target(aws.endpoint, aws.region), {}, load_project(project), minutes=15, now=NOW
    )
    assert set(series) == {"temperature-sensor-1", "pressure-sensor-1"}
    temperature = series["temperature-sensor-1"]["temperature"]
    assert [v for _, v in temperature] == [21.5, 22.0, 23.0]  # oldest first
    assert temperature[0][0] == NOW - timedelta(minutes=3)
    assert [v for _, v in series["temperature-sensor-1"]["humidity"]] == [40.0, 41.5]
    # Text, booleans and the reserved keys are no series.
    assert set(series["temperature-sensor-1"]) == {"temperature", "humidity"}
    assert series["pressure-sensor-1"] == {"pressure": [(NOW - timedelta(minutes=1), 1012.8)]}


def test_limit_keeps_the_newest_records(aws, project, store):
    for i in range(10):
        put(store, "temperature-sensor-2", 10 - i, temperature=float(i))
    series = recent_values(
        sandbox_target(aws.endpoint, aws.region),
        {"hot_table_name": "factory-twin-hot"},
        load_project(project),
        limit=3,
        now=NOW,
    )
    assert [v for _, v in series["temperature-sensor-2"]["temperature"]] == [7.0, 8.0, 9.0]


def test_the_table_name_comes_from_the_outputs_else_the_topology(project):
    loaded = load_project(project)
    assert hot_table_name({}, loaded) == "factory-twin-hot"
    assert hot_table_name({"hot_table_name": "custom"}, loaded) == "custom"
    assert hot_table_name({"hot_table_name": {"value": "x", "type": "string"}}, loaded) == "x"
