import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { HTTP_API_KEY, ORIGIN_KEY, startEdge, TELEGRAM_SECRET, TELEGRAM_TOKEN } from "../../infra/local/edge-stack.js";
import { RespConnection } from "../../infra/local/resp.js";
import { driveLoad, LOAD, messengerLoad } from "../messenger-load.js";
import { PEER_SETTINGS_VARIABLE, type PeerSettings } from "../peer-settings.js";
import { startSkeleton } from "../skeleton.js";
import { load, ms, pct, poster, timedPost, treeUsage, type Row, type StandIns } from "../support.js";

/** The peers' Redis logical database (the bench's own are 4–6, the local stack's 1–3, the tests' 7–14). */
const PEERS_REDIS_DB = 15;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PEERS_DIR = `${ROOT}bench/peers/`;
const PEERS = { grammY: "grammy-bot", "Chat SDK": "chat-sdk-bot" } as const;
/** "skeleton": the gateway's architecture with none of its work (bench/peers/skeleton.ts). */
type System = "gateway" | keyof typeof PEERS | "skeleton";

interface Run {
  /** Outbound HTTP calls per message (Upstash, Bot API, origin); the gateway's runs only. */
  subrequests?: number;
  rate: number;
  cpuPerMessage: number;
  peakMiB: number;
  ackP50: number;
  unanswered: number;
  twice: number;
}

/**
 * The gateway beside the bots a team would write instead (bench/peers/: grammY, Vercel's Chat SDK)
 * and, for the JSON API, Portkey's gateway in front of the same origin; beside them a skeleton of the
 * gateway's architecture with none of its work (bench/peers/skeleton.ts), which tells the cost of the
 * design's hops in this runtime from the cost of the gateway's own code. Same stand-ins, same load,
 * in alternating order round after round (this machine's speed drifts), medians of the rounds and
 * their ratios against the targets.
 *
 * Per system and round: the throughput load (3,000 messages from 500 users, 50 in flight: answered/s,
 * CPU per answered message of the whole process tree, its peak resident memory), then 200 messages
 * one at a time (the webhook's acknowledgement p50). Then memory against users: the same 3,000
 * messages from 3,000 users (peak), and the gateway's resident memory after waves of new users. Then
 * the local runtime's own cost per request and per outbound fetch. Then the JSON API overhead: origin
 * direct, through the gateway's HTTP API, direct again, through Portkey, 300 times.
 */
