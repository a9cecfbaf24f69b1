"""Recent values from the hot store, per device and numeric property (for the live chart).

Takes the connections (or one connection), the Terraform outputs and the project explicitly
(not a Deployment), so it works for any twin whose hot reader it can name. Blocking: call on
a worker thread.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from dtwin_gui.clouds.base import Connection, Connections
from dtwin_gui.core import topology as topo
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.resource_names import HOT_TABLE, ResourceKey, function_key
from dtwin_gui.runtime.core.records import RESERVED, format_timestamp, parse_timestamp

#: Terraform root output naming the hot table (L3 hot on AWS).
OUT_HOT_TABLE = "hot_table_name"
#: Terraform root output naming the hot reader function (L3 hot on AWS).
OUT_HOT_READER_FUNCTION = "hot_reader_function_name"

#: ``{device: {property: [(time, value), ...]}}``, oldest first.
Series = dict[str, dict[str, list[tuple[datetime, float]]]]


def aws_name(project: Project, key: ResourceKey) -> str:
    """The topology's name of the AWS resource under ``key`` (the name the root gives it).
    Raises :class:`~dtwin_gui.core.topology.TopologyError` for an incomplete provider
    choice and :class:`KeyError` when the choice puts no such resource on AWS."""
    return topo.topology_for_project(project).name_of(key, Cloud.AWS)


def _output(outputs: dict, name: str) -> str | None:
    value = outputs.get(name)
    if isinstance(value, dict):  # `terraform output -json` shape
        value = value.get("value")
    return value or None


def hot_table_name(outputs: dict, project: Project) -> str:
    """The hot table: the output when the deploy saved it, else the topology's name."""
    return _output(outputs, OUT_HOT_TABLE) or aws_name(project, HOT_TABLE)


def hot_reader_name(outputs: dict, project: Project) -> str:
    """The hot reader function: the output when the deploy saved it, else the topology's."""
    return _output(outputs, OUT_HOT_READER_FUNCTION) or aws_name(
        project, function_key(topo.HOT_READER)
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def recent_values(
    target: Connections | Connection,
    outputs: dict,
    project: Project,
    *,
    minutes: float = 15,
    limit: int = 200,
    devices: list[str] | None = None,
    now: datetime | None = None,
) -> Series:
    """The last ``limit`` records of the last ``minutes`` of each device, numeric values only.

    Read through the deployed hot reader, the same call as ``dtwin query``
    (:func:`dtwin_gui.deploy.query.query_hot`). Devices without records in the window are
    left out; so are properties that never held a number (text, booleans). Times are aware
    UTC datetimes. Raises :class:`~dtwin_gui.deploy.query.QueryError` when the reader cannot
    be read.
    """
    from dtwin_gui.deploy.query import query_hot

    end = now or datetime.now(UTC)
    start = format_timestamp(end - timedelta(minutes=minutes))
    series: Series = {}
    for device_id in devices if devices is not None else project.device_ids:
        rows = query_hot(
            project.root, target, device_id, start, limit, project=project, outputs=outputs
        ).records
        by_property: dict[str, list[tuple[datetime, float]]] = {}
        for row in reversed(rows):
            try:
                moment = parse_timestamp(row.get("timestamp"))
            except ValueError:
                continue
            for name, value in row.items():
                if name in RESERVED:
                    continue
                number = _number(value)
                if number is not None:
                    by_property.setdefault(name, []).append((moment, number))
        if by_property:
            series[device_id] = by_property
    return series
