"""Starting points for the user's code, and creating a missing file from one.

Creating never overwrites: the file is opened with exclusive creation, so a file that
appeared in the meantime (say, saved from the user's editor) is left alone.
"""

from __future__ import annotations

from pathlib import Path

from dtwin_gui.code.kinds import CodeKind, CodeTarget
from dtwin_gui.core.project import Device


class CodeFileExistsError(FileExistsError):
    """The file to create is already there; it was not touched."""


_PROCESSOR = '''"""Processor for {device_id}: runs on every telemetry record of this device.

`event` is a record {{"device_id", "timestamp", "trace_id", <property>: value, ...}}.
Return it (changed as you like). device_id, timestamp and trace_id must stay as they are,
and every value must be a number, a string, true/false or null.
"""


def process(event: dict) -> dict:
{body}    return event
'''

_ACTION = '''"""Event action {name}: runs when an event rule naming it holds.

`event` is the record that made the rule hold; `rule` is the rule from config_events.json.
Return a dict to have it logged with the event, or None.
"""


def action(event: dict, rule: dict) -> dict | None:
    return {{
        "action": "{name}",
        "device_id": event["device_id"],
        "condition": rule.get("condition"),
        "at": event["timestamp"],
    }}
'''

_FEEDBACK = '''"""Shapes the feedback message sent back to a device when a rule fires.

`event` is the record that made the rule hold; `payload` is the rule's feedback payload.
Return the message the device receives.
"""


def feedback(event: dict, payload: dict) -> dict:
    message = dict(payload)
    message["triggered_by"] = event.get("trace_id") or event["timestamp"]
    return message
'''

_CASTS = {"DOUBLE": "float", "INTEGER": "int", "BOOLEAN": "bool", "STRING": "str"}


def _processor_body(device: Device | None) -> str:
    lines = []
    for prop in device.properties if device else ():
        cast = _CASTS.get(prop.data_type)
        if cast and prop.name.isidentifier():
            lines.append(f'    # event["{prop.name}"] is a {prop.data_type} ({cast})\n')
    return "".join(lines)


def template_text(target: CodeTarget, device: Device | None = None) -> str:
    """The starting code for ``target`` (a processor mentions ``device``'s properties)."""
    if target.kind is CodeKind.PROCESSOR:
        return _PROCESSOR.format(device_id=target.name, body=_processor_body(device))
    if target.kind is CodeKind.ACTION:
        return _ACTION.format(name=target.name)
    return _FEEDBACK


def create_from_template(root: Path, target: CodeTarget, device: Device | None = None) -> Path:
    """Write the template for ``target`` into the project at ``root``; returns the file.

    Raises :class:`CodeFileExistsError` if the file exists (it is never overwritten) and
    ``ValueError`` if the target's path would leave the project folder.
    """
    root = Path(root).resolve()
    path = target.path(root).resolve()
    if not path.is_relative_to(root):
        raise ValueError(
            f"{target.rel_path} is outside the project folder; fix the name "
            f"{target.name!r} in the project configuration first"
        )
    if path.exists():
        raise CodeFileExistsError(f"{target.rel_path} already exists; it was left unchanged")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(template_text(target, device))
    except FileExistsError:
        raise CodeFileExistsError(
            f"{target.rel_path} already exists; it was left unchanged"
        ) from None
    return path
