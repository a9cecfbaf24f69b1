"""The ``provision`` phase: clouds the sandbox provisions on emulators instead of Terraform.

In a sandbox deployment a cloud whose plugin takes :attr:`SandboxPath.PROVISIONED` (Azure:
no azurerm provider can be installed here) is outside the Terraform root
(:func:`dtwin_gui.iac.root.clouds_in_root`). Its plugin's part ``provision`` creates the
same intent on the emulators after Terraform's apply (it may need the Terraform clouds'
outputs, e.g. receiver URLs) and before the SDK phase; part ``deprovision`` removes it on
destroy. What a provisioner made is saved in ``<workspace>/provisioned.json`` (0600)::

    {"version": 1, "clouds": {"azure": {...what provision returned...}}}

so a destroy deprovisions it and the deploy fingerprint sees it (an unchanged redeploy skips
the phase). The parts are called as::

    provision(ctx, saved) -> dict      # converges: running it again changes nothing
    deprovision(ctx, saved) -> [str]   # what is still there, one readable line each

with ``ctx`` a :class:`ProvisionContext`. Glue secrets reach a provisioner through
``ctx.glue_secrets()`` (:mod:`dtwin_gui.deploy.glue_secrets`), never through a file.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections, SandboxPath
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.run_events import LogEvent, ResourceEvent

STATE_FILE = "provisioned.json"
#: In a cloud's record while its provisioner runs (a run cut short keeps it).
INCOMPLETE = "incomplete"
VERSION = 1


@dataclass
class ProvisionContext:
    """What a provisioner is called with."""

    project: Any
    topology: Any
    cloud: Cloud
    connection: Any
    workspace: Any
    #: The packages this deploy built (``BuildResult`` objects), empty on destroy.
    builds: tuple = ()
    #: Terraform's root outputs (``{}`` when the deployment has no Terraform root).
    outputs: Mapping[str, Any] = field(default_factory=dict)
    project_root: Path | None = None
    target: str = "sandbox"
    _emit: Callable[[Any], None] = lambda event: None

    def log(self, level: str, message: str) -> None:
        self._emit(LogEvent(str(self.cloud), level, message))

    def resource(self, layer: str, kind: str, name: str, action: str, state: str) -> None:
        """One provisioned object's event (address ``provisioned:<kind>:<name>``), shown in
        the Deploy page's tree under its layer."""
        self._emit(
            ResourceEvent(
                f"provisioned:{kind}:{name}", str(layer), kind, action, state, source="provision"
            )
        )

    def glue_secrets(self):
        """The deployment's glue secrets (:class:`~dtwin_gui.deploy.glue_secrets.GlueSecrets`)."""
        from dtwin_gui.deploy.glue_secrets import GlueSecrets

        return GlueSecrets(Path(self.project_root), self.target, self.topology)


def provisioned_clouds(topology, connections: Connections) -> list[Cloud]:
    """The clouds in use that this (sandbox) deployment provisions on emulators."""
    if not connections.is_sandbox:
        return []
    return [
        cloud
        for cloud in topology.clouds
        if cloud in connections and plugin(cloud).sandbox_path is SandboxPath.PROVISIONED
    ]


def provisioned_for(project_root, connections: Connections) -> list[Cloud]:
    """:func:`provisioned_clouds` of the project (``[]`` when it cannot be read: validate
    reports that)."""
    try:
        return provisioned_clouds(_project_at(project_root)[1], connections)
    except Exception:
        return []


def rootless(project_root, connections: Connections) -> bool:
    """True when no cloud of the deployment is in the Terraform root and some are provisioned
    (the deploy skips init, plan and apply instead of failing on an empty root)."""
    from dtwin_gui.iac.root import clouds_in_root

    try:
        topology = _project_at(project_root)[1]
    except Exception:
        return False
    return not clouds_in_root(topology, connections) and bool(
        provisioned_clouds(topology, connections)
    )


def state_path(workspace) -> Path:
    return Path(workspace.root) / STATE_FILE


def load_state(workspace) -> dict[str, dict]:
    """``{cloud: saved}`` of what the provisioners made (``{}`` when nothing)."""
    data = workspace.read_json(state_path(workspace), {})
    clouds = data.get("clouds") if isinstance(data, dict) else None
    return {str(k): v for k, v in clouds.items() if isinstance(v, dict)} if clouds else {}


def save_state(workspace, clouds: Mapping[str, dict]) -> None:
    kept = {k: v for k, v in clouds.items() if v}
    path = state_path(workspace)
    if not kept:
        workspace.remove_json(path)
        return
    workspace.write_json(path, {"version": VERSION, "clouds": dict(sorted(kept.items()))})


def state_digest(workspace) -> str | None:
    """SHA-256 of the saved record, for the deploy fingerprint (None: nothing provisioned)."""
    clouds = load_state(workspace)
    if not clouds:
        return None
    return hashlib.sha256(json.dumps(clouds, sort_keys=True).encode()).hexdigest()


