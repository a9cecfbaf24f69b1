"""``export_project``: a reproducible zip without secrets, workspace or caches, that imports
back into the same project."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from dtwin_gui.core.export import (
    REASON_CACHE,
    REASON_JUNK,
    REASON_LINK,
    REASON_SECRET,
    REASON_WORKSPACE,
    ExportFailed,
    export_project,
)
from dtwin_gui.core.importer import import_project
from dtwin_gui.core.validation import validate_project

FAKE_KEY = "AKIAFAKEEXPORTKEY-never-export-me"


def project_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def litter(project: Path) -> None:
    """What a real working copy gathers: secrets, deployment state, caches, junk, a link."""
    (project / "config_credentials.json").write_text(f'{{"aws_access_key_id": "{FAKE_KEY}"}}')
    (project / "twin_hierarchy" / "device.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    workspace = project / ".terraform" / "providers"
    workspace.mkdir(parents=True)
    (workspace / "state.bin").write_text(FAKE_KEY)
    (project / "terraform.tfstate").write_text(FAKE_KEY)
    (project / "build" / "aws").mkdir(parents=True)
    (project / "build" / "aws" / "dispatcher.zip").write_bytes(b"PK")
    cache = project / "processors" / "pressure-sensor-1" / "__pycache__"
    cache.mkdir()
    (cache / "process.cpython-312.pyc").write_bytes(b"\x00")
    (project / ".pytest_cache").mkdir()
    (project / ".pytest_cache" / "README.md").write_text("cache")
    (project / "event_feedback" / "feedback.py~").write_text("old")
    (project / ".DS_Store").write_bytes(b"\x00\x01")
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    os.symlink("/etc/hostname", project / "link-to-outside")


def test_export_keeps_the_project_files_and_nothing_else(project, tmp_path):
    before = project_files(project)
    litter(project)
    out = tmp_path / "shared" / "twin.zip"
    out.parent.mkdir()

    result = export_project(project, out)

    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
    assert contents == before  # every project file, byte for byte, and nothing more
    assert names == sorted(names)
    assert not any(FAKE_KEY.encode() in data for data in contents.values())
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons["config_credentials.json"] == REASON_SECRET
    assert reasons["twin_hierarchy/device.pem"] == REASON_SECRET
    assert reasons[".terraform/"] == REASON_WORKSPACE
    assert reasons["terraform.tfstate"] == REASON_WORKSPACE
    assert reasons["build/"] == REASON_WORKSPACE
    assert reasons["processors/pressure-sensor-1/__pycache__/"] == REASON_CACHE
    assert reasons[".pytest_cache/"] == REASON_CACHE
    assert reasons["event_feedback/feedback.py~"] == REASON_JUNK
    assert reasons[".DS_Store"] == REASON_JUNK
    assert reasons["link-to-outside"] == REASON_LINK
    assert ".git/" in reasons
    assert {s.path for s in result.secrets} == {
        "config_credentials.json",
        "twin_hierarchy/device.pem",
    }
    assert [p for p, _ in result.files] == sorted(before)


def test_entries_have_fixed_times_permissions_and_relative_names(project, tmp_path):
    os.chmod(project / "config.json", 0o600)
    os.utime(project / "payloads.json", (1_800_000_000, 1_800_000_000))
    out = tmp_path / "twin.zip"
    export_project(project, out)
    with zipfile.ZipFile(out) as archive:
        infos = archive.infolist()
    assert infos
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert stat.S_IMODE(info.external_attr >> 16) == 0o644
        assert stat.S_ISREG(info.external_attr >> 16)
        assert not info.filename.startswith("/") and ".." not in info.filename.split("/")
        assert str(project) not in info.filename and "\\" not in info.filename
    assert "config.json" in [i.filename for i in infos]  # no top folder: unzip and open


def test_export_twice_gives_identical_bytes_even_from_another_copy(project, tmp_path):
    first, second, third = tmp_path / "1.zip", tmp_path / "2.zip", tmp_path / "3.zip"
    export_project(project, first)
    os.utime(project / "config.json", (1_900_000_000, 1_900_000_000))
    (project / "processors" / "pressure-sensor-1" / "__pycache__").mkdir()
    export_project(project, second)
    copy = tmp_path / "elsewhere" / "copy"
    copy.parent.mkdir()
    os.rename(project, copy)
    result = export_project(copy, third)
    assert first.read_bytes() == second.read_bytes() == third.read_bytes()
    assert result.sha256 and result.zip_size == first.stat().st_size


def test_round_trip_export_import_validate(project, tmp_path):
    litter(project)
    out = tmp_path / "twin.zip"
    export_project(project, out)
    dest = tmp_path / "colleague" / "twin"

    report = import_project(out, dest)

    assert {e.action for e in report.entries} == {"copied"}
    assert all(e.source == e.target for e in report.entries)
    assert project_files(dest) == {
        path: data
        for path, data in project_files(project).items()
        if path in {name for name in zipfile.ZipFile(out).namelist()}
    }
    assert validate_project(dest).errors == []
    # ...and the imported copy exports to the very same bytes.
    again = tmp_path / "again.zip"
    export_project(dest, again)
    assert again.read_bytes() == out.read_bytes()


def test_the_extracted_zip_is_a_valid_project(project, tmp_path):
    out = tmp_path / "twin.zip"
    export_project(project, out)
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(unzipped)
    report = validate_project(unzipped)
    assert report.valid, report.errors


def test_a_workspace_folder_inside_the_project_is_left_out(project, tmp_path):
    workspaces = project / "my-workspaces"
    (workspaces / "twin-1234abcd").mkdir(parents=True)
    (workspaces / "twin-1234abcd" / "glue-secrets.json").write_text(FAKE_KEY)
    out = tmp_path / "twin.zip"
    result = export_project(project, out, exclude=[workspaces, tmp_path / "not-inside"])
    assert not any(n.startswith("my-workspaces") for n in zipfile.ZipFile(out).namelist())
    assert [s.reason for s in result.skipped if s.path == "my-workspaces/"] == [REASON_WORKSPACE]


def test_user_files_that_are_not_in_the_format_still_travel(project, tmp_path):
    (project / "README.md").write_text("# notes\n")
    helper = project / "processors" / "pressure-sensor-1" / "helpers.py"
    helper.write_text("SCALE = 2\n")
    out = tmp_path / "twin.zip"
    export_project(project, out)
    names = zipfile.ZipFile(out).namelist()
    assert "README.md" in names and "processors/pressure-sensor-1/helpers.py" in names


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p, t: (t / "empty").mkdir() or (t / "empty", t / "x.zip"), "not a dtwin project"),
        (lambda p, t: (t / "missing", t / "x.zip"), "is not a folder"),
        (lambda p, t: (p, p / "twin.zip"), "inside the project"),
        (lambda p, t: (p, p / "processors" / "twin.zip"), "inside the project"),
        (lambda p, t: (p, t / "no-such-folder" / "x.zip"), "does not exist"),
        (lambda p, t: (t / "dir.zip").mkdir() or (p, t / "dir.zip"), "is a folder"),
        (lambda p, t: (p, Path("/proc/dtwin-export-test.zip")), "cannot write"),
    ],
    ids=[
        "no-config",
        "missing",
        "out-in-project",
        "out-deep-in-project",
        "no-parent",
        "out-dir",
        "unwritable",
    ],
)
def test_bad_input_fails_clearly_and_writes_nothing(project, tmp_path, make, expected):
    root, out = make(project, tmp_path)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(ExportFailed) as caught:
        export_project(root, out)
    message = str(caught.value)
    assert expected in message and "\n" not in message
    assert sorted(tmp_path.rglob("*")) == before  # no zip, no temporary file


def test_a_failed_write_keeps_the_previous_zip(project, tmp_path, monkeypatch):
    out = tmp_path / "twin.zip"
    out.write_bytes(b"previous export")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    with pytest.raises(ExportFailed, match="No space left"):
        export_project(project, out)
    assert out.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file


def test_a_hand_made_dtwin_zip_imports_unchanged_with_secrets_and_caches_left_out(
    project, tmp_path
):
    zipped = tmp_path / "by-hand.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path, data in project_files(project).items():
            archive.writestr(f"twin/{path}", data)  # wrapped in one top folder
        archive.writestr("twin/config_credentials.json", f'{{"key": "{FAKE_KEY}"}}')
        archive.writestr("twin/processors/pressure-sensor-1/process.pyc", b"\x00")
        archive.writestr("twin/__pycache__/x.pyc", b"\x00")
    dest = tmp_path / "imported"

    report = import_project(zipped, dest)

    actions = {e.source: e.action for e in report.entries}
    assert actions["config_credentials.json"] == "skipped"
    assert actions["processors/pressure-sensor-1/process.pyc"] == "ignored"
    assert actions["processors/pressure-sensor-1/process.py"] == "copied"
    assert project_files(dest) == project_files(project)
    assert FAKE_KEY not in report.format_text()
    assert "dtwin's format" in report.format_text()
    assert validate_project(dest).errors == []


def test_an_older_project_is_still_converted_not_copied(tmp_path):
    older = tmp_path / "older"
    (older / "lambda_functions" / "processors" / "sensor-1").mkdir(parents=True)
    (older / "config.json").write_text(
        '{"digital_twin_name": "twin", "hot_storage_size_in_days": 1, '
        '"cold_storage_size_in_days": 2, "mode": "DEBUG"}'
    )
    (older / "config_iot_devices.json").write_text(
        '[{"id": "sensor-1", "properties": [{"name": "t", "dataType": "DOUBLE"}]}]'
    )
    (older / "config_events.json").write_text("[]")
    (older / "config_providers.json").write_text('{"layer_1_provider": "aws"}')
    (older / "lambda_functions" / "processors" / "sensor-1" / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    return event\n"
    )
    report = import_project(older, tmp_path / "new")
    assert {e.action for e in report.entries} - {"copied"}  # wrapped, converted...
    assert (tmp_path / "new" / "processors" / "sensor-1" / "process.py").is_file()


def test_a_secret_inside_a_file_is_caught_by_its_content(project, tmp_path):
    """The importer's content screening: a key pasted into code or an asset stays home."""
    leaked = "ACCESS = 'AKIAABCDEFGHIJKLMNOP'\n"
    helper = project / "processors" / "pressure-sensor-1" / "settings.py"
    helper.write_text("# settings\n" + leaked)
    (project / "scene_assets" / "aws").mkdir(parents=True)
    (project / "scene_assets" / "aws" / "scene.glb").write_bytes(bytes(range(256)) * 64)
    out = tmp_path / "twin.zip"

    result = export_project(project, out)

    names = zipfile.ZipFile(out).namelist()
    assert "processors/pressure-sensor-1/settings.py" not in names
    assert "scene_assets/aws/scene.glb" in names  # a binary asset is not flagged by chance
    (caught,) = result.secrets
    assert caught.path == "processors/pressure-sensor-1/settings.py"
    assert "AWS access key id (line 2)" in caught.reason
    assert "AKIAABCDEFGHIJKLMNOP" not in result.format_text()

    zipped = tmp_path / "by-hand.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path, data in project_files(project).items():
            archive.writestr(path, data)
    report = import_project(zipped, tmp_path / "imported")
    actions = {e.source: e.action for e in report.entries}
    assert actions["processors/pressure-sensor-1/settings.py"] == "skipped"
    assert not (tmp_path / "imported" / "processors" / "pressure-sensor-1" / "settings.py").exists()


