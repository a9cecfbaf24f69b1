"""The twin hierarchy for the chosen L4 cloud, state machines and 3D scene assets."""

from __future__ import annotations

from pydantic import TypeAdapter

from dtwin_gui.core import project as files
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.schema import AwsHierarchyNode, AzureHierarchyFile
from dtwin_gui.core.validation.context import Context
from dtwin_gui.core.validation.schema_check import check_schema

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
    rel = files.STATE_MACHINE_FILES[l2]
    doc = ctx.json(rel)
    if doc is None:
        if not ctx.exists(rel):
            ctx.error(
                rel,
                "",
                f"workflows are on and L2 is {l2}, but the state machine is missing",
                f"create {rel}, or set trigger_notification_workflow to false",
                code="state-machine-missing",
            )
        return
    data = doc.value
    if not isinstance(data, dict):
        ctx.error(
            rel,
            (),
            "the state machine must be a JSON object",
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
