"""Azure's :class:`~dtwin_gui.clouds.base.Connection`: the sandbox emulators or a subscription.

An :class:`AzureConnection` says how to sign in (the ``az login`` session, a service principal
whose client secret comes from the keyring, or a managed identity), which subscription and
location to use, and in the sandbox the emulator endpoints. The client secret lives only in
memory: :meth:`AzureConnection.process_env` hands it to a child process (Terraform's
``ARM_CLIENT_SECRET``) and :meth:`AzureConnection.credential` to azure-identity; it is never
written to a file or shown by ``repr``/:meth:`describe`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from dtwin_gui.core.providers import Cloud

CLI, PRINCIPAL, MSI, SANDBOX_METHOD = "cli", "principal", "msi", "sandbox"
SECRET_NAME = "azure/client_secret"
DEFAULT_LOCATION = "westeurope"
#: What the sandbox calls its subscription and tenant (no Azure account is involved).
SANDBOX_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
SANDBOX_TENANT = "00000000-0000-0000-0000-000000000001"
_METHOD_LABELS = {
    CLI: "az login",
    PRINCIPAL: "service principal",
    MSI: "managed identity",
    SANDBOX_METHOD: "emulators",
}


class _SandboxCredential:
    """A token credential for the emulators, which accept any bearer token."""

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken("dtwin-sandbox", int(time.time()) + 3600)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class AzureConnection:
    name: str  # "sandbox" | "azure"
    subscription_id: str = ""
    location: str = DEFAULT_LOCATION
    method: str = CLI  # cli | principal | msi | sandbox
    tenant_id: str = ""
    client_id: str = ""
    #: The service principal's secret, read from the keyring when the connection is made.
    client_secret: str = field(default="", repr=False, compare=False)
    #: Sandbox only: {"azure": gateway URL, "azure_blob": Azurite, "azure_cosmos": Cosmos}.
    endpoints: Mapping[str, str] = field(default_factory=dict)

    @property
    def cloud(self) -> Cloud:
        return Cloud.AZURE

    @property
    def is_sandbox(self) -> bool:
        return self.name == "sandbox"

    def describe(self) -> str:
        where = f"Azure · {self.location}"
        if self.is_sandbox:
            return where + " (sandbox)"
        subscription = self.subscription_id or "default subscription"
        return f"{where} · {subscription} ({_METHOD_LABELS.get(self.method, self.method)})"

    def process_env(self) -> dict[str, str]:
        """ARM_* variables for Terraform's azurerm provider (secrets only in this dict).

        With ``az login`` and no subscription chosen, the CLI's default subscription is looked
        up now (not when the connection is made: commands that never run Terraform for Azure
        should not wait for the CLI)."""
        subscription, tenant = self.subscription_id, self.tenant_id
        if not subscription and self.method == CLI:
            subscription, cli_tenant = cli_subscription()
            tenant = tenant or cli_tenant
        env = {"ARM_SUBSCRIPTION_ID": subscription} if subscription else {}
        if tenant:
            env["ARM_TENANT_ID"] = tenant
        if self.is_sandbox:
            env["ARM_SKIP_PROVIDER_REGISTRATION"] = "true"
        elif self.method == PRINCIPAL:
            env.update(ARM_CLIENT_ID=self.client_id, ARM_CLIENT_SECRET=self.client_secret)
            env.update(ARM_USE_CLI="false", ARM_USE_MSI="false")
        elif self.method == MSI:
            env["ARM_USE_MSI"] = "true"
            env["ARM_USE_CLI"] = "false"
            if self.client_id:
                env["ARM_CLIENT_ID"] = self.client_id
        else:
            env["ARM_USE_CLI"] = "true"
        return env

    def credential(self):
        """An azure-identity token credential for this connection's sign-in method."""
        if self.is_sandbox:
            return _SandboxCredential()
        from azure import identity

        if self.method == PRINCIPAL:
            return identity.ClientSecretCredential(
                self.tenant_id, self.client_id, self.client_secret
            )
        if self.method == MSI:
            return identity.ManagedIdentityCredential(client_id=self.client_id or None)
        return identity.AzureCliCredential(tenant_id=self.tenant_id or None)

    # --- the sandbox endpoints -----------------------------------------------------------
    @property
    def gateway_url(self) -> str:
        return self.endpoints.get("azure", "")

    @property
    def blob_url(self) -> str:
        return self.endpoints.get("azure_blob", "")

    @property
    def cosmos_url(self) -> str:
        return self.endpoints.get("azure_cosmos", "")

    @property
    def ca_path(self) -> str:
        """The sandbox gateway's self-signed certificate (clients trust it for the gateway)."""
        return self.endpoints.get("azure_ca", "")


