import * as z from "zod";
import regionFile from "../infra/regions.json";
import { parseRegionFile, type RegionFile, type RegionId } from "./core/region-policy.js";
import { issueLines } from "./core/zod-issues.js";
import { ConfigError } from "./errors.js";
import type { ChannelName } from "./message.js";
import { Duration, Int, Url, type SettingsGroup } from "./settings.js";

/**
 * Settings, parsed once per isolate from the Worker's vars and secrets. A missing or malformed setting
 * stops the Worker with a message that names it (never its value). Channels declare their own settings
 * (their registry entry); this file holds what every deployment shares.
 */
export const DEFAULT_SYSTEM_PROMPT =
  "You are the helpful assistant of this company, chatting with a customer on an instant messenger. " +
  "Answer briefly and clearly, in the language the customer writes in. Light Markdown is shown as " +
  "formatting (bold, lists, links, code blocks); keep tables narrow, a phone shows them. If you do not " +
  "know something, say so instead of guessing.";

const CoreSettings = z.object({
  ORDERS_API_URL: Url.optional(),
  ORDERS_API_KEY: z.string().min(8).optional(),
  MODEL_MAX_TOOL_ROUNDS: Int(0, 10).default(4),
  MODEL_MAX_TOOL_CALLS_PER_ROUND: Int(1, 20).default(3),
  MODEL_MAX_TOOL_CALLS: Int(1, 50).default(6),
  ADMIN_TOKEN: z.string().min(16, "at least 16 random characters").optional(),
  KEY_SECRET: z.string().min(32, "at least 32 random characters").optional(),
  KEY_SECRET_PREVIOUS: z.string().min(32, "at least 32 random characters").optional(),
  DURABLE_OBJECT_JURISDICTIONS: z.enum(["on", "off"]).default("on"),

  MODEL_NAME: z.string().min(1).default("openai/gpt-oss-20b"),
  MODEL_REASONING_EFFORT: z.enum(["low", "medium", "high"]).default("low"),
  MODEL_MAX_OUTPUT_TOKENS: Int(16, 32_768).default(1024),
  MODEL_FIRST_TOKEN_TIMEOUT_MS: Int(100, 300_000).default(20_000),
  MODEL_TIMEOUT_MS: Int(100, 600_000).default(60_000),
  SYSTEM_PROMPT: z.string().min(1).default(DEFAULT_SYSTEM_PROMPT),
  INPUT_TOKEN_BUDGET: Int(256, 131_072).default(2048),
  CONTEXT_MAX_MESSAGES: Int(0, 200).default(10),

  BURST_WINDOW_MS: Int(0, 10_000).default(0),
  REPLY_MAX_ATTEMPTS: Int(1, 20).default(6),

  RATE_LIMIT_MESSAGES: Int(1, 10_000).default(5),
  RATE_LIMIT_WINDOW: Duration.default("1 s"),
  RATE_LIMIT_NOTICE_COOLDOWN_SECONDS: Int(1, 86_400).default(60),

  FAQ_DIRECT: z.enum(["on", "off"]).default("on"),
  FAQ_DIRECT_MIN_SCORE: z.coerce.number().min(0.5).max(1).default(0.9),
  FAQ_OFFLINE_MIN_SCORE: z.coerce.number().min(0.3).max(1).default(0.6),

  TIMEOUT_REDIS_MS: Int(50, 60_000).default(2000),
  TIMEOUT_KV_MS: Int(50, 60_000).default(2000),
  TIMEOUT_INBOX_MS: Int(100, 60_000).default(10_000),
  TIMEOUT_PLATFORM_MS: Int(100, 120_000).default(10_000),
  TIMEOUT_ORDERS_MS: Int(100, 60_000).default(5000),
  TIMEOUT_REPLY_MS: Int(1000, 900_000).default(150_000),
  OVERDUE_AFTER_MS: Int(1000, 86_400_000).default(900_000),

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

export interface Config {
  regionFile: RegionFile;
  regions: Record<RegionId, RegionSettings>;
  /** The settings of each channel this deployment uses, by name (see channelSettings). */
  channels: ReadonlyMap<ChannelName, unknown>;
  /** The business order API behind lookup_order; the tool is offered only with it. */
  orders: { apiUrl: string; apiKey: string } | undefined;
  /** Bearer token of /admin; the admin API is off without one. */
  adminToken: string | undefined;
  /**
   * The key of every keyed hash of a user, chat or message id (storage keys, object names, log
   * references), and while a rotation is under way the one before it (see docs/SECURITY.md).
   */
  keySecret: { current: string; previous: string | undefined };
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
    /** Tool calls run per model call, and per message in all (the rest are refused back to the model). */
    maxToolCallsPerRound: number;
    maxToolCalls: number;
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
  /**
   * How long each outbound call may take before it counts as failed (README, "Reliability"). The
   * origin's own are model.firstTokenTimeoutMs and model.timeoutMs.
   */
  timeouts: {
    /** One Upstash request or pipeline. */
    redisMs: number;
    /** One KV read or write. */
    kvMs: number;
    /** Handing a message to its chat's inbox (a Durable Object call). */
    inboxMs: number;
    /** One Bot API or Graph API request. */
    platformMs: number;
    /** One order API request. */
    ordersMs: number;
    /** A whole reply in an inbox, model and tools included: past it, the reply is abandoned and tried again. */
    replyMs: number;
  };
  /** A message acknowledged this long ago and neither answered nor dead-lettered is logged and counted. */
  overdueAfterMs: number;
  breaker: {
    /** Failures (within a minute) that open an origin's circuit. */
    failures: number;
    /** How long an open circuit keeps the origin out before one trial call. */
    cooldownSeconds: number;
  };
}

/** A channel as far as settings go: its name and its settings group. */
export interface ChannelSettingsSpec {
  readonly name: ChannelName;
  readonly settings: SettingsGroup<unknown>;
}

/**
 * Every setting of `env`: the core group, each region's four (ORIGIN_URL_<R>…), and each channel's
 * group. All problems are collected first, so one error names every setting at fault.
 */
export function parseConfig(env: Record<string, unknown>, channels: readonly ChannelSettingsSpec[]): Config {
  const present = presentSettings(env);
  const problems = new Problems(present);
  const core = problems.parse(CoreSettings, present);
  const file = parseRegionFile(regionFile);
  const regions = regionSettings(file, problems);
  const channelValues = new Map<ChannelName, unknown>();
  for (const { name, settings } of channels) {
    if (!settings.required.some((n) => n in present)) continue;
    const values = problems.parse(settings.schema, present);
    for (const n of settings.required) problems.need(n);
    if (values && problems.none) channelValues.set(name, settings.build(values, file));
  }
  const orders = core?.ORDERS_API_URL
    ? { apiUrl: core.ORDERS_API_URL.replace(/\/+$/, ""), apiKey: problems.need("ORDERS_API_KEY") }
    : undefined;
  problems.need("KEY_SECRET");
  if (core && core.TIMEOUT_REPLY_MS <= core.MODEL_TIMEOUT_MS)
    problems.invalidSetting(
      "TIMEOUT_REPLY_MS",
      "must be longer than MODEL_TIMEOUT_MS (a reply includes the model's answer)",
    );
  problems.throwIfAny();
  return coreConfig(core!, file, regions, channelValues, orders);
}

/** Empty strings count as unset: wrangler and shells pass them for declared-but-blank settings. */
function presentSettings(env: Record<string, unknown>): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string" && v !== "") present[k] = v;
  return present;
}

/** Malformed and missing settings, gathered across groups and thrown together. */
class Problems {
  private readonly invalid: string[] = [];
  private readonly missing: string[] = [];
  constructor(private readonly present: Record<string, string>) {}

  get none(): boolean {
    return this.invalid.length === 0 && this.missing.length === 0;
  }

  parse<S extends z.ZodType>(schema: S, values: Record<string, string>): z.output<S> | undefined {
    const parsed = schema.safeParse(values);
    if (parsed.success) return parsed.data;
    this.invalid.push(...issueLines(parsed.error));
    return undefined;
  }

  /** A setting whose value is well-formed but does not fit with another's. */
  invalidSetting(name: string, why: string): void {
    this.invalid.push(`${name}: ${why}`);
  }

  /** The value of a required setting; a missing one is noted ("" stands in until the throw). */
  need(name: string): string {
    const value = this.present[name];
    if (value === undefined && !this.missing.includes(name)) this.missing.push(name);
    return value ?? "";
  }

  throwIfAny(): void {
    if (this.invalid.length) throw new ConfigError(`invalid settings: ${this.invalid.join("; ")}`);
    if (this.missing.length) {
      throw new ConfigError(`missing setting${this.missing.length > 1 ? "s" : ""}: ${this.missing.join(", ")}`);
    }
  }
}

/** Each region's origins and database (ORIGIN_URL_<R>, ORIGIN_API_KEY_<R>, UPSTASH_REDIS_REST_*_<R>). */
function regionSettings(file: RegionFile, problems: Problems): Record<RegionId, RegionSettings> {
  const regions: Record<RegionId, RegionSettings> = {};
  for (const [id, region] of Object.entries(file.regions)) {
    const R = id.toUpperCase();
    regions[id] = {
      id,
      originUrls: originUrls(problems.need(`ORIGIN_URL_${R}`), `ORIGIN_URL_${R}`),
      originApiKey: problems.need(`ORIGIN_API_KEY_${R}`),
      redisUrl: problems.need(`UPSTASH_REDIS_REST_URL_${R}`),
      redisToken: problems.need(`UPSTASH_REDIS_REST_TOKEN_${R}`),
      sessionTtlSeconds: region.retention.sessionTtlSeconds,
    };
  }
  return regions;
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

function coreConfig(
  s: z.output<typeof CoreSettings>,
  file: RegionFile,
  regions: Record<RegionId, RegionSettings>,
  channels: ReadonlyMap<ChannelName, unknown>,
  orders: Config["orders"],
): Config {
  return {
    regionFile: file,
    regions,
    channels,
    adminToken: s.ADMIN_TOKEN,
    keySecret: { current: s.KEY_SECRET!, previous: s.KEY_SECRET_PREVIOUS },
    orders,
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
      maxToolCallsPerRound: s.MODEL_MAX_TOOL_CALLS_PER_ROUND,
      maxToolCalls: s.MODEL_MAX_TOOL_CALLS,
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
    timeouts: {
      redisMs: s.TIMEOUT_REDIS_MS,
      kvMs: s.TIMEOUT_KV_MS,
      inboxMs: s.TIMEOUT_INBOX_MS,
      platformMs: s.TIMEOUT_PLATFORM_MS,
      ordersMs: s.TIMEOUT_ORDERS_MS,
      replyMs: s.TIMEOUT_REPLY_MS,
    },
    overdueAfterMs: s.OVERDUE_AFTER_MS,
    breaker: { failures: s.ORIGIN_BREAKER_FAILURES, cooldownSeconds: s.ORIGIN_BREAKER_COOLDOWN_SECONDS },
  };
}

/**
 * The Durable Object jurisdiction for a region's objects: "eu" for EU regions, where the runtime has
 * jurisdictions (workerd has none: the local stack turns them off); undefined elsewhere.
 */
export function durableObjectJurisdiction(config: Config, region: RegionId): "eu" | undefined {
  return config.durableObjectJurisdictions && config.regionFile.regions[region]?.jurisdiction === "eu"
    ? "eu"
    : undefined;
}

/** What regionObject needs of a Durable Object namespace (typed by shape: this file is also built outside Workers). */
export interface RegionalNamespace<Id, Stub> {
  jurisdiction(name: "eu"): RegionalNamespace<Id, Stub>;
  idFromName(name: string): Id;
  get(id: Id): Stub;
}

/**
 * The Durable Object named `name` (a chat key, a conversation id) for a user of this region: EU users'
 * objects are created in the EU jurisdiction.
 */
export function regionObject<Id, Stub>(
  config: Config,
  namespace: RegionalNamespace<Id, Stub>,
  region: RegionId,
  name: string,
): Stub {
  const jurisdiction = durableObjectJurisdiction(config, region);
  const ns = jurisdiction ? namespace.jurisdiction(jurisdiction) : namespace;
  return ns.get(ns.idFromName(name));
}
