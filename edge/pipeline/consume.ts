import { senderFor } from "../channels/index.js";
import type { InboundMessage } from "../channels/types.js";
import type { Config } from "../config.js";
import { edgeContext, type EdgeContext } from "./context.js";
import { errorKind, log, ref } from "../log.js";
import { RetryDelivery } from "./deliver.js";
import type { QueueJob } from "./ingest.js";
import { pinRegions } from "./region.js";
import { respond } from "./respond.js";
import { regionServices } from "./services.js";

/** Dead-letter queues are named after their queue plus this suffix (wrangler.toml, every environment). */
const DEAD_LETTER_SUFFIX = "-dlq";

/**
 * The queue consumer: each message's journey from the queue to the user's screen. Messages of one
 * user run one after another, in the order they were sent, so replies never overtake each other;
 * different users run side by side. A message is acked once handled; a failure before anything was
 * delivered is retried by the queue, and after its last retry it lands in the dead-letter queue.
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

async function handle(queued: Message<QueueJob>, edge: EdgeContext, waitUntil: (p: Promise<unknown>) => void): Promise<void> {
  const { config } = edge;
  const job = queued.body;
  // The webhook deduplicated in the region the channel resolved (its records hold only digests);
  // the user's pinned region, looked up here, off the platform's acknowledgement, is where they live.
  const [message] = (await pinRegions(edge, [job.message], waitUntil)) as [InboundMessage];
  const started = Date.now();
  const fields = { ref: ref(message.id), channel: message.address.channel, region: message.region, attempt: queued.attempts };
  const sender = senderFor(config, message.address.channel);
  if (!sender) {
    log.error("message.channel_not_configured", fields);
    return queued.retry();
  }
  try {
    const { result, delivery } = await respond(message, sender, edge, undefined, job.ackMs, waitUntil);
    queued.ack();
    log.info("message.handled", {
      ...fields,
      outcome: result.outcome,
      delivery: delivery?.outcome ?? "none",
      chunks: delivery?.chunks,
      queueMs: started - job.acceptedAt,
      firstTokenMs: result.firstTokenMs,
      totalMs: Date.now() - started,
      tokensIn: result.tokensIn,
      tokensOut: result.tokensOut,
    });
  } catch (err) {
    const delaySeconds = err instanceof RetryDelivery ? Math.ceil(err.delaySeconds) : retryDelay(queued.attempts);
    log.warn("message.retry", { ...fields, error: errorKind(err), delaySeconds });
    queued.retry({ delaySeconds });
  }
}

/** 1 s, 2 s, 4 s… capped at a minute: a transient outage clears without hammering the origin. */
function retryDelay(attempts: number): number {
  return Math.min(60, 2 ** Math.max(0, attempts - 1));
}

/** Messages that failed every retry: counted in their region and logged by id, never dropped unseen. */
async function deadLetter(batch: MessageBatch<QueueJob>, config: Config): Promise<void> {
  for (const m of batch.messages) {
    const { message } = m.body;
    try {
      const { redis } = regionServices(config, message.region);
      const total = await redis.incr(`metrics:dead_letters:${message.address.channel}`);
      log.error("message.dead_lettered", { ref: ref(message.id), channel: message.address.channel, region: message.region, total });
      m.ack();
    } catch (err) {
      log.error("dead_letter.count_failed", { ref: ref(message.id), error: errorKind(err) });
      m.retry();
    }
  }
}
