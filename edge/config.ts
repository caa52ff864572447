import * as z from "zod";
import regionFile from "../infra/regions.json";
import { DEFAULT_POLICY, versionId, type RolloutPolicy } from "./core/rollout.js";
import { parseRegionFile, type RegionFile, type RegionId } from "./core/region-policy.js";
import { issueLines } from "./core/zod-issues.js";
import { ConfigError } from "./errors.js";
import type { ChannelName } from "./message.js";
import { log } from "./log.js";
import { Duration, Int, setting, settingDoc, Url, type SettingDoc, type SettingsGroup } from "./settings.js";

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

/**
 * The settings every deployment shares; each channel declares its own (its settings.ts), and each
 * region has the four of REGION_SETTINGS. README's settings table is made from these (`npm run docs`).
 */
export const CoreSettings = z.object({
  KEY_SECRET: setting(z.string().min(32, "at least 32 random characters").optional(), {
    description:
      "32+ random characters: the key of every keyed pseudonym of a user, chat or message id (storage keys, object names, log references; Terraform makes it). Rotation: docs/SECURITY.md",
    unset: "required",
    secret: true,
  }),
  KEY_SECRET_PREVIOUS: setting(z.string().min(32, "at least 32 random characters").optional(), {
    description: "the previous `KEY_SECRET`, only while a rotation is under way",
    unset: "none",
    secret: true,
  }),
  ADMIN_TOKEN: setting(z.string().min(16, "at least 16 random characters").optional(), {
    description: "16+ random characters: bearer token of `/admin`",
    unset: "none (admin API off)",
    secret: true,
  }),
  DURABLE_OBJECT_JURISDICTIONS: setting(z.enum(["on", "off"]).default("on"), {
    description:
      "EU users' Durable Objects (web chat conversations, reminders, messenger inboxes) are created in the EU jurisdiction (`off` locally: workerd has none)",
  }),
  MODEL_NAME: setting(z.string().min(1).default("openai/gpt-oss-20b"), {
    description: "model name sent to the origins",
  }),
  MODEL_REASONING_EFFORT: setting(z.enum(["low", "medium", "high"]).default("low"), {
    description: "gpt-oss reasoning effort: `low`, `medium`, `high`",
  }),
  MODEL_MAX_OUTPUT_TOKENS: setting(Int(16, 32_768).default(1024), {
    description: "cap on reasoning plus answer tokens",
  }),
  MODEL_FIRST_TOKEN_TIMEOUT_MS: setting(Int(100, 300_000).default(20_000), {
    description: "the origin must start answering within this time",
  }),
  MODEL_TIMEOUT_MS: setting(Int(100, 600_000).default(60_000), {
    description: "the whole answer must arrive within this time; otherwise the user gets an apology",
  }),
  SYSTEM_PROMPT: setting(z.string().min(1).default(DEFAULT_SYSTEM_PROMPT), {
    description: "the operator's instructions to the model",
    shownDefault: "a short customer-service persona",
  }),
  INPUT_TOKEN_BUDGET: setting(Int(256, 131_072).default(2048), {
    description: "prompt size (system, recent turns, new message), counted o200k-style",
  }),
  CONTEXT_MAX_MESSAGES: setting(Int(0, 200).default(10), {
    description: "at most this many earlier messages in a prompt; older ones are folded into a summary (below)",
  }),
  ORIGIN_BREAKER_FAILURES: setting(Int(1, 100).default(3), {
    description: "failures of an origin within a minute that open its circuit",
  }),
  ORIGIN_BREAKER_COOLDOWN_SECONDS: setting(Int(1, 3600).default(30), {
    description: "how long an open circuit keeps the origin out before one trial call",
  }),
  FAQ_DIRECT: setting(z.enum(["on", "off"]).default("on"), {
    description: "answer near-exact FAQ questions without the model (never ones that point back at the conversation)",
  }),
  FAQ_DIRECT_MIN_SCORE: setting(z.coerce.number().min(0.5).max(1).default(0.9), {
    description: "how close (0–1) a question must be to an FAQ question to skip the model",
  }),
  FAQ_OFFLINE_MIN_SCORE: setting(z.coerce.number().min(0.3).max(1).default(0.6), {
    description: "how close it must be for the FAQ to answer when no model can",
  }),
  ORDERS_API_URL: setting(Url.optional(), {
    description:
      "the business order API behind the `lookup_order` tool (`GET <url>/customers/<user key>/orders/<order id>`)",
    unset: "none (tool off)",
  }),
  ORDERS_API_KEY: setting(z.string().min(8).optional(), {
    description: "its bearer key",
    unset: "required with the URL",
    secret: true,
  }),
  MODEL_MAX_TOOL_ROUNDS: setting(Int(0, 10).default(4), {
    description: "model calls that may ask for tools before the answer must come without them",
  }),
  MODEL_MAX_TOOL_CALLS_PER_ROUND: setting(Int(1, 20).default(3), {
    description: 'tool calls run per model call; more are refused back to the model ("answer with what you have")',
  }),
  MODEL_MAX_TOOL_CALLS: setting(Int(1, 50).default(6), {
    description:
      "tool calls run per message in all: one injected instruction cannot make hundreds of order-API requests",
  }),
  CAPACITY_HOLD_MS: setting(Int(0, 300_000).default(20_000), {
    description:
      'when every server that may answer is saturated, a Telegram or WhatsApp message is held this long ("typing…" shown) before the user gets a short "busy" note or a near FAQ answer; the full answer follows',
  }),
  CAPACITY_MAX_WAIT_MS: setting(Int(10_000, 3_600_000).default(600_000), {
    description:
      'how long after it was first held a message waits for a free server at most; then it is answered as for a model that is down (the FAQ in limited mode, or "try later")',
  }),
  BURST_WINDOW_MS: setting(Int(0, 10_000).default(0), {
    description:
      "A minimum wait before a Telegram or WhatsApp message is answered: messages sent within this many ms of each other always share one reply (bursts are answered once without it; see Channels)",
  }),
  REPLY_MAX_ATTEMPTS: setting(Int(1, 20).default(6), {
    description:
      "tries of a Telegram or WhatsApp reply (backoff 1 s, 2 s, 4 s… or the platform's retry_after) before its messages are counted as dead-lettered",
  }),
  RATE_LIMIT_MESSAGES: setting(Int(1, 10_000).default(5), {
    description:
      "replies a user may get per window (a burst answered together counts once); the excess is not sent to the model. Telegram and WhatsApp private chats count them in the chat's stored turns (a /reset keeps their times for the window) when the limit is at most 25; otherwise, and for groups, the HTTP API and the web chat, counters in the region's Redis do",
  }),
  RATE_LIMIT_WINDOW: setting(Duration.default("1 s"), { description: "the window (`500 ms`, `10 s`, `1 m`, …)" }),
  RATE_LIMIT_NOTICE_COOLDOWN_SECONDS: setting(Int(1, 86_400).default(60), {
    description: "a user over the limit is told to slow down once per this many seconds",
  }),
  ROLLOUT_WINDOW_MINUTES: setting(Int(1, 1440).default(DEFAULT_POLICY.windowMinutes), {
    description:
      'minutes between a model rollout\'s decisions (the cron trigger runs each minute; docs/ARCHITECTURE.md, "Model versions")',
  }),
  ROLLOUT_MIN_SAMPLE: setting(Int(10, 1_000_000).default(DEFAULT_POLICY.minSample), {
    description:
      'replies a candidate version gives at a stage before it is judged; fewer is "not enough data" (it holds), never "no errors"',
  }),
  ROLLOUT_FAILURE_MARGIN_POINTS: setting(
    z.coerce.number().min(0.1).max(50).default(DEFAULT_POLICY.errorLimitMarginPoints),
    {
      description:
        "percentage points of failures above the stable version's rate (or twice its rate, if more) that make a candidate bad: the smaller, the more replies a rollout needs before it can tell",
    },
  ),
  ANALYTICS_ACCOUNT_ID: setting(
    z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional(),
    {
      description:
        "Cloudflare account whose Analytics Engine SQL API the rollout's decisions read the per-message records from (with ANALYTICS_API_TOKEN, ANALYTICS_DATASET)",
      unset: "none: no decisions by rule (the local stack reads its metrics endpoint)",
    },
  ),
  ANALYTICS_API_TOKEN: setting(z.string().min(20).optional(), {
    description: "an API token with Account Analytics: Read",
    unset: "required with the account",
    secret: true,
  }),
  ANALYTICS_DATASET: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9_]+$/)
      .optional(),
    { description: "the dataset the METRICS binding writes to", unset: "required with the account" },
  ),
  LOG_SUCCESS_SAMPLE_RATE: setting(z.coerce.number().min(0).max(1).default(0.1), {
    description:
      "share (0–1) of the log lines of things that went well (a webhook accepted, a message answered) that are written; each says the rate it was kept at (`sample`). Errors, warnings, drops and dead letters are always written; the per-message metrics count everything",
  }),
  TIMEOUT_REDIS_MS: setting(Int(50, 60_000).default(2000), {
    description: 'deadline of one Upstash request or pipeline (see "Reliability")',
  }),
  TIMEOUT_KV_MS: setting(Int(50, 60_000).default(2000), { description: "deadline of one KV read or write" }),
  TIMEOUT_INBOX_MS: setting(Int(100, 60_000).default(10_000), {
    description: "deadline of a Durable Object call (a chat's inbox, reminders) and of queueing a webhook's messages",
  }),
  TIMEOUT_PLATFORM_MS: setting(Int(100, 120_000).default(10_000), {
    description: "deadline of one Bot API or Graph API request",
  }),
  TIMEOUT_ORDERS_MS: setting(Int(100, 60_000).default(5000), { description: "deadline of one order API request" }),
  TIMEOUT_REPLY_MS: setting(Int(1000, 900_000).default(150_000), {
    description:
      "a whole Telegram or WhatsApp reply (model and tools included; longer than `MODEL_TIMEOUT_MS`): past it the reply is abandoned and tried again",
  }),
  OVERDUE_AFTER_MS: setting(Int(1000, 86_400_000).default(900_000), {
    description:
      "a message acknowledged this long ago and neither answered nor dead-lettered is logged (`message.overdue`) and counted (`metrics:overdue:<channel>`)",
  }),
});

