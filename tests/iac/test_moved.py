"""A twin deployed with the older, copy-pasted AWS modules converges on the shared ones.

The Lambda role, log group and logs policy of every layer moved into ``_function``, the
private bucket of four layers into ``_bucket``, the movers' schedules into
``_mover_schedule``, the Function URLs and their public invoke permissions into
``_function_url``. The layer modules' ``moved`` blocks must make a redeploy move the
state: nothing destroyed, nothing created, nothing even updated (a replaced Function URL
would get a new address the sender on the other cloud does not know). Then
everything that reads addresses still finds every resource (its layer, the cloud probes,
the adoption of what a killed apply left untracked) and a destroy leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest
from helpers import skip_unless_tools

from dtwin_gui.build import build_packages
from dtwin_gui.clouds.aws.adopt import find_adoptions, write_imports
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.leftovers import find_leftovers
from dtwin_gui.clouds.aws.probes import PRESENT, probe_resources
from dtwin_gui.clouds.aws.terraform_provider import AWS_PROVIDER_VERSION
from dtwin_gui.iac.addresses import layer_of
from dtwin_gui.iac.cli_config import TerraformSettings, find_mirror, write_cli_config
from dtwin_gui.iac.root import TERRAFORM_DIR_ENV, generate_root
from dtwin_gui.iac.state import read_state

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "upload" / "template"
TWIN = "factory-twin"
#: The last commit with the copy-pasted modules (before ``_function`` and ``_bucket``).
OLD_MODULES_COMMIT = "1c847f91d463453bc61e11006a358c4fdf8afdbe"
#: What moved into the shared modules, by resource type.
MOVED_TYPES = {
    "aws_iam_role",
    "aws_cloudwatch_log_group",
    "aws_iam_role_policy",
    "aws_s3_bucket",
    "aws_s3_bucket_public_access_block",
    "aws_scheduler_schedule",
    "aws_lambda_function_url",
}
#: Where the moved resources are now.
SHARED = (".module.functions.", ".module.bucket.", ".module.mover_schedule.", ".module.urls.")

pytestmark = pytest.mark.slow


def _old_terraform_dir(dest: Path) -> Path:
    """``terraform/`` as it was at :data:`OLD_MODULES_COMMIT`, from the repository."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        skip_unless_tools("git and the repository's history are needed for the old modules")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", OLD_MODULES_COMMIT, "terraform/modules/aws"],
        cwd=REPO,
        capture_output=True,
        timeout=60,
        check=False,
    )
    if archive.returncode != 0:
        skip_unless_tools(f"commit {OLD_MODULES_COMMIT[:7]} is not in this clone (shallow?)")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    assert not (dest / "terraform/modules/aws/_function").exists()
    return dest / "terraform"


class _Terraform:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir, self.env = workdir, env

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, (
            f"terraform {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr}"
        )
        return result.stdout

    def plan(self) -> dict:
        self.run("plan", "-input=false", "-out=moved.tfplan")
        return json.loads(self.run("show", "-json", "moved.tfplan"))


@pytest.fixture
def terraform_env(tmp_path) -> dict[str, str]:
    mirror = find_mirror()
    provider = "registry.terraform.io/hashicorp/aws/" + AWS_PROVIDER_VERSION
    if shutil.which("terraform") is None or mirror is None or not (mirror / provider).is_dir():
        skip_unless_tools(f"terraform or a provider mirror with aws {AWS_PROVIDER_VERSION}")
    home = tmp_path / "terraform-home"
    settings = TerraformSettings(mirror_dir=mirror, plugin_cache_dir=home / "plugin-cache")
    env = write_cli_config(settings, home / "cli.tfrc")
    base = {"PATH": os.environ["PATH"], "HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true"}
    return base | env


@pytest.fixture
def emulator(tmp_path):
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator

    with AwsEmulator(workdir=tmp_path / "functions") as aws:
        yield aws


def _changes(plan: dict) -> list[dict]:
    return [c for c in plan.get("resource_changes") or [] if c.get("mode") == "managed"]


