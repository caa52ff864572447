# One root for one environment (staging or production). Every region of infra/regions.json, the file
# the compliance officer edits, gets its GPU origins and its Upstash database in the places that file
# names; the edge gets every region's settings. Adding a region is one edit of regions.json.

locals {
  region_file = jsondecode(file("${path.module}/../infra/regions.json"))
  regions     = local.region_file.regions
}

data "cloudflare_ip_ranges" "cloudflare" {}

module "gpu_origin" {
  source   = "./modules/gpu-origin"
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
}

module "upstash" {
  source   = "./modules/upstash"
  for_each = local.regions

  environment = var.environment
  region_id   = each.key
  location    = each.value.database.location
}

module "edge" {
  source = "./modules/edge"

  environment           = var.environment
  cloudflare_account_id = var.cloudflare_account_id
  cloudflare_zone_id    = var.cloudflare_zone_id
  hostname              = var.edge_hostname
  bundle_path           = var.edge_bundle_path
  compatibility_date    = var.compatibility_date

  # The edge's per-region settings (ORIGIN_URL_<R>, ORIGIN_API_KEY_<R>, UPSTASH_REDIS_REST_URL_<R>,
  # UPSTASH_REDIS_REST_TOKEN_<R>), for every region of regions.json.
  region_secrets = merge([
    for id, _ in local.regions : {
      "ORIGIN_URL_${upper(id)}"               = join(",", module.gpu_origin[id].urls)
      "ORIGIN_API_KEY_${upper(id)}"           = module.gpu_origin[id].api_key
      "UPSTASH_REDIS_REST_URL_${upper(id)}"   = module.upstash[id].rest_url
      "UPSTASH_REDIS_REST_TOKEN_${upper(id)}" = module.upstash[id].rest_token
    }
  ]...)
  channel_secrets     = var.channel_secrets
  key_secret_previous = var.key_secret_previous
}
