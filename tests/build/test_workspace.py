"""The per-project workspace folder under the user data dir."""

from __future__ import annotations

import re
import shutil
import stat

from dtwin_gui.build import build_dir, workspace_dir


def test_workspace_is_private_and_per_project_path(project, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("DTWIN_DATA_DIR")
    ws = workspace_dir(project)
    assert ws.parent == tmp_path / "data" / "dtwin" / "workspaces"
    assert re.fullmatch(r"factory-twin-[0-9a-f]{8}", ws.name)
    for folder in (tmp_path / "data", tmp_path / "data/dtwin", ws.parent, ws):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert workspace_dir(project) == ws  # stable

    twin = shutil.copytree(project, tmp_path / "elsewhere")
    other = workspace_dir(twin)
    assert other != ws and other.name.startswith("factory-twin-")

    out = build_dir(project)
    assert out == ws / "build" and stat.S_IMODE(out.stat().st_mode) == 0o700


def test_odd_twin_names_make_safe_folder_names(project, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (project / "config.json").write_text('{"digital_twin_name": "../a b"}')
    assert re.fullmatch(r"a-b-[0-9a-f]{8}", workspace_dir(project).name)
    (project / "config.json").write_text("{}")
    assert re.fullmatch(r"twin-[0-9a-f]{8}", workspace_dir(project).name)
