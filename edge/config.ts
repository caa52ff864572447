import { z } from "zod";
import regionFile from "../infra/regions.json";
import { parseRegionFile, type RegionFile, type RegionId } from "./core/region-policy.js";
import { ConfigError } from "./errors.js";

/**
 * Settings, parsed once per isolate from the Worker's vars and secrets. A missing or malformed setting
 * stops the Worker with a message that names it (never its value).
 */
const DEFAULT_SYSTEM_PROMPT =
  "You are the helpful assistant of this company, chatting with a customer on an instant messenger. " +
  "Answer briefly and clearly, in the language the customer writes in. Use plain text; use a code " +
  "block only for code. If you do not know something, say so instead of guessing.";

const Duration = z.string().regex(/^\d+\s?(ms|s|m|h|d)$/, 'a duration like "1 s", "10 s" or "1 m"');
const Url = z.url({ protocol: /^https?$/ });
const Int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const Settings = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/, "a bot token as BotFather gives it (123456:ABC…)")
    .optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, "16–256 characters of A–Z, a–z, 0–9, _ and -")
    .optional(),
  TELEGRAM_API_BASE: Url.default("https://api.telegram.org"),
  TELEGRAM_REGION: z.string().optional(),
  TELEGRAM_BOT_USERNAME: z.string().optional(),

  WHATSAPP_ACCESS_TOKEN: z.string().min(20, "a Cloud API access token").optional(),
  WHATSAPP_APP_SECRET: z.string().min(16, "the Meta app secret").optional(),
  WHATSAPP_VERIFY_TOKEN: z.string().min(8, "at least 8 characters").optional(),
  WHATSAPP_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{5,20}$/, "the numeric phone number id")
    .optional(),
  WHATSAPP_API_BASE: Url.default("https://graph.facebook.com/v23.0"),
  WHATSAPP_TEMPLATE_NAME: z
    .string()
    .regex(/^[a-z0-9_]{1,512}$/, "an approved template's name")
    .optional(),
  WHATSAPP_TEMPLATE_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a template language code like "en" or "en_US"')
    .default("en"),

  HTTP_API_KEYS: z
    .string()
    .regex(
      /^\s*([\w-]+:)?[\w.~+/=-]{16,}\s*(,\s*([\w-]+:)?[\w.~+/=-]{16,}\s*)*$/,
      'comma-separated keys of 16+ characters, each optionally named: "crm:KEY,shop:KEY"',
    )
    .optional(),

  CHAT_TOKEN_SECRET: z.string().min(32, "at least 32 random characters").optional(),
  ORDERS_API_URL: Url.optional(),
  ORDERS_API_KEY: z.string().min(8).optional(),
  MODEL_MAX_TOOL_ROUNDS: Int(0, 10).default(4),
  ADMIN_TOKEN: z.string().min(16, "at least 16 random characters").optional(),
  DURABLE_OBJECT_JURISDICTIONS: z.enum(["on", "off"]).default("on"),

  MODEL_NAME: z.string().min(1).default("openai/gpt-oss-20b"),
  MODEL_REASONING_EFFORT: z.enum(["low", "medium", "high"]).default("low"),
  MODEL_MAX_OUTPUT_TOKENS: Int(16, 32_768).default(1024),
  MODEL_FIRST_TOKEN_TIMEOUT_MS: Int(100, 300_000).default(20_000),
  MODEL_TIMEOUT_MS: Int(100, 600_000).default(60_000),
  SYSTEM_PROMPT: z.string().min(1).default(DEFAULT_SYSTEM_PROMPT),
  INPUT_TOKEN_BUDGET: Int(256, 131_072).default(2048),
  CONTEXT_MAX_MESSAGES: Int(0, 200).default(10),

  BURST_WINDOW_MS: Int(0, 10_000).default(1500),
  REPLY_MAX_ATTEMPTS: Int(1, 20).default(6),

  RATE_LIMIT_MESSAGES: Int(1, 10_000).default(5),
  RATE_LIMIT_WINDOW: Duration.default("1 s"),
  RATE_LIMIT_NOTICE_COOLDOWN_SECONDS: Int(1, 86_400).default(60),

  FAQ_DIRECT: z.enum(["on", "off"]).default("on"),
  FAQ_DIRECT_MIN_SCORE: z.coerce.number().min(0.5).max(1).default(0.9),
  FAQ_OFFLINE_MIN_SCORE: z.coerce.number().min(0.3).max(1).default(0.6),

  ORIGIN_BREAKER_FAILURES: Int(1, 100).default(3),
  ORIGIN_BREAKER_COOLDOWN_SECONDS: Int(1, 3600).default(30),
});