export interface RegionSettings {
  id: RegionId;
  /** The region's origins (ORIGIN_URL_<R>, comma-separated), in the order given. */
  originUrls: string[];
  originApiKey: string;
  redisUrl: string;
  redisToken: string;
  sessionTtlSeconds: number;
  /** The hosted endpoint asked while the region's pool is saturated, where regions.json declares one. */
  overflow: { url: string; apiKey: string; model: string | undefined } | undefined;
  /** The version regions.json names stable (a rollout's state in KV may have promoted another since). */
  stableVersion: string;
  /**
   * Each version of the region's model (regions.json `models.versions`): its id (core/rollout.ts),
   * its pool (ORIGIN_URL_<R>_<V>; the stable one's may be ORIGIN_URL_<R>) and its system prompt.
   */
  versions: Record<string, { id: string; originUrls: string[]; systemPrompt: string }>;
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
  /** LOG_SUCCESS_SAMPLE_RATE. */
  logSuccessSampleRate: number;
  /** The rollout rule's numbers (core/rollout.ts), three of them settings. */
  rollout: RolloutPolicy;
  /** Where the rollout's decisions read the records: Analytics Engine's SQL API (production). */
  analytics: { accountId: string; apiToken: string; dataset: string } | undefined;
  /** Tries of a messenger reply (backoff 1 s, 2 s, 4 s… up to a minute) before it is counted as dead-lettered. */
  replyMaxAttempts: number;
  /** While every server is saturated: how long a messenger message is held before a note, and waits at most. */
  capacity: { holdMs: number; maxWaitMs: number };
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
  readFormerNames(present, [CoreSettings, ...channels.map((c) => c.settings.schema)]);
  const problems = new Problems(present);
  const core = problems.parse(CoreSettings, present);
  const file = parseRegionFile(regionFile);
  const regions = regionSettings(file, problems, core?.SYSTEM_PROMPT ?? DEFAULT_SYSTEM_PROMPT);
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
  if (core?.ANALYTICS_ACCOUNT_ID) {
    problems.need("ANALYTICS_API_TOKEN");
    problems.need("ANALYTICS_DATASET");
  }
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

/**
 * A renamed setting is still read under its former name (SettingDoc.formerly) when its new name is not
 * given, so a deployment's secrets keep working across the rename; the log says which to rename.
 */
function readFormerNames(present: Record<string, string>, schemas: readonly z.ZodType[]): void {
  for (const schema of schemas) {
    if (!(schema instanceof z.ZodObject)) continue;
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const formerly = settingDoc(field)?.formerly;
      if (!formerly || present[formerly] === undefined || present[name] !== undefined) continue;
      present[name] = present[formerly];
      log.warn("config.former_name", { setting: formerly, renamedTo: name });
    }
  }
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

