"""The static AWS modules: formatting, shared inputs, how Lambdas are built, least privilege.

The HCL is read with python-hcl2 into its syntax tree (tests/helpers_hcl.py). Whether each
function's environment matches its role's contract is checked for every cloud's modules in
tests/iac/test_env_parity.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import skip_unless_tools
from helpers_hcl import Block, parse_module, text, trees, unwrap
from lark import Tree

from dtwin_gui.core.providers import SLOTS
from dtwin_gui.iac.addresses import SLOT_MODULE
from dtwin_gui.iac.root import terraform_dir

MODULES = terraform_dir() / "modules" / "aws"
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf")

# --- the modules ---------------------------------------------------------------------------


def _module_dirs() -> list[Path]:
    """The layer modules (and setup): the ones the generated root instantiates."""
    return sorted(p for p in MODULES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _shared_dirs() -> list[Path]:
    """The parts the layer modules share (``_function``, ``_bucket``): never in a root."""
    return sorted(p for p in MODULES.iterdir() if p.is_dir() and p.name.startswith("_"))


def _all_dirs() -> list[Path]:
    return sorted([*_module_dirs(), *_shared_dirs()])


@dataclass(frozen=True)
class LambdaResource:
    module: str
    name: str
    block: Block

    @property
    def role(self) -> str:
        return self.name.replace("_", "-")

    @property
    def id(self) -> str:
        return f"{self.module}.{self.name}"


def lambda_resources() -> list[LambdaResource]:
    out = []
    for folder in _module_dirs():
        for block in parse_module(folder):
            if block.type == "resource" and block.labels[0] == "aws_lambda_function":
                out.append(LambdaResource(folder.name, block.labels[1], block))
    return out


LAMBDAS = lambda_resources()


def test_the_modules_are_the_aws_layers_and_setup():
    # Setup holds what every layer shares: the bucket the function packages are uploaded to.
    assert [p.name for p in _module_dirs()] == sorted(
        [SLOT_MODULE[str(s)] for s in SLOTS] + ["setup"]
    )


@pytest.mark.parametrize("folder", _all_dirs(), ids=lambda p: p.name)
def test_every_module_has_its_four_files(folder):
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == sorted(MODULE_FILES)


def test_terraform_fmt_is_clean():
    if shutil.which("terraform") is None:
        skip_unless_tools("terraform is not installed")
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-no-color", str(terraform_dir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"not fmt-clean:\n{result.stdout}{result.stderr}"


#: The inputs every layer module with functions takes alike, as attributes of one object
#: variable `common` (Terraform cannot share a declaration between modules, so each layer
#: declares that one block; this keeps the copies identical).
COMMON_INPUTS = (
    "twin_name",
    "log_level",
    "log_retention_days",
    "function_timeout_seconds",
    "function_memory_mb",
)
#: The attributes of a function input: what the build and the topology give each function.
FUNCTION_INPUT = ("name", "role_name", "handler", "s3_bucket", "s3_key", "package_hash")


def _variables(folder: Path) -> dict[str, Block]:
    return {b.labels[0]: b for b in parse_module(folder) if b.type == "variable"}


def test_the_layers_declare_their_common_inputs_once_and_alike():
    declared = {}
    for folder in _module_dirs():
        if folder.name == "setup":
            continue
        variables = _variables(folder)
        assert not set(COMMON_INPUTS) & set(variables), f"{folder.name}: a loose common input"
        assert "common" in variables, f"{folder.name} does not declare the common inputs"
        declared[folder.name] = text(variables["common"].body)
    assert len(declared) == 7, declared
    assert len(set(declared.values())) == 1, "the common inputs differ between layer modules"
    shape = re.sub(r"\s+", "", next(iter(declared.values())))
    assert all(f"{name}=" in shape for name in COMMON_INPUTS), shape


def test_every_function_input_has_the_same_shape():
    shape = "object({" + "".join(f"{a}=string" for a in FUNCTION_INPUT) + "})"
    found = 0
    for folder in _module_dirs():
        for name, block in _variables(folder).items():
            type_ = re.sub(r"\s+", "", text(block.attributes()["type"]))
            if "package_hash" in type_:
                found += 1
                assert type_ in (shape, f"map({shape})"), f"{folder.name}.{name}: {type_}"
    assert found >= len(LAMBDAS) - 2  # the processors and actions are one map each


@pytest.mark.parametrize("resource", LAMBDAS, ids=lambda r: r.id)
def test_every_lambda_is_built_the_same_way(resource):
    attributes = resource.block.attributes()
    assert text(attributes["runtime"]) == '"python3.11"'
    for name in ("handler", "s3_bucket", "s3_key", "source_code_hash"):
        assert text(attributes[name]).startswith(("var.", "each.value.")), name
    # Code from the setup module's bucket, never a local file: the provider creates
    # functions with a local `filename` one at a time.
    assert "filename" not in attributes
    # Its own role and log group from the shared ../_function (keyed like the functions
    # map), created before the function so that its first logs have somewhere to go.
    assert text(attributes["role"]).startswith("module.functions.role_arns[")
    assert text(attributes["depends_on"]) == "[module.functions]"


def test_public_function_urls_come_only_from_the_shared_part():
    """A URL without AWS auth needs the public invoke permission beside it; both come from
    ../_function_url, never copied into a layer. A layer may keep a signed (AWS_IAM) URL of
    its own: L4's and L5's hot reader proxy, which needs no permission."""
    own_urls = []
    for folder in _module_dirs():
        for block in parse_module(folder):
            if block.type != "resource":
                continue
            kind, name = block.labels
            attributes = block.attributes()
            if kind == "aws_lambda_function_url":
                own_urls.append(f"{folder.name}.{name}")
                assert text(attributes["authorization_type"]) == '"AWS_IAM"', own_urls[-1]
            if kind == "aws_lambda_permission":
                assert "InvokeFunctionUrl" not in text(attributes["action"]), folder.name
    assert own_urls == ["l4.hot_reader_proxy", "l5.hot_reader_proxy"]
    callers = [
        f.name for f in _module_dirs() if '"../_function_url"' in (f / "main.tf").read_text()
    ]
    assert callers == ["l2", "l3_archive", "l3_cold", "l3_hot"]


# --- least privilege ----------------------------------------------------------------------

#: Allow statements that may use Resource "*" (none today). Add one only with the reason.
RESOURCE_STAR_EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Statement:
    where: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    has_principals: bool


def _strings(expression: Tree) -> tuple[str, ...]:
    node = unwrap(expression)
    items = trees(node) if node.data == "tuple" else [node]
    return tuple(text(i).strip('"') for i in items)


def _statement(block: Block, where: str) -> Statement:
    attributes = block.attributes()
    effect = text(attributes["effect"]).strip('"') if "effect" in attributes else "Allow"
    actions = _strings(attributes["actions"])
    for action in actions:
        assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z*]+|\*", action), f"{where}: action {action!r}"
    resources = _strings(attributes["resources"]) if "resources" in attributes else ()
    return Statement(where, effect, actions, resources, bool(block.blocks("principals")))


def policy_statements() -> list[Statement]:
    out = []
    for folder in _all_dirs():
        for block in parse_module(folder):
            if block.type != "data" or block.labels[0] != "aws_iam_policy_document":
                continue
            where = f"{folder.name}.{block.labels[1]}"
            for statement in block.blocks("statement"):
                out.append(_statement(statement, where))
            for dynamic in block.blocks("dynamic"):
                assert dynamic.labels == ("statement",)
                (content,) = dynamic.blocks("content")
                out.append(_statement(content, where))
    return out


STATEMENTS = policy_statements()


def test_there_are_policies_to_check():
    assert len(STATEMENTS) > 30


@pytest.mark.parametrize("statement", STATEMENTS, ids=lambda s: f"{s.where}:{s.actions[0]}")
def test_no_policy_grants_wildcards(statement):
    if statement.effect == "Deny":
        return  # e.g. the buckets' "deny s3:* without TLS"
    assert statement.effect == "Allow"
    for action in statement.actions:
        assert "*" not in action, f"{statement.where} allows wildcard action {action!r}"
    if statement.has_principals:  # a trust policy: who may assume the role, no resources
        assert statement.actions == ("sts:AssumeRole",)
        return
    assert statement.resources, f"{statement.where} has no resources"
    if "*" in statement.resources:
        key = (statement.where, statement.actions[0])
        assert key in RESOURCE_STAR_EXCEPTIONS, f"{statement.where} allows Resource '*'"


def test_every_policy_comes_from_a_checked_policy_document():
    """No inline JSON (jsonencode/heredoc) escapes the statement checks above."""
    policy_attributes = {"policy", "assume_role_policy"}
    for folder in _all_dirs():
        for block in parse_module(folder):
            if block.type != "resource":
                continue
            for name, value in block.attributes().items():
                if name in policy_attributes:
                    assert re.fullmatch(
                        r"data\.aws_iam_policy_document\.\w+(\[[^\]]+\])?\.json", text(value)
                    ), f"{folder.name}.{block.labels[1]}.{name} = {text(value)}"


def test_device_policies_allow_only_their_own_topics():
    l1 = {b.labels[1]: b for b in parse_module(MODULES / "l1") if b.type == "data"}
    statements = {_statement(s, "device").actions[0]: s for s in l1["device"].blocks("statement")}
    assert sorted(statements) == ["iot:Connect", "iot:Publish", "iot:Receive", "iot:Subscribe"]
    resources = {a: _strings(s.attributes()["resources"]) for a, s in statements.items()}
    assert resources == {
        "iot:Connect": ("${local.iot_arn_prefix}:client/${each.value.thing_name}",),
        "iot:Publish": ("${local.iot_arn_prefix}:topic/${each.value.telemetry_topic}",),
        "iot:Subscribe": ("${local.iot_arn_prefix}:topicfilter/${each.value.feedback_topic}",),
        "iot:Receive": ("${local.iot_arn_prefix}:topic/${each.value.feedback_topic}",),
    }
