# The region's two subnets of the environment's network (terraform/shared/main.tf makes the network),
# shared by every pool of the region, and what may reach the servers.

locals {
  # Where Google's health checkers probe from (auto-healing and the load balancer's checks alike).
  health_check_ranges = ["35.191.0.0/16", "130.211.0.0/22"]
  # Caddy's monitoring side (gpu-origin/Caddyfile); Prometheus discovers the servers and scrapes it.
  metrics_port = 9443
}

# The servers have no external address: the image carries vLLM, the weights and everything else a
# boot needs, so the only calls out are to Google's APIs (Secret Manager, Cloud Monitoring, Logging),
# which Private Google Access reaches from internal addresses. Nothing on the servers can reach the
# internet, and nothing on the internet can reach them except through the load balancer.
resource "google_compute_subnetwork" "servers" {
  name                     = "${local.name}-servers"
  region                   = var.location
  network                  = var.network
  ip_cidr_range            = var.network_ranges.servers
  private_ip_google_access = true
}

# The load balancers' Envoy proxies run in this region and take their addresses from here; every
# regional Envoy load balancer of this network in this region shares it (one per region and network),
# so each version's pool's load balancer does.
resource "google_compute_subnetwork" "proxy_only" {
  name          = "${local.name}-proxy-only"
  region        = var.location
  network       = var.network
  ip_cidr_range = var.network_ranges.proxy_only
  purpose       = "REGIONAL_MANAGED_PROXY"
  role          = "ACTIVE"
}

# 443 (Caddy: /v1 with the key, /ready) only from the load balancers' proxies and Google's health
# checkers: Cloudflare reaches the servers through a pool's load balancer, never directly.
resource "google_compute_firewall" "https_from_load_balancer" {
  name          = "${local.name}-https"
  network       = var.network
  direction     = "INGRESS"
  source_ranges = concat([google_compute_subnetwork.proxy_only.ip_cidr_range], local.health_check_ranges)
  target_tags   = [local.tag]
  allow {
    protocol = "tcp"
    ports    = ["443"]
  }
}

# 9443 (vLLM's /metrics, /health, the agent's /agent-metrics) only from the monitoring networks, which
# reach the servers' internal addresses (a Prometheus in this network, or one peered or connected to it).
resource "google_compute_firewall" "metrics_from_monitoring" {
  count         = length(var.monitoring_cidrs) > 0 ? 1 : 0
  name          = "${local.name}-metrics"
  network       = var.network
  direction     = "INGRESS"
  source_ranges = var.monitoring_cidrs
  target_tags   = [local.tag]
  allow {
    protocol = "tcp"
    ports    = [tostring(local.metrics_port)]
  }
}
