"""What clients need to reach the emulated Azure of the sandbox (issue 14).

The sandbox's endpoints dict carries ``azure`` (the HTTPS gateway base URL), ``azure_blob``
(Azurite's blob service URL, account devstoreaccount1) and ``azure_cosmos`` (cosmosdb-server's
HTTPS URL). The gateway's self-signed certificate is ``<sandbox dir>/azure/tls/cert.pem``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

#: Azurite's well-known development account and key (public, documented by Microsoft).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
#: cosmosdb-server accepts any key; this one is base64 so the SDK can sign with it.
COSMOS_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)
#: cosmosdb-server's certificate is self-signed and not ours: clients do not verify it.
COSMOS_VERIFY = False


def cosmos_client(connection):
    """A client of the sandbox's cosmosdb-server (``connection.cosmos_url``): any key, its
    self-signed certificate not verified (loopback only), without a warning per request."""
    import warnings

    from azure.cosmos import CosmosClient
    from urllib3.exceptions import InsecureRequestWarning

    warnings.filterwarnings(
        "ignore", message="Unverified HTTPS request", category=InsecureRequestWarning
    )
    return CosmosClient(connection.cosmos_url, credential=COSMOS_KEY, connection_verify=False)


def blob_url(endpoints: Mapping[str, str]) -> str:
    return endpoints["azure_blob"].rstrip("/")


def azurite_connection_string(endpoints: Mapping[str, str]) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
        f"AccountKey={AZURITE_KEY};BlobEndpoint={blob_url(endpoints)};"
    )


def cosmos_url(endpoints: Mapping[str, str]) -> str:
    return endpoints["azure_cosmos"].rstrip("/") + "/"


def gateway_ca_path(sandbox_dir: Path) -> Path:
    """The gateway's self-signed certificate (trust it via connection_verify or
    REQUESTS_CA_BUNDLE)."""
    return Path(sandbox_dir) / "azure" / "tls" / "cert.pem"


def _gateway(endpoints: Mapping[str, str]) -> str:
    return endpoints["azure"].rstrip("/")


def function_app_url(endpoints: Mapping[str, str], app: str) -> str:
    """Base URL of a Function App (real Azure: https://<app>.azurewebsites.net)."""
    return f"{_gateway(endpoints)}/{app}"


def iothub_url(endpoints: Mapping[str, str], hub: str) -> str:
    return f"{_gateway(endpoints)}/iothub/{hub}"


def adt_url(endpoints: Mapping[str, str], instance: str) -> str:
    return f"{_gateway(endpoints)}/adt/{instance}"


def grafana_url(endpoints: Mapping[str, str], name: str) -> str:
    return f"{_gateway(endpoints)}/grafana/{name}"
