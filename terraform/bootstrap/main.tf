# Run once per organisation, before any environment: the GCS bucket that holds every environment's
# Terraform state (terraform/environments/*/backend.tf). This root's own state is local and holds no
# secret (a bucket's name and settings); keep it in the platform team's password manager or re-import
# the bucket (`terraform import google_storage_bucket.state <name>`) when needed.
#
#   cd terraform/bootstrap
#   terraform init && terraform apply -var gcp_project=<project> -var bucket=<name> -var location=<EU location>
#   export TF_STATE_BUCKET=<name>        # what `npm run deploy` passes to `terraform init`

terraform {
  required_version = ">= 1.11"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50.0"
    }
  }
}

variable "gcp_project" {
  description = "GCP project that owns the state bucket."
  type        = string
}

variable "bucket" {
  description = "Globally unique name of the state bucket."
  type        = string
}

variable "location" {
  description = "Where the state lives: it holds the Upstash tokens and the origins' TLS key, so the strictest region's (e.g. EU or europe-west4)."
  type        = string
}

provider "google" {
  project = var.gcp_project
}

resource "google_storage_bucket" "state" {
  name                        = var.bucket
  location                    = var.location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Every state write is kept: a broken apply can be rolled back to the state before it.
  versioning {
    enabled = true
  }
  lifecycle_rule {
    condition {
      num_newer_versions = 20
    }
    action {
      type = "Delete"
    }
  }
  lifecycle {
    prevent_destroy = true
  }
}

output "bucket" {
  description = "TF_STATE_BUCKET for `npm run deploy`."
  value       = google_storage_bucket.state.name
}
