"""Azure's permission preflight, custom role JSON and connection.

No emulator exists for Azure Resource Manager or Microsoft Entra ID, so the role assignment
and role definition calls go through the real azure-mgmt-authorization client and azure-core
pipeline over a ``RequestsTransport`` whose requests session answers with recorded responses
(the JSON shapes ARM returns for ``roleAssignments?$filter=assignedTo(...)`` and a role
definition by id). Tokens come from a credential object handing out a JWT with an ``oid``.
"""

from __future__ import annotations

import base64
import io
import json
import time

import pytest
import requests
import urllib3
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport

from dtwin_gui.clouds.azure import permissions as perms
from dtwin_gui.clouds.azure.connection import (
    AzureConnection,
    cloud_connection,
    environment_connection,
    sandbox_connection,
)
from dtwin_gui.clouds.azure.custom_role import custom_role_json
from dtwin_gui.clouds.azure.preflight import permission_report, principal_object_id
from dtwin_gui.clouds.base import Connection, PermissionReport
from dtwin_gui.credentials.secrets import SecretStore
from dtwin_gui.credentials.store import AzureChoice

SUB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
OID = "99999999-8888-7777-6666-555555555555"
SECRET = "s3cr3t-value-never-in-files"
READER = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/r-reader"
CUSTOM = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/r-custom"
EVERYTHING = READER.replace("r-reader", "r-everything")


def _jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


class TokenCredential:
    def get_token(self, *scopes, **kwargs):
        return AccessToken(_jwt({"oid": OID}), int(time.time()) + 3600)


def _assignment(name: str, scope: str, role: str) -> dict:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": role,
            "principalId": OID,
            "principalType": "ServicePrincipal",
            "scope": scope,
        },
    }


def _definition(role_id: str, name: str, permissions: list[dict]) -> dict:
    return {
        "id": role_id,
        "name": role_id.rsplit("/", 1)[-1],
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {"roleName": name, "type": "CustomRole", "permissions": permissions},
    }


class Recorded(requests.adapters.BaseAdapter):
    """Answers ARM requests from recorded JSON, by path; remembers what was asked."""

    def __init__(self, answers: dict[str, dict]):
        super().__init__()
        self.answers, self.asked = answers, []

    def send(self, request, **kwargs):
        path = requests.utils.urlparse(request.url).path
        self.asked.append(request.url)
        response = requests.Response()
        body = self.answers.get(path)
        response.status_code = 200 if body is not None else 404
        error = {"error": {"code": "NotFound", "message": path}}
        content = json.dumps(body if body is not None else error).encode()
        response.headers["Content-Type"] = "application/json"
        response.raw = urllib3.HTTPResponse(
            body=io.BytesIO(content),
            status=response.status_code,
            headers=dict(response.headers),
            preload_content=False,
        )
        response.url, response.request = request.url, request
        return response

    def close(self):
        pass


def _transport(assignments: list[dict], definitions: list[dict]):
    answers = {
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments": {
            "value": assignments
        }
    }
    for definition in definitions:
        answers[definition["id"]] = definition
    adapter = Recorded(answers)
    session = requests.Session()
    session.mount("https://", adapter)
    return RequestsTransport(session=session, session_owner=False), adapter


def _report(assignments, definitions, **kwargs):
    transport, adapter = _transport(assignments, definitions)
    report = permission_report(TokenCredential(), SUB, transport=transport, **kwargs)
    return report, adapter


# --- matching ------------------------------------------------------------------------------
def test_wildcards_match_case_insensitively_and_only_where_the_star_is():
    assert perms.matches("*", "Microsoft.Web/sites/write")
    assert perms.matches("Microsoft.Web/*", "microsoft.web/SITES/write")
    assert perms.matches("*/read", "Microsoft.Devices/IotHubs/read")
    assert not perms.matches("*/read", "Microsoft.Devices/IotHubs/write")
    assert not perms.matches("Microsoft.Web/sites/read", "Microsoft.Web/sites/readX")
    assert perms.matches(
        "Microsoft.DocumentDB/*/readMetadata", "Microsoft.DocumentDB/a/readMetadata"
    )


def test_not_actions_take_away_what_actions_grant_in_the_same_block():
    contributor = perms.RolePermission(
        actions=("*",), not_actions=("Microsoft.Authorization/*/write",)
    )
    assert contributor.grants("Microsoft.Web/sites/write")
    assert not contributor.grants("Microsoft.Authorization/roleAssignments/write")
    # Control-plane "*" never grants a data action.
    assert not contributor.grants("data:Microsoft.DocumentDB/databaseAccounts/readMetadata")


