"""What every Azure function shares: its manifest entry, environment contract, clients, log.

A Function App holds several functions (one app per layer); ``dtwin_app.json`` lists them
with their role, baked config and user code folder. The state of one function is made on
its first call, so one function's missing setting does not stop the app's other functions
from being indexed; the call then fails with a message naming the variable.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path

from dtwin_gui.runtime.azure.services import AdtTwinUpdater, HttpInvoker, IotHubFeedbackPublisher
from dtwin_gui.runtime.azure.stores import ARCHIVE_TIER, COLD_TIER, BlobObjectStore, CosmosHotStore
from dtwin_gui.runtime.core.contracts import (
    AZURE_BOUNDARY_SCOPED,
    azure_boundary_setting,
    contract_for,
)
from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.log import FunctionLog, level_from_env

MANIFEST = "dtwin_app.json"


def load_manifest(root: Path) -> dict:
    return json.loads((root / MANIFEST).read_text(encoding="utf-8"))


def function_environ(environ: Mapping[str, str], entry: dict) -> Mapping[str, str]:
    """The environment one function of the app sees.

    App settings are one environment per app, so the secrets a glue receiver checks are set
    per boundary (``DTWIN_GLUE_SECRET__L2_L3HOT_WRITER``, see
    ``contracts.azure_boundary_setting``); the manifest entry's ``glue_boundaries`` names the
    boundaries the function serves, and it reads theirs under the plain names
    (``DTWIN_GLUE_SECRET``) and never another function's. An entry without
    ``glue_boundaries`` (a package made before them) sees the app settings as they are.
    """
    served = entry.get("glue_boundaries")
    if served is None:
        return environ
    view = dict(environ)
    for var in AZURE_BOUNDARY_SCOPED:
        view.pop(var.name, None)
        for boundary in served:
            value = environ.get(azure_boundary_setting(var.name, boundary))
            if value:
                view[var.name] = value
                break
    return view


class AzureFunction:
    """The per-process state of one function of the app."""

    def __init__(
        self, entry: dict, manifest: dict, root: Path, environ: Mapping[str, str] = os.environ
    ):
        self.name = entry["name"]
        self.role = entry["role"]
        self.layer = manifest["layer"]
        self.environ = function_environ(environ, entry)
        self.env = contract_for(self.role).load(self.environ)
        self.config = FunctionConfig.from_json(entry["config"])
        self.user_dir = root / entry["user_dir"] if entry.get("user_dir") else None
        self.local_functions = frozenset(f["name"] for f in manifest["functions"])
        self.log = FunctionLog(
            self.name, level=level_from_env(self.env.get("DTWIN_LOG_LEVEL") or "INFO")
        )

    def user_file(self, name: str) -> Path:
        if self.user_dir is None:
            raise FileNotFoundError(f"function {self.name!r} has no user code folder")
        return self.user_dir / name

    def int_env(self, name: str) -> int | None:
        value = self.env.get(name)
        return int(value) if value else None

    @functools.cached_property
    def invoker(self) -> HttpInvoker:
        return HttpInvoker(self.environ, layer=self.layer, local_functions=self.local_functions)

    def hot_store(self, *, ttl_days: int | None = None) -> CosmosHotStore:
        return CosmosHotStore(
            cosmos_container(self.environ, self.env["DTWIN_HOT_STORE"]), ttl_days=ttl_days
        )

    def cold_store(self) -> BlobObjectStore:
        return BlobObjectStore(
            blob_container(self.environ, self.env["DTWIN_COLD_STORE"]), tier=COLD_TIER
        )

    def archive_store(self) -> BlobObjectStore:
        return BlobObjectStore(
            blob_container(self.environ, self.env["DTWIN_ARCHIVE_STORE"]), tier=ARCHIVE_TIER
        )

    def feedback_publisher(self) -> IotHubFeedbackPublisher:
        if not self.environ.get("DTWIN_IOT_ENDPOINT"):
            raise RuntimeError(
                "event feedback goes to the devices through IoT Hub, and L1 is not on Azure "
                "(DTWIN_IOT_ENDPOINT is not set): put L1 and L2 on one cloud for feedback"
            )
        key = self.environ.get("DTWIN_IOT_SAS_KEY")
        return IotHubFeedbackPublisher(
            self.environ["DTWIN_IOT_ENDPOINT"],
            key,
            credential=None if key else _credential(),
            policy=self.environ.get("DTWIN_IOT_SAS_POLICY") or "service",
            ca_bundle=self.environ.get("DTWIN_CA_BUNDLE"),
        )

    def twin_updater(self) -> AdtTwinUpdater:
        return AdtTwinUpdater.from_env(self.environ, self.config.devices)

    def sender(self, prefix: str, layer: str | None = None):
        from dtwin_gui.runtime.core.glue import Sender

        return Sender.from_env(
            self.environ,
            prefix,
            source_cloud="azure",
            source_layer=layer or self.layer,
            log=self.log,
        )


def _credential():
    from azure.identity import DefaultAzureCredential  # the app's managed identity on Azure

    return DefaultAzureCredential()


def cosmos_container(environ: Mapping[str, str], container: str):
    """The hot container: key auth when DTWIN_COSMOS_KEY is set (sandbox), else Entra ID."""
    from azure.cosmos import CosmosClient

    options = {}
    verify = environ.get("DTWIN_COSMOS_VERIFY")
    if verify and verify.lower() == "false":
        options["connection_verify"] = False
    elif verify:
        options["connection_verify"] = verify  # a CA file
    client = CosmosClient(
        environ["DTWIN_COSMOS_ENDPOINT"],
        environ.get("DTWIN_COSMOS_KEY") or _credential(),
        **options,
    )
    return client.get_database_client(environ["DTWIN_COSMOS_DATABASE"]).get_container_client(
        container
    )


def blob_container(environ: Mapping[str, str], container: str):
    """A Blob container: a connection string (sandbox's Azurite) or the account URL + Entra ID."""
    from azure.storage.blob import BlobServiceClient

    if environ.get("DTWIN_BLOB_CONNECTION"):
        service = BlobServiceClient.from_connection_string(environ["DTWIN_BLOB_CONNECTION"])
    else:
        service = BlobServiceClient(environ["DTWIN_BLOB_ACCOUNT_URL"], credential=_credential())
    return service.get_container_client(container)
