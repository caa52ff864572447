output "kv_faq_id" {
  description = "Id of the FAQ namespace (wrangler.jsonc: FAQ)."
  value       = cloudflare_workers_kv_namespace.faq.id
}

output "kv_region_pins_id" {
  description = "Id of the region pins namespace (wrangler.jsonc: REGION_PINS)."
  value       = cloudflare_workers_kv_namespace.region_pins.id
}

output "script_name" {
  description = "Name of the Worker."
  value       = cloudflare_workers_script.edge.script_name
}

output "key_secret" {
  description = "The Worker's KEY_SECRET (read before rotating it: docs/SECURITY.md)."
  value       = random_password.key_secret.result
  sensitive   = true
}