# --- the preflight over recorded ARM answers -----------------------------------------------
def test_reader_and_a_custom_role_decide_each_layer(tmp_path):
    assignments = [
        _assignment("a1", f"/subscriptions/{SUB}", READER),
        _assignment("a2", f"/subscriptions/{SUB}/resourceGroups/rg-twin", CUSTOM),
        # Another resource group's grant does not reach rg-twin.
        _assignment("a3", f"/subscriptions/{SUB}/resourceGroups/other", EVERYTHING),
    ]
    definitions = [
        _definition(READER, "Reader", [{"actions": ["*/read"], "notActions": []}]),
        _definition(
            CUSTOM,
            "twin deployer",
            [
                {
                    "actions": ["Microsoft.DocumentDB/*", "Microsoft.Web/*"],
                    "notActions": ["Microsoft.DocumentDB/databaseAccounts/delete"],
                    "dataActions": ["Microsoft.DocumentDB/databaseAccounts/readMetadata"],
                }
            ],
        ),
        _definition(EVERYTHING, "everything", [{"actions": ["*"]}]),
    ]
    report, adapter = _report(assignments, definitions, layers=["L3_hot"], resource_group="rg-twin")
    assert isinstance(report, PermissionReport)
    assert f"assignedTo%28%27{OID}%27%29" in adapter.asked[0].replace("(", "%28").replace(
        ")", "%29"
    ).replace("'", "%27")
    assert list(report.groups) == ["setup", "L3_hot"]
    hot = report.groups["L3_hot"]
    assert hot["Microsoft.DocumentDB/databaseAccounts/write"] == "allowed"
    assert hot["Microsoft.DocumentDB/databaseAccounts/read"] == "allowed"
    assert hot["Microsoft.DocumentDB/databaseAccounts/delete"] == "denied"  # notActions
    assert hot["data:Microsoft.DocumentDB/databaseAccounts/readMetadata"] == "allowed"
    items = "data:Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*"
    assert hot[items] == "denied"  # no such data action granted
    assert hot["Microsoft.Authorization/roleAssignments/write"] == "denied"
    # Setup is decided at the subscription: the resource group's custom role does not count.
    setup = report.groups["setup"]
    assert setup["Microsoft.Resources/subscriptions/resourceGroups/read"] == "allowed"
    assert setup["Microsoft.Resources/subscriptions/resourceGroups/write"] == "denied"
    counts = report.counts("L3_hot")
    assert counts["denied"] == list(hot.values()).count("denied") > 0
    assert sum(counts.values()) == len(hot)
    assert set(report.roles) == {"everything", "Reader", "twin deployer"}
    # The custom role for what is missing holds exactly the denied actions.
    role = json.loads(report.role_json(SUB))
    assert set(role["Actions"]) | {f"data:{d}" for d in role["DataActions"]} == set(report.denied)
    assert role["AssignableScopes"] == [f"/subscriptions/{SUB}"]


def test_an_assignment_on_the_twins_resource_group_counts_for_its_layers():
    """Contributor on the twin's resource group only (a common least-privilege setup): the
    layers are decided there, not at the subscription, so they are allowed; "setup" (which
    creates the group) still needs the subscription."""
    from dtwin_gui.clouds.azure.leftovers import resource_group

    group = resource_group("factory-twin")
    assignments = [_assignment("a1", f"/subscriptions/{SUB}/resourceGroups/{group}", EVERYTHING)]
    definitions = [_definition(EVERYTHING, "Contributor", [{"actions": ["*"]}])]
    write = "Microsoft.Devices/IotHubs/write"
    at_group, _ = _report(assignments, definitions, layers=["L1"], twin_name="factory-twin")
    assert at_group.groups["L1"][write] == "allowed"
    assert at_group.groups["setup"]["Microsoft.Resources/subscriptions/resourceGroups/write"] == (
        "denied"
    )
    # Without the twin the layers are decided at the subscription: the group's role is not
    # enough there.
    at_subscription, _ = _report(assignments, definitions, layers=["L1"])
    assert at_subscription.groups["L1"][write] == "denied"
    # Another twin's group does not count.
    other, _ = _report(assignments, definitions, layers=["L1"], twin_name="other-twin")
    assert other.groups["L1"][write] == "denied"


def test_unreadable_assignments_make_every_action_unknown():
    transport, _ = _transport([], [])
    report = permission_report(
        TokenCredential(), "11111111-0000-0000-0000-000000000000", transport=transport
    )
    assert set(report.groups) == set(perms.GROUPS)
    assert report.actions("allowed") == report.actions("denied") == []
    assert "could not read your role assignments" in report.note
    assert json.loads(report.role_json())["DataActions"]  # the full role instead


