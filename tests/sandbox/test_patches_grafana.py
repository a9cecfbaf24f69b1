"""Amazon Managed Grafana emulation: the control plane (also for Terraform) and the Grafana
HTTP API each workspace serves at ``<endpoint>/api/...``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from helpers_sandbox import Terraform, provider_block, require_terraform

from dtwin_gui.clouds.aws.sdk.grafana import base_url


@pytest.fixture
def grafana(aws):
    return aws.client("grafana")


def create(grafana, **extra) -> dict:
    return grafana.create_workspace(
        accountAccessType="CURRENT_ACCOUNT",
        authenticationProviders=["AWS_SSO"],
        permissionType="SERVICE_MANAGED",
        **extra,
    )["workspace"]


def call(url: str, method: str = "GET", body=None, token: str | None = None):
    """(status, JSON) of a Grafana HTTP API call."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def token_for(grafana, workspace: str, role: str) -> str:
    account = grafana.create_workspace_service_account(
        workspaceId=workspace, name=f"sa-{role.lower()}", grafanaRole=role
    )
    return grafana.create_workspace_service_account_token(
        workspaceId=workspace, serviceAccountId=account["id"], name="t", secondsToLive=300
    )["serviceAccountToken"]["key"]


def test_workspace_lifecycle(aws, grafana):
    ws = create(grafana, workspaceName="twin-grafana", tags={"twin": "t"})
    assert ws["status"] == "CREATING" and ws["id"].startswith("g-") and len(ws["id"]) == 12
    described = grafana.describe_workspace(workspaceId=ws["id"])["workspace"]
    assert described["status"] == "ACTIVE"
    host = aws.endpoint.split("://", 1)[1]
    assert described["endpoint"] == f"{host}/_grafana/{ws['id']}"
    assert described["authentication"]["providers"] == ["AWS_SSO"]
    assert described["tags"] == {"twin": "t"}
    grafana.update_workspace(workspaceId=ws["id"], workspaceDescription="dashboards")
    assert grafana.describe_workspace(workspaceId=ws["id"])["workspace"]["description"] == (
        "dashboards"
    )
    grafana.update_workspace_configuration(
        workspaceId=ws["id"], configuration='{"plugins": {"pluginAdminEnabled": true}}'
    )
    config = grafana.describe_workspace_configuration(workspaceId=ws["id"])
    assert json.loads(config["configuration"]) == {"plugins": {"pluginAdminEnabled": True}}
    [summary] = grafana.list_workspaces()["workspaces"]
    assert (summary["id"], summary["name"]) == (ws["id"], "twin-grafana")
    arn = f"arn:aws:grafana:us-east-1:123456789012:/workspaces/{ws['id']}"
    grafana.tag_resource(resourceArn=arn, tags={"x": "1"})
    grafana.untag_resource(resourceArn=arn, tagKeys=["twin"])
    assert grafana.list_tags_for_resource(resourceArn=arn)["tags"] == {"x": "1"}
    grafana.delete_workspace(workspaceId=ws["id"])
    with pytest.raises(grafana.exceptions.ResourceNotFoundException):
        grafana.describe_workspace(workspaceId=ws["id"])
    assert grafana.list_workspaces()["workspaces"] == []


def test_invalid_requests_are_rejected(grafana):
    with pytest.raises(grafana.exceptions.ValidationException, match="accountAccessType"):
        grafana.create_workspace(
            accountAccessType="EVERYONE",
            authenticationProviders=["AWS_SSO"],
            permissionType="SERVICE_MANAGED",
        )
    with pytest.raises(grafana.exceptions.ValidationException, match="workspaceId"):
        grafana.describe_workspace(workspaceId="nonsense")
    with pytest.raises(grafana.exceptions.ResourceNotFoundException):
        grafana.describe_workspace(workspaceId="g-0123456789")
    ws = create(grafana)
    with pytest.raises(grafana.exceptions.ValidationException, match="secondsToLive"):
        grafana.create_workspace_api_key(
            workspaceId=ws["id"], keyName="k", keyRole="ADMIN", secondsToLive=2592001
        )


