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
    present: set[str],
    read: Callable[[str], bytes],
    renames: dict[str, str],
    device_types: dict[str, str] | None = None,
) -> tuple[Output, set[str]]:
    """Convert the hierarchy files among ``present``; return the output and the files used.

    ``device_types``: the component type id the older tool gave each device
    (``<twin name>-<device id>``) -> the device id.
    """
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
        types = device_types or {}
        _convert(
            output, aws, AWS_HIERARCHY, clean[aws], renames, lambda v, r: rename_aws(v, r, types)
        )
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


def older_device_types(config: object, device_ids: list[str]) -> dict[str, str]:
    """The component type id the older tool made for each device (``<twin>-<device>``, the
    twin name from ``config``, the parsed config.json) -> the device id."""
    twin_name = config.get("digital_twin_name") if isinstance(config, dict) else None
    if not isinstance(twin_name, str) or not twin_name:
        return {}
    return {f"{twin_name}-{device}": device for device in device_ids}


def rename_aws(
    nodes: object, renames: dict[str, str], device_types: dict[str, str] | None = None
) -> list[str]:
    """Rename, in place, the component property names found in ``renames``; a component
    naming a device by the older tool's type id (``componentTypeId: <twin>-<device>``) binds
    the device with ``iotDeviceId`` instead (dtwin makes one type per device)."""
    done: list[str] = []
    bound: list[str] = []

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
            type_id = node.get("componentTypeId")
            if (
                node.get("type") == "component"
                and "iotDeviceId" not in node
                and isinstance(type_id, str)
                and type_id in (device_types or {})
            ):
                node["iotDeviceId"] = device_types[type_id]
                del node["componentTypeId"]
                bound.append(type_id)
            walk(node.get("children"))

    walk(nodes)
    changes = [_renamed(renames, done)] if done else []
    if bound:
        changes.append(
            "components of the older per-device types ("
            + ", ".join(dict.fromkeys(bound))
            + ") bind their device with iotDeviceId"
        )
    return changes


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
