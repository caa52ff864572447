# A region's vLLM origins: a2-highgpu-1g VMs (one NVIDIA A100 40 GB each) running gpt-oss-20b behind
# Caddy, reachable on 443 only from Cloudflare's addresses, each under a proxied DNS name with a
# Cloudflare Origin CA certificate. Everything is placed in var.location, which comes from
# regions.json's origins.location for this region.

locals {
  names = [for i in range(var.origin_count) : "${var.environment}-origin-${var.region_id}${i + 1}"]
  hosts = [for i in range(var.origin_count) : "origin-${var.region_id}${i + 1}.${var.origin_domain}"]
  zones = [for i in range(var.origin_count) : "${var.location}-${var.zone_suffixes[i % length(var.zone_suffixes)]}"]
}

# The bearer key the origins' proxy requires on /v1: made ephemerally and written to Secret Manager
# write-only, so it is never in the state. The VMs read it at boot; `npm run deploy` reads it for the
# Worker (ORIGIN_API_KEY_<R>). Raising api_key_version writes a new one.
ephemeral "random_password" "api_key" {
  length  = 48
  special = false
}

module "api_key" {
  source        = "../secret"
  secret_id     = "${var.environment}-origin-${var.region_id}-api-key"
  location      = var.location # kept in the region, as everything of the region
  labels        = { environment = var.environment, region = var.region_id, component = "gpu-origin" }
  value         = ephemeral.random_password.api_key.result
  value_version = var.api_key_version
  readers       = ["serviceAccount:${google_service_account.origin.email}"]
}

# The Origin CA certificate's private key, for Caddy. (tls 4.1 has no write-only form for a
# certificate request's key, so the key itself is in the state; it is not in the VMs' metadata.)
module "tls_key" {
  source        = "../secret"
  secret_id     = "${var.environment}-origin-${var.region_id}-tls-key"
  location      = var.location
  labels        = { environment = var.environment, region = var.region_id, component = "gpu-origin" }
  value         = tls_private_key.origin.private_key_pem
  value_version = 1
  readers       = ["serviceAccount:${google_service_account.origin.email}"]
}

# The VMs' identity: it may read the region's two secrets and write logs and metrics, nothing else.
resource "google_service_account" "origin" {
  account_id   = "${var.environment}-origin-${var.region_id}"
  display_name = "GPU origins of ${var.region_id} (${var.environment})"
}

resource "google_compute_address" "origin" {
  count  = var.origin_count
  name   = local.names[count.index]
  region = var.location
}

resource "tls_private_key" "origin" {
  algorithm = "RSA"
  rsa_bits  = 2048
}

resource "tls_cert_request" "origin" {
  private_key_pem = tls_private_key.origin.private_key_pem
  subject {
    common_name = "origin-${var.region_id}.${var.origin_domain}"
  }
  dns_names = local.hosts
}

# Cloudflare's Origin CA: trusted by Cloudflare's proxy only, which is the only client allowed in.
resource "cloudflare_origin_ca_certificate" "origin" {
  csr                = tls_cert_request.origin.cert_request_pem
  hostnames          = local.hosts
  request_type       = "origin-rsa"
  requested_validity = 5475
}

resource "google_compute_instance" "origin" {
  count        = var.origin_count
  name         = local.names[count.index]
  machine_type = "a2-highgpu-1g" # 12 vCPU, 85 GB, 1 × A100 40 GB (attached with the machine type)
  zone         = local.zones[count.index]
  tags         = ["gpu-origin-${var.environment}"]

  boot_disk {
    initialize_params {
      image = var.image
      size  = 200 # image + model weights (~14 GB) + Docker layers (~20 GB), with room for a second release
      type  = "pd-ssd"
    }
  }

  network_interface {
    network = "default"
    access_config {
      nat_ip = google_compute_address.origin[count.index].address
    }
  }

  # GPU VMs cannot live-migrate: GCP stops them for host maintenance, and they come back on their own.
  scheduling {
    on_host_maintenance = "TERMINATE"
    automatic_restart   = true
  }

  # Secrets go by name, never by value: the VM reads them from Secret Manager with its own identity.
  metadata = {
    startup-script        = file("${path.module}/../../../gpu-origin/startup.sh")
    vllm-image            = var.vllm_image
    vllm-model            = var.model
    vllm-serve-flags      = file("${path.module}/../../../gpu-origin/serve-flags.txt")
    origin-api-key-secret = module.api_key.secret_id
    origin-hostname       = local.hosts[count.index]
    origin-tls-cert       = cloudflare_origin_ca_certificate.origin.certificate
    origin-tls-key-secret = module.tls_key.secret_id
    caddyfile             = file("${path.module}/../../../gpu-origin/Caddyfile")
  }

  service_account {
    email  = google_service_account.origin.email
    scopes = ["cloud-platform"]
  }

  # A VM reads its secrets at boot: they must exist (with a version, readable by it) first.
  depends_on = [module.api_key, module.tls_key]

  labels = {
    environment = var.environment
    region      = var.region_id
    component   = "gpu-origin"
  }
}

resource "google_compute_firewall" "https_from_cloudflare" {
  name          = "${var.environment}-gpu-origin-${var.region_id}-https"
  network       = "default"
  direction     = "INGRESS"
  source_ranges = var.allowed_cidrs
  target_tags   = ["gpu-origin-${var.environment}"]
  allow {
    protocol = "tcp"
    ports    = ["443"]
  }
}

resource "google_compute_firewall" "metrics_from_monitoring" {
  count         = length(var.monitoring_cidrs) > 0 ? 1 : 0
  name          = "${var.environment}-gpu-origin-${var.region_id}-metrics"
  network       = "default"
  direction     = "INGRESS"
  source_ranges = var.monitoring_cidrs
  target_tags   = ["gpu-origin-${var.environment}"]
  allow {
    protocol = "tcp"
    ports    = ["9443"]
  }
}

resource "cloudflare_dns_record" "origin" {
  count   = var.origin_count
  zone_id = var.cloudflare_zone_id
  name    = local.hosts[count.index]
  type    = "A"
  content = google_compute_address.origin[count.index].address
  proxied = true
  ttl     = 1
}
