"""Each emulated cloud as the provider-matrix tests see it (tests/e2e/test_matrix.py).

A *side* knows how to reach one cloud's sandbox from a test: its connection, the stores of
the twin's L3 tiers on it (through the runtime's own store classes, so a record or object
is read exactly as the functions wrote it), and its sandbox clock (which fires that cloud's
movers). Nothing here is mocked: every call goes to the running emulator.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

from dtwin_gui.core.providers import Cloud

TWIN = "factory-twin"
#: The storage class / tier each cloud's cold and archive objects carry.
COLD_CLASS = {Cloud.AWS: "STANDARD_IA", Cloud.AZURE: "Cool", Cloud.GOOGLE: "NEARLINE"}
ARCHIVE_CLASS = {Cloud.AWS: "GLACIER", Cloud.AZURE: "Archive", Cloud.GOOGLE: "ARCHIVE"}


def tier_of(store, key: str) -> str | None:
    """The storage class (S3, GCS) or access tier (Blob) the object ``key`` was written in."""
    if hasattr(store, "tier_of"):  # Azure Blob
        return store.tier_of(key)
    if hasattr(store, "storage_class_of"):  # GCS
        return store.storage_class_of(key)
    head = store.s3.head_object(Bucket=store.bucket, Key=key)  # S3: STANDARD is not returned
    return head.get("StorageClass", "STANDARD")


def same_time(sides) -> datetime:
    """Every sandbox clock moved on to the one furthest ahead (they only move forward, and an
    earlier row advanced some), so records stamped with the returned "now" are as old on
    every cloud; returns that now (UTC)."""
    ahead = max(side.offset() for side in sides)
    for side in sides:
        behind = ahead - side.offset()
        if behind > 0:
            side.advance(seconds=behind)
    return datetime.now(UTC) + timedelta(seconds=max(side.offset() for side in sides))


def _post_json(url: str, data: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read() or b"{}")


class AwsSide:
    cloud = Cloud.AWS

    def __init__(self, emulator) -> None:
        from dtwin_gui.clouds.aws.connection import sandbox_target

        self.emulator = emulator
        self.connection = sandbox_target(emulator.endpoint, emulator.region)

    def advance(self, **delta: float) -> None:
        _post_json(f"{self.emulator.endpoint}/_dtwin/clock/advance", delta)

    def offset(self) -> float:
        with urllib.request.urlopen(f"{self.emulator.endpoint}/_dtwin/clock", timeout=30) as r:
            return float(json.loads(r.read())["offset_seconds"])

    def heard(self, project, connections, device: str) -> bool:
        """Whether ``device`` got feedback: AWS has no ``feedback`` part (a device listens on
        its MQTT topic), so this reads what IoT Core's data plane published (moto)."""
        from moto.backends import get_backend

        published = get_backend("iot-data")["123456789012"][self.emulator.region]
        return any(t.endswith(f"/{device}/feedback") for t, _ in published.published_payloads)

    def hot(self, project, outputs):
        import boto3

        from dtwin_gui.runtime.aws.stores import DynamoHotStore

        resource = boto3.resource("dynamodb", **self.emulator.client_kwargs())
        return DynamoHotStore(outputs["hot_table_name"], resource)

    def _bucket(self, name: str, storage_class: str):
        from dtwin_gui.runtime.aws.stores import S3ObjectStore

        return S3ObjectStore(name, self.emulator.client("s3"), storage_class=storage_class)

    def cold(self, project, outputs):
        return self._bucket(outputs["cold_bucket_name"], COLD_CLASS[self.cloud])

    def archive(self, project, outputs):
        return self._bucket(outputs["archive_bucket_name"], ARCHIVE_CLASS[self.cloud])


def _provision_record(project, cloud: str) -> dict:
    from dtwin_gui.deploy.provision_phase import load_state
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    return load_state(DeploymentWorkspace(project, "sandbox"))[cloud]


