"""AWS IoT TwinMaker, emulated in memory (moto has none): the calls dtwin's SDK steps make.

Control plane: workspaces, component types, entities (with components and the parent/child
tree), tags. Data plane: ``GetPropertyValueHistory`` really invokes the component type's
``dataReader`` Lambda through the sandbox gateway (so the function host runs the hot reader
with TwinMaker's request shape) and returns its answer.

Validation follows AWS where it is cheap: the service model's id patterns, ``ConflictException``
for duplicates, ``ResourceNotFoundException`` for what is missing, ``ValidationException`` for
deleting a workspace that still holds entities or component types, an entity that still has
children (without ``isRecursive``) or a component type still used by an entity. Objects are
ACTIVE as soon as they exist; create calls answer ``CREATING`` like AWS does, so clients that
wait for ACTIVE are exercised.

Known gaps: ``UntagResource`` sees only the last ``tagKeys`` value (the gateway keeps one value
per query parameter); no scenes, sync jobs, queries or metadata transfer.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from dtwin_gui.sandbox.gateway import Request, Response

ACCOUNT = "123456789012"

WORKSPACE_ID = re.compile(r"[a-zA-Z_0-9][a-zA-Z_\-0-9]*[a-zA-Z0-9]+")
COMPONENT_TYPE_ID = re.compile(r"[a-zA-Z_\.\-0-9:]+")
ENTITY_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-zA-Z0-9][a-zA-Z_\-0-9.:]*[a-zA-Z0-9]+"
)
COMPONENT_NAME = re.compile(r"[a-zA-Z_\-0-9]+")
ROOT = "$ROOT"
DATA_TYPES = {"RELATIONSHIP", "STRING", "LONG", "BOOLEAN", "INTEGER", "DOUBLE", "LIST", "MAP"}
VALUE_KEYS = {
    "STRING": "stringValue",
    "LONG": "longValue",
    "BOOLEAN": "booleanValue",
    "INTEGER": "integerValue",
    "DOUBLE": "doubleValue",
    "LIST": "listValue",
    "MAP": "mapValue",
    "RELATIONSHIP": "relationshipValue",
}
READER_FUNCTIONS = ("dataReaderByEntity", "dataReader")
#: Component types every workspace has (AWS lists them too; they cannot be changed).
BUILT_IN_TYPES = {
    "com.amazon.iottwinmaker.parameters": {"isAbstract": False},
    "com.amazon.iottwinmaker.documents": {"isAbstract": False},
    "com.amazon.iottwinmaker.alarm.basic": {"isAbstract": True},
}
_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/")


ERROR_STATUS = {
    "ValidationException": 400,
    "ResourceNotFoundException": 404,
    "ConflictException": 409,
    "ConnectorFailureException": 424,
    "ConnectorTimeoutException": 424,
    "NotImplementedException": 501,
}


class ApiError(Exception):
    """An error answer: the AWS error code, its HTTP status and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = ERROR_STATUS.get(code, 400)


