"""L1 IoT devices: a certificate and key per device for the simulator.

Terraform creates each device's thing and policy and names them in its outputs
(``iot_thing_names``, ``iot_policy_names``); :func:`device_names` reads them, falling back to
:func:`thing_name` and :func:`policy_name` (the root generator's naming) when an output is
missing, e.g. in a status check after the outputs are gone. This step creates an ACTIVE certificate
with ``CreateKeysAndCertificate``, attaches the policy and the thing, and writes
``cert.pem``, ``private.key`` and ``device.json`` (IoT data endpoint, topics; no secret) to
``<deployment workspace>/devices/<device>/`` (folder 0700, files 0600) — never to the project.
There is no internet here, so the Amazon root CA is not downloaded; MQTT clients bring their
own trust store.

Idempotent: a recorded certificate that is still ACTIVE and whose key files exist is kept (its
attachments are repaired if needed). Destroy detaches, deactivates and deletes each certificate
and removes the files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dtwin_gui.build.cache import ensure_private_dir
from dtwin_gui.clouds.aws.sdk.context import (
    OUT_IOT_POLICY_NAMES,
    OUT_IOT_THING_NAMES,
    Probe,
    SdkContext,
    SdkError,
    describe_error,
    hint_for,
    is_not_found,
)
from dtwin_gui.clouds.aws.sdk.state import DeviceRecord, SdkState
from dtwin_gui.core.fsutil import atomic_write_text
from dtwin_gui.core.providers import Slot
from dtwin_gui.runtime.core.function_config import FunctionConfig

LAYER = Slot.L1
KIND = "iot-certificate"
CERT_FILE = "cert.pem"
KEY_FILE = "private.key"
INFO_FILE = "device.json"
ENDPOINT_TYPE = "iot:Data-ATS"
MQTT_PORT = 8883


def thing_name(twin: str, device_id: str) -> str:
    """The IoT thing Terraform creates for a device (fallback for ``iot_thing_names``)."""
    return f"{twin}-{device_id}"


def policy_name(twin: str, device_id: str) -> str:
    """The IoT policy of a device (fallback for ``iot_policy_names``).

    The root generator gives the policy the thing's name (``dtwin_gui.iac.root``).
    """
    return f"{twin}-{device_id}"


def device_names(ctx: SdkContext, device_id: str) -> tuple[str, str]:
    """``(thing, policy)`` of a device: Terraform's outputs, else the fallback names."""
    things = ctx.output(OUT_IOT_THING_NAMES, required=False) or {}
    policies = ctx.output(OUT_IOT_POLICY_NAMES, required=False) or {}
    return (
        things.get(device_id) or thing_name(ctx.twin, device_id),
        policies.get(device_id) or policy_name(ctx.twin, device_id),
    )


def device_files(ctx: SdkContext, device_id: str) -> dict[str, Path]:
    """The device's folder (``"dir"``) and files, by file name."""
    folder = ctx.devices_dir / device_id
    return {"dir": folder, **{n: folder / n for n in (CERT_FILE, KEY_FILE, INFO_FILE)}}


# --------------------------------------------------------------------------- deploy


def ensure_devices(ctx: SdkContext, state: SdkState) -> None:
    """Create or keep each device's certificate; retire those of removed devices."""
    wanted = ctx.project.device_ids if ctx.on_aws(Slot.L1) else []
    for device_id in [d for d in state.devices if d not in wanted]:
        for item in _retire_recorded(ctx, state, device_id):
            ctx.log("warning", f"device {device_id} was removed, but this remains: {item}")
    if not wanted:
        return
    try:
        endpoint = ctx.client("iot").describe_endpoint(endpointType=ENDPOINT_TYPE)
    except Exception as exc:
        raise SdkError(
            f"AWS IoT: cannot read the data endpoint ({describe_error(exc)})",
            hint_for(exc, "AWS IoT"),
        ) from exc
    for device_id in wanted:
        try:
            _ensure_device(ctx, state, device_id, endpoint["endpointAddress"])
        except SdkError:
            raise
        except Exception as exc:
            raise SdkError(
                f"IoT device {device_id}: {describe_error(exc)}", hint_for(exc, "AWS IoT")
            ) from exc


