# What a region's GPU pools share (terraform/modules/gpu-origin makes one pool per version of the
# region's model, regions.json's models.versions): the region's subnets of the environment's network
# and its firewall rules (network.tf), the servers' identity, and the bearer key every pool of the
# region requires on /v1 (the edge holds one key per region: ORIGIN_API_KEY_<R>). A version's pool
# comes and goes with a rollout; none of this does.

locals {
  # Names, tags and labels carry the environment and the region: staging and production, and every
  # region, can share a project without touching each other's servers.
  name   = "${var.environment}-gpu-${var.region_id}"
  tag    = "gpu-origin-${var.environment}-${var.region_id}"
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

# The servers' identity, the same for every pool of the region: it reads the region's key and each
# pool's TLS key, and writes the metrics the autoscalers scale on (custom.googleapis.com/gpu_origin/*)
# and the servers' logs; nothing else.
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
