import { DurableObject } from "cloudflare:workers";
import { groupBursts, type HeldMessage } from "../core/bursts.js";
import { edgeFor } from "../create-edge.js";
import type { Inbox } from "../edge.js";
import { withDeadline } from "../deadline.js";
import { RetryDelivery } from "../errors.js";
import { errorKind, log, ref } from "../log.js";
import type { ChannelSender, InboundMessage, QueueJob } from "../message.js";
import { countDeadLetter, countOverdue, retryDelaySeconds } from "../pipeline/dead-letters.js";
import { respond } from "../pipeline/respond.js";
import { addKvUsage } from "../services/kv-usage.js";

/**
 * At most this many messages of a burst share one reply, and at most this much text (one long
 * Telegram or WhatsApp message's worth); the rest get the next.
 */
const BURST_LIMITS = { messages: 10, chars: 4096 };
/** A user who keeps typing is answered at the latest this many windows after their first message. */
const MAX_HOLD_WINDOWS = 4;
/** Ids of messages taken in are remembered this long, so a queue redelivery of one is not answered twice. */
const REMEMBER_MS = 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;
const ALARM_RETRY_MS = 60_000;

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
 * stored; its alarm answers what waits, one reply after another, so a chat's replies never overtake
 * each other. Messages sent within the burst window of each other are answered together, once: each
 * new message moves the alarm to a window after it (bounded, for users who keep typing). A failed
 * reply is tried again with backoff, as the queue would, and counted as dead-lettered after its last
 * try.
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

  async accept(job: QueueJob): Promise<void> {
    const kv = this.ctx.storage.kv;
    const state = this.state;
    const now = Date.now();
    const seen = `seen:${ref(job.message.id)}`;
    if (kv.get(seen) !== undefined) {
      // A queue redelivery of a message already taken in: answered (or to be) once, as the first.
      log.info("message.dropped", { ref: ref(job.message.id), reason: "already_taken_in" });
      return;
    }
    const seq = state.seq + 1;
    // A user who keeps typing is answered all the same, a few windows after the oldest message waiting.
    const oldest = state.waiting.values().next().value;
    const window = edgeFor(this.env).config.burstWindowMs;
    const latest = (oldest?.job.acceptedAt ?? now) + MAX_HOLD_WINDOWS * window;
    // A reply waiting out a retry is not hurried by a new message.
    const due = Math.max(Math.min(now + window, latest), state.retryAt ?? 0);
    state.seq = seq;
    kv.put("seq", seq);
    kv.put(seen, now);
    this.keep({ seq, job });
    await this.ctx.storage.setAlarm(due);
  }

  async erase(): Promise<number> {
    const count = this.state.waiting.size;
    for (const { job } of this.state.waiting.values())
      log.info("message.dropped", { ref: ref(job.message.id), reason: "user_erased" });
    this.memory = undefined;
    await this.ctx.storage.deleteAll();
    await this.ctx.storage.deleteAlarm();
    return count;
  }

  override async alarm(): Promise<void> {
    try {
      await this.reportOverdue();
      const waiting = [...this.state.waiting.values()].map(held);
      for (const group of groupBursts(waiting, BURST_LIMITS)) {
        // An erasure while an earlier reply was being written dropped these: they are not answered.
        if (group.some((h) => !this.state.waiting.has(heldKey(h.seq)))) continue;
        if (!(await this.answer(group))) return;
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

  /** One reply to a group of messages; false when it is to be tried again later (nothing after it may go first). */
  private async answer(group: Held[]): Promise<boolean> {
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
    try {
      const platform = edge.sender(message.address.channel);
      if (!platform) throw new Error(`the ${message.address.channel} channel is not configured`);
      const sender = unlessAbandoned(platform, () => abandoned);
      const { reply, delivery } = await withDeadline(
        respond(message, sender, edge, {
          ...(first.ackMs !== undefined ? { ackMs: first.ackMs } : {}),
          waitUntil: (p) => this.ctx.waitUntil(p),
          kvUsage: group.reduce((sum, h) => addKvUsage(sum, h.job.kvUsage), { kvReads: 0, kvWrites: 0 }),
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
      });
      return true;
    } catch (err) {
      if (attempt >= edge.config.replyMaxAttempts) {
        await countDeadLetter(edge, message, group.length);
        this.settle(group);
        return true;
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
      return false;
    }
  }
}

/** A sender that refuses to send once its reply was abandoned by the watchdog. */
function unlessAbandoned(sender: ChannelSender, abandoned: () => boolean): ChannelSender {
  const refuse = () => {
    throw new Error("the reply was abandoned (TIMEOUT_REPLY_MS); the next try answers instead");
  };
  return {
    ...sender,
    send: (to, text) => (abandoned() ? refuse() : sender.send(to, text)),
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
