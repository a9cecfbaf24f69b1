"""The storage movers: hot → cold and cold → archive, exactly once across retries.

**Hot → cold.** The unit of work is a *device-day*: every hot record of one device within
one UTC day, which becomes one object (key from :mod:`.objects`). The steps are

1. cutoff = the start of the UTC day of ``now - hot_days``: a day moves only once all of it
   is older than ``hot_days``, so its record set no longer grows and a rerun reads the same
   records again (records stay in hot at least ``hot_days``, at most one day more);
2. find the device-days with records before the cutoff (``older_than``) and read each one
   whole (``query`` over the day, paged);
3. when the cold side can be read (an :class:`ObjectStore`), merge: union the day's existing
   objects with the new records (one record per timestamp), write the union under its key,
   then delete the superseded objects of that day — late records for a day that was already
   moved end up in that day's one object;
4. only after the write succeeded, delete exactly the records read from hot.

A crash between any two steps leaves every record in hot or in cold (never lost); the rerun
reads the same records, computes the same key and the same bytes, overwrites harmlessly,
removes superseded objects and finishes the delete — afterwards every record is in exactly
one cold object and none is left in hot. With a write-only remote writer (another cloud) the
merge happens on the receiving side (:func:`store_chunk`); the mover writes the day's records
under their deterministic key.

**Cold → archive.** Whole objects whose last timestamp is older than ``now - cold_days`` are
written to the archive under the same key and only then deleted from cold; a rerun rewrites
the same bytes and finishes the delete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.objects import (
    ObjectKeyError,
    chunk_key,
    day_prefix,
    decode_chunk,
    encode_chunk,
    parse_key,
    sorted_records,
)
from dtwin_gui.runtime.core.ports import HotStore, ObjectStore, ObjectWriter
from dtwin_gui.runtime.core.records import RecordError, format_timestamp


class MoveError(RuntimeError):
    """The mover cannot make progress (e.g. the hot store does not delete)."""


@dataclass
class MoveReport:
    """What a hot → cold run did."""

    cutoff: str
    records_moved: int = 0
    records_deleted: int = 0
    objects_written: int = 0
    #: older objects of a day replaced by the merged one
    objects_superseded: int = 0
    keys: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ArchiveReport:
    """What a cold → archive run did."""

    cutoff: str
    objects_moved: int = 0
    objects_written: int = 0
    objects_deleted: int = 0
    bytes_moved: int = 0
    skipped: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def hot_cutoff(now: datetime, hot_days: int) -> str:
    """Records strictly before this timestamp move: the start of ``now - hot_days``'s day."""
    if hot_days < 0:
        raise ValueError("hot_days must not be negative")
    moment = now - timedelta(days=hot_days)
    return format_timestamp(moment)[:10] + "T00:00:00.000Z"


def _day_bounds(timestamp: str) -> tuple[str, str]:
    day = timestamp[:10]
    return f"{day}T00:00:00.000Z", f"{day}T23:59:59.999Z"


def _read_day(hot: HotStore, device_id: str, day_of: str, batch: int) -> list[dict]:
    """Every hot record of ``device_id`` in the UTC day of ``day_of``, paged."""
    start, end = _day_bounds(day_of)
    out: list[dict] = []
    after = None
    while True:
        page = hot.query(device_id, start=start, end=end, limit=batch, after=after)
        out.extend(page)
        if len(page) < batch:
            return out
        after = page[-1]["timestamp"]


def store_chunk(
    store: ObjectWriter, records: list[dict], *, compressed: bool = False
) -> tuple[str, list[str]]:
    """Write ``records`` (one device-day) as its object; returns ``(key, superseded keys)``.

    If ``store`` can list and read (an :class:`ObjectStore`), the day's existing objects are
    merged in first and removed after the union is written — the receiving side of a remote
    cold writer calls this too, so every cloud keeps one object per device-day.
    """
    records = sorted_records(records)
    existing: list[str] = []
    if all(hasattr(store, name) for name in ("list", "get", "delete")):
        prefix = day_prefix(records[0]["device_id"], records[0]["timestamp"])
        for info in store.list(prefix):
            try:
                parse_key(info.key)
            except ObjectKeyError:
                continue  # not ours: leave it alone
            existing.append(info.key)
        if existing:
            merged: list[dict] = []
            for key in existing:
                merged.extend(decode_chunk(store.get(key)))
            records = sorted_records([*merged, *records])  # hot's copy wins on a tie
    key = chunk_key(records, compressed=compressed)
    store.put(key, encode_chunk(records, compressed=compressed))
    superseded = [k for k in existing if k != key]
    for old in superseded:
        store.delete(old)
    return key, superseded


def move_hot_to_cold(
    hot: HotStore,
    cold: ObjectWriter,
    *,
    now: datetime,
    hot_days: int,
    batch: int = 500,
    compressed: bool = False,
    log: FunctionLog | None = None,
) -> MoveReport:
    """Move every device-day older than the cutoff from ``hot`` to ``cold`` (see module doc)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    report = MoveReport(cutoff=hot_cutoff(now, hot_days))
    done: set[tuple[str, str]] = set()
    while True:
        candidates = hot.older_than(report.cutoff, limit=batch)
        if not candidates:
            return report
        days = sorted({(r["device_id"], r["timestamp"][:10]) for r in candidates})
        fresh = [d for d in days if d not in done]
        if not fresh:
            raise MoveError(
                f"hot storage still returns records of {days[0][0]} on {days[0][1]} after "
                "they were moved and deleted; stopping so as not to loop"
            )
        for device_id, day in fresh:
            done.add((device_id, day))
            records = _read_day(hot, device_id, day, batch)
            if not records:
                continue
            try:
                key, superseded = store_chunk(cold, records, compressed=compressed)
            except RecordError as exc:
                raise MoveError(f"records of {device_id} on {day} cannot be moved: {exc}") from exc
            report.records_moved += len(records)
            report.objects_written += 1
            report.objects_superseded += len(superseded)
            report.keys.append(key)
            # Only now that the object is written may the source go.
            hot.delete([(r["device_id"], r["timestamp"]) for r in records])
            report.records_deleted += len(records)
            if log is not None:
                log.info(
                    "moved-to-cold",
                    f"{len(records)} records of {day} moved to {key}",
                    device_id=device_id,
                    key=key,
                    records=len(records),
                )


def move_cold_to_archive(
    cold: ObjectStore,
    archive: ObjectWriter,
    *,
    now: datetime,
    cold_days: int,
    log: FunctionLog | None = None,
) -> ArchiveReport:
    """Move objects whose last record is older than ``now - cold_days`` to ``archive``."""
    if cold_days < 0:
        raise ValueError("cold_days must not be negative")
    report = ArchiveReport(cutoff=format_timestamp(now - timedelta(days=cold_days)))
    for info in cold.list():
        try:
            device_id, _, last = parse_key(info.key)
        except ObjectKeyError:
            report.skipped.append(info.key)
            continue
        if last >= report.cutoff:
            continue
        data = cold.get(info.key)
        archive.put(info.key, data)
        report.objects_written += 1
        cold.delete(info.key)  # only after the archive holds it
        report.objects_deleted += 1
        report.objects_moved += 1
        report.bytes_moved += len(data)
        report.keys.append(info.key)
        if log is not None:
            log.info("archived", f"{info.key} moved to the archive", device_id=device_id)
    return report
