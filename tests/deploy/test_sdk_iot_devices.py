"""L1 device certificates: kept while healthy, repaired or replaced when not, retired cleanly."""

from __future__ import annotations

import json

import pytest
from helpers_sdk import final_states, prepare_minimal, sdk_context

from dtwin_gui.clouds.aws.sdk.context import SdkError
from dtwin_gui.clouds.aws.sdk.iot_devices import (
    KEY_FILE,
    destroy_devices,
    ensure_devices,
    policy_name,
    probe_devices,
    thing_name,
)
from dtwin_gui.clouds.aws.sdk.state import SdkState

DEVICE = "temperature-sensor-1"
ADDRESS = f"sdk:iot-certificate:{DEVICE}"


@pytest.fixture
def prepared(aws, project):
    return prepare_minimal(aws, project)


def deploy(aws, project, prepared, events=None) -> SdkState:
    ctx = sdk_context(aws, project, prepared.outputs, events)
    state = SdkState.load(ctx.workspace)
    ensure_devices(ctx, state)
    return state


def probe(aws, project, prepared) -> dict[str, tuple[str, str]]:
    ctx = sdk_context(aws, project, prepared.outputs)
    return {p.name: (p.state, p.detail) for p in probe_devices(ctx, SdkState.load(ctx.workspace))}


def certificate_status(aws, certificate_id: str) -> str | None:
    iot = aws.client("iot")
    try:
        return iot.describe_certificate(certificateId=certificate_id)["certificateDescription"][
            "status"
        ]
    except iot.exceptions.ResourceNotFoundException:
        return None


def test_names_of_terraform_made_things_and_policies():
    assert thing_name("factory-twin", DEVICE) == "factory-twin-temperature-sensor-1"
    # The root generator names the policy like the thing (dtwin_gui.iac.root).
    assert policy_name("factory-twin", DEVICE) == "factory-twin-temperature-sensor-1"


@pytest.mark.slow
def test_a_deactivated_certificate_is_replaced_and_the_old_one_deleted(aws, project, prepared):
    first = deploy(aws, project, prepared).devices[DEVICE]
    aws.client("iot").update_certificate(certificateId=first.certificate_id, newStatus="INACTIVE")
    assert probe(aws, project, prepared)[DEVICE] == ("drifted", "certificate is INACTIVE")

    events: list = []
    second = deploy(aws, project, prepared, events).devices[DEVICE]

    assert final_states(events)[ADDRESS] == "created"
    assert [e.action for e in events if getattr(e, "address", "") == ADDRESS] == [
        "replace",
        "replace",
    ]
    assert second.certificate_id != first.certificate_id
    assert certificate_status(aws, first.certificate_id) is None
    assert certificate_status(aws, second.certificate_id) == "ACTIVE"
    assert probe(aws, project, prepared)[DEVICE][0] == "present"


def test_a_lost_private_key_means_a_new_certificate(aws, project, prepared):
    ctx = sdk_context(aws, project, prepared.outputs)
    first = deploy(aws, project, prepared).devices[DEVICE]
    (ctx.devices_dir / DEVICE / KEY_FILE).unlink()
    assert probe(aws, project, prepared)[DEVICE] == (
        "drifted",
        "key files missing from the deployment workspace",
    )
    second = deploy(aws, project, prepared).devices[DEVICE]
    assert second.certificate_id != first.certificate_id
    assert (ctx.devices_dir / DEVICE / KEY_FILE).stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_a_detached_policy_is_attached_again(aws, project, prepared):
    record = deploy(aws, project, prepared).devices[DEVICE]
    aws.client("iot").detach_policy(policyName=record.policy_name, target=record.certificate_arn)
    assert probe(aws, project, prepared)[DEVICE] == ("drifted", "policy not attached")
    events: list = []
    again = deploy(aws, project, prepared, events).devices[DEVICE]
    assert final_states(events)[ADDRESS] == "updated"
    assert again.certificate_id == record.certificate_id
    assert probe(aws, project, prepared)[DEVICE][0] == "present"


def test_a_device_removed_from_the_project_loses_its_certificate(aws, project, prepared):
    ctx = sdk_context(aws, project, prepared.outputs)
    record = deploy(aws, project, prepared).devices["pressure-sensor-1"]
    devices = json.loads((project / "config_iot_devices.json").read_text())
    (project / "config_iot_devices.json").write_text(
        json.dumps([d for d in devices if d["id"] != "pressure-sensor-1"])
    )
    events: list = []
    state = deploy(aws, project, prepared, events)
    assert final_states(events)["sdk:iot-certificate:pressure-sensor-1"] == "deleted"
    assert "pressure-sensor-1" not in state.devices
    assert certificate_status(aws, record.certificate_id) is None
    assert not (ctx.devices_dir / "pressure-sensor-1").exists()


def test_a_missing_thing_stops_before_any_certificate_is_made(aws, project):
    ctx = sdk_context(aws, project, {})
    with pytest.raises(SdkError, match="thing factory-twin-temperature-sensor-1 does not exist"):
        ensure_devices(ctx, SdkState())
    assert aws.client("iot").list_certificates()["certificates"] == []


def test_destroy_also_retires_an_unrecorded_certificate_on_a_twin_thing(aws, project, prepared):
    deploy(aws, project, prepared)
    iot = aws.client("iot")
    stray = iot.create_keys_and_certificate(setAsActive=True)
    thing = thing_name("factory-twin", DEVICE)
    iot.attach_thing_principal(thingName=thing, principal=stray["certificateArn"])
    events: list = []
    ctx = sdk_context(aws, project, prepared.outputs, events)
    state = SdkState.load(ctx.workspace)

    assert destroy_devices(ctx, state) == []

    assert state.devices == {}
    assert iot.list_certificates()["certificates"] == []
    assert iot.list_thing_principals(thingName=thing)["principals"] == []
    assert any("was not recorded" in getattr(e, "message", "") for e in events)
    assert list(ctx.devices_dir.iterdir()) == []
