"""Bad paths and bad arguments: every subcommand answers with one clear line and a non-zero
exit, never a traceback (issue 11, item 6/7)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dtwin_gui import cli
from dtwin_gui.sandbox import daemon

#: Every subcommand taking a project folder, with the arguments it needs besides the path.
PROJECT_COMMANDS = {
    "validate": [],
    "topology": [],
    "build": [],
    "deploy": ["--auto-approve"],
    "status": [],
    "simulate": [],
    "destroy": ["--yes"],
    "unlock": ["deadbeef"],
    "query": [],
    "export": ["out.zip"],
    "rotate-secrets": [],
    "logs": [],
    "cost": [],
    "update-function": ["processor-temperature-sensor-1"],
}


def test_every_subcommand_is_covered():
    """A new subcommand must be added here (or to the import/new/sandbox tests below)."""
    choices = cli.build_parser()._subparsers._group_actions[0].choices
    assert set(choices) == set(PROJECT_COMMANDS) | {"new", "import", "sandbox", "backend"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def no_sandbox_start(monkeypatch):
    """Fail the test if anything tries to start the sandbox for a bad path."""

    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox was started for a command that cannot run")

    monkeypatch.setattr(daemon, "ensure_running", refuse)
    monkeypatch.setattr(daemon, "up", refuse)


@pytest.mark.parametrize("command", sorted(PROJECT_COMMANDS))
@pytest.mark.parametrize("bad", ["missing", "file"])
def test_a_bad_project_path_is_one_line_and_a_usage_error(
    capsys, tmp_path, no_sandbox_start, command, bad
):
    path = tmp_path / "nope"
    if bad == "file":
        path = tmp_path / "afile.txt"
        path.write_text("not a project\n")
    code, _, err = run(capsys, command, str(path), *PROJECT_COMMANDS[command])
    assert code == 2
    assert err == f"dtwin: {path} is not a folder; give the path of a project\n"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["deploy"],
        ["deploy", ".", "--target", "mars"],
        ["simulate", ".", "--count", "many"],
        ["query", ".", "--limit", "-3"],
        ["unlock", "."],
        ["sandbox", "sideways"],
        ["build", ".", "--cloud", "ibm"],
        ["import", "only-one"],
        ["new"],
    ],
    ids=lambda argv: " ".join(argv) or "nothing",
)
def test_bad_arguments_are_a_usage_error(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("usage: dtwin")
    assert "error:" in err


def test_import_of_missing_and_non_zip_sources_fails_in_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "import", str(tmp_path / "nope.zip"), str(tmp_path / "out"))
    assert code == 1
    assert err.startswith("dtwin: import failed: ") and "does not exist" in err
    text = tmp_path / "afile.txt"
    text.write_text("hello\n")
    code, _, err = run(capsys, "import", str(text), str(tmp_path / "out"))
    assert code == 1
    assert "neither a folder nor a zip file" in err


def zip_with_invalid_utf8_name(path: Path) -> Path:
    """A zip whose member is flagged UTF-8 (bit 11) but whose name bytes are not UTF-8."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("proj/config.json", "{}")
        archive.writestr("proj/XXXX.json", "{}")
    data = bytearray(buffer.getvalue().replace(b"XXXX", b"\xff\xfe\xfa\xfb"))
    for signature, flag_byte in ((b"PK\x03\x04", 7), (b"PK\x01\x02", 9)):
        start = data.find(signature)
        while start >= 0:
            data[start + flag_byte] |= 0x08
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


def test_import_of_a_zip_with_an_invalid_utf8_name_fails_in_one_line(capsys, tmp_path):
    archive = zip_with_invalid_utf8_name(tmp_path / "bad.zip")
    code, _, err = run(capsys, "import", str(archive), str(tmp_path / "out"))
    assert code == 1
    assert err.count("\n") == 1
    assert "bad.zip has a file name that is not valid UTF-8 (byte 0xff" in err
    assert not (tmp_path / "out").exists()


