"""``dtwin rotate-secrets PATH``: what it says per boundary, never a secret, and its errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from helpers import edit_json

from dtwin_gui import cli
from dtwin_gui.deploy.glue_secrets import FILE_NAME, GlueSecrets
from dtwin_gui.deploy.workspace import DeploymentWorkspace


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def multi_cloud(project: Path) -> Path:
    edit_json(project / "config_providers.json", lambda d: d.update(layer_2_provider="azure"))
    return project


def test_rotate_prints_each_boundary_and_no_secret(capsys, project):
    multi_cloud(project)
    store = GlueSecrets(project, "sandbox")
    store.ensure()
    before = store.get("l1-l2-ingestion").current

    code, out, err = run(capsys, "rotate-secrets", str(project))

    assert code == 0 and err == ""
    assert out.startswith(f"Rotated 2 glue secret(s) of {project} (sandbox):\n")
    assert "  l1-l2-ingestion: new secret (generation 2); generation 1 still accepted" in out
    assert "  l2-l3hot-writer: new secret (generation 2)" in out
    assert "Kept in the OS keyring." in out
    assert f"Deploy again (dtwin deploy {project})" in out
    after = store.get("l1-l2-ingestion")
    assert after.previous == before and after.current != before
    assert not any(v in out for v in [before, *store.secret_values()])

    code, out, _ = run(capsys, "rotate-secrets", str(project))
    assert "generation 1 now refused" in out


def test_json_report_has_no_secret(capsys, project):
    multi_cloud(project)
    code, out, _ = run(capsys, "rotate-secrets", str(project), "--target", "aws", "--json")
    report = json.loads(out)
    assert code == 0 and report["target"] == "aws"
    assert [r["secret"] for r in report["rotated"]] == ["l1-l2-ingestion", "l2-l3hot-writer"]
    assert all(r["created"] and r["generation"] == 1 for r in report["rotated"])
    assert not any(v in out for v in GlueSecrets(project, "aws").secret_values())
    assert GlueSecrets(project, "sandbox").all() == []  # the sandbox's were not touched


def test_a_project_on_one_cloud_says_there_is_nothing_to_rotate(capsys, project):
    code, out, err = run(capsys, "rotate-secrets", str(project))
    assert code == 0 and err == ""
    assert out == (
        f"{project}: no cross-cloud boundary (every layer is on the same cloud), so there "
        "are no glue secrets to rotate\n"
    )


def test_an_incomplete_provider_choice_is_one_line_with_a_hint(capsys, project):
    edit_json(project / "config_providers.json", lambda d: d.pop("layer_4_provider"))
    code, out, err = run(capsys, "rotate-secrets", str(project))
    assert code == 1 and out == ""
    assert err.startswith(f"dtwin: cannot rotate the glue secrets of {project}: no cloud chosen")
    assert f"hint: run `dtwin validate {project}`" in err


def test_without_a_keyring_the_command_keeps_them_in_the_owner_only_workspace_file(project):
    """A real process whose keyring has no backend (tests/conftest.py sets that)."""
    multi_cloud(project)
    assert os.environ["PYTHON_KEYRING_BACKEND"] == "keyring.backends.fail.Keyring"
    done = subprocess.run(
        [sys.executable, "-m", "dtwin_gui.cli", "rotate-secrets", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    path = DeploymentWorkspace(project, "sandbox").root / FILE_NAME
    assert f"Kept in the workspace secrets file {path} (no OS keyring" in done.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secrets = json.loads(path.read_text())
    values = [entry["current"] for entry in secrets.values()]
    assert len(values) == 2 and not any(v in done.stdout + done.stderr for v in values)
