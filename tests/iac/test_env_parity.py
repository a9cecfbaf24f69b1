"""Env parity, every cloud: each deployed function sets exactly its role's contract.

The contracts (dtwin_gui/runtime/core/contracts.py) say which DTWIN_* variables the
provider-neutral function code reads. Every cloud's Terraform modules
(``terraform/modules/<cloud>/<layer>/``) must hand each function exactly those: nothing the
code does not read, every required variable in every configuration, every variable the code
can read within reach. The check reads the HCL syntax tree (tests/helpers_hcl.py).

Clouds differ in how a function is declared, so each has a :class:`FunctionShape`:
- AWS and Google deploy one resource per function, named after its role with underscores
  (``aws_lambda_function.hot_to_cold_mover`` deploys role ``hot-to-cold-mover``);
- Azure deploys one Function App per layer holding that layer's functions, whose app
  settings are the environment of all of them (plus the settings the platform reads); so
  the secrets a receiver checks are set per boundary it serves
  (``DTWIN_GLUE_SECRET__L2_L3HOT_WRITER``, contracts.azure_boundary_setting).

A cloud whose modules folder does not exist yet is skipped, saying so; once the folder
exists its modules are checked (and a cloud folder without a shape here fails).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers_hcl import (
    Block,
    EnvKeys,
    env_keys,
    module_locals,
    name_of,
    parse_module,
    parse_text,
    text,
    trees,
    unwrap,
)

from dtwin_gui.clouds.google.intent import GOOGLE_SETTINGS
from dtwin_gui.core.providers import CLOUDS, SLOT_INFO, SLOTS, Cloud
from dtwin_gui.core.topology import BOUNDARY_SPECS, compute_topology
from dtwin_gui.iac.addresses import SLOT_MODULE
from dtwin_gui.iac.root import terraform_dir
from dtwin_gui.runtime.core.contracts import (
    AZURE_APP_SETTINGS,
    AZURE_BOUNDARY_SCOPED,
    CONTRACTS,
    azure_boundary_setting,
)

MODULES = terraform_dir() / "modules"


@dataclass(frozen=True)
class FunctionShape:
    """How a cloud's modules declare a deployed function and its environment."""

    #: Resource types that deploy functions.
    types: tuple[str, ...]
    #: Nested block names, then the attribute holding the environment map.
    env: tuple[str, ...]
    #: "function": one resource per function, named after its role; "layer": one resource
    #: (a Function App) per layer module, hosting every role the topology puts there.
    per: str
    #: Settings the platform reads, not the function code (allowed besides the contracts).
    platform: frozenset[str] = frozenset()
    #: Whether the receivers' secrets are set per boundary (one environment, many functions).
    boundary_scoped: bool = False
    #: The shared module (``_*``) that holds the function resource, which a layer calls with
    #: its own settings as the ``shared_input`` map, merged into the resource's environment.
    shared: str | None = None
    shared_input: str = "app_settings"


SHAPES: dict[Cloud, FunctionShape] = {
    Cloud.AWS: FunctionShape(("aws_lambda_function",), ("environment", "variables"), "function"),
    # One Cloud Function per topology function, each a call of the shared ``_function``
    # module labelled after its role (``module "hot_to_cold_mover"``), whose resource merges
    # the call's ``env`` into the settings runtime/google reads besides the contracts.
    Cloud.GOOGLE: FunctionShape(
        ("google_cloudfunctions2_function",),
        ("service_config", "environment_variables"),
        "function",
        platform=frozenset(GOOGLE_SETTINGS),
        shared="_function",
        shared_input="env",
    ),
    Cloud.AZURE: FunctionShape(
        ("azurerm_linux_function_app", "azurerm_function_app_flex_consumption"),
        ("app_settings",),
        "layer",
        platform=frozenset(
            {
                "AzureWebJobsFeatureFlags",
                "AzureWebJobsStorage",
                "APPLICATIONINSIGHTS_CONNECTION_STRING",
                "ENABLE_ORYX_BUILD",
                "FUNCTIONS_EXTENSION_VERSION",
                "FUNCTIONS_WORKER_RUNTIME",
                "SCM_DO_BUILD_DURING_DEPLOYMENT",
                "WEBSITE_RUN_FROM_PACKAGE",
                # App-level settings of runtime/azure (contracts.AZURE_APP_SETTINGS) and the
                # URL and key of each app a function calls (DTWIN_APP_URL_<LAYER>, ...).
                *(v.name for v in AZURE_APP_SETTINGS),
                *(f"DTWIN_APP_URL_{str(s).upper()}" for s in SLOTS),
                *(f"DTWIN_FUNCTIONS_KEY_{str(s).upper()}" for s in SLOTS),
            }
        ),
        boundary_scoped=True,
        shared="_function_app",
    ),
}


