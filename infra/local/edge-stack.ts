import { readdirSync } from "node:fs";
import { createPseudonyms } from "../../edge/crypto.js";
import { convertV4MiniflareOptions, Miniflare, type V4MiniflareOptions } from "miniflare";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../gpu-origin/emulator/server.js";
import { RespConnection } from "./resp.js";
import { startTelegramStandIn, type TelegramStandIn } from "./telegram-stand-in.js";
import { startUpstashShim, type UpstashShim } from "./upstash-shim.js";
import { signWhatsAppBody, startWhatsAppStandIn, type WhatsAppStandIn } from "./whatsapp-stand-in.js";
import { startMetricsEndpoint, type MetricsEndpoint } from "./metrics-endpoint.js";
import { startOrdersStandIn, type OrdersStandIn } from "./orders-stand-in.js";
import { workerBindings, type QueueConsumerOptions } from "./worker-bindings.js";

export const TELEGRAM_TOKEN = "7000000001:AAHtestTokenForTheLocalStandIn_xyz";
export const TELEGRAM_SECRET = "test-webhook-secret-0123456789";
export const ORIGIN_KEY = "origin-key";
export const ORDERS_KEY = "orders-api-key-0123";
export const HTTP_API_KEY = "test-api-key-0123456789abcdef";
export const ADMIN_TOKEN = "test-admin-token-0123456789";
/** The key of the edge's keyed hashes (storage keys, object names, log refs) in the tests. */
export const KEY_SECRET = "test-key-secret-0123456789abcdef0123";

/** The pseudonym under which the test edge stores what belongs to a user or chat key. */
export const pseudonym = (id: string): string => createPseudonyms(KEY_SECRET).of(id);
export const WHATSAPP = {
  accessToken: "EAAG-test-access-token-0123456789",
  appSecret: "test-app-secret-0123456789abcdef",
  verifyToken: "test-verify-token",
  phoneNumberId: "106540352242922",
} as const;
export const REGION_IDS = ["eu", "us", "apac"] as const;
const REGIONS = REGION_IDS;
/**
 * Logical Redis databases of the integration tests. Each user of the shared redis-server has its own:
 * the local stack 1–3, the bench 4–6, the end-to-end test 7–9, these 11–13, the shim's test 14.
 */
export const TEST_REDIS_DB = { eu: 11, us: 12, apac: 13 } as const;

export interface Stack {
  mf: Miniflare;
  url: URL;
  /** Restarts the Worker (every socket drops), keeping the stand-ins and Redis. */
  restart(): Promise<void>;
  shim: UpstashShim;
  /** The origin of every region, unless originsPerRegion was given (then the first EU origin). */
  emulator: Emulator;
  /** Each region's origins, in ORIGIN_URL_<R> order. */
  origins: Record<(typeof REGIONS)[number], Emulator[]>;
  telegram: TelegramStandIn;
  whatsapp: WhatsAppStandIn;
  /** Per-message metrics the edge recorded. */
  metrics: MetricsEndpoint;
  /** The business order API behind lookup_order. */
  orders: OrdersStandIn;
  redis: Record<(typeof REGIONS)[number], RespConnection>;
  /** POSTs a Telegram update to the webhook, with the right secret unless told otherwise. */
  sendUpdate(
    update: unknown,
    opts?: { secret?: string | null; body?: string; contentType?: string },
  ): Promise<Response>;
  /** Calls the admin API with the admin token. */
  admin(method: string, path: string, body?: unknown, token?: string): Promise<Response>;
  /** Every key of every region's database, by region. */
  keys(): Promise<Record<(typeof REGIONS)[number], string[]>>;
  /** POSTs to the JSON/SSE API with the test key unless told otherwise. */
  postMessage(
    body: unknown,
    opts?: { key?: string | null; headers?: Record<string, string>; raw?: string },
  ): Promise<Response>;
  /** POSTs a WhatsApp webhook, signed with the app secret unless told otherwise. */
  sendWhatsApp(payload: unknown, opts?: { signature?: string | null; body?: string }): Promise<Response>;
  close(): Promise<void>;
}

