"""The twin hierarchies of an older project.

* ``config_hierarchy.json`` (the TwinMaker hierarchy before the older tool moved it to
  ``twin_hierarchy/aws_hierarchy.json``; the same array of entity and component nodes) becomes
  ``twin_hierarchy/aws_hierarchy.json``. When both exist, the newer file is kept and the report
  says so.
* In both hierarchies, property names renamed on import (``serial-number`` ->
  ``serial_number``) are renamed too: the ``properties``/``constProperties`` of TwinMaker
  components, the ``contents`` of DTDL models and the property values of Digital Twins.

Each file is screened for secrets first, like every file an import copies.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from dtwin_gui.core.importer.processors import Output
from dtwin_gui.core.importer.screening import screen
from dtwin_gui.core.project import AWS_HIERARCHY, AZURE_HIERARCHY

OLD_AWS_HIERARCHY = "config_hierarchy.json"
HIERARCHY_SOURCES = (OLD_AWS_HIERARCHY, AWS_HIERARCHY, AZURE_HIERARCHY)
_COMPONENT_LISTS = ("properties", "constProperties")
_DTDL_NAMED = {"Property", "Telemetry", "Component"}


def convert_hierarchies(
    present: set[str], read: Callable[[str], bytes], renames: dict[str, str]
) -> tuple[Output, set[str]]:
    """Convert the hierarchy files among ``present``; return the output and the files used."""
    claimed = {rel for rel in HIERARCHY_SOURCES if rel in present}
    output = Output()
    clean: dict[str, bytes] = {}
    for rel in sorted(claimed):
        data = read(rel)
        reason = screen(rel, data)
        if reason:
            output.note(rel, None, "skipped", reason)
        else:
            clean[rel] = data
    aws = AWS_HIERARCHY if AWS_HIERARCHY in clean else None
    if OLD_AWS_HIERARCHY in clean:
        if aws:
            output.note(
                OLD_AWS_HIERARCHY,
                None,
                "ignored",
                f"the older name of the TwinMaker hierarchy; {AWS_HIERARCHY} exists too and was "
                "kept (compare the two if they differ)",
            )
        else:
            aws = OLD_AWS_HIERARCHY
    if aws:
        _convert(output, aws, AWS_HIERARCHY, clean[aws], renames, rename_aws)
    if AZURE_HIERARCHY in clean:
        _convert(
            output, AZURE_HIERARCHY, AZURE_HIERARCHY, clean[AZURE_HIERARCHY], renames, rename_azure
        )
    return output, claimed


def _convert(
    output: Output,
    source: str,
    target: str,
    raw: bytes,
    renames: dict[str, str],
    rename: Callable[[object, dict[str, str]], list[str]],
) -> None:
    moved = [f"moved from {source} (the older tool's name for it)"] if source != target else []
    try:
        value = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        problem = f"not valid JSON ({exc})"
        output.write(source, target, raw, "needs-attention", f"{problem}; copied, fix it by hand")
        return
    changes = moved + rename(value, renames)
    if not changes:
        output.write(source, target, raw, "copied", "")
        return
    data = (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    output.write(source, target, data, "converted", "; ".join(changes))


def _renamed(names: dict[str, str], done: list[str]) -> str:
    return (
        "property names renamed like the devices' ("
        + ", ".join(f"{old} -> {names[old]}" for old in dict.fromkeys(done))
        + ")"
    )


def rename_aws(nodes: object, renames: dict[str, str]) -> list[str]:
    """Rename, in place, the component property names found in ``renames``."""
    done: list[str] = []

    def walk(items: object) -> None:
        for node in items if isinstance(items, list) else []:
            if not isinstance(node, dict):
                continue
            for key in _COMPONENT_LISTS:
                for prop in node.get(key) if isinstance(node.get(key), list) else []:
                    name = prop.get("name") if isinstance(prop, dict) else None
                    if isinstance(name, str) and name in renames:
                        prop["name"] = renames[name]
                        done.append(name)
            walk(node.get("children"))

    walk(nodes)
    return [_renamed(renames, done)] if done else []


def rename_azure(doc: object, renames: dict[str, str]) -> list[str]:
    """Rename, in place, DTDL content names and twin property keys found in ``renames``."""
    if not isinstance(doc, dict):
        return []
    done: list[str] = []
    for model in doc.get("models") if isinstance(doc.get("models"), list) else []:
        contents = model.get("contents") if isinstance(model, dict) else None
        for item in contents if isinstance(contents, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            kinds = item.get("@type")
            kinds = set(kinds) if isinstance(kinds, list) else {kinds}
            if kinds & _DTDL_NAMED and item["name"] in renames:
                done.append(item["name"])
                item["name"] = renames[item["name"]]
    for twin in doc.get("twins") if isinstance(doc.get("twins"), list) else []:
        if not isinstance(twin, dict):
            continue
        for old in [key for key in twin if key in renames and renames[key] not in twin]:
            twin[renames[old]] = twin.pop(old)
            done.append(old)
    return [_renamed(renames, done)] if done else []
