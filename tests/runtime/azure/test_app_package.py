"""Azure packaging: one deterministic Function App zip per layer, whose static
function_app.py registers exactly the functions of its manifest."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path

from dtwin_gui.build import build_packages
from tests.helpers import edit_json

LAYERS = (
    "layer_1_provider",
    "layer_2_provider",
    "layer_3_hot_provider",
    "layer_3_cold_provider",
    "layer_3_archive_provider",
    "layer_4_provider",
    "layer_5_provider",
)


def _all_azure(project: Path) -> None:
    edit_json(project / "config_providers.json", lambda p: p.update(dict.fromkeys(LAYERS, "azure")))


def test_one_zip_per_layer_app_same_inputs_same_bytes(project, tmp_path):
    _all_azure(project)
    first = build_packages(project, tmp_path / "a", cloud="azure")
    second = build_packages(project, tmp_path / "b", cloud="azure")
    assert [r.name for r in first] == [r.name for r in second]
    assert [r.path.read_bytes() for r in first] == [r.path.read_bytes() for r in second]
    assert len({r.name for r in first}) == len(list(first))  # one zip per app
    assert all(r.role == "function-app" and r.handler == "function_app.app" for r in first)

    by_layer = {}
    for result in first:
        archive = zipfile.ZipFile(io.BytesIO(result.path.read_bytes()))
        names = set(archive.namelist())
        assert {"function_app.py", "host.json", "requirements.txt", "dtwin_app.json"} <= names
        assert "dtwin_gui/runtime/azure/app.py" in names
        assert not any(n.startswith("dtwin_gui/runtime/aws/") for n in names)
        manifest = json.loads(archive.read("dtwin_app.json"))
        assert manifest["app"] == result.name
        by_layer[manifest["layer"]] = (manifest, names)
        for function in manifest["functions"]:
            if function["user_dir"]:
                assert any(n.startswith(function["user_dir"] + "/") for n in names)
        env = {v["name"] for v in json.loads(result.manifest.read_text())["env"]}
        assert "DTWIN_TWIN_NAME" in env

    l2, names = by_layer["L2"]
    processors = [f for f in l2["functions"] if f["role"] == "processor"]
    assert processors and all(f"{f['user_dir']}/process.py" in names for f in processors)
    assert {f["role"] for f in by_layer["L1"][0]["functions"]} >= {"dispatcher"}
    assert {f["role"] for f in by_layer["L3_hot"][0]["functions"]} >= {
        "hot-reader",
        "hot-to-cold-mover",
    }


def test_the_packaged_function_app_registers_its_manifest(project, tmp_path):
    _all_azure(project)
    for result in build_packages(project, tmp_path / "out", cloud="azure"):
        folder = tmp_path / "apps" / result.name
        zipfile.ZipFile(result.path).extractall(folder)
        manifest = json.loads((folder / "dtwin_app.json").read_text())
        spec = importlib.util.spec_from_file_location(
            f"function_app_{result.name.replace('-', '_')}", folder / "function_app.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        registered = {f.get_function_name() for f in module.app.get_functions()}
        assert registered == {f["name"] for f in manifest["functions"]}


def test_a_changed_processor_changes_only_the_l2_app(project, tmp_path):
    _all_azure(project)
    before = {r.name: r.sha256 for r in build_packages(project, tmp_path / "out", cloud="azure")}
    process = next((project / "processors").rglob("process.py"))
    process.write_text(process.read_text() + "\n# changed\n")
    after = {r.name: r.sha256 for r in build_packages(project, tmp_path / "out", cloud="azure")}
    changed = {name for name in before if before[name] != after[name]}
    assert len(changed) == 1 and "l2" in next(iter(changed)).lower()


def test_functions_are_named_inside_their_app_as_the_intent_and_modules_name_them(
    project, tmp_path
):
    """The dispatcher's Event Grid endpoint (``.../functions/dispatcher``), the receivers'
    routes (``/api/hot-reader``) and the calls between functions all use the topology's
    names: the app's name carries the twin's."""
    from dtwin_gui.clouds.azure.intent import azure_intent
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project

    _all_azure(project)
    loaded = load_project(project)
    intent = azure_intent(loaded, topology_for_project(loaded))
    expected = {app.layer: {f.name for f in app.functions} for app in intent.function_apps}
    found, calls = {}, set()
    for result in build_packages(project, tmp_path / "out", cloud="azure"):
        manifest = json.loads(zipfile.ZipFile(result.path).read("dtwin_app.json"))
        found[manifest["layer"]] = {f["name"] for f in manifest["functions"]}
        for f in manifest["functions"]:
            calls |= set(f["config"]["routes"].values()) | set(f["config"]["actions"].values())
    assert found == expected
    assert "dispatcher" in found["L1"] and "hot-reader" in found["L3_hot"]
    assert calls and calls <= found["L2"]  # processors and actions, by their app's names
