# What one environment is (staging or production: terraform/environments/<env> applies this file, with
# its own state). Every region of infra/regions.json, the file the compliance officer edits, gets its
# GPU origins and its Upstash database in the places that file names; the edge gets its KV namespaces,
# queues, KEY_SECRET and the log archive. The Worker itself (code, bindings, secrets, hostname) is
# uploaded by `npm run deploy` with wrangler, from wrangler.jsonc and this configuration's outputs.
# Adding a region is one edit of regions.json.

locals {
  region_file = jsondecode(file("${path.module}/../../../infra/regions.json"))
  regions     = local.region_file.regions
}

data "cloudflare_ip_ranges" "cloudflare" {}

module "gpu_origin" {
  source   = "../../modules/gpu-origin"
  for_each = local.regions

  environment        = var.environment
  region_id          = each.key
  location           = each.value.origins.location
  origin_count       = coalesce(var.origins_per_region_override, each.value.origins.count)
  zone_suffixes      = var.gpu_zone_suffixes
  image              = var.gpu_image
  vllm_image         = var.vllm_image
  model              = var.model
  allowed_cidrs      = data.cloudflare_ip_ranges.cloudflare.ipv4_cidrs
  monitoring_cidrs   = var.monitoring_cidrs
  cloudflare_zone_id = var.cloudflare_zone_id
  origin_domain      = var.origin_domain
  api_key_version    = var.origin_api_key_version
}

module "upstash" {
  source   = "../../modules/upstash"
  for_each = local.regions

  environment    = var.environment
  region_id      = each.key
  location       = each.value.database.location
  monthly_budget = var.upstash_monthly_budget
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
