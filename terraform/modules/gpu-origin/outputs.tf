output "url" {
  description = "The pool's base URL; the edge calls <url>/v1 (ORIGIN_URL_<R>)."
  value       = "https://${local.host}"
}

output "api_key_secret" {
  description = "Secret Manager secret holding the bearer key the servers require on /v1 (ORIGIN_API_KEY_<R>)."
  value       = module.api_key.id
}

output "instance_group" {
  description = "The managed instance group's name (gcloud compute instance-groups managed … --region <location>)."
  value       = google_compute_region_instance_group_manager.pool.name
}

output "servers" {
  description = "Where Prometheus finds the pool's servers: project, zones, the labels every server carries, the metrics port."
  value = {
    project      = google_compute_region_instance_group_manager.pool.project
    zones        = var.zones
    labels       = local.labels
    metrics_port = local.metrics_port
  }
}
