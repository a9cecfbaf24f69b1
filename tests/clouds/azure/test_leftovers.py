"""Azure leftovers: what of a twin is still there after a destroy, per service.

The sandbox's stores are the real azure_emulator (cosmosdb-server, Azurite); the control API's
``resources()`` is a stand-in with its documented shape. Real Azure is asked through
azure-mgmt-resource; here a stand-in with that client's shape stands for the subscription.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import pytest
from azure.cosmos import CosmosClient
from azure.storage.blob import BlobServiceClient

from dtwin_gui.clouds.azure.connection import AzureConnection, sandbox_connection
from dtwin_gui.clouds.azure.leftovers import find_leftovers
from dtwin_gui.clouds.azure.provision import COSMOS_KEY, blob_connection_string


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():  # cosmosdb-server's self-signed certificate
        warnings.simplefilter("ignore")
        yield


class Control:
    def __init__(self, resources):
        self.answer = resources

    def resources(self):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_sandbox_lists_what_is_named_for_the_twin_and_nothing_else(azure_emulator):
    connection = sandbox_connection(azure_emulator.endpoints)
    cosmos = CosmosClient(connection.cosmos_url, credential=COSMOS_KEY, connection_verify=False)
    for name in ("factory-twin", "factory-twin-2", "other-twin", "factory-twins"):
        cosmos.create_database_if_not_exists(name)
    blob = BlobServiceClient.from_connection_string(blob_connection_string(connection))
    for name in ("factory-twin-cold", "factory-twin-archive", "other-twin-cold"):
        blob.create_container(name)
    control = Control(
        {
            "apps": {"factory-twin-l2-fn-sbx": {}, "other-twin-l2-fn-sbx": {}},
            "iothubs": {"factory-twin-iothub-sbx": {}},
            "digital_twins": {"other-twin-adt": {}},
            "grafana": {"factory-twin-grafana": {}},
        }
    )
    assert find_leftovers(connection, "factory-twin", control=control) == {
        "cosmos": ["factory-twin", "factory-twin-2"],
        "blob": ["factory-twin-archive", "factory-twin-cold"],
        "function apps": ["factory-twin-l2-fn-sbx"],
        "iothub": ["factory-twin-iothub-sbx"],
        "grafana": ["factory-twin-grafana"],
    }
    for name in ("factory-twin", "factory-twin-2"):
        cosmos.delete_database(name)
    for name in ("factory-twin-cold", "factory-twin-archive"):
        blob.delete_container(name)
    empty = Control({"apps": {"other-twin-l2-fn-sbx": {}}, "iothubs": {}})
    assert find_leftovers(connection, "factory-twin", control=empty) == {}


def _item(name, type_):
    return SimpleNamespace(name=name, type=type_)


class Subscription:
    """azure-mgmt-resource's ResourceManagementClient as the leftovers use it."""

    def __init__(self, groups, tagged, fail_tags=None):
        self.groups, self.tagged, self.fail_tags = groups, tagged, fail_tags
        self.filters = []
        outer = self

        class ResourceGroups:
            def check_existence(self, name):
                return name in outer.groups

        class Resources:
            def list_by_resource_group(self, name):
                return list(outer.groups[name])

            def list(self, filter):
                outer.filters.append(filter)
                if outer.fail_tags:
                    raise outer.fail_tags
                return list(outer.tagged)

        self.resource_groups, self.resources = ResourceGroups(), Resources()


def test_real_azure_lists_the_resource_group_and_what_is_tagged_for_the_twin():
    connection = AzureConnection("azure", "sub-1")
    subscription = Subscription(
        {
            "rg-factory-twin": [
                _item("factory-twin-l2-fn-abc", "Microsoft.Web/sites"),
                _item("factorytwinabc", "Microsoft.Storage/storageAccounts"),
            ]
        },
        [
            _item("factory-twin-l2-fn-abc", "Microsoft.Web/sites"),
            _item("factory-twin-grafana", "Microsoft.Dashboard/grafana"),
        ],
    )
    assert find_leftovers(connection, "factory-twin", client=subscription) == {
        "resource group": ["rg-factory-twin"],
        "function apps": ["factory-twin-l2-fn-abc"],
        "storage": ["factorytwinabc"],
        "grafana": ["factory-twin-grafana"],
    }
    assert subscription.filters == ["tagName eq 'dtwin-twin' and tagValue eq 'factory-twin'"]


def test_real_azure_reports_what_it_could_not_list():
    connection = AzureConnection("azure", "sub-1")
    subscription = Subscription({}, [], fail_tags=PermissionError("403"))
    assert find_leftovers(connection, "factory-twin", client=subscription) == {
        "unlisted": ["resources tagged dtwin-twin=factory-twin (PermissionError)"]
    }


def test_after_a_provision_everything_is_listed_and_after_deprovision_nothing(
    project, azure_emulator
):
    import json

    from dtwin_gui.deploy.build_phase import build_connected
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.provision_phase import run_deprovision, run_provision

    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    config.update({k: "azure" for k in config if k.endswith("_provider")})
    path.write_text(json.dumps(config))
    connection = sandbox_connection(azure_emulator.endpoints)
    deployment = Deployment(project, connection)
    run_provision(deployment, list(build_connected(deployment)), {})
    found = find_leftovers(connection, "factory-twin")
    assert found == {
        "cosmos": ["factory-twin"],
        "blob": ["factory-twin-archive", "factory-twin-cold"],
        "function apps": [
            "factory-twin-l1-fn-sbx",
            "factory-twin-l2-fn-sbx",
            "factory-twin-l3cold-fn-sbx",
            "factory-twin-l3hot-fn-sbx",
            "factory-twin-l4-fn-sbx",
        ],
        "iothub": ["factory-twin-iothub-sbx"],
        "digital twins": ["factory-twin-adt"],
        "grafana": ["factory-twin-grafana"],
    }
    assert run_deprovision(deployment) == []
    assert find_leftovers(connection, "factory-twin") == {}
