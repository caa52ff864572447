import { withDeadline } from "../deadline.js";
import { log, ref } from "../log.js";
import type { RegionId } from "../core/region-policy.js";
import type { Enqueued, InboundMessage, QueueJob } from "../message.js";
import { countUsage, takeUsage } from "../usage.js";

export interface IngestDeps {
  /** Whether a group answers every message, not only those addressed to the bot (see chatter). */
  answersAll: (region: RegionId, chatKey: string) => Promise<boolean>;
  /** The part of the Queue binding used here. */
  queue: { sendBatch(messages: Array<{ body: QueueJob; contentType: "json" }>): Promise<unknown> };
  /** How long queueing may take before the delivery is refused (the platform then retries). */
  queueTimeoutMs: number;
  /** Masks card numbers in a text (the content filter), so no queue or inbox ever holds one. */
  mask?: (text: string) => { text: string; cards: number };
}

/**
 * The webhook's whole job after verification: queue what is to be answered. Redeliveries are not
 * looked up here: the chat's inbox, which takes every message in one at a time, remembers the ids it
 * took in (for longer than any platform redelivers) and answers each once. So the webhook needs
 * nothing but the queue: no round trip before the 200, and no 503 when a region's Upstash is down. If
 * queueing fails the error propagates, the platform gets a 5xx and retries, and nothing is lost.
 */
export async function ingest(received: InboundMessage[], deps: IngestDeps, startedAt = Date.now()): Promise<Enqueued> {
  const delivered = deps.mask ? received.map((m) => masked(m, deps.mask!)) : received;
  // Group chatter is answered only where the group asked for every message; the rest stops here.
  const wanted = await Promise.all(delivered.map((m) => !m.chatter || deps.answersAll(m.region, m.chatKey)));
  const messages = delivered.filter((_, i) => wanted[i]);
  const ignored = delivered.filter((_, i) => !wanted[i]).map(() => "group_chatter");
  for (const m of delivered.filter((_, i) => !wanted[i]))
    log.info("message.dropped", { ref: ref(m.id), reason: "group_chatter" });
  if (messages.length === 0) return { accepted: [], ignored };
  const acceptedAt = Date.now();
  const ackMs = acceptedAt - startedAt;
  // One queue write per message; what this webhook used so far travels with the first, to its record.
  countUsage("queueOps", messages.length);
  const usage = takeUsage();
  await withDeadline(
    deps.queue.sendBatch(
      messages.map((message, i) => ({
        body: { v: 1, message, acceptedAt, ackMs, ...(i === 0 ? { usage } : {}) },
        contentType: "json" as const,
      })),
    ),
    deps.queueTimeoutMs,
    "queue",
  );
  return { accepted: messages.map((m) => m.id), ignored };
}

/** A text message with its card numbers masked (and counted, for the reply's note). */
function masked(message: InboundMessage, mask: NonNullable<IngestDeps["mask"]>): InboundMessage {
  const { content } = message;
  if (content.kind !== "text") return message;
  const { text, cards } = mask(content.text);
  if (cards === 0) return message;
  return { ...message, content: { ...content, text, cardsMasked: (content.cardsMasked ?? 0) + cards } };
}
