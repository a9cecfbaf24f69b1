"""L4 and L5 read hot storage on another cloud, as their services do (tests/e2e/matrix_flow.py).

Where a matrix row puts L4 or L5 on another cloud than L3 hot, the twin model and the
dashboards read through the hot reader proxy on their own cloud, which signs each query to
the hot reader receiver on L3 hot's cloud (DESIGN.md §3, ``l4-l3hot-reader``,
``l5-l3hot-reader``). Each is asked here the way its service asks:

* L4 on AWS: IoT TwinMaker's ``GetPropertyValueHistory`` (the sandbox's TwinMaker really
  invokes the component type's data reader, the proxy);
* L5 on AWS: Managed Grafana's data source proxy, with a viewer token of our own;
* L5 on Azure: a dashboard panel's Infinity query (``POST /api/ds/query``) with the
  dashboard's own target;
* L4 on Azure: Azure Digital Twins is pushed its values (``l2-l4-twin-update``) and reads
  nothing, so that hop carries no message.

Each answer must hold the newest record of the device. Returns the reader hops that carried
a query (Status must show them healthy).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.runtime.core.records import format_timestamp, parse_timestamp
from tests.e2e.matrix_sides import TWIN, _provision_record

DEVICE, ENTITY, PROPERTY = "temperature-sensor-1", "machine-1", "temperature"
L4_HOP, L5_HOP = "l4-l3hot-reader", "l5-l3hot-reader"


def _window(latest: dict) -> tuple[str, str]:
    at = parse_timestamp(latest["timestamp"])
    return format_timestamp(at - timedelta(minutes=5)), format_timestamp(at + timedelta(minutes=5))


def _twinmaker(aws_side, outputs, latest) -> None:
    start, end = _window(latest)
    history = aws_side.connection.client("iottwinmaker").get_property_value_history(
        workspaceId=outputs["twinmaker_workspace_name"],
        entityId=ENTITY,
        componentName=DEVICE,
        selectedProperties=[PROPERTY],
        startTime=start,
        endTime=end,
    )
    (values,) = [h["values"] for h in history["propertyValues"]]
    assert {"time": latest["timestamp"], "value": {"doubleValue": latest[PROPERTY]}} in values


def _aws_grafana(aws_side, outputs, latest) -> None:
    from dtwin_gui.clouds.aws.sdk.grafana import datasource_uid
    from tests.helpers_aws import grafana_get

    start, end = _window(latest)
    try:
        page = grafana_get(
            aws_side.emulator,
            outputs["grafana_workspace_id"],
            f"/api/datasources/proxy/uid/{datasource_uid(TWIN)}/"
            f"?device_id={DEVICE}&properties={PROPERTY}&start={start}&end={end}",
        )
    except Exception as exc:
        raise AssertionError(f"{exc}; the proxy logged: {_proxy_log(aws_side)}") from exc
    assert latest[PROPERTY] in [item.get(PROPERTY) for item in page["items"]]


def _proxy_log(aws_side) -> list[str]:
    from dtwin_gui.clouds.aws.glue_log import glue_log

    class _Topology:  # the part names the log group by the function's deployed name
        @staticmethod
        def deployed_name(function) -> str:
            return f"{TWIN}-hot-reader-proxy"

    return glue_log(aws_side.connection, _Topology, None, 0)[-10:]


def _azure_grafana(azure_side, project, latest) -> None:
    from dtwin_gui.clouds.azure.sdk.grafana import panel_target

    at = parse_timestamp(latest["timestamp"])
    span = {
        "from": str(int((at - timedelta(minutes=5)).timestamp() * 1000)),
        "to": str(int((at + timedelta(minutes=5)).timestamp() * 1000)),
    }
    url = _provision_record(project, "azure")["grafana"]["url"]
    drawn = requests.post(
        f"{url}/api/ds/query",
        json={**span, "queries": [panel_target(TWIN, DEVICE, PROPERTY, "DOUBLE")]},
        headers={"Authorization": "Bearer matrix-viewer"},
        verify=azure_side.connection.ca_path,
        timeout=60,
    )
    assert drawn.status_code == 200, drawn.text
    (frame,) = drawn.json()["results"]["A"]["frames"]
    assert latest[PROPERTY] in frame["data"]["values"][1]


def read_as_l4_l5(project, cloud, sides, outputs, records) -> list[str]:
    hot = cloud[Slot.L3_HOT]
    latest = max((r for r in records if r["device_id"] == DEVICE), key=lambda r: r["timestamp"])
    read = []
    if cloud[Slot.L4] is Cloud.AWS and hot is not Cloud.AWS:
        _twinmaker(sides[Cloud.AWS], outputs, latest)
        read.append(L4_HOP)
    if cloud[Slot.L5] is Cloud.AWS and hot is not Cloud.AWS:
        _aws_grafana(sides[Cloud.AWS], outputs, latest)
        read.append(L5_HOP)
    if cloud[Slot.L5] is Cloud.AZURE and hot is not Cloud.AZURE:
        _azure_grafana(sides[Cloud.AZURE], project, latest)
        read.append(L5_HOP)
    for slot in (Slot.L4, Slot.L5):
        if cloud[slot] not in (None, Cloud.AWS, Cloud.AZURE):
            pytest.fail(f"no reader check for {slot} on {cloud[slot]}")  # a new cloud: add one
    return read
