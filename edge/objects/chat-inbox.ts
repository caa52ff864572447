import { DurableObject } from "cloudflare:workers";
import { groupBursts, type HeldMessage } from "../core/bursts.js";
import { edgeFor } from "../create-edge.js";
import type { Inbox } from "../edge.js";
import { withDeadline } from "../deadline.js";
import { RetryDelivery } from "../errors.js";
import { errorKind, log, ref } from "../log.js";
import type { ChannelSender, InboundMessage, QueueJob } from "../message.js";
import { countDeadLetter, countOverdue, retryDelaySeconds } from "../pipeline/dead-letters.js";
import { addKvUsage } from "../services/kv-usage.js";

/**
 * At most this many messages of a burst share one reply, and at most this much text (one long
 * Telegram or WhatsApp message's worth); the rest get the next.
 */
const BURST_LIMITS = { messages: 10, chars: 4096 };
/** With a minimum wait (BURST_WINDOW_MS), a user who keeps typing is answered at the latest this many windows after their first message. */
const MAX_HOLD_WINDOWS = 4;
/**
 * More of a burst cancels the answer being written and asks again with all of it, at most this many
 * times, and only while the burst's first message is younger than RESTART_WITHIN_MS: a user who keeps
 * typing is answered within a few seconds, and what they add later gets the next reply.
 */
const MAX_RESTARTS = 3;
const RESTART_WITHIN_MS = 4000;
/**
 * A message belongs to the burst being answered when the user sent it within this long of the
 * burst's last one (platforms date messages to the second). Later ones get their own reply: under
 * load, when answers take longer, cancelling them for every new message would only add work.
 */
const BURST_GAP_MS = 2000;
/**
 * Ids of messages taken in are remembered this long, so a redelivery of one (by the queue, or by the
 * platform: Telegram keeps an unacknowledged update for 24 hours, Meta redelivers a webhook for up to
 * 7 days) is not answered twice. This is the only deduplication: the inbox takes messages in one at a
 * time, so five concurrent redeliveries make one answer.
 */
const REMEMBER_MS = 8 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;
const ALARM_RETRY_MS = 60_000;

/** Why an answer was cancelled: more of its burst arrived before it was delivered. */
class Superseded extends Error {
  override readonly name = "Superseded";
}

/** The reply being written: the messages it answers, what cancels it, and whether it still may be. */
interface Writing {
  group: Held[];
  abort: AbortController;
  /** Its first message has been sent: from here on, what arrives gets the next reply. */
  delivering: boolean;
}

/** A message waiting in storage: only what cannot be derived from it. */
interface Stored {
  seq: number;
  job: QueueJob;
  attempts?: number;
  /** The id of the reply this message was tried in (see HeldMessage.group). */
  group?: string;
  /** Already logged and counted as overdue (acknowledged long ago, still not answered). */
  overdue?: boolean;
}

type Held = Stored & HeldMessage;

/** What grouping needs to know of a stored message. */
function held(stored: Stored): Held {
  const { sentAt, content, userKey } = stored.job.message;
  return {
    ...stored,
    sentAt,
    sender: userKey,
    plainText: content.kind === "text",
    chars: content.kind === "text" ? content.text.length : 0,
  };
}

/**
 * One messenger chat's inbox (Telegram, WhatsApp), a Durable Object per user in the user's region
 * (the EU jurisdiction for EU regions). The queue consumer hands it each message and acks once it is
 * stored; its alarm answers what waits at once, one reply after another, so a chat's replies never
 * overtake each other. A burst is answered once: a message that arrives while the model is still
 * writing the answer to the ones before it cancels that answer, and the model is asked again with all
 * of them (bounded, for users who keep typing); once the reply is being sent, later messages get the
 * next one. A minimum wait (BURST_WINDOW_MS, default none) may hold messages a window after the last.
 * A failed reply is tried again with backoff, as the queue would, and counted as dead-lettered after
 * its last try.
 */
