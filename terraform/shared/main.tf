# What one environment is (staging or production: terraform/environments/<env> applies this file, with
# its own state). Every region of infra/regions.json, the file the compliance officer edits, gets its
# autoscaled GPU pool and its Upstash database in the places that file names; the edge gets its KV
# namespaces, queues, KEY_SECRET and the log archive. The Worker itself (code, bindings, secrets,
# hostname) is uploaded by `npm run deploy` with wrangler, from wrangler.jsonc and this
# configuration's outputs. Adding a region is an edit of regions.json, and its address ranges in
# origin_network_ranges (variables.tf).

locals {
  region_file = jsondecode(file("${path.module}/../../../infra/regions.json"))
  regions     = local.region_file.regions
  # A staging pool may be held small (max_servers_override); its minimum is then lowered to it.
  max_servers = { for id, r in local.regions : id => coalesce(var.max_servers_override, r.origins.pool.maxServers) }
}

# The environment's network for the GPU pools: each region adds its own subnets (in its location), so a
# Prometheus in this network, or connected to it, reaches every region's servers at their internal
# addresses. A network of its own rather than the project's default one: no default firewall rules,
# no subnets in regions the pools do not use, and address ranges this configuration chooses.
resource "google_compute_network" "origins" {
  name                    = "${var.environment}-gpu-origins"
  auto_create_subnetworks = false
}

module "gpu_origin" {
  source   = "../../modules/gpu-origin"
  for_each = local.regions

  environment           = var.environment
  region_id             = each.key
  location              = each.value.origins.location
  zones                 = each.value.origins.zones
  min_servers           = min(each.value.origins.pool.minServers, local.max_servers[each.key])
  max_servers           = local.max_servers[each.key]
  target_queue_load     = each.value.origins.pool.target.queueLoad
  target_kv_cache_usage = each.value.origins.pool.target.kvCacheUsage
  boot_seconds          = var.gpu_boot_seconds
  network               = google_compute_network.origins.id
  network_ranges        = var.origin_network_ranges[each.key]
  image_family          = var.gpu_image_family
  image_name            = var.gpu_image
  vllm_image            = var.vllm_image
  model                 = var.model
  monitoring_cidrs      = var.monitoring_cidrs
  cloudflare_zone_id    = var.cloudflare_zone_id
  origin_domain         = var.origin_domain
  api_key_version       = var.origin_api_key_version
}

# Each region's Upstash budget: three times what the expected month costs (pay as you go, 2 USD a
# million commands), since a database at its budget is throttled or stopped (docs/COSTS.md).
locals {
  upstash_monthly_budget = coalesce(
    var.upstash_monthly_budget,
    max(20, ceil(var.expected_messages_per_month * var.upstash_commands_per_message * 2 / 1000000 * 3)),
  )
}

module "upstash" {
  source   = "../../modules/upstash"
  for_each = local.regions

  environment    = var.environment
  region_id      = each.key
  location       = each.value.database.location
  monthly_budget = local.upstash_monthly_budget
}

module "edge" {
  source = "../../modules/edge"

  environment           = var.environment
  cloudflare_account_id = var.cloudflare_account_id
  # KEY_SECRET lives beside the default region's origins; the Worker's logs in the place and for the
  # time regions.json's "logs" states.
  secret_location     = local.regions[local.region_file.defaultRegion].origins.location
  key_secret_version  = var.key_secret_version
  logs_location       = local.region_file.logs.location
  logs_retention_days = local.region_file.logs.retentionDays
}
