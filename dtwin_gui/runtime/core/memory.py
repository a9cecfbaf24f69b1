"""In-memory implementations of every port, for tests and the in-process pipeline.

They behave like the real services where it matters: records and payloads are copied (an
invocation even goes through JSON, as over the wire), queries honour the key order and
their bounds, listings are in key order, an asynchronous invocation does not hand the
callee's exception back to the caller.
"""

from __future__ import annotations

import bisect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.ports import ObjectInfo


class MemoryHotStore:
    """Hot storage: partition ``device_id``, sort ``timestamp`` (a :class:`HotStore`)."""

    def __init__(self) -> None:
        self._records: dict[str, dict[str, dict]] = {}
        self._stamps: dict[str, list[str]] = {}  # sorted, per device

    def put(self, record: dict) -> None:
        device, stamp = record["device_id"], record["timestamp"]
        rows = self._records.setdefault(device, {})
        if stamp not in rows:
            bisect.insort(self._stamps.setdefault(device, []), stamp)
        rows[stamp] = dict(record)

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
        stamps = self._stamps.get(device_id, [])
        low = bisect.bisect_left(stamps, start) if start is not None else 0
        high = bisect.bisect_right(stamps, end) if end is not None else len(stamps)
        if after is not None:
            if newest_first:
                high = min(high, bisect.bisect_left(stamps, after))
            else:
                low = max(low, bisect.bisect_right(stamps, after))
        window = stamps[low:high]
        chosen = window[::-1][:limit] if newest_first else window[:limit]
        rows = self._records[device_id] if chosen else {}
        return [dict(rows[s]) for s in chosen]

    def older_than(self, cutoff: str, *, limit: int) -> list[dict]:
        out: list[dict] = []
        for device in sorted(self._stamps):
            stamps = self._stamps[device]
            for stamp in stamps[: bisect.bisect_left(stamps, cutoff)]:
                if len(out) >= limit:
                    return out
                out.append(dict(self._records[device][stamp]))
        return out

    def delete(self, keys: list[tuple[str, str]]) -> None:
        for device, stamp in keys:
            rows = self._records.get(device)
            if rows is None or stamp not in rows:
                continue
            del rows[stamp]
            stamps = self._stamps[device]
            del stamps[bisect.bisect_left(stamps, stamp)]

    def all_records(self) -> list[dict]:
        """Every record, ordered by (device_id, timestamp) — for tests."""
        return [dict(self._records[d][s]) for d in sorted(self._stamps) for s in self._stamps[d]]

    def __len__(self) -> int:
        return sum(len(s) for s in self._stamps.values())


class MemoryObjectStore:
    """Cold or archive storage (an :class:`ObjectStore`)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts = 0

    def put(self, key: str, data: bytes) -> None:
        self.objects[key] = bytes(data)
        self.puts += 1

    def get(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise KeyError(f"no object {key!r}") from None

    def exists(self, key: str) -> bool:
        return key in self.objects

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        return [
            ObjectInfo(k, len(v)) for k, v in sorted(self.objects.items()) if k.startswith(prefix)
        ]

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


class PutOnlyObjectWriter:
    """An :class:`ObjectWriter` that can only write, like a remote writer on another cloud."""

    def __init__(self, target: MemoryObjectStore) -> None:
        self._target = target

    def put(self, key: str, data: bytes) -> None:
        self._target.put(key, data)


class InvokeError(RuntimeError):
    """An invocation the platform refused (unknown function, throttled, ...)."""


@dataclass(frozen=True)
class Call:
    function: str
    payload: dict
    wait: bool


@dataclass
class RecordingInvoker:
    """An :class:`Invoker` that records calls and runs local handlers synchronously.

    ``handlers`` maps a function name to ``handler(payload) -> dict | None``. With ``strict``,
    invoking a function without a handler raises :class:`InvokeError`; so does every name in
    ``failing``. A handler's exception reaches the caller only with ``wait=True`` (as with a
    synchronous invocation); asynchronous ones are kept in ``errors``.
    """

    handlers: dict[str, Callable[[dict], dict | None]] = field(default_factory=dict)
    strict: bool = False
    failing: set[str] = field(default_factory=set)
    record_calls: bool = True
    calls: list[Call] = field(default_factory=list)
    errors: list[tuple[str, Exception]] = field(default_factory=list)

    def invoke(self, function: str, payload: dict, *, wait: bool = True) -> dict | None:
        if function in self.failing:
            raise InvokeError(f"invoking {function} failed")
        handler = self.handlers.get(function)
        if handler is None and self.strict:
            raise InvokeError(f"no function named {function!r}")
        payload = json.loads(json.dumps(payload))  # what crosses the wire is JSON
        if self.record_calls:
            self.calls.append(Call(function, payload, wait))
        if handler is None:
            return None
        if wait:
            return handler(payload)
        try:
            handler(payload)
        except Exception as exc:
            self.errors.append((function, exc))
        return None

    def calls_to(self, function: str) -> list[Call]:
        return [c for c in self.calls if c.function == function]


@dataclass
class MemoryFeedback:
    """A :class:`FeedbackPublisher` that keeps what was sent (and to which topic)."""

    topic_for: Callable[[str], str] | None = None
    sent: list[dict] = field(default_factory=list)

    def publish(self, device_id: str, message: dict) -> None:
        topic = self.topic_for(device_id) if self.topic_for else None
        self.sent.append(
            {"device_id": device_id, "topic": topic, "message": json.loads(json.dumps(message))}
        )


class MemoryLog(FunctionLog):
    """A :class:`FunctionLog` that also keeps its entries (``echo`` prints them too)."""

    def __init__(
        self, function: str = "test", *, level: int | str = logging.DEBUG, echo: bool = False
    ) -> None:
        super().__init__(function, level=level)
        self.entries: list[dict] = []
        self.echo = echo

    def write(self, level: int, entry: dict) -> None:
        self.entries.append(entry)
        if self.echo:
            super().write(level, entry)

    def find(self, event: str) -> list[dict]:
        return [e for e in self.entries if e["event"] == event]
