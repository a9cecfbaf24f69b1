locals {
  base = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }
}

resource "google_storage_bucket_object" "source" {
  count  = var.package == null ? 0 : 1
  name   = "l2-${filemd5(var.package)}.zip"
  bucket = var.common.functions_bucket
  source = var.package
}

locals {
  function = {
    source_bucket         = var.common.functions_bucket
    source_object         = google_storage_bucket_object.source[0].name
    service_account_email = var.common.service_account_email
  }
  calls = { DTWIN_GOOGLE_FUNCTIONS_URL = var.common.functions_url }
}

resource "google_workflows_workflow" "notification" {
  count           = var.workflow == null ? 0 : 1
  name            = var.workflow.name
  project         = var.common.project
  region          = var.common.region
  service_account = var.common.service_account_email
  source_contents = var.workflow.source
  labels          = var.common.labels
}

module "processor" {
  source                = "../_function"
  for_each              = var.processors
  common                = var.common
  name                  = each.value
  function              = "processor-${each.key}"
  entry_point           = "processor"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  env = merge(local.base, local.calls, {
    DTWIN_PERSISTER_FUNCTION = var.persister_name
  })
}

module "persister" {
  source                = "../_function"
  common                = var.common
  name                  = var.persister_name
  function              = "persister"
  entry_point           = "persister"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  env = merge(
    local.base,
    local.calls,
    var.hot_store == null ? {} : {
      DTWIN_HOT_STORE          = var.hot_store
      DTWIN_HOT_TTL_DAYS       = tostring(var.hot_ttl_days)
      DTWIN_FIRESTORE_DATABASE = var.firestore_database
    },
    var.hot_writer_url == null ? {} : {
      DTWIN_HOT_WRITER_URL    = var.hot_writer_url
      DTWIN_HOT_WRITER_SECRET = var.hot_writer_secret
    },
    var.event_checker_name == null ? {} : { DTWIN_EVENT_CHECKER_FUNCTION = var.event_checker_name },
    var.twin_update_url == null ? {} : {
      DTWIN_TWIN_UPDATE_URL    = var.twin_update_url
      DTWIN_TWIN_UPDATE_SECRET = var.twin_update_secret
    },
  )
}

module "event_checker" {
  source                = "../_function"
  count                 = var.event_checker_name == null ? 0 : 1
  common                = var.common
  name                  = var.event_checker_name
  function              = "event-checker"
  entry_point           = "event_checker"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  env = merge(
    local.base,
    local.calls,
    var.feedback_name == null ? {} : { DTWIN_FEEDBACK_FUNCTION = var.feedback_name },
    var.workflow == null ? {} : {
      DTWIN_WORKFLOW = google_workflows_workflow.notification[0].id
    },
  )
}

module "action" {
  source                = "../_function"
  for_each              = var.actions
  common                = var.common
  name                  = each.value
  function              = "action-${each.key}"
  entry_point           = "action"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  env                   = merge(local.base, {})
}

module "event_feedback" {
  source                = "../_function"
  count                 = var.feedback_name == null ? 0 : 1
  common                = var.common
  name                  = var.feedback_name
  function              = "event-feedback"
  entry_point           = "event_feedback"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  env = merge(
    local.base,
    var.feedback_topic == null ? {} : {
      DTWIN_FEEDBACK_TOPIC = var.feedback_topic
      # The device messaging endpoint: the Pub/Sub API the feedback is published through.
      DTWIN_IOT_ENDPOINT = "pubsub.googleapis.com:443"
    },
  )
}

module "ingestion" {
  source                = "../_function"
  count                 = var.ingestion_name == null ? 0 : 1
  common                = var.common
  name                  = var.ingestion_name
  function              = "ingestion"
  entry_point           = "ingestion"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  public                = true
  env = merge(local.base, local.calls, {
    DTWIN_GLUE_SECRET          = var.ingestion_secret
    DTWIN_GLUE_PREVIOUS_SECRET = var.ingestion_previous_secret
  })
}
