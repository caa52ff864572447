/**
 * `npm run bench`: figures anyone can reproduce on one machine. The built Worker runs in workerd
 * through the Miniflare API (no wrangler dev proxy), with the real Upstash shim over redis-server, the
 * gpt-oss emulator (answering after 100 ms) and the platform stand-ins on their own thread, and a
 * keep-alive HTTP load generator; everything shares this machine's cores. Prints one table; the
 * figures and the machine go in docs/BENCHMARKS.md.
 *
 *   npm run bench                      every section
 *   npm run bench -- ack throughput    only these (ack, throughput, roundtrips, cost, latency, overhead, streaming, scale,
 *                                      bundle, prompt-cache)
 *   npm run bench -- peers             the gateway beside a grammY bot, a Chat SDK bot and Portkey
 *                                      (bench/peers/; not part of the default run)
 *   npm run bench -- cost              every billed unit per answered message, priced at list prices
 *                                      (bench/cost/prices.ts), beside the last commit's figures
 *   npm run bench -- compression       the GPU server's token stream with and without the agent's gzip
 *                                      (bytes on the wire, first token at the client)
 *   npm run bench -- rollout           what choosing a model version costs a message, the split against its
 *                                      weights, and the rollout rule replayed on simulated traffic
 *   npm run bench -- faq               a large FAQ's question found through the search index and by a full scan
 *   npm run bench -- languages         the language detection on short messages of the regions' languages
 *   npm run bench -- capacity          one region's GPU pool (fixed, autoscaled, oracle) replaying public
 *                                      request traces from ../shared/traces (bench/capacity/)
 *   BENCH_PROFILE=out.cpuprofile npm run bench -- throughput
 *                                      also takes a CPU profile of workerd during the measured load
 *                                      (open it in Chrome DevTools) and prints its heaviest functions
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { ackLatency } from "./sections/ack.js";
import { capacity } from "./sections/capacity.js";
import { originCompression } from "./sections/compression.js";
import { cost } from "./sections/cost.js";
import { bundleAndColdStart } from "./sections/bundle.js";
import { replyLatency } from "./sections/latency.js";
import { gatewayOverhead } from "./sections/overhead.js";
import { peers } from "./sections/peers.js";
import { promptCaching } from "./sections/prompt-cache.js";
import { faq } from "./sections/faq.js";
import { languages } from "./sections/languages.js";
import { rollout } from "./sections/rollout.js";
import { roundTrips } from "./sections/roundtrips.js";
import { webchatScale } from "./sections/scale.js";
import { streamingDelay } from "./sections/streaming.js";
import { throughput } from "./sections/throughput.js";
import { startStandIns, type Row } from "./support.js";

const rows: Row[] = [];
const wanted = new Set(process.argv.slice(2));
const run = (section: string) => wanted.size === 0 || wanted.has(section);

/**
 * workerd keeps Durable Object storage (the messenger inboxes) in SQLite under Miniflare's temporary
 * directory; on a disk, every commit's fsync blocks the Worker's one thread, which Cloudflare's
 * replicated storage does not. The messenger sections keep it in memory-backed /dev/shm where there
 * is one (BENCH_DO_STORAGE=disk measures the other way); the web chat scale section stays on disk
 * (5,000 objects' SQLite files exhaust workerd's memory-mapped space on tmpfs).
 */
const DO_STORAGE = process.env.BENCH_DO_STORAGE === "disk" || !existsSync("/dev/shm") ? "disk" : "tmpfs";
const defaultTmpDir = process.env.TMPDIR;

/** Sections that run no Worker: a model of the GPU pool. */
const MODEL_ONLY = new Set(["capacity", "rollout", "languages"]);

async function main(): Promise<void> {
  if (wanted.size > 0 && [...wanted].every((s) => MODEL_ONLY.has(s))) {
    if (run("capacity")) rows.push(...(await capacity()));
    if (run("rollout")) rows.push(...(await rollout()));
    if (run("languages")) rows.push(...(await languages()));
    return print();
  }
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist", "--env", ""], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const standIns = await startStandIns();
  // The model's deadlines as deployed (the local stack's are the test suites' short ones: under a
  // saturating load, a 1.5 s first-token deadline is passed while answers wait their turn on the one
  // local thread, and the breaker then blames an origin that answered in 100 ms).
  const settings = { RATE_LIMIT_MESSAGES: "1000", MODEL_FIRST_TOKEN_TIMEOUT_MS: "20000", MODEL_TIMEOUT_MS: "60000" };
  if (DO_STORAGE === "tmpfs") process.env.TMPDIR = "/dev/shm";
  try {
    if (run("ack")) rows.push(...(await ackLatency(standIns.endpoints, settings)));
    if (run("throughput")) rows.push(...(await throughput(standIns, settings)));
    if (run("roundtrips")) rows.push(...(await roundTrips(standIns, settings)));
    if (run("cost")) rows.push(...(await cost(standIns, settings)));
    // Not in the default run (about 10 minutes): npm run bench -- peers.
    if (wanted.has("peers")) rows.push(...(await peers(standIns, settings)));
  } finally {
    await standIns.call("close");
    if (defaultTmpDir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = defaultTmpDir;
  }
  try {
    if (run("latency")) rows.push(...(await replyLatency()));
    if (run("overhead")) rows.push(...(await gatewayOverhead()));
    if (run("streaming")) rows.push(...(await streamingDelay()));
    if (wanted.has("compression")) rows.push(...(await originCompression()));
    if (run("scale")) rows.push(...(await webchatScale()));
    if (run("bundle")) rows.push(...(await bundleAndColdStart()));
    if (run("prompt-cache")) rows.push(...(await promptCaching()));
    if (run("capacity")) rows.push(...(await capacity()));
    if (run("rollout")) rows.push(...(await rollout()));
    if (run("languages")) rows.push(...(await languages()));
    if (run("faq")) rows.push(...(await faq()));
  } finally {
    print();
  }
}

function print(): void {
  console.log(
    `\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.release()}; messenger inboxes' Durable Object storage on ${DO_STORAGE}`,
  );
  if (rows.length === 0) return;
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  │  "));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
