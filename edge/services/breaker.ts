import type { Redis } from "@upstash/redis/cloudflare";
import { BREAKER_FAILURE_WINDOW_SECONDS } from "../limits.js";

/**
 * Circuit breakers of a region's origins, kept in the region's Redis so every isolate sees the same
 * state. Per origin: `breaker:<id>:fails` counts failures in a rolling minute; at the threshold,
 * `breaker:<id>:open` is set for the cool-down. When it expires the origin is half-open: one caller
 * wins `breaker:<id>:probe` and tries it; success closes the circuit, failure opens it again.
 */
export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerSnapshot {
  failures: number;
  state: BreakerState;
}

export interface BreakerStore {
  read(ids: string[]): Promise<Map<string, BreakerSnapshot>>;
  failure(id: string): Promise<BreakerSnapshot>;
  success(id: string): Promise<void>;
  /** True for the one caller allowed to try a half-open origin. */
  claimProbe(id: string, ttlMs: number): Promise<boolean>;
}

export function createBreakerStore(redis: Redis, options: { failures: number; cooldownSeconds: number }): BreakerStore {
  const key = (id: string, part: "fails" | "open" | "probe") => `breaker:${id}:${part}`;
  const stateOf = (failures: number, open: boolean): BreakerState =>
    open ? "open" : failures >= options.failures ? "half_open" : "closed";
  return {
    async read(ids) {
      const out = new Map<string, BreakerSnapshot>();
      if (!ids.length) return out;
      const values = await redis.mget<Array<number | string | null>>(
        ...ids.flatMap((id) => [key(id, "fails"), key(id, "open")]),
      );
      ids.forEach((id, i) => {
        const failures = Number(values[2 * i] ?? 0);
        out.set(id, { failures, state: stateOf(failures, values[2 * i + 1] !== null) });
      });
      return out;
    },
    async failure(id) {
      const tx = redis.multi();
      tx.incr(key(id, "fails"));
      tx.expire(key(id, "fails"), BREAKER_FAILURE_WINDOW_SECONDS);
      tx.del(key(id, "probe"));
      const [failures] = (await tx.exec()) as [number, number, number];
      if (failures >= options.failures) {
        await redis.set(key(id, "open"), 1, { ex: options.cooldownSeconds });
        return { failures, state: "open" };
      }
      return { failures, state: "closed" };
    },
    async success(id) {
      await redis.del(key(id, "fails"), key(id, "open"), key(id, "probe"));
    },
    async claimProbe(id, ttlMs) {
      return (await redis.set(key(id, "probe"), 1, { nx: true, px: ttlMs })) === "OK";
    },
  };
}
