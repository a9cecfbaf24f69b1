"""Real Azure emulators for the runtime tests: Azurite (Blob) and cosmosdb-server (Cosmos).

Each runs in its own process group (setsid) for the session and is stopped by group.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = ROOT / "sandbox-tools" / "node_modules" / ".bin"
COSMOS_KEY = "ZHR3aW4tc2FuZGJveA=="  # any base64 key works on cosmosdb-server
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def _start(argv: list[str], ready: str, log: Path) -> tuple[subprocess.Popen, int]:
    if not Path(argv[0]).exists():
        pytest.fail(f"{argv[0]} is missing: run `make` to install the sandbox's emulators")
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        match = re.search(ready, text)
        if match:
            return proc, int(match.group(1))
        if proc.poll() is not None:
            pytest.fail(f"{argv[0]} exited: {text[-2000:]}")
        time.sleep(0.1)
    _stop(proc)
    pytest.fail(f"{argv[0]} did not get ready: {log.read_text(errors='replace')[-2000:]}")


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("azurite")
    proc, port = _start(
        [
            str(BIN / "azurite"),
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--loose",
            "--silent",
            "--location",
            str(folder),
            "--blobPort",
            "0",
            "--queuePort",
            "0",
            "--tablePort",
            "0",
        ],
        r"Blob service is successfully listening at http://127\.0\.0\.1:(\d+)",
        folder / "log.txt",
    )
    url = f"http://127.0.0.1:{port}/devstoreaccount1"
    yield (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={AZURITE_KEY};BlobEndpoint={url};"
    )
    _stop(proc)


@pytest.fixture(scope="session")
def cosmos_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cosmos")
    port = _free_port()
    proc, _ = _start(
        [str(BIN / "cosmosdb-server"), "-p", str(port)],
        r"Ready to accept HTTPS connections at \S*:(\d+)",
        folder / "log.txt",
    )
    yield f"https://127.0.0.1:{port}/"
    _stop(proc)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cosmos_container(cosmos_url):
    from azure.cosmos import CosmosClient, PartitionKey

    client = CosmosClient(cosmos_url, credential=COSMOS_KEY, connection_verify=False)
    database = client.create_database_if_not_exists(f"db{uuid.uuid4().hex[:8]}")
    return database.create_container(
        "hot", partition_key=PartitionKey(path="/device_id"), default_ttl=-1
    )


@pytest.fixture
def blob_containers(azurite):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite)
    suffix = uuid.uuid4().hex[:8]
    cold = service.create_container(f"cold{suffix}")
    archive = service.create_container(f"archive{suffix}")
    return cold, archive


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    # cosmosdb-server serves TLS with a throwaway certificate (connection_verify=False, as the
    # sandbox does); urllib3 warns about every such request. Only that warning is ignored.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(
                pytest.mark.filterwarnings(
                    "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
                )
            )


@pytest.fixture
def cosmos_settings(cosmos_url, cosmos_container) -> dict[str, str]:
    """The app settings that point a function at ``cosmos_container`` on the emulator."""
    database = cosmos_container.container_link.split("/")[1]
    return {
        "DTWIN_COSMOS_ENDPOINT": cosmos_url,
        "DTWIN_COSMOS_KEY": COSMOS_KEY,
        "DTWIN_COSMOS_VERIFY": "false",
        "DTWIN_COSMOS_DATABASE": database,
        "DTWIN_HOT_STORE": cosmos_container.id,
    }
