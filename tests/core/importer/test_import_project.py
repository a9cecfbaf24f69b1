"""End-to-end imports of older projects: folders and zips in, dtwin projects out."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import pytest

from dtwin_gui.core.importer import ImportFailed, ImportReport, import_project

FAKE_SECRET = "AKIAFAKESECRET-0f9e8d7c6b5a-never-copy-me"

AWS_PROCESSOR = """\
import json


def lambda_handler(event, context):
    event["temperature"] = event["temperature"] * 10
    event["checked_by"] = "aws:" + event["iotDeviceId"] + "@" + event["time"]
    return {"statusCode": 200, "body": json.dumps(event)}
"""

GCP_PROCESSOR = """\
def main(request):
    data = request.get_json(silent=True)
    data["pressure"] = data["pressure"] + 1
    data["checked_by"] = "gcp:" + data["iotDeviceId"]
    return data
"""

AWS_ACTION = """\
def lambda_handler(event, context):
    return {"alert": "too hot", "iotDeviceId": event["iotDeviceId"], "time": event["time"]}
"""


@pytest.fixture(autouse=True)
def isolated_imports(monkeypatch):
    """Undo what loading generated and older code does to sys.path and sys.modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def old_project_files() -> dict[str, str]:
    """A small, well-formed project in the older tool's format."""
    devices = [
        {
            "id": "temperature-sensor-1",
            "properties": [{"name": "temperature", "dataType": "DOUBLE", "initValue": 20.0}],
            "constProperties": [{"name": "serial", "dataType": "STRING", "value": "TS-1"}],
        },
        {
            "id": "temperature-sensor-2",
            "properties": [{"name": "temperature", "dataType": "DOUBLE"}],
        },
        {"id": "pressure-sensor-1", "properties": [{"name": "pressure", "dataType": "DOUBLE"}]},
    ]
    events = [
        {
            "condition": "temperature-sensor-1.temperature > DOUBLE(40.5)",
            "action": {
                "type": "lambda",
                "functionName": "high-temperature-alert",
                "pathToCode": "lambda_functions/event_actions/high-temperature-alert",
                "autoDeploy": True,
                "feedback": {
                    "type": "mqtt",
                    "iotDeviceId": "temperature-sensor-1",
                    "payload": {"command": "cool-down"},
                },
            },
        }
    ]
    providers = {
        "layer_1_provider": "aws",
        "layer_2_provider": "aws",
        "layer_3_hot_provider": "aws",
        "layer_3_cold_provider": "aws",
        "layer_3_archive_provider": "aws",
        "layer_4_provider": "aws",
        "layer_5_provider": "aws",
    }
    optimization = {
        "result": {
            "inputParamsUsed": {
                "useEventChecking": True,
                "triggerNotificationWorkflow": False,
                "returnFeedbackToDevice": True,
                "needs3DModel": False,
            },
            "cost": 12.5,
        }
    }
    hierarchy = [
        {
            "type": "entity",
            "id": "hall-1",
            "children": [
                {"type": "component", "name": "ts1", "iotDeviceId": "temperature-sensor-1"},
                {"type": "component", "name": "ts2", "iotDeviceId": "temperature-sensor-2"},
                {"type": "component", "name": "ps1", "iotDeviceId": "pressure-sensor-1"},
            ],
        }
    ]
    payloads = [
        {"iotDeviceId": "temperature-sensor-1", "time": "", "temperature": 21.5},
        {"iotDeviceId": "pressure-sensor-1", "time": "2026-01-01T00:00:00.000Z", "pressure": 1.0},
    ]
    config = {
        "digital_twin_name": "factory-twin",
        "hot_storage_size_in_days": 30,
        "cold_storage_size_in_days": 90,
        "mode": "DEBUG",
    }
    return {
        "config.json": json.dumps(config),
        "config_iot_devices.json": json.dumps(devices),
        "config_events.json": json.dumps(events),
        "config_providers.json": json.dumps(providers),
        "config_optimization.json": json.dumps(optimization),
        "config_credentials.json": json.dumps({"aws": {"aws_secret_access_key": FAKE_SECRET}}),
        "config_inter_cloud.json": json.dumps({"token": "shared", "urls": {}}),
        "project_info.json": json.dumps({"description": "test", "created_at": "2025-01-01"}),
        "twin_hierarchy/aws_hierarchy.json": json.dumps(hierarchy),
        "iot_device_simulator/payloads.json": json.dumps(payloads),
        "lambda_functions/processors/temperature-sensor-1/lambda_function.py": AWS_PROCESSOR,
        "lambda_functions/event_actions/high-temperature-alert/lambda_function.py": AWS_ACTION,
        "cloud_functions/processors/pressure-sensor-1/main.py": GCP_PROCESSOR,
    }


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (POSIX relative path -> content) under ``root``."""
    for rel, content in files.items():
        path = root.joinpath(*rel.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def write_zip(path: Path, files: dict[str, str | bytes], top: str = "") -> Path:
    """Zip ``files`` into ``path``, inside the folder ``top`` when given."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, content in files.items():
            archive.writestr(f"{top}/{rel}" if top else rel, content)
    return path


