"""Google packaging: one deterministic source zip per layer whose static main.py has the
entry point of every function of its manifest."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from dtwin_gui.build import build_packages, packages
from dtwin_gui.clouds.base import plugin
from dtwin_gui.clouds.google import packaging
from dtwin_gui.core.providers import Cloud
from dtwin_gui.runtime.google.entry_points import ENTRY_POINTS
from tests.helpers import edit_json

GOOGLE_LAYERS = (
    "layer_1_provider",
    "layer_2_provider",
    "layer_3_hot_provider",
    "layer_3_cold_provider",
    "layer_3_archive_provider",
)


@pytest.fixture
def google_project(project, monkeypatch):
    """L1–L3 on Google (L4/L5 stay where the sample has them)."""
    edit_json(
        project / "config_providers.json",
        lambda p: p.update(dict.fromkeys(GOOGLE_LAYERS, "google")),
    )
    if plugin(Cloud.GOOGLE).part("package") is None:  # until the plugin registers the part
        original = packages._cloud_packager
        monkeypatch.setattr(
            packages,
            "_cloud_packager",
            lambda c: packaging.package if c is Cloud.GOOGLE else original(c),
        )
    return project


def _zips(results) -> dict[str, zipfile.ZipFile]:
    return {r.name: zipfile.ZipFile(io.BytesIO(r.path.read_bytes())) for r in results}


def test_one_zip_per_layer_same_inputs_same_bytes(google_project, tmp_path):
    first = build_packages(google_project, tmp_path / "a", cloud="google")
    second = build_packages(google_project, tmp_path / "b", cloud="google")
    assert [r.path.read_bytes() for r in first] == [r.path.read_bytes() for r in second]
    names = [r.name for r in first]
    assert len(set(names)) == len(names)
    assert all(r.role == packaging.SOURCE_ROLE for r in first)
    twin = json.loads((google_project / "config.json").read_text())["digital_twin_name"]
    tags = ("l1", "l2", "l3hot", "l3cold", "l3archive")
    assert set(names) <= {f"{twin}-{tag}-functions" for tag in tags}
    assert f"{twin}-l2-functions" in names and f"{twin}-l1-functions" in names


def test_contents_manifest_entry_points_and_user_code(google_project, tmp_path):
    results = build_packages(google_project, tmp_path / "out", cloud="google")
    by_layer = {}
    for name, archive in _zips(results).items():
        files = set(archive.namelist())
        assert {"main.py", "requirements.txt", packaging.MANIFEST} <= files
        assert "dtwin_gui/runtime/google/handlers.py" in files
        assert "dtwin_gui/runtime/core/pipeline.py" in files
        assert not any(
            n.startswith(("dtwin_gui/runtime/aws/", "dtwin_gui/runtime/azure/")) for n in files
        )
        requirements = archive.read("requirements.txt").decode()
        for sdk in ("functions-framework", "google-cloud-firestore", "google-cloud-storage"):
            assert sdk in requirements
        main = archive.read("main.py").decode()
        manifest = json.loads(archive.read(packaging.MANIFEST))
        assert manifest["source"] == name
        by_layer[manifest["layer"]] = (manifest, files)
        for function in manifest["functions"]:
            point = ENTRY_POINTS[function["role"]]
            assert (function["entry_point"], function["signature"]) == point
            assert f"\n{point.name} = functions_framework." in main
            assert function["deployed_name"].endswith(function["name"])
            if function["user_dir"]:
                assert any(n.startswith(function["user_dir"] + "/") for n in files)

    l1, _ = by_layer["L1"]
    dispatcher = next(f for f in l1["functions"] if f["role"] == "dispatcher")
    assert dispatcher["signature"] == "cloudevent"
    # Routes name the processors' deployed functions (the URL's last segment).
    l2, files = by_layer["L2"]
    processors = [f for f in l2["functions"] if f["role"] == "processor"]
    assert processors and all(f"{f['user_dir']}/process.py" in files for f in processors)
    assert set(dispatcher["config"]["routes"].values()) == {f["deployed_name"] for f in processors}
    assert {f["role"] for f in by_layer["L3_hot"][0]["functions"]} >= {"hot-reader"}


def test_user_code_change_rebuilds_only_its_layer(google_project, tmp_path):
    before = {
        r.name: r.sha256 for r in build_packages(google_project, tmp_path / "o", cloud="google")
    }
    process = next(Path(google_project).rglob("process.py"))
    process.write_text(process.read_text() + "\n# changed\n")
    after = {
        r.name: r.sha256 for r in build_packages(google_project, tmp_path / "o", cloud="google")
    }
    changed = {n for n in before if before[n] != after[n]}
    assert len(changed) == 1 and next(iter(changed)).endswith("-l2-functions")
