"""The azurerm state backend (issue 17).

What runs here: the container and its conditional writes on Azurite (the sandbox's Azure
Storage emulator), as the deploy lock and the shared records use them; and the Resource
Manager requests of "create it for me" (storage account, blob service, container) sent to a
local stand-in of ARM, which checks what they ask for.

Not covered (no emulator serves it): real ARM applying those settings, Entra ID sign-in to
the data plane, Terraform's azurerm backend itself (it cannot reach Azurite) and its blob
lease lock.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dtwin_gui.clouds.azure import state_backend as azure_backend
from dtwin_gui.clouds.azure.connection import AzureConnection, sandbox_connection
from dtwin_gui.deploy.remote_objects import ObjectConflict, ObjectStoreError
from dtwin_gui.deploy.twin_lock import TwinLock, TwinLocked
from dtwin_gui.iac.backend import parse_backend

URL = "azurerm://teamstate01/tfstate/dtwin/factory.tfstate?resource_group=rg-state"


@pytest.fixture
def azurite(azure_emulator):
    return sandbox_connection(azure_emulator.endpoints)


def test_the_container_is_made_without_public_access(azurite):
    backend = azure_backend.state_backend(parse_backend(URL), azurite)
    with pytest.raises(ObjectStoreError, match=r"the container .* does not exist: create it"):
        backend.objects().get("x")
    lines: list[str] = []
    assert backend.create(lines.append) == ["created the container tfstate (no public access)"]
    assert "Azurite has no Resource Manager" in lines[-1]
    assert backend.create() == ["the container tfstate exists"]
    settings = backend.inspect()
    assert settings["exists"] and settings["public_access_blocked"] is True
    assert settings["versioning"] is None  # not served by Azurite: not judged


def test_blobs_are_written_conditionally_and_the_deploy_lock_holds(azurite):
    backend = azure_backend.state_backend(parse_backend(URL), azurite)
    backend.create()
    objects = backend.objects()
    first = objects.put("k", b"{}", if_absent=True)
    with pytest.raises(ObjectConflict):
        objects.put("k", b"{}", if_absent=True)
    second = objects.put("k", b'{"b": 1}', if_version=first)
    with pytest.raises(ObjectConflict):
        objects.put("k", b"{}", if_version=first)
    with pytest.raises(ObjectConflict):
        objects.delete("k", if_version=first)
    objects.delete("k", if_version=second)
    assert objects.get("k") is None
    lock = TwinLock(objects, "dtwin/factory.tfstate.dtwin/deploy.lock", who="alice@laptop")
    lock.acquire()
    with pytest.raises(TwinLocked, match="alice@laptop"):
        TwinLock(objects, "dtwin/factory.tfstate.dtwin/deploy.lock").acquire()
    assert lock.release()


class Arm:
    """A stand-in for Azure Resource Manager: records each request, answers 200 with the
    body it was sent (202 + Location once, for the storage account's asynchronous create)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, object, str]] = []
        self.pending = True

    def __enter__(self):
        arm = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                auth = self.headers.get("Authorization", "")
                arm.requests.append((self.command, self.path, body, auth))
                status, answer = 200, body or {}
                if "storageAccounts/teamstate01?" in self.path and arm.pending:
                    arm.pending = False
                    status, answer = 202, {}
                if self.command == "GET" and "blobServices" in self.path:
                    answer = {"properties": {"isVersioningEnabled": True}}
                elif self.command == "GET" and self.path.startswith("/poll"):
                    answer = {"properties": {"provisioningState": "Succeeded"}}
                elif self.command == "GET":
                    answer = {"properties": {"allowBlobPublicAccess": False}}
                data = json.dumps(answer).encode()
                self.send_response(status)
                if status == 202:
                    self.send_header("Location", f"{arm.url}/poll/1")
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = _serve

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class Token:
    token = "stand-in-token"


class Credential:
    def get_token(self, *scopes, **kwargs):
        return Token()


class Signed(AzureConnection):
    def credential(self):  # the sign-in is not what is tested: a fixed token
        return Credential()


def test_create_on_azure_asks_for_a_private_versioned_encrypted_account(monkeypatch):
    connection = Signed("azure", "sub-1", "westeurope", "cli")
    with Arm() as arm:
        monkeypatch.setattr(azure_backend, "ARM_URL", arm.url)
        backend = azure_backend.state_backend(parse_backend(URL), connection)
        done = backend.create()
        settings = backend.inspect()
    assert len(done) == 4
    puts = [(path.split("?")[0], body) for method, path, body, _ in arm.requests if method == "PUT"]
    group, account, service, container = puts
    assert group == ("/subscriptions/sub-1/resourcegroups/rg-state", {"location": "westeurope"})
    assert account[0].endswith("/providers/Microsoft.Storage/storageAccounts/teamstate01")
    props = account[1]["properties"]
    assert props["allowBlobPublicAccess"] is False and props["allowSharedKeyAccess"] is False
    assert props["supportsHttpsTrafficOnly"] is True and props["minimumTlsVersion"] == "TLS1_2"
    assert props["encryption"]["services"]["blob"]["enabled"] is True
    assert service[0].endswith("/blobServices/default")
    assert service[1]["properties"]["isVersioningEnabled"] is True
    assert service[1]["properties"]["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert container[0].endswith("/blobServices/default/containers/tfstate")
    assert container[1] == {"properties": {"publicAccess": "None"}}
    assert any(path.startswith("/poll/1") for _, path, _, _ in arm.requests)  # waited for it
    assert all(auth == "Bearer stand-in-token" for *_, auth in arm.requests)
    assert settings["versioning"] is True and settings["public_access_blocked"] is True


def test_create_on_azure_needs_the_resource_group():
    connection = Signed("azure", "sub-1", "westeurope", "cli")
    backend = azure_backend.state_backend(parse_backend("azurerm://acct/state/k"), connection)
    with pytest.raises(ObjectStoreError, match="resource_group=NAME"):
        backend.create()
