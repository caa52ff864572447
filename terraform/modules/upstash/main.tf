# A region's Redis database, in that region: conversations, rate limits, breakers and delivery
# records of the region's users live here and nowhere else.
resource "upstash_redis_database" "region" {
  database_name  = "${var.environment}-gateway-${var.region_id}"
  region         = "global"
  primary_region = var.location
  tls            = true
  eviction       = false
}
