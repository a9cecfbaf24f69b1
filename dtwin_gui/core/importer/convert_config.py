"""Pure conversions of the older format's configuration files (no file access).

:mod:`dtwin_gui.core.importer.convert` reads the files and records what happened; the
functions here turn parsed values into dtwin's shape and say, in words a user reads in the
import report, what they changed (``changes``) and what needs the user (``problems``).
"""

from __future__ import annotations

import json
import re

from dtwin_gui.core.project import FEATURE_NAMES, SCENE_FILES, STATE_MACHINE_FILES
from dtwin_gui.core.providers import NO_CLOUD as NO_CLOUD_CHOICE
from dtwin_gui.core.providers import OPTIONAL_SLOTS, PROVIDER_KEYS, Cloud, Slot, parse_cloud
from dtwin_gui.core.schema import LEGACY_RESERVED_KEYS, PROPERTY_NAME_PATTERN, RESERVED_KEYS

#: config_optimization.json result.inputParamsUsed key -> config_features.json key.
FEATURE_KEYS = dict(
    zip(
        (
            "useEventChecking",
            "triggerNotificationWorkflow",
            "returnFeedbackToDevice",
            "integrateErrorHandling",
            "needs3DModel",
        ),
        FEATURE_NAMES,
        strict=True,
    )
)
ACTION_TYPES = {
    "lambda": "function",
    "function": "function",
    "step_function": "workflow",
    "logic_app": "workflow",
    "workflow": "workflow",
}
DROPPED_ACTION_KEYS = {
    "pathToCode": "dtwin finds the code in event_actions/<functionName>/action.py",
    "autoDeploy": "dtwin always deploys the action code",
}
#: The older tool's value for "no cloud here" (layers 4 and 5 only): dtwin's too.
NO_CLOUD = str(NO_CLOUD_CHOICE)
#: The older feedback function sent this payload value as the event action's result.
ACTION_RESULT = "action-result"

_PROPERTY_NAME = re.compile(PROPERTY_NAME_PATTERN)
_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9_]+")
#: Condition pieces: quoted strings, STRING(bare text), words (references, numbers,
#: keywords) and any other single character. Only words are rewritten.
_CONDITION_PIECE = re.compile(
    r"""(?P<literal>'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|STRING\s*\([^)]*\)?)"""
    r"""|(?P<word>[A-Za-z0-9_.\-]+)|.""",
    re.IGNORECASE | re.DOTALL,
)
_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


# --------------------------------------------------------------------------- providers


def normalise_providers(value: dict) -> tuple[dict, list[str], list[str]]:
    """Lowercase cloud names, ``gcp`` -> ``google``; return (result, changes, problems)."""
    result: dict = {}
    changes: list[str] = []
    problems: list[str] = []
    for key, cloud_name in value.items():
        cloud = parse_cloud(cloud_name)
        if cloud is None and _is_no_cloud(cloud_name) and key in _OPTIONAL_KEYS:
            # Faithful: dtwin leaves the layer out too (no twin model / no dashboards).
            result[key] = NO_CLOUD
            if cloud_name != NO_CLOUD:
                changes.append(f"{key}: {cloud_name!r} -> {NO_CLOUD!r}")
            continue
        if cloud is None:
            result[key] = cloud_name
            problems.append(f"{key}: {cloud_name!r} is not aws, azure or google")
            continue
        result[key] = cloud.value
        if cloud_name != cloud.value:
            changes.append(f"{key}: {cloud_name!r} -> {cloud.value!r}")
    for slot in (Slot.L4, Slot.L5):
        if result.get(PROVIDER_KEYS[slot]) == Cloud.GOOGLE.value:
            problems.append(
                f"{PROVIDER_KEYS[slot]} is google, which has no managed service for layer "
                f"{slot.value[1:]}; the older tool deployed nothing there. Choose aws or "
                'azure, or "none" to leave the layer out as the older tool did.'
            )
    missing = [key for key in PROVIDER_KEYS.values() if key not in result]
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    return result, changes, problems