export async function peers(standIns: StandIns, settings: Record<string, string>): Promise<Row[]> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const files = await buildPeers();
  const runs: Record<System, Run[]> = { gateway: [], grammY: [], "Chat SDK": [], skeleton: [] };
  const systems = Object.keys(runs) as System[];
  let firstUser = 5_000_000;
  for (let round = 0; round < rounds; round++) {
    for (const system of round % 2 === 0 ? systems : [...systems].reverse()) {
      firstUser += 100_000;
      runs[system].push(await measure(system, standIns, settings, files, firstUser));
      console.error(`peers: round ${round + 1}, ${system}: ${describe(runs[system].at(-1)!)}`);
    }
  }
  const memory: Record<System, number> = { gateway: 0, grammY: 0, "Chat SDK": 0, skeleton: 0 };
  for (const system of systems) {
    firstUser += 100_000;
    memory[system] = (await measure(system, standIns, settings, files, firstUser, 3_000, false)).peakMiB;
  }
  const waves = await memoryWaves(standIns, settings);
  const json = await jsonOverhead(standIns, settings);
  const floor = await runtimeFloor();

  const median = (system: System, pick: (r: Run) => number) => {
    const values = runs[system].map(pick).sort((a, b) => a - b);
    return values[Math.floor((values.length - 1) / 2)]!;
  };
  const each = (pick: (r: Run) => number, format: (n: number) => string) =>
    systems.map((s) => `${s} ${format(median(s, pick))}`).join(" · ");
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  const rows: Row[] = [];
  const cpuRatio = median("gateway", (r) => r.cpuPerMessage) / median("grammY", (r) => r.cpuPerMessage);
  const rateRatio = median("gateway", (r) => r.rate) / median("Chat SDK", (r) => r.rate);
  const memoryRatio = memory.gateway / median("gateway", (r) => r.peakMiB);
  const jsonRatio = json.gateway.p50 / json.portkey.p50;
  rows.push([
    `peers: answered/s, median of ${rounds} rounds`,
    each(
      (r) => r.rate,
      (n) => n.toFixed(0),
    ),
    `gateway ÷ Chat SDK ${rateRatio.toFixed(2)}`,
    `target ≥ 1.2: ${verdict(rateRatio >= 1.2)}`,
  ]);
  rows.push([
    "peers: CPU per answered message, process tree",
    each(
      (r) => r.cpuPerMessage,
      (n) => `${n.toFixed(2)} ms`,
    ),
    `gateway ÷ grammY ${cpuRatio.toFixed(2)}`,
    `target ≤ 1.0: ${verdict(cpuRatio <= 1)}`,
  ]);
  rows.push([
    "peers: peak memory, 3,000 messages",
    `500 users: ${each(
      (r) => r.peakMiB,
      (n) => `${n.toFixed(0)} MiB`,
    )}`,
    `3,000 users: ${systems.map((s) => `${s} ${memory[s].toFixed(0)} MiB`).join(" · ")}`,
    `gateway 3,000 ÷ 500 users ${memoryRatio.toFixed(2)}: ${memoryRatio <= 1.1 ? "flat" : "GROWS"}`,
  ]);
  const skeletonCpu = median("skeleton", (r) => r.cpuPerMessage);
  rows.push([
    "peers: the design's hops alone (skeleton: queue, inbox object, Upstash REST, no product logic)",
    `${ms(skeletonCpu)} CPU per message, ${median("skeleton", (r) => r.rate).toFixed(0)} answered/s`,
    `skeleton ÷ grammY CPU ${(skeletonCpu / median("grammY", (r) => r.cpuPerMessage)).toFixed(2)}, answered/s ÷ Chat SDK ${(
      median("skeleton", (r) => r.rate) / median("Chat SDK", (r) => r.rate)
    ).toFixed(2)}`,
    `the gateway's own work ≈ ${ms(median("gateway", (r) => r.cpuPerMessage) - skeletonCpu)} per message`,
  ]);
  rows.push(["peers: ack p50, 1 in flight", each((r) => r.ackP50, ms), "grammY acknowledges after the reply", ""]);
  rows.push([
    `peers: answered exactly once, ${rounds} rounds`,
    systems
      .map((system) => {
        const lost = runs[system].reduce((n, r) => n + r.unanswered, 0);
        const twice = runs[system].reduce((n, r) => n + r.twice, 0);
        return `${system} ${lost + twice === 0 ? "ok" : `${lost} unanswered, ${twice} twice`}`;
      })
      .join(" · "),
    "",
    "",
  ]);
  rows.push([
    "peers: gateway memory as new users keep coming",
    `waves of 1,000 new users, resident after ${WAVE_IDLE_MS / 1000} s idle`,
    waves.map((w, i) => `${(i + 1) * 1000}: ${w.toFixed(0)} MiB`).join(", "),
    `last wave added ${(waves.at(-1)! - waves.at(-2)!).toFixed(0)} MiB (first ${(waves[1]! - waves[0]!).toFixed(0)}): ${
      waves.at(-1)! - waves.at(-2)! <= 0.05 * waves.at(-1)! ? "bounded" : "GROWS"
    }`,
  ]);
  const subrequests = median("gateway", (r) => r.subrequests ?? Number.NaN);
  rows.push([
    "peers: the local runtime's own cost, an empty Worker",
    `workerd CPU per request ${ms(floor.request)} (p50 ${ms(floor.requestMs)} end to end), per outbound fetch ${ms(floor.subrequest)} (p50 ${ms(floor.subrequestMs)})`,
    `gateway: ${subrequests.toFixed(1)} outbound calls per message`,
    `at least ${ms(floor.request + subrequests * floor.subrequest)} (its webhook and outbound calls alone)`,
  ]);
  rows.push([
    "peers: JSON API overhead over the origin, 300 pairs",
    `gateway p50 ${ms(json.gateway.p50)} p99 ${ms(json.gateway.p99)} · Portkey p50 ${ms(json.portkey.p50)} p99 ${ms(json.portkey.p99)}`,
    `gateway ÷ Portkey ${jsonRatio.toFixed(2)}`,
    `target ≤ 1.0: ${verdict(jsonRatio <= 1)}`,
  ]);
  return rows;
}

