"""What the TwinMaker step wants: the project's hierarchy and devices as TwinMaker requests,
and how a deployed entity or component type differs from them.

A component node of ``twin_hierarchy/aws_hierarchy.json`` may carry ``properties`` and
``constProperties`` (as the older tool's hierarchies do). They are written into the component:

* a constant (``constProperties``) sets the component's value of that property; a property
  its component type does not define is added to the component with its definition;
* a ``properties`` entry the device streams already (a time-series property of the device's
  type) needs nothing; any other becomes a component property of its ``dataType``, with
  ``initValue`` as its value when given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dtwin_gui.clouds.aws.sdk.context import SdkError
from dtwin_gui.core.project import AWS_HIERARCHY, Device, Project
from dtwin_gui.runtime.core.hot_read import typed_value

TYPE_PREFIX = "com.dtwin.device."
DEVICE_ID_PROPERTY = "device_id"
READER_FUNCTION = "dataReader"
ROOT = "$ROOT"


def component_type_id(device_id: str) -> str:
    """The component type of a device."""
    return f"{TYPE_PREFIX}{device_id}"


@dataclass(frozen=True)
class PropertySpec:
    """A property a component sets: ``define`` when its type does not define it."""

    name: str
    data_type: str
    value: dict | None = None  # a TwinMaker DataValue
    define: bool = False

    def request(self) -> dict:
        out: dict = {}
        if self.define:
            out["definition"] = {"dataType": {"type": self.data_type}}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class ComponentSpec:
    type_id: str
    device_id: str | None = None
    properties: tuple[PropertySpec, ...] = ()


@dataclass(frozen=True)
class EntitySpec:
    id: str
    parent: str | None
    components: dict[str, ComponentSpec] = field(default_factory=dict)


def _component_properties(
    node: dict, streamed: set[str], defined: set[str]
) -> tuple[PropertySpec, ...]:
    """The ``properties``/``constProperties`` of a component node as property requests.

    ``streamed``: time-series properties of the component's type; ``defined``: every property
    the type defines (empty for a type dtwin does not make: then each property is defined).
    """
    out: dict[str, PropertySpec] = {}
    for key, value_key in (("properties", "initValue"), ("constProperties", "value")):
        items = node.get(key)
        for prop in items if isinstance(items, list) else []:
            if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
                continue
            name, data_type = prop["name"], str(prop.get("dataType") or "STRING").upper()
            if name == DEVICE_ID_PROPERTY or (key == "properties" and name in streamed):
                continue
            value = typed_value(prop.get(value_key), data_type)
            spec = PropertySpec(name, data_type, value, name not in defined)
            if spec.define or spec.value is not None:
                out[name] = spec
    return tuple(out.values())


def read_hierarchy(project: Project) -> list[EntitySpec]:
    """The entities of ``aws_hierarchy.json``, parents before children.

    Raises :class:`SdkError` when the file cannot be read (validation reports details).
    """
    path = project.root / AWS_HIERARCHY
    try:
        nodes = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise SdkError(
            f"{AWS_HIERARCHY}: cannot read the TwinMaker hierarchy ({exc})",
            "fix the file (dtwin validate shows where) and deploy again",
        ) from exc
    devices = {d.id: d for d in project.devices}
    out: list[EntitySpec] = []

    def component(node: dict) -> ComponentSpec | None:
        device_id = node.get("iotDeviceId")
        if isinstance(device_id, str):
            device = devices.get(device_id)
            streamed = {p.name for p in device.properties} if device else set()
            constant = {p.name for p in device.const_properties} if device else set()
            defined = streamed | constant | {DEVICE_ID_PROPERTY}
            props = _component_properties(node, streamed, defined)
            return ComponentSpec(component_type_id(device_id), device_id, props)
        if isinstance(node.get("componentTypeId"), str):
            return ComponentSpec(
                node["componentTypeId"], None, _component_properties(node, set(), set())
            )
        return None

    def walk(items: object, parent: str | None) -> None:
        if not isinstance(items, list):
            return
        entities = []
        components: dict[str, ComponentSpec] = {}
        for node in items:
            if not isinstance(node, dict):
                continue
            if node.get("type") == "entity" and isinstance(node.get("id"), str):
                entities.append(node)
            elif node.get("type") == "component" and isinstance(node.get("name"), str):
                spec = component(node)
                if spec is not None:
                    components[node["name"]] = spec
        if parent is not None:
            index = next(i for i, e in enumerate(out) if e.id == parent)
            out[index] = EntitySpec(parent, out[index].parent, components)
        for node in entities:
            out.append(EntitySpec(node["id"], parent))
            walk(node.get("children", []), node["id"])

    walk(nodes, None)
    return out


def component_type_body(device: Device, connector_arn: str) -> dict:
    """The CreateComponentType/UpdateComponentType request (without ids) for a device."""
    definitions: dict[str, dict] = {}
    for prop in device.const_properties:
        spec: dict = {"dataType": {"type": prop.data_type}}
        value = typed_value(prop.init_value, prop.data_type)
        if value is not None:
            spec["defaultValue"] = value
        definitions[prop.name] = spec
    for prop in device.properties:
        definitions[prop.name] = {
            "dataType": {"type": prop.data_type},
            "isTimeSeries": True,
            "isStoredExternally": True,
        }
    definitions[DEVICE_ID_PROPERTY] = {
        "dataType": {"type": "STRING"},
        "defaultValue": {"stringValue": device.id},
    }
    return {
        "description": f"dtwin device {device.id}: telemetry read from hot storage",
        "componentTypeName": device.id,
        "propertyDefinitions": definitions,
        "functions": {
            READER_FUNCTION: {
                "implementedBy": {"lambda": {"arn": connector_arn}, "isNative": False}
            }
        },
    }


def component_request(spec: ComponentSpec) -> dict:
    """The ComponentRequest of CreateEntity for ``spec``."""
    request: dict = {"componentTypeId": spec.type_id}
    properties: dict[str, dict] = {}
    if spec.device_id:
        properties[DEVICE_ID_PROPERTY] = {"value": {"stringValue": spec.device_id}}
    for prop in spec.properties:
        properties[prop.name] = prop.request()
    if properties:
        request["properties"] = properties
    return request


# --------------------------------------------------------------------------- comparisons


def type_differences(current: dict, wanted: dict) -> list[str]:
    out = []
    if (current.get("description") or "") != wanted["description"]:
        out.append("description")
    have = current.get("propertyDefinitions") or {}
    for name, spec in wanted["propertyDefinitions"].items():
        cur = have.get(name)
        if cur is None:
            out.append(f"property {name} missing")
            continue
        if (cur.get("dataType") or {}).get("type") != spec["dataType"]["type"]:
            out.append(f"property {name} type")
        for flag in ("isTimeSeries", "isStoredExternally"):
            if bool(cur.get(flag)) != bool(spec.get(flag)):
                out.append(f"property {name} {flag}")
        if cur.get("defaultValue") != spec.get("defaultValue"):
            out.append(f"property {name} default")
    for name, cur in have.items():
        if name not in wanted["propertyDefinitions"] and not cur.get("isInherited"):
            out.append(f"extra property {name}")
    reader = (current.get("functions") or {}).get(READER_FUNCTION) or {}
    arn = ((reader.get("implementedBy") or {}).get("lambda") or {}).get("arn")
    if arn != wanted["functions"][READER_FUNCTION]["implementedBy"]["lambda"]["arn"]:
        out.append("data reader function")
    return out


def _property_updates(current: dict, comp: ComponentSpec) -> dict[str, dict]:
    """PropertyUpdates that bring a deployed component to ``comp`` (empty: nothing differs)."""
    have = current.get("properties") or {}
    updates: dict[str, dict] = {}
    for name, request in (component_request(comp).get("properties") or {}).items():
        cur = have.get(name)
        if cur is not None:
            request = {k: v for k, v in request.items() if k != "definition"}
            if "value" not in request or cur.get("value") == request["value"]:
                continue
        updates[name] = {**request, "updateType": "UPDATE"}
    return updates


@dataclass
class EntityPlan:
    differences: list[str] = field(default_factory=list)
    update: dict = field(default_factory=dict)
    recreate: dict = field(default_factory=dict)  # components to add after their deletion


def entity_plan(current: dict, spec: EntitySpec) -> EntityPlan:
    plan = EntityPlan()
    parent = spec.parent or ROOT
    if (current.get("parentEntityId") or ROOT) != parent:
        plan.differences.append(f"parent is {current.get('parentEntityId')}, not {parent}")
        plan.update["parentEntityUpdate"] = {"updateType": "UPDATE", "parentEntityId": parent}
    if current.get("entityName") != spec.id:
        plan.differences.append("name")
        plan.update["entityName"] = spec.id
    have = current.get("components") or {}
    updates: dict[str, dict] = {}
    for name, comp in spec.components.items():
        cur = have.get(name)
        if cur is None:
            plan.differences.append(f"component {name} missing")
            updates[name] = {"updateType": "CREATE", **creation(comp)}
        elif cur.get("componentTypeId") != comp.type_id:
            plan.differences.append(f"component {name} has type {cur.get('componentTypeId')}")
            updates[name] = {"updateType": "DELETE"}
            plan.recreate[name] = {"updateType": "CREATE", **creation(comp)}
        elif changed := _property_updates(cur, comp):
            plan.differences.extend(
                f"component {name} device"
                if prop == DEVICE_ID_PROPERTY
                else f"component {name} property {prop}"
                for prop in changed
            )
            updates[name] = {"updateType": "UPDATE", "propertyUpdates": changed}
    for name in have:
        if name not in spec.components:
            plan.differences.append(f"extra component {name}")
            updates[name] = {"updateType": "DELETE"}
    if updates:
        plan.update["componentUpdates"] = updates
    return plan


def creation(comp: ComponentSpec) -> dict:
    """The ComponentUpdateRequest fields (besides updateType) that create ``comp``."""
    request = component_request(comp)
    out: dict = {"componentTypeId": request["componentTypeId"]}
    if "properties" in request:
        out["propertyUpdates"] = request["properties"]
    return out
