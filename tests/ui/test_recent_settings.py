"""Recent projects and window state live in gui.ini in the app's config folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings

from dtwin_gui.ui.recent import RecentProjects, gui_settings, gui_settings_path


def test_recent_projects_follow_dtwin_config_dir_and_older_lists_are_carried_over(
    tmp_path, monkeypatch
):
    legacy_root = tmp_path / "xdg-config"
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(legacy_root))
    try:
        old = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, "dtwin", "dtwin")
        old.setValue(RecentProjects.KEY, json.dumps(["/work/plant-twin"]))
        old.sync()
        assert (legacy_root / "dtwin" / "dtwin.conf").is_file()

        monkeypatch.setenv("DTWIN_CONFIG_DIR", str(tmp_path / "elsewhere"))
        assert gui_settings_path() == tmp_path / "elsewhere" / "gui.ini"
        recent = RecentProjects(gui_settings())
        assert recent.paths() == [Path("/work/plant-twin")]  # carried over once
        recent.add(tmp_path / "new-twin")
        assert (tmp_path / "elsewhere" / "gui.ini").is_file()
        assert RecentProjects(gui_settings()).paths() == [
            tmp_path / "new-twin",
            Path("/work/plant-twin"),
        ]
        old.setValue(RecentProjects.KEY, json.dumps([]))
        old.sync()
        assert len(RecentProjects(gui_settings()).paths()) == 2  # not read again
    finally:
        QSettings.setPath(
            QSettings.Format.NativeFormat,
            QSettings.Scope.UserScope,
            os.environ["XDG_CONFIG_HOME"],
        )