const describe = (r: Run) =>
  `${r.rate.toFixed(0)} answered/s, ${r.cpuPerMessage.toFixed(2)} ms CPU/msg, peak ${r.peakMiB.toFixed(0)} MiB, ack p50 ${ms(r.ackP50)}${r.unanswered + r.twice ? `, ${r.unanswered} unanswered, ${r.twice} twice` : ""}`;

async function measure(
  system: System,
  standIns: StandIns,
  settings: Record<string, string>,
  files: Record<keyof typeof PEERS, string>,
  firstUser: number,
  users: number = LOAD.users,
  withAck = true,
): Promise<Run> {
  const ack = async (url: URL) => {
    if (!withAck) return Number.NaN;
    let n = 0;
    const { latencies } = await load(
      poster(url, "telegram", () => firstUser + 50_000 + (n++ % 100)),
      1,
      200,
    );
    return pct(latencies, 50);
  };
  if (system === "gateway") {
    const r = await messengerLoad(standIns, settings, "analytics-engine", firstUser, users, ack);
    const botApiCalls = Object.values(r.botApi).reduce((a, b) => a + b, 0);
    // One origin call per reply (a burst asked again makes more; they are few: see latency).
    return { ...summarise(r, r.ackP50), subrequests: (r.upstash.requests + botApiCalls + r.replies) / r.total };
  }
  const peer = system === "skeleton" ? await startSkeleton(standIns) : await startPeer(files[system], standIns);
  try {
    const r = await driveLoad(standIns, peer.url, peer.processes, firstUser, users);
    const ackP50 = await ack(peer.url);
    if (r.answered < r.total && peer.stderr) console.error(`peers: ${system} said:\n${peer.stderr()}`);
    return summarise(r, ackP50);
  } finally {
    await peer.stop();
  }
}

function summarise(r: Awaited<ReturnType<typeof driveLoad>>, ackP50: number): Run {
  return {
    rate: r.total / (r.answeredMs / 1000),
    cpuPerMessage: r.cpu.server / r.total,
    peakMiB: r.peakRssBytes / 2 ** 20,
    ackP50,
    unanswered: r.total - r.answered,
    twice: r.twice,
  };
}

/**
 * The peers are a package of their own (bench/peers/package.json, with its lock file), installed here
 * on first use and type-checked: their dependencies are not the gateway's.
 */
function installPeers(): void {
  const run = (args: string[]) => execFileSync("npm", args, { cwd: PEERS_DIR, stdio: ["ignore", "ignore", "inherit"] });
  if (!existsSync(`${PEERS_DIR}node_modules/.package-lock.json`)) {
    console.error("peers: installing bench/peers (npm ci)");
    run(["ci", "--no-audit", "--no-fund"]);
  }
  execFileSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "--noEmit", "-p", PEERS_DIR], {
    stdio: "inherit",
  });
}