def test_credentials_guard_the_http_api(grafana):
    ws = create(grafana)
    url = base_url(grafana.describe_workspace(workspaceId=ws["id"])["workspace"]["endpoint"])
    assert call(f"{url}/api/health")[0] == 200  # no auth, as in Grafana
    assert call(f"{url}/api/datasources")[0] == 401
    assert call(f"{url}/api/datasources", token="made-up")[0] == 401
    key = grafana.create_workspace_api_key(
        workspaceId=ws["id"], keyName="deploy", keyRole="ADMIN", secondsToLive=60
    )
    assert call(f"{url}/api/datasources", token=key["key"]) == (200, [])
    with pytest.raises(grafana.exceptions.ConflictException):
        grafana.create_workspace_api_key(
            workspaceId=ws["id"], keyName="deploy", keyRole="ADMIN", secondsToLive=60
        )
    grafana.delete_workspace_api_key(workspaceId=ws["id"], keyName="deploy")
    assert call(f"{url}/api/datasources", token=key["key"])[0] == 401

    account = grafana.create_workspace_service_account(
        workspaceId=ws["id"], name="dtwin", grafanaRole="ADMIN"
    )
    token = grafana.create_workspace_service_account_token(
        workspaceId=ws["id"], serviceAccountId=account["id"], name="t1", secondsToLive=60
    )["serviceAccountToken"]
    assert token["key"].startswith("glsa_")
    assert call(f"{url}/api/datasources", token=token["key"])[0] == 200
    listed = grafana.list_workspace_service_account_tokens(
        workspaceId=ws["id"], serviceAccountId=account["id"]
    )
    assert [t["name"] for t in listed["serviceAccountTokens"]] == ["t1"]
    grafana.delete_workspace_service_account_token(
        workspaceId=ws["id"], serviceAccountId=account["id"], tokenId=token["id"]
    )
    assert call(f"{url}/api/datasources", token=token["key"])[0] == 401
    other = create(grafana)
    other_token = token_for(grafana, other["id"], "ADMIN")
    assert call(f"{url}/api/datasources", token=other_token)[0] == 401  # another workspace's
    grafana.delete_workspace_service_account(workspaceId=ws["id"], serviceAccountId=account["id"])
    accounts = grafana.list_workspace_service_accounts(workspaceId=ws["id"])
    assert accounts["serviceAccounts"] == []


def test_datasources_and_dashboards(grafana):
    ws = create(grafana)
    url = base_url(grafana.describe_workspace(workspaceId=ws["id"])["workspace"]["endpoint"])
    admin = token_for(grafana, ws["id"], "ADMIN")
    viewer = token_for(grafana, ws["id"], "VIEWER")
    source = {
        "uid": "hot",
        "name": "hot storage",
        "type": "marcusolsson-json-datasource",
        "access": "proxy",
        "url": "https://reader.invalid/",
        "secureJsonData": {"token": "s3cret"},
    }
    assert call(f"{url}/api/datasources", "POST", source, viewer)[0] == 403
    status, created = call(f"{url}/api/datasources", "POST", source, admin)
    assert status == 200 and created["message"] == "Datasource added"
    assert created["datasource"]["secureJsonFields"] == {"token": True}
    assert "secureJsonData" not in created["datasource"]
    assert call(f"{url}/api/datasources", "POST", dict(source, uid="two"), admin)[0] == 409
    status, got = call(f"{url}/api/datasources/uid/hot", token=viewer)
    assert status == 200 and got["url"] == "https://reader.invalid/" and got["version"] == 1
    status, updated = call(
        f"{url}/api/datasources/uid/hot", "PUT", dict(source, url="https://new.invalid/"), admin
    )
    assert status == 200 and updated["datasource"]["version"] == 2
    assert updated["datasource"]["secureJsonFields"] == {"token": True}
    assert call(f"{url}/api/datasources/name/hot%20storage", token=viewer)[1]["uid"] == "hot"
    assert call(f"{url}/api/datasources/uid/nope", token=viewer)[0] == 404
    assert call(f"{url}/api/datasources", "POST", dict(source, uid="bad uid!"), admin)[0] == 400

    board = {"uid": "twin", "title": "Twin telemetry", "panels": [{"id": 1, "type": "timeseries"}]}
    assert call(f"{url}/api/dashboards/db", "POST", {"dashboard": board}, viewer)[0] == 403
    status, saved = call(f"{url}/api/dashboards/db", "POST", {"dashboard": board}, admin)
    assert status == 200 and saved["version"] == 1 and saved["url"] == "/d/twin/twin-telemetry"
    status, conflict = call(f"{url}/api/dashboards/db", "POST", {"dashboard": board}, admin)
    assert status == 412 and conflict["status"] == "version-mismatch"
    status, saved = call(
        f"{url}/api/dashboards/db", "POST", {"dashboard": board, "overwrite": True}, admin
    )
    assert status == 200 and saved["version"] == 2
    status, found = call(f"{url}/api/dashboards/uid/twin", token=viewer)
    assert status == 200 and found["dashboard"]["panels"] == board["panels"]
    assert found["dashboard"]["version"] == 2 and found["meta"]["slug"] == "twin-telemetry"
    same_title = {"uid": "other", "title": "Twin telemetry"}
    assert call(f"{url}/api/dashboards/db", "POST", {"dashboard": same_title}, admin)[0] == 412
    assert call(f"{url}/api/dashboards/db", "POST", {"dashboard": {"uid": "x"}}, admin)[0] == 400
    assert [d["uid"] for d in call(f"{url}/api/search?query=twin", token=viewer)[1]] == ["twin"]

    assert call(f"{url}/api/dashboards/uid/twin", "DELETE", token=admin)[0] == 200
    assert call(f"{url}/api/dashboards/uid/twin", token=admin)[0] == 404
    assert call(f"{url}/api/datasources/uid/hot", "DELETE", token=admin)[0] == 200
    assert call(f"{url}/api/datasources/uid/hot", token=admin)[0] == 404
    assert call(f"{url}/api/datasources/uid/hot", "DELETE", token=admin)[0] == 404


