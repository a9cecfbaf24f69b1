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
import uuid

from dtwin_gui.clouds.aws.sandbox.patches.twinmaker.model import (
    BUILT_IN_TYPES,
    COMPONENT_TYPE_ID,
    ENTITY_ID,
    READER_FUNCTIONS,
    ROOT,
    WORKSPACE_ID,
    ApiError,
    ComponentType,
    Entity,
    TwinMakerModel,
    Workspace,
    _check_id,
    _check_role,
    _check_s3,
    _epoch,
    _iso,
    _not_found,
    _now,
    _page,
    _status,
    _validation,
)


class TwinMakerBackend(TwinMakerModel):
    """The answer to each operation, on the state of one emulated region."""

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
