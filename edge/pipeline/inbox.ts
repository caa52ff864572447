import {
  afterFailure,
  capacityMode,
  capacityRetrySeconds,
  dueAt,
  forgotten,
  mergeBurst,
  nextReply,
  pruneDue,
  supersedes,
  type Waiting,
  type Writing,
} from "../core/inbox-policy.js";
import { withDeadline } from "../deadline.js";
import type { Edge, Inbox } from "../edge.js";
import { CapacityShort, ConfigError, ReplyAbandoned, RetryDelivery, Superseded } from "../errors.js";
import { INBOX_ALARM_RETRY_MS } from "../limits.js";
import { errorKind, log, ref } from "../log.js";
import type { ChannelSender, QueueJob } from "../message.js";
import { addUsage, noUsage } from "../usage.js";
import { countDeadLetter, countOverdue } from "./dead-letters.js";

/**
 * What the inbox keeps, and how its alarm is set: a Durable Object's synchronous storage
 * (`ctx.storage.kv` and the alarm) in production, a Map in the unit tests. Writes made without
 * awaiting in between are committed together (with the alarm), once.
 */
export interface InboxStorage {
  get<T>(key: string): T | undefined;
  put(key: string, value: unknown): void;
  delete(key: string): void;
  list<T>(prefix: string): Iterable<[string, T]>;
  setAlarm(at: number): Promise<void>;
  deleteAlarm(): Promise<void>;
  deleteAll(): Promise<void>;
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
  /** When it was first held because every server was saturated (epoch ms). */
  heldSince?: number;
  /** The user was told the answer follows (a "busy" note or a near FAQ answer). */
  noteSent?: boolean;
}

type Held = Stored & Waiting;

/** What the policy needs to know of a stored message. */
function held(stored: Stored): Held {
  const { sentAt, content, userKey } = stored.job.message;
  return {
    ...stored,
    sentAt,
    acceptedAt: stored.job.acceptedAt,
    sender: userKey,
    plainText: content.kind === "text",
    chars: content.kind === "text" ? content.text.length : 0,
  };
}

/** Outcomes of a reply that went as it should (with its delivery), whose log line may be sampled. */
const WENT_WELL = new Set(["answered", "faq", "command"]);

/**
 * The ids taken in on one day (UTC), in one row per day, or a few for a busy group, and, in the row
 * last taken into (the head row), the messages waiting: taking a message in rewrites one row (its id,
 * the message, and the inbox's sequence number, which needs no row of its own), answering it rewrites
 * that row again, and a day is forgotten by deleting its rows once, not one row per message.
 */
interface SeenDay {
  /** The sequence number of the last message taken in (the greatest, as they only grow). */
  seq: number;
  /** Keyed pseudonyms of the message ids. */
  ids: string[];
  /** The head row's: messages waiting to be answered, in arrival order. */
  waiting?: Stored[];
}
const SEEN_PREFIX = "seen@";
/** Ids in one row of a day, at most: about 35 KB. */
const SEEN_PER_ROW = 1000;
/**
 * Messages waiting in the head row, at most (a burst's worth): more, held longer (a busy group while
 * every server is saturated), wait in rows of their own, as every message did before the head row.
 */
const HEAD_WAITING_MAX = 10;
const DAY_MS = 86_400_000;

function seenKey(day: number, part: number): string {
  return `${SEEN_PREFIX}${day}.${part}`;
}

function dayOf(key: string): number {
  return Number(key.slice(SEEN_PREFIX.length).split(".")[0]);
}

/** Orders days' rows by day, then part (as numbers: part 10 comes after part 9). */
function byDayAndPart(a: string, b: string): number {
  const [dayA = 0, partA = 0] = a.slice(SEEN_PREFIX.length).split(".").map(Number);
  const [dayB = 0, partB = 0] = b.slice(SEEN_PREFIX.length).split(".").map(Number);
  return dayA - dayB || partA - partB;
}

/** Storage keys of waiting messages sort in arrival order. */
function heldKey(seq: number): string {
  return `m:${seq.toString().padStart(12, "0")}`;
}