def test_token_without_a_principal_is_unknown_not_a_crash():
    assert principal_object_id("not-a-jwt") == ""
    assert principal_object_id(_jwt({"oid": OID})) == OID


# --- the custom role -----------------------------------------------------------------------
def test_custom_role_has_what_the_chosen_layers_need_and_no_more():
    role = json.loads(custom_role_json(["L3_hot"], SUB))
    assert role["IsCustom"] is True and role["NotActions"] == []
    assert "Microsoft.DocumentDB/databaseAccounts/readMetadata" in role["DataActions"]
    assert "Microsoft.DocumentDB/databaseAccounts/readMetadata" not in role["Actions"]
    assert "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments/write" in role["Actions"]
    assert "Microsoft.Authorization/roleAssignments/write" in role["Actions"]
    assert not any(a.startswith("Microsoft.Dashboard") for a in role["Actions"])  # no L5
    assert "Cosmos DB Built-in Data Contributor" in role["Description"]
    every = json.loads(custom_role_json())
    assert "Microsoft.Dashboard/grafana/ActAsGrafanaAdmin/action" in every["DataActions"]
    assert "Microsoft.Devices/IotHubs/write" in every["Actions"]


# --- the connection ------------------------------------------------------------------------
def test_service_principal_secret_only_in_process_env(tmp_path):
    secrets = SecretStore()
    secrets.set("azure/client_secret", SECRET)
    choice = AzureChoice(
        mode="principal", tenant_id="t-1", client_id="c-1", subscription_id=SUB, region="uksouth"
    )
    connection = cloud_connection(choice, secrets)
    assert isinstance(connection, Connection) and not connection.is_sandbox
    env = connection.process_env()
    assert env["ARM_CLIENT_SECRET"] == SECRET and env["ARM_SUBSCRIPTION_ID"] == SUB
    assert env["ARM_CLIENT_ID"] == "c-1" and env["ARM_TENANT_ID"] == "t-1"
    assert env["ARM_USE_CLI"] == "false"
    assert SECRET not in repr(connection) and SECRET not in connection.describe()
    saved = tmp_path / "choice.json"
    saved.write_text(choice.model_dump_json())
    assert SECRET not in saved.read_text()


def test_cli_and_managed_identity_env():
    cli = AzureConnection("azure", SUB, "westeurope", "cli")
    assert cli.process_env() == {"ARM_SUBSCRIPTION_ID": SUB, "ARM_USE_CLI": "true"}
    msi = AzureConnection("azure", SUB, "westeurope", "msi", client_id="uami")
    env = msi.process_env()
    assert env["ARM_USE_MSI"] == "true" and env["ARM_CLIENT_ID"] == "uami"
    assert "ARM_CLIENT_SECRET" not in env
    assert "managed identity" in msi.describe()


def test_environment_connection_reads_azure_variables(monkeypatch):
    for name in ("AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET", "IDENTITY_ENDPOINT", "MSI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    monkeypatch.setenv("AZURE_TENANT_ID", "t-2")
    monkeypatch.setenv("AZURE_CLIENT_ID", "c-2")
    assert environment_connection().method == "cli"
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    found = environment_connection()
    assert found.method == "principal" and found.process_env()["ARM_CLIENT_SECRET"] == SECRET


def test_sandbox_connection_keeps_the_azure_endpoints():
    endpoints = {
        "aws": "http://127.0.0.1:1",
        "azure": "https://127.0.0.1:2",
        "azure_blob": "http://127.0.0.1:3/devstoreaccount1",
        "azure_cosmos": "https://127.0.0.1:4",
    }
    connection = sandbox_connection(endpoints, "us-east-1")
    assert connection.is_sandbox and connection.describe() == "Azure · westeurope (sandbox)"
    assert connection.gateway_url == endpoints["azure"]
    assert connection.cosmos_url == endpoints["azure_cosmos"]
    assert "aws" not in connection.endpoints
    assert connection.credential().get_token("x").token
    assert "ARM_CLIENT_SECRET" not in connection.process_env()


@pytest.mark.parametrize("layers", [None, ["L1"], ["L4", "L5"]])
def test_required_actions_always_include_setup(layers):
    groups = perms.required_actions(layers)
    assert "setup" in groups
    assert set(groups) - {"setup"} == (
        set(perms.GROUPS) - {"setup"} if layers is None else set(layers)
    )
