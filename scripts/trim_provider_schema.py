"""Trim a provider's input schema to the resource and data source types dtwin's modules use.

The full azurerm input schema (``../shared/provider-schemas/azurerm-4.55.0.inputs.json.gz``,
tens of megabytes) cannot be shipped with the tests; the trimmed copy under
``tests/iac/schemas/`` holds every argument and nested block of the types the modules of
one cloud declare (found by parsing them), without the documentation text. Rerun after a
module starts using a new type:

    .venv/bin/python scripts/trim_provider_schema.py \\
        ../shared/provider-schemas/azurerm-4.55.0.inputs.json.gz terraform/modules/azure \\
        tests/iac/schemas/azurerm-4.55.0.inputs.trimmed.json
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import hcl2


def used_types(modules: Path) -> dict[str, set[str]]:
    """``{"resources": {...}, "data_sources": {...}}``: the types the modules declare."""
    out: dict[str, set[str]] = {"resources": set(), "data_sources": set()}
    for path in sorted(modules.rglob("*.tf")):
        document = hcl2.loads(path.read_text(encoding="utf-8"))
        for section, key in (("resource", "resources"), ("data", "data_sources")):
            for block in document.get(section, []):
                out[key].update(name.strip('"') for name in block)
    return out


def trim(schema: dict, types: dict[str, set[str]]) -> dict:
    out: dict[str, dict] = {}
    for key, names in types.items():
        section = schema[key]
        missing = sorted(n for n in names if n not in section)
        if missing:
            raise SystemExit(f"not in the provider schema ({key}): {', '.join(missing)}")
        out[key] = {
            name: {
                arg: {"required": spec["required"], "type": spec["type"]}
                for arg, spec in sorted(section[name].items())
            }
            for name in sorted(names)
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", type=Path, help="the provider's *.inputs.json.gz")
    parser.add_argument("modules", type=Path, help="the cloud's modules folder")
    parser.add_argument("out", type=Path, help="where the trimmed JSON goes")
    args = parser.parse_args(argv)
    with gzip.open(args.schema, "rt", encoding="utf-8") as handle:
        schema = json.load(handle)
    trimmed = {"source": args.schema.name, **trim(schema, used_types(args.modules))}
    args.out.write_text(json.dumps(trimmed, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    counts = {k: len(v) for k, v in trimmed.items() if isinstance(v, dict)}
    print(f"wrote {args.out} ({counts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