/**
 * One messenger chat's inbox (Telegram, WhatsApp): the queue consumer hands it each message and acks
 * once it is stored; its alarm answers what waits, one reply after another, so a chat's replies never
 * overtake each other. It drops redeliveries (it remembers the ids it took in, keyed by pseudonym), a
 * burst is answered once (core/inbox-policy.ts says when a new message cancels the reply being
 * written), a failed reply is tried again with backoff and dead-lettered after its last try, a reply
 * past TIMEOUT_REPLY_MS is abandoned and tried again, and a message waiting past OVERDUE_AFTER_MS is
 * counted. objects/chat-inbox.ts is the Durable Object around it.
 */
export class InboxEngine implements Inbox {
  /**
   * Storage holds the truth; this is a copy of the small part every message reads, kept while the
   * object is in memory and read from storage again after it was evicted.
   */
  private memory:
    | {
        seq: number;
        retryAt: number | undefined;
        prunedAt: number;
        waiting: Map<string, Stored>;
        /** Keys of the waiting messages kept in rows of their own (`m:<seq>`), not in the head row. */
        own: Set<string>;
        seen: Map<string, SeenDay>;
        /** The row holding the waiting messages (the one last taken into), if any. */
        head: string | undefined;
        /** Rows changed in memory and not yet written (written once each by save()). */
        dirty: Set<string>;
        /** Rows of ids taken in one by one, before the days' rows, are still there (until forgotten). */
        legacySeen: boolean;
        /** When the alarm this inbox set is due (unknown after an eviction), and since when it runs. */
        alarmAt: number | undefined;
        alarmRunningSince: number | undefined;
      }
    | undefined;
  /** The reply the model is writing now, if any (in memory only: an evicted object is writing nothing). */
  private writing: (Writing<Held> & { abort: AbortController }) | undefined;
  /** How often the burst starting with message `firstSeq` was asked again. */
  private burst: { firstSeq: number; restarts: number } | undefined;

  constructor(
    private readonly edge: () => Edge,
    private readonly storage: InboxStorage,
    private readonly waitUntil: (work: Promise<unknown>) => void,
  ) {}

  private get state() {
    if (!this.memory) {
      const own = new Map(this.storage.list<Stored>("m:"));
      const seen = new Map(this.storage.list<SeenDay>(SEEN_PREFIX));
      // One row holds the waiting messages (the head moves with one write); should a fault have
      // left more than one, the latest is the head and the others are written again without theirs.
      const holding = [...seen].filter(([, day]) => day.waiting?.length).sort(([a], [b]) => byDayAndPart(a, b));
      const head = holding.at(-1)?.[0];
      const inHead = new Map<string, Stored>();
      for (const [, day] of holding) for (const stored of day.waiting!) inHead.set(heldKey(stored.seq), stored);
      const waiting = new Map([...inHead, ...own].sort(([a], [b]) => (a < b ? -1 : 1)));
      this.memory = {
        // (Inboxes from before the days' rows kept it in a row of its own, "seq".)
        seq: Math.max(
          this.storage.get<number>("seq") ?? 0,
          ...[...seen.values()].map((d) => d.seq),
          ...[...waiting.values()].map((s) => s.seq),
        ),
        retryAt: this.storage.get<number>("retryAt"),
        prunedAt: this.storage.get<number>("prunedAt") ?? 0,
        waiting,
        own: new Set(own.keys()),
        seen,
        head,
        dirty: new Set(holding.slice(0, -1).map(([key]) => key)),
        legacySeen: !this.storage.list("seen:")[Symbol.iterator]().next().done,
        alarmAt: undefined,
        alarmRunningSince: undefined,
      };
    }
    return this.memory;
  }

  /**
   * Whether a message id was taken in: in the days' rows, by its keyed pseudonym (or, while a key
   * rotation is under way, its pseudonym under the previous key); or, taken in before the days' rows,
   * in a row of its own (`seen:<pseudonym>`, or `seen:<log reference>` from before the pseudonyms).
   */
  private wasSeen(id: string): boolean {
    const { keys } = this.edge();
    const digests = [keys.of(id), ...(keys.previous ? [keys.previous(id)] : [])];
    for (const day of this.state.seen.values()) if (digests.some((d) => day.ids.includes(d))) return true;
    return this.state.legacySeen && [...digests, ref(id)].some((d) => this.storage.get(`seen:${d}`) !== undefined);
  }

