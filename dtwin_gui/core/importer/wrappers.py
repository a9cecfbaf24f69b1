"""The code the importer writes: wrappers around older code, and placeholders.

A wrapper loads the older code kept unchanged in ``legacy_handler.py`` and renames the
record keys both ways. A placeholder (a pass-through, or a stub awaiting a port) does
nothing useful, so it carries the :data:`GENERATED_MARKER` line; validation warns about
every file holding it until the user removes it.
"""

from __future__ import annotations

import json
import re
import textwrap
from string import Template

from dtwin_gui.core.importer.code_shape import CodeShape, Style
from dtwin_gui.core.importer.function_sources import KINDS, Kind
from dtwin_gui.core.validation.generated_rules import GENERATED_MARKER

__all__ = ["GENERATED_MARKER", "marker_line", "render_passthrough", "render_wrapper"]

_WRAPPER_HEAD = Template('''\
${header}
"""$title, imported from the older project.

The older code is kept unchanged in legacy_handler.py; this wrapper calls it. dtwin records
name the device and the time ``device_id`` and ``timestamp``, the older code used
``iotDeviceId`` and ``time``${renamed_doc}: the wrapper renames them on the way in and back
on the way out. To go native, move the logic here and delete legacy_handler.py.
"""

import functools
import importlib.util
import json
${extra_imports}\
from pathlib import Path

LEGACY_FILE = Path(__file__).with_name("legacy_handler.py")
MODULE_NAME = "$module"
TO_OLD = ${to_old}
TO_NEW = {old: new for new, old in TO_OLD.items()}
''')

_STAND_IN = '''

def _identity(function):
    return function


def _stand_in_functions_framework() -> None:
    """The older code imports functions_framework, which only Cloud Functions provides.

    Elsewhere, a stand-in whose decorators change nothing lets the module load.
    """
    if "functions_framework" in sys.modules or importlib.util.find_spec("functions_framework"):
        return
    stand_in = types.ModuleType("functions_framework")
    stand_in.http = stand_in.cloud_event = stand_in.typed = _identity
    sys.modules["functions_framework"] = stand_in
'''

_LOADER = Template('''

@functools.cache
def _legacy():
    """Load legacy_handler.py by its path (this folder is not a package), once."""
${prepare}\
    spec = importlib.util.spec_from_file_location(MODULE_NAME, LEGACY_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[MODULE_NAME]
        raise RuntimeError(f"legacy_handler.py failed to load: {exc!r}") from exc
    return module


def _rename(record: dict, names: dict) -> dict:
    return {names.get(key, key): value for key, value in record.items()}


def _unwrap(result):
    """The older code's reply as data: HTTP-style replies are decoded."""
    if isinstance(result, tuple):  # Flask style: (body, status)
        result = result[0] if result else None
    if isinstance(result, dict) and "statusCode" in result and "body" in result:
        result = result["body"]  # API Gateway style
    if hasattr(result, "get_data"):  # Flask response object
        result = result.get_data()
    if isinstance(result, bytes | bytearray):
        result = result.decode("utf-8")
    if isinstance(result, str):
        result = _decode(result)
    return result


def _decode(text: str):
    """JSON text as data, empty text as None, any other text unchanged."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
''')

_REQUEST = '''

class _Request:
    """The part of a Flask request that Cloud Functions code usually reads."""

    method = "POST"

    def __init__(self, payload: dict) -> None:
        self.json = payload
        self.data = json.dumps(payload).encode("utf-8")
        self.headers = {"Content-Type": "application/json"}
        self.args: dict = {}

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> dict:
        return self.json

    def get_data(self, as_text: bool = False):
        return self.data.decode("utf-8") if as_text else self.data
'''

_ENTRY: dict[str, Template] = {
    "processor": Template('''

def process(event: dict) -> dict:
    """Run the older code on ``event``; return the record with dtwin's key names."""
    old_event = _rename(event, TO_OLD)
    result = _unwrap($call)
    if result is None:
        result = old_event  # the older code returned nothing: keep its in-place changes
    if not isinstance(result, dict):
        returned = type(result).__name__
        raise TypeError(f"$callee returned {returned}, not a dict")
    record = _rename(result, TO_NEW)
    for key in ("device_id", "timestamp", "trace_id"):
        if key in event:
            record.setdefault(key, event[key])
    return record
'''),
    "action": Template('''

def action(event: dict, rule: dict) -> dict | None:
    """Run the older action code on ``event`` (it never received the rule)."""
    old_event = _rename(event, TO_OLD)
    result = _unwrap($call)
    if result is None:
        return None
    if isinstance(result, dict):
        return _rename(result, TO_NEW)
    return {"result": result}
'''),
    "feedback": Template('''

def feedback(event: dict, payload: dict) -> dict:
    """Run the older feedback code; return the message for the device."""
    old_event = _rename(event, TO_OLD)
    old_event["action"] = {
        "feedback": {"type": "mqtt", "iotDeviceId": event.get("device_id"), "payload": payload}
    }
    result = _unwrap($call)
    if result is None:
        return dict(payload)
    if not isinstance(result, dict):
        returned = type(result).__name__
        raise TypeError(f"$callee returned {returned}, not a dict")
    return result
'''),
}

