"""Issue 12 items 4 and 14: simulator payloads per cloud, and layers set to "none"."""

from __future__ import annotations

import json

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Slot
from dtwin_gui.core.validation import validate_project

from .test_import_project import old_project_files, write_files


def _import(tmp_path, files):
    dest = tmp_path / "new"
    return import_project(write_files(tmp_path / "old", files), dest), dest


def _records(device: str, value: float) -> str:
    return json.dumps([{"iotDeviceId": device, "time": "", "temperature": value}])


# --------------------------------------------------------------------------- item 4


def test_simulator_payloads_of_the_layer_1_cloud_are_used(tmp_path):
    files = old_project_files()
    del files["iot_device_simulator/payloads.json"]
    files["iot_device_simulator/azure/payloads.json"] = _records("temperature-sensor-2", 1.0)
    files["iot_device_simulator/aws/payloads.json"] = _records("temperature-sensor-1", 2.0)

    report, dest = _import(tmp_path, files)

    records = json.loads((dest / "payloads.json").read_text(encoding="utf-8"))
    assert records == [{"device_id": "temperature-sensor-1", "temperature": 2.0}]
    used = next(e for e in report.entries if e.source == "iot_device_simulator/aws/payloads.json")
    assert used.action == "converted"
    assert used.message.startswith("1 record;")
    assert "ignored iot_device_simulator/azure/payloads.json" in used.message
    ignored = next(
        e for e in report.entries if e.source == "iot_device_simulator/azure/payloads.json"
    )
    assert ignored.action == "ignored"
    assert "iot_device_simulator/aws/payloads.json was imported" in ignored.message
    assert validate_project(dest).errors == []


def test_simulator_payloads_of_another_cloud_are_used_when_l1_has_none(tmp_path):
    files = old_project_files()
    del files["iot_device_simulator/payloads.json"]
    files["iot_device_simulator/gcp/payloads.json"] = _records("temperature-sensor-2", 3.0)

    _, dest = _import(tmp_path, files)

    records = json.loads((dest / "payloads.json").read_text(encoding="utf-8"))
    assert records == [{"device_id": "temperature-sensor-2", "temperature": 3.0}]


def test_top_level_payloads_win_over_the_cloud_folders(tmp_path):
    files = old_project_files()
    files["iot_device_simulator/aws/payloads.json"] = _records("temperature-sensor-1", 9.0)

    report, dest = _import(tmp_path, files)

    records = json.loads((dest / "payloads.json").read_text(encoding="utf-8"))
    assert records[0] == {"device_id": "temperature-sensor-1", "temperature": 21.5}
    ignored = next(
        e for e in report.entries if e.source == "iot_device_simulator/aws/payloads.json"
    )
    assert ignored.action == "ignored"


# --------------------------------------------------------------------------- item 14


def test_optional_layers_set_to_none_import_faithfully(tmp_path):
    files = old_project_files()
    providers = json.loads(files["config_providers.json"])
    providers["layer_4_provider"] = "none"
    providers["layer_5_provider"] = "NONE"
    files["config_providers.json"] = json.dumps(providers)

    report, dest = _import(tmp_path, files)

    written = json.loads((dest / "config_providers.json").read_text(encoding="utf-8"))
    assert written["layer_4_provider"] == "none"
    assert written["layer_5_provider"] == "none"
    # Nothing needs the user: dtwin leaves the layers out too.
    assert not [e for e in report.needs_attention if e.source == "config_providers.json"]
    # The spelling fix is reported as a change.
    changes = " ".join(e.message for e in report.entries if e.source == "config_providers.json")
    assert "'NONE' -> 'none'" in changes
    # The imported twin validates without the twin model or the dashboards, and loads so.
    errors = validate_project(dest).errors
    assert not [e for e in errors if e.file == "config_providers.json"]
    project = load_project(dest)
    assert not project.has_layer(Slot.L4) and not project.has_layer(Slot.L5)
    assert project.providers_complete()