def sandbox_connection(endpoints: Mapping[str, str], region: str = "") -> AzureConnection:
    """The sandbox's connection: the emulators at ``endpoints`` (the plugin's part)."""
    azure = {k: v for k, v in endpoints.items() if k == "azure" or k.startswith("azure_")}
    location = region if region and "-" not in region else DEFAULT_LOCATION  # not an AWS region
    return AzureConnection(
        "sandbox",
        SANDBOX_SUBSCRIPTION,
        location,
        SANDBOX_METHOD,
        tenant_id=SANDBOX_TENANT,
        endpoints=azure,
    )


def cli_subscription(*, cli: str | None = None, timeout_s: float = 20) -> tuple[str, str]:
    """``(subscription id, tenant id)`` of the ``az login`` session, or ``("", "")``; asked
    once per process (the CLI takes a second or two)."""
    cli = cli or shutil.which("az")
    if not cli:
        return "", ""
    return _cli_subscription(cli, timeout_s)


@lru_cache(maxsize=4)
def _cli_subscription(cli: str, timeout_s: float) -> tuple[str, str]:
    try:
        done = subprocess.run(
            [cli, "account", "show", "-o", "json"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )
        account = json.loads(done.stdout) if done.returncode == 0 else {}
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return "", ""
    return str(account.get("id", "")), str(account.get("tenantId", ""))


def cloud_connection(choice, secrets) -> AzureConnection:
    """The connection for a saved :class:`~dtwin_gui.credentials.store.AzureChoice`.

    The client secret is read from ``secrets`` now (call this at deploy time, on a worker).
    """
    method = choice.mode if choice.mode in (CLI, PRINCIPAL, MSI) else CLI
    return AzureConnection(
        "azure",
        choice.subscription_id.strip(),
        choice.region or DEFAULT_LOCATION,
        method,
        tenant_id=choice.tenant_id.strip(),
        client_id=choice.client_id.strip(),
        client_secret=(secrets.get(SECRET_NAME) or "") if method == PRINCIPAL else "",
    )


def environment_connection() -> AzureConnection:
    """The user's own sign-in: AZURE_* (or ARM_*) variables, else the ``az login`` session."""

    def env(*names: str) -> str:
        return next((os.environ[n] for n in names if os.environ.get(n)), "")

    subscription = env("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID")
    tenant = env("AZURE_TENANT_ID", "ARM_TENANT_ID")
    client = env("AZURE_CLIENT_ID", "ARM_CLIENT_ID")
    secret = env("AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET")
    location = env("AZURE_LOCATION", "AZURE_DEFAULTS_LOCATION") or DEFAULT_LOCATION
    if secret and client and tenant:
        method = PRINCIPAL
    elif env("IDENTITY_ENDPOINT", "MSI_ENDPOINT") or env("ARM_USE_MSI").lower() == "true":
        method = MSI
    else:
        method, secret = CLI, ""  # the subscription, when unset, is the CLI's (process_env)
    return AzureConnection(
        "azure", subscription, location, method, tenant, client if method != CLI else "", secret
    )
