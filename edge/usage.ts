import { USAGE_UNITS, type Usage } from "./core/message-metrics.js";

/**
 * The billed units this isolate used (Cloudflare's and Upstash's price lists count these), not yet
 * attributed to a message. Each per-message record takes what was counted since the one before
 * (`takeUsage`), so per message a count is approximate (the first message of an isolate pays for the
 * FAQ it loads, a queue batch's invocation goes to its first message) while the sum over all records
 * is exact. Work done for a message in another isolate travels with it (the queue job carries the
 * webhook's and the consumer's counts to the inbox). core/message-metrics.ts says what each unit
 * is; docs/COSTS.md prices them.
 */
export type { Usage };
export type UsageUnit = keyof Usage;

const none = (): Usage => Object.fromEntries(USAGE_UNITS.map((unit) => [unit, 0])) as Usage;

let unattributed: Usage = none();

/** Counts `n` of a billed unit. */
export function countUsage(unit: UsageUnit, n = 1): void {
  unattributed[unit] += n;
}

/** What was counted since the last call, and a fresh count. */
export function takeUsage(): Usage {
  const taken = unattributed;
  unattributed = none();
  return taken;
}

/** Two counts together (a message's units used in several places: the webhook, the consumer, its inbox). */
export function addUsage(a: Usage, b: Partial<Usage> | undefined): Usage {
  const sum = { ...a };
  for (const unit of USAGE_UNITS) sum[unit] += b?.[unit] ?? 0;
  return sum;
}

export const noUsage = none;

const KV_READS = new Set(["get", "getWithMetadata", "list"]);
const KV_WRITES = new Set(["put", "delete"]);

/** The KV binding, counting every operation made through it. */
export function countingKv<T extends object>(kv: T): T {
  return new Proxy(kv, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function" || typeof property !== "string") return value;
      const unit = KV_READS.has(property) ? "kvReads" : KV_WRITES.has(property) ? "kvWrites" : undefined;
      return (...args: unknown[]) => {
        if (unit) countUsage(unit);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/**
 * One Durable Object's billed wall clock: from when it starts handling something until it has
 * nothing left to handle. Requests that overlap are billed once (the object is active, or not).
 */
export class ActiveClock {
  private running = 0;
  private since = 0;

  /** Runs `work`, counting the object as active until it (and whatever overlaps it) is done. */
  async time<T>(work: () => Promise<T>): Promise<T> {
    if (this.running++ === 0) this.since = Date.now();
    try {
      return await work();
    } finally {
      if (--this.running === 0) countUsage("doWallMs", Date.now() - this.since);
    }
  }
}
