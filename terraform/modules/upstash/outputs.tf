output "rest_url" {
  description = "UPSTASH_REDIS_REST_URL_<R> of the edge."
  value       = "https://${upstash_redis_database.region.endpoint}"
}

output "rest_token" {
  description = "UPSTASH_REDIS_REST_TOKEN_<R> of the edge."
  value       = upstash_redis_database.region.rest_token
  sensitive   = true
}

output "name" {
  description = "Database name."
  value       = upstash_redis_database.region.database_name
}

output "location" {
  description = "Where the data lives."
  value       = upstash_redis_database.region.primary_region
}
