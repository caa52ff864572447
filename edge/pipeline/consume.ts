import type { Edge } from "../edge.js";
import { errorKind, log, ref } from "../log.js";
import type { QueueJob } from "../message.js";
import { addUsage, countUsage, takeUsage } from "../usage.js";
import { retryDelaySeconds } from "../core/inbox-policy.js";
import { countDeadLetter } from "./dead-letters.js";
import { pinRegion } from "./region.js";
import { recordReaction } from "./rollout.js";

/** Dead-letter queues are named after their queue plus this suffix (wrangler.jsonc, every environment). */
const DEAD_LETTER_SUFFIX = "-dlq";

type WaitUntil = (work: Promise<unknown>) => void;

/**
 * The queue consumer: each message goes to its chat's inbox (a Durable Object in the user's region),
 * which answers it, together with the rest of a burst, one reply after another. One chat's messages
 * of a batch are handed over in the order they were sent; different chats' side by side. A message
 * the inbox cannot take is retried by the queue, and after its last retry lands in the dead-letter queue.
 */
export async function consume(edge: Edge, batch: MessageBatch<QueueJob>, waitUntil: WaitUntil): Promise<void> {
  // One invocation for the batch; each message is read from the queue (again, on a retry), and
  // acknowledged (deleted) once.
  countUsage("workerRequests");
  countUsage("queueOps", batch.messages.length);
  if (batch.queue.endsWith(DEAD_LETTER_SUFFIX)) return deadLetter(edge, batch);

  const byChat = new Map<string, Array<Message<QueueJob>>>();
  for (const m of batch.messages) {
    const key = m.body.message.chatKey;
    byChat.set(key, [...(byChat.get(key) ?? []), m]);
  }
  await Promise.all(
    [...byChat.values()].map(async (messages) => {
      messages.sort((a, b) => a.body.message.sentAt - b.body.message.sentAt);
      for (const m of messages) await handOver(edge, m, waitUntil);
    }),
  );
}

/** Hands one message to its chat's inbox, in the user's region; acked once the inbox holds it. */
async function handOver(edge: Edge, queued: Message<QueueJob>, waitUntil: WaitUntil): Promise<void> {
  const job = queued.body;
  let message = job.message;
  try {
    // The user's pinned region, looked up here, off the platform's acknowledgement, is where they live;
    // their chat's inbox there drops a redelivery of a message it already took in.
    message = await pinRegion(edge, job.message, waitUntil);
    // A reaction asks for no answer and keeps no order: counted here, not handed to the chat's inbox.
    if (message.content.kind === "reaction") {
      await recordReaction(edge, message, addUsage(takeUsage(), job.usage ?? job.kvUsage));
      return queued.ack();
    }
    // The inbox may run elsewhere: what was used for the message so far travels with it to its record
    // (the acknowledgement's queue operation counted ahead). An inbox that does not answer in time
    // (TIMEOUT_INBOX_MS) fails the hand-over like one that refuses it.
    countUsage("queueOps");
    countUsage("doRequests");
    const usage = addUsage(takeUsage(), job.usage ?? job.kvUsage);
    await edge.inbox(message.chatKey, message.region).take({ ...job, message, usage });
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
async function deadLetter(edge: Edge, batch: MessageBatch<QueueJob>): Promise<void> {
  for (const m of batch.messages) {
    try {
      await countDeadLetter(edge, m.body.message);
      countUsage("queueOps");
      m.ack();
    } catch (err) {
      log.error("dead_letter.count_failed", { ref: ref(m.body.message.id), error: errorKind(err) });
      m.retry();
    }
  }
}
