"""The per-cloud parts the neutral pages and commands iterate over: live probes, leftovers,
console links, the telemetry trace and publisher, the code check and the fingerprint's
target identity.

Each connected cloud's plugin (:mod:`dtwin_gui.clouds`) answers for its own resources; a
cloud that has no such part yet is reported, never silently taken as "all fine". Every
function takes a :class:`~dtwin_gui.clouds.base.Connections` or a single connection (a
one-cloud deployment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import UNKNOWN, Connections, ConsoleLink, Probe
from dtwin_gui.core.providers import Cloud, Slot, parse_cloud


def _owner(resource_type: str, connections: Connections):
    for cloud in connections.clouds:
        if resource_type.startswith(plugin(cloud).terraform_types or ("\0",)):
            return cloud
    return None


def probe_resources(connections: Connections, resources: Iterable) -> dict[str, Probe]:
    """``{address: Probe}`` for the managed state ``resources``, each asked of its cloud."""
    connections = Connections.wrap(connections)
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
    connections = Connections.wrap(connections)
    found: dict[str, list[str]] = {}
    for cloud in connections.clouds:
        lister = plugin(cloud).part("leftovers")
        if lister is None:
            continue
        for kind, names in lister(connections[cloud], twin_name).items():
            found.setdefault(kind, []).extend(names)
    return found


# --- console links -------------------------------------------------------------------------------
def _link_cloud(connections: Connections, cloud: str | None):
    key = parse_cloud(cloud) if cloud else None
    if not cloud:
        return None, ConsoleLink(None, "no cloud chosen")
    if key is None or key not in connections:
        return None, ConsoleLink(None, f"not connected to {plugin(key).label if key else cloud}")
    return key, None


def layer_link(
    connections, layer: str, cloud: str | None, outputs: Mapping, twin_name: str
) -> ConsoleLink:
    """The console page of ``layer``, answered by ``cloud``, the cloud hosting it."""
    connections = Connections.wrap(connections)
    key, missing = _link_cloud(connections, cloud)
    if missing is not None:
        return missing
    part = plugin(key).part("console_link")
    if part is None:
        return ConsoleLink(None, f"no {plugin(key).label} console links yet")
    return part(connections[key], layer, dict(outputs or {}), twin_name)


def resource_link(connections, cloud: str | None, component: str, name: str, **kw) -> ConsoleLink:
    """The console page of one resource of ``cloud`` (``component``: its Terraform type or
    SDK probe kind); ``kw`` as the cloud's ``resource_link`` part takes them."""
    connections = Connections.wrap(connections)
    key, missing = _link_cloud(connections, cloud)
    if missing is not None:
        return missing
    part = plugin(key).part("resource_link")
    if part is None:
        return ConsoleLink(None, f"no {plugin(key).label} console links yet")
    return part(connections[key], component, name, **kw)


def resource_cloud(component: str, connections) -> Cloud | None:
    """The connected cloud whose provider owns the resource type ``component``."""
    return _owner(component, Connections.wrap(connections))


# --- telemetry: trace and publish ----------------------------------------------------------------
def _l1_cloud(project, connections: Connections, what: str, error: type[Exception]) -> Cloud:
    cloud = project.providers.get(Slot.L1)
    if cloud is None and len(connections.clouds) == 1:
        cloud = connections.clouds[0]  # as before clouds were chosen per layer
    if cloud is None:
        raise error(f"L1 has no cloud chosen; choose one on the Twin page before {what}")
    return cloud


def _connection(connections: Connections, cloud: Cloud, error: type[Exception]):
    if cloud not in connections:
        label = plugin(cloud).label
        raise error(
            f"L1 is on {label}, and this {connections.mode} deployment has no {label} "
            "connection; sign in on the Credentials page"
        )
    return connections[cloud]


