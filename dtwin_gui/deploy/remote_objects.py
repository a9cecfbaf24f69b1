"""The few object-store calls the team state needs, the same on S3, Azure Blob and GCS.

A cloud's ``state_backend`` part opens an :class:`ObjectStore` on the bucket or container of
a remote backend (:mod:`dtwin_gui.iac.backend`); the deploy lock
(:mod:`dtwin_gui.deploy.twin_lock`) and the shared records
(:mod:`dtwin_gui.deploy.state_store`) are written in terms of it, so they are the same code
on every cloud. Conditional writes are what make the lock safe: S3 ``If-None-Match: *`` /
``If-Match: <etag>``, Azure Blob ``If-None-Match: *`` / ``If-Match``, GCS
``ifGenerationMatch=0`` / ``=<generation>``.

:class:`MemoryObjects` is a complete store in memory (for unit tests of the lock and the
records; the clouds' stores are tested against their emulators).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Protocol


class ObjectStoreError(RuntimeError):
    """The store could not be used (missing bucket, no permission, network); the message
    says what and where, never a credential."""


class ObjectConflict(ObjectStoreError):
    """A conditional write or delete did not hold: the object exists (``if_absent``) or has
    changed since ``if_version``."""


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    #: What a conditional write names (S3/Azure ETag, GCS generation).
    version: str


class ObjectStore(Protocol):
    """One bucket or container. Keys are full object names."""

    def get(self, key: str) -> StoredObject | None:
        """The object, or None when there is none."""

    def put(self, key: str, data: bytes, *, if_absent: bool = False, if_version: str = "") -> str:
        """Write; returns the new version. :class:`ObjectConflict` when a condition fails."""

    def delete(self, key: str, *, if_version: str = "") -> None:
        """Remove (no error when absent). :class:`ObjectConflict` when ``if_version`` fails."""

    def where(self, key: str) -> str:
        """``s3://bucket/key`` and the like, for messages."""


class MemoryObjects:
    """An :class:`ObjectStore` in memory, safe across threads."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.objects: dict[str, StoredObject] = {}
        self._lock = threading.Lock()
        self._versions = itertools.count(1)

    def get(self, key: str) -> StoredObject | None:
        with self._lock:
            return self.objects.get(key)

    def put(self, key: str, data: bytes, *, if_absent: bool = False, if_version: str = "") -> str:
        with self._lock:
            current = self.objects.get(key)
            if if_absent and current is not None:
                raise ObjectConflict(f"{self.where(key)} exists")
            if if_version and (current is None or current.version != if_version):
                raise ObjectConflict(f"{self.where(key)} changed")
            version = str(next(self._versions))
            self.objects[key] = StoredObject(bytes(data), version)
            return version

    def delete(self, key: str, *, if_version: str = "") -> None:
        with self._lock:
            current = self.objects.get(key)
            if if_version and current is not None and current.version != if_version:
                raise ObjectConflict(f"{self.where(key)} changed")
            self.objects.pop(key, None)

    def where(self, key: str) -> str:
        return f"{self.name}://{key}"
