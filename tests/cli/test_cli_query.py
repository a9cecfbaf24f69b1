"""``dtwin query``: without a deployment one clear line and a non-zero exit, never a
traceback (a real child process, as a user runs it); with one, the records newest first.
The engine call is checked against the sandbox in tests/deploy/test_query.py and tests/e2e."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

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


@pytest.mark.slow
def test_records_print_newest_first_as_text_and_json(aws, project, tmp_path, monkeypatch, capsys):
    """The command's output over a deployed reader (in-process sandbox instead of the daemon
    the command would find)."""
    import argparse

    import boto3
    from helpers_aws import deploy_project

    from dtwin_gui.cli import query as cli_query
    from dtwin_gui.runtime.aws.stores import DynamoHotStore
    from dtwin_gui.sandbox import daemon

    twin = deploy_project(aws, project, tmp_path / "build")
    store = DynamoHotStore(twin.table, boto3.resource("dynamodb", **aws.client_kwargs()))
    store.put(
        {
            "device_id": "pressure-sensor-1",
            "timestamp": "2026-11-25T10:00:01.000Z",
            "trace_id": "a",
            "pressure": 1012.8,
        }
    )
    store.put(
        {
            "device_id": "temperature-sensor-1",
            "timestamp": "2026-11-25T10:00:02.000Z",
            "trace_id": "b",
            "temperature": 21.5,
        }
    )
    workspace = DeploymentWorkspace(project, "sandbox")
    workspace.write_json(
        workspace.outputs_file, {"hot_reader_function_name": twin.name("hot-reader")}
    )
    # The command finds the running sandbox through the daemon's record (here: the in-process one).
    info = daemon.SandboxInfo(pid=os.getpid(), endpoint=aws.endpoint, region=aws.region)
    monkeypatch.setattr(daemon, "running", lambda: info)

    def run(*extra):
        parser = argparse.ArgumentParser()
        cli_query.register(parser.add_subparsers())
        return cli_query.cmd_query(parser.parse_args(["query", str(project), *extra]))

    assert run() == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "2026-11-25T10:00:02.000Z  temperature-sensor-1  temperature=21.5",
        "2026-11-25T10:00:01.000Z  pressure-sensor-1  pressure=1012.8",
        "2 record(s), newest first, from factory-twin-hot-reader (aws, sandbox, via invoke)",
    ]
    assert run("--json", "--device", "pressure-sensor-1") == 0
    document = json.loads(capsys.readouterr().out)
    assert [r["trace_id"] for r in document["records"]] == ["a"]
    assert document["source"]["reader"] == "factory-twin-hot-reader"
