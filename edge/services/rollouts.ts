import { RolloutState } from "../core/rollout.js";
import type { RegionId } from "../core/region-policy.js";

/**
 * Each region's rollout state in Workers KV (`rollout:<region>`, binding ROLLOUTS): written by the
 * cron's decisions and `npm run rollout`, read by every message. Read at most every
 * ROLLOUT_CACHE_MS per isolate: with KV's own propagation (up to 60 s) a change reaches every
 * isolate within two minutes.
 */
export interface RolloutStore {
  /** The stored state, or null (none, or no KV bound); `fresh` skips the isolate's copy. */
  get(region: RegionId, fresh?: boolean): Promise<RolloutState | null>;
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
    async get(region, fresh = false) {
      if (!kv) return null;
      const hit = cache.get(region);
      if (!fresh && hit && Date.now() - hit.at < ROLLOUT_CACHE_MS) return hit.state;
      const raw = await kv.get(key(region), "json");
      // A malformed state is not used (the file's stable version answers), and says so in the log of whoever wrote it.
      const parsed = raw === null ? null : RolloutState.safeParse(raw);
      const state = parsed?.success ? parsed.data : null;
      if (parsed && !parsed.success) throw new Error(`rollout:${region} in KV is not a rollout state`);
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
