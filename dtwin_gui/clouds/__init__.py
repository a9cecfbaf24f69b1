"""One package per cloud behind one contract (:mod:`dtwin_gui.clouds.base`).

``plugin(cloud)`` and ``plugins()`` give the registered clouds; :func:`sandbox_connections`
and :func:`cloud_connections` build a deployment's :class:`~dtwin_gui.clouds.base.Connections`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dtwin_gui.clouds.base import CLOUD, SANDBOX, Connections, plugin, plugins
from dtwin_gui.core.providers import Cloud


def sandbox_connections(
    endpoints: Mapping[str, str], region: str = "us-east-1", clouds: Iterable[Cloud] | None = None
) -> Connections:
    """Connections to the running sandbox's emulators (``endpoints``: name -> URL), for every
    cloud whose plugin can connect to its emulator (or only ``clouds``)."""
    wanted = set(clouds) if clouds is not None else None
    found = {}
    for p in plugins():
        if p.sandbox_connection is None or (wanted is not None and p.cloud not in wanted):
            continue
        if p.cloud in endpoints:
            found[p.cloud] = p.sandbox_connection(endpoints, region)
    return Connections(SANDBOX, found)


def cloud_connections(made: Mapping[Cloud, object]) -> Connections:
    """Real-cloud connections from already made per-cloud connections."""
    return Connections(CLOUD, dict(made))


__all__ = ["Connections", "cloud_connections", "plugin", "plugins", "sandbox_connections"]