export class ChatInbox extends DurableObject<Env> implements Inbox {
  /**
   * Storage holds the truth; this is a copy of the small part every message reads, kept while the
   * object is in memory and read from storage again after it was evicted. Storage goes through the
   * synchronous API: no promise per operation, and writes made without awaiting in between are
   * committed together (with the alarm), once.
   */
  private memory:
    { seq: number; retryAt: number | undefined; prunedAt: number; waiting: Map<string, Stored> } | undefined;
  /** The reply the model is writing now, if any (in memory only: an evicted object is writing nothing). */
  private writing: Writing | undefined;
  /** How often the burst starting with message `firstSeq` was asked again. */
  private burst: { firstSeq: number; restarts: number } | undefined;

  private get state() {
    if (!this.memory) {
      const kv = this.ctx.storage.kv;
      this.memory = {
        seq: kv.get<number>("seq") ?? 0,
        retryAt: kv.get<number>("retryAt"),
        prunedAt: kv.get<number>("prunedAt") ?? 0,
        waiting: new Map(kv.list<Stored>({ prefix: "m:" })),
      };
    }
    return this.memory;
  }

  async take(job: QueueJob): Promise<void> {
    const kv = this.ctx.storage.kv;
    const state = this.state;
    const now = Date.now();
    const seen = `seen:${ref(job.message.id)}`;
    if (kv.get(seen) !== undefined) {
      // A redelivery of a message already taken in: answered (or to be) once, as the first.
      log.info("message.dropped", { ref: ref(job.message.id), reason: "duplicate_delivery" });
      return;
    }
    const seq = state.seq + 1;
    state.seq = seq;
    kv.put("seq", seq);
    kv.put(seen, now);
    const stored = { seq, job };
    this.keep(stored);
    this.supersede(held(stored), now);
    // A reply waiting out a retry is not hurried by a new message.
    await this.ctx.storage.setAlarm(Math.max(this.dueAt(now), state.retryAt ?? 0));
  }

  /**
   * A message that belongs to the burst being answered cancels that answer while the model is still
   * writing it; the inbox then asks again with the whole burst. Not once the reply is being sent, not
   * past the restart bounds, and never for a reply being retried (it answers exactly what it answered).
   */
  private supersede(h: Held, now: number): void {
    const w = this.writing;
    if (!w || w.delivering || w.abort.signal.aborted) return;
    const first = w.group[0]!;
    // The alarm's own grouping rule says whether the message would share this reply (same sender,
    // plain text, within the burst limits, not a reply being retried); and it was sent close after.
    const [together] = groupBursts([...w.group, h], BURST_LIMITS);
    const joins =
      together!.length === w.group.length + 1 && h.sentAt - Math.max(...w.group.map((g) => g.sentAt)) <= BURST_GAP_MS;
    const restarts = this.burst?.firstSeq === first.seq ? this.burst.restarts : 0;
    if (!joins || restarts >= MAX_RESTARTS || now - first.job.acceptedAt > RESTART_WITHIN_MS) return;
    w.abort.abort(new Superseded("more of the burst arrived"));
  }

  /**
   * When what waits is to be answered: at once by default; with a minimum wait (BURST_WINDOW_MS), a
   * window after the last message, bounded for users who keep typing.
   */
  private dueAt(now: number): number {
    const window = edgeFor(this.env).config.burstWindowMs;
    if (window === 0) return now;
    let oldest = Infinity;
    let newest = 0;
    for (const { job } of this.state.waiting.values()) {
      oldest = Math.min(oldest, job.acceptedAt);
      newest = Math.max(newest, job.acceptedAt);
    }
    if (newest === 0) return now;
    return Math.min(newest + window, oldest + MAX_HOLD_WINDOWS * window);
  }

  async erase(): Promise<number> {
    const count = this.state.waiting.size;
    for (const { job } of this.state.waiting.values())
      log.info("message.dropped", { ref: ref(job.message.id), reason: "user_erased" });
    this.memory = undefined;
    // What was taken in is still recognised afterwards (keyed digests of message ids, nothing of the
    // person): a redelivery of an erased message does not start the conversation again.
    const seen = [...this.ctx.storage.kv.list<number>({ prefix: "seen:" })];
    await this.ctx.storage.deleteAll();
    await this.ctx.storage.deleteAlarm();
    for (const [key, at] of seen) this.ctx.storage.kv.put(key, at);
    return count;
  }

