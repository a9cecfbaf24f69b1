"""config_events.json: conditions parse and refer to real things; actions and feedback exist."""

from __future__ import annotations

import json
import re

from pydantic import TypeAdapter

from dtwin_gui.core import project as files
from dtwin_gui.core.event_grammar import ConditionSyntaxError, parse_condition
from dtwin_gui.core.schema import FUNCTION_NAME_PATTERN, EventRuleModel
from dtwin_gui.core.validation.context import Context
from dtwin_gui.core.validation.device_rules import check_code_file
from dtwin_gui.core.validation.schema_check import check_schema

_RULES = TypeAdapter(list[EventRuleModel])


def check_events(
    ctx: Context, devices: dict[str, dict[str, str]], features: dict[str, bool]
) -> None:
    doc = ctx.json(files.EVENTS, required=True)
    if doc is None:
        return
    check_schema(ctx, files.EVENTS, doc.value, _RULES)
    if not isinstance(doc.value, list):
        return
    rules = [r for r in doc.value if isinstance(r, dict)]
    if rules and not features.get("use_event_checking"):
        ctx.warning(
            files.EVENTS,
            (),
            f"{len(rules)} event rule(s) are defined but event checking is off, so none will run",
            'set "use_event_checking": true in config_features.json',
            code="events-off",
        )
    actions_checked: set[str] = set()
    feedback_used = False
    for i, rule in enumerate(doc.value):
        if not isinstance(rule, dict):
            continue
        if isinstance(rule.get("condition"), str):
            _check_condition(ctx, i, rule["condition"], devices)
        action = rule.get("action")
        if isinstance(action, dict):
            feedback_used |= _check_action(ctx, i, action, devices, features, actions_checked)
    if feedback_used and features.get("return_feedback_to_device"):
        if ctx.exists(files.FEEDBACK_FILE):
            check_code_file(ctx, files.FEEDBACK_FILE, "feedback", ("event", "payload"))
        else:
            ctx.error(
                files.FEEDBACK_FILE,
                "",
                "event rules send feedback but there is no feedback function",
                "create event_feedback/feedback.py defining "
                "`def feedback(event: dict, payload: dict) -> dict:`",
                code="feedback-missing",
            )


def _condition_position(ctx: Context, i: int, condition: str, column: int) -> tuple[int, int]:
    """File position of ``column`` inside the condition string (exact unless it has escapes)."""
    line, col = ctx.position(files.EVENTS, (i, "condition")) or (None, None)
    if line is None:
        return None, None
    escaped = json.dumps(condition, ensure_ascii=False)[1:-1]
    exact = escaped == condition
    return line, col + 1 + (column - 1 if exact else 0)


def _check_condition(ctx: Context, i: int, condition: str, devices: dict[str, dict[str, str]]):
    path = (i, "condition")
    try:
        parsed = parse_condition(condition)
    except ConditionSyntaxError as exc:
        line, col = _condition_position(ctx, i, condition, exc.column)
        ctx.error(
            files.EVENTS,
            path,
            f"condition does not parse at column {exc.column}: {exc.message}",
            "write e.g. temperature-sensor-1.temperature > DOUBLE(40.5); "
            "see the event grammar in docs/project-format.md",
            line=line,
            column=col,
            code="condition-syntax",
        )
        return
    for ref in parsed.references:
        line, col = _condition_position(ctx, i, condition, ref.column)
        where = f"at column {ref.column}"
        if ref.device not in devices:
            ctx.error(
                files.EVENTS,
                path,
                f"condition refers to device {ref.device!r} {where}, which does not exist",
                _known("devices", devices),
                line=line,
                column=col,
                code="condition-device",
            )
        elif ref.property not in devices[ref.device]:
            ctx.error(
                files.EVENTS,
                path,
                f"device {ref.device!r} has no property {ref.property!r} ({where})",
                _known("properties", devices[ref.device]),
                line=line,
                column=col,
                code="condition-property",
            )


def _check_action(ctx, i, action, devices, features, actions_checked) -> bool:
    """Check one rule's action; return whether it asks for feedback."""
    kind = action.get("type")
    name = action.get("functionName")
    if kind == "function":
        if not isinstance(name, str):
            ctx.error(
                files.EVENTS,
                (i, "action"),
                "a function action needs 'functionName'",
                'add "functionName": "<folder name under event_actions/>"',
                code="action-name",
            )
        elif not re.fullmatch(FUNCTION_NAME_PATTERN, name, re.ASCII):
            pass  # the schema check reports the bad name (no file could have it)
        elif name not in actions_checked:
            actions_checked.add(name)
            rel = files.action_file(name)
            if ctx.exists(rel):
                check_code_file(ctx, rel, "action", ("event", "rule"))
            else:
                ctx.error(
                    files.EVENTS,
                    (i, "action", "functionName"),
                    f"action function {name!r} has no code",
                    f"create {rel} defining `def action(event: dict, rule: dict) -> dict | None:`",
                    code="action-missing",
                )
    elif kind == "workflow" and not features.get("trigger_notification_workflow"):
        ctx.error(
            files.EVENTS,
            (i, "action", "type"),
            "this rule starts a workflow but workflows are off",
            'set "trigger_notification_workflow": true in config_features.json, or '
            "use a function action",
            code="workflow-off",
        )
    feedback = action.get("feedback")
    if not isinstance(feedback, dict):
        return False
    target = feedback.get("device_id")
    if isinstance(target, str) and target not in devices:
        ctx.error(
            files.EVENTS,
            (i, "action", "feedback", "device_id"),
            f"feedback goes to device {target!r}, which does not exist",
            _known("devices", devices),
            code="feedback-target",
        )
    if not features.get("return_feedback_to_device"):
        ctx.warning(
            files.EVENTS,
            (i, "action", "feedback"),
            "feedback is configured but returning feedback to devices is off",
            'set "return_feedback_to_device": true in config_features.json',
            code="feedback-off",
        )
    return True


def _known(what: str, names) -> str:
    names = sorted(names)
    return f"known {what}: {', '.join(names)}" if names else f"no {what} are defined"
