# The group of servers, how it knows a server is ready, and what sizes it.

# Ready (gpu-origin: the agent's /ready through Caddy) is true only once a real chat completion has
# succeeded since vLLM started and again within the last minute, and false from the moment the server
# drains: the load balancer sends a server requests only while it is. Host is the pool's name.
resource "google_compute_region_health_check" "ready" {
  name                = "${local.name}-ready"
  region              = var.location
  check_interval_sec  = 5
  timeout_sec         = 5
  healthy_threshold   = 1
  unhealthy_threshold = 2
  https_health_check {
    port         = 443
    request_path = "/ready"
    host         = local.host
  }
}

# The same readiness, judged slowly, decides when the group recreates a server: a saturated server
# whose probe completion is late for a minute is busy, not broken, and recreating it would cost a
# boot while its users wait. Five minutes of failures (past the boot, see initial_delay_sec) is broken.
resource "google_compute_region_health_check" "autohealing" {
  name                = "${local.name}-autohealing"
  region              = var.location
  check_interval_sec  = 30
  timeout_sec         = 10
  healthy_threshold   = 1
  unhealthy_threshold = 10
  https_health_check {
    port         = 443
    request_path = "/ready"
    host         = local.host
  }
}

resource "google_compute_region_instance_group_manager" "pool" {
  name               = local.name
  region             = var.location
  base_instance_name = local.name

  # Only the zones regions.json lists (each offers A100s). BALANCED places a new server in a zone that
  # has an A100 to give, staying as even as it can: A100s run out zone by zone, and a pool that waited
  # for an even spread could not grow at all.
  distribution_policy_zones        = var.zones
  distribution_policy_target_shape = "BALANCED"

  version {
    name              = "primary"
    instance_template = google_compute_region_instance_template.server.self_link
  }

  named_port {
    name = "https"
    port = 443
  }

  auto_healing_policies {
    health_check = google_compute_region_health_check.autohealing.id
    # A failing check is ignored this long after a server is created: its boot (image, driver, weights,
    # compile, first completion) must not count as a failure.
    initial_delay_sec = min(2 * var.boot_seconds, 3600)
  }

  # A new template replaces servers by first adding new ones (as many at once as the pool has zones,
  # the least a regional group allows) and removing an old one only when a new one serves: a rollout
  # never takes serving capacity away (it briefly adds some, within the A100 quota).
  update_policy {
    type                         = "PROACTIVE"
    minimal_action               = "REPLACE"
    replacement_method           = "SUBSTITUTE"
    max_surge_fixed              = length(var.zones)
    max_unavailable_fixed        = 0
    instance_redistribution_type = "NONE" # required by the BALANCED shape
  }

  # The autoscaler owns the size: no target_size here.
}

# Sized on the servers' own load, as vLLM's production guides advise, from the two metrics each
# server's agent writes every 15 s (contract: gpu-origin/agent): queue_load = (running + waiting +
# refused demand) / --max-num-seqs, and vLLM's KV-cache usage. Google takes the larger recommendation
# of the two, so a pool of long conversations grows on memory and a burst of short ones on the queue.
resource "google_compute_region_autoscaler" "pool" {
  name   = local.name
  region = var.location
  target = google_compute_region_instance_group_manager.pool.id

  autoscaling_policy {
    min_replicas = var.min_servers
    max_replicas = var.max_servers
    mode         = "ON"
    # The initialization period: a booting server reports an empty queue, which would hold the pool
    # small; its metrics count only once it has had time to load.
    cooldown_period = var.boot_seconds

    metric {
      name   = "custom.googleapis.com/gpu_origin/queue_load"
      type   = "GAUGE"
      target = var.target_queue_load
    }
    metric {
      name   = "custom.googleapis.com/gpu_origin/kv_cache_usage"
      type   = "GAUGE"
      target = var.target_kv_cache_usage
    }

    # Never more than a quarter below the peak recommendation of the last 20 minutes, on top of
    # Google's own 10-minute stabilization (which a control over 10 minutes would merely repeat): a
    # lull between two bursts must not cost the second burst a boot. (bench/sections/capacity.ts
    # models the same policy.)
    scale_in_control {
      max_scaled_in_replicas {
        percent = 25
      }
      time_window_sec = 1200
    }
  }
}
