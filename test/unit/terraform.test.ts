import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { isEuLocation } from "../../edge/core/eu-countries.js";
import { AFFINITY_HEADER } from "../../edge/services/origin-client.js";
import { parseRegionFile } from "../../edge/core/region-policy.js";
import regions from "../../infra/regions.json" with { type: "json" };
import { wranglerConfig } from "../../infra/local/worker-bindings.js";
import { SCALE_IN } from "../../bench/sections/capacity.js";
import { checkConfig, originUrlSettings } from "../../scripts/deploy-check.js";
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
  for (const m of ["gpu-origin", "gpu-region", "upstash", "edge", "secret"])
    parsed[m] = await parseDir(`terraform/modules/${m}`);
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
const gpuRegion = () => parsed["gpu-region"]!;
const gpuModuleCall = () => parsed.root!.module!.gpu_origin![0]!;
const gpuRegionCall = () => parsed.root!.module!.gpu_region![0]!;
/** An input of a pool (gpu_origin, per version) that comes from its region's module (gpu_region). */
const fromRegion = (output: string) => `\${module.gpu_region[each.value.region].${output}}`;
const fromRegionFile = (path: string) => `\${local.regions[each.value.region].${path}}`;

/** The shipped region file as the edge reads it (models defaulted where a region has none). */
const regionFile = parseRegionFile(regions);

/**
 * The root's first locals block (the region file, its models and the pools, made of nothing but the
 * file and max_servers_override) evaluated by terraform itself for `file`, as JSON: what
 * `terraform plan` would make of it. Undefined where terraform is not installed.
 */
