"""The static AWS modules: formatting, env-contract parity, layer placement, least privilege.

The HCL is parsed with python-hcl2 into its syntax tree, so the keys of a Lambda's
``environment.variables`` are read from the expression itself — through ``merge()``,
conditionals and ``local.*`` references — rather than guessed from text. A resource's role
is its name with underscores turned into dashes (``aws_lambda_function.hot_to_cold_mover``
deploys role ``hot-to-cold-mover``).
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import hcl2
import pytest
from helpers import skip_unless_tools
from lark import Token, Tree

from dtwin_gui.core.providers import SLOTS, Cloud
from dtwin_gui.core.topology import compute_topology
from dtwin_gui.iac.addresses import SLOT_MODULE
from dtwin_gui.iac.root import terraform_dir
from dtwin_gui.runtime.core.contracts import CONTRACTS

MODULES = terraform_dir() / "modules" / "aws"
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf")

# --- a small reader over python-hcl2's syntax tree ----------------------------------------


def _text(tree: Tree) -> str:
    return hcl2.reconstruct(tree).strip()


def _trees(node: Tree) -> list[Tree]:
    """Child nodes, without tokens, line breaks and comments."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _unwrap(node: Tree) -> Tree:
    """The expression inside ``expr_term`` wrappers and parentheses."""
    while node.data == "expr_term" and len(_trees(node)) == 1:
        node = _trees(node)[0]
    return node


def _name(node: Tree) -> str:
    token = next(c for c in node.children if isinstance(c, Token))
    return str(token)


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Tree
    module: str

    def attributes(self) -> dict[str, Tree]:
        out = {}
        for child in _trees(self.body):
            if child.data == "attribute":
                key, value = _trees(child)
                out[_name(key)] = value
        return out

    def blocks(self, kind: str | None = None) -> list[Block]:
        return [b for b in _blocks(self.body, self.module) if kind is None or b.type == kind]


def _blocks(body: Tree, module: str) -> list[Block]:
    out = []
    for child in _trees(body):
        if child.data != "block":
            continue
        parts = _trees(child)
        labels = tuple(_text(p).strip('"') for p in parts[1:] if p.data == "string")
        inner = next(p for p in parts if p.data == "body")
        out.append(Block(_name(parts[0]), labels, inner, module))
    return out


def parse_module(folder: Path) -> list[Block]:
    blocks = []
    for path in sorted(folder.glob("*.tf")):
        tree = hcl2.parses_to_tree(path.read_text(encoding="utf-8"))
        body = next(t for t in _trees(tree) if t.data == "body")
        blocks.extend(_blocks(body, folder.name))
    return blocks


def module_locals(blocks: list[Block]) -> dict[str, Tree]:
    out: dict[str, Tree] = {}
    for block in blocks:
        if block.type == "locals":
            out.update(block.attributes())
    return out


# --- environment keys of an expression -----------------------------------------------------


@dataclass(frozen=True)
class EnvKeys:
    #: Keys some configuration sets.
    possible: frozenset[str]
    #: Keys every configuration sets.
    always: frozenset[str]


_KEY = re.compile(r'^"?([A-Za-z_][A-Za-z0-9_]*)"?$')


def env_keys(expression: Tree, locals_: dict[str, Tree]) -> EnvKeys:
    """The keys of a map expression built from object literals, ``merge()``, conditionals
    and ``local.*``. Anything else (a variable, a function of unknown keys) cannot be proven
    and fails, so a module cannot slip unchecked variables past the test."""
    node = _unwrap(expression)
    if node.data == "object":
        keys = set()
        for element in (t for t in _trees(node) if t.data == "object_elem"):
            key = _text(_trees(element)[0])
            match = _KEY.match(key)
            assert match, f"environment key {key!r} is not a literal name"
            keys.add(match.group(1))
        return EnvKeys(frozenset(keys), frozenset(keys))
    if node.data == "function_call" and _name(_trees(node)[0]) == "merge":
        arguments = next(t for t in _trees(node) if t.data == "arguments")
        parts = [env_keys(a, locals_) for a in _trees(arguments)]
        return EnvKeys(
            frozenset().union(*(p.possible for p in parts)),
            frozenset().union(*(p.always for p in parts)),
        )
    if node.data == "conditional":
        _condition, yes, no = _trees(node)
        yes, no = env_keys(yes, locals_), env_keys(no, locals_)
        return EnvKeys(yes.possible | no.possible, yes.always & no.always)
    text = _text(node)
    if text.startswith("local.") and text[len("local.") :] in locals_:
        return env_keys(locals_[text[len("local.") :]], locals_)
    raise AssertionError(f"cannot prove which environment variables {text!r} sets")


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


#: The inputs every layer module with functions declares (Terraform cannot share variable
#: declarations between modules, so they are repeated; this keeps the copies identical).
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


def test_the_layers_declare_their_common_inputs_alike():
    declared = {}
    for folder in _module_dirs():
        if folder.name == "setup":
            continue
        variables = _variables(folder)
        declared[folder.name] = tuple(
            _text(variables[name].body) if name in variables else None for name in COMMON_INPUTS
        )
    assert all(None not in inputs for inputs in declared.values()), declared
    assert len(set(declared.values())) == 1, "a common input differs between layer modules"


