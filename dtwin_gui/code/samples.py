"""Sample inputs for a test run of the user's code.

A device's sample event is its first record in ``payloads.json``, else a record generated
from the device's declared properties (their ``initValue``, or a typical value of their
type). Actions and feedback get the event of a rule that names them: the first payload
that makes the rule hold (judged by the runtime's own event checker), else a sample of a
device the rule refers to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.code.kinds import CodeKind, CodeTarget
from dtwin_gui.core import project as files
from dtwin_gui.core.project import Device, Project
from dtwin_gui.runtime.core.events import EventChecker, RuleError
from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.records import RecordError, normalise_record

#: Typical values for properties without an ``initValue``.
TYPICAL_VALUES: dict[str, object] = {
    "DOUBLE": 21.5,
    "INTEGER": 1,
    "BOOLEAN": False,
    "STRING": "example",
}
_TYPES = {"DOUBLE": (int, float), "INTEGER": (int,), "BOOLEAN": (bool,), "STRING": (str,)}
EXAMPLE_DEVICE = "example-device"


@dataclass(frozen=True)
class Sample:
    """The input of a test run: the arguments by name, and where they came from."""

    #: ``{"event": record}`` for processors, plus ``"rule"`` (actions) or ``"payload"``
    #: (feedback)
    args: dict
    #: for people: "payloads.json, record 2", "generated from the device's properties", ...
    source: str

    @property
    def event(self) -> dict:
        return self.args["event"]


def _fits(data_type: str, value: object) -> bool:
    if isinstance(value, bool) and data_type != "BOOLEAN":
        return False
    return isinstance(value, _TYPES.get(data_type, ()))


def read_payloads(root: Path) -> list[dict]:
    """The records of ``payloads.json`` (empty when missing or unreadable; never raises)."""
    try:
        data = json.loads((Path(root) / files.PAYLOADS).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return []
    return [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []


def read_rules(root: Path) -> list[dict]:
    """The raw rules of ``config_events.json`` (empty when missing or unreadable)."""
    try:
        data = json.loads((Path(root) / files.EVENTS).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def _device_of(payload: dict) -> object:
    return payload.get("device_id", payload.get("iotDeviceId"))


def _normalised_payloads(root: Path) -> list[tuple[int, dict]]:
    """``(1-based position, record)`` of every payload that is a valid record."""
    out = []
    for number, payload in enumerate(read_payloads(root), start=1):
        try:
            out.append((number, normalise_record(payload)))
        except RecordError:
            continue
    return out


def generated_event(device: Device | None, device_id: str) -> dict:
    """A record for ``device_id`` with a typed value for each declared property."""
    message: dict = {"device_id": device_id}
    for prop in device.properties if device else ():
        value = prop.init_value
        if value is None or not _fits(prop.data_type, value):
            value = TYPICAL_VALUES.get(prop.data_type)
        message[prop.name] = value
    return normalise_record(message)


def _find_device(project: Project, device_id: str) -> Device | None:
    return next((d for d in project.devices if d.id == device_id), None)


def device_sample(project: Project, device_id: str) -> Sample:
    """The sample event of ``device_id``: its first payload, else generated."""
    for number, record in _normalised_payloads(project.root):
        if record["device_id"] == device_id:
            return Sample({"event": record}, f"{files.PAYLOADS}, record {number}")
    event = generated_event(_find_device(project, device_id), device_id)
    return Sample({"event": event}, "generated from the device's properties")


def _rule_checker(rule: dict) -> EventChecker | None:
    config = FunctionConfig(
        role="event-checker", twin_name="test-run", cloud="local", name="test-run", rules=[rule]
    )
    try:
        return EventChecker(config)
    except RuleError:
        return None


def rule_event(project: Project, rule: dict) -> tuple[dict, str]:
    """An event for ``rule``: the first payload that makes it hold, else a device sample."""
    checker = _rule_checker(rule)
    devices = sorted(checker.rules[0].devices) if checker else []
    if checker:
        for number, record in _normalised_payloads(project.root):
            if checker.check(record):
                return record, f"{files.PAYLOADS}, record {number} (the rule holds for it)"
    if devices:
        sample = device_sample(project, devices[0])
        return sample.event, f"{sample.source} (the rule may not hold for it)"
    return generated_event(None, EXAMPLE_DEVICE), "an example record (the rule names no device)"


def _action_rule(rules: list[dict], name: str) -> dict | None:
    for rule in rules:
        action = rule.get("action")
        if isinstance(action, dict) and action.get("functionName") == name:
            return rule
    return None


def _feedback_rule(rules: list[dict]) -> dict | None:
    for rule in rules:
        action = rule.get("action")
        feedback = action.get("feedback") if isinstance(action, dict) else None
        if isinstance(feedback, dict) and isinstance(feedback.get("payload"), dict):
            return rule
    return None


def sample_for(project: Project, target: CodeTarget) -> Sample:
    """The arguments a test run of ``target`` passes to the user's function."""
    if target.kind is CodeKind.PROCESSOR:
        return device_sample(project, target.name)
    rules = read_rules(project.root)
    if target.kind is CodeKind.ACTION:
        rule = _action_rule(rules, target.name)
        if rule is None:
            rule = {
                "condition": f"{EXAMPLE_DEVICE}.value > 0",
                "action": {"type": "function", "functionName": target.name},
            }
        event, source = rule_event(project, rule)
        return Sample({"event": event, "rule": rule}, source)
    rule = _feedback_rule(rules)
    if rule is None:
        event = generated_event(None, EXAMPLE_DEVICE)
        return Sample({"event": event, "payload": {"command": "example"}}, "an example message")
    event, source = rule_event(project, rule)
    return Sample({"event": event, "payload": rule["action"]["feedback"]["payload"]}, source)
