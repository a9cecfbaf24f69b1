"""The sandbox clock fires EventBridge Scheduler schedules and scheduled EventBridge rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers_sandbox import create_function, create_sink, http_json, stored_events

from dtwin_gui.clouds.aws.sandbox.patches.scheduler import UnsupportedSchedule, due_count

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::123456789012:role/scheduler"
ECHO = "def handler(event, context):\n    return event\n"


# --- expressions, without the emulator ------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "hours", "expected"),
    [
        ("rate(1 day)", 24, 1),
        ("rate(1 day)", 23, 0),
        ("rate(1 day)", 24 * 30, 30),
        ("rate(6 hours)", 24, 4),
        ("rate(1 hour)", 1, 1),
        ("rate(15 minutes)", 1, 4),
        ("cron(30 2 * * ? *)", 24, 1),  # daily 02:30
        ("cron(30 2 * * ? *)", 12, 0),  # 12:00 -> 24:00 has no 02:30
        ("cron(0 0 * * ? *)", 24 * 7, 7),
        ("cron(0/30 * * * ? *)", 2, 4),
        ("cron(0 8 ? * MON-FRI *)", 24 * 7, 5),
        ("cron(0 8 1 * ? *)", 24 * 31, 1),
        ("cron(0 12,18 * * ? 2026)", 24, 2),  # 18:00 today, 12:00 tomorrow
        ("cron(0 12 * * ? 2027)", 24, 0),
        ("at(2026-11-25T18:00:00)", 24, 1),
        ("at(2026-11-25T11:00:00)", 24, 0),
    ],
)
def test_due_count(expression, hours, expected):
    assert due_count(expression, T0, T0 + timedelta(hours=hours), anchor=T0) == expected


def test_rate_runs_are_counted_from_the_anchor():
    # anchor 10:00, every 6 hours: 16:00, 22:00 fall in 12:00 -> 23:00
    anchor = T0 - timedelta(hours=2)
    assert due_count("rate(6 hours)", T0, T0 + timedelta(hours=11), anchor=anchor) == 2


def test_cron_in_a_time_zone():
    berlin = ZoneInfo("Europe/Berlin")  # UTC+1 in November: 02:30 local is 01:30 UTC
    start = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert (
        due_count(
            "cron(30 2 * * ? *)", start, start + timedelta(hours=1), anchor=start, zone=berlin
        )
        == 1
    )
    assert due_count("cron(30 2 * * ? *)", start, start + timedelta(hours=1), anchor=start) == 0


@pytest.mark.parametrize(
    "expression",
    ["cron(0 0 L * ? *)", "cron(0 0 ? * 2#1 *)", "cron(0 0 * *)", "every day", "rate(0 days)"],
)
def test_unsupported_expressions(expression):
    with pytest.raises(UnsupportedSchedule):
        due_count(expression, T0, T0 + timedelta(days=1), anchor=T0)


# --- with the emulator -------------------------------------------------------------------
def add_schedule(aws, name: str, expression: str, target: str, **extra) -> None:
    target_spec = {"Arn": target, "RoleArn": ROLE}
    if "input" in extra:
        target_spec["Input"] = json.dumps(extra.pop("input"))
    aws.client("scheduler").create_schedule(
        Name=name,
        ScheduleExpression=expression,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target_spec,
        **extra,
    )


def add_rule(aws, name: str, expression: str, target: str, **extra) -> None:
    events = aws.client("events")
    events.put_rule(Name=name, ScheduleExpression=expression, **extra)
    events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": target}])


def test_the_clock_starts_at_wall_time_and_moves_forward(aws):
    before = datetime.now(UTC)
    assert abs((aws.clock.now() - before).total_seconds()) < 5
    aws.clock.advance(days=2, hours=1)
    assert abs((aws.clock.now() - before - timedelta(days=2, hours=1)).total_seconds()) < 5
    with pytest.raises(ValueError):
        aws.clock.advance(seconds=-1)


def test_a_daily_schedule_fires_once_per_advance_with_the_sandbox_time(aws):
    sink = create_sink(aws)
    add_schedule(aws, "hot-to-cold", "rate(1 day)", sink, input={"tier": "hot"})
    assert aws.clock.advance(hours=12) == []
    fired = aws.clock.advance(hours=12)
    assert [(f["schedule"], f["due"], f["ok"]) for f in fired] == [("default/hot-to-cold", 1, True)]
    now = fired[0]["time"]
    assert abs(datetime.fromisoformat(now.replace("Z", "+00:00")) - aws.clock.now()) < timedelta(
        seconds=5
    )
    # synchronous: the function has run when advance returns
    [event] = stored_events(aws)
    assert event["time"] == event["now"] == now
    assert event["source"] == "dtwin.sandbox.scheduler"
    assert event["tier"] == "hot"
    assert event["resources"] == [
        "arn:aws:scheduler:us-east-1:123456789012:schedule/default/hot-to-cold"
    ]
    # 30 days at once: one run, and the result says 30 were due
    fired = aws.clock.advance(days=30)
    assert [(f["due"], f["ok"]) for f in fired] == [(30, True)]
    assert len(stored_events(aws)) == 2


def test_a_scheduled_eventbridge_rule_with_a_daily_cron_fires(aws):
    echo = create_function(aws, "echo", ECHO)
    add_rule(aws, "nightly", "cron(30 2 * * ? *)", echo)
    fired = aws.clock.advance(days=1)
    assert [(f["kind"], f["schedule"], f["due"]) for f in fired] == [("events", "nightly", 1)]
    result = fired[0]["result"]
    assert result["time"] == fired[0]["time"] and result["detail-type"] == "Scheduled Event"
    assert [f["due"] for f in aws.clock.advance(days=3)] == [3]


def test_disabled_schedules_and_rules_without_schedule_do_not_fire(aws):
    echo = create_function(aws, "echo", ECHO)
    add_schedule(aws, "off", "rate(1 hour)", echo, State="DISABLED")
    add_rule(aws, "off-rule", "rate(1 hour)", echo, State="DISABLED")
    events = aws.client("events")
    events.put_rule(Name="pattern", EventPattern=json.dumps({"source": ["x"]}))
    events.put_targets(Rule="pattern", Targets=[{"Id": "1", "Arn": echo}])
    assert aws.clock.advance(days=1) == []


def test_failures_and_unsupported_targets_are_reported(aws):
    boom = create_function(
        aws, "boom", "def handler(event, context):\n    raise ValueError('no')\n"
    )
    add_schedule(aws, "boom", "rate(1 day)", boom)
    add_schedule(aws, "queue", "rate(1 day)", "arn:aws:sqs:us-east-1:123456789012:q")
    fired = {f["schedule"]: f for f in aws.clock.advance(days=1)}
    assert fired["default/boom"]["ok"] is False
    assert fired["default/boom"]["error"]["errorMessage"] == "no"
    assert fired["default/queue"]["ok"] is False
    warnings = [e["message"] for e in aws.sandbox_log if e.get("level") == "warning"]
    assert any("not a Lambda function" in w for w in warnings)


def test_http_clock_endpoints(aws):
    echo = create_function(aws, "echo", ECHO)
    add_schedule(aws, "daily", "rate(1 day)", echo)
    add_rule(aws, "hourly", "rate(1 hour)", echo)
    status, clock = http_json(f"{aws.endpoint}/_dtwin/clock")
    assert status == 200 and clock["offset_seconds"] == 0
    status, body = http_json(f"{aws.endpoint}/_dtwin/clock/advance", {"hours": 2})
    assert status == 200
    assert [(f["schedule"], f["due"]) for f in body["fired"]] == [("hourly", 2)]
    status, body = http_json(f"{aws.endpoint}/_dtwin/clock/advance", {"days": 1})
    assert sorted(f["schedule"] for f in body["fired"]) == ["default/daily", "hourly"]
    assert http_json(f"{aws.endpoint}/_dtwin/clock")[1]["offset_seconds"] == 26 * 3600
    status, body = http_json(f"{aws.endpoint}/_dtwin/schedules/run", method="POST")
    assert status == 200
    assert sorted((f["schedule"], f["due"]) for f in body["fired"]) == [
        ("default/daily", None),
        ("hourly", None),
    ]
    assert all(f["ok"] for f in body["fired"])
    for bad in ({"weeks": 1}, {"days": -1}, {"days": "x"}, {}):
        assert http_json(f"{aws.endpoint}/_dtwin/clock/advance", bad)[0] == 400


@pytest.mark.slow
def test_end_to_end_publish_then_the_clock_runs_the_real_mover(aws, project, tmp_path):
    """Telemetry published to IoT reaches DynamoDB through the topic rule and the real
    dispatcher; advancing the clock 31 days makes the scheduled mover take it to cold."""
    from helpers_aws import deploy_project

    from dtwin_gui.runtime.core.records import format_timestamp

    deployed = deploy_project(aws, project, tmp_path / "build", hot_days=30)
    functions = aws.client("lambda")
    arn = functions.get_function(FunctionName=deployed.name("dispatcher"))
    aws.client("iot").create_topic_rule(
        ruleName="telemetry",
        topicRulePayload={
            "sql": f"SELECT * FROM 'dtwin/{deployed.twin}/+/telemetry'",
            "actions": [{"lambda": {"functionArn": arn["Configuration"]["FunctionArn"]}}],
        },
    )
    payloads = json.loads((project / "payloads.json").read_text())
    for i, payload in enumerate(payloads):
        stamp = format_timestamp(aws.clock.now() + timedelta(seconds=i))
        message = dict(payload, timestamp=stamp)
        aws.client("iot-data").publish(
            topic=f"dtwin/{deployed.twin}/{payload['device_id']}/telemetry",
            payload=json.dumps(message).encode(),
        )
    assert aws.host.drain(timeout_s=60)
    table = aws.client("dynamodb")
    assert len(table.scan(TableName=deployed.table)["Items"]) == len(payloads)

    mover = functions.get_function(FunctionName=deployed.name("hot-to-cold-mover"))
    add_schedule(aws, "hot-to-cold", "rate(1 day)", mover["Configuration"]["FunctionArn"])
    [fired] = aws.clock.advance(days=1)
    assert fired["ok"] and fired["result"]["records_moved"] == 0
    [fired] = aws.clock.advance(days=30)
    assert fired["ok"] and fired["result"]["records_moved"] == len(payloads)
    assert table.scan(TableName=deployed.table)["Items"] == []
    cold = aws.client("s3").list_objects_v2(Bucket=deployed.cold)["Contents"]
    assert len(cold) == 3  # one object per device and day