def test_new_into_a_non_empty_folder_fails_in_one_line(capsys, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep me\n")
    code, _, err = run(capsys, "new", str(tmp_path / "taken"))
    assert code == 1
    assert err.startswith("dtwin: ")
    assert (tmp_path / "taken" / "mine.txt").read_text() == "keep me\n"


def test_simulate_of_a_never_deployed_project_says_so_and_fails(capsys, project, no_sandbox_start):
    for target in ("sandbox", "aws"):
        code, out, err = run(capsys, "simulate", str(project), "--target", target)
        assert code == 1
        assert "published" not in out
        assert err.startswith(
            f"dtwin: nothing is deployed from this project to {target}: deploy first"
        )


@pytest.mark.parametrize("target", ["sandbox", "aws"])
def test_unlock_without_a_lock_says_none_is_held_and_fails(
    capsys, monkeypatch, project, no_sandbox_start, target
):
    monkeypatch.setattr(daemon, "running", lambda: None)
    code, out, err = run(capsys, "unlock", str(project), "deadbeef", "--target", target)
    assert code == 1
    assert "released" not in out
    assert err.startswith("dtwin: no state lock deadbeef is held")


def test_an_unexpected_error_is_one_line_with_a_hint(capsys, monkeypatch, project):
    def broken(args):
        raise KeyError("value")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["topology"].set_defaults(func=broken)
    code, _, err = run(capsys, "topology", str(project))
    assert code == 1
    assert err.splitlines()[0] == "dtwin: unexpected error: KeyError: 'value'"
    assert "DTWIN_DEBUG=1" in err


def test_a_closed_stdout_is_a_quiet_exit_141(project):
    """`dtwin topology --json | head -0`: the reader is gone before dtwin writes."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "dtwin_gui.cli", "topology", str(project), "--json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141
    assert result.stderr == ""


def test_a_deploy_stopped_by_an_invalid_file_names_the_file_line_and_column(capsys, project):
    (project / "config.json").write_text("{\n  oops: 1\n}\n")
    code, out, _ = run(capsys, "validate", str(project))
    assert "error: config.json:2:3: invalid JSON" in out
    code, out, _ = run(capsys, "deploy", str(project), "--target", "aws", "--auto-approve")
    assert code == 1
    assert "   error: config.json:2:3: invalid JSON: expected a property name" in out
    assert "FAILED: the project has 1 error(s): config.json:2:3: invalid JSON" in out


def test_starting_the_sandbox_for_a_command_is_announced(capsys, monkeypatch):
    from dtwin_gui.cli.deploy import resolve_target

    started = []
    info = daemon.SandboxInfo(pid=4321, endpoint="http://127.0.0.1:45678", region="eu-west-1")
    monkeypatch.setattr(daemon, "running", lambda: started[-1] if started else None)
    monkeypatch.setattr(daemon, "ensure_running", lambda: started.append(info) or info)
    resolve_target("sandbox")
    assert capsys.readouterr().err == "starting the sandbox…\nsandbox ready on 127.0.0.1:45678\n"
    resolve_target("sandbox")  # already running: nothing to say
    assert capsys.readouterr().err == ""
    assert started == [info]


def test_a_sandbox_that_cannot_start_is_one_line(capsys, monkeypatch, project):
    def fail():
        raise daemon.SandboxError("port 4566 is taken")

    monkeypatch.setattr(daemon, "running", lambda: None)
    monkeypatch.setattr(daemon, "ensure_running", fail)
    code, _, err = run(capsys, "status", str(project))
    assert code == 1
    assert err == ("starting the sandbox…\ndtwin: cannot start the sandbox: port 4566 is taken\n")


def test_simulate_with_the_sandbox_stopped_says_the_twin_is_gone(
    capsys, monkeypatch, project, no_sandbox_start
):
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    outputs = DeploymentWorkspace(project, "sandbox").outputs_file
    outputs.parent.mkdir(parents=True, exist_ok=True)
    outputs.write_text("{}")  # as a deploy to a sandbox since stopped leaves it
    monkeypatch.setattr(daemon, "running", lambda: None)
    code, out, err = run(capsys, "simulate", str(project))
    assert code == 1
    assert "published" not in out
    assert err.startswith("dtwin: the sandbox is not running, so the twin deployed to it is gone")


@pytest.mark.parametrize("command", ["new", "import", "build"])
def test_a_destination_that_cannot_be_written_is_one_line(capsys, tmp_path, project, command):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder\n")
    dest = str(blocked / "inside")
    argv = {
        "new": ["new", dest],
        "import": ["import", str(project), dest],
        "build": ["build", str(project), "--out", dest],
    }[command]
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith("dtwin: ")
    assert "unexpected error" not in err


def test_simulate_listen_on_a_cloud_that_cannot_listen_says_so_before_sending(
    project, capsys, monkeypatch
):
    """`dtwin simulate --listen` on AWS (no device-side feedback reader there yet) refuses
    before publishing anything, with one line and exit 1."""
    from dtwin_gui.deploy import simulate as simulation
    from dtwin_gui.deploy.simulate import SimulationError

    sent = []
    monkeypatch.setattr(
        "dtwin_gui.deploy.cloud_parts.telemetry_publisher",
        lambda project, target: ("aws", lambda topic, body: sent.append(topic)),
    )
    with pytest.raises(SimulationError, match="cannot listen to a device's feedback on AWS"):
        simulation.simulate(project, _aws_connection(), listen_s=1)
    assert sent == []


def _aws_connection():
    from dtwin_gui.clouds.aws.connection import sandbox_target

    return sandbox_target("http://127.0.0.1:9", "us-east-1")
