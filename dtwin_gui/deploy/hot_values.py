"""Recent values from the hot store, per device and numeric property (for the live chart).

Takes the connections (or one connection), the Terraform outputs and the project explicitly
(not a Deployment), so it works for any twin whose hot reader it can name. Blocking: call on
a worker thread.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from dtwin_gui.clouds.base import Connection, Connections
from dtwin_gui.core.project import Project
from dtwin_gui.runtime.core.records import RESERVED, format_timestamp, parse_timestamp

#: ``{device: {property: [(time, value), ...]}}``, oldest first.
Series = dict[str, dict[str, list[tuple[datetime, float]]]]


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
