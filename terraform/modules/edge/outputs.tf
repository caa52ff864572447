output "kv_faq_id" {
  description = "Id of the FAQ namespace (wrangler.jsonc: FAQ)."
  value       = cloudflare_workers_kv_namespace.faq.id
}

output "kv_region_pins_id" {
  description = "Id of the region pins namespace (wrangler.jsonc: REGION_PINS)."
  value       = cloudflare_workers_kv_namespace.region_pins.id
}

output "kv_rollouts_id" {
  description = "Id of the model rollouts namespace (wrangler.jsonc: ROLLOUTS)."
  value       = cloudflare_workers_kv_namespace.rollouts.id
}

output "script_name" {
  description = "Name of the Worker the deploy uploads."
  value       = local.script_name
}

output "key_secret_secret" {
  description = "Secret Manager secret holding KEY_SECRET."
  value       = module.key_secret.id
}

output "logs_bucket" {
  description = "Where the Worker's logs are archived."
  value       = google_storage_bucket.logs.name
}
