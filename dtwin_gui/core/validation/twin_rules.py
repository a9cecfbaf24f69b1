"""The twin hierarchy for the chosen L4 cloud, state machines and 3D scene assets."""

from __future__ import annotations

import math

import yaml
from pydantic import TypeAdapter

from dtwin_gui.core import project as files
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.schema import AwsHierarchyNode, AzureHierarchyFile
from dtwin_gui.core.validation.context import Context
from dtwin_gui.core.validation.schema_check import check_schema

DEVICE_ID_PROPERTY = "device_id"

_AWS_TREE = TypeAdapter(list[AwsHierarchyNode])


def check_hierarchy(ctx: Context, l4: Cloud | None, devices: dict[str, dict[str, str]]) -> None:
    if l4 is Cloud.AWS:
        _check_aws(ctx, devices)
    elif l4 is Cloud.AZURE:
        _check_azure(ctx, devices)


def _check_aws(ctx: Context, devices: dict[str, dict[str, str]]) -> None:
    rel = files.AWS_HIERARCHY
    doc = ctx.json(rel)
    if doc is None:
        if not ctx.exists(rel):
            ctx.error(
                rel,
                "",
                "L4 is on AWS but the TwinMaker hierarchy is missing",
                "create twin_hierarchy/aws_hierarchy.json: an array of entities whose "
                "components name devices",
                code="hierarchy-missing",
            )
        return
    if not check_schema(ctx, rel, doc.value, _AWS_TREE):
        return
    seen_entities: dict[str, tuple] = {}
    bound: set[str] = set()

    def walk(nodes: list, path: tuple) -> None:
        names: set[str] = set()
        for j, node in enumerate(nodes):
            here = (*path, j)
            if node["type"] == "entity":
                if node["id"] in seen_entities:
                    ctx.error(
                        rel,
                        (*here, "id"),
                        f"entity id {node['id']!r} is used twice",
                        "entity ids must be unique across the hierarchy",
                        code="entity-duplicate",
                    )
                seen_entities.setdefault(node["id"], here)
                walk(node.get("children", []), (*here, "children"))
                continue
            if node["name"] in names:
                ctx.error(
                    rel,
                    (*here, "name"),
                    f"component name {node['name']!r} is used twice in this entity",
                    "give each component of an entity its own name",
                    code="component-duplicate",
                )
            names.add(node["name"])
            _check_component_properties(ctx, rel, here, node, devices)
            device = node.get("iotDeviceId")
            if device is not None:
                if device not in devices:
                    ctx.error(
                        rel,
                        (*here, "iotDeviceId"),
                        f"component binds device {device!r}, which does not exist",
                        _known(devices),
                        code="component-device",
                    )
                bound.add(device)
            elif node.get("componentTypeId") is None:
                ctx.error(
                    rel,
                    here,
                    "a component needs 'iotDeviceId' or 'componentTypeId'",
                    'bind it to a device with "iotDeviceId"',
                    code="component-binding",
                )

    if path_root := doc.value:
        walk(path_root, ())
    for device in devices:
        if device not in bound:
            ctx.warning(
                rel,
                (),
                f"device {device!r} appears in no entity of the hierarchy",
                'add a component with "iotDeviceId": "' + device + '" to an entity '
                "so the twin shows its data",
                code="device-unplaced",
            )


def _check_component_properties(
    ctx: Context, rel: str, here: tuple, node: dict, devices: dict[str, dict[str, str]]
) -> None:
    """``properties``/``constProperties`` of a component: unique names, values of their
    type, and the same type as the bound device gives a property of that name."""
    declared = devices.get(node.get("iotDeviceId"), {})
    seen: set[str] = set()
    for key, value_key in (("properties", "initValue"), ("constProperties", "value")):
        for k, prop in enumerate(node.get(key, [])):
            where = (*here, key, k)
            name, data_type = prop["name"], prop["dataType"]
            if name in seen or name == DEVICE_ID_PROPERTY:
                ctx.error(
                    rel,
                    (*where, "name"),
                    f"component {node['name']!r} names property {name!r} twice"
                    if name in seen
                    else f"{DEVICE_ID_PROPERTY!r} is set by dtwin for every device component",
                    "give each property of a component its own name",
                    code="component-property-duplicate",
                )
            seen.add(name)
            if name in declared and declared[name] != data_type:
                ctx.error(
                    rel,
                    (*where, "dataType"),
                    f"property {name!r} is {data_type} here but {declared[name]} on device "
                    f"{node['iotDeviceId']!r}",
                    f"use {declared[name]}, or another name for a new property",
                    code="component-property-type",
                )
            value = prop.get(value_key)
            if value is not None and not _fits(value, data_type):
                ctx.error(
                    rel,
                    (*where, value_key),
                    f"{value!r} is not a {data_type} value",
                    f"write a {data_type.lower()} value, or change dataType",
                    code="component-property-value",
                )