/** Each peer bundled as its authors would deploy it (dependencies from its node_modules), run by plain node. */
async function buildPeers(): Promise<Record<keyof typeof PEERS, string>> {
  installPeers();
  const outdir = `${PEERS_DIR}node_modules/.cache/bench-peers`;
  await build({
    entryPoints: Object.values(PEERS).map((name) => `${PEERS_DIR}${name}.ts`),
    outdir,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    outExtension: { ".js": ".mjs" },
    logLevel: "error",
  });
  return {
    grammY: `${outdir}/${PEERS.grammY}.mjs`,
    "Chat SDK": `${outdir}/${PEERS["Chat SDK"]}.mjs`,
  };
}

async function startPeer(file: string, standIns: StandIns) {
  const redis = new RespConnection("127.0.0.1", Number(process.env.REDIS_PORT ?? 6379), PEERS_REDIS_DB);
  await redis.send([["FLUSHDB"]]);
  redis.close();
  const settings: PeerSettings = {
    telegramApi: standIns.endpoints.telegram,
    botToken: TELEGRAM_TOKEN,
    webhookSecret: TELEGRAM_SECRET,
    botInfo: {
      id: Number(TELEGRAM_TOKEN.split(":")[0]),
      is_bot: true,
      first_name: "Assistant",
      username: "local_assistant_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    },
    originUrl: standIns.endpoints.origin,
    originKey: ORIGIN_KEY,
    model: "openai/gpt-oss-20b",
    instructions: "You are the shop's assistant. Answer briefly and politely in the customer's language.",
    redisUrl: `redis://127.0.0.1:${process.env.REDIS_PORT ?? 6379}/${PEERS_REDIS_DB}`,
  };
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, NODE_ENV: "production", [PEER_SETTINGS_VARIABLE]: JSON.stringify(settings) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 4_000) stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`${file} exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    processes: child.pid!,
    url: new URL(`http://127.0.0.1:${port}`),
    stderr: () => stderr,
    stop: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** The HTTP API and Portkey (as its README starts it) in front of the same origin, interleaved with direct calls. */
async function jsonOverhead(standIns: StandIns, settings: Record<string, string>) {
  const port = await freePort();
  const portkey = spawn(
    process.execPath,
    [`${PEERS_DIR}node_modules/@portkey-ai/gateway/build/start-server.js`, `--port=${port}`, "--headless"],
    { env: { ...process.env, NODE_ENV: "production" }, stdio: "ignore" },
  );
  const edge = await startEdge({
    endpoints: standIns.endpoints,
    port: 0,
    quiet: true,
    analyticsEngine: true,
    settings: { ...settings, FAQ_DIRECT: "off" },
  });
  try {
    const portkeyUrl = `http://127.0.0.1:${port}/v1/chat/completions`;
    for (let i = 0; ; i++) {
      if ((await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.ok) break;
      if (i > 100) throw new Error("Portkey's gateway did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    // Not streamed: Portkey 1.15.2 answers a streamed completion with a 500 here ("TypeError: immutable",
    // appending its headers to fetch's read-only response), on Node 20 and 24 alike.
    const completion = JSON.stringify({
      model: "openai/gpt-oss-20b",
      stream: false,
      messages: [{ role: "user", content: "What are your opening hours?" }],
    });
    const direct = () =>
      timedPost(
        `${standIns.endpoints.origin}/v1/chat/completions`,
        { authorization: `Bearer ${ORIGIN_KEY}` },
        completion,
      );
    const viaPortkey = () =>
      timedPost(
        portkeyUrl,
        {
          authorization: `Bearer ${ORIGIN_KEY}`,
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${standIns.endpoints.origin}/v1`,
        },
        completion,
      );
    const viaGateway = (i: number) =>
      timedPost(
        new URL("/v1/messages", edge.url),
        { authorization: `Bearer ${HTTP_API_KEY}`, "cf-ipcountry": "DE" },
        JSON.stringify({ user_id: `peers-json-${i % 20}`, text: "What are your opening hours?" }),
      );
    for (let i = 0; i < 30; i++) {
      await viaGateway(i);
      await viaPortkey();
    }
    const gateway: number[] = [];
    const viaPortkeyOverhead: number[] = [];
    for (let i = 0; i < 300; i++) {
      gateway.push((await viaGateway(i)) - (await direct()));
      viaPortkeyOverhead.push((await viaPortkey()) - (await direct()));
    }
    return {
      gateway: { p50: pct(gateway, 50), p99: pct(gateway, 99) },
      portkey: { p50: pct(viaPortkeyOverhead, 50), p99: pct(viaPortkeyOverhead, 99) },
    };
  } finally {
    await edge.mf.dispose();
    await stop(portkey);
  }
}

const WAVE_IDLE_MS = 15_000;

/**
 * Whether the gateway's memory is bounded as distinct users grow: waves of 1,000 users it has never
 * seen (one message each), each answered, then 15 s without traffic; the resident memory of workerd
 * after each pause. Idle inboxes leave memory (and what they held is reused) when it levels off; a
 * per-user leak would add the same amount every wave.
 */
async function memoryWaves(standIns: StandIns, settings: Record<string, string>): Promise<number[]> {
  const edge = await startEdge({
    endpoints: standIns.endpoints,
    port: 0,
    quiet: true,
    analyticsEngine: true,
    settings,
  });
  const after: number[] = [];
  let user = 40_000_000;
  try {
    for (let wave = 0; wave < 5; wave++) {
      const before = (await standIns.call("answeredCount")) as number;
      await load(
        poster(edge.url, "telegram", () => user++),
        LOAD.concurrency,
        1000,
      );
      const started = performance.now();
      while (((await standIns.call("answeredCount")) as number) - before < 1000) {
        if (performance.now() - started > 60_000) throw new Error(`wave ${wave + 1} was not answered`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, WAVE_IDLE_MS));
      after.push(treeUsage("workerd").rssBytes / 2 ** 20);
    }
  } finally {
    await edge.mf.dispose();
  }
  return after;
}

/**
 * What workerd itself spends (under Miniflare, as the gateway runs here) on an incoming request and on
 * each outbound fetch, with a Worker that does nothing else: 200 requests making no fetch, then 200
 * making ten each to a local server that answers at once. CPU, and the p50 time each takes.
 */
async function runtimeFloor(): Promise<{
  request: number;
  subrequest: number;
  requestMs: number;
  subrequestMs: number;
}> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end('{"ok":true,"result":true}'));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      compatibilityDate: "2026-11-01",
      script: `export default {
        async fetch(request) {
          const n = Number(new URL(request.url).searchParams.get("n"));
          const body = JSON.stringify({ chat_id: 1, text: "x".repeat(200) });
          for (let i = 0; i < n; i++) {
            const res = await fetch("http://127.0.0.1:${port}/", { method: "POST", body, headers: { "content-type": "application/json" } });
            await res.json();
          }
          return new Response("ok");
        },
      };`,
    }),
  );
  try {
    await mf.ready;
    const perRequest = async (n: number) => {
      for (let i = 0; i < 20; i++) await (await mf.dispatchFetch(`http://floor/?n=${n}`)).text();
      const before = treeUsage("workerd").cpuMs;
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const started = performance.now();
        await (await mf.dispatchFetch(`http://floor/?n=${n}`)).text();
        times.push(performance.now() - started);
      }
      return { cpu: (treeUsage("workerd").cpuMs - before) / 200, p50: pct(times, 50) };
    };
    const empty = await perRequest(0);
    const fetching = await perRequest(10);
    return {
      request: empty.cpu,
      subrequest: (fetching.cpu - empty.cpu) / 10,
      requestMs: empty.p50,
      subrequestMs: (fetching.p50 - empty.p50) / 10,
    };
  } finally {
    await mf.dispose();
    server.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
