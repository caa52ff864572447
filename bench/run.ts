/**
 * `npm run bench`: the built Worker in workerd (Miniflare API, no wrangler dev proxy) with the real
 * Upstash shim over redis-server, the gpt-oss emulator and the Telegram stand-in, all on this machine.
 * Prints webhook acknowledgement latency at 1 and 10 concurrent deliveries, acks per second at 50,
 * and the Upstash round trips each message costs, counted at the shim.
 */
import { execFileSync } from "node:child_process";
import http from "node:http";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { ORIGIN_KEY, startEdge, TELEGRAM_SECRET, TELEGRAM_TOKEN, textUpdate } from "../infra/local/edge-stack.js";
import type { ShimDatabaseStats } from "../infra/local/upstash-shim.js";
import type { StandInsData, StandInsRequest } from "./stand-ins.js";

const BENCH_REDIS_DB = { eu: 4, us: 5, apac: 6 } as const;
let nextUser = 1_000_000;

async function main(): Promise<void> {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist"], { stdio: ["ignore", "ignore", "inherit"] });
  const standIns = await startStandIns();
  const settings = { RATE_LIMIT_MESSAGES: "1000" };
  const rows: string[][] = [];

  // The webhook on its own: an edge with no queue consumer, so nothing else competes for the cores.
  const ackOnly = await startEdge({ endpoints: standIns.endpoints, port: 0, quiet: true, settings, consumers: null });
  try {
    const post = poster(ackOnly.url);
    await run(post, 1, 300);
    const { latencies } = await run(post, 1, 2000);
    rows.push(["ack latency, 1 concurrent, consumer idle", "2000 webhooks", `p50 ${fmt(pct(latencies, 50))} ms`, `p99 ${fmt(pct(latencies, 99))} ms`]);
  } finally {
    await ackOnly.mf.dispose();
  }

  // The whole product: every acked webhook is also answered, on the same two cores.
  const edge = await startEdge({ endpoints: standIns.endpoints, port: 0, quiet: true, settings });
  const post = poster(edge.url);
  const drain = async () => {
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = (await standIns.call("sentCount")) as number;
      if (now === last) return now;
      last = now;
    }
  };
  try {
    await run(post, 1, 300); // warm-up: JIT, connections, scripts loaded
    await drain();
    for (const [concurrency, total] of [
      [1, 2000],
      [10, 3000],
    ] as const) {
      const { latencies } = await run(post, concurrency, total);
      rows.push([`ack latency, ${concurrency} concurrent, consumer answering`, `${total} webhooks`, `p50 ${fmt(pct(latencies, 50))} ms`, `p99 ${fmt(pct(latencies, 99))} ms`]);
      await drain();
    }
    const burst = await run(post, 50, 5000);
    rows.push(["acks per second, 50 concurrent", "5000 webhooks", `${Math.round(5000 / (burst.wallMs / 1000))} /s`, `p99 ${fmt(pct(burst.latencies, 99))} ms`]);
    const total = await drain();
    const acked = 300 + 2000 + 3000 + 5000;
    rows.push(["answered exactly once", `${acked} acked webhooks`, `${total} replies`, total === acked ? "ok" : "MISMATCH"]);

    // Round trips: webhooks to distinct users, each answered by the model; counted at the shim.
    await standIns.call("resetStats");
    const messages = 200;
    await run(post, 5, messages);
    const after = await drain();
    const stats = ((await standIns.call("stats")) as Record<string, ShimDatabaseStats>).eu!;
    rows.push(["upstash round trips per message", `${messages} answered messages`, `${fmt(stats.requests / messages)} requests`, `${fmt(stats.commands / messages)} commands`]);
    print(rows);
    if (total !== acked || after - total !== messages) throw new Error("not every acked webhook was answered exactly once");
  } finally {
    await edge.mf.dispose();
    await standIns.call("close");
  }
}

// node:http with keep-alive, as a platform's webhook sender holds its connections open.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Sends one signed Telegram update from a new user to the edge and resolves with its latency in ms. */
function poster(edge: URL): () => Promise<number> {
  return () => {
    const body = JSON.stringify(textUpdate(nextUser++, "What are your opening hours?"));
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: edge.hostname,
          port: edge.port,
          path: "/webhooks/telegram",
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-telegram-bot-api-secret-token": TELEGRAM_SECRET,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`webhook answered ${res.statusCode}`))));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}

async function startStandIns() {
  // The thread loads TypeScript through tsx, as this process does.
  const entry = new URL("./stand-ins.ts", import.meta.url).href;
  const worker = new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, {
    eval: true,
    workerData: { token: TELEGRAM_TOKEN, originKey: ORIGIN_KEY, redisDb: BENCH_REDIS_DB } satisfies StandInsData,
  });
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 1;
  const ready = new Promise<{ endpoints: { telegram: string; origin: string; redis: Record<string, string> } }>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: { ready?: boolean; id?: number; result?: unknown; endpoints?: never }) => {
      if (m.ready) resolve(m as never);
      else if (m.id !== undefined) pending.get(m.id)?.(m.result);
    });
  });
  const { endpoints } = await ready;
  return {
    endpoints,
    call: (op: StandInsRequest["op"]) =>
      new Promise<unknown>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        worker.postMessage({ id, op } satisfies StandInsRequest);
      }),
  };
}

async function run(post: () => Promise<number>, concurrency: number, total: number) {
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started += 1;
        latencies.push(await post());
      }
    }),
  );
  return { latencies, wallMs: performance.now() - t0 };
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 1);

function print(rows: string[][]): void {
  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  │  "));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
