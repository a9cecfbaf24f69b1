"""A traced test message, cloud-neutral: its hops through the layers and how each went.

The cloud hosting L1 drives a trace (its plugin's ``trace`` part, see
:func:`dtwin_gui.deploy.cloud_parts.trace_telemetry`); this module holds what every cloud's
trace shares: the hop states, the result, and the test message made from the project.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import CLOUD_TITLES, Slot, parse_cloud
from dtwin_gui.deploy.simulate import SimulationError, load_payloads

OK, FAILED, WAITING, SKIPPED = "ok", "failed", "waiting", "skipped"
HOP_STATES = (OK, FAILED, WAITING, SKIPPED)


class TraceError(RuntimeError):
    """The test message cannot be sent at all; the text says why and what to do."""


@dataclass
class TraceHop:
    """One step of the message's way: which layer, what was checked, and how it went."""

    layer: str
    title: str
    state: str = WAITING
    elapsed: float = 0.0
    detail: str = ""


@dataclass
class TraceResult:
    device_id: str
    trace_id: str
    timestamp: str
    topic: str
    hops: list[TraceHop] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(h.state in (OK, SKIPPED) for h in self.hops)

    @property
    def traced(self) -> bool:
        """At least one hop was followed (not every hop skipped)."""
        return any(h.state != SKIPPED for h in self.hops)

    def hop(self, layer: str) -> TraceHop | None:
        return next((h for h in self.hops if h.layer == layer), None)

    def to_json(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def cannot_trace(cloud: str) -> str:
    """The detail of a hop on a cloud that cannot be traced through (yet)."""
    known = parse_cloud(cloud)
    return f"cannot trace through {CLOUD_TITLES[known] if known else cloud} yet"


def skip_rest(hops: list[TraceHop], detail: str) -> None:
    """Every hop still waiting is skipped, for ``detail``."""
    for hop in hops:
        if hop.state == WAITING:
            hop.state, hop.detail = SKIPPED, detail


def layer_hops(
    published: str = "Published", stored: str = "Stored in the hot store"
) -> list[TraceHop]:
    """The hops of a telemetry message, in order, all waiting: L1 ``published``, L2
    processed, L3 hot ``stored``, L4 readable (the movers' hops are skipped: the scheduled
    movers take records to cold and archive storage later)."""
    hops = [
        TraceHop(str(Slot.L1), published),
        TraceHop(str(Slot.L2), "Processed (dispatcher, processor, persister)"),
        TraceHop(str(Slot.L3_HOT), stored),
        TraceHop(str(Slot.L4), "Readable through the hot reader"),
    ]
    for slot, tier in ((Slot.L3_COLD, "cold"), (Slot.L3_ARCHIVE, "archive")):
        hops.append(
            TraceHop(
                str(slot),
                f"Moved to {tier} storage",
                SKIPPED,
                detail=f"moved later by the scheduled {tier} mover, not right away",
            )
        )
    return hops


def make_test_message(project: Project, device_id: str | None = None) -> tuple[str, dict]:
    """``(device id, message)`` for a test: the device's first simulator payload, else one
    made of its properties' initial values."""
    if device_id is None and not project.device_ids:
        raise TraceError("the project has no devices; add one on the Twin page")
    try:
        payloads = load_payloads(project.root)
    except SimulationError:
        payloads = []
    for payload in payloads:
        device = payload.get("iotDeviceId") or payload.get("device_id")
        if device_id is None or device == device_id:
            message = {k: v for k, v in payload.items() if k not in ("iotDeviceId", "time")}
            message["device_id"] = device
            return device, message
    device = next((d for d in project.devices if d.id == device_id), None)
    if device is None:
        raise TraceError(f"device {device_id!r} is not in this twin; choose one of its devices")
    message = {"device_id": device.id}
    for prop in device.properties:
        value = prop.init_value
        message[prop.name] = 0 if value is None else value
    return device.id, message
