# What one server is. A new template (a new image, vLLM release, flags or key) is rolled over the pool
# by the group's update policy (pool.tf), never applied to a running server.

# The newest image of the version's family, which gpu-origin/image/build.sh builds (vLLM, the weights,
# Caddy, Node and the agent baked in), resolved here rather than in the template: a template naming
# the family would boot whatever image is newest when the autoscaler adds a server, mixing releases in
# one pool without a rollout. So a new build reaches the servers by `terraform apply` (a new template,
# rolled with surge), and image_name pins one (e.g. to roll back).
data "google_compute_image" "server" {
  family = var.image_name == null ? var.image_family : null
  name   = var.image_name
}

locals {
  # build.sh labels each image with what it carries, each value lower case with `-` for anything
  # else (GCP's label values), at most 63 characters: the vLLM release's tag
  # (vllm/vllm-openai:v0.33.0 → v0-33-0), the weights' repository (openai/gpt-oss-20b →
  # openai-gpt-oss-20b) and their revision as build.sh was given it.
  vllm_label     = replace(lower(reverse(split(":", var.vllm_image))[0]), "/[^a-z0-9]/", "-")
  model_label    = substr(replace(lower(var.model), "/[^a-z0-9]/", "-"), 0, 63)
  revision_label = substr(replace(lower(var.model_revision), "/[^a-z0-9]/", "-"), 0, 63)
}

resource "google_compute_region_instance_template" "server" {
  name_prefix  = "${local.name}-"
  region       = var.location
  machine_type = "a2-highgpu-1g" # 12 vCPU, 85 GB, 1 × A100 40 GB (attached with the machine type)
  tags         = [var.tag]
  labels       = local.labels

  disk {
    source_image = data.google_compute_image.server.self_link
    boot         = true
    auto_delete  = true
    # A pd-ssd's read throughput grows with its size, and a boot reads the ~14 GB of weights and the
    # vLLM image from it: the size buys boot time as much as room.
    disk_type    = "pd-ssd"
    disk_size_gb = 300
    labels       = local.labels
  }

  # No access_config: no external address (../gpu-region/network.tf says why).
  network_interface {
    subnetwork = var.subnetwork
  }

  # GPU VMs cannot live-migrate: GCP stops them for host maintenance, and they come back on their own
  # (the load balancer's health check keeps traffic off them meanwhile).
  scheduling {
    on_host_maintenance = "TERMINATE"
    automatic_restart   = true
  }

  # Secrets go by name, never by value: a server reads them from Secret Manager with its own identity.
  metadata = {
    startup-script = file("${path.module}/../../../gpu-origin/startup.sh")
    # Runs when the group removes the server, after the load balancer's connection draining: the
    # agent's /drain (readiness false, no new request, in-flight ones finish), then vLLM stops.
    shutdown-script = file("${path.module}/../../../gpu-origin/shutdown.sh")
    vllm-image      = var.vllm_image
    vllm-model      = var.model
    # The version's `vllm serve` flags (regions.json's serveFlags, a file of gpu-origin/).
    vllm-serve-flags      = var.serve_flags
    origin-api-key-secret = var.api_key_secret_id
    origin-hostname       = local.host
    origin-tls-cert       = cloudflare_origin_ca_certificate.origin.certificate
    origin-tls-key-secret = module.tls_key.secret_id
    caddyfile             = file("${path.module}/../../../gpu-origin/Caddyfile")
    # Requests the agent admits beyond vLLM's --max-num-seqs (64) to wait in vLLM's own queue; past
    # 64 + 32 it answers 429 at once and the edge tries another server of the pool.
    agent-max-waiting = "32"
  }

  service_account {
    email  = var.service_account
    scopes = ["cloud-platform"]
  }

  # A server reads its secrets and writes its metrics at boot: they and its rights must exist first
  # (the region's key and the identity's rights come with var.service_account).
  depends_on = [module.tls_key]

  lifecycle {
    # The group refers to the template: the new one exists before the old one goes.
    create_before_destroy = true
    # A server cannot pull an image or download weights: one booting a release or weights its disk
    # does not carry would fail its boot, be recreated, and fail again. Stop at the plan instead.
    precondition {
      condition     = lookup(data.google_compute_image.server.labels, "vllm", "") == local.vllm_label
      error_message = "The boot image ${data.google_compute_image.server.name} carries vLLM \"${lookup(data.google_compute_image.server.labels, "vllm", "none")}\", not ${var.vllm_image}: build the image of version ${var.model_version} first (REGION=${var.region_id} VERSION=${var.model_version} gpu-origin/image/build.sh), or pin gpu_images[\"${var.region_id}-${var.model_version}\"]."
    }
    precondition {
      condition     = lookup(data.google_compute_image.server.labels, "model", "") == local.model_label && lookup(data.google_compute_image.server.labels, "model-revision", "") == local.revision_label
      error_message = "The boot image ${data.google_compute_image.server.name} carries the weights \"${lookup(data.google_compute_image.server.labels, "model", "none")}\" at \"${lookup(data.google_compute_image.server.labels, "model-revision", "none")}\", not ${var.model} at ${var.model_revision}: build the image of version ${var.model_version} first (REGION=${var.region_id} VERSION=${var.model_version} gpu-origin/image/build.sh), or pin gpu_images[\"${var.region_id}-${var.model_version}\"]."
    }
  }
}
