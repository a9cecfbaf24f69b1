"""Azure credentials: the ``az login`` session or a service principal, and their check.

What can be checked without Azure's management APIs: for ``az login``, ``az account show``
(the signed-in user, subscription and tenant, read locally by the CLI); for a service
principal, a token from Microsoft Entra ID via azure-identity (proves tenant, client id and
secret). Azure cannot be deployed to yet; the page says so.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess

from dtwin_gui.credentials import CheckResult

log = logging.getLogger(__name__)

SECRET_NAME = "azure/client_secret"
SCOPE = "https://management.azure.com/.default"
INSTALL_HINT = "Install the Azure CLI (https://aka.ms/installazurecli), then run “az login”"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_NETWORK = ("failed to resolve", "failed to establish", "connection", "timed out", "max retries")


def az_cli() -> str | None:
    return shutil.which("az")


def _region_facts(choice) -> list[tuple[str, str]]:
    return [("Region", choice.region)] if choice.region else []


def check_cli_session(choice, *, cli: str | None = None, timeout_s: float = 30) -> CheckResult:
    """The ``az login`` session as ``az account show`` reports it. Blocking: worker only."""
    cli = cli or az_cli()
    if not cli:
        return CheckResult(
            "azure",
            False,
            message="The Azure CLI (az) is not installed, so there is no “az login” session "
            f"to use. {INSTALL_HINT}, or use a service principal instead.",
        )
    command = [cli, "account", "show", "-o", "json"]
    if choice.subscription_id:
        command += ["--subscription", choice.subscription_id]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return CheckResult(
            "azure",
            False,
            message="“az account show” did not answer in time. "
            "Run it in a terminal to see what it waits for, then try again.",
        )
    except OSError as exc:
        return CheckResult("azure", False, message=f"Could not run the Azure CLI: {exc}.")
    if done.returncode != 0:
        detail = ((done.stderr or "").strip().splitlines() or ["no detail"])[-1]
        if "az login" in (done.stderr or "") or "login" in detail.lower():
            text = "You are not signed in to Azure. Run “az login” in a terminal, then Check again."
        else:
            text = f"“az account show” failed: {detail}. Fix that, then press Check again."
        return CheckResult("azure", False, message=text)
    try:
        account = json.loads(done.stdout)
    except ValueError:
        return CheckResult("azure", False, message="“az account show” gave no readable answer.")
    user = account.get("user") or {}
    facts = [
        ("Signed in as", f"{user.get('name', '?')} ({user.get('type', 'user')})"),
        ("Subscription", f"{account.get('name', '')} ({account.get('id', '')})"),
        ("Tenant", account.get("tenantId", "")),
        *_region_facts(choice),
    ]
    return CheckResult("azure", True, facts)


def _principal_problem(choice, secret: str | None) -> str:
    missing = [
        label
        for label, value in (
            ("tenant ID", choice.tenant_id),
            ("client ID", choice.client_id),
            ("client secret", secret),
        )
        if not value
    ]
    if missing:
        return f"Enter the service principal's {' and '.join(missing)}, then press Check."
    for label, value in (("tenant ID", choice.tenant_id), ("client ID", choice.client_id)):
        if not _GUID.match(value.strip()):
            return (
                f"The {label} “{value}” is not a GUID (like 00000000-0000-0000-0000-000000000000). "
                "Copy it from the app registration's Overview page in the Azure portal."
            )
    if choice.subscription_id and not _GUID.match(choice.subscription_id.strip()):
        return f"The subscription ID “{choice.subscription_id}” is not a GUID."
    return ""


def explain_azure_error(exc: BaseException) -> str:
    text = str(exc)
    lowered = text.lower()
    if "AADSTS7000215" in text or "AADSTS7000222" in text:
        return (
            "Microsoft Entra ID rejected the client secret: it is wrong or has expired. "
            "Create a new secret for the app registration and enter it again."
        )
    if "AADSTS700016" in text:
        return (
            "No application with this client ID exists in the tenant. Check the client ID "
            "and the tenant ID."
        )
    if "AADSTS90002" in text or "AADSTS900023" in text:
        return "The tenant ID was not found. Check it on the Microsoft Entra ID overview page."
    if any(marker in lowered for marker in _NETWORK):
        return (
            "Could not reach Microsoft Entra ID (login.microsoftonline.com): the network is "
            "unavailable or blocked. Check your connection or proxy, then try again."
        )
    return f"Azure sign-in failed ({type(exc).__name__}). See the log for detail."


def check_service_principal(choice, secret: str | None, *, authority: str | None = None):
    """Get a management token as the service principal. Blocking: worker only.

    ``authority`` overrides the Entra ID host (tests aim it at a closed port).
    """
    problem = _principal_problem(choice, secret)
    if problem:
        return CheckResult("azure", False, message=problem)
    from azure.identity import ClientSecretCredential

    options = {"retry_total": 0}
    if authority:
        options.update(authority=authority, disable_instance_discovery=True)
    credential = ClientSecretCredential(
        choice.tenant_id.strip(), choice.client_id.strip(), secret, **options
    )
    try:
        credential.get_token(SCOPE)
    except Exception as exc:
        log.info("Azure service principal check failed: %s", type(exc).__name__)
        return CheckResult("azure", False, message=explain_azure_error(exc))
    finally:
        credential.close()
    facts = [
        ("Service principal", choice.client_id),
        ("Tenant", choice.tenant_id),
        ("Subscription", choice.subscription_id or "(not set)"),
        *_region_facts(choice),
    ]
    return CheckResult("azure", True, facts)


def check_azure(choice, secrets, **kwargs) -> CheckResult:
    """Check the Azure credentials ``choice`` (an AzureChoice) describes."""
    if choice.mode == "principal":
        return check_service_principal(choice, secrets.get(SECRET_NAME), **kwargs)
    return check_cli_session(choice, **kwargs)