def test_a_project_too_big_for_import_is_exported_with_a_warning(project, tmp_path, monkeypatch):
    from dtwin_gui.core import export as module

    limit = module.DEFAULT_MAX_FILES
    monkeypatch.setattr(module, "DEFAULT_MAX_FILES", 3)
    out = tmp_path / "twin.zip"
    result = export_project(project, out)
    assert zipfile.is_zipfile(out)
    (warning,) = result.warnings
    assert "more than `dtwin import` accepts (3 files" in warning
    assert f"warning: {warning}" in result.format_text()
    assert export_project(project, tmp_path / "small.zip").warnings  # still too many
    monkeypatch.setattr(module, "DEFAULT_MAX_FILES", limit)
    assert export_project(project, tmp_path / "fine.zip").warnings == []


def test_names_that_would_break_the_zip_or_the_import_are_skipped(project, tmp_path):
    (project / "notes: draft.md").write_text("colon")
    (project / "back\\slash.txt").write_text("backslash")
    os.makedirs(os.fsencode(project) + b"/bad-\xff-name")
    with open(os.fsencode(project) + b"/bad-\xff-name/inside.txt", "wb") as handle:
        handle.write(b"a name no zip can hold as UTF-8")
    out = tmp_path / "twin.zip"

    result = export_project(project, out)

    reasons = {s.path: s.reason for s in result.skipped}
    assert "rename it to export it" in reasons["notes: draft.md"]
    assert "rename it to export it" in reasons["back\\slash.txt"]
    assert sum("rename it" in r for r in reasons.values()) == 3
    report = import_project(out, tmp_path / "imported")  # the archive is accepted
    assert {e.action for e in report.entries} == {"copied"}


def test_a_reimported_export_still_names_the_placeholders_to_write(project, tmp_path):
    """Placeholders an earlier import wrote still need the user after an export round trip."""
    from dtwin_gui.core.validation.generated_rules import GENERATED_MARKER

    action = project / "processors" / "temperature-sensor-1" / "process.py"
    action.write_text(f"{GENERATED_MARKER} - placeholder\n" + action.read_text())
    out = tmp_path / "p.zip"
    export_project(project, out)

    report = import_project(out, tmp_path / "again")

    [entry] = report.needs_attention
    assert entry.target == "processors/temperature-sensor-1/process.py"
    assert "placeholder" in entry.message
