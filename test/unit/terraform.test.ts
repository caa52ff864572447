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
  locals?: Block[];
  variable?: Record<string, Block[]>;
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
  parsed.root = await parseDir("terraform");
  for (const m of ["gpu-origin", "upstash", "edge"]) parsed[m] = await parseDir(`terraform/modules/${m}`);
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
    expect(JSON.stringify(root.locals)).toContain('jsondecode(file(\\"${path.module}/../infra/regions.json\\"))');
    const gpu = root.module!.gpu_origin![0]!;
    const db = root.module!.upstash![0]!;
    expect(gpu.for_each).toBe("${local.regions}");
    expect(db.for_each).toBe("${local.regions}");
    expect(gpu.location).toBe("${each.value.origins.location}");
    expect(gpu.origin_count).toContain("each.value.origins.count");
    expect(db.location).toBe("${each.value.database.location}");
  });

  it("gives the edge every region's four settings, the ones deploy:check requires", () => {
    const secrets = String(parsed.root!.module!.edge![0]!.region_secrets);
    expect(secrets).toContain("for id, _ in local.regions");
    for (const name of ["ORIGIN_URL_", "ORIGIN_API_KEY_", "UPSTASH_REDIS_REST_URL_", "UPSTASH_REDIS_REST_TOKEN_"]) {
      expect(secrets).toContain(`"${name}\${upper(id)}"`);
    }
    // The names the expression makes for the regions of the file are exactly the required secrets.
    expect(checkConfig(wranglerConfig("production"), "production").filter((p) => p.includes("secret"))).toEqual([]);
    expect(Object.keys(regions.regions).sort()).toEqual(["apac", "eu", "us"]);
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

  it("gives the edge Worker every binding the code uses, a queue with its dead-letter queue, and the hostname", () => {
    const edge = parsed.edge!;
    const bindings = String(edge.resource!.cloudflare_workers_script!.edge![0]!.bindings);
    for (const name of ["FAQ", "REGION_PINS", "MESSAGES", "METRICS", "WEBCHAT_SESSIONS", "WEBCHAT_MESSAGES"])
      expect(bindings).toMatch(new RegExp(`name\\s*=\\s*"${name}"`));
    // Every Durable Object of wrangler.jsonc, with the same migration history (one step per tag).
    const wrangler = wranglerConfig("production");
    expect(edge.resource!.cloudflare_workers_script!.edge![0]!.compatibility_flags).toEqual(
      wrangler.compatibility_flags,
    );
    // The key of the keyed hashes is made by Terraform and set as a secret.
    expect(edge.resource!.random_password!.key_secret).toBeDefined();
    expect(JSON.stringify(edge.locals)).toContain("KEY_SECRET");
    const durableObjects = wrangler.durable_objects.bindings.map((b) => [b.name, b.class_name]);
    expect(durableObjects).toEqual(DURABLE_OBJECTS);
    for (const [name, className] of durableObjects) {
      expect(bindings).toMatch(new RegExp(`name\\s*=\\s*"${name}",\\s*class_name\\s*=\\s*"${className}"`));
    }
    const migrations = edge.resource!.cloudflare_workers_script!.edge![0]!.migrations as {
      new_tag: string;
      steps: Array<Record<string, unknown>>;
    };
    expect(migrations.new_tag).toBe(wrangler.migrations.at(-1)!.tag);
    expect(migrations.steps).toEqual(wrangler.migrations.map(({ tag: _tag, ...step }) => step));
    expect(edge.resource!.cloudflare_queue_consumer!.messages![0]!.dead_letter_queue).toBe(
      "${cloudflare_queue.dead_letters.queue_name}",
    );
    expect(edge.resource!.cloudflare_queue_consumer!.dead_letters).toBeDefined();
    expect(edge.resource!.cloudflare_workers_custom_domain!.edge).toBeDefined();
  });

  it("documents every variable", () => {
    for (const hcl of Object.values(parsed)) {
      for (const [name, [v]] of Object.entries(hcl.variable ?? {})) expect(v!.description, name).toBeTruthy();
    }
  });
});
