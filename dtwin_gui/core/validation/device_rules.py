"""Devices, their processors and the simulator payloads."""

from __future__ import annotations

from pydantic import TypeAdapter

from dtwin_gui.core import project as files
from dtwin_gui.core.schema import LEGACY_RESERVED_KEYS, RESERVED_KEYS, DeviceModel
from dtwin_gui.core.validation.code_check import check_function
from dtwin_gui.core.validation.context import Context
from dtwin_gui.core.validation.schema_check import check_schema

_DEVICES = TypeAdapter(list[DeviceModel])

_PY_TYPES = {
    "STRING": (str,),
    "DOUBLE": (int, float),
    "INTEGER": (int,),
    "BOOLEAN": (bool,),
}


def value_fits(data_type: str, value: object) -> bool:
    """Whether ``value`` is a valid value of ``data_type`` (bools are not numbers)."""
    if isinstance(value, bool) and data_type != "BOOLEAN":
        return False
    return isinstance(value, _PY_TYPES.get(data_type, ()))


def device_table(ctx: Context) -> dict[str, dict[str, str]]:
    """Check config_iot_devices.json; return {device id: {property: dataType}} of what's usable.

    Constant properties are included under their names too.
    """
    doc = ctx.json(files.DEVICES, required=True)
    if doc is None:
        return {}
    data = doc.value
    check_schema(ctx, files.DEVICES, data, _DEVICES)
    if not isinstance(data, list):
        return {}
    table: dict[str, dict[str, str]] = {}
    first_seen: dict[str, int] = {}
    for i, device in enumerate(data):
        if not isinstance(device, dict) or not isinstance(device.get("id"), str):
            continue
        device_id = device["id"]
        if device_id in first_seen:
            ctx.error(
                files.DEVICES,
                (i, "id"),
                f"device id {device_id!r} is used twice (first at $[{first_seen[device_id]}])",
                "give every device its own id",
                code="device-duplicate",
            )
            _check_properties(ctx, i, device)
            continue
        first_seen[device_id] = i
        table[device_id] = _check_properties(ctx, i, device)
    return table


def _check_properties(ctx: Context, index: int, device: dict) -> dict[str, str]:
    props: dict[str, str] = {}
    for key, value_key in (("properties", "initValue"), ("constProperties", "value")):
        items = device.get(key)
        if not isinstance(items, list):
            continue
        for j, prop in enumerate(items):
            if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
                continue
            name = prop["name"]
            path = (index, key, j, "name")
            if name in RESERVED_KEYS or name in LEGACY_RESERVED_KEYS:
                ctx.error(
                    files.DEVICES,
                    path,
                    f"property name {name!r} is reserved for the telemetry record",
                    "rename the property; device_id, timestamp and trace_id (and the "
                    "older iotDeviceId, time) are set by dtwin",
                    code="property-reserved",
                )
                continue
            if name in props:
                ctx.error(
                    files.DEVICES,
                    path,
                    f"property {name!r} is defined twice on device {device['id']!r}",
                    "remove or rename one of them",
                    code="property-duplicate",
                )
                continue
            data_type = prop.get("dataType")
            if not isinstance(data_type, str):
                continue
            props[name] = data_type
            value = prop.get(value_key)
            if value is not None and data_type in _PY_TYPES and not value_fits(data_type, value):
                ctx.error(
                    files.DEVICES,
                    (index, key, j, value_key),
                    f"{value_key} {value!r} is not a {data_type} value",
                    f"use a {data_type.lower()} value or change dataType",
                    code="property-value-type",
                )
    return props


