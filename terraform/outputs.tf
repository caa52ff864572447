output "edge" {
  description = "What wrangler.jsonc's environment needs (npm run deploy:ids reads it): KV namespace ids per environment."
  value = {
    (var.environment) = {
      kv_faq_id         = module.edge.kv_faq_id
      kv_region_pins_id = module.edge.kv_region_pins_id
    }
  }
}

output "origins" {
  description = "Each region's origin URLs (also set as ORIGIN_URL_<R> on the Worker)."
  value       = { for id, m in module.gpu_origin : id => m.urls }
}

output "origin_instances" {
  description = "GPU VMs per region: name and zone, for rolling a vLLM release."
  value       = { for id, m in module.gpu_origin : id => m.instances }
}

output "databases" {
  description = "Each region's Upstash database and where it lives."
  value       = { for id, m in module.upstash : id => { name = m.name, location = m.location } }
}

output "edge_url" {
  description = "Where the webhooks, the web chat and the API answer."
  value       = "https://${var.edge_hostname}"
}

output "key_secret" {
  description = "The edge's KEY_SECRET, the key of its keyed hashes: needed only to rotate it (docs/SECURITY.md)."
  value       = module.edge.key_secret
  sensitive   = true
}
