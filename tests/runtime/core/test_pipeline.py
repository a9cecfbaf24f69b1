"""The example project through the whole in-process pipeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dtwin_gui.runtime.core.memory import MemoryLog
from dtwin_gui.runtime.core.objects import decode_chunk
from dtwin_gui.runtime.core.pipeline import LocalPipeline, config_from_project


def payloads(project):
    messages = json.loads((project / "payloads.json").read_text(encoding="utf-8"))
    for second, message in enumerate(messages):
        message["timestamp"] = f"2026-03-01T10:00:{second:02d}.000Z"
    return messages


def test_config_from_project(project):
    config = config_from_project(project)
    assert config.twin_name == "factory-twin"
    assert config.routes["pressure-sensor-1"] == "processor-pressure-sensor-1"
    assert config.devices["pressure-sensor-1"] == {"pressure": "DOUBLE", "valve_open": "BOOLEAN"}
    assert config.actions == {"high-temperature-alert": "action-high-temperature-alert"}
    assert config.features["use_event_checking"] is True


def test_template_payloads_flow_to_hot_storage_with_events_and_feedback(project):
    pipeline = LocalPipeline.from_project(project)
    results = [pipeline.send(m) for m in payloads(project)]
    assert {r["status"] for r in results} == {"routed"}
    stored = pipeline.hot.all_records()
    assert len(stored) == 5
    hot_one = pipeline.hot.query("temperature-sensor-1")[1]
    assert hot_one["temperature"] == 42.0 and hot_one["temperature_f"] == 107.6
    assert hot_one["trace_id"] == results[1]["trace_id"]
    # rule 0 (42.0 > 40.5) and rule 1 (1105 >= 1100, valve closed) fired
    assert [e["rule_index"] for e in pipeline.log.find("rule-fired")] == [0, 1]
    assert len(pipeline.log.find("action-done")) == 2
    [sent] = pipeline.publisher.sent
    assert sent["topic"] == "dtwin/factory-twin/temperature-sensor-1/feedback"
    assert sent["message"] == {
        "command": "cool-down",
        "target": 35.0,
        "triggered_by": results[1]["trace_id"],
    }
    assert pipeline.invoker.errors == []


def test_a_failing_processor_does_not_stop_the_next_message(project, tmp_path):
    process = project / "processors" / "pressure-sensor-1" / "process.py"
    process.write_text(
        "def process(event):\n"
        "    if event['pressure'] < 0:\n"
        "        raise ValueError('negative pressure')\n"
        "    return event\n",
        encoding="utf-8",
    )
    pipeline = LocalPipeline.from_project(project)
    bad = pipeline.send(
        {
            "device_id": "pressure-sensor-1",
            "pressure": -1.0,
            "valve_open": True,
            "timestamp": "2026-03-01T10:00:00.000Z",
        }
    )
    good = pipeline.send(
        {
            "device_id": "pressure-sensor-1",
            "pressure": 1.0,
            "valve_open": True,
            "timestamp": "2026-03-01T10:00:01.000Z",
        }
    )
    [failure] = pipeline.log.find("processor-failed")
    assert failure["device_id"] == "pressure-sensor-1"
    assert failure["trace_id"] == bad["trace_id"]
    assert failure["error"] == "ValueError: negative pressure" and failure["line"] == 3
    assert [r["trace_id"] for r in pipeline.hot.all_records()] == [good["trace_id"]]


def test_unknown_devices_are_rejected_not_dropped(project):
    pipeline = LocalPipeline.from_project(project)
    result = pipeline.send({"device_id": "ghost-1", "x": 1})
    assert result["status"] == "rejected"
    assert pipeline.log.find("rejected")[0]["device_id"] == "ghost-1"
    assert len(pipeline.hot) == 0


def test_events_off_means_no_checker(project):
    features = json.loads((project / "config_features.json").read_text(encoding="utf-8"))
    features["use_event_checking"] = False
    (project / "config_features.json").write_text(json.dumps(features), encoding="utf-8")
    pipeline = LocalPipeline.from_project(project)
    for message in payloads(project):
        pipeline.send(message)
    assert "event-checker" not in pipeline.invoker.handlers
    assert pipeline.log.find("rule-fired") == [] and pipeline.publisher.sent == []


def test_movers_take_old_records_to_cold_then_archive(project):
    pipeline = LocalPipeline.from_project(project, log=MemoryLog(level="INFO"))
    for message in payloads(project):
        pipeline.send(message)
    moved, archived = pipeline.move(now=datetime(2026, 3, 5, tzinfo=UTC), hot_days=2, cold_days=30)
    assert moved.records_moved == 5 and len(pipeline.hot) == 0
    assert archived.objects_moved == 0 and len(pipeline.cold.list()) == 3
    records = [r for o in pipeline.cold.list() for r in decode_chunk(pipeline.cold.get(o.key))]
    assert len(records) == 5
    _, archived = pipeline.move(now=datetime(2026, 6, 1, tzinfo=UTC), hot_days=2, cold_days=30)
    assert archived.objects_moved == 3 and len(pipeline.archive.list()) == 3


@pytest.mark.parametrize("bad", [None, "text", 7])
def test_garbage_messages_are_rejected(project, bad):
    pipeline = LocalPipeline.from_project(project)
    assert pipeline.send(bad)["status"] == "rejected"
