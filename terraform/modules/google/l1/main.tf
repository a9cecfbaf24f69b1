locals {
  base = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }
}

resource "google_storage_bucket_object" "source" {
  count  = var.package == null ? 0 : 1
  name   = "l1-${filemd5(var.package)}.zip"
  bucket = var.common.functions_bucket
  source = var.package
}

resource "google_pubsub_topic" "telemetry" {
  name    = var.telemetry_topic
  project = var.common.project
  labels  = var.common.labels
}

# Google has no device service: feedback is a topic, one filtered subscription per device.
resource "google_pubsub_topic" "feedback" {
  name    = var.feedback_topic
  project = var.common.project
  labels  = var.common.labels
}

resource "google_pubsub_subscription" "feedback" {
  for_each                   = var.feedback_subscriptions
  name                       = each.value
  project                    = var.common.project
  topic                      = google_pubsub_topic.feedback.id
  filter                     = "attributes.device_id = \"${each.key}\""
  ack_deadline_seconds       = 30
  message_retention_duration = "86400s"
  labels                     = var.common.labels
}

module "dispatcher" {
  source                = "../_function"
  common                = var.common
  name                  = var.dispatcher_name
  function              = "dispatcher"
  entry_point           = "dispatcher"
  source_bucket         = var.common.functions_bucket
  source_object         = google_storage_bucket_object.source[0].name
  service_account_email = var.common.service_account_email
  trigger_topic         = google_pubsub_topic.telemetry.id
  env = merge(
    local.base,
    { DTWIN_GOOGLE_FUNCTIONS_URL = var.common.functions_url },
    var.connector_target == null ? {} : { DTWIN_CONNECTOR_FUNCTION = var.connector_target },
  )
}

module "connector" {
  source                = "../_function"
  count                 = var.connector_name == null ? 0 : 1
  common                = var.common
  name                  = var.connector_name
  function              = "connector"
  entry_point           = "connector"
  source_bucket         = var.common.functions_bucket
  source_object         = google_storage_bucket_object.source[0].name
  service_account_email = var.common.service_account_email
  env = merge(local.base, {
    DTWIN_REMOTE_URL    = var.remote_url
    DTWIN_REMOTE_SECRET = var.remote_secret
  })
}