def _set_providers(project: Path, slots: dict[str, str]) -> None:
    path = project / "config_providers.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(slots)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _as_the_old_generator_wrote_it(root: Path) -> None:
    """The old modules took the layers' common inputs loose (``twin_name``, ``log_level``),
    not as today's one ``common`` object: flatten it, as the old generator wrote them."""
    doc = json.loads(root.read_text(encoding="utf-8"))
    for module in doc["module"].values():
        module.update(module.pop("common", {}))
    root.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def _deploy_old_then_plan_new(project: Path, tmp_path: Path, monkeypatch, cli_env, target):
    """Apply the project with the old modules, regenerate the root on today's and plan.

    Returns the CLI, the managed addresses of the old deploy and the plan's changes."""
    builds = build_packages(project, tmp_path / "build", cloud="aws")
    workdir = tmp_path / "tf"
    monkeypatch.setenv(TERRAFORM_DIR_ENV, str(_old_terraform_dir(tmp_path / "old")))
    info = generate_root(project, target=target, builds=builds, out_dir=workdir)
    _as_the_old_generator_wrote_it(info.path)
    # Glue secrets and the other clouds' receiver URLs come from the environment only.
    glue = {
        name: "https://receiver.invalid/" if name.endswith("_url") else secrets.token_hex(16)
        for name in info.required_env
    }
    cli = _Terraform(workdir, cli_env | target.process_env() | glue)
    cli.run("init", "-input=false")
    cli.run("apply", "-auto-approve", "-input=false")
    old_addresses = {r.address for r in read_state(workdir).resources if r.mode == "managed"}

    monkeypatch.delenv(TERRAFORM_DIR_ENV)
    generate_root(project, target=target, builds=builds, out_dir=workdir)
    cli.run("init", "-input=false")
    return cli, old_addresses, _changes(cli.plan())


def test_a_deploy_with_the_old_modules_moves_into_the_shared_ones(
    tmp_path, monkeypatch, terraform_env, emulator
):
    project = tmp_path / "project"
    shutil.copytree(TEMPLATE, project)
    target = sandbox_target(emulator.endpoint, emulator.region)
    workdir = tmp_path / "tf"

    # 1. Deployed before the shared modules existed; 2. redeployed with today's modules:
    # every moved resource is moved, nothing else.
    cli, old_addresses, changes = _deploy_old_then_plan_new(
        project, tmp_path, monkeypatch, terraform_env, target
    )
    assert any(a.endswith('aws_iam_role.function["persister"]') for a in old_addresses)
    actions = {c["address"]: c["change"]["actions"] for c in changes}
    assert {a: act for a, act in actions.items() if act != ["no-op"]} == {}, "not only moves"
    moves = {c["previous_address"]: c["address"] for c in changes if c.get("previous_address")}
    assert {c["type"] for c in changes if c.get("previous_address")} == MOVED_TYPES
    assert set(moves) <= old_addresses
    assert all(any(s in a for s in SHARED) for a in moves.values()), moves
    # Every layer with functions in the example moved its roles (L3 archive, L4 and L5 have
    # functions only when a neighbour is on another cloud); the four buckets moved.
    moved_roles = {layer_of(a) for a in moves.values() if ".aws_iam_role.function[" in a}
    assert moved_roles == {"L1", "L2", "L3_hot", "L3_cold"}
    moved_buckets = {layer_of(a) for a in moves.values() if a.endswith(".aws_s3_bucket.bucket")}
    assert moved_buckets == {"setup", "L3_cold", "L3_archive", "L4"}
    moved_schedules = {layer_of(a) for a in moves.values() if ".aws_scheduler_schedule." in a}
    assert moved_schedules == {"L3_hot", "L3_cold"}
    # All on AWS, the hot reader's is the only Function URL (signed, so no permission).
    assert {p: a for p, a in moves.items() if "aws_lambda_function_url" in a} == {
        "module.aws_l3_hot.aws_lambda_function_url.hot_reader": (
            'module.aws_l3_hot.module.urls.aws_lambda_function_url.url["hot-reader"]'
        )
    }
    print(f"redeploy plan: {len(changes)} resources, {len(moves)} moved, all no-op")
    cli.run("apply", "-auto-approve", "-input=false", "moved.tfplan")

    # 3. What reads addresses still finds every resource, in its layer, in the cloud.
    state = read_state(workdir)
    managed = [r for r in state.resources if r.mode == "managed"]
    assert len(managed) == len(old_addresses)
    assert {r.address for r in managed} == (old_addresses - set(moves)) | set(moves.values())
    assert [r.address for r in managed if layer_of(r.address) is None] == []
    probes = probe_resources(target, managed)
    assert {a: p.detail for a, p in probes.items() if p.state != PRESENT} == {}

    # 4. A killed apply that lost a role and a bucket from the state: both are adopted at
    # their new addresses (import blocks), not created again.
    role = 'module.aws_l2.module.functions.aws_iam_role.function["persister"]'
    bucket = "module.aws_l3_cold.module.bucket.aws_s3_bucket.bucket"
    cli.run("state", "rm", role, bucket)
    adoptions = find_adoptions(target, cli.plan())
    assert {a.address for a in adoptions} == {role, bucket}
    write_imports(workdir, adoptions)
    plan = cli.plan()
    assert [c["address"] for c in _changes(plan) if "create" in c["change"]["actions"]] == []
    assert {c["address"] for c in _changes(plan) if c["change"].get("importing")} == {role, bucket}
    cli.run("apply", "-auto-approve", "-input=false", "moved.tfplan")
    (workdir / "adopt.tf.json").unlink()

    # 5. And a destroy removes everything.
    cli.run("destroy", "-auto-approve", "-input=false")
    assert find_leftovers(target, TWIN) == {}