@dataclass(frozen=True)
class DeployedFunction:
    """A function resource found in a layer module, with the keys its environment sets."""

    module: str
    type: str
    label: str
    keys: EnvKeys

    @property
    def id(self) -> str:
        return f"{self.module}.{self.type}.{self.label}"


def _environment_expression(block: Block, shape: FunctionShape):
    *nested, attribute = shape.env
    for name in nested:
        found = block.blocks(name)
        assert len(found) == 1, f"{block.labels}: expected one {name} block, found {len(found)}"
        (block,) = found
    attributes = block.attributes()
    assert attribute in attributes, f"{'.'.join(block.labels)} sets no {attribute}"
    return attributes[attribute]


def _environment(block: Block, shape: FunctionShape, locals_) -> EnvKeys:
    return env_keys(_environment_expression(block, shape), locals_)


def _union(parts: list[EnvKeys]) -> EnvKeys:
    return EnvKeys(
        frozenset().union(*(p.possible for p in parts)),
        frozenset().union(*(p.always for p in parts)),
    )


def _calls_shared(block: Block, shape: FunctionShape) -> bool:
    source = block.attributes().get("source")
    return (
        shape.shared is not None
        and block.type == "module"
        and source is not None
        and text(source).strip('"') == f"../{shape.shared}"
    )


def _shared_environment(cloud_dir: Path, shape: FunctionShape, call: Block, locals_) -> EnvKeys:
    """The keys a call of the shared module sets: the shared resource's environment, a
    ``merge()`` whose ``var.<shared_input>`` argument is the map the layer passes in."""
    blocks = parse_module(cloud_dir / shape.shared)
    shared_locals = module_locals(blocks)
    resources = [b for b in blocks if b.type == "resource" and b.labels[0] in shape.types]
    assert len(resources) == 1, f"{shape.shared}: expected one function resource"
    node = unwrap(_environment_expression(resources[0], shape))
    assert node.data == "function_call" and name_of(trees(node)[0]) == "merge", (
        f"{shape.shared}: the environment must be a merge() of the layer's {shape.shared_input}"
    )
    given = call.attributes().get(shape.shared_input)
    parts = []
    for argument in trees(next(t for t in trees(node) if t.data == "arguments")):
        if text(argument) == f"var.{shape.shared_input}":
            if given is not None:
                parts.append(env_keys(given, locals_))
        else:
            parts.append(env_keys(argument, shared_locals))
    return _union(parts)


def layer_dirs(cloud_dir: Path) -> list[Path]:
    """The layer modules (the shared parts, named ``_*``, deploy nothing by themselves)."""
    return sorted(p for p in cloud_dir.iterdir() if p.is_dir() and not p.name.startswith("_"))


def deployed_functions(cloud_dir: Path, shape: FunctionShape) -> list[DeployedFunction]:
    out = []
    for folder in layer_dirs(cloud_dir):
        blocks = parse_module(folder)
        locals_ = module_locals(blocks)
        for block in blocks:
            if block.type == "resource" and block.labels[0] in shape.types:
                keys = _environment(block, shape, locals_)
                out.append(DeployedFunction(folder.name, *block.labels, keys))
            elif _calls_shared(block, shape):
                keys = _shared_environment(cloud_dir, shape, block, locals_)
                out.append(DeployedFunction(folder.name, "module", *block.labels, keys))
    return out


