"""Read back the newest records of a deployed twin through its hot reader."""

from __future__ import annotations

from pathlib import Path

from dtwin_gui.app import connections as made
from dtwin_gui.app.deploy import NEVER_DEPLOYED, SANDBOX_STOPPED


class NotQueryable(Exception):
    """There is nothing to read: :attr:`reason` is ``NEVER_DEPLOYED`` or ``SANDBOX_STOPPED``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def newest_records(
    project_root: Path,
    target_name: str,
    device: str | None = None,
    since: str | None = None,
    limit: int = 50,
):
    """The ``limit`` most recent records of the twin deployed from ``project_root`` to
    ``target_name`` (a :class:`~dtwin_gui.deploy.query.QueryResult`). The sandbox is never
    started for it. Raises :class:`NotQueryable`, or ``QueryError`` from the reader."""
    from dtwin_gui.deploy.query import nothing_deployed, query_hot

    root = Path(project_root)
    if nothing_deployed(root, target_name):
        raise NotQueryable(NEVER_DEPLOYED)
    connections = made.for_reading(target_name)
    if connections is None:
        raise NotQueryable(SANDBOX_STOPPED)
    return query_hot(root, connections, device, since, limit)
