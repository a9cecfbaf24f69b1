"""The usage numbers saved in the project (config_usage.json + config.json's storage ages):
defaults for older projects, a round trip, and bad values refused with file and JSON path."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from dtwin_gui.core.project import CONFIG
from dtwin_gui.core.usage import (
    USAGE,
    Usage,
    UsageError,
    load_usage,
    read_usage,
    write_usage,
)
from dtwin_gui.core.validation import validate_project


def write(project, data) -> None:
    (project / USAGE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def test_a_project_without_the_file_gets_defaults_from_its_own_files(project):
    assert not (project / USAGE).exists()  # the example, like every older project
    usage = load_usage(project)
    # one device and one twin entity per device of config_iot_devices.json (3); the storage
    # ages of config.json (30 and 90 days)
    assert usage == Usage(devices=3, twin_entities=3, hot_days=30, cold_days=90)
    assert not [p for p in validate_project(project).problems if p.file == USAGE]


def test_usage_round_trips_and_keeps_what_is_not_ours(project):
    write(project, {"devices": 2})
    config_before = json.loads((project / CONFIG).read_text(encoding="utf-8"))
    usage = Usage(
        devices=250,
        messages_per_device_per_minute=0.5,
        payload_bytes=800,
        hot_days=7,
        cold_days=60,
        archive_days=730,
        dashboard_users=4,
        twin_entities=40,
    )
    write_usage(project, usage)
    assert read_usage(project) == usage
    saved = json.loads((project / USAGE).read_text(encoding="utf-8"))
    assert "hot_days" not in saved  # one place for the storage ages: config.json
    config = json.loads((project / CONFIG).read_text(encoding="utf-8"))
    assert (config["hot_storage_size_in_days"], config["cold_storage_size_in_days"]) == (7, 60)
    assert config["digital_twin_name"] == config_before["digital_twin_name"]
    assert validate_project(project).valid


def test_a_partial_file_takes_defaults_for_the_rest(project):
    write(project, {"payload_bytes": 1000, "messages_per_device_per_minute": 6})
    usage = load_usage(project)
    assert (usage.payload_bytes, usage.messages_per_device_per_minute) == (1000, 6.0)
    assert usage.devices == 3 and usage.archive_days == 365


def test_bad_values_are_refused_with_file_and_json_path(project):
    (project / USAGE).write_text(
        '{\n  "devices": 0,\n  "payload_bytes": "big",\n  "archve_days": 3\n}\n',
        encoding="utf-8",
    )
    with pytest.raises(UsageError) as caught:
        load_usage(project)
    found = {(p.path, p.line, p.message) for p in caught.value.problems}
    assert ("$.devices", 2, "must be at least 1") in found
    assert ("$.payload_bytes", 3, "must be a whole number, not a string") in found
    assert ("$.archve_days", 4, "unknown key 'archve_days'") in found
    assert str(caught.value).startswith("config_usage.json:2:")
    hints = {p.path: p.hint for p in caught.value.problems}
    assert hints["$.archve_days"] == "did you mean 'archive_days'?"
    # `dtwin validate` lists the same problems
    report = validate_project(project)
    assert {(p.path, p.message) for p in report.errors if p.file == USAGE} == {
        (path, message) for path, _, message in found
    }
    # the tolerant reader falls back to the defaults instead
    assert read_usage(project).devices == 3


def test_a_broken_file_is_a_located_json_error(project):
    (project / USAGE).write_text('{"devices": 3,}', encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_usage(project)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (USAGE, 1)
    assert "invalid JSON" in problem.message


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"devices": 0}, "Devices must be a whole number from 1"),
        ({"messages_per_device_per_minute": 0.0}, "Messages per device per minute must be"),
        ({"payload_bytes": 10**9}, "Payload size must be"),
        ({"hot_days": 30, "cold_days": 30}, "Cold retention must be longer than hot"),
    ],
)
def test_writing_out_of_range_numbers_is_refused(project, change, why):
    with pytest.raises(ValueError, match=why):
        write_usage(project, replace(Usage(), **change))
    assert not (project / USAGE).exists()
