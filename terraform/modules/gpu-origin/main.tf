# One version of a region's model served by its own GPU pool: a2-highgpu-1g servers (one NVIDIA A100
# 40 GB each) running the version's weights on its vLLM release behind Caddy and the agent's admission
# proxy (gpu-origin/), in a regional managed instance group that Google's autoscaler sizes from the
# servers' own queue and KV-cache metrics, behind a regional external Application Load Balancer that
# keeps a chat on one server, under one proxied Cloudflare name:
# pool-<region>-<version>.<origin_domain>. The edge calls that one URL (ORIGIN_URL_<R>_<V>, and
# ORIGIN_URL_<R> for the version regions.json names stable) and splits chats between the versions
# during a rollout. What the region's pools share (subnets, firewall, the servers' identity, the
# bearer key) is terraform/modules/gpu-region.
#
#   template.tf       what one server is (machine, image, metadata, identity)
#   pool.tf           the group, its health checks, its autoscaler
#   load-balancer.tf  the load balancer, its certificate, the DNS name
#
# Everything is placed in var.location and var.zones, which come from regions.json's origins: an EU
# region's servers, load balancer, secrets and template all stay in the EU.

locals {
  # Names and labels carry the environment, the region and the version: staging and production,
  # every region and every version can share a project without touching each other's servers. The
  # longest name (a 16-character region, an 8-character version, `production`, `-autohealing`) is 52
  # characters, within GCP's 63.
  name   = "${var.environment}-gpu-${var.region_id}-${var.model_version}"
  host   = "pool-${var.region_id}-${var.model_version}.${var.origin_domain}"
  labels = { environment = var.environment, region = var.region_id, version = var.model_version, component = "gpu-origin" }
}

# The Origin CA certificate's private key, for Caddy on each server. (tls 4.1 has no write-only form
# for a certificate request's key, so the key itself is in the state; it is not in the metadata.)
module "tls_key" {
  source        = "../secret"
  secret_id     = "${var.environment}-origin-${var.region_id}-${var.model_version}-tls-key"
  location      = var.location
  labels        = local.labels
  value         = tls_private_key.origin.private_key_pem
  value_version = 1
  readers       = ["serviceAccount:${var.service_account}"]
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