  /**
   * Remembers a message id (by its keyed pseudonym) and the sequence number in today's row, which
   * becomes the head row (the waiting messages move there with it): written by the next save().
   */
  private remember(id: string, seq: number, now: number): void {
    const state = this.state;
    const day = Math.floor(now / DAY_MS);
    let part = 0;
    while ((state.seen.get(seenKey(day, part))?.ids.length ?? 0) >= SEEN_PER_ROW) part += 1;
    const key = seenKey(day, part);
    const row = state.seen.get(key) ?? { seq, ids: [] };
    row.seq = seq;
    row.ids.push(this.edge().keys.of(id));
    state.seen.set(key, row);
    state.dirty.add(key);
    if (state.head !== key) {
      // (The row that held them is written again without them: once a day at most.)
      if (state.head !== undefined && state.seen.has(state.head)) state.dirty.add(state.head);
      state.head = key;
    }
  }

  /**
   * Writes each row changed in memory once: a day's row with its ids (and, the head row, the messages
   * waiting in it), a message kept in a row of its own.
   */
  private save(): void {
    const state = this.state;
    for (const key of state.dirty) {
      if (key.startsWith("m:")) {
        const stored = state.waiting.get(key);
        if (stored) this.storage.put(key, stored);
        else this.storage.delete(key);
        continue;
      }
      const row = state.seen.get(key);
      if (!row) continue;
      const waiting =
        key === state.head ? [...state.waiting].filter(([k]) => !state.own.has(k)).map(([, stored]) => stored) : [];
      this.storage.put(key, { seq: row.seq, ids: row.ids, ...(waiting.length > 0 ? { waiting } : {}) });
    }
    state.dirty.clear();
  }

  /** Sets the alarm, and remembers when it is due. */
  private async setAlarm(at: number): Promise<void> {
    await this.storage.setAlarm(at);
    this.state.alarmAt = at;
  }

  /**
   * Whether the alarm's loop is running now, and so takes what arrives: for as long as a reply may
   * take (twice TIMEOUT_REPLY_MS), not longer, in case a runtime ended the handler without a word.
   */
  private alarmRunning(now: number): boolean {
    const since = this.state.alarmRunningSince;
    return since !== undefined && now - since < 2 * this.edge().config.timeouts.replyMs;
  }

  async take(job: QueueJob): Promise<void> {
    const state = this.state;
    const now = Date.now();
    if (this.wasSeen(job.message.id)) {
      // A redelivery of a message already taken in: answered (or to be) once, as the first.
      log.info("message.dropped", { ref: ref(job.message.id), reason: "duplicate_delivery" });
      return;
    }
    const seq = state.seq + 1;
    state.seq = seq;
    this.remember(job.message.id, seq, now);
    const stored = { seq, job };
    this.keep(stored);
    this.save();
    const restarts = this.burst?.firstSeq === this.writing?.group[0]?.seq ? (this.burst?.restarts ?? 0) : 0;
    if (supersedes(this.writing, held(stored), restarts, now)) {
      this.writing!.cancelled = true;
      this.writing!.abort.abort(new Superseded("more of the burst arrived"));
    }
    // A reply waiting out a retry is not hurried by a new message. An alarm already due sooner, or
    // running now (its loop takes what arrives meanwhile), is not set again: each setting is a write.
    const at = Math.max(this.dueAt(now), state.retryAt ?? 0);
    if (this.alarmRunning(now) || (state.alarmAt !== undefined && state.alarmAt <= at)) return;
    await this.setAlarm(at);
  }

  private dueAt(now: number): number {
    return dueAt(
      [...this.state.waiting.values()].map((s) => s.job),
      this.edge().config.burstWindowMs,
      now,
    );
  }

  async erase(): Promise<number> {
    const count = this.state.waiting.size;
    for (const { job } of this.state.waiting.values())
      log.info("message.dropped", { ref: ref(job.message.id), reason: "user_erased" });
    this.memory = undefined;
    // What was taken in is still recognised afterwards (keyed digests of message ids, nothing of the
    // person): a redelivery of an erased message does not start the conversation again.
    const seen = [...this.storage.list<unknown>("seen:"), ...this.storage.list<unknown>(SEEN_PREFIX)];
    await this.storage.deleteAll();
    await this.storage.deleteAlarm();
    for (const [key, value] of seen) {
      const { waiting, ...ids } = value as SeenDay;
      this.storage.put(key, waiting ? ids : value);
    }
    return count;
  }

