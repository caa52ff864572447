import type { Redis } from "@upstash/redis/cloudflare";

/** Remembers which platform deliveries were already accepted. */
export interface DedupStore {
  /** True for the first claim of `id` within the TTL, false for every later one: atomic (SET NX). */
  claim(id: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets a claim, so a delivery that could not be queued is accepted when the platform retries. */
  release(id: string): Promise<void>;
}

/**
 * Delivery ids are stored as a SHA-256 digest: a WhatsApp wamid embeds the sender's phone number,
 * and a record that only refuses redeliveries has no need to keep it.
 */
async function keyOf(id: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id));
  const hex = [...new Uint8Array(digest).subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `dedup:${id.slice(0, id.indexOf(":"))}:${hex}`;
}

export function createDedupStore(redis: Pick<Redis, "set" | "del">): DedupStore {
  return {
    async claim(id, ttlSeconds) {
      return (await redis.set(await keyOf(id), 1, { nx: true, ex: ttlSeconds })) === "OK";
    },
    async release(id) {
      await redis.del(await keyOf(id));
    },
  };
}
