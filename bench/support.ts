import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import {
  ORIGIN_KEY,
  TELEGRAM_SECRET,
  TELEGRAM_TOKEN,
  textUpdate,
  WHATSAPP,
  whatsappPayload,
} from "../infra/local/edge-stack.js";
import { signWhatsAppBody } from "../infra/local/whatsapp-stand-in.js";
import { quantile } from "./numbers.js";
import type { StandInsData, StandInsRequest } from "./stand-ins.js";

/** One line of the printed table: what, how, and two figures. */
export type Row = [string, string, string, string];

/** Redis logical databases of the bench (the local stack has 1–3, the tests 7–14). */
export const BENCH_REDIS_DB = { eu: 4, us: 5, apac: 6 } as const;
/** The emulated origin's time to first token: a short answer from a loaded GPU. */
export const ORIGIN_MS = 100;

export type StandIns = Awaited<ReturnType<typeof startStandIns>>;
export type Endpoints = StandIns["endpoints"];

/** CPU time (user + system, ms) this process has used so far: the load generator and the stand-ins' thread. */
export const benchCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** One process as /proc tells it: name, parent, CPU used so far (ms) and resident memory now (bytes). */
interface ProcessSample {
  pid: number;
  ppid: number;
  name: string;
  cpuMs: number;
  rssBytes: number;
}

let clockTick: number | undefined;
let pageSize: number | undefined;

function processes(): ProcessSample[] {
  clockTick ??= 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  pageSize ??= Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim());
  const out: ProcessSample[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // After the name: state, ppid, …, utime (14th field of the line), stime (15th), …, rss (24th).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({
        pid: Number(pid),
        ppid: Number(fields[1]),
        name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
        cpuMs: (Number(fields[11]) + Number(fields[12])) * clockTick,
        rssBytes: Number(fields[21]) * pageSize,
      });
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

/**
 * CPU time (user + system, ms) used so far and resident memory now (bytes) of a set of processes:
 * the workerd processes this bench started (Miniflare's children: another workerd on the machine does
 * not count), or a peer bot's process with everything it started. Steadier than a rate, as the
 * machine's other load is left out; NaN where there is no /proc.
 */
export function treeUsage(root: number | "workerd"): { cpuMs: number; rssBytes: number } {
  if (!existsSync("/proc")) return { cpuMs: Number.NaN, rssBytes: Number.NaN };
  const all = processes();
  const inTree = new Set<number>();
  if (root === "workerd") {
    for (const p of all) if (p.name === "workerd" && p.ppid === process.pid) inTree.add(p.pid);
  } else {
    inTree.add(root);
    for (let grew = true; grew;) {
      grew = false;
      for (const p of all)
        if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
          inTree.add(p.pid);
          grew = true;
        }
    }
  }
  let cpuMs = 0;
  let rssBytes = 0;
  for (const p of all)
    if (inTree.has(p.pid)) {
      cpuMs += p.cpuMs;
      rssBytes += p.rssBytes;
    }
  return { cpuMs, rssBytes };
}

/** Samples a process tree's resident memory every 100 ms; `stop()` gives the highest sum seen. */
export function peakMemory(root: number | "workerd") {
  let peak = treeUsage(root).rssBytes;
  const timer = setInterval(() => (peak = Math.max(peak, treeUsage(root).rssBytes)), 100);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, treeUsage(root).rssBytes);
    },
  };
}

/** The local stack's bot, as a group mentions it. */
const BOT_USERNAME = "local_assistant_bot";

/** A Telegram group message from `userId` that mentions the bot. */
function groupMention(group: number, userId: number, text: string) {
  const update = textUpdate(userId, `@${BOT_USERNAME} ${text}`);
  return {
    ...update,
    message: {
      ...update.message,
      chat: { id: group, type: "supergroup", title: "Team" },
      entities: [{ type: "mention", offset: 0, length: BOT_USERNAME.length + 1 }],
    },
  };
}

// node:http with keep-alive, as a platform's webhook sender holds its connections open.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let nextUser = 1_000_000;

/** Sends one signed Telegram or WhatsApp delivery and resolves with its latency in ms. */
export type Answers = { replies: number; answered: number; answeredTwice: number };
let nextMark = 1;

export function poster(
  edge: URL,
  channel: "telegram" | "whatsapp",
  user: () => number = () => nextUser++,
  /** A Telegram group's id: the message is sent there by the user, mentioning the bot. */
  group?: number,
): () => Promise<number> {
  return () => {
    const id = user();
    // The mark lets the stand-ins tell which messages each reply answers.
    const mark = `#${nextMark++}`;
    const body =
      channel === "whatsapp"
        ? JSON.stringify(whatsappPayload(`4915${id}`, `Wann habt ihr geöffnet? ${mark}`))
        : group === undefined
          ? JSON.stringify(textUpdate(id, `What are your opening hours? ${mark}`))
          : JSON.stringify(groupMention(group, id, `What are your opening hours? ${mark}`));
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

export async function load(post: () => Promise<number>, concurrency: number, total: number) {
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

export async function startStandIns() {
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

/** POSTs `body` (JSON) and resolves with the time until the whole answer was read, in ms; a non-2xx fails. */
export async function timedPost(url: string | URL, headers: Record<string, string>, body: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - t0;
}

/** The nearest-rank `p` percentile (0–100) of `values`; NaN for none. */
export const pct = (values: number[], p: number): number => quantile(values, p / 100);
export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
