import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { isEuLocation } from "../../edge/core/eu-countries.js";
import regions from "../../infra/regions.json" with { type: "json" };
import { wranglerConfig } from "../../infra/local/worker-bindings.js";
import { checkConfig, DURABLE_OBJECTS } from "../../scripts/deploy-check.js";

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
    for (const [k, v] of Object.entries(hcl)) Object.assign(((out as Record<string, Block>)[k] ??= {}), v);
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

const GCP_OR_UPSTASH_LOCATION =
  /\b(europe|us|asia|australia|northamerica|southamerica|me|africa)-[a-z]+\d\b|\b(eu|us|ap|sa)-(central|east|west|north|south|southeast|northeast)-\d\b/;

describe("terraform", () => {
  it("reads the one region file and instantiates origins and a database for each of its regions", () => {
    const root = parsed.root!;
    expect(JSON.stringify(root.locals)).toContain('jsondecode(file(\\"${path.module}/../../../infra/regions.json\\"))');
    const gpu = root.module!.gpu_origin![0]!;
    const db = root.module!.upstash![0]!;
    expect(gpu.for_each).toBe("${local.regions}");
    expect(db.for_each).toBe("${local.regions}");
    expect(gpu.location).toBe("${each.value.origins.location}");
    expect(gpu.origin_count).toContain("each.value.origins.count");
    expect(db.location).toBe("${each.value.database.location}");
  });

  it("gives the deploy every secret wrangler.jsonc requires, each region's from that region", () => {
    const outputs = parsed.root!.output!;
    const settings = String(outputs.worker_secrets![0]!.value);
    expect(outputs.worker_secrets![0]!.sensitive).toBe(true);
    expect(settings).toContain("for id, _ in local.regions");
    for (const name of ["ORIGIN_URL_", "UPSTASH_REDIS_REST_URL_", "UPSTASH_REDIS_REST_TOKEN_"])
      expect(settings).toContain(`"${name}\${upper(id)}"`);
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

  it("places every GPU origin and database only where regions.json says, and EU ones in the EU", () => {
    for (const hcl of Object.values(parsed)) {
      const literal = values(hcl).find((v) => GCP_OR_UPSTASH_LOCATION.test(v));
      expect(literal, "a location written into Terraform instead of read from regions.json").toBeUndefined();
    }
    const gpu = parsed["gpu-origin"]!;
    expect(JSON.stringify(gpu.locals)).toContain('\\"${var.location}-${var.zone_suffixes');
    expect(gpu.resource!.google_compute_instance!.origin![0]!.zone).toBe("${local.zones[count.index]}");
    expect(gpu.resource!.google_compute_address!.origin![0]!.region).toBe("${var.location}");
    expect(parsed.upstash!.resource!.upstash_redis_database!.region![0]!.primary_region).toBe("${var.location}");
    for (const [id, r] of Object.entries(regions.regions)) {
      if (r.jurisdiction === "eu") {
        expect(isEuLocation(r.origins.location), `${id} origins`).toBe(true);
        expect(isEuLocation(r.database.location), `${id} database`).toBe(true);
      }
    }
  });

  it("runs each origin on an A100 VM that stops for maintenance, open on 443 to Cloudflare only", () => {
    const gpu = parsed["gpu-origin"]!;
    const vm = gpu.resource!.google_compute_instance!.origin![0]!;
    expect(vm.machine_type).toBe("a2-highgpu-1g");
    expect(vm.scheduling).toEqual([{ automatic_restart: true, on_host_maintenance: "TERMINATE" }]);
    const https = gpu.resource!.google_compute_firewall!.https_from_cloudflare![0]!;
    expect(https.source_ranges).toBe("${var.allowed_cidrs}");
    expect(parsed.root!.module!.gpu_origin![0]!.allowed_cidrs).toBe(
      "${data.cloudflare_ip_ranges.cloudflare.ipv4_cidrs}",
    );
    expect(JSON.stringify(https.allow)).toContain('"443"');
    // The files the startup metadata reads exist.
    for (const f of ["startup.sh", "serve-flags.txt", "Caddyfile"]) expect(existsSync(`gpu-origin/${f}`), f).toBe(true);
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

  it("keeps the origins' key and KEY_SECRET out of the state: made ephemerally, written write-only", () => {
    const edge = parsed.edge!;
    const gpu = parsed["gpu-origin"]!;
    for (const [hcl, name] of [
      [edge, "key_secret"],
      [gpu, "api_key"],
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
    // The VMs get secrets by name and read them with their own identity; no value is in their metadata.
    const metadata = gpu.resource!.google_compute_instance!.origin![0]!.metadata as Record<string, string>;
    expect(
      Object.keys(metadata)
        .filter((k) => /key/.test(k))
        .sort(),
    ).toEqual(["origin-api-key-secret", "origin-tls-key-secret"]);
    expect(readFileSync("gpu-origin/startup.sh", "utf8")).toContain("gcloud secrets versions access latest");
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
