"""IoT topic rules run for real: publish -> rule SQL -> Lambda action."""

from __future__ import annotations

import json

import pytest
from helpers_sandbox import create_sink, http_json, stored_events

from dtwin_gui.clouds.aws.sandbox.patches.iot_rules import (
    Message,
    UnsupportedSql,
    parse_rule_sql,
    topic_matches,
)

TELEMETRY = "SELECT *, topic(3) AS device_id FROM 'dtwin/t/+/telemetry'"


# --- the SQL subset, without the emulator ---------------------------------------------------
@pytest.mark.parametrize(
    ("topic_filter", "topic", "expected"),
    [
        ("dtwin/t/+/telemetry", "dtwin/t/d1/telemetry", True),
        ("dtwin/t/+/telemetry", "dtwin/t/d1/feedback", False),
        ("dtwin/t/+/telemetry", "dtwin/t/d1/x/telemetry", False),
        ("dtwin/#", "dtwin/t/d1/telemetry", True),
        ("dtwin/#", "dtwin", True),
        ("dtwin/#", "other/t", False),
        ("a/b", "a/b", True),
        ("a/b", "a/b/c", False),
    ],
)
def test_topic_filters(topic_filter, topic, expected):
    assert topic_matches(topic_filter, topic) is expected


def run(sql: str, payload: object, topic: str = "dtwin/t/d1/telemetry"):
    rule = parse_rule_sql(sql)
    message = Message(topic, payload, "client", 1234)
    if not rule.matches(topic) or not rule.condition_holds(message):
        return None
    return rule.select(message)


def test_projections():
    payload = {"temperature": 21.5, "meta": {"unit": "C", "tags": ["a", "b"]}}
    assert run("SELECT * FROM 'dtwin/t/+/telemetry'", payload) == payload
    assert run(TELEMETRY, payload) == {**payload, "device_id": "d1"}
    assert run("select topic(3) as device, topic(9) as nothing from 'dtwin/#'", payload) == {
        "device": "d1"
    }
    assert run(
        "SELECT temperature, meta.unit AS unit, meta.tags[1] AS second, topic() AS t, "
        "timestamp() AS ts, clientid() AS c, 'x' AS literal, missing FROM 'dtwin/#'",
        payload,
    ) == {
        "temperature": 21.5,
        "unit": "C",
        "second": "b",
        "t": "dtwin/t/d1/telemetry",
        "ts": 1234,
        "c": "client",
        "literal": "x",
    }


@pytest.mark.parametrize(
    ("where", "fires"),
    [
        ("temperature > 20", True),
        ("temperature > 30", False),
        ("temperature >= 21.5 AND meta.unit = 'C'", True),
        ("temperature < 0 OR meta.unit <> 'F'", True),
        ("NOT (temperature < 0)", True),
        ("topic(3) = 'd1'", True),
        ("missing > 1", False),  # undefined never fires
        ("NOT missing > 1", False),  # still undefined
        ("missing > 1 OR temperature > 1", True),
        ("temperature = '21.5'", False),  # mismatched types are undefined
        ("missing IS UNDEFINED", True),
        ("nothing IS NULL AND temperature IS NOT NULL", True),
        ("active", True),
        ("NOT active", False),
        ("temperature > -5", True),
    ],
)
def test_where(where, fires):
    payload = {"temperature": 21.5, "meta": {"unit": "C"}, "nothing": None, "active": True}
    result = run(f"SELECT * FROM 'dtwin/#' WHERE {where}", payload)
    assert (result is not None) is fires


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT temperature * 2 AS t FROM 'a'",
        "SELECT * FROM 'a' WHERE temperature + 1 > 2",
        "SELECT upper(name) AS n FROM 'a'",
        "SELECT * FROM 'a' WHERE startswith(topic(), 'x')",
        "SELECT 1 FROM 'a'",
        "DELETE FROM 'a'",
        "SELECT * FROM 'a/#/b'",
    ],
)
def test_unsupported_sql_is_rejected(sql):
    with pytest.raises(UnsupportedSql):
        parse_rule_sql(sql)


# --- with the emulator -------------------------------------------------------------------
def add_rule(aws, name: str, sql: str, function_arn: str, *, disabled: bool = False) -> None:
    aws.client("iot").create_topic_rule(
        ruleName=name,
        topicRulePayload={
            "sql": sql,
            "actions": [{"lambda": {"functionArn": function_arn}}],
            "ruleDisabled": disabled,
            "awsIotSqlVersion": "2016-03-23",
        },
    )


def publish(aws, topic: str, payload: dict) -> None:
    aws.client("iot-data").publish(topic=topic, qos=1, payload=json.dumps(payload).encode())
    assert aws.host.drain(timeout_s=60)