#: Layers moved to another cloud so that AWS hosts every kind of Function URL: the
#: receivers of the boundaries crossing into AWS (public URL + invoke permission, HMAC) and
#: the hot reader for readers on another cloud.
CROSS_CLOUD = {
    "ingestion and cold writer": (
        {"layer_1_provider": "azure", "layer_3_hot_provider": "azure"},
        {"aws_l2": "ingestion", "aws_l3_cold": "cold-writer"},
    ),
    "hot writer, public hot reader and archive writer": (
        {
            "layer_2_provider": "azure",
            "layer_3_cold_provider": "azure",
            "layer_4_provider": "azure",
            "layer_5_provider": "azure",
        },
        {"aws_l3_hot": ["hot-writer", "hot-reader"], "aws_l3_archive": "archive-writer"},
    ),
}


@pytest.mark.parametrize("scenario", sorted(CROSS_CLOUD))
def test_the_receivers_function_urls_move_without_being_replaced(
    scenario, tmp_path, monkeypatch, terraform_env, emulator
):
    slots, receivers = CROSS_CLOUD[scenario]
    project = tmp_path / "project"
    shutil.copytree(TEMPLATE, project)
    _set_providers(project, slots)
    target = sandbox_target(emulator.endpoint, emulator.region)
    cli, old_addresses, changes = _deploy_old_then_plan_new(
        project, tmp_path, monkeypatch, terraform_env, target
    )
    # (L4's and L5's signed proxy URL stays in its layer: it has no permission to share.)
    urls_before = {
        a for a in old_addresses if ".aws_lambda_function_url." in a and "proxy" not in a
    }

    actions = {c["address"]: c["change"]["actions"] for c in changes}
    assert {a: act for a, act in actions.items() if act != ["no-op"]} == {}, "not only moves"
    moves = {c["previous_address"]: c["address"] for c in changes if c.get("previous_address")}
    assert all(any(s in a for s in SHARED) for a in moves.values()), moves
    expected = set()
    for module, keys in receivers.items():
        for key in [keys] if isinstance(keys, str) else keys:
            prefix = f"module.{module}.module.urls."
            expected |= {
                f'{prefix}aws_lambda_function_url.url["{key}"]',
                f'{prefix}aws_lambda_permission.public_url["{key}"]',
            }
    moved_urls = {a for a in moves.values() if ".module.urls." in a}
    assert moved_urls == expected
    assert {p for p, a in moves.items() if ".aws_lambda_function_url." in a} == urls_before
    cli.run("apply", "-auto-approve", "-input=false", "moved.tfplan")

    # The receivers' URLs are the root's outputs the other cloud's senders are given.
    outputs = json.loads(cli.run("output", "-json"))
    receiver_urls = [v["value"] for k, v in outputs.items() if k.endswith("_receiver_url")]
    assert receiver_urls and all(u and u.startswith("http") for u in receiver_urls), outputs
    state = read_state(tmp_path / "tf")
    managed = [r for r in state.resources if r.mode == "managed"]
    probes = probe_resources(target, managed)
    assert {a: p.detail for a, p in probes.items() if p.state != PRESENT} == {}

    cli.run("destroy", "-auto-approve", "-input=false")
    assert find_leftovers(target, TWIN) == {}
