"""The cold/archive object contract (DESIGN.md §3), identical on every cloud.

One object holds the records of one device within one UTC day (the day of its first
record), as JSON Lines with sorted keys, in timestamp order. Its key is::

    <device_id>/<YYYY>/<MM>/<DD>/<first-timestamp>_<last-timestamp>.jsonl[.gz]

with the canonical timestamp text kept verbatim (``:`` included — S3, Blob storage and GCS
all accept it). The same records always give the same key and the same bytes (gzip with
``mtime=0``), so a retried write is harmless.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable

from dtwin_gui.runtime.core.records import RecordError, check_record

SUFFIX = ".jsonl"
GZIP_SUFFIX = ".jsonl.gz"
_GZIP_MAGIC = b"\x1f\x8b"
_STAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"
_KEY = re.compile(
    rf"^(?P<device>[^/]+)/(?P<y>\d{{4}})/(?P<m>\d{{2}})/(?P<d>\d{{2}})/"
    rf"(?P<first>{_STAMP})_(?P<last>{_STAMP})(?P<suffix>\.jsonl(?:\.gz)?)$"
)


class ObjectKeyError(ValueError):
    """A key that does not follow the object contract."""


def day_prefix(device_id: str, timestamp: str) -> str:
    """``<device_id>/<YYYY>/<MM>/<DD>/`` of the UTC day of ``timestamp`` (canonical)."""
    if not device_id or "/" in device_id:
        raise ObjectKeyError(f"device id {device_id!r} cannot be part of an object key")
    return f"{device_id}/{timestamp[0:4]}/{timestamp[5:7]}/{timestamp[8:10]}/"


def object_key(device_id: str, first: str, last: str, *, compressed: bool = False) -> str:
    """The key of the object of ``device_id`` holding records ``first`` .. ``last``."""
    if last < first:
        raise ObjectKeyError(f"last timestamp {last} is before first {first}")
    key = f"{day_prefix(device_id, first)}{first}_{last}{GZIP_SUFFIX if compressed else SUFFIX}"
    if not _KEY.match(key):
        raise ObjectKeyError(f"{key!r} is not a valid object key (timestamps must be canonical)")
    return key


def parse_key(key: str) -> tuple[str, str, str]:
    """``(device_id, first, last)`` of an object key, or :class:`ObjectKeyError`."""
    match = _KEY.match(key)
    if not match or match["first"][:10] != f"{match['y']}-{match['m']}-{match['d']}":
        raise ObjectKeyError(
            f"{key!r} is not <device_id>/<YYYY>/<MM>/<DD>/<first>_<last>.jsonl[.gz]"
        )
    if match["last"] < match["first"]:
        raise ObjectKeyError(f"{key!r}: last timestamp is before the first")
    return match["device"], match["first"], match["last"]


def is_compressed(key: str) -> bool:
    return key.endswith(GZIP_SUFFIX)


def sorted_records(records: Iterable[dict]) -> list[dict]:
    """Valid records of one device, in timestamp order, one per timestamp (the last wins)."""
    by_stamp: dict[str, dict] = {}
    device = None
    for record in records:
        check_record(record)
        if device is None:
            device = record["device_id"]
        elif record["device_id"] != device:
            raise RecordError(
                f"a chunk holds one device; found {device!r} and {record['device_id']!r}"
            )
        by_stamp[record["timestamp"]] = record
    if not by_stamp:
        raise RecordError("a chunk needs at least one record")
    return [by_stamp[stamp] for stamp in sorted(by_stamp)]


def chunk_key(records: Iterable[dict], *, compressed: bool = False) -> str:
    """The key of the object that holds ``records`` (one device)."""
    ordered = sorted_records(records)
    first, last = ordered[0]["timestamp"], ordered[-1]["timestamp"]
    return object_key(ordered[0]["device_id"], first, last, compressed=compressed)


def encode_chunk(records: Iterable[dict], *, compressed: bool = False) -> bytes:
    """JSON Lines (sorted keys, compact, UTF-8) in timestamp order; gzip with ``mtime=0``."""
    lines = [
        json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        for r in sorted_records(records)
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return gzip.compress(data, mtime=0) if compressed else data


def decode_chunk(data: bytes) -> list[dict]:
    """The records of an object (gzip recognised by its magic bytes)."""
    if data[:2] == _GZIP_MAGIC:
        data = gzip.decompress(data)
    records = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise RecordError(f"line {number} of the object is not JSON: {exc}") from None
        if not isinstance(record, dict):
            raise RecordError(f"line {number} of the object is not a JSON object")
        records.append(record)
    return records
