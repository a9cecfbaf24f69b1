"""Processors, event actions and feedback: wrapped where possible, flagged otherwise."""

from __future__ import annotations

import json
import sys

import pytest

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.importer.processors import analyse, cloud_preference

from .test_import_project import load_function, old_project_files, write_files

RECORD = {"device_id": "temperature-sensor-1", "timestamp": "2026-01-01T00:00:00.000Z"}
AWS_DIR = "lambda_functions/processors/temperature-sensor-1"
GCP_DIR = "cloud_functions/processors/temperature-sensor-1"
AZURE_DIR = "azure_functions/processors/temperature-sensor-1"

AZURE_APP = """\
import json

import azure.functions as func

app = func.FunctionApp()


@app.route(route="processor", auth_level=func.AuthLevel.FUNCTION)
def temperature_processor(req: func.HttpRequest) -> func.HttpResponse:
    event = req.get_json()
    event["temperature"] = event["temperature"] + 1
    return func.HttpResponse(json.dumps(event), mimetype="application/json")
"""


@pytest.fixture(autouse=True)
def isolated_imports(monkeypatch):
    """Undo what loading generated and older code does to sys.path and sys.modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def run_import(tmp_path, extra=None, drop=(), layer_2="aws"):
    """Import the sample older project plus ``extra`` files, minus ``drop``."""
    files = {**old_project_files(), **(extra or {})}
    for name in drop:
        files.pop(name)
    providers = json.loads(files["config_providers.json"])
    providers["layer_2_provider"] = layer_2
    files["config_providers.json"] = json.dumps(providers)
    source = write_files(tmp_path / "old", files)
    dest = tmp_path / "new"
    return import_project(source, dest), dest


def entries_to(report, target):
    return [entry for entry in report.entries if entry.target == target]


def actions_for(report, source):
    return sorted(entry.action for entry in report.entries if entry.source == source)


def test_layer_2_cloud_is_preferred(tmp_path):
    gcp = "def main(request):\n    data = request.json\n    data['via'] = 'gcp'\n    return data\n"
    report, dest = run_import(tmp_path, {f"{GCP_DIR}/main.py": gcp}, layer_2="google")

    process = load_function(dest / "processors/temperature-sensor-1/process.py", "process")
    assert process({**RECORD, "temperature": 1})["via"] == "gcp"
    assert actions_for(report, f"{AWS_DIR}/lambda_function.py") == ["ignored"]
    assert actions_for(report, f"{GCP_DIR}/main.py") == ["copied", "wrapped"]


def test_aws_comes_before_google_and_azure_when_layer_2_has_no_code(tmp_path):
    extra = {f"{GCP_DIR}/main.py": "def main(request):\n    return {}\n"}
    extra[f"{AZURE_DIR}/function_app.py"] = AZURE_APP
    report, _ = run_import(tmp_path, extra, layer_2="aws")

    assert actions_for(report, f"{AWS_DIR}/lambda_function.py") == ["copied", "wrapped"]
    assert actions_for(report, f"{GCP_DIR}/main.py") == ["ignored"]
    assert actions_for(report, f"{AZURE_DIR}/function_app.py") == ["ignored"]


def test_cloud_preference_order():
    assert cloud_preference("azure") == ("azure", "aws", "google")
    assert cloud_preference("google") == ("google", "aws", "azure")
    assert cloud_preference(None) == ("aws", "google", "azure")


def test_azure_function_is_kept_and_flagged_with_what_to_port(tmp_path):
    extra = {f"{AZURE_DIR}/function_app.py": AZURE_APP}
    report, dest = run_import(tmp_path, extra, drop=[f"{AWS_DIR}/lambda_function.py"])

    folder = dest / "processors" / "temperature-sensor-1"
    assert (folder / "original_function_app.py").read_text() == AZURE_APP
    [entry] = entries_to(report, "processors/temperature-sensor-1/process.py")
    assert entry.action == "needs-attention"
    assert "temperature_processor" in entry.message
    assert "req.get_json()" in entry.message
    assert "device_id" in entry.message
    assert entry in report.needs_attention
    process = load_function(folder / "process.py", "process")
    assert process({**RECORD, "temperature": 1}) == {**RECORD, "temperature": 1}
    assert "TODO(dtwin import)" in (folder / "process.py").read_text()


def test_unrecognised_aws_shape_is_kept_under_its_name(tmp_path):
    code = "def handler(event, context):\n    return event\n"
    report, dest = run_import(tmp_path, {f"{AWS_DIR}/lambda_function.py": code})

    folder = dest / "processors" / "temperature-sensor-1"
    assert (folder / "original_lambda_function.py").read_text() == code
    assert not (folder / "legacy_handler.py").exists()
    [entry] = entries_to(report, "processors/temperature-sensor-1/process.py")
    assert entry.action == "needs-attention"
    assert "lambda_handler(event, context)" in entry.message


def test_code_that_does_not_parse_is_flagged(tmp_path):
    report, _ = run_import(tmp_path, {f"{AWS_DIR}/lambda_function.py": "def broken(:\n"})

    [entry] = entries_to(report, "processors/temperature-sensor-1/process.py")
    assert entry.action == "needs-attention"
    assert "does not parse" in entry.message
    assert "line 1" in entry.message


def test_process_function_is_preferred_over_a_forwarding_handler(tmp_path):
    code = """\