def trace_telemetry(project, connections, outputs: Mapping, **kw: Any):
    """Send one test message and follow it: by the ``trace`` part of L1's cloud when L3 hot
    is on that cloud too, else through the parts every cloud has (L1's ``publish``, L3 hot's
    ``hot_reader``: :mod:`dtwin_gui.deploy.trace_parts`). Clouds with neither give every hop
    "cannot trace through <cloud> yet" instead of failing; ``kw`` as
    :func:`dtwin_gui.clouds.aws.trace.trace_telemetry` takes them."""
    from dtwin_gui.core.providers import Slot
    from dtwin_gui.deploy.trace import (
        TraceError,
        TraceResult,
        cannot_trace,
        layer_hops,
        make_test_message,
        skip_rest,
    )

    connections = Connections.wrap(connections)
    cloud = _l1_cloud(project, connections, "tracing a message", TraceError)
    hot = project.providers.get(Slot.L3_HOT)
    part = plugin(cloud).part("trace")
    readable = hot is not None and plugin(hot).part("hot_reader") is not None
    if part is not None and (hot in (None, cloud) or not readable):
        connection = _connection(connections, cloud, TraceError)
        return part(project, connection, dict(outputs or {}), **kw)
    if plugin(cloud).part("publish") is not None and readable:
        from dtwin_gui.deploy.trace_parts import trace_through_parts

        return trace_through_parts(project, connections, dict(outputs or {}), **kw)
    device, _ = make_test_message(project, kw.get("device_id"))
    result = TraceResult(device, "", "", "", layer_hops())
    blocker = cloud if plugin(cloud).part("publish") is None or hot is None else hot
    skip_rest(result.hops, cannot_trace(blocker))
    return result


def telemetry_publisher(project, connections) -> tuple[Cloud, Callable[[str, bytes], None]]:
    """``(cloud of L1, publish(topic, body))``: how a device's telemetry enters the twin.

    The part gets the deployment's workspace too: a device's own credentials are kept there
    (Azure: each device's IoT Hub connection string)."""
    from dtwin_gui.deploy.simulate import SimulationError
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    connections = Connections.wrap(connections)
    cloud = _l1_cloud(project, connections, "sending telemetry", SimulationError)
    part = plugin(cloud).part("publish")
    if part is None:
        raise SimulationError(f"dtwin cannot send telemetry to {plugin(cloud).label} yet")
    connection = _connection(connections, cloud, SimulationError)
    workspace = DeploymentWorkspace(project.root, connections.name)
    return cloud, part(connection, workspace=workspace)


def feedback_receiver(project, connections) -> Callable[[str], list[bytes]]:
    """``receive(device_id) -> [message bytes]``: the feedback waiting for a device, read as
    the device reads it from L1's cloud (each message taken once)."""
    from dtwin_gui.deploy.simulate import SimulationError
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    connections = Connections.wrap(connections)
    cloud = _l1_cloud(project, connections, "listening for feedback", SimulationError)
    part = plugin(cloud).part("feedback")
    if part is None:
        raise SimulationError(
            f"dtwin cannot listen to a device's feedback on {plugin(cloud).label} yet"
        )
    connection = _connection(connections, cloud, SimulationError)
    return part(connection, workspace=DeploymentWorkspace(project.root, connections.name))


# --- after a deploy: the code every function runs ------------------------------------------------
def check_code(connections, builds: Iterable, outputs: Mapping, log: Callable[[str], None]) -> list:
    """Functions that still do not run the package this deploy built, after each connected
    cloud's ``code_check`` part repaired what it could (a cloud without one is logged)."""
    connections = Connections.wrap(connections)
    builds = list(builds)
    still: list = []
    for cloud in connections.clouds:
        own = [b for b in builds if str(b.cloud) == str(cloud)]
        if not own:
            continue
        part = plugin(cloud).part("code_check")
        if part is None:
            log(f"the code of the {plugin(cloud).label} functions cannot be checked yet")
            continue
        still.extend(part(connections[cloud], own, dict(outputs or {}), log=log))
    return still


# --- the fingerprint's target --------------------------------------------------------------------
def target_identity(connections, outputs: Mapping | None = None) -> dict:
    """``{"name": target name, <cloud>: that cloud's identity part}`` for every connected
    cloud; a cloud without the part is identified by its description only."""
    connections = Connections.wrap(connections)
    found: dict = {"name": connections.name}
    for cloud in connections.clouds:
        part = plugin(cloud).part("identity")
        connection = connections[cloud]
        if part is None:
            found[str(cloud)] = {"describe": connection.describe()}
        else:
            found[str(cloud)] = part(connection, dict(outputs or {}))
    return found
