"""Older twin hierarchies: config_hierarchy.json, component properties, renamed properties."""

from __future__ import annotations

import json

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.importer.hierarchy import rename_azure
from dtwin_gui.core.validation import validate_project

from .test_import_project import entry_for, old_project_files, write_files

AWS = "twin_hierarchy/aws_hierarchy.json"


def hierarchy(component_extra: dict | None = None, entity: str = "hall-1") -> list:
    return [
        {
            "type": "entity",
            "id": entity,
            "children": [
                {
                    "type": "component",
                    "name": "ts1",
                    "iotDeviceId": "temperature-sensor-1",
                    **(component_extra or {}),
                },
                {"type": "component", "name": "ts2", "iotDeviceId": "temperature-sensor-2"},
                {"type": "component", "name": "ps1", "iotDeviceId": "pressure-sensor-1"},
            ],
        }
    ]


def run_import(tmp_path, files):
    source = write_files(tmp_path / "old", files)
    dest = tmp_path / "new"
    return import_project(source, dest), dest


def hierarchy_errors(dest) -> list:
    return [
        (p.file, p.path, p.message)
        for p in validate_project(dest).errors
        if p.file.startswith("twin_hierarchy/") or p.code == "hierarchy-missing"
    ]


def test_config_hierarchy_becomes_the_twinmaker_hierarchy(tmp_path):
    files = old_project_files()
    del files[AWS]
    files["config_hierarchy.json"] = json.dumps(hierarchy())

    report, dest = run_import(tmp_path, files)

    entry = entry_for(report, "config_hierarchy.json", "converted")
    assert entry.target == AWS and "config_hierarchy.json" in entry.message
    assert json.loads((dest / AWS).read_text()) == hierarchy()
    assert not (dest / "config_hierarchy.json").exists()
    assert hierarchy_errors(dest) == []


def test_with_both_files_the_newer_one_is_kept_and_the_report_says_so(tmp_path):
    files = old_project_files()
    files[AWS] = json.dumps(hierarchy(entity="kept-hall"))
    files["config_hierarchy.json"] = json.dumps(hierarchy(entity="older-hall"))

    report, dest = run_import(tmp_path, files)

    older = entry_for(report, "config_hierarchy.json", "ignored")
    assert AWS in older.message and "kept" in older.message
    assert entry_for(report, AWS).target == AWS
    assert json.loads((dest / AWS).read_text())[0]["id"] == "kept-hall"


def test_component_properties_are_kept_and_valid(tmp_path):
    extra = {
        "properties": [{"name": "floor", "dataType": "INTEGER", "initValue": 2}],
        "constProperties": [{"name": "serial", "dataType": "STRING", "value": "SN-1"}],
    }
    files = old_project_files()
    files[AWS] = json.dumps(hierarchy(extra))

    _, dest = run_import(tmp_path, files)

    component = json.loads((dest / AWS).read_text())[0]["children"][0]
    assert component["constProperties"] == extra["constProperties"]
    assert component["properties"] == extra["properties"]
    assert hierarchy_errors(dest) == []


def test_renamed_device_properties_are_renamed_in_the_hierarchy(tmp_path):
    files = old_project_files()
    devices = json.loads(files["config_iot_devices.json"])
    devices[0]["constProperties"] = [
        {"name": "serial-number", "dataType": "STRING", "value": "TS-1"}
    ]
    files["config_iot_devices.json"] = json.dumps(devices)
    extra = {"constProperties": [{"name": "serial-number", "dataType": "STRING", "value": "X"}]}
    files["config_hierarchy.json"] = json.dumps(hierarchy(extra))
    del files[AWS]

    report, dest = run_import(tmp_path, files)

    new_devices = json.loads((dest / "config_iot_devices.json").read_text())
    new_name = new_devices[0]["constProperties"][0]["name"]
    assert new_name != "serial-number"  # renamed on import (by the devices step)
    component = json.loads((dest / AWS).read_text())[0]["children"][0]
    assert component["constProperties"][0]["name"] == new_name
    entry = entry_for(report, "config_hierarchy.json", "converted")
    assert f"serial-number -> {new_name}" in entry.message
    assert hierarchy_errors(dest) == []


def test_azure_dtdl_contents_and_twin_values_follow_the_renames():
    doc = {
        "models": [
            {
                "@id": "dtmi:factory:Sensor;1",
                "@type": "Interface",
                "@context": "dtmi:dtdl:context;2",
                "contents": [
                    {"@type": "Property", "name": "serial-number", "schema": "string"},
                    {"@type": ["Telemetry", "Temperature"], "name": "temp-c", "schema": "double"},
                    {"@type": "Relationship", "name": "serial-number"},
                ],
            }
        ],
        "twins": [
            {"$dtId": "s1", "$metadata": {"$model": "dtmi:factory:Sensor;1"}, "serial-number": "A"}
        ],
    }
    changes = rename_azure(doc, {"serial-number": "serial_number", "temp-c": "temp_c"})
    names = [c["name"] for c in doc["models"][0]["contents"]]
    assert names == ["serial_number", "temp_c", "serial-number"]  # relationships keep theirs
    assert doc["twins"][0]["serial_number"] == "A" and "serial-number" not in doc["twins"][0]
    assert changes and "serial-number -> serial_number" in changes[0]


def test_components_of_the_older_per_device_types_bind_their_device(tmp_path):
    """The earliest hierarchies named a device's component by the type the older tool made
    for it, ``<twin>-<device>``; dtwin binds the device instead (it makes that type itself)."""
    files = old_project_files()
    nodes = hierarchy()
    nodes[0]["children"][0] = {
        "type": "component",
        "name": "ts1",
        "componentTypeId": "factory-twin-temperature-sensor-1",
    }
    nodes[0]["children"].append(
        {"type": "component", "name": "door", "componentTypeId": "com.example.door"}
    )
    files["config_hierarchy.json"] = json.dumps(nodes)
    del files[AWS]

    report, dest = run_import(tmp_path, files)

    children = json.loads((dest / AWS).read_text())[0]["children"]
    assert children[0] == {
        "type": "component",
        "name": "ts1",
        "iotDeviceId": "temperature-sensor-1",
    }
    assert children[-1]["componentTypeId"] == "com.example.door"  # not a device's: kept
    entry = entry_for(report, "config_hierarchy.json", "converted")
    assert "factory-twin-temperature-sensor-1" in entry.message
    assert hierarchy_errors(dest) == []
    warnings = [p for p in validate_project(dest).warnings if p.code == "device-unplaced"]
    assert warnings == []