def output_key(boundary: str) -> str:
    """The root output naming a boundary's receiver URL (``l2_l3hot_writer_receiver_url``)."""
    return boundary.replace("-", "_") + "_receiver_url"


def _hosted_urls(deployment, project, topology, cloud: Cloud) -> dict[str, str]:
    """``{boundary: url}`` of the receivers ``cloud`` hosts, known before anything is made
    (its ``receiver_urls`` part: a provisioned cloud's, the sandbox's AWS), ``{}`` when it has
    no such part."""
    part = plugin(cloud).part("receiver_urls")
    if part is None:
        return {}
    return part(_context(deployment, project, topology, cloud, (), {}))


def reachable_outputs(topology, connections: Connections, outputs: Mapping) -> dict:
    """``outputs`` with each glue receiver's URL (``<boundary>_receiver_url``) as the sandbox
    serves it, by the receiving cloud's ``sandbox_url`` part (AWS: moto's Lambda Function URL
    becomes the gateway's); unchanged where a cloud has no such part."""
    out = dict(outputs or {})
    for boundary in topology.boundaries:
        key = output_key(boundary.name)
        cloud = boundary.target_cloud
        part = plugin(cloud).part("sandbox_url")
        if isinstance(out.get(key), str) and part is not None and cloud in connections:
            out[key] = part(connections[cloud], out[key])
    return out


def _context(deployment, project, topology, cloud, builds, outputs) -> ProvisionContext:
    return ProvisionContext(
        project=project,
        topology=topology,
        cloud=cloud,
        connection=deployment.connections[cloud],
        workspace=deployment.workspace,
        builds=tuple(builds or ()),
        outputs=reachable_outputs(topology, deployment.connections, outputs),
        project_root=deployment.project_root,
        target=deployment.connections.name,
        _emit=lambda event: deployment._emit(event),
    )


def _project_at(project_root):
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project

    project = load_project(Path(project_root))
    return project, topology_for_project(project)


def project_topology(deployment):
    return _project_at(deployment.project_root)


def run_provision(deployment, builds, outputs) -> list[Cloud]:
    """The ``provision`` phase one cloud after another (receivers first); returns the clouds
    provisioned. The deploy runs them side by side instead (:mod:`.cloud_tasks`)."""
    project, topology = project_topology(deployment)
    clouds = provisioned_clouds(topology, deployment.connections)
    outputs = {**dict(outputs or {}), **provisioned_receiver_outputs(deployment, clouds)}
    clouds = receivers_first(topology, clouds)
    for cloud in clouds:
        provision_cloud(deployment, cloud, builds, outputs, (project, topology))
    return clouds


#: Provisioners of several clouds run side by side and share ``provisioned.json``.
_STATE_LOCK = threading.Lock()


def _record(deployment, cloud: Cloud, record: dict) -> None:
    with _STATE_LOCK:  # read again: another cloud's provisioner may have saved meanwhile
        saved = load_state(deployment.workspace)
        saved[str(cloud)] = record
        save_state(deployment.workspace, saved)


def provision_cloud(deployment, cloud: Cloud, builds, outputs, loaded=None) -> None:
    """Provision one cloud. ``outputs`` are the root's outputs and the receiver URLs the
    other provisioned clouds host. A cloud without a ``provision`` part fails the phase (it
    cannot be deployed in the sandbox yet)."""
    from dtwin_gui.deploy.run_result import DeployFailed

    provision = plugin(cloud).part("provision")
    if provision is None:
        raise DeployFailed(
            "provision",
            f"{plugin(cloud).label} cannot be provisioned on the sandbox's emulators by "
            "this version",
            "choose another cloud for those layers on the Layers page",
        )
    project, topology = loaded or project_topology(deployment)
    ctx = _context(deployment, project, topology, cloud, builds, outputs)
    # Recorded before anything is made: a deploy killed half-way leaves a record a destroy
    # acts on (the deprovisioner also finds what it made by name); a provisioner converges
    # from the saved record, so a failed run is simply rerun.
    previous = dict(load_state(deployment.workspace).get(str(cloud), {}))
    _record(deployment, cloud, {**previous, INCOMPLETE: True})
    result = provision(ctx, previous)
    _record(deployment, cloud, dict(result or {}))
    label = plugin(cloud).label
    deployment._emit(LogEvent("dtwin", "info", f"{label} provisioned on the emulators"))


def receivers_first(topology, clouds: list[Cloud]) -> list[Cloud]:
    """``clouds`` in the order a redeploy must update them: a cloud whose receivers another
    cloud here sends to before that sender (after a secret rotation a receiver must accept the
    new secret before a sender signs with it; it keeps accepting the previous one). Where the
    clouds send to each other both ways, the given order decides between them."""
    sends_to = {
        c: {
            b.target_cloud
            for b in topology.boundaries
            if b.source_cloud is c and b.target_cloud in clouds and b.target_cloud is not c
        }
        for c in clouds
    }
    ordered: list[Cloud] = []
    left = list(clouds)
    while left:
        ready = next((c for c in left if sends_to[c] <= set(ordered)), left[0])
        ordered.append(ready)
        left.remove(ready)
    return ordered


