/**
 * `npm run deploy -- <staging|production> [--secrets <file>] [--yes] [--dry-run]`: one deploy, in order.
 *
 *  1. check that the generated files (OpenAPI, web chat renderer) are current, and regions.json;
 *  2. terraform init (state in TF_STATE_BUCKET), plan, and apply after a yes, in terraform/environments/<env>;
 *  3. fill the KV namespace ids Terraform made into a deploy copy of wrangler.jsonc and check it
 *     (every binding, every required secret, the bundle size: scripts/deploy-check.ts);
 *  4. gather the Worker's secrets: Terraform's outputs (each region's Upstash database, and the URL of
 *     each version's GPU pool: ORIGIN_URL_<R>_<V> for every version of regions.json, ORIGIN_URL_<R>
 *     for the stable one's), Secret Manager (the origins' keys and KEY_SECRET, which are never in the
 *     state; KEY_SECRET's previous version as KEY_SECRET_PREVIOUS while it is enabled) and the
 *     operator's file (ADMIN_TOKEN, channel secrets);
 *  5. `wrangler deploy --env <env> --secrets-file …`: code, bindings, secrets and hostname at once;
 *  6. write the Prometheus scrape configuration of every GPU pool (one per version of each region's
 *     model; infra/observability/targets/<env>.json: the servers come and go, so it says where to
 *     discover them, not who they are).
 *
 * --dry-run runs the same sequence here without a cloud: the checks, the bundle and `wrangler deploy
 * --dry-run` for real, Terraform and Secret Manager replaced by stand-in outputs made from
 * regions.json, every other command printed instead of run. Secret values are never printed.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline/promises";
import regionJson from "../infra/regions.json" with { type: "json" };
import { parseRegionFile } from "../edge/core/region-policy.js";
import { WRANGLER_CONFIG, wranglerConfig } from "../infra/local/worker-bindings.js";
import { BUNDLE_GZIP_LIMIT_BYTES, bundleSize, checkConfig, originUrlSettings } from "./deploy-check.js";
import { fillIds } from "./deploy-ids.js";
import { OPENAPI_FILE, openApiText } from "./openapi.js";
import { CLIENT_FILE, clientText } from "./webchat-client.js";

const ENVIRONMENTS = ["staging", "production"] as const;
type Environment = (typeof ENVIRONMENTS)[number];

/**
 * One GPU pool (a version of a region's model), as the shared configuration's `origin_pools` output
 * gives it, keyed "<region>-<version>".
 */
export interface OriginPool {
  region: string;
  /** The version of the region's model it serves (regions.json's models.versions). */
  version: string;
  /** The pool's one URL (ORIGIN_URL_<R>_<V>; ORIGIN_URL_<R> for the stable version). */
  url: string;
  project: string;
  location: string;
  zones: string[];
  /** The regional managed instance group (gcloud compute instance-groups managed … --region <location>). */
  instance_group: string;
  /** The labels every server of the pool carries (environment, region, version, component). */
  labels: Record<string, string>;
  /** Where each server serves /metrics (vLLM's) and /agent-metrics (the admission agent's). */
  metrics_port: number;
}

/** What `terraform output -json` gives this deploy (the shared configuration's outputs). */
export interface TerraformOutputs {
  edge: { value: Record<string, Record<string, string>> };
  worker_secrets: { value: Record<string, string> };
  worker_secret_refs: { value: Record<string, string> };
  /** Each region's pools' URLs, by version: { region → { version → URL } }. */
  origin_urls: { value: Record<string, Record<string, string>> };
  origin_pools: { value: Record<string, OriginPool> };
}

/** Where the deploy writes an environment's Prometheus scrape configuration (infra/observability/prometheus.yml reads it). */
export function targetsFile(env: Environment): string {
  return join("infra", "observability", "targets", `${env}.json`);
}

/** The jobs that scrape each GPU server's monitoring port: vLLM's metrics and the admission agent's. */
const SERVER_JOBS = [
  { job: "vllm-origins", path: "/metrics" },
  { job: "gpu-agents", path: "/agent-metrics" },
] as const;

/**
 * An environment's scrape configuration of its GPU servers, in Prometheus's own schema (a file
 * `scrape_config_files` loads; JSON is YAML). The autoscaler adds and removes servers, so Prometheus
 * discovers them itself (gce_sd_configs: one per zone of each pool, the pool's labels as the filter;
 * it needs compute.instances.list on the project) and scrapes their internal addresses. Each job is
 * named per environment (job names are unique across files) and its `job` label set back to the
 * plain name, so alerts and dashboards read `job="vllm-origins"` whatever the environment.
 */
