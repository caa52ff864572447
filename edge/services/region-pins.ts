import type { RegionId } from "../core/region-policy.js";
import { sha256Hex } from "../crypto.js";

/**
 * Each user's region, once resolved, so a traveller's history does not move or split. Kept in a
 * global KV namespace under a SHA-256 of the user key (a phone number never becomes a KV key), and
 * cached per isolate for a minute: pins change only on /region, and KV itself takes up to a minute
 * to carry a change everywhere, so for that minute another isolate may still use the old region.
 */
export interface RegionPins {
  get(userKey: string): Promise<RegionId | undefined>;
  set(userKey: string, region: RegionId): Promise<void>;
  /** Removes the pin; true when there was one. */
  delete(userKey: string): Promise<boolean>;
}

const CACHE_MS = 60_000;

/** The part of a KV namespace the pins use. */
interface PinsKv {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export function createRegionPins(kv: PinsKv): RegionPins {
  const cache = new Map<string, { at: number; region: RegionId | undefined }>();
  const keyOf = async (userKey: string) => `pin:${await sha256Hex(userKey)}`;
  return {
    async get(userKey) {
      const hit = cache.get(userKey);
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.region;
      const region = (await kv.get(await keyOf(userKey))) ?? undefined;
      cache.set(userKey, { at: Date.now(), region });
      return region;
    },
    async set(userKey, region) {
      cache.set(userKey, { at: Date.now(), region });
      await kv.put(await keyOf(userKey), region);
    },
    async delete(userKey) {
      const key = await keyOf(userKey);
      const existed = (await kv.get(key)) !== null;
      await kv.delete(key);
      cache.delete(userKey);
      return existed;
    },
  };
}
