"""``dtwin export PATH OUT.zip``: what a user sees, and the round trip through ``dtwin import``."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dtwin_gui import cli
from dtwin_gui.build.workspace import DATA_DIR_ENV

FAKE_KEY = "AKIAFAKECLIEXPORT-never-export-me"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_export_prints_a_summary_and_lists_what_was_left_out(capsys, project, tmp_path):
    count = sum(1 for p in project.rglob("*") if p.is_file())
    (project / "config_credentials.json").write_text(f'{{"key": "{FAKE_KEY}"}}')
    (project / ".terraform").mkdir()
    (project / "processors" / "pressure-sensor-1" / "process.pyc").write_bytes(b"\x00")
    out = tmp_path / "twin.zip"

    code, stdout, stderr = run(capsys, "export", str(project), str(out))

    assert code == 0
    assert stdout.startswith(f"Exported {project} -> {out}: {count} file(s)")
    assert "3 skipped" in stdout
    assert "skipped config_credentials.json: looks like a secret" in stderr
    assert "skipped .terraform/: deployment workspace" in stderr
    assert "skipped processors/pressure-sensor-1/process.pyc: cache" in stderr
    assert "1 file(s) that look like secrets were left out" in stderr
    assert FAKE_KEY not in stdout + stderr
    names = zipfile.ZipFile(out).namelist()
    assert "config_credentials.json" not in names and "config.json" in names


def test_export_twice_gives_the_same_bytes(capsys, project, tmp_path):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert run(capsys, "export", str(project), str(first))[0] == 0
    assert run(capsys, "export", str(project), str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()


def test_export_import_validate_round_trip(capsys, project, tmp_path):
    out, dest = tmp_path / "twin.zip", tmp_path / "colleague"
    assert run(capsys, "export", str(project), str(out))[0] == 0

    code, stdout, _ = run(capsys, "import", str(out), str(dest), "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["counts"] == {"copied": len(zipfile.ZipFile(out).namelist())}

    code, stdout, _ = run(capsys, "validate", str(dest))
    assert code == 0 and "0 error(s)" in stdout
    for entry in report["entries"]:
        assert (dest / entry["target"]).read_bytes() == (project / entry["source"]).read_bytes()


def test_json_report(capsys, project, tmp_path):
    out = tmp_path / "twin.zip"
    code, stdout, _ = run(capsys, "export", str(project), str(out), "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["out"] == str(out)
    assert data["zip_size"] == out.stat().st_size
    assert {f["path"] for f in data["files"]} == set(zipfile.ZipFile(out).namelist())


def test_the_app_workspaces_folder_inside_the_project_is_left_out(
    capsys, project, tmp_path, monkeypatch
):
    """A user may point the data folder (and so the workspaces) into the project."""
    data_dir = project / "dtwin-data"
    secret = data_dir / "workspaces" / "twin-0123abcd" / "glue-secrets.json"
    secret.parent.mkdir(parents=True)
    secret.write_text(FAKE_KEY)
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    out = tmp_path / "twin.zip"

    code, _, stderr = run(capsys, "export", str(project), str(out))

    assert code == 0
    assert "skipped dtwin-data/workspaces/: deployment workspace" in stderr
    assert not any(n.startswith("dtwin-data/workspaces") for n in zipfile.ZipFile(out).namelist())


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("inside", "lies inside the project"),
        ("no-folder", "does not exist; create that folder first"),
        ("unwritable", "cannot write /proc/dtwin-cli-export.zip"),
    ],
)
def test_bad_output_is_one_line_and_leaves_nothing(capsys, project, tmp_path, where, expected):
    out = {
        "inside": project / "twin.zip",
        "no-folder": tmp_path / "missing" / "twin.zip",
        "unwritable": Path("/proc/dtwin-cli-export.zip"),
    }[where]
    before = sorted(tmp_path.rglob("*"))

    code, stdout, stderr = run(capsys, "export", str(project), str(out))

    assert code == 1 and stdout == ""
    assert stderr.startswith("dtwin: export failed: ") and expected in stderr
    assert stderr.count("\n") == 1
    assert sorted(tmp_path.rglob("*")) == before


def test_a_folder_that_is_no_project(capsys, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    code, _, stderr = run(capsys, "export", str(folder), str(tmp_path / "x.zip"))
    assert code == 1
    assert stderr == (
        f"dtwin: export failed: {folder} is not a dtwin project (no config.json); "
        "give the folder that holds config.json\n"
    )
    assert not (tmp_path / "x.zip").exists()


def test_the_installed_command_runs(project, tmp_path):
    out = tmp_path / "twin.zip"
    done = subprocess.run(
        [sys.executable, "-m", "dtwin_gui.cli", "export", str(project), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert zipfile.is_zipfile(out)
