/**
 * `npm run dev`: the whole product on one machine. Starts redis-server (unless one is running), the
 * Upstash REST shim in front of it (one logical database per region), one gpt-oss emulator per
 * region, a Telegram Bot API stand-in, and the edge Worker in workerd through `wrangler dev`.
 *
 * Every setting of README.md given in the environment overrides its default; where a region's
 * ORIGIN_URL_<R> or UPSTASH_REDIS_REST_URL_<R> is given, no stand-in is started for it, and with
 * TELEGRAM_API_BASE given the real Bot API (or whatever it names) is used. Ctrl-C stops every child.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import * as z from "zod";
import { CHANNELS } from "../../edge/channels/registry.js";
import { CoreSettings, REGION_SETTINGS } from "../../edge/config.js";
import { settingDoc } from "../../edge/settings.js";
import regionFile from "../regions.json" with { type: "json" };
import { startEmulator } from "../../gpu-origin/emulator/server.js";
import { LOCAL_DEFAULTS, localSetting } from "./defaults.js";
import { startTelegramStandIn, type TelegramStandIn } from "./telegram-stand-in.js";
import { startUpstashShim, type UpstashShim } from "./upstash-shim.js";
import { startWhatsAppStandIn, type WhatsAppStandIn } from "./whatsapp-stand-in.js";
import { startMetricsEndpoint } from "./metrics-endpoint.js";
import { startOrdersStandIn } from "./orders-stand-in.js";

const env = process.env;
const PORT = Number(env.PORT ?? 8787);
const REDIS_PORT = Number(env.REDIS_PORT ?? 6379);
const regions = Object.keys(regionFile.regions);
/** Local ports: shim databases from 8091, emulators from 8101, Telegram stand-in 8081, WhatsApp 8082. */
const SHIM_BASE_PORT = Number(env.SHIM_BASE_PORT ?? 8091);
const EMULATOR_BASE_PORT = Number(env.EMULATOR_BASE_PORT ?? 8101);
const TELEGRAM_STAND_IN_PORT = Number(env.TELEGRAM_STAND_IN_PORT ?? 8081);
const WHATSAPP_STAND_IN_PORT = Number(env.WHATSAPP_STAND_IN_PORT ?? 8082);

const children: ChildProcess[] = [];
const closers: Array<() => Promise<void>> = [];
let stopping = false;

/** The settings the edge gets (written to its env file) and the lines of the banner. */
interface Stack {
  settings: Record<string, string>;
  shown: string[];
}

async function main(): Promise<void> {
  await ensureRedis();
  const stack: Stack = { settings: {}, shown: [] };
  await startRegionStandIns(stack);
  for (const name of Object.keys(LOCAL_DEFAULTS) as Array<keyof typeof LOCAL_DEFAULTS>) {
    stack.settings[name] = localSetting(name);
  }
  await startPlatformStandIns(stack);
  await startBusinessStandIns(stack);
  // workerd implements no Durable Object jurisdictions; Cloudflare does.
  stack.settings.DURABLE_OBJECT_JURISDICTIONS = "off";
  // On one's own machine every log line is wanted (production samples what went well).
  stack.settings.LOG_SUCCESS_SAMPLE_RATE = "1";
  // Every other setting of the README, when given, passes through unchanged.
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && isSetting(k)) stack.settings[k] = v;
  }
  await startEdge(writeEnvFile(stack.settings));
  printBanner(stack);
}

