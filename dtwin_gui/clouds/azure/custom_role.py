"""An Azure custom role definition (JSON) of exactly what the chosen layers need.

The JSON is what ``az role definition create --role-definition @role.json`` takes: control
plane ``Actions``, data plane ``DataActions`` (Cosmos ``readMetadata``, the items, IoT Hub
devices, Digital Twins models and twins, Grafana admin for the datasource and dashboard),
assignable at the subscription. The deploying principal needs
``Microsoft.Authorization/roleAssignments/write`` to give the Function Apps' managed
identities their data-plane roles (:data:`~.permissions.DATA_PLANE_ROLES`); the description
names them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from dtwin_gui.clouds.azure.permissions import DATA, DATA_PLANE_ROLES, required_actions

ROLE_NAME = "dtwin deployer"


def role_definition(
    actions: Iterable[str], subscription_id: str = "", *, name: str = ROLE_NAME
) -> dict:
    """The custom role granting ``actions`` (``data:``-marked ones as DataActions)."""
    wanted = sorted(set(actions), key=str.lower)
    scope = f"/subscriptions/{subscription_id or '<subscription-id>'}"
    return {
        "Name": name,
        "IsCustom": True,
        "Description": "What dtwin needs to deploy and destroy a digital twin. It assigns "
        "these data-plane roles to the Function Apps' managed identities: "
        + ", ".join(DATA_PLANE_ROLES)
        + ".",
        "Actions": [a for a in wanted if not a.startswith(DATA)],
        "NotActions": [],
        "DataActions": [a.removeprefix(DATA) for a in wanted if a.startswith(DATA)],
        "NotDataActions": [],
        "AssignableScopes": [scope],
    }


def custom_role_json(
    layers: Iterable[str] | None = None,
    subscription_id: str = "",
    *,
    only: Iterable[str] | None = None,
) -> str:
    """The role JSON for ``layers`` (every layer when None), or for ``only`` those actions
    (the denied ones of a preflight)."""
    if only is not None:
        actions = list(only)
    else:
        actions = [a for group in required_actions(layers).values() for a in group]
    return json.dumps(role_definition(actions, subscription_id), indent=2)
