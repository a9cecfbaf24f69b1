"""File-by-file conversions of the older format's configuration files."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.importer.convert import is_secret, twin_name_advice
from dtwin_gui.core.importer.convert_config import (
    convert_events,
    convert_payloads,
    features_from_optimization,
    normalise_providers,
)

from .test_import_project import entry_for, old_project_files, write_files


def imported(tmp_path, **changes: str | None):
    """Import the sample older project with some files replaced (None removes one)."""
    files = old_project_files()
    for name, content in changes.items():
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    source = write_files(tmp_path / "old", files)
    dest = tmp_path / "new"
    return import_project(source, dest), dest


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- config.json


@pytest.mark.parametrize(
    ("name", "reasons", "suggestion"),
    [
        ("Factory_Twin", ["capitals", "underscores"], "factory-twin"),
        ("factory_twin", ["underscores"], "factory-twin"),
        ("a-very-long-factory-twin-name", ["29 characters"], "a-very-long-factory"),
    ],
)
def test_twin_name_advice(name, reasons, suggestion):
    advice = twin_name_advice(name)
    assert advice is not None
    for reason in reasons:
        assert reason in advice
    assert repr(suggestion) in advice


def test_good_twin_name_gets_no_advice():
    assert twin_name_advice("factory-twin") is None


def test_config_is_copied_verbatim_with_attention_on_a_bad_name(tmp_path):
    config = json.dumps({"digital_twin_name": "My_Twin", "mode": "DEBUG"}, indent=4)
    report, dest = imported(tmp_path, **{"config.json": config})

    assert (dest / "config.json").read_text() == config
    attention = [e for e in report.needs_attention if e.source == "config.json"]
    assert len(attention) == 1
    assert "'my-twin'" in attention[0].message


def test_config_that_is_not_json_is_copied_and_flagged(tmp_path):
    report, dest = imported(tmp_path, **{"config.json": "{not json"})

    assert (dest / "config.json").read_text() == "{not json"
    assert any("not valid JSON" in e.message for e in report.needs_attention)


def test_devices_are_copied_verbatim(tmp_path):
    files = old_project_files()
    report, dest = imported(tmp_path)

    assert (dest / "config_iot_devices.json").read_text() == files["config_iot_devices.json"]
    assert entry_for(report, "config_iot_devices.json", "copied").target == (
        "config_iot_devices.json"
    )


# --------------------------------------------------------------------------- events


def test_event_action_types_are_mapped():
    rules = [
        {"condition": "a.b > 1", "action": {"type": old, "functionName": "f"}}
        for old in ("lambda", "function", "step_function", "logic_app", "workflow")
    ]

    converted, _, problems = convert_events(rules)

    assert [r["action"]["type"] for r in converted] == [
        "function",
        "function",
        "workflow",
        "workflow",
        "workflow",
    ]
    assert problems == []


def test_event_feedback_and_dropped_keys():
    rule = {
        "condition": "entityId.temperature-sensor-1.temperature == DOUBLE(30)",
        "action": {
            "type": "lambda",
            "functionName": "alert",
            "pathToCode": "code/alert",
            "autoDeploy": False,
            "feedback": {"type": "mqtt", "iotDeviceId": "d1", "payload": {"led": "red"}},
        },
    }

    converted, changes, problems = convert_events([rule])

    assert converted == [
        {
            "condition": "entityId.temperature-sensor-1.temperature == DOUBLE(30)",
            "action": {
                "type": "function",
                "functionName": "alert",
                "feedback": {"device_id": "d1", "payload": {"led": "red"}},
            },
        }
    ]
    text = " ".join(changes)
    assert 'pathToCode="code/alert"' in text
    assert "autoDeploy=false" in text
    assert problems == []


def test_event_condition_is_kept_verbatim(tmp_path):
    report, dest = imported(tmp_path)

    rules = read_json(dest / "config_events.json")
    original = json.loads(old_project_files()["config_events.json"])
    assert rules[0]["condition"] == original[0]["condition"]
    assert entry_for(report, "config_events.json").action == "converted"


def test_unknown_action_type_needs_attention():
    _, _, problems = convert_events([{"condition": "a.b > 1", "action": {"type": "email"}}])
    assert problems and "unknown action type 'email'" in problems[0]


def test_missing_events_file_becomes_an_empty_list(tmp_path):
    _, dest = imported(tmp_path, **{"config_events.json": None})
    assert read_json(dest / "config_events.json") == []


# --------------------------------------------------------------------------- providers


def test_providers_are_normalised():
    value = {"layer_1_provider": "AWS", "layer_2_provider": "gcp", "layer_3_hot_provider": "Azure"}

    result, changes, _ = normalise_providers(value)

    assert result == {
        "layer_1_provider": "aws",
        "layer_2_provider": "google",
        "layer_3_hot_provider": "azure",
    }
    assert len(changes) == 3


def test_google_for_twin_or_dashboards_needs_attention():
    providers = json.loads(old_project_files()["config_providers.json"])
    providers["layer_4_provider"] = "gcp"

    result, _, problems = normalise_providers(providers)

    assert result["layer_4_provider"] == "google"
    assert any("layer_4_provider is google" in p for p in problems)


def test_none_is_kept_for_twin_model_and_dashboards_only():
    providers = json.loads(old_project_files()["config_providers.json"])
    providers |= {
        "layer_4_provider": "none",
        "layer_5_provider": " None",
        "layer_1_provider": "none",
    }

    result, changes, problems = normalise_providers(providers)

    assert (result["layer_4_provider"], result["layer_5_provider"]) == ("none", "none")
    assert changes == ["layer_5_provider: ' None' -> 'none'"]
    # L1 cannot be left out: that is the one thing needing the user.
    assert problems == ["layer_1_provider: 'none' is not aws, azure or google"]
    # Google on L4 says "none" is what the older tool effectively had.
    _, _, google = normalise_providers({**result, "layer_4_provider": "google"})
    assert any('"none" to leave the layer out' in p for p in google)


def test_providers_file_is_rewritten(tmp_path):
    providers = json.loads(old_project_files()["config_providers.json"])
    providers["layer_3_cold_provider"] = "GCP"
    _, dest = imported(tmp_path, **{"config_providers.json": json.dumps(providers)})

    assert read_json(dest / "config_providers.json")["layer_3_cold_provider"] == "google"


# --------------------------------------------------------------------------- features


def test_features_missing_flags_are_false():
    flags, notes = features_from_optimization(
        {"result": {"inputParamsUsed": {"needs3DModel": True}}}
    )

    assert flags == {
        "use_event_checking": False,
        "trigger_notification_workflow": False,
        "return_feedback_to_device": False,
        "integrate_error_handling": False,
        "needs_3d_model": True,
    }
    assert notes == []


def test_features_non_boolean_flag_is_flagged():
    flags, notes = features_from_optimization(
        {"result": {"inputParamsUsed": {"useEventChecking": "yes"}}}
    )
    assert flags["use_event_checking"] is False
    assert "useEventChecking" in notes[0]


def test_no_optimization_file_and_no_rules_writes_all_features_off(tmp_path):
    report, dest = imported(
        tmp_path, **{"config_optimization.json": None, "config_events.json": "[]"}
    )

    features = read_json(dest / "config_features.json")
    assert set(features.values()) == {False}
    [entry] = [e for e in report.entries if e.target == "config_features.json"]
    assert entry.source == "(generated)"
    assert "none (no event rules)" in entry.message


# --------------------------------------------------------------------------- payloads


def test_payloads_are_renamed_and_empty_time_dropped():
    records, notes = convert_payloads(
        [
            {"iotDeviceId": "d1", "time": "", "temperature": 1},
            {"iotDeviceId": "d2", "time": "2026-01-01T00:00:00.000Z", "pressure": 2},
        ]
    )

    assert records == [
        {"device_id": "d1", "temperature": 1},
        {"device_id": "d2", "timestamp": "2026-01-01T00:00:00.000Z", "pressure": 2},
    ]
    assert notes == []


def test_payloads_at_the_root_are_accepted(tmp_path):
    payloads = json.dumps([{"iotDeviceId": "temperature-sensor-1", "temperature": 1}])
    report, dest = imported(
        tmp_path,
        **{"iot_device_simulator/payloads.json": None, "payloads.json": payloads},
    )

    assert read_json(dest / "payloads.json") == [
        {"device_id": "temperature-sensor-1", "temperature": 1}
    ]
    assert entry_for(report, "payloads.json").action == "converted"


def test_payloads_from_simulator_folder(tmp_path):
    report, dest = imported(tmp_path)

    records = read_json(dest / "payloads.json")
    assert records[0] == {"device_id": "temperature-sensor-1", "temperature": 21.5}
    assert records[1]["timestamp"] == "2026-01-01T00:00:00.000Z"
    assert entry_for(report, "iot_device_simulator/payloads.json").target == "payloads.json"


# --------------------------------------------------------------------------- other files


def test_copied_assets_and_state_machines(tmp_path):
    report, dest = imported(
        tmp_path,
        **{
            "state_machines/aws_step_function.json": '{"StartAt": "A", "States": {}}',
            "scene_assets/aws/scene.json": "{}",
            "scene_assets/aws/textures/wood.png": "png",
        },
    )

    for rel in (
        "state_machines/aws_step_function.json",
        "scene_assets/aws/scene.json",
        "scene_assets/aws/textures/wood.png",
        "twin_hierarchy/aws_hierarchy.json",
        "project_info.json",
    ):
        assert (dest / rel).is_file(), rel
        assert entry_for(report, rel).action == "copied"


def test_unknown_files_are_ignored_with_their_path(tmp_path):
    report, dest = imported(
        tmp_path,
        **{
            "notes/todo.txt": "x",
            "lambda_functions/persister/lambda_function.py": "def lambda_handler(e, c): pass",
            "iot_device_simulator/src/main.py": "print()",
        },
    )

    for rel in (
        "notes/todo.txt",
        "lambda_functions/persister/lambda_function.py",
        "iot_device_simulator/src/main.py",
    ):
        entry = entry_for(report, rel)
        assert entry.action == "ignored"
        assert entry.target is None
    assert not (dest / "notes").exists()


@pytest.mark.parametrize(
    "path",
    [
        "config_credentials.json",
        "config_credentials.json.example",
        "iot_devices_auth/d1/private.pem.key",
        "iot_devices_auth/d1/certificate.pem.crt",
        "lambda_functions/processors/d1/.env",
    ],
)
def test_secret_looking_files(path):
    assert is_secret(path)


def test_device_keys_are_skipped(tmp_path):
    report, dest = imported(tmp_path, **{"iot_devices_auth/d1/private.pem.key": "KEY"})

    entry = entry_for(report, "iot_devices_auth/d1/private.pem.key")
    assert entry.action == "skipped"
    assert not (dest / "iot_devices_auth").exists()


def test_every_source_file_has_an_entry(tmp_path):
    files = old_project_files()
    report, _ = imported(tmp_path)

    assert set(files) <= {entry.source for entry in report.entries}