def placements(cloud: Cloud) -> set[tuple[str, str]]:
    """(role, layer module) of every function the topology can put on ``cloud``: each slot
    on ``cloud`` (where it can host the slot) or on another cloud, every feature on."""
    options = []
    for slot in SLOTS:
        hosts = [c for c in CLOUDS if c in SLOT_INFO[slot].services]
        other = next(c for c in hosts if c is not cloud)
        options.append([cloud, other] if cloud in hosts else [other])
    found = set()
    for choice in itertools.product(*options):
        topology = compute_topology(
            dict(zip(SLOTS, choice, strict=True)),
            twin_name="t",
            device_ids=["d"],
            action_names=["a"],
            features={"use_event_checking": True, "return_feedback_to_device": True},
        )
        for function in topology.functions_on(cloud):
            found.add((function.role, SLOT_MODULE[str(function.slot)]))
    return found


def contract_names(role: str, shape: FunctionShape) -> tuple[set[str], set[str]]:
    """The (declared, required) variable names of ``role`` as ``shape``'s modules set them."""
    contract = CONTRACTS[role]
    names, required = set(contract.names()), set(contract.required())
    if shape.boundary_scoped:
        served = [b.name for b in BOUNDARY_SPECS if b.receiver == role]
        for var in AZURE_BOUNDARY_SCOPED:
            if var.name in names:
                scoped = {azure_boundary_setting(var.name, b) for b in served}
                names = names - {var.name} | scoped
                if var.name in required:
                    required = required - {var.name} | scoped
    return names, required


def _contract_problems(where: str, keys: EnvKeys, roles: set[str], shape) -> list[str]:
    problems = [f"{where}: no contract for role {r!r}" for r in sorted(roles - set(CONTRACTS))]
    declared = [contract_names(r, shape) for r in sorted(roles & set(CONTRACTS))]
    names = {n for d, _ in declared for n in d}
    required = {n for _, r in declared for n in r}
    platform = shape.platform
    if extra := keys.possible - names - platform:
        problems.append(f"{where} sets variables outside its contract: {sorted(extra)}")
    if missing := required - keys.always:
        problems.append(f"{where} does not always set required variables: {sorted(missing)}")
    # Nothing the function code can read is out of reach of the modules.
    if unreachable := names - keys.possible:
        problems.append(f"{where} can never set {sorted(unreachable)}")
    return problems


def parity_problems(cloud: Cloud, cloud_dir: Path) -> list[str]:
    """Every way ``cloud``'s modules in ``cloud_dir`` break the contracts ([] when none)."""
    shape = SHAPES[cloud]
    functions = deployed_functions(cloud_dir, shape)
    placed = placements(cloud)
    problems = []
    if shape.per == "function":
        for fn in functions:
            role = fn.label.replace("_", "-")
            problems += _contract_problems(fn.id, fn.keys, {role}, shape)
        in_modules = {(fn.label.replace("_", "-"), fn.module) for fn in functions}
    else:
        by_module: dict[str, list[DeployedFunction]] = {}
        for fn in functions:
            by_module.setdefault(fn.module, []).append(fn)
        for module, apps in sorted(by_module.items()):
            roles = {role for role, where in placed if where == module}
            keys = _union([a.keys for a in apps])
            problems += _contract_problems(f"{cloud}/{module}", keys, roles, shape)
        in_modules = {(role, where) for role, where in placed if where in by_module}
    for role, module in sorted(placed - in_modules):
        problems.append(f"the topology puts {role!r} on {cloud} in {module}: no function there")
    for role, module in sorted(in_modules - placed):
        problems.append(f"{module} deploys {role!r}, which the topology never puts there")
    return problems


# --- every cloud's modules ------------------------------------------------------------------


