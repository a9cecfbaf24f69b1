"""`dtwin build` as a user runs it: a real child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import edit_json


def dtwin(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dtwin_gui.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_build_json_then_cached(project, tmp_path):
    out = tmp_path / "out"
    first = dtwin("build", str(project), "--json", "--out", str(out))
    assert first.returncode == 0, first.stderr
    packages = json.loads(first.stdout)
    assert packages and all(p["rebuilt"] for p in packages)
    for p in packages:
        assert set(p) == {"name", "role", "cloud", "sha256", "size", "rebuilt", "path"}
        assert Path(p["path"]).is_file() and Path(p["path"]).stat().st_size == p["size"]
        assert len(p["sha256"]) == 64
    assert "factory-twin-processor-temperature-sensor-1" in {p["name"] for p in packages}

    second = json.loads(dtwin("build", str(project), "--json", "--out", str(out)).stdout)
    assert [p["sha256"] for p in second] == [p["sha256"] for p in packages]
    assert not any(p["rebuilt"] for p in second)


def test_build_table_and_default_workspace(project, tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    env.pop("DTWIN_DATA_DIR", None)  # the platform's default location is what is tested
    result = dtwin("build", str(project), "--cloud", "aws", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["cloud", "name", "sha256", "size", "status"]
    row = next(line for line in lines if "factory-twin-persister" in line).split()
    assert row[0] == "aws" and len(row[2]) == 12 and row[-1] == "built"
    builds = list((tmp_path / "data/dtwin/workspaces").glob("factory-twin-*/build/aws/*.zip"))
    assert len(builds) == len(lines) - 2


def test_stale_packages_are_reported(project, tmp_path):
    out = tmp_path / "out"
    extra = {"id": "extra-sensor", "properties": [{"name": "level", "dataType": "DOUBLE"}]}
    edit_json(project / "config_iot_devices.json", lambda devices: devices.append(extra))
    (project / "processors/extra-sensor").mkdir()
    (project / "processors/extra-sensor/process.py").write_text(
        "def process(event):\n    return event\n"
    )
    first = dtwin("build", str(project), "--out", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    assert (out / "aws/factory-twin-processor-extra-sensor.zip").is_file()
    edit_json(
        project / "config_iot_devices.json",
        lambda devices: [d for d in devices if d["id"] != "extra-sensor"],
    )
    result = dtwin("build", str(project), "--json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "removed stale package aws/factory-twin-processor-extra-sensor" in result.stderr
    assert not (out / "aws/factory-twin-processor-extra-sensor.zip").exists()


def test_invalid_project_exits_1_and_builds_nothing(project, tmp_path):
    edit_json(project / "config_events.json", lambda e: e[0].update(condition="x.y >"))
    out = tmp_path / "out"
    result = dtwin("build", str(project), "--json", "--out", str(out))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "error: config_events.json" in result.stderr
    assert "NOT valid" in result.stderr
    assert not out.exists()