def _ensure_device(ctx: SdkContext, state: SdkState, device_id: str, endpoint: str) -> None:
    iot = ctx.client("iot")
    thing, policy = device_names(ctx, device_id)
    _require_terraform_objects(ctx, device_id, thing, policy)
    record = state.devices.get(device_id)
    reason = _replace_reason(ctx, record, thing, policy) if record else None
    if record and reason is None:
        missing = _missing_attachments(ctx, record)
        if missing:
            with ctx.step(LAYER, KIND, device_id, "update"):
                _attach(iot, record, missing)
        else:
            ctx.unchanged(LAYER, KIND, device_id)
        _write_info(ctx, record, endpoint)
        return
    if reason:
        ctx.log("info", f"device {device_id}: new certificate because {reason}")
    with ctx.step(LAYER, KIND, device_id, "replace" if record else "create"):
        created = iot.create_keys_and_certificate(setAsActive=True)
        new = DeviceRecord(
            device_id, thing, policy, created["certificateId"], created["certificateArn"]
        )
        state.devices[device_id] = new  # recorded first, so destroy finds it whatever happens
        state.save(ctx.workspace)
        files = device_files(ctx, device_id)
        ensure_private_dir(files["dir"])
        atomic_write_text(files[KEY_FILE], created["keyPair"]["PrivateKey"], mode=0o600)
        atomic_write_text(files[CERT_FILE], created["certificatePem"], mode=0o600)
        _write_info(ctx, new, endpoint)
        _attach(iot, new, ("policy", "thing"))
    if record:
        left = _retire(ctx, record)
        for item in left:
            ctx.log("warning", f"device {device_id}: the old certificate remains: {item}")


def _require_terraform_objects(ctx: SdkContext, device_id: str, thing: str, policy: str) -> None:
    iot = ctx.client("iot")
    for what, call in (
        (f"thing {thing}", lambda: iot.describe_thing(thingName=thing)),
        (f"policy {policy}", lambda: iot.get_policy(policyName=policy)),
    ):
        try:
            call()
        except Exception as exc:
            if is_not_found(exc):
                raise SdkError(
                    f"IoT device {device_id}: the {what} does not exist",
                    "Terraform creates it in the L1 module; run the deploy again",
                ) from exc
            raise SdkError(
                f"IoT device {device_id}: cannot read the {what} ({describe_error(exc)})",
                hint_for(exc, "AWS IoT"),
            ) from exc


def _replace_reason(ctx: SdkContext, record: DeviceRecord, thing: str, policy: str) -> str | None:
    if record.thing_name != thing or record.policy_name != policy:
        return "the thing or policy name changed"
    try:
        described = ctx.client("iot").describe_certificate(certificateId=record.certificate_id)
    except Exception as exc:
        if is_not_found(exc):
            return "the recorded certificate no longer exists"
        raise
    status = described["certificateDescription"]["status"]
    if status != "ACTIVE":
        return f"the recorded certificate is {status}"
    files = device_files(ctx, record.device_id)
    if not (files[CERT_FILE].is_file() and files[KEY_FILE].is_file()):
        return "its key files are missing from the deployment workspace"
    return None


def _missing_attachments(ctx: SdkContext, record: DeviceRecord) -> list[str]:
    iot = ctx.client("iot")
    missing = []
    policies = iot.list_attached_policies(target=record.certificate_arn).get("policies", [])
    if record.policy_name not in {p["policyName"] for p in policies}:
        missing.append("policy")
    principals = iot.list_thing_principals(thingName=record.thing_name).get("principals", [])
    if record.certificate_arn not in principals:
        missing.append("thing")
    return missing


def _attach(iot, record: DeviceRecord, parts) -> None:
    if "policy" in parts:
        iot.attach_policy(policyName=record.policy_name, target=record.certificate_arn)
    if "thing" in parts:
        iot.attach_thing_principal(thingName=record.thing_name, principal=record.certificate_arn)


def _write_info(ctx: SdkContext, record: DeviceRecord, endpoint: str) -> None:
    files = device_files(ctx, record.device_id)
    info = {
        "device_id": record.device_id,
        "thing_name": record.thing_name,
        "client_id": record.thing_name,
        "certificate_id": record.certificate_id,
        "endpoint": endpoint,
        "port": MQTT_PORT,
        "region": ctx.region,
        "telemetry_topic": FunctionConfig.telemetry_topic.format(
            twin=ctx.twin, device_id=record.device_id
        ),
        "feedback_topic": FunctionConfig.feedback_topic.format(
            twin=ctx.twin, device_id=record.device_id
        ),
        "certificate_file": CERT_FILE,
        "private_key_file": KEY_FILE,
    }
    text = json.dumps(info, indent=2) + "\n"
    path = files[INFO_FILE]
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        ensure_private_dir(files["dir"])
        atomic_write_text(path, text, mode=0o600)


# --------------------------------------------------------------------------- destroy


def _retire(ctx: SdkContext, record: DeviceRecord) -> list[str]:
    """Detach, deactivate and delete a certificate; what could not be done is returned."""
    return _retire_certificate(
        ctx,
        record.certificate_id,
        record.certificate_arn,
        {record.thing_name},
        {record.policy_name},
    )


