"""What a deployment needs on Azure, per layer, and whether a principal's roles grant it.

Azure RBAC: a principal may do an action when one of its role assignments whose scope covers
the target (the subscription, or the twin's resource group under it) has a role definition
with a permission block whose ``actions`` (``dataActions`` for data-plane operations) match
the action and whose ``notActions`` (``notDataActions``) do not. Matching is case-insensitive
and ``*`` matches any characters. Deny assignments and ABAC conditions are not evaluated: an
action only a conditional assignment grants is "unknown".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from dtwin_gui.clouds.base import Decision

ALLOWED, DENIED, UNKNOWN = Decision.ALLOWED, Decision.DENIED, Decision.UNKNOWN
SETUP = "setup"
GROUPS = (SETUP, "L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5")
#: Marks an action as a data action (``dataActions`` of a role), shown as such on the page.
DATA = "data:"

_RW = ("read", "write", "delete")


def _ops(resource: str, *verbs: str) -> tuple[str, ...]:
    return tuple(f"{resource}/{v}" for v in (verbs or _RW))


_ROLE_ASSIGNMENTS = _ops("Microsoft.Authorization/roleAssignments")
_STORAGE = (
    *_ops("Microsoft.Storage/storageAccounts"),
    "Microsoft.Storage/storageAccounts/listKeys/action",
    *_ops("Microsoft.Storage/storageAccounts/blobServices", "read", "write"),
    *_ops("Microsoft.Storage/storageAccounts/blobServices/containers"),
    *_ops("Microsoft.Storage/storageAccounts/managementPolicies"),
)
_FUNCTION_APPS = (
    *_ops("Microsoft.Web/serverfarms"),
    *_ops("Microsoft.Web/sites"),
    *_ops("Microsoft.Web/sites/config"),
    "Microsoft.Web/sites/config/list/action",
    "Microsoft.Web/sites/host/listkeys/action",
    "Microsoft.Web/sites/publish/action",
    "Microsoft.Web/sites/restart/action",
    *_ops("Microsoft.Insights/components"),
    # Status's hop health and dtwin logs query the functions' logs (app_insights.py)
    "Microsoft.Insights/components/query/read",
    *_STORAGE,
    *_ROLE_ASSIGNMENTS,
)
_COSMOS = (
    *_ops("Microsoft.DocumentDB/databaseAccounts"),
    "Microsoft.DocumentDB/databaseAccounts/listKeys/action",
    *_ops("Microsoft.DocumentDB/databaseAccounts/sqlDatabases"),
    *_ops("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers"),
    *_ops("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"),
    "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions/read",
    # The older tool failed here: reading the account's metadata is a data action.
    DATA + "Microsoft.DocumentDB/databaseAccounts/readMetadata",
    DATA + "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*",
)

#: Per group, the control-plane actions (and ``data:`` data actions) the deployment calls:
#: the azurerm resources of ``terraform/modules/azure/<layer>``, the provisioner and the SDK
#: steps (IoT Hub devices, ADT models and twins, the Grafana datasource and dashboard).
REQUIRED: dict[str, tuple[str, ...]] = {
    SETUP: (
        "Microsoft.Resources/subscriptions/read",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        "Microsoft.Resources/subscriptions/resourceGroups/write",
        "Microsoft.Resources/subscriptions/resourceGroups/delete",
        "Microsoft.Resources/subscriptions/resourceGroups/resources/read",
        "Microsoft.Resources/deployments/read",
        "Microsoft.Authorization/roleAssignments/read",
        "Microsoft.Authorization/roleDefinitions/read",
        "Microsoft.Resources/subscriptions/providers/read",
        "Microsoft.Storage/register/action",
        "Microsoft.Web/register/action",
    ),
    "L1": (
        *_ops("Microsoft.Devices/IotHubs"),
        "Microsoft.Devices/IotHubs/listkeys/Action",
        *_ops("Microsoft.EventGrid/systemTopics"),
        *_ops("Microsoft.EventGrid/systemTopics/eventSubscriptions"),
        DATA + "Microsoft.Devices/IotHubs/devices/*",
        *_FUNCTION_APPS,
    ),
    "L2": _FUNCTION_APPS,
    "L3_hot": (*_COSMOS, *_FUNCTION_APPS),
    "L3_cold": (*_STORAGE, *_FUNCTION_APPS),
    "L3_archive": (*_STORAGE, *_FUNCTION_APPS),
    "L4": (
        *_ops("Microsoft.DigitalTwins/digitalTwinsInstances"),
        DATA + "Microsoft.DigitalTwins/models/*",
        DATA + "Microsoft.DigitalTwins/digitaltwins/*",
        DATA + "Microsoft.DigitalTwins/query/action",
        *_ROLE_ASSIGNMENTS,
    ),
    "L5": (
        *_ops("Microsoft.Dashboard/grafana"),
        DATA + "Microsoft.Dashboard/grafana/ActAsGrafanaAdmin/action",
        *_ROLE_ASSIGNMENTS,
    ),
}

#: Built-in data-plane roles the modules assign to the Function Apps' managed identities
#: (least privilege instead of keys in app settings), with their role definition IDs.
DATA_PLANE_ROLES: dict[str, str] = {
    "Cosmos DB Built-in Data Contributor": "00000000-0000-0000-0000-000000000002",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Azure Digital Twins Data Owner": "bcd981a7-7f74-457b-83e1-cceb9e632ffe",
    "IoT Hub Data Contributor": "4fc6c259-987e-4a07-842e-c321cc9d413f",
    "Grafana Viewer": "60921a7e-fef1-4a43-9b16-a26c52ad4769",
}


def required_actions(layers: Iterable[str] | None = None) -> dict[str, list[str]]:
    """``{group: [action]}`` for "setup" plus ``layers`` (every layer when None)."""
    wanted = set(GROUPS) if layers is None else {SETUP, *map(str, layers)}
    return {g: sorted(set(REQUIRED[g]), key=str.lower) for g in GROUPS if g in wanted}


@lru_cache(maxsize=512)
def _pattern(wildcard: str) -> re.Pattern[str]:
    return re.compile(".*".join(map(re.escape, wildcard.split("*"))) + r"\Z", re.IGNORECASE)


def matches(pattern: str, action: str) -> bool:
    """Azure's wildcard match: case-insensitive, ``*`` for any characters (also none)."""
    return bool(_pattern(pattern).match(action))


