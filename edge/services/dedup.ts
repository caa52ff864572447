import type { Redis } from "@upstash/redis/cloudflare";
import { sha256Hex } from "../crypto.js";

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
  return `dedup:${id.slice(0, id.indexOf(":"))}:${await sha256Hex(id, 16)}`;
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
