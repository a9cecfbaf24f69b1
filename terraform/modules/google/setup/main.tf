# Project-level parts of a Google twin: the APIs, the sources bucket, one service account
# per layer with only the roles its functions need.
resource "google_project_service" "api" {
  for_each           = toset(var.apis)
  project            = var.common.project
  service            = each.value
  disable_on_destroy = false
}

resource "google_storage_bucket" "functions" {
  name                        = var.functions_bucket
  project                     = var.common.project
  location                    = upper(var.common.region)
  labels                      = var.common.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  depends_on                  = [google_project_service.api]
}

resource "google_service_account" "layer" {
  for_each     = var.service_accounts
  project      = var.common.project
  account_id   = each.value.account_id
  display_name = "${var.common.twin_name} ${each.key} functions"
  depends_on   = [google_project_service.api]
}

locals {
  grants = {
    for pair in flatten([
      for layer, account in var.service_accounts : [
        for role in account.roles : { key = "${layer}/${role}", layer = layer, role = role }
      ]
    ]) : pair.key => pair
  }
}

resource "google_project_iam_member" "layer" {
  for_each = local.grants
  project  = var.common.project
  role     = each.value.role
  member   = "serviceAccount:${google_service_account.layer[each.value.layer].email}"
}