/** Each region's database (an Upstash shim database) and origins (emulators), unless given. */
async function startRegionStandIns({ settings, shown }: Stack): Promise<void> {
  const shimRegions = regions.filter((r) => !env[`UPSTASH_REDIS_REST_URL_${r.toUpperCase()}`]);
  let shim: UpstashShim | undefined;
  if (shimRegions.length) {
    shim = await startUpstashShim({
      redisPort: REDIS_PORT,
      databases: shimRegions.map((r) => ({
        name: r,
        db: regions.indexOf(r) + 1,
        token: `local-${r}-token`,
        port: SHIM_BASE_PORT + regions.indexOf(r),
      })),
    });
    closers.push(() => shim!.close());
  }
  let nextEmulatorPort = EMULATOR_BASE_PORT;
  for (const [i, r] of regions.entries()) {
    const R = r.toUpperCase();
    if (shim?.urls[r]) {
      settings[`UPSTASH_REDIS_REST_URL_${R}`] = shim.urls[r];
      settings[`UPSTASH_REDIS_REST_TOKEN_${R}`] = `local-${r}-token`;
      shown.push(`upstash shim (${r}, redis db ${i + 1})`.padEnd(34) + shim.urls[r]);
    }
    if (env[`ORIGIN_URL_${R}`]) continue;
    // As many servers as the region's pool keeps at least (one if none), so failover works locally
    // too; each a pool server as gpu-origin/agent runs it (a sequence cap, a queue, 429 when full).
    const urls: string[] = [];
    const servers = Math.max(1, regionFile.regions[r as keyof typeof regionFile.regions].origins.pool.minServers);
    for (let n = 0; n < servers; n++) {
      const emulator = await startEmulator({
        apiKey: `local-${r}-origin-key`,
        port: nextEmulatorPort++,
        firstTokenMs: Number(env.EMULATOR_FIRST_TOKEN_MS ?? 300),
        tokensPerSecond: Number(env.EMULATOR_TOKENS_PER_SECOND ?? 60),
        capacity: {
          maxNumSeqs: Number(env.EMULATOR_MAX_NUM_SEQS ?? 64),
          maxWaiting: Number(env.EMULATOR_MAX_WAITING ?? 32),
          retryAfterSeconds: 2,
        },
      });
      closers.push(() => emulator.close());
      urls.push(emulator.url);
      shown.push(`gpt-oss emulator (${r}${n + 1})`.padEnd(34) + emulator.url);
    }
    settings[`ORIGIN_URL_${R}`] = urls.join(",");
    settings[`ORIGIN_API_KEY_${R}`] = `local-${r}-origin-key`;
    // Each other model version regions.json declares gets its own server (its pool); how it behaves
    // can be set per version (EMULATOR_<V>_FAILURE_RATE, EMULATOR_<V>_FIRST_TOKEN_MS), to watch a
    // rollout judge it (README, "Rolling out a model version").
    const models = regionFile.regions[r as keyof typeof regionFile.regions].models;
    for (const name of Object.keys(models.versions)) {
      const V = name.toUpperCase();
      if (name === models.stable || env[`ORIGIN_URL_${R}_${V}`]) continue;
      const emulator = await startEmulator({
        apiKey: `local-${r}-origin-key`,
        port: nextEmulatorPort++,
        firstTokenMs: Number(env[`EMULATOR_${V}_FIRST_TOKEN_MS`] ?? env.EMULATOR_FIRST_TOKEN_MS ?? 300),
        tokensPerSecond: Number(env.EMULATOR_TOKENS_PER_SECOND ?? 60),
        failureRate: Number(env[`EMULATOR_${V}_FAILURE_RATE`] ?? 0),
        capacity: { maxNumSeqs: 64, maxWaiting: 32, retryAfterSeconds: 2 },
      });
      closers.push(() => emulator.close());
      settings[`ORIGIN_URL_${R}_${V}`] = emulator.url;
      shown.push(`gpt-oss emulator (${r}, version ${name})`.padEnd(34) + emulator.url);
    }
  }
}

/** The Bot API and the Cloud API, unless their base URLs are given: what the bot sends is printed. */
async function startPlatformStandIns({ settings, shown }: Stack): Promise<void> {
  if (!env.TELEGRAM_API_BASE) {
    const telegram: TelegramStandIn = await startTelegramStandIn({
      token: settings.TELEGRAM_BOT_TOKEN!,
      port: TELEGRAM_STAND_IN_PORT,
      // This stand-in is the user's phone: what the bot sends is shown here, as a phone would.
      onMessage: (chat, text) => console.log(`\n[telegram] bot → chat ${chat}:\n${indent(text)}\n`),
    });
    closers.push(() => telegram.close());
    settings.TELEGRAM_API_BASE = telegram.url;
    shown.push("telegram bot api stand-in".padEnd(34) + telegram.url);
  }
  if (!env.WHATSAPP_API_BASE) {
    const whatsapp: WhatsAppStandIn = await startWhatsAppStandIn({
      accessToken: settings.WHATSAPP_ACCESS_TOKEN!,
      port: WHATSAPP_STAND_IN_PORT,
      onMessage: (to, text) => console.log(`\n[whatsapp] business → ${to}:\n${indent(text)}\n`),
    });
    closers.push(() => whatsapp.close());
    settings.WHATSAPP_API_BASE = whatsapp.url;
    shown.push("whatsapp cloud api stand-in".padEnd(34) + whatsapp.url);
  }
}

/** The metrics endpoint (Analytics Engine does not run locally) and the order API behind lookup_order. */
async function startBusinessStandIns({ settings, shown }: Stack): Promise<void> {
  const metrics = await startMetricsEndpoint({ port: Number(env.METRICS_PORT ?? 8089) });
  closers.push(() => metrics.close());
  settings.METRICS_URL = metrics.url;
  shown.push("metrics (Prometheus text)".padEnd(34) + `${metrics.url}/metrics`);
  if (env.ORDERS_API_URL) return;
  // A demo order for the `npm run say` users.
  const orders = await startOrdersStandIn({
    apiKey: "local-dev-orders-key",
    port: Number(env.ORDERS_STAND_IN_PORT ?? 8083),
  });
  closers.push(() => orders.close());
  const token = settings.TELEGRAM_BOT_TOKEN!;
  const demo = { order_id: "A-1001", status: "shipped", items: ["running shoes"], eta: "in 2 days" };
  orders.add(`telegram:${token.slice(0, token.indexOf(":"))}:42`, demo);
  orders.add(`whatsapp:${settings.WHATSAPP_PHONE_NUMBER_ID}:4915112345678`, demo);
  settings.ORDERS_API_URL = orders.url;
  settings.ORDERS_API_KEY = "local-dev-orders-key";
  shown.push("order API stand-in (order A-1001)".padEnd(34) + orders.url);
}

