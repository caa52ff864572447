import { Miniflare } from "miniflare";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../gpu-origin/emulator/server.js";
import { RespConnection } from "../../infra/local/resp.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../infra/local/telegram-stand-in.js";
import { startUpstashShim, type UpstashShim } from "../../infra/local/upstash-shim.js";
import { workerBindings, type QueueConsumerOptions } from "../../infra/local/worker-bindings.js";

export const TELEGRAM_TOKEN = "7000000001:AAHtestTokenForTheLocalStandIn_xyz";
export const TELEGRAM_SECRET = "test-webhook-secret-0123456789";
const REGIONS = ["eu", "us", "apac"] as const;
/** Logical Redis databases of the test stack, apart from the local stack's (1–3). */
export const TEST_REDIS_DB = { eu: 11, us: 12, apac: 13 } as const;

export interface Stack {
  mf: Miniflare;
  url: URL;
  shim: UpstashShim;
  emulator: Emulator;
  telegram: TelegramStandIn;
  redis: Record<(typeof REGIONS)[number], RespConnection>;
  /** POSTs a Telegram update to the webhook, with the right secret unless told otherwise. */
  sendUpdate(update: unknown, opts?: { secret?: string | null; body?: string; contentType?: string }): Promise<Response>;
  close(): Promise<void>;
}

export interface StackOptions {
  settings?: Record<string, string>;
  emulator?: EmulatorOptions;
  /** Overrides of wrangler.toml's consumer settings, per queue. */
  consumers?: Record<string, QueueConsumerOptions>;
  /** Port for workerd to listen on (0: any), for HTTP clients outside Miniflare's dispatchFetch. */
  port?: number;
}

/**
 * The whole edge, real parts only: the built Worker in workerd (Miniflare API) with wrangler.toml's
 * bindings, the Upstash REST shim over the real redis-server (one logical database per region), the
 * gpt-oss emulator as every region's origin, and the Telegram Bot API stand-in.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const redis = Object.fromEntries(REGIONS.map((r) => [r, new RespConnection("127.0.0.1", Number(process.env.REDIS_PORT ?? 6379), TEST_REDIS_DB[r])])) as Stack["redis"];
  await Promise.all(Object.values(redis).map((c) => c.send([["FLUSHDB"]])));
  const shim = await startUpstashShim({
    redisPort: Number(process.env.REDIS_PORT ?? 6379),
    databases: REGIONS.map((r) => ({ name: r, db: TEST_REDIS_DB[r], token: `token-${r}` })),
  });
  const emulator = await startEmulator({ apiKey: "origin-key", ...options.emulator });
  const telegram = await startTelegramStandIn({ token: TELEGRAM_TOKEN });
  const bindings = workerBindings();

  const settings: Record<string, string> = {
    ...bindings.vars,
    TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    TELEGRAM_API_BASE: telegram.url,
    MODEL_FIRST_TOKEN_TIMEOUT_MS: "1500",
    MODEL_TIMEOUT_MS: "5000",
    ...Object.fromEntries(
      REGIONS.flatMap((r) => {
        const R = r.toUpperCase();
        return [
          [`ORIGIN_URL_${R}`, emulator.url],
          [`ORIGIN_API_KEY_${R}`, "origin-key"],
          [`UPSTASH_REDIS_REST_URL_${R}`, shim.urls[r]!],
          [`UPSTASH_REDIS_REST_TOKEN_${R}`, `token-${r}`],
        ];
      }),
    ),
    ...options.settings,
  };
  const queueConsumers = Object.fromEntries(
    Object.entries(bindings.queueConsumers).map(([q, c]) => [q, { ...c, ...options.consumers?.[q] }]),
  );

  const mf = new Miniflare({
    modules: true,
    scriptPath: "dist/index.js",
    compatibilityDate: bindings.compatibilityDate,
    compatibilityFlags: bindings.compatibilityFlags,
    bindings: settings,
    queueProducers: bindings.queueProducers,
    queueConsumers,
    ...(options.port !== undefined ? { port: options.port, host: "127.0.0.1" } : {}),
  });
  const url = await mf.ready;

  const sendUpdate: Stack["sendUpdate"] = (update, opts = {}) => {
    const headers: Record<string, string> = { "content-type": opts.contentType ?? "application/json" };
    const secret = opts.secret === undefined ? TELEGRAM_SECRET : opts.secret;
    if (secret !== null) headers["x-telegram-bot-api-secret-token"] = secret;
    return mf.dispatchFetch(new URL("/webhooks/telegram", url), {
      method: "POST",
      headers,
      body: opts.body ?? JSON.stringify(update),
    }) as unknown as Promise<Response>;
  };

  return {
    mf,
    url,
    shim,
    emulator,
    telegram,
    redis,
    sendUpdate,
    close: async () => {
      await mf.dispose();
      await Promise.all([shim.close(), emulator.close(), telegram.close()]);
      for (const c of Object.values(redis)) c.close();
    },
  };
}

let nextUpdateId = 100_000 + Math.floor(Math.random() * 1000);

/** A private-chat text message update, shaped as the Bot API sends it. */
export function textUpdate(userId: number, text: string, updateId = nextUpdateId++) {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      from: { id: userId, is_bot: false, first_name: "Ada", last_name: "Lovelace", username: `user${userId}`, language_code: "en" },
      chat: { id: userId, first_name: "Ada", last_name: "Lovelace", username: `user${userId}`, type: "private" },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(text.startsWith("/") ? { entities: [{ offset: 0, length: text.split(" ")[0]!.length, type: "bot_command" }] } : {}),
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
