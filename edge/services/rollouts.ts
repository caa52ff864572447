import { RolloutState } from "../core/rollout.js";
import type { RegionId } from "../core/region-policy.js";
import { isolateCache, miss } from "./isolate-cache.js";

/**
 * Each region's rollout state as published in Workers KV (`rollout:<region>`, binding ROLLOUTS):
 * written by the RolloutDesk (the one writer), read by the messages of regions with two versions. Read at most every
 * ROLLOUT_CACHE_MS per isolate: with KV's own propagation (up to 60 s) a change reaches every
 * isolate within two minutes.
 */
export interface RolloutStore {
  /**
   * The published state, or null (none, or no KV bound). When KV cannot be read (or holds no valid
   * state), the last state this isolate read is used; without one, it throws. Either way KV is not
   * asked again for ROLLOUT_CACHE_MS.
   */
  get(region: RegionId): Promise<RolloutState | null>;
  /** Publishes a state (the RolloutDesk, after each change). */
  put(region: RegionId, state: RolloutState): Promise<void>;
}

const ROLLOUT_CACHE_MS = 30_000;

/** The KV binding's two methods used here. */
interface Kv {
  get(key: string, type: "json"): Promise<unknown>;
  put(key: string, value: string): Promise<void>;
}

export function rolloutStore(kv: Kv | undefined): RolloutStore {
  // What was read (or, when it could not be, what stands instead, or the failure), for
  // ROLLOUT_CACHE_MS; and the last state read, which stands while KV cannot be read.
  const recent = isolateCache<RolloutState | null | Error>(ROLLOUT_CACHE_MS, 100);
  const lastRead = new Map<RegionId, RolloutState | null>();
  const key = (region: RegionId) => `rollout:${region}`;
  return {
    async get(region) {
      if (!kv) return null;
      const hit = recent.get(region);
      if (hit instanceof Error) throw hit;
      if (hit !== miss) return hit;
      let state: RolloutState | null;
      try {
        const raw = await kv.get(key(region), "json");
        // Only the desk writes it, validated; anything else there is not used.
        const parsed = raw === null ? null : RolloutState.safeParse(raw);
        if (parsed && !parsed.success) throw new Error(`rollout:${region} in KV is not a rollout state`);
        state = parsed ? parsed.data : null;
      } catch (err) {
        // Not asked again for a while: a KV outage costs a message no read, let alone a deadline.
        const last = lastRead.get(region);
        const stands = last !== undefined ? last : err instanceof Error ? err : new Error(String(err));
        recent.set(region, stands);
        if (stands instanceof Error) throw stands;
        return stands;
      }
      recent.set(region, state);
      lastRead.set(region, state);
      return state;
    },
    async put(region, state) {
      if (!kv) throw new Error("no ROLLOUTS namespace is bound: rollouts need one");
      const valid = RolloutState.parse(state);
      await kv.put(key(region), JSON.stringify(valid));
      recent.set(region, valid);
      lastRead.set(region, valid);
    },
  };
}
