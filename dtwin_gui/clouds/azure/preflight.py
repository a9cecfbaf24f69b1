"""Azure credentials: the ``az login`` session, a service principal or a managed identity.

The sign-in: for ``az login``, ``az account show`` (the signed-in user, subscription and
tenant, read locally by the CLI); for a service principal or a managed identity, a token from
Microsoft Entra ID via azure-identity. Then the permission preflight: the principal's role
assignments on the subscription (azure-mgmt-authorization, ``assignedTo`` includes its
groups), their role definitions, evaluated per layer by :mod:`.permissions`. When the
assignments cannot be read every action is "unknown" (the deploy may still work).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import shutil
import subprocess
from collections.abc import Iterable

from dtwin_gui.clouds.azure import permissions as perms
from dtwin_gui.clouds.azure.connection import MSI, PRINCIPAL, AzureConnection
from dtwin_gui.clouds.azure.connection import SECRET_NAME as SECRET_NAME
from dtwin_gui.credentials import CheckResult

log = logging.getLogger(__name__)

SCOPE = "https://management.azure.com/.default"
INSTALL_HINT = "Install the Azure CLI (https://aka.ms/installazurecli), then run “az login”"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_NETWORK = ("failed to resolve", "failed to establish", "connection", "timed out", "max retries")


def az_cli() -> str | None:
    return shutil.which("az")


def _region_facts(choice) -> list[tuple[str, str]]:
    # Azure calls where resources live their "location" (the form's field says so too).
    return [("Location", choice.region)] if choice.region else []


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


def check_managed_identity(choice) -> CheckResult:
    """A management token from this machine's managed identity. Blocking: worker only."""
    from azure.identity import ManagedIdentityCredential

    credential = ManagedIdentityCredential(client_id=choice.client_id.strip() or None)
    try:
        credential.get_token(SCOPE)
    except Exception as exc:
        log.info("Azure managed identity check failed: %s", type(exc).__name__)
        return CheckResult(
            "azure",
            False,
            message="No managed identity answered on this machine (it works only on an Azure "
            "VM, App Service or container with an identity assigned). "
            f"{explain_azure_error(exc)}",
        )
    finally:
        credential.close()
    facts = [
        ("Managed identity", choice.client_id or "(system-assigned)"),
        ("Subscription", choice.subscription_id or "(not set)"),
        *_region_facts(choice),
    ]
    return CheckResult("azure", True, facts)


# --- the permission preflight ------------------------------------------------------------
def principal_object_id(token: str) -> str:
    """The ``oid`` claim (the principal's object ID) of an Entra ID access token, or ""."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return ""
    return str(claims.get("oid", ""))


def _permissions(definition) -> tuple[perms.RolePermission, ...]:
    return tuple(
        perms.RolePermission(
            tuple(p.actions or ()),
            tuple(p.not_actions or ()),
            tuple(p.data_actions or ()),
            tuple(p.not_data_actions or ()),
        )
        for p in definition.permissions or ()
    )


def read_grants(credential, subscription_id: str, principal_id: str, **client_kwargs):
    """The principal's role assignments on the subscription (its groups' too) as Grants.

    ``client_kwargs`` go to the management client (tests give it a recorded transport).
    """
    from azure.mgmt.authorization import AuthorizationManagementClient

    client = AuthorizationManagementClient(credential, subscription_id, **client_kwargs)
    definitions: dict[str, object] = {}
    grants = []
    assignments = client.role_assignments.list_for_subscription(
        filter=f"assignedTo('{principal_id}')"
    )
    for assignment in assignments:
        role_id = assignment.role_definition_id
        if role_id.lower() not in definitions:
            definitions[role_id.lower()] = client.role_definitions.get_by_id(role_id)
        definition = definitions[role_id.lower()]
        grants.append(
            perms.Grant(
                assignment.scope,
                definition.role_name or role_id.rsplit("/", 1)[-1],
                _permissions(definition),
                conditional=bool(getattr(assignment, "condition", None)),
            )
        )
    return grants


def permission_report(
    credential,
    subscription_id: str,
    *,
    layers: Iterable[str] | None = None,
    resource_group: str | None = None,
    twin_name: str | None = None,
    **client_kwargs,
) -> perms.AzurePermissionReport:
    """Each required action of "setup" and ``layers``, decided from the principal's roles:
    "setup" at the subscription, the layers at the twin's resource group (``resource_group``,
    or the one the topology names for ``twin_name``), so an assignment there counts."""
    groups = perms.required_actions(layers)
    resource_group = resource_group or twin_resource_group(twin_name)
    if not subscription_id:
        return perms.unknown_report(
            groups, "Enter a subscription ID to see which permissions you have there."
        )
    try:
        principal = principal_object_id(credential.get_token(SCOPE).token)
        if not principal:
            return perms.unknown_report(
                groups, "The token names no principal, so permissions are unknown."
            )
        grants = read_grants(credential, subscription_id, principal, **client_kwargs)
    except Exception as exc:
        log.info("Azure role assignments unreadable: %s", type(exc).__name__)
        return perms.unknown_report(
            groups,
            "dtwin could not read your role assignments (this needs "
            "Microsoft.Authorization/roleAssignments/read and roleDefinitions/read), so every "
            f"permission is unknown. {explain_azure_error(exc)}",
        )
    scope = f"/subscriptions/{subscription_id}"
    rg_scope = f"{scope}/resourceGroups/{resource_group}" if resource_group else None
    report = perms.evaluate(grants, groups, scope, rg_scope)
    if not grants:
        report.note = "You have no role assignments on this subscription."
    return report


def twin_resource_group(twin_name: str | None) -> str | None:
    """The resource group the topology names for the twin (``None`` without a twin)."""
    if not twin_name:
        return None
    from dtwin_gui.clouds.azure.leftovers import resource_group

    return resource_group(twin_name)


def _subscription(choice, result: CheckResult) -> str:
    if choice.subscription_id.strip():
        return choice.subscription_id.strip()
    found = _GUID_IN.search(result.fact("Subscription"))
    return found.group(0) if found else ""


_GUID_IN = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def check_azure(
    choice,
    secrets,
    *,
    layers: Iterable[str] | None = None,
    resource_group: str | None = None,
    twin_name: str | None = None,
    permissions: bool = True,
    client_kwargs: dict | None = None,
    **kwargs,
) -> CheckResult:
    """Check the Azure credentials ``choice`` (an AzureChoice) describes, then (unless
    ``permissions`` is False) the permission preflight of "setup" and ``layers``, the layers
    at the twin's resource group (``resource_group``, or ``twin_name``'s) when one is given,
    else at the subscription."""
    secret = secrets.get(SECRET_NAME)
    if choice.mode == PRINCIPAL:
        result = check_service_principal(choice, secret, **kwargs)
    elif choice.mode == MSI:
        result = check_managed_identity(choice)
    else:
        result = check_cli_session(choice, **kwargs)
    if not result.ok or not permissions:
        return result
    connection = AzureConnection(
        "azure",
        _subscription(choice, result),
        choice.region,
        choice.mode,
        tenant_id=choice.tenant_id.strip(),
        client_id=choice.client_id.strip(),
        client_secret=(secret or "") if choice.mode == PRINCIPAL else "",
    )
    credential = connection.credential()
    try:
        result.preflight = permission_report(
            credential,
            connection.subscription_id,
            layers=layers,
            resource_group=resource_group,
            twin_name=twin_name,
            **(client_kwargs or {}),
        )
    finally:
        getattr(credential, "close", lambda: None)()
    return result
