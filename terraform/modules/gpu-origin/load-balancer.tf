# The pool's one address: a regional external Application Load Balancer in var.location (its proxies
# run in the region: on Google's side an EU user's request is decrypted and routed only in the EU), in
# front of the group, under a proxied Cloudflare name. Cloudflare connects to it with the Origin CA
# certificate.

# Which server answers: a consistent hash of the edge's x-chat-affinity header (a keyed digest of the
# chat, never the chat itself), so a conversation returns to the server whose prefix cache holds it,
# and adding or removing one of N servers moves only about 1/N of the chats. On a 429 the edge salts
# the key (`<key>.1`, `<key>.2`) to land on another point of the ring, usually another server.
# (Google's guide to regional traffic management treats the regional external and internal
# Application Load Balancers alike but for the scheme; the API reference still names only
# INTERNAL_MANAGED for a regional consistent hash. The first apply in staging settles it.)
resource "google_compute_region_backend_service" "pool" {
  name                  = local.name
  region                = var.location
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS" # to Caddy, which keeps its Origin CA certificate
  port_name             = "https"
  health_checks         = [google_compute_region_health_check.ready.id]

  locality_lb_policy = "RING_HASH"
  session_affinity   = "HEADER_FIELD"
  consistent_hash {
    http_header_name = "x-chat-affinity"
  }

  # A removed server (scale-in, rollout, repair) gets no new request and this long to finish the ones
  # it streams: the longest reply is the edge's MODEL_TIMEOUT_MS (60 s), with room for a slow one.
  connection_draining_timeout_sec = 300
  # The longest a request may take, streamed reply included; the edge gives up long before.
  timeout_sec = 600

  backend {
    group           = google_compute_region_instance_group_manager.pool.instance_group
    balancing_mode  = "UTILIZATION"
    capacity_scaler = 1.0
  }
}

resource "google_compute_region_url_map" "pool" {
  name            = local.name
  region          = var.location
  default_service = google_compute_region_backend_service.pool.id
}

resource "google_compute_region_ssl_certificate" "pool" {
  name_prefix = "${local.name}-"
  region      = var.location
  certificate = cloudflare_origin_ca_certificate.origin.certificate
  private_key = tls_private_key.origin.private_key_pem

  # The proxy refers to it: a renewed certificate exists before the old one goes.
  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_region_target_https_proxy" "pool" {
  name             = local.name
  region           = var.location
  url_map          = google_compute_region_url_map.pool.id
  ssl_certificates = [google_compute_region_ssl_certificate.pool.id]
}

# Standard Tier: a regional external Application Load Balancer's address is regional, and traffic to
# it enters Google's network in the region rather than at the nearest edge.
resource "google_compute_address" "pool" {
  name         = local.name
  region       = var.location
  address_type = "EXTERNAL"
  network_tier = "STANDARD"
}

resource "google_compute_forwarding_rule" "pool" {
  name                  = local.name
  region                = var.location
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_protocol           = "TCP"
  port_range            = "443"
  ip_address            = google_compute_address.pool.address
  network               = var.network
  network_tier          = "STANDARD"
  target                = google_compute_region_target_https_proxy.pool.id
  # (The proxies take their addresses from the region's proxy-only subnet: var.network comes from
  # the region's module once that subnet exists.)
}

# Proxied: the edge (a Worker) calls it through Cloudflare, whose Full (strict) TLS trusts the Origin
# CA certificate. The load balancer's address is open to the internet (a regional Cloud Armor policy
# on it needs the google-beta provider at 6.50); the bearer key on /v1 is what guards the servers.
resource "cloudflare_dns_record" "pool" {
  zone_id = var.cloudflare_zone_id
  name    = local.host
  type    = "A"
  content = google_compute_address.pool.address
  proxied = true
  ttl     = 1
}