def provisioned_receiver_outputs(deployment, clouds) -> dict[str, str]:
    """``<boundary>_receiver_url`` of every receiver a provisioned cloud hosts for a sender
    on another provisioned cloud (Google's persister to Azure's hot writer): the senders
    read these as they read a Terraform cloud's outputs. Known before anything is made."""
    return _known_receivers(deployment, hosts=clouds, senders=clouds)


def root_receiver_outputs(deployment, provisioned) -> dict[str, str]:
    """``<boundary>_receiver_url`` of the receivers a Terraform cloud will host for a sender
    on a ``provisioned`` cloud, where that cloud knows them before the apply (its
    ``receiver_urls`` part: the sandbox's AWS); ``{}`` for the others."""
    topology = project_topology(deployment)[1]
    hosts = [
        c
        for c in {b.target_cloud for b in topology.boundaries} - set(provisioned)
        if c in deployment.connections
    ]
    return _known_receivers(deployment, hosts=hosts, senders=provisioned)


def _known_receivers(deployment, *, hosts, senders) -> dict[str, str]:
    """``<boundary>_receiver_url`` of each receiver on one of ``hosts`` (as its
    ``receiver_urls`` part names it before anything is made) for a sender on ``senders``."""
    project, topology = project_topology(deployment)
    out: dict[str, str] = {}
    for cloud in hosts:
        urls = _hosted_urls(deployment, project, topology, cloud)
        for boundary in topology.boundaries:
            url = urls.get(boundary.name)
            if url and boundary.target_cloud is cloud and boundary.source_cloud in senders:
                out[output_key(boundary.name)] = url
    return out


def receiver_environment(deployment) -> dict[str, str]:
    """``TF_VAR_glue_<boundary>_url`` of every glue receiver a provisioned cloud hosts for a
    sender in the Terraform root (part ``receiver_urls``; the URLs are known before apply)."""
    from dtwin_gui.iac.root import clouds_in_root
    from dtwin_gui.iac.root_parts import glue_variable

    try:
        project, topology = project_topology(deployment)
    except Exception:  # validate reports an unreadable project
        return {}
    in_root = set(clouds_in_root(topology, deployment.connections))
    env: dict[str, str] = {}
    for cloud in provisioned_clouds(topology, deployment.connections) if in_root else ():
        urls = _hosted_urls(deployment, project, topology, cloud)
        for boundary in topology.boundaries:
            url = urls.get(boundary.name)
            if url and boundary.target_cloud is cloud and boundary.source_cloud in in_root:
                env["TF_VAR_" + glue_variable(boundary.name, "url")] = url
    return env


def receiver_urls(deployment, outputs: Mapping) -> dict[str, str]:
    """``{boundary: url}`` of every crossing boundary's glue receiver as this deployment's
    connections reach it: from the root's ``<boundary>_receiver_url`` outputs where Terraform
    made the receiver, from the receiving cloud's ``receiver_urls`` part where it was
    provisioned. A receiver neither knows (not deployed, or no such part) is left out."""
    project, topology = project_topology(deployment)
    found: dict[str, str] = {}
    reachable = reachable_outputs(topology, deployment.connections, outputs)
    provisioned = set(provisioned_clouds(topology, deployment.connections))
    hosted = {c: _hosted_urls(deployment, project, topology, c) for c in provisioned}
    for boundary in topology.boundaries:
        cloud = boundary.target_cloud
        if cloud in provisioned:
            url = hosted[cloud].get(boundary.name)
        else:
            url = reachable.get(output_key(boundary.name))
        if isinstance(url, str) and url:
            found[boundary.name] = url
    return found


def run_deprovision(deployment) -> list[str]:
    """The destroy's ``deprovision`` phase; returns what is left (never stops early)."""
    saved = load_state(deployment.workspace)
    if not saved:
        return []
    project, topology = project_topology(deployment)
    left: list[str] = []
    for name in sorted(saved):
        cloud = Cloud(name)
        deprovision = plugin(cloud).part("deprovision")
        if deprovision is None or cloud not in deployment.connections:
            left.append(f"{name}: cannot deprovision here (no connection or no part)")
            continue
        ctx = _context(deployment, project, topology, cloud, (), deployment.saved_outputs())
        try:
            remaining = list(deprovision(ctx, dict(saved[name])) or [])
        except Exception as exc:  # one cloud failing must not keep the others alive
            remaining = [f"{name}: {type(exc).__name__}: {exc}"]
        if not remaining:
            saved.pop(name)
        left.extend(remaining)
        save_state(deployment.workspace, saved)
    for item in left:
        deployment._emit(LogEvent("dtwin", "warning", f"not deprovisioned: {item}"))
    return left