export interface StackOptions {
  settings?: Record<string, string>;
  emulator?: EmulatorOptions;
  /** Overrides of wrangler.jsonc's consumer settings, per queue. */
  consumers?: Record<string, QueueConsumerOptions>;
  /** Port for workerd to listen on (0: any), for HTTP clients outside Miniflare's dispatchFetch. */
  port?: number;
  /** Redis logical databases per region; flushed at start. */
  redisDb?: Record<(typeof REGIONS)[number], number>;
  /** Keep every line the Worker logs here. */
  logs?: string[];
  /** Discard the Worker's logs. */
  quiet?: boolean;
  /** redis-server port (default REDIS_PORT or 6379): fault tests run their own, to stop and restart it. */
  redisPort?: number;
  /** Run no queue consumer: webhooks are acknowledged and queued, nothing is answered. */
  consumersOff?: boolean;
  /** Give each region its own emulators (this many), instead of one shared by all regions. */
  originsPerRegion?: Record<(typeof REGIONS)[number], number>;
  /** Durable Objects without storage files (objects that store nothing, in numbers past the open-files limit). */
  ephemeralDurableObjects?: boolean;
  /**
   * Per-message records to the Analytics Engine binding, as in production (the local runtime accepts
   * and drops them), not to the local metrics endpoint, whose POST production does not make.
   */
  analyticsEngine?: boolean;
  /** workerd's inspector on this port (the bench's CPU profiles). */
  inspectorPort?: number;
  /** The directory of the built Worker (default dist/; the rollout suite builds one with two model versions). */
  bundle?: string;
}

/**
 * The whole edge, real parts only: the built Worker in workerd (Miniflare API) with wrangler.jsonc's
 * bindings, the Upstash REST shim over the real redis-server (one logical database per region), the
 * gpt-oss emulator as every region's origin, and the Telegram Bot API stand-in.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dbs = options.redisDb ?? TEST_REDIS_DB;
  const redisPort = options.redisPort ?? Number(process.env.REDIS_PORT ?? 6379);
  const redis = Object.fromEntries(
    REGIONS.map((r) => [r, new RespConnection("127.0.0.1", redisPort, dbs[r])]),
  ) as Stack["redis"];
  await Promise.all(Object.values(redis).map((c) => c.send([["FLUSHDB"]])));
  const shim = await startUpstashShim({
    redisPort,
    databases: REGIONS.map((r) => ({ name: r, db: dbs[r], token: `token-${r}` })),
  });
  const origins = Object.fromEntries(
    await Promise.all(
      REGIONS.map(
        async (r) =>
          [
            r,
            options.originsPerRegion
              ? await Promise.all(
                  Array.from({ length: options.originsPerRegion[r] }, () =>
                    startEmulator({ apiKey: ORIGIN_KEY, ...options.emulator }),
                  ),
                )
              : [],
          ] as const,
      ),
    ),
  ) as Record<(typeof REGIONS)[number], Emulator[]>;
  const emulator = options.originsPerRegion
    ? origins.eu[0]!
    : await startEmulator({ apiKey: ORIGIN_KEY, ...options.emulator });
  if (!options.originsPerRegion) for (const r of REGIONS) origins[r] = [emulator];
  const telegram = await startTelegramStandIn({ token: TELEGRAM_TOKEN });
  const whatsapp = await startWhatsAppStandIn({ accessToken: WHATSAPP.accessToken });
  const metrics = await startMetricsEndpoint();
  const orders = await startOrdersStandIn({ apiKey: ORDERS_KEY });
  const edgeArgs: EdgeOptions = {
    endpoints: {
      telegram: telegram.url,
      whatsapp: whatsapp.url,
      origin: Object.fromEntries(REGIONS.map((r) => [r, origins[r].map((e) => e.url)])),
      redis: shim.urls,
    },
    ...(options.consumersOff ? { consumers: null } : options.consumers ? { consumers: options.consumers } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.logs ? { logs: options.logs } : {}),
    ...(options.quiet ? { quiet: true } : {}),
    ...(options.ephemeralDurableObjects ? { ephemeralDurableObjects: true } : {}),
    ...(options.analyticsEngine ? { analyticsEngine: true } : {}),
    ...(options.inspectorPort !== undefined ? { inspectorPort: options.inspectorPort } : {}),
    ...(options.bundle ? { bundle: options.bundle } : {}),
    settings: {
      ...(options.analyticsEngine ? {} : { METRICS_URL: metrics.url }),
      ORDERS_API_URL: orders.url,
      ORDERS_API_KEY: ORDERS_KEY,
      ...options.settings,
    },
  };
  const { mf, url, restart } = await startEdge(edgeArgs);

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

  const sendWhatsApp: Stack["sendWhatsApp"] = (payload, opts = {}) => {
    const body = opts.body ?? JSON.stringify(payload);
    const signature = opts.signature === undefined ? signWhatsAppBody(WHATSAPP.appSecret, body) : opts.signature;
    return mf.dispatchFetch(new URL("/webhooks/whatsapp", url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature !== null ? { "x-hub-signature-256": signature } : {}),
      },
      body,
    }) as unknown as Promise<Response>;
  };

  const postMessage: Stack["postMessage"] = (body, opts = {}) => {
    const key = opts.key === undefined ? HTTP_API_KEY : opts.key;
    return mf.dispatchFetch(new URL("/v1/messages", url), {
      method: "POST",
      // A client in Germany unless a test says otherwise (workerd's placeholder request.cf says US).
      headers: {
        "content-type": "application/json",
        "cf-ipcountry": "DE",
        ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
        ...opts.headers,
      },
      body: opts.raw ?? JSON.stringify(body),
    }) as unknown as Promise<Response>;
  };

  const admin: Stack["admin"] = (method, path, body, token = ADMIN_TOKEN) =>
    mf.dispatchFetch(new URL(`/admin${path}`, url), {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    }) as unknown as Promise<Response>;
  const keys: Stack["keys"] = async () => {
    const out = {} as Record<(typeof REGIONS)[number], string[]>;
    for (const r of REGIONS) {
      const [reply] = await redis[r].send([["KEYS", "*"]]);
      out[r] =
        reply?.type === "array" && reply.value
          ? reply.value.map((k) => (k.type === "bulk" && k.value ? k.value.toString() : ""))
          : [];
    }
    return out;
  };

  return {
    mf,
    url,
    restart,
    admin,
    keys,
    postMessage,
    shim,
    emulator,
    origins,
    telegram,
    whatsapp,
    metrics,
    orders,
    redis,
    sendUpdate,
    sendWhatsApp,
    close: async () => {
      await mf.dispose();
      const emulators = new Set([emulator, ...Object.values(origins).flat()]);
      await Promise.all([
        shim.close(),
        telegram.close(),
        whatsapp.close(),
        metrics.close(),
        orders.close(),
        ...[...emulators].map((e) => e.close()),
      ]);
      for (const c of Object.values(redis)) c.close();
    },
  };
}

export interface EdgeOptions {
  /** Where the Worker's outbound calls go: the stand-ins' URLs. */
  endpoints: {
    telegram: string;
    whatsapp?: string;
    origin: string | Record<string, string[]>;
    redis: Record<string, string>;
  };
  settings?: Record<string, string>;
  /** Overrides of wrangler.jsonc's consumer settings per queue; null runs no consumer (acks only). */
  consumers?: Record<string, QueueConsumerOptions> | null;
  port?: number;
  /** Discard the Worker's logs (as the platform's log pipeline would take them off the machine). */
  quiet?: boolean;
  /** Keep every line the Worker logs here, instead of printing it. */
  logs?: string[];
  ephemeralDurableObjects?: boolean;
  /** The directory of the built Worker (default dist/). */
  bundle?: string;
  /** Open workerd's V8 inspector on this port (the bench's CPU profile). */
  inspectorPort?: number;
  /** Bind METRICS to the runtime's Analytics Engine dataset, as deployed (locally it drops what it gets). */
  analyticsEngine?: boolean;
}