def _listened(project, connections, device: str) -> bool:
    """Whether ``device`` got feedback, as the simulator listens (the cloud's ``feedback``)."""
    from dtwin_gui.deploy.simulate import listen

    return any(h.device_id == device for h in listen(project, connections, [device], 2.0))


class AzureSide:
    cloud = Cloud.AZURE
    heard = staticmethod(_listened)

    def __init__(self, handle) -> None:
        from dtwin_gui.clouds import plugin

        self.connection = plugin(Cloud.AZURE).sandbox_connection(dict(handle.endpoints), "")

    def advance(self, **delta: float) -> None:
        from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

        SandboxAzure(self.connection).advance_clock(**delta)

    def offset(self) -> float:
        from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

        return float(SandboxAzure(self.connection).clock()["offset_seconds"])

    def hot(self, project, outputs):
        from dtwin_gui.clouds.azure.provision import _cosmos
        from dtwin_gui.runtime.azure.stores import CosmosHotStore

        database = _cosmos(self.connection).get_database_client(TWIN)
        return CosmosHotStore(database.get_container_client("hot"))

    def _container(self, name: str, tier: str):
        from dtwin_gui.clouds.azure.provision import _blob_service
        from dtwin_gui.runtime.azure.stores import BlobObjectStore

        container = _blob_service(self.connection).get_container_client(name)
        return BlobObjectStore(container, tier=tier)

    def cold(self, project, outputs):
        return self._container(f"{TWIN}-cold", COLD_CLASS[self.cloud])

    def archive(self, project, outputs):
        return self._container(f"{TWIN}-archive", ARCHIVE_CLASS[self.cloud])

    def twins(self, project) -> dict[str, dict]:
        """Every twin of the twin's emulated Azure Digital Twins instance, by id."""
        from azure.digitaltwins.core import DigitalTwinsClient

        adt = DigitalTwinsClient(
            _provision_record(project, "azure")["digital_twins"]["url"],
            self.connection.credential(),
            connection_verify=self.connection.ca_path,
        )
        return {t["$dtId"]: t for t in adt.query_twins("SELECT * FROM digitaltwins")}


class GoogleSide:
    cloud = Cloud.GOOGLE
    heard = staticmethod(_listened)

    def __init__(self, handle) -> None:
        from dtwin_gui.clouds import plugin

        self.endpoints = dict(handle.endpoints)
        self.connection = plugin(Cloud.GOOGLE).sandbox_connection(self.endpoints, "")

    def advance(self, **delta: float) -> None:
        from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle

        fired = SandboxGoogle(self.endpoints["google_gateway"]).advance_clock(**delta)
        assert {f["outcome"] for f in fired["fired"]} <= {"ran"}, fired

    def offset(self) -> float:
        from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle

        return float(SandboxGoogle(self.endpoints["google_gateway"]).clock()["offset_seconds"])

    def hot(self, project, outputs):
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import firestore

        from dtwin_gui.runtime.google.stores import FirestoreHotStore

        entry = _provision_record(project, "google")["firestore"]
        # FIRESTORE_EMULATOR_HOST is set by the fixture (the client reads only that).
        client = firestore.Client(
            project=self.endpoints["google_project"],
            database=entry["database"],
            credentials=AnonymousCredentials(),
        )
        return FirestoreHotStore(client, entry["collection"])

    def _bucket(self, project, layer: str, storage_class: str):
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        from dtwin_gui.runtime.google.stores import GcsObjectStore

        record = _provision_record(project, "google")
        [name] = [n for n in record["buckets"] if record["layers"][n] == layer]
        client = storage.Client(
            project=self.endpoints["google_project"],
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.endpoints["gcs"]},
        )
        return GcsObjectStore(client, name, storage_class=storage_class)

    def cold(self, project, outputs):
        return self._bucket(project, "L3_cold", COLD_CLASS[self.cloud])

    def archive(self, project, outputs):
        return self._bucket(project, "L3_archive", ARCHIVE_CLASS[self.cloud])