/** The edge's settings, for `wrangler dev --env-file` (readable by this user only: it holds secrets). */
function writeEnvFile(settings: Record<string, string>): string {
  mkdirSync(".wrangler", { recursive: true });
  const envFile = ".wrangler/local-stack.env";
  const lines = Object.entries(settings).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  writeFileSync(envFile, `${lines.join("\n")}\n`, { mode: 0o600 });
  return envFile;
}

/** The Worker in workerd through `wrangler dev`; the stack stops when it does. */
async function startEdge(envFile: string): Promise<void> {
  // --test-scheduled: the cron trigger is reached at /__scheduled, which the ticker below calls.
  const args = [
    "wrangler",
    "dev",
    "--port",
    String(PORT),
    "--ip",
    "127.0.0.1",
    "--env-file",
    envFile,
    "--test-scheduled",
  ];
  const wrangler = spawn("npx", [...args, "--show-interactive-dev-session=false"], {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
    env: { ...env, WRANGLER_SEND_METRICS: "false" },
  });
  children.push(wrangler);
  wrangler.on("exit", (code) => {
    if (!stopping) {
      console.error(`wrangler dev exited (${code ?? "signal"}); stopping the local stack`);
      void stop(1);
    }
  });
  await waitForPort(PORT, 60_000);
  // wrangler dev runs no cron triggers by itself: this stands in for Cloudflare's, each minute
  // (wrangler.jsonc's "* * * * *"), so a rollout is judged locally as it is deployed.
  const tick = setInterval(() => {
    fetch(`http://127.0.0.1:${PORT}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => {});
  }, 60_000);
  closers.push(async () => clearInterval(tick));
}

function printBanner({ shown }: Stack): void {
  const edge = `http://127.0.0.1:${PORT}`;
  console.log(
    [
      "",
      "Local stack is up:",
      `  ${"edge (workerd, wrangler dev)".padEnd(34)}${edge}`,
      ...shown.map((s) => `  ${s}`),
      "",
      "Talk to the assistant (replies show up here, under [telegram] and [whatsapp]):",
      `  npm run say -- telegram "Hello!"        (a signed Telegram update, as Telegram would send it)`,
      `  npm run say -- whatsapp "Hallo!"        (a signed WhatsApp webhook, from a German number)`,
      `  open ${edge}/chat                        (the web chat, in a browser)`,
      `  npm run say -- http "Hello!"            (the HTTP API, with the first key of HTTP_API_KEYS)`,
      "",
      `Health: curl -s --compressed ${edge}/healthz`,
      "Model rollouts: npm run rollout -- local eu status",
      "Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
}

/**
 * Every setting the Worker reads, under its name or the one it was formerly read under: the
 * settings' own schemas (what README's table is generated from), so a new setting passes through
 * without a list here to update.
 */
const SETTING_NAMES = new Set(
  [...CHANNELS.map((c) => c.settings.schema), CoreSettings].flatMap((schema) =>
    Object.entries((schema as z.ZodObject).shape as Record<string, z.ZodType>).flatMap(([name, field]) => {
      const formerly = settingDoc(field)?.formerly;
      return formerly ? [name, formerly] : [name];
    }),
  ),
);

function isSetting(name: string): boolean {
  if (SETTING_NAMES.has(name)) return true;
  // A region's: ORIGIN_URL_EU, OVERFLOW_MODEL_APAC…
  return Object.keys(REGION_SETTINGS).some((prefix) => new RegExp(`^${prefix}_[A-Z0-9]+$`).test(name));
}

async function ensureRedis(): Promise<void> {
  if (await portOpen(REDIS_PORT)) return;
  const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  if (which.status !== 0) {
    console.error(
      `redis-server is not running on 127.0.0.1:${REDIS_PORT} and is not installed.\n` +
        "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run npm run dev again.",
    );
    process.exit(1);
  }
  const redis = spawn(
    "redis-server",
    ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  children.push(redis);
  await waitForPort(REDIS_PORT, 10_000);
  console.log(`started redis-server on 127.0.0.1:${REDIS_PORT}`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: "127.0.0.1", port }, () => {
      s.end();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs / 1000} s`);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  │ ${l}`)
    .join("\n");
}

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    try {
      // wrangler runs in its own process group (workerd is its child): stop the whole group.
      if (child.pid) process.kill(child.spawnargs[0] === "npx" ? -child.pid : child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  await Promise.allSettled(closers.map((c) => c()));
  process.exit(code);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  void stop(1);
});
