"""The per-cloud parts a deployment iterates over: live probes and leftovers.

Each connected cloud's plugin (:mod:`dtwin_gui.clouds`) answers for its own resources; a
cloud that has no such part yet is reported, never silently taken as "all fine".
"""

from __future__ import annotations

from collections.abc import Iterable

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import UNKNOWN, Connections, Probe


def _owner(resource_type: str, connections: Connections):
    for cloud in connections.clouds:
        if resource_type.startswith(plugin(cloud).terraform_types or ("\0",)):
            return cloud
    return None


def probe_resources(connections: Connections, resources: Iterable) -> dict[str, Probe]:
    """``{address: Probe}`` for the managed state ``resources``, each asked of its cloud."""
    by_cloud: dict = {}
    out: dict[str, Probe] = {}
    for resource in resources:
        if resource.mode != "managed":
            continue
        cloud = _owner(resource.type, connections)
        if cloud is None:
            out[resource.address] = Probe(
                resource.address, UNKNOWN, f"no connected cloud owns {resource.type}"
            )
            continue
        by_cloud.setdefault(cloud, []).append(resource)
    for cloud, owned in by_cloud.items():
        probe = plugin(cloud).part("probes")
        if probe is None:
            for r in owned:
                out[r.address] = Probe(r.address, UNKNOWN, f"{cloud} cannot be probed yet")
            continue
        out.update(probe(connections[cloud], owned))
    return out


def find_leftovers(connections: Connections, twin_name: str) -> dict[str, list[str]]:
    """``{kind: [names]}`` of what is named for ``twin_name`` in every connected cloud."""
    found: dict[str, list[str]] = {}
    for cloud in connections.clouds:
        lister = plugin(cloud).part("leftovers")
        if lister is None:
            continue
        for kind, names in lister(connections[cloud], twin_name).items():
            found.setdefault(kind, []).extend(names)
    return found