def test_every_cloud_folder_is_a_cloud_with_a_shape():
    folders = {p.name for p in MODULES.iterdir() if p.is_dir()}
    assert folders <= {str(c) for c in CLOUDS}, f"not a cloud: {folders - set(map(str, CLOUDS))}"
    assert set(SHAPES) == set(CLOUDS), "every cloud needs a FunctionShape for its modules"


@pytest.mark.parametrize("cloud", CLOUDS, ids=str)
def test_every_function_of_the_clouds_modules_sets_exactly_its_contract(cloud):
    cloud_dir = MODULES / str(cloud)
    if not cloud_dir.is_dir():
        pytest.skip(f"terraform/modules/{cloud}/ does not exist yet: no {cloud} modules to check")
    assert deployed_functions(cloud_dir, SHAPES[cloud]), f"no functions found in {cloud_dir}"
    assert parity_problems(cloud, cloud_dir) == []


def test_aws_deploys_every_role_the_topology_puts_on_aws():
    """The AWS modules exist, so their check above must not be a skip."""
    functions = deployed_functions(MODULES / "aws", SHAPES[Cloud.AWS])
    roles = {fn.label.replace("_", "-") for fn in functions}
    assert roles == {role for role, _ in placements(Cloud.AWS)}
    assert len(functions) >= 15


def test_google_deploys_every_role_the_topology_puts_on_google():
    """The Google modules exist, so their check above must not be a skip."""
    functions = deployed_functions(MODULES / "google", SHAPES[Cloud.GOOGLE])
    roles = {fn.label.replace("_", "-") for fn in functions}
    assert roles == {role for role, _ in placements(Cloud.GOOGLE)}
    assert len(functions) >= 14


# --- the check itself catches what it should ---------------------------------------------


def _write(folder: Path, source: str) -> None:
    folder.mkdir(parents=True)
    (folder / "main.tf").write_text(source, encoding="utf-8")


