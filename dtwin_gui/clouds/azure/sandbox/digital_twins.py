"""Emulated Azure Digital Twins data plane behind the sandbox gateway (no emulator exists).

Mounted at ``/adt/<instance>``; the DigitalTwinsClient endpoint is
``https://<gateway host:port>/adt/<instance>`` (the SDK keeps a path in its endpoint). Below it
the real REST paths: ``/models`` (POST a list of DTDL v2/v3 interfaces, GET list with
``includeModelDefinition``), ``/models/{id}`` (GET, PATCH decommission, DELETE);
``/digitaltwins/{id}`` (PUT create-or-replace honouring ``If-None-Match: *``, GET, PATCH JSON
patch, DELETE refused while relationships exist); ``/digitaltwins/{id}/relationships[/{rel}]``
and ``/incomingrelationships``; ``POST /query`` for ``SELECT * | COUNT() FROM digitaltwins [T]
[WHERE <T.>$dtId = '..' | IS_OF_MODEL('..') [AND ...]]``. Any well-formed bearer token passes.
State is in memory behind one lock.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from urllib.parse import unquote

from dtwin_gui.clouds.azure.sandbox.iothub_http import AzureRequest, AzureResponse

_BEARER = re.compile(r"^Bearer [A-Za-z0-9\-._~+/]+=*$")
_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<what>\*|COUNT\(\)|\w+)\s+FROM\s+DIGITALTWINS(?:\s+(?P<alias>\w+))?"
    r"(?:\s+WHERE\s+(?P<where>.+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COND_ID = re.compile(r"^(?:\w+\.)?\$dtId\s*=\s*'([^']*)'$", re.IGNORECASE)
_COND_MODEL = re.compile(r"^IS_OF_MODEL\(\s*(?:\w+\s*,\s*)?'([^']*)'\s*\)$", re.IGNORECASE)
_COND_PROP = re.compile(r"^(?:\w+\.)?(\w+)\s*=\s*('([^']*)'|-?[\d.]+|true|false)$", re.IGNORECASE)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _error(status: int, code: str, message: str) -> AzureResponse:
    return AzureResponse.of_json(status, {"error": {"code": code, "message": message}})


def _etag() -> str:
    return f'W/"{uuid.uuid4()}"'


class DigitalTwinsEmulation:
    def __init__(self, instance: str) -> None:
        self.instance = instance
        self.prefix = f"/adt/{instance}"
        self._lock = threading.Lock()
        self._models: dict[str, dict] = {}
        self._twins: dict[str, dict] = {}
        self._relationships: dict[str, dict[str, dict]] = {}  # source -> rel id -> rel

    def endpoint(self, host: str) -> str:
        return f"https://{host}{self.prefix}"

    def summary(self) -> dict:
        """What the control API's ``resources`` says of the instance."""
        with self._lock:
            return {
                "models": len(self._models),
                "twins": len(self._twins),
                "relationships": sum(len(r) for r in self._relationships.values()),
            }

    def handle(self, request: AzureRequest) -> AzureResponse | None:
        path = request.path
        if path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        parts = [unquote(p) for p in path.strip("/").split("/") if p]
        if not parts or parts[0] not in ("models", "digitaltwins", "query"):
            return None
        if not _BEARER.match(request.header("authorization")):
            return _error(401, "Unauthorized", "a bearer token is required")
        method = request.method.upper()
        with self._lock:
            if parts[0] == "models":
                return self._models_rest(method, parts[1:], request)
            if parts[0] == "query" and method == "POST":
                return self._query((request.json() or {}).get("query", ""))
            if parts[0] == "digitaltwins" and len(parts) >= 2:
                return self._twins_rest(method, parts[1], parts[2:], request)
        return _error(404, "NotFound", path)

    # ------------------------------------------------------------------------- models
    def _model_data(self, model: dict, definition: bool) -> dict:
        dtdl = model["model"]
        data = {
            "id": dtdl["@id"],
            "uploadTime": model["uploadTime"],
            "decommissioned": model["decommissioned"],
            "displayName": {"en": dtdl["displayName"]}
            if isinstance(dtdl.get("displayName"), str)
            else dtdl.get("displayName", {}),
            "description": {},
        }
        if definition:
            data["model"] = dtdl
        return data

    def _models_rest(self, method: str, rest: list[str], request: AzureRequest):
        definition = request.query.get("includeModelDefinition", "false").lower() == "true"
        if not rest and method == "POST":
            models = request.json() or []
            ids = [m.get("@id") for m in models]
            if any(not i for i in ids):
                return _error(400, "DTDLParserError", "every model needs an @id")
            if clash := [i for i in ids if i in self._models]:
                return _error(409, "ModelIdAlreadyExists", f"{clash[0]} exists")
            added = []
            for model in models:
                entry = {"model": model, "uploadTime": _now(), "decommissioned": False}
                self._models[model["@id"]] = entry
                added.append(self._model_data(entry, False))
            return AzureResponse.of_json(201, added)
        if not rest and method == "GET":
            value = [self._model_data(m, definition) for m in self._models.values()]
            return AzureResponse.of_json(200, {"value": value, "nextLink": None})
        if len(rest) != 1:
            return _error(404, "NotFound", "/".join(rest))
        model = self._models.get(rest[0])
        if model is None:
            return _error(404, "ModelNotFound", rest[0])
        if method == "GET":
            return AzureResponse.of_json(200, self._model_data(model, definition))
        if method == "PATCH":
            for op in request.json() or []:
                if op.get("path") == "/decommissioned":
                    model["decommissioned"] = bool(op.get("value"))
            return AzureResponse(204)
        if method == "DELETE":
            if any(t["$metadata"]["$model"] == rest[0] for t in self._twins.values()):
                return _error(409, "ModelReferencesNotDeleted", f"twins use {rest[0]}")
            del self._models[rest[0]]
            return AzureResponse(204)
        return _error(405, "MethodNotAllowed", method)

    # -------------------------------------------------------------------------- twins
    def _twins_rest(self, method: str, twin_id: str, rest: list[str], request: AzureRequest):
        if rest and rest[0] == "relationships":
            return self._relationships_rest(method, twin_id, rest[1:], request)
        if rest == ["incomingrelationships"] and method == "GET":
            incoming = [
                {
                    "$relationshipId": rel["$relationshipId"],
                    "$sourceId": rel["$sourceId"],
                    "$relationshipName": rel["$relationshipName"],
                    "$relationshipLink": f"/digitaltwins/{rel['$sourceId']}/relationships/"
                    f"{rel['$relationshipId']}",
                }
                for rels in self._relationships.values()
                for rel in rels.values()
                if rel["$targetId"] == twin_id
            ]
            return AzureResponse.of_json(200, {"value": incoming, "nextLink": None})
        if rest:
            return _error(404, "NotFound", "/".join(rest))
        twin = self._twins.get(twin_id)
        if method == "PUT":
            return self._put_twin(twin_id, twin, request)
        if twin is None:
            return _error(404, "DigitalTwinNotFound", twin_id)
        if method == "GET":
            return AzureResponse.of_json(200, twin, {"ETag": twin["$etag"]})
        if method == "PATCH":
            match = request.header("if-match")
            if match and match != "*" and match != twin["$etag"]:
                return _error(412, "PreconditionFailed", f"{twin_id} changed since {match}")
            error = _apply_patch(twin, request.json() or [])
            if error:
                return _error(400, "JsonPatchInvalid", error)
            twin["$etag"] = _etag()
            return AzureResponse(204, headers={"ETag": twin["$etag"]})
        if method == "DELETE":
            incoming = any(
                rel["$targetId"] == twin_id
                for rels in self._relationships.values()
                for rel in rels.values()
            )
            if self._relationships.get(twin_id) or incoming:
                return _error(
                    400, "RelationshipsNotDeleted", f"delete the relationships of {twin_id} first"
                )
            del self._twins[twin_id]
            return AzureResponse(204)
        return _error(405, "MethodNotAllowed", method)

    def _put_twin(self, twin_id: str, existing: dict | None, request: AzureRequest):
        if existing is not None and request.header("if-none-match") == "*":
            return _error(412, "PreconditionFailed", f"{twin_id} exists")
        body = request.json() or {}
        model_id = (body.get("$metadata") or {}).get("$model")
        if model_id not in self._models:
            return _error(400, "ModelNotFound", f"model {model_id!r} is not uploaded")
        now = _now()
        twin = {k: v for k, v in body.items() if not k.startswith("$")}
        twin["$dtId"] = twin_id
        twin["$etag"] = _etag()
        metadata = {"$model": model_id, "$lastUpdateTime": now}
        metadata.update({k: {"lastUpdateTime": now} for k in twin if not k.startswith("$")})
        twin["$metadata"] = metadata
        self._twins[twin_id] = twin
        return AzureResponse.of_json(200, twin, {"ETag": twin["$etag"]})

    def _relationships_rest(self, method: str, source: str, rest: list[str], request):
        if source not in self._twins:
            return _error(404, "DigitalTwinNotFound", source)
        rels = self._relationships.setdefault(source, {})
        if not rest and method == "GET":
            name = request.query.get("relationshipName")
            value = [r for r in rels.values() if not name or r["$relationshipName"] == name]
            return AzureResponse.of_json(200, {"value": value, "nextLink": None})
        if len(rest) != 1:
            return _error(404, "NotFound", "/".join(rest))
        rel_id = rest[0]
        if method == "PUT":
            body = request.json() or {}
            if body.get("$targetId") not in self._twins:
                return _error(400, "DigitalTwinNotFound", f"target {body.get('$targetId')!r}")
            if rel_id in rels and request.header("if-none-match") == "*":
                return _error(412, "PreconditionFailed", f"{rel_id} exists")
            rel = {**body, "$relationshipId": rel_id, "$sourceId": source, "$etag": _etag()}
            rels[rel_id] = rel
            return AzureResponse.of_json(200, rel, {"ETag": rel["$etag"]})
        if rel_id not in rels:
            return _error(404, "RelationshipNotFound", rel_id)
        if method == "GET":
            return AzureResponse.of_json(200, rels[rel_id])
        if method == "DELETE":
            del rels[rel_id]
            return AzureResponse(204)
        return _error(405, "MethodNotAllowed", method)

    # -------------------------------------------------------------------------- query
    def _query(self, text: str) -> AzureResponse:
        match = _QUERY.match(text or "")
        if not match:
            return _error(400, "BadRequest", f"query not supported in the sandbox: {text!r}")
        tests = []
        for cond in re.split(r"\s+AND\s+", match["where"] or "", flags=re.IGNORECASE):
            cond = cond.strip()
            if not cond:
                continue
            if m := _COND_ID.match(cond):
                tests.append(lambda t, v=m[1]: t["$dtId"] == v)
            elif m := _COND_MODEL.match(cond):
                tests.append(lambda t, v=m[1]: t["$metadata"]["$model"] == v)
            elif m := _COND_PROP.match(cond):
                value = m[3] if m[3] is not None else _literal(m[2])
                tests.append(lambda t, k=m[1], v=value: t.get(k) == v)
            else:
                return _error(400, "BadRequest", f"condition not supported: {cond!r}")
        found = [t for t in self._twins.values() if all(test(t) for test in tests)]
        what = match["what"].upper()
        if what == "COUNT()":
            return AzureResponse.of_json(200, {"value": [{"COUNT": len(found)}]})
        if what != "*" and match["alias"] and what != match["alias"].upper():
            return _error(400, "BadRequest", f"projection not supported: {match['what']}")
        return AzureResponse.of_json(200, {"value": found, "continuationToken": None})


