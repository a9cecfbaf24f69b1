"""IoT TwinMaker emulation, the model: ids, errors, the objects of a workspace and their rules.

:class:`TwinMakerModel` holds one region's workspaces and tags and answers the questions the
operations (:mod:`.api`) ask: lookups, inherited definitions and functions, the validation of
a component type body, the building and checking of an entity's components.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

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


class TwinMakerModel:
    """The state of one emulated region and the rules on it (the operations build on it)."""

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

    def _has_children(self, ws: Workspace, entity_id: str) -> bool:
        return any(e.parent == entity_id for e in ws.entities.values())

    # --- tags ----------------------------------------------------------------------------
    def _tagged(self, arn: object) -> dict[str, str]:
        if not isinstance(arn, str) or arn not in self.tags:
            raise _not_found(f"Resource {arn} not found")
        return self.tags[arn]


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
