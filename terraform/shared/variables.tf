variable "environment" {
  description = "Deployment environment: staging or production. Names every resource and selects the wrangler.jsonc environment."
  type        = string
  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment is staging or production."
  }
}

variable "gcp_project" {
  description = "GCP project that runs the GPU origins."
  type        = string
}

variable "gpu_zone_suffixes" {
  description = "Zones tried for A2 capacity within each region's location, in order (europe-west4-a, -b, …). Origins of a region are spread over them."
  type        = list(string)
  default     = ["a", "b", "c"]
}

variable "gpu_image" {
  description = "Boot image of the GPU VMs: a Deep Learning VM image with the NVIDIA driver and Docker (family, or a pinned image for reproducible rollouts)."
  type        = string
  default     = "projects/deeplearning-platform-release/global/images/family/common-cu128-ubuntu-2204-nvidia-570"
}

variable "vllm_image" {
  description = "Pinned vLLM server image. Roll a new release region by region (README: Rolling a vLLM release)."
  type        = string
  default     = "vllm/vllm-openai:v0.17.0"
}

variable "model" {
  description = "Model every origin serves."
  type        = string
  default     = "openai/gpt-oss-20b"
}

variable "origins_per_region_override" {
  description = "Origins per region instead of regions.json's origins.count (e.g. 1 in staging to save GPU hours); null keeps the file's counts."
  type        = number
  default     = null
}

variable "monitoring_cidrs" {
  description = "Networks allowed to scrape the origins' metrics port (Prometheus). Never the public internet."
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
  description = "Domain under which origins get proxied names: origin-<region><n>.<origin_domain>."
  type        = string
}

variable "origin_api_key_version" {
  description = "Version of the origins' bearer key. The key is made ephemerally and written to Secret Manager write-only (never to the state); raise this number to rotate it, then `npm run deploy` gives the Worker the new one."
  type        = number
  default     = 1
}

variable "key_secret_version" {
  description = "Version of the edge's KEY_SECRET (the key of every keyed hash of a user id). Made ephemerally and written to Secret Manager write-only; raise it to rotate (docs/SECURITY.md: the deploy sets the one before as KEY_SECRET_PREVIOUS while it is enabled)."
  type        = number
  default     = 1
}

variable "upstash_monthly_budget" {
  description = "Monthly budget of each region's Upstash database, USD. Upstash throttles a database that reaches it: set it well above a month's expected use."
  type        = number
  default     = 200
}
