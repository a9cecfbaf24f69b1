"""Amazon Managed Grafana emulation, the control plane (``grafana`` service, rest-json).

What Terraform's ``aws_grafana_workspace`` and our SDK steps call: workspaces (ACTIVE at once,
deleted at once), configuration, authentication, permissions, tags, API keys, service accounts
and their tokens. ``DescribeWorkspace`` gives ``127.0.0.1:<port>/_grafana/<id>`` as the
endpoint, where :mod:`.http_api` serves that workspace's Grafana HTTP API.
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
import threading
import time

from dtwin_gui.clouds.aws.sandbox.patches.grafana.model import (
    ACCOUNT,
    DEFAULT_VERSION,
    GRAFANA_VERSIONS,
    HTTP_PREFIX,
    ROLES,
    WORKSPACE_ID,
    WORKSPACE_NAME,
    ApiError,
    Credential,
    ServiceAccount,
    Workspace,
    _check_ttl,
    _json_object,
    _now,
    _page,
    _validation,
)


class GrafanaBackend:
    """Workspaces of one region and the answer to each control-plane operation."""

    def __init__(self, region: str, endpoint_base: str) -> None:
        self.region = region
        self.endpoint_base = endpoint_base  # "127.0.0.1:<port>"
        self.workspaces: dict[str, Workspace] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.client_tokens: dict[str, str] = {}
        self.lock = threading.RLock()

    def workspace(self, workspace_id: str) -> Workspace:
        if not WORKSPACE_ID.fullmatch(workspace_id or ""):
            raise _validation(f"workspaceId {workspace_id!r} must match g-[0-9a-f]{{10}}")
        ws = self.workspaces.get(workspace_id)
        if ws is None:
            raise ApiError("ResourceNotFoundException", f"Workspace {workspace_id} not found")
        return ws

    def describe(self, ws: Workspace) -> dict:
        body = ws.body
        out = {
            "id": ws.id,
            "name": body.get("workspaceName", ""),
            "description": body.get("workspaceDescription", ""),
            "endpoint": ws.endpoint,
            "grafanaVersion": body.get("grafanaVersion", DEFAULT_VERSION),
            "status": "ACTIVE",
            "created": ws.created,
            "modified": ws.modified,
            "accountAccessType": body.get("accountAccessType"),
            "permissionType": body.get("permissionType"),
            "dataSources": list(body.get("workspaceDataSources") or []),
            "notificationDestinations": list(body.get("workspaceNotificationDestinations") or []),
            "organizationalUnits": list(body.get("workspaceOrganizationalUnits") or []),
            "authentication": {
                "providers": list(body.get("authenticationProviders") or []),
                "samlConfigurationStatus": "NOT_CONFIGURED",
            },
            "tags": dict(self.tags.get(ws.arn, {})),
            "licenseType": "ENTERPRISE_FREE_TRIAL",
            "freeTrialConsumed": False,
        }
        for src, dst in (
            ("workspaceRoleArn", "workspaceRoleArn"),
            ("organizationRoleName", "organizationRoleName"),
            ("stackSetName", "stackSetName"),
            ("vpcConfiguration", "vpcConfiguration"),
            ("networkAccessControl", "networkAccessControl"),
            ("ipAddressType", "ipAddressType"),
            ("kmsKeyId", "kmsKeyId"),
        ):
            if body.get(src):
                out[dst] = copy.deepcopy(body[src])
        if out["accountAccessType"] is None:
            del out["accountAccessType"]
        if out["permissionType"] is None:
            del out["permissionType"]
        return out

    def _check_body(self, body: dict, *, creating: bool) -> None:
        for key, allowed in (
            ("accountAccessType", ("CURRENT_ACCOUNT", "ORGANIZATION")),
            ("permissionType", ("CUSTOMER_MANAGED", "SERVICE_MANAGED")),
        ):
            if (creating or key in body) and body.get(key) not in allowed:
                raise _validation(f"{key} must be {' or '.join(allowed)}")
        if creating:
            providers = body.get("authenticationProviders")
            if not providers or not set(providers) <= {"AWS_SSO", "SAML"}:
                raise _validation("authenticationProviders must list AWS_SSO and/or SAML")
        name = body.get("workspaceName")
        if name is not None and not WORKSPACE_NAME.fullmatch(name):
            raise _validation(f"workspaceName {name!r} must match [a-zA-Z0-9-._~]{{1,255}}")
        version = body.get("grafanaVersion")
        if version is not None and version not in GRAFANA_VERSIONS:
            raise _validation(f"grafanaVersion must be one of {', '.join(GRAFANA_VERSIONS)}")
        if body.get("configuration") is not None:
            _json_object(body["configuration"], "configuration")

    # --- workspaces ----------------------------------------------------------------------
    def create_workspace(self, body: dict) -> dict:
        token = body.get("clientToken")
        if token and token in self.client_tokens and self.client_tokens[token] in self.workspaces:
            return {"workspace": self.describe(self.workspaces[self.client_tokens[token]])}
        self._check_body(body, creating=True)
        workspace_id = "g-" + secrets.token_hex(5)
        arn = f"arn:aws:grafana:{self.region}:{ACCOUNT}:/workspaces/{workspace_id}"
        stored = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("tags", "clientToken")}
        stored.setdefault("grafanaVersion", DEFAULT_VERSION)
        ws = Workspace(
            workspace_id,
            arn,
            stored,
            f"{self.endpoint_base}{HTTP_PREFIX}{workspace_id}",
            configuration=stored.pop("configuration", None) or "{}",
        )
        self.workspaces[workspace_id] = ws
        self.tags[arn] = dict(body.get("tags") or {})
        if token:
            self.client_tokens[token] = workspace_id
        out = self.describe(ws)
        out["status"] = "CREATING"
        return {"workspace": out}

    def update_workspace(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        self._check_body(body, creating=False)
        for key, value in body.items():
            if key == "removeVpcConfiguration" and value:
                ws.body.pop("vpcConfiguration", None)
            elif key == "removeNetworkAccessConfiguration" and value:
                ws.body.pop("networkAccessControl", None)
            elif key != "workspaceId":
                ws.body[key] = copy.deepcopy(value)
        ws.modified = _now()
        return {"workspace": self.describe(ws)}

    def delete_workspace(self, workspace_id: str) -> dict:
        ws = self.workspace(workspace_id)
        del self.workspaces[ws.id]
        self.tags.pop(ws.arn, None)
        out = self.describe(ws)
        out["status"] = "DELETING"
        return {"workspace": out}

    def list_workspaces(self, query: dict) -> dict:
        summaries = []
        for ws in sorted(self.workspaces.values(), key=lambda w: w.created):
            full = self.describe(ws)
            summaries.append(
                {
                    k: full[k]
                    for k in (
                        "id",
                        "name",
                        "description",
                        "endpoint",
                        "grafanaVersion",
                        "status",
                        "created",
                        "modified",
                        "notificationDestinations",
                        "authentication",
                        "tags",
                        "licenseType",
                    )
                    if k in full
                }
            )
        return _page(summaries, query, "workspaces")

    def describe_configuration(self, workspace_id: str) -> dict:
        ws = self.workspace(workspace_id)
        return {
            "configuration": ws.configuration,
            "grafanaVersion": ws.body.get("grafanaVersion", DEFAULT_VERSION),
        }

    def update_configuration(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        ws.configuration = json.dumps(_json_object(body.get("configuration"), "configuration"))
        if body.get("grafanaVersion"):
            self._check_body({"grafanaVersion": body["grafanaVersion"]}, creating=False)
            ws.body["grafanaVersion"] = body["grafanaVersion"]
        ws.modified = _now()
        return {}

    def describe_authentication(self, workspace_id: str) -> dict:
        ws = self.workspace(workspace_id)
        auth = {"providers": list(ws.body.get("authenticationProviders") or [])}
        if "SAML" in auth["providers"]:
            auth["saml"] = {"status": "NOT_CONFIGURED"}
        return {"authentication": auth}

    def update_authentication(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        providers = body.get("authenticationProviders")
        if not providers or not set(providers) <= {"AWS_SSO", "SAML"}:
            raise _validation("authenticationProviders must list AWS_SSO and/or SAML")
        ws.body["authenticationProviders"] = list(providers)
        return self.describe_authentication(workspace_id)

    def list_permissions(self, workspace_id: str, query: dict) -> dict:
        ws = self.workspace(workspace_id)
        return _page(copy.deepcopy(ws.permissions), query, "permissions")

    def update_permissions(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        for entry in body.get("updateInstructionBatch") or []:
            for user in entry.get("users") or []:
                key = (user.get("id"), user.get("type"))
                ws.permissions = [
                    p for p in ws.permissions if (p["user"]["id"], p["user"]["type"]) != key
                ]
                if entry.get("action") == "ADD":
                    ws.permissions.append({"role": entry.get("role"), "user": dict(user)})
        return {"errors": []}

    # --- API keys and service accounts ---------------------------------------------------
    def create_api_key(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        name, role, ttl = body.get("keyName"), body.get("keyRole"), body.get("secondsToLive")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise _validation("keyName must be 1 to 100 characters")
        if role not in ROLES:
            raise _validation(f"keyRole must be one of {', '.join(ROLES)}")
        _check_ttl(ttl)
        if name in ws.api_keys:
            raise ApiError("ConflictException", f"API key {name} already exists")
        key_id = len(ws.api_keys) + 1
        raw = {"k": secrets.token_urlsafe(24), "n": name, "id": key_id}
        key = base64.b64encode(json.dumps(raw).encode()).decode()
        ws.api_keys[name] = Credential(str(key_id), name, key, role, time.time() + ttl)
        return {"keyName": name, "key": key, "workspaceId": ws.id}

    def delete_api_key(self, workspace_id: str, name: str) -> dict:
        ws = self.workspace(workspace_id)
        if ws.api_keys.pop(name, None) is None:
            raise ApiError("ResourceNotFoundException", f"API key {name} not found")
        return {"keyName": name, "workspaceId": ws.id}

    def _account(self, ws: Workspace, account_id: str) -> ServiceAccount:
        account = ws.service_accounts.get(account_id)
        if account is None:
            raise ApiError("ResourceNotFoundException", f"Service account {account_id} not found")
        return account

    def create_service_account(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        name, role = body.get("name"), body.get("grafanaRole")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise _validation("name must be 1 to 128 characters")
        if role not in ROLES:
            raise _validation(f"grafanaRole must be one of {', '.join(ROLES)}")
        if any(a.name == name for a in ws.service_accounts.values()):
            raise ApiError("ConflictException", f"Service account {name} already exists")
        account_id = str(ws.grafana.new_id())
        ws.service_accounts[account_id] = ServiceAccount(account_id, name, role)
        return {"id": account_id, "name": name, "grafanaRole": role, "workspaceId": ws.id}

    def list_service_accounts(self, workspace_id: str, query: dict) -> dict:
        ws = self.workspace(workspace_id)
        items = [
            {"id": a.id, "name": a.name, "grafanaRole": a.role, "isDisabled": "false"}
            for a in ws.service_accounts.values()
        ]
        out = _page(items, query, "serviceAccounts")
        out["workspaceId"] = ws.id
        return out

    def delete_service_account(self, workspace_id: str, account_id: str) -> dict:
        ws = self.workspace(workspace_id)
        self._account(ws, account_id)
        del ws.service_accounts[account_id]
        return {"serviceAccountId": account_id, "workspaceId": ws.id}

    def create_token(self, workspace_id: str, account_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        account = self._account(ws, account_id)
        name, ttl = body.get("name"), body.get("secondsToLive")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise _validation("name must be 1 to 128 characters")
        _check_ttl(ttl)
        if any(t.name == name for t in account.tokens.values()):
            raise ApiError("ConflictException", f"Token {name} already exists")
        token_id = str(ws.grafana.new_id())
        key = f"glsa_{secrets.token_urlsafe(24)}_{secrets.token_hex(4)}"
        account.tokens[token_id] = Credential(token_id, name, key, account.role, time.time() + ttl)
        return {
            "serviceAccountToken": {"id": token_id, "name": name, "key": key},
            "serviceAccountId": account.id,
            "workspaceId": ws.id,
        }

    def list_tokens(self, workspace_id: str, account_id: str, query: dict) -> dict:
        ws = self.workspace(workspace_id)
        account = self._account(ws, account_id)
        items = [
            {"id": t.id, "name": t.name, "createdAt": t.created, "expiresAt": t.expires}
            for t in account.tokens.values()
        ]
        out = _page(items, query, "serviceAccountTokens")
        out.update(serviceAccountId=account.id, workspaceId=ws.id)
        return out

    def delete_token(self, workspace_id: str, account_id: str, token_id: str) -> dict:
        ws = self.workspace(workspace_id)
        account = self._account(ws, account_id)
        if account.tokens.pop(token_id, None) is None:
            raise ApiError("ResourceNotFoundException", f"Token {token_id} not found")
        return {"tokenId": token_id, "serviceAccountId": account.id, "workspaceId": ws.id}

    # --- tags ----------------------------------------------------------------------------
    def _tagged(self, arn: str) -> dict[str, str]:
        if arn not in self.tags:
            raise ApiError("ResourceNotFoundException", f"Resource {arn} not found")
        return self.tags[arn]

    def list_tags(self, arn: str) -> dict:
        return {"tags": dict(self._tagged(arn))}

    def tag_resource(self, arn: str, body: dict) -> dict:
        self._tagged(arn).update(body.get("tags") or {})
        return {}

    def untag_resource(self, arn: str, keys: list[str]) -> dict:
        tags = self._tagged(arn)
        for key in keys:
            tags.pop(key, None)
        return {}