def check_processors(ctx: Context, devices: dict[str, dict[str, str]]) -> None:
    """Every device has processors/<id>/process.py defining process(event)."""
    for device_id in devices:
        rel = files.processor_file(device_id)
        if not ctx.exists(rel):
            ctx.error(
                rel,
                "",
                f"device {device_id!r} has no processor",
                f"create {rel} defining `def process(event: dict) -> dict:` "
                "(the Code page can create one from a template)",
                code="processor-missing",
            )
            continue
        check_code_file(ctx, rel, "process", ("event",))
    folder = ctx.root / "processors"
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            if (
                child.is_dir()
                and not child.name.startswith((".", "__"))
                and (child.name not in devices)
            ):
                ctx.warning(
                    f"processors/{child.name}",
                    "",
                    f"processor folder {child.name!r} matches no device",
                    "rename it to a device id or delete it; it will not be deployed",
                    code="processor-orphan",
                )


def check_code_file(ctx: Context, rel: str, function: str, params: tuple[str, ...]) -> None:
    try:
        source = (ctx.root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        ctx.error(
            rel, "", f"cannot read the file: {exc}", "save it as UTF-8 text", code="code-unreadable"
        )
        return
    for finding in check_function(source, function, params):
        ctx.error(
            rel,
            "",
            finding.message,
            finding.hint,
            line=finding.line,
            column=finding.column,
            code="code",
        )


def check_payloads(ctx: Context, devices: dict[str, dict[str, str]]) -> None:
    """payloads.json: an array of records for known devices with fitting values."""
    doc = ctx.json(files.PAYLOADS)
    if doc is None:
        if ctx.exists("iot_device_simulator/payloads.json"):
            ctx.warning(
                "iot_device_simulator/payloads.json",
                "",
                "simulator payloads are in the older location",
                "move the file to payloads.json at the project root",
                code="payloads-location",
            )
        return
    if not isinstance(doc.value, list):
        ctx.error(
            files.PAYLOADS,
            (),
            "must be an array of telemetry records",
            "wrap the records in [ ... ]",
            code="payloads-shape",
        )
        return
    for i, record in enumerate(doc.value):
        if not isinstance(record, dict):
            ctx.error(
                files.PAYLOADS,
                (i,),
                "each payload must be an object",
                'write {"device_id": "...", "<property>": value}',
                code="payload",
            )
            continue
        _check_payload(ctx, i, record, devices)


def _check_payload(ctx: Context, i: int, record: dict, devices: dict[str, dict[str, str]]) -> None:
    id_key = "device_id" if "device_id" in record else "iotDeviceId"
    if id_key == "iotDeviceId" and id_key in record:
        ctx.warning(
            files.PAYLOADS,
            (i, id_key),
            "'iotDeviceId' is the older name of 'device_id'",
            'rename the key to "device_id"',
            code="payload-legacy-key",
        )
    if "time" in record:
        ctx.warning(
            files.PAYLOADS,
            (i, "time"),
            "'time' is the older name of 'timestamp'",
            'rename the key to "timestamp"',
            code="payload-legacy-key",
        )
    device_id = record.get(id_key)
    if not isinstance(device_id, str):
        ctx.error(
            files.PAYLOADS,
            (i,),
            "the payload names no device",
            'add "device_id": "<a device id>"',
            code="payload-device",
        )
        return
    if device_id not in devices:
        ctx.error(
            files.PAYLOADS,
            (i, id_key),
            f"device {device_id!r} does not exist",
            _known("devices", devices),
            code="payload-device",
        )
        return
    props = devices[device_id]
    for key, value in record.items():
        if key in ("device_id", "iotDeviceId", "time", "timestamp", "trace_id"):
            continue
        if key not in props:
            ctx.warning(
                files.PAYLOADS,
                (i, key),
                f"device {device_id!r} has no property {key!r}",
                _known("properties", props),
                code="payload-property",
            )
        elif not value_fits(props[key], value):
            ctx.error(
                files.PAYLOADS,
                (i, key),
                f"{value!r} is not a {props[key]} value for {device_id}.{key}",
                f"use a {props[key].lower()} value",
                code="payload-value-type",
            )


def _known(what: str, names) -> str:
    names = sorted(names)
    if not names:
        return f"no {what} are defined"
    shown = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
    return f"known {what}: {shown}"