def _wildcard_covers(granted: str, wanted: str) -> bool:
    """A granted pattern covers a wanted one (which may itself end in a wildcard)."""
    return matches(granted, wanted) or matches(granted, wanted.replace("*", "x"))


@dataclass(frozen=True)
class RolePermission:
    """One permission block of a role definition."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    def grants(self, action: str) -> bool:
        data = action.startswith(DATA)
        name = action.removeprefix(DATA)
        allow, deny = (
            (self.data_actions, self.not_data_actions) if data else (self.actions, self.not_actions)
        )
        return any(_wildcard_covers(a, name) for a in allow) and not any(
            _wildcard_covers(n, name) for n in deny
        )


@dataclass(frozen=True)
class Grant:
    """A role assignment as evaluated: where it applies and what its role permits."""

    scope: str
    role: str
    permissions: tuple[RolePermission, ...]
    conditional: bool = False

    def covers(self, scope: str) -> bool:
        mine = self.scope.rstrip("/").lower()
        if mine == "" or "/providers/microsoft.management/managementgroups/" in mine + "/":
            return True  # the root or a management group above the subscription
        target = scope.rstrip("/").lower()
        return target == mine or target.startswith(mine + "/")


@dataclass
class AzurePermissionReport:
    """Per group, each required action's decision (a :class:`PermissionReport`)."""

    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    note: str = ""
    roles: list[str] = field(default_factory=list)

    def actions(self, decision: str) -> list[str]:
        found = {a for g in self.groups.values() for a, d in g.items() if d == decision}
        return sorted(found, key=str.lower)

    @property
    def denied(self) -> list[str]:
        return self.actions(DENIED)

    def counts(self, group: str) -> dict[str, int]:
        values = list(self.groups.get(group, {}).values())
        return {str(d): values.count(d) for d in (ALLOWED, DENIED, UNKNOWN)}

    def role_json(self, subscription_id: str = "") -> str:
        """Custom role JSON of the denied actions, or of every action when none is denied
        (nothing could be told, or to create the role before the first deploy)."""
        from dtwin_gui.clouds.azure.custom_role import custom_role_json

        every = [a for g in self.groups.values() for a in g]
        return custom_role_json(subscription_id=subscription_id, only=self.denied or every)


def decide(action: str, grants: Iterable[Grant], scope: str) -> str:
    found = [g for g in grants if g.covers(scope) and any(p.grants(action) for p in g.permissions)]
    if any(not g.conditional for g in found):
        return ALLOWED
    return UNKNOWN if found else DENIED


def evaluate(
    grants: Iterable[Grant],
    groups: Mapping[str, Iterable[str]],
    subscription_scope: str,
    resource_group_scope: str | None = None,
) -> AzurePermissionReport:
    """Decide every action: "setup" at the subscription, the layers at the resource group."""
    grants = list(grants)
    decided = {}
    for group, actions in groups.items():
        scope = subscription_scope if group == SETUP else resource_group_scope or subscription_scope
        decided[group] = {a: decide(a, grants, scope) for a in actions}
    report = AzurePermissionReport(decided, roles=sorted({g.role for g in grants}))
    if any(g.conditional for g in grants):
        report.note = "Some role assignments have conditions dtwin cannot evaluate: "
        report.note += "what only they grant is shown as unknown."
    return report


def unknown_report(groups: Mapping[str, Iterable[str]], note: str) -> AzurePermissionReport:
    return AzurePermissionReport({g: dict.fromkeys(a, UNKNOWN) for g, a in groups.items()}, note)
