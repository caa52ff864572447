# A region's GPU pool: a2-highgpu-1g servers (one NVIDIA A100 40 GB each) running gpt-oss-20b behind
# Caddy and the agent's admission proxy (gpu-origin/), in a regional managed instance group that
# Google's autoscaler sizes from the servers' own queue and KV-cache metrics, behind a regional
# external Application Load Balancer that keeps a chat on one server, under one proxied Cloudflare
# name: pool-<region>.<origin_domain>. The edge calls that one URL (ORIGIN_URL_<R>).
#
#   template.tf       what one server is (machine, image, metadata, identity)
#   pool.tf           the group, its health checks, its autoscaler
#   load-balancer.tf  the load balancer, its certificate, the DNS name
#   network.tf        the region's subnets and firewall rules
#
# Everything is placed in var.location and var.zones, which come from regions.json's origins: an EU
# region's servers, load balancer, secrets, template and subnets all stay in the EU.

locals {
  # Names, tags and labels carry the environment and the region: staging and production, and every
  # region, can share a project without touching each other's servers.
  name   = "${var.environment}-gpu-${var.region_id}"
  tag    = "gpu-origin-${var.environment}-${var.region_id}"
  host   = "pool-${var.region_id}.${var.origin_domain}"
  labels = { environment = var.environment, region = var.region_id, component = "gpu-origin" }
}

# The bearer key the servers require on /v1: made ephemerally and written to Secret Manager
# write-only, so it is never in the state. The servers read it at boot; `npm run deploy` reads it for
# the Worker (ORIGIN_API_KEY_<R>). Raising api_key_version writes a new one.
ephemeral "random_password" "api_key" {
  length  = 48
  special = false
}

module "api_key" {
  source        = "../secret"
  secret_id     = "${var.environment}-origin-${var.region_id}-api-key"
  location      = var.location # kept in the region, as everything of the region
  labels        = local.labels
  value         = ephemeral.random_password.api_key.result
  value_version = var.api_key_version
  readers       = ["serviceAccount:${google_service_account.origin.email}"]
}

# The Origin CA certificate's private key, for Caddy on each server. (tls 4.1 has no write-only form
# for a certificate request's key, so the key itself is in the state; it is not in the metadata.)
module "tls_key" {
  source        = "../secret"
  secret_id     = "${var.environment}-origin-${var.region_id}-tls-key"
  location      = var.location
  labels        = local.labels
  value         = tls_private_key.origin.private_key_pem
  value_version = 1
  readers       = ["serviceAccount:${google_service_account.origin.email}"]
}

# The servers' identity: it reads the region's two secrets and writes the metrics the autoscaler
# scales on (custom.googleapis.com/gpu_origin/*) and the servers' logs; nothing else.
resource "google_service_account" "origin" {
  account_id   = "${var.environment}-origin-${var.region_id}"
  display_name = "GPU servers of ${var.region_id} (${var.environment})"
}

resource "google_project_iam_member" "origin" {
  for_each = toset(["roles/monitoring.metricWriter", "roles/logging.logWriter"])
  project  = google_service_account.origin.project
  role     = each.value
  member   = "serviceAccount:${google_service_account.origin.email}"
}

resource "tls_private_key" "origin" {
  algorithm = "RSA"
  rsa_bits  = 2048
}

resource "tls_cert_request" "origin" {
  private_key_pem = tls_private_key.origin.private_key_pem
  subject {
    common_name = local.host
  }
  dns_names = [local.host]
}

# Cloudflare's Origin CA: trusted by Cloudflare's proxy only. The load balancer presents it to
# Cloudflare, and every server presents it to the load balancer (Caddy keeps its TLS as before).
resource "cloudflare_origin_ca_certificate" "origin" {
  csr                = tls_cert_request.origin.cert_request_pem
  hostnames          = [local.host]
  request_type       = "origin-rsa"
  requested_validity = 5475
}