  /** The value of an optional setting, if given. */
  value(name: string): string | undefined {
    return this.present[name];
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

/**
 * The settings of each region R of infra/regions.json: their names end in `_<R>`, R's id in upper case
 * (ORIGIN_URL_EU). Every one is required for every region.
 */
export const REGION_SETTINGS = {
  ORIGIN_URL: {
    description:
      "base URL of region R's GPU pool of the model version regions.json names stable (its load balancer; the edge calls `<url>/v1`); several comma-separated are tried in turn, each behind its own breaker. Each other version V has its own pool: `ORIGIN_URL_<R>_<V>` (which may also name the stable one's)",
    unset: "required",
  },
  ORIGIN_API_KEY: { description: "the key that server expects (vLLM `--api-key`)", unset: "required", secret: true },
  UPSTASH_REDIS_REST_URL: { description: "REST URL of region R's Upstash database", unset: "required" },
  UPSTASH_REDIS_REST_TOKEN: { description: "its token", unset: "required", secret: true },
  OVERFLOW_URL: {
    description:
      "base URL of region R's overflow endpoint (OpenAI-compatible, gpt-oss-20b, in R's jurisdiction), asked only while R's own pool is saturated",
    unset: "none; required where regions.json declares origins.overflow",
  },
  OVERFLOW_API_KEY: { description: "its bearer key", unset: "required with the URL", secret: true },
  OVERFLOW_MODEL: { description: "the model's name at that endpoint", unset: "`MODEL_NAME`" },
} as const satisfies Record<string, SettingDoc>;

/** Each region's origins and database (REGION_SETTINGS). */
function regionSettings(file: RegionFile, problems: Problems, defaultPrompt: string): Record<RegionId, RegionSettings> {
  const regions: Record<RegionId, RegionSettings> = {};
  for (const [id, region] of Object.entries(file.regions)) {
    const R = id.toUpperCase();
    const stable = region.models.stable;
    const versions: RegionSettings["versions"] = {};
    const seen = new Map<string, string>();
    for (const [name, version] of Object.entries(region.models.versions)) {
      const V = name.toUpperCase();
      const own = problems.value(`ORIGIN_URL_${R}_${V}`);
      const setting = own !== undefined || name !== stable ? `ORIGIN_URL_${R}_${V}` : `ORIGIN_URL_${R}`;
      const urls = originUrls(problems.need(setting), setting);
      for (const url of urls) {
        const other = seen.get(url);
        if (other) problems.invalidSetting(setting, `${url} is version ${other}'s pool too: each version has its own`);
        seen.set(url, name);
      }
      const systemPrompt =
        version.systemPrompt === "default"
          ? defaultPrompt
          : problems.need(`SYSTEM_PROMPT_${version.systemPrompt.toUpperCase()}`);
      versions[name] = { id: versionId(name, version, systemPrompt), originUrls: urls, systemPrompt };
    }
    regions[id] = {
      id,
      stableVersion: stable,
      versions,
      originUrls: versions[stable]!.originUrls,
      originApiKey: problems.need(`ORIGIN_API_KEY_${R}`),
      redisUrl: problems.need(`UPSTASH_REDIS_REST_URL_${R}`),
      redisToken: problems.need(`UPSTASH_REDIS_REST_TOKEN_${R}`),
      sessionTtlSeconds: region.retention.sessionTtlSeconds,
      overflow: region.origins.overflow
        ? {
            url: originUrls(problems.need(`OVERFLOW_URL_${R}`), `OVERFLOW_URL_${R}`)[0] ?? "",
            apiKey: problems.need(`OVERFLOW_API_KEY_${R}`),
            model: problems.value(`OVERFLOW_MODEL_${R}`),
          }
        : undefined,
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
    logSuccessSampleRate: s.LOG_SUCCESS_SAMPLE_RATE,
    rollout: {
      ...DEFAULT_POLICY,
      windowMinutes: s.ROLLOUT_WINDOW_MINUTES,
      minSample: s.ROLLOUT_MIN_SAMPLE,
      errorLimitMarginPoints: s.ROLLOUT_FAILURE_MARGIN_POINTS,
    },
    analytics: s.ANALYTICS_ACCOUNT_ID
      ? { accountId: s.ANALYTICS_ACCOUNT_ID, apiToken: s.ANALYTICS_API_TOKEN ?? "", dataset: s.ANALYTICS_DATASET ?? "" }
      : undefined,
    replyMaxAttempts: s.REPLY_MAX_ATTEMPTS,
    capacity: { holdMs: s.CAPACITY_HOLD_MS, maxWaitMs: s.CAPACITY_MAX_WAIT_MS },
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