  async alarm(): Promise<void> {
    this.state.alarmAt = undefined;
    this.state.alarmRunningSince = Date.now();
    try {
      await this.reportOverdue();
      // One reply after another, in order, until nothing waits. What arrives meanwhile is stored and
      // taken by a later turn of this loop; an erasure meanwhile has removed what it dropped.
      for (;;) {
        const group = nextReply([...this.state.waiting.values()].map(held));
        if (!group) break;
        // A reply being retried is due at its retry time, which set this alarm.
        const due = group[0]!.group === undefined ? this.dueAt(Date.now()) : 0;
        if (due > Date.now()) {
          await this.setAlarm(due);
          return;
        }
        const outcome = await this.answer(group);
        if (outcome === "later") return;
      }
      this.tidy();
    } catch (err) {
      // Only a dead letter that could not be counted gets here (its region's Redis is down). The
      // runtime would retry a few times and then give up, leaving the messages without an alarm:
      // this inbox keeps trying instead.
      log.error("inbox.alarm_failed", { error: errorKind(err) });
      await this.setAlarm(Date.now() + INBOX_ALARM_RETRY_MS);
    } finally {
      if (this.memory) this.memory.alarmRunningSince = undefined;
    }
  }

  /**
   * The watchdog's account: a message acknowledged longer ago than OVERDUE_AFTER_MS and still waiting
   * (its replies kept failing, or its region's services hang) is logged by reference and counted in
   * its region (`metrics:overdue:<channel>`, what an alert reads), once.
   */
  private async reportOverdue(): Promise<void> {
    const edge = this.edge();
    const now = Date.now();
    // Marked first, in one write: an erasure while a count is awaited finds nothing to bring back.
    const overdue = [...this.state.waiting.values()].filter(
      (stored) => !stored.overdue && now - stored.job.acceptedAt > edge.config.overdueAfterMs,
    );
    if (overdue.length === 0) return;
    for (const stored of overdue) this.amend(stored.seq, { overdue: true });
    this.save();
    for (const stored of overdue) {
      const { message } = stored.job;
      log.error("message.overdue", {
        ref: ref(message.id),
        channel: message.address.channel,
        region: message.region,
        waitedMs: now - stored.job.acceptedAt,
        attempts: stored.attempts ?? 0,
      });
      await countOverdue(edge, message).catch((err: unknown) =>
        log.warn("overdue.count_failed", { ref: ref(message.id), error: errorKind(err) }),
      );
    }
  }

  /**
   * Once nothing waits (what arrived while answering has its own alarm): the days whose ids are all
   * forgotten are deleted (a row or a few a day), and, hourly, the rows of ids taken in one by one
   * before the days' rows.
   */
  private tidy(): void {
    const state = this.state;
    if (state.waiting.size > 0) return;
    const now = Date.now();
    for (const key of [...state.seen.keys()])
      if (forgotten((dayOf(key) + 1) * DAY_MS, now)) {
        state.seen.delete(key);
        this.storage.delete(key);
        if (state.head === key) state.head = undefined;
      }
    if (state.legacySeen && pruneDue(state.prunedAt, now)) {
      let left = 0;
      for (const [key, at] of this.storage.list<number>("seen:"))
        if (forgotten(at, now)) this.storage.delete(key);
        else left += 1;
      state.prunedAt = now;
      if (left > 0) this.storage.put("prunedAt", now);
      else {
        // The last of them is gone: so goes what only they needed.
        state.legacySeen = false;
        this.storage.delete("prunedAt");
        this.storage.delete("seq");
      }
    }
    if (state.retryAt !== undefined) {
      state.retryAt = undefined;
      this.storage.delete("retryAt");
    }
  }

  /**
   * Keeps a waiting message (new, or tried once more) in the head row, or, past HEAD_WAITING_MAX
   * there, in a row of its own: written by the next save().
   */
  private keep(stored: Stored): void {
    const state = this.state;
    const key = heldKey(stored.seq);
    const isNew = !state.waiting.has(key);
    state.waiting.set(key, stored);
    // (No head row: only a message from before them is tried again here; it stays where it is.)
    if (isNew && (state.head === undefined || state.waiting.size - state.own.size > HEAD_WAITING_MAX))
      state.own.add(key);
    state.dirty.add(state.own.has(key) ? key : state.head!);
  }

