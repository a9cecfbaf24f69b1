"""The permission table covers every AWS resource type the Terraform modules use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dtwin_gui.core.providers import SLOTS
from dtwin_gui.credentials.permissions import (
    GROUPS,
    LAYER_RESOURCES,
    RESOURCE_ACTIONS,
    SDK_ACTIONS,
    SETUP,
    policy_document,
    required_actions,
)

MODULES = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "aws"
_BLOCK = re.compile(r'^\s*(?:resource|data)\s+"(aws_[a-z0-9_]+)"', re.MULTILINE)
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$")


_SOURCE = re.compile(r'^\s*source\s*=\s*"\.\./(_[a-z0-9_]+)"', re.MULTILINE)


def module_types(layer_dir: Path) -> set[str]:
    """The aws_* types a layer uses: its own blocks and those of the shared parts
    (``../_function``, ``../_bucket``, ...) it calls, which it needs the permissions of."""
    types, shared = set(), set()
    for tf in layer_dir.rglob("*.tf"):
        text = tf.read_text()
        types |= set(_BLOCK.findall(text))
        shared |= set(_SOURCE.findall(text))
    for part in shared:
        types |= module_types(MODULES / part)
    return types


def layer_dirs() -> list[Path]:
    """The layer modules (the shared parts, named ``_*``, are not layers)."""
    return sorted(p for p in MODULES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def test_every_module_is_a_known_layer():
    names = {p.name for p in layer_dirs()}
    assert names == {str(s).lower() for s in SLOTS} | {SETUP}


@pytest.mark.parametrize("layer_dir", layer_dirs(), ids=lambda p: p.name)
def test_every_resource_type_of_the_module_is_in_the_table(layer_dir):
    layer = next((str(s) for s in SLOTS if str(s).lower() == layer_dir.name), layer_dir.name)
    used = module_types(layer_dir)
    assert used, f"no aws_* blocks parsed in {layer_dir}"
    assert used <= set(RESOURCE_ACTIONS), f"no actions known for {used - set(RESOURCE_ACTIONS)}"
    assert used <= set(LAYER_RESOURCES[layer]), (
        f"{layer} lacks {used - set(LAYER_RESOURCES[layer])}"
    )
    assert set(LAYER_RESOURCES[layer]) <= used, "the table lists types the module no longer uses"


def test_actions_are_well_formed_and_grouped():
    every = [a for actions in RESOURCE_ACTIONS.values() for a in actions]
    every += [a for actions in SDK_ACTIONS.values() for a in actions]
    assert all(_ACTION.match(a) for a in every), [a for a in every if not _ACTION.match(a)]
    assert list(required_actions()) == list(GROUPS)
    groups = required_actions()
    assert "lambda:CreateFunction" in groups["L2"] and "iam:PassRole" in groups["L2"]
    assert "iot:CreateKeysAndCertificate" in groups["L1"]  # an SDK step
    assert "iottwinmaker:CreateEntity" in groups["L4"]
    assert "dynamodb:CreateTable" not in groups["L2"]
    # Every function's code is read from the setup module's bucket, which setup creates.
    assert "s3:GetObject" in groups["L2"] and "s3:CreateBucket" not in groups["L2"]
    assert {"s3:CreateBucket", "s3:PutObject", "sts:GetCallerIdentity"} <= set(groups[SETUP])


def test_policy_document_is_valid_iam_json():
    policy = json.loads(policy_document(["s3:CreateBucket", "iam:PassRole", "s3:CreateBucket"]))
    assert policy["Version"] == "2012-10-17"
    assert policy["Statement"][0]["Action"] == ["iam:PassRole", "s3:CreateBucket"]
    assert policy_document([]) == ""