def _retire_certificate(
    ctx: SdkContext, certificate_id: str, arn: str, things: set[str], policies: set[str]
) -> list[str]:
    iot = ctx.client("iot")
    try:  # what is attached now, not only what we attached
        policies |= {p["policyName"] for p in iot.list_attached_policies(target=arn)["policies"]}
        things |= set(iot.list_principal_things(principal=arn).get("things", []))
    except Exception as exc:
        if is_not_found(exc):
            return []
    steps = [
        (f"detach policy {name}", lambda name=name: iot.detach_policy(policyName=name, target=arn))
        for name in sorted(policies)
    ]
    steps += [
        (
            f"detach from thing {name}",
            lambda name=name: iot.detach_thing_principal(thingName=name, principal=arn),
        )
        for name in sorted(things)
    ]
    steps.append(
        (
            "deactivate",
            lambda: iot.update_certificate(certificateId=certificate_id, newStatus="INACTIVE"),
        )
    )
    for what, call in steps:
        try:
            call()
        except Exception as exc:
            if not is_not_found(exc):
                ctx.log("warning", f"certificate {certificate_id}: {what}: {describe_error(exc)}")
    try:
        iot.delete_certificate(certificateId=certificate_id)
    except Exception as exc:
        if not is_not_found(exc):
            return [f"IoT certificate {certificate_id} ({describe_error(exc)})"]
    return []


def _retire_recorded(ctx: SdkContext, state: SdkState, device_id: str) -> list[str]:
    record = state.devices[device_id]
    left: list[str] = []
    try:
        with ctx.step(LAYER, KIND, device_id, "delete"):
            left = _retire(ctx, record)
            if left:
                raise SdkError("; ".join(left))
    except SdkError:
        return left
    shutil.rmtree(device_files(ctx, device_id)["dir"], ignore_errors=True)
    del state.devices[device_id]
    state.save(ctx.workspace)
    return []


def destroy_devices(ctx: SdkContext, state: SdkState) -> list[str]:
    """Remove every device certificate dtwin made (and any found on the twin's things)."""
    left: list[str] = []
    for device_id in list(state.devices):
        left.extend(_retire_recorded(ctx, state, device_id))
    left.extend(_retire_unrecorded(ctx))
    if not state.devices and ctx.devices_dir.is_dir():
        for child in ctx.devices_dir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    return left


def _retire_unrecorded(ctx: SdkContext) -> list[str]:
    """Certificates on the twin's things that no record names (e.g. after a crash).

    A thing keeps Terraform from deleting it while principals are attached, so they are
    detached; a certificate used only by this twin's things is deleted, others are reported.
    """
    if not ctx.on_aws(Slot.L1):
        return []
    iot = ctx.client("iot")
    prefix = f"{ctx.twin}-"
    left: list[str] = []
    for device_id in ctx.project.device_ids:
        thing = device_names(ctx, device_id)[0]
        try:
            principals = iot.list_thing_principals(thingName=thing).get("principals", [])
        except Exception as exc:
            if not is_not_found(exc):
                left.append(f"IoT thing {thing}: cannot list its certificates ({exc})")
            continue
        for arn in principals:
            certificate_id = arn.rsplit("/", 1)[-1]
            try:
                things = iot.list_principal_things(principal=arn).get("things", [])
            except Exception as exc:
                left.append(f"IoT certificate {certificate_id} ({describe_error(exc)})")
                continue
            if any(not t.startswith(prefix) for t in things):
                try:
                    iot.detach_thing_principal(thingName=thing, principal=arn)
                except Exception as exc:
                    left.append(f"IoT certificate {certificate_id} on {thing} ({exc})")
                    continue
                left.append(f"IoT certificate {certificate_id} (also used outside this twin)")
                continue
            ctx.log("warning", f"certificate {certificate_id} on {thing} was not recorded")
            left.extend(_retire_certificate(ctx, certificate_id, arn, set(things), set()))
    return sorted(set(left))


# --------------------------------------------------------------------------- status


def probe_devices(ctx: SdkContext, state: SdkState) -> list[Probe]:
    if not ctx.on_aws(Slot.L1):
        return []
    return [_probe(ctx, state, device_id) for device_id in ctx.project.device_ids]


def _probe(ctx: SdkContext, state: SdkState, device_id: str) -> Probe:
    def result(kind: str, detail: str) -> Probe:
        return Probe(str(LAYER), KIND, device_id, kind, detail)

    iot = ctx.client("iot")
    thing = device_names(ctx, device_id)[0]
    record = state.devices.get(device_id)
    try:
        try:
            iot.describe_thing(thingName=thing)
        except Exception as exc:
            if is_not_found(exc):
                return result("missing", f"thing {thing} does not exist")
            raise
        if record is None:
            return result("missing", "no certificate was made for this device; deploy again")
        try:
            described = iot.describe_certificate(certificateId=record.certificate_id)
        except Exception as exc:
            if is_not_found(exc):
                return result("missing", f"certificate {record.certificate_id} was deleted")
            raise
        status = described["certificateDescription"]["status"]
        problems = []
        if status != "ACTIVE":
            problems.append(f"certificate is {status}")
        problems.extend(f"{part} not attached" for part in _missing_attachments(ctx, record))
        files = device_files(ctx, device_id)
        if not (files[CERT_FILE].is_file() and files[KEY_FILE].is_file()):
            problems.append("key files missing from the deployment workspace")
        if problems:
            return result("drifted", "; ".join(problems))
        return result("present", f"thing {thing}, certificate {record.certificate_id[:12]} ACTIVE")
    except Exception as exc:
        return result("error", describe_error(exc))