def _literal(text: str):
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return float(text) if "." in text else int(text)


def _apply_patch(twin: dict, ops: list[dict]) -> str | None:
    """RFC 6902 add/replace/remove on a twin's properties (nested by '/'), and a property's
    ``/$metadata/<property>/sourceTime`` (when the value was measured), as ADT allows."""
    for op in ops:
        keys = [k.replace("~1", "/").replace("~0", "~") for k in op.get("path", "").split("/")[1:]]
        if len(keys) == 3 and keys[0] == "$metadata" and keys[2] == "sourceTime":
            if op.get("op") not in ("add", "replace") or keys[1] not in twin:
                return f"path {op.get('path')!r}: no such property"
            twin["$metadata"].setdefault(keys[1], {})["sourceTime"] = op.get("value")
            continue
        if not keys or keys[0].startswith("$"):
            return f"path {op.get('path')!r} cannot be patched"
        parent = twin
        for key in keys[:-1]:
            parent = parent.get(key)
            if not isinstance(parent, dict):
                return f"path {op.get('path')!r} does not exist"
        kind, last = op.get("op"), keys[-1]
        if kind == "add" or (kind == "replace" and last in parent):
            parent[last] = op.get("value")
        elif kind == "remove" and last in parent:
            del parent[last]
        else:
            return f"{kind} {op.get('path')!r}: the property does not exist"
        if len(keys) == 1:
            twin["$metadata"].setdefault(last, {})["lastUpdateTime"] = _now()
    twin["$metadata"]["$lastUpdateTime"] = _now()
    return None