def test_publish_runs_the_rule_lambda_with_the_projected_message(aws):
    sink = create_sink(aws)
    add_rule(aws, "telemetry", TELEMETRY, sink)
    publish(aws, "dtwin/t/d1/telemetry", {"temperature": 21.5, "timestamp": "x"})
    assert stored_events(aws) == [{"temperature": 21.5, "timestamp": "x", "device_id": "d1"}]
    # moto recorded the message as before
    from moto.backends import get_backend

    published = get_backend("iot-data")["123456789012"][aws.region].published_payloads
    assert [topic for topic, _ in published] == ["dtwin/t/d1/telemetry"]
    entry = next(e for e in aws.sandbox_log if e.get("outcome") == "fired")
    assert entry["rule"] == "telemetry" and entry["actions"][0]["ok"] is True


def test_a_topic_that_does_not_match_fires_nothing(aws):
    sink = create_sink(aws)
    add_rule(aws, "telemetry", TELEMETRY, sink)
    publish(aws, "dtwin/t/d1/feedback", {"command": "x"})
    publish(aws, "dtwin/other/d1/telemetry", {"temperature": 1})
    assert stored_events(aws) == []
    assert [e["outcome"] for e in aws.sandbox_log] == ["no-match", "no-match"]


def test_a_disabled_rule_does_not_fire(aws):
    sink = create_sink(aws)
    add_rule(aws, "telemetry", TELEMETRY, sink, disabled=True)
    publish(aws, "dtwin/t/d1/telemetry", {"temperature": 21.5})
    assert stored_events(aws) == []
    assert aws.sandbox_log[-1]["outcome"] == "disabled"
    aws.client("iot").enable_topic_rule(ruleName="telemetry")
    publish(aws, "dtwin/t/d1/telemetry", {"temperature": 22.5})
    assert stored_events(aws) == [{"temperature": 22.5, "device_id": "d1"}]


def test_where_filters_and_several_rules_fire_independently(aws):
    sink = create_sink(aws)
    add_rule(aws, "hot", "SELECT topic(3) AS device FROM 'dtwin/t/+/telemetry' WHERE t > 40", sink)
    add_rule(aws, "all", "SELECT t FROM 'dtwin/#'", sink)
    publish(aws, "dtwin/t/d1/telemetry", {"t": 20})
    publish(aws, "dtwin/t/d2/telemetry", {"t": 42})
    events = sorted(stored_events(aws), key=json.dumps)
    assert events == [{"device": "d2"}, {"t": 20}, {"t": 42}]
    outcomes = [(e["rule"], e["outcome"]) for e in aws.sandbox_log]
    assert outcomes == [
        ("all", "fired"),
        ("hot", "where-false"),
        ("all", "fired"),
        ("hot", "fired"),
    ]


def test_unsupported_rules_and_payloads_are_logged_not_run(aws):
    sink = create_sink(aws)
    add_rule(aws, "maths", "SELECT t * 2 AS double FROM 'dtwin/#'", sink)
    add_rule(aws, "plain", "SELECT t FROM 'dtwin/#'", sink)
    publish(aws, "dtwin/t/d1/telemetry", {"t": 1})
    aws.client("iot-data").publish(topic="dtwin/raw", qos=0, payload=b"\x00binary")
    assert aws.host.drain(timeout_s=60)
    assert stored_events(aws) == [{"t": 1}]
    warnings = [e for e in aws.sandbox_log if e.get("level") == "warning"]
    assert [(e["rule"], e["outcome"]) for e in warnings] == [
        ("maths", "unsupported"),
        ("maths", "unsupported"),
        ("plain", "unsupported"),
    ]
    assert "not supported" in warnings[0]["message"]


def test_a_missing_function_is_logged(aws):
    create_sink(aws)
    add_rule(
        aws, "lost", "SELECT * FROM 'a'", "arn:aws:lambda:us-east-1:123456789012:function:gone"
    )
    publish(aws, "a", {"x": 1})
    failed = [e for e in aws.sandbox_log if e.get("outcome") == "action-failed"]
    assert len(failed) == 1 and "gone" in failed[0]["message"]


def test_the_sandbox_log_is_served_over_http(aws):
    sink = create_sink(aws)
    add_rule(aws, "telemetry", TELEMETRY, sink)
    publish(aws, "dtwin/t/d1/telemetry", {"t": 1})
    status, body = http_json(f"{aws.endpoint}/_dtwin/log")
    assert status == 200 and [e["outcome"] for e in body["entries"]] == ["fired"]
    publish(aws, "dtwin/t/d2/telemetry", {"t": 2})
    status, later = http_json(f"{aws.endpoint}/_dtwin/log?since={body['next']}")
    assert [e["topic"] for e in later["entries"]] == ["dtwin/t/d2/telemetry"]
