"""The Status page's cross-cloud hops on a deployed matrix row: what the glue logs of every
cloud say (AWS: moto's CloudWatch Logs, shipped there by the sandbox's function host as
Lambda does; Azure and Google: their sandboxes' function logs), read through the same
:func:`~dtwin_gui.deploy.hop_health.deployment_hops` the page calls."""

from __future__ import annotations

from dtwin_gui.deploy.hop_health import FAILING, HEALTHY, IDLE, UNKNOWN, deployment_hops
from tests.helpers import wait_for

#: The hops that carry telemetry as it arrives, and the movers' hops.
FLOWING = ("l1-l2-ingestion", "l2-l3hot-writer", "l2-l4-twin-update")
MOVERS = ("l3hot-l3cold-writer", "l3cold-l3archive-writer")


def hops(deployment) -> dict:
    found = deployment_hops(deployment)
    unknown = [(h.boundary, h.detail) for h in found if h.state == UNKNOWN]
    assert not unknown, unknown  # every emulated cloud's glue log is readable
    return {h.boundary: h for h in found}


def none_crossed_yet(deployment) -> None:
    """Right after the deploy: every hop is there, and none has carried a message."""
    assert {h.state for h in hops(deployment).values()} <= {IDLE}


def healthy(deployment, names, after: str, timeout: float = 30.0) -> dict:
    """Wait until each of ``names`` this twin crosses got a message through at or after
    ``after`` (ISO UTC) and none failed since; returns the hops."""

    def ready():
        found = hops(deployment)
        wanted = [found[n] for n in names if n in found]
        good = all(h.state == HEALTHY and h.last_ok >= after for h in wanted)
        return (found,) if good else None  # a twin on one cloud has no hops: still true

    try:
        return wait_for(ready, timeout=timeout)[0]
    except AssertionError:
        found = hops(deployment)
        raise AssertionError(
            {n: (found[n].state, found[n].last_ok, found[n].detail) for n in names if n in found}
        ) from None


def refusals_listed(deployment, names, after: str, timeout: float = 30.0) -> dict:
    """After bad requests at every receiver: each of ``names`` lists the forged and the
    expired one (401s at its receiver, made at or after ``after``) and shows failing (the
    refusals came after its last good message)."""

    def listed():
        found = hops(deployment)
        for name in names:
            refused = [
                f
                for f in found[name].failures
                if f.time >= after and f.side == "receiver" and f.event == "glue-unauthorized"
            ]
            if len(refused) < 2:
                return None
        return (found,)

    found = wait_for(listed, timeout=timeout)[0]
    assert {n: found[n].state for n in names} == dict.fromkeys(names, FAILING)
    return found


def receiver_lines(deployment, name: str, kind: str) -> list[dict]:
    """The entries of ``kind`` the receiver of boundary ``name`` logged (for a failure's
    message: which layer's messages made a hop healthy)."""
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project
    from dtwin_gui.deploy.hop_health import _function, _read

    topology = topology_for_project(load_project(deployment.project_root))
    boundary = next(b for b in topology.boundaries if b.name == name)
    spec = boundary.spec
    receiver = _function(topology, spec.receiver, boundary.target_cloud, spec.target)
    found, _ = _read(deployment.connections, topology, receiver, 0)
    return [e for e in found or [] if e.get("kind") == kind]
