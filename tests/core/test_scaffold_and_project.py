import json

import pytest

from dtwin_gui.core.project import load_project, read_providers, write_providers
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.scaffold import ScaffoldError, new_project
from dtwin_gui.core.validation import validate_project


def test_new_project_names_the_twin_and_validates(tmp_path):
    dest = new_project(tmp_path / "Hall 7", twin_name="hall-seven")
    assert load_project(dest).twin_name == "hall-seven"
    assert validate_project(dest).valid


def test_new_project_rejects_bad_twin_name_and_leaves_nothing(tmp_path):
    with pytest.raises(ScaffoldError, match="try 'my-twin'"):
        new_project(tmp_path / "p", twin_name="My_Twin")
    assert list(tmp_path.iterdir()) == []


def test_load_project_is_tolerant_of_broken_files(project):
    (project / "config_events.json").write_text("{broken")
    (project / "config_iot_devices.json").write_text('[{"id": 3}, {"id": "ok", "properties": 1}]')
    loaded = load_project(project)
    assert loaded.events == []
    assert loaded.device_ids == ["ok"]
    assert loaded.twin_name == "factory-twin"


def test_write_providers_is_atomic_and_keeps_unknown_keys(project):
    path = project / "config_providers.json"
    data = json.loads(path.read_text())
    data["comment"] = "mine"
    path.write_text(json.dumps(data))
    choice = {s: Cloud.AWS for s in SLOTS} | {Slot.L3_HOT: Cloud.AZURE}
    write_providers(project, choice)
    assert read_providers(project)[Slot.L3_HOT] is Cloud.AZURE
    written = json.loads(path.read_text())
    assert written["comment"] == "mine"
    assert list(written)[:2] == ["layer_1_provider", "layer_2_provider"]
    assert [p.name for p in project.iterdir() if p.name.endswith(".tmp")] == []