  override async alarm(): Promise<void> {
    try {
      await this.reportOverdue();
      // One reply after another, in order, until nothing waits. What arrives meanwhile is stored and
      // taken by a later turn of this loop; an erasure meanwhile has removed what it dropped.
      for (;;) {
        const [group] = groupBursts([...this.state.waiting.values()].map(held), BURST_LIMITS);
        if (!group) break;
        const due = group[0]!.group === undefined ? this.dueAt(Date.now()) : 0;
        if (due > Date.now()) {
          await this.ctx.storage.setAlarm(due);
          return;
        }
        const outcome = await this.answer(group);
        if (outcome === "later") return;
      }
      this.tidy();
    } catch (err) {
      // Only a dead letter that could not be counted gets here (its region's Redis is down). The
      // runtime would retry a few times and then give up, leaving the messages without an alarm:
      // this inbox keeps trying, once a minute, instead.
      log.error("inbox.alarm_failed", { error: errorKind(err) });
      await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
    }
  }

  /**
   * The watchdog's account: a message acknowledged longer ago than OVERDUE_AFTER_MS and still waiting
   * (its replies kept failing, or its region's services hang) is logged by reference and counted in
   * its region (`metrics:overdue:<channel>`, what an alert reads), once.
   */
  private async reportOverdue(): Promise<void> {
    const edge = edgeFor(this.env);
    const now = Date.now();
    for (const stored of this.state.waiting.values()) {
      const waitedMs = now - stored.job.acceptedAt;
      if (stored.overdue || waitedMs <= edge.config.overdueAfterMs) continue;
      const { message } = stored.job;
      log.error("message.overdue", {
        ref: ref(message.id),
        channel: message.address.channel,
        region: message.region,
        waitedMs,
        attempts: stored.attempts ?? 0,
      });
      this.keep({ ...stored, overdue: true });
      await countOverdue(edge, message).catch((err: unknown) =>
        log.warn("overdue.count_failed", { ref: ref(message.id), error: errorKind(err) }),
      );
    }
  }

  /** Once nothing waits (what arrived while answering has its own alarm): ids older than a day are forgotten, hourly. */
  private tidy(): void {
    const kv = this.ctx.storage.kv;
    const state = this.state;
    if (state.waiting.size > 0) return;
    const now = Date.now();
    if (now - state.prunedAt > PRUNE_EVERY_MS) {
      const stale: string[] = [];
      for (const [key, at] of kv.list<number>({ prefix: "seen:" })) if (now - at > REMEMBER_MS) stale.push(key);
      for (const key of stale) kv.delete(key);
      state.prunedAt = now;
      kv.put("prunedAt", now);
    }
    if (state.retryAt !== undefined) {
      state.retryAt = undefined;
      kv.delete("retryAt");
    }
  }

  /** Stores a waiting message (new, or tried once more). */
  private keep(stored: Stored): void {
    const key = heldKey(stored.seq);
    this.ctx.storage.kv.put(key, stored);
    this.state.waiting.set(key, stored);
  }

  /** A group's messages are answered (or given up on): they leave storage. */
  private settle(group: Held[]): void {
    for (const h of group) {
      const key = heldKey(h.seq);
      this.ctx.storage.kv.delete(key);
      this.state.waiting.delete(key);
    }
  }

