output "id" {
  description = "The secret's resource id (projects/…/secrets/…)."
  value       = google_secret_manager_secret.this.id
}

output "secret_id" {
  description = "The secret's name."
  value       = google_secret_manager_secret.this.secret_id
}
