"""Where the front ends' Connections come from (dtwin_gui.app.connections): the running
sandbox's emulators, the saved sign-in choices, the user's credential chain; and the sandbox
is started for a command that changes the cloud, never for a read."""

from __future__ import annotations

import os

import pytest

from dtwin_gui.app import connections as made
from dtwin_gui.clouds.aws.preflight import KEY_NAMES
from dtwin_gui.core.providers import Cloud
from dtwin_gui.credentials.store import AwsChoice, AzureChoice
from dtwin_gui.sandbox import daemon


@pytest.fixture
def stopped(monkeypatch):
    """No sandbox runs; starting one is recorded (and answers ``started``' info)."""
    starts: list[daemon.SandboxInfo] = []
    info = daemon.SandboxInfo(pid=4321, endpoint="http://127.0.0.1:45678", region="eu-west-1")
    monkeypatch.setattr(daemon, "running", lambda: starts[-1] if starts else None)
    monkeypatch.setattr(daemon, "ensure_running", lambda: starts.append(info) or info)
    return starts


def test_connections_of_the_running_sandbox_reach_its_emulator(aws, monkeypatch):
    info = daemon.SandboxInfo(pid=os.getpid(), endpoint=aws.endpoint, region=aws.region)
    monkeypatch.setattr(daemon, "running", lambda: info)
    connections = made.for_target("sandbox")
    assert connections.name == "sandbox" and connections.clouds == (Cloud.AWS,)
    s3 = connections[Cloud.AWS].client("s3")
    s3.create_bucket(Bucket="made-in-one-place")
    assert "made-in-one-place" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert made.for_reading("sandbox")[Cloud.AWS].endpoint == aws.endpoint


def test_a_command_that_changes_the_cloud_starts_the_sandbox_once_and_says_so(stopped):
    said = []
    first = made.for_target("sandbox", starting=lambda: said.append("starting"), ready=said.append)
    assert said == ["starting", "127.0.0.1:45678"]
    assert first[Cloud.AWS].endpoint == "http://127.0.0.1:45678"
    assert first[Cloud.AWS].region == "eu-west-1"
    made.for_target("sandbox", starting=lambda: said.append("again"), ready=said.append)
    assert said == ["starting", "127.0.0.1:45678"] and len(stopped) == 1


def test_a_read_or_an_unlock_never_starts_the_sandbox(stopped):
    assert made.for_reading("sandbox") is None
    unlock = made.lock_sandbox()
    assert unlock.name == "sandbox" and unlock[Cloud.AWS].endpoint == made.NOWHERE
    assert stopped == []


def test_a_sandbox_that_cannot_start_is_one_message(monkeypatch):
    def fail():
        raise daemon.SandboxError("port 4566 is taken")

    monkeypatch.setattr(daemon, "running", lambda: None)
    monkeypatch.setattr(daemon, "ensure_running", fail)
    with pytest.raises(made.SandboxUnavailable, match=r"^port 4566 is taken$"):
        made.for_target("sandbox")


def test_a_daemon_with_one_endpoint_per_cloud_gives_aws_its_own(monkeypatch):
    from types import SimpleNamespace

    info = SimpleNamespace(  # a supervisor recording every emulator's endpoint
        endpoint="http://127.0.0.1:1111",
        endpoints={"aws": "http://127.0.0.1:2222", "azure": "http://127.0.0.1:3333"},
        region="us-east-1",
    )
    monkeypatch.setattr(daemon, "running", lambda: info)
    assert made.running_sandbox()[Cloud.AWS].endpoint == "http://127.0.0.1:2222"


def test_saved_choices_make_real_cloud_connections_with_the_keys_read_now():
    secrets = {KEY_NAMES["AWS_ACCESS_KEY_ID"]: "AKIAEXAMPLE"}

    class Store:
        def get(self, name):
            return secrets.get(name)

    choices = {Cloud.AWS: AwsChoice(mode="keys", region="eu-central-1"), Cloud.AZURE: AzureChoice()}
    secrets[KEY_NAMES["AWS_SECRET_ACCESS_KEY"]] = "typed-after-the-choice"
    connections = made.from_choices(choices, Store())
    assert connections.name == "aws" and not connections.is_sandbox
    aws = connections[Cloud.AWS]
    assert aws.region == "eu-central-1" and aws.endpoint is None
    assert aws.credentials["AWS_SECRET_ACCESS_KEY"] == "typed-after-the-choice"
    # Azure's choice makes its connection too (az login: no secret to read).
    assert connections.clouds == (Cloud.AWS, Cloud.AZURE)
    assert connections[Cloud.AZURE].method == "cli" and not connections[Cloud.AZURE].client_secret


def test_the_cli_reaches_the_real_cloud_with_the_users_own_credential_chain(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    connections = made.for_target("aws")
    assert connections.name == "aws"
    assert connections[Cloud.AWS].region == "ap-south-1"
    assert connections[Cloud.AWS].credentials == {"AWS_PROFILE": "dev"}
    assert made.for_reading("aws")[Cloud.AWS].region == "ap-south-1"


def test_an_unknown_target_is_refused():
    with pytest.raises(ValueError, match="the targets are sandbox, aws"):
        made.for_target("gcp")


def test_the_cli_asks_each_plugin_for_its_connection_from_the_environment(monkeypatch):
    from dtwin_gui.clouds import plugin
    from dtwin_gui.clouds.aws.connection import aws_target

    made_by_plugin = aws_target("sa-east-1", {"AWS_PROFILE": "from-the-plugin"})
    monkeypatch.setattr(plugin(Cloud.AWS), "environment_connection", lambda: made_by_plugin)
    connections = made.from_environment()
    assert connections.clouds == (Cloud.AWS, Cloud.AZURE, Cloud.GOOGLE)
    assert connections[Cloud.AWS] is made_by_plugin
