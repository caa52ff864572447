import type { Redis } from "@upstash/redis/cloudflare";
import type { Config, RegionSettings } from "../config.js";
import type { Pseudonyms } from "../crypto.js";
import type { RegionId } from "../core/region-policy.js";
import { createBreakerStore, type BreakerStore } from "./breaker.js";
import { groupSettingsStore, type GroupSettingsStore } from "./group-settings.js";
import { createConversationStore, type ConversationStore } from "./conversation/index.js";
import { originClient, type ModelClient } from "./origin-client.js";
import { redisFor } from "./redis.js";
import { regionModel, type RegionModel } from "./region-model.js";

/** The I/O of one region: its database and its model, and nothing of any other region. */
export interface RegionServices {
  settings: RegionSettings;
  redis: Redis;
  conversations: ConversationStore;
  /** What groups chose for themselves (/answer). */
  groupSettings: GroupSettingsStore;
  /** The pool of the version regions.json names stable, behind its breakers (no fallback: see pipeline/fallback.ts). */
  model: RegionModel;
  /** Each version's pool (regions.json `models.versions`), by version name; a rollout chooses among them. */
  versions: Record<string, { id: string; model: RegionModel; systemPrompt: string }>;
  /** The hosted endpoint asked while the region's pool is saturated, where regions.json declares one. */
  overflow: ModelClient | undefined;
}

/** The services of `region` (the composition root keeps one per region and isolate). */
export function createRegionServices(config: Config, region: RegionId, keys: Pseudonyms): RegionServices {
  const settings = config.regions[region];
  if (!settings) throw new Error(`unknown region "${region}"`);
  const redis = redisFor(settings, config.timeouts.redisMs);
  const breaker = createBreakerStore(redis, config.breaker);
  const versions: RegionServices["versions"] = {};
  for (const [name, version] of Object.entries(settings.versions)) {
    // The file's stable version keeps the origin names (and breakers) the region had before versions.
    const prefix = name === settings.stableVersion ? region : `${region}-${name}-`;
    versions[name] = {
      id: version.id,
      systemPrompt: version.systemPrompt,
      model: poolModel(config, region, version.originUrls, settings.originApiKey, prefix, breaker),
    };
  }
  return {
    settings,
    redis,
    conversations: createConversationStore(redis, config.rateLimit, keys),
    groupSettings: groupSettingsStore(redis, keys),
    model: versions[settings.stableVersion]!.model,
    versions,
    overflow: settings.overflow
      ? overflowClient(config, region, settings.overflow, createBreakerStore(redis, config.breaker))
      : undefined,
  };
}

/** One version's pool: its origins (`<prefix>1`, `<prefix>2`… in breakers, logs and /healthz) behind breakers. */
function poolModel(
  config: Config,
  region: RegionId,
  urls: string[],
  apiKey: string,
  prefix: string,
  breaker: BreakerStore,
): RegionModel {
  return regionModel({
    region,
    breaker,
    probeTtlMs: config.model.timeoutMs,
    origins: urls.map((originUrl, i) => ({
      id: `${prefix}${i + 1}`,
      client: originClient({
        region,
        origin: `${prefix}${i + 1}`,
        originUrl,
        apiKey,
        model: config.model.name,
        reasoningEffort: config.model.reasoningEffort,
        maxOutputTokens: config.model.maxOutputTokens,
        firstTokenTimeoutMs: config.model.firstTokenTimeoutMs,
        timeoutMs: config.model.timeoutMs,
      }),
    })),
  });
}

/**
 * The region's hosted overflow endpoint: behind a breaker of its own (a hung or failing host is then
 * skipped at once, rather than making every saturated try wait for its first token), and told nothing
 * of the chat: no affinity key, which a third party could use to link a conversation's requests.
 */
export function overflowClient(
  config: Config,
  region: RegionId,
  overflow: NonNullable<RegionSettings["overflow"]>,
  breaker: BreakerStore,
): ModelClient {
  const client = originClient({
    region,
    origin: `${region}-overflow`,
    originUrl: overflow.url,
    apiKey: overflow.apiKey,
    model: overflow.model ?? config.model.name,
    reasoningEffort: config.model.reasoningEffort,
    maxOutputTokens: config.model.maxOutputTokens,
    firstTokenTimeoutMs: config.model.firstTokenTimeoutMs,
    timeoutMs: config.model.timeoutMs,
  });
  const guarded = regionModel({
    region,
    breaker,
    probeTtlMs: config.model.timeoutMs,
    origins: [{ id: `${region}-overflow`, client }],
  });
  return {
    complete: (messages, call) => {
      if (!call?.affinity) return guarded.complete(messages, call);
      const { affinity: _unsaid, ...anonymous } = call;
      return guarded.complete(messages, anonymous);
    },
  };
}
