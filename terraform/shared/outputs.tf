output "edge" {
  description = "What wrangler.jsonc's environment needs (`npm run deploy` fills it in): KV namespace ids per environment."
  value = {
    (var.environment) = {
      kv_faq_id         = module.edge.kv_faq_id
      kv_region_pins_id = module.edge.kv_region_pins_id
      kv_rollouts_id    = module.edge.kv_rollouts_id
    }
  }
}

output "worker_secrets" {
  description = "The Worker's per-region settings for every region of regions.json; `npm run deploy` uploads them as secrets: ORIGIN_URL_<R>_<V> (the pool of version V of the region's model, one URL each), ORIGIN_URL_<R> (the pool of the version regions.json names stable), UPSTASH_REDIS_REST_URL_<R>, UPSTASH_REDIS_REST_TOKEN_<R>."
  sensitive   = true
  value = merge([
    for id, m in local.models : merge(
      {
        "ORIGIN_URL_${upper(id)}"               = local.origin_urls[id][m.stable]
        "UPSTASH_REDIS_REST_URL_${upper(id)}"   = module.upstash[id].rest_url
        "UPSTASH_REDIS_REST_TOKEN_${upper(id)}" = module.upstash[id].rest_token
      },
      { for name, url in local.origin_urls[id] : "ORIGIN_URL_${upper(id)}_${upper(name)}" => url },
    )
  ]...)
}

output "worker_secret_refs" {
  description = "Worker secrets kept in Secret Manager (never in this state): name → secret. `npm run deploy` reads their latest version (and KEY_SECRET's one before, as KEY_SECRET_PREVIOUS, while it is enabled)."
  value = merge(
    { for id, _ in local.regions : "ORIGIN_API_KEY_${upper(id)}" => module.gpu_region[id].api_key_secret },
    { KEY_SECRET = module.edge.key_secret_secret },
  )
}

output "origin_urls" {
  description = "Each region's GPU pools' URLs, by version of its model: { region → { version → URL } } (ORIGIN_URL_<R>_<V>)."
  value       = local.origin_urls
}

output "origin_pools" {
  description = "Each GPU pool (\"<region>-<version>\": a version of a region's model): its region and version, its URL, where it runs, its managed instance group, and what Prometheus needs to discover its servers (project, zones, the labels each server carries, the metrics port). `npm run deploy` writes the Prometheus scrape configuration from it to infra/observability/targets/<env>.json."
  value = {
    for key, m in module.gpu_origin : key => merge(m.servers, {
      region         = local.pools[key].region
      version        = local.pools[key].version
      url            = m.url
      location       = local.regions[local.pools[key].region].origins.location
      instance_group = m.instance_group
    })
  }
}

output "databases" {
  description = "Each region's Upstash database, where it lives, and its monthly budget (USD)."
  value = {
    for id, m in module.upstash : id => { name = m.name, location = m.location, monthly_budget = local.upstash_monthly_budget }
  }
}

output "logs_bucket" {
  description = "Where the Worker's logs are archived, for regions.json's logs.retentionDays."
  value       = module.edge.logs_bucket
}