export interface RegionSettings {
  id: RegionId;
  /** The region's origins (ORIGIN_URL_<R>, comma-separated), in the order given. */
  originUrls: string[];
  originApiKey: string;
  redisUrl: string;
  redisToken: string;
  sessionTtlSeconds: number;
}

export interface TelegramSettings {
  botToken: string;
  webhookSecret: string;
  apiBase: string;
  region: RegionId;
  botUsername: string | undefined;
}

export interface WhatsAppSettings {
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  phoneNumberId: string;
  apiBase: string;
  /** Template sent instead of free text outside the 24-hour window; none: such replies are kept undelivered. */
  templateName: string | undefined;
  templateLanguage: string;
}

export interface HttpApiSettings {
  /** Named keys; a key given without a name is called key1, key2… by its position. */
  keys: Array<{ name: string; key: string }>;
}

export interface WebChatSettings {
  /** Signs the web chat's session tokens. */
  tokenSecret: string;
}

export interface Config {
  regionFile: RegionFile;
  regions: Record<RegionId, RegionSettings>;
  telegram: TelegramSettings | undefined;
  whatsapp: WhatsAppSettings | undefined;
  httpApi: HttpApiSettings | undefined;
  webchat: WebChatSettings | undefined;
  /** The business order API behind lookup_order; the tool is offered only with it. */
  orders: { apiUrl: string; apiKey: string } | undefined;
  /** Bearer token of /admin; the admin API is off without one. */
  adminToken: string | undefined;
  /** Create EU conversations' Durable Objects in the EU jurisdiction (off only where the runtime lacks them). */
  durableObjectJurisdictions: boolean;
  model: {
    name: string;
    reasoningEffort: "low" | "medium" | "high";
    maxOutputTokens: number;
    firstTokenTimeoutMs: number;
    timeoutMs: number;
    systemPrompt: string;
    inputTokenBudget: number;
    contextMaxMessages: number;
    /** Model calls that may ask for tools before the answer must come without them. */
    maxToolRounds: number;
  };
  /**
   * Messenger messages (Telegram, WhatsApp) a user sends within this many ms of each other are
   * answered together, once; 0 answers each as soon as the chat's previous reply is out.
   */
  burstWindowMs: number;
  /** Tries of a messenger reply (backoff 1 s, 2 s, 4 s… up to a minute) before it is counted as dead-lettered. */
  replyMaxAttempts: number;
  rateLimit: {
    messages: number;
    window: `${number} ${"ms" | "s" | "m" | "h" | "d"}`;
    noticeCooldownSeconds: number;
  };
  faq: {
    /** Answer near-exact FAQ questions without the model (never ones that depend on the conversation). */
    direct: boolean;
    directMinScore: number;
    /** How close an FAQ question must be to stand in for the model when it is down. */
    offlineMinScore: number;
  };
  breaker: {
    /** Failures (within a minute) that open an origin's circuit. */
    failures: number;
    /** How long an open circuit keeps the origin out before one trial call. */
    cooldownSeconds: number;
  };
}

