import type { Config, RegionSettings } from "../config.js";
import type { RegionId } from "../core/region-policy.js";
import { createConversationStore, type ConversationStore } from "../services/conversation-store.js";
import { createDedupStore, type DedupStore } from "../services/dedup.js";
import { createLlmClient, type LlmClient } from "../services/llm.js";
import { redisFor } from "../services/redis.js";
import type { Redis } from "@upstash/redis/cloudflare";

/** The I/O of one region: its database and its model, and nothing of any other region. */
export interface RegionServices {
  settings: RegionSettings;
  redis: Redis;
  dedup: DedupStore;
  conversations: ConversationStore;
  llm: LlmClient;
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
      llm: createLlmClient({
        region,
        originUrl: settings.originUrl,
        apiKey: settings.originApiKey,
        model: config.model.name,
        reasoningEffort: config.model.reasoningEffort,
        maxOutputTokens: config.model.maxOutputTokens,
        firstTokenTimeoutMs: config.model.firstTokenTimeoutMs,
        timeoutMs: config.model.timeoutMs,
      }),
    };
    byRegion.set(region, services);
  }
  return services;
}