def load_function(path: Path, name: str):
    """Load the generated module at ``path`` the way a runtime would, and return ``name``."""
    spec = importlib.util.spec_from_file_location(f"imported_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def entry_for(report: ImportReport, source: str, action: str | None = None):
    found = [e for e in report.entries if e.source == source and action in (None, e.action)]
    assert found, f"no {action or ''} entry for {source}: {report.format_text()}"
    return found[0]


def test_zip_with_wrapping_folder_becomes_a_full_project(tmp_path):
    archive = write_zip(tmp_path / "old.zip", old_project_files(), top="my-project")
    dest = tmp_path / "new"

    report = import_project(archive, dest)

    assert report.root_in_source == "my-project"
    assert report.dest == dest
    for name in (
        "config.json",
        "config_iot_devices.json",
        "config_events.json",
        "config_providers.json",
        "config_features.json",
        "project_info.json",
        "payloads.json",
        "twin_hierarchy/aws_hierarchy.json",
        "event_actions/high-temperature-alert/action.py",
        "event_feedback/feedback.py",
    ):
        assert (dest / name).is_file(), name
    for device in ("temperature-sensor-1", "temperature-sensor-2", "pressure-sensor-1"):
        assert (dest / "processors" / device / "process.py").is_file(), device
    assert not (dest / "config_credentials.json").exists()
    assert not (dest / "config_inter_cloud.json").exists()
    assert not (dest / "config_optimization.json").exists()


def test_folder_source_at_top_level(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())

    report = import_project(source, tmp_path / "new")

    assert report.root_in_source == "."
    assert (tmp_path / "new" / "config.json").read_bytes() == (source / "config.json").read_bytes()


def test_features_converted_from_optimization(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())

    import_project(source, tmp_path / "new")

    features = json.loads((tmp_path / "new" / "config_features.json").read_text())
    assert features == {
        "use_event_checking": True,
        "trigger_notification_workflow": False,
        "return_feedback_to_device": True,
        "integrate_error_handling": False,
        "needs_3d_model": False,
    }


def test_credentials_never_reach_the_new_project(tmp_path):
    files = old_project_files()
    files["iot_device_simulator/config_credentials.json"] = json.dumps({"key": FAKE_SECRET})
    archive = write_zip(tmp_path / "old.zip", files, top="wrapped")
    dest = tmp_path / "new"

    report = import_project(archive, dest)

    entry = entry_for(report, "config_credentials.json")
    assert entry.action == "skipped"
    assert entry.target is None
    assert "Credentials page" in entry.message
    secret = FAKE_SECRET.encode()
    for path in dest.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    assert FAKE_SECRET not in json.dumps(report.to_json())
    assert FAKE_SECRET not in report.format_text()


def test_wrapped_aws_processor_really_runs(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    dest = tmp_path / "new"

    report = import_project(source, dest)

    entry = entry_for(
        report, "lambda_functions/processors/temperature-sensor-1/lambda_function.py", "wrapped"
    )
    assert entry.target == "processors/temperature-sensor-1/process.py"
    folder = dest / "processors" / "temperature-sensor-1"
    assert (folder / "legacy_handler.py").read_text() == AWS_PROCESSOR
    process = load_function(folder / "process.py", "process")
    event = {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "temperature": 3}

    result = process(event)

    assert result == {
        "device_id": "d1",
        "timestamp": "2026-01-01T00:00:00.000Z",
        "temperature": 30,
        "checked_by": "aws:d1@2026-01-01T00:00:00.000Z",
    }
    assert "iotDeviceId" not in result
    assert "time" not in result


def test_wrapped_gcp_processor_really_runs(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    dest = tmp_path / "new"

    report = import_project(source, dest)

    entry_for(report, "cloud_functions/processors/pressure-sensor-1/main.py", "wrapped")
    process = load_function(dest / "processors" / "pressure-sensor-1" / "process.py", "process")

    result = process({"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "pressure": 3})

    assert result == {
        "device_id": "d1",
        "timestamp": "2026-01-01T00:00:00.000Z",
        "pressure": 4,
        "checked_by": "gcp:d1",
    }


def test_generated_files_name_their_origin(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    dest = tmp_path / "new"

    import_project(source, dest)

    text = (dest / "processors" / "temperature-sensor-1" / "process.py").read_text()
    assert text.startswith(
        "# Generated by dtwin import from "
        "lambda_functions/processors/temperature-sensor-1/lambda_function.py\n"
    )


def test_wrapped_event_action_really_runs(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    dest = tmp_path / "new"

    import_project(source, dest)

    action = load_function(dest / "event_actions/high-temperature-alert/action.py", "action")
    event = {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "temperature": 50}
    result = action(event, {"condition": "d1.temperature > 40"})
    assert result == {"alert": "too hot", "device_id": "d1", "timestamp": event["timestamp"]}


def test_feedback_pass_through_when_feedback_is_on_without_code(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    dest = tmp_path / "new"

    import_project(source, dest)

    feedback = load_function(dest / "event_feedback" / "feedback.py", "feedback")
    assert feedback({"device_id": "d1"}, {"command": "cool-down"}) == {"command": "cool-down"}


def test_device_without_processor_gets_a_pass_through(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    dest = tmp_path / "new"

    report = import_project(source, dest)

    path = dest / "processors" / "temperature-sensor-2" / "process.py"
    assert load_function(path, "process")({"device_id": "x", "v": 1}) == {"device_id": "x", "v": 1}
    generated = [
        e for e in report.entries if e.target == "processors/temperature-sensor-2/process.py"
    ]
    # It does nothing yet (validation warns about it), so the report asks for the user too.
    assert [e.action for e in generated] == ["needs-attention"]
    assert "pass-through" in generated[0].message


def test_obsolete_inter_cloud_file_is_ignored_with_a_notice(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())

    report = import_project(source, tmp_path / "new")

    entry = entry_for(report, "config_inter_cloud.json")
    assert entry.action == "ignored"
    assert "obsolete" in entry.message


def test_dest_not_empty_is_refused(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    dest = tmp_path / "new"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")

    with pytest.raises(ImportFailed, match="not empty"):
        import_project(source, dest)

    assert (dest / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


def test_dest_that_is_a_file_is_refused(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    (tmp_path / "new").write_text("x")

    with pytest.raises(ImportFailed, match="is a file"):
        import_project(source, tmp_path / "new")


def test_empty_dest_folder_is_used(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())
    dest = tmp_path / "new"
    dest.mkdir()

    import_project(source, dest)

    assert (dest / "config.json").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failure_during_conversion_leaves_nothing_behind(tmp_path):
    files = old_project_files()
    # A file and a folder of the same name: listing is fine, writing the second one fails
    # after the staging folder was made and half filled.
    files["scene_assets/aws"] = "a file"
    files["scene_assets/aws/scene.json"] = "{}"
    archive = write_zip(tmp_path / "old.zip", files, top="p")
    dest = tmp_path / "new"

    with pytest.raises(ImportFailed, match="could not write the new project"):
        import_project(archive, dest)

    assert not dest.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.zip"]


def test_traversal_failure_leaves_no_dest(tmp_path):
    archive = tmp_path / "old.zip"
    write_zip(archive, {**old_project_files(), "../evil.txt": "x"})

    with pytest.raises(ImportFailed, match="traversal"):
        import_project(archive, tmp_path / "new")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.zip"]
    assert not (tmp_path.parent / "evil.txt").exists()


def test_report_text_and_json(tmp_path):
    files = old_project_files()
    files["config.json"] = json.dumps(
        {**json.loads(files["config.json"]), "digital_twin_name": "My_Twin"}
    )
    source = write_files(tmp_path / "old", files)

    report = import_project(source, tmp_path / "new")

    data = report.to_json()
    assert data["root_in_source"] == "."
    assert data["needs_attention"] == len(report.needs_attention) >= 1
    assert {"source", "target", "action", "message"} <= set(data["entries"][0])
    json.dumps(data)
    text = report.format_text()
    assert "config_events.json" in text
    assert "Needs your attention" in text
    assert "my-twin" in text


def test_validator_accepts_an_imported_well_formed_project(tmp_path):
    from dtwin_gui.core.validation import validate_project

    files = old_project_files()
    files["config_optimization.json"] = json.dumps(
        {"result": {"inputParamsUsed": {"useEventChecking": True, "returnFeedbackToDevice": True}}}
    )
    archive = write_zip(tmp_path / "old.zip", files, top="my-project")
    dest = tmp_path / "new"
    import_project(archive, dest)

    result = validate_project(dest)

    assert result.errors == []
    assert result.valid
