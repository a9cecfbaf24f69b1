"""The ``probes`` part on a real subscription: is each azurerm resource of Terraform's state
still in Azure? (In the sandbox Azure has no Terraform state: ``probes.py`` looks up what the
provisioner made.)

Each resource group of the state is listed once (``resources.list_by_resource_group``, the
top-level resources with their ids); a resource is present when its ARM id, or the id of
the top-level resource it belongs to (a Cosmos SQL container under its account, a role
assignment under its scope), is listed. A resource group is asked directly. What cannot be
asked (no permission, the group unreadable) is ``unknown`` with the reason, never missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dtwin_gui.clouds.base import MISSING, PRESENT, UNKNOWN, Probe

_GROUP = re.compile(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)", re.IGNORECASE)
#: The ARM id of a top-level resource: provider, type and name after the group.
_TOP = re.compile(
    r"^(/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[^/]+/[^/]+/[^/]+)", re.IGNORECASE
)


def _client(connection):
    from azure.mgmt.resource import ResourceManagementClient

    return ResourceManagementClient(connection.credential(), connection.subscription_id)


def probe_resources(connection, resources: Iterable, *, client=None) -> dict[str, Probe]:
    """``{address: Probe}`` for the azurerm resources of a state (others are not Azure's)."""
    resources = [r for r in resources if getattr(r, "mode", "managed") == "managed"]
    out: dict[str, Probe] = {}
    listed: dict[str, set[str] | Exception] = {}
    groups: dict[str, bool | Exception] = {}
    for resource in resources:
        arm_id = str((resource.attributes or {}).get("id") or "")
        found = _GROUP.match(arm_id)
        if not found:
            out[resource.address] = Probe(resource.address, UNKNOWN, "no Azure id in the state")
            continue
        client = client or _client(connection)
        group = found.group(1)
        if group not in groups:
            try:
                groups[group] = bool(client.resource_groups.check_existence(group))
            except Exception as exc:  # permissions, network: a status, never a crash
                groups[group] = exc
        exists = groups[group]
        if isinstance(exists, Exception):
            out[resource.address] = Probe(resource.address, UNKNOWN, _why(exists))
            continue
        if not exists:
            out[resource.address] = Probe(
                resource.address, MISSING, f"resource group {group} is gone"
            )
            continue
        if arm_id.rstrip("/").lower() == f"{found.group(0)}".lower():
            out[resource.address] = Probe(resource.address, PRESENT, f"resource group {group}")
            continue
        if group not in listed:
            try:
                listed[group] = {
                    str(item.id).lower() for item in client.resources.list_by_resource_group(group)
                }
            except Exception as exc:
                listed[group] = exc
        ids = listed[group]
        if isinstance(ids, Exception):
            out[resource.address] = Probe(resource.address, UNKNOWN, _why(ids))
            continue
        top = _TOP.match(arm_id)
        wanted = {arm_id.lower(), top.group(1).lower() if top else arm_id.lower()}
        state = PRESENT if wanted & ids else MISSING
        detail = "" if state == PRESENT else f"not in resource group {group}"
        out[resource.address] = Probe(resource.address, state, detail)
    return out


def _why(exc: Exception) -> str:
    return f"not checked: {type(exc).__name__}: {str(exc)[:200]}"
