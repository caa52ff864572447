import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { isEuLocation } from "../../edge/core/eu-countries.js";
import { AFFINITY_HEADER } from "../../edge/services/origin-client.js";
import regions from "../../infra/regions.json" with { type: "json" };
import { wranglerConfig } from "../../infra/local/worker-bindings.js";
import { SCALE_IN } from "../../bench/sections/capacity.js";
import { checkConfig } from "../../scripts/deploy-check.js";
import type { ProviderSchemas } from "../../scripts/terraform-schemas.js";

type Block = Record<string, unknown>;
type Hcl = {
  module?: Record<string, Block[]>;
  resource?: Record<string, Record<string, Block[]>>;
  ephemeral?: Record<string, Record<string, Block[]>>;
  data?: Record<string, Record<string, Block[]>>;
  locals?: Block[];
  variable?: Record<string, Block[]>;
  output?: Record<string, Block[]>;
};

const parsed: Record<string, Hcl> = {};
const parseDir = async (dir: string) => {
  const out: Hcl = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".tf"))) {
    const hcl = (await parse(f, readFileSync(join(dir, f), "utf8"))) as Hcl;
    // A module's files together: locals blocks listed, resources merged by type then name.
    for (const [k, v] of Object.entries(hcl)) {
      const into = ((out as Record<string, unknown>)[k] ??= Array.isArray(v) ? [] : {}) as Block | Block[];
      if (Array.isArray(into)) into.push(...(v as Block[]));
      else
        for (const [key, inner] of Object.entries(v as Block))
          into[key] = Array.isArray(inner) ? inner : { ...(into[key] as Block), ...(inner as Block) };
    }
  }
  return out;
};

beforeAll(async () => {
  // What every environment applies (terraform/environments/<env> links to it).
  parsed.root = await parseDir("terraform/shared");
  for (const m of ["gpu-origin", "upstash", "edge", "secret"]) parsed[m] = await parseDir(`terraform/modules/${m}`);
});

/** Every string value in the resources and modules of a configuration (not variable descriptions). */
function values(hcl: Hcl): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(hcl.resource);
  walk(hcl.module);
  walk(hcl.locals);
  return out;
}

/** The one resource `type.name` of a configuration. */
function resource(hcl: Hcl, type: string, name: string): Block {
  const block = hcl.resource?.[type]?.[name]?.[0];
  if (!block) throw new Error(`no resource ${type}.${name}`);
  return block;
}

/** The resource an expression such as `${google_x.y.id}` refers to. */
function referenced(hcl: Hcl, expr: unknown): Block {
  const m = /^\$\{([a-z0-9_]+)\.([a-z0-9_]+)\.(?:id|self_link|instance_group)\}$/.exec(String(expr));
  if (!m) throw new Error(`not a reference to one resource: ${String(expr)}`);
  return resource(hcl, m[1]!, m[2]!);
}

/** A block argument (hcl2json gives a list of one). */
const only = (v: unknown) => (v as Block[])[0]!;
const local = (hcl: Hcl, name: string) => hcl.locals!.find((l) => name in l)![name];
const variable = (hcl: Hcl, name: string) => hcl.variable![name]![0]!;

const gpu = () => parsed["gpu-origin"]!;
const gpuModuleCall = () => parsed.root!.module!.gpu_origin![0]!;

const GCP_OR_UPSTASH_LOCATION =
  /\b(europe|us|asia|australia|northamerica|southamerica|me|africa)-[a-z]+\d\b|\b(eu|us|ap|sa)-(central|east|west|north|south|southeast|northeast)-\d\b/;

/** [first, last] address of an IPv4 CIDR, as numbers. */
function cidrRange(cidr: string): [number, number] {
  const [ip, bits] = cidr.split("/");
  const n = ip!.split(".").reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  expect(n % size, `${cidr} is not aligned`).toBe(0);
  return [n, n + size - 1];
}

