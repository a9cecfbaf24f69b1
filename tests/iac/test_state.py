"""Reading Terraform state directly: addresses exactly as Terraform prints them, layers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dtwin_gui.core.run_events import ResourceEvent
from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.runner import Terraform
from dtwin_gui.iac.state import (
    ROOT_LAYER,
    format_address,
    parse_state,
    read_state,
    state_path,
)

needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform is not installed"
)

#: for_each keys that need quoting: Terraform escapes quotes and doubles "${".
KEYS_HCL = r'["temperature-sensor-1", "quote\"d", "dollar$${x}", "back\\slash", "tab\tbed", "ü"]'

MODULE = f"""
resource "terraform_data" "processor" {{
  for_each = toset({KEYS_HCL})
  input    = each.key
}}

resource "terraform_data" "counted" {{
  count = 2
  input = count.index
}}
"""

ROOT = """
module "aws_l2" {
  source = "./m"
}

module "aws_setup" {
  source = "./m"
}

resource "terraform_data" "glue_secret" {
  input = "s"
}

output "endpoint" {
  value = "https://example.invalid"
}

output "secret" {
  value     = "hidden"
  sensitive = true
}
"""


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    """A real applied state, plus the addresses Terraform itself reported."""
    workdir = tmp_path_factory.mktemp("state") / "root"
    (workdir / "m").mkdir(parents=True)
    (workdir / "main.tf").write_text(ROOT)
    (workdir / "m" / "main.tf").write_text(MODULE)
    events = []
    tf = Terraform(workdir, settings=TerraformSettings(mirror_dir=None), sink=events.append)
    tf.init()
    tf.apply()
    reported = {e.address for e in events if isinstance(e, ResourceEvent) and e.state == "created"}
    return workdir, tf, reported


@needs_terraform
def test_addresses_match_terraforms_own(applied):
    workdir, _tf, reported = applied
    snapshot = read_state(workdir)
    assert {r.address for r in snapshot.resources} == reported
    assert len(reported) == 2 * (6 + 2) + 1
    for address in (
        'module.aws_l2.terraform_data.processor["temperature-sensor-1"]',
        'module.aws_l2.terraform_data.processor["quote\\"d"]',
        'module.aws_l2.terraform_data.processor["dollar$${x}"]',
        "module.aws_setup.terraform_data.counted[1]",
        "terraform_data.glue_secret",
    ):
        assert snapshot.get(address) is not None, address


@needs_terraform
def test_layers_components_and_attributes(applied):
    workdir, _tf, _reported = applied
    snapshot = read_state(workdir)
    layers = snapshot.by_layer()
    assert set(layers) == {"L2", "setup", ROOT_LAYER}
    assert len(layers["L2"]) == len(layers["setup"]) == 8
    sensor = snapshot.get('module.aws_l2.terraform_data.processor["temperature-sensor-1"]')
    assert sensor.layer == "L2" and sensor.component == "terraform_data"
    assert sensor.type == "terraform_data" and sensor.resource_name == "processor"
    assert sensor.module == "module.aws_l2" and sensor.index == "temperature-sensor-1"
    assert sensor.id and sensor.name == sensor.id  # terraform_data has only an id
    assert snapshot.outputs["endpoint"] == "https://example.invalid"
    assert snapshot.sensitive_outputs == {"secret"}
    assert snapshot.serial > 0 and snapshot.lineage


@needs_terraform
def test_state_pull_parses_the_same(applied):
    workdir, tf, _reported = applied
    assert parse_state(tf.state_pull()).resources == read_state(workdir).resources


def test_missing_and_empty_state(tmp_path):
    assert read_state(tmp_path).empty
    (tmp_path / "terraform.tfstate").write_text("")
    snapshot = read_state(tmp_path)
    assert snapshot.empty and snapshot.by_layer() == {} and snapshot.outputs == {}
    assert parse_state(None).empty and parse_state({}).empty


def test_broken_state_names_the_file(tmp_path):
    (tmp_path / "terraform.tfstate").write_text('{"version": 4, "resources": [')
    with pytest.raises(ValueError, match=r"terraform\.tfstate: not valid JSON \(line 1\)"):
        read_state(tmp_path)
    (tmp_path / "terraform.tfstate").write_text('{"version": 3}')
    with pytest.raises(ValueError, match="format version 3"):
        read_state(tmp_path)


def test_workspace_state_path(tmp_path):
    assert state_path(tmp_path) == tmp_path / "terraform.tfstate"
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "environment").write_text("staging")
    assert state_path(tmp_path) == tmp_path / "terraform.tfstate.d/staging/terraform.tfstate"


def test_data_sources_tainted_deposed_and_sensitive_attributes():
    document = {
        "version": 4,
        "serial": 3,
        "lineage": "l",
        "outputs": {},
        "resources": [
            {
                "module": "module.aws_l2",
                "mode": "managed",
                "type": "aws_lambda_function",
                "name": "processor",
                "instances": [
                    {
                        "index_key": "temperature-sensor-1",
                        "status": "tainted",
                        "attributes": {
                            "id": "twin-temperature-sensor-1",
                            "arn": "arn:aws:lambda:us-east-1:123456789012:function:t",
                            "function_name": "twin-temperature-sensor-1",
                            "environment": [{"variables": {"X": "1"}}],
                        },
                        "sensitive_attributes": [],
                    },
                    {"index_key": "old", "deposed": "abcd", "attributes": {"id": "x"}},
                ],
            },
            {
                "module": "module.aws_l3_hot",
                "mode": "data",
                "type": "aws_iam_policy_document",
                "name": "writer",
                "instances": [{"attributes": {"id": "123", "json": "{}"}}],
            },
            {
                "module": "module.aws_setup",
                "mode": "managed",
                "type": "aws_iam_access_key",
                "name": "k",
                "instances": [
                    {
                        "attributes": {"id": "AKIA", "name": "do-not-show"},
                        "sensitive_attributes": [[{"type": "get_attr", "value": "name"}]],
                    }
                ],
            },
        ],
    }
    snapshot = parse_state(document)
    addresses = [r.address for r in snapshot.resources]
    assert addresses == [
        'module.aws_l2.aws_lambda_function.processor["temperature-sensor-1"]',
        "module.aws_l3_hot.data.aws_iam_policy_document.writer",
        "module.aws_setup.aws_iam_access_key.k",
    ]
    function = snapshot.resources[0]
    assert function.tainted and function.name == "twin-temperature-sensor-1"
    assert function.arn.startswith("arn:aws:lambda") and "environment" not in function.attributes
    data = snapshot.resources[1]
    assert data.mode == "data" and data.component == "data.aws_iam_policy_document"
    assert data.layer == "L3_hot"
    assert "L3_hot" not in snapshot.by_layer()  # data sources are not deployed things
    assert "L3_hot" in snapshot.by_layer(managed_only=False)
    assert "name" not in snapshot.resources[2].attributes  # marked sensitive


def test_format_address_quotes_like_terraform():
    assert format_address("", "managed", "aws_s3_bucket", "cold") == "aws_s3_bucket.cold"
    assert format_address("module.aws_l1", "managed", "aws_iot_thing", "d", 0) == (
        "module.aws_l1.aws_iot_thing.d[0]"
    )
    assert format_address("", "data", "t", "n", 'a"b') == 'data.t.n["a\\"b"]'
    assert format_address("", "managed", "t", "n", "%{x} ${y} $z") == 't.n["%%{x} $${y} $z"]'
    assert format_address("", "managed", "t", "n", "line\nbreak") == 't.n["line\\nbreak"]'
    with pytest.raises(ValueError):
        format_address("", "managed", "t", "n", 1.5)


def test_read_state_does_not_start_terraform(tmp_path, monkeypatch):
    """The status browser polls this: it must be a file read, not a process."""
    import subprocess

    def forbidden(*args, **kwargs):
        raise AssertionError("read_state started a process")

    monkeypatch.setattr(subprocess, "Popen", forbidden)
    document = {"version": 4, "resources": [], "outputs": {"a": {"value": 1, "type": "number"}}}
    (tmp_path / "terraform.tfstate").write_text(json.dumps(document))
    assert read_state(Path(tmp_path)).outputs == {"a": 1}