  /**
   * Keeps a group's messages waiting for capacity (not as a failed try: no attempt is counted, and
   * messages that arrive meanwhile may join them), and asks again later; nothing after them goes first.
   */
  private async holdForCapacity(
    group: readonly Held[],
    heldSince: number,
    noteSent: boolean,
    retryAfterSeconds: number | undefined,
  ): Promise<"later"> {
    // Only what changed is written again (each write is a row): a message held on is rewritten once,
    // when it is first held, and once more when the user is told.
    for (const h of group) this.amend(h.seq, { heldSince, ...(noteSent ? { noteSent } : {}) });
    return this.askAgainAt(Date.now() + capacityRetrySeconds(retryAfterSeconds, noteSent) * 1000);
  }

  /**
   * Changes what is kept of a waiting message (written by the next save()), unless an erasure has
   * dropped it meanwhile, or nothing would change.
   */
  private amend(seq: number, change: Partial<Stored>): void {
    const current = this.state.waiting.get(heldKey(seq));
    if (!current || Object.entries(change).every(([k, v]) => current[k as keyof Stored] === v)) return;
    this.keep({ ...current, ...change });
  }

  /** Writes what changed, and asks again for what waits at `at`: nothing after it may go first. */
  private async askAgainAt(at: number): Promise<"later"> {
    this.save();
    this.state.retryAt = at;
    this.storage.put("retryAt", at);
    await this.setAlarm(at);
    return "later";
  }

  /** A group's messages are answered (or given up on): they leave storage (one row rewritten). */
  private settle(group: readonly Held[]): void {
    const state = this.state;
    for (const h of group) {
      const key = heldKey(h.seq);
      if (!state.waiting.delete(key)) continue;
      if (state.own.delete(key)) state.dirty.add(key);
      else if (state.head !== undefined) state.dirty.add(state.head);
    }
    this.save();
  }

