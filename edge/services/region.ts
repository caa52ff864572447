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
  /** This region's origins, behind their breakers (no fallback: see pipeline/fallback.ts). */
  model: RegionModel;
  /** The hosted endpoint asked while the region's pool is saturated, where regions.json declares one. */
  overflow: ModelClient | undefined;
}

/** The services of `region` (the composition root keeps one per region and isolate). */
export function createRegionServices(config: Config, region: RegionId, keys: Pseudonyms): RegionServices {
  const settings = config.regions[region];
  if (!settings) throw new Error(`unknown region "${region}"`);
  const redis = redisFor(settings, config.timeouts.redisMs);
  return {
    settings,
    redis,
    conversations: createConversationStore(redis, config.rateLimit, keys),
    groupSettings: groupSettingsStore(redis, keys),
    model: regionModel({
      region,
      breaker: createBreakerStore(redis, config.breaker),
      probeTtlMs: config.model.timeoutMs,
      origins: settings.originUrls.map((originUrl, i) => ({
        id: `${region}${i + 1}`,
        client: originClient({
          region,
          origin: `${region}${i + 1}`,
          originUrl,
          apiKey: settings.originApiKey,
          model: config.model.name,
          reasoningEffort: config.model.reasoningEffort,
          maxOutputTokens: config.model.maxOutputTokens,
          firstTokenTimeoutMs: config.model.firstTokenTimeoutMs,
          timeoutMs: config.model.timeoutMs,
        }),
      })),
    }),
    overflow: settings.overflow
      ? overflowClient(config, region, settings.overflow, createBreakerStore(redis, config.breaker))
      : undefined,
  };
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
