"""Send test telemetry through L1, as the devices would (the simulator).

The cloud hosting L1 publishes (its plugin's ``publish`` part, through
:func:`dtwin_gui.deploy.cloud_parts.telemetry_publisher`).
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dtwin_gui.core.project import PAYLOADS, load_project
from dtwin_gui.core.run_events import LogEvent, Sink
from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.records import format_timestamp, new_trace_id


class SimulationError(RuntimeError):
    pass


@dataclass
class Sent:
    device_id: str
    topic: str
    trace_id: str
    timestamp: str


@dataclass
class Feedback:
    """A cloud-to-device message a device received while the simulator listened."""

    device_id: str
    text: str

    def payload(self):
        try:
            return json.loads(self.text)
        except ValueError:
            return self.text


@dataclass
class SimulationResult:
    sent: list[Sent] = field(default_factory=list)
    #: What the devices received while listening (``listen_s``), oldest first.
    feedback: list[Feedback] = field(default_factory=list)

    def to_json(self) -> dict:
        out: dict = {"sent": [s.__dict__ for s in self.sent]}
        if self.feedback:
            out["feedback"] = [
                {"device_id": f.device_id, "payload": f.payload()} for f in self.feedback
            ]
        return out


def telemetry_topic(twin_name: str, device_id: str) -> str:
    """The MQTT topic a device publishes telemetry on (the L1 rule listens there)."""
    return FunctionConfig.telemetry_topic.format(twin=twin_name, device_id=device_id)


def load_payloads(project_root: Path) -> list[dict]:
    path = Path(project_root) / PAYLOADS
    if not path.is_file():
        raise SimulationError(
            f"{path} does not exist; add simulator payloads (see docs/project-format.md)"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    payloads = [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []
    if not payloads:
        raise SimulationError(f"{path} holds no payloads")
    return payloads


#: Devices publishing at the same time (each device's messages stay in order).
PUBLISHERS = 4


def simulate(
    project_root: Path,
    target,
    *,
    count: int | None = None,
    sink: Sink | None = None,
    now: datetime | None = None,
    listen_s: float = 0.0,
) -> SimulationResult:
    """Publish ``count`` messages (default: each payload once) to the devices' topics.

    Payloads are used in turn; each message gets a fresh trace id and a timestamp one
    millisecond after the previous one (so no two share a hot-store key). Devices publish
    side by side, as real ones do (up to :data:`PUBLISHERS` at once), each its own messages
    in order: one publish waits for the cloud's answer, so one device after another left the
    pipeline mostly idle. ``sink`` is called from the publishing threads, one call at a time.
    The first failed publish stops every device and is raised. ``target``: the deployment's
    Connections (or its one connection); the cloud of L1 publishes. With ``listen_s``, the
    devices then listen that long for their feedback (the event rules' messages to them).
    """
    project = load_project(project_root)
    payloads = load_payloads(project_root)
    total = len(payloads) if count is None else count
    if total < 1:
        raise SimulationError("count must be at least 1")
    from dtwin_gui.deploy.cloud_parts import telemetry_publisher

    cloud, send = telemetry_publisher(project, target)
    receive = None
    if listen_s > 0:  # before anything is sent: a cloud that cannot listen says so first
        from dtwin_gui.deploy.cloud_parts import feedback_receiver

        receive = feedback_receiver(project, target)
    start = now or datetime.now(UTC)
    planned: list[tuple[Sent, bytes]] = []
    for i in range(total):
        message = dict(payloads[i % len(payloads)])
        device_id = message.pop("iotDeviceId", None) or message.get("device_id")
        message["device_id"] = device_id
        message.pop("time", None)
        message["timestamp"] = format_timestamp(start + timedelta(milliseconds=i))
        message["trace_id"] = new_trace_id()
        topic = telemetry_topic(project.twin_name, device_id)
        sent = Sent(device_id, topic, message["trace_id"], message["timestamp"])
        planned.append((sent, json.dumps(message).encode()))
    by_device: dict[str, list[tuple[Sent, bytes]]] = {}
    for item in planned:
        by_device.setdefault(item[0].device_id, []).append(item)
    lock = threading.Lock()
    failed = threading.Event()

    def publish(items: list[tuple[Sent, bytes]]) -> None:
        for sent, body in items:
            if failed.is_set():
                return
            try:
                send(sent.topic, body)
            except BaseException:
                failed.set()
                raise
            if sink:
                with lock:
                    sink(
                        LogEvent(
                            str(cloud), "info", f"published to {sent.topic} (trace {sent.trace_id})"
                        )
                    )

    with ThreadPoolExecutor(max_workers=min(PUBLISHERS, len(by_device))) as pool:
        futures = [pool.submit(publish, items) for items in by_device.values()]
    for future in futures:
        future.result()  # the first failure, raised here
    result = SimulationResult([sent for sent, _ in planned])
    if receive is not None:
        result.feedback = listen(project_root, target, list(by_device), listen_s, sink, receive)
    return result


def listen(
    project_root: Path, target, devices: list[str], seconds: float, sink=None, receive=None
) -> list[Feedback]:
    """The feedback the ``devices`` receive over ``seconds`` (polled as the devices do)."""
    import time

    if receive is None:
        from dtwin_gui.deploy.cloud_parts import feedback_receiver

        receive = feedback_receiver(load_project(project_root), target)
    got: list[Feedback] = []
    deadline = time.monotonic() + seconds
    while True:
        for device_id in devices:
            for message in receive(device_id):
                item = Feedback(device_id, message.decode("utf-8", "replace"))
                got.append(item)
                if sink:
                    sink(LogEvent("simulator", "info", f"feedback to {device_id}: {item.text}"))
        if time.monotonic() >= deadline:
            return got
        time.sleep(0.5)