def test_every_function_input_has_the_same_shape():
    shape = "object({" + "".join(f"{a}=string" for a in FUNCTION_INPUT) + "})"
    found = 0
    for folder in _module_dirs():
        for name, block in _variables(folder).items():
            type_ = re.sub(r"\s+", "", _text(block.attributes()["type"]))
            if "package_hash" in type_:
                found += 1
                assert type_ in (shape, f"map({shape})"), f"{folder.name}.{name}: {type_}"
    assert found >= len(LAMBDAS) - 2  # the processors and actions are one map each


# --- env parity ---------------------------------------------------------------------------


def _environment(resource: LambdaResource) -> EnvKeys:
    (environment,) = resource.block.blocks("environment")
    locals_ = module_locals(parse_module(MODULES / resource.module))
    return env_keys(environment.attributes()["variables"], locals_)


@pytest.mark.parametrize("resource", LAMBDAS, ids=lambda r: r.id)
def test_every_lambda_sets_exactly_its_roles_contract(resource):
    assert resource.role in CONTRACTS, f"{resource.id}: no contract for role {resource.role!r}"
    contract = CONTRACTS[resource.role]
    keys = _environment(resource)
    assert keys.possible <= set(contract.names()), (
        f"{resource.id} sets variables outside its contract: "
        f"{sorted(keys.possible - set(contract.names()))}"
    )
    assert set(contract.required()) <= keys.always, (
        f"{resource.id} does not always set required variables: "
        f"{sorted(set(contract.required()) - keys.always)}"
    )
    for group in contract.one_of:
        assert set(group) <= keys.possible, f"{resource.id} cannot set {group}"
    # Nothing the function can read is out of reach of the modules.
    assert keys.possible == set(contract.names())


def _aws_placements() -> set[tuple[str, str]]:
    """(role, module) of every function the topology can put on AWS, over every choice of
    AWS or Azure per slot (Google hosts neither L4 nor L5, and nothing AWS-specific)."""
    found = set()
    for choice in itertools.product((Cloud.AWS, Cloud.AZURE), repeat=len(SLOTS)):
        topology = compute_topology(
            dict(zip(SLOTS, choice, strict=True)),
            twin_name="t",
            device_ids=["d"],
            action_names=["a"],
            features={"use_event_checking": True, "return_feedback_to_device": True},
        )
        for function in topology.functions_on(Cloud.AWS):
            found.add((function.role, SLOT_MODULE[str(function.slot)]))
    return found


def test_every_role_on_aws_has_a_lambda_in_its_layers_module():
    in_modules = {(r.role, r.module) for r in LAMBDAS}
    placements = _aws_placements()
    assert placements - in_modules == set(), "functions the topology puts on AWS lack a Lambda"
    assert in_modules - placements == set(), "Lambdas in a module the topology never uses"


def test_the_env_check_catches_extra_and_missing_variables():
    module = hcl2.parses_to_tree(
        """
locals {
  base = { DTWIN_TWIN_NAME = "t" }
}
resource "aws_lambda_function" "processor" {
  environment {
    variables = merge(local.base, var.x ? { DTWIN_PERSISTER_FUNCTION = "p" } : {}, {
      DTWIN_HOT_STORE = "table"
    })
  }
}
resource "aws_lambda_function" "persister" {
  environment {
    variables = var.env
  }
}
"""
    )
    body = next(t for t in _trees(module) if t.data == "body")
    blocks = _blocks(body, "test")
    locals_ = module_locals(blocks)
    processor = blocks[1].blocks("environment")[0].attributes()["variables"]
    keys = env_keys(processor, locals_)
    assert keys.always == {"DTWIN_TWIN_NAME", "DTWIN_HOT_STORE"}  # persister name is optional
    assert keys.possible - set(CONTRACTS["processor"].names()) == {"DTWIN_HOT_STORE"}
    opaque = blocks[2].blocks("environment")[0].attributes()["variables"]
    with pytest.raises(AssertionError, match="cannot prove"):
        env_keys(opaque, locals_)


@pytest.mark.parametrize("resource", LAMBDAS, ids=lambda r: r.id)
def test_every_lambda_is_built_the_same_way(resource):
    attributes = resource.block.attributes()
    assert _text(attributes["runtime"]) == '"python3.11"'
    for name in ("handler", "s3_bucket", "s3_key", "source_code_hash"):
        assert _text(attributes[name]).startswith(("var.", "each.value.")), name
    # Code from the setup module's bucket, never a local file: the provider creates
    # functions with a local `filename` one at a time.
    assert "filename" not in attributes
    # Its own role and log group from the shared ../_function (keyed like the functions
    # map), created before the function so that its first logs have somewhere to go.
    assert _text(attributes["role"]).startswith("module.functions.role_arns[")
    assert _text(attributes["depends_on"]) == "[module.functions]"


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
    node = _unwrap(expression)
    items = _trees(node) if node.data == "tuple" else [node]
    return tuple(_text(i).strip('"') for i in items)


def _statement(block: Block, where: str) -> Statement:
    attributes = block.attributes()
    effect = _text(attributes["effect"]).strip('"') if "effect" in attributes else "Allow"
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
                        r"data\.aws_iam_policy_document\.\w+(\[[^\]]+\])?\.json", _text(value)
                    ), f"{folder.name}.{block.labels[1]}.{name} = {_text(value)}"


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
