import type { InboundMessage } from "../channels/types.js";
import type { Config } from "../config.js";
import { edgeContext, type EdgeContext } from "./context.js";
import { errorKind, log, ref } from "../log.js";
import { countDeadLetter, retryDelaySeconds } from "./dead-letters.js";
import type { QueueJob } from "./ingest.js";
import { pinRegions } from "./region.js";
import { takeKvUsage } from "../services/kv-usage.js";

/** Dead-letter queues are named after their queue plus this suffix (wrangler.jsonc, every environment). */
const DEAD_LETTER_SUFFIX = "-dlq";

/**
 * The queue consumer: each message goes to its chat's inbox (a Durable Object in the user's region),
 * which answers it, together with the rest of a burst, one reply after another. One user's messages
 * of a batch are handed over in the order they were sent; different users' side by side. A message
 * the inbox cannot take is retried by the queue, and after its last retry lands in the dead-letter queue.
 */
export async function consume(batch: MessageBatch<QueueJob>, env: Env, ctx: ExecutionContext): Promise<void> {
  const edge = edgeContext(env);
  if (batch.queue.endsWith(DEAD_LETTER_SUFFIX)) return deadLetter(batch, edge.config);

  const byUser = new Map<string, Array<Message<QueueJob>>>();
  for (const m of batch.messages) {
    const key = m.body.message.userKey;
    byUser.set(key, [...(byUser.get(key) ?? []), m]);
  }
  await Promise.all(
    [...byUser.values()].map(async (messages) => {
      messages.sort((a, b) => a.body.message.sentAt - b.body.message.sentAt);
      for (const m of messages) await handle(m, edge, (p) => ctx.waitUntil(p));
    }),
  );
}

/** Hands one message to its chat's inbox, in the user's region; acked once the inbox holds it. */
async function handle(
  queued: Message<QueueJob>,
  edge: EdgeContext,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<void> {
  const job = queued.body;
  // The webhook deduplicated in the region the channel resolved (its records hold only digests);
  // the user's pinned region, looked up here, off the platform's acknowledgement, is where they live.
  const [message] = (await pinRegions(edge, [job.message], waitUntil)) as [InboundMessage];
  try {
    // The inbox may run elsewhere: the pin lookup's KV operations travel with the message to its record.
    await edge.inbox(message.userKey, message.region).accept({ ...job, message, kvUsage: takeKvUsage() });
    queued.ack();
  } catch (err) {
    const delaySeconds = retryDelaySeconds(queued.attempts);
    log.warn("message.retry", {
      ref: ref(message.id),
      channel: message.address.channel,
      region: message.region,
      attempt: queued.attempts,
      error: errorKind(err),
      delaySeconds,
    });
    queued.retry({ delaySeconds });
  }
}

/** Messages the inbox never took in, after every retry: counted and logged, never dropped unseen. */
async function deadLetter(batch: MessageBatch<QueueJob>, config: Config): Promise<void> {
  for (const m of batch.messages) {
    try {
      await countDeadLetter(config, m.body.message);
      m.ack();
    } catch (err) {
      log.error("dead_letter.count_failed", { ref: ref(m.body.message.id), error: errorKind(err) });
      m.retry();
    }
  }
}
