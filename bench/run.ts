/**
 * `npm run bench`: figures anyone can reproduce on one machine. The built Worker runs in workerd
 * through the Miniflare API (no wrangler dev proxy), with the real Upstash shim over redis-server, the
 * gpt-oss emulator (answering after 100 ms) and the platform stand-ins on their own thread, and a
 * keep-alive HTTP load generator; everything shares this machine's cores. Prints one table; the
 * figures and the machine go in docs/BENCHMARKS.md.
 *
 *   npm run bench                      every section
 *   npm run bench -- ack throughput    only these (ack, throughput, overhead, roundtrips, streaming, scale, bundle)
 *   BENCH_PROFILE=out.cpuprofile npm run bench -- throughput
 *                                      also takes a CPU profile of workerd during the measured load
 *                                      (open it in Chrome DevTools) and prints its heaviest functions
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import WebSocket from "ws";
import {
  HTTP_API_KEY,
  ORIGIN_KEY,
  startEdge,
  startStack,
  TELEGRAM_SECRET,
  TELEGRAM_TOKEN,
  textUpdate,
  WHATSAPP,
  whatsappPayload,
} from "../infra/local/edge-stack.js";
import { signWhatsAppBody } from "../infra/local/whatsapp-stand-in.js";
import type { ShimDatabaseStats } from "../infra/local/upstash-shim.js";
import { SUMMARIZE_INSTRUCTIONS } from "../edge/core/prompt.js";
import { bundleSize } from "../scripts/deploy-check.js";
import type { StandInsData, StandInsRequest } from "./stand-ins.js";

const BENCH_REDIS_DB = { eu: 4, us: 5, apac: 6 } as const;
/** The emulated origin's time to first token: a short answer from a loaded GPU. */
const ORIGIN_MS = 100;
const rows: string[][] = [];
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

