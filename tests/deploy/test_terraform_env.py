"""Only the clouds of the Terraform root give Terraform their credentials: an AWS-only
deployment's Terraform never gets Azure's ARM_* variables (nor asks Azure's CLI for a
subscription), though the user signed in to Azure too."""

from __future__ import annotations

from dtwin_gui.clouds import sandbox_connections
from dtwin_gui.deploy.orchestrator import Deployment

ENDPOINTS = {
    "aws": "http://127.0.0.1:1",
    "azure": "https://127.0.0.1:2",
    "azure_blob": "http://127.0.0.1:3/devstoreaccount1",
    "azure_cosmos": "https://127.0.0.1:4",
}


def test_an_aws_only_deploy_gives_terraform_no_azure_credentials(project):
    connections = sandbox_connections(ENDPOINTS)
    assert {str(c) for c in connections.clouds} == {"aws", "azure"}
    assert any(k.startswith("ARM_") for k in connections.process_env())

    env = Deployment(project, connections)._process_env()

    assert not [k for k in env if k.startswith("ARM_")]
    assert env["AWS_ENDPOINT_URL"] == ENDPOINTS["aws"]
