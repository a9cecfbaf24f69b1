"""``dtwin backend show|set`` and ``--backend`` on deploy/destroy/unlock (issue 17): a wrong
backend is a usage error with the reason, a set one lands in the app settings (never in the
project), and no credential is accepted."""

from __future__ import annotations

import json

import pytest

from dtwin_gui import cli
from dtwin_gui.iac.backend import parse_backend
from dtwin_gui.sandbox import daemon
from dtwin_gui.settings import load_settings


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(autouse=True)
def no_sandbox_start(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox was started for a command that cannot run")

    monkeypatch.setattr(daemon, "ensure_running", refuse)
    monkeypatch.setattr(daemon, "up", refuse)


@pytest.mark.parametrize("command", [["deploy", "--auto-approve"], ["destroy", "--yes"]])
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://x/y", "is not a backend"),
        ("s3://Bad_Bucket/k", "is not an S3 bucket name"),
        ("s3://team-state/k?secret_key=x", "credentials never go into the backend setting"),
    ],
)
def test_a_wrong_backend_is_a_usage_error_with_the_reason(capsys, project, command, url, says):
    code, _, err = run(capsys, command[0], str(project), *command[1:], "--backend", url)
    assert code == 2
    assert "argument --backend" in err and says in err


def test_set_and_show_keep_the_backend_in_the_app_settings(capsys, project):
    url = "s3://team-state/dtwin/factory/terraform.tfstate?lock=dynamodb:tf-locks"
    code, out, _ = run(capsys, "backend", "set", url, "--target", "aws", "--move-existing")
    assert code == 0 and out.startswith(f"aws now keeps its state in {url}")
    settings = load_settings()
    assert settings.backend_for("aws") == parse_backend(url) and settings.moves_state("aws")
    code, out, _ = run(capsys, "backend", "show", "--target", "aws", "--json")
    assert json.loads(out) == {"target": "aws", "backend": url, "move_existing": True}
    code, out, _ = run(capsys, "backend", "show")
    assert out == "sandbox: the workspace (local state)\n"
    code, _, _ = run(capsys, "backend", "set", "local", "--target", "aws")
    assert load_settings().state_backends == {}
    assert not list(project.rglob("settings.json"))  # nothing in the project folder


def test_set_without_a_url_says_so(capsys):
    code, _, err = run(capsys, "backend", "set")
    assert code == 2 and "needs the backend URL" in err


def test_the_backend_options_are_offered(capsys):
    for command in ("deploy", "destroy"):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args([command, "--help"])
        out = capsys.readouterr().out
        assert "--backend URL" in out and "--migrate-state" in out and "--lock-wait" in out
    args = cli.build_parser().parse_args(
        ["deploy", ".", "--backend", "local", "--lock-wait", "30", "--create-backend"]
    )
    assert args.backend.kind == "local" and args.lock_wait == 30 and args.create_backend