def _fits(value: object, data_type: str) -> bool:
    """Whether ``value`` can be a TwinMaker value of ``data_type`` (a STRING takes any)."""
    if data_type == "STRING":
        return True
    if data_type == "BOOLEAN":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if data_type == "DOUBLE":
        return math.isfinite(value)
    return isinstance(value, int) or value.is_integer()


def _check_azure(ctx: Context, devices: dict[str, dict[str, str]]) -> None:
    rel = files.AZURE_HIERARCHY
    doc = ctx.json(rel)
    if doc is None:
        if not ctx.exists(rel):
            ctx.error(
                rel,
                "",
                "L4 is on Azure but the Digital Twins hierarchy is missing",
                "create twin_hierarchy/azure_hierarchy.json with models, twins and relationships",
                code="hierarchy-missing",
            )
        return
    if not check_schema(ctx, rel, doc.value, AzureHierarchyFile):
        return
    data = doc.value
    models: dict[str, set[str]] = {}
    for j, model in enumerate(data["models"]):
        if model["@id"] in models:
            ctx.error(
                rel,
                ("models", j, "@id"),
                f"model {model['@id']!r} is defined twice",
                "model ids must be unique",
                code="model-duplicate",
            )
        contents = model.get("contents") if isinstance(model.get("contents"), list) else []
        models[model["@id"]] = {
            c.get("name")
            for c in contents
            if isinstance(c, dict) and c.get("@type") == "Relationship"
        }
    twins: dict[str, str] = {}
    for j, twin in enumerate(data.get("twins", [])):
        dt_id, model = twin["$dtId"], twin["$metadata"]["$model"]
        if dt_id in twins:
            ctx.error(
                rel,
                ("twins", j, "$dtId"),
                f"twin {dt_id!r} is defined twice",
                "twin ids must be unique",
                code="twin-duplicate",
            )
        twins[dt_id] = model
        if model not in models:
            ctx.error(
                rel,
                ("twins", j, "$metadata", "$model"),
                f"twin {dt_id!r} uses model {model!r}, which is not defined",
                'add the model to "models" or fix the id',
                code="twin-model",
            )
    rel_ids: set[str] = set()
    for j, link in enumerate(data.get("relationships", [])):
        here = ("relationships", j)
        for key in ("$dtId", "$targetId"):
            if link[key] not in twins:
                ctx.error(
                    rel,
                    (*here, key),
                    f"relationship end {link[key]!r} is not a twin",
                    'use the $dtId of a twin listed under "twins"',
                    code="relationship-end",
                )
        if link["$relationshipId"] in rel_ids:
            ctx.error(
                rel,
                (*here, "$relationshipId"),
                f"relationship id {link['$relationshipId']!r} is used twice",
                "make it unique",
                code="relationship-duplicate",
            )
        rel_ids.add(link["$relationshipId"])
        source_model = twins.get(link["$dtId"])
        declared = models.get(source_model, set())
        if source_model in models and link["$relationshipName"] not in declared:
            ctx.error(
                rel,
                (*here, "$relationshipName"),
                f"model {source_model!r} declares no relationship {link['$relationshipName']!r}",
                'declare it in the model\'s contents as {"@type": "Relationship", "name": ...}',
                code="relationship-name",
            )
    for device in devices:
        if device not in twins:
            ctx.warning(
                rel,
                ("twins",),
                f"device {device!r} has no twin",
                f'add a twin with "$dtId": "{device}"',
                code="device-unplaced",
            )


