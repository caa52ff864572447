# A region's Redis database, in that region: conversations, rate limits, breakers and delivery
# records of the region's users live here and nowhere else. (Its REST token is a value the provider
# computes: it is in the state, which is why the state lives in a locked bucket: terraform/bootstrap.)
resource "upstash_redis_database" "region" {
  database_name  = "${var.environment}-gateway-${var.region_id}"
  region         = "global"
  primary_region = var.location
  tls            = true
  eviction       = false
  # Upstash throttles a database that reaches its budget (20 USD a month unless set).
  budget = var.monthly_budget
}