def _is_no_cloud(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() == NO_CLOUD


#: The provider keys whose layer a twin may leave out ("none": no twin model, no dashboards).
_OPTIONAL_KEYS = frozenset(PROVIDER_KEYS[s] for s in OPTIONAL_SLOTS)


# --------------------------------------------------------------------------- features


def features_from_optimization(value: object) -> tuple[dict[str, bool], list[str]]:
    """``result.inputParamsUsed`` flags as dtwin features (missing = false), plus notes."""
    params = {}
    if isinstance(value, dict) and isinstance(value.get("result"), dict):
        params = value["result"].get("inputParamsUsed") or {}
    notes = []
    if not isinstance(params, dict) or not params:
        notes.append("no result.inputParamsUsed found; every feature is off")
        params = {}
    flags = {}
    for old, new in FEATURE_KEYS.items():
        flag = params.get(old, False)
        if not isinstance(flag, bool):
            notes.append(f"{old} is {flag!r}, not true/false; treated as false")
            flag = False
        flags[new] = flag
    return flags, notes


def infer_features(
    rules: object, providers: dict, project_files: set[str]
) -> tuple[dict[str, bool], list[str], list[str]]:
    """Feature flags for a project without config_optimization.json; return (flags, why each
    is on, notes on flags left off).

    The older tool of that era always deployed the event checker (``useEventChecking``
    defaulted to true), so rules ran; dtwin's flags are read off what the project holds.
    The 3D scene stays off, as the older tool's ``needs3DModel`` defaulted to false.
    """
    rules = [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []
    actions = [r["action"] for r in rules if isinstance(r.get("action"), dict)]
    flags = dict.fromkeys(FEATURE_NAMES, False)
    reasons: list[str] = []
    notes: list[str] = []
    if rules:
        flags["use_event_checking"] = True
        reasons.append(f"use_event_checking ({len(rules)} event rule(s))")
    feedback = sum(1 for action in actions if "feedback" in action)
    if feedback:
        flags["return_feedback_to_device"] = True
        reasons.append(f"return_feedback_to_device ({feedback} rule(s) send feedback)")
    workflow_rules = sum(
        1 for a in actions if ACTION_TYPES.get(str(a.get("type")).lower()) == "workflow"
    )
    l2 = parse_cloud(providers.get(PROVIDER_KEYS[Slot.L2]))
    state_machine = STATE_MACHINE_FILES.get(l2) if l2 else None
    if workflow_rules or (state_machine and state_machine in project_files):
        flags["trigger_notification_workflow"] = True
        why = f"{workflow_rules} rule(s) start a workflow" if workflow_rules else state_machine
        reasons.append(f"trigger_notification_workflow ({why})")
    l4 = parse_cloud(providers.get(PROVIDER_KEYS[Slot.L4]))
    scene = SCENE_FILES.get(l4, ()) if l4 else ()
    if scene and all(rel in project_files for rel in scene):
        notes.append(
            f"needs_3d_model stays off (the older tool's default) although {' and '.join(scene)} "
            "are present: set it to true in config_features.json to deploy the 3D scene"
        )
    return flags, reasons, notes


def inferred_features_message(reasons: list[str], notes: list[str]) -> str:
    """The report line for flags :func:`infer_features` chose."""
    return (
        "no config_optimization.json in the older project; the older tool then still ran the "
        "event checker, so the flags were inferred from the project. On: "
        + ("; ".join(reasons) if reasons else "none (no event rules)")
        + "".join(f". {note}" for note in notes)
    )


# --------------------------------------------------------------------------- property names


def renames_message(renames: dict[str, str]) -> str:
    """The report line for a devices file whose property names were renamed."""
    mapping = ", ".join(f"{old} -> {new}" for old, new in renames.items())
    return (
        f"property names renamed: {mapping} (Azure Digital Twins and the event grammar allow "
        "letters, digits and _ only); event conditions, payloads and the twin hierarchy use "
        "the new names, wrapped older code still sees the old ones"
    )


def safe_property_name(name: str) -> str | None:
    """The name every cloud accepts for ``name`` (``serial-number`` -> ``serial_number``),
    or None when ``name`` is fine already or cannot be mended by replacing characters."""
    if _PROPERTY_NAME.fullmatch(name):
        return None
    new = _NOT_NAME_CHARS.sub("_", name)
    return new if _PROPERTY_NAME.fullmatch(new) else None


def rename_properties(devices: list) -> tuple[list, dict[str, str], list[str]]:
    """Rename property names that Azure DTDL and the event grammar reject (hyphens, dots,
    spaces) to underscores; return (devices, renames old -> new, problems).

    A name is renamed on every device or on none: when the new name is taken on a device
    that has the old one (or is reserved), it is kept and reported instead.
    """
    names_by_device = [_property_names(device) for device in devices]
    candidates = {
        name: new
        for names in names_by_device
        for name in names
        if (new := safe_property_name(name)) is not None
    }
    renames: dict[str, str] = {}
    problems: list[str] = []
    for old, new in sorted(candidates.items()):
        clash = _rename_clash(old, new, candidates, devices, names_by_device)
        if clash:
            problems.append(
                f"property {old!r} cannot be renamed to {new!r}: {clash}. Rename it yourself "
                "(letters, digits and _ only) in config_iot_devices.json and wherever it is used"
            )
        else:
            renames[old] = new
    if not renames:
        return devices, renames, problems
    converted = []
    for device in devices:
        if not isinstance(device, dict):
            converted.append(device)
            continue
        new_device = dict(device)
        for key in ("properties", "constProperties"):
            if isinstance(device.get(key), list):
                new_device[key] = [_renamed_property(p, renames) for p in device[key]]
        converted.append(new_device)
    return converted, renames, problems


def _property_names(device: object) -> list[str]:
    if not isinstance(device, dict):
        return []
    return [
        prop["name"]
        for key in ("properties", "constProperties")
        if isinstance(device.get(key), list)
        for prop in device[key]
        if isinstance(prop, dict) and isinstance(prop.get("name"), str)
    ]


def _rename_clash(old, new, candidates, devices, names_by_device) -> str | None:
    if new in RESERVED_KEYS or new in LEGACY_RESERVED_KEYS:
        return f"{new!r} is reserved for the telemetry record"
    for device, names in zip(devices, names_by_device, strict=True):
        if old not in names:
            continue
        if new in names:
            return f"device {device.get('id')!r} already has a property {new!r}"
        twins = [n for n in names if n != old and candidates.get(n) == new]
        if twins:
            return f"device {device.get('id')!r} also has {twins[0]!r}, which would get that name"
    return None


def _renamed_property(prop: object, renames: dict[str, str]) -> object:
    if isinstance(prop, dict) and prop.get("name") in renames:
        return {**prop, "name": renames[prop["name"]]}
    return prop


def rename_in_condition(condition: str, renames: dict[str, str]) -> str:
    """``condition`` with every reference to a renamed property using the new name.

    Only references (``device.property``, ``entity.device.property``) change; strings and
    ``STRING(...)`` literals are kept as written.
    """
    if not renames:
        return condition
    pieces = []
    for match in _CONDITION_PIECE.finditer(condition):
        piece = match.group()
        if match.group("word") and "." in piece and not _NUMBER.fullmatch(piece):
            head, _, prop = piece.rpartition(".")
            if prop in renames:
                piece = f"{head}.{renames[prop]}"
        pieces.append(piece)
    return "".join(pieces)


# --------------------------------------------------------------------------- events


def convert_events(
    rules: list, renames: dict[str, str] | None = None
) -> tuple[list, list[str], list[str]]:
    """Event rules in dtwin's shape; return (rules, changes, problems). Conditions are kept,
    except that references to renamed properties use the new names."""
    converted: list = []
    changes: list[str] = []
    problems: list[str] = []
    for index, rule in enumerate(rules):
        where = f"rule {index + 1}"
        if not isinstance(rule, dict) or not isinstance(rule.get("action"), dict):
            converted.append(rule)
            problems.append(f"{where}: not an object with an action; kept unchanged")
            continue
        action, action_changes, action_problems = _convert_action(rule["action"], where)
        new_rule = {**rule, "action": action}
        condition = rule.get("condition")
        if isinstance(condition, str) and renames:
            new_rule["condition"] = rename_in_condition(condition, renames)
            if new_rule["condition"] != condition:
                changes.append(f"{where}: condition uses the renamed properties")
        converted.append(new_rule)
        changes.extend(action_changes)
        problems.extend(action_problems)
        feedback = action.get("feedback")
        if renames and isinstance(feedback, dict) and isinstance(feedback.get("payload"), dict):
            kept = sorted(set(feedback["payload"]) & set(renames))
            if kept:
                changes.append(
                    f"{where}: feedback payload keys {', '.join(kept)} kept as written (the "
                    "device receives them, so they are not renamed)"
                )
    return converted, changes, problems


def _convert_action(action: dict, where: str) -> tuple[dict, list[str], list[str]]:
    result = dict(action)
    changes: list[str] = []
    problems: list[str] = []
    old_type = action.get("type")
    new_type = ACTION_TYPES.get(old_type.lower()) if isinstance(old_type, str) else None
    if new_type is None:
        problems.append(f"{where}: unknown action type {old_type!r}; use function or workflow")
    elif new_type != old_type:
        result["type"] = new_type
        changes.append(f"{where}: action type {old_type!r} -> {new_type!r}")
    for key, reason in DROPPED_ACTION_KEYS.items():
        if key in result:
            changes.append(f"{where}: dropped {key}={json.dumps(result.pop(key))} ({reason})")
    if "feedback" in result:
        result["feedback"], fb_changes, fb_problems = _convert_feedback(result["feedback"], where)
        changes.extend(fb_changes)
        problems.extend(fb_problems)
    for key in sorted(set(result) - {"type", "functionName", "feedback"}):
        problems.append(
            f"{where}: dropped unknown action key {key}={json.dumps(result.pop(key))}; "
            "dtwin does not use it"
        )
    return result, changes, problems


def _convert_feedback(feedback: object, where: str) -> tuple[object, list[str], list[str]]:
    if not isinstance(feedback, dict):
        return feedback, [], [f"{where}: feedback is not an object; kept unchanged"]
    kind = feedback.get("type", "mqtt")
    if kind != "mqtt":
        return feedback, [], [f"{where}: feedback type {kind!r} is unknown; kept unchanged"]
    device = feedback.get("device_id", feedback.get("iotDeviceId"))
    result = {"device_id": device}
    changes = [f"{where}: feedback {{type: mqtt, iotDeviceId}} -> {{device_id}}"]
    problems = [
        f"{where}: dropped feedback key {key}={json.dumps(feedback[key])}; dtwin sends to the "
        "device's own feedback topic"
        for key in sorted(set(feedback) - {"type", "iotDeviceId", "device_id", "payload"})
    ]
    payload = feedback.get("payload")
    if isinstance(payload, dict):
        result["payload"] = payload
    elif payload is None:
        problems.append(
            f"{where}: the feedback to {device!r} has no payload, so the older tool refused the "
            'rule. Add "payload": {...} (what the device should receive) to the feedback in '
            "config_events.json, or remove the feedback"
        )
    else:
        result["payload"] = {"message": payload}
        changes.append(
            f"{where}: feedback payload {json.dumps(payload)} -> "
            f"{json.dumps(result['payload'])} (the older feedback function sent it that way, "
            "so the device receives the same message)"
        )
        if payload == ACTION_RESULT:
            problems.append(
                f'{where}: feedback payload "{ACTION_RESULT}" meant "send what the action '
                'returned" in some older versions; dtwin sends {"message": "action-result"}. '
                "If the device needs the action's result, build it in event_feedback/feedback.py"
            )
    return result, changes, problems


# --------------------------------------------------------------------------- payloads


def convert_payloads(
    records: list, renames: dict[str, str] | None = None
) -> tuple[list, list[str]]:
    """Simulator records with ``device_id``/``timestamp`` and renamed property keys; an empty
    time is dropped."""
    renames = renames or {}
    converted: list = []
    notes: list[str] = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            converted.append(record)
            notes.append(f"record {index + 1} is not an object; kept unchanged")
            continue
        new = {}
        for key, value in record.items():
            if key == "iotDeviceId":
                new.setdefault("device_id", value)
            elif key == "time":
                if value not in ("", None):
                    new.setdefault("timestamp", value)
            elif key in renames and renames[key] not in record:
                new[renames[key]] = value
            else:
                new[key] = value
        converted.append(new)
    return converted, notes


def payloads_message(count: int, renames: dict[str, str], used: str, others: list[str]) -> str:
    """The report line for the imported payloads file."""
    records = "1 record" if count == 1 else f"{count} records"
    message = f"{records}; iotDeviceId -> device_id, time -> timestamp"
    if renames:
        message += "; renamed property keys: " + ", ".join(
            f"{o} -> {n}" for o, n in renames.items()
        )
    if others:
        message += f" (used {used}; ignored {', '.join(others)})"
    return message


def simulator_payload_candidates(layer_1_provider: object) -> list[str]:
    """Where the older tool kept simulator payloads, in the order it looked: the shared
    files first, then ``iot_device_simulator/<cloud>/payloads.json`` (the L1 cloud first)."""
    l1 = parse_cloud(layer_1_provider)
    clouds = [l1.value] if l1 else []
    clouds += [c.value for c in Cloud if c is not l1]
    folders = [
        name for cloud in clouds for name in ([cloud, "gcp"] if cloud == "google" else [cloud])
    ]
    return ["iot_device_simulator/payloads.json", "payloads.json"] + [
        f"iot_device_simulator/{folder}/payloads.json" for folder in folders
    ]