/** ORIGIN_URL_<R>: one URL, or several separated by commas. */
function originUrls(value: string, name: string): string[] {
  if (!value) return [];
  const urls = value
    .split(",")
    .map((u) => u.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  for (const u of urls) {
    if (!Url.safeParse(u).success) throw new ConfigError(`${name}: "${u}" is not an http(s) URL`);
  }
  return urls;
}

/**
 * The Durable Object jurisdiction for a region's objects: "eu" for EU regions, where the runtime has
 * jurisdictions (workerd has none: the local stack turns them off); undefined elsewhere.
 */
export function durableObjectJurisdiction(config: Config, region: string): "eu" | undefined {
  return config.durableObjectJurisdictions && config.regionFile.regions[region]?.jurisdiction === "eu"
    ? "eu"
    : undefined;
}

/** What regionObject needs of a Durable Object namespace (typed by shape: this file is also built outside Workers). */
interface RegionalNamespace<Id, Stub> {
  jurisdiction(name: "eu"): RegionalNamespace<Id, Stub>;
  idFromName(name: string): Id;
  get(id: Id): Stub;
}

/**
 * The Durable Object named `name` (a user key, a conversation id) for a user of this region: EU users'
 * objects are created in the EU jurisdiction.
 */
export function regionObject<Id, Stub>(
  config: Config,
  namespace: RegionalNamespace<Id, Stub>,
  region: string,
  name: string,
): Stub {
  const jurisdiction = durableObjectJurisdiction(config, region);
  const ns = jurisdiction ? namespace.jurisdiction(jurisdiction) : namespace;
  return ns.get(ns.idFromName(name));
}

const cache = new WeakMap<object, Config>();

/** The parsed settings of this env; parsed once, as the env object lives as long as the isolate. */
export function loadConfig(env: object): Config {
  let config = cache.get(env);
  if (!config) {
    config = parseConfig(env as Record<string, unknown>);
    cache.set(env, config);
  }
  return config;
}

export function parseConfig(env: Record<string, unknown>): Config {
  // Empty strings count as unset: wrangler and shells pass them for declared-but-blank settings.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string" && v !== ""));
  const parsed = Settings.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid settings: ${lines.join("; ")}`);
  }
  const s = parsed.data;
  const file = parseRegionFile(regionFile);

  const missing: string[] = [];
  const need = (name: string): string => {
    const value = present[name];
    if (typeof value !== "string") {
      missing.push(name);
      return "";
    }
    return value;
  };
  const regions: Record<RegionId, RegionSettings> = {};
  for (const [id, region] of Object.entries(file.regions)) {
    const R = id.toUpperCase();
    regions[id] = {
      id,
      originUrls: originUrls(need(`ORIGIN_URL_${R}`), `ORIGIN_URL_${R}`),
      originApiKey: need(`ORIGIN_API_KEY_${R}`),
      redisUrl: need(`UPSTASH_REDIS_REST_URL_${R}`),
      redisToken: need(`UPSTASH_REDIS_REST_TOKEN_${R}`),
      sessionTtlSeconds: region.retention.sessionTtlSeconds,
    };
  }

  let telegram: TelegramSettings | undefined;
  if (s.TELEGRAM_BOT_TOKEN || s.TELEGRAM_WEBHOOK_SECRET) {
    // A channel is on when any of its settings is given; then all of them are required.
    const region = s.TELEGRAM_REGION ?? file.defaultRegion;
    if (!file.regions[region])
      throw new ConfigError(`TELEGRAM_REGION: "${region}" is not a region of infra/regions.json`);
    telegram = {
      botToken: s.TELEGRAM_BOT_TOKEN ?? need("TELEGRAM_BOT_TOKEN"),
      webhookSecret: s.TELEGRAM_WEBHOOK_SECRET ?? need("TELEGRAM_WEBHOOK_SECRET"),
      apiBase: s.TELEGRAM_API_BASE.replace(/\/+$/, ""),
      region,
      botUsername: s.TELEGRAM_BOT_USERNAME,
    };
  }
  let whatsapp: WhatsAppSettings | undefined;
  if (s.WHATSAPP_ACCESS_TOKEN || s.WHATSAPP_APP_SECRET || s.WHATSAPP_VERIFY_TOKEN || s.WHATSAPP_PHONE_NUMBER_ID) {
    whatsapp = {
      accessToken: s.WHATSAPP_ACCESS_TOKEN ?? need("WHATSAPP_ACCESS_TOKEN"),
      appSecret: s.WHATSAPP_APP_SECRET ?? need("WHATSAPP_APP_SECRET"),
      verifyToken: s.WHATSAPP_VERIFY_TOKEN ?? need("WHATSAPP_VERIFY_TOKEN"),
      phoneNumberId: s.WHATSAPP_PHONE_NUMBER_ID ?? need("WHATSAPP_PHONE_NUMBER_ID"),
      apiBase: s.WHATSAPP_API_BASE.replace(/\/+$/, ""),
      templateName: s.WHATSAPP_TEMPLATE_NAME,
      templateLanguage: s.WHATSAPP_TEMPLATE_LANGUAGE,
    };
  }
  if (missing.length) throw new ConfigError(`missing setting${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`);

  return {
    regionFile: file,
    regions,
    telegram,
    whatsapp,
    httpApi: s.HTTP_API_KEYS
      ? {
          keys: s.HTTP_API_KEYS.split(",").map((entry, i) => {
            const trimmed = entry.trim();
            const colon = trimmed.indexOf(":");
            return colon > 0
              ? { name: trimmed.slice(0, colon), key: trimmed.slice(colon + 1) }
              : { name: `key${i + 1}`, key: trimmed };
          }),
        }
      : undefined,
    webchat: s.CHAT_TOKEN_SECRET ? { tokenSecret: s.CHAT_TOKEN_SECRET } : undefined,
    adminToken: s.ADMIN_TOKEN,
    orders: s.ORDERS_API_URL
      ? { apiUrl: s.ORDERS_API_URL.replace(/\/+$/, ""), apiKey: s.ORDERS_API_KEY ?? need("ORDERS_API_KEY") }
      : undefined,
    durableObjectJurisdictions: s.DURABLE_OBJECT_JURISDICTIONS === "on",
    model: {
      name: s.MODEL_NAME,
      reasoningEffort: s.MODEL_REASONING_EFFORT,
      maxOutputTokens: s.MODEL_MAX_OUTPUT_TOKENS,
      firstTokenTimeoutMs: s.MODEL_FIRST_TOKEN_TIMEOUT_MS,
      timeoutMs: s.MODEL_TIMEOUT_MS,
      systemPrompt: s.SYSTEM_PROMPT,
      inputTokenBudget: s.INPUT_TOKEN_BUDGET,
      contextMaxMessages: s.CONTEXT_MAX_MESSAGES,
      maxToolRounds: s.MODEL_MAX_TOOL_ROUNDS,
    },
    burstWindowMs: s.BURST_WINDOW_MS,
    replyMaxAttempts: s.REPLY_MAX_ATTEMPTS,
    rateLimit: {
      messages: s.RATE_LIMIT_MESSAGES,
      window: s.RATE_LIMIT_WINDOW.replace(/^(\d+)\s?/, "$1 ") as Config["rateLimit"]["window"],
      noticeCooldownSeconds: s.RATE_LIMIT_NOTICE_COOLDOWN_SECONDS,
    },
    faq: {
      direct: s.FAQ_DIRECT === "on",
      directMinScore: s.FAQ_DIRECT_MIN_SCORE,
      offlineMinScore: s.FAQ_OFFLINE_MIN_SCORE,
    },
    breaker: { failures: s.ORIGIN_BREAKER_FAILURES, cooldownSeconds: s.ORIGIN_BREAKER_COOLDOWN_SECONDS },
  };
}