def test_datasource_proxy_reaches_the_data_source_url(aws, grafana):
    from helpers_sandbox import create_function

    create_function(
        aws,
        "reader",
        "import json\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps(event['queryStringParameters'])}\n",
    )
    ws = create(grafana)
    url = base_url(grafana.describe_workspace(workspaceId=ws["id"])["workspace"]["endpoint"])
    admin = token_for(grafana, ws["id"], "ADMIN")
    source = {"uid": "r", "name": "r", "type": "x", "url": aws.gateway.function_url("reader")}
    assert call(f"{url}/api/datasources", "POST", source, admin)[0] == 200
    status, echoed = call(f"{url}/api/datasources/proxy/uid/r/?device_id=d1", token=admin)
    assert (status, echoed) == (200, {"device_id": "d1"})


@pytest.mark.slow
def test_terraform_applies_and_destroys_a_grafana_workspace(aws, tmp_path):
    require_terraform()
    tf = Terraform(tmp_path / "tf", aws.endpoint, aws.region)
    # The shared provider block has no grafana endpoint; add it.
    provider = provider_block(aws.endpoint, aws.region).replace(
        "  endpoints {\n", f'  endpoints {{\n    grafana = "{aws.endpoint}"\n', 1
    )
    assert 'grafana = "' in provider
    (tf.workdir / "main.tf").write_text(
        provider
        + """
resource "aws_grafana_workspace" "dashboards" {
  name                     = "factory-twin-grafana"
  account_access_type      = "CURRENT_ACCOUNT"
  authentication_providers = ["AWS_SSO"]
  permission_type          = "SERVICE_MANAGED"
  grafana_version          = "10.4"
  configuration = jsonencode({
    plugins         = { pluginAdminEnabled = true }
    unifiedAlerting = { enabled = true }
  })
  tags = { twin = "factory-twin" }
}

output "id" {
  value = aws_grafana_workspace.dashboards.id
}

output "endpoint" {
  value = aws_grafana_workspace.dashboards.endpoint
}
"""
    )
    tf.init()
    tf.apply()
    outputs = json.loads(tf.run("output", "-json").stdout)
    grafana = aws.client("grafana")
    described = grafana.describe_workspace(workspaceId=outputs["id"]["value"])["workspace"]
    assert described["name"] == "factory-twin-grafana" and described["status"] == "ACTIVE"
    assert described["tags"] == {"twin": "factory-twin"}
    assert outputs["endpoint"]["value"] == described["endpoint"]
    config = json.loads(
        grafana.describe_workspace_configuration(workspaceId=outputs["id"]["value"])[
            "configuration"
        ]
    )
    assert config["plugins"] == {"pluginAdminEnabled": True}
    assert tf.plan_is_empty()
    tf.destroy()
    assert grafana.list_workspaces()["workspaces"] == []