export function serverScrapeConfig(env: Environment, pools: Record<string, OriginPool>) {
  const discovery = Object.values(pools).flatMap((pool) => {
    // The pool's servers, booting or running (not those being created, stopped or deleted).
    const labels = Object.entries(pool.labels).map(([k, v]) => `(labels.${k} = "${v}")`);
    const filter = [...labels, '(status = "RUNNING")'].join(" AND ");
    return pool.zones.map((zone) => ({ project: pool.project, zone, port: pool.metrics_port, filter }));
  });
  return {
    scrape_configs: SERVER_JOBS.map(({ job, path }) => ({
      job_name: `${job}-${env}`,
      scheme: "https",
      // Caddy serves the pool's Origin CA certificate there (issued for its name, not the servers'
      // addresses); the monitoring port is reachable from the monitoring networks alone.
      tls_config: { insecure_skip_verify: true },
      metrics_path: path,
      gce_sd_configs: discovery,
      relabel_configs: [
        { target_label: "job", replacement: job },
        { source_labels: ["__meta_gce_label_environment"], target_label: "environment" },
        { source_labels: ["__meta_gce_label_region"], target_label: "region" },
        { source_labels: ["__meta_gce_label_version"], target_label: "version" },
        { source_labels: ["__meta_gce_instance_name"], target_label: "origin" },
        { source_labels: ["__meta_gce_zone"], regex: ".*/([^/]+)", target_label: "zone" },
      ],
    })),
  };
}

export interface DeployOptions {
  env: Environment;
  dryRun: boolean;
  secretsFile?: string;
  yes: boolean;
}

/** Stand-in outputs for a dry run: the shape Terraform gives, with made-up values, for regions.json's regions. */
export function standInOutputs(env: Environment): TerraformOutputs {
  const regions = parseRegionFile(regionJson).regions;
  const url = (id: string, version: string) => `https://pool-${id}-${version}.origins.example.com`;
  const urls = Object.fromEntries(
    Object.entries(regions).map(([id, r]) => [
      id,
      Object.fromEntries(Object.keys(r.models.versions).map((v) => [v, url(id, v)])),
    ]),
  );
  return {
    edge: {
      value: {
        [env]: {
          kv_faq_id: `dry-run-${env}-faq`,
          kv_region_pins_id: `dry-run-${env}-region-pins`,
          kv_rollouts_id: `dry-run-${env}-rollouts`,
        },
      },
    },
    worker_secrets: {
      value: Object.fromEntries(
        Object.entries(regions).flatMap(([id, r]) => {
          const R = id.toUpperCase();
          return [
            [`ORIGIN_URL_${R}`, url(id, r.models.stable)],
            ...Object.keys(r.models.versions).map((v) => [`ORIGIN_URL_${R}_${v.toUpperCase()}`, url(id, v)]),
            [`UPSTASH_REDIS_REST_URL_${R}`, `https://dry-run-${id}.upstash.io`],
            [`UPSTASH_REDIS_REST_TOKEN_${R}`, "dry-run-token"],
          ];
        }),
      ),
    },
    worker_secret_refs: {
      value: {
        ...Object.fromEntries(
          Object.keys(regions).map((id) => [
            `ORIGIN_API_KEY_${id.toUpperCase()}`,
            `projects/p/secrets/${env}-origin-${id}-api-key`,
          ]),
        ),
        KEY_SECRET: `projects/p/secrets/${env}-edge-key-secret`,
      },
    },
    origin_urls: { value: urls },
    origin_pools: {
      value: Object.fromEntries(
        Object.entries(regions).flatMap(([id, r]) =>
          Object.keys(r.models.versions).map((version) => [
            `${id}-${version}`,
            {
              region: id,
              version,
              url: url(id, version),
              project: "dry-run-project",
              location: r.origins.location,
              zones: r.origins.zones,
              instance_group: `${env}-gpu-${id}-${version}`,
              labels: { environment: env, region: id, version, component: "gpu-origin" },
              metrics_port: 9443,
            },
          ]),
        ),
      ),
    },
  };
}

/** A dotenv (KEY=value) or JSON ({"KEY":"value"}) secrets file. */
export function readSecretsFile(path: string): Record<string, string> {
  const text = readFileSync(path, "utf8");
  if (text.trimStart().startsWith("{")) return JSON.parse(text) as Record<string, string>;
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, "$2");
  }
  return out;
}

function step(title: string): void {
  console.log(`\n==> ${title}`);
}

