# A secret in Secret Manager, kept in one location (its region's), its value written write-only: the
# value never enters the Terraform state. A new value is written when value_version is raised. Each
# reader (a service account) may read it; nothing else is granted.

resource "google_secret_manager_secret" "this" {
  secret_id = var.secret_id
  labels    = var.labels
  replication {
    user_managed {
      replicas {
        location = var.location
      }
    }
  }
}

resource "google_secret_manager_secret_version" "this" {
  secret                 = google_secret_manager_secret.this.id
  secret_data_wo         = var.value
  secret_data_wo_version = var.value_version
}

resource "google_secret_manager_secret_iam_member" "readers" {
  count     = length(var.readers)
  secret_id = google_secret_manager_secret.this.id
  role      = "roles/secretmanager.secretAccessor"
  member    = var.readers[count.index]
}
