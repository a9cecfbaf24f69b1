# L5 · Azure Managed Grafana (major version 11, Standard SKU; the datasource on the hot
# reader and the dashboard are SDK steps) with Grafana Admin for the principals given, and
# a Function App with the hot reader proxy when L3 hot is on another cloud and L4 has none.

resource "azurerm_dashboard_grafana" "twin" {
  name                  = var.grafana_name
  resource_group_name   = var.common.resource_group_name
  location              = var.common.location
  grafana_major_version = 11
  sku                   = "Standard"
  tags                  = var.common.tags

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_role_assignment" "admin" {
  for_each = var.admin_principal_ids

  scope                = azurerm_dashboard_grafana.twin.id
  role_definition_name = "Grafana Admin"
  principal_id         = each.value
}

module "app" {
  source = "../_function_app"
  count  = var.app_name == null ? 0 : 1

  common   = var.common
  host     = var.host
  app_name = var.app_name
  package  = var.package

  app_settings = {
    DTWIN_REMOTE_URL    = var.remote_url == null ? "" : var.remote_url
    DTWIN_REMOTE_SECRET = var.remote_secret == null ? "" : var.remote_secret
  }
}
