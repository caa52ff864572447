variable "environment" {
  description = "staging or production."
  type        = string
}

variable "region_id" {
  description = "Region id of regions.json (eu, us, apac)."
  type        = string
}

variable "model_version" {
  description = "The version of the region's model this pool serves: a name of regions.json's models.versions (1–8 lower-case letters and digits), part of the pool's names, labels and DNS name."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,7}$", var.model_version))
    error_message = "model_version is 1–8 lower-case letters and digits, starting with a letter."
  }
}

variable "location" {
  description = "GCP region of the pool: regions.json's origins.location (e.g. europe-west4)."
  type        = string
}

variable "zones" {
  description = "Zones of the location the pool's servers are spread over: regions.json's origins.zones (each must offer A100s)."
  type        = list(string)
  validation {
    condition     = length(var.zones) > 0 && alltrue([for z in var.zones : startswith(z, "${var.location}-")])
    error_message = "zones are zones of the pool's location."
  }
}

variable "min_servers" {
  description = "Servers always running: the version's pool.minServers in regions.json, else the region's origins.pool.minServers."
  type        = number
  # The autoscaler sizes the pool from its servers' own metrics: with no server there is no metric,
  # and the pool could never grow again.
  validation {
    condition     = var.min_servers >= 1
    error_message = "a pool scaled on its servers' own metrics needs at least one server (minServers >= 1)."
  }
}

variable "max_servers" {
  description = "The most servers the autoscaler may run (the spend cap): the version's pool.maxServers in regions.json, else the region's origins.pool.maxServers."
  type        = number
  validation {
    condition     = var.max_servers >= var.min_servers
    error_message = "max_servers is at least min_servers."
  }
}

variable "target_queue_load" {
  description = "Queue load per server the autoscaler keeps on average: regions.json's origins.pool.target.queueLoad."
  type        = number
}

variable "target_kv_cache_usage" {
  description = "KV-cache usage per server (0–1) the autoscaler keeps on average: regions.json's origins.pool.target.kvCacheUsage."
  type        = number
}

variable "boot_seconds" {
  description = "Seconds from a server's creation to its first ready answer: the autoscaler's initialization period, and half the auto-healing delay."
  type        = number
  validation {
    condition     = var.boot_seconds >= 300
    error_message = "boot_seconds is at least 300: a server loads vLLM and the weights and answers a completion first."
  }
}

variable "network" {
  description = "The environment's network (id), once the region's proxy-only subnet is in it (gpu-region's network output)."
  type        = string
}

variable "subnetwork" {
  description = "The region's servers' subnet (id; gpu-region)."
  type        = string
}

variable "tag" {
  description = "Network tag of the region's servers, which its firewall rules target (gpu-region)."
  type        = string
}

variable "metrics_port" {
  description = "The servers' monitoring port, open to the monitoring networks (gpu-region)."
  type        = number
}

variable "service_account" {
  description = "The region's servers' identity (email; gpu-region): it reads the region's key and this pool's TLS key, and writes metrics and logs."
  type        = string
}

variable "api_key_secret_id" {
  description = "Name of the Secret Manager secret holding the region's bearer key (gpu-region), which the servers read at boot."
  type        = string
}

variable "image_family" {
  description = "Image family of the version's boot image (gpu-origin/image/build.sh): <gpu_image_family>-<version>; its newest image is used unless image_name pins one."
  type        = string
}

variable "image_name" {
  description = "One image of the family to boot instead of the newest (a pin, e.g. to roll back); null for the newest."
  type        = string
}

variable "vllm_image" {
  description = "The version's pinned vLLM server image (regions.json's vllm); the boot image must carry it (the servers cannot pull)."
  type        = string
}

variable "model" {
  description = "The version's weights: a Hugging Face repository (regions.json's weights.repository); the boot image must carry them."
  type        = string
}

variable "model_revision" {
  description = "The revision of those weights (regions.json's weights.revision) the boot image was built with (its model-revision label)."
  type        = string
}

variable "serve_flags" {
  description = "The version's `vllm serve` flags: the content of its file of gpu-origin/ (regions.json's serveFlags), given to the servers as metadata."
  type        = string
}

variable "cloudflare_zone_id" {
  description = "Zone of the pool's DNS name."
  type        = string
}

variable "origin_domain" {
  description = "Domain of the pool's DNS name: pool-<region>-<version>.<origin_domain>."
  type        = string
}
