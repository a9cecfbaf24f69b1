"""The event checker, event actions and feedback to devices (L2).

Rules are parsed once with the shared grammar (:mod:`dtwin_gui.core.event_grammar`) when the
checker is built. A record is checked against the rules that reference its device; values
are looked up by ``(device, property)`` **in this record only**. A reference to another
device therefore counts as missing, and every comparison that uses it is False (the
grammar's rule for missing values) — rules should compare values of one device. Rules fire
on every matching record (level-triggered), not only on changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from dtwin_gui.core.event_grammar import Condition, ConditionSyntaxError, parse_condition
from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.ports import FeedbackPublisher, Invoker
from dtwin_gui.runtime.core.processing import call_user

FEEDBACK_FEATURE = "return_feedback_to_device"


class RuleError(ValueError):
    """A rule in the baked config cannot be used (the validator should have caught it)."""


@dataclass(frozen=True)
class Rule:
    """One parsed event rule."""

    index: int
    condition: Condition
    action_type: str
    action_name: str | None
    #: deployed function of the action (None for workflows or when not deployed)
    function: str | None
    #: ``{"device_id", "payload"}`` or None
    feedback: dict | None
    raw: dict
    devices: frozenset[str]


@dataclass(frozen=True)
class Firing:
    """A rule that holds for a record."""

    rule: Rule
    record: dict


def _parse_rule(index: int, raw: object, config: FunctionConfig) -> Rule:
    if not isinstance(raw, dict) or not isinstance(raw.get("condition"), str):
        raise RuleError(f"event rule {index} has no condition text")
    try:
        condition = parse_condition(raw["condition"])
    except ConditionSyntaxError as exc:
        raise RuleError(f"event rule {index} ({raw['condition']!r}): {exc}") from None
    action = raw.get("action") if isinstance(raw.get("action"), dict) else {}
    name = action.get("functionName") if isinstance(action.get("functionName"), str) else None
    feedback = action.get("feedback")
    feedback = (
        feedback
        if isinstance(feedback, dict)
        and isinstance(feedback.get("device_id"), str)
        and isinstance(feedback.get("payload"), dict)
        else None
    )
    return Rule(
        index=index,
        condition=condition,
        action_type=str(action.get("type", "function")),
        action_name=name,
        function=config.actions.get(name) if name else None,
        feedback=feedback,
        raw=raw,
        devices=frozenset(ref.device for ref in condition.references),
    )


class EventChecker:
    """Evaluates the twin's event rules against records and fires the actions."""

    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self.rules = [_parse_rule(i, raw, config) for i, raw in enumerate(config.rules)]
        self._by_device: dict[str, list[Rule]] = {}
        for rule in self.rules:
            for device in sorted(rule.devices):
                self._by_device.setdefault(device, []).append(rule)

    @property
    def feedback_enabled(self) -> bool:
        return bool(self.config.features.get(FEEDBACK_FEATURE, False))

    def rules_for(self, device_id: str) -> list[Rule]:
        """The rules whose condition references ``device_id``, in file order."""
        return self._by_device.get(device_id, [])

    def check(self, record: dict) -> list[Firing]:
        """The rules that hold for ``record`` (values looked up in this record only)."""
        device_id = record.get("device_id")
        rules = self.rules_for(device_id) if isinstance(device_id, str) else []
        if not rules:
            return []

        def lookup(device: str, prop: str) -> object:
            if device != device_id:
                raise LookupError(device)  # another device: missing, see module docstring
            return record[prop]  # KeyError is a LookupError: missing

        return [Firing(rule, record) for rule in rules if rule.condition.evaluate(lookup)]

    def fire(
        self,
        firings: list[Firing],
        invoker: Invoker,
        log: FunctionLog,
        *,
        feedback_function: str | None = None,
        workflow: Callable[[dict], None] | None = None,
    ) -> dict:
        """Invoke each firing's action (async) and its feedback, one failure not stopping
        the others. Returns ``{"fired", "actions": [...], "feedback": [...], "errors"}``."""
        report: dict = {"fired": len(firings), "actions": [], "feedback": [], "errors": []}
        for firing in firings:
            rule, record = firing.rule, firing.record
            ids = {"device_id": record.get("device_id"), "trace_id": record.get("trace_id")}
            payload = {"event": record, "rule": rule.raw}
            log.info(
                "rule-fired",
                f"event rule {rule.index} holds: {rule.condition.text}",
                rule_index=rule.index,
                **ids,
            )
            try:
                if rule.action_type == "workflow":
                    if workflow is None:
                        raise LookupError("the rule starts a workflow but none is deployed")
                    workflow(payload)
                    report["actions"].append({"rule_index": rule.index, "workflow": True})
                elif rule.function is None:
                    raise LookupError(f"action {rule.action_name!r} has no deployed function")
                else:
                    invoker.invoke(rule.function, payload, wait=False)
                    report["actions"].append({"rule_index": rule.index, "function": rule.function})
            except Exception as exc:
                text = f"event rule {rule.index}: action failed: {type(exc).__name__}: {exc}"
                report["errors"].append(text)
                log.error("action-failed", text, rule_index=rule.index, **ids)
            if rule.feedback is not None and self.feedback_enabled and feedback_function:
                target = rule.feedback["device_id"]
                message = {
                    "event": record,
                    "payload": rule.feedback["payload"],
                    "device_id": target,
                }
                try:
                    invoker.invoke(feedback_function, message, wait=False)
                    report["feedback"].append({"rule_index": rule.index, "device_id": target})
                except Exception as exc:
                    text = f"event rule {rule.index}: feedback failed: {type(exc).__name__}: {exc}"
                    report["errors"].append(text)
                    log.error("feedback-failed", text, rule_index=rule.index, **ids)
        return report

    def handle(
        self,
        record: dict,
        invoker: Invoker,
        log: FunctionLog,
        *,
        feedback_function: str | None = None,
        workflow: Callable[[dict], None] | None = None,
    ) -> dict:
        """The event checker function's core: check ``record`` and fire what holds."""
        return self.fire(
            self.check(record),
            invoker,
            log,
            feedback_function=feedback_function,
            workflow=workflow,
        )


