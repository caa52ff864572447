# What one environment is (staging or production: terraform/environments/<env> applies this file, with
# its own state). Every region of infra/regions.json, the file the compliance officer edits, gets an
# autoscaled GPU pool for each version of its model (models.versions) and its Upstash database in the
# places that file names; the edge gets its KV namespaces, queues, KEY_SECRET and the log archive.
# The Worker itself (code, bindings, secrets, hostname) is uploaded by `npm run deploy` with
# wrangler, from wrangler.jsonc and this configuration's outputs. Adding a region is an edit of
# regions.json, and its address ranges in origin_network_ranges (variables.tf); adding a version of a
# region's model is an edit of regions.json, and a build of its boot image (gpu_image_family).

locals {
  region_file = jsondecode(file("${path.module}/../../../infra/regions.json"))
  regions     = local.region_file.regions
  # What a region without `models` serves (edge/core/region-policy.ts's default, which the edge applies
  # too): v1, the weights and vLLM release the servers have always run.
  default_models = {
    stable = "v1"
    versions = {
      v1 = {
        weights      = { repository = "openai/gpt-oss-20b", revision = "d666cf3b67006cf8227666739edf25164aaffdeb" }
        vllm         = "vllm/vllm-openai:v0.33.0"
        serveFlags   = "serve-flags.txt"
        systemPrompt = "default"
      }
    }
  }
  models = { for id, r in local.regions : id => try(r.models, local.default_models) }
  # One pool per version of each region's model, keyed "<region>-<version>": the edge splits chats
  # between a region's versions during a rollout (ORIGIN_URL_<R>_<V>). A version's own pool size
  # (models.versions.<v>.pool, e.g. a canary's, smaller) stands for the region's origins.pool; its
  # autoscaling targets are the region's. A staging pool may be held small (max_servers_override);
  # its minimum is then lowered to it.
  pools = merge([
    for id, r in local.regions : {
      for name, v in local.models[id].versions : "${id}-${name}" => {
        region         = id
        version        = name
        model          = v.weights.repository
        model_revision = v.weights.revision
        vllm_image     = v.vllm
        serve_flags    = v.serveFlags
        min_servers    = try(v.pool.minServers, r.origins.pool.minServers)
        max_servers    = coalesce(var.max_servers_override, try(v.pool.maxServers, r.origins.pool.maxServers))
      }
    }
  ]...)
}

# The environment's network for the GPU pools: each region adds its own subnets (in its location), so a
# Prometheus in this network, or connected to it, reaches every region's servers at their internal
# addresses. A network of its own rather than the project's default one: no default firewall rules,
# no subnets in regions the pools do not use, and address ranges this configuration chooses.
resource "google_compute_network" "origins" {
  name                    = "${var.environment}-gpu-origins"
  auto_create_subnetworks = false
}

# What a region's pools share: its subnets and firewall rules, the servers' identity, the bearer key.
module "gpu_region" {
  source   = "../../modules/gpu-region"
  for_each = local.regions

  environment      = var.environment
  region_id        = each.key
  location         = each.value.origins.location
  network          = google_compute_network.origins.id
  network_ranges   = var.origin_network_ranges[each.key]
  monitoring_cidrs = var.monitoring_cidrs
  api_key_version  = var.origin_api_key_version
}

# Each version's pool: its servers boot the newest image of <gpu_image_family>-<version> (or the one
# gpu_images pins), which must carry the version's vLLM release and weights; they run them with the
# version's serve flags (a file of gpu-origin/).
module "gpu_origin" {
  source   = "../../modules/gpu-origin"
  for_each = local.pools

  environment           = var.environment
  region_id             = each.value.region
  model_version         = each.value.version
  location              = local.regions[each.value.region].origins.location
  zones                 = local.regions[each.value.region].origins.zones
  min_servers           = min(each.value.min_servers, each.value.max_servers)
  max_servers           = each.value.max_servers
  target_queue_load     = local.regions[each.value.region].origins.pool.target.queueLoad
  target_kv_cache_usage = local.regions[each.value.region].origins.pool.target.kvCacheUsage
  boot_seconds          = var.gpu_boot_seconds
  network               = module.gpu_region[each.value.region].network
  subnetwork            = module.gpu_region[each.value.region].subnetwork
  tag                   = module.gpu_region[each.value.region].tag
  metrics_port          = module.gpu_region[each.value.region].metrics_port
  service_account       = module.gpu_region[each.value.region].service_account
  api_key_secret_id     = module.gpu_region[each.value.region].api_key_secret_id
  image_family          = "${var.gpu_image_family}-${each.value.version}"
  image_name            = lookup(var.gpu_images, each.key, null)
  vllm_image            = each.value.vllm_image
  model                 = each.value.model
  model_revision        = each.value.model_revision
  serve_flags           = file("${path.module}/../../../gpu-origin/${each.value.serve_flags}")
  cloudflare_zone_id    = var.cloudflare_zone_id
  origin_domain         = var.origin_domain
}

locals {
  # Each region's pools' URLs, by version; the stable version's is also the region's ORIGIN_URL_<R>.
  origin_urls = {
    for id, m in local.models : id => { for name, _ in m.versions : name => module.gpu_origin["${id}-${name}"].url }
  }
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