async function main(): Promise<void> {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist", "--env", ""], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const standIns = await startStandIns();
  const settings = { RATE_LIMIT_MESSAGES: "1000" };
  if (DO_STORAGE === "tmpfs") process.env.TMPDIR = "/dev/shm";
  try {
    if (run("ack")) await ackLatency(standIns.endpoints, settings);
    if (run("throughput")) await throughput(standIns, settings);
    if (run("roundtrips")) await roundTrips(standIns, settings);
  } finally {
    await standIns.call("close");
    if (defaultTmpDir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = defaultTmpDir;
  }
  try {
    if (run("overhead")) await gatewayOverhead();
    if (run("streaming")) await streamingDelay();
    if (run("scale")) await webchatScale();
    if (run("bundle")) await bundleAndColdStart();
  } finally {
    print();
  }
}

type Endpoints = Awaited<ReturnType<typeof startStandIns>>["endpoints"];

/** Webhook acknowledgement: the edge alone (no consumer), signed Telegram and WhatsApp deliveries. */
async function ackLatency(endpoints: Endpoints, settings: Record<string, string>) {
  const edge = await startEdge({ endpoints, port: 0, quiet: true, settings, consumers: null });
  try {
    for (const channel of ["telegram", "whatsapp"] as const) {
      const post = poster(edge.url, channel);
      await load(post, 1, 300); // warm-up
      for (const [concurrency, total] of [
        [1, 2000],
        [10, 3000],
        [50, 5000],
      ] as const) {
        const { latencies } = await load(post, concurrency, total);
        rows.push([
          `ack latency, ${channel}, ${concurrency} concurrent`,
          `${total} signed webhooks`,
          `p50 ${ms(pct(latencies, 50))}`,
          `p99 ${ms(pct(latencies, 99))}`,
        ]);
      }
    }
  } finally {
    await edge.mf.dispose();
  }
}

/**
 * Everything at once: webhooks acked while the consumer answers every message (origin 100 ms), from
 * 500 users writing 6 messages each; answered exactly once per message.
 *
 * The per-message records go where production sends them, to the Analytics Engine binding (which
 * the local runtime accepts and drops): the local stack's stand-in for it, an HTTP POST per message,
 * is not a cost the deployed Worker has. The round-trips run sends them to that stand-in instead,
 * for the KV counts they carry.
 */
async function messengerLoad(
  standIns: Awaited<ReturnType<typeof startStandIns>>,
  settings: Record<string, string>,
  records: "analytics-engine" | "metrics-endpoint",
  firstUser: number,
) {
  const profileTo = records === "analytics-engine" ? process.env.BENCH_PROFILE : undefined;
  const inspectorPort = profileTo ? 9229 : undefined;
  const edge = await startEdge({
    endpoints: standIns.endpoints,
    port: 0,
    quiet: true,
    inspectorPort,
    analyticsEngine: records === "analytics-engine",
    settings: { ...settings, ...(records === "metrics-endpoint" ? { METRICS_URL: standIns.endpoints.metrics } : {}) },
  });
  try {
    const drain = async () => {
      let last = -1;
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const now = (await standIns.call("answeredCount")) as number;
        if (now === last) return now;
        last = now;
      }
    };
    const users = 500;
    const perUser = 6;
    const total = users * perUser;
    let n = 0;
    const post = poster(edge.url, "telegram", () => firstUser + (n++ % users));
    const initial = (await standIns.call("answeredCount")) as number;
    await load(post, 5, 200); // warm-up, fully answered before anything is counted
    while (((await standIns.call("answeredCount")) as number) - initial < 200)
      await new Promise((r) => setTimeout(r, 50));
    const before = await drain();
    const answersBefore = (await standIns.call("answers")) as Answers;
    await standIns.call("resetStats");
    const profiler = inspectorPort ? await startProfile(inspectorPort) : undefined;
    const cpuBefore = { workerd: workerdCpuMs(), bench: benchCpuMs() };
    const started = performance.now();
    const acked = await load(post, 50, total);
    for (;;) {
      if (((await standIns.call("answeredCount")) as number) - before >= total) break;
      if (performance.now() - started > 120_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const answeredMs = performance.now() - started;
    const cpu = { workerd: workerdCpuMs() - cpuBefore.workerd, bench: benchCpuMs() - cpuBefore.bench };
    if (profiler && profileTo) await profiler.stop(profileTo);
    const answered = (await drain()) - before;
    const answers = (await standIns.call("answers")) as Answers;
    return {
      users,
      total,
      acked,
      answeredMs,
      cpu,
      answered,
      replies: answers.replies - answersBefore.replies,
      twice: answers.answeredTwice,
      upstash: ((await standIns.call("stats")) as Record<string, ShimDatabaseStats>).eu!,
      kv: (await standIns.call("kvUsage")) as { kvReads: number; kvWrites: number },
    };
  } finally {
    await edge.mf.dispose();
  }
}

/**
 * The machine's speed varies from run to run (a shared virtual machine: the same code measured 3.2 to
 * 4.1 ms of workerd CPU per message), so the load runs BENCH_RUNS times (3) and the median run is
 * reported, with the range.
 */
async function throughput(standIns: Awaited<ReturnType<typeof startStandIns>>, settings: Record<string, string>) {
  const runs: Array<Awaited<ReturnType<typeof messengerLoad>> & { rate: number }> = [];
  for (let i = 0; i < Number(process.env.BENCH_RUNS ?? 3); i++) {
    const r = await messengerLoad(standIns, settings, "analytics-engine", 2_000_000 + i * 10_000);
    runs.push({ ...r, rate: r.total / (r.answeredMs / 1000) });
  }
  const byRate = [...runs].sort((a, b) => a.rate - b.rate);
  const { users, total, acked, answeredMs, cpu } = byRate[Math.floor((byRate.length - 1) / 2)]!;
  const range = runs.length > 1 ? ` (${Math.round(byRate[0]!.rate)}–${Math.round(byRate.at(-1)!.rate)})` : "";
  const cpuRange =
    runs.length > 1
      ? ` (${Math.min(...runs.map((r) => r.cpu.workerd / r.total)).toFixed(2)}–${Math.max(...runs.map((r) => r.cpu.workerd / r.total)).toFixed(2)})`
      : "";
  const once = runs.every((r) => r.answered === r.total && r.twice === 0);
  const unanswered = runs.reduce((n, r) => n + r.total - r.answered, 0);
  const twice = runs.reduce((n, r) => n + r.twice, 0);
  rows.push([
    `throughput, origin 100 ms, 50 concurrent, median of ${runs.length}`,
    `${total} messages, ${users} users`,
    `${Math.round(total / (acked.wallMs / 1000))} acked/s`,
    `${Math.round(total / (answeredMs / 1000))} answered/s${range}`,
  ]);
  rows.push([
    "answered exactly once",
    `${total * runs.length} acked in ${runs.length} runs`,
    `${runs.reduce((n, r) => n + r.answered, 0)} answered in ${runs.reduce((n, r) => n + r.replies, 0)} replies`,
    once ? "ok" : `MISMATCH (${unanswered} unanswered, ${twice} twice)`,
  ]);
  rows.push([
    "CPU time per answered message",
    `median run, ${(answeredMs / 1000).toFixed(1)} s`,
    `workerd ${(cpu.workerd / total).toFixed(2)} ms${cpuRange}`,
    `stand-ins + load ${(cpu.bench / total).toFixed(2)} ms`,
  ]);
  rows.push([
    "ack latency while answering, 50 concurrent",
    `${total} webhooks, median run`,
    `p50 ${ms(pct(acked.latencies, 50))}`,
    `p99 ${ms(pct(acked.latencies, 99))}`,
  ]);
}

/** Upstash requests (counted at the shim) and KV operations (counted at the bindings) per message. */
async function roundTrips(standIns: Awaited<ReturnType<typeof startStandIns>>, settings: Record<string, string>) {
  const { users, total, upstash, kv } = await messengerLoad(standIns, settings, "metrics-endpoint", 3_000_000);
  rows.push([
    "Upstash round trips per message",
    `${total} answered messages`,
    `${(upstash.requests / total).toFixed(2)} requests`,
    `${(upstash.commands / total).toFixed(2)} commands`,
  ]);
  rows.push([
    "KV operations per message",
    `${total} answered messages, ${users} users`,
    `${(kv.kvReads / total).toFixed(2)} reads`,
    `${(kv.kvWrites / total).toFixed(2)} writes`,
  ]);
}

/** The JSON API end to end, minus the same origin called directly, side by side (1 concurrent). */
async function gatewayOverhead() {
  const stack = await startStack({
    port: 0,
    emulator: { firstTokenMs: ORIGIN_MS, tokensPerSecond: 0 },
    redisDb: BENCH_REDIS_DB,
    settings: { RATE_LIMIT_MESSAGES: "1000", FAQ_DIRECT: "off" },
  });
  try {
    const direct = async () => {
      const t0 = performance.now();
      const res = await fetch(`${stack.emulator.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ORIGIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "openai/gpt-oss-20b",
          stream: true,
          messages: [{ role: "user", content: "What are your opening hours?" }],
        }),
      });
      await res.text();
      return performance.now() - t0;
    };
    const viaEdge = async (i: number) => {
      const t0 = performance.now();
      const res = await fetch(new URL("/v1/messages", stack.url), {
        method: "POST",
        headers: { authorization: `Bearer ${HTTP_API_KEY}`, "content-type": "application/json", "cf-ipcountry": "DE" },
        body: JSON.stringify({ user_id: `overhead-${i % 20}`, text: "What are your opening hours?" }),
      });
      await res.text();
      return performance.now() - t0;
    };
    for (let i = 0; i < 30; i++) await viaEdge(i); // warm-up
    const overhead: number[] = [];
    const directTimes: number[] = [];
    for (let i = 0; i < 300; i++) {
      const d = await direct();
      const e = await viaEdge(i);
      directTimes.push(d);
      overhead.push(e - d);
    }
    rows.push([
      "gateway overhead, JSON API, 1 concurrent",
      `300 pairs, origin p50 ${ms(pct(directTimes, 50))}`,
      `p50 ${ms(pct(overhead, 50))}`,
      `p99 ${ms(pct(overhead, 99))}`,
    ]);
  } finally {
    await stack.close();
  }
}

/** From the origin writing its first answer token to the web chat client receiving it. */
async function streamingDelay() {
  const stack = await startStack({
    port: 0,
    emulator: { firstTokenMs: 20, tokensPerSecond: 50 },
    redisDb: BENCH_REDIS_DB,
    settings: { RATE_LIMIT_MESSAGES: "1000", FAQ_DIRECT: "off" },
  });
  try {
    const session = (await (
      await fetch(new URL("/chat/session", stack.url), { method: "POST", headers: { "cf-ipcountry": "DE" } })
    ).json()) as { token: string };
    const ws = new WebSocket(
      new URL(`/chat/ws?token=${encodeURIComponent(session.token)}`, stack.url).toString().replace(/^http/, "ws"),
    );
    await new Promise((r) => ws.once("open", r));
    const delays: number[] = [];
    for (let i = 0; i < 120; i++) {
      const firstDelta = new Promise<number>((resolve) => {
        const onMessage = (data: WebSocket.RawData) => {
          const frame = JSON.parse(String(data)) as { type: string };
          if (frame.type === "delta") {
            ws.off("message", onMessage);
            resolve(performance.timeOrigin + performance.now());
          }
        };
        ws.on("message", onMessage);
      });
      const done = new Promise((resolve) => {
        const onDone = (data: WebSocket.RawData) => {
          if ((JSON.parse(String(data)) as { type: string }).type === "done") {
            ws.off("message", onDone);
            resolve(undefined);
          }
        };
        ws.on("message", onDone);
      });
      ws.send(JSON.stringify({ type: "message", text: `question ${i}` }));
      const received = await firstDelta;
      await done;
      // The reply's own request: a conversation summary may have been asked for after it.
      const written = stack.emulator.requests.findLast(
        (r) => r.body.messages?.[0]?.content !== SUMMARIZE_INSTRUCTIONS,
      )?.firstContentAt;
      if (i >= 20 && written) delays.push(received - written);
    }
    ws.close();
    rows.push([
      "streaming: origin token → web chat client",
      "100 replies",
      `p50 ${ms(pct(delays, 50))}`,
      `p99 ${ms(pct(delays, 99))}`,
    ]);
  } finally {
    await stack.close();
  }
}

/** 5,000 web chat conversations open at once, each its own Durable Object with a hibernatable socket. */
async function webchatScale() {
  // Web chat conversations store nothing in their objects (history lives in Redis): without storage
  // files, workerd's open-files limit is not what caps the count.
  const stack = await startStack({ port: 0, redisDb: BENCH_REDIS_DB, ephemeralDurableObjects: true });
  const sockets: WebSocket[] = [];
  try {
    const workerdRss = () => {
      const out = execFileSync("ps", ["-eo", "rss=,comm="], { encoding: "utf8" });
      return (
        out
          .split("\n")
          .filter((l) => l.includes("workerd"))
          .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0) * 1024
      );
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const token = () =>
      new Promise<string>((resolve, reject) => {
        const req = http.request(
          {
            host: stack.url.hostname,
            port: stack.url.port,
            path: "/chat/session",
            method: "POST",
            agent,
            headers: { "cf-ipcountry": "DE", "accept-encoding": "identity" },
          },
          (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c));
            res.on("end", () => resolve((JSON.parse(body) as { token: string }).token));
          },
        );
        req.on("error", reject);
        req.end();
      });
    const base = workerdRss();
    const total = 5000;
    const t0 = performance.now();
    let refused = 0;
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, total - i) }, async () => {
          const ws = new WebSocket(
            new URL(`/chat/ws?token=${encodeURIComponent(await token())}`, stack.url).toString().replace(/^http/, "ws"),
            { perMessageDeflate: false },
          );
          const opened = await new Promise<boolean>((resolve) => {
            ws.once("message", () => resolve(true)); // the history frame
            ws.once("error", () => resolve(false));
          });
          if (opened) sockets.push(ws);
          else refused += 1;
        }),
      );
    }
    const openMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 3000));
    const held = workerdRss();
    const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
    // Sockets still answer after the objects went idle: a heartbeat from a sample of them.
    const sample = sockets.slice(0, 50);
    await Promise.all(
      sample.map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once("message", () => resolve());
            ws.send('{"type":"ping"}');
          }),
      ),
    );
    // Each conversation costs workerd a socket and its object's SQLite files: the process's file limit caps them.
    const files = refused > 0 ? `, ${refused} refused (open files limit ${openFilesLimit()})` : "";
    rows.push([
      "web chat: concurrent WebSocket conversations",
      `${open} of ${total} open${files}, ${(openMs / 1000).toFixed(1)} s to open`,
      `${((held - base) / 2 ** 20).toFixed(0)} MiB workerd`,
      `${((held - base) / open / 1024).toFixed(1)} KiB per connection`,
    ]);
  } finally {
    for (const s of sockets) s.terminate();
    await stack.close();
  }
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  samples: number[];
}

/** A V8 CPU profile of the Worker's isolate, through workerd's inspector (Chrome DevTools protocol). */
async function startProfile(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
    webSocketDebuggerUrl: string;
    title?: string;
  }>;
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((r) => ws.once("open", r));
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const msg = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> };
        if (msg.id !== mine) return;
        ws.off("message", onMessage);
        resolve(msg.result ?? {});
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 500 });
  await call("Profiler.start");
  return {
    async stop(path: string) {
      const { profile } = (await call("Profiler.stop")) as unknown as { profile: CpuProfile };
      ws.close();
      writeFileSync(path, JSON.stringify(profile));
      // Self time per function, heaviest first.
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      for (const s of profile.samples) {
        const f = byId.get(s)!.callFrame;
        const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop() ?? ""}:${f.lineNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + 1);
      }
      const total = profile.samples.length;
      console.log(`CPU profile written to ${path} (${total} samples); heaviest functions by self time:`);
      for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
        console.log(`  ${((100 * n) / total).toFixed(1).padStart(5)} %  ${name}`);
    },
  };
}

/** CPU time (user + system, ms) this process has used so far: the load generator and the stand-ins' thread. */
const benchCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * CPU time (user + system, ms) used so far by the workerd processes this bench started (Miniflare's
 * children: another workerd on the machine does not count). Steadier than a rate, as the machine's
 * other load is left out; NaN where there is no /proc.
 */
function workerdCpuMs(): number {
  if (!existsSync("/proc")) return Number.NaN;
  const tick = 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  let total = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) !== "workerd") continue;
      // After the name: state, ppid, …, utime (14th field of the line), stime (15th).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== process.pid) continue;
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

function openFilesLimit(): string {
  try {
    return execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function bundleAndColdStart() {
  const { raw, gzip } = bundleSize();
  const colds: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const stack = await startStack({ redisDb: BENCH_REDIS_DB });
    const ready = performance.now();
    await (await stack.mf.dispatchFetch(new URL("/healthz", stack.url))).text();
    colds.push(performance.now() - ready);
    await stack.close();
    void t0;
  }
  rows.push([
    "Worker bundle",
    `${(raw / 1024).toFixed(0)} KiB raw`,
    `${(gzip / 1024).toFixed(0)} KiB gzipped`,
    "limit 1024 KiB",
  ]);
  rows.push([
    "cold start: first request on a fresh isolate",
    "3 runs (/healthz, 3 regions probed)",
    `median ${ms(pct(colds, 50))}`,
    `max ${ms(Math.max(...colds))}`,
  ]);
}

// node:http with keep-alive, as a platform's webhook sender holds its connections open.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let nextUser = 1_000_000;

/** Sends one signed Telegram or WhatsApp delivery and resolves with its latency in ms. */
type Answers = { replies: number; answered: number; answeredTwice: number };
let nextMark = 1;

function poster(
  edge: URL,
  channel: "telegram" | "whatsapp",
  user: () => number = () => nextUser++,
): () => Promise<number> {
  return () => {
    const id = user();
    // The mark lets the stand-ins tell which messages each reply answers.
    const mark = `#${nextMark++}`;
    const body =
      channel === "telegram"
        ? JSON.stringify(textUpdate(id, `What are your opening hours? ${mark}`))
        : JSON.stringify(whatsappPayload(`4915${id}`, `Wann habt ihr geöffnet? ${mark}`));
    const auth =
      channel === "telegram"
        ? { "x-telegram-bot-api-secret-token": TELEGRAM_SECRET }
        : { "x-hub-signature-256": signWhatsAppBody(WHATSAPP.appSecret, body) };
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: edge.hostname,
          port: edge.port,
          path: `/webhooks/${channel}`,
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...auth },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200
              ? resolve(performance.now() - t0)
              : reject(new Error(`webhook answered ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}

async function load(post: () => Promise<number>, concurrency: number, total: number) {
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

async function startStandIns() {
  // The thread loads TypeScript through tsx, as this process does.
  const entry = new URL("./stand-ins.ts", import.meta.url).href;
  const worker = new Worker(
    `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`,
    {
      eval: true,
      workerData: {
        token: TELEGRAM_TOKEN,
        whatsappToken: WHATSAPP.accessToken,
        originKey: ORIGIN_KEY,
        redisDb: BENCH_REDIS_DB,
        firstTokenMs: ORIGIN_MS,
      } satisfies StandInsData,
    },
  );
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 1;
  const ready = new Promise<{
    endpoints: { telegram: string; whatsapp: string; origin: string; redis: Record<string, string>; metrics: string };
  }>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: { ready?: boolean; id?: number; result?: unknown }) => {
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

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

function print(): void {
  console.log(
    `\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.release()}; messenger inboxes' Durable Object storage on ${DO_STORAGE}`,
  );
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  │  "));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
