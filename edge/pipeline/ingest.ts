import { withDeadline } from "../deadline.js";
import { log, ref } from "../log.js";
import type { RegionId } from "../core/region-policy.js";
import type { Accepted, InboundMessage, QueueJob } from "../message.js";
import type { DedupStore } from "../services/dedup.js";

export interface IngestDeps {
  dedup: (region: RegionId) => DedupStore;
  /** Whether a group answers every message, not only those addressed to the bot (see chatter). */
  answersAll: (region: RegionId, chatKey: string) => Promise<boolean>;
  /** The part of the Queue binding used here. */
  queue: { sendBatch(messages: Array<{ body: QueueJob; contentType: "json" }>): Promise<unknown> };
  dedupTtlSeconds: number;
  /** How long queueing may take before the delivery is refused (the platform then retries). */
  queueTimeoutMs: number;
  /** Masks card numbers in a text (the content filter), so no queue or inbox ever holds one. */
  mask?: (text: string) => { text: string; cards: number };
}

/**
 * The webhook's whole job after verification: refuse deliveries already seen (atomically, so five
 * concurrent redeliveries make one job) and queue the rest. If queueing fails the claims are released
 * and the error propagates, so the platform gets a 5xx, retries, and nothing is lost.
 */
export async function ingest(received: InboundMessage[], deps: IngestDeps, startedAt = Date.now()): Promise<Accepted> {
  const delivered = deps.mask ? received.map((m) => masked(m, deps.mask!)) : received;
  // Group chatter is answered only where the group asked for every message; the rest stops here.
  const wanted = await Promise.all(delivered.map((m) => !m.chatter || deps.answersAll(m.region, m.chatKey)));
  const messages = delivered.filter((_, i) => wanted[i]);
  const ignored = delivered.filter((_, i) => !wanted[i]).map(() => "group_chatter");
  for (const m of delivered.filter((_, i) => !wanted[i]))
    log.info("message.dropped", { ref: ref(m.id), reason: "group_chatter" });
  const claims = await Promise.allSettled(
    messages.map(async (m) => ({ m, fresh: await deps.dedup(m.region).claim(m.id, deps.dedupTtlSeconds) })),
  );
  const made = claims.flatMap((c) => (c.status === "fulfilled" ? [c.value] : []));
  const failed = claims.find((c) => c.status === "rejected");
  if (failed) {
    // No 200 without every claim: the ones made are released, so the platform's retry is not a duplicate.
    await Promise.allSettled(made.filter((c) => c.fresh).map((c) => deps.dedup(c.m.region).release(c.m.id)));
    throw failed.reason;
  }
  const fresh = made.filter((c) => c.fresh).map((c) => c.m);
  const duplicates = made.filter((c) => !c.fresh).map((c) => c.m.id);
  for (const id of duplicates) log.info("message.dropped", { ref: ref(id), reason: "duplicate_delivery" });
  if (fresh.length === 0) return { accepted: [], duplicates, ignored };
  const acceptedAt = Date.now();
  try {
    const ackMs = acceptedAt - startedAt;
    await withDeadline(
      deps.queue.sendBatch(
        fresh.map((message) => ({ body: { v: 1, message, acceptedAt, ackMs }, contentType: "json" as const })),
      ),
      deps.queueTimeoutMs,
      "queue",
    );
  } catch (err) {
    await Promise.allSettled(fresh.map((m) => deps.dedup(m.region).release(m.id)));
    throw err;
  }
  return { accepted: fresh.map((m) => m.id), duplicates, ignored };
}

/** A text message with its card numbers masked (and counted, for the reply's note). */
function masked(message: InboundMessage, mask: NonNullable<IngestDeps["mask"]>): InboundMessage {
  const { content } = message;
  if (content.kind !== "text") return message;
  const { text, cards } = mask(content.text);
  if (cards === 0) return message;
  return { ...message, content: { ...content, text, cardsMasked: (content.cardsMasked ?? 0) + cards } };
}
