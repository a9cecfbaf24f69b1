locals {
  base = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }
}

resource "google_storage_bucket_object" "source" {
  count  = var.package == null ? 0 : 1
  name   = "l3_archive-${filemd5(var.package)}.zip"
  bucket = var.common.functions_bucket
  source = var.package
}

# Objects are written as ARCHIVE; the rule moves any other class there by age.
resource "google_storage_bucket" "archive" {
  name                        = var.bucket_name
  project                     = var.common.project
  location                    = upper(var.common.region)
  storage_class               = "ARCHIVE"
  labels                      = var.common.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  lifecycle_rule {
    condition {
      age                   = 0
      matches_storage_class = ["STANDARD", "NEARLINE", "COLDLINE"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "ARCHIVE"
    }
  }
}

module "archive_writer" {
  source                = "../_function"
  count                 = var.archive_writer_name == null ? 0 : 1
  common                = var.common
  name                  = var.archive_writer_name
  function              = "archive-writer"
  entry_point           = "archive_writer"
  source_bucket         = var.common.functions_bucket
  source_object         = google_storage_bucket_object.source[0].name
  service_account_email = var.common.service_account_email
  public                = true
  env = merge(local.base, {
    DTWIN_ARCHIVE_STORE        = google_storage_bucket.archive.name
    DTWIN_GLUE_SECRET          = var.archive_writer_secret
    DTWIN_GLUE_PREVIOUS_SECRET = var.archive_writer_previous_secret
  })
}
