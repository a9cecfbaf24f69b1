"""A destroy after a killed apply removes what the state lost too (issue 11 item 1).

Real Terraform on the sandbox emulator: an apply, then two of its three objects are dropped
from the state (what a Terraform killed before saving leaves), then the destroy path adopts
them (``terraform import``) and destroys everything.
"""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest

from dtwin_gui.clouds.aws import adopt
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.leftovers import find_leftovers
from dtwin_gui.clouds.base import Connections
from dtwin_gui.core.run_events import LogEvent
from dtwin_gui.deploy import adoption
from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.runner import Terraform
from dtwin_gui.iac.state import read_state
from tests.helpers_sandbox import provider_block

pytestmark = [pytest.mark.slow]

MODULE = """
resource "aws_s3_bucket" "b" {
  for_each = toset(["x", "y"])
  bucket   = "twinx-${each.key}"
}
resource "aws_iam_role" "r" {
  name = "twinx-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
"""


def test_destroy_adopts_what_the_state_lost_and_leaves_nothing(aws, tmp_path, monkeypatch):
    target = sandbox_target(aws.endpoint, aws.region)
    root = tmp_path / "root"
    (root / "m").mkdir(parents=True)
    (root / "main.tf").write_text(
        provider_block(aws.endpoint, aws.region) + 'module "aws_l3_cold" {\n  source = "./m"\n}\n'
    )
    (root / "m" / "main.tf").write_text(MODULE)
    events = []
    tf = Terraform(root, settings=TerraformSettings(), env=target.process_env(), sink=events.append)
    tf.init()
    tf.apply()
    lost = ['module.aws_l3_cold.aws_s3_bucket.b["y"]', "module.aws_l3_cold.aws_iam_role.r"]
    subprocess.run(["terraform", "state", "rm", *lost], cwd=root, check=True, capture_output=True)
    assert adopt.untracked_names(target, "twinx", root) == {"twinx-y", "twinx-role"}

    import dtwin_gui.core.project as project_module

    monkeypatch.setattr(
        project_module, "load_project", lambda p: SimpleNamespace(twin_name="twinx")
    )
    deployment = SimpleNamespace(  # what adoption needs of a Deployment
        workspace=SimpleNamespace(terraform_dir=root),
        project_root=tmp_path,
        connections=Connections.wrap(target),
        _terraform_runner=lambda: tf,
        _guard=lambda action, phase: action(),
        _emit=events.append,
        _plan=lambda plan_file=None: tf.plan(plan_file or root / "tfplan"),
    )
    found = adoption.adopt_before_destroy(deployment)
    assert {a.address for a in found} == set(lost)
    assert any(
        e.message.startswith("adopting 2 resource(s) Terraform lost track of: twinx-role")
        for e in events
        if isinstance(e, LogEvent)
    )
    assert set(lost) <= {r.address for r in read_state(root).resources}
    tf.destroy()
    assert find_leftovers(target, "twinx") == {}


def test_a_role_named_like_its_function_does_not_hide_the_lost_function(aws, tmp_path):
    """The killed-deploy case: the state holds the function's role (same name as the
    function) but lost the function itself; the function still counts as untracked, so the
    next deploy adopts it instead of failing on 'Function already exist'."""
    import io
    import json
    import zipfile

    target = sandbox_target(aws.endpoint, aws.region)
    role = target.client("iam").create_role(
        RoleName="twinz-fn",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    target.client("lambda").create_function(
        FunctionName="twinz-fn",
        Runtime="python3.11",
        Role=role["Arn"],
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
    )
    state = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "l",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_iam_role",
                "name": "function",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    {"schema_version": 0, "attributes": {"id": "twinz-fn", "name": "twinz-fn"}}
                ],
            }
        ],
    }
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state))

    assert adopt.untracked_names(target, "twinz", tmp_path) == {"twinz-fn"}

    state["resources"].append(
        {
            "mode": "managed",
            "type": "aws_lambda_function",
            "name": "fn",
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [{"schema_version": 0, "attributes": {"function_name": "twinz-fn"}}],
        }
    )
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state))
    assert adopt.untracked_names(target, "twinz", tmp_path) == set()
