variable "environment" {
  description = "staging or production."
  type        = string
}

variable "region_id" {
  description = "Region id of regions.json (eu, us, apac)."
  type        = string
}

variable "location" {
  description = "GCP region of the origins: regions.json's origins.location (e.g. europe-west4)."
  type        = string
}

variable "origin_count" {
  description = "How many origins (one A100 each) the region gets."
  type        = number
}

variable "zone_suffixes" {
  description = "Zones within the location, used in turn."
  type        = list(string)
}

variable "image" {
  description = "Deep Learning VM boot image."
  type        = string
}

variable "vllm_image" {
  description = "Pinned vLLM image."
  type        = string
}

variable "model" {
  description = "Model to serve."
  type        = string
}

variable "allowed_cidrs" {
  description = "The only sources allowed on 443: Cloudflare's IPv4 ranges."
  type        = list(string)
}

variable "monitoring_cidrs" {
  description = "Sources allowed on the metrics port (9443)."
  type        = list(string)
}

variable "cloudflare_zone_id" {
  description = "Zone of the origins' DNS names."
  type        = string
}

variable "origin_domain" {
  description = "Domain of the origins' DNS names."
  type        = string
}

variable "api_key_version" {
  description = "Version of the origins' bearer key; raising it writes a new key (rotation)."
  type        = number
}