  /**
   * One reply to a group of messages: "done" (answered, or given up on), "superseded" (more of the
   * burst arrived while the model wrote it: asked again, with it) or "later" (to be tried again;
   * nothing after it may go first).
   */
  private async answer(group: Held[]): Promise<"done" | "superseded" | "later"> {
    const edge = this.edge();
    const message = mergeBurst(group.map((h) => h.job.message));
    const first = group[0]!;
    const attempt = Math.max(...group.map((h) => h.attempts ?? 0)) + 1;
    const restarts = this.burst?.firstSeq === first.seq ? this.burst.restarts : undefined;
    const fields = {
      ref: ref(message.id),
      channel: message.address.channel,
      region: message.region,
      messages: group.length,
      attempt,
    };
    const started = Date.now();
    // Held for capacity: how long, whether the user was told, and so what this try may do.
    const heldSince = minOf(group.map((h) => h.heldSince));
    const noteSent = group.some((h) => h.noteSent);
    const capacity = capacityMode(heldSince, noteSent, started, edge.config.capacity);
    // The watchdog: a reply still running after TIMEOUT_REPLY_MS has failed, and is tried again;
    // whatever the abandoned one would still send is refused, so it cannot overtake or repeat the next.
    let abandoned = false;
    const writing = { group, abort: new AbortController(), delivering: false, cancelled: false };
    this.writing = writing;
    try {
      const platform = edge.sender(message.address.channel);
      if (!platform) throw new ConfigError(`the ${message.address.channel} channel is not configured`);
      const sender = unlessAbandoned(
        platform,
        () => abandoned,
        () => (writing.delivering = true),
      );
      const { reply, delivery } = await withDeadline(
        edge.respond(message, sender, {
          ...(first.job.ackMs !== undefined ? { ackMs: first.job.ackMs } : {}),
          waitUntil: this.waitUntil,
          usage: group.reduce((sum, h) => addUsage(sum, h.job.usage ?? h.job.kvUsage), noUsage()),
          signal: writing.abort.signal,
          // The burst's first message names its preview: asked again, the same draft is rewritten.
          previewId: first.seq,
          capacity,
          serialized: true,
          // The first message this inbox took in: no conversation of the chat is expected in Redis.
          ...(first.seq === 1 ? { firstInChat: true } : {}),
          ...(heldSince !== undefined ? { admitted: true, heldMs: started - heldSince } : {}),
        }),
        edge.config.timeouts.replyMs,
        "reply",
      )
        .catch((err: unknown) => {
          // Given up on (or failed): what still runs of it stops, so it saves no turn after the
          // next try's, nor into a conversation an erasure since started afresh.
          if (!writing.abort.signal.aborted)
            writing.abort.abort(new ReplyAbandoned("the reply was abandoned (TIMEOUT_REPLY_MS)"));
          throw err;
        })
        .finally(() => (abandoned = true));
      if (reply.outcome === "busy_note" || reply.outcome === "faq_busy") {
        // The user knows the answer follows: the messages wait on for it, without another note.
        log.info("message.busy_note", { ...fields, heldMs: started - (heldSince ?? started) });
        return this.holdForCapacity(group, heldSince ?? started, true, undefined);
      }
      this.settle(group);
      // Answered and delivered is the common case: sampled (LOG_SUCCESS_SAMPLE_RATE); anything else is kept.
      const wentWell = WENT_WELL.has(reply.outcome) && delivery?.outcome === "delivered";
      (wentWell ? log.success : log.info)("message.handled", {
        ...fields,
        outcome: reply.outcome,
        delivery: delivery?.outcome ?? "none",
        chunks: delivery?.chunks,
        queueMs: started - first.acceptedAt,
        firstTokenMs: reply.firstTokenMs,
        totalMs: Date.now() - started,
        tokensIn: reply.tokensIn,
        tokensOut: reply.tokensOut,
        ...(restarts !== undefined ? { restarts } : {}),
      });
      return "done";
    } catch (err) {
      if (err instanceof Superseded) {
        // Nothing was saved or sent: the next turn of the alarm's loop asks again with the whole burst.
        this.burst = { firstSeq: first.seq, restarts: (restarts ?? 0) + 1 };
        log.info("message.superseded", { ...fields, restarts: this.burst.restarts });
        return "superseded";
      }
      if (err instanceof CapacityShort) {
        // Every server is saturated: nothing was saved or sent. "typing…" says the answer is coming.
        if (!noteSent)
          void edge
            .sender(message.address.channel)
            ?.typing(message.address)
            .catch(() => {});
        log.info("message.held", { ...fields, heldMs: started - (heldSince ?? started) });
        return this.holdForCapacity(group, heldSince ?? started, noteSent, err.retryAfterSeconds);
      }
      const next = afterFailure(
        attempt,
        edge.config.replyMaxAttempts,
        err instanceof RetryDelivery ? err.delaySeconds : undefined,
      );
      if (next.giveUp) {
        await countDeadLetter(edge, message, group.length);
        this.settle(group);
        return "done";
      }
      log.warn("message.retry", { ...fields, error: errorKind(err), delaySeconds: next.delaySeconds });
      // What an erasure has not dropped meanwhile is kept for the next try as it was (its watchdog
      // mark, its hold for capacity: the next try neither takes the rate limit again nor sends a second
      // note), with the try counted and the reply it belongs to.
      for (const h of group) this.amend(h.seq, { attempts: attempt, group: message.id });
      return this.askAgainAt(Date.now() + next.delaySeconds * 1000);
    } finally {
      if (this.writing === writing) this.writing = undefined;
    }
  }
}

function minOf(values: Array<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? Math.min(...known) : undefined;
}

/**
 * A sender that refuses to send once its reply was abandoned by the watchdog, and tells when the
 * reply's first message goes out.
 */
function unlessAbandoned(sender: ChannelSender, abandoned: () => boolean, sending: () => void): ChannelSender {
  return {
    ...sender,
    send: (to, chunk) => {
      if (abandoned()) throw new ReplyAbandoned("the reply was abandoned (TIMEOUT_REPLY_MS); the next try answers");
      sending();
      return sender.send(to, chunk);
    },
    typing: (to) => (abandoned() ? Promise.resolve() : sender.typing(to)),
  };
}