# --------------------------------------------------------------------------- actions


def run_action(
    message: dict, action: Callable[[dict, dict], object], *, name: str, log: FunctionLog
) -> dict:
    """The action function's core: call the user's ``action(event, rule)`` with isolation."""
    event = message.get("event") if isinstance(message, dict) else None
    rule = message.get("rule") if isinstance(message, dict) else None
    if not isinstance(event, dict) or not isinstance(rule, dict):
        log.error("bad-message", f"action {name} needs {{'event': {{...}}, 'rule': {{...}}}}")
        return {"status": "failed", "error": "malformed action message"}
    ids = {"device_id": event.get("device_id"), "trace_id": event.get("trace_id")}
    call = call_user(action, dict(event), dict(rule))
    if not call.ok:
        where = f" (line {call.line} of {call.file})" if call.line else ""
        log.error(
            "action-failed",
            f"action {name} failed: {call.error}{where}",
            error=call.error,
            line=call.line,
            file=call.file,
            **ids,
        )
        return {"status": "failed", **ids, "error": call.error, "line": call.line}
    log.info("action-done", f"action {name} ran", result=call.value, **ids)
    return {"status": "done", **ids, "result": call.value}


# --------------------------------------------------------------------------- feedback


class FeedbackError(ValueError):
    """The feedback message could not be built; the text says why."""


def build_feedback(
    event: dict, payload: dict, user_feedback: Callable[[dict, dict], object] | None = None
) -> dict:
    """The message for the device: the user's ``feedback(event, payload)`` result, or by
    default the rule's payload plus ``triggered_by`` (the event's trace id)."""
    if user_feedback is None:
        message = dict(payload)
        message["triggered_by"] = event.get("trace_id") or event.get("timestamp")
    else:
        call = call_user(user_feedback, dict(event), dict(payload))
        if not call.ok:
            where = f" (line {call.line} of {call.file})" if call.line else ""
            raise FeedbackError(f"feedback() failed: {call.error}{where}")
        if not isinstance(call.value, dict):
            raise FeedbackError(f"feedback() returned {type(call.value).__name__}, not a dict")
        message = call.value
    try:
        json.dumps(message)
    except (TypeError, ValueError) as exc:
        raise FeedbackError(f"the feedback message is not JSON: {exc}") from None
    return message


def feedback_topic(config: FunctionConfig, device_id: str) -> str:
    """The device's feedback topic (``config.feedback_topic`` filled in)."""
    return config.topic(config.feedback_topic, device_id)


def feedback_handler(
    message: dict,
    *,
    config: FunctionConfig,
    publisher: FeedbackPublisher,
    log: FunctionLog,
    user_feedback: Callable[[dict, dict], object] | None = None,
) -> dict:
    """The feedback function's core: build the message and publish it to the device.

    ``message`` is ``{"event", "payload", "device_id"}`` as sent by :meth:`EventChecker.fire`.
    Returns ``{"status": "sent", "device_id", "trace_id", "topic", "message"}`` or a failed
    result; a failing publish is logged and raised (the platform retries).
    """
    event = message.get("event") if isinstance(message, dict) else None
    event = event if isinstance(event, dict) else {}
    payload = message.get("payload") if isinstance(message, dict) else None
    device_id = message.get("device_id") if isinstance(message, dict) else None
    trace_id = event.get("trace_id")
    problem = None
    if not isinstance(device_id, str) or not device_id:
        problem = "the feedback message names no device_id"
    elif config.devices and device_id not in config.devices:
        problem = f"feedback addressed to {device_id!r}, which is not a device of this twin"
    elif not isinstance(payload, dict):
        problem = "the feedback payload must be an object"
    if problem is None:
        try:
            built = build_feedback(event, payload, user_feedback)
        except FeedbackError as exc:
            problem = str(exc)
    if problem is not None:
        log.error("feedback-failed", problem, device_id=device_id, trace_id=trace_id)
        return {"status": "failed", "device_id": device_id, "trace_id": trace_id, "error": problem}
    topic = feedback_topic(config, device_id)
    try:
        publisher.publish(device_id, built)
    except Exception as exc:
        log.error(
            "publish-failed",
            f"could not publish feedback on {topic}: {type(exc).__name__}: {exc}",
            device_id=device_id,
            trace_id=trace_id,
        )
        raise
    log.info("feedback-sent", f"feedback sent on {topic}", device_id=device_id, trace_id=trace_id)
    return {
        "status": "sent",
        "device_id": device_id,
        "trace_id": trace_id,
        "topic": topic,
        "message": built,
    }