/** The built Worker (dist/index.js) in workerd, with wrangler.jsonc's bindings and the given endpoints. */
export async function startEdge(options: EdgeOptions): Promise<{ mf: Miniflare; url: URL; restart(): Promise<void> }> {
  const bindings = workerBindings();
  const bundle = options.bundle ?? "dist";
  const settings: Record<string, string> = {
    ...bindings.vars,
    TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    TELEGRAM_API_BASE: options.endpoints.telegram,
    ...(options.endpoints.whatsapp
      ? {
          WHATSAPP_API_BASE: options.endpoints.whatsapp,
          WHATSAPP_ACCESS_TOKEN: WHATSAPP.accessToken,
          WHATSAPP_APP_SECRET: WHATSAPP.appSecret,
          WHATSAPP_VERIFY_TOKEN: WHATSAPP.verifyToken,
          WHATSAPP_PHONE_NUMBER_ID: WHATSAPP.phoneNumberId,
        }
      : {}),
    HTTP_API_KEYS: `crm:${HTTP_API_KEY}`,
    WEBCHAT_TOKEN_SECRET: "test-chat-token-secret-0123456789abcdef",
    ADMIN_TOKEN,
    KEY_SECRET: KEY_SECRET,
    // workerd implements no Durable Object jurisdictions.
    DURABLE_OBJECT_JURISDICTIONS: "off",
    MODEL_FIRST_TOKEN_TIMEOUT_MS: "1500",
    // Suites inject origin failures on purpose; only the breaker's own tests want circuits to open.
    ORIGIN_BREAKER_FAILURES: "100",
    // The suites read log lines; production samples those of what went well (LOG_SUCCESS_SAMPLE_RATE).
    LOG_SUCCESS_SAMPLE_RATE: "1",
    MODEL_TIMEOUT_MS: "5000",
    ...Object.fromEntries(
      REGIONS.flatMap((r) => {
        const R = r.toUpperCase();
        return [
          [
            `ORIGIN_URL_${R}`,
            typeof options.endpoints.origin === "string"
              ? options.endpoints.origin
              : options.endpoints.origin[r]!.join(","),
          ],
          [`ORIGIN_API_KEY_${R}`, ORIGIN_KEY],
          [`UPSTASH_REDIS_REST_URL_${R}`, options.endpoints.redis[r]!],
          [`UPSTASH_REDIS_REST_TOKEN_${R}`, `token-${r}`],
        ];
      }),
    ),
    ...options.settings,
  };
  const queueConsumers =
    options.consumers === null
      ? {}
      : Object.fromEntries(
          Object.entries(bindings.queueConsumers).map(([q, c]) => [q, { ...c, ...options.consumers?.[q] }]),
        );
  const mfOptions = {
    // The bundle and the modules wrangler writes beside it (the conversation store's Lua scripts, as text).
    modules: [
      { type: "ESModule" as const, path: `${bundle}/index.js` },
      ...readdirSync(bundle)
        .filter((f) => f.endsWith(".lua"))
        .map((f) => ({ type: "Text" as const, path: `${bundle}/${f}` })),
    ],
    modulesRoot: bundle,
    compatibilityDate: bindings.compatibilityDate,
    compatibilityFlags: bindings.compatibilityFlags,
    bindings: settings,
    queueProducers: bindings.queueProducers,
    queueConsumers,
    durableObjects: bindings.durableObjects,
    ...(options.ephemeralDurableObjects ? { unsafeEphemeralDurableObjects: true } : {}),
    ...(options.inspectorPort !== undefined ? { inspectorPort: options.inspectorPort } : {}),
    ...(options.analyticsEngine ? { analyticsEngineDatasets: { METRICS: { dataset: "gateway_messages" } } } : {}),
    ratelimits: bindings.ratelimits,
    kvNamespaces: bindings.kvNamespaces,
    ...(options.port !== undefined ? { port: options.port, host: "127.0.0.1" } : {}),
    // The Worker's console lines: discarded, kept, or (by default) printed as they come.
    ...(options.quiet ? { handleStructuredLogs: () => {} } : {}),
    ...(options.logs
      ? {
          handleStructuredLogs: (log: { message: string }) =>
            void options.logs!.push(...log.message.split("\n").filter(Boolean)),
        }
      : {}),
  } satisfies V4MiniflareOptions;
  const mf = new Miniflare(convertV4MiniflareOptions(mfOptions));
  return {
    mf,
    url: await mf.ready,
    restart: async () => void (await mf.setOptions(convertV4MiniflareOptions(mfOptions))),
  };
}

