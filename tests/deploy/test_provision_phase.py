"""The PROVISIONED path of a sandbox deploy: a cloud outside the Terraform root is provisioned
after apply and before the SDK phase, its record kept 0600 in the workspace; an unchanged
redeploy changes nothing; destroy deprovisions it; a root-less deployment skips Terraform."""

from __future__ import annotations

import json
import stat

import pytest

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections
from dtwin_gui.core import providers
from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.provision_phase import load_state, state_path

#: What the fake provisioner "created on the emulators" (module-level: parts are imported
#: by "module:function" name).
EMULATOR: dict[str, dict] = {}
CALLS: list[str] = []


def fake_provision(ctx, saved):
    CALLS.append("provision")
    assert ctx.cloud is Cloud.AZURE and ctx.connection.is_sandbox
    assert ctx.outputs == {}  # no Terraform root: no outputs
    made = {"cosmos": f"{ctx.project.twin_name}-db", "apps": ["L2"]}
    EMULATOR.update(made)
    return {"made": made}


def fake_deprovision(ctx, saved):
    CALLS.append("deprovision")
    for key in saved.get("made", {}):
        EMULATOR.pop(key, None)
    return []


@pytest.fixture
def all_azure(project, monkeypatch):
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    for key in config:
        if key.endswith("_provider"):
            config[key] = "azure"
    path.write_text(json.dumps(config, indent=2))
    every = {slot: frozenset({Cloud.AWS, Cloud.AZURE}) for slot in providers.DEPLOYABLE_CLOUDS}
    monkeypatch.setattr(providers, "DEPLOYABLE_CLOUDS", every)  # the validate phase reads it
    azure = plugin(Cloud.AZURE)
    here = __name__
    parts = {**azure.parts, "provision": f"{here}:fake_provision"}
    parts["deprovision"] = f"{here}:fake_deprovision"
    # (no gateway answers at the fake endpoint, so Azure's real identity would never match)
    for name in ("sdk_steps", "sdk_context", "probes", "leftovers", "code_check", "identity"):
        parts.pop(name, None)  # this test is about the phase, not Azure's own parts
    monkeypatch.setattr(azure, "parts", parts)
    EMULATOR.clear()
    CALLS.clear()
    return project


def _connections() -> Connections:
    endpoints = {"azure": "https://127.0.0.1:9", "azure_blob": "http://127.0.0.1:9"}
    return Connections.wrap(plugin(Cloud.AZURE).sandbox_connection(endpoints, ""))


def test_all_azure_sandbox_deploy_provisions_redeploys_unchanged_and_destroys(all_azure):
    deployment = Deployment(all_azure, _connections())
    result = deployment.deploy()
    assert result.status == "succeeded", (result.message, result.log_path.read_text())
    log = result.log_path.read_text()
    assert "no Terraform root: azure is provisioned on the sandbox's emulators" in log
    assert {"init", "plan", "apply"} <= set(result.skipped)
    assert "provision" not in result.skipped and CALLS == ["provision"]
    assert EMULATOR["cosmos"].endswith("-db")
    record = state_path(deployment.workspace)
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert load_state(deployment.workspace)["azure"]["made"]["apps"] == ["L2"]
    assert not (deployment.workspace.terraform_dir / "main.tf.json").exists()

    again = Deployment(all_azure, _connections()).deploy()
    assert again.status == "succeeded", again.message
    assert "nothing changed since" in again.message and "provision" in again.skipped
    assert CALLS == ["provision"]

    gone = Deployment(all_azure, _connections()).destroy()
    assert gone.status == "succeeded", (gone.message, gone.log_path.read_text())
    assert CALLS == ["provision", "deprovision"] and EMULATOR == {}
    assert not record.exists()


def test_a_deployment_without_provisioned_clouds_has_no_provision_phase(project):
    """AWS-only: the phase list is the one it always was (no provision, no deprovision)."""
    from dtwin_gui.deploy.provision_phase import provisioned_for, rootless

    sandbox = Connections.wrap(plugin(Cloud.AZURE).sandbox_connection({}, ""))
    assert provisioned_for(project, sandbox) == []  # the example is all-AWS
    assert not rootless(project, sandbox)


def test_a_terraform_sender_gets_the_provisioned_receivers_url_before_apply(project):
    """L1 on AWS, L2-L5 on Azure: the AWS root's ingestion sender gets Azure's (deterministic
    gateway) receiver URL as TF_VAR_glue_l1_l2_ingestion_url; AWS-only gets none."""
    from dtwin_gui.clouds import sandbox_connections
    from dtwin_gui.deploy.provision_phase import receiver_environment

    endpoints = {"aws": "http://127.0.0.1:9", "azure": "https://127.0.0.1:8"}
    connections = sandbox_connections(endpoints)
    assert receiver_environment(Deployment(project, connections)) == {}
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    config.update({k: "azure" for k in config if k.endswith("_provider")})
    config["layer_1_provider"] = "aws"
    path.write_text(json.dumps(config, indent=2))
    env = receiver_environment(Deployment(project, connections))
    url = env.pop("TF_VAR_glue_l1_l2_ingestion_url")
    assert url.startswith("https://127.0.0.1:8/") and url.endswith("/api/ingestion"), url
    assert env == {}


def test_the_review_of_a_rootless_deployment_plans_nothing_and_says_why(all_azure):
    result = Deployment(all_azure, _connections()).plan_only()
    assert result.status == "succeeded", result.message
    assert {"init", "plan"} <= set(result.skipped) and result.ticket is None
    assert "no Terraform root: azure is provisioned" in result.log_path.read_text()
    assert CALLS == []  # a review provisions nothing
