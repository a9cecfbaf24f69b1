"""Where a deployment's own records live: the workspace alone, or beside a remote state.

The engine reads and writes its records as workspace files, as it always did
(``workspace.read_json`` / ``write_json`` / ``remove_json``). Four of them are *state*, not
cache, and a colleague's machine must see them:

``sdk_state.json``    what the SDK steps made (devices, TwinMaker, Grafana, twins ...)
``provisioned.json``  what the sandbox's provisioners made (clouds outside Terraform)
``fingerprint.json``  the last successful deploy's inputs (a colleague's change re-plans)
``outputs.json``      Terraform's public outputs of that deploy

A :class:`StateStore` decides where they live. :class:`LocalStateStore`: only in the
workspace (the local backend). :class:`RemoteStateStore`: every write and removal also goes
to ``<records prefix><name>`` in the backend's bucket or container, and :meth:`pull` (run
under the deploy lock at the start of every deploy and destroy) makes the workspace files a
copy of the remote ones; the workspace then holds only caches. The store of a workspace is
given to :class:`~dtwin_gui.deploy.workspace.DeploymentWorkspace` (``store=``); a workspace
made without one is local.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from dtwin_gui.deploy.remote_objects import ObjectStore, ObjectStoreError

#: The workspace files (in the target folder) that are state and follow the backend.
SHARED_RECORDS = ("sdk_state.json", "provisioned.json", "fingerprint.json", "outputs.json")


class StateStore(Protocol):
    remote: bool

    def where(self) -> str:
        """Where the records live, for messages."""

    def read(self, name: str) -> Any | None:
        """The record ``name`` (one of :data:`SHARED_RECORDS`), None when there is none."""

    def write(self, name: str, data: Any) -> None: ...

    def delete(self, name: str) -> None: ...


class LocalStateStore:
    """The records are the workspace files themselves (nothing else to write)."""

    remote = False

    def __init__(self, target_dir: Path) -> None:
        self.target_dir = Path(target_dir)

    def where(self) -> str:
        return str(self.target_dir)

    def read(self, name: str) -> Any | None:
        try:
            return json.loads((self.target_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write(self, name: str, data: Any) -> None:  # the workspace wrote the file already
        return None

    def delete(self, name: str) -> None:
        return None


class RemoteStateStore:
    """The records as objects ``<prefix><name>`` of a bucket or container.

    ``objects`` is made on first use (``opener()``): opening a deployment never calls a cloud.
    """

    remote = True

    def __init__(self, opener: Callable[[], ObjectStore], prefix: str, label: str = "") -> None:
        self._opener = opener
        self._objects: ObjectStore | None = None
        self.prefix = prefix
        self.label = label

    @property
    def objects(self) -> ObjectStore:
        if self._objects is None:
            self._objects = self._opener()
        return self._objects

    def key(self, name: str) -> str:
        return self.prefix + name

    def where(self) -> str:
        return self.label or self.objects.where(self.prefix)

    def read(self, name: str) -> Any | None:
        found = self.objects.get(self.key(name))
        if found is None:
            return None
        try:
            return json.loads(found.data)
        except ValueError as exc:
            raise ObjectStoreError(
                f"{self.objects.where(self.key(name))} is not valid JSON ({exc}); restore an "
                "earlier version of it (the bucket keeps versions)"
            ) from None

    def write(self, name: str, data: Any) -> None:
        body = json.dumps(data, indent=2, sort_keys=True).encode()
        self.objects.put(self.key(name), body)

    def delete(self, name: str) -> None:
        self.objects.delete(self.key(name))

    # --- the workspace as a copy ------------------------------------------------------------
    def pull(self, target_dir: Path, write_json: Callable[[Path, Any], None]) -> list[str]:
        """Make the workspace's record files copies of the remote ones; returns the names
        the remote holds."""
        held = []
        for name in SHARED_RECORDS:
            data = self.read(name)
            path = Path(target_dir) / name
            if data is None:
                path.unlink(missing_ok=True)
            else:
                write_json(path, data)
                held.append(name)
        return held

    def push(self, target_dir: Path) -> list[str]:
        """Copy the workspace's record files to the remote (moving a local deployment to
        the backend); returns the names copied."""
        copied = []
        for name in SHARED_RECORDS:
            try:
                data = json.loads((Path(target_dir) / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            self.write(name, data)
            copied.append(name)
        return copied

    def held(self) -> list[str]:
        """The record names the remote holds."""
        return [n for n in SHARED_RECORDS if self.objects.get(self.key(n)) is not None]
