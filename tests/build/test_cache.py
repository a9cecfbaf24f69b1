"""Building into a folder: byte-identical zips, rebuild only what changed, stale removal."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from helpers import edit_json

from dtwin_gui.build import StalePackage, build_packages
from dtwin_gui.build.cache import BUILDER_VERSION
from dtwin_gui.runtime.core.contracts import contract_for


@pytest.fixture(autouse=True)
def _pinned_sources(fake_sources):
    """Package a private copy of the runtime, so edits elsewhere cannot race these tests."""
    return fake_sources


def by_function(results):
    return {r.function: r for r in results}


def rebuilt(results):
    return {r.function for r in results if r.rebuilt}


def test_same_project_twice_gives_same_zips_and_no_rebuild(project, tmp_path):
    out = tmp_path / "out"
    first = build_packages(project, out)
    assert first and all(r.rebuilt for r in first)
    second = build_packages(project, out)
    assert [r.sha256 for r in second] == [r.sha256 for r in first]
    assert not rebuilt(second)
    for r in second:
        assert r.path == out / "aws" / f"{r.name}.zip"
        assert r.manifest == out / "aws" / f"{r.name}.manifest.json"
        data = r.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == r.sha256
        assert len(data) == r.size


def test_events_recorded_as_they_happen(project, tmp_path):
    seen = []
    results = build_packages(project, tmp_path / "out", on_event=seen.append)
    assert seen == list(results)


def test_changing_one_processor_rebuilds_only_its_package(project, tmp_path):
    out = tmp_path / "out"
    before = by_function(build_packages(project, out))
    path = project / "processors/temperature-sensor-2/process.py"
    path.write_text(path.read_text() + "\n# tweak\n")
    after = build_packages(project, out)
    assert rebuilt(after) == {"processor-temperature-sensor-2"}
    changed = by_function(after)["processor-temperature-sensor-2"]
    assert changed.sha256 != before["processor-temperature-sensor-2"].sha256


def test_adding_a_helper_file_rebuilds_that_processor(project, tmp_path):
    out = tmp_path / "out"
    build_packages(project, out)
    (project / "processors/pressure-sensor-1/calibration.json").write_text("{}\n")
    assert rebuilt(build_packages(project, out)) == {"processor-pressure-sensor-1"}


def test_changing_rules_rebuilds_the_event_checker_only(project, tmp_path):
    out = tmp_path / "out"
    build_packages(project, out)
    edit_json(
        project / "config_events.json",
        lambda rules: rules[0].update(condition="temperature-sensor-1.temperature > DOUBLE(45)"),
    )
    assert rebuilt(build_packages(project, out)) == {"event-checker"}


def test_changing_a_device_rebuilds_exactly_the_packages_that_bake_it(project, tmp_path):
    out = tmp_path / "out"
    build_packages(project, out)
    edit_json(
        project / "config_iot_devices.json",
        lambda devices: devices[1]["properties"].append({"name": "rpm", "dataType": "INTEGER"}),
    )
    assert rebuilt(build_packages(project, out)) == {
        "processor-temperature-sensor-2",  # its own device changed; other processors did not
        "dispatcher",
        "persister",
        "event-checker",
        "hot-reader",
    }


def test_zip_is_identical_across_folders_and_source_mtimes(project, tmp_path, fake_sources):
    first = build_packages(project, tmp_path / "one")
    late = 1_900_000_000
    for tree in (project, fake_sources):
        for path in tree.rglob("*"):
            os.utime(path, (late, late), follow_symlinks=False)
    second = build_packages(project, tmp_path / "two")
    assert all(r.rebuilt for r in second)
    assert [r.sha256 for r in second] == [r.sha256 for r in first]
    for a, b in zip(first, second, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()
        assert a.manifest.read_bytes() == b.manifest.read_bytes()


def test_zip_headers_are_fixed(project, tmp_path):
    for result in build_packages(project, tmp_path / "out"):
        with zipfile.ZipFile(result.path) as zf:
            names = zf.namelist()
            assert names == sorted(names)
            for info in zf.infolist():
                assert info.date_time == (1980, 1, 1, 0, 0, 0)
                assert stat.S_IMODE(info.external_attr >> 16) == 0o644
                assert not info.is_dir()


def test_processor_zip_contents(project, tmp_path):
    result = by_function(build_packages(project, tmp_path / "out"))["processor-pressure-sensor-1"]
    with zipfile.ZipFile(result.path) as zf:
        names = zf.namelist()
        assert (
            zf.read("user/process.py")
            == (project / "processors/pressure-sensor-1/process.py").read_bytes()
        )
        config = json.loads(zf.read("dtwin_function.json"))
        assert (config["role"], config["device_id"]) == ("processor", "pressure-sensor-1")
        assert "dtwin_gui/core/event_grammar.py" in names
    assert not any(n.startswith(("boto3/", "botocore/")) or "__pycache__" in n for n in names)


def test_manifest_lists_files_and_env_contract(project, tmp_path):
    results = by_function(build_packages(project, tmp_path / "out"))
    persister = results["persister"]
    manifest = json.loads(persister.manifest.read_text())
    assert manifest["builder"] == BUILDER_VERSION
    assert manifest["name"] == persister.name == "factory-twin-persister"
    assert (manifest["role"], manifest["cloud"]) == ("persister", "aws")
    assert manifest["handler"] == "dtwin_gui.runtime.aws.handlers.persister.handler"
    assert (manifest["sha256"], manifest["size"]) == (persister.sha256, persister.size)
    assert manifest["input_hash"] == persister.input_hash
    assert manifest["env"] == contract_for("persister").to_json()
    assert manifest["one_of"] == [["DTWIN_HOT_STORE", "DTWIN_HOT_WRITER_URL"]]
    with zipfile.ZipFile(persister.path) as zf:
        assert [f["path"] for f in manifest["files"]] == zf.namelist()
        for f in manifest["files"]:
            data = zf.read(f["path"])
            assert f["sha256"] == hashlib.sha256(data).hexdigest()
            assert f["size"] == len(data)


def test_workspace_permissions(project, tmp_path):
    out = tmp_path / "deep" / "out"
    results = build_packages(project, out)
    for folder in (tmp_path / "deep", out, out / "aws"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for r in results:
        for path in (r.path, r.manifest):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(out.rglob(".*.tmp"))


def test_deleted_device_removes_its_stale_package(project, tmp_path):
    out = tmp_path / "out"
    old = by_function(build_packages(project, out))["processor-pressure-sensor-1"]
    foreign = out / "aws" / "not-ours.zip"
    foreign.write_bytes(b"keep me")
    edit_json(
        project / "config_iot_devices.json",
        lambda devices: [d for d in devices if d["id"] != "pressure-sensor-1"],
    )
    events = []
    outcome = build_packages(project, out, on_event=events.append)
    assert "processor-pressure-sensor-1" not in by_function(outcome)
    assert outcome.removed == [
        StalePackage("factory-twin-processor-pressure-sensor-1", "aws", (old.path, old.manifest))
    ]
    assert outcome.removed[0] in events
    assert not old.path.exists() and not old.manifest.exists()
    assert foreign.read_bytes() == b"keep me"  # only packages we built are ever removed


def test_building_one_cloud_keeps_the_other_clouds_packages(project, tmp_path):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_3_hot_provider="azure"))
    out = tmp_path / "out"
    everything = build_packages(project, out)
    assert {r.cloud for r in everything} == {"aws", "azure"}
    aws_only = build_packages(project, out, cloud="aws")
    assert {r.cloud for r in aws_only} == {"aws"}
    assert aws_only.removed == []
    assert all(r.path.exists() for r in everything)


def test_cache_is_not_fooled_by_a_damaged_or_missing_zip(project, tmp_path):
    out = tmp_path / "out"
    first = by_function(build_packages(project, out))
    damaged, missing = first["persister"], first["hot-reader"]
    damaged.path.write_bytes(b"garbage")
    missing.path.unlink()
    again = by_function(build_packages(project, out))
    assert rebuilt(again.values()) == {"persister", "hot-reader"}
    assert again["persister"].sha256 == damaged.sha256
    assert again["hot-reader"].path.read_bytes() != b""


@pytest.mark.parametrize("garbage", ["{", '{"builder": "something else"}'])
def test_unreadable_manifest_means_rebuild(project, tmp_path, garbage):
    out = tmp_path / "out"
    first = by_function(build_packages(project, out))
    Path(first["dispatcher"].manifest).write_text(garbage)
    assert rebuilt(build_packages(project, out)) == {"dispatcher"}
