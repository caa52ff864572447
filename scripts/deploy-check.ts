/**
 * `npm run deploy:check [-- --env staging|production]`: would `wrangler deploy` succeed, and would the
 * Worker find everything it needs? Checks the environment's bindings and cron trigger against what
 * the code uses, the required secrets against regions.json, that no KV id is still a Terraform
 * placeholder, then builds the bundle with `wrangler deploy --dry-run` and prints its size (limit:
 * 1 MiB gzipped). The pools' URLs of each version of a region's model (ORIGIN_URL_<R>_<V>) are not
 * in secrets.required (versions come and go with rollouts): `npm run deploy` checks that Terraform
 * gave every one (originUrlSettings).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import regions from "../infra/regions.json" with { type: "json" };
import { parseRegionFile } from "../edge/core/region-policy.js";
import { wranglerConfig } from "../infra/local/worker-bindings.js";

export const BUNDLE_GZIP_LIMIT_BYTES = 1024 * 1024;
export const PLACEHOLDER_PREFIX = "TERRAFORM_OUTPUT:";

/** The parts of an environment, as wrangler resolves it, that a deploy depends on. */
export interface Section {
  kv_namespaces?: Array<{ binding: string; id?: string }>;
  queues?: {
    producers?: Array<{ binding: string; queue: string }>;
    consumers?: Array<{ queue: string; dead_letter_queue?: string }>;
  };
  durable_objects?: { bindings?: Array<{ name: string; class_name: string }> };
  analytics_engine_datasets?: Array<{ binding: string; dataset?: string }>;
  ratelimits?: Array<{ name: string; namespace_id: string; simple: { limit: number; period?: number } }>;
  secrets?: { required?: string[] } | undefined;
  triggers?: { crons?: string[] | undefined } | undefined;
}

/** The Durable Object bindings the code uses, with their classes (edge/index.ts exports them). */
export const DURABLE_OBJECTS: ReadonlyArray<readonly [string, string]> = [
  ["WEBCHAT", "WebChatRoom"],
  ["REMINDERS", "UserReminders"],
  ["INBOX", "ChatInbox"],
];

/** The KV namespaces the code uses: FAQ, region pins, each region's model rollout. */
const KV_NAMESPACES = ["FAQ", "REGION_PINS", "ROLLOUTS"] as const;

/**
 * The settings naming each region's GPU pools that a deploy sets from Terraform's outputs:
 * ORIGIN_URL_<R>_<V> for every version of the region's model in regions.json, and ORIGIN_URL_<R>
 * (the pool of the version it names stable).
 */
export function originUrlSettings(): string[] {
  return Object.entries(parseRegionFile(regions).regions).flatMap(([id, region]) => {
    const R = id.toUpperCase();
    return [`ORIGIN_URL_${R}`, ...Object.keys(region.models.versions).map((v) => `ORIGIN_URL_${R}_${v.toUpperCase()}`)];
  });
}

/** Every problem that would break a deploy of `env` (undefined: the local, top-level configuration). */
export function checkConfig(section: Section, env?: string): string[] {
  const where = env ? `env "${env}"` : "the top level";
  const problems: string[] = [];
  for (const binding of KV_NAMESPACES) {
    const kv = section.kv_namespaces?.find((k) => k.binding === binding);
    if (!kv) problems.push(`${where}: no KV namespace bound as ${binding}`);
    else if (!kv.id || kv.id.startsWith(PLACEHOLDER_PREFIX))
      problems.push(`${where}: KV ${binding} has no id yet (run npm run deploy:ids with terraform output)`);
  }
  const producer = section.queues?.producers?.find((p) => p.binding === "MESSAGES");
  if (!producer) problems.push(`${where}: no queue producer bound as MESSAGES`);
  else {
    const consumer = section.queues?.consumers?.find((c) => c.queue === producer.queue);
    if (!consumer) problems.push(`${where}: nothing consumes ${producer.queue}`);
    else if (consumer.dead_letter_queue !== `${producer.queue}-dlq`)
      problems.push(`${where}: ${producer.queue} needs dead_letter_queue "${producer.queue}-dlq"`);
    else if (!section.queues?.consumers?.some((c) => c.queue === consumer.dead_letter_queue))
      problems.push(`${where}: nothing consumes ${consumer.dead_letter_queue} (dead letters would not be counted)`);
  }
  // The cron judges each region's model rollout (edge/pipeline/rollout.ts); without it none advances.
  if (!section.triggers?.crons?.length) problems.push(`${where}: no cron trigger (triggers.crons)`);
  for (const [name, className] of DURABLE_OBJECTS) {
    if (!section.durable_objects?.bindings?.some((d) => d.name === name && d.class_name === className)) {
      problems.push(`${where}: no Durable Object ${name} bound to ${className}`);
    }
  }
  if (!env) return problems;
  // Deployed environments only: the local stack writes metrics to its own endpoint and passes every
  // setting through its env file.
  if (!section.analytics_engine_datasets?.some((a) => a.binding === "METRICS"))
    problems.push(`${where}: no Analytics Engine dataset bound as METRICS`);
  for (const name of ["WEBCHAT_SESSIONS", "WEBCHAT_MESSAGES"])
    if (!section.ratelimits?.some((r) => r.name === name)) problems.push(`${where}: no rate limit bound as ${name}`);
  const required = new Set(section.secrets?.required ?? []);
  const needed = [
    ...Object.keys(regions.regions).flatMap((r) => {
      const R = r.toUpperCase();
      return [`ORIGIN_URL_${R}`, `ORIGIN_API_KEY_${R}`, `UPSTASH_REDIS_REST_URL_${R}`, `UPSTASH_REDIS_REST_TOKEN_${R}`];
    }),
    "ADMIN_TOKEN",
    "KEY_SECRET",
  ];
  for (const name of needed)
    if (!required.has(name)) problems.push(`${where}: secret ${name} is not in secrets.required`);
  return problems;
}

/**
 * Builds the Worker as `wrangler deploy` would (from `config`, wrangler.jsonc by default) and returns
 * its bundle's sizes; `show` prints what wrangler reports (the bindings it would upload).
 */
export function bundleSize(
  env?: string,
  options: { config?: string; show?: boolean } = {},
): { raw: number; gzip: number } {
  const out = mkdtempSync(join(tmpdir(), "deploy-check-"));
  const config = options.config ? ["-c", options.config] : [];
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out, "--env", env ?? "", ...config], {
    stdio: ["ignore", options.show ? "inherit" : "ignore", "inherit"],
  });
  try {
    const bundle = readFileSync(join(out, "index.js"));
    return { raw: bundle.length, gzip: gzipSync(bundle, { level: 9 }).length };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--env");
  const env = i >= 0 ? process.argv[i + 1] : undefined;
  const problems = checkConfig(wranglerConfig(env), env);
  const { raw, gzip } = bundleSize(env);
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`bundle: ${kib(raw)} raw, ${kib(gzip)} gzipped (limit ${kib(BUNDLE_GZIP_LIMIT_BYTES)} gzipped)`);
  if (gzip > BUNDLE_GZIP_LIMIT_BYTES) problems.push(`the bundle is ${kib(gzip)} gzipped, over the limit`);
  if (problems.length) {
    console.error(`deploy${env ? ` to ${env}` : ""} would fail or run without what it needs:`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log(`ready to deploy${env ? ` to ${env}` : ""}: every binding and required secret is declared`);
}
