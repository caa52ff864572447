output "urls" {
  description = "The origins' base URLs, in order; the edge calls <url>/v1."
  value       = [for h in local.hosts : "https://${h}"]
}

output "api_key_secret" {
  description = "Secret Manager secret holding the bearer key the origins' proxy requires on /v1 (ORIGIN_API_KEY_<R>)."
  value       = module.api_key.id
}

output "instances" {
  description = "The VMs: name, zone and address."
  value = [for i, inst in google_compute_instance.origin : {
    name    = inst.name
    zone    = inst.zone
    address = google_compute_address.origin[i].address
  }]
}
