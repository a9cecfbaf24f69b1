locals {
  base = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }
}

resource "google_storage_bucket_object" "source" {
  count  = var.package == null ? 0 : 1
  name   = "l3_cold-${filemd5(var.package)}.zip"
  bucket = var.common.functions_bucket
  source = var.package
}

locals {
  function = {
    source_bucket         = var.common.functions_bucket
    source_object         = google_storage_bucket_object.source[0].name
    service_account_email = var.common.service_account_email
  }
}

# Objects are written as NEARLINE by the movers/writers; the rule catches any that were not.
resource "google_storage_bucket" "cold" {
  name                        = var.bucket_name
  project                     = var.common.project
  location                    = upper(var.common.region)
  storage_class               = "NEARLINE"
  labels                      = var.common.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  lifecycle_rule {
    condition {
      age                   = 0
      matches_storage_class = ["STANDARD"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }
}

module "cold_to_archive_mover" {
  source                = "../_function"
  common                = var.common
  name                  = var.mover_name
  function              = "cold-to-archive-mover"
  entry_point           = "cold_to_archive_mover"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  timeout_seconds       = 540
  env = merge(
    local.base,
    {
      DTWIN_COLD_STORE = google_storage_bucket.cold.name
      DTWIN_COLD_DAYS  = tostring(var.cold_days)
    },
    var.archive_store == null ? {} : { DTWIN_ARCHIVE_STORE = var.archive_store },
    var.archive_writer_url == null ? {} : {
      DTWIN_ARCHIVE_WRITER_URL    = var.archive_writer_url
      DTWIN_ARCHIVE_WRITER_SECRET = var.archive_writer_secret
    },
  )
}

module "mover_schedule" {
  source                = "../_scheduler"
  common                = var.common
  name                  = var.mover_job
  uri                   = module.cold_to_archive_mover.url
  service_account_email = var.common.service_account_email
  schedule              = var.mover_schedule
}

module "cold_writer" {
  source                = "../_function"
  count                 = var.cold_writer_name == null ? 0 : 1
  common                = var.common
  name                  = var.cold_writer_name
  function              = "cold-writer"
  entry_point           = "cold_writer"
  source_bucket         = local.function.source_bucket
  source_object         = local.function.source_object
  service_account_email = local.function.service_account_email
  public                = true
  env = merge(local.base, {
    DTWIN_COLD_STORE           = google_storage_bucket.cold.name
    DTWIN_GLUE_SECRET          = var.cold_writer_secret
    DTWIN_GLUE_PREVIOUS_SECRET = var.cold_writer_previous_secret
  })
}
