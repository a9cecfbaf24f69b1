"""Amazon Managed Grafana emulation, the model: ids, errors, workspaces and their credentials."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field

ACCOUNT = "123456789012"
GRAFANA_VERSIONS = ("8.4", "9.4", "10.4")
DEFAULT_VERSION = "10.4"
GRAFANA_BUILD = {"8.4": "8.4.7", "9.4": "9.4.7", "10.4": "10.4.1"}
WORKSPACE_ID = re.compile(r"g-[0-9a-f]{10}")
WORKSPACE_NAME = re.compile(r"[a-zA-Z0-9-._~]{1,255}")
UID = re.compile(r"[a-zA-Z0-9\-_]{1,40}")
ROLES = ("ADMIN", "EDITOR", "VIEWER")
ROLE_RANK = {"VIEWER": 1, "EDITOR": 2, "ADMIN": 3}
#: Where the gateway serves each workspace's Grafana HTTP API (``<prefix><workspace-id>/api``).
HTTP_PREFIX = "/_grafana/"

ERROR_STATUS = {
    "ValidationException": 400,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ConflictException": 409,
    "NotImplementedException": 501,
}


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = ERROR_STATUS.get(code, 400)


def _validation(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def _now() -> float:
    return round(time.time(), 3)


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


# --------------------------------------------------------------------------- model


@dataclass
class Credential:
    """An API key or a service account token: what a ``Bearer`` header may carry."""

    id: str
    name: str
    key: str
    role: str
    expires: float
    created: float = field(default_factory=_now)

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires


@dataclass
class ServiceAccount:
    id: str
    name: str
    role: str
    tokens: dict[str, Credential] = field(default_factory=dict)


@dataclass
class GrafanaInstance:
    """The Grafana server behind one workspace: data sources and dashboards."""

    datasources: dict[str, dict] = field(default_factory=dict)  # uid -> record
    dashboards: dict[str, dict] = field(default_factory=dict)  # uid -> {dashboard, meta}
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


@dataclass
class Workspace:
    id: str
    arn: str
    body: dict
    endpoint: str
    created: float = field(default_factory=_now)
    modified: float = field(default_factory=_now)
    configuration: str = "{}"
    permissions: list[dict] = field(default_factory=list)
    api_keys: dict[str, Credential] = field(default_factory=dict)
    service_accounts: dict[str, ServiceAccount] = field(default_factory=dict)
    grafana: GrafanaInstance = field(default_factory=GrafanaInstance)

    def credential(self, key: str) -> Credential | None:
        candidates = list(self.api_keys.values())
        for account in self.service_accounts.values():
            candidates.extend(account.tokens.values())
        for candidate in candidates:
            if secrets.compare_digest(candidate.key, key) and not candidate.expired:
                return candidate
        return None


def _check_ttl(ttl: object) -> None:
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= 2592000:
        raise _validation("secondsToLive must be between 1 and 2592000")


def _json_object(text: object, name: str) -> dict:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise _validation(f"{name} must be a JSON object")
    return value


def _page(items: list, query: dict, key: str) -> dict:
    try:
        size = int(query.get("maxResults") or 100)
        start = int(query.get("nextToken") or 0)
    except ValueError:
        raise _validation("maxResults and nextToken must be numbers") from None
    out = {key: items[start : start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out
