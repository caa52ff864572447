/**
 * The bench's stand-ins for Upstash, the model origin and Telegram, on their own thread: in
 * production these are other machines, so they must not stall the load generator's event loop
 * (and with it the latencies it measures).
 */
import { parentPort, workerData } from "node:worker_threads";
import { startEmulator } from "../gpu-origin/emulator/server.js";
import { startMetricsEndpoint } from "../infra/local/metrics-endpoint.js";
import { RespConnection } from "../infra/local/resp.js";
import { startTelegramStandIn } from "../infra/local/telegram-stand-in.js";
import { startUpstashShim } from "../infra/local/upstash-shim.js";
import { startWhatsAppStandIn } from "../infra/local/whatsapp-stand-in.js";
import { addUsage, noUsage, type Usage } from "../edge/usage.js";

export interface StandInsData {
  token: string;
  whatsappToken: string;
  originKey: string;
  redisDb: Record<string, number>;
  /** The emulated origin's time to first token, ms. */
  firstTokenMs: number;
}
export type StandInsRequest = {
  id: number;
  op:
    | "stats"
    | "resetStats"
    | "answeredCount"
    | "answers"
    | "usage"
    | "botApiCalls"
    | "originRequests"
    | "redisCalls"
    | "close";
};

const data = workerData as StandInsData;
const conns = Object.values(data.redisDb).map(
  (db) => new RespConnection("127.0.0.1", Number(process.env.REDIS_PORT ?? 6379), db),
);
await Promise.all(conns.map((c) => c.send([["FLUSHDB"]])));
conns.slice(1).forEach((c) => c.close());
/**
 * Redis's own count of the commands it ran, scripts' inner calls included: Upstash bills a script as
 * one command plus each `redis.call` in it, which the shim's count of requested commands cannot see.
 * (The bench has the Redis server to itself; the count is reset with the shim's.)
 */
const stats = conns[0]!;
const UNBILLED = new Set([
  "config|resetstat",
  "info",
  "select",
  "flushdb",
  "ping",
  "script|load",
  "hello",
  "client|setname",
]);
async function redisCalls(): Promise<Record<string, number>> {
  const [info] = await stats.send([["INFO", "commandstats"]]);
  const calls: Record<string, number> = {};
  for (const [, name, n] of String(info?.value).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (!UNBILLED.has(name!)) calls[name!.toUpperCase()] = Number(n);
  return calls;
}
const shim = await startUpstashShim({
  databases: Object.entries(data.redisDb).map(([name, db]) => ({ name, db, token: `token-${name}` })),
});
const emulator = await startEmulator({ apiKey: data.originKey, firstTokenMs: data.firstTokenMs, tokensPerSecond: 0 });
// Every bench message carries a mark (#<n>) and the emulator repeats the user's text, so a reply shows
// which messages it answers (several, when a burst was answered together).
let replies = 0;
let answered = 0;
const timesAnswered = new Map<string, number>();
/** The per-message records' billed units, summed, and how many records there were (Analytics Engine points). */
const noRecords = () => ({ ...noUsage(), records: 0, inboxModelMs: 0, inboxModelReplies: 0 });
let usage: Usage & { records: number; inboxModelMs: number; inboxModelReplies: number } = noRecords();
let originRequests = 0;
/** Adds the per-message records' counts to the totals and drops the records (they are only counted). */
const takeUsageCounts = () => {
  for (const r of metrics.records) {
    // Time in model calls made from a messenger chat's inbox (a Durable Object, billed for it).
    const inInbox = r.channel === "telegram" || r.channel === "whatsapp" ? r.modelMs : 0;
    usage = {
      ...addUsage(usage, r),
      records: usage.records + 1,
      inboxModelMs: usage.inboxModelMs + inInbox,
      inboxModelReplies: usage.inboxModelReplies + (inInbox > 0 ? 1 : 0),
    };
  }
  metrics.records.length = 0;
};
const count = (text: string) => {
  replies += 1;
  for (const [mark] of text.matchAll(/#\d+/g)) {
    answered += 1;
    timesAnswered.set(mark, (timesAnswered.get(mark) ?? 0) + 1);
  }
};
// The per-message records (as Analytics Engine gets them in production), for their KV counts.
const metrics = await startMetricsEndpoint();
const telegram = await startTelegramStandIn({ token: data.token, onMessage: (_chat, text) => count(text) });
const whatsapp = await startWhatsAppStandIn({ accessToken: data.whatsappToken, onMessage: (_to, text) => count(text) });
/** Bot API calls by method since the last resetStats. */
let botApiCalls: Record<string, number> = {};
const tallyBotApiCalls = () => {
  for (const c of telegram.calls) botApiCalls[c.method] = (botApiCalls[c.method] ?? 0) + 1;
  telegram.calls.length = 0;
  if (whatsapp.calls.length) botApiCalls["whatsapp"] = (botApiCalls["whatsapp"] ?? 0) + whatsapp.calls.length;
  whatsapp.calls.length = 0;
};
// The stand-in keeps every call for tests; the bench only counts, so drop the records as they come.
setInterval(() => {
  tallyBotApiCalls();
  originRequests += emulator.requests.length;
  emulator.requests.length = 0;
  takeUsageCounts();
  telegram.reset();
  whatsapp.reset();
}, 1000).unref();

parentPort!.postMessage({
  ready: true,
  endpoints: {
    telegram: telegram.url,
    whatsapp: whatsapp.url,
    origin: emulator.url,
    redis: shim.urls,
    metrics: metrics.url,
  },
});
parentPort!.on("message", async (req: StandInsRequest) => {
  let result: unknown;
  if (req.op === "stats") result = shim.stats();
  if (req.op === "redisCalls") result = await redisCalls();
  if (req.op === "resetStats") {
    shim.resetStats();
    await stats.send([["CONFIG", "RESETSTAT"]]);
    usage = noRecords();
    metrics.records.length = 0;
    emulator.requests.length = 0;
    originRequests = 0;
    telegram.calls.length = 0;
    botApiCalls = {};
  }
  if (req.op === "botApiCalls") {
    tallyBotApiCalls();
    result = botApiCalls;
  }
  if (req.op === "usage") {
    takeUsageCounts();
    result = usage;
  }
  if (req.op === "originRequests") result = originRequests + emulator.requests.length;
  if (req.op === "answeredCount") result = answered;
  if (req.op === "answers")
    result = { replies, answered, answeredTwice: [...timesAnswered.values()].filter((n) => n > 1).length };
  if (req.op === "close") {
    stats.close();
    await Promise.all([shim.close(), emulator.close(), telegram.close(), whatsapp.close(), metrics.close()]);
  }
  parentPort!.postMessage({ id: req.id, result });
  if (req.op === "close") process.exit(0);
});