describe("terraform", () => {
  it("reads the one region file and makes a GPU pool and a database for each of its regions", () => {
    const root = parsed.root!;
    expect(JSON.stringify(root.locals)).toContain('jsondecode(file(\\"${path.module}/../../../infra/regions.json\\"))');
    const call = gpuModuleCall();
    const db = root.module!.upstash![0]!;
    expect(call.for_each).toBe("${local.regions}");
    expect(db.for_each).toBe("${local.regions}");
    expect(call.location).toBe("${each.value.origins.location}");
    expect(call.zones).toBe("${each.value.origins.zones}");
    expect(db.location).toBe("${each.value.database.location}");
  });

  it("gives the deploy every secret wrangler.jsonc requires, each region's from that region", () => {
    const outputs = parsed.root!.output!;
    const settings = String(outputs.worker_secrets![0]!.value);
    expect(outputs.worker_secrets![0]!.sensitive).toBe(true);
    expect(settings).toContain("for id, _ in local.regions");
    for (const name of ["ORIGIN_URL_", "UPSTASH_REDIS_REST_URL_", "UPSTASH_REDIS_REST_TOKEN_"])
      expect(settings).toContain(`"${name}\${upper(id)}"`);
    // One URL per region: its pool's load balancer.
    expect(settings).toContain('"ORIGIN_URL_${upper(id)}"               = module.gpu_origin[id].url');
    expect(gpu().output!.url![0]!.value).toBe("https://${local.host}");
    expect(local(gpu(), "host")).toBe("pool-${var.region_id}.${var.origin_domain}");
    // Made by Terraform but kept in Secret Manager, never in the state: the deploy reads them there.
    const refs = String(outputs.worker_secret_refs![0]!.value);
    expect(refs).toContain('"ORIGIN_API_KEY_${upper(id)}"');
    expect(refs).toContain("KEY_SECRET");
    // What the names make for the regions of the file, plus what the operator supplies, is exactly
    // what wrangler.jsonc requires.
    const made = Object.keys(regions.regions).flatMap((id) =>
      ["ORIGIN_URL_", "ORIGIN_API_KEY_", "UPSTASH_REDIS_REST_URL_", "UPSTASH_REDIS_REST_TOKEN_"].map(
        (n) => `${n}${id.toUpperCase()}`,
      ),
    );
    for (const env of ["staging", "production"] as const)
      expect(wranglerConfig(env).secrets?.required?.slice().sort()).toEqual(
        [...made, "KEY_SECRET", "ADMIN_TOKEN"].sort(),
      );
    expect(checkConfig(wranglerConfig("production"), "production").filter((p) => p.includes("secret"))).toEqual([]);
  });

  it("places every part of a pool and every database only where regions.json says, and EU ones in the EU", () => {
    for (const hcl of Object.values(parsed)) {
      const literal = values(hcl).find((v) => GCP_OR_UPSTASH_LOCATION.test(v));
      expect(literal, "a location written into Terraform instead of read from regions.json").toBeUndefined();
    }
    // Every resource of the pool whose type takes a region (or a location) is given the region's
    // location: none is left to the provider's default, which could be anywhere.
    const google = (
      JSON.parse(readFileSync("test/fixtures/terraform/provider-schemas.json", "utf8")) as Record<
        string,
        ProviderSchemas
      >
    ).google!;
    const placed: string[] = [];
    for (const [type, byName] of Object.entries(gpu().resource!).filter(([t]) => t.startsWith("google_")))
      for (const [name, [body]] of Object.entries(byName)) {
        const schema = google.schemas.resource![type]!;
        for (const arg of ["region", "location"].filter((a) => a in schema)) {
          expect(body![arg], `${type}.${name}.${arg}`).toBe("${var.location}");
          placed.push(type);
        }
      }
    for (const type of [
      "google_compute_region_instance_template",
      "google_compute_region_instance_group_manager",
      "google_compute_region_autoscaler",
      "google_compute_region_backend_service",
      "google_compute_forwarding_rule",
      "google_compute_address",
      "google_compute_subnetwork",
    ])
      expect(placed, type).toContain(type);
    for (const name of ["api_key", "tls_key"]) expect(gpu().module![name]![0]!.location).toBe("${var.location}");
    // The servers only in the zones the file lists, each a zone of the location.
    const group = resource(gpu(), "google_compute_region_instance_group_manager", "pool");
    expect(group.distribution_policy_zones).toBe("${var.zones}");
    expect(String(only(variable(gpu(), "zones").validation).condition)).toContain('startswith(z, "${var.location}-")');
    expect(parsed.upstash!.resource!.upstash_redis_database!.region![0]!.primary_region).toBe("${var.location}");
    for (const [id, r] of Object.entries(regions.regions)) {
      for (const zone of r.origins.zones) expect(zone.startsWith(`${r.origins.location}-`), `${id} ${zone}`).toBe(true);
      if (r.jurisdiction === "eu") {
        expect(isEuLocation(r.origins.location), `${id} origins`).toBe(true);
        expect(isEuLocation(r.database.location), `${id} database`).toBe(true);
      }
    }
  });

  it("sizes each pool from regions.json, on both of the servers' own metrics", () => {
    const call = gpuModuleCall();
    expect(call.min_servers).toBe("${min(each.value.origins.pool.minServers, local.max_servers[each.key])}");
    expect(call.max_servers).toBe("${local.max_servers[each.key]}");
    expect(local(parsed.root!, "max_servers")).toBe(
      "${{ for id, r in local.regions : id => coalesce(var.max_servers_override, r.origins.pool.maxServers) }}",
    );
    expect(variable(parsed.root!, "max_servers_override").default).toBeNull();
    expect(call.target_queue_load).toBe("${each.value.origins.pool.target.queueLoad}");
    expect(call.target_kv_cache_usage).toBe("${each.value.origins.pool.target.kvCacheUsage}");

    const autoscaler = resource(gpu(), "google_compute_region_autoscaler", "pool");
    expect(referenced(gpu(), autoscaler.target)).toBe(
      resource(gpu(), "google_compute_region_instance_group_manager", "pool"),
    );
    const policy = only(autoscaler.autoscaling_policy);
    expect(policy).toMatchObject({
      min_replicas: "${var.min_servers}",
      max_replicas: "${var.max_servers}",
      mode: "ON",
    });
    expect(policy.metric).toEqual([
      { name: "custom.googleapis.com/gpu_origin/queue_load", type: "GAUGE", target: "${var.target_queue_load}" },
      {
        name: "custom.googleapis.com/gpu_origin/kv_cache_usage",
        type: "GAUGE",
        target: "${var.target_kv_cache_usage}",
      },
    ]);
    // With no server there is no metric to scale out on: every pool keeps one, as the module insists.
    expect(String(only(variable(gpu(), "min_servers").validation).condition)).toBe("${var.min_servers >= 1}");
    for (const [id, r] of Object.entries(regions.regions)) {
      expect(r.origins.pool.minServers, id).toBeGreaterThanOrEqual(1);
      expect(r.origins.pool.maxServers, id).toBeGreaterThanOrEqual(r.origins.pool.minServers);
    }
  });

  it("waits a boot before trusting a new server's metrics, and scales in as the capacity bench models it", () => {
    const policy = only(resource(gpu(), "google_compute_region_autoscaler", "pool").autoscaling_policy);
    expect(policy.cooldown_period).toBe("${var.boot_seconds}");
    expect(gpuModuleCall().boot_seconds).toBe("${var.gpu_boot_seconds}");
    const boot = variable(parsed.root!, "gpu_boot_seconds");
    expect(boot.default).toBeGreaterThanOrEqual(300);
    expect(String(only(boot.validation).condition)).toContain("var.gpu_boot_seconds >= 300");
    expect(String(only(variable(gpu(), "boot_seconds").validation).condition)).toBe("${var.boot_seconds >= 300}");
    // Never more than a quarter below the last 20 minutes' peak: the policy `npm run bench -- capacity` replays.
    expect(policy.scale_in_control).toEqual([
      { max_scaled_in_replicas: [{ percent: SCALE_IN.percent }], time_window_sec: SCALE_IN.windowSeconds },
    ]);
    expect(SCALE_IN.windowSeconds).toBeGreaterThan(600); // (within Google's 10-minute stabilization it would do nothing)
    // Auto-healing, too, ignores a server's boot.
    const healing = only(resource(gpu(), "google_compute_region_instance_group_manager", "pool").auto_healing_policies);
    expect(healing.initial_delay_sec).toBe("${min(2 * var.boot_seconds, 3600)}");
  });

  it("judges a server by its readiness on /ready, for auto-healing and for the load balancer alike", () => {
    const group = resource(gpu(), "google_compute_region_instance_group_manager", "pool");
    const backend = resource(gpu(), "google_compute_region_backend_service", "pool");
    const healing = referenced(gpu(), only(group.auto_healing_policies).health_check);
    const serving = referenced(gpu(), (backend.health_checks as string[])[0]);
    expect(backend.health_checks).toHaveLength(1);
    for (const check of [healing, serving]) {
      expect(check.region).toBe("${var.location}");
      expect(check.https_health_check).toEqual([{ port: 443, request_path: "/ready", host: "${local.host}" }]);
    }
    // Auto-healing judges slowly (a saturated server is busy, not broken); the load balancer at once.
    const failing = (c: Block) => Number(c.check_interval_sec) * Number(c.unhealthy_threshold);
    expect(failing(healing)).toBeGreaterThanOrEqual(300);
    expect(failing(serving)).toBeLessThanOrEqual(15);
  });

  it("keeps a chat on one server by the edge's affinity header, and lets a removed server finish its replies", () => {
    const backend = resource(gpu(), "google_compute_region_backend_service", "pool");
    expect(backend).toMatchObject({
      load_balancing_scheme: "EXTERNAL_MANAGED",
      protocol: "HTTPS",
      port_name: "https",
      locality_lb_policy: "RING_HASH",
      session_affinity: "HEADER_FIELD",
    });
    expect(backend.consistent_hash).toEqual([{ http_header_name: AFFINITY_HEADER }]);
    expect(backend.connection_draining_timeout_sec).toBeGreaterThanOrEqual(300);
    expect(backend.timeout_sec).toBeGreaterThanOrEqual(600);
    const group = resource(gpu(), "google_compute_region_instance_group_manager", "pool");
    expect(referenced(gpu(), only(backend.backend).group)).toBe(group);
    expect(group.named_port).toEqual([{ name: "https", port: 443 }]);
  });

  it("rolls a new template over a pool without taking capacity away", () => {
    const group = resource(gpu(), "google_compute_region_instance_group_manager", "pool");
    expect(group.distribution_policy_target_shape).toBe("BALANCED");
    expect(group.target_size, "the autoscaler owns the size").toBeUndefined();
    expect(referenced(gpu(), only(group.version).instance_template)).toBe(
      resource(gpu(), "google_compute_region_instance_template", "server"),
    );
    expect(only(group.update_policy)).toEqual({
      type: "PROACTIVE",
      minimal_action: "REPLACE",
      replacement_method: "SUBSTITUTE",
      max_surge_fixed: "${length(var.zones)}",
      max_unavailable_fixed: 0,
      instance_redistribution_type: "NONE",
    });
    for (const type of ["google_compute_region_instance_template", "google_compute_region_ssl_certificate"]) {
      const [body] = Object.values(gpu().resource![type]!)[0]!;
      expect(only(body!.lifecycle).create_before_destroy, type).toBe(true);
    }
    // The boot image is one image, resolved at plan time: a new build reaches the servers by a rollout,
    // and a plan stops when the image does not carry the vLLM release the servers are to run.
    const template = resource(gpu(), "google_compute_region_instance_template", "server");
    expect(only(template.disk).source_image).toBe("${data.google_compute_image.server.self_link}");
    expect(only(template.lifecycle).precondition).toMatchObject([
      { condition: '${lookup(data.google_compute_image.server.labels, "vllm", "") == local.vllm_label}' },
    ]);
    expect(local(gpu(), "vllm_label")).toBe(
      '${replace(lower(reverse(split(":", var.vllm_image))[0]), "/[^a-z0-9]/", "-")}',
    );
    expect(readFileSync("gpu-origin/image/build.sh", "utf8")).toContain("vllm=$tag");
  });

  it("runs each server on an A100 VM that stops for maintenance, reachable only through the load balancer", () => {
    const template = resource(gpu(), "google_compute_region_instance_template", "server");
    expect(template.machine_type).toBe("a2-highgpu-1g");
    expect(template.scheduling).toEqual([{ automatic_restart: true, on_host_maintenance: "TERMINATE" }]);
    expect(template.tags).toEqual(["${local.tag}"]);
    expect(local(gpu(), "tag")).toBe("gpu-origin-${var.environment}-${var.region_id}");
    // No external address; Google's APIs through Private Google Access.
    const nic = only(template.network_interface);
    expect(nic.access_config).toBeUndefined();
    const subnet = referenced(gpu(), nic.subnetwork);
    expect(subnet.private_ip_google_access).toBe(true);
    expect(
      gpu().resource!.google_compute_router_nat,
      "no NAT: nothing on a server reaches the internet",
    ).toBeUndefined();
    // 443 only from the load balancer's proxies and Google's health checkers; 9443 only from monitoring.
    const https = resource(gpu(), "google_compute_firewall", "https_from_load_balancer");
    expect(https.source_ranges).toBe(
      "${concat([google_compute_subnetwork.proxy_only.ip_cidr_range], local.health_check_ranges)}",
    );
    expect(local(gpu(), "health_check_ranges")).toEqual(["35.191.0.0/16", "130.211.0.0/22"]);
    expect(https.allow).toEqual([{ protocol: "tcp", ports: ["443"] }]);
    expect(https.target_tags).toEqual(["${local.tag}"]);
    const proxyOnly = resource(gpu(), "google_compute_subnetwork", "proxy_only");
    expect(proxyOnly).toMatchObject({ purpose: "REGIONAL_MANAGED_PROXY", role: "ACTIVE" });
    const metrics = resource(gpu(), "google_compute_firewall", "metrics_from_monitoring");
    expect(metrics.source_ranges).toBe("${var.monitoring_cidrs}");
    expect(metrics.allow).toEqual([{ protocol: "tcp", ports: ["${tostring(local.metrics_port)}"] }]);
    expect(local(gpu(), "metrics_port")).toBe(9443);
    expect(Object.keys(gpu().resource!.google_compute_firewall!).sort()).toEqual([
      "https_from_load_balancer",
      "metrics_from_monitoring",
    ]);
    // The servers' identity may write the metrics the autoscaler reads, and logs.
    expect(resource(gpu(), "google_project_iam_member", "origin").for_each).toBe(
      '${toset(["roles/monitoring.metricWriter", "roles/logging.logWriter"])}',
    );
  });

  it("answers on one proxied name per region, at a regional load balancer with the Origin CA certificate", () => {
    const rule = resource(gpu(), "google_compute_forwarding_rule", "pool");
    expect(rule).toMatchObject({
      load_balancing_scheme: "EXTERNAL_MANAGED",
      port_range: "443",
      network_tier: "STANDARD",
    });
    expect(rule.depends_on).toEqual(["${google_compute_subnetwork.proxy_only}"]);
    const proxy = referenced(gpu(), rule.target);
    expect(referenced(gpu(), proxy.url_map).default_service).toBe("${google_compute_region_backend_service.pool.id}");
    const certificate = referenced(gpu(), (proxy.ssl_certificates as string[])[0]);
    expect(certificate.certificate).toBe("${cloudflare_origin_ca_certificate.origin.certificate}");
    expect(resource(gpu(), "google_compute_address", "pool")).toMatchObject({
      address_type: "EXTERNAL",
      network_tier: "STANDARD",
    });
    expect(resource(gpu(), "cloudflare_origin_ca_certificate", "origin").hostnames).toEqual(["${local.host}"]);
    const dns = resource(gpu(), "cloudflare_dns_record", "pool");
    expect(dns).toMatchObject({
      name: "${local.host}",
      content: "${google_compute_address.pool.address}",
      proxied: true,
    });
  });

  it("gives each region its own address ranges, none overlapping", () => {
    expect(gpuModuleCall().network_ranges).toBe("${var.origin_network_ranges[each.key]}");
    const ranges = variable(parsed.root!, "origin_network_ranges");
    const byRegion = ranges.default as Record<string, { servers: string; proxy_only: string }>;
    expect(Object.keys(byRegion).sort()).toEqual(Object.keys(regions.regions).sort());
    const all = Object.entries(byRegion).flatMap(([id, r]) => [
      [`${id}.servers`, cidrRange(r.servers)] as const,
      [`${id}.proxy_only`, cidrRange(r.proxy_only)] as const,
    ]);
    for (const [a, [aFrom, aTo]] of all)
      for (const [b, [bFrom, bTo]] of all)
        if (a !== b) expect(aTo < bFrom || bTo < aFrom, `${a} overlaps ${b}`).toBe(true);
    // Google wants at least 64 addresses for the proxies.
    for (const [id, r] of Object.entries(byRegion))
      expect(Number(r.proxy_only.split("/")[1]), id).toBeLessThanOrEqual(26);
    // A region added to regions.json without ranges stops the plan with a clear message.
    expect(String(only(ranges.validation).condition)).toContain("for id in keys(local.regions)");
  });

  it("boots the contract's server: its metadata keys, its scripts, the pinned vLLM release", () => {
    const template = resource(gpu(), "google_compute_region_instance_template", "server");
    const metadata = template.metadata as Record<string, string>;
    expect(Object.keys(metadata).sort()).toEqual(
      [
        "startup-script",
        "shutdown-script",
        "vllm-image",
        "vllm-model",
        "vllm-serve-flags",
        "origin-api-key-secret",
        "origin-tls-cert",
        "origin-tls-key-secret",
        "caddyfile",
        "origin-hostname",
        "agent-max-waiting",
      ].sort(),
    );
    expect(metadata["origin-hostname"]).toBe("${local.host}");
    expect(metadata["agent-max-waiting"]).toBe("32");
    expect(metadata["vllm-image"]).toBe("${var.vllm_image}");
    expect(gpuModuleCall().vllm_image).toBe("${var.vllm_image}");
    expect(variable(parsed.root!, "vllm_image").default).toBe("vllm/vllm-openai:v0.33.0");
    // The files the metadata reads exist.
    for (const [key, file] of [
      ["startup-script", "startup.sh"],
      ["shutdown-script", "shutdown.sh"],
      ["vllm-serve-flags", "serve-flags.txt"],
      ["caddyfile", "Caddyfile"],
    ] as const) {
      expect(metadata[key]).toBe(`\${file("\${path.module}/../../../gpu-origin/${file}")}`);
      expect(existsSync(`gpu-origin/${file}`), file).toBe(true);
    }
  });

  it("makes what the Worker's bindings name, and leaves the Worker to the deploy (one owner each)", () => {
    const edge = parsed.edge!;
    const wrangler = wranglerConfig("production");
    // The queues wrangler.jsonc produces to and consumes from, by the names Terraform gives them.
    expect(edge.resource!.cloudflare_queue!.messages![0]!.queue_name).toBe("${local.queue_name}");
    expect(edge.resource!.cloudflare_queue!.dead_letters![0]!.queue_name).toBe("${local.queue_name}-dlq");
    expect(wrangler.queues.producers![0]!.queue).toBe("gateway-messages-production");
    expect(JSON.stringify(edge.locals)).toContain("gateway-messages-${var.environment}");
    expect(Object.keys(edge.resource!.cloudflare_workers_kv_namespace!).sort()).toEqual(["faq", "region_pins"]);
    // No Worker script, consumer or domain here: wrangler deploys them from wrangler.jsonc.
    for (const hcl of Object.values(parsed))
      for (const type of ["cloudflare_workers_script", "cloudflare_queue_consumer", "cloudflare_workers_custom_domain"])
        expect(hcl.resource?.[type], type).toBeUndefined();
  });

  it("keeps the servers' key and KEY_SECRET out of the state: made ephemerally, written write-only", () => {
    const edge = parsed.edge!;
    for (const [hcl, name] of [
      [edge, "key_secret"],
      [gpu(), "api_key"],
    ] as const) {
      expect(hcl.ephemeral!.random_password![name], name).toBeDefined();
      expect(hcl.resource!.random_password?.[name], name).toBeUndefined();
      const secret = hcl.module![name]![0]!;
      expect(secret.source).toBe("../secret");
      expect(secret.value).toBe(`\${ephemeral.random_password.${name}.result}`);
    }
    // The secret module takes its value as an ephemeral input and writes it write-only, never as data.
    const secret = parsed.secret!;
    expect(secret.variable!.value![0]!.ephemeral).toBe(true);
    const version = secret.resource!.google_secret_manager_secret_version!.this![0]!;
    expect(version.secret_data_wo).toBe("${var.value}");
    expect(version.secret_data).toBeUndefined();
    // The servers get secrets by name and read them with their own identity; no value is in their metadata.
    const metadata = resource(gpu(), "google_compute_region_instance_template", "server").metadata as Record<
      string,
      string
    >;
    expect(
      Object.keys(metadata)
        .filter((k) => /key/.test(k))
        .sort(),
    ).toEqual(["origin-api-key-secret", "origin-tls-key-secret"]);
    expect(metadata["origin-api-key-secret"]).toBe("${module.api_key.secret_id}");
    expect(metadata["origin-tls-key-secret"]).toBe("${module.tls_key.secret_id}");
    const startup = readFileSync("gpu-origin/startup.sh", "utf8");
    for (const key of ["origin-api-key-secret", "origin-tls-key-secret"]) expect(startup, key).toContain(key);
  });

  it("archives the Worker's logs where and for as long as regions.json says", () => {
    const edge = parsed.edge!;
    const bucket = edge.resource!.google_storage_bucket!.logs![0]!;
    expect(bucket.location).toBe("${var.logs_location}");
    expect(JSON.stringify(bucket.lifecycle_rule)).toContain("${var.logs_retention_days}");
    expect(parsed.root!.module!.edge![0]!.logs_location).toBe("${local.region_file.logs.location}");
    expect(parsed.root!.module!.edge![0]!.logs_retention_days).toBe("${local.region_file.logs.retentionDays}");
    expect(edge.resource!.cloudflare_logpush_job!.logs![0]!.dataset).toBe("workers_trace_events");
    const wrangler = wranglerConfig("production");
    expect(wrangler.logpush).toBe(true);
    expect(wrangler.observability).toMatchObject({ enabled: true, redact_query_string: true });
  });

  it("documents every variable", () => {
    for (const hcl of Object.values(parsed)) {
      for (const [name, [v]] of Object.entries(hcl.variable ?? {})) expect(v!.description, name).toBeTruthy();
    }
  });
});
