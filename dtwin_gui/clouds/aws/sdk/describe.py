"""What the AWS SDK steps will make and what their saved state records, without a cloud call.

Names come from the step modules' own naming functions, so the Review page cannot drift from
what the steps do. Layers not on AWS get nothing (as in the steps).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dtwin_gui.clouds.aws.sdk import grafana, iot_devices, twinmaker
from dtwin_gui.clouds.aws.sdk.context import SdkError
from dtwin_gui.clouds.base import StepItem
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import Topology


def on_aws(topology: Topology, slot: Slot) -> bool:
    return topology.providers.get(slot) is Cloud.AWS


def device_items(project: Project, topology: Topology) -> list[StepItem]:
    twin = topology.twin_name
    return [
        StepItem(
            str(iot_devices.LAYER),
            f"IoT device certificate for {device_id}",
            f"an active X.509 certificate and key attached to thing "
            f"{iot_devices.thing_name(twin, device_id)} and its policy; the key stays in the "
            "app's deployment folder, never the project",
            iot_devices.KIND,
            device_id,
        )
        for device_id in project.device_ids
    ]


def twinmaker_items(project: Project, topology: Topology) -> list[StepItem]:
    layer = str(twinmaker.LAYER)
    workspace = twinmaker.workspace_id(topology)
    items = [
        StepItem(
            layer,
            f"TwinMaker workspace {workspace}",
            "uses the role and bucket Terraform creates",
            twinmaker.K_WORKSPACE,
            workspace,
        )
    ]
    for device in project.devices:
        type_id = twinmaker.component_type_id(device.id)
        count = len(device.properties)
        items.append(
            StepItem(
                layer,
                f"TwinMaker component type {type_id}",
                f"{count} time-series propert{'ies' if count != 1 else 'y'} of {device.id}, "
                "read from hot storage",
                twinmaker.K_TYPE,
                type_id,
            )
        )
    try:
        entities = twinmaker.read_hierarchy(project)
    except SdkError as exc:
        return [*items, StepItem(layer, "TwinMaker entities", f"cannot be listed: {exc}")]
    for entity in entities:
        parent = f"under {entity.parent}" if entity.parent else "at the top"
        parts = f", components: {', '.join(entity.components)}" if entity.components else ""
        items.append(
            StepItem(
                layer,
                f"TwinMaker entity {entity.id}",
                parent + parts,
                twinmaker.K_ENTITY,
                entity.id,
            )
        )
    return items


def grafana_items(project: Project, topology: Topology) -> list[StepItem]:
    layer = str(grafana.LAYER)
    twin = topology.twin_name
    panels = len(grafana.dashboard_model(project, twin)["panels"])
    return [
        StepItem(
            layer,
            "Grafana service account",
            f"{grafana.service_account_name(twin)} with a short-lived token for the setup",
            grafana.K_ACCOUNT,
            grafana.service_account_name(twin),
        ),
        StepItem(
            layer,
            "Grafana data source",
            "reads recent telemetry from hot storage",
            grafana.K_DATASOURCE,
            grafana.datasource_uid(twin),
        ),
        StepItem(
            layer,
            "Grafana dashboard",
            f"{panels} panel{'s' if panels != 1 else ''}, one per device property",
            grafana.K_DASHBOARD,
            grafana.dashboard_uid(twin),
        ),
    ]


# --- what a saved state records (the destroy preview) -----------------------------------
def recorded_devices(saved: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(iot_devices.KIND, device_id) for device_id in saved.get("devices") or {}]


def recorded_twinmaker(saved: Mapping[str, Any]) -> list[tuple[str, str]]:
    if not saved.get("workspace_id"):
        return []
    return [
        (twinmaker.K_WORKSPACE, saved["workspace_id"]),
        *((twinmaker.K_TYPE, t) for t in saved.get("component_types") or []),
        *((twinmaker.K_ENTITY, e) for e in saved.get("entities") or []),
    ]


def recorded_grafana(saved: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = (
        (grafana.K_ACCOUNT, saved.get("service_account_id")),
        (grafana.K_DATASOURCE, saved.get("datasource_uid")),
        (grafana.K_DASHBOARD, saved.get("dashboard_uid")),
    )
    return [(kind, name) for kind, name in found if name]