let nextUpdateId = 100_000 + Math.floor(Math.random() * 1000);

/** A private-chat text message update, shaped as the Bot API sends it. */
export function textUpdate(userId: number, text: string, updateId = nextUpdateId++) {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      from: {
        id: userId,
        is_bot: false,
        first_name: "Ada",
        last_name: "Lovelace",
        username: `user${userId}`,
        language_code: "en",
      },
      chat: { id: userId, first_name: "Ada", last_name: "Lovelace", username: `user${userId}`, type: "private" },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(text.startsWith("/")
        ? { entities: [{ offset: 0, length: text.split(" ")[0]!.length, type: "bot_command" }] }
        : {}),
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The URL that opens a web chat socket, as the page gets it: the session token (in a POST body)
 * traded for a connect ticket. A ticket opens one socket, from the network it was issued to: give
 * the socket the same `cf-connecting-ip` as `headers`.
 */
export async function webChatSocketUrl(
  base: URL,
  token: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await fetch(new URL("/chat/ticket", base), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ token }),
  });
  if (!res.ok) throw new Error(`POST /chat/ticket answered ${res.status}`);
  const { ticket } = (await res.json()) as { ticket: string };
  return new URL(`/chat/ws?ticket=${encodeURIComponent(ticket)}`, base).toString().replace(/^http/, "ws");
}

let nextWamid = 1;

/** A WhatsApp messages webhook from `waId`, shaped as Meta sends it. `message` overrides the text message. */
export function whatsappPayload(
  waId: string,
  text: string,
  opts: { message?: Record<string, unknown>; timestamp?: number; wamid?: string } = {},
) {
  const wamid = opts.wamid ?? `wamid.HBgL${waId}FQIAEhggQTE${String(nextWamid++).padStart(6, "0")}`;
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: WHATSAPP.phoneNumberId },
              contacts: [{ profile: { name: "Sheena Nelson" }, wa_id: waId }],
              messages: [
                opts.message ?? {
                  from: waId,
                  id: wamid,
                  timestamp: String(opts.timestamp ?? Math.floor(Date.now() / 1000)),
                  text: { body: text },
                  type: "text",
                },
              ],
            },
            field: "messages",
          },
        ],
      },
    ],
  };
}
