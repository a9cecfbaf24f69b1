"""The `dtwin` command as a user (or a later check) runs it: a real child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import edit_json

REPO = Path(__file__).resolve().parents[2]


def dtwin(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dtwin_gui.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_validate_template_exits_zero():
    result = dtwin("validate", str(REPO / "upload" / "template"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid — 0 error(s)" in result.stdout


def test_validate_json_lists_located_errors(project):
    edit_json(project / "config_events.json", lambda e: e[0].update(condition="x.y >"))
    edit_json(project / "config_iot_devices.json", lambda d: d.append(dict(d[0])))
    result = dtwin("validate", str(project), "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert isinstance(data["warnings"], list)
    files = {e["file"] for e in data["errors"]}
    assert {"config_events.json", "config_iot_devices.json"} <= files
    for error in data["errors"]:
        assert {"file", "path", "message", "hint"} <= set(error)
        assert error["message"] and error["hint"]


def test_validate_text_output_names_place_and_hint(project):
    (project / "processors/temperature-sensor-2/process.py").unlink()
    result = dtwin("validate", str(project))
    assert result.returncode == 1
    assert "error: processors/temperature-sensor-2/process.py" in result.stdout
    assert "hint: create processors/temperature-sensor-2/process.py" in result.stdout


def test_validate_missing_folder_is_a_usage_error(tmp_path):
    result = dtwin("validate", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "is not a folder" in result.stderr


def test_topology_json_contract(project):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_3_hot_provider="azure"))
    result = dtwin("topology", str(project), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["providers"]["L3_hot"] == "azure"
    assert set(data["providers"]) == {"L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5"}
    hop = next(b for b in data["boundaries"] if (b["from"], b["to"]) == ("L2", "L3_hot"))
    assert (hop["source_cloud"], hop["target_cloud"]) == ("aws", "azure")
    assert (hop["sender"], hop["receiver"]) == ("persister", "hot-writer")
    assert "hot-writer" in data["functions"]["azure"]


def test_topology_of_a_twin_without_l4_and_l5(project):
    edit_json(
        project / "config_providers.json",
        lambda p: p.update(layer_4_provider="none", layer_5_provider="none"),
    )
    result = dtwin("topology", str(project))
    assert result.returncode == 0, result.stderr
    assert "  L4          none: not part of this twin" in result.stdout.splitlines()
    data = json.loads(dtwin("topology", str(project), "--json").stdout)
    assert (data["providers"]["L4"], data["providers"]["L5"]) == ("none", "none")
    assert all("L4" not in (b["from"], b["to"]) for b in data["boundaries"])


def test_topology_refuses_unsupported_choice(project):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_4_provider="google"))
    result = dtwin("topology", str(project))
    assert result.returncode == 1
    assert "no managed digital-twin service" in result.stderr


def test_new_from_template_creates_a_valid_project(tmp_path):
    result = dtwin("new", "plant-7", "--from", "template", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "plant-7" / "config.json").read_text())
    assert config["digital_twin_name"] == "plant-7"
    assert dtwin("validate", str(tmp_path / "plant-7")).returncode == 0


def test_new_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    result = dtwin("new", str(tmp_path / "busy"))
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"


def test_import_zip_prints_report_and_result_validates(tmp_path):
    from core.importer.test_import_project import old_project_files, write_zip

    files = old_project_files()
    files["config_credentials.json"] = '{"aws": {"aws_secret_access_key": "SECRET-XYZ"}}'
    archive = write_zip(tmp_path / "old.zip", files, top="old-project")
    dest = tmp_path / "imported"
    result = dtwin("import", str(archive), str(dest))
    assert result.returncode == 0, result.stderr
    assert "config_credentials.json" in result.stdout
    assert "SECRET-XYZ" not in result.stdout
    assert dtwin("validate", str(dest)).returncode == 0


def test_import_refuses_path_traversal(tmp_path):
    import zipfile

    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("config.json", "{}")
        z.writestr("../escape.txt", "x")
    result = dtwin("import", str(archive), str(tmp_path / "dest"))
    assert result.returncode == 1
    assert "escape.txt" in result.stderr
    assert not (tmp_path / "dest").exists()
    assert not (tmp_path / "escape.txt").exists()
