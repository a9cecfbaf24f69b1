"""Rotation against the sandbox's function host: the real hot-writer Lambda package, behind
its Function URL, gets its secrets only from the environment dtwin hands it (a redeploy is an
environment update); a real sender posts to it across two rotations."""

from __future__ import annotations

import secrets

import pytest
from helpers import edit_json
from helpers_aws import deploy_project

from dtwin_gui.deploy.glue_secrets import GlueSecrets
from dtwin_gui.runtime.core.glue import GlueRejected, Sender

pytestmark = pytest.mark.slow
BOUNDARY = "l2-l3hot-writer"


def redeploy(aws, name: str, secret_env: dict[str, str]) -> None:
    """What a deploy does to the receiver: its glue variables replaced, the rest kept."""
    lam = aws.client("lambda")
    env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    env = {k: v for k, v in env.items() if not k.startswith("DTWIN_GLUE_")}
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {**env, **secret_env}}
    )


def sender(url: str, env: dict[str, str]) -> Sender:
    return Sender.from_env(
        {"DTWIN_HOT_WRITER_URL": url, **env}, "HOT_WRITER", source_cloud="azure", source_layer="L2"
    )


def record(n: int) -> dict:
    return {"device_id": "temperature-sensor-1", "timestamp": f"2026-12-02T03:00:{n:02d}.000Z"}


def test_the_deployed_receiver_accepts_new_and_previous_and_refuses_old_old(aws, project, tmp_path):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_2_provider="azure"))
    deployed = deploy_project(aws, project, tmp_path / "build")
    name = deployed.name("hot-writer")
    url = aws.gateway.function_url(name)
    store = GlueSecrets(project, "sandbox")
    store.ensure()
    redeploy(aws, name, store.function_environment(BOUNDARY, "receiver"))
    old = sender(url, store.function_environment(BOUNDARY, "sender"))
    stored = []

    def send(s: Sender, n: int) -> None:
        assert s.send("telemetry", record(n), trace_id=f"rot-{n}")["status"] == "ok"
        stored.append(record(n)["timestamp"])

    send(old, 1)
    store.rotate()
    redeploy(aws, name, store.function_environment(BOUNDARY, "receiver"))
    send(old, 2)  # the sender is not redeployed yet: its secret is now the previous one
    new = sender(url, store.function_environment(BOUNDARY, "sender"))
    send(new, 3)

    forged = sender(url, {"DTWIN_HOT_WRITER_SECRET": secrets.token_hex(32)})
    with pytest.raises(GlueRejected) as refused:
        forged.send("telemetry", record(50))
    assert refused.value.status == 401

    store.rotate()
    redeploy(aws, name, store.function_environment(BOUNDARY, "receiver"))
    with pytest.raises(GlueRejected) as refused:
        old.send("telemetry", record(51))
    assert refused.value.status == 401
    send(new, 4)
    send(sender(url, store.function_environment(BOUNDARY, "sender")), 5)

    items = aws.client("dynamodb").scan(TableName=deployed.table)["Items"]
    assert sorted(i["timestamp"]["S"] for i in items) == sorted(stored)
    logs = "\n".join(aws.host.logs(name))
    assert logs  # the function did log (its requests), never a secret
    assert not any(v in logs for v in store.secret_values())
