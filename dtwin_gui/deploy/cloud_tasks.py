"""A deploy's apply, provision and SDK work as tasks that run side by side.

The phases ``apply``, ``provision`` (only when the sandbox provisions a cloud) and ``sdk`` are
one :class:`~dtwin_gui.deploy.side_by_side.PhaseGroup`. What each task waits for:

* ``apply`` — Terraform applies the root (every Terraform cloud in one graph); nothing;
* ``provision:<cloud>`` — the cloud's provisioner. It waits for ``apply`` only when the
  cloud sends to a receiver Terraform makes (it needs that receiver's URL from the outputs;
  on a first deploy a root cloud whose ``receiver_urls`` part knows them before the apply —
  the sandbox's AWS — lets it start at once),
  and, on a redeploy, for the provisioners of the clouds it sends to (receivers first, see
  :func:`~dtwin_gui.deploy.provision_phase.receivers_first`: after a rotation a live
  receiver accepts the new secret before a sender signs with it; on a first deploy no
  receiver is live yet, so there is nothing to wait for);
* ``sdk:<cloud>`` — the cloud's SDK steps, after the cloud's own provisioner and after
  ``apply`` when they read its outputs (a cloud in the root, or a provisioned cloud that
  sends to one).

So in a three-cloud sandbox twin Terraform applies AWS while Azure is made on its emulators,
and AWS's SDK steps run beside Google's provisioner.
"""

from __future__ import annotations

import threading

from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy.side_by_side import PhaseGroup, Task


class _Outputs:
    """Terraform's outputs, read once after the apply (every task that needs them waits for
    ``apply``)."""

    def __init__(self, deployment) -> None:
        self._deployment = deployment
        self._lock = threading.Lock()
        self._value: dict | None = None

    def __call__(self) -> dict:
        with self._lock:
            if self._value is None:
                self._value = self._deployment._outputs()
            return self._value


def deploy_group(deployment, state: dict, confirm) -> PhaseGroup:
    provisioned = deployment._provisioned_clouds()
    phases = ["apply", *(["provision"] if provisioned else []), "sdk"]
    workers = 4 if deployment.side_by_side else 1
    return PhaseGroup(
        phases, lambda: deploy_tasks(deployment, state, confirm, provisioned), workers
    )


def deploy_tasks(deployment, state: dict, confirm, provisioned: list[Cloud]) -> list[Task]:
    skipped = deployment._skipped_if_unchanged(state)
    if skipped:  # nothing changed since the last deploy: no cloud is touched
        return [
            Task("apply", "apply", lambda: skipped),
            *([Task("provision", "provision", lambda: skipped)] if provisioned else []),
            Task("sdk", "sdk", lambda: skipped),
        ]
    apply = deployment._apply_checked(state, confirm)  # asks before any cloud is touched
    tasks = [Task("apply", "apply", apply)]
    outputs = _Outputs(deployment)
    tasks += _provision_tasks(deployment, state, provisioned, outputs)
    tasks += _sdk_tasks(deployment, provisioned, outputs)
    return tasks


def _sends_to(topology, cloud: Cloud) -> set[Cloud]:
    """The other clouds ``cloud`` sends to (its senders' receivers)."""
    return {b.target_cloud for b in topology.boundaries if b.source_cloud is cloud} - {cloud}


def _covered(topology, cloud: Cloud, provisioned: list[Cloud], known: dict) -> bool:
    """Every receiver on a Terraform cloud that ``cloud`` sends to has a URL in ``known``."""
    from dtwin_gui.deploy.provision_phase import output_key

    return all(
        output_key(b.name) in known
        for b in topology.boundaries
        if b.source_cloud is cloud and b.target_cloud not in provisioned
    )


def _needs_root(topology, cloud: Cloud, provisioned: list[Cloud]) -> bool:
    """A provisioned ``cloud`` needs the root's outputs: it sends to a Terraform cloud."""
    return bool(_sends_to(topology, cloud) - set(provisioned))


def _provision_tasks(deployment, state: dict, provisioned: list[Cloud], outputs) -> list[Task]:
    from dtwin_gui.deploy.provision_phase import (
        load_state,
        project_topology,
        provision_cloud,
        provisioned_receiver_outputs,
        receivers_first,
        root_receiver_outputs,
    )

    if not provisioned:
        return []
    project, topology = project_topology(deployment)
    hosted = provisioned_receiver_outputs(deployment, provisioned)
    ordered = receivers_first(topology, provisioned)
    live = set(load_state(deployment.workspace))  # provisioned by an earlier deploy
    # On a first deploy no receiver is live: where the root's receiver URLs are known before
    # the apply (the sandbox's AWS), a sender's cloud need not wait for it.
    first = not deployment.saved_outputs()
    known = root_receiver_outputs(deployment, provisioned) if first else {}
    tasks = []
    for i, cloud in enumerate(ordered):
        sends_to = _sends_to(topology, cloud)
        needs_root = _needs_root(topology, cloud, provisioned) and not _covered(
            topology, cloud, provisioned, known
        )
        # Receivers first only where one is live already (it may hold the previous secret);
        # on a first deploy nothing is there to send to, so the clouds go side by side.
        after = {f"provision:{c}" for c in ordered[:i] if c in sends_to and str(c) in live}
        if needs_root:
            after.add("apply")

        def run(cloud=cloud, needs_root=needs_root):
            urls = {**(outputs() if needs_root else known), **hosted}
            provision_cloud(deployment, cloud, state["builds"], urls, (project, topology))

        tasks.append(Task(f"provision:{cloud}", "provision", run, frozenset(after)))
    return tasks


def _sdk_tasks(deployment, provisioned: list[Cloud], outputs) -> list[Task]:
    from dtwin_gui.deploy.provision_phase import project_topology
    from dtwin_gui.deploy.sdk_phase import cloud_work, has_steps, run_steps

    topology = project_topology(deployment)[1] if provisioned else None
    tasks = []
    for cloud in deployment.connections.clouds:
        if not has_steps(cloud):
            continue
        # A provisioned cloud's steps read no root output unless it sends to a root cloud.
        needs_root = cloud not in provisioned or _needs_root(topology, cloud, provisioned)
        after = {
            *(["apply"] if needs_root else []),
            *([f"provision:{cloud}"] if cloud in provisioned else []),
        }

        def run(cloud=cloud, needs_root=needs_root):
            ctx, steps = cloud_work(deployment, cloud, outputs() if needs_root else {})
            run_steps(ctx, steps)

        tasks.append(Task(f"sdk:{cloud}", "sdk", run, frozenset(after)))
    if not tasks:
        tasks.append(Task("sdk", "sdk", lambda: None, frozenset({"apply"})))
    return tasks
