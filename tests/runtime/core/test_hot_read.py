"""The hot reader: plain JSON queries, latest values and the TwinMaker connector shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.hot_read import (
    BadRequest,
    answer,
    decode_cursor,
    encode_cursor,
    latest,
    query,
    twinmaker_response,
    typed_value,
)
from dtwin_gui.runtime.core.memory import MemoryHotStore

CONFIG = FunctionConfig(
    role="hot-reader",
    twin_name="factory-twin",
    cloud="aws",
    name="hot-reader",
    devices={
        "temperature-sensor-1": {"temperature": "DOUBLE", "humidity": "DOUBLE"},
        "pressure-sensor-1": {"pressure": "DOUBLE", "valve_open": "BOOLEAN"},
        "counter-1": {"count": "INTEGER", "state": "STRING"},
    },
)


def stamp(minute: int) -> str:
    return f"2026-11-25T10:{minute:02d}:00.000Z"


@pytest.fixture
def store():
    hot = MemoryHotStore()
    for minute in range(10):
        hot.put(
            {
                "device_id": "temperature-sensor-1",
                "timestamp": stamp(minute),
                "trace_id": f"t{minute}",
                "temperature": 20 + minute,
                "humidity": 40.0,
                "temperature_f": 68.0 + minute,
            }
        )
    hot.put(
        {
            "device_id": "pressure-sensor-1",
            "timestamp": stamp(3),
            "pressure": 1105.0,
            "valve_open": False,
        }
    )
    hot.put({"device_id": "counter-1", "timestamp": stamp(4), "count": 7, "state": "run"})
    return hot


def test_time_range_is_inclusive_and_normalised(store):
    page = query(
        store,
        {
            "device_id": "temperature-sensor-1",
            "start": "2026-11-25T11:02:00+01:00",
            "end": "2026-11-25T10:04:00Z",
        },
    )
    assert [r["timestamp"] for r in page["items"]] == [stamp(2), stamp(3), stamp(4)]
    assert page["next_cursor"] is None


def test_properties_restrict_the_keys(store):
    for properties in (["humidity"], "humidity", "humidity, absent"):
        page = query(
            store, {"device_id": "temperature-sensor-1", "properties": properties, "limit": 1}
        )
        assert page["items"] == [
            {"device_id": "temperature-sensor-1", "timestamp": stamp(0), "humidity": 40.0}
        ]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_paging_with_the_cursor_returns_every_record_once(store, order):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"device_id": "temperature-sensor-1", "limit": "3", "order": order}
        if cursor:
            params["cursor"] = cursor
        page = query(store, params)
        pages += 1
        seen += [r["timestamp"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = [stamp(m) for m in range(10)]
    assert seen == (expected if order == "asc" else expected[::-1])
    assert pages == 4


def test_the_page_size_is_capped(store):
    page = query(store, {"device_id": "temperature-sensor-1", "limit": 1000}, max_page=4)
    assert len(page["items"]) == 4 and page["next_cursor"] is not None


def test_the_cursor_is_opaque_but_round_trips():
    cursor = encode_cursor(stamp(5))
    assert stamp(5) not in cursor and decode_cursor(cursor) == stamp(5)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "device_id is required"),
        ({"device_id": "d", "start": "noon"}, "start must be an ISO-8601 time"),
        ({"device_id": "d", "start": stamp(5), "end": stamp(1)}, "is after end"),
        ({"device_id": "d", "limit": 0}, "limit must be a whole number"),
        ({"device_id": "d", "limit": "ten"}, "limit must be a whole number"),
        ({"device_id": "d", "limit": 2.5}, "limit must be a whole number"),
        ({"device_id": "d", "cursor": "!!!"}, "cursor is not valid"),
        ({"device_id": "d", "cursor": encode_cursor("yesterday")}, "cursor is not valid"),
        ({"device_id": "d", "properties": [1]}, "properties must be a list"),
        ({"device_id": "d", "order": "up"}, "order must be"),
    ],
)
def test_bad_parameters_are_bad_requests(store, params, message):
    with pytest.raises(BadRequest, match=message):
        query(store, params)


def test_latest_per_device(store):
    result = latest(store, ["temperature-sensor-1", "pressure-sensor-1", "silent-1"])
    assert result["temperature-sensor-1"]["timestamp"] == stamp(9)
    assert result["pressure-sensor-1"]["pressure"] == 1105.0
    assert "silent-1" not in result
    assert latest(store, "counter-1")["counter-1"]["count"] == 7
    with pytest.raises(BadRequest):
        latest(store, [])


def twinmaker_request(**changes):
    request = {
        "workspaceId": "factory-twin-workspace",
        "entityId": "entity-temp-1",
        "componentName": "telemetry",
        "selectedProperties": ["temperature", "temperature_f"],
        "startTime": "2026-11-25T10:00:00Z",
        "endTime": "2026-11-25T10:09:00Z",
        "properties": {
            "device_id": {
                "definition": {"dataType": {"type": "STRING"}},
                "value": {"stringValue": "temperature-sensor-1"},
            },
            "temperature": {"definition": {"dataType": {"type": "DOUBLE"}, "isTimeSeries": True}},
        },
        "maxResults": 4,
    }
    request.update(changes)
    return request


def test_twinmaker_response_shape_with_typed_values(store):
    response = twinmaker_response(store, twinmaker_request(), CONFIG)
    temperature, fahrenheit = response["propertyValues"]
    assert temperature["entityPropertyReference"] == {
        "entityId": "entity-temp-1",
        "componentName": "telemetry",
        "propertyName": "temperature",
    }
    # stored as int 20, declared DOUBLE: sent as a double
    assert temperature["values"][0] == {"time": stamp(0), "value": {"doubleValue": 20.0}}
    assert isinstance(temperature["values"][0]["value"]["doubleValue"], float)
    assert len(temperature["values"]) == 4
    assert fahrenheit["values"][1] == {"time": stamp(1), "value": {"doubleValue": 69.0}}
    assert response["nextToken"] is not None


def test_twinmaker_paging_and_order(store):
    times, token = [], None
    while True:
        response = twinmaker_response(
            store, twinmaker_request(nextToken=token, orderByTime="DESCENDING"), CONFIG
        )
        times += [v["time"] for v in response["propertyValues"][0]["values"]]
        token = response["nextToken"]
        if token is None:
            break
    assert times == [stamp(m) for m in range(9, -1, -1)]


def test_twinmaker_device_from_component_name_and_other_types(store):
    request = {
        "entityId": "e",
        "componentName": "counter-1",
        "selectedProperties": ["count", "state", "absent"],
        "startDateTime": int(datetime(2026, 11, 25, 10, tzinfo=UTC).timestamp()),
    }
    count, state, absent = twinmaker_response(store, request, CONFIG)["propertyValues"]
    assert count["values"] == [{"time": stamp(4), "value": {"integerValue": 7}}]
    assert state["values"] == [{"time": stamp(4), "value": {"stringValue": "run"}}]
    assert absent["values"] == []
    valve = twinmaker_response(
        store,
        {"componentName": "pressure-sensor-1", "selectedProperties": ["valve_open"]},
        CONFIG,
    )["propertyValues"][0]
    assert valve["values"] == [{"time": stamp(3), "value": {"booleanValue": False}}]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"properties": {}, "componentName": "telemetry"}, "cannot tell the device"),
        ({"properties": {"device_id": {"value": {"stringValue": "ghost"}}}}, "not in this twin"),
        ({"selectedProperties": []}, "selectedProperties"),
        ({"startTime": "soon"}, "startTime must be an ISO-8601 time"),
        ({"orderByTime": "RANDOM"}, "orderByTime"),
        ({"nextToken": "%%"}, "cursor is not valid"),
    ],
)
def test_twinmaker_bad_requests(store, changes, message):
    with pytest.raises(BadRequest, match=message):
        twinmaker_response(store, twinmaker_request(**changes), CONFIG)


@pytest.mark.parametrize(
    ("value", "data_type", "expected"),
    [
        (1, "DOUBLE", {"doubleValue": 1.0}),
        (2.0, "INTEGER", {"integerValue": 2}),
        (2.5, "INTEGER", None),
        (True, "DOUBLE", None),
        (True, "BOOLEAN", {"booleanValue": True}),
        (1, "BOOLEAN", None),
        (3, "STRING", {"stringValue": "3"}),
        (None, "DOUBLE", None),
        (True, None, {"booleanValue": True}),
        (3, None, {"integerValue": 3}),
        ("x", None, {"stringValue": "x"}),
        (4, "LONG", {"longValue": 4}),
    ],
)
def test_typed_value(value, data_type, expected):
    assert typed_value(value, data_type) == expected


def test_answer_routes_by_op(store):
    assert (
        answer(store, {"op": "query", "params": {"device_id": "counter-1"}}, CONFIG)["items"][0][
            "count"
        ]
        == 7
    )
    assert (
        "counter-1" in answer(store, {"op": "latest", "device_ids": ["counter-1"]}, CONFIG)["items"]
    )
    tm = answer(
        store,
        {
            "op": "twinmaker",
            "request": {"componentName": "counter-1", "selectedProperties": ["count"]},
        },
        CONFIG,
    )
    assert tm["propertyValues"][0]["values"][0]["value"] == {"integerValue": 7}
    with pytest.raises(BadRequest, match="op must be"):
        answer(store, {"op": "drop"}, CONFIG)
