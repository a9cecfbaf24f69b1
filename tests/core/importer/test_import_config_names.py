"""Issue 12 item 8: property names with hyphens are renamed on import, everywhere."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.importer.convert_config import (
    rename_in_condition,
    rename_properties,
    safe_property_name,
)
from dtwin_gui.core.validation import validate_project

from .test_import_project import old_project_files, write_files


def _hyphen_project(extra_const: dict | None = None) -> dict[str, str]:
    files = old_project_files()
    devices = json.loads(files["config_iot_devices.json"])
    devices[0]["properties"].append({"name": "fan-speed", "dataType": "INTEGER"})
    devices[0]["constProperties"] = [
        {"name": "serial-number", "dataType": "STRING", "value": "TS-1"},
        *([extra_const] if extra_const else []),
    ]
    files["config_iot_devices.json"] = json.dumps(devices)
    rules = json.loads(files["config_events.json"])
    rules[0]["condition"] = (
        "entityId.temperature-sensor-1.fan-speed > INTEGER(3) and "
        "temperature-sensor-1.serial-number == STRING(serial-number)"
    )
    rules[0]["action"]["feedback"]["payload"] = {"fan-speed": 0}
    files["config_events.json"] = json.dumps(rules)
    files["iot_device_simulator/payloads.json"] = json.dumps(
        [{"iotDeviceId": "temperature-sensor-1", "temperature": 21.5, "fan-speed": 2}]
    )
    return files


def _import(tmp_path, files):
    dest = tmp_path / "new"
    return import_project(write_files(tmp_path / "old", files), dest), dest


def _json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_hyphenated_properties_are_renamed_in_every_file(tmp_path):
    report, dest = _import(tmp_path, _hyphen_project())

    device = _json(dest / "config_iot_devices.json")[0]
    assert [p["name"] for p in device["properties"]] == ["temperature", "fan_speed"]
    assert [p["name"] for p in device["constProperties"]] == ["serial_number"]
    rule = _json(dest / "config_events.json")[0]
    assert rule["condition"] == (
        "entityId.temperature-sensor-1.fan_speed > INTEGER(3) and "
        "temperature-sensor-1.serial_number == STRING(serial-number)"
    )
    # The device receives the feedback payload: its keys stay as the device knows them.
    assert rule["action"]["feedback"]["payload"] == {"fan-speed": 0}
    assert _json(dest / "payloads.json") == [
        {"device_id": "temperature-sensor-1", "temperature": 21.5, "fan_speed": 2}
    ]
    devices_entry = next(e for e in report.entries if e.source == "config_iot_devices.json")
    assert devices_entry.action == "converted"
    assert "fan-speed -> fan_speed, serial-number -> serial_number" in devices_entry.message
    assert validate_project(dest).errors == []


def test_a_rename_that_would_collide_is_kept_and_needs_attention(tmp_path):
    files = _hyphen_project({"name": "serial_number", "dataType": "STRING", "value": "x"})

    report, dest = _import(tmp_path, files)

    consts = _json(dest / "config_iot_devices.json")[0]["constProperties"]
    assert [p["name"] for p in consts] == ["serial-number", "serial_number"]
    [attention] = [
        e
        for e in report.needs_attention
        if e.source == "config_iot_devices.json" and e.target == "config_iot_devices.json"
    ]
    assert "'serial-number' cannot be renamed to 'serial_number'" in attention.message
    assert "already has a property 'serial_number'" in attention.message


def test_renames_reach_the_facts_other_steps_read():
    devices = [
        {"id": "d1", "properties": [{"name": "a-b", "dataType": "DOUBLE"}]},
        {"id": "d2", "properties": [{"name": "a.b", "dataType": "DOUBLE"}]},
    ]

    converted, renames, problems = rename_properties(devices)

    assert renames == {"a-b": "a_b", "a.b": "a_b"}
    assert problems == []
    assert [d["properties"][0]["name"] for d in converted] == ["a_b", "a_b"]


@pytest.mark.parametrize(
    ("names", "clash"),
    [
        (["a-b", "a.b"], "also has 'a.b'"),
        (["device-id"], "reserved"),
    ],
)
def test_renames_never_collide(names, clash):
    devices = [{"id": "d1", "properties": [{"name": n, "dataType": "DOUBLE"} for n in names]}]

    converted, renames, problems = rename_properties(devices)

    assert renames == {} or "device-id" not in renames
    assert any(clash in p for p in problems)
    assert converted[0]["properties"][0]["name"] == names[0]


@pytest.mark.parametrize(
    ("name", "new"),
    [("serial-number", "serial_number"), ("temperature", None), ("9-lives", None)],
)
def test_safe_property_name(name, new):
    assert safe_property_name(name) == new


def test_condition_rewrite_leaves_strings_alone():
    renames = {"serial-number": "serial_number"}
    text = "string-sensor.serial-number == 'd.serial-number' or STRING(a.serial-number) == d.x"

    assert rename_in_condition(text, renames) == (
        "string-sensor.serial_number == 'd.serial-number' or STRING(a.serial-number) == d.x"
    )
