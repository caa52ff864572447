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
  // The entries of each region's upload, by its time: while KV holds the same upload, the same array
  // is handed out, so its search index (core/faq-match.ts) is built once per upload and isolate.
  const uploads = new Map<RegionId, { updatedAt: number; entries: FaqEntry[] }>();
  return {
    async load(region) {
      const hit = cache.get(region);
      if (hit !== miss) return hit;
      const stored = (await kv.get(`faq:${region}`, { type: "json", cacheTtl: 60 })) as StoredFaq | null;
      const known = uploads.get(region);
      const entries = stored && known && known.updatedAt === stored.updatedAt ? known.entries : (stored?.entries ?? []);
      if (stored) uploads.set(region, { updatedAt: stored.updatedAt, entries });
      cache.set(region, entries);
      return entries;
    },
    async replace(region, entries) {
      const updatedAt = Date.now();
      await kv.put(`faq:${region}`, JSON.stringify({ entries, updatedAt } satisfies StoredFaq));
      uploads.set(region, { updatedAt, entries });
      cache.set(region, entries);
    },
  };
}
