"""The movers: old records only, write before delete, exactly once across crashes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from dtwin_gui.runtime.core.memory import MemoryHotStore, MemoryObjectStore, PutOnlyObjectWriter
from dtwin_gui.runtime.core.movers import (
    MoveError,
    hot_cutoff,
    move_cold_to_archive,
    move_hot_to_cold,
    store_chunk,
)
from dtwin_gui.runtime.core.objects import decode_chunk, encode_chunk, parse_key
from dtwin_gui.runtime.core.records import format_timestamp

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DEVICES = ("temperature-sensor-1", "pressure-sensor-1")


def make(device: str, moment: datetime, value: float = 1.0) -> dict:
    return {
        "device_id": device,
        "timestamp": format_timestamp(moment),
        "trace_id": "t",
        "value": value,
    }


def fill(hot: MemoryHotStore, start: datetime, hours: int, step_minutes: int = 30) -> list[dict]:
    out = []
    for device in DEVICES:
        moment = start
        while moment < start + timedelta(hours=hours):
            record = make(device, moment, moment.minute)
            hot.put(record)
            out.append(record)
            moment += timedelta(minutes=step_minutes)
    return out


def cold_records(store: MemoryObjectStore) -> list[tuple[str, str]]:
    return [
        (r["device_id"], r["timestamp"])
        for info in store.list()
        for r in decode_chunk(store.get(info.key))
    ]


class FlakyDeleteHotStore(MemoryHotStore):
    """Crashes (raises) on the first ``failures`` deletes, like a function killed mid-run."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def delete(self, keys):
        if self.failures > 0:
            self.failures -= 1
            raise TimeoutError("function timed out")
        super().delete(keys)


class FailingPutStore(MemoryObjectStore):
    def put(self, key, data):
        raise ConnectionError("cold storage unreachable")


def test_cutoff_is_the_start_of_the_day_of_now_minus_hot_days():
    assert hot_cutoff(NOW, 2) == "2026-03-08T00:00:00.000Z"
    assert hot_cutoff(NOW, 0) == "2026-03-10T00:00:00.000Z"
    with pytest.raises(ValueError):
        hot_cutoff(NOW, -1)


def test_moves_old_records_only_one_object_per_device_day():
    hot, cold = MemoryHotStore(), MemoryObjectStore()
    records = fill(hot, datetime(2026, 3, 6, 0, tzinfo=UTC), hours=24 * 4)  # 6th .. 9th
    report = move_hot_to_cold(hot, cold, now=NOW, hot_days=2, batch=7)
    limit = format_timestamp(NOW - timedelta(days=2))
    moved = {(r["device_id"], r["timestamp"]) for r in records if r["timestamp"] < report.cutoff}
    assert moved and all(ts < limit for _, ts in moved)  # everything moved is old
    assert set(cold_records(cold)) == moved
    assert report.records_moved == report.records_deleted == len(moved)
    assert [parse_key(k.key)[0] for k in cold.list()] == sorted([*DEVICES] * 2)  # 2 days each
    assert report.objects_written == 4 and len(cold.list()) == 4
    left = hot.all_records()
    assert left and all(r["timestamp"] >= report.cutoff for r in left)
    assert len(left) + len(moved) == len(records)


def test_a_day_larger_than_the_batch_stays_one_object():
    hot, cold = MemoryHotStore(), MemoryObjectStore()
    fill(hot, datetime(2026, 3, 1, tzinfo=UTC), hours=24, step_minutes=10)  # 144 per device
    move_hot_to_cold(hot, cold, now=NOW, hot_days=2, batch=5)
    assert len(cold.list()) == 2
    assert len(hot) == 0
    assert Counter(d for d, _ in cold_records(cold)) == {d: 144 for d in DEVICES}


def test_write_before_delete_nothing_is_deleted_when_the_write_fails():
    hot = MemoryHotStore()
    records = fill(hot, datetime(2026, 3, 1, tzinfo=UTC), hours=5)
    with pytest.raises(ConnectionError):
        move_hot_to_cold(hot, FailingPutStore(), now=NOW, hot_days=2)
    assert len(hot) == len(records)


@pytest.mark.parametrize("failures", [1, 2, 3])
def test_crash_between_write_and_delete_then_rerun_is_exactly_once(failures):
    hot, cold = FlakyDeleteHotStore(failures), MemoryObjectStore()
    records = fill(hot, datetime(2026, 3, 4, tzinfo=UTC), hours=48)  # 4th and 5th
    expected = sorted((r["device_id"], r["timestamp"]) for r in records)
    for _ in range(failures):
        with pytest.raises(TimeoutError):
            move_hot_to_cold(hot, cold, now=NOW, hot_days=2, batch=10)
        assert cold.list()  # the object was written before the delete crashed
    report = move_hot_to_cold(hot, cold, now=NOW, hot_days=2, batch=10)
    assert sorted(cold_records(cold)) == expected  # every record exactly once
    assert len(hot) == 0
    assert len(cold.list()) == 4
    assert report.objects_superseded == 0


