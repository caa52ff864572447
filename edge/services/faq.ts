import type { FaqEntry } from "../core/faq-match.js";
import type { RegionId } from "../core/region-policy.js";
import { isolateCache, miss } from "./isolate-cache.js";
import { FAQ_CACHE_MS } from "../limits.js";

/** The part of a KV namespace the FAQ uses. */
interface FaqKv {
  get(key: string, options: { type: "json"; cacheTtl?: number }): Promise<unknown>;
  put(key: string, value: string): Promise<void>;
}

/** Stored per region as one KV value, so an upload replaces the whole FAQ at once or not at all. */
interface StoredFaq {
  entries: FaqEntry[];
  updatedAt: number;
}

export interface FaqStore {
  load(region: RegionId): Promise<FaqEntry[]>;
  replace(region: RegionId, entries: FaqEntry[]): Promise<void>;
}

export function createFaqStore(kv: FaqKv): FaqStore {
  const cache = isolateCache<FaqEntry[]>(FAQ_CACHE_MS);
  return {
    async load(region) {
      const hit = cache.get(region);
      if (hit !== miss) return hit;
      const stored = (await kv.get(`faq:${region}`, { type: "json", cacheTtl: 60 })) as StoredFaq | null;
      const entries = stored?.entries ?? [];
      cache.set(region, entries);
      return entries;
    },
    async replace(region, entries) {
      await kv.put(`faq:${region}`, JSON.stringify({ entries, updatedAt: Date.now() } satisfies StoredFaq));
      cache.set(region, entries);
    },
  };
}
