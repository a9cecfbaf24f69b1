# One Cloud Function (gen2) of a layer: the layer's package, its role's entry point, its
# environment, and a Pub/Sub trigger (Eventarc) or HTTP.
resource "google_cloudfunctions2_function" "this" {
  name     = var.name
  project  = var.common.project
  location = var.common.region
  labels   = var.common.labels

  build_config {
    runtime     = "python311"
    entry_point = var.entry_point
    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }

  service_config {
    available_memory               = var.memory
    timeout_seconds                = var.timeout_seconds
    service_account_email          = var.service_account_email
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    environment_variables = merge({
      DTWIN_FUNCTION       = var.function
      DTWIN_GOOGLE_PROJECT = var.common.project
    }, var.env)
  }

  dynamic "event_trigger" {
    for_each = var.trigger_topic == null ? [] : [var.trigger_topic]
    content {
      trigger_region        = var.common.region
      event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
      pubsub_topic          = event_trigger.value
      retry_policy          = "RETRY_POLICY_RETRY"
      service_account_email = var.service_account_email
    }
  }
}

# Glue receivers and the hot reader check the HMAC glue protocol, not IAM: callable by all.
resource "google_cloud_run_service_iam_member" "public" {
  count    = var.public ? 1 : 0
  project  = var.common.project
  location = var.common.region
  service  = google_cloudfunctions2_function.this.service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}