  /**
   * One reply to a group of messages: "done" (answered, or given up on), "superseded" (more of the
   * burst arrived while the model wrote it: asked again, with it) or "later" (to be tried again;
   * nothing after it may go first).
   */
  private async answer(group: Held[]): Promise<"done" | "superseded" | "later"> {
    const edge = edgeFor(this.env);
    const message = together(group.map((h) => h.job.message));
    const first = group[0]!.job;
    const attempt = Math.max(...group.map((h) => h.attempts ?? 0)) + 1;
    const fields = {
      ref: ref(message.id),
      channel: message.address.channel,
      region: message.region,
      messages: group.length,
      attempt,
    };
    const started = Date.now();
    // The watchdog: a reply still running after TIMEOUT_REPLY_MS has failed, and is tried again;
    // whatever the abandoned one would still send is refused, so it cannot overtake or repeat the next.
    let abandoned = false;
    const writing: Writing = { group, abort: new AbortController(), delivering: false };
    this.writing = writing;
    try {
      const platform = edge.sender(message.address.channel);
      if (!platform) throw new Error(`the ${message.address.channel} channel is not configured`);
      const sender = unlessAbandoned(
        platform,
        () => abandoned,
        () => (writing.delivering = true),
      );
      const { reply, delivery } = await withDeadline(
        edge.respond(message, sender, {
          ...(first.ackMs !== undefined ? { ackMs: first.ackMs } : {}),
          waitUntil: (p) => this.ctx.waitUntil(p),
          kvUsage: group.reduce((sum, h) => addKvUsage(sum, h.job.kvUsage), { kvReads: 0, kvWrites: 0 }),
          signal: writing.abort.signal,
          // The burst's first message names its preview: asked again, the same draft is rewritten.
          previewId: group[0]!.seq,
        }),
        edge.config.timeouts.replyMs,
        "reply",
      ).finally(() => (abandoned = true));
      this.settle(group);
      log.info("message.handled", {
        ...fields,
        outcome: reply.outcome,
        delivery: delivery?.outcome ?? "none",
        chunks: delivery?.chunks,
        queueMs: started - first.acceptedAt,
        firstTokenMs: reply.firstTokenMs,
        totalMs: Date.now() - started,
        tokensIn: reply.tokensIn,
        tokensOut: reply.tokensOut,
        ...(this.burst?.firstSeq === group[0]!.seq ? { restarts: this.burst.restarts } : {}),
      });
      return "done";
    } catch (err) {
      if (err instanceof Superseded) {
        // Nothing was saved or sent: the next turn of the alarm's loop asks again with the whole burst.
        const restarts = this.burst?.firstSeq === group[0]!.seq ? this.burst.restarts + 1 : 1;
        this.burst = { firstSeq: group[0]!.seq, restarts };
        log.info("message.superseded", { ...fields, restarts });
        return "superseded";
      }
      if (attempt >= edge.config.replyMaxAttempts) {
        await countDeadLetter(edge, message, group.length);
        this.settle(group);
        return "done";
      }
      // (Kept for the next try with its watchdog mark: an overdue message is counted once.)
      const delaySeconds = err instanceof RetryDelivery ? Math.ceil(err.delaySeconds) : retryDelaySeconds(attempt);
      log.warn("message.retry", { ...fields, error: errorKind(err), delaySeconds });
      const retryAt = Date.now() + delaySeconds * 1000;
      // Only what an erasure has not dropped meanwhile is kept for the next try.
      for (const h of group)
        if (this.state.waiting.has(heldKey(h.seq)))
          this.keep({
            seq: h.seq,
            job: h.job,
            attempts: attempt,
            group: message.id,
            ...(this.state.waiting.get(heldKey(h.seq))?.overdue ? { overdue: true } : {}),
          });
      this.state.retryAt = retryAt;
      this.ctx.storage.kv.put("retryAt", retryAt);
      await this.ctx.storage.setAlarm(retryAt);
      return "later";
    } finally {
      if (this.writing === writing) this.writing = undefined;
    }
  }
}

/**
 * A sender that refuses to send once its reply was abandoned by the watchdog, and tells when the
 * reply's first message goes out.
 */
function unlessAbandoned(sender: ChannelSender, abandoned: () => boolean, sending: () => void): ChannelSender {
  const refuse = () => {
    throw new Error("the reply was abandoned (TIMEOUT_REPLY_MS); the next try answers instead");
  };
  return {
    ...sender,
    send: (to, chunk) => {
      if (abandoned()) return refuse();
      sending();
      return sender.send(to, chunk);
    },
    typing: (to) => (abandoned() ? Promise.resolve() : sender.typing(to)),
  };
}

/** Storage keys sort in arrival order. */
function heldKey(seq: number): string {
  return `m:${seq.toString().padStart(12, "0")}`;
}

/**
 * Messages answered by one reply, as one message: their texts in the order sent, one per line, under
 * the last one's id (a retry finds the reply saved under it) and address (the reply follows it).
 */
function together(messages: InboundMessage[]): InboundMessage {
  const last = messages[messages.length - 1]!;
  if (messages.length === 1) return last;
  const texts = messages.map((m) => (m.content.kind === "text" ? m.content : undefined));
  const text = texts.map((t) => t?.text ?? "").join("\n");
  // A caption among them: the answer says once that the attachment itself was not seen.
  const attachment = texts.find((t) => t?.attachment)?.attachment;
  return { ...last, content: { kind: "text", text, ...(attachment ? { attachment } : {}) } };
}
