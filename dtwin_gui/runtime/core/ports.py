"""What the pipeline core needs from a cloud, as small protocols.

Each cloud adapter implements these over its services (DynamoDB/S3/Lambda/IoT on AWS, ...);
the glue module implements the remote variants (a hot writer on another cloud is a
:class:`HotWriter` that posts signed envelopes). Tests use in-memory implementations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class HotWriter(Protocol):
    def put(self, record: dict) -> None:
        """Store ``record``; idempotent on (device_id, timestamp)."""


class HotStore(HotWriter, Protocol):
    """Hot storage keyed by partition ``device_id`` and sort ``timestamp``."""

    def query(
        self,
        device_id: str,
        *,
        start: str | None = None,
        end: str | None = None,
        limit: int = 100,
        newest_first: bool = False,
        after: str | None = None,
    ) -> list[dict]:
        """Records of one device with start <= timestamp <= end, in timestamp order.

        ``after`` continues a page: only timestamps strictly after (or before, when
        ``newest_first``) it.
        """

    def older_than(self, cutoff: str, *, limit: int) -> list[dict]:
        """Up to ``limit`` records (any device) whose timestamp is < ``cutoff``,
        ordered by (device_id, timestamp)."""

    def delete(self, keys: list[tuple[str, str]]) -> None:
        """Delete records by (device_id, timestamp); missing keys are ignored."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


class ObjectWriter(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` at ``key`` (overwriting the same bytes is harmless)."""


class ObjectStore(ObjectWriter, Protocol):
    """Cold or archive storage of JSON Lines objects."""

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        """Every object under ``prefix``, in key order."""

    def delete(self, key: str) -> None:
        """Delete ``key``; a missing key is ignored."""


class Invoker(Protocol):
    def invoke(self, function: str, payload: dict, *, wait: bool = True) -> dict | None:
        """Run another function of the same cloud with ``payload``.

        With ``wait`` the function's JSON result is returned; without, it runs
        asynchronously and None is returned.
        """


class FeedbackPublisher(Protocol):
    def publish(self, device_id: str, message: dict) -> None:
        """Send ``message`` to the device's feedback channel."""
