output "urls" {
  description = "The origins' base URLs, in order; the edge calls <url>/v1."
  value       = [for h in local.hosts : "https://${h}"]
}

output "api_key" {
  description = "Bearer key the origins' proxy requires on /v1."
  value       = random_password.api_key.result
  sensitive   = true
}

output "instances" {
  description = "The VMs: name and zone."
  value       = [for i, inst in google_compute_instance.origin : { name = inst.name, zone = inst.zone }]
}
