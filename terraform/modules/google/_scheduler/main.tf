# A mover's schedule: an HTTP POST with an OIDC token of the layer's account.
resource "google_cloud_scheduler_job" "this" {
  name             = var.name
  project          = var.common.project
  region           = var.common.region
  schedule         = var.schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "320s"

  retry_config {
    retry_count = 1
  }

  http_target {
    http_method = "POST"
    uri         = var.uri
    body        = base64encode("{}")
    headers     = { "Content-Type" = "application/json" }
    oidc_token {
      service_account_email = var.service_account_email
      audience              = var.uri
    }
  }
}
