locals {
  base = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }
}

resource "google_storage_bucket_object" "source" {
  count  = var.package == null ? 0 : 1
  name   = "l3_hot-${filemd5(var.package)}.zip"
  bucket = var.common.functions_bucket
  source = var.package
}

locals {
  function = {
    source_bucket         = var.common.functions_bucket
    source_object         = google_storage_bucket_object.source[0].name
    service_account_email = var.common.service_account_email
  }
  store = {
    DTWIN_HOT_STORE          = var.collection
    DTWIN_FIRESTORE_DATABASE = google_firestore_database.hot.name
  }
}

resource "google_firestore_database" "hot" {
  name            = var.database_name
  project         = var.common.project
  location_id     = var.common.region
  type            = "FIRESTORE_NATIVE"
  deletion_policy = "DELETE"
}

resource "google_firestore_index" "hot" {
  for_each    = { for i, index in var.indexes : tostring(i) => index }
  project     = var.common.project
  database    = google_firestore_database.hot.name
  collection  = var.collection
  query_scope = "COLLECTION"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value.path
      order      = fields.value.order
    }
  }
}

# TTL policy: Firestore deletes a document once its expire_at has passed.
resource "google_firestore_field" "ttl" {
  project    = var.common.project
  database   = google_firestore_database.hot.name
  collection = var.collection
  field      = var.ttl_field

  index_config {}
  ttl_config {}
}

module "hot_reader" {
  source                = "../_function"
  common                = var.common
  name                  = var.hot_reader_name
  function              = "hot-reader"
  entry_point           = "hot_reader"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  # Public only for readers on other clouds (the glue protocol guards it); else IAM only.
  public = var.public_reader
  env = merge(
    local.base,
    local.store,
    var.reader_secret == null ? {} : {
      DTWIN_GLUE_SECRET          = var.reader_secret
      DTWIN_GLUE_PREVIOUS_SECRET = var.reader_previous_secret
    },
    var.max_page_size == null ? {} : { DTWIN_MAX_PAGE_SIZE = tostring(var.max_page_size) },
  )
}

module "hot_to_cold_mover" {
  source                = "../_function"
  common                = var.common
  name                  = var.mover_name
  function              = "hot-to-cold-mover"
  entry_point           = "hot_to_cold_mover"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  timeout_seconds       = 540
  env = merge(
    local.base,
    local.store,
    { DTWIN_HOT_DAYS = tostring(var.hot_days) },
    var.cold_store == null ? {} : { DTWIN_COLD_STORE = var.cold_store },
    var.cold_writer_url == null ? {} : {
      DTWIN_COLD_WRITER_URL    = var.cold_writer_url
      DTWIN_COLD_WRITER_SECRET = var.cold_writer_secret
    },
  )
}

module "mover_schedule" {
  source                = "../_scheduler"
  common                = var.common
  name                  = var.mover_job
  uri                   = module.hot_to_cold_mover.url
  service_account_email = var.common.service_account_email
  schedule              = var.mover_schedule
}

module "hot_writer" {
  source                = "../_function"
  count                 = var.hot_writer_name == null ? 0 : 1
  common                = var.common
  name                  = var.hot_writer_name
  function              = "hot-writer"
  entry_point           = "hot_writer"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  public                = true
  env = merge(local.base, local.store, {
    DTWIN_HOT_TTL_DAYS         = tostring(var.hot_ttl_days)
    DTWIN_GLUE_SECRET          = var.hot_writer_secret
    DTWIN_GLUE_PREVIOUS_SECRET = var.hot_writer_previous_secret
  })
}
