"""The packaging files (no PyInstaller build here: `make package-smoke` does that in CI)."""

from __future__ import annotations

import ast
import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"


def test_spec_bundles_what_the_app_reads_at_run_time():
    spec = (PACKAGING / "dtwin.spec").read_text(encoding="utf-8")
    ast.parse(spec)  # valid Python
    for folder in ('"terraform" / "modules"', '"upload" / "template"', '"resources"'):
        assert folder in spec
    for needed in ("terraform/modules/aws", "upload/template/config.json", "resources/dtwin.png"):
        assert (REPO / needed).exists(), needed
    assert 'name="dtwin"' in spec and "console=False" in spec
    assert "exclude_binaries=True" in spec and "COLLECT(" in spec  # one folder, not one file
    assert "include_py_files=True" in spec  # function packages are built from the sources


def test_desktop_entry_is_complete():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "dtwin.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == "dtwin"
    assert section["Exec"].split()[0] == "dtwin"
    assert section["Icon"] == "dtwin" and (REPO / "resources" / "dtwin.svg").is_file()
    assert section["Terminal"] == "false"


@pytest.mark.parametrize("script", ["build.sh", "smoke.sh", "install-desktop-entry.sh"])
def test_scripts_are_executable_bash(script):
    path = PACKAGING / script
    assert os.access(path, os.X_OK)
    assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash")
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_entry_answers_like_python_for_helper_processes(tmp_path):
    """The frozen app is its own `sys.executable`: `-m module` and `script.py` must work."""
    entry = str(PACKAGING / "dtwin_entry.py")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ran = subprocess.run(
        [sys.executable, entry, "-B", "-P", "-m", "dtwin_gui.cli", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert "usage: dtwin" in ran.stdout
    script = tmp_path / "hello.py"
    script.write_text("import sys\nprint('args', sys.argv[1:])\n", encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, entry, str(script), "a", "b"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert ran.stdout.strip() == "args ['a', 'b']"


def test_the_app_starts_offscreen_and_quits_after_one_second(tmp_path, project):
    """`dtwin-gui --quit-after 1` (the smoke test's switch) exits 0 and logs a clean run."""
    launcher = Path(sys.executable).with_name("dtwin-gui")
    command = [str(launcher)] if launcher.exists() else [sys.executable, "-m", "dtwin_gui.ui.app"]
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    ran = subprocess.run(
        [*command, "--quit-after", "1", str(project)],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )
    assert ran.returncode == 0, ran.stderr
    log = (tmp_path / "state" / "dtwin" / "log" / "dtwin-gui.log").read_text(encoding="utf-8")
    assert "opened project" in log and "exiting with code 0" in log
    assert " ERROR " not in log and " CRITICAL " not in log
