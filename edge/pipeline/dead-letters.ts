import { eventRecord } from "../core/message-metrics.js";
import type { Edge } from "../edge.js";
import { log, ref } from "../log.js";
import type { InboundMessage } from "../message.js";

/**
 * Messages that failed every try: counted in their region (`metrics:dead_letters:<channel>`) and logged
 * by reference, never dropped unseen. Throws when the count cannot be written, so the caller tries again.
 */
export async function countDeadLetter(edge: Edge, message: InboundMessage, messages = 1): Promise<void> {
  const { redis } = edge.region(message.region);
  const total = await redis.incrby(`metrics:dead_letters:${message.address.channel}`, messages);
  // Also where production's alerts read (Analytics Engine): one record per message given up on.
  for (let i = 0; i < messages; i++) await recordEvent(edge, message, "dead_lettered");
  log.error("message.dead_lettered", {
    ref: ref(message.id),
    channel: message.address.channel,
    region: message.region,
    messages,
    total,
  });
}

/**
 * A message acknowledged long ago (OVERDUE_AFTER_MS) and neither answered nor dead-lettered yet:
 * counted in its region (`metrics:overdue:<channel>`), for an alert to read.
 */
export async function countOverdue(edge: Edge, message: InboundMessage): Promise<void> {
  await edge.region(message.region).redis.incr(`metrics:overdue:${message.address.channel}`);
  await recordEvent(edge, message, "overdue");
}

/** A per-message record of something that happened to a message other than a reply (no timings). */
function recordEvent(edge: Edge, message: InboundMessage, outcome: "dead_lettered" | "overdue"): Promise<void> {
  return edge.metrics.record(eventRecord(message.address.channel, message.region, outcome)).catch(() => {}); // metrics never fail the count
}
