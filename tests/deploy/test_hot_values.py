"""Recent hot-store values per device and numeric property, read through the deployed hot
reader in the emulated AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers_aws import deploy_project

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.names import hot_table_name
from dtwin_gui.core.project import load_project
from dtwin_gui.deploy.hot_values import recent_values
from dtwin_gui.deploy.query import QueryError
from dtwin_gui.runtime.aws.stores import DynamoHotStore
from dtwin_gui.runtime.core.records import format_timestamp

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(aws, project, tmp_path):
    """The example twin's functions (the hot reader among them) and its hot table."""
    import boto3

    twin = deploy_project(aws, project, tmp_path / "build")
    return DynamoHotStore(
        twin.table, boto3.resource("dynamodb", **aws.client_kwargs()), ttl_days=60
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


def test_values_are_read_through_the_deployed_hot_reader(aws, project, store):
    """The chart shows what the twin's reader serves: without the reader there is nothing,
    even though the table still holds records."""
    put(store, "temperature-sensor-1", 1, temperature=21.5)
    aws.client("lambda").delete_function(FunctionName="factory-twin-hot-reader")
    with pytest.raises(
        QueryError, match="nothing deployed: the hot reader factory-twin-hot-reader"
    ):
        recent_values(sandbox_target(aws.endpoint, aws.region), {}, load_project(project), now=NOW)
