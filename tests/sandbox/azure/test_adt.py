"""The emulated Azure Digital Twins data plane, driven by the real DigitalTwinsClient."""

from __future__ import annotations

import time

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from dtwin_gui.clouds.azure.sandbox.digital_twins import DigitalTwinsEmulation
from tests.sandbox.azure.test_iothub import serve_https

ROOM = {
    "@id": "dtmi:dtwin:Room;1",
    "@type": "Interface",
    "@context": "dtmi:dtdl:context;3",
    "displayName": "Room",
    "contents": [{"@type": "Property", "name": "temperature", "schema": "double"}],
}
FLOOR = {
    "@id": "dtmi:dtwin:Floor;1",
    "@type": "Interface",
    "@context": "dtmi:dtdl:context;2",
    "contents": [{"@type": "Relationship", "name": "contains", "target": "dtmi:dtwin:Room;1"}],
}


class _Token:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("sandbox-token", int(time.time()) + 3600)


@pytest.fixture
def served(tmp_path, monkeypatch):
    emulation = DigitalTwinsEmulation("adt-twin")
    with serve_https(emulation.handle, tmp_path, monkeypatch) as host:
        yield emulation.endpoint(host)


@pytest.fixture
def adt(served):
    from azure.digitaltwins.core import DigitalTwinsClient

    return DigitalTwinsClient(served, _Token())


def _room(temperature):
    return {"$metadata": {"$model": ROOM["@id"]}, "temperature": temperature}


def test_models_are_created_listed_decommissioned_and_deleted(adt):
    created = adt.create_models([ROOM, FLOOR])
    assert sorted(m.id for m in created) == [FLOOR["@id"], ROOM["@id"]]
    with pytest.raises(HttpResponseError, match="ModelIdAlreadyExists"):
        adt.create_models([ROOM])
    listed = {m.id: m for m in adt.list_models(include_model_definition=True)}
    assert listed[ROOM["@id"]].model["contents"][0]["name"] == "temperature"
    adt.decommission_model(ROOM["@id"])
    assert adt.get_model(ROOM["@id"]).decommissioned is True
    adt.delete_model(FLOOR["@id"])
    with pytest.raises(ResourceNotFoundError):
        adt.get_model(FLOOR["@id"])


def test_twins_are_upserted_patched_and_queried(adt):
    adt.create_models([ROOM, FLOOR])
    adt.upsert_digital_twin("room-1", _room(20.0))
    adt.upsert_digital_twin("room-2", _room(18.0))
    adt.update_digital_twin("room-1", [{"op": "replace", "path": "/temperature", "value": 23.5}])
    assert adt.get_digital_twin("room-1")["temperature"] == 23.5
    assert adt.get_digital_twin("room-1")["$metadata"]["$model"] == ROOM["@id"]
    everything = sorted(t["$dtId"] for t in adt.query_twins("SELECT * FROM digitaltwins"))
    assert everything == ["room-1", "room-2"]
    (count,) = adt.query_twins("SELECT COUNT() FROM digitaltwins")
    assert count["COUNT"] == 2
    one = list(adt.query_twins("SELECT * FROM digitaltwins T WHERE T.$dtId = 'room-2'"))
    assert [t["temperature"] for t in one] == [18.0]
    models = adt.query_twins(f"SELECT * FROM digitaltwins WHERE IS_OF_MODEL('{ROOM['@id']}')")
    assert len(list(models)) == 2
    with pytest.raises(HttpResponseError, match="ModelNotFound"):
        adt.upsert_digital_twin("x", {"$metadata": {"$model": "dtmi:missing;1"}})


def test_a_twin_with_relationships_cannot_be_deleted_until_they_are(adt):
    adt.create_models([ROOM, FLOOR])
    adt.upsert_digital_twin("floor-1", {"$metadata": {"$model": FLOOR["@id"]}})
    adt.upsert_digital_twin("room-1", _room(20.0))
    rel = {
        "$relationshipId": "r1",
        "$sourceId": "floor-1",
        "$relationshipName": "contains",
        "$targetId": "room-1",
    }
    adt.upsert_relationship("floor-1", "r1", rel)
    assert [r["$targetId"] for r in adt.list_relationships("floor-1")] == ["room-1"]
    assert [r.source_id for r in adt.list_incoming_relationships("room-1")] == ["floor-1"]
    with pytest.raises(HttpResponseError, match="RelationshipsNotDeleted"):
        adt.delete_digital_twin("room-1")
    adt.delete_relationship("floor-1", "r1")
    adt.delete_digital_twin("room-1")
    with pytest.raises(ResourceNotFoundError):
        adt.get_digital_twin("room-1")
    assert list(adt.list_relationships("floor-1")) == []


def test_the_runtime_adt_updater_sets_the_device_twin_with_the_sandbox_token(adt, served):
    import os

    from dtwin_gui.runtime.azure.services import AdtTwinUpdater

    adt.create_models([ROOM])
    adt.upsert_digital_twin("sensor-1", _room(19.0))
    updater = AdtTwinUpdater.from_env(
        {
            "DTWIN_ADT_URL": served,
            "DTWIN_AZURE_STATIC_TOKEN": "sandbox-token",
            "DTWIN_CA_BUNDLE": os.environ["REQUESTS_CA_BUNDLE"],
        }
    )
    updater.put({"device_id": "sensor-1", "timestamp": "2026-12-02T12:00:00Z", "temperature": 24.0})
    assert adt.get_digital_twin("sensor-1")["temperature"] == 24.0