def _validation(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def _not_found(message: str) -> ApiError:
    return ApiError("ResourceNotFoundException", message)


def _check_id(value: object, pattern: re.Pattern, name: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _validation(
            f"1 validation error detected: Value {value!r} at '{name}' failed to "
            f"satisfy constraint: Member must satisfy regular expression pattern: "
            f"{pattern.pattern}"
        )
    return value


def _now() -> float:
    return round(time.time(), 3)


def _status(state: str = "ACTIVE") -> dict:
    return {"state": state}


# --------------------------------------------------------------------------- model


@dataclass
class ComponentType:
    id: str
    arn: str
    body: dict
    created: float = field(default_factory=_now)
    updated: float = field(default_factory=_now)
    built_in: bool = False

    @property
    def is_abstract(self) -> bool:
        return bool(self.body.get("isAbstract"))


@dataclass
class Entity:
    id: str
    arn: str
    name: str
    parent: str
    description: str = ""
    components: dict[str, dict] = field(default_factory=dict)
    created: float = field(default_factory=_now)
    updated: float = field(default_factory=_now)


@dataclass
class Workspace:
    id: str
    arn: str
    description: str = ""
    role: str | None = None
    s3_location: str | None = None
    created: float = field(default_factory=_now)
    updated: float = field(default_factory=_now)
    component_types: dict[str, ComponentType] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)


class TwinMakerBackend:
    """The state of one emulated region, and the answer to each operation."""

    def __init__(self, region: str, invoke) -> None:
        self.region = region
        self._invoke = invoke  # (lambda arn, event) -> (ok, payload)
        self.workspaces: dict[str, Workspace] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.lock = threading.RLock()

    # --- helpers -------------------------------------------------------------------------
    def _arn(self, rest: str) -> str:
        return f"arn:aws:iottwinmaker:{self.region}:{ACCOUNT}:{rest}"

    def workspace(self, workspace_id: str) -> Workspace:
        if workspace_id.startswith("arn:"):
            workspace_id = workspace_id.rsplit("workspace/", 1)[-1]
        ws = self.workspaces.get(workspace_id)
        if ws is None:
            raise _not_found(f"Workspace {workspace_id} not found")
        return ws

    def _type(self, ws: Workspace, type_id: str) -> ComponentType:
        found = ws.component_types.get(type_id)
        if found is None:
            raise _not_found(f"Component type {type_id} not found in workspace {ws.id}")
        return found

    def _entity(self, ws: Workspace, entity_id: str) -> Entity:
        found = ws.entities.get(entity_id)
        if found is None:
            raise _not_found(f"Entity {entity_id} not found in workspace {ws.id}")
        return found

    def _chain(self, ws: Workspace, ctype: ComponentType) -> list[ComponentType]:
        """``ctype`` and every type it extends, nearest first."""
        out, queue = [], [ctype]
        while queue:
            current = queue.pop(0)
            if current in out:
                continue
            out.append(current)
            for parent in current.body.get("extendsFrom") or []:
                if parent in ws.component_types:
                    queue.append(ws.component_types[parent])
        return out

    def _definitions(self, ws: Workspace, ctype: ComponentType) -> dict[str, dict]:
        """Property definitions of ``ctype`` including inherited ones (response shape)."""
        out: dict[str, dict] = {}
        for current in reversed(self._chain(ws, ctype)):
            inherited = current is not ctype
            for name, spec in (current.body.get("propertyDefinitions") or {}).items():
                out[name] = _definition_response(spec, inherited=inherited)
        return out

    def _functions(self, ws: Workspace, ctype: ComponentType) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for current in reversed(self._chain(ws, ctype)):
            inherited = current is not ctype
            for name, spec in (current.body.get("functions") or {}).items():
                out[name] = {**copy.deepcopy(spec), "isInherited": inherited}
        return out

    # --- workspaces ----------------------------------------------------------------------
    def create_workspace(self, workspace_id: str, body: dict) -> dict:
        _check_id(workspace_id, WORKSPACE_ID, "workspaceId")
        if workspace_id in self.workspaces:
            raise ApiError("ConflictException", f"Workspace {workspace_id} already exists")
        _check_role(body.get("role"))
        _check_s3(body.get("s3Location"))
        ws = Workspace(
            workspace_id,
            self._arn(f"workspace/{workspace_id}"),
            body.get("description") or "",
            body.get("role"),
            body.get("s3Location"),
        )
        for type_id, spec in BUILT_IN_TYPES.items():
            ws.component_types[type_id] = ComponentType(
                type_id,
                self._arn(f"workspace/{workspace_id}/component-type/{type_id}"),
                dict(spec),
                built_in=True,
            )
        self.workspaces[workspace_id] = ws
        self.tags[ws.arn] = dict(body.get("tags") or {})
        return {"arn": ws.arn, "creationDateTime": ws.created}

    def get_workspace(self, workspace_id: str) -> dict:
        ws = self.workspace(workspace_id)
        out = {
            "workspaceId": ws.id,
            "arn": ws.arn,
            "description": ws.description,
            "linkedServices": [],
            "creationDateTime": ws.created,
            "updateDateTime": ws.updated,
        }
        if ws.role:
            out["role"] = ws.role
        if ws.s3_location:
            out["s3Location"] = ws.s3_location
        return out

    def update_workspace(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        if "role" in body:
            ws.role = _check_role(body["role"])
        if "s3Location" in body:
            ws.s3_location = _check_s3(body["s3Location"])
        if "description" in body:
            ws.description = body["description"] or ""
        ws.updated = _now()
        return {"updateDateTime": ws.updated}

    def delete_workspace(self, workspace_id: str) -> dict:
        ws = self.workspace(workspace_id)
        if ws.entities:
            raise _validation(
                f"Workspace {ws.id} still contains {len(ws.entities)} entities; delete them first"
            )
        own = [t for t in ws.component_types.values() if not t.built_in]
        if own:
            raise _validation(
                f"Workspace {ws.id} still contains component types "
                f"({', '.join(sorted(t.id for t in own))}); delete them first"
            )
        del self.workspaces[ws.id]
        self.tags.pop(ws.arn, None)
        return {"message": f"Workspace {ws.id} deleted"}

    def list_workspaces(self, body: dict) -> dict:
        summaries = [
            {
                "workspaceId": ws.id,
                "arn": ws.arn,
                "description": ws.description,
                "linkedServices": [],
                "creationDateTime": ws.created,
                "updateDateTime": ws.updated,
            }
            for ws in sorted(self.workspaces.values(), key=lambda w: w.id)
        ]
        return _page(summaries, body, "workspaceSummaries")

    # --- component types ------------------------------------------------------------------
    def _validate_type_body(self, ws: Workspace, type_id: str, body: dict) -> None:
        for parent in body.get("extendsFrom") or []:
            if parent not in ws.component_types:
                raise _validation(f"extendsFrom: component type {parent} does not exist")
            if parent == type_id:
                raise _validation("a component type cannot extend itself")
        definitions = body.get("propertyDefinitions") or {}
        if not isinstance(definitions, dict):
            raise _validation("propertyDefinitions must be a map")
        has_reader = any(name in (body.get("functions") or {}) for name in READER_FUNCTIONS)
        for parent in body.get("extendsFrom") or []:
            chain = self._chain(ws, ws.component_types[parent])
            has_reader = has_reader or any(
                name in (t.body.get("functions") or {}) for t in chain for name in READER_FUNCTIONS
            )
        for name, spec in definitions.items():
            if not isinstance(spec, dict):
                raise _validation(f"property {name}: the definition must be an object")
            data_type = (spec.get("dataType") or {}).get("type")
            if data_type not in DATA_TYPES:
                raise _validation(
                    f"property {name}: dataType.type must be one of {', '.join(sorted(DATA_TYPES))}"
                )
            if spec.get("isTimeSeries") and not spec.get("isStoredExternally"):
                raise _validation(
                    f"property {name}: a time-series property must be stored externally "
                    "(isStoredExternally true)"
                )
            if spec.get("isStoredExternally") and not has_reader:
                raise _validation(
                    f"property {name} is stored externally, but the component type has no "
                    "dataReader function"
                )
            if "defaultValue" in spec:
                _check_value(spec["defaultValue"], data_type, f"property {name} defaultValue")
        for name, spec in (body.get("functions") or {}).items():
            implemented = (spec or {}).get("implementedBy") or {}
            arn = (implemented.get("lambda") or {}).get("arn")
            if not implemented.get("isNative") and not (
                isinstance(arn, str) and arn.startswith("arn:") and ":lambda:" in arn
            ):
                raise _validation(f"function {name}: implementedBy.lambda.arn must be a Lambda ARN")

    def create_component_type(self, workspace_id: str, type_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        _check_id(type_id, COMPONENT_TYPE_ID, "componentTypeId")
        if type_id.startswith("com.amazon"):
            raise _validation("the com.amazon namespace is reserved for built-in component types")
        if type_id in ws.component_types:
            raise ApiError("ConflictException", f"Component type {type_id} already exists")
        self._validate_type_body(ws, type_id, body)
        ctype = ComponentType(
            type_id,
            self._arn(f"workspace/{ws.id}/component-type/{type_id}"),
            {k: copy.deepcopy(v) for k, v in body.items() if k != "tags"},
        )
        ws.component_types[type_id] = ctype
        self.tags[ctype.arn] = dict(body.get("tags") or {})
        return {"arn": ctype.arn, "creationDateTime": ctype.created, "state": "CREATING"}

    def get_component_type(self, workspace_id: str, type_id: str) -> dict:
        ws = self.workspace(workspace_id)
        ctype = self._type(ws, type_id)
        body = ctype.body
        out = {
            "workspaceId": ws.id,
            "componentTypeId": ctype.id,
            "arn": ctype.arn,
            "creationDateTime": ctype.created,
            "updateDateTime": ctype.updated,
            "isSingleton": bool(body.get("isSingleton")),
            "isAbstract": ctype.is_abstract,
            "isSchemaInitialized": False,
            "status": _status(),
            "propertyDefinitions": self._definitions(ws, ctype),
            "functions": self._functions(ws, ctype),
        }
        for key in ("description", "extendsFrom", "propertyGroups", "componentTypeName"):
            if key in body:
                out[key] = copy.deepcopy(body[key])
        return out

    def update_component_type(self, workspace_id: str, type_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        ctype = self._type(ws, type_id)
        if ctype.built_in:
            raise _validation(f"built-in component type {type_id} cannot be changed")
        merged = {**ctype.body, **{k: copy.deepcopy(v) for k, v in body.items()}}
        self._validate_type_body(ws, type_id, merged)
        ctype.body = merged
        ctype.updated = _now()
        return {
            "workspaceId": ws.id,
            "arn": ctype.arn,
            "componentTypeId": type_id,
            "state": "UPDATING",
        }

    def delete_component_type(self, workspace_id: str, type_id: str) -> dict:
        ws = self.workspace(workspace_id)
        ctype = self._type(ws, type_id)
        if ctype.built_in:
            raise _validation(f"built-in component type {type_id} cannot be deleted")
        users = sorted(
            e.id
            for e in ws.entities.values()
            if any(c["componentTypeId"] == type_id for c in e.components.values())
        )
        if users:
            raise _validation(
                f"Component type {type_id} is used by entities {', '.join(users)}; "
                "remove those components first"
            )
        children = sorted(
            t.id
            for t in ws.component_types.values()
            if type_id in (t.body.get("extendsFrom") or [])
        )
        if children:
            raise _validation(
                f"Component type {type_id} is extended by {', '.join(children)}; delete them first"
            )
        del ws.component_types[type_id]
        self.tags.pop(ctype.arn, None)
        return {"state": "DELETING"}

    def list_component_types(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        types = sorted(ws.component_types.values(), key=lambda t: t.id)
        for flt in body.get("filters") or []:
            if "extendsFrom" in flt:
                types = [
                    t for t in types if flt["extendsFrom"] in (t.body.get("extendsFrom") or [])
                ]
            if "namespace" in flt:
                types = [t for t in types if t.id.startswith(flt["namespace"])]
            if "isAbstract" in flt:
                types = [t for t in types if t.is_abstract == bool(flt["isAbstract"])]
        summaries = []
        for t in types:
            summary = {
                "arn": t.arn,
                "componentTypeId": t.id,
                "creationDateTime": t.created,
                "updateDateTime": t.updated,
                "status": _status(),
            }
            if t.body.get("description"):
                summary["description"] = t.body["description"]
            if t.body.get("componentTypeName"):
                summary["componentTypeName"] = t.body["componentTypeName"]
            summaries.append(summary)
        out = _page(summaries, body, "componentTypeSummaries")
        out["workspaceId"] = ws.id
        return out

    # --- entities ------------------------------------------------------------------------
    def _build_component(self, ws: Workspace, name: str, spec: dict) -> dict:
        _check_id(name, COMPONENT_NAME, "componentName")
        type_id = spec.get("componentTypeId")
        if not isinstance(type_id, str):
            raise _validation(f"component {name}: componentTypeId is required")
        ctype = ws.component_types.get(type_id)
        if ctype is None:
            raise _validation(f"component {name}: component type {type_id} does not exist")
        if ctype.is_abstract:
            raise _validation(f"component {name}: component type {type_id} is abstract")
        component = {
            "componentName": name,
            "componentTypeId": type_id,
            "description": spec.get("description") or "",
            "values": {},
            "extra": {},
        }
        self._apply_properties(ws, component, spec.get("properties") or {})
        return component

    def _apply_properties(self, ws: Workspace, component: dict, updates: dict) -> None:
        definitions = self._definitions(ws, ws.component_types[component["componentTypeId"]])
        for prop, request in updates.items():
            request = request or {}
            kind = request.get("updateType", "UPDATE")
            if kind in ("DELETE", "RESET_VALUE"):
                component["values"].pop(prop, None)
                if kind == "DELETE":
                    component["extra"].pop(prop, None)
                continue
            definition = definitions.get(prop) or component["extra"].get(prop)
            if request.get("definition"):
                definition = _definition_response(request["definition"], inherited=False)
                if prop not in definitions:
                    component["extra"][prop] = definition
            if definition is None:
                raise _validation(
                    f"component {component['componentName']}: property {prop} is not defined by "
                    f"component type {component['componentTypeId']}"
                )
            if "value" in request:
                _check_value(request["value"], definition["dataType"]["type"], f"property {prop}")
                component["values"][prop] = copy.deepcopy(request["value"])
        for prop, definition in definitions.items():
            if (
                definition.get("isRequiredInEntity")
                and prop not in component["values"]
                and "defaultValue" not in definition
            ):
                raise _validation(
                    f"component {component['componentName']}: property {prop} is required"
                )

    def _component_response(self, ws: Workspace, component: dict) -> dict:
        ctype = ws.component_types[component["componentTypeId"]]
        properties = {}
        for prop, definition in {**self._definitions(ws, ctype), **component["extra"]}.items():
            entry: dict = {"definition": copy.deepcopy(definition)}
            if prop in component["values"]:
                entry["value"] = copy.deepcopy(component["values"][prop])
            elif "defaultValue" in definition:
                entry["value"] = copy.deepcopy(definition["defaultValue"])
            properties[prop] = entry
        return {
            "componentName": component["componentName"],
            "componentTypeId": component["componentTypeId"],
            "description": component["description"],
            "status": _status(),
            "definedIn": ws.id,
            "properties": properties,
            "areAllPropertiesReturned": True,
        }

    def create_entity(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        entity_id = body.get("entityId") or str(uuid.uuid4())
        _check_id(entity_id, ENTITY_ID, "entityId")
        name = body.get("entityName")
        if not isinstance(name, str) or not name:
            raise _validation("entityName is required")
        if entity_id in ws.entities:
            raise ApiError("ConflictException", f"Entity {entity_id} already exists")
        parent = body.get("parentEntityId") or ROOT
        if parent != ROOT and parent not in ws.entities:
            raise _validation(f"parent entity {parent} does not exist")
        if body.get("compositeComponents"):
            raise ApiError("NotImplementedException", "sandbox: compositeComponents unsupported")
        components = {
            cname: self._build_component(ws, cname, spec or {})
            for cname, spec in (body.get("components") or {}).items()
        }
        entity = Entity(
            entity_id,
            self._arn(f"workspace/{ws.id}/entity/{entity_id}"),
            name,
            parent,
            body.get("description") or "",
            components,
        )
        ws.entities[entity_id] = entity
        self.tags[entity.arn] = dict(body.get("tags") or {})
        return {
            "entityId": entity_id,
            "arn": entity.arn,
            "creationDateTime": entity.created,
            "state": "CREATING",
        }

    def _has_children(self, ws: Workspace, entity_id: str) -> bool:
        return any(e.parent == entity_id for e in ws.entities.values())

    def get_entity(self, workspace_id: str, entity_id: str) -> dict:
        ws = self.workspace(workspace_id)
        entity = self._entity(ws, entity_id)
        return {
            "entityId": entity.id,
            "entityName": entity.name,
            "arn": entity.arn,
            "status": _status(),
            "workspaceId": ws.id,
            "description": entity.description,
            "components": {
                name: self._component_response(ws, c) for name, c in entity.components.items()
            },
            "parentEntityId": entity.parent,
            "hasChildEntities": self._has_children(ws, entity.id),
            "creationDateTime": entity.created,
            "updateDateTime": entity.updated,
            "areAllComponentsReturned": True,
        }

    def update_entity(self, workspace_id: str, entity_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        entity = self._entity(ws, entity_id)
        components = copy.deepcopy(entity.components)
        for cname, update in (body.get("componentUpdates") or {}).items():
            update = update or {}
            kind = update.get("updateType", "UPDATE")
            if kind == "CREATE":
                if cname in components:
                    raise _validation(f"component {cname} already exists on entity {entity_id}")
                components[cname] = self._build_component(
                    ws,
                    cname,
                    {
                        "componentTypeId": update.get("componentTypeId"),
                        "description": update.get("description"),
                        "properties": update.get("propertyUpdates") or {},
                    },
                )
            elif kind == "DELETE":
                if cname not in components:
                    raise _validation(f"component {cname} does not exist on entity {entity_id}")
                del components[cname]
            elif kind == "UPDATE":
                component = components.get(cname)
                if component is None:
                    raise _validation(f"component {cname} does not exist on entity {entity_id}")
                new_type = update.get("componentTypeId")
                if new_type and new_type != component["componentTypeId"]:
                    raise _validation(
                        f"component {cname}: the component type cannot change; delete and "
                        "create the component instead"
                    )
                if "description" in update:
                    component["description"] = update["description"] or ""
                self._apply_properties(ws, component, update.get("propertyUpdates") or {})
            else:
                raise _validation(f"component {cname}: unknown updateType {kind!r}")
        parent = entity.parent
        parent_update = body.get("parentEntityUpdate")
        if parent_update:
            if parent_update.get("updateType") == "DELETE":
                parent = ROOT
            else:
                parent = parent_update.get("parentEntityId") or ROOT
                if parent != ROOT and parent not in ws.entities:
                    raise _validation(f"parent entity {parent} does not exist")
                probe = parent
                while probe != ROOT:
                    if probe == entity_id:
                        raise _validation("an entity cannot become its own descendant")
                    probe = ws.entities[probe].parent
        entity.components = components
        entity.parent = parent
        if "entityName" in body:
            entity.name = body["entityName"]
        if "description" in body:
            entity.description = body["description"] or ""
        entity.updated = _now()
        return {"updateDateTime": entity.updated, "state": "UPDATING"}

    def delete_entity(self, workspace_id: str, entity_id: str, recursive: bool) -> dict:
        ws = self.workspace(workspace_id)
        self._entity(ws, entity_id)
        doomed = [entity_id]
        if recursive:
            index = 0
            while index < len(doomed):
                doomed.extend(e.id for e in ws.entities.values() if e.parent == doomed[index])
                index += 1
        elif self._has_children(ws, entity_id):
            raise _validation(
                f"Entity {entity_id} has child entities; delete them first or set isRecursive"
            )
        for gone in doomed:
            entity = ws.entities.pop(gone)
            self.tags.pop(entity.arn, None)
        return {"state": "DELETING"}

    def list_entities(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        entities = sorted(ws.entities.values(), key=lambda e: e.created)
        for flt in body.get("filters") or []:
            if "parentEntityId" in flt:
                entities = [e for e in entities if e.parent == flt["parentEntityId"]]
            if "componentTypeId" in flt:
                entities = [
                    e
                    for e in entities
                    if any(
                        c["componentTypeId"] == flt["componentTypeId"]
                        for c in e.components.values()
                    )
                ]
            if "externalId" in flt:
                raise ApiError("NotImplementedException", "sandbox: externalId filter unsupported")
        summaries = [
            {
                "entityId": e.id,
                "entityName": e.name,
                "arn": e.arn,
                "parentEntityId": e.parent,
                "status": _status(),
                "description": e.description,
                "hasChildEntities": self._has_children(ws, e.id),
                "creationDateTime": e.created,
                "updateDateTime": e.updated,
            }
            for e in entities
        ]
        return _page(summaries, body, "entitySummaries")

    # --- data plane ----------------------------------------------------------------------
    def get_property_value_history(self, workspace_id: str, body: dict) -> dict:
        """Ask the component's data reader Lambda, as TwinMaker does, and return its answer."""
        with self.lock:
            ws = self.workspace(workspace_id)
            entity_id, component_name = body.get("entityId"), body.get("componentName")
            if not entity_id or not component_name:
                raise ApiError(
                    "NotImplementedException",
                    "sandbox: only the entityId + componentName form is emulated",
                )
            entity = self._entity(ws, entity_id)
            component = entity.components.get(component_name)
            if component is None:
                raise _not_found(f"Component {component_name} not found on entity {entity_id}")
            ctype = ws.component_types[component["componentTypeId"]]
            functions = self._functions(ws, ctype)
            reader = next((functions[n] for n in READER_FUNCTIONS if n in functions), None)
            properties = self._component_response(ws, component)["properties"]
        selected = body.get("selectedProperties")
        if not isinstance(selected, list) or not 1 <= len(selected) <= 10:
            raise _validation("selectedProperties must list 1 to 10 property names")
        for name in selected:
            definition = (properties.get(name) or {}).get("definition")
            if definition is None:
                raise _validation(f"property {name} does not exist on component {component_name}")
            if not definition.get("isTimeSeries"):
                raise _validation(f"property {name} is not a time-series property")
        arn = ((reader or {}).get("implementedBy") or {}).get("lambda", {}).get("arn")
        if not arn:
            raise _validation(f"component type {ctype.id} has no dataReader function")
        event = {
            "workspaceId": ws.id,
            "entityId": entity_id,
            "componentName": component_name,
            "selectedProperties": selected,
            "properties": properties,
        }
        for key in ("propertyFilters", "interpolation", "nextToken", "maxResults", "orderByTime"):
            if body.get(key) is not None:
                event[key] = body[key]
        for iso, epoch in (("startTime", "startDateTime"), ("endTime", "endDateTime")):
            if body.get(iso):
                event[iso] = body[iso]
                event[epoch] = _epoch(body[iso], iso)
            elif body.get(epoch) is not None:
                event[epoch] = body[epoch]
                event[iso] = _iso(body[epoch])
            else:
                raise _validation(f"{iso} (or the deprecated {epoch}) is required")
        ok, payload = self._invoke(arn, event)
        if not ok:
            message = payload.get("errorMessage") if isinstance(payload, dict) else str(payload)
            raise ApiError("ConnectorFailureException", f"data connector {arn} failed: {message}")
        if not isinstance(payload, dict) or not isinstance(payload.get("propertyValues"), list):
            raise ApiError(
                "ConnectorFailureException",
                f"data connector {arn} answered without propertyValues: {str(payload)[:200]}",
            )
        out = {"propertyValues": payload["propertyValues"]}
        if payload.get("nextToken"):
            out["nextToken"] = payload["nextToken"]
        return out

    # --- tags ----------------------------------------------------------------------------
    def _tagged(self, arn: object) -> dict[str, str]:
        if not isinstance(arn, str) or arn not in self.tags:
            raise _not_found(f"Resource {arn} not found")
        return self.tags[arn]

    def tag_resource(self, body: dict) -> dict:
        self._tagged(body.get("resourceARN")).update(body.get("tags") or {})
        return {}

    def untag_resource(self, arn: str, keys: list[str]) -> dict:
        tags = self._tagged(arn)
        for key in keys:
            tags.pop(key, None)
        return {}

    def list_tags(self, body: dict) -> dict:
        return {"tags": dict(self._tagged(body.get("resourceARN")))}


# --------------------------------------------------------------------------- value helpers


def _check_role(role: object) -> str | None:
    if role is None:
        return None
    if not isinstance(role, str) or not re.fullmatch(
        r"arn:aws[a-z-]*:iam::[0-9]{12}:role/.+", role
    ):
        raise _validation(f"role must be an IAM role ARN, got {role!r}")
    return role


def _check_s3(location: object) -> str | None:
    if location is None:
        return None
    if not isinstance(location, str) or not re.fullmatch(
        r"arn:aws[a-z-]*:s3:::[a-zA-Z0-9_.-]+", location
    ):
        raise _validation(f"s3Location must be an S3 bucket ARN, got {location!r}")
    return location


def _check_value(value: object, data_type: str, where: str) -> None:
    if not isinstance(value, dict) or len(value) != 1:
        raise _validation(f"{where}: a DataValue has exactly one member")
    expected = VALUE_KEYS.get(data_type)
    key, inner = next(iter(value.items()))
    if key == "expression":
        return
    if key != expected:
        raise _validation(f"{where}: a {data_type} value needs {expected}, got {key}")
    checks = {
        "stringValue": lambda v: isinstance(v, str),
        "booleanValue": lambda v: isinstance(v, bool),
        "integerValue": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "longValue": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "doubleValue": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    }
    if key in checks and not checks[key](inner):
        raise _validation(f"{where}: {inner!r} is not a valid {key}")


def _definition_response(spec: dict, *, inherited: bool) -> dict:
    out = {
        "dataType": copy.deepcopy(spec.get("dataType") or {}),
        "isTimeSeries": bool(spec.get("isTimeSeries")),
        "isRequiredInEntity": bool(spec.get("isRequiredInEntity")),
        "isExternalId": bool(spec.get("isExternalId")),
        "isStoredExternally": bool(spec.get("isStoredExternally")),
        "isImported": False,
        "isFinal": False,
        "isInherited": inherited,
    }
    for key in ("defaultValue", "configuration", "displayName"):
        if key in spec:
            out[key] = copy.deepcopy(spec[key])
    return out


def _page(items: list, body: dict, key: str) -> dict:
    size = body.get("maxResults") or 100
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= 200:
        raise _validation("maxResults must be between 1 and 200")
    token = body.get("nextToken")
    start = 0
    if token:
        try:
            start = int(token)
        except ValueError:
            raise _validation("nextToken is not valid") from None
    out = {key: items[start : start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


def _epoch(text: str, name: str) -> float:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        raise _validation(f"{name} must be an ISO-8601 time, got {text!r}") from None


def _iso(seconds: object) -> str:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise _validation(f"a time must be epoch seconds, got {seconds!r}")
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --------------------------------------------------------------------------- HTTP routing

_W = r"/workspaces/(?P<ws>[^/]+)"
ROUTES: list[tuple[str, re.Pattern, str]] = [
    ("POST", re.compile(r"^/workspaces-list$"), "list_workspaces"),
    ("POST", re.compile(r"^/tags$"), "tag_resource"),
    ("POST", re.compile(r"^/tags-list$"), "list_tags"),
    ("DELETE", re.compile(r"^/tags$"), "untag_resource"),
    ("POST", re.compile(_W + r"/component-types-list$"), "list_component_types"),
    ("POST", re.compile(_W + r"/entities-list$"), "list_entities"),
    ("POST", re.compile(_W + r"/entity-properties/history$"), "get_property_value_history"),
    ("POST", re.compile(_W + r"/entities$"), "create_entity"),
    ("GET", re.compile(_W + r"/entities/(?P<entity>[^/]+)$"), "get_entity"),
    ("PUT", re.compile(_W + r"/entities/(?P<entity>[^/]+)$"), "update_entity"),
    ("DELETE", re.compile(_W + r"/entities/(?P<entity>[^/]+)$"), "delete_entity"),
    ("POST", re.compile(_W + r"/component-types/(?P<ctype>[^/]+)$"), "create_component_type"),
    ("GET", re.compile(_W + r"/component-types/(?P<ctype>[^/]+)$"), "get_component_type"),
    ("PUT", re.compile(_W + r"/component-types/(?P<ctype>[^/]+)$"), "update_component_type"),
    ("DELETE", re.compile(_W + r"/component-types/(?P<ctype>[^/]+)$"), "delete_component_type"),
    ("POST", re.compile(_W + "$"), "create_workspace"),
    ("GET", re.compile(_W + "$"), "get_workspace"),
    ("PUT", re.compile(_W + "$"), "update_workspace"),
    ("DELETE", re.compile(_W + "$"), "delete_workspace"),
]


def is_twinmaker(request: Request) -> bool:
    match = _SERVICE.search(request.headers.get("Authorization", ""))
    return bool(match) and match.group("service") == "iottwinmaker"


def _call(backend: TwinMakerBackend, name: str, params: dict, request: Request, body: dict):
    ws, ctype, entity = params.get("ws"), params.get("ctype"), params.get("entity")
    if name == "get_property_value_history":  # invokes a function: must not hold the lock
        return backend.get_property_value_history(ws, body)
    with backend.lock:
        if name in ("list_workspaces", "tag_resource", "list_tags"):
            return getattr(backend, name)(body)
        if name == "untag_resource":
            keys = request.query.get("tagKeys")
            return backend.untag_resource(
                request.query.get("resourceARN", ""), [keys] if keys else []
            )
        if name in ("get_workspace", "delete_workspace"):
            return getattr(backend, name)(ws)
        if name in (
            "create_workspace",
            "update_workspace",
            "list_component_types",
            "list_entities",
            "create_entity",
        ):
            return getattr(backend, name)(ws, body)
        if name in ("get_component_type", "delete_component_type"):
            return getattr(backend, name)(ws, ctype)
        if name in ("create_component_type", "update_component_type"):
            return getattr(backend, name)(ws, ctype, body)
        if name == "get_entity":
            return backend.get_entity(ws, entity)
        if name == "update_entity":
            return backend.update_entity(ws, entity, body)
        if name == "delete_entity":
            recursive = request.query.get("isRecursive", "false").lower() == "true"
            return backend.delete_entity(ws, entity, recursive)
    raise ApiError("NotImplementedException", f"sandbox: {name} is not emulated")


def _json(status: int, data: dict, code: str | None = None) -> Response:
    headers = {"Content-Type": "application/json"}
    if code:
        headers["X-Amzn-ErrorType"] = code
    return Response(status, json.dumps(data).encode(), headers)


def handle(backend: TwinMakerBackend, request: Request) -> Response:
    """Answer one TwinMaker REST request."""
    try:
        body = json.loads(request.body) if request.body else {}
    except ValueError:
        return _json(400, {"message": "the request body is not JSON"}, "ValidationException")
    for method, pattern, name in ROUTES:
        match = pattern.match(request.path)
        if match and method == request.method:
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            try:
                return _json(200, _call(backend, name, params, request, body))
            except ApiError as exc:
                return _json(exc.status, {"message": str(exc)}, exc.code)
    message = f"sandbox: TwinMaker {request.method} {request.path} is not emulated"
    return _json(501, {"message": message}, "NotImplementedException")


def install(gateway, emulator) -> dict[str, TwinMakerBackend]:
    """Answer TwinMaker requests at the gateway; data readers run in the function host.

    Returns the backends by region (created on first use), for inspection in tests.
    """

    def invoke(arn: str, event: dict) -> tuple[bool, object]:
        url = f"{gateway.url}/2015-03-31/functions/{quote(arn, safe='')}/invocations"
        call = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST")
        call.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(call, timeout=120) as reply:
                payload = json.loads(reply.read() or b"null")
                return reply.headers.get("X-Amz-Function-Error") is None, payload
        except urllib.error.HTTPError as exc:
            with exc:
                return False, {"errorMessage": f"HTTP {exc.code}: {exc.read()[:200]!r}"}
        except (urllib.error.URLError, TimeoutError) as exc:
            return False, {"errorMessage": str(exc)}

    backends: dict[str, TwinMakerBackend] = {}
    guard = threading.Lock()

    def interceptor(request: Request) -> Response | None:
        if not is_twinmaker(request):
            return None
        with guard:
            backend = backends.setdefault(request.region, TwinMakerBackend(request.region, invoke))
        return handle(backend, request)

    gateway.add_interceptor(interceptor)
    return backends
