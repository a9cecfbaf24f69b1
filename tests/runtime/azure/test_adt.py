"""Twin updates to Azure Digital Twins: the adt-updater's client (the real
DigitalTwinsClient) against the sandbox's ADT emulation over HTTPS, trusted through
DTWIN_CA_BUNDLE and authenticated with the sandbox token. Event Grid delivers telemetry in no
particular order and several instances run at once: the newest record must win."""

from __future__ import annotations

import os
import random
import threading

import pytest

from dtwin_gui.clouds.azure.sandbox.digital_twins import DigitalTwinsEmulation
from dtwin_gui.runtime.azure.services import AdtTwinUpdater, twin_patch
from dtwin_gui.runtime.core.records import RecordError
from tests.sandbox.azure.test_adt import ROOM, _room, _Token
from tests.sandbox.azure.test_iothub import serve_https

DEVICES = {"sensor-1": {"temperature": "DOUBLE"}}


@pytest.fixture
def adt(tmp_path, monkeypatch):
    from azure.digitaltwins.core import DigitalTwinsClient

    emulation = DigitalTwinsEmulation("adt-twin")
    with serve_https(emulation.handle, tmp_path, monkeypatch) as host:
        url = emulation.endpoint(host)
        client = DigitalTwinsClient(url, _Token())
        client.create_models([ROOM])
        client.upsert_digital_twin("sensor-1", _room(19.0))
        env = {
            "DTWIN_ADT_URL": url,
            "DTWIN_CA_BUNDLE": os.environ["REQUESTS_CA_BUNDLE"],
            "DTWIN_AZURE_STATIC_TOKEN": "sandbox-token",
        }
        yield client, env


def _record(when: str, temperature: float, **extra) -> dict:
    return {"device_id": "sensor-1", "timestamp": when, "temperature": temperature, **extra}


def test_the_twin_gets_the_declared_values_with_their_source_time(adt):
    client, env = adt
    updater = AdtTwinUpdater.from_env(env, DEVICES)
    updater.put(_record("2026-03-01T10:00:00.000Z", 24.5, temperature_f=76.1, trace_id="t"))
    twin = client.get_digital_twin("sensor-1")
    assert twin["temperature"] == 24.5
    assert "temperature_f" not in twin  # the model has no such property: not written
    assert twin["$metadata"]["temperature"]["sourceTime"] == "2026-03-01T10:00:00.000Z"


def test_an_older_record_arriving_late_leaves_the_newer_value(adt):
    client, env = adt
    updater = AdtTwinUpdater.from_env(env, DEVICES)
    updater.put(_record("2026-03-01T10:00:05.000Z", 30.0))
    updater.put(_record("2026-03-01T10:00:01.000Z", 20.0))
    assert client.get_digital_twin("sensor-1")["temperature"] == 30.0
    updater.put(_record("2026-03-01T10:00:09.000Z", 31.0))
    assert client.get_digital_twin("sensor-1")["temperature"] == 31.0


def test_concurrent_updates_in_any_order_end_with_the_newest(adt):
    client, env = adt
    records = [_record(f"2026-03-01T10:00:{s:02d}.000Z", float(s)) for s in range(24)]
    random.Random(7).shuffle(records)
    updaters = [AdtTwinUpdater.from_env(env, DEVICES) for _ in range(6)]
    errors = []

    def send(updater, share):
        for record in share:
            try:
                updater.put(record)
            except Exception as exc:  # the test reports it below
                errors.append(exc)

    threads = [
        threading.Thread(target=send, args=(u, records[i::6])) for i, u in enumerate(updaters)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert client.get_digital_twin("sensor-1")["temperature"] == 23.0


def test_a_record_without_device_is_refused():
    with pytest.raises(RecordError):
        twin_patch({"timestamp": "2026-03-01T10:00:00.000Z", "p": 1})
