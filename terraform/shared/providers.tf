# Providers, pinned to the releases whose schemas test/fixtures/terraform/provider-schemas.json holds
# (npm run terraform:schemas): a test checks every resource type and argument used here against them.
terraform {
  # Ephemeral resources (1.10) and write-only arguments (1.11) keep the origins' key and the edge's
  # KEY_SECRET out of the state.
  required_version = ">= 1.11"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50.0"
    }
    upstash = {
      source  = "upstash/upstash"
      version = "~> 2.0.1"
    }
    cloudflare = {
      source  = "cloudflare/cloudflare"
      version = "~> 5.14.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7.2"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.1.0"
    }
  }
}

provider "google" {
  project = var.gcp_project
}

provider "upstash" {
  email   = var.upstash_email
  api_key = var.upstash_api_key
}

provider "cloudflare" {
  api_token = var.cloudflare_api_token
}
