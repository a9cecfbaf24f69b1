"""The app settings: one JSON file, atomic writes, clear errors, checks of Terraform/mirror."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from dtwin_gui.build.workspace import workspace_dir
from dtwin_gui.settings import (
    AppSettings,
    SettingCheckError,
    check_mirror,
    check_terraform,
    load_settings,
    save_settings,
    settings_path,
)


def test_round_trip_keeps_every_setting(tmp_path):
    path = tmp_path / "settings.json"
    chosen = AppSettings(
        workspace_location=tmp_path / "ws",
        terraform_path="/opt/terraform/bin/terraform",
        plugin_mirror=tmp_path / "mirror",
        theme="dark",
    )
    save_settings(chosen, path)
    loaded = load_settings(path)
    assert loaded == chosen
    assert loaded.load_error == ""
    assert "load_error" not in json.loads(path.read_text(encoding="utf-8"))


def test_settings_live_under_the_data_dir_in_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("DTWIN_DATA_DIR", str(tmp_path / "data"))
    save_settings(AppSettings(theme="light"))
    assert settings_path() == tmp_path / "data" / "config" / "settings.json"
    assert load_settings().theme == "light"


def test_a_failed_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "settings.json"
    save_settings(AppSettings(theme="dark"), path)
    before = path.read_bytes()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        save_settings(AppSettings(theme="light"), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_settings(path).theme == "dark"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp file left


def test_broken_json_gives_defaults_and_says_where(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{\n  "theme": "dark",\n  "terraform_path": \n}\n', encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.theme == "system"  # the defaults
    assert "line 4, column 1" in loaded.load_error
    assert str(path) in loaded.load_error
    assert "using the defaults" in loaded.load_error


def test_a_wrong_value_names_the_field(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"theme": "purple"}', encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.theme == "system"
    assert "theme" in loaded.load_error


def test_a_missing_file_is_the_defaults_without_error(tmp_path):
    loaded = load_settings(tmp_path / "nope.json")
    assert loaded == AppSettings() and loaded.load_error == ""


def test_workspace_location_setting_moves_new_workspaces(project, tmp_path):
    chosen = tmp_path / "my-workspaces"
    save_settings(AppSettings(workspace_location=chosen))
    ws = workspace_dir(project)
    assert ws.parent == chosen
    assert ws.name.startswith("factory-twin-")
    assert stat.S_IMODE(ws.stat().st_mode) == 0o700


def test_without_the_setting_workspaces_stay_in_the_data_dir(project):
    ws = workspace_dir(project)
    assert ws.parent == Path(os.environ["DTWIN_DATA_DIR"]) / "workspaces"


def test_terraform_settings_carry_program_and_mirror(tmp_path):
    tf = AppSettings(terraform_path="/x/terraform", plugin_mirror=tmp_path).terraform_settings()
    assert tf.binary == "/x/terraform" and tf.mirror_dir == tmp_path


def test_the_real_terraform_answers_with_its_version():
    version = check_terraform("terraform")
    assert version.split(".")[0] == "1"


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("no-such-terraform", "was found on the PATH"),
        ("/nonexistent/terraform", "There is no program at"),
        ("/bin/true", "did not answer `terraform version`"),
    ],
)
def test_a_bogus_terraform_is_a_clear_error(program, expected):
    with pytest.raises(SettingCheckError, match=expected):
        check_terraform(program)


def test_a_file_that_is_not_executable_is_refused(tmp_path):
    fake = tmp_path / "terraform"
    fake.write_text("not a program", encoding="utf-8")
    with pytest.raises(SettingCheckError, match="not an executable program"):
        check_terraform(str(fake))


def test_mirror_lists_its_providers(tmp_path):
    (tmp_path / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0").mkdir(parents=True)
    assert check_mirror(tmp_path) == ["registry.terraform.io/hashicorp/aws"]


def test_mirror_must_be_a_folder_with_providers(tmp_path):
    with pytest.raises(SettingCheckError, match="is not a folder"):
        check_mirror(tmp_path / "missing")
    with pytest.raises(SettingCheckError, match="holds no Terraform provider"):
        check_mirror(tmp_path)
