# What the edge Worker needs besides its code: its KV namespaces and queues (ids filled into
# wrangler.jsonc by `npm run deploy`), KEY_SECRET, and the archive of its logs. The Worker itself,
# its bindings (wrangler.jsonc, checked by `npm run deploy:check`), its secrets and its hostname are
# uploaded by `npm run deploy` with wrangler: one owner for each thing.

locals {
  script_name = "im-edge-gateway-${var.environment}"
  queue_name  = "gateway-messages-${var.environment}"
}

resource "cloudflare_workers_kv_namespace" "faq" {
  account_id = var.cloudflare_account_id
  title      = "${local.script_name}-faq"
}

resource "cloudflare_workers_kv_namespace" "region_pins" {
  account_id = var.cloudflare_account_id
  title      = "${local.script_name}-region-pins"
}

# Each region's model rollout (`rollout:<region>`): which version is stable, the candidate and its
# share of chats, written by the Worker's cron (edge/pipeline/rollout.ts) and `npm run rollout`.
resource "cloudflare_workers_kv_namespace" "rollouts" {
  account_id = var.cloudflare_account_id
  title      = "${local.script_name}-rollouts"
}

resource "cloudflare_queue" "messages" {
  account_id = var.cloudflare_account_id
  queue_name = local.queue_name
}

resource "cloudflare_queue" "dead_letters" {
  account_id = var.cloudflare_account_id
  queue_name = "${local.queue_name}-dlq"
}

# The key of every keyed hash of a user, chat or message id (docs/SECURITY.md): made ephemerally and
# written to Secret Manager write-only, never to the state. Raising key_secret_version rotates it.
ephemeral "random_password" "key_secret" {
  length  = 64
  special = false
}

module "key_secret" {
  source        = "../secret"
  secret_id     = "${var.environment}-edge-key-secret"
  location      = var.secret_location
  labels        = { environment = var.environment, component = "edge" }
  value         = ephemeral.random_password.key_secret.result
  value_version = var.key_secret_version
}

# The Worker's logs (wrangler.jsonc: "observability" and "logpush"), kept in regions.json's logs
# location for its retention, then deleted. They carry references and timings, never message text or
# user ids (edge/log.ts).
resource "google_storage_bucket" "logs" {
  name                        = "${local.script_name}-logs-${var.cloudflare_account_id}"
  location                    = var.logs_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  lifecycle_rule {
    condition {
      age = var.logs_retention_days
    }
    action {
      type = "Delete"
    }
  }
}

# Cloudflare's Logpush writes as this Google service account (Cloudflare's Logpush documentation).
resource "google_storage_bucket_iam_member" "logpush" {
  bucket = google_storage_bucket.logs.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:logpush@cloudflare-data.iam.gserviceaccount.com"
}

locals {
  logs_destination = "gs://${google_storage_bucket.logs.name}/workers/{DATE}"
}

# Logpush proves the bucket is ours: it writes a challenge file there, which is read back below.
resource "cloudflare_logpush_ownership_challenge" "logs" {
  account_id       = var.cloudflare_account_id
  destination_conf = local.logs_destination
  depends_on       = [google_storage_bucket_iam_member.logpush]
}

data "google_storage_bucket_object_content" "challenge" {
  bucket = google_storage_bucket.logs.name
  name   = cloudflare_logpush_ownership_challenge.logs.filename
}

resource "cloudflare_logpush_job" "logs" {
  account_id          = var.cloudflare_account_id
  name                = local.script_name
  dataset             = "workers_trace_events"
  destination_conf    = local.logs_destination
  ownership_challenge = data.google_storage_bucket_object_content.challenge.content
  filter              = jsonencode({ where = { key = "ScriptName", operator = "eq", value = local.script_name } })
  enabled             = true
}
