"""``dtwin query`` without a deployment: one clear line and a non-zero exit, never a
traceback (a real child process, as a user runs it). The records themselves are checked
against the sandbox in tests/deploy/test_query.py and tests/e2e."""

from __future__ import annotations

import json
import subprocess
import sys

from dtwin_gui.deploy.workspace import DeploymentWorkspace


def dtwin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dtwin_gui.cli", *args], capture_output=True, text=True, timeout=60
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_nothing_deployed_says_how_to_deploy(project):
    result = dtwin("query", str(project))
    assert result.returncode == 1
    line = one_line_error(result)
    assert line == (
        f"dtwin: nothing deployed from {project} on sandbox; "
        f"deploy it first: dtwin deploy {project} --target sandbox"
    )


def test_a_stopped_sandbox_has_lost_its_twin_and_is_not_started(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    workspace.write_json(workspace.outputs_file, {"hot_reader_function_name": "x-hot-reader"})
    result = dtwin("query", str(project), "--device", "temperature-sensor-1", "--json")
    assert result.returncode == 1
    line = one_line_error(result)
    assert "the sandbox is not running" in line and f"dtwin deploy {project}" in line
    status = dtwin("sandbox", "status", "--json")  # the query did not start one
    assert json.loads(status.stdout)["state"] == "not running"


def test_bad_options_are_usage_errors(project):
    since = dtwin("query", str(project), "--since", "yesterday")
    assert since.returncode == 2
    assert "'yesterday' is not an ISO-8601 time" in since.stderr
    limit = dtwin("query", str(project), "--limit", "0")
    assert limit.returncode == 2 and "at least 1" in limit.stderr
    missing = dtwin("query", str(project / "nope"))
    assert missing.returncode == 2
    assert (
        one_line_error(missing)
        == f"dtwin: {project / 'nope'} is not a folder; give the path of a project"
    )
