import type { RegionId } from "../core/region-policy.js";
import type { Pseudonyms } from "../crypto.js";
import { isolateCache, miss } from "./isolate-cache.js";
import { REGION_PIN_CACHE_MS } from "../limits.js";

/**
 * Each chat's region, once resolved, so a traveller's history does not move or split. Kept in a
 * global KV namespace under a keyed pseudonym of the chat key (crypto.ts: a phone number never
 * becomes a KV key, nor a hash anyone could reverse by trying numbers), and cached per isolate for a
 * minute: pins change only on /region, and KV itself takes up to a minute
 * to carry a change everywhere, so for that minute another isolate may still use the old region.
 */
export interface RegionPins {
  get(chatKey: string): Promise<RegionId | undefined>;
  set(chatKey: string, region: RegionId): Promise<void>;
  /** Removes the pin; true when there was one. */
  delete(chatKey: string): Promise<boolean>;
}

/** The part of a KV namespace the pins use. */
interface PinsKv {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export function createRegionPins(kv: PinsKv, keys: Pseudonyms): RegionPins {
  const cache = isolateCache<RegionId | undefined>(REGION_PIN_CACHE_MS);
  const keyOf = (name: string) => `pin:${name}`;
  return {
    async get(chatKey) {
      const hit = cache.get(chatKey);
      if (hit !== miss) return hit;
      let region = (await kv.get(keyOf(keys.of(chatKey)))) ?? undefined;
      if (region === undefined && keys.previous) {
        // A rotation under way: a pin made under the previous key moves to the current one.
        const old = keyOf(keys.previous(chatKey));
        region = (await kv.get(old)) ?? undefined;
        if (region !== undefined) {
          await kv.put(keyOf(keys.of(chatKey)), region);
          await kv.delete(old);
        }
      }
      cache.set(chatKey, region);
      return region;
    },
    async set(chatKey, region) {
      cache.set(chatKey, region);
      await kv.put(keyOf(keys.of(chatKey)), region);
    },
    async delete(chatKey) {
      const names = [keys.of(chatKey), ...(keys.previous ? [keys.previous(chatKey)] : [])];
      let existed = false;
      for (const name of names) {
        existed = (await kv.get(keyOf(name))) !== null || existed;
        await kv.delete(keyOf(name));
      }
      cache.delete(chatKey);
      return existed;
    },
  };
}
