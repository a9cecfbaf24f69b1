"""The deploy fingerprint: every input a deploy depends on changes it, nothing else does."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from dtwin_gui.clouds.aws.connection import AwsConnection, aws_target, sandbox_target
from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy import fingerprint as fp
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.iac.cli_config import TerraformSettings

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Inputs:
    """Everything :func:`fp.compute` reads, laid out in a temporary folder."""

    project: Path
    terraform: Path
    modules: Path
    mirror: Path
    binary: Path
    builds: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    target: AwsConnection = None

    @property
    def settings(self) -> TerraformSettings:
        return TerraformSettings(binary=str(self.binary), mirror_dir=self.mirror)

    def compute(self) -> fp.Fingerprint:
        return fp.compute(
            project_root=self.project,
            terraform_dir=self.terraform,
            modules_dir=self.modules,
            builds=self.builds,
            env=self.env,
            settings=self.settings,
            target=self.target,
        )


def _state(serial: int, lineage: str = "lineage-1") -> str:
    return json.dumps({"version": 4, "serial": serial, "lineage": lineage, "resources": []})


@pytest.fixture
def inputs(tmp_path, project) -> Inputs:
    terraform = tmp_path / "terraform"
    (terraform / ".terraform").mkdir(parents=True)
    (terraform / "main.tf.json").write_text('{"module": {}}\n')
    (terraform / ".terraform.lock.hcl").write_text(
        'provider "registry.terraform.io/hashicorp/aws" {}\n'
    )
    (terraform / "terraform.tfstate").write_text(_state(3))
    (terraform / "tfplan").write_bytes(b"a plan is not an input")
    modules = tmp_path / "modules"
    shutil.copytree(REPO / "terraform" / "modules" / "aws" / "l3_hot", modules / "aws" / "l3_hot")
    mirror = tmp_path / "mirror" / "registry.terraform.io" / "hashicorp" / "aws"
    mirror.mkdir(parents=True)
    (mirror / "terraform-provider-aws_5.100.0_linux_amd64.zip").write_bytes(b"provider")
    binary = tmp_path / "bin" / "terraform"
    binary.parent.mkdir()
    binary.write_bytes(b"#!/bin/sh\n")
    builds = [
        SimpleNamespace(name="factory-twin-persister", cloud="aws", sha256="a" * 64),
        SimpleNamespace(name="factory-twin-dispatcher", cloud="aws", sha256="b" * 64),
    ]
    return Inputs(
        project=project,
        terraform=terraform,
        modules=modules,
        mirror=tmp_path / "mirror",
        binary=binary,
        builds=builds,
        env={"AWS_REGION": "us-east-1"},
        # Port 9 (discard) answers nothing: no sandbox instance to ask.
        target=sandbox_target("http://127.0.0.1:9"),
    )


def test_the_same_inputs_give_the_same_fingerprint(inputs):
    first, second = inputs.compute(), inputs.compute()
    assert first == second and first.digest == second.digest
    assert first.changed(second) == []
    assert set(first.parts) == {*fp.PROJECT_PARTS, "target", "state"}
    assert fp.Fingerprint.from_json(json.loads(json.dumps(first.to_json()))) == first


def _edit_project(i: Inputs):
    path = i.project / "processors" / "temperature-sensor-1" / "process.py"
    path.write_text(path.read_text() + "\n# changed\n")


def _add_project_file(i: Inputs):
    (i.project / "assets-note.txt").write_text("new")


def _edit_root(i: Inputs):
    (i.terraform / "main.tf.json").write_text('{"module": {"aws_l1": {}}}\n')


def _edit_module(i: Inputs):
    main = next((i.modules / "aws" / "l3_hot").glob("*.tf"))
    main.write_text(main.read_text() + "\n# changed\n")


def _new_package(i: Inputs):
    i.builds[0] = SimpleNamespace(name="factory-twin-persister", cloud="aws", sha256="c" * 64)


def _new_variable(i: Inputs):
    i.env["TF_VAR_glue_l2_l3hot_secret"] = "s3cr3t-value"


def _new_lock(i: Inputs):
    (i.terraform / ".terraform.lock.hcl").write_text('provider "other" {}\n')


def _not_initialised(i: Inputs):
    shutil.rmtree(i.terraform / ".terraform")


def _other_binary(i: Inputs):
    i.binary.write_bytes(b"#!/bin/sh\n# terraform 1.12\n")


def _new_provider_in_mirror(i: Inputs):
    folder = i.mirror / "registry.terraform.io" / "hashicorp" / "aws"
    (folder / "terraform-provider-aws_5.101.0_linux_amd64.zip").write_bytes(b"newer")


def _state_serial(i: Inputs):
    (i.terraform / "terraform.tfstate").write_text(_state(4))


def _state_lineage(i: Inputs):
    (i.terraform / "terraform.tfstate").write_text(_state(3, "lineage-2"))


def _state_gone(i: Inputs):
    (i.terraform / "terraform.tfstate").unlink()


def _restarted_sandbox(i: Inputs):
    i.target = sandbox_target("http://127.0.0.1:7")  # a new sandbox listens elsewhere


def _other_region(i: Inputs):
    i.target = sandbox_target("http://127.0.0.1:9", "eu-west-1")


def _real_aws(i: Inputs):
    i.target = aws_target("us-east-1", {})


def _other_version(i: Inputs, monkeypatch):
    import dtwin_gui

    monkeypatch.setattr(dtwin_gui, "__version__", "9.9.9")


CHANGES = {
    "a processor edited": (_edit_project, "project"),
    "a file added to the project": (_add_project_file, "project"),
    "the generated root": (_edit_root, "root"),
    "a module source": (_edit_module, "modules"),
    "a package hash": (_new_package, "packages"),
    "a root variable": (_new_variable, "variables"),
    "the lock file": (_new_lock, "providers"),
    "init not run": (_not_initialised, "providers"),
    "the Terraform binary": (_other_binary, "providers"),
    "the provider mirror": (_new_provider_in_mirror, "providers"),
    "the state serial": (_state_serial, "state"),
    "the state lineage": (_state_lineage, "state"),
    "the state removed": (_state_gone, "state"),
    "the sandbox endpoint": (_restarted_sandbox, "target"),
    "the region": (_other_region, "target"),
    "the target kind": (_real_aws, "target"),
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_each_input_changes_the_fingerprint(inputs, change):
    before = inputs.compute()
    mutate, part = CHANGES[change]
    mutate(inputs)
    after = inputs.compute()
    assert after.changed(before) == [part]
    assert after.digest != before.digest


def test_the_dtwin_version_changes_the_fingerprint(inputs, monkeypatch):
    before = inputs.compute()
    _other_version(inputs, monkeypatch)
    assert inputs.compute().changed(before) == ["dtwin"]


def test_what_no_deploy_reads_does_not_change_it(inputs):
    before = inputs.compute()
    (inputs.terraform / "tfplan").write_bytes(b"another plan")
    (inputs.terraform / "terraform.tfstate.backup").write_text(_state(1))
    pycache = inputs.project / "processors" / "__pycache__"
    pycache.mkdir()
    (pycache / "process.cpython-311.pyc").write_bytes(b"\0")
    inputs.env["AWS_SECRET_ACCESS_KEY"] = "not a root variable"
    assert inputs.compute() == before


def test_variable_values_are_never_stored(inputs):
    inputs.env["TF_VAR_glue_l2_l3hot_secret"] = "s3cr3t-value"
    assert "s3cr3t-value" not in json.dumps(inputs.compute().to_json())


def test_a_restarted_empty_sandbox_does_not_match(aws):
    """The live instance counts: the deployment's function bucket is gone after a restart."""
    target = sandbox_target(aws.endpoint, aws.region)
    outputs = {"functions_bucket_name": "factory-twin-functions-abc123"}
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=outputs["functions_bucket_name"])
    deployed = fp.target_part(target, outputs)
    assert fp.target_part(target, outputs) == deployed
    s3.delete_bucket(Bucket=outputs["functions_bucket_name"])  # as an emptied sandbox
    assert fp.target_part(target, outputs) != deployed


