"""Status on a real subscription: each azurerm resource of Terraform's state looked up in
its resource group. No emulator serves Azure Resource Manager, so the management client is a
stand-in here (a documented last resort); what is tested is how the listing is read."""

from __future__ import annotations

from types import SimpleNamespace

from dtwin_gui.clouds.azure.state_probes import probe_resources

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG = f"{SUB}/resourceGroups/rg-factory-twin"
ACCOUNT = f"{RG}/providers/Microsoft.DocumentDB/databaseAccounts/factory-twin-cosmos"


class _Client:
    """ResourceManagementClient's two calls the probe makes, answering from ``ids``."""

    def __init__(self, groups: dict[str, list[str]], refuse: bool = False) -> None:
        self.groups, self.refuse, self.listed = groups, refuse, 0
        self.resource_groups = SimpleNamespace(check_existence=lambda g: g in self.groups)
        self.resources = SimpleNamespace(list_by_resource_group=self._list)

    def _list(self, group):
        if self.refuse:
            raise PermissionError("AuthorizationFailed")
        self.listed += 1
        return [SimpleNamespace(id=i) for i in self.groups[group]]


def _res(address: str, arm_id: str | None):
    attributes = {"id": arm_id} if arm_id else {}
    return SimpleNamespace(address=address, mode="managed", attributes=attributes)


def test_present_missing_and_children_of_a_listed_resource():
    client = _Client({"rg-factory-twin": [ACCOUNT.upper()]})  # ARM ids compare without case
    found = probe_resources(
        None,
        [
            _res("azurerm_resource_group.rg", RG),
            _res("azurerm_cosmosdb_account.hot", ACCOUNT),
            _res("azurerm_cosmosdb_sql_container.hot", f"{ACCOUNT}/sqlDatabases/db/containers/hot"),
            _res("azurerm_iothub.hub", f"{RG}/providers/Microsoft.Devices/IotHubs/gone-hub"),
            _res("azurerm_thing.odd", None),
        ],
        client=client,
    )
    states = {a: p.state for a, p in found.items()}
    assert states == {
        "azurerm_resource_group.rg": "present",
        "azurerm_cosmosdb_account.hot": "present",
        "azurerm_cosmosdb_sql_container.hot": "present",
        "azurerm_iothub.hub": "missing",
        "azurerm_thing.odd": "error",
    }
    assert client.listed == 1  # one listing per resource group


def test_a_deleted_group_makes_everything_in_it_missing_and_a_refusal_unknown():
    gone = probe_resources(
        None, [_res("azurerm_cosmosdb_account.hot", ACCOUNT)], client=_Client({})
    )
    assert gone["azurerm_cosmosdb_account.hot"].state == "missing"
    assert "rg-factory-twin is gone" in gone["azurerm_cosmosdb_account.hot"].detail
    refused = probe_resources(
        None,
        [_res("azurerm_cosmosdb_account.hot", ACCOUNT)],
        client=_Client({"rg-factory-twin": []}, refuse=True),
    )
    assert refused["azurerm_cosmosdb_account.hot"].state == "error"
    assert "AuthorizationFailed" in refused["azurerm_cosmosdb_account.hot"].detail
