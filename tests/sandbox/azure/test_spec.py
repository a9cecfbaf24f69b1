"""The Azure emulator starts the real Azurite and cosmosdb-server and leaves nothing behind."""

from __future__ import annotations

import os

from azure.storage.blob import BlobServiceClient

from dtwin_gui.clouds.azure.sandbox import endpoints
from dtwin_gui.clouds.azure.sandbox.spec import emulator_spec


def test_start_serves_blob_and_gateway_and_stop_kills_the_groups(tmp_path):
    spec = emulator_spec()
    handle = spec.start(tmp_path)
    try:
        assert spec.healthy(handle)
        blob = BlobServiceClient.from_connection_string(
            endpoints.azurite_connection_string(handle.endpoints)
        )
        blob.create_container("cold")
        assert spec.counts(handle.endpoints)["blob containers"] == 1
    finally:
        handle.stop()
    assert not spec.healthy(handle)
    for pgid in handle.details["pgids"]:
        try:
            os.killpg(pgid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        assert not alive