def test_a_target_that_cannot_answer_never_matches():
    """Unknown is not the same: a bucket check that fails gives a new value each time."""
    target = aws_target(
        "us-east-1",
        {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x" * 20},
    )
    target = AwsConnection("aws", "us-east-1", "http://127.0.0.1:9", target.credentials)
    outputs = {"functions_bucket_name": "factory-twin-functions-abc123"}
    assert fp.target_part(target, outputs) != fp.target_part(target, outputs)


def test_the_last_deploy_is_stored_loaded_and_cleared(inputs, project):
    workspace = DeploymentWorkspace(project, "sandbox")
    assert fp.load_deployed(workspace) is None
    stored = fp.store_deployed(workspace, inputs.compute(), "run-1")
    loaded = fp.load_deployed(workspace)
    assert loaded == stored and loaded.run_id == "run-1"
    assert loaded.deployed_at.endswith("Z") and loaded.when[:4].isdigit()
    assert workspace.fingerprint_file.stat().st_mode & 0o777 == 0o600
    fp.clear_deployed(workspace)
    assert fp.load_deployed(workspace) is None
    workspace.fingerprint_file.write_text("{not json")
    assert fp.load_deployed(workspace) is None


def test_why_a_reviewed_plan_is_stale_in_words():
    assert fp.why_stale(["packages", "project"]) == (
        "the project changed since the review (packages, project)"
    )
    assert fp.why_stale(["state"]) == "the state changed since the review"
    assert fp.why_stale(["root", "state", "target"]) == (
        "the project changed since the review (root); the target changed since the review; "
        "the state changed since the review"
    )


def test_a_ticket_knows_when_its_plan_file_was_replaced(inputs):
    plan_file = inputs.terraform / "review.tfplan"
    plan_file.write_bytes(b"reviewed plan")
    ticket = fp.make_ticket(inputs.compute(), object(), plan_file, "sandbox")
    assert ticket.plan_file_intact()
    plan_file.write_bytes(b"a later plan")
    assert not ticket.plan_file_intact()


def test_a_failed_deploy_forgets_the_last_fingerprint(inputs, project):
    """After a failure the next deploy must run Terraform in full, whatever matched before."""
    from dtwin_gui.deploy.orchestrator import Deployment

    deployment = Deployment(project, inputs.target)
    fp.store_deployed(deployment.workspace, inputs.compute(), "run-1")
    assert deployment.last_deployed() is not None
    (project / "config_events.json").write_text("{ not json")
    result = deployment.deploy()
    assert result.status == "failed"
    assert deployment.last_deployed() is None


def test_a_destroy_forgets_the_last_fingerprint_first(inputs, project):
    from dtwin_gui.deploy.orchestrator import Deployment

    deployment = Deployment(project, inputs.target)
    fp.store_deployed(deployment.workspace, inputs.compute(), "run-1")
    deployment.destroy()  # nothing was deployed: whatever its outcome, the record goes
    assert deployment.last_deployed() is None


def _other_profile(i: Inputs):
    i.target = aws_target("us-east-1", {"AWS_PROFILE": "other-account"})


class _Azure:
    """A connection of a cloud whose plugin has no identity part yet."""

    cloud, is_sandbox = Cloud.AZURE, True

    def __init__(self, location: str = "westeurope") -> None:
        self.location = location

    def process_env(self) -> dict:
        return {}

    def describe(self) -> str:
        return f"Azure · {self.location} (sandbox)"


def test_the_target_is_each_connected_clouds_identity(inputs):
    """A one-cloud AWS deployment's target is the same whether the connection comes alone or
    as Connections; another cloud adds its own part, and what changes there is seen."""
    from dtwin_gui.clouds.base import SANDBOX, Connections

    alone = fp.target_part(inputs.target)
    assert fp.target_part(Connections.wrap(inputs.target)) == alone
    aws_only = fp.target_part(Connections(SANDBOX, {Cloud.AWS: inputs.target}))
    with_azure = Connections(SANDBOX, {Cloud.AWS: inputs.target, Cloud.AZURE: _Azure()})
    assert aws_only == alone != fp.target_part(with_azure)
    moved = Connections(SANDBOX, {Cloud.AWS: inputs.target, Cloud.AZURE: _Azure("eastus")})
    assert fp.target_part(moved) != fp.target_part(with_azure)
    # And the whole fingerprint: only the target part tells the two deployments apart.
    before = inputs.compute()
    inputs.target = with_azure
    assert inputs.compute().changed(before) == ["target"]


def test_another_aws_profile_is_another_target(inputs):
    inputs.target = aws_target("us-east-1", {"AWS_PROFILE": "dev"})
    before = inputs.compute()
    _other_profile(inputs)
    assert inputs.compute().changed(before) == ["target"]
