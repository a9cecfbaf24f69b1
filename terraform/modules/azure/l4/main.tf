# L4 · Azure Digital Twins: the instance (models, twins and relationships are SDK steps) and
# one Function App with the ADT updater — the persister's hop into the twin graph — and the
# hot reader proxy when L3 hot is on another cloud. The updater's identity holds Azure
# Digital Twins Data Owner on the instance, so no key is involved.

resource "azurerm_digital_twins_instance" "twin" {
  name                = var.instance_name
  resource_group_name = var.common.resource_group_name
  location            = var.common.location
  tags                = var.common.tags
}

module "app" {
  source = "../_function_app"

  common   = var.common
  host     = var.host
  app_name = var.app_name
  package  = var.package

  app_settings = {
    DTWIN_ADT_URL                                 = "https://${azurerm_digital_twins_instance.twin.host_name}"
    DTWIN_GLUE_SECRET__L2_L4_TWIN_UPDATE          = var.twin_update_secret == null ? "" : var.twin_update_secret
    DTWIN_GLUE_PREVIOUS_SECRET__L2_L4_TWIN_UPDATE = var.twin_update_previous_secret == null ? "" : var.twin_update_previous_secret
    # The hot reader proxy's remote (empty when L3 hot is on Azure too).
    DTWIN_REMOTE_URL    = var.remote_url == null ? "" : var.remote_url
    DTWIN_REMOTE_SECRET = var.remote_secret == null ? "" : var.remote_secret
  }
}

resource "azurerm_role_assignment" "data_owner" {
  for_each = toset(concat(["l4"], keys(var.data_principal_ids)))

  scope                = azurerm_digital_twins_instance.twin.id
  role_definition_name = "Azure Digital Twins Data Owner"
  principal_id = merge(
    { l4 = module.app.principal_id },
    var.data_principal_ids,
  )[each.key]
}
