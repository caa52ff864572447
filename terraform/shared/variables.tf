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
  description = "Image family of the GPU servers' boot image, built in gcp_project by gpu-origin/image/build.sh (a Deep Learning VM image with vLLM, the weights, Caddy, Node and the agent baked in). A new build reaches the servers at the next apply, rolled over each pool."
  type        = string
  default     = "gpu-origin-vllm"
}

variable "gpu_image" {
  description = "One image of gpu_image_family to boot instead of its newest (e.g. to roll back, or to hold a pool while a new build is tried in staging); null boots the newest."
  type        = string
  default     = null
}

variable "vllm_image" {
  description = "Pinned vLLM server image. The boot image must carry it (the servers cannot reach a registry): build the image for it first (gpu-origin/image/build.sh), then apply."
  type        = string
  default     = "vllm/vllm-openai:v0.33.0"
}

variable "model" {
  description = "Model every server serves."
  type        = string
  default     = "openai/gpt-oss-20b"
}

variable "max_servers_override" {
  description = "At most this many servers per region instead of regions.json's origins.pool.maxServers (minServers lowered to it when above), e.g. 1 in staging to save GPU hours, 2 to watch the autoscaler work; null keeps the file's pools."
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
  description = "Per region of regions.json, its address ranges in the environment's GPU network: servers (its servers' subnet) and proxy_only (its load balancer's proxies; Google advises a /23). Ranges must not overlap, nor those of networks connected to it (the monitoring network)."
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
  description = "Domain under which each region's GPU pool gets its proxied name: pool-<region>.<origin_domain>."
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
