"""L4 AWS IoT TwinMaker: workspace, component types, entities (no Terraform resource exists).

* workspace ``<twin>-twin`` (the topology's name) with the role and bucket Terraform made;
* one component type per device, ``com.dtwin.device.<device>``: each device property is a
  time-series property stored externally and typed from its ``dataType``; constant
  properties are static with their value as default; ``device_id`` names the device. The
  ``dataReader`` function is the hot reader Lambda (or its proxy when L3 hot is on another
  cloud), which answers TwinMaker's ``DataReaderByEntity`` request
  (:func:`dtwin_gui.runtime.core.hot_read.twinmaker_response`);
* entities from ``twin_hierarchy/aws_hierarchy.json`` with their parents; component nodes with
  ``iotDeviceId`` become components of the device's type with ``device_id`` set, nodes with
  ``componentTypeId`` components of that type; their ``properties``/``constProperties`` are
  written into the component (:mod:`dtwin_gui.clouds.aws.sdk.twinmaker_model`, which builds the
  requests and the comparisons).

Everything is create-or-update; what the project no longer has is removed (entities children
first, then unused component types). Destroy deletes the whole workspace content, then the
workspace. TwinMaker works asynchronously (CREATING/UPDATING/DELETING), so each change is
awaited before the next depends on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dtwin_gui.clouds.aws.sdk.context import (
    OUT_TWINMAKER_BUCKET,
    OUT_TWINMAKER_CONNECTOR_ARN,
    OUT_TWINMAKER_ROLE_ARN,
    OUT_TWINMAKER_WORKSPACE,
    Probe,
    SdkContext,
    SdkError,
    describe_error,
    error_code,
    hint_for,
    is_not_found,
)
from dtwin_gui.clouds.aws.sdk.state import SdkState, TwinMakerRecord
from dtwin_gui.clouds.aws.sdk.twinmaker_model import (
    DEVICE_ID_PROPERTY,
    READER_FUNCTION,
    ROOT,
    TYPE_PREFIX,
    ComponentSpec,
    EntitySpec,
    PropertySpec,
    component_request,
    component_type_body,
    component_type_id,
    entity_plan,
    read_hierarchy,
    type_differences,
)
from dtwin_gui.core.project import AWS_HIERARCHY
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.resource_names import TWINMAKER_WORKSPACE
from dtwin_gui.core.topology import HOT_READER, HOT_READER_PROXY, Topology

LAYER = Slot.L4
K_WORKSPACE = "twinmaker-workspace"
K_TYPE = "twinmaker-component-type"
K_ENTITY = "twinmaker-entity"
TAG_KEY = "dtwin:twin"
__all__ = [
    "DEVICE_ID_PROPERTY",
    "READER_FUNCTION",
    "TYPE_PREFIX",
    "ComponentSpec",
    "EntitySpec",
    "PropertySpec",
    "component_type_body",
    "component_type_id",
    "destroy_twinmaker",
    "ensure_twinmaker",
    "probe_twinmaker",
    "read_hierarchy",
    "workspace_id",
]
#: How long to wait for TwinMaker's asynchronous work (seconds).
WAIT_TIMEOUT = 300.0


# --------------------------------------------------------------------------- names and model


def workspace_id(topology: Topology) -> str:
    """The TwinMaker workspace of a twin (the topology's name for it)."""
    return topology.name_of(TWINMAKER_WORKSPACE, Cloud.AWS)


def deployed_workspace_id(ctx: SdkContext) -> str:
    """The workspace name Terraform's outputs give, else the topology's."""
    return ctx.output(OUT_TWINMAKER_WORKSPACE, required=False) or workspace_id(ctx.topology)


# --------------------------------------------------------------------------- waiting


def _wait(
    read: Callable[[], dict | None], what: str, done: Callable[[dict | None], bool]
) -> dict | None:
    """Poll ``read`` until ``done``; TwinMaker's ERROR state and a timeout are SdkErrors."""
    deadline = time.monotonic() + WAIT_TIMEOUT
    delay = 0.5
    while True:
        current = read()
        status = (current or {}).get("status") or {}
        if status.get("state") == "ERROR":
            error = status.get("error") or {}
            raise SdkError(
                f"TwinMaker {what} is in ERROR: {error.get('message') or error.get('code')}",
                "fix the cause named here and deploy again",
            )
        if done(current):
            return current
        if time.monotonic() > deadline:
            raise SdkError(
                f"TwinMaker {what} did not settle within {WAIT_TIMEOUT:.0f} s",
                "deploy again; the steps continue where they stopped",
            )
        time.sleep(delay)
        delay = min(delay * 2, 5.0)


def _active(current: dict | None) -> bool:
    return current is not None and (current.get("status") or {}).get("state", "ACTIVE") == "ACTIVE"


def _gone(current: dict | None) -> bool:
    return current is None


def _getter(call: Callable[[], dict]) -> Callable[[], dict | None]:
    def read() -> dict | None:
        try:
            return call()
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise

    return read


# --------------------------------------------------------------------------- deploy


def connector_arn(ctx: SdkContext) -> str:
    """The data connector Lambda's ARN (Terraform output, else looked up by name)."""
    arn = ctx.output(OUT_TWINMAKER_CONNECTOR_ARN, required=False)
    if arn:
        return arn
    role = HOT_READER_PROXY if ctx.topology.boundary("l4-l3hot-reader") else HOT_READER
    function = ctx.topology.function(Cloud.AWS, role)
    if function is None:
        raise SdkError(f"the topology has no AWS {role} to serve TwinMaker")
    name = ctx.topology.deployed_name(function)
    try:
        found = ctx.client("lambda").get_function(FunctionName=name)
    except Exception as exc:
        raise SdkError(
            f"TwinMaker data connector: cannot find the Lambda {name} ({describe_error(exc)})",
            "Terraform creates it in the L3 hot module; run the deploy again",
        ) from exc
    return found["Configuration"]["FunctionArn"]


def ensure_twinmaker(ctx: SdkContext, state: SdkState) -> None:
    """Create or update the workspace and its content to match the project."""
    ws = deployed_workspace_id(ctx)
    if state.twinmaker and state.twinmaker.workspace_id != ws:
        ctx.log(
            "info", f"the TwinMaker workspace is now {ws}; removing {state.twinmaker.workspace_id}"
        )
        left = destroy_twinmaker(ctx, state, only_recorded=True)
        if left:
            raise SdkError(
                "could not remove the previous TwinMaker workspace: " + "; ".join(left),
                "delete it in the AWS console, then deploy again",
            )
    entities = read_hierarchy(ctx.project)
    role = ctx.output(OUT_TWINMAKER_ROLE_ARN)
    bucket = ctx.output(OUT_TWINMAKER_BUCKET)
    connector = connector_arn(ctx)
    try:
        _ensure_workspace(ctx, state, ws, role, bucket)
        wanted_types = {
            component_type_id(d.id): component_type_body(d, connector) for d in ctx.project.devices
        }
        for type_id, body in wanted_types.items():
            _ensure_type(ctx, state, ws, type_id, body)
        for spec in entities:
            _ensure_entity(ctx, state, ws, spec)
        _remove_stale(ctx, state, ws, {e.id for e in entities}, set(wanted_types))
    except SdkError:
        raise
    except Exception as exc:
        raise SdkError(
            f"TwinMaker workspace {ws}: {describe_error(exc)}", hint_for(exc, "IoT TwinMaker")
        ) from exc


def _ensure_workspace(ctx: SdkContext, state: SdkState, ws: str, role: str, bucket: str) -> None:
    tm = ctx.client("iottwinmaker")
    partition = role.split(":")[1] if role.startswith("arn:") else "aws"
    wanted = {
        "role": role,
        "s3Location": f"arn:{partition}:s3:::{bucket}",
        "description": f"dtwin digital twin {ctx.twin}",
    }
    current = _getter(lambda: tm.get_workspace(workspaceId=ws))()
    if current is None:
        with ctx.step(LAYER, K_WORKSPACE, ws, "create"):
            tm.create_workspace(workspaceId=ws, tags={TAG_KEY: ctx.twin}, **wanted)
            _wait(_getter(lambda: tm.get_workspace(workspaceId=ws)), f"workspace {ws}", _active)
    elif any((current.get(k) or "") != v for k, v in wanted.items()):
        with ctx.step(LAYER, K_WORKSPACE, ws, "update"):
            tm.update_workspace(workspaceId=ws, **wanted)
    else:
        ctx.unchanged(LAYER, K_WORKSPACE, ws)
    if state.twinmaker is None:
        state.twinmaker = TwinMakerRecord(ws)
        state.save(ctx.workspace)


def _remember(ctx: SdkContext, state: SdkState, attribute: str, name: str) -> None:
    names = getattr(state.twinmaker, attribute)
    if name not in names:
        names.append(name)
        state.save(ctx.workspace)


def _ensure_type(ctx: SdkContext, state: SdkState, ws: str, type_id: str, body: dict) -> None:
    tm = ctx.client("iottwinmaker")
    read = _getter(lambda: tm.get_component_type(workspaceId=ws, componentTypeId=type_id))
    current = read()
    if current is None:
        with ctx.step(LAYER, K_TYPE, type_id, "create"):
            tm.create_component_type(workspaceId=ws, componentTypeId=type_id, **body)
            _remember(ctx, state, "component_types", type_id)
            _wait(read, f"component type {type_id}", _active)
    elif type_differences(current, body):
        with ctx.step(LAYER, K_TYPE, type_id, "update"):
            tm.update_component_type(workspaceId=ws, componentTypeId=type_id, **body)
            _wait(read, f"component type {type_id}", _active)
    else:
        ctx.unchanged(LAYER, K_TYPE, type_id)
    _remember(ctx, state, "component_types", type_id)


def _ensure_entity(ctx: SdkContext, state: SdkState, ws: str, spec: EntitySpec) -> None:
    tm = ctx.client("iottwinmaker")
    read = _getter(lambda: tm.get_entity(workspaceId=ws, entityId=spec.id))
    current = read()
    if current is None:
        with ctx.step(LAYER, K_ENTITY, spec.id, "create"):
            tm.create_entity(
                workspaceId=ws,
                entityId=spec.id,
                entityName=spec.id,
                parentEntityId=spec.parent or ROOT,
                components={n: component_request(c) for n, c in spec.components.items()},
                tags={TAG_KEY: ctx.twin},
            )
            _remember(ctx, state, "entities", spec.id)
            _wait(read, f"entity {spec.id}", _active)
    else:
        plan = entity_plan(current, spec)
        if not plan.differences:
            ctx.unchanged(LAYER, K_ENTITY, spec.id)
        else:
            with ctx.step(LAYER, K_ENTITY, spec.id, "update"):
                ctx.log("info", f"entity {spec.id}: " + "; ".join(plan.differences))
                tm.update_entity(workspaceId=ws, entityId=spec.id, **plan.update)
                _wait(read, f"entity {spec.id}", _active)
                if plan.recreate:
                    tm.update_entity(
                        workspaceId=ws, entityId=spec.id, componentUpdates=plan.recreate
                    )
                    _wait(read, f"entity {spec.id}", _active)
    _remember(ctx, state, "entities", spec.id)


def _remove_stale(
    ctx: SdkContext, state: SdkState, ws: str, entities: set[str], types: set[str]
) -> None:
    """Delete what dtwin made earlier and the project no longer has (children first)."""
    tm = ctx.client("iottwinmaker")
    record = state.twinmaker
    for entity_id in [e for e in reversed(record.entities) if e not in entities]:
        read = _getter(lambda e=entity_id: tm.get_entity(workspaceId=ws, entityId=e))
        if read() is not None:
            with ctx.step(LAYER, K_ENTITY, entity_id, "delete"):
                tm.delete_entity(workspaceId=ws, entityId=entity_id, isRecursive=False)
                _wait(read, f"entity {entity_id}", _gone)
        record.entities.remove(entity_id)
        state.save(ctx.workspace)
    for type_id in [t for t in reversed(record.component_types) if t not in types]:
        read = _getter(lambda t=type_id: tm.get_component_type(workspaceId=ws, componentTypeId=t))
        if read() is not None:
            with ctx.step(LAYER, K_TYPE, type_id, "delete"):
                tm.delete_component_type(workspaceId=ws, componentTypeId=type_id)
                _wait(read, f"component type {type_id}", _gone)
        record.component_types.remove(type_id)
        state.save(ctx.workspace)


# --------------------------------------------------------------------------- destroy


def _paged(call: Callable[..., dict], key: str, **kwargs) -> list[dict]:
    out: list[dict] = []
    token = None
    while True:
        page = call(**kwargs, **({"nextToken": token} if token else {}))
        out.extend(page.get(key, []))
        token = page.get("nextToken")
        if not token:
            return out


def destroy_twinmaker(
    ctx: SdkContext, state: SdkState, *, only_recorded: bool = False
) -> list[str]:
    """Delete the workspace's entities, component types and the workspace itself."""
    ids = []
    if state.twinmaker:
        ids.append(state.twinmaker.workspace_id)
    if not only_recorded and ctx.on_aws(LAYER) and deployed_workspace_id(ctx) not in ids:
        ids.append(deployed_workspace_id(ctx))
    left: list[str] = []
    for ws in ids:
        left.extend(_destroy_workspace(ctx, ws))
    if not left:
        state.twinmaker = None
        state.save(ctx.workspace)
    return left


def _destroy_workspace(ctx: SdkContext, ws: str) -> list[str]:
    tm = ctx.client("iottwinmaker")
    try:
        if _getter(lambda: tm.get_workspace(workspaceId=ws))() is None:
            return []
        left = _delete_entities(ctx, ws)
        if left:
            return left
        left = _delete_types(ctx, ws)
        if left:
            return left
        with ctx.step(LAYER, K_WORKSPACE, ws, "delete"):
            tm.delete_workspace(workspaceId=ws)
            _wait(_getter(lambda: tm.get_workspace(workspaceId=ws)), f"workspace {ws}", _gone)
    except Exception as exc:
        return [f"TwinMaker workspace {ws} ({describe_error(exc)})"]
    return []


def _delete_entities(ctx: SdkContext, ws: str) -> list[str]:
    """Delete every entity tree (recursively, from the roots) and wait until all are gone."""
    tm = ctx.client("iottwinmaker")
    entities = _paged(tm.list_entities, "entitySummaries", workspaceId=ws)
    if not entities:
        return []
    names = [e["entityId"] for e in entities]
    for name in names:
        ctx.report(LAYER, K_ENTITY, name, "delete", "deleting")
    started = time.monotonic()
    left: list[str] = []
    for entity in entities:
        if (entity.get("parentEntityId") or ROOT) != ROOT:
            continue
        try:
            tm.delete_entity(workspaceId=ws, entityId=entity["entityId"], isRecursive=True)
        except Exception as exc:
            if not is_not_found(exc):
                left.append(f"TwinMaker entity {entity['entityId']} ({describe_error(exc)})")
    try:
        _wait(
            lambda: {"items": _paged(tm.list_entities, "entitySummaries", workspaceId=ws)},
            f"workspace {ws} entity deletion",
            lambda page: not page["items"],
        )
    except SdkError as exc:
        left.append(str(exc))
    remaining = {e["entityId"] for e in _paged(tm.list_entities, "entitySummaries", workspaceId=ws)}
    elapsed = time.monotonic() - started
    for name in names:
        if name in remaining:
            ctx.report(LAYER, K_ENTITY, name, "delete", "failed", elapsed, "still exists")
        else:
            ctx.report(LAYER, K_ENTITY, name, "delete", "deleted", elapsed)
    return left if remaining or left else []


def _delete_types(ctx: SdkContext, ws: str) -> list[str]:
    """Delete the workspace's own component types (those extending others last)."""
    tm = ctx.client("iottwinmaker")
    pending = [
        t["componentTypeId"]
        for t in _paged(tm.list_component_types, "componentTypeSummaries", workspaceId=ws)
        if not t["componentTypeId"].startswith("com.amazon.")
    ]
    errors: dict[str, str] = {}
    for _ in range(len(pending) + 1):  # a type extended by another goes in a later round
        if not pending:
            break
        retry = []
        for type_id in pending:
            read = _getter(
                lambda t=type_id: tm.get_component_type(workspaceId=ws, componentTypeId=t)
            )
            try:
                with ctx.step(LAYER, K_TYPE, type_id, "delete"):
                    tm.delete_component_type(workspaceId=ws, componentTypeId=type_id)
                    _wait(read, f"component type {type_id}", _gone)
            except Exception as exc:
                if is_not_found(exc):
                    continue
                errors[type_id] = describe_error(exc)
                if error_code(exc) == "ValidationException":
                    retry.append(type_id)
        if len(retry) == len(pending):
            break
        pending = retry
    return [f"TwinMaker component type {t} ({errors.get(t, 'not deleted')})" for t in pending]


# --------------------------------------------------------------------------- status


def probe_twinmaker(ctx: SdkContext, state: SdkState) -> list[Probe]:
    if not ctx.on_aws(LAYER):
        return []
    tm = ctx.client("iottwinmaker")
    ws = deployed_workspace_id(ctx)
    out: list[Probe] = []

    def add(kind: str, name: str, status: str, detail: str = "") -> None:
        out.append(Probe(str(LAYER), kind, name, status, detail))

    try:
        entities = read_hierarchy(ctx.project)
    except SdkError as exc:
        entities = []
        add(K_ENTITY, AWS_HIERARCHY, "error", str(exc))
    try:
        workspace = _getter(lambda: tm.get_workspace(workspaceId=ws))()
    except Exception as exc:
        add(K_WORKSPACE, ws, "error", describe_error(exc))
        return out
    if workspace is None:
        add(K_WORKSPACE, ws, "missing", "the TwinMaker workspace does not exist")
        for device in ctx.project.devices:
            add(K_TYPE, component_type_id(device.id), "missing", f"workspace {ws} is gone")
        for spec in entities:
            add(K_ENTITY, spec.id, "missing", f"workspace {ws} is gone")
        return out
    add(K_WORKSPACE, ws, "present", workspace.get("arn", ""))
    try:
        connector = connector_arn(ctx)
    except SdkError as exc:
        connector = ""
        ctx.log("warning", f"TwinMaker status: {exc}")
    for device in ctx.project.devices:
        type_id = component_type_id(device.id)
        try:
            current = _getter(
                lambda t=type_id: tm.get_component_type(workspaceId=ws, componentTypeId=t)
            )()
        except Exception as exc:
            add(K_TYPE, type_id, "error", describe_error(exc))
            continue
        if current is None:
            add(K_TYPE, type_id, "missing", "the component type does not exist")
            continue
        differences = type_differences(current, component_type_body(device, connector))
        if not connector:
            differences = [d for d in differences if d != "data reader function"]
        if differences:
            add(K_TYPE, type_id, "drifted", "; ".join(differences))
        else:
            add(K_TYPE, type_id, "present", f"{len(device.properties)} time-series properties")
    for spec in entities:
        try:
            current = _getter(lambda e=spec.id: tm.get_entity(workspaceId=ws, entityId=e))()
        except Exception as exc:
            add(K_ENTITY, spec.id, "error", describe_error(exc))
            continue
        if current is None:
            add(K_ENTITY, spec.id, "missing", "the entity does not exist")
            continue
        plan = entity_plan(current, spec)
        if plan.differences:
            add(K_ENTITY, spec.id, "drifted", "; ".join(plan.differences))
        else:
            add(K_ENTITY, spec.id, "present", f"{len(spec.components)} components")
    return out
