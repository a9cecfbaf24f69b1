"""Sample inputs for test runs: from payloads.json first, else generated from properties."""

from __future__ import annotations

import json

from dtwin_gui.code.kinds import FEEDBACK_TARGET, action_target, code_targets, processor_target
from dtwin_gui.code.samples import TYPICAL_VALUES, device_sample, sample_for
from dtwin_gui.core.project import load_project
from dtwin_gui.runtime.core.records import check_record


def _write(path, data) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_device_with_payloads_gets_its_first_payload(project):
    sample = device_sample(load_project(project), "pressure-sensor-1")
    event = sample.event
    assert event["device_id"] == "pressure-sensor-1"
    assert event["pressure"] == 1012.8 and event["valve_open"] is False
    assert sample.source == "payloads.json, record 4"
    check_record(event)  # a canonical record with timestamp and trace id


def test_older_payload_names_are_understood(project):
    _write(project / "payloads.json", [{"iotDeviceId": "temperature-sensor-2", "temperature": 5}])
    event = device_sample(load_project(project), "temperature-sensor-2").event
    assert event["device_id"] == "temperature-sensor-2" and event["temperature"] == 5
    assert "iotDeviceId" not in event


def test_without_payloads_the_event_is_generated_from_typed_properties(project):
    (project / "payloads.json").unlink()
    devices = json.loads((project / "config_iot_devices.json").read_text())
    devices.append(
        {
            "id": "mixed-1",
            "properties": [
                {"name": "count", "dataType": "INTEGER"},
                {"name": "label", "dataType": "STRING"},
                {"name": "on", "dataType": "BOOLEAN"},
                {"name": "level", "dataType": "DOUBLE", "initValue": 3.5},
            ],
        }
    )
    _write(project / "config_iot_devices.json", devices)
    sample = device_sample(load_project(project), "mixed-1")
    event = sample.event
    assert sample.source == "generated from the device's properties"
    assert event["count"] == TYPICAL_VALUES["INTEGER"] and isinstance(event["count"], int)
    assert isinstance(event["label"], str)
    assert event["on"] is False
    assert event["level"] == 3.5  # the declared initValue wins
    check_record(event)


def test_an_action_gets_a_payload_for_which_its_rule_holds(project):
    sample = sample_for(load_project(project), action_target("high-temperature-alert"))
    assert sample.args["rule"]["action"]["functionName"] == "high-temperature-alert"
    # the first payload of temperature-sensor-1 is 22.5 (rule: > 40.5); the second is 42.0
    assert sample.event["temperature"] == 42.0
    assert "rule holds" in sample.source


def test_feedback_gets_the_rules_feedback_payload(project):
    sample = sample_for(load_project(project), FEEDBACK_TARGET)
    assert sample.args["payload"] == {"command": "cool-down", "target": 35.0}
    assert sample.event["device_id"] == "temperature-sensor-1"


def test_the_template_needs_three_processors_an_action_and_feedback(project):
    keys = [t.key for t in code_targets(load_project(project))]
    assert keys == [
        "processor:temperature-sensor-1",
        "processor:temperature-sensor-2",
        "processor:pressure-sensor-1",
        "action:high-temperature-alert",
        "feedback:feedback",
    ]
    assert processor_target("x").rel_path == "processors/x/process.py"
