output "network" {
  description = "The environment's network, once the region's proxy-only subnet is in it: a pool's load balancer (its forwarding rule) needs that subnet first."
  value       = var.network
  depends_on  = [google_compute_subnetwork.proxy_only]
}

output "subnetwork" {
  description = "The region's servers' subnet (id), every pool's servers in it."
  value       = google_compute_subnetwork.servers.id
}

output "tag" {
  description = "The network tag every server of the region carries: the firewall rules' target."
  value       = local.tag
}

output "metrics_port" {
  description = "Where each server serves /metrics and /agent-metrics to the monitoring networks (Caddy's monitoring side)."
  value       = local.metrics_port
}

output "service_account" {
  description = "The servers' identity (email), once it may write metrics and logs and read the region's key."
  value       = google_service_account.origin.email
  depends_on  = [google_project_iam_member.origin, module.api_key]
}

output "api_key_secret_id" {
  description = "Name of the Secret Manager secret holding the bearer key (the servers' metadata names it)."
  value       = module.api_key.secret_id
}

output "api_key_secret" {
  description = "Secret Manager secret holding the bearer key the servers require on /v1 (ORIGIN_API_KEY_<R>)."
  value       = module.api_key.id
}
