import type { Config, RegionSettings } from "../config.js";
import type { RegionId } from "../core/region-policy.js";
import { createConversationStore, type ConversationStore } from "../services/conversation-store.js";
import { createDedupStore, type DedupStore } from "../services/dedup.js";
import { createBreakerStore } from "../services/breaker.js";
import { createOriginClient } from "../services/llm.js";
import { createRegionModel, type RegionModel } from "../services/region-model.js";
import { redisFor } from "../services/redis.js";
import type { Redis } from "@upstash/redis/cloudflare";

/** The I/O of one region: its database and its model, and nothing of any other region. */
export interface RegionServices {
  settings: RegionSettings;
  redis: Redis;
  dedup: DedupStore;
  conversations: ConversationStore;
  /** This region's origins, behind their breakers (no fallback: see model-router.ts). */
  model: RegionModel;
}

const cache = new WeakMap<Config, Map<RegionId, RegionServices>>();

/** The services of `region`, built once per isolate and configuration. */
export function regionServices(config: Config, region: RegionId): RegionServices {
  let byRegion = cache.get(config);
  if (!byRegion) cache.set(config, (byRegion = new Map()));
  let services = byRegion.get(region);
  if (!services) {
    const settings = config.regions[region];
    if (!settings) throw new Error(`unknown region "${region}"`);
    const redis = redisFor(settings);
    services = {
      settings,
      redis,
      dedup: createDedupStore(redis),
      conversations: createConversationStore(redis, config.rateLimit),
      model: createRegionModel({
        region,
        breaker: createBreakerStore(redis, config.breaker),
        probeTtlMs: config.model.timeoutMs,
        origins: settings.originUrls.map((originUrl, i) => ({
          id: `${region}${i + 1}`,
          client: createOriginClient({
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
    };
    byRegion.set(region, services);
  }
  return services;
}
