import type { KvUsage } from "../message.js";

const READS = new Set(["get", "getWithMetadata", "list"]);
const WRITES = new Set(["put", "delete"]);

/** This isolate's KV operations not yet attributed to a message. */
let unattributed: KvUsage = { kvReads: 0, kvWrites: 0 };

/**
 * The KV binding, counting every operation made through it. The count goes into the next message
 * record this isolate writes (`takeKvUsage`), so per message it is approximate (a cached pin costs
 * nothing, the first message of an isolate pays for the FAQ) while the sum over all records is exact.
 */
export function countingKv<T extends object>(kv: T): T {
  return new Proxy(kv, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function" || typeof property !== "string") return value;
      const counter = READS.has(property) ? "kvReads" : WRITES.has(property) ? "kvWrites" : undefined;
      return (...args: unknown[]) => {
        if (counter) unattributed[counter] += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The KV operations since the last call, and a fresh count. */
export function takeKvUsage(): KvUsage {
  const taken = unattributed;
  unattributed = { kvReads: 0, kvWrites: 0 };
  return taken;
}

/** Two counts together (a message's operations made in two places: the queue consumer and its inbox). */
export function addKvUsage(a: KvUsage, b: Partial<KvUsage> | undefined): KvUsage {
  return { kvReads: a.kvReads + (b?.kvReads ?? 0), kvWrites: a.kvWrites + (b?.kvWrites ?? 0) };
}
