"""The twin's Grafana dashboard, the same on every cloud's Managed Grafana.

One panel per device property, two per row (numbers as time series, the rest as state
timelines), on the data source of the twin's hot store; fixed uids so a redeploy updates
rather than duplicates. What differs per cloud — the data source plugin and the query of a
panel — is given by the caller (``clouds/<cloud>/sdk/grafana.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

PANEL_WIDTH, PANEL_HEIGHT = 12, 8
NUMERIC = ("DOUBLE", "INTEGER")


def grafana_uid(text: str) -> str:
    """A Grafana uid (at most 40 of ``[a-zA-Z0-9-_]``) for ``text``."""
    if len(text) <= 40:
        return text
    return f"{text[:31]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def datasource_uid(twin: str) -> str:
    return grafana_uid(f"dtwin-{twin}-hot")


def dashboard_uid(twin: str) -> str:
    return grafana_uid(f"dtwin-{twin}")


def dashboard_model(
    project,
    twin: str,
    datasource_type: str,
    target: Callable[[str, str, str], dict],
    panel_extra: Mapping | None = None,
) -> dict:
    """The dashboard of ``project``'s devices; ``target(device_id, property, data_type)``
    is a panel's query, ``panel_extra`` what the cloud's plugin adds to every panel."""
    panels = []
    for device in project.devices:
        for prop in device.properties:
            index = len(panels)
            data_type = str(prop.data_type).upper()
            panels.append(
                {
                    "id": index + 1,
                    "type": "timeseries" if data_type in NUMERIC else "state-timeline",
                    "title": f"{device.id} · {prop.name}",
                    "gridPos": {
                        "x": (index % 2) * PANEL_WIDTH,
                        "y": (index // 2) * PANEL_HEIGHT,
                        "w": PANEL_WIDTH,
                        "h": PANEL_HEIGHT,
                    },
                    "datasource": {"type": datasource_type, "uid": datasource_uid(twin)},
                    "targets": [target(device.id, prop.name, data_type)],
                    **dict(panel_extra or {}),
                    "fieldConfig": {"defaults": {}, "overrides": []},
                    "options": {},
                }
            )
    return {
        "uid": dashboard_uid(twin),
        "title": f"{twin} telemetry",
        "tags": ["dtwin", twin],
        "timezone": "utc",
        "schemaVersion": 39,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-24h", "to": "now"},
        "panels": panels,
    }


def differences(current: Mapping, wanted: Mapping) -> list[str]:
    """The keys of ``wanted`` whose value ``current`` does not have."""
    return sorted(k for k, v in wanted.items() if current.get(k) != v)


def datasource_differences(current: Mapping, wanted: Mapping) -> list[str]:
    """What of a data source ``current`` is not as ``wanted`` (``jsonData`` key by key; the
    write-only ``secureJsonData`` is the caller's to compare)."""
    plain = {k: v for k, v in wanted.items() if k not in ("jsonData", "secureJsonData")}
    out = differences(current, plain)
    have = current.get("jsonData") or {}
    out.extend(
        f"jsonData.{k}" for k, v in (wanted.get("jsonData") or {}).items() if have.get(k) != v
    )
    return out


def dashboard_state(current: Mapping | None, wanted: Mapping) -> tuple[str, str]:
    """``(state, detail)`` of a dashboard as Grafana answered it (``None``: not found)
    against ``wanted``: missing, drifted (what differs) or present (its panel count)."""
    if current is None:
        return "missing", "the dashboard does not exist"
    diff = differences(current.get("dashboard") or {}, wanted)
    if diff:
        return "drifted", "; ".join(diff)
    return "present", f"{len(wanted['panels'])} panels"
