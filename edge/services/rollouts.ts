import { RolloutState } from "../core/rollout.js";
import type { RegionId } from "../core/region-policy.js";

/**
 * Each region's rollout state as published in Workers KV (`rollout:<region>`, binding ROLLOUTS):
 * written by the RolloutDesk (the one writer), read by the messages of regions with two versions. Read at most every
 * ROLLOUT_CACHE_MS per isolate: with KV's own propagation (up to 60 s) a change reaches every
 * isolate within two minutes.
 */
export interface RolloutStore {
  /**
   * The published state, or null (none, or no KV bound). When KV cannot be read, the last state this
   * isolate read is used (for another ROLLOUT_CACHE_MS); without one, it throws.
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
  const cache = new Map<RegionId, { at: number; state: RolloutState | null }>();
  const key = (region: RegionId) => `rollout:${region}`;
  return {
    async get(region) {
      if (!kv) return null;
      const hit = cache.get(region);
      if (hit && Date.now() - hit.at < ROLLOUT_CACHE_MS) return hit.state;
      let raw: unknown;
      try {
        raw = await kv.get(key(region), "json");
      } catch (err) {
        if (!hit) throw err;
        cache.set(region, { at: Date.now(), state: hit.state });
        return hit.state;
      }
      // Only the desk writes it, validated; anything else there is not used.
      const parsed = raw === null ? null : RolloutState.safeParse(raw);
      if (parsed && !parsed.success) throw new Error(`rollout:${region} in KV is not a rollout state`);
      const state = parsed ? parsed.data : null;
      cache.set(region, { at: Date.now(), state });
      return state;
    },
    async put(region, state) {
      if (!kv) throw new Error("no ROLLOUTS namespace is bound: rollouts need one");
      const valid = RolloutState.parse(state);
      await kv.put(key(region), JSON.stringify(valid));
      cache.set(region, { at: Date.now(), state: valid });
    },
  };
}
