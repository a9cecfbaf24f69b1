"""Turn pydantic's verdict on a file into located problems with plain-language messages."""

from __future__ import annotations

import difflib
import functools

from pydantic import BaseModel, TypeAdapter, ValidationError

from dtwin_gui.core import schema as schema_models
from dtwin_gui.core.jsonloc import Path as JPath
from dtwin_gui.core.validation.context import FORMAT_DOC, Context

_TYPE_WORDS = {
    "string_type": "a string (in double quotes)",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "dict_type": "an object ({...})",
    "model_type": "an object ({...})",
    "model_attributes_type": "an object ({...})",
    "list_type": "an array ([...])",
}

#: Messages for pattern checks, by the key that failed.
_PATTERN_WORDS = {
    "id": (
        "a device id must use lowercase letters, digits and hyphens (1-40 characters, "
        "no hyphen at either end)",
        "rename the device, e.g. 'temperature-sensor-1'; its id becomes part of cloud "
        "resource names",
    ),
    "name": (
        "a property name must start with a letter and use only letters, digits and underscores",
        "rename the property, e.g. 'temperature' or 'valve_open'",
    ),
    "functionName": (
        "a function name must use lowercase letters, digits and hyphens",
        "rename the action, e.g. 'high-temperature-alert', and its event_actions/ folder",
    ),
    "@id": (
        "a DTDL model id must look like 'dtmi:<path>;<version>'",
        "use an id such as 'dtmi:example:Room;1'",
    ),
}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _resolve(data: object, loc: tuple) -> tuple[JPath, object, bool]:
    """Map pydantic's ``loc`` onto the document: (JSON path, value there, value exists).

    Parts that do not exist in the data (union branch names) are skipped; a trailing key
    missing from an object is kept (it is the missing key itself).
    """
    path: list = []
    current = data
    found = True
    for i, part in enumerate(loc):
        if (isinstance(current, dict) and isinstance(part, str) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]
        elif i == len(loc) - 1 and isinstance(current, dict) and isinstance(part, str):
            path.append(part)
            found = False
        # else: a union tag such as 'AwsEntityNode' or 'int' -> not part of the document
    return tuple(path), current, found


def _message(err: dict, value: object, key: object, model_keys: list[str]) -> tuple[str, str]:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return (f"required key {key!r} is missing", f'add "{key}" here; see {FORMAT_DOC}')
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(key), model_keys, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"remove it; see {FORMAT_DOC}"
        return f"unknown key {key!r}", hint
    if kind in _TYPE_WORDS:
        return (
            f"must be {_TYPE_WORDS[kind]}, not {_json_type(value)}",
            f"change the value to {_TYPE_WORDS[kind]}",
        )
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return (f"{value!r} is not allowed here; expected {expected}", f"use one of: {expected}")
    if kind == "string_pattern_mismatch":
        message, hint = _PATTERN_WORDS.get(str(key), ("has an invalid form", "check the value"))
        return f"{value!r}: {message}", hint
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}", "use a larger number"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}", "use a smaller number"
    if kind == "too_short":
        return "must not be empty", "add at least one entry"
    if kind == "string_too_short":
        return "must not be empty", "write a value"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)", "shorten it"
    if kind == "union_tag_invalid":
        return (
            f"type {ctx.get('tag')!r} is not known; expected {ctx.get('expected_tags')}",
            'set "type" to one of the expected values',
        )
    if kind == "union_tag_not_found":
        return "the key 'type' is missing", 'add "type": "entity" or "component"'
    message = err["msg"].removeprefix("Value error, ")
    return message, f"see {FORMAT_DOC}"


@functools.cache
def _vocabulary() -> list[str]:
    """Every key any project file may hold (for 'did you mean' hints)."""
    keys: set[str] = set()
    for value in vars(schema_models).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
            keys.update(f.alias or n for n, f in value.model_fields.items())
    return sorted(keys)


def check_schema(ctx: Context, rel: str, data: object, schema: object) -> bool:
    """Validate ``data`` of file ``rel`` against ``schema`` (a model or a type); report all.

    Returns True when the file matches.
    """
    adapter = schema if isinstance(schema, TypeAdapter) else TypeAdapter(schema)
    try:
        adapter.validate_python(data)
    except ValidationError as exc:
        seen: set[tuple] = set()
        for err in exc.errors(include_url=False):
            path, value, _ = _resolve(data, err["loc"])
            key = path[-1] if path else None
            message, hint = _message(err, value, key, _vocabulary())
            signature = (path, message)
            if signature in seen:
                continue
            seen.add(signature)
            ctx.error(rel, path, message, hint, code=f"schema.{err['type']}")
        return False
    return True
