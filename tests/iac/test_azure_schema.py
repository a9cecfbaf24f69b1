"""The Azure modules against the azurerm input schema, without the provider.

The azurerm provider cannot be installed on these machines, so ``terraform validate`` cannot
run. Instead every module under terraform/modules/azure is parsed (python-hcl2) and each
resource and data source is checked against the project's trimmed copy of the azurerm 4.55
input schema (tests/iac/schemas/, made by scripts/trim_provider_schema.py): the type exists,
every argument and nested block is one the provider knows, every required argument and
block is set. ``terraform fmt -check`` keeps the modules formatted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from dtwin_gui.iac.root import terraform_dir

AZURE = terraform_dir() / "modules" / "azure"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "azurerm-4.55.0.inputs.trimmed.json"
#: What python-hcl2 adds to a body besides its arguments and blocks.
PARSER_KEYS = {"__is_block__", "__comments__", "__inline_comments__"}
META = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"}


def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _children(schema: dict[str, dict], prefix: str) -> dict[str, dict]:
    """The arguments and blocks directly under ``prefix`` (``""`` is the top level)."""
    depth = prefix.count(".") + (1 if prefix else 0)
    return {
        key[len(prefix) + 1 if prefix else 0 :]: spec
        for key, spec in schema.items()
        if (not prefix or key.startswith(prefix + ".")) and key.count(".") == depth
    }


def _is_block(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.get("__is_block__") for v in value)
    )


def body_problems(where: str, body: dict, schema: dict[str, dict], prefix: str = "") -> list:
    """Every unknown argument or block and every missing required one in ``body``."""
    known = _children(schema, prefix)
    problems = []
    present = set()
    for key, value in body.items():
        if key in PARSER_KEYS or (not prefix and key in META):
            continue
        if key == "dynamic":
            for dynamic in value:
                for name, inner in dynamic.items():
                    name = name.strip('"')
                    present.add(name)
                    if name not in known:
                        problems.append(f"{where}: unknown block {name!r}")
                        continue
                    for content in inner.get("content", []):
                        path = f"{prefix}.{name}" if prefix else name
                        problems += body_problems(f"{where}.{name}", content, schema, path)
            continue
        present.add(key)
        if key not in known:
            problems.append(f"{where}: unknown argument or block {key!r}")
            continue
        path = f"{prefix}.{key}" if prefix else key
        if _is_block(value):
            if not _children(schema, path):
                problems.append(f"{where}: {key!r} is an argument, not a block")
            for block in value:
                problems += body_problems(f"{where}.{key}", block, schema, path)
    for key, spec in sorted(known.items()):
        if spec["required"] and key != "id" and key not in present:
            problems.append(f"{where}: required {key!r} is not set")
    return problems


def module_problems(folder: Path, schema: dict) -> list[str]:
    problems = []
    for path in sorted(folder.glob("*.tf")):
        document = hcl2.loads(path.read_text(encoding="utf-8"))
        for section, kind in (("resource", "resources"), ("data", "data_sources")):
            for block in document.get(section, []):
                for rtype, named in block.items():
                    rtype = rtype.strip('"')
                    for label, body in named.items():
                        where = f"{folder.name}/{path.name}: {rtype}.{label.strip(chr(34))}"
                        if rtype not in schema[kind]:
                            problems.append(f"{where}: no such {kind[:-1].replace('_', ' ')}")
                            continue
                        problems += body_problems(where, body, schema[kind][rtype])
    return problems


MODULE_DIRS = sorted(p for p in AZURE.iterdir() if p.is_dir())


def test_every_layer_and_the_shared_parts_are_there():
    names = {p.name for p in MODULE_DIRS}
    assert names == {
        "_function_app",
        "setup",
        "l1",
        "l2",
        "l3_hot",
        "l3_cold",
        "l3_archive",
        "l4",
        "l5",
    }


@pytest.mark.parametrize("folder", MODULE_DIRS, ids=lambda p: p.name)
def test_every_resource_matches_the_azurerm_schema(folder):
    assert module_problems(folder, _schema()) == []


def test_the_trimmed_schema_covers_every_type_the_modules_use():
    schema = _schema()
    for folder in MODULE_DIRS:
        for path in folder.glob("*.tf"):
            document = hcl2.loads(path.read_text(encoding="utf-8"))
            for block in document.get("resource", []):
                for rtype in block:
                    assert rtype.strip('"') in schema["resources"], (path, rtype)


def test_the_check_catches_unknown_missing_and_misplaced(tmp_path):
    schema = _schema()
    (tmp_path / "main.tf").write_text(
        """
resource "azurerm_cosmosdb_sql_container" "hot" {
  name                = "hot"
  resource_group_name = "rg"
  account_name        = "acct"
  partition_key_path  = "/device_id"
  default_ttl         = 60
  indexing_policy {
    no_such_thing = true
  }
}
resource "azurerm_not_a_thing" "x" {
  name = "x"
}
""",
        encoding="utf-8",
    )
    problems = module_problems(tmp_path, schema)
    where = f"{tmp_path.name}/main.tf: azurerm_cosmosdb_sql_container.hot"
    assert f"{where}: unknown argument or block 'partition_key_path'" in problems
    assert f"{where}: required 'partition_key_paths' is not set" in problems
    assert f"{where}: required 'database_name' is not set" in problems
    assert f"{where}.indexing_policy: unknown argument or block 'no_such_thing'" in problems
    assert any("azurerm_not_a_thing.x: no such resource" in p for p in problems)


def test_the_modules_only_need_azurerm_4():
    for folder in MODULE_DIRS:
        versions = hcl2.loads((folder / "versions.tf").read_text(encoding="utf-8"))
        (providers,) = versions["terraform"][0]["required_providers"]
        assert providers["azurerm"]["version"].strip('"') == "~> 4.0", folder.name
        assert set(providers) - PARSER_KEYS == {"azurerm"}, folder.name


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_the_modules_are_terraform_fmt_clean():
    run = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", str(AZURE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
