# Shared by every layer's Function App: what the app's system-assigned identity may do on
# the twin's storage account (AzureWebJobsStorage without keys: blobs for the package and
# timer leases, queues and tables for the host) and the key other functions call it with.

resource "azurerm_role_assignment" "storage" {
  for_each = toset([
    "Storage Blob Data Owner",
    "Storage Queue Data Contributor",
    "Storage Table Data Contributor",
  ])

  scope                = var.storage_account_id
  role_definition_name = each.value
  principal_id         = var.principal_id
}

data "azurerm_function_app_host_keys" "app" {
  name                = var.app_name
  resource_group_name = var.resource_group_name

  depends_on = [azurerm_role_assignment.storage]
}