def process(event):
    payload = event.copy()
    payload["temperature"] = 99
    return payload


def lambda_handler(event, context):
    forward_to_the_old_persister(process(event))  # noqa: F821 - never called any more
"""
    report, dest = run_import(tmp_path, {f"{AWS_DIR}/lambda_function.py": code})

    process = load_function(dest / "processors/temperature-sensor-1/process.py", "process")
    assert process({**RECORD, "temperature": 1}) == {**RECORD, "temperature": 99}
    [entry] = entries_to(report, "processors/temperature-sensor-1/process.py")
    assert "process(event)" in entry.message


def test_handler_returning_nothing_keeps_in_place_changes(tmp_path):
    code = "def lambda_handler(event, context):\n    event['temperature'] = 7\n"
    _, dest = run_import(tmp_path, {f"{AWS_DIR}/lambda_function.py": code})

    process = load_function(dest / "processors/temperature-sensor-1/process.py", "process")
    assert process({**RECORD, "temperature": 1, "trace_id": "t"}) == {
        **RECORD,
        "temperature": 7,
        "trace_id": "t",
    }


def test_gcp_functions_framework_and_flask_tuple(tmp_path):
    code = """\
import json

import functions_framework


@functions_framework.http
def main(request):
    data = request.get_json(force=True)
    data["temperature"] = data["temperature"] * 2
    return json.dumps(data), 200
"""
    extra = {f"{GCP_DIR}/main.py": code}
    _, dest = run_import(tmp_path, extra, drop=[f"{AWS_DIR}/lambda_function.py"])

    process = load_function(dest / "processors/temperature-sensor-1/process.py", "process")
    assert process({**RECORD, "temperature": 4}) == {**RECORD, "temperature": 8}


def test_legacy_code_importing_a_helper_beside_it(tmp_path):
    extra = {
        f"{AWS_DIR}/lambda_function.py": (
            "from conversions import to_kelvin\n\n\n"
            "def lambda_handler(event, context):\n"
            "    event['kelvin'] = to_kelvin(event['temperature'])\n"
            "    return event\n"
        ),
        f"{AWS_DIR}/conversions.py": "def to_kelvin(celsius):\n    return celsius + 273.15\n",
        f"{AWS_DIR}/zipped.zip": "old build",
    }
    report, dest = run_import(tmp_path, extra)

    folder = dest / "processors" / "temperature-sensor-1"
    assert actions_for(report, f"{AWS_DIR}/conversions.py") == ["copied"]
    assert actions_for(report, f"{AWS_DIR}/zipped.zip") == ["ignored"]
    assert not (folder / "zipped.zip").exists()
    process = load_function(folder / "process.py", "process")
    assert process({**RECORD, "temperature": 0})["kelvin"] == pytest.approx(273.15)


def test_sibling_named_like_dtwin_file_is_renamed(tmp_path):
    extra = {f"{AWS_DIR}/process.py": "X = 1\n"}
    report, dest = run_import(tmp_path, extra)

    assert (dest / "processors/temperature-sensor-1/original_process.py").read_text() == "X = 1\n"
    assert actions_for(report, f"{AWS_DIR}/process.py") == ["needs-attention"]


def test_old_runtime_expectations_are_flagged(tmp_path):
    code = """\
import json
import os

import boto3

DIGITAL_TWIN_INFO = json.loads(os.environ.get("DIGITAL_TWIN_INFO", None))
lambda_client = boto3.client("lambda")


def lambda_handler(event, context):
    lambda_client.invoke(FunctionName=os.environ["PERSISTER_LAMBDA_NAME"], Payload=b"")