def test_the_env_check_catches_extra_and_missing_variables():
    blocks = parse_text(
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
""",
        "test",
    )
    locals_ = module_locals(blocks)
    processor = blocks[1].blocks("environment")[0].attributes()["variables"]
    keys = env_keys(processor, locals_)
    assert keys.always == {"DTWIN_TWIN_NAME", "DTWIN_HOT_STORE"}  # persister name is optional
    assert keys.possible - set(CONTRACTS["processor"].names()) == {"DTWIN_HOT_STORE"}
    opaque = blocks[2].blocks("environment")[0].attributes()["variables"]
    with pytest.raises(AssertionError, match="cannot prove"):
        env_keys(opaque, locals_)


def test_a_google_function_missing_a_variable_is_caught(tmp_path):
    contract = CONTRACTS["hot-writer"]
    env = ", ".join(f'{n} = "x"' for n in sorted(contract.names()))
    good = f"""
resource "google_cloudfunctions2_function" "hot_writer" {{
  service_config {{
    environment_variables = {{ {env} }}
  }}
}}
"""
    _write(tmp_path / "google" / "l3_hot", good)
    problems = parity_problems(Cloud.GOOGLE, tmp_path / "google")
    assert not [p for p in problems if "hot_writer" in p], problems
    # Only the placement check complains: the other Google roles have no function here.
    assert all(p.startswith("the topology puts") for p in problems), problems

    dropped = sorted(contract.required())[0]
    bad = good.replace(f'{dropped} = "x"', 'DTWIN_NOT_IN_ANY_CONTRACT = "x"')
    _write(tmp_path / "google2" / "l3_hot", bad)
    problems = parity_problems(Cloud.GOOGLE, tmp_path / "google2")
    where = "l3_hot.google_cloudfunctions2_function.hot_writer"
    assert f"{where} sets variables outside its contract: ['DTWIN_NOT_IN_ANY_CONTRACT']" in (
        problems
    )
    assert f"{where} does not always set required variables: [{dropped!r}]" in problems


def test_an_azure_function_app_is_checked_against_every_role_of_its_layer(tmp_path):
    roles = {role for role, module in placements(Cloud.AZURE) if module == "l3_cold"}
    assert roles >= {"cold-writer", "cold-to-archive-mover"}
    names = sorted({n for r in roles for n in contract_names(r, SHAPES[Cloud.AZURE])[0]})
    assert "DTWIN_GLUE_SECRET__L3HOT_L3COLD_WRITER" in names  # the cold writer's, by boundary
    settings = ", ".join(f'{n} = "x"' for n in names)
    app = f"""
resource "azurerm_linux_function_app" "cold" {{
  app_settings = {{ FUNCTIONS_WORKER_RUNTIME = "python", {settings} }}
}}
"""
    _write(tmp_path / "azure" / "l3_cold", app)
    problems = parity_problems(Cloud.AZURE, tmp_path / "azure")
    assert not [p for p in problems if "l3_cold" in p and "topology puts" not in p], problems

    dropped = names[-1]
    _write(tmp_path / "azure2" / "l3_cold", app.replace(f', {dropped} = "x"', ""))
    problems = parity_problems(Cloud.AZURE, tmp_path / "azure2")
    assert f"azure/l3_cold can never set [{dropped!r}]" in problems


def test_an_azure_app_setting_a_plain_glue_secret_is_caught(tmp_path):
    """One environment per app: a receiver's secret under the plain name would be read by
    every receiver of the app, so on Azure it is outside the contract."""
    roles = {role for role, module in placements(Cloud.AZURE) if module == "l3_hot"}
    names = {n for r in roles for n in contract_names(r, SHAPES[Cloud.AZURE])[0]}
    assert {"DTWIN_GLUE_SECRET__L2_L3HOT_WRITER", "DTWIN_GLUE_SECRET__L3HOT_READER"} <= names
    settings = ", ".join(f'{n} = "x"' for n in sorted(names | {"DTWIN_GLUE_SECRET"}))
    _write(
        tmp_path / "azure" / "l3_hot",
        f'resource "azurerm_linux_function_app" "hot" {{\n  app_settings = {{ {settings} }}\n}}\n',
    )
    problems = parity_problems(Cloud.AZURE, tmp_path / "azure")
    assert "azure/l3_hot sets variables outside its contract: ['DTWIN_GLUE_SECRET']" in problems


def test_an_azure_layer_calling_the_shared_app_is_checked_through_it(tmp_path):
    """The layer's own settings come in as the shared module's ``app_settings``; the shared
    module adds the platform's, DTWIN_TWIN_NAME and DTWIN_LOG_LEVEL."""
    import shutil

    shutil.copytree(MODULES / "azure" / "_function_app", tmp_path / "azure" / "_function_app")
    roles = {role for role, module in placements(Cloud.AZURE) if module == "l3_cold"}
    names = {n for r in roles for n in contract_names(r, SHAPES[Cloud.AZURE])[0]}
    own = sorted(names - {"DTWIN_TWIN_NAME", "DTWIN_LOG_LEVEL"})
    call = """
module "app" {{
  source       = "../_function_app"
  app_settings = {{ {settings} }}
}}
"""
    settings = ", ".join(f'{n} = "x"' for n in own)
    _write(tmp_path / "azure" / "l3_cold", call.format(settings=settings))
    problems = parity_problems(Cloud.AZURE, tmp_path / "azure")
    assert not [p for p in problems if "l3_cold" in p and "topology puts" not in p], problems

    dropped = own[-1]
    settings = ", ".join(f'{n} = "x"' for n in own if n != dropped)
    _write(tmp_path / "azure2" / "l3_cold", call.format(settings=settings))
    shutil.copytree(MODULES / "azure" / "_function_app", tmp_path / "azure2" / "_function_app")
    problems = parity_problems(Cloud.AZURE, tmp_path / "azure2")
    assert f"azure/l3_cold can never set [{dropped!r}]" in problems
