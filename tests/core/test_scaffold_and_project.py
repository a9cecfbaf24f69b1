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


def test_left_out_layers_are_saved_as_none_and_load_back(project):
    from dtwin_gui.core.project import read_choices
    from dtwin_gui.core.providers import NO_CLOUD

    write_providers(project, {Slot.L4: NO_CLOUD, Slot.L5: NO_CLOUD})
    written = json.loads((project / "config_providers.json").read_text())
    assert (written["layer_4_provider"], written["layer_5_provider"]) == ("none", "none")
    loaded = load_project(project)
    assert Slot.L4 not in loaded.providers and not loaded.has_layer(Slot.L5)
    assert loaded.providers_complete()
    assert read_choices(project)[Slot.L4] is NO_CLOUD
    # Choosing a cloud again brings the layer back.
    write_providers(project, {Slot.L4: Cloud.AZURE})
    assert load_project(project).providers[Slot.L4] is Cloud.AZURE


def test_required_layers_are_never_saved_as_none(project):
    import pytest

    from dtwin_gui.core.providers import NO_CLOUD

    before = (project / "config_providers.json").read_text()
    with pytest.raises(ValueError, match="L2 cannot be left out"):
        write_providers(project, {Slot.L2: NO_CLOUD})
    assert (project / "config_providers.json").read_text() == before
    # "none" written by hand on L1-L3 is not a choice: the layer has no cloud.
    edit = json.loads(before) | {"layer_1_provider": "none"}
    (project / "config_providers.json").write_text(json.dumps(edit))
    assert load_project(project).providers[Slot.L1] is None
