"""Issue 12 items 1, 2 and 11: the older project's code is found wherever the older tool
kept it, and carried over as code that does what it did."""

from __future__ import annotations

import json
import sys

import pytest

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.project import DEVICES
from dtwin_gui.core.validation import validate_project

from .test_import_project import load_function, old_project_files, write_files

RECORD = {"device_id": "temperature-sensor-2", "timestamp": "2026-01-01T00:00:00.000Z"}

DEFAULT_AWS = """\
def lambda_handler(event, context):
    event["defaulted"] = "aws:" + event["iotDeviceId"]
    return event
"""
DEFAULT_PROCESS = """\
def process(event):
    event["defaulted"] = "process:" + event["iotDeviceId"]
    return event
"""
ACTION_AWS = """\
def lambda_handler(event, context):
    return {"alert": "too hot", "iotDeviceId": event["iotDeviceId"]}
"""
NATIVE_PROCESS = """\
def process(event):
    event["fahrenheit"] = event["temperature"] * 9 / 5 + 32
    return event
"""


@pytest.fixture(autouse=True)
def isolated_imports(monkeypatch):
    """Undo what loading generated and older code does to sys.path and sys.modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def run_import(tmp_path, extra=None, drop=(), layer_2="aws", devices=None, events=None):
    files = {**old_project_files(), **(extra or {})}
    for name in drop:
        files.pop(name, None)
    providers = json.loads(files["config_providers.json"])
    providers["layer_2_provider"] = layer_2
    files["config_providers.json"] = json.dumps(providers)
    if devices is not None:
        files["config_iot_devices.json"] = json.dumps(devices)
    if events is not None:
        files["config_events.json"] = json.dumps(events)
    source = write_files(tmp_path / "old", files)
    dest = tmp_path / "new"
    return import_project(source, dest), dest


def processor(dest, device):
    return load_function(dest / "processors" / device / "process.py", "process")


def processor_folders(dest):
    return sorted(p.name for p in (dest / "processors").iterdir())


DEVICE_IDS = ["pressure-sensor-1", "temperature-sensor-1", "temperature-sensor-2"]


# --------------------------------------------------------------------- item 1: default


@pytest.mark.parametrize(
    ("path", "code", "expected"),
    [
        ("lambda_functions/default-processor/lambda_function.py", DEFAULT_AWS, "aws:"),
        ("lambda_functions/processors/default_processor/process.py", DEFAULT_PROCESS, "process:"),
        ("lambda_functions/processors/default-processor/process.py", DEFAULT_PROCESS, "process:"),
    ],
)
def test_default_processor_runs_for_every_device_without_its_own(tmp_path, path, code, expected):
    report, dest = run_import(tmp_path, {path: code})

    target = "processors/temperature-sensor-2/process.py"
    [entry] = [e for e in report.entries if e.target == target]
    assert entry.message.startswith("older default processor, reused for temperature-sensor-2")
    out = processor(dest, "temperature-sensor-2")(dict(RECORD))
    assert out["defaulted"] == expected + "temperature-sensor-2"
    assert out["device_id"] == "temperature-sensor-2"
    # never a processor for a device that does not exist
    assert processor_folders(dest) == DEVICE_IDS
    # devices with their own processor keep it
    own = processor(dest, "temperature-sensor-1")({**RECORD, "temperature": 2.0})
    assert "defaulted" not in own


@pytest.mark.parametrize(
    ("layer_2", "path"),
    [
        ("google", "cloud_functions/processors/default_processor/process.py"),
        ("azure", "azure_functions/processors/default_processor/process.py"),
        ("google", "cloud_functions/default-processor/main.py"),
    ],
)
def test_default_processor_of_google_and_azure(tmp_path, layer_2, path):
    code = DEFAULT_PROCESS
    if path.endswith("main.py"):
        code = (
            "def main(request):\n    d = request.get_json()\n    d['defaulted'] = 1\n    return d\n"
        )
    report, dest = run_import(tmp_path, {path: code}, layer_2=layer_2)

    assert "defaulted" in processor(dest, "temperature-sensor-2")(dict(RECORD))
    assert processor_folders(dest) == DEVICE_IDS
    assert not [e for e in report.needs_attention if e.source.startswith(path.rsplit("/", 1)[0])]


def test_device_processor_key_names_the_folder_the_older_tool_deployed(tmp_path):
    devices = json.loads(old_project_files()["config_iot_devices.json"])
    devices[1]["processor"] = "shared-logic"  # temperature-sensor-2
    extra = {"lambda_functions/processors/shared-logic/process.py": DEFAULT_PROCESS}
    report, dest = run_import(tmp_path, extra, devices=devices)

    assert processor(dest, "temperature-sensor-2")(dict(RECORD))["defaulted"].startswith("process:")
    assert processor_folders(dest) == DEVICE_IDS
    assert any("processor key of temperature-sensor-2" in e.message for e in report.entries)
    # dtwin has no such key: dropped, so the devices file validates
    assert all("processor" not in d for d in json.loads((dest / DEVICES).read_text()))
    assert not [p for p in validate_project(dest).errors if p.file == DEVICES]


def test_processor_key_naming_the_default_processor(tmp_path):
    devices = json.loads(old_project_files()["config_iot_devices.json"])
    devices[0]["processor"] = "default_processor"  # temperature-sensor-1, which has its own
    extra = {"lambda_functions/processors/default_processor/process.py": DEFAULT_PROCESS}
    _, dest = run_import(tmp_path, extra, devices=devices)

    out = processor(dest, "temperature-sensor-1")({**RECORD, "temperature": 1.0})
    assert out["defaulted"] == "process:temperature-sensor-2"


# --------------------------------------------------------------------- item 2: actions


def _events(path_to_code=None, name="high-temperature-alert"):
    events = json.loads(old_project_files()["config_events.json"])
    events[0]["action"]["functionName"] = name
    if path_to_code is None:
        events[0]["action"].pop("pathToCode")
    else:
        events[0]["action"]["pathToCode"] = path_to_code
    return events


@pytest.mark.parametrize(
    ("folder", "path_to_code"),
    [
        ("event_actions/high-temperature-alert", "event_actions/high-temperature-alert"),
        ("event_actions/high-temperature-alert", None),
        ("lambda_functions/event-actions/high-temperature-alert", None),
        ("custom/alerting", "./custom/alerting/lambda_function.py"),
    ],
)
def test_action_code_is_found_where_the_older_tool_looked(tmp_path, folder, path_to_code):
    old = "lambda_functions/event_actions/high-temperature-alert/lambda_function.py"
    extra = {f"{folder}/lambda_function.py": ACTION_AWS}
    report, dest = run_import(tmp_path, extra, drop=[old], events=_events(path_to_code))

    action = load_function(dest / "event_actions/high-temperature-alert/action.py", "action")
    result = action({**RECORD, "temperature": 50.0}, {"condition": "x"})
    assert result == {"alert": "too hot", "device_id": "temperature-sensor-2"}
    assert not [e for e in report.needs_attention if "no code" in e.message]
    entries = [e.action for e in report.entries if e.source == f"{folder}/lambda_function.py"]
    assert sorted(entries) == ["copied", "wrapped"]


def test_azure_action_in_process_py_is_wrapped(tmp_path):
    old = "lambda_functions/event_actions/high-temperature-alert/lambda_function.py"
    code = "def process(event):\n    return {'seen': event['iotDeviceId']}\n"
    extra = {"azure_functions/event_actions/high-temperature-alert/process.py": code}
    _, dest = run_import(tmp_path, extra, drop=[old], layer_2="azure")

    action = load_function(dest / "event_actions/high-temperature-alert/action.py", "action")
    assert action(dict(RECORD), {}) == {"seen": "temperature-sensor-2"}


def test_action_without_code_anywhere_still_gets_a_stub(tmp_path):
    old = "lambda_functions/event_actions/high-temperature-alert/lambda_function.py"
    report, dest = run_import(tmp_path, drop=[old], events=_events("event_actions/nowhere"))

    assert (dest / "event_actions/high-temperature-alert/action.py").is_file()
    [entry] = [e for e in report.needs_attention if "no code for it" in e.message]
    assert "event_actions/nowhere/" in entry.message


# --------------------------------------------------------------------- item 11: process.py


def test_process_py_in_dtwin_shape_is_taken_as_it_is(tmp_path):
    old = "lambda_functions/processors/temperature-sensor-1/lambda_function.py"
    new = "lambda_functions/processors/temperature-sensor-1/process.py"
    report, dest = run_import(tmp_path, {new: NATIVE_PROCESS}, drop=[old])

    target = dest / "processors/temperature-sensor-1/process.py"
    assert target.read_text() == NATIVE_PROCESS
    assert not (dest / "processors/temperature-sensor-1/legacy_handler.py").exists()
    assert [e.action for e in report.entries if e.source == new] == ["copied"]
    assert not [e for e in report.needs_attention if "entry point" in e.message]
    assert processor(dest, "temperature-sensor-1")({"temperature": 100})["fahrenheit"] == 212


def test_process_py_reading_older_keys_is_wrapped(tmp_path):
    old = "lambda_functions/processors/temperature-sensor-1/lambda_function.py"
    new = "lambda_functions/processors/temperature-sensor-1/process.py"
    code = "def process(event):\n    event['who'] = event['iotDeviceId']\n    return event\n"
    # next to it, the older tool's own entry point that called process()
    wrapper = "from process import process\n\ndef lambda_handler(event, context):\n    pass\n"
    extra = {new: code, old: wrapper}
    report, dest = run_import(tmp_path, extra)

    out = processor(dest, "temperature-sensor-1")(dict(RECORD))
    assert out["who"] == "temperature-sensor-2"
    assert [e.action for e in report.entries if e.source == old] == ["ignored"]
    assert not [e for e in report.needs_attention if "entry point" in e.message]


def test_feedback_process_py_gets_the_payload_as_the_older_tool_gave_it(tmp_path):
    code = (
        "def process(payload):\n"
        "    if isinstance(payload, str):\n"
        "        return payload.upper()\n"
        "    return {**payload, 'checked': True}\n"
    )
    # beside it, the older tool's own wrapper that published the result
    wrapper = "import boto3\n\n\ndef lambda_handler(event, context):\n    pass\n"
    extra = {
        "lambda_functions/event-feedback/process.py": code,
        "lambda_functions/event-feedback/lambda_function.py": wrapper,
    }
    report, dest = run_import(tmp_path, extra)

    feedback = load_function(dest / "event_feedback/feedback.py", "feedback")
    # a text payload (imported as {"message": text}) reached process() as the text, and the
    # older wrapper sent {"message": <result>}
    assert feedback(dict(RECORD), {"message": "High Temp"}) == {"message": "HIGH TEMP"}
    assert feedback(dict(RECORD), {"command": "cool-down"}) == {
        "command": "cool-down",
        "checked": True,
    }
    assert "wrapped" in [
        e.action for e in report.entries if e.target == "event_feedback/feedback.py"
    ]