#: The older tool's later feedback wrapper called the user's process(payload) with the
#: rule's payload alone and sent {"message": <result>} to the device.
_FEEDBACK_PROCESS = '''

def feedback(event: dict, payload: dict) -> dict:
    """Run the older process(payload) on the rule's payload; return the device's message."""
    # The import turned a text payload into {"message": text}: the older code got the text.
    unwrapped = set(payload) == {"message"} and isinstance(payload["message"], str)
    old_payload = payload["message"] if unwrapped else dict(payload)
    result = _unwrap(_legacy().process(old_payload))
    if result is None:
        return dict(payload)
    if unwrapped or not isinstance(result, dict):
        return {"message": result}  # what the older tool sent
    return result
'''


def render_wrapper(
    kind: Kind,
    name: str,
    origin: str,
    style: Style,
    shape: CodeShape,
    imports_local: bool,
    renames: dict[str, str] | None = None,
) -> str:
    """The source of a wrapper that calls the older code kept in legacy_handler.py.

    ``renames`` maps older property names to dtwin's (``serial-number`` ->
    ``serial_number``): the older code keeps seeing its own names.
    """
    to_old = {"device_id": "iotDeviceId", "timestamp": "time"}
    for old, new in sorted((renames or {}).items()):
        to_old.setdefault(new, old)
    renamed_doc = "".join(f", and ``{old}`` for ``{new}``" for new, old in list(to_old.items())[2:])
    stand_in = "functions_framework" in shape.imports
    extra = ["import sys\n"] + (["import types\n"] if stand_in else [])
    prepare = ""
    if stand_in:
        prepare += "    _stand_in_functions_framework()\n"
    if imports_local:
        prepare += (
            "    if str(LEGACY_FILE.parent) not in sys.path:\n"
            "        sys.path.insert(0, str(LEGACY_FILE.parent))  # it imports files beside it\n"
        )
    module = "dtwin_legacy_" + re.sub(r"\W", "_", f"{kind}_{name}")
    parts = [
        _WRAPPER_HEAD.substitute(
            header=_origin_comment(origin),
            title=KINDS[kind].title.format(name=name),
            extra_imports="".join(extra),
            module=module,
            to_old=_dict_literal(to_old),
            renamed_doc=renamed_doc,
        ),
        _STAND_IN if stand_in else "",
        _LOADER.substitute(prepare=prepare),
        _REQUEST if style.needs_request else "",
        _FEEDBACK_PROCESS
        if kind == "feedback" and style.callee == "legacy_handler.process"
        else _ENTRY[kind].substitute(call=style.call, callee=style.callee),
    ]
    return "".join(parts)


def _dict_literal(mapping: dict[str, str]) -> str:
    """``mapping`` as Python source (JSON text of str -> str is valid Python)."""
    one_line = json.dumps(mapping)
    return one_line if len(one_line) <= 90 else json.dumps(mapping, indent=4)


def marker_line(summary: str) -> str:
    """The lines marking a generated placeholder; the user deletes them once it is real code."""
    return (
        f"{GENERATED_MARKER} - {summary}\n"
        "# (validation warns about this file until you delete the line above)"
    )


def render_passthrough(
    kind: Kind, name: str, origin: str | None, original: str | None, reason: str | None
) -> str:
    """The source of a pass-through, with a to-do when older code awaits porting.

    It does nothing useful, so it carries the :data:`GENERATED_MARKER` line.
    """
    info = KINDS[kind]
    title = info.title.format(name=name)
    if origin is None:
        header = "# Generated by dtwin import (the older project had no such code)"
        doc = (
            f'"""{title}: passes data through unchanged.\n\n'
            "Generated by dtwin import, as the older project had none. Edit it to add your "
            'logic.\n"""'
        )
        todo = ""
    else:
        header = _origin_comment(origin)
        kept = f"kept in {original.rsplit('/', 1)[-1]}" if original else "not found"
        explanation = f"Until then it passes data through unchanged. The older code is {kept}. "
        doc = (
            f'"""{title}: to be ported from the older project.\n\n'
            + _wrap_text(explanation + (reason or ""))
            + '\n"""'
        )
        todo = "    # TODO(dtwin import): port the older code here; see the docstring above.\n"
    summary = "placeholder: " + (
        "passes data through unchanged" if kind != "action" else "does nothing"
    )
    if origin is not None and original is not None:
        summary += f" until {original.rsplit('/', 1)[-1]} is ported"
    marker = marker_line(summary)
    return f"{header}\n{marker}\n{doc}\n\n\n{info.signature}\n{todo}    {info.passthrough}\n"


def _origin_comment(origin: str) -> str:
    """The header naming the older file, on two lines when one would be too long."""
    line = f"# Generated by dtwin import from {origin}"
    return line if len(line) <= 100 else f"# Generated by dtwin import from\n#   {origin}"


def _wrap_text(text: str, width: int = 88) -> str:
    safe = text.replace("\\", "\\\\").replace('"""', "'''")
    return "\n".join(textwrap.wrap(safe, width=width, break_on_hyphens=False))
