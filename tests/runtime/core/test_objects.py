"""The cold/archive object contract: keys, deterministic bytes, round trips."""

from __future__ import annotations

import gzip
import random

import pytest

from dtwin_gui.runtime.core.objects import (
    ObjectKeyError,
    chunk_key,
    decode_chunk,
    encode_chunk,
    is_compressed,
    object_key,
    parse_key,
)
from dtwin_gui.runtime.core.records import RecordError

DEVICE = "temperature-sensor-1"


def records(n: int = 5, device: str = DEVICE) -> list[dict]:
    return [
        {
            "device_id": device,
            "timestamp": f"2026-11-25T10:0{i}:00.000Z",
            "trace_id": f"t{i}",
            "temperature": 20.0 + i,
            "ok": i % 2 == 0,
            "label": "é",
        }
        for i in range(n)
    ]


def test_key_layout():
    assert chunk_key(records()) == (
        "temperature-sensor-1/2026/11/25/2026-11-25T10:00:00.000Z_2026-11-25T10:04:00.000Z.jsonl"
    )
    assert chunk_key(records(), compressed=True).endswith("10:04:00.000Z.jsonl.gz")


def test_parse_key_round_trip():
    for compressed in (False, True):
        key = object_key(
            DEVICE, "2026-11-25T10:00:00.000Z", "2026-11-25T23:59:59.999Z", compressed=compressed
        )
        assert parse_key(key) == (DEVICE, "2026-11-25T10:00:00.000Z", "2026-11-25T23:59:59.999Z")
        assert is_compressed(key) is compressed


@pytest.mark.parametrize(
    "key",
    [
        "temperature-sensor-1/2026/11/25/data.jsonl",
        "temperature-sensor-1/2026/11/25/2026-11-25T10:00:00.000Z_2026-11-25T10:00:00.000Z.json",
        "temperature-sensor-1/2026/11/26/2026-11-25T10:00:00.000Z_2026-11-25T10:00:00.000Z.jsonl",
        "temperature-sensor-1/2026/11/25/2026-11-25T10:00:01.000Z_2026-11-25T10:00:00.000Z.jsonl",
        "2026/11/25/2026-11-25T10:00:00.000Z_2026-11-25T10:00:00.000Z.jsonl",
    ],
)
def test_foreign_keys_are_refused(key):
    with pytest.raises(ObjectKeyError):
        parse_key(key)


def test_object_key_checks_its_parts():
    with pytest.raises(ObjectKeyError):
        object_key("a/b", "2026-11-25T10:00:00.000Z", "2026-11-25T10:00:00.000Z")
    with pytest.raises(ObjectKeyError):
        object_key(DEVICE, "2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z")


def test_encoding_is_deterministic_and_sorted():
    ordered = records()
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    data = encode_chunk(ordered)
    assert encode_chunk(shuffled) == data
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == (
        '{"device_id":"temperature-sensor-1","label":"é","ok":true,"temperature":20.0,'
        '"timestamp":"2026-11-25T10:00:00.000Z","trace_id":"t0"}'
    )
    assert data.endswith(b"\n")
    assert decode_chunk(data) == ordered


def test_gzip_is_deterministic_and_decoded_by_its_magic():
    first = encode_chunk(records(), compressed=True)
    assert encode_chunk(list(reversed(records())), compressed=True) == first
    assert gzip.decompress(first) == encode_chunk(records())
    assert decode_chunk(first) == records()


def test_one_record_per_timestamp_the_last_wins():
    twice = [*records(2), {**records(1)[0], "temperature": 99.0}]
    decoded = decode_chunk(encode_chunk(twice))
    assert len(decoded) == 2 and decoded[0]["temperature"] == 99.0


def test_a_chunk_holds_one_device_and_at_least_one_record():
    with pytest.raises(RecordError, match="one device"):
        encode_chunk(records(1) + records(1, device="other-1"))
    with pytest.raises(RecordError, match="at least one"):
        encode_chunk([])


def test_decode_reports_a_bad_line():
    with pytest.raises(RecordError, match="line 2"):
        decode_chunk(b'{"a":1}\nnot json\n')
