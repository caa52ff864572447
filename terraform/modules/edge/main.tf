# The edge: the Worker with every binding the code uses (kept equal to wrangler.jsonc's environment,
# which `npm run deploy:check` verifies), its KV namespaces, its queue and dead-letter queue, the
# Durable Object class of the web chat, the public hostname, and the settings of every region.
# Later code releases go out with `wrangler deploy --env <environment>`, which keeps these secrets.

locals {
  script_name = "im-edge-gateway-${var.environment}"
  queue_name  = "gateway-messages-${var.environment}"
  plain_vars = {
    MODEL_NAME             = "openai/gpt-oss-20b"
    MODEL_REASONING_EFFORT = "low"
    INPUT_TOKEN_BUDGET     = "2048"
    RATE_LIMIT_MESSAGES    = "5"
    RATE_LIMIT_WINDOW      = "1 s"
    TELEGRAM_API_BASE      = "https://api.telegram.org"
  }
  secrets = merge(
    var.region_secrets,
    var.channel_secrets,
    # The key of every keyed hash of a user, chat or message id (docs/SECURITY.md: rotation).
    { KEY_SECRET = random_password.key_secret.result },
    var.key_secret_previous != "" ? { KEY_SECRET_PREVIOUS = var.key_secret_previous } : {},
  )
}

# Made once and kept in the state; `terraform apply -replace=module.edge.random_password.key_secret`
# rotates it (set key_secret_previous to the old value first: docs/SECURITY.md).
resource "random_password" "key_secret" {
  length  = 64
  special = false
}

resource "cloudflare_workers_kv_namespace" "faq" {
  account_id = var.cloudflare_account_id
  title      = "${local.script_name}-faq"
}

resource "cloudflare_workers_kv_namespace" "region_pins" {
  account_id = var.cloudflare_account_id
  title      = "${local.script_name}-region-pins"
}

resource "cloudflare_queue" "messages" {
  account_id = var.cloudflare_account_id
  queue_name = local.queue_name
}

resource "cloudflare_queue" "dead_letters" {
  account_id = var.cloudflare_account_id
  queue_name = "${local.queue_name}-dlq"
}

resource "cloudflare_workers_script" "edge" {
  account_id         = var.cloudflare_account_id
  script_name        = local.script_name
  content            = file(var.bundle_path)
  main_module        = "index.js"
  compatibility_date = var.compatibility_date
  # As wrangler.jsonc: node:crypto for the keyed hashes.
  compatibility_flags = ["nodejs_compat"]

  bindings = concat(
    [
      { type = "kv_namespace", name = "FAQ", namespace_id = cloudflare_workers_kv_namespace.faq.id },
      { type = "kv_namespace", name = "REGION_PINS", namespace_id = cloudflare_workers_kv_namespace.region_pins.id },
      { type = "queue", name = "MESSAGES", queue_name = cloudflare_queue.messages.queue_name },
      { type = "durable_object_namespace", name = "WEBCHAT", class_name = "WebChatRoom" },
      { type = "durable_object_namespace", name = "REMINDERS", class_name = "UserReminders" },
      { type = "durable_object_namespace", name = "INBOX", class_name = "ChatInbox" },
      { type = "analytics_engine", name = "METRICS", dataset = "gateway_messages_${var.environment}" },
      # Per network, as wrangler.jsonc: new web chat sessions and web chat messages a minute.
      { type = "ratelimit", name = "WEBCHAT_SESSIONS", namespace_id = var.environment == "production" ? "3001" : "2001", simple = { limit = 10, period = 60 } },
      { type = "ratelimit", name = "WEBCHAT_MESSAGES", namespace_id = var.environment == "production" ? "3002" : "2002", simple = { limit = 60, period = 60 } },
    ],
    [for name, text in local.plain_vars : { type = "plain_text", name = name, text = text }],
    [for name in nonsensitive(keys(local.secrets)) : { type = "secret_text", name = name, text = local.secrets[name] }],
  )

  # The same history as wrangler.jsonc's migrations: v1 web chat conversations, v2 reminders,
  # v3 messenger inboxes, v4 the web chat's class renamed.
  migrations = {
    new_tag = "v4"
    steps = [
      { new_sqlite_classes = ["ChatConversation"] },
      { new_sqlite_classes = ["UserReminders"] },
      { new_sqlite_classes = ["ChatInbox"] },
      { renamed_classes = [{ from = "ChatConversation", to = "WebChatRoom" }] },
    ]
  }
}

resource "cloudflare_queue_consumer" "messages" {
  account_id        = var.cloudflare_account_id
  queue_id          = cloudflare_queue.messages.queue_id
  script_name       = cloudflare_workers_script.edge.script_name
  type              = "worker"
  dead_letter_queue = cloudflare_queue.dead_letters.queue_name
  settings = {
    batch_size       = 100
    max_retries      = 5
    max_wait_time_ms = 0 # a person is waiting: no batching delay
  }
}

resource "cloudflare_queue_consumer" "dead_letters" {
  account_id  = var.cloudflare_account_id
  queue_id    = cloudflare_queue.dead_letters.queue_id
  script_name = cloudflare_workers_script.edge.script_name
  type        = "worker"
  settings = {
    batch_size       = 10
    max_retries      = 10
    max_wait_time_ms = 1000
  }
}

resource "cloudflare_workers_custom_domain" "edge" {
  account_id = var.cloudflare_account_id
  zone_id    = var.cloudflare_zone_id
  hostname   = var.hostname
  service    = cloudflare_workers_script.edge.script_name
}
