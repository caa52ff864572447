# What one server is. A new template (a new image, vLLM release, flags or key) is rolled over the pool
# by the group's update policy (pool.tf), never applied to a running server.

# The newest image of the family gpu-origin/image/build.sh builds (vLLM, the weights, Caddy, Node and
# the agent baked in), resolved here rather than in the template: a template naming the family would
# boot whatever image is newest when the autoscaler adds a server, mixing releases in one pool without
# a rollout. So a new build reaches the servers by `terraform apply` (a new template, rolled with
# surge), and image_name pins one (e.g. to roll back).
data "google_compute_image" "server" {
  family = var.image_name == null ? var.image_family : null
  name   = var.image_name
}

locals {
  # build.sh labels each image with the vLLM release it carries (its tag, lower case, `-` for
  # anything else): vllm/vllm-openai:v0.33.0 → v0-33-0.
  vllm_label = replace(lower(reverse(split(":", var.vllm_image))[0]), "/[^a-z0-9]/", "-")
}

resource "google_compute_region_instance_template" "server" {
  name_prefix  = "${local.name}-"
  region       = var.location
  machine_type = "a2-highgpu-1g" # 12 vCPU, 85 GB, 1 × A100 40 GB (attached with the machine type)
  tags         = [local.tag]
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

  # No access_config: no external address (network.tf says why).
  network_interface {
    subnetwork = google_compute_subnetwork.servers.id
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
    shutdown-script       = file("${path.module}/../../../gpu-origin/shutdown.sh")
    vllm-image            = var.vllm_image
    vllm-model            = var.model
    vllm-serve-flags      = file("${path.module}/../../../gpu-origin/serve-flags.txt")
    origin-api-key-secret = module.api_key.secret_id
    origin-hostname       = local.host
    origin-tls-cert       = cloudflare_origin_ca_certificate.origin.certificate
    origin-tls-key-secret = module.tls_key.secret_id
    caddyfile             = file("${path.module}/../../../gpu-origin/Caddyfile")
    # Requests the agent admits beyond vLLM's --max-num-seqs (64) to wait in vLLM's own queue; past
    # 64 + 32 it answers 429 at once and the edge tries another server of the pool.
    agent-max-waiting = "32"
  }

  service_account {
    email  = google_service_account.origin.email
    scopes = ["cloud-platform"]
  }

  # A server reads its secrets and writes its metrics at boot: they and its rights must exist first.
  depends_on = [module.api_key, module.tls_key, google_project_iam_member.origin]

  lifecycle {
    # The group refers to the template: the new one exists before the old one goes.
    create_before_destroy = true
    # A server cannot pull an image: one booting a release its disk does not carry would fail its
    # boot, be recreated, and fail again. Stop at the plan instead.
    precondition {
      condition     = lookup(data.google_compute_image.server.labels, "vllm", "") == local.vllm_label
      error_message = "The boot image ${data.google_compute_image.server.name} carries vLLM \"${lookup(data.google_compute_image.server.labels, "vllm", "none")}\", not ${var.vllm_image}: build its image first (VLLM_IMAGE=${var.vllm_image} gpu-origin/image/build.sh), or pin gpu_image."
    }
  }
}
