"""The Azure layer modules and the shared ``_function_app`` they call, without the provider.

``terraform validate`` cannot run here (no azurerm provider), so nothing else would notice a
layer passing a misspelt input to the shared module, leaving out a required one, or reading
an output it does not have. Every layer's Function App comes from ``_function_app`` (one
resource block for all).
"""

from __future__ import annotations

import re
from pathlib import Path

import hcl2

from dtwin_gui.iac.root import terraform_dir

AZURE = terraform_dir() / "modules" / "azure"
SHARED = "_function_app"
LAYERS = sorted(p for p in AZURE.iterdir() if p.is_dir() and not p.name.startswith("_"))
#: Layers whose module deploys a Function App (setup holds the plan and storage only).
APP_LAYERS = [p for p in LAYERS if p.name != "setup"]


def _documents(folder: Path) -> list[dict]:
    return [hcl2.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.tf"))]


def _source(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.tf")))


def _variables(folder: Path) -> dict[str, bool]:
    """Variable name -> whether it must be given (has no default)."""
    out = {}
    for document in _documents(folder):
        for block in document.get("variable", []):
            for name, body in block.items():
                out[name.strip('"')] = "default" not in body
    return out


def _outputs(folder: Path) -> set[str]:
    return {
        name.strip('"')
        for document in _documents(folder)
        for block in document.get("output", [])
        for name in block
    }


def _calls(folder: Path) -> dict[str, dict]:
    """Module name -> its inputs, for every module block of ``folder``."""
    calls = {}
    for document in _documents(folder):
        for block in document.get("module", []):
            for name, body in block.items():
                calls[name.strip('"')] = body
    return calls


def call_problems(layer: Path) -> list[str]:
    """Every input a layer gives a module it calls that the module does not declare, every
    required input left out, every ``module.<name>.<output>`` read that it does not have."""
    problems = []
    text = _source(layer)
    for name, inputs in _calls(layer).items():
        target = (layer / inputs["source"].strip('"')).resolve()
        declared = _variables(target)
        given = set(inputs) - {"source", "count", "for_each", "depends_on", "providers"}
        given -= {k for k in given if k.startswith("__")}  # the parser's own keys
        for extra in sorted(given - set(declared)):
            problems.append(f"{layer.name}: module.{name} has no variable {extra!r}")
        for missing in sorted(n for n, required in declared.items() if required and n not in given):
            problems.append(f"{layer.name}: module.{name} needs {missing!r}")
        outputs = _outputs(target)
        read = set(re.findall(rf"\bmodule\.{name}(?:\[\d+\])?\.(\w+)", text))
        for loop in re.findall(rf"for (\w+) in module\.{name}\s*:([^\]\}}]*)", text):
            read |= set(re.findall(rf"\b{loop[0]}\.(\w+)", loop[1]))
        for unknown in sorted(read - outputs):
            problems.append(f"{layer.name}: module.{name} has no output {unknown!r}")
    return problems


def test_every_layer_calls_its_modules_with_what_they_declare():
    assert [p for layer in LAYERS for p in call_problems(layer)] == []


def test_the_check_catches_a_misspelt_a_missing_input_and_an_unknown_output(tmp_path):
    layer = tmp_path / "l9"
    (tmp_path / SHARED).mkdir()
    layer.mkdir()
    for path in (AZURE / SHARED).glob("*.tf"):
        (tmp_path / SHARED / path.name).write_text(path.read_text(encoding="utf-8"))
    (layer / "main.tf").write_text(
        f"""
module "app" {{
  source   = "../{SHARED}"
  common   = var.common
  host     = var.host
  app_nam  = var.app_name
}}

output "url" {{
  value = module.app.hostname
}}
""",
        encoding="utf-8",
    )
    problems = call_problems(layer)
    assert "l9: module.app has no variable 'app_nam'" in problems
    assert "l9: module.app needs 'app_name'" in problems
    assert "l9: module.app needs 'package'" in problems
    assert "l9: module.app has no output 'hostname'" in problems


def test_every_function_app_comes_from_the_shared_module():
    """One resource block for every layer's app; a layer says only what differs."""
    for layer in APP_LAYERS:
        text = _source(layer)
        assert 'resource "azurerm_linux_function_app"' not in text, layer.name
        shared = [n for n, c in _calls(layer).items() if c["source"].strip('"') == f"../{SHARED}"]
        assert shared == ["app"], layer.name


def _resources(folder: Path, kind: str) -> dict[str, dict]:
    return {
        name.strip('"'): body
        for document in _documents(folder)
        for block in document.get("resource", [])
        for name, body in block.get(f'"{kind}"', block.get(kind, {})).items()
    }


def test_the_deploying_identity_may_register_the_devices_on_the_hub():
    """The deploy's SDK step registers the devices with the signed-in identity's token (no
    connection string on real Azure): whoever runs Terraform gets IoT Hub Data Contributor
    on the hub, whether or not L2 sends feedback."""
    l1 = AZURE / "l1"
    data = {
        f"{kind.strip(chr(34))}.{name.strip(chr(34))}"
        for document in _documents(l1)
        for block in document.get("data", [])
        for kind, named in block.items()
        for name in named
    }
    assert "azurerm_client_config.current" in data
    grants = {
        name: body
        for name, body in _resources(l1, "azurerm_role_assignment").items()
        if body["role_definition_name"].strip('"') == "IoT Hub Data Contributor"
        and "azurerm_iothub.hub.id" in str(body["scope"])
    }
    deployer = [
        body
        for body in grants.values()
        if "data.azurerm_client_config.current.object_id" in str(body["principal_id"])
    ]
    assert len(deployer) == 1
    assert not {"count", "for_each"} & set(deployer[0])  # always, not only with feedback
