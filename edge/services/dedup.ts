import type { Redis } from "@upstash/redis/cloudflare";
import type { Pseudonyms } from "../crypto.js";

/** Remembers which platform deliveries were already accepted. */
export interface DedupStore {
  /** True for the first claim of `id` within the TTL, false for every later one: atomic (SET NX). */
  claim(id: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets a claim, so a delivery that could not be queued is accepted when the platform retries. */
  release(id: string): Promise<void>;
}

/**
 * Delivery ids are stored as a keyed pseudonym (crypto.ts): a WhatsApp wamid embeds the sender's
 * phone number, and a record that only refuses redeliveries has no need to keep it. A key rotation
 * forgets the records of the last TTL: a delivery repeated across it may be answered twice.
 */
export function createDedupStore(redis: Pick<Redis, "set" | "del">, keys: Pseudonyms): DedupStore {
  const keyOf = (id: string) => `dedup:${id.slice(0, id.indexOf(":"))}:${keys.of(id)}`;
  return {
    async claim(id, ttlSeconds) {
      return (await redis.set(keyOf(id), 1, { nx: true, ex: ttlSeconds })) === "OK";
    },
    async release(id) {
      await redis.del(keyOf(id));
    },
  };
}