"""
    report, _ = run_import(tmp_path, {f"{AWS_DIR}/lambda_function.py": code})

    [entry] = [e for e in report.needs_attention if e.source == f"{AWS_DIR}/lambda_function.py"]
    assert entry.target == "processors/temperature-sensor-1/legacy_handler.py"
    assert "DIGITAL_TWIN_INFO" in entry.message
    assert "PERSISTER_LAMBDA_NAME" in entry.message
    assert "line 7: boto3.client(...)" in entry.message
    assert "boto3" in entry.message


def test_default_processor_is_reused_for_devices_without_one(tmp_path):
    code = "def process(event):\n    event['defaulted'] = True\n    return event\n"
    extra = {"lambda_functions/processors/_default/lambda_function.py": code}
    report, dest = run_import(tmp_path, extra)

    process = load_function(dest / "processors/temperature-sensor-2/process.py", "process")
    assert process(dict(RECORD))["defaulted"] is True
    assert not (dest / "processors" / "_default").exists()
    [entry] = [e for e in entries_to(report, "processors/temperature-sensor-2/process.py")]
    assert entry.action == "wrapped"
    assert "default processor" in entry.message


def test_processor_for_an_unknown_device_needs_attention(tmp_path):
    extra = {
        "lambda_functions/processors/ghost/lambda_function.py": "def process(e):\n    return e\n"
    }
    report, dest = run_import(tmp_path, extra)

    # dtwin deploys one processor per device: a folder for no device is not carried over
    assert not (dest / "processors" / "ghost").exists()
    assert any("'ghost', which is no device" in e.message for e in report.needs_attention)


def test_gcp_event_action_is_wrapped(tmp_path):
    action_dir = "cloud_functions/event_actions/high-temperature-alert"
    code = "def main(request):\n    return {'seen': request.get_json()['iotDeviceId']}\n"
    extra = {f"{action_dir}/main.py": code}
    drop = ["lambda_functions/event_actions/high-temperature-alert/lambda_function.py"]
    _, dest = run_import(tmp_path, extra, drop=drop)

    action = load_function(dest / "event_actions/high-temperature-alert/action.py", "action")
    assert action(dict(RECORD), {"condition": "x"}) == {"seen": "temperature-sensor-1"}


def test_action_without_code_gets_a_do_nothing_action_and_attention(tmp_path):
    drop = ["lambda_functions/event_actions/high-temperature-alert/lambda_function.py"]
    report, dest = run_import(tmp_path, drop=drop)

    path = dest / "event_actions/high-temperature-alert/action.py"
    assert load_function(path, "action")(dict(RECORD), {}) is None
    [entry] = entries_to(report, "event_actions/high-temperature-alert/action.py")
    assert entry.action == "needs-attention"
    assert "no code" in entry.message


def test_pure_feedback_code_is_wrapped(tmp_path):
    code = """\
def lambda_handler(event, context):
    feedback = event["action"]["feedback"]
    return {"command": feedback["payload"]["command"].upper(), "to": feedback["iotDeviceId"]}
"""
    report, dest = run_import(
        tmp_path, {"lambda_functions/event-feedback/lambda_function.py": code}
    )

    feedback = load_function(dest / "event_feedback" / "feedback.py", "feedback")
    assert feedback(dict(RECORD), {"command": "cool"}) == {
        "command": "COOL",
        "to": "temperature-sensor-1",
    }
    assert entries_to(report, "event_feedback/feedback.py")[0].action == "wrapped"


def test_feedback_that_published_itself_becomes_a_pass_through(tmp_path):
    code = """\
import json

import boto3

iot = boto3.client("iot-data")


def lambda_handler(event, context):
    feedback = event["action"]["feedback"]
    iot.publish(topic=feedback["iotDeviceId"], payload=json.dumps(feedback["payload"]))
"""
    report, dest = run_import(
        tmp_path, {"lambda_functions/event-feedback/lambda_function.py": code}
    )

    feedback = load_function(dest / "event_feedback" / "feedback.py", "feedback")
    assert feedback(dict(RECORD), {"command": "cool"}) == {"command": "cool"}
    [entry] = entries_to(report, "event_feedback/feedback.py")
    assert entry.action == "needs-attention"
    assert "sends the message itself" in entry.message
    assert (dest / "event_feedback" / "original_lambda_function.py").read_text() == code


def test_generated_code_fits_the_line_length(tmp_path):
    _, dest = run_import(tmp_path)

    for path in dest.rglob("*.py"):
        if path.name in ("process.py", "action.py", "feedback.py"):
            text = path.read_text()
            compile(text, str(path), "exec")
            assert max(len(line) for line in text.splitlines()) <= 100, path


def test_analyse_describes_entry_points_without_importing():
    shape = analyse(
        "import os\nimport boto3\nfrom google.cloud import storage\n"
        "CLIENT = storage.Client()\nNAME = os.getenv('TABLE')\n"
        "def lambda_handler(event, context):\n    return os.environ['OTHER']\n"
        "async def main(request):\n    return None\n"
        "raise SystemExit('must never run')\n"
    )

    assert shape.error is None
    assert shape.has("lambda_handler", 2)
    assert not shape.has("main", 1)  # async: not callable the simple way
    assert shape.env_vars == ["TABLE", "OTHER"]
    assert shape.import_time_calls == ["line 4: storage.Client(...)"]
    assert shape.third_party(set()) == ["boto3", "google"]


def test_action_with_a_plain_text_http_reply(tmp_path):
    code = (
        "import json\n\n\n"
        "def lambda_handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps('Alert sent!')}\n"
    )
    extra = {"lambda_functions/event_actions/high-temperature-alert/lambda_function.py": code}
    _, dest = run_import(tmp_path, extra)

    action = load_function(dest / "event_actions/high-temperature-alert/action.py", "action")
    assert action(dict(RECORD), {}) == {"result": "Alert sent!"}


def test_legacy_code_that_fails_to_load_says_so(tmp_path):
    code = "raise ValueError('needs the old runtime')\n\n\ndef lambda_handler(event, context):\n"
    code += "    return event\n"
    _, dest = run_import(tmp_path, {f"{AWS_DIR}/lambda_function.py": code})

    process = load_function(dest / "processors/temperature-sensor-1/process.py", "process")
    with pytest.raises(RuntimeError, match=r"legacy_handler\.py failed to load"):
        process(dict(RECORD))