function evaluateRootLocals(file: unknown, expression: string, maxServersOverride?: number): unknown {
  if (spawnSync("terraform", ["version"]).status !== 0) return undefined;
  const main = readFileSync("terraform/shared/main.tf", "utf8");
  const block = /^locals \{\n[\s\S]*?^\}\n/m.exec(main)![0];
  const dir = mkdtempSync(join(tmpdir(), "tf-locals-"));
  writeFileSync(join(dir, "regions.json"), JSON.stringify(file));
  writeFileSync(
    join(dir, "main.tf"),
    `variable "max_servers_override" {\n  type    = number\n  default = null\n}\n${block.replace(
      "${path.module}/../../../infra/regions.json",
      "${path.module}/regions.json",
    )}`,
  );
  const env = { ...process.env, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: "/dev/null" };
  try {
    spawnSync("terraform", [`-chdir=${dir}`, "init", "-input=false"], { env, encoding: "utf8" });
    const vars = maxServersOverride === undefined ? [] : ["-var", `max_servers_override=${maxServersOverride}`];
    const out = spawnSync("terraform", [`-chdir=${dir}`, "console", ...vars], {
      env,
      encoding: "utf8",
      input: `jsonencode(${expression})\n`,
    });
    expect(out.status, out.stderr).toBe(0);
    return JSON.parse(JSON.parse(out.stdout.trim()) as string);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
  it("reads the one region file and makes a GPU pool per version of each region's model, and a database per region", () => {
    const root = parsed.root!;
    expect(JSON.stringify(root.locals)).toContain('jsondecode(file(\\"${path.module}/../../../infra/regions.json\\"))');
    const call = gpuModuleCall();
    const db = root.module!.upstash![0]!;
    expect(call.for_each).toBe("${local.pools}");
    expect(gpuRegionCall().for_each).toBe("${local.regions}");
    expect(db.for_each).toBe("${local.regions}");
    expect(gpuRegionCall().location).toBe("${each.value.origins.location}");
    expect(call.location).toBe(fromRegionFile("origins.location"));
    expect(call.zones).toBe(fromRegionFile("origins.zones"));
    expect([call.region_id, call.model_version]).toEqual(["${each.value.region}", "${each.value.version}"]);
    expect(db.location).toBe("${each.value.database.location}");
    // A region without models serves what the edge defaults it to.
    const { models: _, ...withoutModels } = regions.regions.eu;
    const defaulted = parseRegionFile({ ...regions, regions: { ...regions.regions, eu: withoutModels } });
    expect(local(root, "default_models")).toEqual(defaulted.regions.eu!.models);
  });

  it("keys the pools <region>-<version>, each with its version's weights, vLLM and size, as terraform evaluates them", () => {
    // The shipped file, and one where a region rolls a second version out on a small pool of its
    // own and another region names no models.
    const file = structuredClone(regions) as unknown as {
      regions: Record<string, { models?: { stable: string; versions: Record<string, unknown> } }>;
    };
    file.regions.eu!.models!.versions.v2 = {
      weights: { repository: "openai/gpt-oss-20b", revision: "0123456789abcdef0123456789abcdef01234567" },
      vllm: "vllm/vllm-openai:v0.34.0",
      serveFlags: "serve-flags.txt",
      systemPrompt: "default",
      pool: { minServers: 1, maxServers: 2 },
    };
    delete file.regions.us!.models;
    const expected = (raw: unknown, maxServersOverride?: number) =>
      Object.fromEntries(
        Object.entries(parseRegionFile(raw).regions).flatMap(([id, r]) =>
          Object.entries(r.models.versions).map(([version, v]) => {
            const max = maxServersOverride ?? v.pool?.maxServers ?? r.origins.pool.maxServers;
            return [
              `${id}-${version}`,
              {
                region: id,
                version,
                model: v.weights.repository,
                model_revision: v.weights.revision,
                vllm_image: v.vllm,
                serve_flags: v.serveFlags,
                min_servers: v.pool?.minServers ?? r.origins.pool.minServers,
                max_servers: max,
              },
            ];
          }),
        ),
      );
    const shipped = evaluateRootLocals(regions, "local.pools");
    if (shipped === undefined) return; // (no terraform here: the expressions are still checked below)
    expect(shipped).toEqual(expected(regions));
    expect(evaluateRootLocals(file, "local.pools")).toEqual(expected(file));
    expect(evaluateRootLocals(file, "local.pools", 1)).toEqual(expected(file, 1));
    expect(evaluateRootLocals(file, "{ for id, m in local.models : id => m.stable }")).toEqual({
      eu: "v1",
      us: "v1",
      apac: "v1",
    });
  });

  it("gives the deploy every secret wrangler.jsonc requires, each region's from that region, and each version's pool", () => {
    const outputs = parsed.root!.output!;
    const settings = String(outputs.worker_secrets![0]!.value);
    expect(outputs.worker_secrets![0]!.sensitive).toBe(true);
    expect(settings).toContain("for id, m in local.models");
    for (const name of ["ORIGIN_URL_", "UPSTASH_REDIS_REST_URL_", "UPSTASH_REDIS_REST_TOKEN_"])
      expect(settings).toContain(`"${name}\${upper(id)}"`);
    // One URL per pool: ORIGIN_URL_<R>_<V> for each version, ORIGIN_URL_<R> the stable version's.
    expect(settings).toContain('"ORIGIN_URL_${upper(id)}"               = local.origin_urls[id][m.stable]');
    expect(settings).toContain(
      '{ for name, url in local.origin_urls[id] : "ORIGIN_URL_${upper(id)}_${upper(name)}" => url }',
    );
    expect(local(parsed.root!, "origin_urls")).toContain(
      'id => { for name, _ in m.versions : name => module.gpu_origin[\"${id}-${name}\"].url }',
    );
    expect(outputs.origin_urls![0]!.value).toBe("${local.origin_urls}");
    expect(gpu().output!.url![0]!.value).toBe("https://${local.host}");
    expect(local(gpu(), "host")).toBe("pool-${var.region_id}-${var.model_version}.${var.origin_domain}");
    // Made by Terraform but kept in Secret Manager, never in the state: the deploy reads them there.
    // One key per region, which every pool of the region requires.
    const refs = String(outputs.worker_secret_refs![0]!.value);
    expect(refs).toContain('"ORIGIN_API_KEY_${upper(id)}" => module.gpu_region[id].api_key_secret');
    expect(refs).toContain("KEY_SECRET");
    // What the names make for the regions of the file, plus what the operator supplies, is exactly
    // what wrangler.jsonc requires; the versions' pools come and go with rollouts, and the deploy
    // checks that Terraform gave each (scripts/deploy.ts).
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
    expect(originUrlSettings()).toEqual(
      Object.entries(regionFile.regions).flatMap(([id, r]) => [
        `ORIGIN_URL_${id.toUpperCase()}`,
        ...Object.keys(r.models.versions).map((v) => `ORIGIN_URL_${id.toUpperCase()}_${v.toUpperCase()}`),
      ]),
    );
  });

  it("names each pool's resources by environment, region and version, within GCP's limits", () => {
    expect(local(gpu(), "name")).toBe("${var.environment}-gpu-${var.region_id}-${var.model_version}");
    expect(local(gpuRegion(), "name")).toBe("${var.environment}-gpu-${var.region_id}");
    // The longest names: `production`, a 16-character region id, an 8-character version.
    const longest = `production-gpu-${"r".repeat(16)}-${"v".repeat(8)}`;
    const names: string[] = [];
    for (const byName of Object.values(gpu().resource!))
      for (const [body] of Object.values(byName))
        for (const arg of ["name", "name_prefix", "base_instance_name"]) {
          const v = body![arg];
          if (typeof v === "string" && v.startsWith("${local.name}")) names.push(v.replace("${local.name}", longest));
        }
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) expect(name.length, name).toBeLessThanOrEqual(63);
    // And the version's DNS name is one label.
    expect(`pool-${"r".repeat(16)}-${"v".repeat(8)}`.length).toBeLessThanOrEqual(63);
    expect(variable(gpu(), "model_version").validation).toBeDefined();
    expect(local(gpu(), "labels")).toEqual({
      environment: "${var.environment}",
      region: "${var.region_id}",
      version: "${var.model_version}",
      component: "gpu-origin",
    });
  });

  it("places every part of a pool and every database only where regions.json says, and EU ones in the EU", () => {
    for (const hcl of Object.values(parsed)) {
      const literal = values(hcl).find((v) => GCP_OR_UPSTASH_LOCATION.test(v));
      expect(literal, "a location written into Terraform instead of read from regions.json").toBeUndefined();
    }
    // Every resource of a pool, or of what a region's pools share, whose type takes a region (or a
    // location) is given the region's location: none is left to the provider's default, which could
    // be anywhere.
    const google = (
      JSON.parse(readFileSync("test/fixtures/terraform/provider-schemas.json", "utf8")) as Record<
        string,
        ProviderSchemas
      >
    ).google!;
    const placed: string[] = [];
    for (const [type, byName] of [...Object.entries(gpu().resource!), ...Object.entries(gpuRegion().resource!)].filter(
      ([t]) => t.startsWith("google_"),
    ))
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
    expect(gpuRegion().module!.api_key![0]!.location).toBe("${var.location}");
    expect(gpu().module!.tls_key![0]!.location).toBe("${var.location}");
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
    expect(call.min_servers).toBe("${min(each.value.min_servers, each.value.max_servers)}");
    expect(call.max_servers).toBe("${each.value.max_servers}");
    // A version's own pool size, else the region's; a staging override caps every pool.
    const pools = String(local(parsed.root!, "pools"));
    expect(pools).toContain("min_servers    = try(v.pool.minServers, r.origins.pool.minServers)");
    expect(pools).toContain(
      "max_servers    = coalesce(var.max_servers_override, try(v.pool.maxServers, r.origins.pool.maxServers))",
    );
    expect(variable(parsed.root!, "max_servers_override").default).toBeNull();
    // The targets are the region's, whatever the version.
    expect(call.target_queue_load).toBe(fromRegionFile("origins.pool.target.queueLoad"));
    expect(call.target_kv_cache_usage).toBe(fromRegionFile("origins.pool.target.kvCacheUsage"));

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
    for (const [id, r] of Object.entries(regionFile.regions)) {
      expect(r.origins.pool.minServers, id).toBeGreaterThanOrEqual(1);
      expect(r.origins.pool.maxServers, id).toBeGreaterThanOrEqual(r.origins.pool.minServers);
      for (const [version, v] of Object.entries(r.models.versions))
        if (v.pool) expect(v.pool.maxServers, `${id} ${version}`).toBeGreaterThanOrEqual(v.pool.minServers);
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
    // And the weights: a version name means one build in every region that uses it.
    expect(only(template.lifecycle).precondition).toMatchObject([
      { condition: '${lookup(data.google_compute_image.server.labels, "vllm", "") == local.vllm_label}' },
      {
        condition:
          '${lookup(data.google_compute_image.server.labels, "model", "") == local.model_label && lookup(data.google_compute_image.server.labels, "model-revision", "") == local.revision_label}',
      },
    ]);
    expect(local(gpu(), "vllm_label")).toBe(
      '${replace(lower(reverse(split(":", var.vllm_image))[0]), "/[^a-z0-9]/", "-")}',
    );
    expect(local(gpu(), "model_label")).toBe('${substr(replace(lower(var.model), "/[^a-z0-9]/", "-"), 0, 63)}');
    expect(local(gpu(), "revision_label")).toBe(
      '${substr(replace(lower(var.model_revision), "/[^a-z0-9]/", "-"), 0, 63)}',
    );
    // build.sh labels the image the same way, in the family the version's pool boots from.
    const build = readFileSync("gpu-origin/image/build.sh", "utf8");
    expect(build).toContain(
      "label() { echo \"$1\" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9\\n' '-' | cut -c1-63; }",
    );
    for (const l of ["vllm=$tag", 'model=$(label "$MODEL")', 'model-revision=$(label "$MODEL_REVISION")'])
      expect(build).toContain(l);
    expect(gpuModuleCall().image_family).toBe("${var.gpu_image_family}-${each.value.version}");
    expect(variable(parsed.root!, "gpu_image_family").default).toBe("gpu-origin-vllm");
    expect(build).toContain('IMAGE_FAMILY="${IMAGE_FAMILY:-gpu-origin-vllm-$VERSION}"');
    expect(gpuModuleCall().image_name).toBe("${lookup(var.gpu_images, each.key, null)}");
    for (const name of ["vllm_image", "model", "model_revision"])
      expect(gpuModuleCall()[name], name).toBe(`\${each.value.${name}}`);
  });

  it("runs each server on an A100 VM that stops for maintenance, reachable only through the load balancer", () => {
    const template = resource(gpu(), "google_compute_region_instance_template", "server");
    expect(template.machine_type).toBe("a2-highgpu-1g");
    expect(template.scheduling).toEqual([{ automatic_restart: true, on_host_maintenance: "TERMINATE" }]);
    // Every server of the region, whatever its version, carries the region's tag and sits in the
    // region's subnet (gpu-region: what a region's pools share).
    expect(template.tags).toEqual(["${var.tag}"]);
    expect(gpuModuleCall().tag).toBe(fromRegion("tag"));
    expect(gpuRegion().output!.tag![0]!.value).toBe("${local.tag}");
    expect(local(gpuRegion(), "tag")).toBe("gpu-origin-${var.environment}-${var.region_id}");
    // No external address; Google's APIs through Private Google Access.
    const nic = only(template.network_interface);
    expect(nic.access_config).toBeUndefined();
    expect(nic.subnetwork).toBe("${var.subnetwork}");
    expect(gpuModuleCall().subnetwork).toBe(fromRegion("subnetwork"));
    const subnet = referenced(gpuRegion(), gpuRegion().output!.subnetwork![0]!.value);
    expect(subnet.private_ip_google_access).toBe(true);
    for (const hcl of [gpu(), gpuRegion()])
      expect(
        hcl.resource!.google_compute_router_nat,
        "no NAT: nothing on a server reaches the internet",
      ).toBeUndefined();
    // 443 only from the load balancers' proxies and Google's health checkers; 9443 only from monitoring.
    const https = resource(gpuRegion(), "google_compute_firewall", "https_from_load_balancer");
    expect(https.source_ranges).toBe(
      "${concat([google_compute_subnetwork.proxy_only.ip_cidr_range], local.health_check_ranges)}",
    );
    expect(local(gpuRegion(), "health_check_ranges")).toEqual(["35.191.0.0/16", "130.211.0.0/22"]);
    expect(https.allow).toEqual([{ protocol: "tcp", ports: ["443"] }]);
    expect(https.target_tags).toEqual(["${local.tag}"]);
    const proxyOnly = resource(gpuRegion(), "google_compute_subnetwork", "proxy_only");
    expect(proxyOnly).toMatchObject({ purpose: "REGIONAL_MANAGED_PROXY", role: "ACTIVE" });
    const metrics = resource(gpuRegion(), "google_compute_firewall", "metrics_from_monitoring");
    expect(metrics.source_ranges).toBe("${var.monitoring_cidrs}");
    expect(metrics.allow).toEqual([{ protocol: "tcp", ports: ["${tostring(local.metrics_port)}"] }]);
    expect(local(gpuRegion(), "metrics_port")).toBe(9443);
    expect(gpuModuleCall().metrics_port).toBe(fromRegion("metrics_port"));
    expect(Object.keys(gpuRegion().resource!.google_compute_firewall!).sort()).toEqual([
      "https_from_load_balancer",
      "metrics_from_monitoring",
    ]);
    expect(gpu().resource!.google_compute_firewall, "no firewall rule per pool").toBeUndefined();
    // The servers' identity (one per region) may write the metrics the autoscalers read, and logs;
    // a pool's servers get it once it may.
    expect(resource(gpuRegion(), "google_project_iam_member", "origin").for_each).toBe(
      '${toset(["roles/monitoring.metricWriter", "roles/logging.logWriter"])}',
    );
    const identity = gpuRegion().output!.service_account![0]!;
    expect(identity.depends_on).toEqual(["${google_project_iam_member.origin}", "${module.api_key}"]);
    expect(gpuModuleCall().service_account).toBe(fromRegion("service_account"));
    expect(only(template.service_account).email).toBe("${var.service_account}");
  });

  it("answers on one proxied name per pool, at a regional load balancer with the Origin CA certificate", () => {
    const rule = resource(gpu(), "google_compute_forwarding_rule", "pool");
    expect(rule).toMatchObject({
      load_balancing_scheme: "EXTERNAL_MANAGED",
      port_range: "443",
      network_tier: "STANDARD",
    });
    // Its proxies take their addresses from the region's proxy-only subnet: the network comes from
    // the region's module once that subnet exists.
    expect(rule.network).toBe("${var.network}");
    expect(gpuModuleCall().network).toBe(fromRegion("network"));
    expect(gpuRegion().output!.network![0]).toMatchObject({
      value: "${var.network}",
      depends_on: ["${google_compute_subnetwork.proxy_only}"],
    });
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
    expect(gpuRegionCall().network_ranges).toBe("${var.origin_network_ranges[each.key]}");
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

  it("boots the contract's server: its metadata keys, its scripts, its version's vLLM release and serve flags", () => {
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
    expect(metadata["vllm-model"]).toBe("${var.model}");
    // The version's vLLM release, weights and serve flags come from regions.json, not from variables:
    // the former global ones stop a plan when set.
    expect(gpuModuleCall().vllm_image).toBe("${each.value.vllm_image}");
    for (const name of ["vllm_image", "model", "gpu_image"]) {
      const former = variable(parsed.root!, name);
      expect(former.default, name).toBeNull();
      expect(String(only(former.validation).condition), name).toBe(`\${var.${name} == null}`);
    }
    expect(metadata["vllm-serve-flags"]).toBe("${var.serve_flags}");
    expect(gpuModuleCall().serve_flags).toBe('${file("${path.module}/../../../gpu-origin/${each.value.serve_flags}")}');
    expect(String(local(parsed.root!, "pools"))).toContain("serve_flags    = v.serveFlags");
    // The files the metadata reads exist, and each version's serve flags.
    for (const [key, file] of [
      ["startup-script", "startup.sh"],
      ["shutdown-script", "shutdown.sh"],
      ["caddyfile", "Caddyfile"],
    ] as const) {
      expect(metadata[key]).toBe(`\${file("\${path.module}/../../../gpu-origin/${file}")}`);
      expect(existsSync(`gpu-origin/${file}`), file).toBe(true);
    }
    for (const [id, r] of Object.entries(regionFile.regions))
      for (const [version, v] of Object.entries(r.models.versions))
        expect(existsSync(`gpu-origin/${v.serveFlags}`), `${id} ${version}: ${v.serveFlags}`).toBe(true);
  });

  it("makes what the Worker's bindings name, and leaves the Worker to the deploy (one owner each)", () => {
    const edge = parsed.edge!;
    const wrangler = wranglerConfig("production");
    // The queues wrangler.jsonc produces to and consumes from, by the names Terraform gives them.
    expect(edge.resource!.cloudflare_queue!.messages![0]!.queue_name).toBe("${local.queue_name}");
    expect(edge.resource!.cloudflare_queue!.dead_letters![0]!.queue_name).toBe("${local.queue_name}-dlq");
    expect(wrangler.queues.producers![0]!.queue).toBe("gateway-messages-production");
    expect(JSON.stringify(edge.locals)).toContain("gateway-messages-${var.environment}");
    expect(Object.keys(edge.resource!.cloudflare_workers_kv_namespace!).sort()).toEqual([
      "faq",
      "region_pins",
      "rollouts",
    ]);
    // Each namespace's id reaches the binding wrangler.jsonc names, by the edge output's key.
    const ids = parsed.root!.output!.edge![0]!.value as Record<string, Record<string, string>>;
    for (const env of ["staging", "production"] as const)
      for (const [binding, key] of [
        ["FAQ", "kv_faq_id"],
        ["REGION_PINS", "kv_region_pins_id"],
        ["ROLLOUTS", "kv_rollouts_id"],
      ] as const) {
        expect(wranglerConfig(env).kv_namespaces.find((k) => k.binding === binding)?.id).toBe(
          `TERRAFORM_OUTPUT:${env}.${key}`,
        );
        expect(ids["${(var.environment)}"]![key], key).toBe(`\${module.edge.${key}}`);
        expect(edge.output![key], key).toBeDefined();
      }
    // The cron that judges the rollouts, which every environment inherits.
    for (const env of [undefined, "staging", "production"])
      expect((wranglerConfig(env) as { triggers?: { crons?: string[] } }).triggers?.crons, env).toEqual(["* * * * *"]);
    // No Worker script, consumer or domain here: wrangler deploys them from wrangler.jsonc.
    for (const hcl of Object.values(parsed))
      for (const type of ["cloudflare_workers_script", "cloudflare_queue_consumer", "cloudflare_workers_custom_domain"])
        expect(hcl.resource?.[type], type).toBeUndefined();
  });

  it("keeps the servers' key and KEY_SECRET out of the state: made ephemerally, written write-only", () => {
    const edge = parsed.edge!;
    for (const [hcl, name] of [
      [edge, "key_secret"],
      [gpuRegion(), "api_key"],
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
    expect(metadata["origin-api-key-secret"]).toBe("${var.api_key_secret_id}");
    expect(gpuModuleCall().api_key_secret_id).toBe(fromRegion("api_key_secret_id"));
    expect(gpuRegion().output!.api_key_secret_id![0]!.value).toBe("${module.api_key.secret_id}");
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
