output "edge" {
  description = "What wrangler.jsonc's environment needs (`npm run deploy` fills it in): KV namespace ids per environment."
  value = {
    (var.environment) = {
      kv_faq_id         = module.edge.kv_faq_id
      kv_region_pins_id = module.edge.kv_region_pins_id
    }
  }
}

output "worker_secrets" {
  description = "The Worker's per-region settings (ORIGIN_URL_<R>, UPSTASH_REDIS_REST_URL_<R>, UPSTASH_REDIS_REST_TOKEN_<R>) for every region of regions.json; `npm run deploy` uploads them as secrets."
  sensitive   = true
  value = merge([
    for id, _ in local.regions : {
      "ORIGIN_URL_${upper(id)}"               = join(",", module.gpu_origin[id].urls)
      "UPSTASH_REDIS_REST_URL_${upper(id)}"   = module.upstash[id].rest_url
      "UPSTASH_REDIS_REST_TOKEN_${upper(id)}" = module.upstash[id].rest_token
    }
  ]...)
}

output "worker_secret_refs" {
  description = "Worker secrets kept in Secret Manager (never in this state): name → secret. `npm run deploy` reads their latest version (and KEY_SECRET's one before, as KEY_SECRET_PREVIOUS, while it is enabled)."
  value = merge(
    { for id, _ in local.regions : "ORIGIN_API_KEY_${upper(id)}" => module.gpu_origin[id].api_key_secret },
    { KEY_SECRET = module.edge.key_secret_secret },
  )
}

output "origin_metrics_targets" {
  description = "Prometheus file_sd targets of every origin's metrics port (infra/observability: `npm run deploy` writes them to targets/<env>.json)."
  value = flatten([
    for id, m in module.gpu_origin : [
      for inst in m.instances : {
        targets = ["${inst.address}:9443"]
        labels  = { region = id, origin = inst.name, environment = var.environment }
      }
    ]
  ])
}

output "origins" {
  description = "Each region's origin URLs."
  value       = { for id, m in module.gpu_origin : id => m.urls }
}

output "origin_instances" {
  description = "GPU VMs per region: name, zone and address, for rolling a vLLM release."
  value       = { for id, m in module.gpu_origin : id => m.instances }
}

output "databases" {
  description = "Each region's Upstash database and where it lives."
  value       = { for id, m in module.upstash : id => { name = m.name, location = m.location } }
}

output "logs_bucket" {
  description = "Where the Worker's logs are archived, for regions.json's logs.retentionDays."
  value       = module.edge.logs_bucket
}