def check_state_machine(ctx: Context, l2: Cloud | None, features: dict[str, bool]) -> None:
    if l2 is None or not features.get("trigger_notification_workflow"):
        return
    found = files.state_machine_files(ctx.root, l2)
    if not found:
        rel = files.STATE_MACHINE_FILES[l2]
        also = " (or its YAML form, .yaml)" if l2 is Cloud.GOOGLE else ""
        ctx.error(
            rel,
            "",
            f"workflows are on and L2 is {l2}, but the state machine is missing",
            f"create {rel}{also}, or set trigger_notification_workflow to false",
            code="state-machine-missing",
        )
        return
    rel, *others = found
    for other in others:
        ctx.warning(
            other,
            "",
            f"{rel} is the workflow dtwin deploys; this file is not used",
            f"delete one of the two so it is clear which workflow runs (keep {rel} or this one)",
            code="state-machine-duplicate",
        )
    if rel.endswith((".yaml", ".yml")):
        data = _load_yaml(ctx, rel)
        if data is _BROKEN:
            return
    else:
        doc = ctx.json(rel)
        if doc is None:
            return
        data = doc.value
    if not isinstance(data, dict):
        ctx.error(
            rel,
            (),
            "the state machine must be an object (a mapping in YAML)",
            "see the cloud's docs",
            code="state-machine-shape",
        )
        return
    if l2 is Cloud.AWS:
        states = data.get("States")
        if not isinstance(states, dict) or not states:
            ctx.error(
                rel,
                ("States",) if "States" in data else (),
                'an AWS Step Functions definition needs a non-empty "States" object',
                'add "States": {"Notify": {"Type": "Pass", "End": true}}',
                code="state-machine-shape",
            )
        start = data.get("StartAt")
        if not isinstance(start, str):
            ctx.error(
                rel,
                (),
                'an AWS Step Functions definition needs "StartAt"',
                'add "StartAt": "<first state name>"',
                code="state-machine-shape",
            )
        elif isinstance(states, dict) and start not in states:
            ctx.error(
                rel,
                ("StartAt",),
                f"StartAt names {start!r}, which is not a state",
                f"use one of: {', '.join(states)}",
                code="state-machine-shape",
            )
    elif l2 is Cloud.AZURE:
        if not isinstance(data.get("definition"), dict):
            ctx.error(
                rel,
                (),
                'an Azure Logic App file needs a "definition" object',
                "export the workflow definition from the Logic App designer",
                code="state-machine-shape",
            )
    else:
        main = data.get("main")
        if not isinstance(main, dict) or not isinstance(main.get("steps"), list):
            ctx.error(
                rel,
                ("main",) if "main" in data else (),
                'a Google Cloud Workflow needs "main": {"steps": [...]}',
                "add the workflow's steps under main.steps",
                code="state-machine-shape",
            )


_BROKEN = object()


def _load_yaml(ctx: Context, rel: str) -> object:
    """``rel`` read with a safe YAML loader (no code runs), or ``_BROKEN`` (reported)."""
    try:
        text = (ctx.root / rel).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        ctx.error(rel, "", f"not UTF-8 text ({exc.reason})", "save it as UTF-8", code="encoding")
        return _BROKEN
    except OSError as exc:
        ctx.error(
            rel, "", f"cannot read it: {exc.strerror}", "check its permissions", code="unreadable"
        )
        return _BROKEN
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        ctx.error(
            rel,
            "",
            f"invalid YAML: {exc.problem or exc.context}",
            "fix the syntax at this position (indent with spaces, one key per line, quote "
            "values that contain ': ')",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            code="yaml-syntax",
        )
    except (yaml.YAMLError, RecursionError) as exc:
        ctx.error(rel, "", f"invalid YAML: {exc}", "fix the file's syntax", code="yaml-syntax")
    return _BROKEN


def check_scene_assets(ctx: Context, l4: Cloud | None, features: dict[str, bool]) -> None:
    if l4 not in files.SCENE_FILES or not features.get("needs_3d_model"):
        return
    for rel in files.SCENE_FILES[l4]:
        if not ctx.exists(rel):
            ctx.error(
                rel,
                "",
                f"the 3D scene is on and L4 is {l4}, but this asset is missing",
                f"add {rel}, or set needs_3d_model to false",
                code="scene-missing",
            )
        elif rel.endswith(".json"):
            ctx.json(rel)


def _known(devices) -> str:
    return f"known devices: {', '.join(sorted(devices))}" if devices else "no devices are defined"