def test_crash_then_a_late_record_for_the_same_day_is_merged_without_duplicates():
    hot, cold = FlakyDeleteHotStore(1), MemoryObjectStore()
    records = fill(hot, datetime(2026, 3, 4, 6, tzinfo=UTC), hours=4)
    with pytest.raises(TimeoutError):
        move_hot_to_cold(hot, cold, now=NOW, hot_days=2)
    # the crash hit the first device-day (pressure-sensor-1 sorts first); that device,
    # buffered, reports late: earlier than everything stored for the day
    late = make("pressure-sensor-1", datetime(2026, 3, 4, 1, tzinfo=UTC), 5.0)
    hot.put(late)
    report = move_hot_to_cold(hot, cold, now=NOW, hot_days=2)
    expected = sorted((r["device_id"], r["timestamp"]) for r in [*records, late])
    assert sorted(cold_records(cold)) == expected
    assert len(cold.list()) == 2  # still one object per device-day
    assert report.objects_superseded == 1  # the crashed run's object, replaced by the union
    assert len(hot) == 0


def test_a_late_record_for_a_day_already_moved_joins_that_days_object():
    hot, cold = MemoryHotStore(), MemoryObjectStore()
    records = fill(hot, datetime(2026, 3, 4, 6, tzinfo=UTC), hours=2)
    move_hot_to_cold(hot, cold, now=NOW, hot_days=2)
    late = make(DEVICES[1], datetime(2026, 3, 4, 23, 59, tzinfo=UTC), 9.0)
    hot.put(late)
    move_hot_to_cold(hot, cold, now=NOW + timedelta(days=1), hot_days=2)
    assert sorted(cold_records(cold)) == sorted(
        (r["device_id"], r["timestamp"]) for r in [*records, late]
    )
    assert len(cold.list()) == 2
    assert parse_key(cold.list()[0].key)[2] == "2026-03-04T23:59:00.000Z"


def test_a_write_only_remote_writer_gets_deterministic_objects():
    hot, target = FlakyDeleteHotStore(1), MemoryObjectStore()
    writer = PutOnlyObjectWriter(target)
    records = fill(hot, datetime(2026, 3, 4, tzinfo=UTC), hours=3)
    with pytest.raises(TimeoutError):
        move_hot_to_cold(hot, writer, now=NOW, hot_days=2, compressed=True)
    [(crashed_key, crashed_bytes)] = target.objects.items()  # written, then the crash
    move_hot_to_cold(hot, writer, now=NOW, hot_days=2, compressed=True)
    assert len(target.objects) == 2
    assert target.objects[crashed_key] == crashed_bytes  # same key and bytes: harmless rewrite
    assert all(k.endswith(".jsonl.gz") for k in target.objects)
    assert sorted(cold_records(target)) == sorted((r["device_id"], r["timestamp"]) for r in records)
    assert len(hot) == 0


def test_store_chunk_leaves_foreign_objects_alone():
    cold = MemoryObjectStore()
    foreign = "temperature-sensor-1/2026/03/04/notes.txt"
    cold.put(foreign, b"hello")
    key, superseded = store_chunk(cold, [make(DEVICES[0], datetime(2026, 3, 4, tzinfo=UTC))])
    assert superseded == [] and cold.exists(foreign) and cold.exists(key)


def test_a_store_that_does_not_delete_stops_the_mover_instead_of_looping():
    class NoDelete(MemoryHotStore):
        def delete(self, keys):
            pass

    hot = NoDelete()
    fill(hot, datetime(2026, 3, 1, tzinfo=UTC), hours=2)
    with pytest.raises(MoveError, match="not to loop"):
        move_hot_to_cold(hot, MemoryObjectStore(), now=NOW, hot_days=2)


def put_object(store: MemoryObjectStore, first: datetime, last: datetime) -> str:
    chunk = [make(DEVICES[0], first), make(DEVICES[0], last)]
    key, _ = store_chunk(store, chunk)
    return key


def test_cold_to_archive_by_age():
    cold, archive = MemoryObjectStore(), MemoryObjectStore()
    old = put_object(
        cold, datetime(2025, 11, 1, 1, tzinfo=UTC), datetime(2025, 11, 1, 2, tzinfo=UTC)
    )
    young = put_object(
        cold, datetime(2026, 3, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, 2, tzinfo=UTC)
    )
    cold.put("README.txt", b"not an object of ours")
    data = cold.get(old)
    report = move_cold_to_archive(cold, archive, now=NOW, cold_days=90)
    assert report.keys == [old] and report.objects_moved == 1
    assert archive.objects == {old: data}
    assert cold.exists(young) and not cold.exists(old)
    assert report.skipped == ["README.txt"]
    assert report.bytes_moved == len(data)


def test_cold_to_archive_crash_then_rerun():
    class FlakyCold(MemoryObjectStore):
        crash = True

        def delete(self, key):
            if self.crash:
                self.crash = False
                raise TimeoutError("function timed out")
            super().delete(key)

    cold, archive = FlakyCold(), MemoryObjectStore()
    key = put_object(cold, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, 5, tzinfo=UTC))
    with pytest.raises(TimeoutError):
        move_cold_to_archive(cold, archive, now=NOW, cold_days=30)
    assert archive.exists(key) and cold.exists(key)
    move_cold_to_archive(cold, archive, now=NOW, cold_days=30)
    assert list(archive.objects) == [key] and cold.list() == []
    assert decode_chunk(archive.get(key)) == decode_chunk(
        encode_chunk(
            [
                make(DEVICES[0], datetime(2025, 1, 1, tzinfo=UTC)),
                make(DEVICES[0], datetime(2025, 1, 1, 5, tzinfo=UTC)),
            ]
        )
    )
