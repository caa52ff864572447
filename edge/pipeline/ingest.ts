import type { RegionId } from "../core/region-policy.js";
import type { Accepted, InboundMessage, QueueJob } from "../message.js";
import type { DedupStore } from "../services/dedup.js";

export interface IngestDeps {
  dedup: (region: RegionId) => DedupStore;
  /** The part of the Queue binding used here. */
  queue: { sendBatch(messages: Array<{ body: QueueJob; contentType: "json" }>): Promise<unknown> };
  dedupTtlSeconds: number;
}

/**
 * The webhook's whole job after verification: refuse deliveries already seen (atomically, so five
 * concurrent redeliveries make one job) and queue the rest. If queueing fails the claims are released
 * and the error propagates, so the platform gets a 5xx, retries, and nothing is lost.
 */
export async function ingest(messages: InboundMessage[], deps: IngestDeps, startedAt = Date.now()): Promise<Accepted> {
  const claims = await Promise.all(
    messages.map(async (m) => ({ m, fresh: await deps.dedup(m.region).claim(m.id, deps.dedupTtlSeconds) })),
  );
  const fresh = claims.filter((c) => c.fresh).map((c) => c.m);
  const duplicates = claims.filter((c) => !c.fresh).map((c) => c.m.id);
  if (fresh.length === 0) return { accepted: [], duplicates };
  const acceptedAt = Date.now();
  try {
    const ackMs = acceptedAt - startedAt;
    await deps.queue.sendBatch(
      fresh.map((message) => ({ body: { v: 1, message, acceptedAt, ackMs }, contentType: "json" as const })),
    );
  } catch (err) {
    await Promise.allSettled(fresh.map((m) => deps.dedup(m.region).release(m.id)));
    throw err;
  }
  return { accepted: fresh.map((m) => m.id), duplicates };
}
