import type { Redis } from "@upstash/redis/cloudflare";

/** Remembers which platform deliveries were already accepted. */
export interface DedupStore {
  /** True for the first claim of `id` within the TTL, false for every later one: atomic (SET NX). */
  claim(id: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets a claim, so a delivery that could not be queued is accepted when the platform retries. */
  release(id: string): Promise<void>;
}

export function createDedupStore(redis: Pick<Redis, "set" | "del">): DedupStore {
  return {
    async claim(id, ttlSeconds) {
      return (await redis.set(`dedup:${id}`, 1, { nx: true, ex: ttlSeconds })) === "OK";
    },
    async release(id) {
      await redis.del(`dedup:${id}`);
    },
  };
}
