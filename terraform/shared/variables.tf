variable "environment" {
  description = "Deployment environment: staging or production. Names every resource and selects the wrangler.jsonc environment."
  type        = string
  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment is staging or production."
  }
}

variable "gcp_project" {
  description = "GCP project that runs the GPU pools (and holds their boot image)."
  type        = string
}

variable "gpu_image_family" {
  description = "Prefix of the GPU servers' boot image families, built in gcp_project by gpu-origin/image/build.sh (a Deep Learning VM image with a version's vLLM release and weights, Caddy, Node and the agent baked in): version V of a region's model (regions.json's models.versions) boots the newest image of family <gpu_image_family>-<V> (build it with REGION=<region> VERSION=<V> gpu-origin/image/build.sh, which reads the version from regions.json). A version name means one build in every region that uses it: a plan stops when an image does not carry the version's vLLM release and weights. A new build reaches the servers at the next apply, rolled over each pool."
  type        = string
  default     = "gpu-origin-vllm"
}

variable "gpu_images" {
  description = "Per pool (\"<region>-<version>\", e.g. \"eu-v1\"), one image of its family to boot instead of the newest (e.g. to roll back, or to hold a pool while a new build is tried in staging); a pool not named boots the newest."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for pool in keys(var.gpu_images) : contains(keys(local.pools), pool)])
    error_message = "gpu_images names pools \"<region>-<version>\" of infra/regions.json's models."
  }
}

# Moved to infra/regions.json: set, they stop the plan rather than be silently ignored.
variable "gpu_image" {
  description = "Replaced by gpu_images (one pin per pool, \"<region>-<version>\"); must stay unset."
  type        = string
  default     = null
  validation {
    condition     = var.gpu_image == null
    error_message = "gpu_image is replaced by gpu_images: { \"<region>-<version>\" = \"<image>\" }, one pin per pool."
  }
}

variable "vllm_image" {
  description = "Replaced by regions.json's models.versions.<v>.vllm (each version its own vLLM release and pool); must stay unset."
  type        = string
  default     = null
  validation {
    condition     = var.vllm_image == null
    error_message = "vllm_image is now per model version: infra/regions.json's regions.<r>.models.versions.<v>.vllm."
  }
}

variable "model" {
  description = "Replaced by regions.json's models.versions.<v>.weights (repository and revision); must stay unset."
  type        = string
  default     = null
  validation {
    condition     = var.model == null
    error_message = "model is now per model version: infra/regions.json's regions.<r>.models.versions.<v>.weights."
  }
}

variable "max_servers_override" {
  description = "At most this many servers per pool (each version of each region's model) instead of regions.json's maxServers (minServers lowered to it when above), e.g. 1 in staging to save GPU hours, 2 to watch the autoscaler work; null keeps the file's pools."
  type        = number
  default     = null
  validation {
    condition     = var.max_servers_override == null || try(var.max_servers_override >= 1, false)
    error_message = "max_servers_override is null or at least 1."
  }
}

variable "gpu_boot_seconds" {
  description = "Seconds from a GPU server's creation to its first ready answer, at least 300; measure it (startup.sh logs each boot step and the total) and set it here (docs/CAPACITY.md estimates 110–240 s with the image's baked weights and compile cache). The autoscaler ignores a new server's metrics this long (a loading server reports an empty queue), and auto-healing recreates a server not ready after twice this."
  type        = number
  default     = 300
  validation {
    condition     = var.gpu_boot_seconds >= 300 && var.gpu_boot_seconds <= 1800
    error_message = "gpu_boot_seconds is between 300 and 1800."
  }
}

variable "origin_network_ranges" {
  description = "Per region of regions.json, its address ranges in the environment's GPU network: servers (the subnet of its servers, every version's pool's) and proxy_only (its load balancers' proxies; Google advises a /23). Ranges must not overlap, nor those of networks connected to it (the monitoring network)."
  type        = map(object({ servers = string, proxy_only = string }))
  default = {
    eu   = { servers = "10.64.0.0/22", proxy_only = "10.64.4.0/23" }
    us   = { servers = "10.65.0.0/22", proxy_only = "10.65.4.0/23" }
    apac = { servers = "10.66.0.0/22", proxy_only = "10.66.4.0/23" }
  }
  validation {
    condition     = alltrue([for id in keys(local.regions) : contains(keys(var.origin_network_ranges), id)])
    error_message = "origin_network_ranges needs ranges for every region of infra/regions.json."
  }
}

variable "monitoring_cidrs" {
  description = "Networks allowed to scrape the GPU servers' metrics port (9443) at their internal addresses: a Prometheus in the environment's GPU network, or in a network peered or connected to it. Never the public internet."
  type        = list(string)
  default     = []
}

variable "upstash_email" {
  description = "Upstash account email (management API)."
  type        = string
}

variable "upstash_api_key" {
  description = "Upstash management API key."
  type        = string
  sensitive   = true
}

variable "cloudflare_api_token" {
  description = "Cloudflare API token with Workers Scripts, Workers KV, Queues, DNS and SSL edit rights."
  type        = string
  sensitive   = true
}

variable "cloudflare_account_id" {
  description = "Cloudflare account that owns the Worker, its KV namespaces and queues."
  type        = string
}

variable "cloudflare_zone_id" {
  description = "Zone of origin_domain and edge_hostname."
  type        = string
}

variable "origin_domain" {
  description = "Domain under which each GPU pool (a version of a region's model) gets its proxied name: pool-<region>-<version>.<origin_domain>."
  type        = string
}

variable "origin_api_key_version" {
  description = "Version of the GPU servers' bearer key. The key is made ephemerally and written to Secret Manager write-only (never to the state); raise this number to rotate it, then `npm run deploy` gives the Worker the new one."
  type        = number
  default     = 1
}

variable "key_secret_version" {
  description = "Version of the edge's KEY_SECRET (the key of every keyed hash of a user id). Made ephemerally and written to Secret Manager write-only; raise it to rotate (docs/SECURITY.md: the deploy sets the one before as KEY_SECRET_PREVIOUS while it is enabled)."
  type        = number
  default     = 1
}

variable "expected_messages_per_month" {
  description = "Answered messages a month the busiest region's database must carry: each region's Upstash budget is sized from it (docs/COSTS.md). Upstash throttles or stops a database that reaches its budget, which is an outage: raise this before the traffic comes, and watch the UpstashBudgetNearlySpent alert."
  type        = number
  default     = 10000000
}

variable "upstash_commands_per_message" {
  description = "Billed Upstash commands per answered message (a script counts one plus each command it runs), as `npm run bench -- cost` measures it: 4.6 in its mix, about 2-3 in long conversations."
  type        = number
  default     = 5
}

variable "upstash_monthly_budget" {
  description = "Monthly budget of each region's Upstash database, USD, if set; by default three times what expected_messages_per_month costs at upstash_commands_per_message and 2 USD a million commands (and at least 20)."
  type        = number
  default     = null
  nullable    = true
}