/** Runs a command (its output shown), or in a dry run prints it. Returns its stdout when captured. */
function run(command: string, args: string[], options: { dryRun?: boolean; capture?: boolean } = {}): string {
  console.log(`$ ${[command, ...args].join(" ")}${options.dryRun ? "   (dry run: not run)" : ""}`);
  if (options.dryRun) return "";
  const result = spawnSync(command, args, {
    stdio: ["inherit", options.capture ? "pipe" : "inherit", "inherit"],
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`${command} ${args[0] ?? ""} failed (exit ${result.status ?? "signal"})`);
  return result.stdout ?? "";
}

/** A secret's value from Secret Manager; with `previous`, the enabled version before the latest, if any. */
function accessSecret(secret: string, version = "latest"): string {
  return run("gcloud", ["secrets", "versions", "access", version, `--secret=${secret}`, "--quiet"], { capture: true });
}

function previousVersion(secret: string): string | undefined {
  const listed = run(
    "gcloud",
    [
      "secrets",
      "versions",
      "list",
      secret,
      "--filter=state=ENABLED",
      "--sort-by=~createTime",
      "--limit=2",
      "--format=value(name)",
    ],
    { capture: true },
  )
    .split("\n")
    .filter(Boolean);
  return listed[1]?.split("/").at(-1);
}

export async function deploy(options: DeployOptions): Promise<void> {
  const { env, dryRun } = options;
  const tfDir = join("terraform", "environments", env);
  const work = mkdtempSync(join(tmpdir(), `deploy-${env}-`));
  chmodSync(work, 0o700);
  // The deploy copy of wrangler.jsonc sits beside it (its paths are relative to its directory).
  const deployConfig = `wrangler.deploy.${env}.jsonc`;
  try {
    step("Check the generated files and the region file");
    // (Checked, not rewritten: a deploy changes nothing in the checkout.)
    for (const [file, current] of [
      [OPENAPI_FILE, openApiText()],
      [CLIENT_FILE, clientText()],
    ] as const) {
      if (readFileSync(file, "utf8") !== current) throw new Error(`${file} is stale: run npm run build and commit it`);
      console.log(`${file}: current`);
    }
    run("npm", ["run", "--silent", "regions:check"]);

    step(`Terraform (${tfDir})`);
    const bucket = process.env.TF_STATE_BUCKET;
    if (!bucket && !dryRun) throw new Error("TF_STATE_BUCKET is not set (terraform/bootstrap makes the state bucket)");
    run(
      "terraform",
      [`-chdir=${tfDir}`, "init", "-input=false", `-backend-config=bucket=${bucket ?? "<TF_STATE_BUCKET>"}`],
      { dryRun },
    );
    const plan = join(work, "plan");
    run("terraform", [`-chdir=${tfDir}`, "plan", "-input=false", `-out=${plan}`], { dryRun });
    if (!dryRun && !options.yes) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`Apply this plan to ${env}? (yes/no) `);
      rl.close();
      if (answer.trim() !== "yes") throw new Error("not applied: nothing was changed");
    }
    run("terraform", [`-chdir=${tfDir}`, "apply", "-input=false", plan], { dryRun });
    const outputs = dryRun
      ? standInOutputs(env)
      : (JSON.parse(run("terraform", [`-chdir=${tfDir}`, "output", "-json"], { capture: true })) as TerraformOutputs);
    if (dryRun) console.log("(dry run: Terraform's outputs replaced by stand-ins made from regions.json)");

    step(`The Worker's configuration (${deployConfig})`);
    const filled = fillIds(readFileSync(WRANGLER_CONFIG, "utf8"), outputs);
    // (The other environment's placeholders stay: this copy deploys one environment.)
    const missing = filled.missing.filter((m) => m.startsWith(`${env}.`));
    if (missing.length) throw new Error(`Terraform gave no ${missing.join(", ")}`);
    writeFileSync(deployConfig, filled.config);
    const config = wranglerConfig(env, deployConfig);
    const problems = checkConfig(config, env);
    // The deploy copy built as wrangler will upload it (`wrangler deploy --dry-run`): its bindings, its size.
    const { raw, gzip } = bundleSize(env, { config: deployConfig, show: true });
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`bundle: ${kib(raw)} raw, ${kib(gzip)} gzipped (limit ${kib(BUNDLE_GZIP_LIMIT_BYTES)})`);
    if (gzip > BUNDLE_GZIP_LIMIT_BYTES) problems.push(`the bundle is ${kib(gzip)} gzipped, over the limit`);
    if (problems.length) throw new Error(`the ${env} Worker would miss what it needs:\n  - ${problems.join("\n  - ")}`);
    console.log(`${filled.filled} KV id(s) filled; every binding the code uses is declared`);

    step("The Worker's secrets");
    const secrets: Record<string, string> = { ...outputs.worker_secrets.value };
    // Every version of each region's model answers at its own pool's URL (the edge reads
    // ORIGIN_URL_<R>_<V>, and ORIGIN_URL_<R> for the stable one): Terraform made one pool per version.
    const noPool = originUrlSettings().filter((name) => !secrets[name]);
    if (noPool.length)
      throw new Error(`Terraform gave no ${noPool.join(", ")}: is every version of regions.json applied?`);
    const sources: Record<string, string> = Object.fromEntries(
      Object.keys(secrets).map((k) => [k, "terraform output"]),
    );
    for (const [name, secret] of Object.entries(outputs.worker_secret_refs.value)) {
      secrets[name] = dryRun ? "dry-run" : accessSecret(secret);
      if (dryRun)
        run("gcloud", ["secrets", "versions", "access", "latest", `--secret=${secret}`, "--quiet"], { dryRun });
      sources[name] = `Secret Manager ${secret}`;
      if (name === "KEY_SECRET" && !dryRun) {
        // During a rotation (key_secret_version raised) the one before still finds what was stored
        // under it (docs/SECURITY.md); disable that version to end the rotation.
        const previous = previousVersion(secret);
        if (previous) {
          secrets.KEY_SECRET_PREVIOUS = accessSecret(secret, previous);
          sources.KEY_SECRET_PREVIOUS = `Secret Manager ${secret} version ${previous}`;
        }
      }
    }
    if (options.secretsFile) {
      for (const [name, value] of Object.entries(readSecretsFile(options.secretsFile))) {
        secrets[name] = value;
        sources[name] = options.secretsFile;
      }
    } else if (dryRun) {
      secrets.ADMIN_TOKEN = "dry-run";
      sources.ADMIN_TOKEN = "the operator's --secrets file (a stand-in in this dry run)";
    }
    const unset = (config.secrets?.required ?? []).filter((name) => !secrets[name]);
    if (unset.length) throw new Error(`no value for the required secret(s) ${unset.join(", ")} (--secrets <file>)`);
    for (const name of Object.keys(secrets).sort()) console.log(`  ${name.padEnd(32)} from ${sources[name]}`);

    step(`Upload the Worker to ${env}`);
    if (dryRun) {
      run("npx", ["wrangler", "deploy", "--env", env, "-c", deployConfig, "--secrets-file", "<secrets>"], { dryRun });
    } else {
      const secretsPath = join(work, "secrets.json");
      writeFileSync(secretsPath, JSON.stringify(secrets), { mode: 0o600 });
      run("npx", ["wrangler", "deploy", "--env", env, "-c", deployConfig, "--secrets-file", secretsPath]);
    }

    step("Prometheus discovery of the GPU servers");
    const pools = outputs.origin_pools.value;
    const targets = `${JSON.stringify(serverScrapeConfig(env, pools), null, 2)}\n`;
    const file = targetsFile(env);
    if (dryRun) {
      const zones = Object.values(pools).reduce((n, p) => n + p.zones.length, 0);
      console.log(`would write ${file}: ${Object.keys(pools).length} pool(s) in ${zones} zone(s)`);
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, targets);
      console.log(`wrote ${file}`);
    }

    step(dryRun ? `Dry run of the ${env} deploy complete: nothing was changed` : `Deployed to ${env}`);
    console.log(
      "Then, once per bot: npm run telegram:webhook -- https://<hostname>; WhatsApp: the callback URL in Meta's app dashboard.",
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (existsSync(deployConfig)) rmSync(deployConfig);
  }
}

export function parseArgs(argv: string[]): DeployOptions {
  const env = argv.find((a) => !a.startsWith("--") && argv[argv.indexOf(a) - 1] !== "--secrets");
  if (!ENVIRONMENTS.includes(env as Environment))
    throw new Error("usage: npm run deploy -- <staging|production> [--secrets <file>] [--yes] [--dry-run]");
  const s = argv.indexOf("--secrets");
  return {
    env: env as Environment,
    dryRun: argv.includes("--dry-run"),
    yes: argv.includes("--yes"),
    ...(s >= 0 && argv[s + 1] ? { secretsFile: argv[s + 1]! } : {}),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await deploy(parseArgs(process.argv.slice(2)));
  } catch (err) {
    console.error(`\ndeploy stopped: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
