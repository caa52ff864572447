output "url" {
  description = "The pool's base URL; the edge calls <url>/v1 (ORIGIN_URL_<R>_<V>; ORIGIN_URL_<R> for the stable version)."
  value       = "https://${local.host}"
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
    metrics_port = var.metrics_port
  }
}
