variable "environment" {
  description = "staging or production."
  type        = string
}

variable "region_id" {
  description = "Region id of regions.json (eu, us, apac)."
  type        = string
}

variable "location" {
  description = "GCP region of the region's pools: regions.json's origins.location (e.g. europe-west4)."
  type        = string
}

variable "network" {
  description = "The environment's network (id), in which the region gets its subnets."
  type        = string
}

variable "network_ranges" {
  description = "This region's address ranges in the network: servers (the servers' subnet, shared by the region's pools) and proxy_only (the load balancers' proxies, /26 or larger)."
  type        = object({ servers = string, proxy_only = string })
}

variable "monitoring_cidrs" {
  description = "Sources allowed on the metrics port (9443), inside the network or connected to it."
  type        = list(string)
}

variable "api_key_version" {
  description = "Version of the servers' bearer key; raising it writes a new key (rotation)."
  type        = number
}
