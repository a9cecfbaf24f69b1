"""Clients are reused per target for a while; what changes the target gets new ones."""

from __future__ import annotations

import threading

import pytest

from dtwin_gui.clouds.aws import sessions as boto_sessions
from dtwin_gui.clouds.aws.connection import AwsConnection, sandbox_target


@pytest.fixture(autouse=True)
def _fresh_cache():
    boto_sessions.forget()
    yield
    boto_sessions.forget()


def test_the_same_target_and_service_reuse_one_client():
    target = sandbox_target("http://127.0.0.1:9")
    again = sandbox_target("http://127.0.0.1:9")
    assert target.client("dynamodb") is again.client("dynamodb")
    assert target.client("s3") is not target.client("dynamodb")


def test_clients_keep_the_target_options():
    client = sandbox_target("http://127.0.0.1:9", region="eu-west-1").client("iottwinmaker")
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.inject_host_prefix is False


def test_other_credentials_region_or_endpoint_get_their_own_client():
    base = AwsConnection(
        "aws", "us-east-1", None, {"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s"}
    )
    other_key = AwsConnection(
        "aws", "us-east-1", None, {"AWS_ACCESS_KEY_ID": "B", "AWS_SECRET_ACCESS_KEY": "s"}
    )
    other_region = AwsConnection("aws", "eu-west-1", None, dict(base.credentials))
    first = base.client("sts")
    assert other_key.client("sts") is not first
    assert other_region.client("sts") is not first
    assert sandbox_target("http://127.0.0.1:9").client("sts") is not first
    assert base.client("sts") is first


def test_sessions_expire_and_forget_drops_them(monkeypatch):
    target = sandbox_target("http://127.0.0.1:9")
    first = target.client("lambda")
    boto_sessions.forget()
    second = target.client("lambda")
    assert second is not first
    monkeypatch.setattr(boto_sessions, "MAX_AGE_S", 0.0)
    assert target.client("lambda") is not second


def test_resources_are_fresh_per_call_from_one_session():
    target = sandbox_target("http://127.0.0.1:9")
    a, b = target.resource("dynamodb"), target.resource("dynamodb")
    assert a is not b
    assert a.meta.client.meta.endpoint_url == "http://127.0.0.1:9"
    assert len(boto_sessions._entries) == 1


def test_threads_asking_at_once_share_one_client():
    target = sandbox_target("http://127.0.0.1:9")
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(target.client("iot"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in got}) == 1


def test_only_a_bounded_number_of_targets_is_kept(monkeypatch):
    monkeypatch.setattr(boto_sessions, "MAX_ENTRIES", 3)
    for port in range(10, 16):
        sandbox_target(f"http://127.0.0.1:{port}").client("sts")
    assert len(boto_sessions._entries) == 3
