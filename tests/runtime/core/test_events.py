"""Event checker, actions and feedback — with the example project's rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dtwin_gui.runtime.core.events import (
    EventChecker,
    FeedbackError,
    RuleError,
    build_feedback,
    feedback_handler,
    feedback_topic,
    run_action,
)
from dtwin_gui.runtime.core.memory import MemoryFeedback, MemoryLog, RecordingInvoker
from dtwin_gui.runtime.core.pipeline import config_from_project
from dtwin_gui.runtime.core.processing import load_action, load_feedback

TEMPLATE_RULE = "temperature-sensor-1.temperature > DOUBLE(40.5)"


def record(device="temperature-sensor-1", **values):
    return {
        "device_id": device,
        "timestamp": "2026-11-25T10:00:00.000Z",
        "trace_id": "t-1",
        **values,
    }


@pytest.fixture
def config(project):
    return replace(
        config_from_project(project), actions={"high-temperature-alert": "twin-action-alert"}
    )


def test_the_template_rule_fires_above_the_threshold_only(config):
    checker = EventChecker(config)
    assert checker.rules[0].condition.text == TEMPLATE_RULE
    [firing] = checker.check(record(temperature=42.0))
    assert firing.rule.index == 0 and firing.rule.function == "twin-action-alert"
    assert checker.check(record(temperature=40.5)) == []
    assert checker.check(record(humidity=99.0)) == []  # missing value: no comparison holds


def test_the_pressure_rule_with_a_boolean(config):
    checker = EventChecker(config)
    fired = checker.check(record("pressure-sensor-1", pressure=1105.0, valve_open=False))
    assert [f.rule.index for f in fired] == [1]
    assert checker.check(record("pressure-sensor-1", pressure=1105.0, valve_open=True)) == []


def test_only_rules_that_reference_the_device_are_evaluated(config):
    checker = EventChecker(config)
    assert [r.index for r in checker.rules_for("temperature-sensor-1")] == [0]
    assert checker.rules_for("temperature-sensor-2") == []


def test_a_reference_to_another_device_is_missing(config):
    rules = [
        {
            "condition": "a.x > 1 and b.y > 1",
            "action": {"type": "function", "functionName": "high-temperature-alert"},
        },
        {
            "condition": "a.x > 1 or b.y > 1",
            "action": {"type": "function", "functionName": "high-temperature-alert"},
        },
    ]
    checker = EventChecker(replace(config, rules=rules))
    fired = checker.check(record("a", x=5, y=5))
    assert [f.rule.index for f in fired] == [1]  # b.y is not this record's: False


def test_a_broken_rule_is_reported_with_its_index_and_column(config):
    with pytest.raises(RuleError, match=r"event rule 0 .*column 5"):
        EventChecker(replace(config, rules=[{"condition": "a.x = 1", "action": {}}]))


def test_fire_invokes_the_action_and_the_feedback(config):
    checker, invoker, log = EventChecker(config), RecordingInvoker(), MemoryLog()
    event = record(temperature=42.0)
    report = checker.fire(checker.check(event), invoker, log, feedback_function="twin-feedback")
    assert report["fired"] == 1 and report["errors"] == []
    action, feedback = invoker.calls
    assert action.function == "twin-action-alert" and action.wait is False
    assert action.payload == {"event": event, "rule": config.rules[0]}
    assert feedback.function == "twin-feedback"
    assert feedback.payload == {
        "event": event,
        "payload": {"command": "cool-down", "target": 35.0},
        "device_id": "temperature-sensor-1",
    }
    assert log.find("rule-fired")[0]["trace_id"] == "t-1"


def test_no_feedback_when_the_feature_is_off_or_not_deployed(config):
    event = record(temperature=42.0)
    off = EventChecker(replace(config, features={"use_event_checking": True}))
    invoker = RecordingInvoker()
    off.fire(off.check(event), invoker, MemoryLog(), feedback_function="twin-feedback")
    assert [c.function for c in invoker.calls] == ["twin-action-alert"]
    on = EventChecker(config)
    invoker = RecordingInvoker()
    on.fire(on.check(event), invoker, MemoryLog(), feedback_function=None)
    assert [c.function for c in invoker.calls] == ["twin-action-alert"]


def test_a_failing_action_does_not_stop_the_others(config):
    rules = [
        {"condition": "dev-1.v > 1", "action": {"type": "function", "functionName": "first"}},
        {"condition": "dev-1.v > 2", "action": {"type": "function", "functionName": "second"}},
        {"condition": "dev-1.v > 3", "action": {"type": "function", "functionName": "missing"}},
        {"condition": "dev-1.v > 4", "action": {"type": "function", "functionName": "third"}},
    ]
    actions = {"first": "fn-first", "second": "fn-second", "third": "fn-third"}
    checker = EventChecker(replace(config, rules=rules, actions=actions))
    invoker, log = RecordingInvoker(failing={"fn-first"}), MemoryLog()
    report = checker.fire(checker.check(record("dev-1", v=10)), invoker, log)
    assert [c.function for c in invoker.calls] == ["fn-second", "fn-third"]
    assert len(report["errors"]) == 2
    failures = log.find("action-failed")
    assert [e["rule_index"] for e in failures] == [0, 2]
    assert all(e["device_id"] == "dev-1" and e["trace_id"] == "t-1" for e in failures)
    assert "no deployed function" in failures[1]["message"]


def test_a_workflow_rule_starts_the_workflow(config):
    rules = [{"condition": "dev-1.v > 1", "action": {"type": "workflow"}}]
    checker = EventChecker(replace(config, rules=rules))
    started = []
    report = checker.handle(
        record("dev-1", v=2), RecordingInvoker(), MemoryLog(), workflow=started.append
    )
    assert report["actions"] == [{"rule_index": 0, "workflow": True}]
    assert started[0]["rule"] == rules[0]
    without = checker.handle(record("dev-1", v=2), RecordingInvoker(), MemoryLog())
    assert "none is deployed" in without["errors"][0]


def test_run_action_with_the_template_action(project):
    action = load_action(project / "event_actions" / "high-temperature-alert" / "action.py")
    log = MemoryLog()
    event = record(temperature=42.0)
    result = run_action(
        {"event": event, "rule": {"condition": TEMPLATE_RULE}},
        action,
        name="high-temperature-alert",
        log=log,
    )
    assert result["status"] == "done"
    assert result["result"]["condition"] == TEMPLATE_RULE
    assert log.find("action-done")[0]["trace_id"] == "t-1"


def test_run_action_isolates_a_failing_action():
    def action(event, rule):
        raise RuntimeError("smtp down")

    log = MemoryLog()
    result = run_action({"event": record(), "rule": {}}, action, name="mail", log=log)
    assert result["status"] == "failed" and result["error"] == "RuntimeError: smtp down"
    [entry] = log.find("action-failed")
    assert entry["device_id"] == "temperature-sensor-1" and entry["trace_id"] == "t-1"
    assert entry["line"] is not None


def test_build_feedback_default_and_user_shaped(project):
    event, payload = record(), {"command": "cool-down"}
    assert build_feedback(event, payload) == {"command": "cool-down", "triggered_by": "t-1"}
    shaped = build_feedback(
        event, payload, load_feedback(project / "event_feedback" / "feedback.py")
    )
    assert shaped == {"command": "cool-down", "triggered_by": "t-1"}
    with pytest.raises(FeedbackError, match="returned list"):
        build_feedback(event, payload, lambda e, p: [p])
    with pytest.raises(FeedbackError, match="KeyError"):
        build_feedback(event, payload, lambda e, p: p["absent"])


def test_feedback_is_published_on_the_device_topic(config, project):
    publisher = MemoryFeedback(topic_for=lambda d: feedback_topic(config, d))
    log = MemoryLog()
    result = feedback_handler(
        {
            "event": record(temperature=42.0),
            "payload": {"command": "cool-down"},
            "device_id": "temperature-sensor-1",
        },
        config=config,
        publisher=publisher,
        log=log,
        user_feedback=load_feedback(project / "event_feedback" / "feedback.py"),
    )
    assert result["status"] == "sent"
    assert result["topic"] == "dtwin/factory-twin/temperature-sensor-1/feedback"
    assert publisher.sent == [
        {
            "device_id": "temperature-sensor-1",
            "topic": "dtwin/factory-twin/temperature-sensor-1/feedback",
            "message": {"command": "cool-down", "triggered_by": "t-1"},
        }
    ]


def test_feedback_to_an_unknown_device_fails_with_a_log_line(config):
    publisher, log = MemoryFeedback(), MemoryLog()
    result = feedback_handler(
        {"event": record(), "payload": {}, "device_id": "ghost"},
        config=config,
        publisher=publisher,
        log=log,
    )
    assert result["status"] == "failed" and "ghost" in result["error"]
    assert publisher.sent == []
    assert log.find("feedback-failed")[0]["trace_id"] == "t-1"
