variable "environment" {
  description = "staging or production."
  type        = string
}

variable "region_id" {
  description = "Region id of regions.json (eu, us, apac)."
  type        = string
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
  description = "Servers always running: regions.json's origins.pool.minServers."
  type        = number
  # The autoscaler sizes the pool from its servers' own metrics: with no server there is no metric,
  # and the pool could never grow again.
  validation {
    condition     = var.min_servers >= 1
    error_message = "a pool scaled on its servers' own metrics needs at least one server (minServers >= 1)."
  }
}

variable "max_servers" {
  description = "The most servers the autoscaler may run (the spend cap): regions.json's origins.pool.maxServers."
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
  description = "The environment's network (id), in which the region gets its subnets."
  type        = string
}

variable "network_ranges" {
  description = "This region's address ranges in the network: servers (the servers' subnet) and proxy_only (the load balancer's proxies, /26 or larger)."
  type        = object({ servers = string, proxy_only = string })
}

variable "image_family" {
  description = "Image family of the servers' boot image (gpu-origin/image/build.sh); its newest image is used unless image_name pins one."
  type        = string
}

variable "image_name" {
  description = "One image of the family to boot instead of the newest (a pin, e.g. to roll back); null for the newest."
  type        = string
}

variable "vllm_image" {
  description = "Pinned vLLM server image; the boot image must carry it (the servers cannot pull)."
  type        = string
}

variable "model" {
  description = "Model to serve."
  type        = string
}

variable "monitoring_cidrs" {
  description = "Sources allowed on the metrics port (9443), inside the network or connected to it."
  type        = list(string)
}

variable "cloudflare_zone_id" {
  description = "Zone of the pool's DNS name."
  type        = string
}

variable "origin_domain" {
  description = "Domain of the pool's DNS name: pool-<region>.<origin_domain>."
  type        = string
}

variable "api_key_version" {
  description = "Version of the servers' bearer key; raising it writes a new key (rotation)."
  type        = number
}
