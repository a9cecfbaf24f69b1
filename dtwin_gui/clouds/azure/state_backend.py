"""The azurerm backend: a blob container as the state's home (azure-storage-blob, ARM REST).

The plugin's ``state_backend`` part, :func:`state_backend` ``(config, connection)``:

* :meth:`AzureStateBackend.objects`: the container as an
  :class:`~dtwin_gui.deploy.remote_objects.ObjectStore` (``If-None-Match: *`` for a new
  object, ``If-Match: <etag>`` to replace or remove one), signed in with the connection's
  Entra ID credential (the backend block sets ``use_azuread_auth``: no account key anywhere);
* :meth:`AzureStateBackend.create`: through Azure Resource Manager, in ``resource_group``:
  the storage account (StorageV2, HTTPS only, TLS 1.2, no public blob access, no shared
  keys, Microsoft-managed encryption of blobs), its blob service with versioning and
  30-day soft delete of blobs and containers, and the container with no public access;
* :meth:`AzureStateBackend.inspect`: those settings read back (neutral shape, see
  :func:`dtwin_gui.app.backend.check_backend`).

Terraform's own azurerm backend locks the state with a blob lease; dtwin's deploy lock is a
blob of its own written with ``If-None-Match: *``.

The sandbox's Azurite serves the container and the conditional writes (tested there); it has
no Resource Manager, so the account's settings (versioning, soft delete, shared keys) are
not made nor read there, and Terraform's azurerm backend cannot reach it at all: the sandbox
keeps team state in S3 on its AWS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dtwin_gui.deploy.remote_objects import ObjectConflict, ObjectStoreError, StoredObject

#: Azure Resource Manager (a test points this at its stand-in).
ARM_URL = "https://management.azure.com"
SCOPE = "https://management.azure.com/.default"
STORAGE_API = "2023-05-01"
GROUPS_API = "2021-04-01"
TIMEOUT_S = 60.0
SOFT_DELETE_DAYS = 30


class BlobObjects:
    """One container as an ObjectStore."""

    def __init__(self, container, label: str) -> None:
        self.container, self.label = container, label

    def where(self, key: str) -> str:
        return f"{self.label}/{key}"

    def _failed(self, exc, key: str, action: str) -> ObjectStoreError:
        status = getattr(exc, "status_code", 0)
        code = getattr(exc, "error_code", "") or type(exc).__name__
        if status in (409, 412):
            return ObjectConflict(f"{self.where(key)}: {code}")
        if code == "ContainerNotFound":
            return ObjectStoreError(
                f"the container {self.label} does not exist: create it (Settings -> State "
                "backend -> Create it for me, or dtwin backend create URL)"
            )
        if status == 403:
            return ObjectStoreError(
                f"{action} {self.where(key)} was refused ({code}): the signed-in identity needs "
                "the Storage Blob Data Contributor role on the container"
            )
        return ObjectStoreError(f"{action} {self.where(key)} failed: {code}")

    def get(self, key: str) -> StoredObject | None:
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        blob = self.container.get_blob_client(key)
        try:
            download = blob.download_blob()
            data = download.readall()
        except ResourceNotFoundError as exc:
            if getattr(exc, "error_code", "") == "ContainerNotFound":
                raise self._failed(exc, key, "reading") from None
            return None
        except AzureError as exc:
            raise self._failed(exc, key, "reading") from None
        return StoredObject(data, str(download.properties.etag))

    def put(self, key: str, data: bytes, *, if_absent: bool = False, if_version: str = "") -> str:
        from azure.core import MatchConditions
        from azure.core.exceptions import AzureError
        from azure.storage.blob import ContentSettings

        options: dict = {"content_settings": ContentSettings(content_type="application/json")}
        if if_absent:
            options["overwrite"] = False  # If-None-Match: *
        else:
            options["overwrite"] = True
        if if_version:
            options.update(etag=if_version, match_condition=MatchConditions.IfNotModified)
        try:
            reply = self.container.get_blob_client(key).upload_blob(data, **options)
        except AzureError as exc:
            raise self._failed(exc, key, "writing") from None
        return str(reply.get("etag", ""))

    def delete(self, key: str, *, if_version: str = "") -> None:
        from azure.core import MatchConditions
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        options = {}
        if if_version:
            options = {"etag": if_version, "match_condition": MatchConditions.IfNotModified}
        try:
            self.container.get_blob_client(key).delete_blob(**options)
        except ResourceNotFoundError:
            return
        except AzureError as exc:
            raise self._failed(exc, key, "removing") from None


class AzureStateBackend:
    def __init__(self, config, connection, *, session=None) -> None:
        self.config, self.connection, self._session = config, connection, session

    def _service(self):
        from azure.storage.blob import BlobServiceClient

        if self.connection.is_sandbox:  # Azurite: its one account, whatever the name
            from dtwin_gui.clouds.azure.provision import blob_connection_string

            return BlobServiceClient.from_connection_string(blob_connection_string(self.connection))
        url = f"https://{self.config.storage_account}.blob.core.windows.net"
        return BlobServiceClient(account_url=url, credential=self.connection.credential())

    def objects(self) -> BlobObjects:
        container = self._service().get_container_client(self.config.container)
        label = f"azurerm://{self.config.storage_account}/{self.config.container}"
        return BlobObjects(container, label)

    # --- create it for me ---------------------------------------------------------------------
    def create(self, log: Callable[[str], None] = lambda message: None) -> list[str]:
        if self.connection.is_sandbox:
            return self._create_on_azurite(log)
        if not self.config.resource_group:
            raise ObjectStoreError(
                "making the storage account needs its resource group: add "
                "?resource_group=NAME to the backend (or fill it in Settings)"
            )
        done = []
        for what, path, body in self._arm_resources():
            self._arm("PUT", path, body)
            done.append(what)
            log(what)
        return done

    def _account_path(self) -> str:
        sub = self.connection.subscription_id
        group = self.config.resource_group
        return (
            f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Storage/"
            f"storageAccounts/{self.config.storage_account}"
        )

    def _arm_resources(self) -> list[tuple[str, str, dict]]:
        sub, group = self.connection.subscription_id, self.config.resource_group
        account = self._account_path()
        soft_delete = {"enabled": True, "days": SOFT_DELETE_DAYS}
        return [
            (
                f"the resource group {group} is there",
                f"/subscriptions/{sub}/resourcegroups/{group}?api-version={GROUPS_API}",
                {"location": self.connection.location},
            ),
            (
                f"the storage account {self.config.storage_account} is HTTPS-only, TLS 1.2, "
                "encrypted, without public blob access or shared keys",
                f"{account}?api-version={STORAGE_API}",
                {
                    "location": self.connection.location,
                    "kind": "StorageV2",
                    "sku": {"name": "Standard_LRS"},
                    "properties": {
                        "allowBlobPublicAccess": False,
                        "allowSharedKeyAccess": False,
                        "supportsHttpsTrafficOnly": True,
                        "minimumTlsVersion": "TLS1_2",
                        "encryption": {
                            "keySource": "Microsoft.Storage",
                            "services": {"blob": {"enabled": True, "keyType": "Account"}},
                        },
                    },
                },
            ),
            (
                "turned blob versioning and soft delete on",
                f"{account}/blobServices/default?api-version={STORAGE_API}",
                {
                    "properties": {
                        "isVersioningEnabled": True,
                        "deleteRetentionPolicy": soft_delete,
                        "containerDeleteRetentionPolicy": soft_delete,
                    }
                },
            ),
            (
                f"the container {self.config.container} has no public access",
                f"{account}/blobServices/default/containers/{self.config.container}"
                f"?api-version={STORAGE_API}",
                {"properties": {"publicAccess": "None"}},
            ),
        ]

    def _create_on_azurite(self, log) -> list[str]:
        from azure.core.exceptions import AzureError, ResourceExistsError

        service = self._service()
        try:
            service.create_container(self.config.container)  # no public access by default
            done = [f"created the container {self.config.container} (no public access)"]
        except ResourceExistsError:
            done = [f"the container {self.config.container} exists"]
        except AzureError as exc:
            raise ObjectStoreError(f"creating the container failed: {exc}") from None
        log(done[0])
        log("Azurite has no Resource Manager: account versioning and soft delete are not set")
        return done

    def _arm(self, method: str, path: str, body: dict | None = None) -> dict:
        import requests

        try:
            token = self.connection.credential().get_token(SCOPE).token
        except Exception as exc:  # azure-identity's errors name the sign-in, never a token
            raise ObjectStoreError(f"could not sign in to Azure: {exc}") from None
        http = self._session or requests.Session()
        headers = {"Authorization": f"Bearer {token}"}
        try:
            reply = http.request(
                method, ARM_URL + path, json=body, headers=headers, timeout=TIMEOUT_S
            )
            deadline = time.monotonic() + 300
            while reply.status_code == 202 and reply.headers.get("Location"):
                if time.monotonic() > deadline:
                    raise ObjectStoreError(f"Azure did not finish {path} within 5 minutes")
                time.sleep(float(reply.headers.get("Retry-After") or 2))
                reply = http.get(reply.headers["Location"], headers=headers, timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise ObjectStoreError(f"Azure Resource Manager: {type(exc).__name__}") from None
        finally:
            if self._session is None:
                http.close()
        if reply.status_code >= 400:
            try:
                error = reply.json().get("error", {})
                why = f"{error.get('code', '')}: {error.get('message', '')}"
            except ValueError:
                why = reply.reason
            raise ObjectStoreError(f"Azure refused {method} {path.split('?')[0]} ({why})")
        try:
            return reply.json() if reply.content else {}
        except ValueError:
            return {}

    # --- read back ----------------------------------------------------------------------------
    def inspect(self) -> dict:
        if self.connection.is_sandbox:
            from azure.core.exceptions import ResourceNotFoundError

            container = self._service().get_container_client(self.config.container)
            try:
                public = container.get_container_properties().public_access
            except ResourceNotFoundError:
                return {"container": self.config.container, "exists": False}
            # Azurite serves no account settings: versioning and encryption are unknown there
            return {
                "container": self.config.container,
                "exists": True,
                "versioning": None,
                "encryption": None,
                "public_access_blocked": public is None,
            }
        account = self._arm("GET", f"{self._account_path()}?api-version={STORAGE_API}")
        service = self._arm(
            "GET", f"{self._account_path()}/blobServices/default?api-version={STORAGE_API}"
        )
        props = account.get("properties") or {}
        blob = ((props.get("encryption") or {}).get("services") or {}).get("blob") or {}
        return {
            "container": self.config.container,
            "exists": True,
            "versioning": bool((service.get("properties") or {}).get("isVersioningEnabled")),
            "encryption": "Microsoft.Storage" if blob.get("enabled", True) else "",
            "public_access_blocked": props.get("allowBlobPublicAccess") is False,
            "https_only": bool(props.get("supportsHttpsTrafficOnly")),
        }


def state_backend(config, connection) -> AzureStateBackend:
    """The plugin's ``state_backend`` part."""
    return AzureStateBackend(config, connection)
