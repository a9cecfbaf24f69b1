"""Tests never touch the user's own settings, data, projects or keyring."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring

REPO = Path(__file__).resolve().parents[1]
USER_VARS = ("DTWIN_CONFIG_DIR", "DTWIN_DATA_DIR", "DTWIN_PROJECTS_DIR")


def test_every_writer_lands_in_the_test_folders(tmp_path):
    """What the app writes by default (settings, credential choices, recent projects, gui
    state, secrets) goes to this test's private folders and keyring."""
    from dtwin_gui.credentials.secrets import SecretStore
    from dtwin_gui.credentials.store import CredentialChoices, save_choices
    from dtwin_gui.settings import AppSettings, config_dir, save_settings
    from dtwin_gui.ui.recent import RecentProjects, gui_settings, gui_settings_path

    data = Path(os.environ["DTWIN_DATA_DIR"])
    assert "DTWIN_CONFIG_DIR" not in os.environ
    assert config_dir() == data / "config"
    assert save_settings(AppSettings(theme="dark")).parent == data / "config"
    assert save_choices(CredentialChoices()).parent == data / "config"
    RecentProjects(gui_settings()).add(tmp_path / "a-project")
    assert gui_settings_path() == data / "config" / "gui.ini"
    assert RecentProjects(gui_settings()).paths() == [tmp_path / "a-project"]
    SecretStore().set("aws/dev/secret", "s3cr3t")
    backend = keyring.get_keyring()
    assert type(backend).__name__ == "MemoryKeyring"  # the tests' own (tests/conftest.py)
    assert backend.passwords == {("dtwin", "aws/dev/secret"): "s3cr3t"}
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_DOCUMENTS_DIR"):
        assert "dtwin-tests-" in os.environ[name]  # the session's private folder
    assert Path(os.environ["DTWIN_PROJECTS_DIR"]).is_relative_to(tmp_path.parent)


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_users_dtwin_folders_stay_untouched_by_a_test_run(tmp_path):
    """A user who keeps settings elsewhere (DTWIN_CONFIG_DIR, ...) runs the tests: their
    folders and home stay byte-identical, and the tests pass."""
    user = tmp_path / "user"
    env = dict(os.environ)
    for name in USER_VARS:
        folder = user / name.lower()
        folder.mkdir(parents=True)
        env[name] = str(folder)
    home = user / "home"
    (home / ".config" / "dtwin").mkdir(parents=True)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    env.pop("XDG_DATA_HOME", None)
    config = Path(env["DTWIN_CONFIG_DIR"])
    (config / "settings.json").write_text('{"version": 1, "theme": "light"}\n')
    (config / "credentials.json").write_text('{"version": 1}\n')
    (config / "gui.ini").write_text("[recent]\nprojects=[]\n")
    (Path(env["DTWIN_DATA_DIR"]) / "workspaces").mkdir()
    (home / ".config" / "dtwin" / "dtwin.conf").write_text("[recent]\nprojects=[]\n")
    before = _snapshot(user)

    tests = [
        f"{Path(__file__).relative_to(REPO)}::test_every_writer_lands_in_the_test_folders",
        "tests/test_settings.py",
        "tests/credentials/test_secrets_and_store.py",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert _snapshot(user) == before
